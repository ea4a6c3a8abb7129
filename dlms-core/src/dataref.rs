//! `DataRef<'a>`: a validated, allocation-free view of an A-XDR value.

use core::fmt;

use obis::ObisCode;

use crate::reader::Reader;
use crate::{Date, DateTime, DecodeLimits, Error, Limit, Time, TypeTag};

/// A borrowed view of an A-XDR value: scalars decoded, strings borrowed, arrays and
/// structures iterated lazily. The whole value is validated (tags, lengths, limits) by
/// [`DataRef::parse`], so iterating never fails; no allocation is made.
///
/// ```
/// use dlms::DataRef;
/// let bytes = [0x02, 0x02, 0x09, 0x06, 1, 0, 1, 8, 0, 255, 0x06, 0x00, 0x0D, 0x88, 0xC1];
/// let d = DataRef::parse(&bytes).unwrap();
/// let mut fields = d.iter();
/// assert_eq!(fields.next().unwrap().as_obis().unwrap().to_string(), "1-0:1.8.0*255");
/// assert_eq!(fields.next().unwrap().as_u64(), Some(886_977));
/// assert!(fields.next().is_none());
/// assert!(DataRef::parse(&[0x02, 0x02, 0x11, 0x01]).is_err()); // second field missing
/// ```
#[derive(Clone, Copy, PartialEq, Debug)]
#[non_exhaustive]
pub enum DataRef<'a> {
    /// null-data (0).
    Null,
    /// array (1).
    Array(Seq<'a>),
    /// structure (2).
    Structure(Seq<'a>),
    /// boolean (3).
    Boolean(bool),
    /// bit-string (4): number of bits and the bytes.
    BitString(usize, &'a [u8]),
    /// double-long (5).
    DoubleLong(i32),
    /// double-long-unsigned (6).
    DoubleLongUnsigned(u32),
    /// octet-string (9).
    OctetString(&'a [u8]),
    /// visible-string (10).
    VisibleString(&'a [u8]),
    /// utf8-string (12).
    Utf8String(&'a [u8]),
    /// bcd (13).
    Bcd(u8),
    /// integer (15).
    Integer(i8),
    /// long (16).
    Long(i16),
    /// unsigned (17).
    Unsigned(u8),
    /// long-unsigned (18).
    LongUnsigned(u16),
    /// compact-array (19): its encoding without the tag (type description and contents).
    CompactArray(&'a [u8]),
    /// long64 (20).
    Long64(i64),
    /// long64-unsigned (21).
    Long64Unsigned(u64),
    /// enum (22).
    Enum(u8),
    /// float32 (23).
    Float32(f32),
    /// float64 (24).
    Float64(f64),
    /// date-time (25).
    DateTime(DateTime),
    /// date (26).
    Date(Date),
    /// time (27).
    Time(Time),
    /// dont-care (255).
    DontCare,
}

/// The elements of an array or structure: a count and their validated encoding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Seq<'a> {
    len: usize,
    bytes: &'a [u8],
}

impl<'a> Seq<'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The encoded elements.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// The elements.
    pub fn iter(&self) -> SeqIter<'a> {
        SeqIter {
            r: Reader::new(self.bytes),
            left: self.len,
        }
    }
}

impl<'a> IntoIterator for Seq<'a> {
    type Item = DataRef<'a>;
    type IntoIter = SeqIter<'a>;
    fn into_iter(self) -> SeqIter<'a> {
        self.iter()
    }
}

/// Iterator over the elements of a [`Seq`].
#[derive(Clone, Debug)]
pub struct SeqIter<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> Iterator for SeqIter<'a> {
    type Item = DataRef<'a>;
    fn next(&mut self) -> Option<DataRef<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left = self.left.saturating_sub(1);
        // The bytes were validated when the view was made; an error cannot happen here.
        let mut ctx = Ctx {
            limits: UNLIMITED,
            elements: 0,
        };
        read(&mut self.r, &mut ctx, 0).ok()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

const UNLIMITED: DecodeLimits = DecodeLimits {
    max_depth: usize::MAX,
    max_elements: usize::MAX,
    max_size: usize::MAX,
};

struct Ctx {
    limits: DecodeLimits,
    elements: usize,
}

impl Ctx {
    fn count(&mut self, n: usize, offset: usize) -> Result<(), Error> {
        self.elements = self.elements.saturating_add(n);
        if self.elements > self.limits.max_elements {
            return Err(Error::LimitExceeded {
                offset,
                limit: Limit::Elements,
            });
        }
        Ok(())
    }
    fn string<'a>(&self, r: &mut Reader<'a>, units: usize) -> Result<&'a [u8], Error> {
        let offset = r.offset();
        let n = r.length()?;
        let bytes = if units == 8 { n.div_ceil(8) } else { n };
        if bytes > self.limits.max_size {
            return Err(Error::LimitExceeded {
                offset,
                limit: Limit::Size,
            });
        }
        r.take(bytes)
    }
}

