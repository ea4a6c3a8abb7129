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

/// [`Reading::typed_index`] of a quantity without a typed field.
pub(crate) const NO_FIELD: u8 = u8::MAX;

/// The longest text kept inline in a [`Text`] (serial numbers, ISO date-times, short ids).
const INLINE: usize = 23;

/// An immutable string that keeps short text (up to 23 bytes: serial numbers, ISO
/// date-times) inline, so that decoding a push does not allocate for them.
///
/// It dereferences to `str`, compares with `str`, `&str` and `String`, and serializes as a
/// string.
///
/// ```
/// use e450::reading::Text;
/// let t = Text::from("1909113");
/// assert_eq!(t, "1909113");
/// assert_eq!(t.len(), 7);
/// assert_eq!(Text::from("a longer text than twenty-three bytes").to_string().len(), 37);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text(TextRepr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum TextRepr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Inline { len, buf } => {
                // Only ever filled from `str` or ASCII, so this never fails.
                core::str::from_utf8(buf.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            TextRepr::Heap(s) => s,
        }
    }

    /// Text from ASCII bytes (the caller guarantees ASCII; anything else is replaced).
    fn from_ascii(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE && bytes.is_ascii() {
            let mut buf = [0u8; INLINE];
            if let Some(dst) = buf.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            Text(TextRepr::Inline {
                len: u8::try_from(bytes.len()).unwrap_or_default(),
                buf,
            })
        } else {
            Text(TextRepr::Heap(String::from_utf8_lossy(bytes).into()))
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_ascii(&[])
    }
}

