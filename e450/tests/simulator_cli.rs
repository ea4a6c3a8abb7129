//! `compteur simulate` as a process: the ready line validates against
//! `docs/schema/simulate.schema.json`, the TCP port answers, `--meters 3` gives three serial
//! numbers, pushes reach a listener and decode, and bad arguments exit with 2.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod simulator_common;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dlms::Data;
use dlms::session::ClientAuthentication;
use e450::push::{Message, PushConfig, PushListener};
use e450::simulator::Framing;
use hdlc::Address;
use obis::obis;
use serde_json::Value;
use simulator_common::{Client, tcp};

const BIN: &str = env!("CARGO_BIN_EXE_compteur");

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/schema/simulate.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        other => panic!("schema type {other}"),
    }
}

/// The subset of JSON Schema the schema uses: type, const, enum, minimum, required,
/// properties, additionalProperties = false.
fn validate(s: &Value, v: &Value, at: &str) {
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("bad type"),
        };
        assert!(ok, "{at}: {v} is not {t}");
    }
    if let Some(c) = s.get("const") {
        assert_eq!(v, c, "{at}");
    }
    if let Some(e) = s.get("enum") {
        assert!(e.as_array().unwrap().contains(v), "{at}: {v} not in {e}");
    }
    if let Some(m) = s.get("minimum") {
        assert!(
            v.as_f64().unwrap() >= m.as_f64().unwrap(),
            "{at}: {v} < {m}"
        );
    }
    if let Some(r) = s.get("required") {
        for k in r.as_array().unwrap() {
            assert!(
                v.get(k.as_str().unwrap()).is_some(),
                "{at}: {k} missing in {v}"
            );
        }
    }
    let props = s.get("properties").and_then(Value::as_object);
    if let (Some(props), Some(obj)) = (props, v.as_object()) {
        for (k, val) in obj {
            match props.get(k) {
                Some(ps) => validate(ps, val, &format!("{at}.{k}")),
                None => assert_ne!(
                    s.get("additionalProperties"),
                    Some(&Value::Bool(false)),
                    "{at}: unexpected {k}"
                ),
            }
        }
    }
}

