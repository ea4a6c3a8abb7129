//! Wired M-Bus responses (RSP_UD) found on the line, turned into [`MbusMessage`]s.

use mbus::{
    DecodeOptions, Frame, Header, LONG_DATA_OFFSET, RecordFunction, RecordKind, Response, UserData,
    Vif,
};

use crate::reading::{Raw, Text, Value, hex, hex_text};

/// A wired M-Bus slave response (RSP_UD) read from the line.
#[derive(Debug, Clone, PartialEq)]
pub struct MbusMessage {
    /// Offset of the frame's start byte in the input stream.
    pub offset: usize,
    /// The C field.
    pub c: u8,
    /// The A field (primary address).
    pub a: u8,
    /// The CI field.
    pub ci: u8,
    /// The identification number (8 BCD digits), when the data header has one.
    pub id: Option<Text>,
    /// The manufacturer's three letters, when the data header has them.
    pub manufacturer: Option<Text>,
    /// The version (generation) byte of the long data header.
    pub version: Option<u8>,
    /// The medium, when the data header has it (`water`, `gas`, `electricity`, …).
    pub medium: Option<&'static str>,
    /// The access number of the data header (counts the slave's responses).
    pub access_number: Option<u8>,
    /// The status byte of the data header (application errors, low power, …).
    pub status: Option<u8>,
    /// The signature word of the data header (0 when not encrypted).
    pub signature: Option<u16>,
    /// The data records.
    pub records: Vec<MbusRecord>,
    /// The manufacturer-specific data after a DIF `0F` or `1F`, as hex, when the frame has
    /// such a block (it runs to the end of the user data).
    pub manufacturer_data: Option<Text>,
    /// The frame ended with DIF `1F`: the slave has more records for the next REQ_UD2.
    pub more_records_follow: bool,
}

/// One data record of an [`MbusMessage`].
#[derive(Debug, Clone, PartialEq)]
pub struct MbusRecord {
    /// Offset of the record's DIF in the input stream.
    pub offset: usize,
    /// The data information block as sent (DIF and DIFEs), as hex.
    pub dib: Text,
    /// The value information block as sent (VIF, VIFEs and a plain-text unit with its
    /// length byte), as hex.
    pub vib: Text,
    /// The value scaled to `unit` (numbers), or text (strings, dates, binary data as hex);
    /// `None` for a record whose data field is "no data".
    pub value: Option<Value>,
    /// The unit symbol of `value` (`m3`, `Wh`, `W`, `°C`, …), the meter's own text for a
    /// plain-text VIF, `None` for no unit.
    pub unit: Option<Text>,
    /// What is measured, `snake_case` (`volume`, `energy`, `fabrication_number`, …).
    pub quantity: Option<Text>,
    /// The storage number.
    pub storage: u64,
    /// The tariff.
    pub tariff: u32,
    /// The subunit.
    pub subunit: u32,
    /// `instantaneous`, `maximum`, `minimum` or `error_state`.
    pub function: &'static str,
    /// The value as sent (the integer before scaling), or the text; `None` with no data.
    pub raw: Option<Raw>,
    /// The meter marked the date-time invalid (the IV bit of a type F or I date-time): its
    /// fields are given as sent, but they do not tell a time.
    pub invalid: bool,
}

impl MbusMessage {
    /// Decodes one whole wired M-Bus long frame (a slave's RSP_UD) on its own, leniently as
    /// the listener does; trailing bytes are an error.
    ///
    /// ```
    /// // A short frame (REQ_UD2 from the master) is not a response with data.
    /// assert!(e450::push::MbusMessage::parse(&[0x10, 0x5B, 0x01, 0x5C, 0x16]).is_err());
    /// ```
    ///
    /// # Errors
    /// The bytes are not one valid long frame, or its user data does not decode.
    pub fn parse(bytes: &[u8]) -> Result<MbusMessage, mbus::Error> {
        response(&Frame::parse(bytes)?, 0)
    }

