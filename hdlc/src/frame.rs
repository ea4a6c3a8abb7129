//! Frame format type 3: parse, emit and the stateless streaming parser.

use crate::crc::{running, value};
use crate::{Address, Control, Error};

/// The flag that opens and closes every frame.
pub const FLAG: u8 = 0x7E;

/// The largest value of the 11-bit length in the format field.
pub const MAX_FRAME_LENGTH: usize = 0x7FF;

/// Bytes of the smallest possible frame between its flags: format (2), 1-byte destination,
/// 1-byte source, control, FCS (2).
pub const MIN_FRAME_LENGTH: usize = 7;

const FORMAT_TYPE_3: u8 = 0xA0;
const SEGMENTATION_BIT: u8 = 0x08;

/// The result of a streaming parser: a complete value, or how many more bytes it needs.
///
/// `Partial` means that no invalid byte has been seen yet; it is never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole value.
    Complete(T),
    /// The input ends early; at least `needed` more bytes are required.
    Partial {
        /// The least number of further bytes that can complete the value.
        needed: usize,
    },
}

impl<T> Status<T> {
    /// The complete value, if any.
    #[must_use]
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial { .. } => None,
        }
    }

    /// Whether the value is complete.
    #[must_use]
    pub const fn is_complete(&self) -> bool {
        matches!(self, Status::Complete(_))
    }
}

/// One HDLC frame (frame format type 3) with a borrowed information field.
///
/// On the wire: `7E | format (2) | destination (1, 2 or 4) | source (1, 2 or 4) | control |
/// [HCS (2) | information] | FCS (2) | 7E`. The format field holds the type (0xA), the
/// segmentation bit and the 11-bit length of everything between the flags. The HCS is only
/// present when there is an information field. HCS and FCS are CRC-16/X.25, least significant
/// byte first.
///
/// ```
/// use hdlc::{Address, Control, Frame};
///
/// // An SNRM from the public client (SAP 16) to server logical 1 / physical 17.
/// let bytes = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
/// let frame = Frame::parse(&bytes)?;
/// assert_eq!(frame.dest, Address::server(1, 17)?);
/// assert_eq!(frame.src, Address::PUBLIC_CLIENT);
/// assert_eq!(frame.control, Control::Snrm { pf: true });
/// assert!(frame.info.is_empty());
///
/// let mut out = [0u8; 16];
/// let n = frame.emit(&mut out)?;
/// assert_eq!(&out[..n], &bytes);
/// # Ok::<(), hdlc::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame<'a> {
    /// The segmentation bit: more segments of the same information follow.
    pub segmented: bool,
    /// Destination address.
    pub dest: Address,
    /// Source address.
    pub src: Address,
    /// Control field.
    pub control: Control,
    /// Information field (empty when the frame has none).
    pub info: &'a [u8],
}

impl<'a> Frame<'a> {
    /// A frame with the segmentation bit clear.
    #[must_use]
    pub const fn new(dest: Address, src: Address, control: Control, info: &'a [u8]) -> Self {
        Frame {
            segmented: false,
            dest,
            src,
            control,
            info,
        }
    }

    /// Bytes of the header: format, addresses and control field.
    #[must_use]
    pub const fn header_len(&self) -> usize {
        // At most 2 + 4 + 4 + 1.
        3usize
            .wrapping_add(self.dest.buffer_len())
            .wrapping_add(self.src.buffer_len())
    }

    /// The length carried by the format field: every byte between the flags.
    #[must_use]
    pub const fn length(&self) -> usize {
        let mut len = self.header_len().wrapping_add(2);
        if !self.info.is_empty() {
            len = len.wrapping_add(2).saturating_add(self.info.len());
        }
        len
    }

    /// The largest information field a frame with these addresses can carry.
    #[must_use]
    pub const fn max_info_len(&self) -> usize {
        MAX_FRAME_LENGTH.wrapping_sub(self.header_len().wrapping_add(4))
    }

