//! Interoperability: compteur's [`ClientSession`] over `hdlc`'s client [`Connection`] against
//! an independent meter, the Gurux DLMS library for Python (`tests/interop/gurux_meter.py`),
//! over HDLC-over-TCP on 127.0.0.1.
//!
//! The interpreter comes from `COMPTEUR_PYTHON` (default `<workspace>/.venv/bin/python`).
//! Without it (or without `gurux_dlms`) the tests are skipped with a message, unless `CI` is
//! set, in which case they fail.
#![cfg(feature = "security")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dlms::apdu::*;
use dlms::session::*;
use dlms::{Data, DateTime};
use obis::ObisCode;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/interop/gurux_meter.py"
);
const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);

fn python() -> Option<String> {
    common::gurux_python("Gurux meter interop test")
}

/// The Gurux meter process, ended when dropped.
struct Meter {
    child: Child,
    tcp: String,
}

impl Meter {
    fn start() -> Option<Meter> {
        let py = python()?;
        let mut child = Command::new(py)
            .args([SCRIPT, "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gurux_meter.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: serde_json::Value = serde_json::from_str(&line).expect("ready line");
        assert_eq!(ready["kind"], "ready");
        let tcp = ready["tcp"].as_str().unwrap().to_string();
        Some(Meter { child, tcp })
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// HDLC link + DLMS session over one TCP connection, pumped by hand.
struct Link {
    stream: TcpStream,
    hdlc: hdlc::Connection,
    session: ClientSession,
    start: Instant,
    connected: bool,
    events: Vec<Event>,
}

impl Link {
    fn open(meter: &Meter, cfg: ClientConfig) -> Link {
        let stream = TcpStream::connect(&meter.tcp).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let client = hdlc::Address::client(cfg.client_sap as u8).unwrap();
        let server = hdlc::Address::server(1, 17).unwrap();
        let mut link = Link {
            stream,
            hdlc: hdlc::Connection::new(hdlc::Config::new(client, server)),
            session: ClientSession::new(cfg),
            start: Instant::now(),
            connected: false,
            events: Vec::new(),
        };
        let now = link.now();
        link.hdlc.connect(now).unwrap();
        link.pump_until(|l| l.connected);
        link
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn step(&mut self) {
        let now = self.now();
        if self.connected {
            while let Some(apdu) = self.session.poll_transmit() {
                self.hdlc.send(&apdu, now).unwrap();
            }
        }
        while let Some(frame) = self.hdlc.poll_transmit() {
            self.stream.write_all(&frame).unwrap();
        }
        let mut buf = [0u8; 4096];
        match self.stream.read(&mut buf) {
            Ok(0) => panic!("the meter closed the connection"),
            Ok(n) => self.hdlc.handle_bytes(&buf[..n], self.now()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("{e}"),
        }
        let now = self.now();
        if self.hdlc.poll_timeout().is_some_and(|t| t <= now) {
            self.hdlc.handle_timeout(now);
        }
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
        }
        while let Some(ev) = self.hdlc.poll_event() {
            match ev {
                hdlc::Event::Connected(_) => self.connected = true,
                hdlc::Event::Message(m) => self.session.handle_apdu(&m, now),
                hdlc::Event::Disconnected(_) => {
                    self.connected = false;
                    self.session.abort();
                }
                _ => {}
            }
        }
        while let Some(ev) = self.session.poll_event() {
            self.events.push(ev);
        }
    }

    fn pump_until(&mut self, mut done: impl FnMut(&mut Link) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "no progress; events {:?}",
                self.events
            );
            self.step();
        }
    }

    fn event(&mut self) -> Event {
        self.pump_until(|l| !l.events.is_empty());
        self.events.remove(0)
    }

    fn associate(&mut self) -> Event {
        let now = self.now();
        self.session.associate(now).unwrap();
        self.event()
    }

    fn request(&mut self, h: RequestHandle) -> Result<Response, SessionError> {
        match self.event() {
            Event::Response { handle, result } if handle == h => result,
            other => panic!("expected the response to {h:?}, got {other:?}"),
        }
    }

    fn get(&mut self, class_id: u16, ln: ObisCode, attribute: i8) -> Data {
        self.get_sel(class_id, ln, attribute, None)
    }

    fn get_sel(
        &mut self,
        class_id: u16,
        instance: ObisCode,
        attribute: i8,
        sel: Option<SelectiveAccess>,
    ) -> Data {
        let now = self.now();
        let a = AttributeDescriptor {
            class_id,
            instance,
            attribute,
        };
        let h = self.session.get(a, sel, now).unwrap();
        match self.request(h).unwrap().into_result() {
            Ok(d) => d,
            Err(e) => panic!("GET {class_id}/{instance}/{attribute}: {e}"),
        }
    }

    fn close(mut self) {
        let now = self.now();
        self.session.release(now).unwrap();
        assert_eq!(self.event(), Event::Released { confirmed: true });
        let now = self.now();
        self.hdlc.disconnect(now);
        self.pump_until(|l| !l.connected);
    }
}

fn register(link: &mut Link, ln: ObisCode) -> f64 {
    let su = link.get(3, ln, 3).as_scaler_unit().unwrap();
    link.get(3, ln, 2).as_f64(su.scaler).unwrap()
}

fn dt(month: u8, day: u8, h: u8, m: u8) -> Data {
    Data::OctetString(
        DateTime::from_bytes([0x07, 0xEA, month, day, 0xFF, h, m, 0, 0, 0xFF, 0x88, 0x80])
            .to_bytes()
            .to_vec(),
    )
}

#[test]
fn gurux_public_client_reads_everything() {
    let Some(meter) = Meter::start() else { return };
    let mut link = Link::open(&meter, ClientConfig::new(16));
    let Event::Associated(n) = link.associate() else {
        panic!("{:?}", link.events)
    };
    assert_eq!(n.server_max_receive_pdu, 512);
    assert_eq!(n.conformance, Conformance(0x00_121D));

    // Clock: 2026-05-04 11:39:20.00, Monday, deviation −120, status 0x80.
    let clock = link.get(8, CLOCK, 2).as_date_time().unwrap();
    assert_eq!(
        clock.to_bytes(),
        [
            0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x14, 0x00, 0xFF, 0x88, 0x80
        ]
    );
    assert_eq!(
        link.get(1, ObisCode::new(0, 0, 96, 1, 0, 255), 2),
        Data::OctetString(b"1909113".to_vec())
    );
    // Registers with scaler and unit.
    let su = link.get(3, ObisCode::new(1, 0, 1, 8, 0, 255), 3);
    assert_eq!(su, Data::Structure(vec![Data::Integer(0), Data::Enum(30)]));
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 1, 8, 0, 255)),
        482_939.0
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 2, 8, 0, 255)),
        120_573.0
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 32, 7, 0, 255)),
        230.1
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 31, 7, 0, 255)),
        4.12
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 13, 7, 0, 255)),
        0.987
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 14, 7, 0, 255)),
        50.01
    );

    // The object list (block transfer).
    let list = link.get(15, ASSOCIATION_LN, 2);
    let list = list.as_slice().unwrap();
    assert_eq!(list.len(), 21);
    let first = list[0].as_slice().unwrap();
    assert_eq!(first[0], Data::LongUnsigned(8));
    assert_eq!(first[2].as_obis(), Some(CLOCK));

    // The load profile: capture objects, then 240 rows by range (block transfer).
    let cols = link.get(7, PROFILE, 3);
    let cols: Vec<CaptureObject> = cols
        .as_slice()
        .unwrap()
        .iter()
        .map(|c| CaptureObject::from_data(c).unwrap())
        .collect();
    assert_eq!(cols.len(), 3);
    assert_eq!(cols[0].logical_name, CLOCK);
    let range = SelectiveAccess::Range(RangeDescriptor {
        restricting_object: cols[0],
        from: dt(4, 10, 0, 0),
        to: dt(4, 12, 11, 45),
        selected_values: vec![],
    });
    let rows = link.get_sel(7, PROFILE, 2, Some(range));
    let rows = rows.as_slice().unwrap();
    assert_eq!(rows.len(), 240);
    let row0 = rows[0].as_slice().unwrap();
    let t0 = row0[0].as_date_time().unwrap();
    assert_eq!(
        t0.to_bytes()[..9],
        [0x07, 0xEA, 0x04, 0x0A, t0.to_bytes()[4], 0, 0, 0, 0]
    );
    assert_eq!(row0[1], Data::DoubleLongUnsigned(71_848));
    assert_eq!(row0[2], Data::DoubleLongUnsigned(5760));
    let last = rows[239].as_slice().unwrap();
    assert_eq!(last[1], Data::DoubleLongUnsigned(101_245));
    assert_eq!(last[2], Data::DoubleLongUnsigned(8150));
    link.close();
}

