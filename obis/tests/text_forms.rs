//! Every textual form round-trips; malformed input is rejected without panicking.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use obis::registry::{self, ObisPattern};
use obis::{ObisCode, ParseError, describe};
use proptest::prelude::*;

fn code() -> impl Strategy<Value = ObisCode> {
    any::<[u8; 6]>().prop_map(ObisCode::from_bytes)
}

proptest! {
    #[test]
    fn canonical_round_trips(code in code()) {
        prop_assert_eq!(code.to_string().parse::<ObisCode>(), Ok(code));
        let mut buf = [0u8; ObisCode::MAX_TEXT_LEN];
        prop_assert_eq!(code.write_canonical(&mut buf), code.to_string());
    }

    #[test]
    fn dotted_round_trips(code in code()) {
        prop_assert_eq!(format!("{code:#}").parse::<ObisCode>(), Ok(code));
    }

    #[test]
    fn other_forms_round_trip(code in code()) {
        let [a, b, c, d, e, f] = code.to_bytes();
        prop_assert_eq!(format!("{a}-{b}:{c}.{d}.{e}.{f}").parse::<ObisCode>(), Ok(code));
        prop_assert_eq!(format!("{a}-{b}:{c}.{d}.{e}&{f}").parse::<ObisCode>(), Ok(code));
        prop_assert_eq!(format!("{a:03}-{b:03}:{c:03}.{d:03}.{e:03}*{f:03}").parse::<ObisCode>(), Ok(code));
        let hex: String = code.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
        prop_assert_eq!(hex.parse::<ObisCode>(), Ok(code));
        prop_assert_eq!(hex.to_lowercase().parse::<ObisCode>(), Ok(code));
        prop_assert_eq!(ObisCode::try_from(&code.as_bytes()[..]), Ok(code));
        prop_assert_eq!(ObisCode::parse_const(&code.to_string()), Ok(code));
        let without_f = ObisCode::new(a, b, c, d, e, 255);
        prop_assert_eq!(format!("{a}-{b}:{c}.{d}.{e}").parse::<ObisCode>(), Ok(without_f));
        let short = ObisCode::new(1, 0, c, d, e, 255);
        prop_assert_eq!(format!("{c}.{d}.{e}").parse::<ObisCode>(), Ok(short));
        prop_assert_eq!(format!("{c}.{d}.{e}*{f}").parse::<ObisCode>(), Ok(short.with_f_for_test(f)));
    }

    #[test]
    fn any_string_never_panics(text in "\\PC{0,30}") {
        if let Ok(code) = text.parse::<ObisCode>() {
            prop_assert_eq!(code.to_string().parse::<ObisCode>(), Ok(code));
        }
        let _ = text.parse::<ObisPattern>();
    }

    #[test]
    fn code_like_strings_never_panic(text in "[0-9.:*&\\-a-fA-F]{0,30}") {
        match text.parse::<ObisCode>() {
            Ok(code) => prop_assert_eq!(code.to_string().parse::<ObisCode>(), Ok(code)),
            Err(ParseError::InvalidCharacter { offset, .. }
                | ParseError::ValueOutOfRange { offset, .. }
                | ParseError::TrailingInput { offset }) => prop_assert!(offset < text.len()),
            Err(_) => {}
        }
        let _ = text.parse::<ObisPattern>();
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = ObisCode::parse_text(&bytes);
        match ObisCode::parse(&bytes) {
            Ok(code) => prop_assert_eq!(code.as_bytes().as_slice(), bytes.as_slice()),
            Err(e) => prop_assert_eq!(e, ParseError::WrongLength { expected: 6, found: bytes.len() }),
        }
    }

    #[test]
    fn describe_and_lookups_never_panic(code in code()) {
        let d = describe(code);
        prop_assert_eq!(d.code, code);
        let text = d.to_string();
        prop_assert!(!text.is_empty());
        let _ = registry::lookup(code);
        let _ = registry::lookup_tolerant(code);
        let _ = obis::Quantity::of(code);
    }

    #[test]
    fn channel_b_tolerance_for_every_electricity_entry(b in 0u8..=255) {
        for entry in registry::ENTRIES.iter().filter(|e| e.code.a() == 1 && e.code.b() == 0) {
            let other = entry.code.with_b(b);
            prop_assert_eq!(
                registry::lookup_tolerant(other).and_then(|e| e.quantity),
                entry.quantity
            );
        }
    }
}

trait WithF {
    fn with_f_for_test(self, f: u8) -> Self;
}

impl WithF for ObisCode {
    fn with_f_for_test(self, f: u8) -> Self {
        let [a, b, c, d, e, _] = self.to_bytes();
        ObisCode::new(a, b, c, d, e, f)
    }
}

#[test]
fn every_registry_entry_round_trips_through_every_form() {
    for entry in registry::ENTRIES {
        let code = entry.code;
        assert_eq!(code.to_string().parse::<ObisCode>(), Ok(code));
        assert_eq!(format!("{code:#}").parse::<ObisCode>(), Ok(code));
        assert_eq!(registry::lookup(code), Some(entry));
    }
}

#[test]
fn sorted_and_unique() {
    assert!(registry::ENTRIES.windows(2).all(|w| w[0].code < w[1].code));
}

#[test]
fn describe_all_codes_of_a_slice_of_the_space() {
    // Walk A and C fully and sample B, D, E and F (the proptests cover the rest at random).
    for a in 0..=255u8 {
        for c in 0..=255u8 {
            for d in [0u8, 7, 8, 200] {
                for (e, f) in [(0u8, 255u8), (124, 101)] {
                    let code = ObisCode::new(a, 0, c, d, e, f);
                    assert!(!describe(code).to_string().is_empty());
                }
            }
        }
    }
}
