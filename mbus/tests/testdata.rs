//! The libmbus frames bundled in `testdata/` (BSD-3-Clause, see `testdata/README.md`): these
//! checks run without the shared corpus.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mbus::{
    ApplicationError, DecodeOptions, Error, FixedUnit, Frame, Medium, Quantity, Record,
    RecordFunction, RecordKind, Response, SiUnit, UserData, Value, Vif,
};

fn load(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/");
    let text = std::fs::read_to_string(format!("{path}{name}.hex")).unwrap();
    text.split_whitespace()
        .map(|t| u8::from_str_radix(t, 16).unwrap())
        .collect()
}

fn records(bytes: &[u8], opts: DecodeOptions) -> Vec<Record<'_>> {
    let rsp = Response::parse(bytes, opts).unwrap();
    let UserData::Variable(vd) = rsp.data else {
        panic!("variable data expected")
    };
    vd.records().collect::<Result<_, _>>().unwrap()
}

fn scaled(r: &Record<'_>) -> (f64, SiUnit) {
    let s = r.scaled().unwrap();
    (s.value, s.unit)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9_f64.max(b.abs() * 1e-12)
}

#[test]
fn landis_gyr_t230_header_and_values() {
    let bytes = load("landis+gyr_ultraheat_t230");
    let rsp = Response::parse(&bytes, DecodeOptions::STRICT).unwrap();
    let UserData::Variable(vd) = rsp.data else {
        panic!()
    };
    let h = vd.long_header().unwrap();
    assert_eq!(h.id.number(), Some(66_660_205));
    assert_eq!(h.manufacturer.to_string(), "LUG");
    assert_eq!((h.version, h.medium), (7, Medium::HEAT_OUTLET));
    assert_eq!((h.access_number, h.status.0, h.signature), (1, 0x10, 0));
    let recs = records(&bytes, DecodeOptions::STRICT);
    assert_eq!(recs.len(), 35);
    // #0: 09 74 04: actuality duration in seconds, 2-digit BCD
    assert_eq!(recs[0].value, Value::Bcd(4));
    assert_eq!(scaled(&recs[0]), (4.0, SiUnit::Second));
    // #2: 0C 06 00 00 00 00: energy, 8-digit BCD, kWh
    assert_eq!(recs[2].value, Value::Bcd(0));
    assert_eq!(recs[2].info().unwrap().quantity, Quantity::Energy);
    // #6: 0B 5A 95 01 00: flow temperature 0.1 °C, 6-digit BCD -> 19.5 °C
    let (v, u) = scaled(&recs[6]);
    assert!(close(v, 19.5) && u == SiUnit::DegreeCelsius, "{v} {u:?}");
    // #17: 9B 10 5A 07 03 00: maximum, tariff 1, flow temperature 30.7 °C
    assert_eq!(recs[17].dib.function, RecordFunction::Maximum);
    assert_eq!((recs[17].dib.tariff, recs[17].dib.storage), (1, 0));
    assert!(close(scaled(&recs[17]).0, 30.7));
}

#[test]
fn landis_gyr_t230_vife_6f_is_a_date_and_time() {
    // 94 10 DA 6F 32 14 7A 18: maximum, tariff 1, flow temperature with VIFE 6F "date/time of
    // end of last": the data is a type F date and time (libmbus prints 41065374.6 °C)
    let bytes = load("landis+gyr_ultraheat_t230");
    let recs = records(&bytes, DecodeOptions::STRICT);
    let dates: Vec<_> = recs[19..=22]
        .iter()
        .map(|r| {
            let vib = r.vib.unwrap();
            assert!(vib.is_time_point());
            assert_eq!(vib.vifes, &[0x6F]);
            let Value::DateTime(dt) = r.value else {
                panic!("{r:?}")
            };
            (
                dt.date.year,
                dt.date.month,
                dt.date.day,
                dt.time.hour,
                dt.time.minute,
            )
        })
        .collect();
    assert_eq!(
        dates,
        [
            (2000, 0, 0, 0, 0),
            (2000, 0, 0, 0, 0),
            (2011, 8, 26, 20, 50),
            (2011, 8, 9, 11, 43)
        ]
    );
    assert_eq!(recs[21].vib.unwrap().vif, Vif::Primary(0x5A));
    assert!(
        recs[21].scaled().is_none(),
        "a time point has no scaled number"
    );
    // the readout date of the same frame: 04 6D 04 0C 8D 11 = 2012-01-13 12:04
    let Value::DateTime(now) = recs[33].value else {
        panic!("{:?}", recs[33])
    };
    assert_eq!(
        (now.date.year, now.date.month, now.date.day, now.time.hour),
        (2012, 1, 13, 12)
    );
    assert_eq!(
        recs[34].value,
        Value::Manufacturer(&[0x09, 0x07, 0x00, 0x66, 0x01])
    );
}

