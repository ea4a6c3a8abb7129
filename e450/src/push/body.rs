//! The three body layouts of a data-notification, turned into a [`Reading`].

use dlms::apdu::DataNotificationRef;
use dlms::{DataRef, DateTime};
use obis::{ObisCode, Quantity, RegistryEntry, Unit};

use super::{PushError, Template, TemplateEntry};
use crate::reading::{
    Layout, Raw, Reading, ReadingValue, Timestamp, Value, display_unit, octets_text,
};

/// The meter clock.
const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);

/// Decodes a plaintext data-notification APDU (tag `0F`).
pub(crate) fn decode_notification(
    apdu: &[u8],
    offset: usize,
    template: Option<&Template>,
) -> Result<Reading, PushError> {
    let n = DataNotificationRef::parse(apdu).map_err(|error| PushError::Apdu { offset, error })?;
    decode_data(n.body, n.date_time, offset, template)
}

/// Decodes a notification body (`header` is the notification's own date-time).
pub(crate) fn decode_data(
    body: DataRef<'_>,
    header: Option<DateTime>,
    offset: usize,
    template: Option<&Template>,
) -> Result<Reading, PushError> {
    let mut clock: Option<DateTime> = None;
    let reading = match body {
        DataRef::Structure(seq) => {
            let mut it = seq.iter();
            let first = it.next();
            if let Some(DataRef::Array(list)) = first
                && is_push_object_list(list.iter())
            {
                self_describing(list.iter(), seq.iter(), offset, &mut clock)?
            } else if is_pairs(seq.iter()) {
                pairs(seq.iter(), offset, &mut clock)?
            } else if let Some(t) = template {
                values(t, seq.iter(), offset, &mut clock)?
            } else {
                return Err(PushError::Layout {
                    offset,
                    what: "a values-only body: give a template",
                });
            }
        }
        other => match template {
            Some(t) => values(t, core::iter::once(other), offset, &mut clock)?,
            None => {
                return Err(PushError::Layout {
                    offset,
                    what: "a body that is not a structure",
                });
            }
        },
    };
    let mut reading = reading;
    reading.timestamp = header
        .as_ref()
        .and_then(Timestamp::from_date_time)
        .or_else(|| clock.as_ref().and_then(Timestamp::from_date_time));
    Ok(reading)
}

fn is_push_object_list<'a>(mut entries: impl Iterator<Item = DataRef<'a>>) -> bool {
    let mut any = false;
    let all = entries.all(|e| {
        any = true;
        list_entry(&e).is_some()
    });
    any && all
}

/// `{class u16, logical name, attribute i8, data index u16}`.
fn list_entry(e: &DataRef<'_>) -> Option<(u16, ObisCode, i8)> {
    let DataRef::Structure(s) = e else {
        return None;
    };
    if s.len() != 4 {
        return None;
    }
    let mut f = s.iter();
    let class = match f.next()? {
        DataRef::LongUnsigned(c) => c,
        _ => return None,
    };
    let obis = obis_of(&f.next()?)?;
    let attribute = match f.next()? {
        DataRef::Integer(a) => a,
        _ => return None,
    };
    match f.next()? {
        DataRef::LongUnsigned(_) => Some((class, obis, attribute)),
        _ => None,
    }
}

fn obis_of(d: &DataRef<'_>) -> Option<ObisCode> {
    match d {
        DataRef::OctetString(b) => <[u8; 6]>::try_from(*b).ok().map(ObisCode::from_bytes),
        _ => None,
    }
}

fn date_time_of(d: &DataRef<'_>) -> Option<DateTime> {
    match d {
        DataRef::OctetString(b) => <[u8; 12]>::try_from(*b).ok().map(DateTime::from_bytes),
        DataRef::DateTime(dt) => Some(*dt),
        _ => None,
    }
}

