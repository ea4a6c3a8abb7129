//! The IEC 62056-47 wrapper (DLMS/COSEM over TCP or UDP without HDLC).
//!
//! Every APDU is preceded by an 8-byte header of four big-endian 16-bit fields:
//!
//! ```text
//! | version (0x0001) | source wPort | destination wPort | length of the APDU |
//! ```
//!
//! The client's wPort is its SAP (16 for the public client), the server's is its logical
//! device (1 for the management logical device).
//!
//! ```
//! use e450::wrapper::{WrapperHeader, parse_frame};
//! use hdlc::Status;
//!
//! // A GET request for the clock from the public client (16) to logical device 1.
//! let bytes = [0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x03, 0xC0, 0x01, 0xC1];
//! let Status::Complete((used, frame)) = parse_frame(&bytes)? else { unreachable!() };
//! assert_eq!(used, 11);
//! assert_eq!(frame.header, WrapperHeader::new(16, 1, 3));
//! assert_eq!(frame.apdu, &[0xC0, 0x01, 0xC1]);
//!
//! let mut out = [0u8; 8];
//! assert_eq!(WrapperHeader::new(16, 1, 3).emit(&mut out)?, 8);
//! assert_eq!(out, bytes[..8]);
//! # Ok::<(), e450::wrapper::WrapperError>(())
//! ```

use hdlc::Status;

/// The only wrapper version defined.
pub const VERSION: u16 = 0x0001;

/// Bytes in a wrapper header.
pub const HEADER_LEN: usize = 8;

/// Why wrapper bytes are not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WrapperError {
    /// The version field is not 0x0001.
    #[error("wrapper version 0x{found:04X} at offset {offset}, expected 0x0001")]
    Version {
        /// Offset of the version field.
        offset: usize,
        /// The version found.
        found: u16,
    },
    /// A whole value was asked for and the input is shorter.
    #[error("wrapper truncated at offset {offset}: {needed} more bytes needed")]
    Truncated {
        /// Where the input ends.
        offset: usize,
        /// How many bytes are missing.
        needed: usize,
    },
    /// Bytes after the one frame asked for.
    #[error("{count} trailing bytes after the wrapper frame at offset {offset}")]
    TrailingBytes {
        /// Where the trailing bytes start.
        offset: usize,
        /// How many there are.
        count: usize,
    },
    /// The output buffer is too small.
    #[error("output buffer of {available} bytes, {needed} needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// An APDU longer than the 16-bit length field can describe.
    #[error("APDU of {len} bytes does not fit the 16-bit wrapper length")]
    TooLong {
        /// The APDU length.
        len: usize,
    },
}

/// The 8-byte wrapper header.
///
/// ```
/// use e450::wrapper::WrapperHeader;
/// let h = WrapperHeader::parse(&[0, 1, 0, 1, 0, 0x10, 0, 0x2A])?;
/// assert_eq!((h.source, h.destination, h.length), (1, 16, 42));
/// # Ok::<(), e450::wrapper::WrapperError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WrapperHeader {
    /// The version (always [`VERSION`] once parsed).
    pub version: u16,
    /// The sender's wPort.
    pub source: u16,
    /// The receiver's wPort.
    pub destination: u16,
    /// Length of the APDU that follows.
    pub length: u16,
}

impl WrapperHeader {
    /// A version-1 header.
    #[must_use]
    pub const fn new(source: u16, destination: u16, length: u16) -> Self {
        WrapperHeader {
            version: VERSION,
            source,
            destination,
            length,
        }
    }

    /// Reads a header from the start of `bytes`; `Partial` when fewer than 8 bytes are there.
    ///
    /// # Errors
    /// [`WrapperError::Version`] when the version is not 1.
    pub fn read(bytes: &[u8]) -> Result<Status<Self>, WrapperError> {
        let Some(h) = bytes.first_chunk::<HEADER_LEN>() else {
            return Ok(Status::Partial {
                needed: HEADER_LEN.saturating_sub(bytes.len()),
            });
        };
        let [v0, v1, s0, s1, d0, d1, l0, l1] = *h;
        let version = u16::from_be_bytes([v0, v1]);
        if version != VERSION {
            return Err(WrapperError::Version {
                offset: 0,
                found: version,
            });
        }
        Ok(Status::Complete(WrapperHeader {
            version,
            source: u16::from_be_bytes([s0, s1]),
            destination: u16::from_be_bytes([d0, d1]),
            length: u16::from_be_bytes([l0, l1]),
        }))
    }

