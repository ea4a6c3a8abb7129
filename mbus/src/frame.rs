//! The EN 13757-2 link layer: single character, short frame, control frame and long frame.
//!
//! ```text
//! single character  E5
//! short frame       10 C A CS 16
//! control frame     68 03 03 68 C A CI CS 16
//! long frame        68 L L 68 C A CI data… CS 16      (L = 3 + data length, at most 255)
//! ```
//!
//! CS is the arithmetic sum (modulo 256) of C, A, CI and the data.

use crate::Error;

/// Result of a streaming parse: either a complete value or "give me more bytes".
///
/// `Partial` is never an error: no invalid byte was seen so far.
///
/// ```
/// use mbus::{Status, parse_frame};
/// assert_eq!(parse_frame(&[0x10, 0x40]).unwrap(), Status::Partial { needed: 3 });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status<T> {
    /// A complete value.
    Complete(T),
    /// The input is a valid prefix; at least `needed` more bytes are required.
    Partial {
        /// Minimum number of additional bytes.
        needed: usize,
    },
}

/// Start byte of a single character acknowledgement.
pub const ACK: u8 = 0xE5;
/// Start byte of a short frame.
pub const SHORT_START: u8 = 0x10;
/// Start byte (twice) of a control or long frame.
pub const LONG_START: u8 = 0x68;
/// Stop byte of short, control and long frames.
pub const STOP: u8 = 0x16;
/// Offset of the user data (after the CI field) in a long frame: `68 L L 68`, C, A and CI.
pub const LONG_DATA_OFFSET: usize = 7;
/// Largest user data (after the CI field) a long frame carries: L = 255 minus C, A and CI.
pub const MAX_DATA_LEN: usize = 252;
/// Largest frame on the wire: 4 header bytes, L = 255 and checksum and stop.
pub const MAX_FRAME_LEN: usize = 261;

/// The C (control) field.
///
/// Bit 6 (PRM) tells the direction: set in frames from the master, clear in frames from a
/// slave. In master frames bit 5 is the frame count bit FCB and bit 4 the frame count bit valid
/// FCV; in slave frames bit 5 is ACD (access demand) and bit 4 DFC (data flow control). Bits 3..0
/// are the function code. Every byte value survives a round trip.
///
/// ```
/// use mbus::Control;
/// let c = Control::req_ud2(true);
/// assert_eq!(c.0, 0x7B);
/// assert!(c.is_from_master() && c.fcb() && c.fcv());
/// assert_eq!(Control::RSP_UD.function(), mbus::Function::RspUd);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Control(pub u8);

/// The function of a C field, decoded from its direction bit and function code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Function {
    /// SND_NKE: link initialisation (master, `0x40`).
    SndNke,
    /// SND_UD: send user data (master, `0x53`/`0x73`).
    SndUd,
    /// REQ_UD1: request class 1 (alarm) data (master, `0x5A`/`0x7A`).
    ReqUd1,
    /// REQ_UD2: request class 2 user data (master, `0x5B`/`0x7B`).
    ReqUd2,
    /// RSP_UD: user data response (slave, `0x08` plus ACD/DFC).
    RspUd,
    /// Another function code; the raw code (bits 3..0) and direction are kept.
    Other {
        /// True for a master frame (PRM set).
        from_master: bool,
        /// Function code, bits 3..0.
        code: u8,
    },
}

impl Control {
    /// SND_NKE, link initialisation.
    pub const SND_NKE: Control = Control(0x40);
    /// SND_UD with FCB clear.
    pub const SND_UD: Control = Control(0x53);
    /// SND_UD with FCB set.
    pub const SND_UD_FCB: Control = Control(0x73);
    /// REQ_UD1 with FCB clear.
    pub const REQ_UD1: Control = Control(0x5A);
    /// REQ_UD2 with FCB clear.
    pub const REQ_UD2: Control = Control(0x5B);
    /// REQ_UD2 with FCB set.
    pub const REQ_UD2_FCB: Control = Control(0x7B);
    /// RSP_UD, ACD and DFC clear.
    pub const RSP_UD: Control = Control(0x08);

    const PRM: u8 = 0x40;
    const BIT5: u8 = 0x20;
    const BIT4: u8 = 0x10;

    /// REQ_UD2 with the given FCB (FCV set).
    pub const fn req_ud2(fcb: bool) -> Control {
        Control(if fcb { 0x7B } else { 0x5B })
    }

