//! [`Reading`]: the typed snapshot a push of the customer information interface turns into.
//!
//! Units: the typed fields are in base units (Wh, varh, W, var, V, A, Hz). In
//! [`Reading::values`] and in the JSON of [`Reading::to_json_value`], energies are given in
//! kWh / kvarh (`value` = `raw` × 10^`scaler` / 1000, `unit` says so); every other value is
//! `raw` × 10^`scaler` in the registry's unit.
//!
//! ```
//! use e450::reading::{Layout, Reading, Security};
//! let r = Reading::new(7, Layout::Pairs);
//! assert_eq!(r.security, Security::None);
//! assert_eq!(r.to_json_value()["kind"], "push");
//! ```

use std::borrow::Cow;

use obis::{ObisCode, Quantity, Unit};
use serde::{Deserialize, Serialize};

/// How a push was protected.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Security {
    /// Sent in the clear.
    None,
    /// Decrypted, no tag verified (no authentication key, or SC 0x20).
    Decrypted,
    /// Decrypted and its GCM tag verified with the authentication key.
    Authenticated,
}

impl Security {
    /// The JSON name: `none`, `decrypted`, `authenticated`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::Decrypted => "decrypted",
            Security::Authenticated => "authenticated",
        }
    }
}

/// The body layout a push used.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// A push-object-list followed by the values.
    SelfDescribing,
    /// A date-time then OBIS/value pairs.
    Pairs,
    /// Values only, mapped by a template.
    Values,
}

impl Layout {
    /// The JSON name: `self-describing`, `pairs`, `values`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Layout::SelfDescribing => "self-describing",
            Layout::Pairs => "pairs",
            Layout::Values => "values",
        }
    }
}

/// A local time stamp as the meter sent it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Timestamp {
    /// ISO 8601 local time without offset, `2026-05-04T11:39:20`.
    pub local: String,
    /// Daylight saving time active (bit 7 of the clock status).
    pub dst: bool,
    /// Deviation in minutes, `None` when not specified (0x8000: local time).
    pub deviation: Option<i16>,
    /// The clock status byte as sent (L+G sets bit 0 although the clock is fine).
    pub status: u8,
}

