//! The single-pass decoder of the common push bodies: the bytes of a data-notification are
//! walked once, straight into the [`Reading`], with no validation pass before the walk and
//! no intermediate values.
//!
//! It covers what the field sends every few seconds: a header date-time or none, and a body
//! in the flat pairs layout or the self-describing layout whose values are scalars. Anything
//! else — another layout, a template body, a nested value, a long length form where a short
//! one is usual, a damaged or truncated body, trailing bytes — makes it give up (`None`), and
//! the general decoder in [`super::body`] decodes the message (or reports why it cannot).
//! What it accepts is a subset of what the general decoder accepts, read the same way, and
//! the values go through the same [`body::add_value`], so both give identical readings.

use dlms::{DataRef, DateTime};
use obis::ObisCode;

use super::body::{self, CLOCK, RegistryCache};
use crate::reading::{Layout, Reading, Timestamp};

/// The longest push-object-list the fast path takes (longer lists go the general way).
const MAX_LIST: usize = 64;

/// A forward-only cursor; every read is checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek2(&self) -> Option<[u8; 2]> {
        let end = self.pos.checked_add(2)?;
        self.bytes.get(self.pos..end)?.try_into().ok()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        let v = self.peek()?;
        self.pos = self.pos.checked_add(1)?;
        Some(v)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// An A-XDR length, the same forms the general decoder reads (short, `8n` + n bytes).
    fn length(&mut self) -> Option<usize> {
        let first = self.u8()?;
        if first < 0x80 {
            return Some(usize::from(first));
        }
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let v = self
            .take(n)?
            .iter()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        usize::try_from(v).ok()
    }

    /// `09 06` + a logical name.
    fn logical_name(&mut self) -> Option<ObisCode> {
        if self.peek2()? != [0x09, 0x06] {
            return None;
        }
        self.pos = self.pos.checked_add(2)?;
        self.array().map(ObisCode::from_bytes)
    }

    /// One scalar value; `None` for sequences, compact arrays and the rarer types.
    #[allow(clippy::cast_possible_wrap)]
    #[inline(always)]
    fn scalar(&mut self) -> Option<DataRef<'a>> {
        Some(match self.u8()? {
            0 => DataRef::Null,
            3 => DataRef::Boolean(self.u8()? != 0),
            5 => DataRef::DoubleLong(self.u32()? as i32),
            6 => DataRef::DoubleLongUnsigned(self.u32()?),
            9 => {
                let n = self.length()?;
                DataRef::OctetString(self.take(n)?)
            }
            10 => {
                let n = self.length()?;
                DataRef::VisibleString(self.take(n)?)
            }
            12 => {
                let n = self.length()?;
                DataRef::Utf8String(self.take(n)?)
            }
            13 => DataRef::Bcd(self.u8()?),
            15 => DataRef::Integer(self.u8()? as i8),
            16 => DataRef::Long(self.u16()? as i16),
            17 => DataRef::Unsigned(self.u8()?),
            18 => DataRef::LongUnsigned(self.u16()?),
            20 => DataRef::Long64(self.u64()? as i64),
            21 => DataRef::Long64Unsigned(self.u64()?),
            22 => DataRef::Enum(self.u8()?),
            23 => DataRef::Float32(f32::from_bits(self.u32()?)),
            24 => DataRef::Float64(f64::from_bits(self.u64()?)),
            25 => DataRef::DateTime(DateTime::from_bytes(self.array()?)),
            _ => return None,
        })
    }
}

/// Decodes a plaintext data-notification APDU (tag `0F`) in one pass into `out` (whose
/// allocations are reused), or gives up (`None`, `out` then holds a partial reading).
pub(crate) fn notification(
    apdu: &[u8],
    offset: usize,
    cache: &mut RegistryCache,
    out: &mut Reading,
) -> Option<()> {
    let mut c = Cursor {
        bytes: apdu,
        pos: 0,
    };
    if c.u8()? != 0x0F {
        return None;
    }
    c.take(4)?; // long-invoke-id-and-priority
    let header = match c.length()? {
        0 => None,
        12 => Some(DateTime::from_bytes(c.array()?)),
        _ => return None,
    };
    if c.u8()? != 0x02 {
        return None;
    }
    let n = c.length()?;
    let mut clock = None;
    // Values are written over those of a recycled reading, then the list is cut to the count.
    let mut at = 0;
    let walked = if c.peek()? == 0x01 {
        self_describing(&mut c, n, offset, &mut clock, cache, out, &mut at)
    } else {
        pairs(&mut c, n, offset, &mut clock, cache, out, &mut at)
    };
    out.values.truncate(at);
    walked?;
    if c.pos != apdu.len() {
        return None;
    }
    out.timestamp = header
        .as_ref()
        .and_then(Timestamp::from_date_time)
        .or_else(|| clock.as_ref().and_then(Timestamp::from_date_time));
    Some(())
}

