//! Data headers, CI fields, the fixed data structure, application errors and alarms.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use mbus::{
    Address, ApplicationError, Ci, Control, DecodeOptions, Error, FixedUnit, Frame, Header,
    Manufacturer, Medium, Response, UserData, Value,
};

fn long(ci: u8, data: &[u8]) -> Vec<u8> {
    let f = Frame::Long {
        control: Control::RSP_UD,
        address: Address(1),
        ci: Ci(ci),
        data,
    };
    let mut out = vec![0u8; f.buffer_len()];
    f.emit(&mut out).unwrap();
    out
}

// the header of libmbus ELS_Elster-F96-Plus
const ELS: [u8; 12] = [
    0x51, 0x39, 0x49, 0x44, 0x93, 0x15, 0x2F, 0x04, 0xA1, 0x70, 0x00, 0x00,
];

#[test]
fn long_header_deconstruct() {
    let mut data = ELS.to_vec();
    data.extend([0x0C, 0x06, 0x00, 0x00, 0x00, 0x00]);
    let bytes = long(0x72, &data);
    let rsp = Response::parse(&bytes, DecodeOptions::STRICT).unwrap();
    assert_eq!(
        (rsp.control, rsp.address, rsp.ci),
        (Control::RSP_UD, Address(1), Ci(0x72))
    );
    let UserData::Variable(vd) = rsp.data else {
        panic!()
    };
    let Header::Long(h) = vd.header else { panic!() };
    assert_eq!(h.id.number(), Some(44_493_951));
    assert_eq!(h.manufacturer, Manufacturer::from_code(*b"ELS").unwrap());
    assert_eq!(
        (h.version, h.medium, h.access_number),
        (47, Medium::HEAT_OUTLET, 161)
    );
    assert_eq!((h.status.0, h.signature), (0x70, 0));
    assert_eq!(vd.records_offset, 12);
    assert_eq!(vd.records().count(), 1);
}

#[test]
fn short_and_no_header_and_msb_first() {
    let bytes = long(0x7A, &[0x05, 0x00, 0x00, 0x00, 0x01, 0x13, 0x07]);
    let UserData::Variable(vd) = Response::parse(&bytes, DecodeOptions::STRICT).unwrap().data
    else {
        panic!()
    };
    let Header::Short(h) = vd.header else {
        panic!()
    };
    assert_eq!(h.access_number, 5);
    assert_eq!(
        vd.records().next().unwrap().unwrap().value,
        Value::Integer(7)
    );
    let bytes = long(0x78, &[0x01, 0x13, 0x07]);
    let UserData::Variable(vd) = Response::parse(&bytes, DecodeOptions::STRICT).unwrap().data
    else {
        panic!()
    };
    assert_eq!(vd.header, Header::None);
    let mut msb = [
        0x44, 0x49, 0x39, 0x51, 0x15, 0x93, 0x2F, 0x04, 0xA1, 0x70, 0x00, 0x00,
    ]
    .to_vec();
    msb.extend([0x02, 0x13, 0x12, 0x34]);
    let msb_frame = long(0x76, &msb);
    let UserData::Variable(vd) = Response::parse(&msb_frame, DecodeOptions::STRICT)
        .unwrap()
        .data
    else {
        panic!()
    };
    assert_eq!(vd.long_header().unwrap().id.number(), Some(44_493_951));
    assert_eq!(vd.long_header().unwrap().manufacturer.to_string(), "ELS");
    assert_eq!(
        vd.records().next().unwrap().unwrap().value,
        Value::Integer(0x1234)
    );
}

#[test]
fn non_bcd_id_strict_and_lenient() {
    let mut data = ELS.to_vec();
    data[0] = 0x3E;
    let bytes = long(0x72, &data);
    assert!(matches!(
        Response::parse(&bytes, DecodeOptions::STRICT),
        Err(Error::InvalidBcd { found: 0x3E, .. })
    ));
    let UserData::Variable(vd) = Response::parse(&bytes, DecodeOptions::LENIENT)
        .unwrap()
        .data
    else {
        panic!()
    };
    assert_eq!(vd.long_header().unwrap().id.number(), None);
    // a truncated header is an error in both modes
    for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
        assert!(matches!(
            Response::parse(&long(0x72, &ELS[..11]), opts),
            Err(Error::Truncated { needed: 1, .. })
        ));
    }
}

#[test]
fn fixed_structure() {
    // libmbus sen_pollusonic_2: 6531 kWh and 69 l, BCD, actual values
    let data = [
        0x93, 0x92, 0x91, 0x90, 0x10, 0x00, 0x05, 0x69, 0x31, 0x65, 0, 0, 0x69, 0, 0, 0,
    ];
    let UserData::Fixed(fd) = Response::parse(&long(0x73, &data), DecodeOptions::STRICT)
        .unwrap()
        .data
    else {
        panic!()
    };
    assert_eq!(fd.id.number(), Some(90_919_293));
    assert_eq!(
        (fd.access_number, fd.medium, fd.stored()),
        (16, Medium::HEAT_OUTLET, false)
    );
    assert_eq!(
        (fd.counters[0].unit, fd.counters[0].value),
        (FixedUnit(0x05), 6531)
    );
    assert_eq!(fd.counters[1].unit.symbol(), "l");
    assert_eq!(fd.counters[1].value, 69);
    // binary counters (status bit 7)
    let mut bin = data;
    bin[5] = 0x80;
    let UserData::Fixed(fd) = Response::parse(&long(0x73, &bin), DecodeOptions::STRICT)
        .unwrap()
        .data
    else {
        panic!()
    };
    assert_eq!(fd.counters[0].value, 0x6531);
    assert!(matches!(
        Response::parse(&long(0x73, &data[..15]), DecodeOptions::STRICT),
        Err(Error::Truncated { .. })
    ));
}

#[test]
fn errors_alarms_and_other_ci() {
    let f = long(0x70, &[0x09]);
    let rsp = Response::parse(&f, DecodeOptions::STRICT).unwrap();
    assert_eq!(
        rsp.data,
        UserData::ApplicationError {
            code: ApplicationError::TOO_MANY_READOUTS,
            extra: &[]
        }
    );
    let f = long(0x71, &[0x02]);
    let rsp = Response::parse(&f, DecodeOptions::STRICT).unwrap();
    assert_eq!(rsp.data, UserData::Alarm(&[0x02]));
    assert_eq!(
        Response::parse(&long(0x99, &[0x00]), DecodeOptions::STRICT),
        Err(Error::UnsupportedCi {
            offset: 6,
            ci: 0x99
        })
    );
    // a short frame is not a response
    assert!(matches!(
        Response::parse(&[0x10, 0x5B, 0x01, 0x5C, 0x16], DecodeOptions::STRICT),
        Err(Error::Unexpected { .. })
    ));
}
