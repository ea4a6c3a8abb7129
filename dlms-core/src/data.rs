//! A-XDR `Data` (IEC 62056-5-3 8.2: the `Data` CHOICE) with decoding limits.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use obis::{ObisCode, ScalerUnit};

use crate::reader::{Reader, Writer, length_len};
use crate::{Date, DateTime, DecodeLimits, Error, Limit, Scaled, Time, TypeTag};

/// A bit string: `bits` bits, most significant bit of the first byte first.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BitString {
    /// Number of bits.
    pub bits: usize,
    /// `ceil(bits / 8)` bytes.
    pub bytes: Vec<u8>,
}

impl BitString {
    /// Bit `i` (0 = most significant bit of the first byte).
    pub fn get(&self, i: usize) -> Option<bool> {
        if i >= self.bits {
            return None;
        }
        let byte = self.bytes.get(i / 8)?;
        Some(byte & (0x80 >> (i % 8)) != 0)
    }
}

/// The type description of a compact array (`TypeDescription`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TypeDescription {
    /// A simple type (any tag other than array and structure).
    Simple(TypeTag),
    /// `array`: a number of elements of one type.
    Array {
        /// Number of elements.
        count: u16,
        /// The element type.
        element: Box<TypeDescription>,
    },
    /// `structure`: the type of each field.
    Structure(Vec<TypeDescription>),
}

/// A compact array (tag 19): one type description, then the elements without their tags.
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CompactArray {
    /// The type of every element.
    pub description: TypeDescription,
    /// The elements, each matching `description`.
    pub elements: Vec<Data>,
}

/// An A-XDR value: the `Data` CHOICE of DLMS/COSEM, owned.
///
/// ```
/// use dlms::Data;
/// // structure { octet-string 1-0:1.8.0*255, double-long-unsigned 886977 }
/// let bytes = [0x02, 0x02, 0x09, 0x06, 1, 0, 1, 8, 0, 255, 0x06, 0x00, 0x0D, 0x88, 0xC1];
/// let data = Data::parse(&bytes).unwrap();
/// let fields = data.as_slice().unwrap();
/// assert_eq!(fields[0].as_obis().unwrap().to_string(), "1-0:1.8.0*255");
/// assert_eq!(fields[1].as_u64(), Some(886_977));
/// assert_eq!(data.to_string(), "{01 00 01 08 00 FF, 886977}");
/// let mut out = Vec::new();
/// data.encode(&mut out).unwrap();
/// assert_eq!(out, bytes);
/// ```
#[derive(Clone, PartialEq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Data {
    /// null-data (0).
    #[default]
    Null,
    /// array (1).
    Array(Vec<Data>),
    /// structure (2).
    Structure(Vec<Data>),
    /// boolean (3).
    Boolean(bool),
    /// bit-string (4).
    BitString(BitString),
    /// double-long (5), i32.
    DoubleLong(i32),
    /// double-long-unsigned (6), u32.
    DoubleLongUnsigned(u32),
    /// octet-string (9).
    OctetString(Vec<u8>),
    /// visible-string (10), kept as bytes.
    VisibleString(Vec<u8>),
    /// utf8-string (12), kept as bytes.
    Utf8String(Vec<u8>),
    /// bcd (13), one byte.
    Bcd(u8),
    /// integer (15), i8.
    Integer(i8),
    /// long (16), i16.
    Long(i16),
    /// unsigned (17), u8.
    Unsigned(u8),
    /// long-unsigned (18), u16.
    LongUnsigned(u16),
    /// compact-array (19).
    CompactArray(CompactArray),
    /// long64 (20), i64.
    Long64(i64),
    /// long64-unsigned (21), u64.
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
}

fn read_string<'a>(r: &mut Reader<'a>, ctx: &Ctx) -> Result<&'a [u8], Error> {
    let offset = r.offset();
    let n = r.length()?;
    if n > ctx.limits.max_size {
        return Err(Error::LimitExceeded {
            offset,
            limit: Limit::Size,
        });
    }
    r.take(n)
}

fn read_bits(r: &mut Reader<'_>, ctx: &Ctx) -> Result<BitString, Error> {
    let offset = r.offset();
    let bits = r.length()?;
    let n = bits.div_ceil(8);
    if n > ctx.limits.max_size {
        return Err(Error::LimitExceeded {
            offset,
            limit: Limit::Size,
        });
    }
    Ok(BitString {
        bits,
        bytes: r.take(n)?.to_vec(),
    })
}