    /// Bytes [`Frame::emit`] writes, both flags included.
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        self.length().saturating_add(2)
    }

    /// Parses exactly one frame, opening and closing flag included. Extra leading flags are
    /// accepted; anything after the closing flag is an error.
    ///
    /// # Errors
    /// Any error of [`parse_frame`]; [`Error::Truncated`] when `bytes` ends early;
    /// [`Error::LengthMismatch`] when bytes follow the closing flag, or when `bytes` ends with a
    /// flag before the length of the format field is reached (`expected` and `actual` count
    /// the whole input, flags included).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        match parse_frame(bytes)? {
            Status::Complete((consumed, frame)) => {
                let expected = consumed.saturating_add(1);
                if expected == bytes.len() {
                    Ok(frame)
                } else {
                    Err(Error::LengthMismatch {
                        expected,
                        actual: bytes.len(),
                    })
                }
            }
            // A whole frame whose format field announces more bytes than it holds.
            Status::Partial { needed } if bytes.len() >= 3 && bytes.last() == Some(&FLAG) => {
                Err(Error::LengthMismatch {
                    expected: bytes.len().saturating_add(needed),
                    actual: bytes.len(),
                })
            }
            Status::Partial { needed } => Err(Error::Truncated {
                offset: bytes.len(),
                needed,
            }),
        }
    }

    /// Writes the frame, both flags included, to the start of `buf`; returns the bytes written.
    ///
    /// # Errors
    /// [`Error::InfoTooLong`] when the frame exceeds the 11-bit length,
    /// [`Error::BufferTooSmall`] when `buf` is too short.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let max = self.max_info_len();
        if self.info.len() > max {
            return Err(Error::InfoTooLong {
                len: self.info.len(),
                max,
            });
        }
        let length = self.length();
        let total = length.wrapping_add(2);
        let available = buf.len();
        let out = buf.get_mut(..total).ok_or(Error::BufferTooSmall {
            needed: total,
            available,
        })?;
        let (open, rest) = out.split_first_mut().ok_or(Error::BufferTooSmall {
            needed: total,
            available,
        })?;
        *open = FLAG;
        let (close, body) = rest.split_last_mut().ok_or(Error::BufferTooSmall {
            needed: total,
            available,
        })?;
        *close = FLAG;
        // `body` is exactly `length` bytes: format .. FCS. The arithmetic below stays within it
        // because `length` was computed from the same parts.
        let mut w = Writer { buf: body, pos: 0 };
        let fmt = FORMAT_TYPE_3
            | if self.segmented { SEGMENTATION_BIT } else { 0 }
            | (((length >> 8) & 0x07) as u8);
        w.put(&[fmt, (length & 0xFF) as u8]);
        w.put(self.dest.emit_array().as_slice());
        w.put(self.src.emit_array().as_slice());
        w.put(&[self.control.to_byte()]);
        let mut crc = running();
        crc.update(w.written());
        if !self.info.is_empty() {
            let hcs = value(&crc).to_le_bytes();
            w.put(&hcs);
            w.put(self.info);
            crc.update(&hcs);
            crc.update(self.info);
        }
        w.put(&crc.finalize().to_le_bytes());
        Ok(total)
    }

    /// Appends the frame, both flags included, to `out`.
    ///
    /// # Errors
    /// [`Error::InfoTooLong`] when the frame exceeds the 11-bit length.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        out.resize(start.saturating_add(self.buffer_len()), 0);
        let r = self.emit(out.get_mut(start..).unwrap_or(&mut []));
        if r.is_err() {
            out.truncate(start);
        }
        r.map(|_| ())
    }

    /// An owned copy of the frame.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn to_owned_frame(&self) -> OwnedFrame {
        OwnedFrame {
            segmented: self.segmented,
            dest: self.dest,
            src: self.src,
            control: self.control,
            info: self.info.to_vec(),
        }
    }
}

/// A [`Frame`] that owns its information field.
///
/// ```
/// let bytes = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
/// let owned = hdlc::Frame::parse(&bytes)?.to_owned_frame();
/// assert_eq!(owned.as_frame().buffer_len(), bytes.len());
/// # Ok::<(), hdlc::Error>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedFrame {
    /// The segmentation bit.
    pub segmented: bool,
    /// Destination address.
    pub dest: Address,
    /// Source address.
    pub src: Address,
    /// Control field.
    pub control: Control,
    /// Information field.
    pub info: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl OwnedFrame {
    /// A borrowed view.
    #[must_use]
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            segmented: self.segmented,
            dest: self.dest,
            src: self.src,
            control: self.control,
            info: &self.info,
        }
    }
}

struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    fn written(&self) -> &[u8] {
        self.buf.get(..self.pos).unwrap_or(&[])
    }
}

fn le16(buf: &[u8], at: usize) -> u16 {
    match buf.get(at..at.saturating_add(2)) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    }
}

