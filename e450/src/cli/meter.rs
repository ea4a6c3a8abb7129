//! The meter commands `compteur read`, `compteur profile` and `compteur objects`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use dlms::cosem::{Number, ObjectListEntry, ProfileValue, RegisterValue};
use dlms::session::Keys as SessionKeys;
use dlms::{Data, DateTime};
use obis::ObisCode;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::args::{Failure, KeyArgs, SerialArgs, hex};
use crate::client::{
    Authentication, Direction, Framing, Meter, MeterConfig, MeterError, MeterValue, Physical,
    Profile, ProfileRange,
};
use crate::serial::SerialSettings;

/// The authentication names of `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// No authentication (public client).
    None,
    /// Low level security: `--password`.
    Low,
    /// HLS with GMAC (mechanism 5): `--key`, `--auth-key`, `--system-title` (the client's).
    HighGmac,
    /// Experimental Landis+Gyr HLS (mechanism 2): `--password` (digits).
    HighLgz,
}

/// CONN: how to reach the meter and who we are.
#[derive(Debug, Clone, Args)]
pub struct ConnArgs {
    /// Serial port of the optical probe (HDLC at 9600 8N1 unless `--mode-e` or SERIAL says
    /// otherwise).
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "tcp",
        required_unless_present = "tcp"
    )]
    pub serial: Option<PathBuf>,

    /// Serial line settings (with `--serial`).
    #[command(flatten)]
    pub line: SerialArgs,

    /// Start with the IEC 62056-21 mode E sign-on at 300 baud, then switch to HDLC.
    #[arg(long, requires = "serial")]
    pub mode_e: bool,

    /// A TCP gateway or meter: HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub tcp: Option<String>,

    /// Use the IEC 62056-47 wrapper instead of HDLC (with `--tcp`).
    #[arg(long, requires = "tcp")]
    pub wrapper: bool,

    /// Client SAP: 16 public client, 1 management.
    #[arg(long, value_name = "SAP", default_value_t = 16)]
    pub client: u8,

    /// Server logical device.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub logical: u16,

    /// Server physical address (default 17).
    #[arg(long, value_name = "N", conflicts_with = "serial_number")]
    pub physical: Option<u16>,

    /// The meter's serial number: physical address `serial % 10000 + 1000`.
    #[arg(long, value_name = "N")]
    pub serial_number: Option<u32>,

    /// Authentication.
    #[arg(long, value_enum, default_value = "none")]
    pub auth: AuthArg,

    /// The password for `--auth low` and `--auth high-lgz`.
    #[arg(long, value_name = "P")]
    pub password: Option<String>,

    /// Keys for `--auth high-gmac`.
    #[command(flatten)]
    pub keys: KeyArgs,

    /// Seconds to wait for each answer.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub timeout: f64,

    /// How often an unanswered HDLC poll is repeated.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Log every frame in hex on stderr.
    #[arg(long)]
    pub verbose: bool,
}

/// Arguments of `compteur read`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// How to reach the meter.
    #[command(flatten)]
    pub conn: ConnArgs,

    /// Print one JSON object per line.
    #[arg(long)]
    pub json: bool,

    /// OBIS codes (attribute 2, class from the registry or the object list) or
    /// CLASS/OBIS/ATTR (e.g. 3/1-0:1.8.0*255/3).
    #[arg(required = true, value_name = "CODE")]
    pub codes: Vec<String>,
}

/// Arguments of `compteur profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// How to reach the meter.
    #[command(flatten)]
    pub conn: ConnArgs,

    /// The profile's OBIS code (e.g. 1-0:99.1.0).
    #[arg(value_name = "CODE")]
    pub code: String,

    /// First capture time, ISO 8601 (`2026-04-10T00:00:00+02:00`; without an offset the
    /// meter's local time).
    #[arg(
        long,
        value_name = "ISO8601",
        requires = "to",
        conflicts_with = "entries"
    )]
    pub from: Option<String>,

    /// Last capture time, ISO 8601 (inclusive).
    #[arg(long, value_name = "ISO8601", requires = "from")]
    pub to: Option<String>,

    /// Entries FIRST..LAST, counted from 1, inclusive (LAST 0 = the newest).
    #[arg(long, value_name = "FIRST..LAST")]
    pub entries: Option<String>,

    /// Print CSV.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,

    /// Print one JSON object per row.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `compteur objects`.