#[test]
fn itron_dates_versions_and_manufacturer_data() {
    let bytes = load("ACW_Itron-BM-plus-m");
    let recs = records(&bytes, DecodeOptions::STRICT);
    assert_eq!(recs.len(), 9);
    assert_eq!(recs[0].value, Value::Bcd(11_490_378));
    let (v, u) = scaled(&recs[1]);
    assert!(close(v, 54.321) && u == SiUnit::CubicMetre);
    let Value::Date(d) = recs[2].value else {
        panic!()
    };
    assert_eq!(
        (d.year, d.month, d.day, recs[2].dib.storage),
        (2000, 0, 0, 1)
    );
    let Value::DateTime(dt) = recs[4].value else {
        panic!()
    };
    assert_eq!(
        (
            dt.date.year,
            dt.date.month,
            dt.date.day,
            dt.time.hour,
            dt.time.minute
        ),
        (2014, 3, 13, 11, 11)
    );
    assert_eq!(recs[6].vib.unwrap().vif, Vif::Fd(0x0E));
    assert_eq!(recs[6].value, Value::Bcd(2));
    assert_eq!(recs[7].value, Value::Bcd(6));
    assert_eq!(
        recs[8].kind,
        RecordKind::ManufacturerData {
            more_records_follow: false
        }
    );
    assert_eq!(
        recs[8].value,
        Value::Manufacturer(&[0x00, 0x01, 0x75, 0x13])
    );
}

#[test]
fn sensus_fixed_data_structure() {
    let bytes = load("sen_pollusonic_2");
    let rsp = Response::parse(&bytes, DecodeOptions::STRICT).unwrap();
    let UserData::Fixed(fd) = rsp.data else {
        panic!("{:?}", rsp.data)
    };
    assert_eq!(fd.id.number(), Some(90_919_293));
    assert_eq!((fd.access_number, fd.status), (0x10, 0));
    assert!(!fd.stored());
    assert_eq!(fd.counters[0].value, 6531);
    assert_eq!(fd.counters[0].unit.symbol(), "kWh");
    assert_eq!(fd.counters[1].value, 69);
    assert_eq!(fd.counters[1].unit, FixedUnit(0x29));
}

#[test]
fn application_error_frame() {
    let bytes = load("application_busy");
    let rsp = Response::parse(&bytes, DecodeOptions::STRICT).unwrap();
    assert_eq!(
        rsp.data,
        UserData::ApplicationError {
            code: ApplicationError::APPLICATION_BUSY,
            extra: &[]
        }
    );
}

#[test]
fn too_many_difes_are_rejected_in_both_modes() {
    let bytes = load("too_many_dife");
    for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
        let rsp = Response::parse(&bytes, opts).unwrap();
        let UserData::Variable(vd) = rsp.data else {
            panic!()
        };
        let err = vd.records().find_map(Result::err).unwrap();
        assert!(
            matches!(
                err,
                Error::TooManyDife {
                    offset: 21,
                    limit: 10
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn first_telegram_of_a_multi_telegram_readout() {
    let bytes = load("svm_f22_telegram2");
    let frame = Frame::parse(&bytes).unwrap();
    let rsp = Response::from_frame(&frame, DecodeOptions::STRICT).unwrap();
    let UserData::Variable(vd) = rsp.data else {
        panic!()
    };
    let mut recs = vd.records();
    let r = recs.next().unwrap().unwrap();
    assert_eq!(
        r.kind,
        RecordKind::ManufacturerData {
            more_records_follow: true
        }
    );
    assert!(recs.next().is_none());
    assert!(recs.more_records_follow());
}