/// Payload size of the fixed-size A-XDR types by tag; [`VARIABLE`] for the others (sequences,
/// strings, compact arrays and unknown tags, told apart in [`skip_one`]).
const FIXED_SIZE: [u8; 256] = {
    let mut t = [VARIABLE; 256];
    t[0] = 0; // null-data
    t[255] = 0; // dont-care
    t[3] = 1; // boolean
    t[13] = 1; // bcd
    t[15] = 1; // integer
    t[17] = 1; // unsigned
    t[22] = 1; // enum
    t[16] = 2; // long
    t[18] = 2; // long-unsigned
    t[5] = 4; // double-long
    t[6] = 4; // double-long-unsigned
    t[23] = 4; // float32
    t[27] = 4; // time
    t[26] = 5; // date
    t[20] = 8; // long64
    t[21] = 8; // long64-unsigned
    t[24] = 8; // float64
    t[25] = 12; // date-time
    t
};

/// Marks a tag without a fixed payload size in [`FIXED_SIZE`].
const VARIABLE: u8 = 0xFF;

/// Absolute offsets for errors: the input being validated ends at offset `end`, so a
/// remaining slice `rest` starts at `end - rest.len()`. Offsets are computed only when an
/// error is reported, never on the hot path.
#[derive(Clone, Copy)]
struct Origin {
    end: usize,
}

impl Origin {
    #[inline]
    fn at(self, rest: &[u8]) -> usize {
        self.end.saturating_sub(rest.len())
    }

    #[cold]
    fn truncated(self, rest: &[u8], needed: usize) -> Error {
        Error::Truncated {
            offset: self.at(rest),
            needed: needed.saturating_sub(rest.len()),
        }
    }
}

impl Ctx {
    /// Counts one element whose tag starts `at_tag`.
    #[inline]
    fn count_one(&mut self, origin: Origin, at_tag: &[u8]) -> Result<(), Error> {
        self.elements = self.elements.saturating_add(1);
        if self.elements > self.limits.max_elements {
            return Err(Error::LimitExceeded {
                offset: origin.at(at_tag),
                limit: Limit::Elements,
            });
        }
        Ok(())
    }
}

/// An A-XDR length at the start of `rest`: its value and the bytes after it.
#[inline]
fn length_of(rest: &[u8], origin: Origin) -> Result<(usize, &[u8]), Error> {
    let Some((&first, after)) = rest.split_first() else {
        return Err(origin.truncated(rest, 1));
    };
    if first < 0x80 {
        return Ok((usize::from(first), after));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 4 {
        return Err(Error::InvalidLength {
            offset: origin.at(rest),
        });
    }
    let Some((bytes, after_len)) = after.split_at_checked(n) else {
        return Err(origin.truncated(after, n));
    };
    let v = bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    let v = usize::try_from(v).map_err(|_| Error::InvalidLength {
        offset: origin.at(rest),
    })?;
    Ok((v, after_len))
}

/// A length-prefixed string at the start of `rest` (`units` = 8: a bit-string, whose length
/// counts bits); returns the bytes after it.
#[inline]
fn skip_string<'a>(
    rest: &'a [u8],
    units: usize,
    ctx: &Ctx,
    origin: Origin,
) -> Result<&'a [u8], Error> {
    let (n, after) = length_of(rest, origin)?;
    let bytes = if units == 8 { n.div_ceil(8) } else { n };
    if bytes > ctx.limits.max_size {
        return Err(Error::LimitExceeded {
            offset: origin.at(rest),
            limit: Limit::Size,
        });
    }
    match after.get(bytes..) {
        Some(next) => Ok(next),
        None => Err(origin.truncated(after, bytes)),
    }
}

