//! The simulator driven in-process by the sans-IO client layers (`hdlc::Connection` +
//! `dlms::session::ClientSession`) over real TCP sockets, HDLC and wrapper framing, and over
//! a real pseudo-terminal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod simulator_common;

use std::time::{Duration, Instant};

use simulator_common::{Client, tcp};

use dlms::Data;
use dlms::apdu::{CaptureObject, EntryDescriptor, RangeDescriptor, SelectiveAccess};
use dlms::security::LlsPassword;
use dlms::session::{ClientAuthentication, ClientConfig, ClientSession, Event, Keys, Response};
use e450::simulator::{Framing, LOAD_PROFILE, SimClock, Simulator, SimulatorConfig, TimeZone};
use hdlc::Address;
use obis::obis;

const START: &str = "2026-05-04T11:39:20";

fn sim(meters: usize) -> Simulator {
    let clock = SimClock::manual(TimeZone::CENTRAL_EUROPE, START.parse().unwrap());
    Simulator::new(
        SimulatorConfig {
            meters,
            ..SimulatorConfig::default()
        },
        clock,
    )
}

fn server_17() -> Address {
    Address::server(1, 17).unwrap()
}

fn u32_of(d: &Data) -> u32 {
    u32::try_from(d.as_u64().unwrap()).unwrap()
}

fn check_registers(c: &mut Client, sim: &Simulator) {
    let (snap, serial) = sim
        .with_meter(0, |m| (m.snapshot(m.now()), m.serial()))
        .unwrap();
    let e = snap.energies;
    assert_eq!(
        c.get(1, obis!("0-0:96.1.0"), 2, None),
        Ok(Data::OctetString(serial.to_string().into_bytes()))
    );
    assert_eq!(
        u32_of(&c.get(3, obis!("1-0:1.8.0"), 2, None).unwrap()),
        e.import
    );
    assert_eq!(
        u32_of(&c.get(3, obis!("1-0:1.8.1"), 2, None).unwrap()),
        e.import_t1
    );
    assert_eq!(
        u32_of(&c.get(3, obis!("1-0:2.8.0"), 2, None).unwrap()),
        e.export
    );
    assert_eq!(
        u32_of(&c.get(3, obis!("1-0:1.7.0"), 2, None).unwrap()),
        snap.slot.import
    );
    assert_eq!(
        c.get(3, obis!("1-0:32.7.0"), 3, None),
        Ok(Data::Structure(vec![Data::Integer(0), Data::Enum(35)]))
    );
    let v = c.get(3, obis!("1-0:32.7.0"), 2, None).unwrap();
    assert_eq!(v, Data::LongUnsigned(snap.slot.voltage[0]));
    let clock = c.get(8, obis!("0-0:1.0.0"), 2, None).unwrap();
    let dt = clock.as_date_time().unwrap();
    assert_eq!(dt.to_string(), "2026-05-04 11:39:20.00 -120min DST");
}

#[test]
fn hdlc_over_tcp_public_client() {
    let sim = sim(1);
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Hdlc)
        .unwrap();
    let mut c = Client::new(
        tcp(server.local_addr()),
        Framing::Hdlc,
        16,
        server_17(),
        ClientAuthentication::None,
    );
    check_registers(&mut c, &sim);
    // The public client does not see the event log or the breaker.
    assert_eq!(
        c.get(70, obis!("0-0:96.3.10"), 2, None),
        Err(dlms::apdu::DataAccessResult::OBJECT_UNDEFINED)
    );
    server.shutdown();
}

