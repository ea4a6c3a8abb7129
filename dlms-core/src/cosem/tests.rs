//! Fixtures from the public corpus, byte-exact construct tests, errors and properties.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use obis::{ObisCode, ScalerUnit, Unit};
use proptest::prelude::*;

use super::*;
use crate::apdu::{Apdu, BlockResult, CaptureObject, GetDataResult, GetResponse};
use crate::{BitString, ClockStatus, Data, Date, DateTime, Error, Time, TypeTag};

// ---------------------------------------------------------------- corpus

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

/// The server-to-client APDUs of the Gurux public session, HDLC segments joined and the LLC
/// header removed, each with the `context` label of its frames.
fn gurux_apdus() -> Option<Vec<(String, Vec<u8>)>> {
    let path = format!("{CORPUS}/gurux_public_session.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => {
            assert!(std::env::var_os("CI").is_none(), "corpus missing at {path}");
            std::println!("skipped: corpus not found at {path}");
            return None;
        }
    };
    let mut out = Vec::new();
    let mut cur: Option<(String, Vec<u8>)> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        let info_len = f["info_len"].as_u64().unwrap() as usize;
        if f["dir"] != "S->C" || info_len == 0 || !f["context"].as_str().unwrap().starts_with("GET")
        {
            continue;
        }
        let hex = f["hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        // flag, format, addresses, control, HCS, information, FCS, flag.
        let info = &bytes[bytes.len() - 3 - info_len..bytes.len() - 3];
        let entry =
            cur.get_or_insert_with(|| (f["context"].as_str().unwrap().to_string(), Vec::new()));
        entry.1.extend_from_slice(info);
        if !f["segmented"].as_bool().unwrap() {
            let (ctx, info) = cur.take().unwrap();
            assert_eq!(&info[..3], &[0xE6, 0xE7, 0x00], "{ctx}: LLC header");
            out.push((ctx, info[3..].to_vec()));
        }
    }
    Some(out)
}

/// The value of a GET: a normal response's data, or the raw data of datablock responses
/// joined and parsed.
fn get_value(apdus: &[(String, Vec<u8>)], context: &str) -> (Vec<u8>, Data) {
    let mut raw = Vec::new();
    let mut next_block = 1;
    for (_, apdu) in apdus.iter().filter(|(c, _)| c == context) {
        match Apdu::parse(apdu).unwrap() {
            Apdu::GetResponse(GetResponse::Normal {
                result: GetDataResult::Data(d),
                ..
            }) => {
                return (d.to_vec().unwrap(), d);
            }
            Apdu::GetResponse(GetResponse::WithDataBlock { block, .. }) => {
                assert_eq!(block.block_number, next_block);
                next_block += 1;
                let BlockResult::RawData(r) = block.result else {
                    panic!("{context}: block error")
                };
                raw.extend_from_slice(r);
                if block.last_block {
                    break;
                }
            }
            other => panic!("{context}: unexpected {other:?}"),
        }
    }
    assert!(!raw.is_empty(), "{context}: no response");
    let d = Data::parse(&raw).unwrap();
    (raw, d)
}

const CLOCK_LN: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const PROFILE_LN: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);

fn dt(y: u16, mo: u8, d: u8, dow: u8, h: u8, mi: u8) -> DateTime {
    DateTime {
        date: Date {
            year: y,
            month: mo,
            day: d,
            day_of_week: dow,
        },
        time: Time {
            hour: h,
            minute: mi,
            second: 0,
            hundredths: 0,
        },
        deviation: -60,
        status: ClockStatus(0x80),
    }
}

#[test]
fn corpus_clock() {
    let Some(apdus) = gurux_apdus() else { return };
    let mut clock = Clock::new(CLOCK_LN);
    for a in [2, 3, 4, 9] {
        let (_, d) = get_value(&apdus, &format!("GET 8/0.0.1.0.0.255/{a}"));
        clock.set_attribute(a, &d).unwrap();
        assert_eq!(
            clock.attribute(a),
            Some(d),
            "attribute {a} encodes back to the same value"
        );
    }
    let time = clock.time.unwrap();
    assert_eq!(
        time,
        DateTime {
            date: Date {
                year: 2024,
                month: 6,
                day: 1,
                day_of_week: 6
            },
            time: Time {
                hour: 14,
                minute: 30,
                second: 15,
                hundredths: 0
            },
            deviation: -60,
            status: ClockStatus(0x80),
        }
    );
    assert_eq!(time.to_unix_seconds(), Some(1_717_248_615)); // 13:30:15 UTC
    assert_eq!(clock.time_zone, Some(-60));
    assert!(clock.status.unwrap().daylight_saving());
    assert_eq!(clock.clock_base, Some(ClockBase::INTERNAL_CRYSTAL));
    assert_eq!(clock.daylight_savings_begin, None);
}

#[test]
fn corpus_data_objects() {
    let Some(apdus) = gurux_apdus() else { return };
    let mut serial = DataObject::new(ObisCode::new(0, 0, 96, 1, 0, 255));
    serial
        .set_attribute(2, &get_value(&apdus, "GET 1/0.0.96.1.0.255/2").1)
        .unwrap();
    assert_eq!(
        serial.value.as_ref().and_then(Data::as_str),
        Some("36123456")
    );
    let mut ldn = DataObject::new(ObisCode::new(0, 0, 42, 0, 0, 255));
    ldn.set_attribute(2, &get_value(&apdus, "GET 1/0.0.42.0.0.255/2").1)
        .unwrap();
    assert_eq!(
        ldn.value.as_ref().and_then(Data::as_str),
        Some("LGZ1030736123456")
    );
}