/// Validates `n` consecutive tagged values at the start of `rest` and returns the bytes after
/// them: the fast path of every array and structure.
#[inline]
fn skip_seq<'a>(
    mut rest: &'a [u8],
    n: usize,
    ctx: &mut Ctx,
    depth: usize,
    origin: Origin,
) -> Result<&'a [u8], Error> {
    for _ in 0..n {
        // The common shapes inline: fixed-size scalars and octet strings (OBIS codes); the
        // rest (nested sequences, other strings, compact arrays, errors) out of line.
        let Some((&tag, body)) = rest.split_first() else {
            return Err(origin.truncated(rest, 1));
        };
        ctx.count_one(origin, rest)?;
        let size = FIXED_SIZE
            .get(usize::from(tag))
            .copied()
            .unwrap_or(VARIABLE);
        rest = if size != VARIABLE {
            let size = usize::from(size);
            match body.get(size..) {
                Some(next) => next,
                None => return Err(origin.truncated(body, size)),
            }
        } else if tag == 9 {
            skip_string(body, 1, ctx, origin)?
        } else {
            skip_variable(rest, tag, body, ctx, depth, origin)?
        };
    }
    Ok(rest)
}

/// Validates one tagged value at the start of `rest` completely and returns the bytes after
/// it. Fixed-size types take one table look-up and one bounds check.
#[inline]
fn skip_one<'a>(
    rest: &'a [u8],
    ctx: &mut Ctx,
    depth: usize,
    origin: Origin,
) -> Result<&'a [u8], Error> {
    let Some((&tag, body)) = rest.split_first() else {
        return Err(origin.truncated(rest, 1));
    };
    ctx.count_one(origin, rest)?;
    let size = FIXED_SIZE
        .get(usize::from(tag))
        .copied()
        .unwrap_or(VARIABLE);
    if size != VARIABLE {
        let size = usize::from(size);
        return match body.get(size..) {
            Some(next) => Ok(next),
            None => Err(origin.truncated(body, size)),
        };
    }
    skip_variable(rest, tag, body, ctx, depth, origin)
}

/// [`skip_one`] for the tags without a fixed size, after the tag was read and counted:
/// `rest` starts at the tag, `body` after it.
#[inline(never)]
fn skip_variable<'a>(
    rest: &'a [u8],
    tag: u8,
    body: &'a [u8],
    ctx: &mut Ctx,
    depth: usize,
    origin: Origin,
) -> Result<&'a [u8], Error> {
    match tag {
        9 | 10 | 12 => skip_string(body, 1, ctx, origin),
        1 | 2 => {
            if depth >= ctx.limits.max_depth {
                return Err(Error::LimitExceeded {
                    offset: origin.at(rest),
                    limit: Limit::Depth,
                });
            }
            let (n, items) = length_of(body, origin)?;
            ctx.count(n, origin.at(rest))?;
            skip_seq(items, n, ctx, depth.saturating_add(1), origin)
        }
        4 => skip_string(body, 8, ctx, origin),
        19 => {
            // The type description is checked here; the contents, whose layout it gives, are
            // checked when converted with `to_data`.
            let mut r = Reader::with_base(body, origin.at(body));
            skip_description(&mut r, ctx, depth.saturating_add(1))?;
            ctx.string(&mut r, 1)?;
            Ok(r.rest())
        }
        _ => Err(Error::UnknownTag {
            offset: origin.at(rest),
            tag,
        }),
    }
}

