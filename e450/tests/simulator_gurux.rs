//! Interoperability: the Gurux DLMS client (gurux-dlms from PyPI, `tests/interop/gurux_client.py`)
//! reads the simulator over HDLC on TCP with the public client, LLS and HLS-GMAC; the values
//! it gets are the model's at the simulated instant.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod client_common;

use std::process::Command;

use e450::simulator::{Framing, SimClock, Simulator, SimulatorConfig, TimeZone};
use serde_json::Value;

use client_common::gurux_python;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/interop/gurux_client.py"
);

fn run(py: &str, addr: std::net::SocketAddr, extra: &[&str]) -> Vec<Value> {
    let out = Command::new(py)
        .arg(SCRIPT)
        .arg("--tcp")
        .arg(addr.to_string())
        .args(extra)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        out.status.success(),
        "gurux client failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines.last().unwrap()["kind"], "done", "{text}");
    lines
}

fn simulator() -> Simulator {
    let clock = SimClock::manual(
        TimeZone::CENTRAL_EUROPE,
        "2026-05-04T11:39:20".parse().unwrap(),
    );
    Simulator::new(SimulatorConfig::default(), clock)
}

fn value<'a>(lines: &'a [Value], class: u64, obis: &str, attribute: u64) -> &'a Value {
    let l = lines
        .iter()
        .find(|l| {
            l["class"] == class
                && l["obis"] == obis
                && l["attribute"] == attribute
                && l.get("selector").is_none()
        })
        .unwrap_or_else(|| panic!("no line for {class}/{obis}/{attribute}"));
    &l["value"]
}

const READS: &[&str] = &[
    "--read",
    "8/0-0:1.0.0/2",
    "--read",
    "1/0-0:96.1.0/2",
    "--read",
    "3/1-0:1.8.0/2",
    "--read",
    "3/1-0:1.8.0/3",
    "--read",
    "3/1-0:2.8.0/2",
    "--read",
    "3/1-0:1.8.1/2",
    "--read",
    "3/1-0:1.8.2/2",
    "--read",
    "3/1-0:1.7.0/2",
    "--read",
    "3/1-0:32.7.0/2",
    "--read",
    "3/1-0:32.7.0/3",
    "--read",
    "3/1-0:31.7.0/2",
    "--read",
    "3/1-0:31.7.0/3",
    "--read",
    "3/1-0:14.7.0/2",
];

fn check_values(lines: &[Value], sim: &Simulator) {
    let s = sim.with_meter(0, |m| m.snapshot(m.now())).unwrap();
    assert_eq!(
        value(lines, 8, "0-0:1.0.0*255", 2),
        "2026-05-04T11:39:20+02:00"
    );
    assert_eq!(value(lines, 1, "0-0:96.1.0*255", 2), "1909113");
    assert_eq!(value(lines, 3, "1-0:1.8.0*255", 2), s.energies.import);
    assert_eq!(
        value(lines, 3, "1-0:1.8.0*255", 3),
        &serde_json::json!({"scaler": 0, "unit": 30})
    );
    assert_eq!(value(lines, 3, "1-0:2.8.0*255", 2), s.energies.export);
    assert_eq!(value(lines, 3, "1-0:1.8.1*255", 2), s.energies.import_t1);
    assert_eq!(value(lines, 3, "1-0:1.8.2*255", 2), s.energies.import_t2);
    // The tariffs add up to the total (each register is the floor of its exact integral).
    let d = i64::from(s.energies.import)
        - i64::from(s.energies.import_t1)
        - i64::from(s.energies.import_t2);
    assert!(d == 0 || d == 1, "{d}");
    assert_eq!(value(lines, 3, "1-0:1.7.0*255", 2), s.slot.import);
    assert_eq!(value(lines, 3, "1-0:32.7.0*255", 2), s.slot.voltage[0]);
    assert_eq!(
        value(lines, 3, "1-0:32.7.0*255", 3),
        &serde_json::json!({"scaler": 0, "unit": 35})
    );
    assert_eq!(value(lines, 3, "1-0:31.7.0*255", 2), s.slot.current[0]);
    assert_eq!(
        value(lines, 3, "1-0:31.7.0*255", 3),
        &serde_json::json!({"scaler": -2, "unit": 33})
    );
    assert_eq!(value(lines, 3, "1-0:14.7.0*255", 2), s.slot.frequency);
}