/// Reads the value of a simple type (everything but array, structure and compact array).
fn read_simple(r: &mut Reader<'_>, tag: u8, offset: usize, ctx: &Ctx) -> Result<Data, Error> {
    Ok(match tag {
        0 => Data::Null,
        3 => Data::Boolean(r.u8()? != 0),
        4 => Data::BitString(read_bits(r, ctx)?),
        5 => Data::DoubleLong(r.u32()? as i32),
        6 => Data::DoubleLongUnsigned(r.u32()?),
        9 => Data::OctetString(read_string(r, ctx)?.to_vec()),
        10 => Data::VisibleString(read_string(r, ctx)?.to_vec()),
        12 => Data::Utf8String(read_string(r, ctx)?.to_vec()),
        13 => Data::Bcd(r.u8()?),
        15 => Data::Integer(r.u8()? as i8),
        16 => Data::Long(r.u16()? as i16),
        17 => Data::Unsigned(r.u8()?),
        18 => Data::LongUnsigned(r.u16()?),
        20 => Data::Long64(r.u64()? as i64),
        21 => Data::Long64Unsigned(r.u64()?),
        22 => Data::Enum(r.u8()?),
        23 => Data::Float32(f32::from_bits(r.u32()?)),
        24 => Data::Float64(f64::from_bits(r.u64()?)),
        25 => Data::DateTime(DateTime::from_bytes(r.array()?)),
        26 => Data::Date(Date::from_bytes(r.array()?)),
        27 => Data::Time(Time::from_bytes(r.array()?)),
        255 => Data::DontCare,
        _ => return Err(Error::UnknownTag { offset, tag }),
    })
}

fn read_data(r: &mut Reader<'_>, ctx: &mut Ctx, depth: usize) -> Result<Data, Error> {
    let offset = r.offset();
    let tag = r.u8()?;
    ctx.count(1, offset)?;
    match tag {
        1 | 2 => {
            if depth >= ctx.limits.max_depth {
                return Err(Error::LimitExceeded {
                    offset,
                    limit: Limit::Depth,
                });
            }
            let n = r.length()?;
            ctx.count(n, offset)?;
            // Every element takes at least one byte: never reserve more than the input holds.
            let mut items = Vec::with_capacity(n.min(r.remaining()));
            for _ in 0..n {
                items.push(read_data(r, ctx, depth.saturating_add(1))?);
            }
            Ok(if tag == 1 {
                Data::Array(items)
            } else {
                Data::Structure(items)
            })
        }
        19 => {
            if depth >= ctx.limits.max_depth {
                return Err(Error::LimitExceeded {
                    offset,
                    limit: Limit::Depth,
                });
            }
            let description = read_description(r, ctx, depth.saturating_add(1))?;
            let contents_at = r.offset();
            let contents = read_string(r, ctx)?;
            // Every element must take bytes, and no element may need more bytes than the
            // contents hold: a few input bytes then never expand into many values.
            let min = description.min_encoded_len();
            if min == 0 || (min > contents.len() && !contents.is_empty()) {
                return Err(Error::InvalidValue {
                    offset: contents_at,
                    what: "compact array element size",
                });
            }
            let mut c = Reader::with_base(
                contents,
                contents_at.saturating_add(length_len(contents.len())),
            );
            let mut elements = Vec::new();
            while !c.is_empty() {
                let before = c.remaining();
                let e = read_untagged(&mut c, &description, ctx, depth.saturating_add(1))?;
                if c.remaining() == before {
                    return Err(Error::InvalidValue {
                        offset: c.offset(),
                        what: "compact array of empty elements",
                    });
                }
                elements.push(e);
            }
            Ok(Data::CompactArray(CompactArray {
                description,
                elements,
            }))
        }
        _ => read_simple(r, tag, offset, ctx),
    }
}

