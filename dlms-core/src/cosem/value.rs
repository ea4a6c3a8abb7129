//! Conversion of attribute values between [`Data`] and typed Rust values, and the errors.

use alloc::vec::Vec;

use obis::{ObisCode, ScalerUnit, Unit};

use super::ClassId;
use crate::apdu::CaptureObject;
use crate::{BitString, ClockStatus, Data, Date, DateTime, Error, Time, TypeTag};

/// A value does not have the shape its attribute needs: `expected` describes the part that did
/// not match and `found` is the A-XDR type found there.
///
/// ```
/// use dlms::{Data, TypeTag};
/// use dlms::cosem::AttributeValue;
/// let e = u16::from_data(&Data::Boolean(true)).unwrap_err();
/// assert_eq!((e.expected, e.found), ("long-unsigned", TypeTag::BOOLEAN));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TypeMismatch {
    /// What was expected (an A-XDR type name or a short description of a structure).
    pub expected: &'static str,
    /// The type found.
    pub found: TypeTag,
}

impl TypeMismatch {
    /// The mismatch of `data` against `expected`.
    pub fn new(expected: &'static str, data: &Data) -> Self {
        TypeMismatch {
            expected,
            found: data.type_tag(),
        }
    }
}

pub(crate) fn tag_name(t: &TypeTag) -> &'static str {
    t.name().unwrap_or("unknown type")
}

/// A typed attribute could not be decoded, or an attribute does not exist.
///
/// ```
/// use dlms::Data;
/// use dlms::cosem::{ClassId, Clock, CosemError};
/// use obis::ObisCode;
/// let mut clock = Clock::new(ObisCode::new(0, 0, 1, 0, 0, 255));
/// let err = clock.set_attribute(3, &Data::Boolean(false)).unwrap_err();
/// assert!(matches!(err, CosemError::Type { class: ClassId::CLOCK, attribute: 3, expected: "long", .. }));
/// assert_eq!(err.to_string(), "clock attribute 3 (time_zone): expected long, found boolean");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CosemError {
    /// An attribute value has the wrong type or shape.
    #[error("{class} attribute {attribute} ({name}): expected {expected}, found {}", tag_name(.found))]
    Type {
        /// The interface class.
        class: ClassId,
        /// The attribute index.
        attribute: i8,
        /// The attribute name.
        name: &'static str,
        /// What was expected at the place that did not match.
        expected: &'static str,
        /// The A-XDR type found there.
        found: TypeTag,
    },
    /// The class has no attribute with this index (in the modelled version).
    #[error("{class} has no attribute {attribute}")]
    UnknownAttribute {
        /// The interface class.
        class: ClassId,
        /// The attribute index.
        attribute: i8,
    },
    /// A row of a profile buffer does not have one value per column.
    #[error("profile row {row} at offset {offset}: {found} value(s) for {expected} column(s)")]
    RowShape {
        /// Row index (0-based).
        row: usize,
        /// Offset of the row in the encoded buffer (0 when the rows come from a `Data` tree).
        offset: usize,
        /// Number of columns.
        expected: usize,
        /// Number of values found (or 0 when the row is not a structure).
        found: usize,
    },
    /// The encoded bytes of a value are malformed.
    #[error("{0}")]
    Decode(#[from] Error),
}

/// A Rust type that is the value of an attribute (or a part of one), with its A-XDR form.
///
/// Decoding is lenient where meters differ (any integer type whose value fits, a date-time as
/// octet string or as `date-time`); encoding always produces the form the standard specifies,
/// so `from_data(&x.to_data()) == Ok(x)`.
///
/// ```
/// use dlms::Data;
/// use dlms::cosem::AttributeValue;
/// use obis::{ScalerUnit, Unit};
/// let su = ScalerUnit { scaler: -1, unit: Unit::VOLT };
/// let d = su.to_data();
/// assert_eq!(d, Data::Structure(vec![Data::Integer(-1), Data::Enum(35)]));
/// assert_eq!(ScalerUnit::from_data(&d), Ok(su));
/// ```
pub trait AttributeValue: Sized {
    /// Decodes the value.
    fn from_data(data: &Data) -> Result<Self, TypeMismatch>;
    /// Encodes the value.
    fn to_data(&self) -> Data;
}

/// Marker for the types that may be elements of an array attribute (`Vec<T>`); every attribute
/// type but `u8`, whose `Vec` is an octet string.
pub trait ArrayElement: AttributeValue {}

impl AttributeValue for Data {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        Ok(data.clone())
    }
    fn to_data(&self) -> Data {
        self.clone()
    }
}
impl ArrayElement for Data {}