    /// The JSON object `compteur decode --json` prints for a wired M-Bus frame
    /// (`docs/schema/push.schema.json`).
    pub fn to_json_value(&self) -> serde_json::Value {
        let records: Vec<serde_json::Value> = self
            .records
            .iter()
            .map(|r| {
                let mut j = serde_json::json!({
                    "offset": r.offset,
                    "dib": r.dib,
                    "vib": r.vib,
                    "value": r.value,
                    "unit": r.unit,
                    "quantity": r.quantity,
                    "storage": r.storage,
                    "tariff": r.tariff,
                    "subunit": r.subunit,
                    "function": r.function,
                    "raw": r.raw,
                });
                if r.invalid
                    && let Some(map) = j.as_object_mut()
                {
                    map.insert("invalid".into(), serde_json::Value::Bool(true));
                }
                j
            })
            .collect();
        serde_json::json!({
            "kind": "mbus",
            "offset": self.offset,
            "c": self.c,
            "a": self.a,
            "ci": self.ci,
            "id": self.id,
            "manufacturer": self.manufacturer,
            "version": self.version,
            "medium": self.medium,
            "access_number": self.access_number,
            "status": self.status,
            "signature": self.signature,
            "records": records,
            "manufacturer_data": self.manufacturer_data,
            "more_records_follow": self.more_records_follow,
        })
    }
}

/// `CamelCase` → `snake_case`.
fn snake(name: &str) -> Text {
    let mut out = String::with_capacity(name.len().saturating_add(4));
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii_alphanumeric() {
            out.push(ch);
        }
    }
    Text::from(out)
}

/// The medium in the JSON vocabulary.
fn medium(m: mbus::Medium) -> &'static str {
    match m.0 {
        0x00 => "other",
        0x01 => "oil",
        0x02 => "electricity",
        0x03 => "gas",
        0x04 => "heat_outlet",
        0x05 => "steam",
        0x06 => "warm_water",
        0x07 => "water",
        0x08 => "heat_cost_allocator",
        0x09 => "compressed_air",
        0x0A => "cooling_outlet",
        0x0B => "cooling_inlet",
        0x0C => "heat_inlet",
        0x0D => "heat_cooling",
        0x0E => "bus_system",
        0x15 => "hot_water",
        0x16 => "cold_water",
        0x17 => "dual_water",
        0x18 => "pressure",
        0x19 => "ad_converter",
        0x20 => "breaker",
        0x21 => "valve",
        0x28 => "waste_water",
        _ => "unknown",
    }
}

/// The unit symbols of the JSON output (ASCII where the usual symbol is not).
fn unit_symbol(unit: mbus::SiUnit) -> Option<&'static str> {
    match unit.symbol() {
        "" => None,
        "m³" => Some("m3"),
        "m³/h" => Some("m3/h"),
        "m³/min" => Some("m3/min"),
        "m³/s" => Some("m3/s"),
        "ft³" => Some("ft3"),
        s => Some(s),
    }
}

fn two(out: &mut String, v: u8) {
    out.push(char::from(b'0'.wrapping_add((v / 10) % 10)));
    out.push(char::from(b'0'.wrapping_add(v % 10)));
}

fn iso_date(d: &mbus::datetime::Date) -> String {
    let mut s = format!("{:04}-", d.year);
    two(&mut s, d.month);
    s.push('-');
    two(&mut s, d.day);
    s
}

fn iso_time(out: &mut String, t: &mbus::datetime::Time) {
    two(out, t.hour);
    out.push(':');
    two(out, t.minute);
    out.push(':');
    two(out, t.second);
}

