//! Shared by the interop tests: finding the Gurux interpreter, the Gurux meter process and
//! the expected values of its object model (tests/interop/README.md).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::type_complexity
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use e450::obis::ObisCode;

pub(crate) const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/interop/gurux_meter.py"
);

pub(crate) const PROFILE: ObisCode = ObisCode::new(1, 0, 99, 1, 0, 255);

/// The 16 registers: code, raw value, scaler, unit code, scaled value.
pub(crate) const REGISTERS: [((u8, u8, u8), i64, i8, u8, f64); 16] = [
    ((1, 8, 0), 482_939, 0, 30, 482_939.0),
    ((2, 8, 0), 120_573, 0, 30, 120_573.0),
    ((1, 8, 1), 301_122, 0, 30, 301_122.0),
    ((1, 8, 2), 181_817, 0, 30, 181_817.0),
    ((3, 8, 0), 53_211, 0, 32, 53_211.0),
    ((4, 8, 0), 17_402, 0, 32, 17_402.0),
    ((1, 7, 0), 1873, 0, 27, 1873.0),
    ((2, 7, 0), 0, 0, 27, 0.0),
    ((32, 7, 0), 2301, -1, 35, 230.1),
    ((52, 7, 0), 2298, -1, 35, 229.8),
    ((72, 7, 0), 2315, -1, 35, 231.5),
    ((31, 7, 0), 412, -2, 33, 4.12),
    ((51, 7, 0), 187, -2, 33, 1.87),
    ((71, 7, 0), 259, -2, 33, 2.59),
    ((13, 7, 0), 987, -3, 255, 0.987),
    ((14, 7, 0), 5001, -2, 44, 50.01),
];

pub(crate) fn register_code(c: (u8, u8, u8)) -> ObisCode {
    ObisCode::new(1, 0, c.0, c.1, c.2, 255)
}

/// The clock attribute 2 as sent.
pub(crate) const CLOCK_BYTES: [u8; 12] = [
    0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x14, 0x00, 0xFF, 0x88, 0x80,
];

/// Profile row i: (import, export).
pub(crate) fn profile_row(i: u32) -> (f64, f64) {
    (f64::from(1000 + 123 * i), f64::from(10 * i))
}

/// The Python interpreter with gurux-dlms, or `None` (skip) unless CI is set.
pub(crate) fn gurux_python(what: &str) -> Option<String> {
    let py = std::env::var("COMPTEUR_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").into());
    let why = match Command::new(&py).args(["-c", "import gurux_dlms"]).output() {
        Ok(o) if o.status.success() => return Some(py),
        Ok(o) => format!(
            "`{py} -c 'import gurux_dlms'` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("cannot run {py}: {e}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("skipping the {what}: {why} (run `make venv` or set COMPTEUR_PYTHON)");
    None
}

/// The Gurux meter process, ended when dropped.
pub(crate) struct GuruxMeter {
    child: Child,
    pub(crate) tcp: String,
}

impl GuruxMeter {
    pub(crate) fn start(what: &str) -> Option<GuruxMeter> {
        let py = gurux_python(what)?;
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
        Some(GuruxMeter { child, tcp })
    }
}

impl Drop for GuruxMeter {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
