//! `compteur listen` against live sources: a TCP server that sends pushes in random chunks,
//! closes and accepts again; and a pseudo-terminal standing in for the serial adapter.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use dlms::security::{AuthenticationKey, EncryptionKey};
use e450::push::{PushConfig, PushListener};

const HEX: &str = include_str!("../testdata/graz_e450_push.hex");
const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/graz_e450_push.keys.toml"
);
const KEY: &str = "5C316162209EBB790B52EB0E7FC5B11C";
const AUTH_KEY: &str = "92705C5C97286064EABAE38D190F87A4";

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A plain UI frame: data-notification `{1-0:1.8.0 = 300 Wh}`.
const PLAIN: [u8; 36] = [
    0x7E, 0xA0, 0x22, 0xCE, 0xFF, 0x03, 0x13, 0x4E, 0x5A, 0xE6, 0xE7, 0x00, 0x0F, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x02, 0x02, 0x09, 0x06, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x01,
    0x2C, 0x65, 0x07, 0x7E,
];

/// xorshift64*: a fixed, dependency-free PRNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Writes `bytes` in random chunks of 1..=40 bytes with short pauses.
fn send_chunked(w: &mut dyn Write, bytes: &[u8], rng: &mut Rng) {
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (1 + rng.next() % 40) as usize;
        let (head, tail) = rest.split_at(n.min(rest.len()));
        w.write_all(head).unwrap();
        w.flush().unwrap();
        rest = tail;
        std::thread::sleep(Duration::from_millis(rng.next() % 3));
    }
}

/// What the listener yields for the whole byte stream, as JSON lines.
fn expected(stream: &[u8]) -> Vec<serde_json::Value> {
    let mut l = PushListener::new(PushConfig {
        key: Some(EncryptionKey::from_hex(KEY).unwrap()),
        auth_key: Some(AuthenticationKey::from_hex(AUTH_KEY).unwrap()),
        template: None,
        replay_guard: true,
    });
    l.feed(stream);
    l.messages()
        .map(|item| match item {
            Ok(m) => m.to_json_value(),
            Err(e) => e.to_json_value(),
        })
        .collect()
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn tcp_reconnects_keeps_offsets_and_the_replay_guard() {
    let capture = hex(HEX);
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let first = capture.clone();
    let mut second = capture.clone();
    second.extend_from_slice(&PLAIN);
    let sent = (first.clone(), second.clone());
    let feeder = std::thread::spawn(move || {
        let mut rng = Rng(0x5EED);
        for bytes in [&sent.0, &sent.1] {
            let (mut conn, _) = server.accept().unwrap();
            send_chunked(&mut conn, bytes, &mut rng);
            // Closing the connection: the listener must say so and reconnect.
        }
    });

    let mut all = first.clone();
    all.extend_from_slice(&second);
    let want = expected(&all);
    // The push, the same push again (a replay across the reconnection), the plain frame.
    assert_eq!(want.len(), 3);
    assert_eq!(want[0]["security"], "authenticated");
    assert_eq!(want[1]["kind"], "error");
    assert!(want[1]["error"].as_str().unwrap().contains("replayed"));
    assert_eq!(want[2]["offset"], all.len() - PLAIN.len());

    let count = want.len().to_string();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let status = e450::cli::run(
        [
            "compteur",
            "listen",
            "--tcp",
            &addr,
            "--key-file",
            KEYS,
            "--json",
            "--count",
            &count,
            "--duration",
            "30",
        ],
        &mut out,
        &mut err,
    );
    feeder.join().unwrap();
    let err = String::from_utf8(err).unwrap();
    assert_eq!(status, 0, "{err}");
    assert_eq!(json_lines(&String::from_utf8(out).unwrap()), want);
    assert!(err.contains("closed the stream; reconnecting"), "{err}");
    assert!(err.contains(&format!("reconnected to {addr}")), "{err}");
}

#[test]
fn tcp_retries_until_the_peer_listens_and_stops_at_the_duration() {
    // A port that nobody listens on: every attempt fails, the run ends at --duration, exit 0.
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    let started = std::time::Instant::now();
    let status = e450::cli::run(
        ["compteur", "listen", "--tcp", &addr, "--duration", "1.2"],
        &mut out,
        &mut err,
    );
    let err = String::from_utf8(err).unwrap();
    assert_eq!(status, 0, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(out.is_empty());
    // 0.5 s, then 1 s (cut at the deadline): at least two attempts, each reported.
    assert!(err.matches("cannot open").count() >= 2, "{err}");
    assert!(err.contains("retrying in 0.5 s"), "{err}");
    assert!(err.contains("retrying in"), "{err}");
}

#[cfg(unix)]
#[test]
fn serial_on_a_pseudo_terminal() {
    use serialport::SerialPort;
    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    let capture = hex(HEX);
    let mut stream = vec![0x00, 0x55, 0xFF]; // line noise before the first frame
    stream.extend_from_slice(&capture);
    stream.extend_from_slice(&PLAIN);
    let want = expected(&stream);
    assert_eq!(want.len(), 2);

    let listen_path = path.clone();
    let runner = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let status = e450::cli::run(
            [
                "compteur",
                "listen",
                "--serial",
                &listen_path,
                "--key-file",
                KEYS,
                "--json",
                "--count",
                "2",
                "--duration",
                "20",
                "--verbose",
            ],
            &mut out,
            &mut err,
        );
        (status, out, err)
    });
    // Let the listener open and configure the port (2400 8E1 by default).
    std::thread::sleep(Duration::from_millis(700));
    send_chunked(&mut master, &stream, &mut Rng(7));
    let (status, out, err) = runner.join().unwrap();
    drop(slave);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(status, 0, "{err}");
    assert_eq!(json_lines(&String::from_utf8(out).unwrap()), want);
    // --verbose logs the bytes in hex, never the keys.
    assert!(err.contains("received"), "{err}");
    assert!(!err.contains(KEY) && !err.contains(AUTH_KEY));
}

#[test]
fn bad_arguments_exit_2_with_one_clear_line() {
    for args in [
        &["listen"][..],
        &["listen", "--tcp", "nowhere"],
        &["listen", "--tcp", "127.0.0.1:1", "--duration", "-1"],
        &["listen", "--serial", "/dev/null", "--data-bits", "9"],
        &["listen", "--tcp", "127.0.0.1:1", "--key", "zz"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_compteur"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(
            err.starts_with("compteur listen: ") || err.starts_with("error:"),
            "{args:?}: {err}"
        );
    }
}