#[derive(Debug, Args)]
pub struct ObjectsArgs {
    /// How to reach the meter.
    #[command(flatten)]
    pub conn: ConnArgs,

    /// Print one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// A meter over whichever transport CONN names.
enum AnyMeter {
    Tcp(Meter<std::net::TcpStream>),
    Serial(Meter<Box<dyn serialport::SerialPort>>),
}

macro_rules! with_meter {
    ($m:expr, $v:ident => $body:expr) => {
        match $m {
            AnyMeter::Tcp($v) => $body,
            AnyMeter::Serial($v) => $body,
        }
    };
}

impl ConnArgs {
    fn config(&self) -> Result<MeterConfig, Failure> {
        let usage = |m: String| Failure::Usage(m);
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout < 3600.0) {
            return Err(usage(format!(
                "--timeout {}: give seconds between 0 and 3600",
                self.timeout
            )));
        }
        let password = || {
            self.password
                .as_deref()
                .ok_or_else(|| {
                    usage(format!(
                        "--auth {}: --password is required",
                        self.auth_name()
                    ))
                })?
                .parse()
                .map_err(|e| usage(format!("--password: {e}")))
        };
        let authentication = match self.auth {
            AuthArg::None => Authentication::None,
            AuthArg::Low => Authentication::Low(password()?),
            AuthArg::HighLgz => Authentication::HighLgz(password()?),
            AuthArg::HighGmac => {
                let keys = self.keys.load()?;
                let missing = |what: &str| usage(format!("--auth high-gmac: {what} is required"));
                Authentication::HighGmac {
                    keys: SessionKeys {
                        encryption: keys.key.ok_or_else(|| missing("--key"))?,
                        authentication: keys.auth_key.ok_or_else(|| missing("--auth-key"))?,
                    },
                    system_title: keys.system_title.ok_or_else(|| missing("--system-title"))?,
                }
            }
        };
        let physical = match (self.physical, self.serial_number) {
            (_, Some(s)) => Physical::SerialNumber(s),
            (Some(p), None) => Physical::Address(p),
            (None, None) => Physical::Address(17),
        };
        let config = MeterConfig {
            client_sap: self.client,
            logical: self.logical,
            physical,
            authentication,
            timeout: Duration::from_secs_f64(self.timeout),
            retries: self.retries,
            framing: if self.wrapper {
                Framing::Wrapper
            } else {
                Framing::Hdlc
            },
            ..MeterConfig::default()
        };
        config
            .client_address()
            .and_then(|_| config.server_address())
            .map_err(|e| usage(e.to_string()))?;
        Ok(config)
    }