    /// REQ_UD1 with the given FCB (FCV set).
    pub const fn req_ud1(fcb: bool) -> Control {
        Control(if fcb { 0x7A } else { 0x5A })
    }

    /// SND_UD with the given FCB (FCV set).
    pub const fn snd_ud(fcb: bool) -> Control {
        Control(if fcb { 0x73 } else { 0x53 })
    }

    /// RSP_UD with the given ACD and DFC bits.
    pub const fn rsp_ud(acd: bool, dfc: bool) -> Control {
        let mut c = 0x08;
        if acd {
            c |= Self::BIT5;
        }
        if dfc {
            c |= Self::BIT4;
        }
        Control(c)
    }

    /// True for a frame sent by the master (PRM bit set).
    pub const fn is_from_master(self) -> bool {
        self.0 & Self::PRM != 0
    }

    /// Frame count bit (master frames); `false` for slave frames.
    pub const fn fcb(self) -> bool {
        self.is_from_master() && self.0 & Self::BIT5 != 0
    }

    /// Frame count bit valid (master frames); `false` for slave frames.
    pub const fn fcv(self) -> bool {
        self.is_from_master() && self.0 & Self::BIT4 != 0
    }

    /// Access demand: the slave has class 1 data (slave frames); `false` for master frames.
    pub const fn acd(self) -> bool {
        !self.is_from_master() && self.0 & Self::BIT5 != 0
    }

    /// Data flow control: the slave cannot accept more data (slave frames); `false` for
    /// master frames.
    pub const fn dfc(self) -> bool {
        !self.is_from_master() && self.0 & Self::BIT4 != 0
    }

    /// The function code, bits 3..0.
    pub const fn code(self) -> u8 {
        self.0 & 0x0F
    }

    /// The decoded function.
    pub const fn function(self) -> Function {
        let from_master = self.is_from_master();
        match (from_master, self.code()) {
            (true, 0x0) if self.0 & 0x30 == 0 => Function::SndNke,
            (true, 0x3) => Function::SndUd,
            (true, 0xA) => Function::ReqUd1,
            (true, 0xB) => Function::ReqUd2,
            (false, 0x8) => Function::RspUd,
            (from_master, code) => Function::Other { from_master, code },
        }
    }

    /// The same C field with the FCB set or cleared (master frames).
    pub const fn with_fcb(self, fcb: bool) -> Control {
        if fcb {
            Control(self.0 | Self::BIT5)
        } else {
            Control(self.0 & !Self::BIT5)
        }
    }
}

/// The A (address) field.
///
/// 1..=250 are primary addresses, 0 is the address of an unconfigured slave, 253 addresses the
/// slave selected by secondary addressing, 254 and 255 are broadcasts (254: all slaves answer,
/// 255: nobody answers). 251 and 252 are reserved.
///
/// ```
/// use mbus::Address;
/// assert!(Address(5).is_primary());
/// assert!(Address::BROADCAST_NO_REPLY.is_broadcast());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Address(pub u8);

impl Address {
    /// Address of a slave without a configured primary address.
    pub const UNCONFIGURED: Address = Address(0);
    /// The slave selected by secondary addressing (network layer).
    pub const SELECTED: Address = Address(253);
    /// Broadcast, every slave replies (use with a single slave on the bus only).
    pub const BROADCAST_REPLY: Address = Address(254);
    /// Broadcast, no slave replies.
    pub const BROADCAST_NO_REPLY: Address = Address(255);

    /// A primary address, 1..=250.
    pub const fn is_primary(self) -> bool {
        matches!(self.0, 1..=250)
    }

    /// 254 or 255.
    pub const fn is_broadcast(self) -> bool {
        self.0 >= 254
    }
}

/// The CI (control information) field: what the user data of a long frame is.
///
/// ```
/// use mbus::Ci;
/// assert_eq!(Ci::RSP_VARIABLE.0, 0x72);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Ci(pub u8);

