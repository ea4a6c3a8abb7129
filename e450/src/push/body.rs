//! The three body layouts of a data-notification, turned into a [`Reading`].
//!
//! Layout detection and decoding are one walk: each layout decoder returns `None` as soon as
//! the body stops looking like its layout, and the next one is tried.

use dlms::apdu::DataNotificationRef;
use dlms::{DataRef, DateTime};
use std::borrow::Cow;

use obis::{ObisCode, Quantity, RegistryEntry, Unit};

use super::{PushError, Template, TemplateEntry};
use crate::reading::{
    Layout, NO_FIELD, Raw, Reading, ReadingValue, Text, Timestamp, Value, display_unit,
    octets_text, scale,
};

/// The meter clock.
pub(super) const CLOCK: ObisCode = ObisCode::new(0, 0, 1, 0, 0, 255);

/// The meter number (device id 1), for a pushed number that comes without its name.
const METER_NUMBER: ObisCode = ObisCode::new(0, 0, 96, 1, 0, 255);

/// The most codes a [`RegistryCache`] remembers (a push carries a few dozen at most).
const CACHE_CAPACITY: usize = 64;

/// What a value's OBIS code resolves to, computed once per code: the registry entry, the
/// quantity, the scaler and the unit as printed (`kWh` for Wh, with the power of ten folded
/// into `exp`).
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) entry: Option<&'static RegistryEntry>,
    quantity: Option<Quantity>,
    scaler: i8,
    unit: Option<&'static str>,
    /// `unit` is kWh / kvarh (the typed fields take Wh / varh).
    kilo: bool,
    /// The typed field a number fills ([`Reading::typed_index`]).
    field: u8,
    /// The code is none of the sub-meter codes (`0-b:24.2.1`, `0-b:96.1.0`), so that a number
    /// only fills `field`; `false` when not known (the general [`Reading::fill_typed`]).
    plain: bool,
    exp: i32,
}

impl Meta {
    /// From a registry entry, or a template's scaler and unit (which win).
    pub(crate) fn new(
        entry: Option<&'static RegistryEntry>,
        template: Option<(i8, Option<Unit>)>,
    ) -> Self {
        let (scaler, unit) = template.unwrap_or_else(|| {
            entry
                .and_then(|e| e.scaler_unit)
                .map_or((0, None), |su| (su.scaler, Some(su.unit)))
        });
        let (unit, factor_exp) = unit.map_or((None, 0), display_unit);
        Meta {
            entry,
            quantity: entry.and_then(|e| e.quantity),
            scaler,
            unit,
            kilo: matches!(unit, Some("kWh" | "kvarh")),
            field: entry
                .and_then(|e| e.quantity)
                .map_or(NO_FIELD, Reading::typed_index),
            plain: false,
            exp: i32::from(scaler).saturating_add(factor_exp),
        }
    }
}

/// Registry resolutions per OBIS code, remembered across messages: pushes repeat the same
/// codes in the same order, so the next code is usually the one after the last hit.
#[derive(Debug, Clone)]
pub(crate) struct RegistryCache {
    entries: Vec<(u64, Meta)>,
    next: usize,
    /// The resolution handed out when the cache is full.
    overflow: Meta,
}

impl Default for RegistryCache {
    fn default() -> Self {
        RegistryCache {
            entries: Vec::new(),
            next: 0,
            overflow: Meta::new(None, None),
        }
    }
}

impl RegistryCache {
    /// [`obis::registry::lookup_tolerant`] and [`Meta::new`], remembered.
    #[inline]
    pub(crate) fn lookup(&mut self, code: ObisCode) -> &Meta {
        let [a, b, c, d, e, f] = code.to_bytes();
        let key = u64::from_be_bytes([0, 0, a, b, c, d, e, f]);
        // The usual case: the code after the last one looked up (or the first one, after the
        // last).
        let next = if self.next < self.entries.len() {
            self.next
        } else {
            0
        };
        if matches!(self.entries.get(next), Some((k, _)) if *k == key) {
            self.next = next.saturating_add(1);
            return match self.entries.get(next) {
                Some((_, meta)) => meta,
                None => &self.overflow,
            };
        }
        self.lookup_slow(code, key)
    }