fn read_description(
    r: &mut Reader<'_>,
    ctx: &mut Ctx,
    depth: usize,
) -> Result<TypeDescription, Error> {
    let offset = r.offset();
    if depth > ctx.limits.max_depth {
        return Err(Error::LimitExceeded {
            offset,
            limit: Limit::Depth,
        });
    }
    let tag = r.u8()?;
    ctx.count(1, offset)?;
    match tag {
        1 => {
            let count = r.u16()?;
            let element = read_description(r, ctx, depth.saturating_add(1))?;
            Ok(TypeDescription::Array {
                count,
                element: Box::new(element),
            })
        }
        2 => {
            let n = r.length()?;
            ctx.count(n, offset)?;
            let mut fields = Vec::with_capacity(n.min(r.remaining()));
            for _ in 0..n {
                fields.push(read_description(r, ctx, depth.saturating_add(1))?);
            }
            Ok(TypeDescription::Structure(fields))
        }
        0 | 3..=6 | 9 | 10 | 12 | 13 | 15..=18 | 20..=27 | 255 => {
            Ok(TypeDescription::Simple(TypeTag(tag)))
        }
        _ => Err(Error::UnknownTag { offset, tag }),
    }
}

fn read_untagged(
    r: &mut Reader<'_>,
    d: &TypeDescription,
    ctx: &mut Ctx,
    depth: usize,
) -> Result<Data, Error> {
    let offset = r.offset();
    if depth > ctx.limits.max_depth {
        return Err(Error::LimitExceeded {
            offset,
            limit: Limit::Depth,
        });
    }
    ctx.count(1, offset)?;
    match d {
        TypeDescription::Simple(t) => read_simple(r, t.0, offset, ctx),
        TypeDescription::Array { count, element } => {
            let n = usize::from(*count);
            let mut items = Vec::with_capacity(n.min(r.remaining()));
            for _ in 0..n {
                items.push(read_untagged(r, element, ctx, depth.saturating_add(1))?);
            }
            Ok(Data::Array(items))
        }
        TypeDescription::Structure(fields) => {
            let mut items = Vec::with_capacity(fields.len());
            for f in fields {
                items.push(read_untagged(r, f, ctx, depth.saturating_add(1))?);
            }
            Ok(Data::Structure(items))
        }
    }
}

impl TypeDescription {
    /// The fewest bytes one element of this type takes inside a compact array.
    fn min_encoded_len(&self) -> usize {
        match self {
            TypeDescription::Simple(t) => match t.0 {
                0 | 255 => 0,
                3 | 13 | 15 | 17 | 22 | 4 | 9 | 10 | 12 => 1,
                16 | 18 => 2,
                5 | 6 | 23 | 27 => 4,
                26 => 5,
                20 | 21 | 24 => 8,
                25 => 12,
                _ => 0,
            },
            TypeDescription::Array { count, element } => {
                usize::from(*count).saturating_mul(element.min_encoded_len())
            }
            TypeDescription::Structure(f) => f
                .iter()
                .fold(0usize, |a, d| a.saturating_add(d.min_encoded_len())),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            TypeDescription::Simple(_) => 1,
            TypeDescription::Array { element, .. } => element.encoded_len().saturating_add(3),
            TypeDescription::Structure(f) => f
                .iter()
                .fold(1usize.saturating_add(length_len(f.len())), |a, d| {
                    a.saturating_add(d.encoded_len())
                }),
        }
    }

    fn emit(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match self {
            TypeDescription::Simple(t) => {
                if matches!(t.0, 1 | 2 | 19) {
                    return Err(Error::Unencodable {
                        what: "simple type description with a constructed tag",
                    });
                }
                w.u8(t.0)
            }
            TypeDescription::Array { count, element } => {
                w.u8(1)?;
                w.bytes(&count.to_be_bytes())?;
                element.emit(w)
            }
            TypeDescription::Structure(f) => {
                w.u8(2)?;
                w.length(f.len())?;
                f.iter().try_for_each(|d| d.emit(w))
            }
        }
    }

    /// Whether `data` has this type.
    pub fn matches(&self, data: &Data) -> bool {
        match (self, data) {
            (TypeDescription::Simple(t), d) => d.type_tag() == *t && !matches!(t.0, 1 | 2 | 19),
            (TypeDescription::Array { count, element }, Data::Array(items)) => {
                items.len() == usize::from(*count) && items.iter().all(|i| element.matches(i))
            }
            (TypeDescription::Structure(f), Data::Structure(items)) => {
                f.len() == items.len() && f.iter().zip(items).all(|(d, i)| d.matches(i))
            }
            _ => false,
        }
    }
}

