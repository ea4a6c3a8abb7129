//! The one error type of the codecs.

use core::fmt;

/// What limit of [`DecodeLimits`](crate::DecodeLimits) or of a reassembler was exceeded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Limit {
    /// Nesting of arrays and structures.
    Depth,
    /// Number of elements of one array, structure or compact array, or in total.
    Elements,
    /// Total size of a value, a string, or a reassembled message.
    Size,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Depth => "nesting depth",
            Limit::Elements => "element count",
            Limit::Size => "size",
        })
    }
}

/// A decoding or encoding error. Offsets count from the start of the input given to `parse`.
///
/// ```
/// use dlms::{DataRef, Error};
/// assert_eq!(DataRef::parse(&[0x06, 0x00]), Err(Error::Truncated { offset: 1, needed: 3 }));
/// assert_eq!(DataRef::parse(&[0x07]), Err(Error::UnknownTag { offset: 0, tag: 0x07 }));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ends before the value: `needed` more bytes were expected at `offset`.
    #[error("truncated at offset {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// Where the missing bytes should start.
        offset: usize,
        /// How many more bytes the value needs (at least).
        needed: usize,
    },
    /// A tag (A-XDR type, APDU tag, choice index) that is not defined.
    #[error("unknown tag 0x{tag:02X} at offset {offset}")]
    UnknownTag {
        /// Offset of the tag byte.
        offset: usize,
        /// The tag byte.
        tag: u8,
    },
    /// A length field that is malformed (a reserved long form, or one that does not fit).
    #[error("invalid length at offset {offset}")]
    InvalidLength {
        /// Offset of the length field.
        offset: usize,
    },
    /// A field whose value is not allowed here.
    #[error("invalid {what} at offset {offset}")]
    InvalidValue {
        /// Offset of the field.
        offset: usize,
        /// Which field.
        what: &'static str,
    },
    /// Bytes left after a complete value given to `parse`.
    #[error("{count} trailing byte(s) at offset {offset}")]
    TrailingBytes {
        /// Offset of the first unused byte.
        offset: usize,
        /// How many bytes are left.
        count: usize,
    },
    /// A decoding limit was reached.
    #[error("{limit} limit exceeded at offset {offset}")]
    LimitExceeded {
        /// Where the limit was hit.
        offset: usize,
        /// Which limit.
        limit: Limit,
    },
    /// The output buffer given to `emit` is too small.
    #[error("output buffer too small: {needed} byte(s) needed")]
    BufferTooSmall {
        /// The size needed.
        needed: usize,
    },
    /// A value cannot be encoded (for example a length above `u32::MAX`, or a compact array
    /// whose elements do not match its type description).
    #[error("value cannot be encoded: {what}")]
    Unencodable {
        /// What is wrong.
        what: &'static str,
    },
}
