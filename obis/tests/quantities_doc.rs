//! `docs/quantities.md` lists every quantity with the registry's code, unit and scaler.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use obis::{ObisCode, Quantity, Unit, registry};

#[test]
fn the_quantities_table_matches_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/quantities.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let mut seen = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 5, "{line}");
        let name = cells[0].trim_matches('`');
        let quantity: Quantity = name.parse().unwrap_or_else(|_| panic!("unknown {name}"));
        assert!(seen.insert(quantity), "{name} listed twice");
        let code: ObisCode = cells[1].trim_matches('`').parse().unwrap();
        assert_eq!(quantity.code(), Some(code), "{name}: code");
        let entry = registry::lookup(code).unwrap();
        assert_eq!(entry.quantity, Some(quantity), "{name}");
        match (cells[2], cells[3], entry.scaler_unit) {
            ("—", "—", None) => {}
            (unit, scaler, Some(su)) => {
                let expected_unit = if unit == "(none)" {
                    Unit::COUNT
                } else {
                    Unit::from_symbol(unit).unwrap()
                };
                assert_eq!(su.unit, expected_unit, "{name}: unit");
                assert_eq!(scaler.parse::<i8>().unwrap(), su.scaler, "{name}: scaler");
            }
            other => panic!("{name}: {other:?} does not match {:?}", entry.scaler_unit),
        }
        assert_eq!(cells[4], entry.description, "{name}: description");
    }
    for q in Quantity::ALL {
        assert!(seen.contains(q), "{q} missing from docs/quantities.md");
    }
}