macro_rules! unsigned_impl {
    ($($t:ty => $variant:ident, $name:expr;)*) => {$(
        impl AttributeValue for $t {
            fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
                match data {
                    Data::Boolean(_) | Data::Float32(_) | Data::Float64(_) => Err(TypeMismatch::new($name, data)),
                    _ => data
                        .as_u64()
                        .and_then(|v| <$t>::try_from(v).ok())
                        .ok_or(TypeMismatch::new($name, data)),
                }
            }
            fn to_data(&self) -> Data {
                Data::$variant(*self)
            }
        }
    )*};
}

macro_rules! signed_impl {
    ($($t:ty => $variant:ident, $name:expr;)*) => {$(
        impl AttributeValue for $t {
            fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
                match data {
                    Data::Boolean(_) | Data::Float32(_) | Data::Float64(_) => Err(TypeMismatch::new($name, data)),
                    _ => data
                        .as_i64()
                        .and_then(|v| <$t>::try_from(v).ok())
                        .ok_or(TypeMismatch::new($name, data)),
                }
            }
            fn to_data(&self) -> Data {
                Data::$variant(*self)
            }
        }
        impl ArrayElement for $t {}
    )*};
}

unsigned_impl! {
    u8 => Unsigned, "unsigned";
    u16 => LongUnsigned, "long-unsigned";
    u32 => DoubleLongUnsigned, "double-long-unsigned";
    u64 => Long64Unsigned, "long64-unsigned";
}
impl ArrayElement for u16 {}
impl ArrayElement for u32 {}
impl ArrayElement for u64 {}

signed_impl! {
    i8 => Integer, "integer";
    i16 => Long, "long";
    i32 => DoubleLong, "double-long";
    i64 => Long64, "long64";
}

impl AttributeValue for bool {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        data.as_bool().ok_or(TypeMismatch::new("boolean", data))
    }
    fn to_data(&self) -> Data {
        Data::Boolean(*self)
    }
}
impl ArrayElement for bool {}

/// An octet string.
impl AttributeValue for Vec<u8> {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match data {
            Data::OctetString(b) => Ok(b.clone()),
            _ => Err(TypeMismatch::new("octet-string", data)),
        }
    }
    fn to_data(&self) -> Data {
        Data::OctetString(self.clone())
    }
}

/// An array (a compact array is accepted too).
impl<T: ArrayElement> AttributeValue for Vec<T> {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match data {
            Data::Array(items) => items.iter().map(T::from_data).collect(),
            Data::CompactArray(c) => c.elements.iter().map(T::from_data).collect(),
            _ => Err(TypeMismatch::new("array", data)),
        }
    }
    fn to_data(&self) -> Data {
        Data::Array(self.iter().map(T::to_data).collect())
    }
}
impl<T: ArrayElement> ArrayElement for Vec<T> {}
impl ArrayElement for Vec<u8> {}

impl AttributeValue for BitString {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match data {
            Data::BitString(b) => Ok(b.clone()),
            _ => Err(TypeMismatch::new("bit-string", data)),
        }
    }
    fn to_data(&self) -> Data {
        Data::BitString(self.clone())
    }
}
impl ArrayElement for BitString {}

/// A logical name: a 6-byte octet string.
impl AttributeValue for ObisCode {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        data.as_obis()
            .ok_or(TypeMismatch::new("octet-string(6) logical name", data))
    }
    fn to_data(&self) -> Data {
        Data::OctetString(self.as_bytes().to_vec())
    }
}
impl ArrayElement for ObisCode {}

/// A date-time: a 12-byte octet string (the form of COSEM attributes), or a `date-time` value.
impl AttributeValue for DateTime {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        data.as_date_time()
            .ok_or(TypeMismatch::new("octet-string(12) date-time", data))
    }
    fn to_data(&self) -> Data {
        Data::OctetString(self.to_bytes().to_vec())
    }
}
impl ArrayElement for DateTime {}

/// A date: a 5-byte octet string, or a `date` value.
impl AttributeValue for Date {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match data {
            Data::Date(d) => Ok(*d),
            Data::OctetString(b) => {
                Date::parse(b).map_err(|_| TypeMismatch::new("octet-string(5) date", data))
            }
            _ => Err(TypeMismatch::new("octet-string(5) date", data)),
        }
    }
    fn to_data(&self) -> Data {
        Data::OctetString(self.to_bytes().to_vec())
    }
}
impl ArrayElement for Date {}