impl Timestamp {
    /// From a COSEM date-time; `None` when date or time fields are not specified.
    pub fn from_date_time(dt: &dlms::DateTime) -> Option<Self> {
        let (y, mo, d) = (dt.date.year, dt.date.month, dt.date.day);
        let (h, mi, s) = (dt.time.hour, dt.time.minute, dt.time.second);
        if y == 0xFFFF || mo > 12 || mo == 0 || d > 31 || d == 0 || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        Some(Timestamp {
            local: iso_local(y, mo, d, h, mi, s),
            dst: dt.status.daylight_saving(),
            deviation: dt.deviation(),
            status: dt.status.0,
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS` without the formatting machinery (this runs once or twice per push).
fn iso_local(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> String {
    fn two(out: &mut String, v: u8) {
        out.push(char::from(b'0'.wrapping_add((v / 10) % 10)));
        out.push(char::from(b'0'.wrapping_add(v % 10)));
    }
    let mut out = String::with_capacity(19);
    if y > 9999 {
        out.push_str(&y.to_string());
    } else {
        let hi = u8::try_from(y / 100).unwrap_or_default();
        let lo = u8::try_from(y % 100).unwrap_or_default();
        two(&mut out, hi);
        two(&mut out, lo);
    }
    for (sep, v) in [('-', mo), ('-', d), ('T', h), (':', mi), (':', s)] {
        out.push(sep);
        two(&mut out, v);
    }
    out
}

/// A value as sent, before scaling.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Raw {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float.
    Float(f64),
    /// Text: printable octet strings, hex otherwise, or an ISO date-time.
    Text(String),
}

/// A value after scaling.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A number (scaler applied, energies in kWh / kvarh).
    Number(f64),
    /// Text (serial numbers, date-times, identifiers).
    Text(String),
}

impl Value {
    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(v) => Some(*v),
            Value::Text(_) => None,
        }
    }
}

/// One pushed OBIS value.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ReadingValue {
    /// The logical name as pushed.
    pub obis: ObisCode,
    /// The interface class (pushed, from the template, or from the registry).
    pub class: u16,
    /// The attribute.
    pub attribute: i8,
    /// The reading vocabulary name (channel-B tolerant).
    pub quantity: Option<Quantity>,
    /// The scaled value.
    pub value: Value,
    /// The unit of `value` (`kWh` / `kvarh` for energies).
    pub unit: Option<Cow<'static, str>>,
    /// The value as sent.
    pub raw: Raw,
    /// The scaler applied to `raw` (from the registry or the template; pushes carry none).
    pub scaler: i8,
}

/// An M-Bus sub-meter channel (gas, water, heat) carried in the push.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct SubMeter {
    /// The channel (group B of `0-b:24.2.1`).
    pub channel: u8,
    /// The id from `0-b:96.1.0`; `None` for an empty channel (id `00`).
    pub id: Option<String>,
    /// The value of `0-b:24.2.1` (class 4, double-long signed), as sent.
    pub value: Option<i64>,
}

/// A typed snapshot of one push.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Reading {
    /// Offset of the message's first byte in the input stream.
    pub offset: usize,
    /// The notification's date-time, or the clock value when the header has none.
    pub timestamp: Option<Timestamp>,
    /// The sender's system title (encrypted pushes).
    pub system_title: Option<[u8; 8]>,
    /// `0-0:96.1.x` when pushed, else the serial decoded from an `LGZ` system title.
    pub serial: Option<String>,
    /// The frame counter (encrypted pushes).
    pub frame_counter: Option<u32>,
    /// How the push was protected.
    pub security: Security,
    /// The body layout.
    pub layout: Layout,
    /// +A total, Wh.
    pub active_energy_import: Option<f64>,
    /// −A total, Wh.
    pub active_energy_export: Option<f64>,
    /// +R total, varh.
    pub reactive_energy_import: Option<f64>,
    /// −R total, varh.
    pub reactive_energy_export: Option<f64>,
    /// +A per tariff 1..4, Wh.
    pub active_energy_import_tariff: [Option<f64>; 4],
    /// −A per tariff 1..4, Wh.
    pub active_energy_export_tariff: [Option<f64>; 4],
    /// +R per tariff 1..4, varh.
    pub reactive_energy_import_tariff: [Option<f64>; 4],
    /// −R per tariff 1..4, varh.
    pub reactive_energy_export_tariff: [Option<f64>; 4],
    /// Reactive energy per quadrant I..IV, varh.
    pub reactive_energy_quadrant: [Option<f64>; 4],
    /// +P, W.
    pub active_power_import: Option<f64>,
    /// −P, W.
    pub active_power_export: Option<f64>,
    /// +Q, var.
    pub reactive_power_import: Option<f64>,
    /// −Q, var.
    pub reactive_power_export: Option<f64>,
    /// Voltage L1..L3, V.
    pub voltage: [Option<f64>; 3],
    /// Current L1..L3, A.
    pub current: [Option<f64>; 3],
    /// Power factor (all phases).
    pub power_factor: Option<f64>,
    /// Supply frequency, Hz.
    pub frequency: Option<f64>,
    /// Sub-meter channels, by channel number.
    pub submeters: Vec<SubMeter>,
    /// Every pushed value, in push order.
    pub values: Vec<ReadingValue>,
}

/// The serial in an `LGZ` system title: `LGZ` + device type byte + 4 bits of flags + the
/// 28-bit serial.
///
/// ```
/// let title = [0x4C, 0x47, 0x5A, 0x67, 0x73, 0x62, 0xF1, 0x3A];
/// assert_eq!(e450::reading::serial_from_system_title(&title), Some(56_815_930));
/// assert_eq!(e450::reading::serial_from_system_title(&[0; 8]), None);
/// ```
pub fn serial_from_system_title(title: &[u8; 8]) -> Option<u32> {
    let [a, b, c, _, s0, s1, s2, s3] = *title;
    if [a, b, c] != *b"LGZ" {
        return None;
    }
    Some(u32::from_be_bytes([s0, s1, s2, s3]) & 0x0FFF_FFFF)
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

impl Reading {
    /// An empty reading at `offset`, not protected, of the given layout.
    pub fn new(offset: usize, layout: Layout) -> Self {
        Reading {
            offset,
            timestamp: None,
            system_title: None,
            serial: None,
            frame_counter: None,
            security: Security::None,
            layout,
            active_energy_import: None,
            active_energy_export: None,
            reactive_energy_import: None,
            reactive_energy_export: None,
            active_energy_import_tariff: [None; 4],
            active_energy_export_tariff: [None; 4],
            reactive_energy_import_tariff: [None; 4],
            reactive_energy_export_tariff: [None; 4],
            reactive_energy_quadrant: [None; 4],
            active_power_import: None,
            active_power_export: None,
            reactive_power_import: None,
            reactive_power_export: None,
            voltage: [None; 3],
            current: [None; 3],
            power_factor: None,
            frequency: None,
            submeters: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The first value of a quantity (channel-B tolerant), as in [`Reading::values`].
    pub fn value_of(&self, quantity: Quantity) -> Option<&ReadingValue> {
        self.values.iter().find(|v| v.quantity == Some(quantity))
    }

    /// The value pushed for this exact code.
    pub fn get(&self, obis: ObisCode) -> Option<&ReadingValue> {
        self.values.iter().find(|v| v.obis == obis)
    }

    /// Adds a value and fills the typed field it belongs to.
    pub fn push_value(&mut self, v: ReadingValue) {
        self.fill_typed(&v);
        self.values.push(v);
    }

    fn submeter(&mut self, channel: u8) -> Option<&mut SubMeter> {
        if !self.submeters.iter().any(|s| s.channel == channel) {
            self.submeters.push(SubMeter {
                channel,
                ..SubMeter::default()
            });
        }
        self.submeters.iter_mut().find(|s| s.channel == channel)
    }

    fn fill_typed(&mut self, v: &ReadingValue) {
        use Quantity as Q;
        let code = v.obis;
        if code.a() == 0 && code.c() == 24 && code.d() == 2 && code.e() == 1 && v.class == 4 {
            let raw = match &v.raw {
                Raw::Int(i) => Some(*i),
                Raw::UInt(u) => i64::try_from(*u).ok(),
                _ => None,
            };
            if let Some(s) = self.submeter(code.b()) {
                s.value = raw;
            }
            return;
        }
        if code.a() == 0 && code.c() == 96 && code.d() == 1 && code.e() == 0 && code.b() > 0 {
            let id = match &v.value {
                Value::Text(t) if !t.is_empty() && t != "00" => Some(t.clone()),
                _ => None,
            };
            if let Some(s) = self.submeter(code.b()) {
                s.id = id;
            }
            return;
        }
        let Some(q) = v.quantity else { return };
        if q == Q::MeterSerial {
            if let Value::Text(t) = &v.value {
                self.serial = Some(t.clone());
            }
            return;
        }
        if q == Q::Clock {
            return;
        }
        let Some(mut x) = v.value.as_f64() else {
            return;
        };
        // Typed fields are in base units: undo the kWh / kvarh of the value list.
        if matches!(v.unit.as_deref(), Some("kWh" | "kvarh")) {
            x *= 1000.0;
        }
        let slot: Option<&mut Option<f64>> = match q {
            Q::ActiveEnergyImport => Some(&mut self.active_energy_import),
            Q::ActiveEnergyExport => Some(&mut self.active_energy_export),
            Q::ReactiveEnergyImport => Some(&mut self.reactive_energy_import),
            Q::ReactiveEnergyExport => Some(&mut self.reactive_energy_export),
            Q::ActiveEnergyImportT1 => self.active_energy_import_tariff.get_mut(0),
            Q::ActiveEnergyImportT2 => self.active_energy_import_tariff.get_mut(1),
            Q::ActiveEnergyImportT3 => self.active_energy_import_tariff.get_mut(2),
            Q::ActiveEnergyImportT4 => self.active_energy_import_tariff.get_mut(3),
            Q::ActiveEnergyExportT1 => self.active_energy_export_tariff.get_mut(0),
            Q::ActiveEnergyExportT2 => self.active_energy_export_tariff.get_mut(1),
            Q::ActiveEnergyExportT3 => self.active_energy_export_tariff.get_mut(2),
            Q::ActiveEnergyExportT4 => self.active_energy_export_tariff.get_mut(3),
            Q::ReactiveEnergyImportT1 => self.reactive_energy_import_tariff.get_mut(0),
            Q::ReactiveEnergyImportT2 => self.reactive_energy_import_tariff.get_mut(1),
            Q::ReactiveEnergyImportT3 => self.reactive_energy_import_tariff.get_mut(2),
            Q::ReactiveEnergyImportT4 => self.reactive_energy_import_tariff.get_mut(3),
            Q::ReactiveEnergyExportT1 => self.reactive_energy_export_tariff.get_mut(0),
            Q::ReactiveEnergyExportT2 => self.reactive_energy_export_tariff.get_mut(1),
            Q::ReactiveEnergyExportT3 => self.reactive_energy_export_tariff.get_mut(2),
            Q::ReactiveEnergyExportT4 => self.reactive_energy_export_tariff.get_mut(3),
            Q::ReactiveEnergyQ1 => self.reactive_energy_quadrant.get_mut(0),
            Q::ReactiveEnergyQ2 => self.reactive_energy_quadrant.get_mut(1),
            Q::ReactiveEnergyQ3 => self.reactive_energy_quadrant.get_mut(2),
            Q::ReactiveEnergyQ4 => self.reactive_energy_quadrant.get_mut(3),
            Q::ActivePowerImport => Some(&mut self.active_power_import),
            Q::ActivePowerExport => Some(&mut self.active_power_export),
            Q::ReactivePowerImport => Some(&mut self.reactive_power_import),
            Q::ReactivePowerExport => Some(&mut self.reactive_power_export),
            Q::VoltageL1 => self.voltage.get_mut(0),
            Q::VoltageL2 => self.voltage.get_mut(1),
            Q::VoltageL3 => self.voltage.get_mut(2),
            Q::CurrentL1 => self.current.get_mut(0),
            Q::CurrentL2 => self.current.get_mut(1),
            Q::CurrentL3 => self.current.get_mut(2),
            Q::PowerFactor => Some(&mut self.power_factor),
            Q::Frequency => Some(&mut self.frequency),
            _ => None,
        };
        if let Some(slot) = slot {
            *slot = Some(x);
        }
    }

    /// The JSON object of a decoded push, as `compteur decode --json` prints it
    /// (`docs/schema/push.schema.json`).
    ///
    /// ```
    /// use e450::reading::{Layout, Reading};
    /// let j = Reading::new(0, Layout::SelfDescribing).to_json_value();
    /// assert_eq!(j["layout"], "self-describing");
    /// assert!(j["values"].as_array().unwrap().is_empty());
    /// ```
    pub fn to_json_value(&self) -> serde_json::Value {
        let values: Vec<serde_json::Value> = self
            .values
            .iter()
            .map(|v| {
                serde_json::json!({
                    "obis": v.obis.to_string(),
                    "class": v.class,
                    "quantity": v.quantity.map(Quantity::as_str),
                    "value": v.value,
                    "unit": v.unit,
                    "raw": v.raw,
                    "scaler": v.scaler,
                })
            })
            .collect();
        serde_json::json!({
            "kind": "push",
            "offset": self.offset,
            "timestamp": self.timestamp.as_ref().map(|t| t.local.clone()),
            "dst": self.timestamp.as_ref().map(|t| t.dst),
            "deviation": self.timestamp.as_ref().and_then(|t| t.deviation),
            "system_title": self.system_title.map(|t| hex(&t)),
            "serial": self.serial,
            "frame_counter": self.frame_counter,
            "security": self.security.as_str(),
            "layout": self.layout.as_str(),
            "values": values,
        })
    }

    /// Fills [`Reading::serial`] from the system title when the body pushed none.
    pub(crate) fn finish(&mut self) {
        if self.serial.is_none()
            && let Some(t) = &self.system_title
        {
            self.serial = serial_from_system_title(t).map(|s| s.to_string());
        }
    }
}

/// Text for an octet string: the string when it is printable ASCII, upper-case hex otherwise.
pub(crate) fn octets_text(bytes: &[u8]) -> String {
    if !bytes.is_empty() && bytes.iter().all(|b| (0x20..0x7F).contains(b)) {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        hex(bytes)
    }
}

/// The unit symbol used in value lists: kWh / kvarh for energies.
pub(crate) fn display_unit(unit: Unit) -> (Option<Cow<'static, str>>, i32) {
    match unit {
        Unit::WATT_HOUR => (Some(Cow::Borrowed("kWh")), -3),
        Unit::VAR_HOUR => (Some(Cow::Borrowed("kvarh")), -3),
        Unit::VOLT_AMPERE_HOUR => (Some(Cow::Borrowed("kVAh")), -3),
        u => (u.symbol().map(Cow::Borrowed), 0),
    }
}