    #[inline(never)]
    fn lookup_slow(&mut self, code: ObisCode, key: u64) -> &Meta {
        let hit = self.entries.iter().position(|(k, _)| *k == key);
        let i = match hit {
            Some(i) => i,
            None => {
                let mut meta = Meta::new(obis::registry::lookup_tolerant(code), None);
                let (a, c, d, e) = (code.a(), code.c(), code.d(), code.e());
                meta.plain =
                    !(a == 0 && ((c == 24 && d == 2 && e == 1) || (c == 96 && d == 1 && e == 0)));
                if self.entries.len() >= CACHE_CAPACITY {
                    self.overflow = meta;
                    return &self.overflow;
                }
                self.entries.push((key, meta));
                self.entries.len().saturating_sub(1)
            }
        };
        self.next = i.saturating_add(1);
        match self.entries.get(i) {
            Some((_, meta)) => meta,
            None => &self.overflow,
        }
    }
}

/// Decodes a plaintext data-notification APDU (tag `0F`) into `out`, reusing its
/// allocations on the fast path (see [`super::fast`]).
///
/// When the body does not decode as sent, it is decoded once more with the swapped
/// logical-name tags of the Norwegian firmware repaired (see [`unswap_logical_names`]).
pub(crate) fn decode_notification(
    apdu: &[u8],
    offset: usize,
    template: Option<&Template>,
    cache: &mut RegistryCache,
    out: &mut Reading,
) -> Result<(), PushError> {
    if !general_only() && super::fast::notification(apdu, offset, cache, out).is_some() {
        return Ok(());
    }
    *out = decode_notification_general(apdu, offset, template, cache)?;
    Ok(())
}

/// [`decode_notification`] without the fast path.
fn decode_notification_general(
    apdu: &[u8],
    offset: usize,
    template: Option<&Template>,
    cache: &mut RegistryCache,
) -> Result<Reading, PushError> {
    let first = match DataNotificationRef::parse(apdu) {
        Ok(n) => decode_data(n.body, n.date_time, offset, template, cache),
        Err(error) => Err(PushError::Apdu { offset, error }),
    };
    match first {
        Err(PushError::Apdu { .. } | PushError::Layout { .. }) => {}
        done => return done,
    }
    // Tag, long-invoke-id, then the date-time as `00` or `0C` + 12 bytes.
    let header_len = match apdu.get(5) {
        Some(0x00) => 6,
        Some(0x0C) => 18,
        _ => return first,
    };
    let Some((header, body)) = apdu.split_at_checked(header_len) else {
        return first;
    };
    let Some(fixed) = unswap_logical_names(body) else {
        return first;
    };
    let mut repaired = Vec::with_capacity(apdu.len());
    repaired.extend_from_slice(header);
    repaired.extend_from_slice(&fixed);
    match DataNotificationRef::parse(&repaired) {
        Ok(n) => decode_data(n.body, n.date_time, offset, template, cache).or(first),
        Err(_) => first,
    }
}