/// Parses one frame at the start of `buf` without keeping any state.
///
/// `buf` must start with a flag; further flags (inter-frame fill) are skipped. On success it
/// returns the number of bytes consumed and the frame. The count **stops before the closing
/// flag**, which may also open the next frame (`7E frame 7E frame 7E`): call again on
/// `&buf[consumed..]` for the next one.
///
/// `Status::Partial { needed }` means no invalid byte has been seen yet; once the format field
/// is in, `needed` is exact.
///
/// ```
/// use hdlc::{Status, parse_frame};
///
/// let stream = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
/// assert_eq!(parse_frame(&stream[..3])?, Status::Partial { needed: 7 });
/// let Status::Complete((consumed, frame)) = parse_frame(&stream)? else { unreachable!() };
/// assert_eq!(consumed, 9);
/// assert_eq!(frame.control, hdlc::Control::Snrm { pf: true });
/// # Ok::<(), hdlc::Error>(())
/// ```
///
/// # Errors
/// [`Error::BadFlag`], [`Error::BadFormat`], [`Error::FrameTooShort`],
/// [`Error::AddressTooLong`], [`Error::BadAddressLength`], [`Error::HeaderCheck`],
/// [`Error::MissingClosingFlag`], [`Error::FrameCheck`].
pub fn parse_frame(buf: &[u8]) -> Result<Status<(usize, Frame<'_>)>, Error> {
    parse_frame_limited(buf, MAX_FRAME_LENGTH)
}

/// [`parse_frame`] with a limit on the frame length ([`Error::FrameTooLong`] above it).
pub(crate) fn parse_frame_limited(
    buf: &[u8],
    limit: usize,
) -> Result<Status<(usize, Frame<'_>)>, Error> {
    match buf.first() {
        None => {
            return Ok(Status::Partial {
                needed: MIN_FRAME_LENGTH.wrapping_add(2),
            });
        }
        Some(&FLAG) => {}
        Some(&found) => return Err(Error::BadFlag { offset: 0, found }),
    }
    let start = match buf.iter().position(|&b| b != FLAG) {
        Some(i) => i,
        None => {
            return Ok(Status::Partial {
                needed: MIN_FRAME_LENGTH.wrapping_add(1),
            });
        }
    };
    // `start` >= 1 and < buf.len().
    let body_avail = buf.get(start..).unwrap_or(&[]);
    parse_body(body_avail, start, limit)
}

