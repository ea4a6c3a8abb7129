//! COSEM interface classes: arbitrary bytes as an attribute value into every class decoder, and
//! as a profile buffer into the fast path, checked against the `Data` tree path.

use dlms::Data;
use dlms::cosem::{Column, Object, ProfileColumns};
use obis::{ObisCode, ScalerUnit, Unit};

/// The column layout chosen by one byte: 0 to 3 columns, two bits each.
fn columns(sel: u8) -> ProfileColumns {
    let n = usize::from(sel >> 6);
    let cols: Vec<Column> = (0..n)
        .map(|i| match (sel >> (2 * i)) & 3 {
            0 => Column::DateTime,
            1 => Column::Scaled(ScalerUnit {
                scaler: -1,
                unit: Unit::VOLT,
            }),
            2 => Column::Raw,
            _ => Column::Scaled(ScalerUnit {
                scaler: 3,
                unit: Unit::WATT_HOUR,
            }),
        })
        .collect();
    ProfileColumns::new(&cols)
}

pub fn run(data: &[u8]) {
    let ln = ObisCode::new(0, 0, 1, 0, 0, 255);
    if let Ok(d) = Data::parse(data) {
        for id in Object::CLASS_IDS {
            let mut o = Object::new(*id, ln).expect("a modelled class");
            for a in 0..=16i8 {
                if o.set_attribute(a, &d).is_ok() {
                    let again = o.attribute(a).expect("a decoded attribute encodes");
                    let mut o2 = o.clone();
                    o2.set_attribute(a, &again)
                        .expect("an encoded attribute decodes");
                    // Compared as bytes: a NaN float is not equal to itself.
                    let bytes =
                        |d: Option<Data>| d.map(|d| d.to_vec().expect("an attribute encodes"));
                    assert_eq!(
                        bytes(o2.attribute(a)),
                        bytes(Some(again)),
                        "attribute {a} of {id} does not round trip"
                    );
                }
            }
        }
    }

    let Some((sel, buffer)) = data.split_first() else {
        return;
    };
    let cols = columns(*sel);
    let rows = cols.decode_buffer(buffer);
    let table = cols.decode_table(buffer);
    assert_eq!(rows.is_ok(), table.is_ok());
    match Data::parse(buffer) {
        Ok(d @ (Data::Array(_) | Data::CompactArray(_))) => {
            let tree = cols.rows(d.as_slice().unwrap_or(&[]));
            assert_eq!(tree.is_ok(), rows.is_ok(), "fast and tree paths disagree");
            if let (Ok(t), Ok(r), Ok(tab)) = (tree, rows, table) {
                // Debug form: NaN floats compare equal there.
                assert_eq!(format!("{t:?}"), format!("{r:?}"));
                assert_eq!(format!("{:?}", tab.to_rows()), format!("{r:?}"));
            }
        }
        Ok(_) | Err(_) => assert!(
            rows.is_err(),
            "fast path accepted a buffer the codec rejects"
        ),
    }
}