impl Ci {
    /// Application reset (master to slave).
    pub const APPLICATION_RESET: Ci = Ci(0x50);
    /// Data send (master to slave).
    pub const DATA_SEND: Ci = Ci(0x51);
    /// Selection of a slave by its secondary address (master to slave).
    pub const SELECTION: Ci = Ci(0x52);
    /// Synchronise action (master to slave).
    pub const SYNC_ACTION: Ci = Ci(0x54);
    /// Set baud rate 300 (master to slave); 0xB9 is 600, … 0xBF is 38400.
    pub const BAUD_300: Ci = Ci(0xB8);
    /// Application error (slave to master).
    pub const APPLICATION_ERROR: Ci = Ci(0x70);
    /// Alarm status (slave to master).
    pub const ALARM: Ci = Ci(0x71);
    /// Variable data structure, 12-byte long header.
    pub const RSP_VARIABLE: Ci = Ci(0x72);
    /// Fixed data structure, mode 1 byte order (least significant byte first).
    pub const RSP_FIXED: Ci = Ci(0x73);
    /// Variable data structure, mode 2 byte order (most significant byte first).
    pub const RSP_VARIABLE_MSB: Ci = Ci(0x76);
    /// Fixed data structure, mode 2 byte order.
    pub const RSP_FIXED_MSB: Ci = Ci(0x77);
    /// Variable data structure without header.
    pub const RSP_VARIABLE_NO_HEADER: Ci = Ci(0x78);
    /// Variable data structure, 4-byte short header.
    pub const RSP_VARIABLE_SHORT: Ci = Ci(0x7A);

    /// 0x00..=0x1F: a DLMS segment (transport of DLMS APDUs over M-Bus).
    pub const fn is_dlms_segment(self) -> bool {
        self.0 <= 0x1F
    }
}

/// One M-Bus link layer frame. Long frames borrow their user data.
///
/// ```
/// use mbus::{Address, Control, Frame};
/// let frame = Frame::parse(&[0x10, 0x5B, 0x01, 0x5C, 0x16]).unwrap();
/// assert_eq!(frame, Frame::Short { control: Control::REQ_UD2, address: Address(1) });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Frame<'a> {
    /// The single character `E5` (positive acknowledgement).
    Ack,
    /// Short frame `10 C A CS 16`.
    Short {
        /// C field.
        control: Control,
        /// A field.
        address: Address,
    },
    /// Control frame: a long frame without user data (L = 3).
    Control {
        /// C field.
        control: Control,
        /// A field.
        address: Address,
        /// CI field.
        ci: Ci,
    },
    /// Long frame with user data (L > 3). A `Long` with empty data is emitted as a control
    /// frame and parses back as [`Frame::Control`].
    Long {
        /// C field.
        control: Control,
        /// A field.
        address: Address,
        /// CI field.
        ci: Ci,
        /// User data after the CI field (at most 252 bytes).
        data: &'a [u8],
    },
}

/// Arithmetic checksum modulo 256.
pub(crate) fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b))
}

/// Stateless streaming parse of one frame at the start of `buf`.
///
/// Returns the number of bytes the frame takes and the frame, or `Partial` when `buf` is a
/// valid prefix. Checksum, stop byte and length fields are verified. Bytes after the frame are
/// left alone.
///
/// ```
/// use mbus::{Frame, Status, parse_frame};
/// let bytes = [0xE5, 0x10];
/// assert_eq!(parse_frame(&bytes).unwrap(), Status::Complete((1, Frame::Ack)));
/// // a 4-byte prefix of a long frame is not an error, just short
/// assert_eq!(parse_frame(&[0x68, 0x05, 0x05, 0x68]).unwrap(), Status::Partial { needed: 7 });
/// ```
pub fn parse_frame(buf: &[u8]) -> Result<Status<(usize, Frame<'_>)>, Error> {
    let Some(&start) = buf.first() else {
        return Ok(Status::Partial { needed: 1 });
    };
    match start {
        ACK => Ok(Status::Complete((1, Frame::Ack))),
        SHORT_START => parse_short(buf),
        LONG_START => parse_long(buf),
        found => Err(Error::BadStart { offset: 0, found }),
    }
}

fn partial<T>(buf: &[u8], total: usize) -> Result<Status<T>, Error> {
    Ok(Status::Partial {
        needed: total.saturating_sub(buf.len()),
    })
}

fn parse_short(buf: &[u8]) -> Result<Status<(usize, Frame<'_>)>, Error> {
    let Some(&[_, c, a, cs, stop]) = buf.first_chunk::<5>() else {
        // Check what is there already so that garbage is reported early.
        if let (Some(&c), Some(&a), Some(&cs)) = (buf.get(1), buf.get(2), buf.get(3)) {
            let expected = c.wrapping_add(a);
            if cs != expected {
                return Err(Error::Checksum {
                    offset: 3,
                    expected,
                    found: cs,
                });
            }
        }
        return partial(buf, 5);
    };
    let expected = c.wrapping_add(a);
    if cs != expected {
        return Err(Error::Checksum {
            offset: 3,
            expected,
            found: cs,
        });
    }
    if stop != STOP {
        return Err(Error::BadStop {
            offset: 4,
            found: stop,
        });
    }
    Ok(Status::Complete((
        5,
        Frame::Short {
            control: Control(c),
            address: Address(a),
        },
    )))
}