/// Parses from the format field; `start` is the offset of the format field in the caller's
/// buffer (for errors and the consumed count).
pub(crate) fn parse_body(
    b: &[u8],
    start: usize,
    limit: usize,
) -> Result<Status<(usize, Frame<'_>)>, Error> {
    let (f0, f1) = match *b {
        [f0, f1, ..] => (f0, f1),
        [f0] => {
            if f0 & 0xF0 != FORMAT_TYPE_3 {
                return Err(Error::BadFormat {
                    offset: start,
                    found: f0,
                });
            }
            return Ok(Status::Partial {
                needed: MIN_FRAME_LENGTH,
            });
        }
        [] => {
            return Ok(Status::Partial {
                needed: MIN_FRAME_LENGTH.wrapping_add(1),
            });
        }
    };
    if f0 & 0xF0 != FORMAT_TYPE_3 {
        return Err(Error::BadFormat {
            offset: start,
            found: f0,
        });
    }
    let segmented = f0 & SEGMENTATION_BIT != 0;
    let length = (usize::from(f0 & 0x07) << 8) | usize::from(f1);
    if length > limit {
        return Err(Error::FrameTooLong {
            offset: start,
            length,
            limit,
        });
    }
    if length < MIN_FRAME_LENGTH {
        return Err(Error::FrameTooShort {
            offset: start,
            length,
            minimum: MIN_FRAME_LENGTH,
        });
    }
    // Bytes needed from the format field to the closing flag included.
    let want = length.wrapping_add(1);
    let partial = b.len() < want;
    let needed = want.saturating_sub(b.len());
    let abs = |i: usize| start.saturating_add(i);

    // Addresses and control: check as soon as the bytes are here.
    let Some((dest, dl)) = Address::read(b.get(2..).unwrap_or(&[]), abs(2))? else {
        return Ok(Status::Partial { needed });
    };
    let src_at = dl.wrapping_add(2);
    let Some((src, sl)) = Address::read(b.get(src_at..).unwrap_or(&[]), abs(src_at))? else {
        return Ok(Status::Partial { needed });
    };
    let ctrl_at = src_at.wrapping_add(sl);
    let header_len = ctrl_at.wrapping_add(1);
    let rest = length.saturating_sub(header_len);
    if length < header_len.wrapping_add(2) || rest == 3 {
        return Err(Error::FrameTooShort {
            offset: start,
            length,
            minimum: header_len.wrapping_add(if rest == 3 { 4 } else { 2 }),
        });
    }
    let Some(&ctrl) = b.get(ctrl_at) else {
        return Ok(Status::Partial { needed });
    };
    let has_info = rest >= 4;
    // The CRC over the header, shared by the HCS and the FCS.
    let mut crc = running();
    if has_info {
        let Some(header) = b.get(..header_len) else {
            return Ok(Status::Partial { needed });
        };
        if b.len() < header_len.wrapping_add(2) {
            return Ok(Status::Partial { needed });
        }
        crc.update(header);
        let expected = le16(b, header_len);
        let computed = value(&crc);
        if expected != computed {
            return Err(Error::HeaderCheck { expected, computed });
        }
    }
    if partial {
        return Ok(Status::Partial { needed });
    }
    match b.get(length) {
        Some(&FLAG) => {}
        Some(&found) => {
            return Err(Error::MissingClosingFlag {
                offset: abs(length),
                found,
            });
        }
        None => return Ok(Status::Partial { needed: 1 }),
    }
    let fcs_at = length.wrapping_sub(2);
    let expected = le16(b, fcs_at);
    let done = if has_info { header_len } else { 0 };
    crc.update(b.get(done..fcs_at).unwrap_or(&[]));
    let computed = crc.finalize();
    if expected != computed {
        return Err(Error::FrameCheck { expected, computed });
    }
    let info = if has_info {
        b.get(header_len.wrapping_add(2)..fcs_at).unwrap_or(&[])
    } else {
        &[]
    };
    Ok(Status::Complete((
        abs(length),
        Frame {
            segmented,
            dest,
            src,
            control: Control::from_byte(ctrl),
            info,
        },
    )))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::panic
    )]
    use super::*;

    const SNRM: [u8; 10] = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
    /// UA from the dlms-cosem tests (MIT).
    const UA: &str = "7EA01F21022373E6C781801205019A06019A070400000001080400000001CCA27E";

    fn hex(s: &str) -> alloc::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn deconstruct_snrm() {
        let f = Frame::parse(&SNRM).unwrap();
        assert!(!f.segmented);
        assert_eq!(f.dest, Address::server(1, 17).unwrap());
        assert_eq!(f.src, Address::client(16).unwrap());
        assert_eq!(f.control, Control::Snrm { pf: true });
        assert_eq!(f.info, &[] as &[u8]);
        assert_eq!(f.length(), 8);
    }

    #[test]
    fn construct_snrm() {
        let f = Frame::new(
            Address::server(1, 17).unwrap(),
            Address::PUBLIC_CLIENT,
            Control::Snrm { pf: true },
            &[],
        );
        let mut buf = [0u8; 10];
        assert_eq!(f.buffer_len(), 10);
        assert_eq!(f.emit(&mut buf).unwrap(), 10);
        assert_eq!(buf, SNRM);
        assert_eq!(
            f.emit(&mut [0u8; 9]),
            Err(Error::BufferTooSmall {
                needed: 10,
                available: 9
            })
        );
    }

    #[test]
    fn deconstruct_and_construct_ua() {
        let bytes = hex(UA);
        let f = Frame::parse(&bytes).unwrap();
        assert_eq!(f.dest, Address::PUBLIC_CLIENT);
        assert_eq!(f.src, Address::server(1, 17).unwrap());
        assert_eq!(f.control, Control::Ua { pf: true });
        assert_eq!(f.info.len(), 0x15);
        assert_eq!(&f.info[..3], &[0x81, 0x80, 0x12]);
        let mut out = [0u8; 64];
        let n = f.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &bytes[..]);
    }

    #[test]
    fn checks() {
        let mut bytes = hex(UA);
        bytes[7] ^= 1; // HCS
        assert_eq!(
            Frame::parse(&bytes),
            Err(Error::HeaderCheck {
                expected: 0xC7E6 ^ 0x0001,
                computed: 0xC7E6
            })
        );
        let mut bytes = hex(UA);
        bytes[12] ^= 1; // info
        assert!(matches!(
            Frame::parse(&bytes),
            Err(Error::FrameCheck {
                expected: 0xA2CC,
                ..
            })
        ));
        let mut bytes = SNRM;
        bytes[9] = 0;
        assert_eq!(
            Frame::parse(&bytes),
            Err(Error::MissingClosingFlag {
                offset: 9,
                found: 0
            })
        );
        let mut bytes = SNRM;
        bytes[1] = 0x80;
        assert_eq!(
            Frame::parse(&bytes),
            Err(Error::BadFormat {
                offset: 1,
                found: 0x80
            })
        );
        assert_eq!(
            Frame::parse(&SNRM[1..]),
            Err(Error::BadFlag {
                offset: 0,
                found: 0xA0
            })
        );
    }

    #[test]
    fn impossible_lengths() {
        assert_eq!(
            parse_frame(&[0x7E, 0xA0, 0x03, 0x03]),
            Err(Error::FrameTooShort {
                offset: 1,
                length: 3,
                minimum: 7
            })
        );
        // 4-byte destination: header 2+4+1+1 = 8, so length 7 cannot hold it.
        assert!(matches!(
            parse_frame(&[0x7E, 0xA0, 0x07, 0x00, 0x22, 0x54, 0xD3, 0x61, 0x93]),
            Err(Error::FrameTooShort { .. })
        ));
        assert_eq!(
            Frame::parse(&SNRM[..9]),
            Err(Error::Truncated {
                offset: 9,
                needed: 1
            })
        );
        // An SNRM published with the jDLMS tests: the format field says 11 bytes between the
        // flags, 10 are there; with a 4-byte destination, 11 cannot be right either.
        let short = [
            0x7E, 0xA0, 0x0B, 0x00, 0x22, 0x54, 0xD3, 0x61, 0x93, 0xF4, 0xE3, 0x7E,
        ];
        assert_eq!(
            Frame::parse(&short),
            Err(Error::FrameTooShort {
                offset: 1,
                length: 11,
                minimum: 12
            })
        );
        // A frame whose length byte is one too high (HCS recomputed to match).
        let info = [1u8, 2, 3, 4];
        let f = Frame::new(
            Address::PUBLIC_CLIENT,
            Address::PUBLIC_CLIENT,
            Control::Ui { pf: true },
            &info,
        );
        let mut buf = [0u8; 32];
        let n = f.emit(&mut buf).unwrap();
        buf[2] += 1;
        let hcs = crate::crc16(&buf[1..6]).to_le_bytes();
        buf[6..8].copy_from_slice(&hcs);
        assert_eq!(
            Frame::parse(&buf[..n]),
            Err(Error::LengthMismatch {
                expected: n + 1,
                actual: n
            })
        );
        let mut long = SNRM.to_vec();
        long.push(0);
        assert_eq!(
            Frame::parse(&long),
            Err(Error::LengthMismatch {
                expected: 10,
                actual: 11
            })
        );
    }

    #[test]
    fn partial_for_every_prefix() {
        let bytes = hex(UA);
        for n in 0..bytes.len() {
            match parse_frame(&bytes[..n]).unwrap() {
                Status::Partial { needed } => {
                    assert!(n + needed <= bytes.len(), "prefix {n} needs {needed}");
                    if n >= 3 {
                        assert_eq!(n + needed, bytes.len());
                    }
                }
                Status::Complete(_) => panic!("prefix {n} complete"),
            }
        }
    }

    #[test]
    fn shared_flags() {
        let mut stream = SNRM.to_vec();
        stream.extend_from_slice(&SNRM[1..]);
        stream.extend_from_slice(&SNRM);
        let mut pos = 0;
        let mut n = 0;
        while let Status::Complete((used, f)) = parse_frame(&stream[pos..]).unwrap() {
            assert_eq!(f.control, Control::Snrm { pf: true });
            pos += used;
            n += 1;
        }
        assert_eq!(n, 3);
        assert_eq!(pos, stream.len() - 1);
    }

    #[test]
    fn info_too_long() {
        let info = [0u8; 2048];
        let f = Frame::new(
            Address::PUBLIC_CLIENT,
            Address::PUBLIC_CLIENT,
            Control::Ui { pf: false },
            &info,
        );
        assert_eq!(f.max_info_len(), 2047 - 9);
        assert_eq!(
            f.emit(&mut [0u8; 4096]),
            Err(Error::InfoTooLong {
                len: 2048,
                max: 2038
            })
        );
        let f = Frame {
            info: &info[..2038],
            ..f
        };
        let mut buf = [0u8; 4096];
        let n = f.emit(&mut buf).unwrap();
        assert_eq!(n, 2049);
        assert_eq!(Frame::parse(&buf[..n]).unwrap(), f);
    }
}