/// `structure(n) { array(n) of {class, name, attribute, index}, n − 1 values }`.
fn self_describing(
    c: &mut Cursor<'_>,
    n: usize,
    offset: usize,
    clock: &mut Option<DateTime>,
    cache: &mut RegistryCache,
    reading: &mut Reading,
    at: &mut usize,
) -> Option<()> {
    if c.u8()? != 0x01 {
        return None;
    }
    let m = c.length()?;
    if m == 0 || m != n || m > MAX_LIST {
        return None;
    }
    let mut list = [(0u16, ObisCode::new(0, 0, 0, 0, 0, 0), 0i8); MAX_LIST];
    for slot in list.iter_mut().take(m) {
        if c.peek2()? != [0x02, 0x04] {
            return None;
        }
        c.take(2)?;
        if c.u8()? != 0x12 {
            return None;
        }
        let class = c.u16()?;
        let obis = c.logical_name()?;
        if c.u8()? != 0x0F {
            return None;
        }
        let attribute = i8::from_be_bytes([c.u8()?]);
        if c.u8()? != 0x12 {
            return None;
        }
        c.u16()?;
        *slot = (class, obis, attribute);
    }
    reading.reset_keeping_values(offset, Layout::SelfDescribing);
    reading
        .values
        .reserve(m.saturating_sub(reading.values.len()));
    // The first entry describes the list itself, just read.
    for &(class, obis, attribute) in list.iter().take(m).skip(1) {
        let v = c.scalar()?;
        if class == 40 {
            continue;
        }
        body::add_value_at(
            reading,
            at,
            cache.lookup(obis),
            obis,
            class,
            attribute,
            &v,
            clock,
        );
    }
    Some(())
}