#[test]
fn wrapper_over_tcp_lls_and_disconnect_control() {
    let sim = sim(1);
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Wrapper)
        .unwrap();
    let lls = ClientAuthentication::Low(LlsPassword::new(b"12345678").unwrap());
    let mut c = Client::new(
        tcp(server.local_addr()),
        Framing::Wrapper,
        1,
        server_17(),
        lls,
    );
    check_registers(&mut c, &sim);
    assert_eq!(c.get(70, obis!("0-0:96.3.10"), 3, None), Ok(Data::Enum(1)));
    let r = c.action(70, obis!("0-0:96.3.10"), 1);
    assert!(
        matches!(r, Response::Action(ref o) if o.result == dlms::apdu::ActionResult::SUCCESS),
        "{r:?}"
    );
    assert_eq!(c.get(70, obis!("0-0:96.3.10"), 3, None), Ok(Data::Enum(0)));
    assert_eq!(
        c.get(70, obis!("0-0:96.3.10"), 2, None),
        Ok(Data::Boolean(false))
    );
    // The event log records it.
    let log = c.get(7, obis!("0-0:99.98.0"), 2, None).unwrap();
    let rows = log.as_slice().unwrap();
    assert_eq!(
        rows.last().unwrap().as_slice().unwrap()[1],
        Data::Unsigned(59)
    );
    // The power stops.
    sim.clock().advance(Duration::from_secs(120));
    assert_eq!(
        c.get(3, obis!("1-0:1.7.0"), 2, None),
        Ok(Data::DoubleLongUnsigned(0))
    );
    c.action(70, obis!("0-0:96.3.10"), 2);
    // SET the clock one hour ahead: this meter runs with the offset.
    let tz = TimeZone::CENTRAL_EUROPE;
    let now = sim.with_meter(0, |m| m.now()).unwrap();
    let later = Data::OctetString(tz.date_time(now + 3600).to_bytes().to_vec());
    assert_eq!(
        c.set(8, obis!("0-0:1.0.0"), 2, later.clone()),
        Response::Set(dlms::apdu::DataAccessResult::SUCCESS)
    );
    assert_eq!(c.get(8, obis!("0-0:1.0.0"), 2, None), Ok(later));
    // Far away is refused; the serial number is not writable.
    let far = Data::OctetString(tz.date_time(now + 5 * 366 * 86_400).to_bytes().to_vec());
    assert_eq!(
        c.set(8, obis!("0-0:1.0.0"), 2, far),
        Response::Set(dlms::apdu::DataAccessResult::OTHER_REASON)
    );
    assert_eq!(
        c.set(1, obis!("0-0:96.1.0"), 2, Data::OctetString(b"1".to_vec())),
        Response::Set(dlms::apdu::DataAccessResult::READ_WRITE_DENIED)
    );
    assert_eq!(c.get(70, obis!("0-0:96.3.10"), 3, None), Ok(Data::Enum(1)));
    server.shutdown();
}

#[test]
fn hls_gmac_four_byte_serial_address_and_profile() {
    let sim = sim(1);
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Hdlc)
        .unwrap();
    let auth = ClientAuthentication::HighGmac {
        keys: Keys::GREEN_BOOK,
        system_title: *b"CPT00001",
        challenge: b"0123456789ABCDEF".to_vec(),
        invocation_counter: 1,
    };
    let addr = Address::from_serial(1, 1_909_113).unwrap();
    let mut c = Client::new(tcp(server.local_addr()), Framing::Hdlc, 1, addr, auth);
    check_registers(&mut c, &sim);

    // A range of 60 hours: 240 rows 15 minutes apart, consistent with the registers.
    let tz = TimeZone::CENTRAL_EUROPE;
    let to = tz.local_to_utc(
        "2026-05-04T11:30:00"
            .parse::<e450::simulator::LocalTime>()
            .unwrap()
            .seconds(),
    );
    let from = to - 239 * 900;
    let range = SelectiveAccess::Range(RangeDescriptor {
        restricting_object: CaptureObject {
            class_id: 8,
            logical_name: obis!("0-0:1.0.0"),
            attribute: 2,
            data_index: 0,
        },
        from: Data::OctetString(tz.date_time(from).to_bytes().to_vec()),
        to: Data::OctetString(tz.date_time(to).to_bytes().to_vec()),
        selected_values: Vec::new(),
    });
    let rows = c.get(7, LOAD_PROFILE, 2, Some(range)).unwrap();
    let rows = rows.as_slice().unwrap();
    assert_eq!(rows.len(), 240);
    let mut last: Option<(i64, u32)> = None;
    for (k, row) in rows.iter().enumerate() {
        let cells = row.as_slice().unwrap();
        assert_eq!(cells.len(), 4);
        let t = cells[0].as_date_time().unwrap().to_unix_seconds().unwrap();
        assert_eq!(t, from + 900 * k as i64);
        let import = u32_of(&cells[2]);
        let expected = sim.with_meter(0, |m| m.snapshot(t).energies).unwrap();
        assert_eq!(import, expected.import);
        assert_eq!(u32_of(&cells[3]), expected.export);
        if let Some((t0, i0)) = last {
            assert_eq!(t - t0, 900);
            assert!(import >= i0);
        }
        last = Some((t, import));
    }
    // Entries 1..=3, columns 1..=2 (clock and status).
    let e = SelectiveAccess::Entry(EntryDescriptor {
        from_entry: 1,
        to_entry: 3,
        from_selected_value: 1,
        to_selected_value: 2,
    });
    let first = c.get(7, LOAD_PROFILE, 2, Some(e)).unwrap();
    let first = first.as_slice().unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].as_slice().unwrap().len(), 2);
    // 60 days of rows.
    let n = u32_of(&c.get(7, LOAD_PROFILE, 7, None).unwrap());
    assert_eq!(n, 60 * 96);
    // The daily profile has a row per midnight.
    let daily = c.get(7, obis!("1-0:99.2.0"), 2, None).unwrap();
    assert!(daily.as_slice().unwrap().len() >= 60);
    server.shutdown();
}

