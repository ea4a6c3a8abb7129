//! Checked cursor over input bytes and the A-XDR length form.

use crate::Error;

/// A checked cursor over a byte slice; every read reports the absolute offset on error.
///
/// ```
/// use dlms::Reader;
/// let mut r = Reader::new(&[0x82, 0x01, 0x03, 0xAA]);
/// assert_eq!(r.length().unwrap(), 0x0103);
/// assert_eq!(r.u8().unwrap(), 0xAA);
/// assert!(r.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    #[inline]
    pub const fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// A reader whose reported offsets start at `base` (for a slice cut out of a larger input).
    #[inline]
    pub const fn with_base(data: &'a [u8], base: usize) -> Self {
        Reader { data, pos: 0, base }
    }

    /// The absolute offset of the next byte.
    #[inline]
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// The bytes not yet read.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// Number of bytes not yet read.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// Whether every byte was read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Fails with [`Error::TrailingBytes`] unless every byte was read.
    #[inline]
    pub fn finish(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes {
                offset: self.offset(),
                count: self.remaining(),
            })
        }
    }

    /// The next byte without consuming it.
    #[inline]
    pub fn peek(&self) -> Result<u8, Error> {
        self.data.get(self.pos).copied().ok_or(Error::Truncated {
            offset: self.offset(),
            needed: 1,
        })
    }

    /// Consumes `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let rest = self.rest();
        match rest.get(..n) {
            Some(s) => {
                self.pos = self.pos.saturating_add(n);
                Ok(s)
            }
            None => Err(Error::Truncated {
                offset: self.offset(),
                needed: n.saturating_sub(rest.len()),
            }),
        }
    }

    /// Consumes every remaining byte.
    #[inline]
    pub fn take_rest(&mut self) -> &'a [u8] {
        let r = self.rest();
        self.pos = self.data.len();
        r
    }

    /// Consumes `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, Error> {
        let b = self.peek()?;
        self.pos = self.pos.saturating_add(1);
        Ok(b)
    }

    /// Big-endian u16.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Big-endian u32.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Big-endian u64.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An A-XDR length: one byte below 0x80, or `0x81`..`0x84` followed by 1 to 4 bytes.
    #[inline]
    pub fn length(&mut self) -> Result<usize, Error> {
        let offset = self.offset();
        let first = self.u8()?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return Err(Error::InvalidLength { offset });
        }
        let bytes = self.take(n)?;
        let v = bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        usize::try_from(v).map_err(|_| Error::InvalidLength { offset })
    }

    /// An A-XDR length followed by that many bytes.
    #[inline]
    pub fn length_prefixed(&mut self) -> Result<&'a [u8], Error> {
        let n = self.length()?;
        self.take(n)
    }
}

/// The number of bytes [`write_length`] uses for `len`: 1, 2, 3 or 5.
#[inline]
pub(crate) const fn length_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else if len <= 0xFF {
        2
    } else if len <= 0xFFFF {
        3
    } else {
        5
    }
}

/// A bounded writer over an output buffer (for `emit`).
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), Error> {
        let end = self
            .pos
            .checked_add(b.len())
            .ok_or(Error::BufferTooSmall { needed: usize::MAX })?;
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.pos = end;
                Ok(())
            }
            None => Err(Error::BufferTooSmall { needed: end }),
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self, b: u8) -> Result<(), Error> {
        self.bytes(&[b])
    }

    pub(crate) fn length(&mut self, len: usize) -> Result<(), Error> {
        let mut tmp = [0u8; 5];
        let n = put_length(&mut tmp, len)?;
        self.bytes(tmp.get(..n).unwrap_or(&[]))
    }
}

/// Writes an A-XDR length into `tmp`, returns the number of bytes.
pub(crate) fn put_length(tmp: &mut [u8; 5], len: usize) -> Result<usize, Error> {
    let v = u32::try_from(len).map_err(|_| Error::Unencodable {
        what: "length above u32::MAX",
    })?;
    let b = v.to_be_bytes();
    Ok(match length_len(len) {
        1 => {
            tmp[0] = b[3];
            1
        }
        2 => {
            *tmp = [0x81, b[3], 0, 0, 0];
            2
        }
        3 => {
            *tmp = [0x82, b[2], b[3], 0, 0];
            3
        }
        _ => {
            *tmp = [0x84, b[0], b[1], b[2], b[3]];
            5
        }
    })
}

/// Appends an A-XDR length to a vector.
#[cfg(feature = "alloc")]
pub(crate) fn push_length(out: &mut alloc::vec::Vec<u8>, len: usize) -> Result<(), Error> {
    let mut tmp = [0u8; 5];
    let n = put_length(&mut tmp, len)?;
    out.extend_from_slice(tmp.get(..n).unwrap_or(&[]));
    Ok(())
}