fn corpus_register(apdus: &[(String, Vec<u8>)], ln: &str) -> Register {
    let code: ObisCode = ln.parse().unwrap();
    let mut r = Register::new(code);
    for a in [3, 2] {
        let (bytes, d) = get_value(apdus, &format!("GET 3/{ln}/{a}"));
        r.set_attribute(a, &d).unwrap();
        assert_eq!(
            r.attribute(a).unwrap().to_vec().unwrap(),
            bytes,
            "{ln}/{a} byte-exact re-encoding"
        );
    }
    r
}

#[test]
fn corpus_registers() {
    let Some(apdus) = gurux_apdus() else { return };
    let cases: &[(&str, Number, i8, Unit, f64)] = &[
        (
            "1.0.1.8.0.255",
            Number::Unsigned(12_345_678),
            0,
            Unit::WATT_HOUR,
            12_345_678.0,
        ),
        (
            "1.0.2.8.0.255",
            Number::Unsigned(2_345_678),
            0,
            Unit::WATT_HOUR,
            2_345_678.0,
        ),
        (
            "1.0.1.8.1.255",
            Number::Unsigned(8_000_000),
            0,
            Unit::WATT_HOUR,
            8_000_000.0,
        ),
        (
            "1.0.1.8.2.255",
            Number::Unsigned(4_345_678),
            0,
            Unit::WATT_HOUR,
            4_345_678.0,
        ),
        (
            "1.0.1.7.0.255",
            Number::Unsigned(1234),
            0,
            Unit::WATT,
            1234.0,
        ),
        (
            "1.0.32.7.0.255",
            Number::Unsigned(2301),
            -1,
            Unit::VOLT,
            230.1,
        ),
        (
            "1.0.52.7.0.255",
            Number::Unsigned(2298),
            -1,
            Unit::VOLT,
            229.8,
        ),
        (
            "1.0.72.7.0.255",
            Number::Unsigned(2315),
            -1,
            Unit::VOLT,
            231.5,
        ),
        (
            "1.0.31.7.0.255",
            Number::Unsigned(523),
            -2,
            Unit::AMPERE,
            5.23,
        ),
        (
            "1.0.51.7.0.255",
            Number::Unsigned(187),
            -2,
            Unit::AMPERE,
            1.87,
        ),
        (
            "1.0.71.7.0.255",
            Number::Unsigned(1042),
            -2,
            Unit::AMPERE,
            10.42,
        ),
    ];
    for &(ln, raw, scaler, unit, scaled) in cases {
        let v = corpus_register(&apdus, ln).value().unwrap();
        assert_eq!(
            v,
            RegisterValue {
                raw,
                scaler,
                unit,
                scaled
            },
            "{ln}"
        );
    }
}

fn corpus_profile_object(apdus: &[(String, Vec<u8>)]) -> ProfileGeneric {
    let mut p = ProfileGeneric::new(PROFILE_LN);
    for a in [3, 4, 5, 7, 8] {
        let (bytes, d) = get_value(apdus, &format!("GET 7/1.0.99.1.0.255/{a}"));
        p.set_attribute(a, &d).unwrap();
        assert_eq!(
            p.attribute(a).unwrap().to_vec().unwrap(),
            bytes,
            "attribute {a} byte-exact re-encoding"
        );
    }
    p
}

fn corpus_scalers(apdus: &[(String, Vec<u8>)], p: &ProfileGeneric) -> Vec<Option<ScalerUnit>> {
    p.capture_objects
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| {
            (c.class_id == 3).then(|| {
                let (_, d) = get_value(
                    apdus,
                    &format!(
                        "GET 3/{}/3",
                        c.logical_name.to_string().replace(['-', ':', '*'], ".")
                    ),
                );
                ScalerUnit::from_data(&d).unwrap()
            })
        })
        .collect()
}

fn check_row(row: &ProfileRow, time: DateTime, import: u64, export: u64) {
    assert_eq!(row.values.len(), 3);
    assert_eq!(row.timestamp(), Some(time));
    for (v, raw) in row.values[1..].iter().zip([import, export]) {
        let ProfileValue::Number(n) = v else {
            panic!("{v:?}")
        };
        #[allow(clippy::cast_precision_loss)]
        let expected = RegisterValue {
            raw: Number::Unsigned(raw),
            scaler: 0,
            unit: Unit::WATT_HOUR,
            scaled: raw as f64,
        };
        assert_eq!(*n, expected);
    }
}

#[test]
fn corpus_profile() {
    let Some(apdus) = gurux_apdus() else { return };
    let mut p = corpus_profile_object(&apdus);
    let objs = p.capture_objects.clone().unwrap();
    assert_eq!(
        objs,
        vec![
            CaptureObject {
                class_id: 8,
                logical_name: CLOCK_LN,
                attribute: 2,
                data_index: 0
            },
            CaptureObject {
                class_id: 3,
                logical_name: ObisCode::new(1, 0, 1, 8, 0, 255),
                attribute: 2,
                data_index: 0
            },
            CaptureObject {
                class_id: 3,
                logical_name: ObisCode::new(1, 0, 2, 8, 0, 255),
                attribute: 2,
                data_index: 0
            },
        ]
    );
    assert_eq!(p.capture_period, Some(900));
    assert_eq!(p.sort_method, Some(SortMethod::FIFO));
    assert_eq!(
        (p.entries_in_use, p.profile_entries),
        (Some(240), Some(240))
    );

    let scalers = corpus_scalers(&apdus, &p);
    assert_eq!(scalers[0], None);
    let columns = p.columns(&scalers).unwrap();
    assert_eq!(
        columns.columns().collect::<Vec<_>>(),
        [
            Column::DateTime,
            Column::Scaled(ScalerUnit {
                scaler: 0,
                unit: Unit::WATT_HOUR
            }),
            Column::Scaled(ScalerUnit {
                scaler: 0,
                unit: Unit::WATT_HOUR
            }),
        ]
    );

    // 13 blocks, 6,243 bytes, 240 rows.
    let (raw, buffer) = get_value(&apdus, "GET profile buffer (all rows, block transfer)");
    assert_eq!(raw.len(), 6243);
    let fast = columns.decode_buffer(&raw).unwrap();
    p.set_attribute(2, &buffer).unwrap();
    let tree = p.rows(&columns).unwrap();
    assert_eq!(fast, tree);
    assert_eq!(columns.decode_table(&raw).unwrap().to_rows(), fast);
    assert_eq!(fast.len(), 240);
    check_row(&fast[0], dt(2024, 5, 29, 3, 0, 0), 12_000_000, 2_300_000);
    check_row(
        &fast[239],
        dt(2024, 5, 31, 5, 11, 45),
        12_059_753,
        2_309_564,
    );
    // Every row 15 minutes after the previous one.
    for w in fast.windows(2) {
        let (a, b) = (w[0].timestamp().unwrap(), w[1].timestamp().unwrap());
        assert_eq!(
            b.to_unix_seconds().unwrap() - a.to_unix_seconds().unwrap(),
            900
        );
    }
    assert_eq!(p.attribute(2).unwrap().to_vec().unwrap(), raw);
}

