//! The meter client: 16 registers with scaler and unit, the clock and 240 rows of the load
//! profile (selective access by entries, block transfer), per repetition.
//!
//! - `client/in_memory`: the blocking `Meter` over an in-memory transport whose other end is
//!   `hdlc::ServerConnection` + `dlms::session::ServerSession` + `MemoryModel` (no sockets:
//!   the cost of compteur on both sides).
//! - `client/tcp`: the same reads over TCP against a real server: `COMPTEUR_METER=HOST:PORT`,
//!   else `tests/interop/gurux_meter.py` started with `$COMPTEUR_PYTHON` (skipped when
//!   neither is available).
//!
//! With `COMPTEUR_COMPARE=N` (and a server as above) the binary skips criterion, performs the
//! reads N times in one association and prints one JSON line shaped like the `done` line of
//! `gurux_client.py` (`tests/interop/compare_client.py` uses it).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group};
use dlms::apdu::CaptureObject;
use dlms::session::{MemoryModel, ProfileBuffer, ServerConfig, ServerSession};
use dlms::{Data, DateTime};
use e450::client::{Meter, MeterConfig, ProfileRange};
use obis::ObisCode;

const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);
const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const REGISTERS: [(u8, u8, u8, i8, u8); 16] = [
    (1, 8, 0, 0, 30),
    (2, 8, 0, 0, 30),
    (1, 8, 1, 0, 30),
    (1, 8, 2, 0, 30),
    (3, 8, 0, 0, 32),
    (4, 8, 0, 0, 32),
    (1, 7, 0, 0, 27),
    (2, 7, 0, 0, 27),
    (32, 7, 0, -1, 35),
    (52, 7, 0, -1, 35),
    (72, 7, 0, -1, 35),
    (31, 7, 0, -2, 33),
    (51, 7, 0, -2, 33),
    (71, 7, 0, -2, 33),
    (13, 7, 0, -3, 255),
    (14, 7, 0, -2, 44),
];
/// Bytes of the 240 rows on the wire (26 each), for the throughput figure.
const PROFILE_BYTES: u64 = 240 * 26;

fn codes() -> Vec<ObisCode> {
    REGISTERS
        .iter()
        .map(|r| ObisCode::new(1, 0, r.0, r.1, r.2, 255))
        .collect()
}

fn at(i: i64) -> DateTime {
    // 2026-04-04 00:00 + i × 15 min, deviation −120, DST.
    let minutes = i * 15;
    let days = minutes / 1440;
    let (y, m, d) = dlms::civil_from_days(20_547 + days);
    let mm = minutes % 1440;
    DateTime::from_bytes([
        (y >> 8) as u8,
        y as u8,
        m,
        d,
        0xFF,
        (mm / 60) as u8,
        (mm % 60) as u8,
        0,
        0,
        0xFF,
        0x88,
        0x80,
    ])
}

/// Entries 577..=816: on the Gurux meter the same 240 rows as the date range
/// 2026-04-10T00:00+02:00 ..= 2026-04-12T11:45+02:00; present on any meter with ten days of
/// 15-minute profile (the compteur simulator keeps 60).
fn range() -> ProfileRange {
    ProfileRange::Entries {
        first: 577,
        last: 816,
    }
}

/// The reads of one repetition; returns the number of requests' worth of values.
fn reads<T: Read + Write>(m: &mut Meter<T>, codes: &[ObisCode]) -> usize {
    let values = m.read_many(codes).unwrap();
    assert!(values.iter().all(Result::is_ok));
    m.read_clock().unwrap();
    let p = m.read_profile(PROFILE, range()).unwrap();
    assert_eq!(p.rows.len(), 240);
    values.len() + 2
}

/// A meter in memory: what is written is handled by a server link and session at once.
struct InMemory {
    link: hdlc::ServerConnection,
    session: ServerSession,
    model: MemoryModel,
    inbox: VecDeque<u8>,
}