impl Data {
    /// Parses exactly one value with the default [`DecodeLimits`]; trailing bytes are an error.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_with_limits(bytes, DecodeLimits::DEFAULT)
    }

    /// Parses exactly one value with the given limits.
    ///
    /// ```
    /// use dlms::{Data, DecodeLimits, Error, Limit};
    /// let nested = [0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00];
    /// let limits = DecodeLimits { max_depth: 2, ..DecodeLimits::DEFAULT };
    /// assert_eq!(
    ///     Data::parse_with_limits(&nested, limits),
    ///     Err(Error::LimitExceeded { offset: 4, limit: Limit::Depth })
    /// );
    /// ```
    pub fn parse_with_limits(bytes: &[u8], limits: DecodeLimits) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let d = Self::read_with_limits(&mut r, limits)?;
        r.finish()?;
        Ok(d)
    }

    /// Reads one value from a cursor with the default limits.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Self::read_with_limits(r, DecodeLimits::DEFAULT)
    }

    /// Reads one value from a cursor with the given limits.
    pub fn read_with_limits(r: &mut Reader<'_>, limits: DecodeLimits) -> Result<Self, Error> {
        let start = r.offset();
        let mut ctx = Ctx {
            limits,
            elements: 0,
        };
        let d = read_data(r, &mut ctx, 0)?;
        if r.offset().saturating_sub(start) > limits.max_size {
            return Err(Error::LimitExceeded {
                offset: start,
                limit: Limit::Size,
            });
        }
        Ok(d)
    }

    /// The A-XDR type tag of this value.
    pub fn type_tag(&self) -> TypeTag {
        TypeTag(match self {
            Data::Null => 0,
            Data::Array(_) => 1,
            Data::Structure(_) => 2,
            Data::Boolean(_) => 3,
            Data::BitString(_) => 4,
            Data::DoubleLong(_) => 5,
            Data::DoubleLongUnsigned(_) => 6,
            Data::OctetString(_) => 9,
            Data::VisibleString(_) => 10,
            Data::Utf8String(_) => 12,
            Data::Bcd(_) => 13,
            Data::Integer(_) => 15,
            Data::Long(_) => 16,
            Data::Unsigned(_) => 17,
            Data::LongUnsigned(_) => 18,
            Data::CompactArray(_) => 19,
            Data::Long64(_) => 20,
            Data::Long64Unsigned(_) => 21,
            Data::Enum(_) => 22,
            Data::Float32(_) => 23,
            Data::Float64(_) => 24,
            Data::DateTime(_) => 25,
            Data::Date(_) => 26,
            Data::Time(_) => 27,
            Data::DontCare => 255,
        })
    }

    fn content_len(&self) -> usize {
        match self {
            Data::Null | Data::DontCare => 0,
            Data::Boolean(_)
            | Data::Bcd(_)
            | Data::Integer(_)
            | Data::Unsigned(_)
            | Data::Enum(_) => 1,
            Data::Long(_) | Data::LongUnsigned(_) => 2,
            Data::DoubleLong(_)
            | Data::DoubleLongUnsigned(_)
            | Data::Float32(_)
            | Data::Time(_) => 4,
            Data::Date(_) => 5,
            Data::Long64(_) | Data::Long64Unsigned(_) | Data::Float64(_) => 8,
            Data::DateTime(_) => 12,
            Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => {
                length_len(b.len()).saturating_add(b.len())
            }
            Data::BitString(b) => length_len(b.bits).saturating_add(b.bits.div_ceil(8)),
            Data::Array(items) | Data::Structure(items) => {
                items.iter().fold(length_len(items.len()), |a, d| {
                    a.saturating_add(d.buffer_len())
                })
            }
            Data::CompactArray(c) => {
                let body = c
                    .elements
                    .iter()
                    .fold(0usize, |a, d| a.saturating_add(d.untagged_len()));
                c.description
                    .encoded_len()
                    .saturating_add(length_len(body))
                    .saturating_add(body)
            }
        }
    }

    /// The encoded size in bytes (tag included).
    pub fn buffer_len(&self) -> usize {
        self.content_len().saturating_add(1)
    }

    /// Encodes into `buf`, returns the number of bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        self.emit_to(&mut w)?;
        Ok(w.pos())
    }

    /// Appends the encoding to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        crate::apdu::encode_via_emit(out, self.buffer_len(), |b| self.emit(b))
    }

    /// The encoding as a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut v = Vec::with_capacity(self.buffer_len());
        self.encode(&mut v)?;
        Ok(v)
    }

    pub(crate) fn emit_to(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        w.u8(self.type_tag().0)?;
        self.emit_content(w)
    }

    fn emit_content(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match self {
            Data::Null | Data::DontCare => Ok(()),
            Data::Boolean(b) => w.u8(u8::from(*b)),
            Data::Bcd(v) | Data::Unsigned(v) | Data::Enum(v) => w.u8(*v),
            Data::Integer(v) => w.bytes(&v.to_be_bytes()),
            Data::Long(v) => w.bytes(&v.to_be_bytes()),
            Data::LongUnsigned(v) => w.bytes(&v.to_be_bytes()),
            Data::DoubleLong(v) => w.bytes(&v.to_be_bytes()),
            Data::DoubleLongUnsigned(v) => w.bytes(&v.to_be_bytes()),
            Data::Long64(v) => w.bytes(&v.to_be_bytes()),
            Data::Long64Unsigned(v) => w.bytes(&v.to_be_bytes()),
            Data::Float32(v) => w.bytes(&v.to_bits().to_be_bytes()),
            Data::Float64(v) => w.bytes(&v.to_bits().to_be_bytes()),
            Data::DateTime(v) => w.bytes(&v.to_bytes()),
            Data::Date(v) => w.bytes(&v.to_bytes()),
            Data::Time(v) => w.bytes(&v.to_bytes()),
            Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => {
                w.length(b.len())?;
                w.bytes(b)
            }
            Data::BitString(b) => {
                if b.bytes.len() != b.bits.div_ceil(8) {
                    return Err(Error::Unencodable {
                        what: "bit string byte count does not match its bit count",
                    });
                }
                w.length(b.bits)?;
                w.bytes(&b.bytes)
            }
            Data::Array(items) | Data::Structure(items) => {
                w.length(items.len())?;
                items.iter().try_for_each(|d| d.emit_to(w))
            }
            Data::CompactArray(c) => {
                c.description.emit(w)?;
                let body = c
                    .elements
                    .iter()
                    .fold(0usize, |a, d| a.saturating_add(d.untagged_len()));
                w.length(body)?;
                for e in &c.elements {
                    if !c.description.matches(e) {
                        return Err(Error::Unencodable {
                            what: "compact array element does not match its type",
                        });
                    }
                    e.emit_untagged(w)?;
                }
                Ok(())
            }
        }
    }

    /// The size of the value inside a compact array: no tags, no element counts.
    fn untagged_len(&self) -> usize {
        match self {
            Data::Array(items) | Data::Structure(items) => items
                .iter()
                .fold(0usize, |a, d| a.saturating_add(d.untagged_len())),
            _ => self.content_len(),
        }
    }

    fn emit_untagged(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match self {
            Data::Array(items) | Data::Structure(items) => {
                items.iter().try_for_each(|d| d.emit_untagged(w))
            }
            _ => self.emit_content(w),
        }
    }

    /// The elements of an array, structure or compact array.
    pub fn as_slice(&self) -> Option<&[Data]> {
        match self {
            Data::Array(v) | Data::Structure(v) => Some(v),
            Data::CompactArray(c) => Some(&c.elements),
            _ => None,
        }
    }

    /// An unsigned integer value (also a non-negative signed one, an enum or a BCD byte).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Data::Unsigned(v) | Data::Enum(v) | Data::Bcd(v) => Some(u64::from(v)),
            Data::LongUnsigned(v) => Some(u64::from(v)),
            Data::DoubleLongUnsigned(v) => Some(u64::from(v)),
            Data::Long64Unsigned(v) => Some(v),
            _ => self.as_i64().and_then(|v| u64::try_from(v).ok()),
        }
    }

    /// A signed integer value (also an unsigned one that fits).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Data::Integer(v) => Some(i64::from(v)),
            Data::Long(v) => Some(i64::from(v)),
            Data::DoubleLong(v) => Some(i64::from(v)),
            Data::Long64(v) => Some(v),
            Data::Unsigned(_)
            | Data::Enum(_)
            | Data::Bcd(_)
            | Data::LongUnsigned(_)
            | Data::DoubleLongUnsigned(_) => self.as_u64().and_then(|v| i64::try_from(v).ok()),
            Data::Long64Unsigned(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// Any numeric value as `f64`, multiplied by `10^scaler`.
    ///
    /// ```
    /// use dlms::Data;
    /// assert_eq!(Data::LongUnsigned(2301).as_f64(-1), Some(230.1));
    /// assert_eq!(Data::DoubleLongUnsigned(886_977).as_f64(0), Some(886_977.0));
    /// assert_eq!(Data::Null.as_f64(0), None);
    /// ```
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self, scaler: i8) -> Option<f64> {
        let raw = match *self {
            Data::Float32(v) => f64::from(v),
            Data::Float64(v) => v,
            Data::Long64Unsigned(v) => v as f64,
            _ => self.as_i64()? as f64,
        };
        Some(crate::types::scale(raw, scaler))
    }

    /// The value with a register's scaler and unit applied.
    ///
    /// ```
    /// use dlms::Data;
    /// use obis::{ScalerUnit, Unit};
    /// let v = Data::LongUnsigned(2301).scaled(ScalerUnit { scaler: -1, unit: Unit::VOLT }).unwrap();
    /// assert_eq!((v.value, v.unit), (230.1, Unit::VOLT));
    /// ```
    pub fn scaled(&self, su: ScalerUnit) -> Option<Scaled> {
        Some(Scaled {
            value: self.as_f64(su.scaler)?,
            unit: su.unit,
        })
    }

    /// The bytes of an octet string, visible string or utf8 string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Data::OctetString(b) | Data::VisibleString(b) | Data::Utf8String(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a visible string, utf8 string or an octet string that is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()?).ok()
    }

    /// A 6-byte octet string as an OBIS code.
    pub fn as_obis(&self) -> Option<ObisCode> {
        match self {
            Data::OctetString(b) => <[u8; 6]>::try_from(b.as_slice())
                .ok()
                .map(ObisCode::from_bytes),
            _ => None,
        }
    }

    /// A date-time value, or a 12-byte octet string read as one (the usual form of a clock).
    pub fn as_date_time(&self) -> Option<DateTime> {
        match self {
            Data::DateTime(d) => Some(*d),
            Data::OctetString(b) => DateTime::parse(b).ok(),
            _ => None,
        }
    }

    /// A boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Data::Boolean(b) => Some(b),
            _ => None,
        }
    }

    /// A `{scaler integer, unit enum}` structure, the scaler_unit attribute of a register.
    pub fn as_scaler_unit(&self) -> Option<ScalerUnit> {
        match self {
            Data::Structure(v) => match v.as_slice() {
                [Data::Integer(s), Data::Enum(u)] => Some(ScalerUnit {
                    scaler: *s,
                    unit: obis::Unit(*u),
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

fn hex(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{x:02X}")?;
    }
    Ok(())
}

fn list(f: &mut fmt::Formatter<'_>, items: &[Data], open: &str, close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, d) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{d}")?;
    }
    f.write_str(close)
}

impl fmt::Display for Data {
    /// A compact human form: `[..]` arrays, `{..}` structures, hex octet strings, quoted text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Data::Null => f.write_str("null"),
            Data::DontCare => f.write_str("dont-care"),
            Data::Array(v) => list(f, v, "[", "]"),
            Data::Structure(v) => list(f, v, "{", "}"),
            Data::CompactArray(c) => list(f, &c.elements, "[", "]"),
            Data::Boolean(b) => write!(f, "{b}"),
            Data::BitString(b) => {
                for i in 0..b.bits {
                    f.write_str(if b.get(i).unwrap_or(false) { "1" } else { "0" })?;
                }
                Ok(())
            }
            Data::OctetString(b) => {
                if b.len() == 12 && DateTime::parse(b).is_ok_and(|d| d.local_seconds().is_some()) {
                    return write!(f, "{}", DateTime::parse(b).map_err(|_| fmt::Error)?);
                }
                hex(f, b)
            }
            Data::VisibleString(b) | Data::Utf8String(b) => match core::str::from_utf8(b) {
                Ok(s) => write!(f, "{s:?}"),
                Err(_) => hex(f, b),
            },
            Data::Enum(v) => write!(f, "enum {v}"),
            Data::Bcd(v) => write!(f, "bcd {v:02X}"),
            Data::Float32(v) => write!(f, "{v}"),
            Data::Float64(v) => write!(f, "{v}"),
            Data::DateTime(d) => write!(f, "{d}"),
            Data::Date(d) => write!(f, "{d}"),
            Data::Time(t) => write!(f, "{t}"),
            _ => match self.as_i64() {
                Some(v) => write!(f, "{v}"),
                None => write!(f, "{}", self.as_u64().unwrap_or(0)),
            },
        }
    }
}