#[test]
fn corpus_profile_selective_access() {
    let Some(apdus) = gurux_apdus() else { return };
    let p = corpus_profile_object(&apdus);
    let columns = p.columns(&corpus_scalers(&apdus, &p)).unwrap();

    let (raw, _) = get_value(&apdus, "GET profile buffer by range (selector 1)");
    let rows = columns.decode_buffer(&raw).unwrap();
    assert_eq!(rows.len(), 24);
    assert_eq!(rows[0].timestamp(), Some(dt(2024, 5, 30, 4, 0, 0)));
    assert_eq!(rows[23].timestamp(), Some(dt(2024, 5, 30, 4, 5, 45)));

    let (raw, _) = get_value(&apdus, "GET profile buffer by entry (selector 2)");
    let rows = columns.decode_buffer(&raw).unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0].timestamp(), Some(dt(2024, 5, 29, 3, 2, 15)));
    assert_eq!(rows[9].timestamp(), Some(dt(2024, 5, 29, 3, 4, 30)));
}

// ---------------------------------------------------------------- construct (emit, compare bytes)

fn bytes(d: Option<Data>) -> Vec<u8> {
    d.unwrap().to_vec().unwrap()
}

#[test]
fn construct_clock() {
    let mut c = Clock::new(CLOCK_LN);
    c.time = Some(DateTime::from_bytes([
        0x07, 0xE8, 6, 1, 6, 14, 30, 15, 0, 0xFF, 0xC4, 0x80,
    ]));
    c.time_zone = Some(-60);
    c.status = Some(ClockStatus(0x80));
    c.daylight_savings_deviation = Some(60);
    c.daylight_savings_enabled = Some(true);
    c.clock_base = Some(ClockBase::MAINS_50_HZ);
    assert_eq!(bytes(c.attribute(1)), [0x09, 0x06, 0, 0, 1, 0, 0, 255]);
    assert_eq!(
        bytes(c.attribute(2)),
        [
            0x09, 0x0C, 0x07, 0xE8, 6, 1, 6, 14, 30, 15, 0, 0xFF, 0xC4, 0x80
        ]
    );
    assert_eq!(bytes(c.attribute(3)), [0x10, 0xFF, 0xC4]);
    assert_eq!(bytes(c.attribute(4)), [0x11, 0x80]);
    assert_eq!(c.attribute(5), None);
    assert_eq!(bytes(c.attribute(7)), [0x0F, 0x3C]);
    assert_eq!(bytes(c.attribute(8)), [0x03, 0x01]);
    assert_eq!(bytes(c.attribute(9)), [0x16, 0x02]);
    assert_eq!(c.attribute(10), None);
    assert_eq!(Clock::attribute_names().len(), 9);
    assert_eq!((Clock::ADJUST_TO_QUARTER, Clock::SHIFT_TIME), (1, 6));
}

#[test]
fn construct_register_and_profile() {
    let mut r = Register::new(ObisCode::new(1, 0, 32, 7, 0, 255));
    r.value = Some(Data::LongUnsigned(2301));
    r.scaler_unit = Some(ScalerUnit {
        scaler: -1,
        unit: Unit::VOLT,
    });
    assert_eq!(bytes(r.attribute(2)), [0x12, 0x08, 0xFD]);
    assert_eq!(bytes(r.attribute(3)), [0x02, 0x02, 0x0F, 0xFF, 0x16, 0x23]);

    let mut p = ProfileGeneric::new(PROFILE_LN);
    p.capture_objects = Some(vec![CaptureObject {
        class_id: 8,
        logical_name: CLOCK_LN,
        attribute: 2,
        data_index: 0,
    }]);
    p.capture_period = Some(900);
    p.sort_method = Some(SortMethod::LIFO);
    assert_eq!(
        bytes(p.attribute(3)),
        [
            0x01, 0x01, 0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0, 0, 1, 0, 0, 255, 0x0F, 0x02,
            0x12, 0x00, 0x00
        ]
    );
    assert_eq!(bytes(p.attribute(4)), [0x06, 0, 0, 0x03, 0x84]);
    assert_eq!(bytes(p.attribute(5)), [0x16, 0x02]);
}