fn is_pairs<'a>(mut it: impl Iterator<Item = DataRef<'a>> + Clone) -> bool {
    let mut probe = it.clone();
    if probe.next().as_ref().and_then(date_time_of).is_some() {
        it = probe;
    }
    let mut n = 0usize;
    loop {
        match it.next() {
            None => return n > 0,
            Some(code) => {
                if obis_of(&code).is_none() || it.next().is_none() {
                    return false;
                }
                n = n.saturating_add(1);
            }
        }
    }
}

fn self_describing<'a>(
    list: impl Iterator<Item = DataRef<'a>>,
    values: impl Iterator<Item = DataRef<'a>>,
    offset: usize,
    clock: &mut Option<DateTime>,
) -> Result<Reading, PushError> {
    let mut reading = Reading::new(offset, Layout::SelfDescribing);
    reading.values.reserve(list.size_hint().0);
    let mut values = values;
    let mut entries = 0usize;
    for e in list {
        entries = entries.saturating_add(1);
        let (class, obis, attribute) = list_entry(&e).ok_or(PushError::Layout {
            offset,
            what: "a push-object-list entry that is not {class, name, attribute, index}",
        })?;
        let Some(v) = values.next() else {
            return Err(PushError::Layout {
                offset,
                what: "fewer values than push-object-list entries",
            });
        };
        if class == 40 {
            continue;
        }
        add_value(&mut reading, obis, class, attribute, &v, None, clock);
    }
    if values.next().is_some() || entries == 0 {
        return Err(PushError::Layout {
            offset,
            what: "more values than push-object-list entries",
        });
    }
    Ok(reading)
}

fn pairs<'a>(
    it: impl Iterator<Item = DataRef<'a>> + Clone,
    offset: usize,
    clock: &mut Option<DateTime>,
) -> Result<Reading, PushError> {
    let mut reading = Reading::new(offset, Layout::Pairs);
    reading.values.reserve(it.size_hint().0.div_ceil(2));
    let mut it = it;
    let mut probe = it.clone();
    if let Some(first) = probe.next()
        && date_time_of(&first).is_some()
    {
        add_value(&mut reading, CLOCK, 8, 2, &first, None, clock);
        it = probe;
    }
    while let Some(code) = it.next() {
        let (Some(obis), Some(v)) = (obis_of(&code), it.next()) else {
            return Err(PushError::Layout {
                offset,
                what: "an OBIS/value pair",
            });
        };
        let entry = obis::registry::lookup_tolerant(obis);
        let class = registry_class(entry, &v);
        add_value_with(&mut reading, entry, obis, class, 2, &v, None, clock);
    }
    Ok(reading)
}

fn values<'a>(
    template: &Template,
    it: impl Iterator<Item = DataRef<'a>>,
    offset: usize,
    clock: &mut Option<DateTime>,
) -> Result<Reading, PushError> {
    let mut reading = Reading::new(offset, Layout::Values);
    reading.values.reserve(template.entries.len());
    let mut entries = template.entries.iter();
    for v in it {
        let Some(entry) = entries.next() else {
            return Err(PushError::Layout {
                offset,
                what: "more values than the template has entries",
            });
        };
        match *entry {
            TemplateEntry::Clock => add_value(&mut reading, CLOCK, 8, 2, &v, None, clock),
            TemplateEntry::Object {
                obis,
                class,
                attribute,
                scaler,
                unit,
            } => add_value(
                &mut reading,
                obis,
                class,
                attribute,
                &v,
                Some((scaler, unit)),
                clock,
            ),
        }
    }
    if entries.next().is_some() {
        return Err(PushError::Layout {
            offset,
            what: "fewer values than the template has entries",
        });
    }
    Ok(reading)
}

fn registry_class(entry: Option<&RegistryEntry>, v: &DataRef<'_>) -> u16 {
    match entry {
        Some(e) => e.class_id,
        None if v.as_u64().is_some() || v.as_i64().is_some() => 3,
        None => 1,
    }
}

/// `raw × 10^exp`, dividing for negative exponents so that decimal values come out exact.
fn scale(raw: f64, exp: i32) -> f64 {
    let p = 10f64.powi(exp.saturating_abs());
    if exp < 0 { raw / p } else { raw * p }
}

