//! serde: codes as their canonical text, quantities as their names.
#![cfg(feature = "serde")]
#![allow(missing_docs, clippy::unwrap_used)]

use obis::{ObisCode, Quantity};
use proptest::prelude::*;

#[test]
fn code_is_a_canonical_string() {
    let code = ObisCode::new(1, 0, 1, 8, 0, 255);
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"1-0:1.8.0*255\"");
    for text in [
        "\"1-0:1.8.0*255\"",
        "\"1.0.1.8.0.255\"",
        "\"1.8.0\"",
        "\"0100010800FF\"",
    ] {
        assert_eq!(serde_json::from_str::<ObisCode>(text).unwrap(), code);
    }
    let err = serde_json::from_str::<ObisCode>("\"1-0:1.8.x\"").unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid character 'x' at offset 8"),
        "{err}"
    );
}

#[test]
fn quantity_is_its_name() {
    for &q in Quantity::ALL {
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(json, format!("\"{}\"", q.as_str()));
        assert_eq!(serde_json::from_str::<Quantity>(&json).unwrap(), q);
    }
    assert!(serde_json::from_str::<Quantity>("\"voltage_l9\"").is_err());
}

proptest! {
    #[test]
    fn round_trip(bytes in any::<[u8; 6]>()) {
        let code = ObisCode::from_bytes(bytes);
        let json = serde_json::to_string(&code).unwrap();
        prop_assert_eq!(serde_json::from_str::<ObisCode>(&json).unwrap(), code);
    }
}