#[test]
fn construct_association_object_list() {
    let entry = ObjectListEntry {
        class_id: ClassId::REGISTER,
        version: 0,
        logical_name: ObisCode::new(1, 0, 1, 8, 0, 255),
        attribute_access: vec![
            AttributeAccessItem {
                id: 1,
                access_mode: AttributeAccessMode::READ_ONLY,
                selectors: None,
            },
            AttributeAccessItem {
                id: 2,
                access_mode: AttributeAccessMode::READ_AND_WRITE,
                selectors: Some(vec![1, 2]),
            },
        ],
        method_access: vec![MethodAccessItem {
            id: 1,
            access_mode: MethodAccessMode::NO_ACCESS,
        }],
    };
    let mut a = AssociationLn::new(ObisCode::new(0, 0, 40, 0, 0, 255));
    a.object_list = Some(vec![entry.clone()]);
    a.associated_partners_id = Some(AssociatedPartners {
        client_sap: 16,
        server_sap: 1,
    });
    a.xdlms_context_info = Some(XdlmsContextInfo {
        conformance: crate::apdu::Conformance(0x00_1E_1D),
        max_receive_pdu_size: 0x0400,
        max_send_pdu_size: 0x0400,
        dlms_version_number: 6,
        quality_of_service: 0,
        cyphering_info: vec![],
    });
    a.secret = Some(Secret::new(b"secret!!".to_vec()));
    a.association_status = Some(AssociationStatus::ASSOCIATED);
    #[rustfmt::skip]
    let expected = [
        0x01, 0x01,
        0x02, 0x04,
            0x12, 0x00, 0x03,
            0x11, 0x00,
            0x09, 0x06, 1, 0, 1, 8, 0, 255,
            0x02, 0x02,
                0x01, 0x02,
                    0x02, 0x03, 0x0F, 0x01, 0x16, 0x01, 0x00,
                    0x02, 0x03, 0x0F, 0x02, 0x16, 0x03, 0x01, 0x02, 0x0F, 0x01, 0x0F, 0x02,
                0x01, 0x01,
                    0x02, 0x02, 0x0F, 0x01, 0x16, 0x00,
    ];
    assert_eq!(bytes(a.attribute(2)), expected);
    assert_eq!(
        bytes(a.attribute(3)),
        [0x02, 0x02, 0x0F, 0x10, 0x12, 0x00, 0x01]
    );
    assert_eq!(
        bytes(a.attribute(5)),
        [
            0x02, 0x06, 0x04, 0x18, 0x00, 0x1E, 0x1D, 0x12, 0x04, 0x00, 0x12, 0x04, 0x00, 0x11,
            0x06, 0x0F, 0x00, 0x09, 0x00
        ]
    );
    assert_eq!(bytes(a.attribute(8)), [0x16, 0x02]);
    // Decodes back, and the secret never shows in Debug.
    let mut b = AssociationLn::new(a.logical_name);
    for i in 2..=8 {
        if let Some(d) = a.attribute(i) {
            b.set_attribute(i, &d).unwrap();
        }
    }
    assert_eq!(a, b);
    assert!(!format!("{b:?}").contains("secret!!"));
    assert!(format!("{b:?}").contains("Secret(8 bytes)"));
    assert!(entry.attribute_access_mode(2).unwrap().can_write());
}

#[test]
fn construct_setup_classes() {
    let mut push = PushSetup::new(ObisCode::new(0, 0, 25, 9, 0, 255));
    push.send_destination_and_method = Some(SendDestinationAndMethod {
        transport_service: TransportService::HDLC,
        destination: b"1".to_vec(),
        message: MessageType::COSEM_APDU,
    });
    push.number_of_retries = Some(3);
    assert_eq!(
        bytes(push.attribute(3)),
        [0x02, 0x03, 0x16, 0x05, 0x09, 0x01, b'1', 0x16, 0x00]
    );
    assert_eq!(bytes(push.attribute(6)), [0x11, 0x03]);

    let mut hdlc = IecHdlcSetup::new(ObisCode::new(0, 0, 22, 0, 0, 255));
    hdlc.comm_speed = Some(CommSpeed::BAUD_9600);
    hdlc.max_info_field_length_receive = Some(128);
    assert_eq!(bytes(hdlc.attribute(2)), [0x16, 0x05]);
    assert_eq!(hdlc.comm_speed.unwrap().baud(), Some(9600));
    assert_eq!(bytes(hdlc.attribute(6)), [0x12, 0x00, 0x80]);

    let mut days = SpecialDaysTable::new(ObisCode::new(0, 0, 11, 0, 0, 255));
    days.entries = Some(vec![SpecialDay {
        index: 1,
        specialday_date: Date {
            year: 0xFFFF,
            month: 12,
            day: 25,
            day_of_week: 0xFF,
        },
        day_id: 2,
    }]);
    assert_eq!(
        bytes(days.attribute(2)),
        [
            0x01, 0x01, 0x02, 0x03, 0x12, 0x00, 0x01, 0x09, 0x05, 0xFF, 0xFF, 12, 25, 0xFF, 0x11,
            0x02
        ]
    );

    let mut sched = SingleActionSchedule::new(ObisCode::new(0, 0, 15, 0, 0, 255));
    sched.executed_script = Some(ScriptRef {
        script_logical_name: ObisCode::new(0, 0, 10, 0, 1, 255),
        script_selector: 1,
    });
    sched.execution_time = Some(vec![ExecutionTime {
        time: Time {
            hour: 0,
            minute: 0,
            second: 0,
            hundredths: 0,
        },
        date: Date::UNSPECIFIED,
    }]);
    assert_eq!(
        bytes(sched.attribute(2)),
        [
            0x02, 0x02, 0x09, 0x06, 0, 0, 10, 0, 1, 255, 0x12, 0x00, 0x01
        ]
    );
    assert_eq!(
        bytes(sched.attribute(4)),
        [
            0x01, 0x01, 0x02, 0x02, 0x09, 0x04, 0, 0, 0, 0, 0x09, 0x05, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF
        ]
    );

    let mut sec = SecuritySetup::new(ObisCode::new(0, 0, 43, 0, 0, 255));
    sec.security_suite = Some(SecuritySuite::AES_GCM_128);
    sec.client_system_title = Some(b"ABCDEFGH".to_vec());
    assert_eq!(bytes(sec.attribute(3)), [0x16, 0x00]);
    assert_eq!(bytes(sec.attribute(4))[..2], [0x09, 0x08]);

    let mut img = ImageTransfer::new(ObisCode::new(0, 0, 44, 0, 0, 255));
    img.image_transferred_blocks_status = Some(BitString {
        bits: 3,
        bytes: vec![0xA0],
    });
    img.image_transfer_status = Some(ImageTransferStatus::VERIFICATION_SUCCESSFUL);
    assert_eq!(bytes(img.attribute(3)), [0x04, 0x03, 0xA0]);
    assert_eq!(bytes(img.attribute(6)), [0x16, 0x03]);

    let mut lim = Limiter::new(ObisCode::new(0, 0, 17, 0, 0, 255));
    lim.monitored_value = Some(ValueDefinition {
        class_id: 3,
        logical_name: ObisCode::new(1, 0, 1, 7, 0, 255),
        attribute_index: 2,
    });
    lim.emergency_profile_group_id_list = Some(vec![1, 2]);
    assert_eq!(
        bytes(lim.attribute(2)),
        [
            0x02, 0x03, 0x12, 0x00, 0x03, 0x09, 0x06, 1, 0, 1, 7, 0, 255, 0x0F, 0x02
        ]
    );
    assert_eq!(
        bytes(lim.attribute(9)),
        [0x01, 0x02, 0x12, 0x00, 0x01, 0x12, 0x00, 0x02]
    );

    let mut mbus = MbusClient::new(ObisCode::new(0, 1, 24, 1, 0, 255));
    mbus.identification_number = Some(0x1234_5678);
    mbus.encryption_key_status = Some(EncryptionKeyStatus::KEY_IN_USE);
    assert_eq!(bytes(mbus.attribute(6)), [0x06, 0x12, 0x34, 0x56, 0x78]);
    assert_eq!(bytes(mbus.attribute(14)), [0x16, 0x04]);
}

