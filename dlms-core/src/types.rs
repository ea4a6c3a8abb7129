//! A-XDR type tags and decoding limits (needed with and without `alloc`).

/// An A-XDR type tag (the choice number of `Data`). Unknown tags survive as values.
///
/// ```
/// use dlms::TypeTag;
/// assert_eq!(TypeTag::DOUBLE_LONG_UNSIGNED.0, 6);
/// assert_eq!(TypeTag(6).name(), Some("double-long-unsigned"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TypeTag(pub u8);

macro_rules! type_tags {
    ($($name:ident = $v:expr, $text:expr;)*) => {
        impl TypeTag {
            $(#[doc = concat!("`", $text, "` (", stringify!($v), ").")] pub const $name: TypeTag = TypeTag($v);)*

            /// The name used by the standard, for a known tag.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

type_tags! {
    NULL_DATA = 0, "null-data";
    ARRAY = 1, "array";
    STRUCTURE = 2, "structure";
    BOOLEAN = 3, "boolean";
    BIT_STRING = 4, "bit-string";
    DOUBLE_LONG = 5, "double-long";
    DOUBLE_LONG_UNSIGNED = 6, "double-long-unsigned";
    OCTET_STRING = 9, "octet-string";
    VISIBLE_STRING = 10, "visible-string";
    UTF8_STRING = 12, "utf8-string";
    BCD = 13, "bcd";
    INTEGER = 15, "integer";
    LONG = 16, "long";
    UNSIGNED = 17, "unsigned";
    LONG_UNSIGNED = 18, "long-unsigned";
    COMPACT_ARRAY = 19, "compact-array";
    LONG64 = 20, "long64";
    LONG64_UNSIGNED = 21, "long64-unsigned";
    ENUM = 22, "enum";
    FLOAT32 = 23, "float32";
    FLOAT64 = 24, "float64";
    DATE_TIME = 25, "date-time";
    DATE = 26, "date";
    TIME = 27, "time";
    DONT_CARE = 255, "dont-care";
}

/// Limits applied while decoding [`Data`](crate::Data) (and every APDU that carries it), so
/// that hostile input cannot exhaust the stack or the memory.
///
/// ```
/// use dlms::DecodeLimits;
/// let strict = DecodeLimits { max_elements: 1_000, ..DecodeLimits::DEFAULT };
/// assert_eq!(strict.max_depth, DecodeLimits::default().max_depth);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DecodeLimits {
    /// Maximum nesting of arrays, structures and compact-array descriptions (default 16).
    pub max_depth: usize,
    /// Maximum number of values in total, nested ones included (default 1,000,000).
    pub max_elements: usize,
    /// Maximum size in bytes of one value and of any string in it (default 16 MiB).
    pub max_size: usize,
}

impl DecodeLimits {
    /// The defaults: depth 16, one million elements, 16 MiB.
    pub const DEFAULT: DecodeLimits = DecodeLimits {
        max_depth: 16,
        max_elements: 1_000_000,
        max_size: 16 << 20,
    };
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `raw × 10^scaler`, dividing for negative scalers so that `2301 × 10^-1` is exactly `230.1`.
pub(crate) fn scale(raw: f64, scaler: i8) -> f64 {
    let mut p = 1.0f64;
    for _ in 0..scaler.unsigned_abs() {
        p *= 10.0;
    }
    if scaler < 0 { raw / p } else { raw * p }
}

/// A value with its unit.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Scaled {
    /// The scaled value.
    pub value: f64,
    /// Its unit.
    pub unit: obis::Unit,
}
