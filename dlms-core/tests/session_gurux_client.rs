//! Interoperability, the other direction: the Gurux DLMS client for Python
//! (`tests/interop/gurux_client.py`) reads compteur's [`ServerSession`], served by this test
//! over HDLC-over-TCP on 127.0.0.1 with `hdlc`'s [`ServerConnection`](hdlc::ServerConnection).
//!
//! The interpreter comes from `COMPTEUR_PYTHON` (default `<workspace>/.venv/bin/python`);
//! without it the test is skipped with a message, unless `CI` is set.
#![cfg(feature = "security")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use dlms::Data;
use dlms::apdu::CaptureObject;
use dlms::session::*;
use obis::ObisCode;
use serde_json::Value;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/interop/gurux_client.py"
);
const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);
const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);

fn python() -> Option<String> {
    common::gurux_python("Gurux client interop test")
}

/// 2026-04-04 00:00 + `quarter` × 15 min, deviation −120, status 0x80 (the values of
/// `tests/interop/README.md`).
fn row_time(quarter: u32) -> Data {
    let minutes = quarter * 15;
    let day = 4 + minutes / 1440;
    let (month, day) = if day > 30 {
        (5u8, day - 30)
    } else {
        (4u8, day)
    };
    let (h, m) = ((minutes % 1440) / 60, minutes % 60);
    Data::OctetString(vec![
        0x07, 0xEA, month, day as u8, 0xFF, h as u8, m as u8, 0, 0, 0xFF, 0x88, 0x80,
    ])
}

fn model() -> MemoryModel {
    let mut m = MemoryModel::new();
    m.insert(
        8,
        CLOCK,
        2,
        Data::OctetString(vec![
            0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x14, 0x00, 0xFF, 0x88, 0x80,
        ]),
    );
    let regs = [
        (
            [1, 0, 1, 8, 0, 255],
            Data::DoubleLongUnsigned(482_939),
            0i8,
            30u8,
        ),
        (
            [1, 0, 2, 8, 0, 255],
            Data::DoubleLongUnsigned(120_573),
            0,
            30,
        ),
        ([1, 0, 32, 7, 0, 255], Data::LongUnsigned(2301), -1, 35),
    ];
    for (ln, v, scaler, unit) in regs {
        let ln = ObisCode::from_bytes(ln);
        m.insert(3, ln, 2, v);
        m.insert(
            3,
            ln,
            3,
            Data::Structure(vec![Data::Integer(scaler), Data::Enum(unit)]),
        );
    }
    let col = |class_id, logical_name| CaptureObject {
        class_id,
        logical_name,
        attribute: 2,
        data_index: 0,
    };
    let mut p = ProfileBuffer::new(vec![
        col(8, CLOCK),
        col(3, ObisCode::new(1, 0, 1, 8, 0, 255)),
        col(3, ObisCode::new(1, 0, 2, 8, 0, 255)),
    ]);
    for i in 0..2880 {
        p.rows.push(vec![
            row_time(i),
            Data::DoubleLongUnsigned(1000 + 123 * i),
            Data::DoubleLongUnsigned(10 * i),
        ]);
    }
    m.insert_profile(PROFILE, p);
    m
}

/// Serves one connection: HDLC server link + DLMS server session.
fn serve(mut stream: TcpStream, model: &mut MemoryModel) {
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let addr = hdlc::Address::server(1, 17).unwrap();
    let mut link = hdlc::ServerConnection::new(hdlc::ServerConfig::new(addr));
    let mut session = ServerSession::new(ServerConfig::default());
    // The link does not report the client address: learn it from the frames.
    let mut peek = hdlc::FrameDecoder::new();
    let mut sap = 16u16;
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                peek.feed(&buf[..n]);
                while let Some(f) = peek.next_frame() {
                    if let Ok(f) = f {
                        sap = f.src.logical();
                    }
                }
                link.handle_bytes(&buf[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
        while let Some(ev) = link.poll_event() {
            match ev {
                hdlc::Event::Message(m) => {
                    session.handle_apdu(sap, &m, model);
                    while let Some(answer) = session.poll_transmit() {
                        link.send(&answer).unwrap();
                    }
                }
                hdlc::Event::Disconnected(_) => session.reset(),
                _ => {}
            }
        }
        while let Some(frame) = link.poll_transmit() {
            if stream.write_all(&frame).is_err() {
                return;
            }
        }
    }
}

fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut model = model();
        for stream in listener.incoming().flatten() {
            serve(stream, &mut model);
        }
    });
    addr
}

fn run_client(py: &str, tcp: &str, args: &[&str]) -> Vec<Value> {
    let out = Command::new(py)
        .arg(SCRIPT)
        .args(["--tcp", tcp, "--timeout", "5"])
        .args(args)
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        out.status.success(),
        "gurux_client.py {args:?} failed: {lines:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines
}

#[test]
fn gurux_client_reads_our_server() {
    let Some(py) = python() else { return };
    let tcp = start_server();

    let lines = run_client(
        &py,
        &tcp,
        &[
            "--read",
            "8/0-0:1.0.0/2",
            "--read",
            "3/1-0:1.8.0/2",
            "--read",
            "3/1-0:32.7.0/3",
            "--object-list",
            "--profile",
            "1-0:99.1.0",
            "--rows-from",
            "2026-04-10T00:00:00+02:00",
            "--rows-to",
            "2026-04-12T11:45:00+02:00",
        ],
    );
    assert_eq!(lines[0]["value"], "2026-05-04T11:39:20+02:00");
    assert_eq!(lines[1]["value"], 482_939);
    assert_eq!(lines[2]["value"]["scaler"], -1);
    assert_eq!(lines[2]["value"]["unit"], 35);
    let list = lines[3]["value"].as_array().unwrap();
    assert_eq!(list.len(), 6, "{list:?}");
    let cols = lines[4]["value"].as_array().unwrap();
    assert_eq!(cols.len(), 3);
    let rows = lines[5]["value"].as_array().unwrap();
    assert_eq!(lines[5]["rows"], 240);
    assert_eq!(rows[0][0], "2026-04-10T00:00:00+02:00");
    assert_eq!(rows[0][1], 71_848);
    assert_eq!(rows[239][2], 8150);
    assert_eq!(lines.last().unwrap()["kind"], "done");

    // The management client, LLS then HLS-GMAC (Green Book keys).
    let lines = run_client(
        &py,
        &tcp,
        &["--client", "1", "--auth", "low", "--read", "3/1-0:2.8.0/2"],
    );
    assert_eq!(lines[0]["value"], 120_573);
    let lines = run_client(
        &py,
        &tcp,
        &[
            "--client",
            "1",
            "--auth",
            "high-gmac",
            "--read",
            "3/1-0:2.8.0/2",
        ],
    );
    assert_eq!(lines[0]["value"], 120_573);
}