#[test]
fn construct_script_table_and_calendar() {
    let mut st = ScriptTable::new(ObisCode::new(0, 0, 10, 0, 100, 255));
    st.scripts = Some(vec![Script {
        script_identifier: 1,
        actions: vec![ScriptAction {
            service_id: ServiceId::EXECUTE_METHOD,
            class_id: 70,
            logical_name: ObisCode::new(0, 0, 96, 3, 10, 255),
            index: 1,
            parameter: Data::Integer(0),
        }],
    }]);
    assert_eq!(
        bytes(st.attribute(2)),
        [
            0x01, 0x01, 0x02, 0x02, 0x12, 0x00, 0x01, 0x01, 0x01, 0x02, 0x05, 0x16, 0x02, 0x12,
            0x00, 0x46, 0x09, 0x06, 0, 0, 96, 3, 10, 255, 0x0F, 0x01, 0x0F, 0x00
        ]
    );
    let mut cal = ActivityCalendar::new(ObisCode::new(0, 0, 13, 0, 0, 255));
    cal.week_profile_table_active = Some(vec![WeekProfile {
        week_profile_name: vec![1],
        monday: 1,
        tuesday: 1,
        wednesday: 1,
        thursday: 1,
        friday: 1,
        saturday: 2,
        sunday: 2,
    }]);
    assert_eq!(
        bytes(cal.attribute(4)),
        [
            0x01, 0x01, 0x02, 0x08, 0x09, 0x01, 0x01, 0x11, 1, 0x11, 1, 0x11, 1, 0x11, 1, 0x11, 1,
            0x11, 2, 0x11, 2
        ]
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn errors_are_typed() {
    let mut r = Register::new(ObisCode::new(1, 0, 1, 8, 0, 255));
    assert_eq!(
        r.set_attribute(3, &Data::Structure(vec![Data::Integer(0)])),
        Err(CosemError::Type {
            class: ClassId::REGISTER,
            attribute: 3,
            name: "scaler_unit",
            expected: "structure {integer scaler, enum unit}",
            found: TypeTag::STRUCTURE,
        })
    );
    assert_eq!(
        r.set_attribute(4, &Data::Null),
        Err(CosemError::UnknownAttribute {
            class: ClassId::REGISTER,
            attribute: 4
        })
    );
    assert!(matches!(
        r.set_attribute(1, &Data::OctetString(vec![1, 2])),
        Err(CosemError::Type { attribute: 1, .. })
    ));
    // A value that does not fit is a type error, not a truncation.
    let mut c = Clock::new(CLOCK_LN);
    assert!(matches!(
        c.set_attribute(7, &Data::Long(1000)),
        Err(CosemError::Type {
            found: TypeTag::LONG,
            ..
        })
    ));
    assert_eq!(
        r,
        Register::new(ObisCode::new(1, 0, 1, 8, 0, 255)),
        "failed sets leave the object unchanged"
    );

    let cols = ProfileColumns::new(&[Column::DateTime, Column::Raw]);
    // A row of one value.
    assert_eq!(
        cols.decode_buffer(&[0x01, 0x01, 0x02, 0x01, 0x00]),
        Err(CosemError::RowShape {
            row: 0,
            offset: 2,
            expected: 2,
            found: 1
        })
    );
    // Truncated in the second value.
    assert_eq!(
        cols.decode_buffer(&[0x01, 0x01, 0x02, 0x02, 0x00, 0x06, 0x00]),
        Err(CosemError::Decode(Error::Truncated {
            offset: 6,
            needed: 3
        }))
    );
    // Trailing bytes.
    assert_eq!(
        cols.decode_buffer(&[0x01, 0x00, 0x00]),
        Err(CosemError::Decode(Error::TrailingBytes {
            offset: 2,
            count: 1
        }))
    );
    // Not an array.
    assert!(matches!(
        cols.decode_buffer(&[0x06, 0, 0, 0, 0]),
        Err(CosemError::Type {
            found: TypeTag::DOUBLE_LONG_UNSIGNED,
            ..
        })
    ));
    // A null timestamp is kept as data.
    let rows = cols
        .decode_buffer(&[0x01, 0x01, 0x02, 0x02, 0x00, 0x11, 0x05])
        .unwrap();
    assert_eq!(
        rows[0].values,
        [
            ProfileValue::Data(Data::Null),
            ProfileValue::Data(Data::Unsigned(5))
        ]
    );
    assert_eq!(rows[0].timestamp(), None);
    // Zero columns: the rows are still counted (found by the fuzzer).
    let t = ProfileColumns::new(&[])
        .decode_table(&[0x01, 0x02, 0x02, 0x00, 0x02, 0x00])
        .unwrap();
    assert_eq!((t.len(), t.rows().len(), t.to_rows().len()), (2, 2, 2));
    assert_eq!(t.row(2), None);
}

#[test]
fn class_ids() {
    assert_eq!(ClassId::SAP_ASSIGNMENT.0, 17);
    assert_eq!(ClassId::MBUS_DIAGNOSTIC.name(), Some("M-Bus diagnostic"));
    assert_eq!(ClassId::TOKEN_GATEWAY.0, 115);
    for id in Object::CLASS_IDS {
        let o = Object::new(*id, CLOCK_LN).unwrap();
        assert_eq!(o.class_id(), *id);
        assert!(id.name().is_some());
        assert_eq!(o.attribute_names()[0], "logical_name");
        assert_eq!(
            o.attribute(1),
            Some(Data::OctetString(vec![0, 0, 1, 0, 0, 255]))
        );
    }
    assert_eq!(Object::CLASS_IDS.len(), 18);
}

// ---------------------------------------------------------------- properties

fn leaf() -> impl Strategy<Value = Data> {
    prop_oneof![
        Just(Data::Null),
        any::<bool>().prop_map(Data::Boolean),
        any::<i8>().prop_map(Data::Integer),
        any::<i16>().prop_map(Data::Long),
        any::<i32>().prop_map(Data::DoubleLong),
        any::<u8>().prop_map(Data::Unsigned),
        any::<u8>().prop_map(Data::Enum),
        any::<u16>().prop_map(Data::LongUnsigned),
        any::<u32>().prop_map(Data::DoubleLongUnsigned),
        any::<i64>().prop_map(Data::Long64),
        any::<u64>().prop_map(Data::Long64Unsigned),
        any::<[u8; 12]>().prop_map(|b| Data::DateTime(DateTime::from_bytes(b))),
        proptest::collection::vec(any::<u8>(), 0..14).prop_map(Data::OctetString),
        proptest::collection::vec(any::<u8>(), 0..4).prop_map(Data::VisibleString),
        (0usize..20).prop_map(|bits| Data::BitString(BitString {
            bits,
            bytes: vec![0xAA; bits.div_ceil(8)]
        })),
    ]
}

fn any_data() -> impl Strategy<Value = Data> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Data::Array),
            proptest::collection::vec(inner, 0..8).prop_map(Data::Structure),
        ]
    })
}

