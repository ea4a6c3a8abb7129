//! The meter client against an independent meter: the Gurux DLMS library for Python
//! (`tests/interop/gurux_meter.py`) over HDLC on TCP, 127.0.0.1. Values are those of
//! tests/interop/README.md. Skipped without the interpreter unless CI is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::float_cmp
)]

mod client_common;

use std::time::{Duration, Instant};

use client_common::*;
use e450::client::{
    AsyncMeter, Authentication, Meter, MeterConfig, MeterError, MeterValue, Profile, ProfileRange,
};
use e450::dlms::cosem::ProfileValue;
use e450::dlms::session::{Ciphering, Keys, SessionError};
use e450::dlms::{Data, DateTime};
use e450::obis::{ObisCode, Unit};

const CLIENT_TITLE: [u8; 8] = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];

fn lls(sap: u8, password: &str) -> MeterConfig {
    MeterConfig {
        client_sap: sap,
        authentication: Authentication::Low(password.parse().unwrap()),
        ..MeterConfig::default()
    }
}

fn gmac(sap: u8) -> MeterConfig {
    MeterConfig {
        client_sap: sap,
        authentication: Authentication::HighGmac {
            keys: Keys::GREEN_BOOK,
            system_title: CLIENT_TITLE,
        },
        ..MeterConfig::default()
    }
}

fn check_register(v: &MeterValue, expected: &((u8, u8, u8), i64, i8, u8, f64)) {
    let (code, raw, scaler, unit, scaled) = *expected;
    assert_eq!(v.obis, register_code(code));
    assert_eq!(v.class_id, 3);
    let r = v.register.expect("a register value");
    assert_eq!(r.scaler, scaler, "{}", v.obis);
    assert_eq!(r.unit, Unit(unit), "{}", v.obis);
    assert_eq!(r.scaled, scaled, "{}", v.obis);
    assert_eq!(v.data.as_i64(), Some(raw), "{}", v.obis);
}

fn dt(month: u8, day: u8, h: u8, m: u8) -> DateTime {
    DateTime::from_bytes([0x07, 0xEA, month, day, 0xFF, h, m, 0, 0, 0xFF, 0x88, 0x80])
}

fn check_rows(p: &Profile, first_row: u32, n: usize) {
    assert_eq!(p.capture_objects.len(), 3);
    assert_eq!(p.rows.len(), n);
    for (k, row) in p.rows.iter().enumerate() {
        let i = first_row + k as u32;
        let (import, export) = profile_row(i);
        assert_eq!(row.values[1].as_f64(), Some(import), "row {i}");
        assert_eq!(row.values[2].as_f64(), Some(export), "row {i}");
        let ProfileValue::DateTime(t) = row.values[0] else {
            panic!("{:?}", row.values[0])
        };
        // 2026-04-04 00:00 + i × 15 min.
        let start = DateTime::from_bytes([0x07, 0xEA, 4, 4, 0xFF, 0, 0, 0, 0, 0xFF, 0x88, 0x80]);
        assert_eq!(
            t.to_unix_seconds().unwrap() - start.to_unix_seconds().unwrap(),
            i64::from(i) * 900
        );
        assert_eq!(t.deviation(), Some(-120));
        assert!(t.status.daylight_saving());
    }
}

/// Every read of the README against one blocking meter.
fn read_everything<T: std::io::Read + std::io::Write>(meter: &mut Meter<T>) {
    let clock = meter.read_clock().unwrap();
    assert_eq!(clock.to_bytes(), CLOCK_BYTES);
    let serial = meter.read(ObisCode::new(0, 0, 96, 1, 0, 255)).unwrap();
    assert_eq!(serial.data, Data::OctetString(b"1909113".to_vec()));
    assert_eq!(serial.class_id, 1);

    // One at a time (attribute 3 then 2) ...
    for expected in &REGISTERS {
        let v = meter.read(register_code(expected.0)).unwrap();
        check_register(&v, expected);
    }
    // ... and with GET-with-list.
    let codes: Vec<ObisCode> = REGISTERS.iter().map(|r| register_code(r.0)).collect();
    let many = meter.read_many(&codes).unwrap();
    assert_eq!(many.len(), 16);
    for (v, expected) in many.iter().zip(&REGISTERS) {
        check_register(v.as_ref().unwrap(), expected);
    }

    let list = meter.object_list().unwrap();
    assert_eq!(list.len(), 21);
    assert_eq!(list[0].class_id.0, 8);
    assert_eq!(list[0].logical_name, e450::client::CLOCK);
    assert_eq!(list[19].logical_name, PROFILE);
    assert_eq!(list[19].class_id.0, 7);
    assert_eq!(list[19].version, 1);

    let range = meter
        .read_profile(
            PROFILE,
            ProfileRange::Between {
                from: dt(4, 10, 0, 0),
                to: dt(4, 12, 11, 45),
            },
        )
        .unwrap();
    check_rows(&range, 576, 240);
    let entries = meter
        .read_profile(
            PROFILE,
            ProfileRange::Entries {
                first: 577,
                last: 816,
            },
        )
        .unwrap();
    check_rows(&entries, 576, 240);
    assert_eq!(entries.rows, range.rows);
    let few = meter
        .read_profile(
            PROFILE,
            ProfileRange::Entries {
                first: 10,
                last: 19,
            },
        )
        .unwrap();
    check_rows(&few, 9, 10);
}