    /// Parses exactly 8 bytes.
    ///
    /// # Errors
    /// [`WrapperError::Truncated`], [`WrapperError::TrailingBytes`], [`WrapperError::Version`].
    pub fn parse(bytes: &[u8]) -> Result<Self, WrapperError> {
        match Self::read(bytes)? {
            Status::Partial { needed } => Err(WrapperError::Truncated {
                offset: bytes.len(),
                needed,
            }),
            Status::Complete(h) if bytes.len() == HEADER_LEN => Ok(h),
            Status::Complete(_) => Err(WrapperError::TrailingBytes {
                offset: HEADER_LEN,
                count: bytes.len().saturating_sub(HEADER_LEN),
            }),
        }
    }

    /// Always [`HEADER_LEN`].
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the 8 bytes.
    ///
    /// # Errors
    /// [`WrapperError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WrapperError> {
        let available = buf.len();
        let out = buf
            .first_chunk_mut::<HEADER_LEN>()
            .ok_or(WrapperError::BufferTooSmall {
                needed: HEADER_LEN,
                available,
            })?;
        let [v, s, d, l] =
            [self.version, self.source, self.destination, self.length].map(u16::to_be_bytes);
        *out = [v[0], v[1], s[0], s[1], d[0], d[1], l[0], l[1]];
        Ok(HEADER_LEN)
    }
}

/// One wrapper frame: the header and the APDU it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrapperFrame<'a> {
    /// The header.
    pub header: WrapperHeader,
    /// The APDU (exactly `header.length` bytes).
    pub apdu: &'a [u8],
}

impl<'a> WrapperFrame<'a> {
    /// A frame for `apdu`.
    ///
    /// # Errors
    /// [`WrapperError::TooLong`] above 65535 bytes.
    pub fn new(source: u16, destination: u16, apdu: &'a [u8]) -> Result<Self, WrapperError> {
        let length =
            u16::try_from(apdu.len()).map_err(|_| WrapperError::TooLong { len: apdu.len() })?;
        Ok(WrapperFrame {
            header: WrapperHeader::new(source, destination, length),
            apdu,
        })
    }

    /// Parses exactly one whole frame.
    ///
    /// # Errors
    /// As [`WrapperHeader::parse`]; [`WrapperError::Truncated`] for a short APDU.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WrapperError> {
        match parse_frame(bytes)? {
            Status::Partial { needed } => Err(WrapperError::Truncated {
                offset: bytes.len(),
                needed,
            }),
            Status::Complete((used, f)) if used == bytes.len() => Ok(f),
            Status::Complete((used, _)) => Err(WrapperError::TrailingBytes {
                offset: used,
                count: bytes.len().saturating_sub(used),
            }),
        }
    }

    /// Header plus APDU length.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN.saturating_add(self.apdu.len())
    }

    /// Writes the frame.
    ///
    /// # Errors
    /// [`WrapperError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WrapperError> {
        let needed = self.buffer_len();
        let available = buf.len();
        let (head, rest) = buf
            .split_at_mut_checked(HEADER_LEN)
            .ok_or(WrapperError::BufferTooSmall { needed, available })?;
        let body = rest
            .get_mut(..self.apdu.len())
            .ok_or(WrapperError::BufferTooSmall { needed, available })?;
        self.header.emit(head)?;
        body.copy_from_slice(self.apdu);
        Ok(needed)
    }

    /// Appends the frame to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut head = [0u8; HEADER_LEN];
        // An 8-byte buffer always holds the header.
        let _ = self.header.emit(&mut head);
        out.extend_from_slice(&head);
        out.extend_from_slice(self.apdu);
    }
}

/// Stateless streaming: the frame at the start of `bytes` and how many bytes it took, or
/// `Partial` when more bytes are needed.
///
/// # Errors
/// [`WrapperError::Version`] when the bytes cannot start a frame.
pub fn parse_frame(bytes: &[u8]) -> Result<Status<(usize, WrapperFrame<'_>)>, WrapperError> {
    let header = match WrapperHeader::read(bytes)? {
        Status::Complete(h) => h,
        Status::Partial { needed } => return Ok(Status::Partial { needed }),
    };
    let total = HEADER_LEN.saturating_add(usize::from(header.length));
    match bytes.get(HEADER_LEN..total) {
        Some(apdu) => Ok(Status::Complete((total, WrapperFrame { header, apdu }))),
        None => Ok(Status::Partial {
            needed: total.saturating_sub(bytes.len()),
        }),
    }
}