fn add_value(
    reading: &mut Reading,
    obis: ObisCode,
    class: u16,
    attribute: i8,
    v: &DataRef<'_>,
    template: Option<(i8, Option<Unit>)>,
    clock: &mut Option<DateTime>,
) {
    let entry = obis::registry::lookup_tolerant(obis);
    add_value_with(reading, entry, obis, class, attribute, v, template, clock);
}

#[allow(clippy::too_many_arguments)]
fn add_value_with(
    reading: &mut Reading,
    entry: Option<&RegistryEntry>,
    obis: ObisCode,
    class: u16,
    attribute: i8,
    v: &DataRef<'_>,
    template: Option<(i8, Option<Unit>)>,
    clock: &mut Option<DateTime>,
) {
    let quantity = entry.and_then(|e| e.quantity);
    let (scaler, unit) = template.unwrap_or_else(|| {
        entry
            .and_then(|e| e.scaler_unit)
            .map_or((0, None), |su| (su.scaler, Some(su.unit)))
    });
    let is_clock = class == 8 || quantity == Some(Quantity::Clock);
    if is_clock && let Some(dt) = date_time_of(v) {
        if clock.is_none() {
            *clock = Some(dt);
        }
        let text =
            Timestamp::from_date_time(&dt).map_or_else(|| octets_text(&dt.to_bytes()), |t| t.local);
        reading.push_value(ReadingValue {
            obis,
            class,
            attribute,
            quantity,
            value: Value::Text(text.clone()),
            unit: None,
            raw: Raw::Text(text),
            scaler: 0,
        });
        return;
    }
    let (unit_text, factor_exp) = unit.map_or((None, 0), display_unit);
    let exp = i32::from(scaler).saturating_add(factor_exp);
    let (raw, value) = match *v {
        DataRef::DoubleLong(x) => int(i64::from(x), exp),
        DataRef::Long(x) => int(i64::from(x), exp),
        DataRef::Integer(x) => int(i64::from(x), exp),
        DataRef::Long64(x) => int(x, exp),
        DataRef::DoubleLongUnsigned(x) => uint(u64::from(x), exp),
        DataRef::LongUnsigned(x) => uint(u64::from(x), exp),
        DataRef::Unsigned(x) | DataRef::Enum(x) | DataRef::Bcd(x) => uint(u64::from(x), exp),
        DataRef::Long64Unsigned(x) => uint(x, exp),
        DataRef::Boolean(b) => uint(u64::from(b), 0),
        DataRef::Float32(x) => (
            Raw::Float(f64::from(x)),
            Value::Number(scale(f64::from(x), exp)),
        ),
        DataRef::Float64(x) => (Raw::Float(x), Value::Number(scale(x, exp))),
        DataRef::OctetString(b) | DataRef::VisibleString(b) | DataRef::Utf8String(b) => {
            let t = octets_text(b);
            (Raw::Text(t.clone()), Value::Text(t))
        }
        DataRef::DateTime(dt) => {
            let t = Timestamp::from_date_time(&dt)
                .map_or_else(|| octets_text(&dt.to_bytes()), |t| t.local);
            (Raw::Text(t.clone()), Value::Text(t))
        }
        // Arrays, structures, null and the rest carry no reading.
        _ => return,
    };
    let unit = if matches!(value, Value::Number(_)) {
        unit_text
    } else {
        None
    };
    reading.push_value(ReadingValue {
        obis,
        class,
        attribute,
        quantity,
        value,
        unit,
        raw,
        scaler,
    });
}

#[allow(clippy::cast_precision_loss)]
fn int(x: i64, exp: i32) -> (Raw, Value) {
    (Raw::Int(x), Value::Number(scale(x as f64, exp)))
}

#[allow(clippy::cast_precision_loss)]
fn uint(x: u64, exp: i32) -> (Raw, Value) {
    (Raw::UInt(x), Value::Number(scale(x as f64, exp)))
}