#[test]
fn public_client_reads_everything() {
    let Some(gurux) = GuruxMeter::start("Gurux client test") else {
        return;
    };
    let mut meter = Meter::connect_tcp(&gurux.tcp, MeterConfig::default()).unwrap();
    assert_eq!(
        meter.engine().negotiated().unwrap().server_max_receive_pdu,
        512
    );
    read_everything(&mut meter);
    // A class the registry does not know and the object list does not list.
    let unknown = ObisCode::new(0, 0, 99, 99, 9, 255);
    assert!(matches!(meter.read(unknown), Err(MeterError::UnknownClass(o)) if o == unknown));
    // The model is read-only: SET is refused (hardware-fault, sent with a wrong invoke id by
    // gurux-dlms 1.0.203), a typed error either way; the association goes on.
    let e = meter.set_clock(dt(5, 4, 12, 0)).unwrap_err();
    assert!(
        matches!(
            e,
            MeterError::DataAccess {
                class: 8,
                attribute: 2,
                ..
            } | MeterError::Session(SessionError::InvokeIdMismatch { .. })
        ),
        "{e}"
    );
    assert_eq!(meter.read_clock().unwrap().to_bytes(), CLOCK_BYTES);
    meter.close().unwrap();
}

#[test]
fn lls_and_hls_gmac() {
    let Some(gurux) = GuruxMeter::start("Gurux client test") else {
        return;
    };
    for sap in [1, 2] {
        let mut meter = Meter::connect_tcp(&gurux.tcp, lls(sap, "12345678")).unwrap();
        let v = meter.read(register_code((1, 8, 1))).unwrap();
        check_register(&v, &REGISTERS[2]);
        meter.close().unwrap();
    }
    let e = Meter::connect_tcp(&gurux.tcp, lls(2, "87654321")).unwrap_err();
    let MeterError::Session(SessionError::AssociationRejected { diagnostic, .. }) = e else {
        panic!("{e:?}")
    };
    assert_eq!(diagnostic.value, 13);

    for sap in [1, 3] {
        let mut meter = Meter::connect_tcp(&gurux.tcp, gmac(sap)).unwrap();
        assert_eq!(
            meter.engine().negotiated().unwrap().server_system_title,
            Some([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E])
        );
        read_everything(&mut meter);
        meter.close().unwrap();
    }
    // HLS-GMAC with authenticated encryption of every APDU.
    let mut config = gmac(3);
    config.ciphering = Some(Ciphering::new(Keys::GREEN_BOOK, CLIENT_TITLE));
    let mut meter = Meter::connect_tcp(&gurux.tcp, config).unwrap();
    let v = meter.read(register_code((1, 8, 2))).unwrap();
    check_register(&v, &REGISTERS[3]);
    let few = meter
        .read_profile(
            PROFILE,
            ProfileRange::Entries {
                first: 10,
                last: 19,
            },
        )
        .unwrap();
    check_rows(&few, 9, 10);
    meter.close().unwrap();
}

async fn async_read_everything(addr: &str, config: MeterConfig) {
    let mut meter = AsyncMeter::connect_tcp(addr, config).await.unwrap();
    assert_eq!(meter.read_clock().await.unwrap().to_bytes(), CLOCK_BYTES);
    for expected in &REGISTERS {
        let v = meter.read(register_code(expected.0)).await.unwrap();
        check_register(&v, expected);
    }
    let codes: Vec<ObisCode> = REGISTERS.iter().map(|r| register_code(r.0)).collect();
    for (v, expected) in meter
        .read_many(&codes)
        .await
        .unwrap()
        .iter()
        .zip(&REGISTERS)
    {
        check_register(v.as_ref().unwrap(), expected);
    }
    assert_eq!(meter.object_list().await.unwrap().len(), 21);
    let range = meter
        .read_profile(
            PROFILE,
            ProfileRange::Between {
                from: dt(4, 10, 0, 0),
                to: dt(4, 12, 11, 45),
            },
        )
        .await
        .unwrap();
    check_rows(&range, 576, 240);
    let entries = meter
        .read_profile(
            PROFILE,
            ProfileRange::Entries {
                first: 577,
                last: 816,
            },
        )
        .await
        .unwrap();
    assert_eq!(entries.rows, range.rows);
    meter.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_meter_reads_everything() {
    let Some(gurux) = GuruxMeter::start("Gurux client test") else {
        return;
    };
    let addr = gurux.tcp.clone();
    // On a spawned task: the futures are Send.
    tokio::spawn(async move {
        async_read_everything(&addr, MeterConfig::default()).await;
        async_read_everything(&addr, lls(2, "12345678")).await;
        async_read_everything(&addr, gmac(1)).await;
    })
    .await
    .unwrap();
}

#[test]
fn silent_peer_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let keep = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    let config = MeterConfig {
        timeout: Duration::from_millis(200),
        retries: 2,
        ..MeterConfig::default()
    };
    let start = Instant::now();
    let e = Meter::connect_tcp(addr, config).unwrap_err();
    let took = start.elapsed();
    assert!(e.is_timeout(), "{e:?}");
    // SNRM + 2 retries of 200 ms each, plus the 50 ms read granularity.
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_millis(1200), "{took:?}");
    keep.join().unwrap();
}

#[tokio::test]
async fn async_silent_peer_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let keep = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(s);
    });
    let config = MeterConfig {
        timeout: Duration::from_millis(150),
        retries: 1,
        ..MeterConfig::default()
    };
    let start = Instant::now();
    let e = AsyncMeter::connect_tcp(addr, config).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(start.elapsed() < Duration::from_millis(800));
    keep.abort();
}