#[cfg(test)]
thread_local! {
    /// Tests turn the fast path off to compare it with the general decoder.
    pub(crate) static GENERAL_ONLY: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

#[cfg(test)]
fn general_only() -> bool {
    GENERAL_ONLY.with(core::cell::Cell::get)
}

#[cfg(not(test))]
#[inline]
fn general_only() -> bool {
    false
}

/// Decodes a bare body (the A-XDR value after the date-time), with the same repair as
/// [`decode_notification`].
pub(crate) fn decode_body_bytes(
    bytes: &[u8],
    template: Option<&Template>,
    cache: &mut RegistryCache,
) -> Result<Reading, PushError> {
    let first = match DataRef::parse(bytes) {
        Ok(data) => decode_data(data, None, 0, template, cache),
        Err(error) => Err(PushError::Apdu { offset: 0, error }),
    };
    match first {
        Err(PushError::Apdu { .. } | PushError::Layout { .. }) => {}
        done => return done,
    }
    let Some(fixed) = unswap_logical_names(bytes) else {
        return first;
    };
    match DataRef::parse(&fixed) {
        Ok(data) => decode_data(data, None, 0, template, cache).or(first),
        Err(_) => first,
    }
}

/// Decodes a notification body (`header` is the notification's own date-time).
pub(crate) fn decode_data(
    body: DataRef<'_>,
    header: Option<DateTime>,
    offset: usize,
    template: Option<&Template>,
    cache: &mut RegistryCache,
) -> Result<Reading, PushError> {
    let mut clock: Option<DateTime> = None;
    let mut reading = match body {
        DataRef::Structure(seq) => {
            // The push-object-list describes the whole structure, itself first (the push
            // setup's attribute 2).
            let described = match seq.iter().next() {
                Some(DataRef::Array(list)) => {
                    self_describing(list, seq.iter(), offset, &mut clock, cache)?
                }
                _ => None,
            };
            let found = match described {
                Some(r) => Some(r),
                None => {
                    clock = None;
                    pairs(seq, offset, &mut clock, cache)
                }
            };
            match (found, template) {
                (Some(r), _) => r,
                (None, Some(t)) => {
                    clock = None;
                    values(t, seq.iter(), offset, &mut clock, cache)?
                }
                (None, None) => {
                    return Err(PushError::Layout {
                        offset,
                        what: "a values-only body: give a template",
                    });
                }
            }
        }
        other => match template {
            Some(t) => values(t, core::iter::once(other), offset, &mut clock, cache)?,
            None => {
                return Err(PushError::Layout {
                    offset,
                    what: "a body that is not a structure",
                });
            }
        },
    };
    reading.timestamp = header
        .as_ref()
        .and_then(Timestamp::from_date_time)
        .or_else(|| clock.as_ref().and_then(Timestamp::from_date_time));
    Ok(reading)
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

/// The self-describing layout, in one walk over the push-object-list and the values.
/// `Ok(None)`: the array is not a push-object-list.
fn self_describing<'a>(
    list: dlms::Seq<'a>,
    values: impl Iterator<Item = DataRef<'a>>,
    offset: usize,
    clock: &mut Option<DateTime>,
    cache: &mut RegistryCache,
) -> Result<Option<Reading>, PushError> {
    if list.is_empty() {
        return Ok(None);
    }
    let mut reading = Reading::new(offset, Layout::SelfDescribing);
    reading.values.reserve(list.len());
    let mut values = values;
    let mut short = false;
    for e in list.iter() {
        let Some((class, obis, attribute)) = list_entry(&e) else {
            return Ok(None);
        };
        let Some(v) = values.next() else {
            // Keep checking that the list is a push-object-list before reporting.
            short = true;
            continue;
        };
        if short || class == 40 {
            continue;
        }
        add_value(
            &mut reading,
            cache.lookup(obis),
            obis,
            class,
            attribute,
            &v,
            clock,
        );
    }
    if short {
        return Err(PushError::Layout {
            offset,
            what: "fewer values than push-object-list entries",
        });
    }
    if values.next().is_some() {
        return Err(PushError::Layout {
            offset,
            what: "more values than push-object-list entries",
        });
    }
    Ok(Some(reading))
}

/// The flat layout: an optional date-time, then OBIS/value pairs. `None`: not this layout.
fn pairs(
    seq: dlms::Seq<'_>,
    offset: usize,
    clock: &mut Option<DateTime>,
    cache: &mut RegistryCache,
) -> Option<Reading> {
    let mut it = seq.iter();
    let mut reading = Reading::new(offset, Layout::Pairs);
    reading.values.reserve(seq.len().div_ceil(2));
    let mut probe = it.clone();
    if let Some(first) = probe.next()
        && date_time_of(&first).is_some()
    {
        add_value(
            &mut reading,
            cache.lookup(CLOCK),
            CLOCK,
            8,
            2,
            &first,
            clock,
        );
        it = probe;
    }
    let mut any = false;
    while let Some(code) = it.next() {
        let Some(obis) = obis_of(&code) else {
            // One text value after the pairs, without a name: the meter number that Kaifa
            // meters on the DLMS-over-M-Bus customer interface (Netz NÖ) put last.
            let text = matches!(code, DataRef::OctetString(_) | DataRef::VisibleString(_));
            if any && text && it.next().is_none() {
                let meta = cache.lookup(METER_NUMBER);
                add_value(&mut reading, meta, METER_NUMBER, 1, 2, &code, clock);
                return Some(reading);
            }
            return None;
        };
        let v = it.next()?;
        any = true;
        // `{scaler, unit}` after the value (Netz NÖ): it replaces the registry's.
        let mut probe = it.clone();
        let pushed = match probe.next() {
            Some(DataRef::Structure(su)) if su.len() == 2 => {
                let mut f = su.iter();
                match (f.next(), f.next()) {
                    (Some(DataRef::Integer(scaler)), Some(DataRef::Enum(unit))) => {
                        it = probe;
                        Some((scaler, Some(Unit(unit))))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let entry = cache.lookup(obis).entry;
        let class = registry_class(entry, &v);
        match pushed {
            Some(su) => {
                let meta = Meta::new(entry, Some(su));
                add_value(&mut reading, &meta, obis, class, 2, &v, clock);
            }
            None => add_value(&mut reading, cache.lookup(obis), obis, class, 2, &v, clock),
        }
    }
    any.then_some(reading)
}

fn values<'a>(
    template: &Template,
    it: impl Iterator<Item = DataRef<'a>>,
    offset: usize,
    clock: &mut Option<DateTime>,
    cache: &mut RegistryCache,
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
            TemplateEntry::Clock => {
                add_value(&mut reading, cache.lookup(CLOCK), CLOCK, 8, 2, &v, clock);
            }
            TemplateEntry::Object {
                obis,
                class,
                attribute,
                scaler,
                unit,
            } => {
                let meta = Meta::new(cache.lookup(obis).entry, Some((scaler, unit)));
                add_value(&mut reading, &meta, obis, class, attribute, &v, clock);
            }
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

pub(super) fn registry_class(entry: Option<&RegistryEntry>, v: &DataRef<'_>) -> u16 {
    match entry {
        Some(e) => e.class_id,
        None if v.as_u64().is_some() || v.as_i64().is_some() => 3,
        None => 1,
    }
}

/// Adds one pushed value to the reading, scaled with `meta`.
#[inline(never)]
pub(super) fn add_value(
    reading: &mut Reading,
    meta: &Meta,
    obis: ObisCode,
    class: u16,
    attribute: i8,
    v: &DataRef<'_>,
    clock: &mut Option<DateTime>,
) {
    let mut at = reading.values.len();
    add_value_at(reading, &mut at, meta, obis, class, attribute, v, clock);
}

/// [`add_value`] as value number `*at` of the reading (counted up when a value is added):
/// the entry of [`Reading::values`] at that index, left from a recycled reading, is
/// overwritten in place, else the value is appended. The caller truncates the list to `*at`
/// when done.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn add_value_at(
    reading: &mut Reading,
    at: &mut usize,
    meta: &Meta,
    obis: ObisCode,
    class: u16,
    attribute: i8,
    v: &DataRef<'_>,
    clock: &mut Option<DateTime>,
) {
    let quantity = meta.quantity;
    let is_clock = class == 8 || quantity == Some(Quantity::Clock);
    if is_clock && let Some(dt) = date_time_of(v) {
        if clock.is_none() {
            *clock = Some(dt);
        }
        let text =
            Timestamp::from_date_time(&dt).map_or_else(|| octets_text(&dt.to_bytes()), |t| t.local);
        reading.fill_typed(obis, class, quantity, None, Some(&text), None, false);
        let value = Value::Text(text.clone());
        push_in_place(
            reading,
            at,
            obis,
            class,
            attribute,
            quantity,
            value,
            None,
            Raw::Text(text),
            0,
        );
        return;
    }
    let exp = meta.exp;
    let (raw, x) = match *v {
        DataRef::DoubleLong(x) => int(i64::from(x), exp),
        DataRef::Long(x) => int(i64::from(x), exp),
        DataRef::Integer(x) => int(i64::from(x), exp),
        DataRef::Long64(x) => int(x, exp),
        DataRef::DoubleLongUnsigned(x) => uint(u64::from(x), exp),
        DataRef::LongUnsigned(x) => uint(u64::from(x), exp),
        DataRef::Unsigned(x) | DataRef::Enum(x) | DataRef::Bcd(x) => uint(u64::from(x), exp),
        DataRef::Long64Unsigned(x) => uint(x, exp),
        DataRef::Boolean(b) => uint(u64::from(b), 0),
        DataRef::Float32(x) => (Raw::Float(f64::from(x)), scale(f64::from(x), exp)),
        DataRef::Float64(x) => (Raw::Float(x), scale(x, exp)),
        DataRef::OctetString(b) | DataRef::VisibleString(b) | DataRef::Utf8String(b) => {
            add_text(reading, at, meta, obis, class, attribute, octets_text(b));
            return;
        }
        DataRef::DateTime(dt) => {
            let t = Timestamp::from_date_time(&dt)
                .map_or_else(|| octets_text(&dt.to_bytes()), |t| t.local);
            add_text(reading, at, meta, obis, class, attribute, t);
            return;
        }
        // Arrays, structures, null and the rest carry no reading.
        _ => return,
    };
    // Typed fields are in base units (Wh, varh): scaled from the raw value, not from the
    // kWh of the value list, so that decimal values stay exact (1 × 10^3, not 0.001 × 1000).
    #[allow(clippy::cast_precision_loss)]
    let base = if meta.kilo {
        let sent = match &raw {
            Raw::Int(i) => *i as f64,
            Raw::UInt(u) => *u as f64,
            Raw::Float(f) => *f,
            _ => x * 1000.0,
        };
        scale(sent, exp.saturating_add(3))
    } else {
        x
    };
    if meta.plain {
        // The usual case, decided once per code.
        if let Some(field) = reading.typed_mut(meta.field) {
            *field = Some(base);
        }
    } else {
        let sent = match raw {
            Raw::Int(i) => Some(i),
            Raw::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        };
        reading.fill_typed(obis, class, quantity, Some(base), None, sent, false);
    }
    push_in_place(
        reading,
        at,
        obis,
        class,
        attribute,
        quantity,
        Value::Number(x),
        meta.unit,
        raw,
        meta.scaler,
    );
}

/// [`add_value_at`] for a text value (no unit).
#[inline(never)]
fn add_text(
    reading: &mut Reading,
    at: &mut usize,
    meta: &Meta,
    obis: ObisCode,
    class: u16,
    attribute: i8,
    t: Text,
) {
    let quantity = meta.quantity;
    reading.fill_typed(obis, class, quantity, None, Some(&t), None, false);
    push_in_place(
        reading,
        at,
        obis,
        class,
        attribute,
        quantity,
        Value::Text(t.clone()),
        None,
        Raw::Text(t),
        meta.scaler,
    );
}

/// Writes value number `*at` of [`Reading::values`]: field by field into the entry left
/// there by a recycled reading (a value assembled on the stack and then copied into the list
/// costs a store-forwarding stall per value), else appended.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn push_in_place(
    reading: &mut Reading,
    at: &mut usize,
    obis: ObisCode,
    class: u16,
    attribute: i8,
    quantity: Option<Quantity>,
    value: Value,
    unit: Option<&'static str>,
    raw: Raw,
    scaler: i8,
) {
    let unit = unit.map(Cow::Borrowed);
    if let Some(slot) = reading.values.get_mut(*at) {
        slot.obis = obis;
        slot.class = class;
        slot.attribute = attribute;
        slot.quantity = quantity;
        slot.value = value;
        slot.unit = unit;
        slot.raw = raw;
        slot.scaler = scaler;
    } else {
        reading.values.truncate(*at);
        reading.values.push(ReadingValue {
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
    *at = at.saturating_add(1);
}

#[allow(clippy::cast_precision_loss)]
fn int(x: i64, exp: i32) -> (Raw, f64) {
    (Raw::Int(x), scale(x as f64, exp))
}

#[allow(clippy::cast_precision_loss)]
fn uint(x: u64, exp: i32) -> (Raw, f64) {
    (Raw::UInt(x), scale(x as f64, exp))
}

/// The deepest nesting [`unswap_logical_names`] walks.
const MAX_DEPTH: usize = 16;

/// Repairs the logical-name tags some Landis+Gyr firmware (the Norwegian ZMF100 variant)
/// sends swapped: `06 09 a b c d e f` for the octet-string(6) `09 06 a b c d e f`.
///
/// The rule: `06 09` followed by six bytes is read as a logical name only where a logical
/// name must stand, and a double-long-unsigned could not:
/// - the first element of a 2- or 3-element structure (`{name, value[, scaler-unit]}`),
/// - the second element of a 4-element structure (a push-object-list entry
///   `{class, name, attribute, index}`),
/// - in the body's own structure, the name positions of the flat pairs layout (elements
///   0, 2, 4, … or 1, 3, 5, … after a leading date-time) — unless its first element is an
///   array (the self-describing layout, whose values are never names).
///
/// Read as sent, `06 09 a b c` would be a double-long-unsigned of at least 150,994,944 where
/// the layout wants a name, so the body is invalid either way; that is why the repair is only
/// tried after the body failed to decode as sent, and why a body that decodes as sent is never
/// changed. Returns `None` when nothing was swapped or the walk fails.
pub(crate) fn unswap_logical_names(body: &[u8]) -> Option<Vec<u8>> {
    let mut w = Unswap {
        rest: body,
        out: Vec::with_capacity(body.len()),
        swapped: false,
    };
    w.value(0, false, true)?;
    (w.rest.is_empty() && w.swapped).then_some(w.out)
}

struct Unswap<'a> {
    rest: &'a [u8],
    out: Vec<u8>,
    swapped: bool,
}

impl Unswap<'_> {
    /// Copies `n` bytes.
    fn copy(&mut self, n: usize) -> Option<()> {
        let (head, rest) = self.rest.split_at_checked(n)?;
        self.out.extend_from_slice(head);
        self.rest = rest;
        Some(())
    }

    /// Copies an A-XDR length and returns it.
    fn length(&mut self) -> Option<usize> {
        let first = *self.rest.first()?;
        if first < 0x80 {
            self.copy(1)?;
            return Some(usize::from(first));
        }
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = self.rest.get(1..=n)?;
        let len = bytes.iter().try_fold(0usize, |acc, &b| {
            acc.checked_mul(256)?.checked_add(usize::from(b))
        })?;
        self.copy(n.checked_add(1)?)?;
        Some(len)
    }

    fn value(&mut self, depth: usize, name: bool, top: bool) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let tag = *self.rest.first()?;
        if name
            && tag == 0x06
            && self.rest.get(1) == Some(&0x09)
            && let Some(code) = self.rest.get(2..8)
        {
            self.out.extend_from_slice(&[0x09, 0x06]);
            self.out.extend_from_slice(code);
            self.rest = self.rest.get(8..)?;
            self.swapped = true;
            return Some(());
        }
        self.copy(1)?;
        let fixed = match tag {
            0 | 255 => 0,
            3 | 13 | 15 | 17 | 22 => 1,
            16 | 18 => 2,
            5 | 6 | 23 | 27 => 4,
            26 => 5,
            20 | 21 | 24 => 8,
            25 => 12,
            9 | 10 | 12 => {
                let n = self.length()?;
                return self.copy(n);
            }
            4 => {
                let n = self.length()?;
                return self.copy(n.div_ceil(8));
            }
            1 | 2 => {
                let n = self.length()?;
                let first_is_array = self.rest.first() == Some(&0x01);
                let dated = matches!(self.rest, [0x19, ..] | [0x09, 0x0C, ..]);
                let start = usize::from(dated);
                for i in 0..n {
                    let name = tag == 2
                        && (((n == 2 || n == 3) && i == 0)
                            || (n == 4 && i == 1)
                            || (top
                                && !first_is_array
                                && i >= start
                                && i.wrapping_sub(start) & 1 == 0));
                    self.value(depth.saturating_add(1), name, false)?;
                }
                return Some(());
            }
            // Compact arrays and unknown tags: not repaired.
            _ => return None,
        };
        self.copy(fixed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

    use super::*;

    /// `09 06` + code, or the swapped `06 09` + code.
    fn name(code: [u8; 6], swapped: bool) -> Vec<u8> {
        let mut v = if swapped {
            vec![0x06, 0x09]
        } else {
            vec![0x09, 0x06]
        };
        v.extend_from_slice(&code);
        v
    }

    const CURRENT_L1: [u8; 6] = [1, 0, 31, 7, 0, 255];
    const ENERGY_A0: [u8; 6] = [0, 0, 1, 8, 0, 255];

    /// Flat pairs: `{date-time, 1-0:31.7.0 (swapped) = 244, 0-0:1.8.0 = 34479}`.
    fn pairs_body(swapped: bool) -> Vec<u8> {
        let mut b = vec![0x02, 0x05, 0x09, 0x0C];
        b.extend_from_slice(&[
            0x07, 0xE3, 0x04, 0x01, 0x00, 0x0D, 0x00, 0x06, 0xFF, 0x80, 0x00, 0x00,
        ]);
        b.extend(name(CURRENT_L1, swapped));
        b.extend_from_slice(&[0x12, 0x00, 0xF4]);
        b.extend(name(ENERGY_A0, false));
        b.extend_from_slice(&[0x06, 0x00, 0x00, 0x86, 0xAF]);
        b
    }

    #[test]
    fn swapped_names_in_pairs_are_repaired() {
        let sent = pairs_body(true);
        // As sent, `06 09 01 00 1F` is a double-long-unsigned and `07` an unknown tag.
        assert!(DataRef::parse(&sent).is_err());
        assert_eq!(unswap_logical_names(&sent).unwrap(), pairs_body(false));
        let r = decode_body_bytes(&sent, None, &mut RegistryCache::default()).unwrap();
        assert_eq!(r.layout, Layout::Pairs);
        assert_eq!(r.values.len(), 3);
        assert_eq!(r.values[1].obis, ObisCode::from_bytes(CURRENT_L1));
        assert_eq!(r.values[1].raw, Raw::UInt(244));
        // A = 0 energies are the electricity quantity.
        assert_eq!(r.values[2].quantity, Some(Quantity::ActiveEnergyImport));
        assert_eq!(r.active_energy_import, Some(34_479.0));
        assert_eq!(r.timestamp.unwrap().local, "2019-04-01T13:00:06");
    }

    #[test]
    fn swapped_names_in_a_push_object_list_are_repaired() {
        // {[{40, 0-8:25.9.0, 2, 0}, {3, 1-0:31.7.0 swapped, 2, 0}], 244}
        let body = |swapped: bool| {
            let mut b = vec![0x02, 0x02, 0x01, 0x02];
            b.extend_from_slice(&[0x02, 0x04, 0x12, 0x00, 0x28]);
            b.extend(name([0, 8, 25, 9, 0, 255], false));
            b.extend_from_slice(&[0x0F, 0x02, 0x12, 0x00, 0x00]);
            b.extend_from_slice(&[0x02, 0x04, 0x12, 0x00, 0x03]);
            b.extend(name(CURRENT_L1, swapped));
            b.extend_from_slice(&[0x0F, 0x02, 0x12, 0x00, 0x00]);
            b.extend_from_slice(&[0x12, 0x00, 0xF4]);
            b
        };
        assert_eq!(unswap_logical_names(&body(true)).unwrap(), body(false));
        let r = decode_body_bytes(&body(true), None, &mut RegistryCache::default()).unwrap();
        assert_eq!(r.layout, Layout::SelfDescribing);
        assert_eq!(r.values.len(), 1);
        assert_eq!(r.values[0].obis, ObisCode::from_bytes(CURRENT_L1));
        assert_eq!(r.values[0].raw, Raw::UInt(244));
    }

    #[test]
    fn values_are_never_taken_for_names() {
        // A value position holding `06 09 ...` is a real double-long-unsigned: untouched.
        let mut b = vec![0x02, 0x02];
        b.extend(name(ENERGY_A0, false));
        b.extend_from_slice(&[0x06, 0x09, 0x00, 0x00, 0x01]);
        assert_eq!(unswap_logical_names(&b), None);
        let r = decode_body_bytes(&b, None, &mut RegistryCache::default()).unwrap();
        assert_eq!(r.values[0].raw, Raw::UInt(0x0900_0001));
        // A body that decodes as sent is never repaired; nothing to repair is `None`.
        assert_eq!(unswap_logical_names(&pairs_body(false)), None);
        // Truncated or unknown input does not panic and is not repaired.
        for n in 0..pairs_body(true).len() {
            assert_eq!(unswap_logical_names(&pairs_body(true)[..n]), None);
        }
        assert_eq!(unswap_logical_names(&[0x02, 0x01, 0x07]), None);
    }

    #[test]
    fn the_cache_resolves_as_the_registry() {
        let mut cache = RegistryCache::default();
        for _ in 0..3 {
            for code in [
                CURRENT_L1,
                ENERGY_A0,
                [1, 1, 1, 8, 0, 255],
                [9, 9, 9, 9, 9, 9],
            ] {
                let code = ObisCode::from_bytes(code);
                assert_eq!(
                    cache.lookup(code).entry.map(|e| e.code),
                    obis::registry::lookup_tolerant(code).map(|e| e.code)
                );
            }
        }
        assert_eq!(cache.entries.len(), 4);
    }

    #[test]
    fn scale_is_exact_for_decimal_scalers() {
        assert_eq!(scale(2330.0, -1), 233.0);
        assert_eq!(scale(244.0, -2), 2.44);
        assert_eq!(scale(3.0, 3), 3000.0);
        assert_eq!(scale(1.0, 12), 1e12);
    }
}