#[test]
fn wrong_password_is_refused() {
    let sim = sim(1);
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Wrapper)
        .unwrap();
    let mut cfg = ClientConfig::new(1);
    cfg.authentication = ClientAuthentication::Low(LlsPassword::new(b"00000000").unwrap());
    let mut c = Client {
        io: tcp(server.local_addr()),
        link: None,
        wrapper: Some((1, Vec::new())),
        session: ClientSession::new(cfg),
        t0: Instant::now(),
        connected: false,
    };
    let now = c.now();
    c.session.associate(now).unwrap();
    assert!(matches!(c.wait(), Event::AssociationFailed(_)));
    server.shutdown();
}

#[test]
fn three_meters_three_serials() {
    let sim = sim(3);
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Hdlc)
        .unwrap();
    let mut serials = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut c = Client::new(
            tcp(server.local_addr()),
            Framing::Hdlc,
            16,
            server_17(),
            ClientAuthentication::None,
        );
        serials.push(c.get(1, obis!("0-0:96.1.0"), 2, None).unwrap());
        clients.push(c);
    }
    serials.sort_by_key(|d| d.as_bytes().unwrap().to_vec());
    assert_eq!(
        serials,
        ["1909113", "1909114", "1909115"].map(|s| Data::OctetString(s.as_bytes().to_vec()))
    );
    assert_eq!(server.connections(), 3);
    server.shutdown();
}

#[test]
fn pseudo_terminal_with_the_serial_transport() {
    let sim = sim(1);
    let pty = sim.serve_pty().unwrap();
    let port = e450::serial::SerialSettings::OPTICAL_HDLC
        .open(pty.path(), Duration::from_millis(20))
        .unwrap();
    let mut c = Client::new(
        Box::new(port),
        Framing::Hdlc,
        16,
        server_17(),
        ClientAuthentication::None,
    );
    check_registers(&mut c, &sim);
    drop(c);
    // A second client on the same terminal.
    let port = e450::serial::SerialSettings::OPTICAL_HDLC
        .open(pty.path(), Duration::from_millis(20))
        .unwrap();
    let mut c = Client::new(
        Box::new(port),
        Framing::Hdlc,
        16,
        server_17(),
        ClientAuthentication::None,
    );
    assert!(c.get(3, obis!("1-0:1.8.0"), 2, None).is_ok());
    pty.shutdown();
}

fn small_sim() -> Simulator {
    let clock = SimClock::manual(TimeZone::CENTRAL_EUROPE, START.parse().unwrap());
    Simulator::new(
        SimulatorConfig {
            history_days: 2,
            ..SimulatorConfig::default()
        },
        clock,
    )
}

/// SNRM, then an AARQ of the public client in an I-frame (from the corpus).
const HDLC_PREFIX: &str = "7EA00802232193BD647E7EA02C02232110AF9FE6E600601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFFC5E47E";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    #[test]
    fn any_bytes_never_panic(
        wrapper: bool,
        after_association: bool,
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
        chunk in 1usize..64,
    ) {
        let sim = small_sim();
        let mut c = sim.connection(if wrapper { Framing::Wrapper } else { Framing::Hdlc });
        let mut out = Vec::new();
        if after_association && !wrapper {
            c.handle(&unhex(HDLC_PREFIX), &mut out);
            proptest::prop_assert!(!out.is_empty());
        }
        for piece in bytes.chunks(chunk) {
            c.handle(piece, &mut out);
        }
    }
}