/// Skips one tagged value from a cursor, checking it completely.
#[inline]
fn skip(r: &mut Reader<'_>, ctx: &mut Ctx, depth: usize) -> Result<(), Error> {
    let rest = r.rest();
    let origin = Origin {
        end: r.offset().saturating_add(rest.len()),
    };
    let next = skip_one(rest, ctx, depth, origin)?;
    r.take(rest.len().saturating_sub(next.len()))?;
    Ok(())
}

fn skip_description(r: &mut Reader<'_>, ctx: &mut Ctx, depth: usize) -> Result<(), Error> {
    let offset = r.offset();
    if depth > ctx.limits.max_depth {
        return Err(Error::LimitExceeded {
            offset,
            limit: Limit::Depth,
        });
    }
    ctx.count(1, offset)?;
    match r.u8()? {
        1 => {
            r.u16()?;
            skip_description(r, ctx, depth.saturating_add(1))
        }
        2 => {
            let n = r.length()?;
            ctx.count(n, offset)?;
            (0..n).try_for_each(|_| skip_description(r, ctx, depth.saturating_add(1)))
        }
        0 | 3..=6 | 9 | 10 | 12 | 13 | 15..=18 | 20..=27 | 255 => Ok(()),
        tag => Err(Error::UnknownTag { offset, tag }),
    }
}

/// Reads one tagged value shallowly (sequences are validated by skipping).
fn read<'a>(r: &mut Reader<'a>, ctx: &mut Ctx, depth: usize) -> Result<DataRef<'a>, Error> {
    let offset = r.offset();
    let tag = r.peek()?;
    Ok(match tag {
        1 | 2 => {
            r.u8()?;
            ctx.count(1, offset)?;
            if depth >= ctx.limits.max_depth {
                return Err(Error::LimitExceeded {
                    offset,
                    limit: Limit::Depth,
                });
            }
            let n = r.length()?;
            ctx.count(n, offset)?;
            let rest = r.rest();
            let origin = Origin {
                end: r.offset().saturating_add(rest.len()),
            };
            let next = skip_seq(rest, n, ctx, depth.saturating_add(1), origin)?;
            let used = rest.len().saturating_sub(next.len());
            let bytes = r.take(used)?;
            let seq = Seq { len: n, bytes };
            if tag == 1 {
                DataRef::Array(seq)
            } else {
                DataRef::Structure(seq)
            }
        }
        19 => {
            let rest = r.rest();
            let before = r.remaining();
            skip(r, ctx, depth)?;
            let used = before.saturating_sub(r.remaining());
            DataRef::CompactArray(rest.get(1..used).unwrap_or(&[]))
        }
        _ => {
            r.u8()?;
            ctx.count(1, offset)?;
            match tag {
                0 => DataRef::Null,
                3 => DataRef::Boolean(r.u8()? != 0),
                4 => {
                    let at = r.clone();
                    let bits = at.clone().length()?;
                    let bytes = ctx.string(r, 8)?;
                    DataRef::BitString(bits, bytes)
                }
                5 => DataRef::DoubleLong(r.u32()? as i32),
                6 => DataRef::DoubleLongUnsigned(r.u32()?),
                9 => DataRef::OctetString(ctx.string(r, 1)?),
                10 => DataRef::VisibleString(ctx.string(r, 1)?),
                12 => DataRef::Utf8String(ctx.string(r, 1)?),
                13 => DataRef::Bcd(r.u8()?),
                15 => DataRef::Integer(r.u8()? as i8),
                16 => DataRef::Long(r.u16()? as i16),
                17 => DataRef::Unsigned(r.u8()?),
                18 => DataRef::LongUnsigned(r.u16()?),
                20 => DataRef::Long64(r.u64()? as i64),
                21 => DataRef::Long64Unsigned(r.u64()?),
                22 => DataRef::Enum(r.u8()?),
                23 => DataRef::Float32(f32::from_bits(r.u32()?)),
                24 => DataRef::Float64(f64::from_bits(r.u64()?)),
                25 => DataRef::DateTime(DateTime::from_bytes(r.array()?)),
                26 => DataRef::Date(Date::from_bytes(r.array()?)),
                27 => DataRef::Time(Time::from_bytes(r.array()?)),
                255 => DataRef::DontCare,
                _ => return Err(Error::UnknownTag { offset, tag }),
            }
        }
    })
}