fn parse_long(buf: &[u8]) -> Result<Status<(usize, Frame<'_>)>, Error> {
    // Header 68 L L 68, checked byte by byte as it arrives.
    let l1 = match buf.get(1) {
        Some(&l) => l,
        None => return partial(buf, 4),
    };
    if l1 < 3 {
        return Err(Error::LengthTooShort {
            offset: 1,
            length: l1,
        });
    }
    let total = usize::from(l1).saturating_add(6);
    if let Some(&l2) = buf.get(2)
        && l2 != l1
    {
        return Err(Error::LengthMismatch {
            offset: 1,
            first: l1,
            second: l2,
        });
    }
    if let Some(&s2) = buf.get(3)
        && s2 != LONG_START
    {
        return Err(Error::BadSecondStart {
            offset: 3,
            found: s2,
        });
    }
    let Some(frame) = buf.get(..total) else {
        return partial(buf, total);
    };
    let Some((body, tail)) = frame
        .get(4..)
        .and_then(|b| b.split_at_checked(usize::from(l1)))
    else {
        return partial(buf, total);
    };
    let &[cs, stop] = tail else {
        return partial(buf, total);
    };
    let expected = checksum(body);
    let cs_offset = total.saturating_sub(2);
    if cs != expected {
        return Err(Error::Checksum {
            offset: cs_offset,
            expected,
            found: cs,
        });
    }
    if stop != STOP {
        return Err(Error::BadStop {
            offset: total.saturating_sub(1),
            found: stop,
        });
    }
    let Some((&[c, a, ci], data)) = body.split_first_chunk::<3>() else {
        return Err(Error::LengthTooShort {
            offset: 1,
            length: l1,
        });
    };
    let (control, address, ci) = (Control(c), Address(a), Ci(ci));
    let frame = if data.is_empty() {
        Frame::Control {
            control,
            address,
            ci,
        }
    } else {
        Frame::Long {
            control,
            address,
            ci,
            data,
        }
    };
    Ok(Status::Complete((total, frame)))
}

impl<'a> Frame<'a> {
    /// Parses exactly one frame; a truncated frame or trailing bytes are errors.
    ///
    /// ```
    /// use mbus::{Error, Frame};
    /// assert_eq!(Frame::parse(&[0xE5]).unwrap(), Frame::Ack);
    /// assert!(matches!(Frame::parse(&[0xE5, 0xE5]), Err(Error::TrailingBytes { offset: 1, count: 1 })));
    /// assert!(matches!(Frame::parse(&[0x68, 0x04, 0x04, 0x68]), Err(Error::Truncated { .. })));
    /// ```
    pub fn parse(buf: &'a [u8]) -> Result<Frame<'a>, Error> {
        match parse_frame(buf)? {
            Status::Complete((len, frame)) => {
                if len == buf.len() {
                    Ok(frame)
                } else {
                    Err(Error::TrailingBytes {
                        offset: len,
                        count: buf.len().saturating_sub(len),
                    })
                }
            }
            Status::Partial { needed } => Err(Error::Truncated {
                offset: buf.len(),
                needed,
                what: "frame",
            }),
        }
    }

    /// The C field (`None` for the single character).
    pub fn control(&self) -> Option<Control> {
        match *self {
            Frame::Ack => None,
            Frame::Short { control, .. }
            | Frame::Control { control, .. }
            | Frame::Long { control, .. } => Some(control),
        }
    }

    /// The A field (`None` for the single character).
    pub fn address(&self) -> Option<Address> {
        match *self {
            Frame::Ack => None,
            Frame::Short { address, .. }
            | Frame::Control { address, .. }
            | Frame::Long { address, .. } => Some(address),
        }
    }

    /// The CI field of control and long frames.
    pub fn ci(&self) -> Option<Ci> {
        match *self {
            Frame::Control { ci, .. } | Frame::Long { ci, .. } => Some(ci),
            _ => None,
        }
    }

    /// The user data after the CI field (empty for the other frame types).
    pub fn data(&self) -> &'a [u8] {
        match *self {
            Frame::Long { data, .. } => data,
            _ => &[],
        }
    }

