//! Fuzz target `mbus_records`: the EN 13757-3 application layer (data headers and records)
//! without the link layer, so that no checksum stands between the fuzzer and the decoder.

use mbus::{Ci, DecodeOptions, Records, UserData};

/// Decodes arbitrary bytes as user data (first byte: CI field) and as bare records.
pub fn run(data: &[u8]) {
    for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
        let mut last = 0usize;
        for r in Records::new(data, opts).flatten() {
            assert!(r.offset >= last && r.offset < data.len().max(1));
            last = r.offset;
            let _ = r.scaled();
            let _ = r.scaler_unit();
        }
        for r in Records::new_msb_first(data, opts).flatten() {
            let _ = r.scaled();
        }
        if let Some((&ci, rest)) = data.split_first()
            && let Ok(UserData::Variable(vd)) = UserData::parse(Ci(ci), rest, opts)
        {
            for r in vd.records().flatten() {
                let _ = r.scaled();
            }
        }
    }
}