    fn auth_name(&self) -> &'static str {
        match self.auth {
            AuthArg::None => "none",
            AuthArg::Low => "low",
            AuthArg::HighGmac => "high-gmac",
            AuthArg::HighLgz => "high-lgz",
        }
    }

    /// Connects and associates.
    fn connect(&self, command: &'static str) -> Result<AnyMeter, Failure> {
        let config = self.config()?;
        let failed = |e: MeterError| Failure::Failed(e.to_string());
        let trace = || -> crate::client::Trace {
            Box::new(move |dir, bytes| {
                let arrow = match dir {
                    Direction::Sent => ">>",
                    Direction::Received => "<<",
                };
                eprintln!("compteur {command}: {arrow} {}", hex(bytes));
            })
        };
        if let Some(addr) = &self.tcp {
            let stream =
                crate::client::blocking_tcp(addr.as_str(), config.timeout).map_err(failed)?;
            let mut m = Meter::new(stream, config).map_err(failed)?;
            if self.verbose {
                m.set_trace(trace());
            }
            m.open().map_err(failed)?;
            return Ok(AnyMeter::Tcp(m));
        }
        let Some(path) = &self.serial else {
            return Err(Failure::Usage(
                "give --serial PATH or --tcp HOST:PORT".into(),
            ));
        };
        let settings = self.line.settings(SerialSettings::OPTICAL_HDLC);
        settings
            .validate()
            .map_err(|e| Failure::Usage(format!("serial settings: {e}")))?;
        let first = if self.mode_e {
            SerialSettings::MODE_E_SIGN_ON
        } else {
            settings
        };
        let mut port = first
            .open(path, Duration::from_millis(50))
            .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?;
        if self.mode_e {
            let now =
                crate::client::sign_on_mode_e(port.as_mut(), config.timeout).map_err(failed)?;
            if self.verbose {
                eprintln!("compteur {command}: mode E sign-on done, now {now}");
            }
        }
        let mut m = Meter::new(port, config).map_err(failed)?;
        if self.verbose {
            m.set_trace(trace());
        }
        m.open().map_err(failed)?;
        Ok(AnyMeter::Serial(m))
    }
}

/// A CODE argument: OBIS (class to be found) or CLASS/OBIS/ATTR.
fn parse_code(text: &str) -> Result<(Option<u16>, ObisCode, i8), String> {
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [obis] => Ok((None, parse_obis(obis)?, 2)),
        [class, obis, attr] => {
            let class = class
                .trim()
                .parse::<u16>()
                .map_err(|_| format!("{text:?}: CLASS must be a number (e.g. 3)"))?;
            let attr = attr
                .trim()
                .parse::<i8>()
                .map_err(|_| format!("{text:?}: ATTR must be a number from 1 to 127"))?;
            if attr < 1 {
                return Err(format!("{text:?}: ATTR must be a number from 1 to 127"));
            }
            Ok((Some(class), parse_obis(obis)?, attr))
        }
        _ => Err(format!("{text:?}: give OBIS or CLASS/OBIS/ATTR")),
    }
}

fn parse_obis(text: &str) -> Result<ObisCode, String> {
    text.trim()
        .parse::<ObisCode>()
        .map_err(|e| format!("invalid OBIS code {text:?}: {e}"))
}

/// Parses ISO 8601 `YYYY-MM-DDTHH:MM[:SS][.fff][Z|±HH:MM]` into a COSEM date-time. The
/// deviation is minus the offset in minutes (UTC+02:00 is −120); without an offset it is
/// "not specified" (the meter's local time).
pub(crate) fn parse_iso(text: &str) -> Result<DateTime, String> {
    let bad = || format!("{text:?}: expected ISO 8601 like 2026-04-10T00:00:00+02:00");
    let t = text.trim();
    let (date, rest) = t.split_once(['T', ' ']).ok_or_else(bad)?;
    let mut d = date.split('-');
    let (Some(y), Some(mo), Some(da), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(bad());
    };
    let year: u16 = y.parse().map_err(|_| bad())?;
    let month: u8 = mo.parse().map_err(|_| bad())?;
    let day: u8 = da.parse().map_err(|_| bad())?;
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (
            rest.get(..i).ok_or_else(bad)?,
            Some(rest.get(i..).ok_or_else(bad)?),
        ),
        None => (rest, None),
    };
    let time = time.split('.').next().unwrap_or(time);
    let mut tp = time.split(':');
    let hour: u8 = tp.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let minute: u8 = tp.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let second: u8 = match tp.next() {
        Some(s) => s.parse().map_err(|_| bad())?,
        None => 0,
    };
    if tp.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad());
    }
    let deviation: i16 = match offset {
        None => dlms::DEVIATION_NOT_SPECIFIED,
        Some("Z" | "z") => 0,
        Some(o) => {
            let (sign, hm) = o.split_at_checked(1).ok_or_else(bad)?;
            let (h, m) = hm
                .split_once(':')
                .unwrap_or((hm.get(..2).unwrap_or(hm), hm.get(2..).unwrap_or("0")));
            let h: i16 = h.parse().map_err(|_| bad())?;
            let m: i16 = if m.is_empty() {
                0
            } else {
                m.parse().map_err(|_| bad())?
            };
            if h > 14 || m > 59 {
                return Err(bad());
            }
            let minutes = h.saturating_mul(60).saturating_add(m);
            if sign == "+" {
                minutes.saturating_neg()
            } else {
                minutes
            }
        }
    };
    let date = dlms::Date {
        year,
        month,
        day,
        day_of_week: 0xFF,
    };
    // Day of week 1 = Monday; 1970-01-01 was a Thursday.
    let day_of_week = date.days_since_epoch().map_or(0xFF, |d| {
        usize::try_from(d.rem_euclid(7))
            .ok()
            .and_then(|r| [4u8, 5, 6, 7, 1, 2, 3].get(r).copied())
            .unwrap_or(0xFF)
    });
    Ok(DateTime {
        date: dlms::Date {
            day_of_week,
            ..date
        },
        time: dlms::Time {
            hour,
            minute,
            second,
            hundredths: 0,
        },
        deviation,
        status: dlms::ClockStatus(0x00),
    })
}

