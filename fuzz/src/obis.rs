//! Fuzz target `obis`: textual and octet-string OBIS parsing, display, describe and lookups.

use obis::registry::{self, ObisPattern};
use obis::{ObisCode, describe};

/// Parses arbitrary bytes as OBIS text (if UTF-8, and as raw bytes) and as the 6-byte octet
/// string; every success must display and re-parse to the same code, and describing or
/// looking it up must not panic.
pub fn run(data: &[u8]) {
    if let Ok(text) = core::str::from_utf8(data) {
        let parsed = text.parse::<ObisCode>();
        assert_eq!(
            parsed,
            ObisCode::parse_text(data),
            "str and byte parsers agree"
        );
        if let Ok(code) = parsed {
            check(code);
        }
        if let Ok(pattern) = text.parse::<ObisPattern>() {
            let again: ObisPattern = pattern.to_string().parse().expect("pattern re-parses");
            assert_eq!(again, pattern, "pattern round trip");
            let _ = registry::matching(&pattern).count();
        }
    } else if let Ok(code) = ObisCode::parse_text(data) {
        check(code);
    }
    match ObisCode::parse(data) {
        Ok(code) => {
            assert_eq!(code.as_bytes().as_slice(), data);
            check(code);
        }
        Err(_) => assert_ne!(data.len(), 6, "six bytes always parse"),
    }
}

fn check(code: ObisCode) {
    let canonical = code.to_string();
    assert_eq!(
        canonical.parse::<ObisCode>(),
        Ok(code),
        "canonical round trip"
    );
    let dotted = format!("{code:#}");
    assert_eq!(dotted.parse::<ObisCode>(), Ok(code), "dotted round trip");
    let mut buf = [0u8; ObisCode::MAX_TEXT_LEN];
    assert_eq!(code.write_canonical(&mut buf), canonical);
    let description = describe(code);
    assert_eq!(description.code, code);
    assert!(!description.to_string().is_empty());
    if let Some(entry) = registry::lookup(code) {
        assert_eq!(entry.code, code);
    }
    let _ = registry::lookup_tolerant(code);
    let _ = obis::Quantity::of(code);
}
