//! DLMS over M-Bus: DLMS APDUs carried in M-Bus long frames (the transport of IEC 62056-7-6 /
//! the customer interfaces built on it).
//!
//! Each frame's CI field is a segment code `0x00..=0x1F`: bits 3..0 count the segments,
//! bit 4 marks the last one. Two bytes follow, the source and destination transport service
//! access points (STSAP, DTSAP), then a piece of the APDU. [`Reassembler`] joins the pieces.

use crate::{Address, Ci, Control, Error, Frame};

/// One DLMS segment carried by a long frame.
///
/// ```
/// use mbus::{dlms::DlmsSegment, Frame};
/// let bytes = [0x68, 0x07, 0x07, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x67, 0xAA, 0xBB, 0x2F, 0x16];
/// let seg = DlmsSegment::from_frame(&Frame::parse(&bytes).unwrap()).unwrap();
/// assert!(seg.last && seg.sequence == 0);
/// assert_eq!((seg.stsap, seg.dtsap, seg.payload), (1, 0x67, &[0xAA, 0xBB][..]));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DlmsSegment<'a> {
    /// Segment counter (CI bits 3..0).
    pub sequence: u8,
    /// Last segment of the APDU (CI bit 4).
    pub last: bool,
    /// Source transport service access point.
    pub stsap: u8,
    /// Destination transport service access point.
    pub dtsap: u8,
    /// The piece of the APDU.
    pub payload: &'a [u8],
}

impl<'a> DlmsSegment<'a> {
    /// The segment in a long frame (either direction).
    pub fn from_frame(frame: &Frame<'a>) -> Result<DlmsSegment<'a>, Error> {
        match *frame {
            Frame::Long { ci, data, .. } => Self::parse(ci, data),
            _ => Err(Error::Unexpected {
                offset: 0,
                expected: "a long frame",
                found: "another frame type",
            }),
        }
    }

    /// The segment from a CI field and the user data after it.
    pub fn parse(ci: Ci, data: &'a [u8]) -> Result<DlmsSegment<'a>, Error> {
        if !ci.is_dlms_segment() {
            return Err(Error::UnsupportedCi {
                offset: 6,
                ci: ci.0,
            });
        }
        let Some((&[stsap, dtsap], payload)) = data.split_first_chunk::<2>() else {
            return Err(Error::Truncated {
                offset: 7usize.saturating_add(data.len()),
                needed: 2usize.saturating_sub(data.len()),
                what: "STSAP and DTSAP",
            });
        };
        Ok(DlmsSegment {
            sequence: ci.0 & 0x0F,
            last: ci.0 & 0x10 != 0,
            stsap,
            dtsap,
            payload,
        })
    }

    /// The CI field of this segment.
    pub const fn ci(&self) -> Ci {
        Ci((self.sequence & 0x0F) | if self.last { 0x10 } else { 0 })
    }

    /// Writes the segment as a long frame; `out` gets `payload.len() + 11` bytes.
    pub fn emit(&self, control: Control, address: Address, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.payload.len().saturating_add(2);
        if len > crate::MAX_DATA_LEN {
            return Err(Error::DataTooLong { len });
        }
        let mut data = [0u8; crate::MAX_DATA_LEN];
        let body = data.get_mut(..len).unwrap_or_default();
        if let Some((head, rest)) = body.split_first_chunk_mut::<2>() {
            *head = [self.stsap, self.dtsap];
            rest.copy_from_slice(self.payload);
        }
        Frame::Long {
            control,
            address,
            ci: self.ci(),
            data: body,
        }
        .emit(out)
    }
}

/// Joins DLMS segments into the APDU, in a fixed buffer of `N` bytes (no allocation).
///
/// Segments must arrive in order (sequence numbers counting modulo 16) and agree on STSAP and
/// DTSAP; a segment with sequence 0 starts a new APDU. An error leaves the reassembler empty.
///
/// ```
/// use mbus::dlms::{DlmsSegment, Reassembler};
/// let mut r = Reassembler::<64>::new();
/// let a = DlmsSegment { sequence: 0, last: false, stsap: 1, dtsap: 0x67, payload: &[1, 2] };
/// let b = DlmsSegment { sequence: 1, last: true, stsap: 1, dtsap: 0x67, payload: &[3] };
/// assert_eq!(r.push(&a).unwrap(), None);
/// assert_eq!(r.push(&b).unwrap(), Some(&[1, 2, 3][..]));
/// ```
#[derive(Clone, Debug)]
pub struct Reassembler<const N: usize> {
    buf: [u8; N],
    len: usize,
    next: u8,
    saps: Option<(u8, u8)>,
    complete: bool,
}

impl<const N: usize> Default for Reassembler<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Reassembler<N> {
    /// An empty reassembler.
    pub const fn new() -> Self {
        Reassembler {
            buf: [0; N],
            len: 0,
            next: 0,
            saps: None,
            complete: false,
        }
    }

    /// Forgets a partial APDU.
    pub fn reset(&mut self) {
        self.len = 0;
        self.next = 0;
        self.saps = None;
        self.complete = false;
    }

    /// Adds a segment; returns the APDU when this was the last one.
    pub fn push(&mut self, seg: &DlmsSegment<'_>) -> Result<Option<&[u8]>, Error> {
        if self.complete || seg.sequence == 0 {
            self.reset();
        }
        if seg.sequence != self.next {
            self.reset();
            return Err(Error::Unexpected {
                offset: 6,
                expected: "the next DLMS segment",
                found: "a segment out of sequence",
            });
        }
        if let Some(saps) = self.saps
            && saps != (seg.stsap, seg.dtsap)
        {
            self.reset();
            return Err(Error::Unexpected {
                offset: 7,
                expected: "the STSAP/DTSAP of the first segment",
                found: "other access points",
            });
        }
        self.saps = Some((seg.stsap, seg.dtsap));
        let end = self.len.saturating_add(seg.payload.len());
        let Some(dst) = self.buf.get_mut(self.len..end) else {
            self.reset();
            return Err(Error::BufferTooSmall {
                needed: end,
                len: N,
            });
        };
        dst.copy_from_slice(seg.payload);
        self.len = end;
        self.next = (self.next.wrapping_add(1)) & 0x0F;
        if seg.last {
            self.complete = true;
            Ok(self.buf.get(..self.len))
        } else {
            Ok(None)
        }
    }

    /// STSAP and DTSAP of the APDU being assembled.
    pub fn saps(&self) -> Option<(u8, u8)> {
        self.saps
    }
}