/// `YYYY-MM-DDTHH:MM:SS` from the local fields, when they are all specified.
pub(crate) fn iso_local(dt: &DateTime) -> Option<String> {
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.date.year()?,
        dt.date.month()?,
        dt.date.day()?,
        dt.time.hour()?,
        dt.time.minute()?,
        dt.time.second()?
    ))
}

fn date_time_json(dt: &DateTime) -> Value {
    iso_local(dt).map_or_else(|| Value::String(dt.to_string()), Value::String)
}

fn dst_of(dt: &DateTime) -> Value {
    if dt.status.0 == 0xFF {
        Value::Null
    } else {
        Value::Bool(dt.status.daylight_saving())
    }
}

/// Bytes as text when printable, else upper-case hex.
fn bytes_json(b: &[u8]) -> Value {
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        Value::String(String::from_utf8_lossy(b).into_owned())
    } else {
        Value::String(hex(b))
    }
}

/// A value as JSON: numbers as numbers, printable octet-strings as text (hex otherwise),
/// date-times as ISO 8601 local time, arrays and structures as arrays.
pub(crate) fn data_json(d: &Data) -> Value {
    match d {
        Data::Null | Data::DontCare => Value::Null,
        Data::Boolean(b) => Value::Bool(*b),
        Data::Array(v) | Data::Structure(v) => Value::Array(v.iter().map(data_json).collect()),
        Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => bytes_json(b),
        Data::BitString(b) => Value::String(hex(&b.bytes)),
        Data::Float32(f) => json!(f),
        Data::Float64(f) => json!(f),
        Data::DateTime(dt) => date_time_json(dt),
        Data::Date(_) | Data::Time(_) | Data::CompactArray(_) => Value::String(format!("{d:?}")),
        other => match (other.as_i64(), other.as_u64()) {
            (Some(i), _) => json!(i),
            (None, Some(u)) => json!(u),
            _ => Value::String(format!("{other:?}")),
        },
    }
}

/// A scaled register value: an integer when the scaler is 0 (exact), else a float.
fn number_json(r: &RegisterValue) -> Value {
    match (r.scaler, r.raw) {
        (0, Number::Signed(i)) => json!(i),
        (0, Number::Unsigned(u)) => json!(u),
        _ => json!(r.scaled),
    }
}

/// Whether an attribute holds a date-time in an octet-string.
fn is_date_time(class: u16, attribute: i8, d: &Data) -> Option<DateTime> {
    match (class, attribute, d) {
        (_, _, Data::DateTime(dt)) => Some(*dt),
        (8, 2 | 5 | 6, Data::OctetString(b)) if b.len() == 12 => DateTime::parse(b).ok(),
        _ => None,
    }
}