impl InMemory {
    fn new() -> Self {
        let mut model = MemoryModel::new();
        for (i, r) in REGISTERS.iter().enumerate() {
            let code = ObisCode::new(1, 0, r.0, r.1, r.2, 255);
            model.insert(3, code, 2, Data::DoubleLongUnsigned(1000 + i as u32));
            model.insert(
                3,
                code,
                3,
                Data::Structure(vec![Data::Integer(r.3), Data::Enum(r.4)]),
            );
        }
        model.insert(8, CLOCK, 2, Data::OctetString(at(2879).to_bytes().to_vec()));
        let capture = vec![
            CaptureObject {
                class_id: 8,
                logical_name: CLOCK,
                attribute: 2,
                data_index: 0,
            },
            CaptureObject {
                class_id: 3,
                logical_name: ObisCode::new(1, 0, 1, 8, 0, 255),
                attribute: 2,
                data_index: 0,
            },
            CaptureObject {
                class_id: 3,
                logical_name: ObisCode::new(1, 0, 2, 8, 0, 255),
                attribute: 2,
                data_index: 0,
            },
        ];
        let mut profile = ProfileBuffer::new(capture);
        for i in 0..2880 {
            profile.rows.push(vec![
                Data::OctetString(at(i).to_bytes().to_vec()),
                Data::DoubleLongUnsigned(1000 + 123 * i as u32),
                Data::DoubleLongUnsigned(10 * i as u32),
            ]);
        }
        model.insert_profile(PROFILE, profile);
        InMemory {
            link: hdlc::ServerConnection::new(hdlc::ServerConfig::new(
                hdlc::Address::server(1, 17).unwrap(),
            )),
            session: ServerSession::new(ServerConfig::default()),
            model,
            inbox: VecDeque::new(),
        }
    }
}

impl Write for InMemory {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.link.handle_bytes(buf);
        while let Some(ev) = self.link.poll_event() {
            if let hdlc::Event::Message(m) = ev {
                self.session.handle_apdu(16, &m, &mut self.model);
                while let Some(a) = self.session.poll_transmit() {
                    self.link.send(&a).unwrap();
                }
            }
        }
        while let Some(f) = self.link.poll_transmit() {
            self.inbox.extend(f);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Read for InMemory {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inbox.is_empty() {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.inbox.len());
        for (b, x) in buf.iter_mut().zip(self.inbox.drain(..n)) {
            *b = x;
        }
        Ok(n)
    }
}

/// The Gurux meter, ended when dropped.
struct Gurux(Child);

impl Drop for Gurux {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// The server to read over TCP: `COMPTEUR_METER`, else a Gurux meter started here.
fn server() -> Option<(String, Option<Gurux>)> {
    if let Ok(addr) = std::env::var("COMPTEUR_METER") {
        return Some((addr, None));
    }
    let py = std::env::var("COMPTEUR_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/interop/gurux_meter.py"
    );
    let mut child = Command::new(py)
        .args([script, "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let gurux = Gurux(child);
    let ready: serde_json::Value = serde_json::from_str(&line).ok()?;
    Some((ready["tcp"].as_str()?.to_string(), Some(gurux)))
}

fn compare(n: usize) {
    let Some((addr, _gurux)) = server() else {
        eprintln!("no server: set COMPTEUR_METER or COMPTEUR_PYTHON");
        std::process::exit(1);
    };
    let codes = codes();
    let start = Instant::now();
    let mut m = Meter::connect_tcp(addr.as_str(), MeterConfig::default()).unwrap();
    let associated = start.elapsed();
    let mut count = 0;
    for _ in 0..n {
        count += reads(&mut m, &codes);
    }
    let read = start.elapsed();
    m.close().unwrap();
    let elapsed = start.elapsed();
    println!(
        "{}",
        serde_json::json!({
            "kind": "done",
            "elapsed_s": elapsed.as_secs_f64(),
            "associate_s": associated.as_secs_f64(),
            "reads_s": (read - associated).as_secs_f64(),
            "release_s": (elapsed - read).as_secs_f64(),
            "reads": count,
            "repeat": n,
        })
    );
}

fn bench(c: &mut Criterion) {
    let codes = codes();
    let mut g = c.benchmark_group("client");
    g.throughput(Throughput::Bytes(PROFILE_BYTES));
    g.sample_size(10);

    let mut m = Meter::connect(InMemory::new(), MeterConfig::default()).unwrap();
    g.bench_function("in_memory", |b| b.iter(|| reads(&mut m, &codes)));
    m.close().unwrap();

    match server() {
        Some((addr, _gurux)) => {
            let mut m = Meter::connect_tcp(addr.as_str(), MeterConfig::default()).unwrap();
            g.bench_function("tcp", |b| b.iter(|| reads(&mut m, &codes)));
            m.close().unwrap();
        }
        None => eprintln!("client/tcp skipped: no COMPTEUR_METER and no Gurux meter"),
    }
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Some(n) = std::env::var("COMPTEUR_COMPARE")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        compare(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