fn obis() -> impl Strategy<Value = ObisCode> {
    any::<[u8; 6]>().prop_map(ObisCode::from_bytes)
}

fn capture_object() -> impl Strategy<Value = CaptureObject> {
    (any::<u16>(), obis(), any::<i8>(), any::<u16>()).prop_map(
        |(class_id, logical_name, attribute, data_index)| CaptureObject {
            class_id,
            logical_name,
            attribute,
            data_index,
        },
    )
}

fn object_list_entry() -> impl Strategy<Value = ObjectListEntry> {
    let attr = (
        any::<i8>(),
        any::<u8>(),
        proptest::option::of(proptest::collection::vec(any::<i8>(), 0..3)),
    )
        .prop_map(|(id, m, selectors)| AttributeAccessItem {
            id,
            access_mode: AttributeAccessMode(m),
            selectors,
        });
    let method = (any::<i8>(), any::<u8>()).prop_map(|(id, m)| MethodAccessItem {
        id,
        access_mode: MethodAccessMode(m),
    });
    (
        any::<u16>(),
        any::<u8>(),
        obis(),
        proptest::collection::vec(attr, 0..4),
        proptest::collection::vec(method, 0..3),
    )
        .prop_map(
            |(c, version, logical_name, attribute_access, method_access)| ObjectListEntry {
                class_id: ClassId(c),
                version,
                logical_name,
                attribute_access,
                method_access,
            },
        )
}

/// Every attribute of `o` decodes back to the same object.
fn round_trip(o: &Object) {
    let mut back = Object::new(o.class_id(), o.logical_name()).unwrap();
    for i in 1..=o.attribute_names().len() {
        let i = i8::try_from(i).unwrap();
        if let Some(d) = o.attribute(i) {
            let bytes = d.to_vec().unwrap();
            let parsed = Data::parse(&bytes).unwrap();
            back.set_attribute(i, &parsed).unwrap();
        }
    }
    assert_eq!(&back, o);
}