    /// Number of bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Frame::Ack => 1,
            Frame::Short { .. } => 5,
            Frame::Control { .. } => 9,
            Frame::Long { data, .. } => data.len().saturating_add(9),
        }
    }

    /// Writes the frame to the start of `out`, returning the number of bytes written.
    ///
    /// ```
    /// use mbus::{Address, Control, Frame};
    /// let mut buf = [0u8; 5];
    /// let n = Frame::Short { control: Control::SND_NKE, address: Address(1) }.emit(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], &[0x10, 0x40, 0x01, 0x41, 0x16]);
    /// ```
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        let need = self.buffer_len();
        if let Frame::Long { data, .. } = self
            && data.len() > MAX_DATA_LEN
        {
            return Err(Error::DataTooLong { len: data.len() });
        }
        let len = out.len();
        let Some(out) = out.get_mut(..need) else {
            return Err(Error::BufferTooSmall { needed: need, len });
        };
        match *self {
            Frame::Ack => {
                for b in out.iter_mut() {
                    *b = ACK;
                }
            }
            Frame::Short { control, address } => {
                out.copy_from_slice(&[
                    SHORT_START,
                    control.0,
                    address.0,
                    control.0.wrapping_add(address.0),
                    STOP,
                ]);
            }
            Frame::Control {
                control,
                address,
                ci,
            } => emit_long(out, control, address, ci, &[]),
            Frame::Long {
                control,
                address,
                ci,
                data,
            } => emit_long(out, control, address, ci, data),
        }
        Ok(need)
    }

    /// Appends the frame to `out`.
    ///
    /// ```
    /// use mbus::Frame;
    /// let mut v = Vec::new();
    /// Frame::Ack.encode(&mut v).unwrap();
    /// assert_eq!(v, [0xE5]);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        out.resize(start.saturating_add(self.buffer_len()), 0);
        let tail = out.get_mut(start..).unwrap_or_default();
        match self.emit(tail) {
            Ok(_) => Ok(()),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }
}