fn unit_text(v: &MeterValue) -> Option<&'static str> {
    v.unit().and_then(|u| u.symbol()).filter(|s| !s.is_empty())
}

/// One line of `compteur read --json`, in the order of the issue's example.
#[derive(Serialize)]
struct ReadLine {
    obis: String,
    class: u16,
    attribute: i8,
    value: Value,
    unit: Option<&'static str>,
    scaler: Option<i8>,
    raw: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deviation: Option<Option<i16>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dst: Option<Value>,
}

fn read_line(v: &MeterValue) -> String {
    let raw = v
        .data
        .as_i64()
        .map(Value::from)
        .or_else(|| v.data.as_u64().map(Value::from));
    let mut line = ReadLine {
        obis: v.obis.to_string(),
        class: v.class_id,
        attribute: v.attribute,
        value: Value::Null,
        unit: None,
        scaler: None,
        raw: None,
        deviation: None,
        dst: None,
    };
    match (&v.register, is_date_time(v.class_id, v.attribute, &v.data)) {
        (Some(r), _) => {
            line.value = number_json(r);
            line.unit = unit_text(v);
            line.scaler = Some(r.scaler);
            line.raw = raw;
        }
        (None, Some(dt)) => {
            line.value = date_time_json(&dt);
            line.deviation = Some(dt.deviation());
            line.dst = Some(dst_of(&dt));
        }
        (None, None) => {
            line.value = data_json(&v.data);
            line.raw = raw;
        }
    }
    serde_json::to_string(&line).unwrap_or_default()
}

fn value_text(v: &MeterValue) -> String {
    match (&v.register, is_date_time(v.class_id, v.attribute, &v.data)) {
        (Some(r), _) => {
            let mut s = format!("{}", r.scaled);
            if s == "-0" {
                s = "0".into();
            }
            s
        }
        (None, Some(dt)) => {
            let mut s = iso_local(&dt).unwrap_or_else(|| dt.to_string());
            if let Some(dev) = dt.deviation() {
                // UTC = local + deviation: the offset is minus the deviation.
                let off = i32::from(dev).saturating_neg();
                let sign = if off < 0 { '-' } else { '+' };
                let a = off.unsigned_abs();
                s.push_str(&format!("{sign}{:02}:{:02}", a / 60, a % 60));
            }
            if dt.status.0 != 0xFF && dt.status.daylight_saving() {
                s.push_str(" DST");
            }
            s
        }
        (None, None) => match data_json(&v.data) {
            Value::String(s) => s,
            other => other.to_string(),
        },
    }
}

fn describe(obis: ObisCode) -> String {
    obis::registry::lookup_tolerant(obis).map_or_else(
        || obis::describe(obis).to_string(),
        |e| e.description.to_string(),
    )
}

/// Prints rows as an aligned table (the last column is not padded).
fn table(out: &mut dyn Write, rows: &[Vec<String>], right: &[bool]) -> std::io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                line.push_str("  ");
            }
            if right.get(i).copied().unwrap_or(false) {
                line.push_str(&format!("{cell:>w$}"));
            } else if i.saturating_add(1) == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn fail(err: &mut dyn Write, command: &str, f: &Failure) -> std::io::Result<u8> {
    writeln!(err, "compteur {command}: {}", f.message())?;
    Ok(f.status())
}