/// A wired M-Bus response in a long frame; `None` for frames that are not slave responses
/// with user data (acknowledgements, requests), `Err` for user data that does not decode.
pub(crate) fn response(frame: &Frame<'_>, offset: usize) -> Result<MbusMessage, mbus::Error> {
    let rsp = Response::from_frame(frame, DecodeOptions::LENIENT)?;
    let mut msg = MbusMessage {
        offset,
        c: rsp.control.0,
        a: rsp.address.0,
        ci: rsp.ci.0,
        id: None,
        manufacturer: None,
        version: None,
        medium: None,
        access_number: None,
        status: None,
        signature: None,
        records: Vec::new(),
        manufacturer_data: None,
        more_records_follow: false,
    };
    let vd = match rsp.data {
        UserData::Variable(vd) => vd,
        UserData::Fixed(fd) => {
            fixed(&mut msg, &fd);
            return Ok(msg);
        }
        _ => return Ok(msg),
    };
    match vd.header {
        Header::Long(h) => {
            msg.id = h.id.number().map(|n| Text::from(format!("{n:08}")));
            msg.manufacturer = Some(Text::from(h.manufacturer.to_string()));
            msg.version = Some(h.version);
            msg.medium = Some(medium(h.medium));
            msg.access_number = Some(h.access_number);
            msg.status = Some(h.status.0);
            msg.signature = Some(h.signature);
        }
        Header::Short(h) => {
            msg.access_number = Some(h.access_number);
            msg.status = Some(h.status.0);
            msg.signature = Some(h.signature);
        }
        Header::None => {}
    }
    // Records start after the start bytes, C, A and CI and the data header.
    let area = offset
        .saturating_add(LONG_DATA_OFFSET)
        .saturating_add(vd.records_offset);
    for record in vd.records() {
        let record = record?;
        let Some(vib) = record.vib.as_ref() else {
            if let RecordKind::ManufacturerData {
                more_records_follow,
            } = record.kind
            {
                msg.manufacturer_data = Some(hex_text(record.data));
                msg.more_records_follow = more_records_follow;
            }
            continue;
        };
        let info = vib.info();
        // A plain-text VIF's unit is the meter's own text, whatever the value.
        let text_unit = matches!(vib.vif, Vif::PlainText).then(|| Text::from(vib.text.to_string()));
        let invalid = matches!(record.value, mbus::Value::DateTime(dt) if dt.invalid);
        let (value, unit, raw) = match (record.scaled(), record.value) {
            (_, mbus::Value::None) => (None, None, None),
            (Some(s), v) => {
                let raw = match v {
                    mbus::Value::Integer(i) | mbus::Value::Bcd(i) => Raw::Int(i),
                    mbus::Value::Real(r) => Raw::Float(f64::from(r)),
                    _ => Raw::Float(s.value),
                };
                let unit = text_unit.or_else(|| unit_symbol(s.unit).map(Text::from));
                (Some(Value::Number(s.value)), unit, Some(raw))
            }
            (None, v) => {
                let text = match v {
                    mbus::Value::Text(t) => t.to_string(),
                    mbus::Value::Date(d) => iso_date(&d),
                    mbus::Value::DateTime(dt) => {
                        let mut s = iso_date(&dt.date);
                        s.push('T');
                        iso_time(&mut s, &dt.time);
                        s
                    }
                    mbus::Value::Time(t) => {
                        let mut s = String::new();
                        iso_time(&mut s, &t);
                        s
                    }
                    mbus::Value::Binary(b) => {
                        // sent least significant byte first; shown most significant first
                        let sent: Vec<u8> = b.iter().rev().copied().collect();
                        hex(&sent)
                    }
                    mbus::Value::InvalidBcd(b) | mbus::Value::Manufacturer(b) => hex(b),
                    // Numbers always scale; anything else is text.
                    other => format!("{other:?}"),
                };
                let text = Text::from(text);
                (
                    Some(Value::Text(text.clone())),
                    text_unit,
                    Some(Raw::Text(text)),
                )
            }
        };
        msg.records.push(MbusRecord {
            offset: area.saturating_add(record.offset),
            dib: hex_text(record.dib_bytes),
            vib: hex_text(record.vib_bytes),
            value,
            unit,
            quantity: Some(snake(&format!("{:?}", info.quantity))),
            storage: record.dib.storage,
            tariff: record.dib.tariff,
            subunit: record.dib.subunit,
            function: match record.dib.function {
                RecordFunction::Instantaneous => "instantaneous",
                RecordFunction::Maximum => "maximum",
                RecordFunction::Minimum => "minimum",
                RecordFunction::ErrorState => "error_state",
            },
            raw,
            invalid,
        });
    }
    Ok(msg)
}

