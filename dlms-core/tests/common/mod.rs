//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(clippy::arithmetic_side_effects)]

use std::path::PathBuf;

use dlms::Data;

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The shared corpus folder, or `None` (skip) when absent and CI is not set.
pub(crate) fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus folder {} is missing", p.display());
    } else {
        eprintln!("skipping: corpus folder {} is absent", p.display());
        None
    }
}

/// The frames of an HDLC stream, cut by the `hdlc` crate's stream decoder (check sequences
/// verified): `(segmented, information field)` per frame, and the number of rejected frames.
pub(crate) fn hdlc_frames(stream: &[u8]) -> (Vec<(bool, Vec<u8>)>, usize) {
    let mut decoder = hdlc::FrameDecoder::new();
    decoder.feed(stream);
    let (mut frames, mut bad) = (Vec::new(), 0);
    while let Some(frame) = decoder.next_frame() {
        match frame {
            Ok(f) => frames.push((f.segmented, f.info.to_vec())),
            Err(_) => bad += 1,
        }
    }
    (frames, bad)
}

/// Strips the LLC header `E6 E6 00` / `E6 E7 00` if present.
pub(crate) fn strip_llc(info: &[u8]) -> &[u8] {
    match info {
        [0xE6, 0xE6 | 0xE7, 0x00, rest @ ..] => rest,
        _ => info,
    }
}

/// Every integer anywhere in a value.
pub(crate) fn ints(d: &Data, out: &mut Vec<i64>) {
    if let Some(v) = d.as_slice() {
        v.iter().for_each(|d| ints(d, out));
    } else if let Some(i) = d.as_i64() {
        out.push(i);
    }
}

/// Every byte string anywhere in a value.
pub(crate) fn strings(d: &Data, out: &mut Vec<Vec<u8>>) {
    if let Some(v) = d.as_slice() {
        v.iter().for_each(|d| strings(d, out));
    } else if let Some(b) = d.as_bytes() {
        out.push(b.to_vec());
    }
}

/// The value that follows a 6-byte octet string equal to `obis` in a flat or nested body.
pub(crate) fn value_after_obis(d: &Data, obis: [u8; 6]) -> Option<&Data> {
    let items = d.as_slice()?;
    for w in items.windows(2) {
        if w[0].as_bytes() == Some(&obis[..]) {
            return Some(&w[1]);
        }
    }
    items.iter().find_map(|i| value_after_obis(i, obis))
}

/// The Python interpreter with gurux-dlms installed, for the interoperability tests.
///
/// From `COMPTEUR_PYTHON` (set by `make test`), else `<workspace>/.venv/bin/python`. When it is
/// missing the test named by `what` is skipped with a message — unless `CI` is set, where a
/// missing peer is a failure.
pub(crate) fn gurux_python(what: &str) -> Option<String> {
    let py = std::env::var("COMPTEUR_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").into());
    let why = match std::process::Command::new(&py)
        .args(["-c", "import gurux_dlms"])
        .output()
    {
        Ok(o) if o.status.success() => return Some(py),
        Ok(o) => format!(
            "`{py} -c 'import gurux_dlms'` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("cannot run {py}: {e}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("skipping the {what}: {why} (run `make venv` or set COMPTEUR_PYTHON)");
    None
}