/// `structure(n) { [date-time,] (name, value)* }`.
fn pairs(
    c: &mut Cursor<'_>,
    n: usize,
    offset: usize,
    clock: &mut Option<DateTime>,
    cache: &mut RegistryCache,
    reading: &mut Reading,
    at: &mut usize,
) -> Option<()> {
    reading.reset_keeping_values(offset, Layout::Pairs);
    reading
        .values
        .reserve(n.div_ceil(2).saturating_sub(reading.values.len()));
    let mut left = n;
    if left > 0 && matches!(c.peek2()?, [0x19, _] | [0x09, 0x0C]) {
        let first = c.scalar()?;
        body::add_value_at(reading, at, cache.lookup(CLOCK), CLOCK, 8, 2, &first, clock);
        left = left.checked_sub(1)?;
    }
    if left == 0 || !left.is_multiple_of(2) {
        return None;
    }
    while left > 0 {
        let obis = c.logical_name()?;
        let v = c.scalar()?;
        let meta = cache.lookup(obis);
        let class = body::registry_class(meta.entry, &v);
        body::add_value_at(reading, at, meta, obis, class, 2, &v, clock);
        left = left.checked_sub(2)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation
    )]

    use dlms::security::{AuthenticationKey, EncryptionKey};
    use proptest::prelude::*;

    use super::super::body::GENERAL_ONLY;
    use super::super::{Message, PushConfig, PushError, PushListener, Template};
    use super::*;

    /// `f` with the general decoder only, then with the fast path: both must agree.
    fn same<T: PartialEq + core::fmt::Debug>(f: impl Fn() -> T) -> T {
        GENERAL_ONLY.with(|g| g.set(true));
        let general = f();
        GENERAL_ONLY.with(|g| g.set(false));
        let fast = f();
        assert_eq!(fast, general);
        fast
    }

    fn listen(bytes: &[u8], config: &PushConfig) -> Vec<Result<Message, PushError>> {
        let mut l = PushListener::new(config.clone());
        l.feed(bytes);
        let mut out: Vec<_> = l.messages().collect();
        out.extend(l.finish().into_iter().map(Err));
        out.push(l.decode_apdu(bytes, 0));
        out
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect()
    }

    /// A pairs notification like the E450's: a header date-time, `n` registers and a serial.
    fn pairs_apdu(n: u8) -> Vec<u8> {
        let mut a = vec![0x0F, 0x00, 0x0A, 0xCC, 0x80, 0x0C];
        a.extend_from_slice(&[7, 0xE7, 11, 10, 5, 10, 58, 21, 0xFF, 0x80, 0, 0]);
        a.extend_from_slice(&[0x02, 2 * n + 2]);
        for i in 0..n {
            a.extend_from_slice(&[0x09, 0x06, 1, 0, 1 + i % 4, 8, 0, 0xFF, 0x06, 0, 1, 2, i]);
        }
        a.extend_from_slice(&[0x09, 0x06, 0, 0, 96, 1, 0, 0xFF, 0x09, 0x02, b'4', b'2']);
        a
    }

    /// A self-describing notification: push setup, clock and one register.
    fn self_describing_apdu() -> Vec<u8> {
        let mut a = vec![0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x03, 0x01, 0x03];
        for (class, code) in [
            (40u8, [0, 8, 25, 9, 0, 255]),
            (8, [0, 0, 1, 0, 0, 255]),
            (3, [1, 1, 1, 8, 0, 255]),
        ] {
            a.extend_from_slice(&[0x02, 0x04, 0x12, 0x00, class, 0x09, 0x06]);
            a.extend_from_slice(&code);
            a.extend_from_slice(&[0x0F, 0x02, 0x12, 0x00, 0x00]);
        }
        a.extend_from_slice(&[0x09, 0x0C, 7, 0xEA, 5, 4, 1, 11, 39, 20, 0, 0x80, 0, 0x81]);
        a.extend_from_slice(&[0x06, 0x00, 0x07, 0x5E, 0x7B]);
        a
    }

    #[test]
    fn the_fast_path_takes_the_usual_pushes() {
        for apdu in [pairs_apdu(13), self_describing_apdu()] {
            let mut r = Reading::default();
            assert!(notification(&apdu, 5, &mut RegistryCache::default(), &mut r).is_some());
            assert_eq!(r.offset, 5);
            let general = same(|| listen(&apdu, &PushConfig::default()));
            let Some(Ok(Message::Reading(g))) = general.last() else {
                panic!("{general:?}")
            };
            assert_eq!(r.values, g.values);
        }
        let mut r = Reading::default();
        notification(
            &self_describing_apdu(),
            0,
            &mut RegistryCache::default(),
            &mut r,
        )
        .unwrap();
        assert_eq!(r.layout, Layout::SelfDescribing);
        assert_eq!(r.active_energy_import, Some(482_939.0));
        assert_eq!(r.timestamp.as_ref().unwrap().local, "2026-05-04T11:39:20");
        assert!(r.timestamp.unwrap().dst);
    }

    #[test]
    fn the_fast_path_gives_up_on_what_it_does_not_cover() {
        let mut cache = RegistryCache::default();
        let mut r = Reading::default();
        let good = pairs_apdu(3);
        // Truncations, trailing bytes, another APDU, a nested value.
        for n in 0..good.len() {
            assert!(notification(&good[..n], 0, &mut cache, &mut r).is_none());
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(notification(&trailing, 0, &mut cache, &mut r).is_none());
        let mut other = good.clone();
        other[0] = 0x0E;
        assert!(notification(&other, 0, &mut cache, &mut r).is_none());
        let nested = hex("0F00000001 00 0202 0906 0100010800FF 0201 0600000001");
        assert!(notification(&nested, 0, &mut cache, &mut r).is_none());
        // A long length form is read as the general decoder reads it.
        let long = hex("0F00000001 00 028102 0906 0100010800FF 0600000001");
        assert!(notification(&long, 0, &mut cache, &mut r).is_some());
        // And the general decoder then reads what it can, identically either way.
        for apdu in [nested, long, trailing] {
            same(|| listen(&apdu, &PushConfig::default()));
        }
    }

    /// A reading given back with `recycle` is overwritten in place: what it held before never
    /// shows through, whatever was decoded into it.
    #[test]
    fn recycled_readings_decode_as_fresh_ones() {
        let long_text = hex(
            "0F00000001 00 0204 0906 0000600100FF 0920 3030313132323333343435353636373738383939414142424343444445454646 \
             0906 0100010800FF 0600000001",
        );
        let sequence = [
            pairs_apdu(13),
            self_describing_apdu(),
            pairs_apdu(2),
            long_text,
            pairs_apdu(13),
            pairs_apdu(1),
            self_describing_apdu(),
            hex("0F00000001 00 0202 0906 0100010800FF 0201 0600000001"),
            pairs_apdu(3),
        ];
        let mut recycling = PushListener::new(PushConfig::default());
        for apdu in &sequence {
            let fresh = PushListener::new(PushConfig::default()).decode_apdu(apdu, 0);
            let item = recycling.decode_apdu(apdu, 0);
            assert_eq!(item, fresh);
            if let Ok(Message::Reading(r)) = item {
                recycling.recycle(r);
            }
        }
    }

    /// Every corpus stream decodes identically with and without the fast path, with any of
    /// the templates.
    #[test]
    fn the_corpus_decodes_identically() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/e450_cii.json"
        );
        let Ok(text) = std::fs::read_to_string(dir) else {
            assert!(std::env::var_os("CI").is_none(), "{dir} is missing");
            println!("{dir} absent: skipping");
            return;
        };
        let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        for e in &entries {
            let bytes = hex(e["stream_hex"].as_str().unwrap_or_default());
            for template in [None, Some("wiener-netze"), Some("burgenland")] {
                let config = PushConfig {
                    key: e["encryption_key"]
                        .as_str()
                        .and_then(|k| EncryptionKey::from_hex(k).ok()),
                    auth_key: e["authentication_key"]
                        .as_str()
                        .and_then(|k| AuthenticationKey::from_hex(k).ok()),
                    template: template.map(|t| Template::builtin(t).unwrap()),
                    replay_guard: true,
                };
                same(|| listen(&bytes, &config));
            }
        }
    }

    fn scalar() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<u32>().prop_map(|v| {
                let mut b = vec![0x06];
                b.extend_from_slice(&v.to_be_bytes());
                b
            }),
            any::<i32>().prop_map(|v| {
                let mut b = vec![0x05];
                b.extend_from_slice(&v.to_be_bytes());
                b
            }),
            any::<u16>().prop_map(|v| vec![0x12, (v >> 8) as u8, v as u8]),
            any::<i8>().prop_map(|v| vec![0x0F, v as u8]),
            any::<u8>().prop_map(|v| vec![0x16, v]),
            proptest::collection::vec(any::<u8>(), 0..20).prop_map(|s| {
                let mut b = vec![0x09, s.len() as u8];
                b.extend(s);
                b
            }),
            proptest::collection::vec(any::<u8>(), 12).prop_map(|s| {
                let mut b = vec![0x09, 0x0C];
                b.extend(s);
                b
            }),
            Just(vec![0x00]),
        ]
    }

    proptest! {
        /// Random pairs bodies, whole or damaged: the fast path agrees with the general one.
        #[test]
        fn random_pushes_decode_identically(
            pairs in proptest::collection::vec((any::<[u8; 6]>(), scalar()), 1..12),
            known in proptest::collection::vec(0usize..6, 12),
            cut in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
            damage in 0u8..3,
        ) {
            let codes = [[1, 0, 1, 8, 0, 255], [1, 1, 2, 8, 0, 255], [0, 0, 96, 1, 0, 255],
                         [0, 0, 1, 0, 0, 255], [1, 0, 32, 7, 0, 255]];
            let mut a = vec![0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, (2 * pairs.len()) as u8];
            for (i, (code, value)) in pairs.iter().enumerate() {
                a.extend_from_slice(&[0x09, 0x06]);
                a.extend_from_slice(codes.get(known[i]).unwrap_or(code));
                a.extend_from_slice(value);
            }
            match damage {
                1 => a.truncate(cut.index(a.len())),
                2 => {
                    let i = flip.index(a.len());
                    a[i] ^= 1 << (i % 8);
                }
                _ => {}
            }
            same(|| listen(&a, &PushConfig::default()));
            // And into a recycled reading that held a longer push.
            let mut recycling = PushListener::new(PushConfig::default());
            if let Ok(Message::Reading(r)) = recycling.decode_apdu(&pairs_apdu(13), 0) {
                recycling.recycle(r);
            }
            let fresh = PushListener::new(PushConfig::default()).decode_apdu(&a, 0);
            prop_assert_eq!(recycling.decode_apdu(&a, 0), fresh);
        }
    }
}