/// A time: a 4-byte octet string, or a `time` value.
impl AttributeValue for Time {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match data {
            Data::Time(t) => Ok(*t),
            Data::OctetString(b) => {
                Time::parse(b).map_err(|_| TypeMismatch::new("octet-string(4) time", data))
            }
            _ => Err(TypeMismatch::new("octet-string(4) time", data)),
        }
    }
    fn to_data(&self) -> Data {
        Data::OctetString(self.to_bytes().to_vec())
    }
}
impl ArrayElement for Time {}

/// The clock status: an `unsigned`.
impl AttributeValue for ClockStatus {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        u8::from_data(data).map(ClockStatus)
    }
    fn to_data(&self) -> Data {
        Data::Unsigned(self.0)
    }
}

/// `scal_unit_type ::= structure { scaler integer, unit enum }`.
impl AttributeValue for ScalerUnit {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        const E: &str = "structure {integer scaler, enum unit}";
        let [s, u] = fields(data, E)?;
        let scaler = i8::from_data(s).map_err(|_| TypeMismatch::new(E, s))?;
        let unit = match u {
            Data::Enum(u) | Data::Unsigned(u) => Unit(*u),
            _ => return Err(TypeMismatch::new(E, u)),
        };
        Ok(ScalerUnit { scaler, unit })
    }
    fn to_data(&self) -> Data {
        Data::Structure(alloc::vec![
            Data::Integer(self.scaler),
            Data::Enum(self.unit.0)
        ])
    }
}
impl ArrayElement for ScalerUnit {}

/// `capture_object_definition ::= structure { class_id long-unsigned, logical_name
/// octet-string, attribute_index integer, data_index long-unsigned }` (also the push object
/// definition).
impl AttributeValue for CaptureObject {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        let [c, ln, a, i] = fields(
            data,
            "structure of 4 {class_id, logical_name, attribute_index, data_index}",
        )?;
        Ok(CaptureObject {
            class_id: u16::from_data(c)?,
            logical_name: ObisCode::from_data(ln)?,
            attribute: i8::from_data(a)?,
            data_index: u16::from_data(i)?,
        })
    }
    fn to_data(&self) -> Data {
        CaptureObject::to_data(self)
    }
}
impl ArrayElement for CaptureObject {}

/// The fields of a structure of exactly `N` elements.
pub(crate) fn fields<'d, const N: usize>(
    data: &'d Data,
    expected: &'static str,
) -> Result<&'d [Data; N], TypeMismatch> {
    match data {
        Data::Structure(v) => {
            <&[Data; N]>::try_from(v.as_slice()).map_err(|_| TypeMismatch::new(expected, data))
        }
        _ => Err(TypeMismatch::new(expected, data)),
    }
}

/// Declares an enum-like newtype over the `enum` A-XDR type with named constants.
macro_rules! enum_newtype {
    ($(#[$m:meta])* $name:ident { $($(#[$cm:meta])* $c:ident = $v:expr, $text:expr;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name(pub u8);

        impl $name {
            $(#[doc = concat!("`", $text, "` (", stringify!($v), ").")] pub const $c: $name = $name($v);)*

            /// The standard's name, for a known value.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($text),)*
                    _ => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl $crate::cosem::AttributeValue for $name {
            fn from_data(data: &$crate::Data) -> Result<Self, $crate::cosem::TypeMismatch> {
                match data {
                    $crate::Data::Enum(v) | $crate::Data::Unsigned(v) => Ok($name(*v)),
                    _ => Err($crate::cosem::TypeMismatch::new("enum", data)),
                }
            }
            fn to_data(&self) -> $crate::Data {
                $crate::Data::Enum(self.0)
            }
        }
        impl $crate::cosem::ArrayElement for $name {}
    };
}
pub(crate) use enum_newtype;

/// Implements [`AttributeValue`] for a struct encoded as an A-XDR structure of its fields, in
/// order, each field itself an [`AttributeValue`].
macro_rules! structure_value {
    ($name:ident, $expected:expr, [$($field:ident),+ $(,)?]) => {
        impl $crate::cosem::AttributeValue for $name {
            fn from_data(data: &$crate::Data) -> Result<Self, $crate::cosem::TypeMismatch> {
                let [$($field),+] = $crate::cosem::value::fields(data, $expected)?;
                Ok($name { $($field: $crate::cosem::AttributeValue::from_data($field)?),+ })
            }
            fn to_data(&self) -> $crate::Data {
                $crate::Data::Structure(alloc::vec![$($crate::cosem::AttributeValue::to_data(&self.$field)),+])
            }
        }
        impl $crate::cosem::ArrayElement for $name {}
    };
}
pub(crate) use structure_value;