/// The fixed data structure (CI `73`/`77`): its identification, access number, status and
/// medium, and its two counters as records (scaled by their unit code; storage 1 for stored
/// values; no DIB or VIB, their offset is that of the counter's four bytes).
fn fixed(msg: &mut MbusMessage, fd: &mbus::FixedData) {
    msg.id = fd.id.number().map(|n| Text::from(format!("{n:08}")));
    msg.medium = Some(medium(fd.medium));
    msg.access_number = Some(fd.access_number);
    msg.status = Some(fd.status);
    // Counter 1 follows id (4), access number, status and the medium/unit word (2).
    let first = msg
        .offset
        .saturating_add(LONG_DATA_OFFSET)
        .saturating_add(8);
    for (i, c) in fd.counters.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let sent = c.value as f64;
        let (value, unit, quantity) = match c.unit.info() {
            Some(info) => (
                crate::reading::scale(sent, i32::from(info.exponent)),
                unit_symbol(info.unit).map(Text::from),
                Some(snake(&format!("{:?}", info.quantity))),
            ),
            None => (sent, None, None),
        };
        msg.records.push(MbusRecord {
            offset: first.saturating_add(i.saturating_mul(4)),
            dib: Text::default(),
            vib: Text::default(),
            value: Some(Value::Number(value)),
            unit,
            quantity,
            storage: u64::from(fd.stored()),
            tariff: 0,
            subunit: 0,
            function: "instantaneous",
            raw: Some(Raw::Int(c.value)),
            invalid: false,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn names_are_snake_case() {
        assert_eq!(snake("FabricationNumber"), "fabrication_number");
        assert_eq!(snake("Volume"), "volume");
    }

    #[test]
    fn the_crate_example_decodes() {
        // RSP_UD from address 1: CI 72, header, one record 04 13 (volume in litres).
        let bytes = [
            0x68, 0x15, 0x15, 0x68, 0x08, 0x01, 0x72, 0x78, 0x56, 0x34, 0x12, 0x93, 0x15, 0x01,
            0x07, 0x2A, 0x00, 0x00, 0x00, 0x04, 0x13, 0x39, 0x30, 0x00, 0x00, 0xE9, 0x16,
        ];
        let m = response(&Frame::parse(&bytes).unwrap(), 3).unwrap();
        assert_eq!((m.offset, m.c, m.a, m.ci), (3, 8, 1, 0x72));
        assert_eq!(m.id.as_deref(), Some("12345678"));
        assert_eq!(m.manufacturer.as_deref(), Some("ELS"));
        assert_eq!(m.medium, Some("water"));
        assert_eq!(
            (m.version, m.access_number, m.status, m.signature),
            (Some(1), Some(0x2A), Some(0), Some(0))
        );
        assert_eq!(
            (m.manufacturer_data.as_ref(), m.more_records_follow),
            (None, false)
        );
        let r = &m.records[0];
        // The DIF is byte 19 of the frame, which starts at offset 3 of the stream.
        assert_eq!((r.offset, r.dib.as_str(), r.vib.as_str()), (22, "04", "13"));
        assert_eq!(r.unit.as_deref(), Some("m3"));
        assert_eq!(r.raw, Some(Raw::Int(12345)));
        assert!((r.value.as_ref().and_then(Value::as_f64).unwrap() - 12.345).abs() < 1e-9);
        assert_eq!(r.quantity.as_deref(), Some("volume"));
        assert_eq!(r.function, "instantaneous");
        let j = m.to_json_value();
        assert_eq!(j["kind"], "mbus");
        assert_eq!(j["records"][0]["unit"], "m3");
        assert!(j["records"][0].get("invalid").is_none());
    }

    #[test]
    fn fixed_data_counters_are_records() {
        // libmbus's sen_pollusonic_2: CI 73, id 00001120 (BCD, LSB first), counters 6531 kWh
        // (unit code 0x05: 10^3 Wh) and 69 l (0x29: 10^-3 m3), BCD per the status byte.
        let body = [
            0x08, 0x01, 0x73, 0x20, 0x11, 0x00, 0x00, 0x02, 0x00, 0x45, 0x29, 0x31, 0x65, 0x00,
            0x00, 0x69, 0x00, 0x00, 0x00,
        ];
        let mut frame = vec![0x68, body.len() as u8, body.len() as u8, 0x68];
        frame.extend_from_slice(&body);
        frame.push(body.iter().fold(0u8, |a, b| a.wrapping_add(*b)));
        frame.push(0x16);
        let m = MbusMessage::parse(&frame).unwrap();
        assert_eq!(m.id.as_deref(), Some("00001120"));
        assert_eq!(
            (m.access_number, m.status, m.signature),
            (Some(2), Some(0), None)
        );
        let got: Vec<_> = m
            .records
            .iter()
            .map(|r| {
                let value = r.value.as_ref().and_then(Value::as_f64).unwrap();
                (r.offset, value, r.unit.as_deref(), r.raw.clone())
            })
            .collect();
        // The counters are bytes 15..19 and 19..23 of the frame.
        assert_eq!(
            got,
            [
                (15, 6_531_000.0, Some("Wh"), Some(Raw::Int(6531))),
                (19, 0.069, Some("m3"), Some(Raw::Int(69)))
            ]
        );
    }

    fn long_frame(body: &[u8]) -> Vec<u8> {
        let len = u8::try_from(body.len()).unwrap();
        let mut frame = vec![0x68, len, len, 0x68];
        frame.extend_from_slice(body);
        frame.push(body.iter().fold(0u8, |a, b| a.wrapping_add(*b)));
        frame.push(0x16);
        frame
    }

    #[test]
    fn every_record_keeps_its_bytes_and_nothing_is_left_out() {
        // CI 78 (no data header), then five records and a manufacturer block:
        //   84 10 | 13 | 39 30 00 00       volume, tariff 1 (DIFE 10), 12345 l
        //   02 | 7C 03 48 52 25 | 2A 00    plain-text unit "%RH" (sent last character first), 42
        //   0D | 78 | 03 43 42 41          fabrication number, text "ABC" (LVAR 03)
        //   00 | 13                        volume, no data
        //   2F                             idle filler
        //   1F 01 02 03                    manufacturer data, more records follow
        let body = [
            0x08, 0x05, 0x78, 0x84, 0x10, 0x13, 0x39, 0x30, 0x00, 0x00, 0x02, 0x7C, 0x03, 0x48,
            0x52, 0x25, 0x2A, 0x00, 0x0D, 0x78, 0x03, 0x43, 0x42, 0x41, 0x00, 0x13, 0x2F, 0x1F,
            0x01, 0x02, 0x03,
        ];
        let m = MbusMessage::parse(&long_frame(&body)).unwrap();
        assert_eq!(
            (m.a, m.ci, m.id.as_ref(), m.access_number),
            (5, 0x78, None, None)
        );
        let got: Vec<_> = m
            .records
            .iter()
            .map(|r| (r.offset, r.dib.as_str(), r.vib.as_str(), r.unit.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (7, "8410", "13", Some("m3")),
                (14, "02", "7C03485225", Some("%RH")),
                (22, "0D", "78", None),
                (28, "00", "13", None),
            ]
        );
        assert_eq!(m.records[0].tariff, 1);
        assert_eq!(m.records[0].value, Some(Value::Number(12.345)));
        assert_eq!(m.records[1].value, Some(Value::Number(42.0)));
        assert_eq!(m.records[1].quantity.as_deref(), Some("plain_text"));
        assert_eq!(m.records[2].value, Some(Value::Text(Text::from("ABC"))));
        assert_eq!((&m.records[3].value, &m.records[3].raw), (&None, &None));
        assert_eq!(m.manufacturer_data.as_deref(), Some("010203"));
        assert!(m.more_records_follow);

        let j = m.to_json_value();
        assert_eq!(j["manufacturer_data"], "010203");
        assert_eq!(j["more_records_follow"], true);
        assert_eq!(j["records"][1]["unit"], "%RH");
        assert_eq!(j["records"][1]["vib"], "7C03485225");
        assert_eq!(j["records"][3]["value"], serde_json::Value::Null);
        assert_eq!(j["records"][3]["offset"], 28);
    }
}