/// Runs `compteur read`.
pub(super) fn run_read(
    args: &ReadArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let mut codes = Vec::new();
    for c in &args.codes {
        match parse_code(c) {
            Ok(code) => codes.push(code),
            Err(e) => return fail(err, "read", &Failure::Usage(e)),
        }
    }
    let mut meter = match args.conn.connect("read") {
        Ok(m) => m,
        Err(f) => return fail(err, "read", &f),
    };
    let result = with_meter!(&mut meter, m => read_all(m, &codes));
    let results = match result {
        Ok(r) => r,
        Err(e) => return fail(err, "read", &Failure::Failed(e.to_string())),
    };
    let mut status = 0;
    let mut rows = vec![vec![
        "OBIS".to_string(),
        "CLASS/ATTR".into(),
        "VALUE".into(),
        "UNIT".into(),
        "DESCRIPTION".into(),
    ]];
    for r in &results {
        match r {
            Ok(v) if args.json => writeln!(out, "{}", read_line(v))?,
            Ok(v) => rows.push(vec![
                v.obis.to_string(),
                format!("{}/{}", v.class_id, v.attribute),
                value_text(v),
                unit_text(v).unwrap_or("").to_string(),
                describe(v.obis),
            ]),
            Err(e) => {
                status = 1;
                writeln!(err, "compteur read: {e}")?;
            }
        }
    }
    if !args.json && rows.len() > 1 {
        table(out, &rows, &[false, false, true, false, false])?;
    }
    let closed = with_meter!(meter, m => m.close());
    if let Err(e) = closed {
        writeln!(err, "compteur read: closing: {e}")?;
    }
    Ok(status)
}

type Code = (Option<u16>, ObisCode, i8);

fn read_all<T: std::io::Read + std::io::Write>(
    m: &mut Meter<T>,
    codes: &[Code],
) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
    let mut resolved = Vec::with_capacity(codes.len());
    let mut out: Vec<Option<Result<MeterValue, MeterError>>> = Vec::with_capacity(codes.len());
    for &(class, obis, attr) in codes {
        let class = match class {
            Some(c) => Ok(c),
            None => match obis::registry::lookup_tolerant(obis) {
                Some(e) => Ok(e.class_id),
                None => m
                    .object_list()
                    .map(|list| {
                        list.iter()
                            .find(|e| e.logical_name == obis)
                            .map(|e| e.class_id.0)
                    })
                    .and_then(|c| c.ok_or(MeterError::UnknownClass(obis))),
            },
        };
        match class {
            Ok(c) => {
                resolved.push((c, obis, attr));
                out.push(None);
            }
            Err(e @ MeterError::UnknownClass(_)) => out.push(Some(Err(e))),
            Err(e) => return Err(e),
        }
    }
    let mut values = m.read_codes(&resolved)?.into_iter();
    Ok(out
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                values
                    .next()
                    .unwrap_or(Err(MeterError::State("missing value")))
            })
        })
        .collect())
}

fn parse_entries(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("--entries {text:?}: expected FIRST..LAST, e.g. 1..96");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let first: u32 = a.trim().parse().map_err(|_| bad())?;
    let last: u32 = b.trim().parse().map_err(|_| bad())?;
    if first == 0 || (last != 0 && last < first) {
        return Err(bad());
    }
    Ok((first, last))
}

/// The column names of a profile: the capture objects' OBIS codes (with `/attribute` when
/// it is not 2, and `#n` for repeats).
fn column_names(p: &Profile) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(p.capture_objects.len());
    for c in &p.capture_objects {
        let mut name = c.logical_name.to_string();
        if c.attribute != 2 {
            name.push_str(&format!("/{}", c.attribute));
        }
        let base = name.clone();
        let mut n = 1u32;
        while names.contains(&name) {
            n = n.saturating_add(1);
            name = format!("{base}#{n}");
        }
        names.push(name);
    }
    names
}

fn profile_value_json(v: &ProfileValue) -> Value {
    match v {
        ProfileValue::DateTime(dt) => date_time_json(dt),
        ProfileValue::Number(r) => number_json(r),
        ProfileValue::Data(d) => data_json(d),
    }
}