#[test]
fn gurux_public_client_reads_registers_object_list_and_a_240_row_profile() {
    let Some(py) = gurux_python("Gurux client interop test") else {
        return;
    };
    let sim = simulator();
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Hdlc)
        .unwrap();
    let mut args: Vec<&str> = READS.to_vec();
    args.extend([
        "--object-list",
        "--profile",
        "1-0:99.1.0",
        "--rows-from",
        "2026-05-01T23:45:00+02:00",
        "--rows-to",
        "2026-05-04T11:30:00+02:00",
    ]);
    let lines = run(&py, server.local_addr(), &args);
    check_values(&lines, &sim);

    // The object list as the public client sees it.
    let list = value(&lines, 15, "0-0:40.0.0*255", 2).as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|o| o["obis"].as_str().unwrap()).collect();
    for expected in [
        "0-0:1.0.0*255",
        "1-0:1.8.0*255",
        "1-0:99.1.0*255",
        "1-0:99.2.0*255",
        "0-0:40.0.0*255",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        !names.contains(&"0-0:96.3.10*255"),
        "the breaker is not public"
    );

    // Capture objects, then 240 rows 15 minutes apart, equal to the model.
    let cols = value(&lines, 7, "1-0:99.1.0*255", 3).as_array().unwrap();
    assert_eq!(cols.len(), 4);
    assert_eq!(cols[2]["obis"], "1-0:1.8.0*255");
    let profile = lines
        .iter()
        .find(|l| l.get("selector") == Some(&Value::from(1)))
        .unwrap();
    let rows = profile["value"].as_array().unwrap();
    assert_eq!(rows.len(), 240);
    assert_eq!(rows[0][0], "2026-05-01T23:45:00+02:00");
    assert_eq!(rows[239][0], "2026-05-04T11:30:00+02:00");
    let tz = TimeZone::CENTRAL_EUROPE;
    let first = tz.local_to_utc(
        "2026-05-01T23:45:00"
            .parse::<e450::simulator::LocalTime>()
            .unwrap()
            .seconds(),
    );
    let mut previous = 0u64;
    for (k, row) in rows.iter().enumerate() {
        let t = first + 900 * k as i64;
        let e = sim.with_meter(0, |m| m.snapshot(t).energies).unwrap();
        assert_eq!(row[2], e.import, "row {k}");
        assert_eq!(row[3], e.export, "row {k}");
        let import = row[2].as_u64().unwrap();
        assert!(import >= previous);
        previous = import;
    }
    // The last row is at most the register (read later in the same instant).
    assert!(previous <= value(&lines, 3, "1-0:1.8.0*255", 2).as_u64().unwrap());
    server.shutdown();
}

#[test]
fn gurux_management_client_with_lls_and_hls_gmac() {
    let Some(py) = gurux_python("Gurux client interop test") else {
        return;
    };
    let sim = simulator();
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Hdlc)
        .unwrap();
    for auth in ["low", "high-gmac"] {
        let mut args: Vec<&str> = vec!["--client", "1", "--auth", auth];
        args.extend(READS);
        args.extend([
            "--read",
            "70/0-0:96.3.10/3",
            "--object-list",
            "--profile",
            "0-0:99.98.0",
        ]);
        let lines = run(&py, server.local_addr(), &args);
        check_values(&lines, &sim);
        assert_eq!(value(&lines, 70, "0-0:96.3.10*255", 3), 1);
        let list = value(&lines, 15, "0-0:40.0.0*255", 2).as_array().unwrap();
        assert!(list.iter().any(|o| o["obis"] == "0-0:99.98.0*255"));
        let events = lines
            .iter()
            .find(|l| l["obis"] == "0-0:99.98.0*255" && l["attribute"] == 2)
            .unwrap();
        assert_eq!(events["rows"], 5);
    }
    // HLS-GMAC with authenticated encryption of every APDU (glo- services).
    let mut args: Vec<&str> = vec![
        "--client",
        "1",
        "--auth",
        "high-gmac",
        "--security",
        "auth-enc",
    ];
    args.extend(READS);
    let lines = run(&py, server.local_addr(), &args);
    check_values(&lines, &sim);

    // A wrong password is refused.
    let out = Command::new(&py)
        .arg(SCRIPT)
        .args([
            "--tcp",
            &server.local_addr().to_string(),
            "--client",
            "1",
            "--auth",
            "low",
            "--password",
            "00000000",
            "--read",
            "3/1-0:1.8.0/2",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    server.shutdown();
}