/// `out` has exactly `data.len() + 9` bytes and `data.len() <= 252` (checked by the caller).
fn emit_long(out: &mut [u8], control: Control, address: Address, ci: Ci, data: &[u8]) {
    // L is at most 255 here.
    let l = u8::try_from(data.len().saturating_add(3)).unwrap_or(u8::MAX);
    let cs = checksum(data)
        .wrapping_add(control.0)
        .wrapping_add(address.0)
        .wrapping_add(ci.0);
    let (head, rest) = out.split_at_mut(7.min(out.len()));
    for (dst, src) in head
        .iter_mut()
        .zip([LONG_START, l, l, LONG_START, control.0, address.0, ci.0])
    {
        *dst = src;
    }
    let (body, tail) = rest.split_at_mut(data.len().min(rest.len()));
    body.copy_from_slice(data.get(..body.len()).unwrap_or_default());
    for (dst, src) in tail.iter_mut().zip([cs, STOP]) {
        *dst = src;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    static SND_NKE_1: [u8; 5] = [0x10, 0x40, 0x01, 0x41, 0x16];
    static REQ_UD2_FCB_FE: [u8; 5] = [0x10, 0x7B, 0xFE, 0x79, 0x16];
    // application error "application busy" from the libmbus corpus
    static APP_BUSY: [u8; 10] = [0x68, 0x04, 0x04, 0x68, 0x08, 0x01, 0x70, 0x08, 0x81, 0x16];
    static CONTROL_RESET: [u8; 9] = [0x68, 0x03, 0x03, 0x68, 0x53, 0xFE, 0x50, 0xA1, 0x16];

    #[test]
    fn deconstruct_short() {
        let f = Frame::parse(&SND_NKE_1).unwrap();
        assert_eq!(
            f,
            Frame::Short {
                control: Control::SND_NKE,
                address: Address(1)
            }
        );
        assert_eq!(f.control().unwrap().function(), Function::SndNke);
        let f = Frame::parse(&REQ_UD2_FCB_FE).unwrap();
        let c = f.control().unwrap();
        assert_eq!(c.function(), Function::ReqUd2);
        assert!(c.fcb() && c.fcv() && c.is_from_master());
        assert!(!c.acd() && !c.dfc());
        assert_eq!(f.address(), Some(Address::BROADCAST_REPLY));
    }

    #[test]
    fn deconstruct_long_and_control() {
        let f = Frame::parse(&APP_BUSY).unwrap();
        assert_eq!(
            f,
            Frame::Long {
                control: Control::RSP_UD,
                address: Address(1),
                ci: Ci::APPLICATION_ERROR,
                data: &[0x08]
            }
        );
        let f = Frame::parse(&CONTROL_RESET).unwrap();
        assert_eq!(
            f,
            Frame::Control {
                control: Control::SND_UD,
                address: Address::BROADCAST_REPLY,
                ci: Ci::APPLICATION_RESET
            }
        );
    }

    #[test]
    fn construct() {
        for bytes in [
            &SND_NKE_1[..],
            &REQ_UD2_FCB_FE,
            &APP_BUSY,
            &CONTROL_RESET,
            &[ACK],
        ] {
            let f = Frame::parse(bytes).unwrap();
            let mut out = [0u8; 300];
            let n = f.emit(&mut out).unwrap();
            assert_eq!(&out[..n], bytes);
            assert_eq!(n, f.buffer_len());
        }
        let mut small = [0u8; 9];
        assert_eq!(
            Frame::parse(&APP_BUSY).unwrap().emit(&mut small),
            Err(Error::BufferTooSmall { needed: 10, len: 9 })
        );
        let big = [0u8; 253];
        let f = Frame::Long {
            control: Control::SND_UD,
            address: Address(1),
            ci: Ci::DATA_SEND,
            data: &big,
        };
        assert_eq!(
            f.emit(&mut [0u8; 300]),
            Err(Error::DataTooLong { len: 253 })
        );
    }

    #[test]
    fn impossible_lengths() {
        // the 4-byte long-frame header must never underflow
        assert_eq!(
            parse_frame(&[0x68, 0x00, 0x00, 0x68]),
            Err(Error::LengthTooShort {
                offset: 1,
                length: 0
            })
        );
        assert_eq!(
            parse_frame(&[0x68, 0x03, 0x04]),
            Err(Error::LengthMismatch {
                offset: 1,
                first: 3,
                second: 4
            })
        );
        assert_eq!(
            parse_frame(&[0x68, 0x03, 0x03, 0x69]),
            Err(Error::BadSecondStart {
                offset: 3,
                found: 0x69
            })
        );
        assert!(matches!(
            Frame::parse(&[0x68, 0x04, 0x04, 0x68]),
            Err(Error::Truncated { needed: 6, .. })
        ));
        let mut bad = APP_BUSY;
        bad[8] ^= 1;
        assert_eq!(
            parse_frame(&bad),
            Err(Error::Checksum {
                offset: 8,
                expected: 0x81,
                found: 0x80
            })
        );
        let mut bad = APP_BUSY;
        bad[9] = 0x17;
        assert_eq!(
            parse_frame(&bad),
            Err(Error::BadStop {
                offset: 9,
                found: 0x17
            })
        );
        assert_eq!(
            parse_frame(&[0x10, 0x40, 0x01, 0x42]),
            Err(Error::Checksum {
                offset: 3,
                expected: 0x41,
                found: 0x42
            })
        );
    }

    #[test]
    fn partial_every_prefix() {
        for bytes in [&SND_NKE_1[..], &APP_BUSY, &CONTROL_RESET] {
            for cut in 0..bytes.len() {
                match parse_frame(&bytes[..cut]).unwrap() {
                    Status::Partial { needed } => {
                        assert!(needed >= 1 && needed <= bytes.len() - cut, "{cut}");
                        // exact once the length is known
                        if cut >= 4 || (bytes[0] == SHORT_START && cut >= 1) {
                            assert_eq!(needed, bytes.len() - cut, "{cut}");
                        }
                    }
                    Status::Complete(_) => panic!("complete at {cut}"),
                }
            }
        }
    }

    #[test]
    fn control_bits() {
        let slave = Control::rsp_ud(true, true);
        assert_eq!(slave.0, 0x38);
        assert!(slave.acd() && slave.dfc() && !slave.fcb() && !slave.fcv());
        assert_eq!(slave.function(), Function::RspUd);
        assert_eq!(Control::snd_ud(true), Control::SND_UD_FCB);
        assert_eq!(Control::SND_UD.with_fcb(true), Control::SND_UD_FCB);
        assert_eq!(Control::req_ud1(false).function(), Function::ReqUd1);
        assert_eq!(
            Control(0x49).function(),
            Function::Other {
                from_master: true,
                code: 9
            }
        );
        assert!(!Address(0).is_primary() && Address(250).is_primary());
        assert!(!Address(253).is_broadcast());
    }
}
