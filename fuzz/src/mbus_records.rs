//! Fuzz target `mbus_records`: the EN 13757-3 application layer (data headers and records)
//! without the link layer, so that no checksum stands between the fuzzer and the decoder; every
//! decoded record is also re-encoded and decoded again.

use mbus::{Ci, DecodeOptions, PlainTextOrder, Record, Records, UserData};

/// Decodes arbitrary bytes as user data (first byte: CI field) and as bare records.
pub fn run(data: &[u8]) {
    for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
        let mut last = 0usize;
        for r in Records::new(data, opts).flatten() {
            assert!(r.offset >= last && r.offset < data.len().max(1));
            last = r.offset;
            let _ = r.scaled();
            let _ = r.scaler_unit();
            re_encode(&r, opts);
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

/// A decoded record that encodes must decode to a record that encodes to the same bytes.
fn re_encode(r: &Record<'_>, opts: DecodeOptions) {
    let mut first = [0u8; 300];
    let Ok(n) = r.repr().emit(&mut first) else {
        return;
    };
    assert_eq!(n, r.repr().buffer_len());
    let bytes = first.get(..n).unwrap_or_default();
    let opts = DecodeOptions {
        plain_text: PlainTextOrder::VifeFirst,
        ..opts
    };
    let again = Records::new(bytes, opts)
        .next()
        .expect("a record")
        .expect("an encoded record decodes");
    assert_eq!(again.kind, r.kind);
    assert_eq!(again.dib.storage, r.dib.storage);
    assert_eq!(again.dib.tariff, r.dib.tariff);
    assert_eq!(again.dib.subunit, r.dib.subunit);
    let mut second = [0u8; 300];
    let m = again.repr().emit(&mut second).expect("re-encode");
    assert_eq!(second.get(..m), Some(bytes));
}