impl core::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl core::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            if let Some(dst) = buf.get_mut(..s.len()) {
                dst.copy_from_slice(s.as_bytes());
            }
            Text(TextRepr::Inline {
                len: u8::try_from(s.len()).unwrap_or_default(),
                buf,
            })
        } else {
            Text(TextRepr::Heap(s.into()))
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            Text::from(s.as_str())
        } else {
            Text(TextRepr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.as_str().to_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl core::fmt::Debug for Text {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl core::fmt::Display for Text {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

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
    pub local: Text,
    /// Daylight saving time active (bit 7 of the clock status).
    pub dst: bool,
    /// Deviation in minutes, `None` when not specified (0x8000: local time).
    pub deviation: Option<i16>,
    /// The clock status byte as sent (L+G sets bit 0 although the clock is fine).
    pub status: u8,
}

impl Timestamp {
    /// From a COSEM date-time; `None` when date or time fields are not specified.
    #[inline]
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

/// `YYYY-MM-DDTHH:MM:SS` without the formatting machinery or an allocation (this runs once
/// or twice per push).
#[inline(always)]
fn iso_local(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Text {
    fn digit(v: u16) -> u8 {
        b'0'.wrapping_add(u8::try_from(v % 10).unwrap_or_default())
    }
    let mut out = [0u8; INLINE];
    let mut n = 0usize;
    let mut put = |b: u8| {
        if let Some(slot) = out.get_mut(n) {
            *slot = b;
        }
        n = n.saturating_add(1);
    };
    if y > 9999 {
        put(digit(y.checked_div(10_000).unwrap_or_default()));
    }
    for div in [1000u16, 100, 10, 1] {
        put(digit(y.checked_div(div).unwrap_or_default()));
    }
    for (sep, v) in [(b'-', mo), (b'-', d), (b'T', h), (b':', mi), (b':', s)] {
        put(sep);
        put(digit(u16::from(v / 10)));
        put(digit(u16::from(v)));
    }
    // At most 20 ASCII bytes: kept inline as built.
    Text(TextRepr::Inline {
        len: u8::try_from(n.min(INLINE)).unwrap_or_default(),
        buf: out,
    })
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
    Text(Text),
}

/// A value after scaling.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A number (scaler applied, energies in kWh / kvarh).
    Number(f64),
    /// Text (serial numbers, date-times, identifiers).
    Text(Text),
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
    pub id: Option<Text>,
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
    pub serial: Option<Text>,
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

/// Upper-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

impl Default for Reading {
    /// An empty reading at offset 0 (layout `pairs`, not protected).
    fn default() -> Self {
        Reading::new(0, Layout::Pairs)
    }
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

    /// Empties the reading for reuse at `offset` with `layout`, keeping the capacity of its
    /// value and sub-meter lists.
    pub fn reset(&mut self, offset: usize, layout: Layout) {
        let mut values = core::mem::take(&mut self.values);
        values.clear();
        let mut submeters = core::mem::take(&mut self.submeters);
        submeters.clear();
        *self = Reading {
            values,
            submeters,
            ..Reading::new(offset, layout)
        };
    }

    /// [`Reading::reset`] that leaves the value list as it is, for a decoder that overwrites
    /// its entries in place and then truncates it.
    pub(crate) fn reset_keeping_values(&mut self, offset: usize, layout: Layout) {
        let values = core::mem::take(&mut self.values);
        let mut submeters = core::mem::take(&mut self.submeters);
        submeters.clear();
        *self = Reading {
            values,
            submeters,
            ..Reading::new(offset, layout)
        };
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
        self.values.push(v);
        self.fill_typed_last();
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

    /// The index of the typed field a quantity fills ([`Reading::typed_mut`]), or
    /// [`NO_FIELD`].
    pub(crate) const fn typed_index(q: Quantity) -> u8 {
        use Quantity as Q;
        match q {
            Q::ActiveEnergyImport => 0,
            Q::ActiveEnergyExport => 1,
            Q::ReactiveEnergyImport => 2,
            Q::ReactiveEnergyExport => 3,
            Q::ActiveEnergyImportT1 => 4,
            Q::ActiveEnergyImportT2 => 5,
            Q::ActiveEnergyImportT3 => 6,
            Q::ActiveEnergyImportT4 => 7,
            Q::ActiveEnergyExportT1 => 8,
            Q::ActiveEnergyExportT2 => 9,
            Q::ActiveEnergyExportT3 => 10,
            Q::ActiveEnergyExportT4 => 11,
            Q::ReactiveEnergyImportT1 => 12,
            Q::ReactiveEnergyImportT2 => 13,
            Q::ReactiveEnergyImportT3 => 14,
            Q::ReactiveEnergyImportT4 => 15,
            Q::ReactiveEnergyExportT1 => 16,
            Q::ReactiveEnergyExportT2 => 17,
            Q::ReactiveEnergyExportT3 => 18,
            Q::ReactiveEnergyExportT4 => 19,
            Q::ReactiveEnergyQ1 => 20,
            Q::ReactiveEnergyQ2 => 21,
            Q::ReactiveEnergyQ3 => 22,
            Q::ReactiveEnergyQ4 => 23,
            Q::ActivePowerImport => 24,
            Q::ActivePowerExport => 25,
            Q::ReactivePowerImport => 26,
            Q::ReactivePowerExport => 27,
            Q::VoltageL1 => 28,
            Q::VoltageL2 => 29,
            Q::VoltageL3 => 30,
            Q::CurrentL1 => 31,
            Q::CurrentL2 => 32,
            Q::CurrentL3 => 33,
            Q::PowerFactor => 34,
            Q::Frequency => 35,
            _ => NO_FIELD,
        }
    }

    /// The typed field of index `i` ([`Reading::typed_index`]).
    #[inline(always)]
    pub(crate) fn typed_mut(&mut self, i: u8) -> Option<&mut Option<f64>> {
        match i {
            0 => Some(&mut self.active_energy_import),
            1 => Some(&mut self.active_energy_export),
            2 => Some(&mut self.reactive_energy_import),
            3 => Some(&mut self.reactive_energy_export),
            4 => self.active_energy_import_tariff.get_mut(0),
            5 => self.active_energy_import_tariff.get_mut(1),
            6 => self.active_energy_import_tariff.get_mut(2),
            7 => self.active_energy_import_tariff.get_mut(3),
            8 => self.active_energy_export_tariff.get_mut(0),
            9 => self.active_energy_export_tariff.get_mut(1),
            10 => self.active_energy_export_tariff.get_mut(2),
            11 => self.active_energy_export_tariff.get_mut(3),
            12 => self.reactive_energy_import_tariff.get_mut(0),
            13 => self.reactive_energy_import_tariff.get_mut(1),
            14 => self.reactive_energy_import_tariff.get_mut(2),
            15 => self.reactive_energy_import_tariff.get_mut(3),
            16 => self.reactive_energy_export_tariff.get_mut(0),
            17 => self.reactive_energy_export_tariff.get_mut(1),
            18 => self.reactive_energy_export_tariff.get_mut(2),
            19 => self.reactive_energy_export_tariff.get_mut(3),
            20 => self.reactive_energy_quadrant.get_mut(0),
            21 => self.reactive_energy_quadrant.get_mut(1),
            22 => self.reactive_energy_quadrant.get_mut(2),
            23 => self.reactive_energy_quadrant.get_mut(3),
            24 => Some(&mut self.active_power_import),
            25 => Some(&mut self.active_power_export),
            26 => Some(&mut self.reactive_power_import),
            27 => Some(&mut self.reactive_power_export),
            28 => self.voltage.get_mut(0),
            29 => self.voltage.get_mut(1),
            30 => self.voltage.get_mut(2),
            31 => self.current.get_mut(0),
            32 => self.current.get_mut(1),
            33 => self.current.get_mut(2),
            34 => Some(&mut self.power_factor),
            35 => Some(&mut self.frequency),
            _ => None,
        }
    }

    /// Fills the typed field the last value of [`Reading::values`] belongs to.
    pub(crate) fn fill_typed_last(&mut self) {
        let Some(v) = self.values.last() else {
            return;
        };
        let (code, class, quantity) = (v.obis, v.class, v.quantity);
        let kilo = matches!(v.unit.as_deref(), Some("kWh" | "kvarh"));
        let (number, text) = match &v.value {
            Value::Number(x) => (Some(*x), None),
            Value::Text(t) => (None, Some(t.clone())),
        };
        let raw = match &v.raw {
            Raw::Int(i) => Some(*i),
            Raw::UInt(u) => i64::try_from(*u).ok(),
            _ => None,
        };
        // In base units from the raw value, so that decimals stay exact.
        #[allow(clippy::cast_precision_loss)]
        let exact = match (&v.raw, kilo) {
            (Raw::Int(i), true) => Some(scale(*i as f64, i32::from(v.scaler))),
            (Raw::UInt(u), true) => Some(scale(*u as f64, i32::from(v.scaler))),
            _ => None,
        };
        match exact {
            Some(x) => self.fill_typed(code, class, quantity, Some(x), None, raw, false),
            None => self.fill_typed(code, class, quantity, number, text.as_ref(), raw, kilo),
        }
    }

    /// Fills the typed field a value belongs to, from its parts: the value is `number` or
    /// `text`, `raw` is the value as sent when it is an integer that fits an `i64`, `kilo`
    /// says that `number` is in kWh / kvarh.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn fill_typed(
        &mut self,
        code: ObisCode,
        class: u16,
        quantity: Option<Quantity>,
        number: Option<f64>,
        text: Option<&Text>,
        raw: Option<i64>,
        kilo: bool,
    ) {
        use Quantity as Q;
        if code.a() == 0 && code.c() == 24 && code.d() == 2 && code.e() == 1 && class == 4 {
            if let Some(s) = self.submeter(code.b()) {
                s.value = raw;
            }
            return;
        }
        if code.a() == 0 && code.c() == 96 && code.d() == 1 && code.e() == 0 && code.b() > 0 {
            let id = match text {
                Some(t) if !t.is_empty() && *t != "00" => Some(t.clone()),
                _ => None,
            };
            if let Some(s) = self.submeter(code.b()) {
                s.id = id;
            }
            return;
        }
        let Some(q) = quantity else { return };
        let Some(mut x) = number else {
            if q == Q::MeterSerial
                && let Some(t) = text
            {
                self.serial = Some(t.clone());
            }
            return;
        };
        if q == Q::MeterSerial || q == Q::Clock {
            return;
        }
        // Typed fields are in base units: undo the kWh / kvarh of the value list.
        if kilo {
            x *= 1000.0;
        }
        let slot = self.typed_mut(Self::typed_index(q));
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
            self.serial = serial_from_system_title(t).map(|s| Text::from(s.to_string()));
        }
    }
}

/// Text for an octet string: the string when it is printable ASCII, upper-case hex otherwise.
pub(crate) fn octets_text(bytes: &[u8]) -> Text {
    if !bytes.is_empty() && bytes.iter().all(|b| (0x20..0x7F).contains(b)) {
        // Printable ASCII: short ones are copied inline without another check.
        if let Ok(len) = u8::try_from(bytes.len())
            && bytes.len() <= INLINE
        {
            let mut buf = [0u8; INLINE];
            if let Some(dst) = buf.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            return Text(TextRepr::Inline { len, buf });
        }
        return Text::from_ascii(bytes);
    }
    hex_text(bytes)
}

/// Upper-case hex of `bytes`, kept inline (no allocation) up to 11 bytes.
pub(crate) fn hex_text(bytes: &[u8]) -> Text {
    if bytes.len().saturating_mul(2) <= INLINE {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let mut out = [0u8; INLINE];
        for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
            let hi = DIGITS.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
            let lo = DIGITS.get(usize::from(b & 0x0F)).copied().unwrap_or(b'0');
            pair.copy_from_slice(&[hi, lo]);
        }
        let len = u8::try_from(bytes.len().saturating_mul(2)).unwrap_or_default();
        return Text(TextRepr::Inline { len, buf: out });
    }
    Text::from(hex(bytes))
}

/// `raw × 10^exp`, dividing for negative exponents so that decimal values come out exact.
pub(crate) fn scale(raw: f64, exp: i32) -> f64 {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let abs = exp.saturating_abs();
    let p = usize::try_from(abs)
        .ok()
        .and_then(|i| POW10.get(i).copied())
        .unwrap_or_else(|| 10f64.powi(abs));
    if exp < 0 { raw / p } else { raw * p }
}

/// The unit symbol used in value lists: kWh / kvarh for energies.
pub(crate) fn display_unit(unit: Unit) -> (Option<&'static str>, i32) {
    match unit {
        Unit::WATT_HOUR => (Some("kWh"), -3),
        Unit::VAR_HOUR => (Some("kvarh"), -3),
        Unit::VOLT_AMPERE_HOUR => (Some("kVAh"), -3),
        u => (u.symbol(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_text_is_upper_case_hex_at_any_length() {
        assert_eq!(hex_text(&[]), "");
        assert_eq!(hex_text(&[0x0F, 0xA0]), "0FA0");
        assert_eq!(hex_text(&[0xAB; 11]), "AB".repeat(11).as_str());
        assert_eq!(hex_text(&[0x1C; 12]), "1C".repeat(12).as_str());
    }
}
