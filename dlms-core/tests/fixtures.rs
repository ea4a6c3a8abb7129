//! Byte fixtures: construct (encode and compare bytes), deconstruct (parse and check every
//! field), and the error kinds of impossible input.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dlms::apdu::*;
use dlms::{Data, DataRef, DecodeLimits, Error, Limit, TypeDescription, TypeTag};
use obis::ObisCode;

#[test]
fn long_length_forms() {
    for (n, head) in [
        (0x7F, vec![0x09, 0x7F]),
        (0x80, vec![0x09, 0x81, 0x80]),
        (0x100, vec![0x09, 0x82, 0x01, 0x00]),
    ] {
        let d = Data::OctetString(vec![0xAA; n]);
        let bytes = d.to_vec().unwrap();
        assert_eq!(&bytes[..head.len()], &head[..]);
        assert_eq!(bytes.len(), head.len() + n);
        assert_eq!(Data::parse(&bytes).unwrap(), d);
    }
    // The four-byte form decodes too (and re-encodes in the shortest form).
    let four = [0x09, 0x84, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02];
    assert_eq!(Data::parse(&four).unwrap(), Data::OctetString(vec![1, 2]));
    assert_eq!(
        Data::parse(&[0x09, 0x85, 0, 0, 0, 0, 1]),
        Err(Error::InvalidLength { offset: 1 })
    );
    assert_eq!(
        Data::parse(&[0x09, 0x80]),
        Err(Error::InvalidLength { offset: 1 })
    );
}