impl<'a> DataRef<'a> {
    /// Parses and validates exactly one value with the default limits.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with_limits(bytes, DecodeLimits::DEFAULT)
    }

    /// Parses and validates exactly one value with the given limits.
    pub fn parse_with_limits(bytes: &'a [u8], limits: DecodeLimits) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let d = Self::read_with_limits(&mut r, limits)?;
        r.finish()?;
        Ok(d)
    }

    /// Reads and validates one value from a cursor.
    pub fn read_with_limits(r: &mut Reader<'a>, limits: DecodeLimits) -> Result<Self, Error> {
        let start = r.offset();
        let mut ctx = Ctx {
            limits,
            elements: 0,
        };
        let d = read(r, &mut ctx, 0)?;
        if r.offset().saturating_sub(start) > limits.max_size {
            return Err(Error::LimitExceeded {
                offset: start,
                limit: Limit::Size,
            });
        }
        Ok(d)
    }

    /// The A-XDR type tag.
    pub fn type_tag(&self) -> TypeTag {
        TypeTag(match self {
            DataRef::Null => 0,
            DataRef::Array(_) => 1,
            DataRef::Structure(_) => 2,
            DataRef::Boolean(_) => 3,
            DataRef::BitString(..) => 4,
            DataRef::DoubleLong(_) => 5,
            DataRef::DoubleLongUnsigned(_) => 6,
            DataRef::OctetString(_) => 9,
            DataRef::VisibleString(_) => 10,
            DataRef::Utf8String(_) => 12,
            DataRef::Bcd(_) => 13,
            DataRef::Integer(_) => 15,
            DataRef::Long(_) => 16,
            DataRef::Unsigned(_) => 17,
            DataRef::LongUnsigned(_) => 18,
            DataRef::CompactArray(_) => 19,
            DataRef::Long64(_) => 20,
            DataRef::Long64Unsigned(_) => 21,
            DataRef::Enum(_) => 22,
            DataRef::Float32(_) => 23,
            DataRef::Float64(_) => 24,
            DataRef::DateTime(_) => 25,
            DataRef::Date(_) => 26,
            DataRef::Time(_) => 27,
            DataRef::DontCare => 255,
        })
    }

    /// The elements of an array or structure (empty for other values).
    pub fn iter(&self) -> SeqIter<'a> {
        match self {
            DataRef::Array(s) | DataRef::Structure(s) => s.iter(),
            _ => SeqIter {
                r: Reader::new(&[]),
                left: 0,
            },
        }
    }

    /// Number of elements of an array or structure (0 for other values).
    pub fn len(&self) -> usize {
        match self {
            DataRef::Array(s) | DataRef::Structure(s) => s.len(),
            _ => 0,
        }
    }

    /// Whether this is not an array or structure with elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An unsigned integer value (also a non-negative signed one, an enum or a BCD byte).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            DataRef::Unsigned(v) | DataRef::Enum(v) | DataRef::Bcd(v) => Some(u64::from(v)),
            DataRef::LongUnsigned(v) => Some(u64::from(v)),
            DataRef::DoubleLongUnsigned(v) => Some(u64::from(v)),
            DataRef::Long64Unsigned(v) => Some(v),
            _ => self.as_i64().and_then(|v| u64::try_from(v).ok()),
        }
    }

    /// A signed integer value (also an unsigned one that fits).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            DataRef::Integer(v) => Some(i64::from(v)),
            DataRef::Long(v) => Some(i64::from(v)),
            DataRef::DoubleLong(v) => Some(i64::from(v)),
            DataRef::Long64(v) => Some(v),
            DataRef::Unsigned(v) | DataRef::Enum(v) | DataRef::Bcd(v) => Some(i64::from(v)),
            DataRef::LongUnsigned(v) => Some(i64::from(v)),
            DataRef::DoubleLongUnsigned(v) => Some(i64::from(v)),
            DataRef::Long64Unsigned(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// Any numeric value as `f64`, multiplied by `10^scaler`.
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self, scaler: i8) -> Option<f64> {
        let raw = match *self {
            DataRef::Float32(v) => f64::from(v),
            DataRef::Float64(v) => v,
            DataRef::Long64Unsigned(v) => v as f64,
            _ => self.as_i64()? as f64,
        };
        Some(crate::types::scale(raw, scaler))
    }

    /// The value with a register's scaler and unit applied.
    ///
    /// ```
    /// use dlms::DataRef;
    /// use obis::{ScalerUnit, Unit};
    /// let v = DataRef::parse(&[0x12, 0x08, 0xFD]).unwrap();
    /// let s = v.scaled(ScalerUnit { scaler: -1, unit: Unit::VOLT }).unwrap();
    /// assert_eq!((s.value, s.unit), (230.1, Unit::VOLT));
    /// ```
    pub fn scaled(&self, su: obis::ScalerUnit) -> Option<crate::Scaled> {
        Some(crate::Scaled {
            value: self.as_f64(su.scaler)?,
            unit: su.unit,
        })
    }

    /// The bytes of an octet string, visible string or utf8 string.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            DataRef::OctetString(b) | DataRef::VisibleString(b) | DataRef::Utf8String(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a string value that is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.as_bytes()?).ok()
    }

    /// A 6-byte octet string as an OBIS code.
    pub fn as_obis(&self) -> Option<ObisCode> {
        match *self {
            DataRef::OctetString(b) => <[u8; 6]>::try_from(b).ok().map(ObisCode::from_bytes),
            _ => None,
        }
    }

    /// A date-time value, or a 12-byte octet string read as one.
    pub fn as_date_time(&self) -> Option<DateTime> {
        match *self {
            DataRef::DateTime(d) => Some(d),
            DataRef::OctetString(b) => DateTime::parse(b).ok(),
            _ => None,
        }
    }

    /// The owned [`Data`](crate::Data) of this view.
    #[cfg(feature = "alloc")]
    pub fn to_data(&self) -> crate::Data {
        use crate::Data;
        use alloc::vec::Vec;
        match *self {
            DataRef::Null => Data::Null,
            DataRef::Array(s) => Data::Array(s.iter().map(|d| d.to_data()).collect::<Vec<_>>()),
            DataRef::Structure(s) => {
                Data::Structure(s.iter().map(|d| d.to_data()).collect::<Vec<_>>())
            }
            DataRef::Boolean(b) => Data::Boolean(b),
            DataRef::BitString(bits, b) => Data::BitString(crate::BitString {
                bits,
                bytes: b.to_vec(),
            }),
            DataRef::DoubleLong(v) => Data::DoubleLong(v),
            DataRef::DoubleLongUnsigned(v) => Data::DoubleLongUnsigned(v),
            DataRef::OctetString(b) => Data::OctetString(b.to_vec()),
            DataRef::VisibleString(b) => Data::VisibleString(b.to_vec()),
            DataRef::Utf8String(b) => Data::Utf8String(b.to_vec()),
            DataRef::Bcd(v) => Data::Bcd(v),
            DataRef::Integer(v) => Data::Integer(v),
            DataRef::Long(v) => Data::Long(v),
            DataRef::Unsigned(v) => Data::Unsigned(v),
            DataRef::LongUnsigned(v) => Data::LongUnsigned(v),
            DataRef::CompactArray(b) => {
                let mut v = Vec::with_capacity(b.len().saturating_add(1));
                v.push(19);
                v.extend_from_slice(b);
                Data::parse(&v).unwrap_or(Data::Null)
            }
            DataRef::Long64(v) => Data::Long64(v),
            DataRef::Long64Unsigned(v) => Data::Long64Unsigned(v),
            DataRef::Enum(v) => Data::Enum(v),
            DataRef::Float32(v) => Data::Float32(v),
            DataRef::Float64(v) => Data::Float64(v),
            DataRef::DateTime(v) => Data::DateTime(v),
            DataRef::Date(v) => Data::Date(v),
            DataRef::Time(v) => Data::Time(v),
            DataRef::DontCare => Data::DontCare,
        }
    }
}