fn lls(password: &str) -> ClientConfig {
    let mut cfg = ClientConfig::new(1);
    cfg.authentication = ClientAuthentication::Low(password.parse().unwrap());
    cfg
}

fn gmac() -> ClientConfig {
    let mut cfg = ClientConfig::new(1);
    cfg.authentication = ClientAuthentication::HighGmac {
        keys: Keys::GREEN_BOOK,
        system_title: [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01],
        challenge: b"K56iVagYtkC3mO2p".to_vec(),
        invocation_counter: 1,
    };
    cfg
}

#[test]
fn gurux_management_client_with_lls() {
    let Some(meter) = Meter::start() else { return };
    let mut link = Link::open(&meter, lls("12345678"));
    assert!(
        matches!(link.associate(), Event::Associated(_)),
        "{:?}",
        link.events
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 1, 8, 1, 255)),
        301_122.0
    );
    link.close();

    let mut link = Link::open(&meter, lls("87654321"));
    let Event::AssociationFailed(e) = link.associate() else {
        panic!()
    };
    let SessionError::AssociationRejected { diagnostic, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(diagnostic.value, 13, "{e}");
    assert!(e.to_string().contains("wrong password"), "{e}");
}

#[test]
fn gurux_management_client_with_hls_gmac() {
    let Some(meter) = Meter::start() else { return };
    let mut link = Link::open(&meter, gmac());
    let Event::Associated(n) = link.associate() else {
        panic!("{:?}", link.events)
    };
    assert_eq!(n.mechanism, MechanismName::HLS_GMAC);
    assert_eq!(
        n.server_system_title,
        Some([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E])
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 1, 8, 2, 255)),
        181_817.0
    );
    link.close();
}

#[test]
fn gurux_ciphered_hls_gmac() {
    let Some(meter) = Meter::start() else { return };
    let mut cfg = gmac();
    cfg.client_sap = 3;
    cfg.ciphering = Some(Ciphering::new(
        Keys::GREEN_BOOK,
        [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    let mut link = Link::open(&meter, cfg);
    assert!(
        matches!(link.associate(), Event::Associated(_)),
        "{:?}",
        link.events
    );
    assert_eq!(
        register(&mut link, ObisCode::new(1, 0, 1, 8, 0, 255)),
        482_939.0
    );
    let entries = SelectiveAccess::Entry(EntryDescriptor {
        from_entry: 10,
        to_entry: 19,
        from_selected_value: 1,
        to_selected_value: 0,
    });
    let rows = link.get_sel(7, PROFILE, 2, Some(entries));
    let rows = rows.as_slice().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows[0].as_slice().unwrap()[1],
        Data::DoubleLongUnsigned(1000 + 123 * 9)
    );
    link.close();
}
