//! The serial transport for real, over a pseudo-terminal: the IEC 62056-21 mode E sign-on
//! (identification, acknowledgement, switch of speed), then HDLC. A test thread plays the
//! meter with the `hdlc` server link, the `dlms` server session and a memory model.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::float_cmp
)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use e450::client::{Meter, MeterConfig, MeterError};
use e450::dlms::Data;
use e450::dlms::session::{MemoryModel, ServerConfig, ServerSession};
use e450::obis::{ObisCode, Unit};
use e450::serial::SerialSettings;
use serialport::{SerialPort, TTYPort};

const ENERGY: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);
const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const CLOCK_BYTES: [u8; 12] = [
    0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x14, 0x00, 0xFF, 0x88, 0x80,
];

fn read_until(port: &mut TTYPort, end: &[u8], deadline: Instant) -> Vec<u8> {
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !got.ends_with(end) {
        assert!(Instant::now() < deadline, "waited for {end:?}, got {got:?}");
        match port.read(&mut b) {
            Ok(1) => got.push(b[0]),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("{e}"),
        }
    }
    got
}

/// The meter side: sign-on, then HDLC until the client disconnects or `stop` is set.
/// Returns the acknowledgement received.
fn meter_side(mut port: TTYPort, ident: &'static [u8], stop: Arc<AtomicBool>) -> Vec<u8> {
    port.set_timeout(Duration::from_millis(20)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let request = read_until(&mut port, b"\r\n", deadline);
    assert_eq!(request, b"/?!\r\n");
    port.write_all(ident).unwrap();
    if !ident.windows(2).any(|w| w == b"\\2") {
        // Keep the line open until the client has read the identification.
        while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        return Vec::new();
    }
    let ack = read_until(&mut port, b"\r\n", deadline);

    let mut link = hdlc::ServerConnection::new(hdlc::ServerConfig::new(
        hdlc::Address::server(1, 17).unwrap(),
    ));
    let mut session = ServerSession::new(ServerConfig::default());
    let mut model = MemoryModel::new();
    model.insert(3, ENERGY, 2, Data::DoubleLongUnsigned(482_939));
    model.insert(
        3,
        ENERGY,
        3,
        Data::Structure(vec![Data::Integer(0), Data::Enum(30)]),
    );
    model.insert(8, CLOCK, 2, Data::OctetString(CLOCK_BYTES.to_vec()));
    let mut buf = [0u8; 512];
    let mut connected_once = false;
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        match port.read(&mut buf) {
            Ok(n) => link.handle_bytes(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(e) => {
                eprintln!("meter side: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        }
        while let Some(ev) = link.poll_event() {
            match ev {
                hdlc::Event::Connected(_) => connected_once = true,
                hdlc::Event::Message(m) => {
                    session.handle_apdu(16, &m, &mut model);
                    while let Some(a) = session.poll_transmit() {
                        link.send(&a).unwrap();
                    }
                }
                _ => {}
            }
        }
        while let Some(f) = link.poll_transmit() {
            port.write_all(&f).unwrap();
        }
        if connected_once && link.state() == hdlc::State::Disconnected {
            // Disconnected; keep the line open until the test is done with it.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    ack
}

fn pty() -> Option<(TTYPort, TTYPort, PathBuf)> {
    match TTYPort::pair() {
        Ok((master, slave)) => {
            let path = PathBuf::from(slave.name().unwrap());
            Some((master, slave, path))
        }
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "no pseudo-terminal: {e}");
            eprintln!("skipping: no pseudo-terminal ({e})");
            None
        }
    }
}

#[test]
fn mode_e_sign_on_then_hdlc() {
    let Some((master, _slave, path)) = pty() else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let meter = std::thread::spawn(move || meter_side(master, b"/LGZ5\\2ZMF100CC\r\n", flag));
    let config = MeterConfig {
        timeout: Duration::from_secs(2),
        ..MeterConfig::default()
    };
    let mut m = Meter::open_serial(&path, SerialSettings::OPTICAL_HDLC, true, config).unwrap();
    let v = m.read(ENERGY).unwrap();
    let r = v.register.unwrap();
    assert_eq!((r.scaled, r.unit), (482_939.0, Unit::WATT_HOUR));
    assert_eq!(m.read_clock().unwrap().to_bytes(), CLOCK_BYTES);
    m.close().unwrap();
    stop.store(true, Ordering::Relaxed);
    let ack = meter.join().unwrap();
    // Protocol 2 (HDLC), baud character 5 (9600), mode 2 (binary).
    assert_eq!(ack, [0x06, 0x32, 0x35, 0x32, 0x0D, 0x0A]);
}

#[test]
fn direct_hdlc_over_the_pty() {
    let Some((master, _slave, path)) = pty() else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Without the sign-on: HDLC at once.
    let meter = std::thread::spawn(move || {
        let mut port = master;
        port.set_timeout(Duration::from_millis(20)).unwrap();
        let mut link = hdlc::ServerConnection::new(hdlc::ServerConfig::new(
            hdlc::Address::server(1, 17).unwrap(),
        ));
        let mut session = ServerSession::new(ServerConfig::default());
        let mut model = MemoryModel::new();
        model.insert(8, CLOCK, 2, Data::OctetString(CLOCK_BYTES.to_vec()));
        let mut buf = [0u8; 512];
        let deadline = Instant::now() + Duration::from_secs(10);
        while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
            match port.read(&mut buf) {
                Ok(n) => link.handle_bytes(&buf[..n]),
                Err(_) => continue,
            }
            while let Some(ev) = link.poll_event() {
                if let hdlc::Event::Message(m) = ev {
                    session.handle_apdu(16, &m, &mut model);
                    while let Some(a) = session.poll_transmit() {
                        link.send(&a).unwrap();
                    }
                }
            }
            while let Some(f) = link.poll_transmit() {
                port.write_all(&f).unwrap();
            }
        }
    });
    let mut m = Meter::open_serial(
        &path,
        SerialSettings::OPTICAL_HDLC,
        false,
        MeterConfig::default(),
    )
    .unwrap();
    assert_eq!(m.read_clock().unwrap().to_bytes(), CLOCK_BYTES);
    m.close().unwrap();
    stop.store(true, Ordering::Relaxed);
    meter.join().unwrap();
}

#[test]
fn mode_e_without_hdlc_is_refused() {
    let Some((master, _slave, path)) = pty() else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let meter = std::thread::spawn(move || meter_side(master, b"/LGZ5ZMF100CC\r\n", flag));
    let config = MeterConfig {
        timeout: Duration::from_secs(2),
        ..MeterConfig::default()
    };
    let e = Meter::open_serial(&path, SerialSettings::OPTICAL_HDLC, true, config).unwrap_err();
    assert!(
        matches!(&e, MeterError::SignOn(m) if m.contains("mode E")),
        "{e:?}"
    );
    stop.store(true, Ordering::Relaxed);
    meter.join().unwrap();
}

#[test]
fn silent_serial_meter_times_out() {
    let Some((_master, _slave, path)) = pty() else {
        return;
    };
    let config = MeterConfig {
        timeout: Duration::from_millis(300),
        ..MeterConfig::default()
    };
    let start = Instant::now();
    let e = Meter::open_serial(&path, SerialSettings::OPTICAL_HDLC, true, config).unwrap_err();
    assert!(
        matches!(&e, MeterError::SignOn(m) if m.contains("in time")),
        "{e:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}