impl fmt::Display for DataRef<'_> {
    /// The same human form as [`Data`](crate::Data)'s `Display` for scalars and sequences.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataRef::Array(s) | DataRef::Structure(s) => {
                let (open, close) = if matches!(self, DataRef::Array(_)) {
                    ("[", "]")
                } else {
                    ("{", "}")
                };
                f.write_str(open)?;
                for (i, d) in s.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{d}")?;
                }
                f.write_str(close)
            }
            DataRef::OctetString(b) | DataRef::VisibleString(b) | DataRef::Utf8String(b) => {
                if let (DataRef::VisibleString(_) | DataRef::Utf8String(_), Ok(s)) =
                    (self, core::str::from_utf8(b))
                {
                    return write!(f, "{s:?}");
                }
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{x:02X}")?;
                }
                Ok(())
            }
            DataRef::DateTime(d) => write!(f, "{d}"),
            DataRef::Date(d) => write!(f, "{d}"),
            DataRef::Time(t) => write!(f, "{t}"),
            DataRef::Float32(v) => write!(f, "{v}"),
            DataRef::Float64(v) => write!(f, "{v}"),
            DataRef::Boolean(b) => write!(f, "{b}"),
            DataRef::Null => f.write_str("null"),
            DataRef::DontCare => f.write_str("dont-care"),
            _ => match (self.as_i64(), self.as_u64()) {
                (Some(v), _) => write!(f, "{v}"),
                (None, Some(v)) => write!(f, "{v}"),
                _ => write!(f, "{:?}", self.type_tag()),
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A flat push body: structure { date-time, 1-0:1.8.0, u32, 1-0:32.7.0, u16 }.
    const BODY: [u8; 39] = [
        0x02, 0x05, 0x19, 0x07, 0xE6, 0x02, 0x15, 0x01, 0x11, 0x25, 0x1E, 0xFF, 0x80, 0x00, 0x00,
        0x09, 0x06, 1, 0, 1, 8, 0, 255, 0x06, 0x00, 0x43, 0x45, 0xA0, 0x09, 0x06, 1, 0, 32, 7, 0,
        255, 0x12, 0x00, 0xE6,
    ];

    #[test]
    fn deconstruct() {
        let d = DataRef::parse(&BODY).unwrap();
        assert_eq!((d.type_tag(), d.len()), (TypeTag::STRUCTURE, 5));
        let mut it = d.iter();
        let dt = it.next().unwrap().as_date_time().unwrap();
        assert_eq!(
            (dt.date.year, dt.time.hour, dt.deviation()),
            (2022, 17, None)
        );
        assert_eq!(
            it.next().unwrap().as_obis(),
            Some(ObisCode::new(1, 0, 1, 8, 0, 255))
        );
        assert_eq!(it.next().unwrap(), DataRef::DoubleLongUnsigned(4_408_736));
        assert_eq!(
            it.next().unwrap().as_bytes(),
            Some(&[1, 0, 32, 7, 0, 255][..])
        );
        assert_eq!(it.next().unwrap().as_f64(0), Some(230.0));
        assert!(it.next().is_none());
    }

    #[test]
    fn impossible_lengths() {
        for cut in 0..BODY.len() {
            assert!(DataRef::parse(&BODY[..cut]).is_err(), "{cut}");
        }
        assert_eq!(
            DataRef::parse(&[0x01, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(Error::LimitExceeded {
                offset: 0,
                limit: Limit::Elements
            })
        );
        assert_eq!(
            DataRef::parse(&[0x13, 0x07]),
            Err(Error::UnknownTag { offset: 1, tag: 7 })
        );
    }
}