proptest! {
    #[test]
    fn clock_round_trip(t in any::<[u8; 12]>(), tz in any::<i16>(), st in any::<u8>(), dev in any::<i8>(), en in any::<bool>(), base in any::<u8>()) {
        let mut c = Clock::new(CLOCK_LN);
        c.time = Some(DateTime::from_bytes(t));
        c.time_zone = Some(tz);
        c.status = Some(ClockStatus(st));
        c.daylight_savings_end = Some(DateTime::from_bytes(t));
        c.daylight_savings_deviation = Some(dev);
        c.daylight_savings_enabled = Some(en);
        c.clock_base = Some(ClockBase(base));
        round_trip(&c.into());
    }

    #[test]
    fn register_round_trip(v in leaf(), s in any::<i8>(), u in any::<u8>(), st in leaf(), t in any::<[u8; 12]>()) {
        let mut r = ExtendedRegister::new(ObisCode::new(1, 0, 1, 8, 0, 255));
        r.value = Some(v);
        r.scaler_unit = Some(ScalerUnit { scaler: s, unit: Unit(u) });
        r.status = Some(st);
        r.capture_time = Some(DateTime::from_bytes(t));
        round_trip(&r.into());
    }

    #[test]
    fn profile_round_trip(objs in proptest::collection::vec(capture_object(), 0..5), period in any::<u32>(), sort in any::<u8>(), so in capture_object(), e in any::<u32>(), rows in proptest::collection::vec(any_data(), 0..4)) {
        let mut p = ProfileGeneric::new(PROFILE_LN);
        p.buffer = Some(rows);
        p.capture_objects = Some(objs);
        p.capture_period = Some(period);
        p.sort_method = Some(SortMethod(sort));
        p.sort_object = Some(so);
        p.entries_in_use = Some(e);
        p.profile_entries = Some(e);
        round_trip(&p.into());
    }

    #[test]
    fn association_round_trip(list in proptest::collection::vec(object_list_entry(), 0..4), c in any::<i8>(), s in any::<u16>(), ctx in any::<u8>(), mech in any::<u8>(), secret in proptest::collection::vec(any::<u8>(), 0..16), conf in 0u32..(1 << 24)) {
        let mut a = AssociationLn::new(ObisCode::new(0, 0, 40, 0, 0, 255));
        a.object_list = Some(list);
        a.associated_partners_id = Some(AssociatedPartners { client_sap: c, server_sap: s });
        a.application_context_name = Some(crate::apdu::ApplicationContext(ctx));
        a.authentication_mechanism_name = Some(crate::apdu::MechanismName(mech));
        a.xdlms_context_info = Some(XdlmsContextInfo {
            conformance: crate::apdu::Conformance(conf),
            max_receive_pdu_size: s,
            max_send_pdu_size: s,
            dlms_version_number: 6,
            quality_of_service: c,
            cyphering_info: secret.clone(),
        });
        a.secret = Some(Secret::new(secret));
        a.association_status = Some(AssociationStatus(ctx));
        a.security_setup_reference = Some(ObisCode::new(0, 0, 43, 0, 0, 255));
        round_trip(&a.into());
    }

    #[test]
    fn push_and_limiter_round_trip(objs in proptest::collection::vec(capture_object(), 0..4), dest in proptest::collection::vec(any::<u8>(), 0..10), t in any::<[u8; 12]>(), n in any::<u16>(), ids in proptest::collection::vec(any::<u16>(), 0..4), th in leaf()) {
        let mut p = PushSetup::new(ObisCode::new(0, 0, 25, 9, 0, 255));
        p.push_object_list = Some(objs);
        p.send_destination_and_method = Some(SendDestinationAndMethod { transport_service: TransportService::TCP, destination: dest, message: MessageType::COSEM_APDU });
        p.communication_window = Some(vec![Window { start: DateTime::from_bytes(t), end: DateTime::from_bytes(t) }]);
        p.randomisation_start_interval = Some(n);
        p.number_of_retries = Some(3);
        p.repetition_delay = Some(n);
        round_trip(&p.into());
        let mut l = Limiter::new(ObisCode::new(0, 0, 17, 0, 0, 255));
        l.threshold_active = Some(th.clone());
        l.threshold_normal = Some(th);
        l.emergency_profile = Some(EmergencyProfile { emergency_profile_id: n, emergency_activation_time: DateTime::from_bytes(t), emergency_duration: 60 });
        l.emergency_profile_group_id_list = Some(ids);
        let s = ScriptRef { script_logical_name: CLOCK_LN, script_selector: n };
        l.actions = Some(LimiterActions { action_over_threshold: s, action_under_threshold: s });
        round_trip(&l.into());
    }

    #[test]
    fn more_classes_round_trip(a in any::<u8>(), b in any::<u16>(), c in any::<u32>(), t in any::<[u8; 12]>(), d in any::<[u8; 5]>(), tm in any::<[u8; 4]>(), s in proptest::collection::vec(any::<u8>(), 0..9), v in leaf(), flag in any::<bool>()) {
        let ln = ObisCode::new(0, 0, 99, 98, 0, 255);
        let time = DateTime::from_bytes(t);
        let mut dr = DemandRegister::new(ln);
        dr.current_average_value = Some(v.clone());
        dr.last_average_value = Some(v.clone());
        dr.scaler_unit = Some(ScalerUnit { scaler: a as i8, unit: Unit(a) });
        dr.status = Some(v.clone());
        dr.capture_time = Some(time);
        dr.start_time_current = Some(time);
        dr.period = Some(c);
        dr.number_of_periods = Some(b);
        round_trip(&dr.into());

        let mut h = IecHdlcSetup::new(ln);
        (h.comm_speed, h.window_size_transmit, h.window_size_receive) = (Some(CommSpeed(a)), Some(a), Some(a));
        (h.max_info_field_length_transmit, h.max_info_field_length_receive) = (Some(b), Some(b));
        (h.inter_octet_time_out, h.inactivity_time_out, h.device_address) = (Some(b), Some(b), Some(b));
        round_trip(&h.into());

        let mut m = MbusClient::new(ln);
        m.mbus_port_reference = Some(ln);
        m.capture_definition = Some(vec![MbusCaptureDefinition { data_information_block: s.clone(), value_information_block: s.clone() }]);
        (m.capture_period, m.primary_address, m.identification_number, m.manufacturer_id) = (Some(c), Some(a), Some(c), Some(b));
        (m.version, m.device_type, m.access_number, m.status, m.alarm) = (Some(a), Some(a), Some(a), Some(a), Some(a));
        (m.configuration, m.encryption_key_status) = (Some(b), Some(EncryptionKeyStatus(a)));
        round_trip(&m.into());

        let mut dc = DisconnectControl::new(ln);
        (dc.output_state, dc.control_state, dc.control_mode) = (Some(flag), Some(ControlState(a)), Some(ControlMode(a)));
        round_trip(&dc.into());

        let mut img = ImageTransfer::new(ln);
        img.image_block_size = Some(c);
        img.image_transferred_blocks_status = Some(BitString { bits: s.len() * 8, bytes: s.clone() });
        img.image_first_not_transferred_block_number = Some(c);
        img.image_transfer_enabled = Some(flag);
        img.image_transfer_status = Some(ImageTransferStatus(a));
        img.image_to_activate_info = Some(vec![ImageToActivate { image_to_activate_size: c, image_to_activate_identification: s.clone(), image_to_activate_signature: s.clone() }]);
        round_trip(&img.into());

        let mut sec = SecuritySetup::new(ln);
        (sec.security_policy, sec.security_suite) = (Some(SecurityPolicy(a)), Some(SecuritySuite(a)));
        (sec.client_system_title, sec.server_system_title) = (Some(s.clone()), Some(s.clone()));
        sec.certificates = Some(vec![CertificateInfo { certificate_entity: CertificateEntity(a), certificate_type: CertificateType(a), serial_number: s.clone(), issuer: s.clone(), subject: s.clone(), subject_alt_name: s.clone() }]);
        round_trip(&sec.into());

        let mut st = ScriptTable::new(ln);
        st.scripts = Some(vec![Script { script_identifier: b, actions: vec![ScriptAction { service_id: ServiceId(a), class_id: b, logical_name: ln, index: a as i8, parameter: v.clone() }] }]);
        round_trip(&st.into());

        let mut sd = SpecialDaysTable::new(ln);
        sd.entries = Some(vec![SpecialDay { index: b, specialday_date: Date::from_bytes(d), day_id: a }]);
        round_trip(&sd.into());

        let mut sa = SingleActionSchedule::new(ln);
        sa.executed_script = Some(ScriptRef { script_logical_name: ln, script_selector: b });
        sa.schedule_type = Some(ScheduleType(a));
        sa.execution_time = Some(vec![ExecutionTime { time: Time::from_bytes(tm), date: Date::from_bytes(d) }]);
        round_trip(&sa.into());

        let mut cal = ActivityCalendar::new(ln);
        cal.calendar_name_active = Some(s.clone());
        cal.season_profile_passive = Some(vec![SeasonProfile { season_profile_name: s.clone(), season_start: time, week_name: s.clone() }]);
        cal.week_profile_table_passive = Some(vec![WeekProfile { week_profile_name: s.clone(), monday: a, tuesday: a, wednesday: a, thursday: a, friday: a, saturday: a, sunday: a }]);
        cal.day_profile_table_active = Some(vec![DayProfile { day_id: a, day_schedule: vec![DayProfileAction { start_time: Time::from_bytes(tm), script_logical_name: ln, script_selector: b }] }]);
        cal.activate_passive_calendar_time = Some(time);
        round_trip(&cal.into());

        let mut dobj = DataObject::new(ln);
        dobj.value = Some(v);
        round_trip(&dobj.into());
    }

    /// Any value into every attribute of every class: no panic, and what decodes encodes to a
    /// value that decodes to the same thing.
    #[test]
    fn any_data_into_every_decoder(d in any_data()) {
        for id in Object::CLASS_IDS {
            let mut o = Object::new(*id, CLOCK_LN).unwrap();
            for a in 0..=16i8 {
                if o.set_attribute(a, &d).is_ok() {
                    let again = o.attribute(a).unwrap();
                    let mut o2 = o.clone();
                    o2.set_attribute(a, &again).unwrap();
                    prop_assert_eq!(&o2, &o);
                }
            }
        }
    }

    /// The fast path gives the rows of the tree path, on buffers of random rows.
    #[test]
    fn fast_path_matches_tree(rows in proptest::collection::vec(proptest::collection::vec(leaf(), 3), 0..20), kinds in proptest::collection::vec(0u8..3, 3), scaler in -4i8..4) {
        let cols: Vec<Column> = kinds.iter().map(|k| match k {
            0 => Column::DateTime,
            1 => Column::Scaled(ScalerUnit { scaler, unit: Unit::WATT_HOUR }),
            _ => Column::Raw,
        }).collect();
        let cols = ProfileColumns::new(&cols);
        let buffer = Data::Array(rows.into_iter().map(Data::Structure).collect());
        let bytes = buffer.to_vec().unwrap();
        let fast = cols.decode_buffer(&bytes).unwrap();
        let tree = cols.rows(buffer.as_slice().unwrap()).unwrap();
        prop_assert_eq!(format!("{fast:?}"), format!("{tree:?}"));
        let table = cols.decode_table(&bytes).unwrap();
        prop_assert_eq!(table.len(), fast.len());
        prop_assert_eq!(format!("{:?}", table.to_rows()), format!("{fast:?}"));
    }

    /// Arbitrary bytes into the fast path: no panic, and success agrees with the codec.
    #[test]
    fn fast_path_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64), n in 0usize..4) {
        let cols = ProfileColumns::new(&[Column::DateTime, Column::Scaled(ScalerUnit { scaler: -1, unit: Unit::VOLT }), Column::Raw][..n]);
        let table = cols.decode_table(&bytes);
        prop_assert_eq!(table.is_ok(), cols.decode_buffer(&bytes).is_ok());
        if let Ok(rows) = cols.decode_buffer(&bytes) {
            let d = Data::parse(&bytes).unwrap();
            prop_assert_eq!(format!("{rows:?}"), format!("{:?}", cols.rows(d.as_slice().unwrap()).unwrap()));
        }
    }
}
