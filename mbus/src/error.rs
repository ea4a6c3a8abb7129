//! The error type shared by every parser and encoder of the crate.

/// Everything that can be wrong with M-Bus bytes.
///
/// Each variant carries the byte offset (from the start of the slice given to the failing call)
/// and what was expected or found. "More input needed" is never an error: the streaming entry
/// points report it as [`Status::Partial`](crate::Status::Partial).
///
/// ```
/// use mbus::{Error, Frame};
/// assert!(matches!(Frame::parse(&[0x42]), Err(Error::BadStart { offset: 0, found: 0x42 })));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The first byte is not one of the frame starts `E5`, `10` or `68`.
    #[error("offset {offset}: expected a frame start (E5, 10 or 68), found {found:#04x}")]
    BadStart {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// A long frame whose fourth byte is not the second start byte `68`.
    #[error("offset {offset}: expected the second start byte 68, found {found:#04x}")]
    BadSecondStart {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// The two length bytes of a long frame differ.
    #[error("offset {offset}: the two length bytes differ ({first} and {second})")]
    LengthMismatch {
        /// Offset of the first length byte.
        offset: usize,
        /// First length byte.
        first: u8,
        /// Second length byte.
        second: u8,
    },
    /// A long frame with L below 3 (it must hold at least C, A and CI).
    #[error("offset {offset}: length field {length} is below the minimum of 3")]
    LengthTooShort {
        /// Offset of the length byte.
        offset: usize,
        /// The length found.
        length: u8,
    },
    /// The checksum byte does not match the arithmetic sum of the checked bytes.
    #[error("offset {offset}: checksum {found:#04x}, expected {expected:#04x}")]
    Checksum {
        /// Offset of the checksum byte.
        offset: usize,
        /// The checksum computed over the frame.
        expected: u8,
        /// The checksum byte in the frame.
        found: u8,
    },
    /// The stop byte is not `16`.
    #[error("offset {offset}: expected the stop byte 16, found {found:#04x}")]
    BadStop {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// A whole-value parse found bytes after the value.
    #[error("offset {offset}: {count} trailing byte(s) after the value")]
    TrailingBytes {
        /// Offset of the first trailing byte.
        offset: usize,
        /// How many bytes follow.
        count: usize,
    },
    /// The input ends inside a value (a truncated frame or record).
    #[error("offset {offset}: input ends, {needed} more byte(s) needed for {what}")]
    Truncated {
        /// Offset where the missing bytes would start.
        offset: usize,
        /// How many bytes are missing at least.
        needed: usize,
        /// What was being read.
        what: &'static str,
    },
    /// The output buffer is too small.
    #[error("output buffer of {len} byte(s) is too small, {needed} needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        len: usize,
    },
    /// The user data of a long frame exceeds 252 bytes.
    #[error("{len} byte(s) of user data exceed the long frame maximum of 252")]
    DataTooLong {
        /// Length asked for.
        len: usize,
    },
    /// A CI field this crate does not decode in this place.
    #[error("offset {offset}: unsupported CI field {ci:#04x}")]
    UnsupportedCi {
        /// Offset of the CI byte.
        offset: usize,
        /// The CI field.
        ci: u8,
    },
    /// A BCD field holds a nibble above 9 (strict mode).
    #[error("offset {offset}: invalid BCD byte {found:#04x}")]
    InvalidBcd {
        /// Offset of the byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// More DIFEs than the configured bound.
    #[error("offset {offset}: more than {limit} DIFE bytes")]
    TooManyDife {
        /// Offset of the first DIFE above the bound.
        offset: usize,
        /// The configured bound.
        limit: usize,
    },
    /// More VIFEs than the configured bound.
    #[error("offset {offset}: more than {limit} VIFE bytes")]
    TooManyVife {
        /// Offset of the first VIFE above the bound.
        offset: usize,
        /// The configured bound.
        limit: usize,
    },
    /// The length byte of a variable-length (LVAR) field is a reserved value.
    #[error("offset {offset}: reserved LVAR length byte {found:#04x}")]
    InvalidLvar {
        /// Offset of the LVAR byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// A value that is wrong for its field (a VIF extension missing, an idle filler where a
    /// record is required, a field value outside its range).
    #[error("offset {offset}: invalid {what}")]
    Invalid {
        /// Offset of the first offending byte.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// The frame is well formed but is not what the caller asked for (for example a master
    /// request where a slave response was expected).
    #[error("offset {offset}: unexpected {found}, expected {expected}")]
    Unexpected {
        /// Offset of the first offending byte.
        offset: usize,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
}