#[test]
fn data_errors() {
    assert_eq!(
        Data::parse(&[]),
        Err(Error::Truncated {
            offset: 0,
            needed: 1
        })
    );
    assert_eq!(
        Data::parse(&[0x12, 0x01]),
        Err(Error::Truncated {
            offset: 1,
            needed: 1
        })
    );
    assert_eq!(
        Data::parse(&[0x07]),
        Err(Error::UnknownTag { offset: 0, tag: 7 })
    );
    assert_eq!(
        Data::parse(&[0x02, 0x01, 0x08]),
        Err(Error::UnknownTag { offset: 2, tag: 8 })
    );
    assert_eq!(
        Data::parse(&[0x11, 0x01, 0x00]),
        Err(Error::TrailingBytes {
            offset: 2,
            count: 1
        })
    );
    // An array claiming 2^32 - 1 elements in 6 bytes: truncated, without reserving memory.
    assert_eq!(
        Data::parse(&[0x01, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
        Err(Error::LimitExceeded {
            offset: 0,
            limit: Limit::Elements
        })
    );
    let few = DecodeLimits {
        max_elements: 3,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        Data::parse_with_limits(&[0x01, 0x03, 0, 0, 0], few),
        Err(Error::LimitExceeded {
            offset: 0,
            limit: Limit::Elements
        })
    );
    let small = DecodeLimits {
        max_size: 4,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        Data::parse_with_limits(&[0x09, 0x05, 1, 2, 3, 4, 5], small),
        Err(Error::LimitExceeded {
            offset: 1,
            limit: Limit::Size
        })
    );
    assert_eq!(
        DataRef::parse_with_limits(&[0x09, 0x05, 1, 2, 3, 4, 5], small),
        Err(Error::LimitExceeded {
            offset: 1,
            limit: Limit::Size
        })
    );
    // Deep nesting stops at the depth limit, in both decoders.
    let deep = [0x01u8, 0x01].repeat(40);
    assert!(matches!(
        Data::parse(&deep),
        Err(Error::LimitExceeded {
            limit: Limit::Depth,
            ..
        })
    ));
    assert!(matches!(
        DataRef::parse(&deep),
        Err(Error::LimitExceeded {
            limit: Limit::Depth,
            ..
        })
    ));
    // A compact array whose elements take no bytes cannot loop forever.
    assert!(matches!(
        Data::parse(&[0x13, 0x00, 0x01, 0xAA]),
        Err(Error::InvalidValue { .. })
    ));
}

#[test]
fn compact_array() {
    // compact-array of structure { unsigned, double-long-unsigned }, two elements.
    let bytes = [
        0x13, 0x02, 0x02, 0x11, 0x06, 0x0A, 0x01, 0, 0, 0, 1, 0x02, 0, 0, 0, 2,
    ];
    let Data::CompactArray(c) = Data::parse(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(
        c.description,
        TypeDescription::Structure(vec![
            TypeDescription::Simple(TypeTag::UNSIGNED),
            TypeDescription::Simple(TypeTag::DOUBLE_LONG_UNSIGNED)
        ])
    );
    assert_eq!(
        c.elements[1],
        Data::Structure(vec![Data::Unsigned(2), Data::DoubleLongUnsigned(2)])
    );
    assert_eq!(Data::CompactArray(c.clone()).to_vec().unwrap(), bytes);
    // An element that does not match the description cannot be encoded.
    let mut bad = c;
    bad.elements.push(Data::Null);
    assert!(matches!(
        Data::CompactArray(bad).to_vec(),
        Err(Error::Unencodable { .. })
    ));
}

#[test]
fn scaler_and_accessors() {
    let su = Data::Structure(vec![Data::Integer(-2), Data::Enum(33)])
        .as_scaler_unit()
        .unwrap();
    assert_eq!((su.scaler, su.unit), (-2, obis::Unit::AMPERE));
    assert_eq!(Data::LongUnsigned(781).scaled(su).unwrap().value, 7.81);
    assert_eq!(Data::Long64Unsigned(u64::MAX).as_i64(), None);
    assert_eq!(Data::DoubleLong(-5).as_u64(), None);
    assert_eq!(Data::VisibleString(b"LGZ".to_vec()).as_str(), Some("LGZ"));
    assert_eq!(
        Data::OctetString(vec![1, 0, 1, 8, 0, 255]).as_obis(),
        Some(ObisCode::new(1, 0, 1, 8, 0, 255))
    );
    assert_eq!(Data::OctetString(vec![1, 2]).as_obis(), None);
}

#[test]
fn general_glo_ciphering_fixture() {
    // E450 Graz push, first 20 bytes of the reassembled APDU with a long length `82 01 03`.
    let mut bytes = vec![
        0xDB, 0x08, 0x4C, 0x47, 0x5A, 0x67, 0x73, 0x5D, 0xD3, 0xA9, 0x82, 0x01, 0x03, 0x30,
    ];
    bytes.extend_from_slice(&0x000A_CC83u32.to_be_bytes());
    bytes.extend(std::iter::repeat_n(0x55, 0x103 - 5));
    let g = GeneralGloCiphering::parse(&bytes).unwrap();
    assert_eq!(&g.system_title, b"LGZgs]\xD3\xA9");
    assert_eq!(g.security_control, SecurityControl::AUTHENTICATED_ENCRYPTED);
    assert_eq!(g.invocation_counter, 707_715);
    assert_eq!(g.ciphertext.len(), 0x103 - 5);
    assert_eq!(g.buffer_len(), bytes.len());
    let mut out = Vec::new();
    g.encode(&mut out).unwrap();
    assert_eq!(out, bytes);
    // Impossible lengths.
    assert_eq!(
        GeneralGloCiphering::parse(&bytes[..20]),
        Err(Error::Truncated {
            offset: 13,
            needed: 0x103 - 7
        })
    );
    assert!(matches!(
        GeneralGloCiphering::parse(&[0xDB, 0x07, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(Error::InvalidValue { offset: 1, .. })
    ));
    assert_eq!(
        GeneralGloCiphering::parse(&[0xDC]),
        Err(Error::UnknownTag {
            offset: 0,
            tag: 0xDC
        })
    );
    assert_eq!(
        GeneralGloCiphering::parse(&[0xDB, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x30, 0, 0]),
        Err(Error::Truncated {
            offset: 12,
            needed: 2
        })
    );
    let mut small = [0u8; 10];
    assert_eq!(
        g.emit(&mut small),
        Err(Error::BufferTooSmall { needed: 13 })
    );
}

#[test]
fn apdu_errors() {
    assert_eq!(
        Apdu::parse(&[0xC0, 0x04, 0xC1]),
        Err(Error::UnknownTag { offset: 1, tag: 4 })
    );
    assert_eq!(
        Apdu::parse(&[0xC4, 0x01, 0xC1, 0x02]),
        Err(Error::UnknownTag { offset: 3, tag: 2 })
    );
    assert_eq!(
        Apdu::parse(&[0xC0, 0x01, 0xC1, 0x00]),
        Err(Error::Truncated {
            offset: 3,
            needed: 1
        })
    );
    assert!(matches!(
        Apdu::parse(&[0xC4, 0x02, 0xC1, 0x02]),
        Err(Error::InvalidValue { offset: 3, .. })
    ));
    // AARE without its result and diagnostic.
    let aare = [
        0x61, 0x09, 0xA1, 0x07, 0x06, 0x05, 0x60, 0x85, 0x74, 0x05, 0x08,
    ];
    assert!(matches!(
        Apdu::parse(&aare),
        Err(Error::InvalidValue { .. })
    ));
    // Not a DLMS application context.
    let aarq = [
        0x60, 0x0B, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x09, 0x01, 0x01,
    ];
    assert!(matches!(
        Apdu::parse(&aarq),
        Err(Error::InvalidValue {
            what: "application context name",
            ..
        })
    ));
    // Unknown ACSE element.
    let unknown = [0x62, 0x02, 0x9F, 0x00];
    assert_eq!(
        Apdu::parse(&unknown),
        Err(Error::UnknownTag {
            offset: 2,
            tag: 0x9F
        })
    );
}

#[test]
fn selective_access_by_range() {
    // GET profile 1-0:99.1.0 buffer, rows between two clock values, all columns.
    let from = [
        0x07, 0xE8, 0x03, 0x0D, 0xFF, 0, 0, 0, 0xFF, 0x80, 0x00, 0xFF,
    ];
    let to = [
        0x07, 0xE8, 0x03, 0x0E, 0xFF, 0, 0, 0, 0xFF, 0x80, 0x00, 0xFF,
    ];
    let req = Apdu::GetRequest(GetRequest::Normal {
        invoke: InvokeIdAndPriority(0xC1),
        attribute: AttributeDescriptor {
            class_id: 7,
            instance: ObisCode::new(1, 0, 99, 1, 0, 255),
            attribute: 2,
        },
        access: Some(SelectiveAccess::Range(RangeDescriptor {
            restricting_object: CaptureObject {
                class_id: 8,
                logical_name: ObisCode::new(0, 0, 1, 0, 0, 255),
                attribute: 2,
                data_index: 0,
            },
            from: Data::OctetString(from.to_vec()),
            to: Data::OctetString(to.to_vec()),
            selected_values: vec![],
        })),
    });
    let bytes = req.to_vec().unwrap();
    let mut want = vec![
        0xC0, 0x01, 0xC1, 0x00, 0x07, 1, 0, 99, 1, 0, 255, 0x02, 0x01, 0x01, 0x02, 0x04,
    ];
    want.extend_from_slice(&[
        0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0, 0, 1, 0, 0, 255, 0x0F, 0x02, 0x12, 0, 0,
    ]);
    want.extend_from_slice(&[0x09, 0x0C]);
    want.extend_from_slice(&from);
    want.extend_from_slice(&[0x09, 0x0C]);
    want.extend_from_slice(&to);
    want.extend_from_slice(&[0x01, 0x00]);
    assert_eq!(bytes, want);
    assert_eq!(Apdu::parse(&bytes).unwrap(), req);
}

#[test]
fn exception_and_confirmed_error() {
    let e = Apdu::parse(&[0xD8, 0x01, 0x06, 0x00, 0x00, 0x01, 0x00]).unwrap();
    assert_eq!(
        e,
        Apdu::ExceptionResponse(ExceptionResponse {
            state_error: 1,
            service_error: 6,
            invocation_counter: Some(256)
        })
    );
    assert_eq!(
        e.to_vec().unwrap(),
        [0xD8, 0x01, 0x06, 0x00, 0x00, 0x01, 0x00]
    );
    assert!(
        Apdu::ExceptionResponse(ExceptionResponse {
            state_error: 1,
            service_error: 1,
            invocation_counter: Some(1)
        })
        .to_vec()
        .is_err()
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip() {
    let d = Data::Structure(vec![
        Data::OctetString(vec![1, 0, 1, 8, 0, 255]),
        Data::DoubleLongUnsigned(886_977),
        Data::DateTime(dlms::DateTime::from_bytes([
            0x07, 0xE5, 7, 6, 2, 14, 58, 18, 0xFF, 0x80, 0, 0x81,
        ])),
    ]);
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(serde_json::from_str::<Data>(&json).unwrap(), d);
}