/// A stream decoder: bytes in, in any chunking, whole frames out.
///
/// A version error cannot be resynchronised on a byte stream: the decoder reports it once and
/// drops what it has buffered.
///
/// ```
/// use e450::wrapper::WrapperDecoder;
/// let mut d = WrapperDecoder::new();
/// d.feed(&[0, 1, 0, 1, 0]);
/// assert_eq!(d.next_frame(), None);
/// d.feed(&[0x10, 0, 2, 0xC4, 0x01, 0, 1]);
/// let (header, apdu) = d.next_frame().unwrap().unwrap();
/// assert_eq!((header.source, apdu), (1, vec![0xC4, 0x01]));
/// assert_eq!(d.buffered(), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct WrapperDecoder {
    buf: Vec<u8>,
}

impl WrapperDecoder {
    /// An empty decoder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes waiting for the rest of their frame.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Forgets buffered bytes.
    pub fn reset(&mut self) {
        self.buf.clear();
    }

    /// The next whole frame, `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<(WrapperHeader, Vec<u8>), WrapperError>> {
        match parse_frame(&self.buf) {
            Ok(Status::Partial { .. }) => None,
            Ok(Status::Complete((used, frame))) => {
                let out = (frame.header, frame.apdu.to_vec());
                self.buf.drain(..used);
                Some(Ok(out))
            }
            Err(e) => {
                self.buf.clear();
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    /// A GET-response from logical device 1 to the public client: `C4 01 C1 00 12 00 2A`.
    const RESPONSE: [u8; 15] = [
        0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x00, 0x07, 0xC4, 0x01, 0xC1, 0x00, 0x12, 0x00, 0x2A,
    ];

    #[test]
    fn deconstruct() {
        let f = WrapperFrame::parse(&RESPONSE).unwrap();
        assert_eq!(f.header.version, 1);
        assert_eq!(f.header.source, 1);
        assert_eq!(f.header.destination, 16);
        assert_eq!(f.header.length, 7);
        assert_eq!(f.apdu, &RESPONSE[8..]);
    }

    #[test]
    fn construct() {
        let f = WrapperFrame::new(1, 16, &RESPONSE[8..]).unwrap();
        let mut buf = [0u8; 15];
        assert_eq!(f.emit(&mut buf).unwrap(), 15);
        assert_eq!(buf, RESPONSE);
        let mut v = Vec::new();
        f.encode(&mut v);
        assert_eq!(v, RESPONSE);
        assert_eq!(
            f.emit(&mut [0u8; 14]),
            Err(WrapperError::BufferTooSmall {
                needed: 15,
                available: 14
            })
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            WrapperFrame::parse(&RESPONSE[..10]),
            Err(WrapperError::Truncated {
                offset: 10,
                needed: 5
            })
        );
        let mut long = RESPONSE.to_vec();
        long.push(0);
        assert_eq!(
            WrapperFrame::parse(&long),
            Err(WrapperError::TrailingBytes {
                offset: 15,
                count: 1
            })
        );
        let mut bad = RESPONSE;
        bad[1] = 2;
        assert_eq!(
            WrapperFrame::parse(&bad),
            Err(WrapperError::Version {
                offset: 0,
                found: 2
            })
        );
        assert_eq!(
            parse_frame(&RESPONSE[..3]),
            Ok(Status::Partial { needed: 5 })
        );
        assert_eq!(
            WrapperFrame::new(1, 1, &vec![0; 70_000]),
            Err(WrapperError::TooLong { len: 70_000 })
        );
    }

    #[test]
    fn decoder_any_chunking() {
        let stream: Vec<u8> = RESPONSE.iter().chain(RESPONSE.iter()).copied().collect();
        for chunk in 1..stream.len() {
            let mut d = WrapperDecoder::new();
            let mut n = 0;
            for c in stream.chunks(chunk) {
                d.feed(c);
                while let Some(f) = d.next_frame() {
                    let (h, apdu) = f.unwrap();
                    assert_eq!((h.source, apdu.as_slice()), (1, &RESPONSE[8..]));
                    n += 1;
                }
            }
            assert_eq!(n, 2);
            assert_eq!(d.buffered(), 0);
        }
    }

    proptest! {
        #[test]
        fn round_trip(source: u16, destination: u16, apdu in proptest::collection::vec(any::<u8>(), 0..300)) {
            let f = WrapperFrame::new(source, destination, &apdu).unwrap();
            let mut v = Vec::new();
            f.encode(&mut v);
            prop_assert_eq!(WrapperFrame::parse(&v).unwrap(), f);
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_frame(&bytes);
            let _ = WrapperFrame::parse(&bytes);
            let _ = WrapperHeader::parse(&bytes);
            let mut d = WrapperDecoder::new();
            d.feed(&bytes);
            while d.next_frame().is_some() {}
        }
    }
}
