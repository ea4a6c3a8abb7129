//! The error type shared by every part of the crate.

/// What went wrong while parsing or emitting HDLC bytes, and where.
///
/// Offsets count from the first byte of the slice given to the parser (for frames: the opening
/// flag). "Need more input" is never an error: see [`Status::Partial`](crate::Status::Partial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A frame must start with the flag `0x7E`.
    #[error("expected the flag 0x7E at offset {offset}, found {found:#04x}")]
    BadFlag {
        /// Offset of the byte.
        offset: usize,
        /// The byte found instead.
        found: u8,
    },
    /// The closing flag is not where the length in the format field puts it.
    #[error("expected the closing flag 0x7E at offset {offset}, found {found:#04x}")]
    MissingClosingFlag {
        /// Offset where the closing flag should be.
        offset: usize,
        /// The byte found instead.
        found: u8,
    },
    /// The format field does not announce frame format type 3 (top nibble `0xA`).
    #[error("expected frame format type 3 (0xA.) at offset {offset}, found {found:#04x}")]
    BadFormat {
        /// Offset of the first format byte.
        offset: usize,
        /// The first format byte found.
        found: u8,
    },
    /// The length in the format field is too small to hold the fields it must contain.
    #[error("frame length {length} at offset {offset} is too short (at least {minimum})")]
    FrameTooShort {
        /// Offset of the format field.
        offset: usize,
        /// The length announced by the format field.
        length: usize,
        /// The smallest length the addresses and control field allow.
        minimum: usize,
    },
    /// The frame is longer than the decoder accepts.
    #[error("frame length {length} at offset {offset} exceeds the limit of {limit} bytes")]
    FrameTooLong {
        /// Offset of the format field.
        offset: usize,
        /// The length announced by the format field.
        length: usize,
        /// The configured limit.
        limit: usize,
    },
    /// An address did not end (extension bit 1) within four bytes.
    #[error("address at offset {offset} does not end within 4 bytes")]
    AddressTooLong {
        /// Offset of the first address byte.
        offset: usize,
    },
    /// An address of 3 bytes: only 1, 2 and 4-byte addresses exist.
    #[error("address at offset {offset} is {len} bytes long (1, 2 or 4 expected)")]
    BadAddressLength {
        /// Offset of the first address byte.
        offset: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// An address value does not fit the chosen encoding.
    #[error("address value {value} does not fit in {bits} bits")]
    AddressOutOfRange {
        /// The value.
        value: u16,
        /// The bits available in this form.
        bits: u8,
    },
    /// The header check sequence does not match the header.
    #[error("header check sequence mismatch: frame says {expected:#06x}, computed {computed:#06x}")]
    HeaderCheck {
        /// The HCS carried by the frame.
        expected: u16,
        /// The HCS computed over the header.
        computed: u16,
    },
    /// The frame check sequence does not match the frame.
    #[error("frame check sequence mismatch: frame says {expected:#06x}, computed {computed:#06x}")]
    FrameCheck {
        /// The FCS carried by the frame.
        expected: u16,
        /// The FCS computed over the frame.
        computed: u16,
    },
    /// The input holds a different number of bytes than the value needs.
    #[error("length mismatch: {expected} bytes expected, {actual} found")]
    LengthMismatch {
        /// The length the value needs.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// The input ends before the value does (for whole-value parsers such as `parse`).
    #[error("input ends at offset {offset}, {needed} more bytes needed")]
    Truncated {
        /// Offset where the input ends.
        offset: usize,
        /// How many more bytes the value needs at least.
        needed: usize,
    },
    /// The output buffer is too small.
    #[error("buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The information field is longer than the 11-bit length allows.
    #[error("information field of {len} bytes exceeds the maximum of {max}")]
    InfoTooLong {
        /// Its length.
        len: usize,
        /// The largest information field this frame can carry.
        max: usize,
    },
    /// The SNRM/UA parameter field is malformed.
    #[error("bad parameter field at offset {offset}: {what}")]
    BadParameters {
        /// Offset inside the information field.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A segmented message exceeds the reassembly limit.
    #[error("segmented message of at least {len} bytes exceeds the limit of {limit}")]
    ReassemblyOverflow {
        /// Bytes collected so far, including the segment that overflowed.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The link is not in a state that allows the call (for example `send` before the link is
    /// connected).
    #[error("invalid link state: {what}")]
    InvalidState {
        /// What the call needed.
        what: &'static str,
    },
}