fn profile_value_text(v: &ProfileValue) -> String {
    match profile_value_json(v) {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Runs `compteur profile`.
pub(super) fn run_profile(
    args: &ProfileArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let obis = match parse_obis(&args.code) {
        Ok(o) => o,
        Err(e) => return fail(err, "profile", &Failure::Usage(e)),
    };
    let range = match (&args.from, &args.to, &args.entries) {
        (Some(from), Some(to), None) => match (parse_iso(from), parse_iso(to)) {
            (Ok(from), Ok(to)) => ProfileRange::Between { from, to },
            (Err(e), _) => return fail(err, "profile", &Failure::Usage(format!("--from {e}"))),
            (_, Err(e)) => return fail(err, "profile", &Failure::Usage(format!("--to {e}"))),
        },
        (None, None, Some(e)) => match parse_entries(e) {
            Ok((first, last)) => ProfileRange::Entries { first, last },
            Err(e) => return fail(err, "profile", &Failure::Usage(e)),
        },
        (None, None, None) => ProfileRange::All,
        _ => {
            return fail(
                err,
                "profile",
                &Failure::Usage("give --from and --to together, or --entries".into()),
            );
        }
    };
    let mut meter = match args.conn.connect("profile") {
        Ok(m) => m,
        Err(f) => return fail(err, "profile", &f),
    };
    let result = with_meter!(&mut meter, m => m.read_profile(obis, range));
    let closed = with_meter!(meter, m => m.close());
    let profile = match result {
        Ok(p) => p,
        Err(e) => return fail(err, "profile", &Failure::Failed(e.to_string())),
    };
    if let Err(e) = closed {
        writeln!(err, "compteur profile: closing: {e}")?;
    }
    let names = column_names(&profile);
    let units: Vec<String> = profile
        .scalers
        .iter()
        .map(|su| {
            su.and_then(|s| s.unit.symbol())
                .filter(|s| !s.is_empty())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    if args.json {
        for row in &profile.rows {
            let mut m = Map::new();
            let mut first_dt = None;
            for (name, v) in names.iter().zip(&row.values) {
                if let (None, ProfileValue::DateTime(dt)) = (first_dt, v) {
                    first_dt = Some(*dt);
                }
                m.insert(name.clone(), profile_value_json(v));
            }
            if let Some(dt) = first_dt {
                m.insert(
                    "deviation".into(),
                    dt.deviation().map_or(Value::Null, Value::from),
                );
                m.insert("dst".into(), dst_of(&dt));
            }
            writeln!(out, "{}", Value::Object(m))?;
        }
    } else if args.csv {
        let header: Vec<String> = names
            .iter()
            .zip(&units)
            .map(|(n, u)| {
                csv_cell(&if u.is_empty() {
                    n.clone()
                } else {
                    format!("{n} [{u}]")
                })
            })
            .collect();
        writeln!(out, "{}", header.join(","))?;
        for row in &profile.rows {
            let cells: Vec<String> = row
                .values
                .iter()
                .map(|v| csv_cell(&profile_value_text(v)))
                .collect();
            writeln!(out, "{}", cells.join(","))?;
        }
    } else {
        let mut rows = vec![names.clone()];
        rows.push(
            units
                .iter()
                .map(|u| {
                    if u.is_empty() {
                        String::new()
                    } else {
                        format!("[{u}]")
                    }
                })
                .collect(),
        );
        for row in &profile.rows {
            rows.push(row.values.iter().map(profile_value_text).collect());
        }
        let right: Vec<bool> = profile
            .capture_objects
            .iter()
            .map(|c| !(c.class_id == 8 && c.attribute == 2))
            .collect();
        table(out, &rows, &right)?;
        writeln!(out, "{} rows", profile.rows.len())?;
    }
    Ok(0)
}

fn access_text(e: &ObjectListEntry) -> String {
    e.attribute_access
        .iter()
        .map(|a| {
            let mode = match a.access_mode.0 {
                0 => "-",
                1 => "r",
                2 => "w",
                3 => "rw",
                _ => "a",
            };
            format!("{}:{mode}", a.id)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `compteur objects`.
pub(super) fn run_objects(
    args: &ObjectsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let mut meter = match args.conn.connect("objects") {
        Ok(m) => m,
        Err(f) => return fail(err, "objects", &f),
    };
    let result = with_meter!(&mut meter, m => m.object_list());
    let closed = with_meter!(meter, m => m.close());
    let list = match result {
        Ok(l) => l,
        Err(e) => return fail(err, "objects", &Failure::Failed(e.to_string())),
    };
    if let Err(e) = closed {
        writeln!(err, "compteur objects: closing: {e}")?;
    }
    if args.json {
        for e in &list {
            let attributes: Vec<Value> = e
                .attribute_access
                .iter()
                .map(|a| json!({"attribute": a.id, "access": a.access_mode.0}))
                .collect();
            let methods: Vec<Value> = e
                .method_access
                .iter()
                .map(|m| json!({"method": m.id, "access": m.access_mode.0}))
                .collect();
            let line = json!({
                "obis": e.logical_name.to_string(),
                "class": e.class_id.0,
                "class_name": obis::registry::class_name(e.class_id.0),
                "version": e.version,
                "description": describe(e.logical_name),
                "attributes": attributes,
                "methods": methods,
            });
            writeln!(out, "{line}")?;
        }
    } else {
        let mut rows = vec![vec![
            "OBIS".to_string(),
            "CLASS".into(),
            "VERSION".into(),
            "ACCESS".into(),
            "DESCRIPTION".into(),
        ]];
        for e in &list {
            let class = match obis::registry::class_name(e.class_id.0) {
                Some(n) => format!("{} {n}", e.class_id.0),
                None => e.class_id.0.to_string(),
            };
            rows.push(vec![
                e.logical_name.to_string(),
                class,
                e.version.to_string(),
                access_text(e),
                describe(e.logical_name),
            ]);
        }
        table(out, &rows, &[])?;
        writeln!(out, "{} objects", list.len())?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn codes() {
        let o = ObisCode::new(1, 0, 1, 8, 0, 255);
        assert_eq!(parse_code("1-0:1.8.0").unwrap(), (None, o, 2));
        assert_eq!(parse_code("3/1-0:1.8.0*255/3").unwrap(), (Some(3), o, 3));
        assert!(parse_code("3/1-0:1.8.0").is_err());
        assert!(parse_code("x/1-0:1.8.0/2").is_err());
        assert!(parse_code("3/1-0:1.8.0/0").is_err());
    }

    #[test]
    fn iso() {
        let dt = parse_iso("2026-04-10T00:00:00+02:00").unwrap();
        assert_eq!(
            dt.to_bytes(),
            [0x07, 0xEA, 4, 10, 5, 0, 0, 0, 0, 0xFF, 0x88, 0x00]
        );
        assert_eq!(parse_iso("2026-05-04T11:39:20Z").unwrap().deviation, 0);
        assert_eq!(parse_iso("2026-05-04T11:39").unwrap().deviation(), None);
        assert_eq!(
            parse_iso("2026-05-04T11:39:20-05:30").unwrap().deviation,
            330
        );
        assert_eq!(iso_local(&dt).unwrap(), "2026-04-10T00:00:00");
        assert!(parse_iso("2026-13-04T11:39:20").is_err());
        assert!(parse_iso("yesterday").is_err());
    }

    #[test]
    fn entries() {
        assert_eq!(parse_entries("10..19").unwrap(), (10, 19));
        assert_eq!(parse_entries("1..0").unwrap(), (1, 0));
        assert!(parse_entries("0..3").is_err());
        assert!(parse_entries("5..3").is_err());
    }

    #[test]
    fn json_values() {
        assert_eq!(
            data_json(&Data::OctetString(b"1909113".to_vec())),
            json!("1909113")
        );
        assert_eq!(data_json(&Data::OctetString(vec![0, 1])), json!("0001"));
        assert_eq!(data_json(&Data::Long(-3)), json!(-3));
        assert_eq!(
            data_json(&Data::Structure(vec![Data::Boolean(true), Data::Null])),
            json!([true, null])
        );
    }
}