struct Running {
    child: Child,
    ready: Value,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Running {
    let mut child = Command::new(BIN)
        .arg("simulate")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with(r#"{"kind":"ready","#), "{line}");
    let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    validate(&schema(), &ready, "ready");
    Running { child, ready }
}

fn serial_of(addr: &str) -> Vec<u8> {
    let mut c = Client::new(
        tcp(addr.parse().unwrap()),
        Framing::Hdlc,
        16,
        Address::server(1, 17).unwrap(),
        ClientAuthentication::None,
    );
    c.get(1, obis!("0-0:96.1.0"), 2, None)
        .unwrap()
        .as_bytes()
        .unwrap()
        .to_vec()
}

#[test]
fn ready_line_and_three_meters() {
    let run = start(&[
        "--json",
        "--tcp",
        "127.0.0.1:0",
        "--meters",
        "3",
        "--start",
        "2026-05-04T11:39:20",
        "--seed",
        "7",
    ]);
    let r = &run.ready;
    assert_eq!(r["kind"], "ready");
    assert_eq!(r["framing"], "hdlc");
    assert_eq!(r["meters"], 3);
    assert_eq!(r["pty"], Value::Null);
    assert_eq!(r["push"], Value::Null);
    assert!(
        r["clock"]
            .as_str()
            .unwrap()
            .starts_with("2026-05-04T11:39:2")
    );
    let addr = r["tcp"].as_str().unwrap();
    assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"));
    let mut serials: Vec<Vec<u8>> = (0..3).map(|_| serial_of(addr)).collect();
    serials.sort();
    assert_eq!(
        serials,
        [
            b"1909113".to_vec(),
            b"1909114".to_vec(),
            b"1909115".to_vec()
        ]
    );
}

#[test]
fn wrapper_pty_and_pushes_to_a_listener() {
    let run = start(&[
        "--json",
        "--tcp",
        "127.0.0.1:0",
        "--wrapper",
        "--pty",
        "--push-listen",
        "127.0.0.1:0",
        "--push-interval",
        "0.2",
        "--layout",
        "pairs",
        "--push-key",
        "000102030405060708090A0B0C0D0E0F",
        "--push-auth-key",
        "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF",
    ]);
    let r = &run.ready;
    assert_eq!(r["framing"], "wrapper");
    assert!(r["pty"].as_str().unwrap().starts_with("/dev/"));
    let push = r["push"]
        .as_str()
        .unwrap()
        .strip_prefix("tcp-listen:")
        .unwrap()
        .to_owned();

    // The wrapper port answers.
    let mut c = Client::new(
        tcp(r["tcp"].as_str().unwrap().parse().unwrap()),
        Framing::Wrapper,
        16,
        Address::server(1, 17).unwrap(),
        ClientAuthentication::None,
    );
    assert!(matches!(
        c.get(3, obis!("1-0:1.8.0"), 2, None),
        Ok(Data::DoubleLongUnsigned(_))
    ));

    // The pseudo-terminal answers.
    let port = e450::serial::SerialSettings::OPTICAL_HDLC
        .open(
            std::path::Path::new(r["pty"].as_str().unwrap()),
            Duration::from_millis(20),
        )
        .unwrap();
    let mut p = Client::new(
        Box::new(port),
        Framing::Hdlc,
        16,
        Address::server(1, 17).unwrap(),
        ClientAuthentication::None,
    );
    assert_eq!(
        p.get(1, obis!("0-0:96.1.0"), 2, None),
        Ok(Data::OctetString(b"1909113".to_vec()))
    );

    // Two authenticated pushes reach the listener and decode.
    let mut s = TcpStream::connect(&push).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let cfg = PushConfig {
        key: Some("000102030405060708090A0B0C0D0E0F".parse().unwrap()),
        auth_key: Some("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF".parse().unwrap()),
        ..PushConfig::default()
    };
    let mut l = PushListener::new(cfg);
    let mut readings = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while readings.len() < 2 && Instant::now() < deadline {
        let mut buf = [0u8; 2048];
        if let Ok(n) = s.read(&mut buf) {
            l.feed(&buf[..n]);
        }
        while let Some(m) = l.next_message() {
            match m.unwrap() {
                Message::Reading(r) => readings.push(r),
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(readings.len(), 2);
    assert_eq!(readings[0].security, e450::reading::Security::Authenticated);
    assert!(readings[1].frame_counter > readings[0].frame_counter);
    assert!(readings[0].active_energy_import.unwrap() > 1_000_000.0);
}

#[test]
fn human_ready_line_and_bad_arguments() {
    let mut child = Command::new(BIN)
        .args(["simulate", "--tcp", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with(
            "compteur simulate: 1 meter(s) from serial 1909113, ready: TCP 127.0.0.1:"
        ),
        "{line}"
    );

    for args in [
        &["simulate", "--layout", "values", "--push-to", "/dev/null"][..],
        &["simulate", "--push-auth-key", "00"][..],
        &["simulate", "--key", "zz"][..],
        &["simulate", "--start", "2026-13-01T00:00"][..],
        &["simulate", "--meters", "0"][..],
        &["simulate", "--tcp", "nowhere"][..],
    ] {
        let o = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(!err.is_empty());
        assert!(!err.contains("000102"), "no key in messages");
    }
}

#[test]
fn verbose_logs_frames_but_not_the_password() {
    let mut run = start(&["--json", "--tcp", "127.0.0.1:0", "--verbose"]);
    let addr = run.ready["tcp"].as_str().unwrap().to_owned();
    let lls = ClientAuthentication::Low(dlms::security::LlsPassword::new(b"12345678").unwrap());
    let mut c = Client::new(
        tcp(addr.parse().unwrap()),
        Framing::Hdlc,
        1,
        Address::server(1, 17).unwrap(),
        lls,
    );
    assert!(c.get(3, obis!("1-0:1.8.0"), 2, None).is_ok());
    drop(c);
    let _ = run.child.kill();
    let mut err = String::new();
    run.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("compteur simulate: -> 7EA0"), "{err}");
    assert!(err.contains("AARQ ("), "{err}");
    assert!(
        !err.contains("3132333435363738"),
        "the password leaked: {err}"
    );
}

#[test]
fn pushes_to_a_file_with_a_template() {
    let path = std::env::temp_dir().join(format!("compteur-simulate-{}.bin", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let run = start(&[
        "--json",
        "--push-to",
        path.to_str().unwrap(),
        "--template",
        "wiener-netze",
        "--push-interval",
        "0.1",
    ]);
    assert_eq!(
        run.ready["tcp"],
        Value::Null,
        "no TCP server unless asked when pushing"
    );
    assert_eq!(run.ready["push"], path.to_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut readings = Vec::new();
    while readings.len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let bytes = std::fs::read(&path).unwrap_or_default();
        let mut l = PushListener::new(PushConfig {
            template: Some(e450::push::Template::builtin("wiener-netze").unwrap()),
            ..PushConfig::default()
        });
        l.feed(&bytes);
        readings = l.messages().map(|m| m.unwrap()).collect();
    }
    drop(run);
    let _ = std::fs::remove_file(&path);
    assert!(readings.len() >= 3, "{}", readings.len());
    for m in readings {
        let Message::Reading(r) = m else { panic!() };
        assert_eq!(r.layout, e450::reading::Layout::Values);
        assert!(r.timestamp.is_some() && r.reactive_energy_import.is_some());
    }
}

#[test]
fn pushes_on_a_pseudo_terminal() {
    let run = start(&["--json", "--push-to", "pty", "--push-interval", "0.2"]);
    let path = run.ready["push"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/dev/"), "{path}");
    let mut port = e450::serial::SerialSettings::CUSTOMER_INTERFACE
        .open(std::path::Path::new(&path), Duration::from_millis(100))
        .unwrap();
    let mut l = PushListener::new(PushConfig::default());
    let mut n = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while n < 2 && Instant::now() < deadline {
        let mut buf = [0u8; 1024];
        if let Ok(k) = port.read(&mut buf) {
            l.feed(&buf[..k]);
        }
        // The first push may be cut (it went out before the port was opened).
        while let Some(m) = l.next_message() {
            if let Ok(Message::Reading(r)) = m {
                assert_eq!(r.layout, e450::reading::Layout::SelfDescribing);
                assert_eq!(r.serial.as_deref(), Some("1909113"));
                n += 1;
            }
        }
    }
    assert!(n >= 2, "{n}");
}
