//! The master side: requests, per-address FCB handling, secondary addressing, the wildcard
//! search and multi-telegram readout, all sans-IO (bytes and events in, frames out; the caller
//! owns the port and the clock).

use crate::app::{LongHeader, Manufacturer, Medium};
use crate::{Address, Ci, Control, Error, Frame, Response, UserData};

/// A secondary address: identification number, manufacturer, version and medium. Each part can
/// be a wildcard, as EN 13757-3:2018 describes for the selection (CI `52`): each BCD digit of
/// the id set to the nibble `F`, and the manufacturer, version and medium byte-wise, a byte
/// `FF` (each of the two manufacturer bytes on its own).
///
/// ```
/// use mbus::SecondaryAddress;
/// let a = SecondaryAddress::parse_str("12345678FFFFFFFF").unwrap();
/// assert_eq!(a.id, [0x78, 0x56, 0x34, 0x12]);
/// assert!(a.is_wildcard());
/// let w = SecondaryAddress::parse_str("1234FFFF05B4FF07").unwrap();
/// assert_eq!(w.to_bytes(), [0xFF, 0xFF, 0x34, 0x12, 0xB4, 0x05, 0xFF, 0x07]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SecondaryAddress {
    /// Identification number, BCD, least significant byte first; `F` nibbles are wildcards.
    pub id: [u8; 4],
    /// Manufacturer code (`0xFFFF` = any).
    pub manufacturer: u16,
    /// Version (`0xFF` = any).
    pub version: u8,
    /// Medium (`0xFF` = any).
    pub medium: u8,
}

impl SecondaryAddress {
    /// Matches every slave.
    pub const WILDCARD: SecondaryAddress = SecondaryAddress {
        id: [0xFF; 4],
        manufacturer: 0xFFFF,
        version: 0xFF,
        medium: 0xFF,
    };

    /// The address a slave announces in its data header.
    pub fn from_header(h: &LongHeader) -> SecondaryAddress {
        SecondaryAddress {
            id: h.id.0.to_le_bytes(),
            manufacturer: h.manufacturer.0,
            version: h.version,
            medium: h.medium.0,
        }
    }

    /// The 8 bytes of a selection (CI `52`) in wire order.
    pub fn to_bytes(&self) -> [u8; 8] {
        let [i0, i1, i2, i3] = self.id;
        let [m0, m1] = self.manufacturer.to_le_bytes();
        [i0, i1, i2, i3, m0, m1, self.version, self.medium]
    }

    /// From the 8 bytes of a selection.
    pub fn from_bytes(b: [u8; 8]) -> SecondaryAddress {
        let [i0, i1, i2, i3, m0, m1, version, medium] = b;
        SecondaryAddress {
            id: [i0, i1, i2, i3],
            manufacturer: u16::from_le_bytes([m0, m1]),
            version,
            medium,
        }
    }

    /// From the 16-character form `IIIIIIIIMMMMVVDD` (id digits, manufacturer, version and
    /// medium in hex; `F` is a wildcard).
    pub fn parse_str(s: &str) -> Result<SecondaryAddress, Error> {
        let b = s.as_bytes();
        if b.len() != 16 {
            return Err(Error::Invalid {
                offset: b.len().min(16),
                what: "secondary address (16 hex digits expected)",
            });
        }
        let mut n = [0u8; 16];
        for (i, (dst, c)) in n.iter_mut().zip(b).enumerate() {
            *dst = match c {
                b'0'..=b'9' => c.wrapping_sub(b'0'),
                b'A'..=b'F' => c.wrapping_sub(b'A').wrapping_add(10),
                b'a'..=b'f' => c.wrapping_sub(b'a').wrapping_add(10),
                _ => {
                    return Err(Error::Invalid {
                        offset: i,
                        what: "secondary address digit",
                    });
                }
            };
        }
        let byte = |i: usize| -> u8 {
            let hi = n.get(i).copied().unwrap_or(0);
            let lo = n.get(i.wrapping_add(1)).copied().unwrap_or(0);
            (hi << 4) | lo
        };
        for (i, d) in n.iter().take(8).enumerate() {
            if *d > 9 && *d != 0xF {
                return Err(Error::Invalid {
                    offset: i,
                    what: "identification digit (0-9 or F)",
                });
            }
        }
        Ok(SecondaryAddress {
            id: [byte(6), byte(4), byte(2), byte(0)],
            manufacturer: u16::from_be_bytes([byte(8), byte(10)]),
            version: byte(12),
            medium: byte(14),
        })
    }

    /// True when any part is a wildcard.
    pub fn is_wildcard(&self) -> bool {
        let [m0, m1] = self.manufacturer.to_le_bytes();
        self.id.iter().any(|b| b >> 4 == 0xF || b & 0xF == 0xF)
            || m0 == 0xFF
            || m1 == 0xFF
            || self.version == 0xFF
            || self.medium == 0xFF
    }

    /// True when a slave with this data header answers a selection of `self`: every id nibble
    /// and every manufacturer, version and medium byte is equal or a wildcard.
    ///
    /// ```
    /// use mbus::{Identification, LongHeader, Manufacturer, Medium, SecondaryAddress, StatusByte};
    /// let h = LongHeader {
    ///     id: Identification(0x1234_5678),
    ///     manufacturer: Manufacturer(0x1593), // ELS
    ///     version: 1,
    ///     medium: Medium::WATER,
    ///     access_number: 0,
    ///     status: StatusByte(0),
    ///     signature: 0,
    /// };
    /// assert!(SecondaryAddress::parse_str("1F34567FFFFFFFFF").unwrap().matches(&h));
    /// // manufacturer bytes one at a time: 15 93 (sent 93 15)
    /// assert!(SecondaryAddress::parse_str("12345678FF93FF07").unwrap().matches(&h));
    /// assert!(SecondaryAddress::parse_str("1234567815FF01FF").unwrap().matches(&h));
    /// assert!(!SecondaryAddress::parse_str("12345678FF94FFFF").unwrap().matches(&h));
    /// assert!(!SecondaryAddress::parse_str("12345678FFFFFF04").unwrap().matches(&h));
    /// ```
    pub fn matches(&self, h: &LongHeader) -> bool {
        let byte_ok = |p: u8, v: u8| p == 0xFF || p == v;
        let id = h.id.0.to_le_bytes();
        let id_ok = self.id.iter().zip(id).all(|(&p, v)| {
            (p >> 4 == 0xF || p >> 4 == v >> 4) && (p & 0xF == 0xF || p & 0xF == v & 0xF)
        });
        let [p0, p1] = self.manufacturer.to_le_bytes();
        let [v0, v1] = h.manufacturer.0.to_le_bytes();
        id_ok
            && byte_ok(p0, v0)
            && byte_ok(p1, v1)
            && byte_ok(self.version, h.version)
            && byte_ok(self.medium, h.medium.0)
    }

    /// The manufacturer, unless either of its bytes is a wildcard.
    pub fn manufacturer(&self) -> Option<Manufacturer> {
        let [m0, m1] = self.manufacturer.to_le_bytes();
        (m0 != 0xFF && m1 != 0xFF).then_some(Manufacturer(self.manufacturer))
    }

    /// The medium, unless it is a wildcard.
    pub fn medium(&self) -> Option<Medium> {
        (self.medium != 0xFF).then_some(Medium(self.medium))
    }
}

impl core::fmt::Display for SecondaryAddress {
    /// The 16-character form.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [i0, i1, i2, i3] = self.id;
        write!(
            f,
            "{i3:02X}{i2:02X}{i1:02X}{i0:02X}{:04X}{:02X}{:02X}",
            self.manufacturer, self.version, self.medium
        )
    }
}

/// SND_NKE to `address` (link reset).
///
/// ```
/// use mbus::{Address, master};
/// let mut buf = [0u8; 5];
/// let n = master::snd_nke(Address(1)).emit(&mut buf).unwrap();
/// assert_eq!(buf[..n], [0x10, 0x40, 0x01, 0x41, 0x16]);
/// ```
pub const fn snd_nke(address: Address) -> Frame<'static> {
    Frame::Short {
        control: Control::SND_NKE,
        address,
    }
}

/// REQ_UD2 to `address` with the given FCB.
pub const fn req_ud2(address: Address, fcb: bool) -> Frame<'static> {
    Frame::Short {
        control: Control::req_ud2(fcb),
        address,
    }
}

/// SND_UD to `address` with user data.
pub const fn snd_ud(address: Address, fcb: bool, ci: Ci, data: &[u8]) -> Frame<'_> {
    if data.is_empty() {
        Frame::Control {
            control: Control::snd_ud(fcb),
            address,
            ci,
        }
    } else {
        Frame::Long {
            control: Control::snd_ud(fcb),
            address,
            ci,
            data,
        }
    }
}

/// Selection of a slave by secondary address: SND_UD to address 253 with CI `52`. `buf` holds
/// the 8 address bytes the frame borrows.
///
/// ```
/// use mbus::{master, SecondaryAddress};
/// let mut sel = [0u8; 8];
/// let frame = master::select(&SecondaryAddress::parse_str("12345678FFFFFFFF").unwrap(), &mut sel);
/// let mut out = [0u8; 17];
/// let n = frame.emit(&mut out).unwrap();
/// assert_eq!(out[..n], [0x68, 0x0B, 0x0B, 0x68, 0x53, 0xFD, 0x52, 0x78, 0x56, 0x34, 0x12,
///                       0xFF, 0xFF, 0xFF, 0xFF, 0xB2, 0x16]);
/// ```
pub fn select<'a>(address: &SecondaryAddress, buf: &'a mut [u8; 8]) -> Frame<'a> {
    *buf = address.to_bytes();
    Frame::Long {
        control: Control::SND_UD,
        address: Address::SELECTED,
        ci: Ci::SELECTION,
        data: buf,
    }
}

/// Application reset (CI `50`), optionally with a subcode.
pub fn application_reset<'a>(
    address: Address,
    fcb: bool,
    subcode: Option<u8>,
    buf: &'a mut [u8; 1],
) -> Frame<'a> {
    match subcode {
        Some(s) => {
            buf[0] = s;
            snd_ud(address, fcb, Ci::APPLICATION_RESET, buf)
        }
        None => snd_ud(address, fcb, Ci::APPLICATION_RESET, &[]),
    }
}

/// Data send (CI `51`) that sets a new primary address: record `01 7A nn`.
pub fn set_primary_address(
    address: Address,
    fcb: bool,
    new: Address,
    buf: &mut [u8; 3],
) -> Frame<'_> {
    *buf = [0x01, 0x7A, new.0];
    snd_ud(address, fcb, Ci::DATA_SEND, buf)
}

/// The frame-count-bit state of a master, per primary address (and 253 for the selected
/// slave).
///
/// The FCB alternates between successive REQ_UD2/SND_UD to one address once a frame was
/// answered; it is left unchanged when a request is repeated after a timeout, so that a slave
/// whose answer was lost repeats it. SND_NKE resets the address: the next request carries
/// FCB = 1.
///
/// ```
/// use mbus::{Address, master::FcbState};
/// let mut m = FcbState::new();
/// let a = Address(7);
/// assert_eq!(m.req_ud2(a).control().unwrap().0, 0x7B);
/// m.confirm(a); // the slave answered
/// assert_eq!(m.req_ud2(a).control().unwrap().0, 0x5B);
/// // no answer: the same FCB again
/// assert_eq!(m.req_ud2(a).control().unwrap().0, 0x5B);
/// m.snd_nke(a);
/// assert_eq!(m.req_ud2(a).control().unwrap().0, 0x7B);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FcbState {
    /// Bit set: next FCB is 0 (inverted so that the all-zero default means FCB = 1).
    cleared: [u8; 32],
}

impl FcbState {
    /// Every address starts with FCB = 1.
    pub const fn new() -> FcbState {
        FcbState { cleared: [0; 32] }
    }

    fn slot(a: Address) -> (usize, u8) {
        (usize::from(a.0 >> 3), 1u8 << (a.0 & 7))
    }

    /// The FCB the next request to `a` carries.
    pub fn fcb(&self, a: Address) -> bool {
        let (i, bit) = Self::slot(a);
        self.cleared.get(i).is_none_or(|b| b & bit == 0)
    }

    /// SND_NKE to `a`, resetting its FCB.
    pub fn snd_nke(&mut self, a: Address) -> Frame<'static> {
        let (i, bit) = Self::slot(a);
        if let Some(b) = self.cleared.get_mut(i) {
            *b &= !bit;
        }
        snd_nke(a)
    }

    /// REQ_UD2 to `a` with its current FCB.
    pub fn req_ud2(&self, a: Address) -> Frame<'static> {
        req_ud2(a, self.fcb(a))
    }

    /// Records that the last request to `a` was answered: the FCB toggles.
    pub fn confirm(&mut self, a: Address) {
        let (i, bit) = Self::slot(a);
        if let Some(b) = self.cleared.get_mut(i) {
            *b ^= bit;
        }
    }
}

/// What the bus did after the last transmitted frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BusEvent<'a> {
    /// The single character `E5`.
    Ack,
    /// A complete, checked frame.
    Frame(Frame<'a>),
    /// Nothing within the response timeout.
    Timeout,
    /// Garbled bytes (bad checksum, framing errors): several slaves answered at once.
    Collision,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SearchState {
    SendSelect,
    AwaitSelect,
    SendRequest,
    AwaitData,
    Done,
}

/// Search levels: the 8 id digits (most significant first), then the medium, the version and
/// the two manufacturer bytes.
const LEVELS: usize = 12;
const LEVEL_MEDIUM: usize = 8;
const LEVEL_VERSION: usize = 9;
const LEVEL_MANUFACTURER_LOW: usize = 10;
const LEVEL_MANUFACTURER_HIGH: usize = 11;

/// The wildcard search for secondary addresses (sans-IO).
///
/// The search walks the identification number digit by digit, most significant first: it
/// selects `d F F F F F F F` for d = 0..9; no answer means nobody matches, an `E5` is followed
/// by a REQ_UD2 to address 253, a single clean answer yields one address, and a collision (at
/// selection or readout) descends one digit deeper. When the collision remains with all eight
/// digits fixed, the slaves share their id and differ in medium, version or manufacturer: the
/// search goes on byte-wise over the medium, then the version, then the low and the high byte
/// of the manufacturer (values `00`..`FE`, since `FF` is the wildcard), each part the template
/// does not fix. Slaves that agree in all twelve bytes cannot be told apart and are counted in
/// [`unresolved`](Self::unresolved). Only BCD id digits (0..9) are tried.
///
/// Call [`poll_transmit`](Self::poll_transmit) and send the frame, then
/// [`handle`](Self::handle) with what the bus did, and collect addresses with
/// [`poll_found`](Self::poll_found), until [`is_done`](Self::is_done).
///
/// ```
/// use mbus::master::{BusEvent, WildcardSearch};
/// let mut s = WildcardSearch::new();
/// let mut buf = [0u8; 32];
/// let n = s.poll_transmit(&mut buf).unwrap(); // selection of 0FFFFFFF
/// assert_eq!(&buf[7..11], &[0xFF, 0xFF, 0xFF, 0x0F]);
/// s.handle(BusEvent::Timeout).unwrap();
/// let n = s.poll_transmit(&mut buf).unwrap(); // 1FFFFFFF next
/// assert_eq!(buf[10], 0x1F);
/// ```
#[derive(Clone, Debug)]
pub struct WildcardSearch {
    values: [u8; LEVELS],
    depth: usize,
    state: SearchState,
    template: SecondaryAddress,
    found: Option<SecondaryAddress>,
    unresolved: u32,
    fcb: bool,
    frames_sent: u32,
}

impl Default for WildcardSearch {
    fn default() -> Self {
        Self::new()
    }
}

impl WildcardSearch {
    /// A search over every identification number (manufacturer, version, medium wildcards).
    pub fn new() -> Self {
        Self::with_template(SecondaryAddress::WILDCARD)
    }

    /// A search restricted by the manufacturer, version and medium of `template` (its id is
    /// ignored; a part that is not `FF` is fixed in every selection and not searched).
    pub fn with_template(template: SecondaryAddress) -> Self {
        WildcardSearch {
            values: [0; LEVELS],
            depth: 0,
            state: SearchState::SendSelect,
            template,
            found: None,
            unresolved: 0,
            fcb: true,
            frames_sent: 0,
        }
    }

    /// True when the search walks this level (id digits always; the other parts when the
    /// template leaves them a wildcard).
    fn searched(&self, level: usize) -> bool {
        let [m0, m1] = self.template.manufacturer.to_le_bytes();
        match level {
            LEVEL_MEDIUM => self.template.medium == 0xFF,
            LEVEL_VERSION => self.template.version == 0xFF,
            LEVEL_MANUFACTURER_LOW => m0 == 0xFF,
            LEVEL_MANUFACTURER_HIGH => m1 == 0xFF,
            l => l < LEVELS,
        }
    }

    const fn last_value(level: usize) -> u8 {
        if level < LEVEL_MEDIUM { 9 } else { 0xFE }
    }

    /// The selection pattern being tried.
    pub fn pattern(&self) -> SecondaryAddress {
        let mut nibbles = [0xFu8; 8];
        for (n, d) in nibbles
            .iter_mut()
            .zip(self.values.iter())
            .take(self.depth.saturating_add(1))
        {
            *n = *d;
        }
        let b = |i: usize| -> u8 {
            let hi = nibbles.get(i).copied().unwrap_or(0xF);
            let lo = nibbles.get(i.wrapping_add(1)).copied().unwrap_or(0xF);
            (hi << 4) | lo
        };
        let mut p = SecondaryAddress {
            id: [b(6), b(4), b(2), b(0)],
            ..self.template
        };
        for level in LEVEL_MEDIUM..=self.depth {
            let v = self.values.get(level).copied().unwrap_or(0xFF);
            if !self.searched(level) {
                continue;
            }
            match level {
                LEVEL_MEDIUM => p.medium = v,
                LEVEL_VERSION => p.version = v,
                LEVEL_MANUFACTURER_LOW => p.manufacturer = (p.manufacturer & 0xFF00) | u16::from(v),
                _ => p.manufacturer = (p.manufacturer & 0x00FF) | (u16::from(v) << 8),
            }
        }
        p
    }

    /// The next frame to send, written to `out` (at least 17 bytes), or `None` while an answer
    /// is awaited or when the search is over.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        let frame_bytes = match self.state {
            SearchState::SendSelect => {
                let mut sel = [0u8; 8];
                let p = self.pattern();
                let f = select(&p, &mut sel);
                let n = f.emit(out).ok()?;
                self.state = SearchState::AwaitSelect;
                n
            }
            SearchState::SendRequest => {
                let n = req_ud2(Address::SELECTED, self.fcb).emit(out).ok()?;
                self.state = SearchState::AwaitData;
                n
            }
            _ => return None,
        };
        self.frames_sent = self.frames_sent.saturating_add(1);
        Some(frame_bytes)
    }

    /// What the bus did after the frame from [`poll_transmit`](Self::poll_transmit).
    pub fn handle(&mut self, event: BusEvent<'_>) -> Result<(), Error> {
        match (self.state, event) {
            (SearchState::AwaitSelect, BusEvent::Ack) => self.state = SearchState::SendRequest,
            (SearchState::AwaitSelect, BusEvent::Timeout) => self.advance(),
            (SearchState::AwaitSelect | SearchState::AwaitData, BusEvent::Collision) => {
                self.descend()
            }
            (SearchState::AwaitSelect, BusEvent::Frame(_)) => self.descend(),
            (SearchState::AwaitData, BusEvent::Frame(f)) => {
                self.fcb = !self.fcb;
                let rsp = Response::from_frame(&f, crate::DecodeOptions::LENIENT)?;
                if let UserData::Variable(vd) = rsp.data
                    && let Some(h) = vd.long_header()
                {
                    self.found = Some(SecondaryAddress::from_header(h));
                }
                self.advance();
            }
            (SearchState::AwaitData, BusEvent::Timeout | BusEvent::Ack) => self.advance(),
            _ => {
                return Err(Error::Unexpected {
                    offset: 0,
                    expected: "an answer to the last transmitted frame",
                    found: "an event while nothing was awaited",
                });
            }
        }
        Ok(())
    }

    fn descend(&mut self) {
        let next = (self.depth.saturating_add(1)..LEVELS).find(|&l| self.searched(l));
        match next {
            Some(level) => {
                self.depth = level;
                if let Some(v) = self.values.get_mut(level) {
                    *v = 0;
                }
                self.state = SearchState::SendSelect;
            }
            None => {
                // every searched part fixed and still several slaves: they cannot be told apart
                self.unresolved = self.unresolved.saturating_add(1);
                self.advance();
            }
        }
    }

    fn advance(&mut self) {
        loop {
            let last = Self::last_value(self.depth);
            let Some(v) = self.values.get_mut(self.depth) else {
                self.state = SearchState::Done;
                return;
            };
            if *v < last {
                *v = v.saturating_add(1);
                self.state = SearchState::SendSelect;
                return;
            }
            match (0..self.depth).rev().find(|&l| self.searched(l)) {
                Some(level) => self.depth = level,
                None => {
                    self.state = SearchState::Done;
                    return;
                }
            }
        }
    }

    /// An address found since the last call.
    pub fn poll_found(&mut self) -> Option<SecondaryAddress> {
        self.found.take()
    }

    /// True when every pattern was tried.
    pub fn is_done(&self) -> bool {
        self.state == SearchState::Done
    }

    /// Patterns where several slaves still answered with every searched part fixed: they share
    /// id, medium, version and manufacturer and cannot be selected one at a time.
    pub fn unresolved(&self) -> u32 {
        self.unresolved
    }

    /// Frames sent so far.
    pub fn frames_sent(&self) -> u32 {
        self.frames_sent
    }
}

/// Multi-telegram readout of one slave (sans-IO): REQ_UD2 until a response no longer ends
/// with DIF `1F` ("more records follow"), toggling the FCB after each answer and repeating the
/// request (same FCB) after a timeout, up to `retries` times.
///
/// ```
/// use mbus::{Address, Frame, master::{BusEvent, Readout, ReadoutStep}};
/// let mut r = Readout::new(Address(1), 2);
/// let mut out = [0u8; 5];
/// assert_eq!(r.poll_transmit(&mut out), Some(5));
/// assert_eq!(out, [0x10, 0x7B, 0x01, 0x7C, 0x16]);
/// // an answer without DIF 1F ends the readout
/// let rsp = [0x68, 0x04, 0x04, 0x68, 0x08, 0x01, 0x78, 0x0F, 0x90, 0x16];
/// let step = r.handle(BusEvent::Frame(Frame::parse(&rsp).unwrap())).unwrap();
/// assert_eq!(step, ReadoutStep::Telegram { last: true });
/// assert!(r.is_done());
/// ```
#[derive(Clone, Debug)]
pub struct Readout {
    address: Address,
    fcb: FcbState,
    retries: u8,
    attempts: u8,
    awaiting: bool,
    done: bool,
    telegrams: u32,
}

/// The outcome of one bus event in a [`Readout`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReadoutStep {
    /// A telegram arrived; `last` is false when the slave announced more records.
    Telegram {
        /// No DIF `1F` in this telegram: the readout is complete.
        last: bool,
    },
    /// No answer; the request is repeated with the same FCB.
    Retry,
    /// No answer after every retry; the readout stops.
    GaveUp,
}

impl Readout {
    /// Reads `address` (a primary address or 253 after a selection).
    pub fn new(address: Address, retries: u8) -> Self {
        Readout {
            address,
            fcb: FcbState::new(),
            retries,
            attempts: 0,
            awaiting: false,
            done: false,
            telegrams: 0,
        }
    }

    /// Continues with the FCB state of a master (for example after SND_NKE).
    pub fn with_fcb(mut self, fcb: FcbState) -> Self {
        self.fcb = fcb;
        self
    }

    /// The REQ_UD2 to send, or `None` while an answer is awaited or when done.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Option<usize> {
        if self.awaiting || self.done {
            return None;
        }
        let n = self.fcb.req_ud2(self.address).emit(out).ok()?;
        self.awaiting = true;
        Some(n)
    }

    /// What the bus did after the request. A frame is checked to be a slave response and its
    /// records are scanned for DIF `1F`; decoding errors are returned and end the readout.
    pub fn handle(&mut self, event: BusEvent<'_>) -> Result<ReadoutStep, Error> {
        if !self.awaiting {
            return Err(Error::Unexpected {
                offset: 0,
                expected: "an answer to a REQ_UD2",
                found: "an event while nothing was awaited",
            });
        }
        self.awaiting = false;
        match event {
            BusEvent::Frame(f) => {
                self.fcb.confirm(self.address);
                self.attempts = 0;
                self.telegrams = self.telegrams.saturating_add(1);
                let rsp =
                    Response::from_frame(&f, crate::DecodeOptions::LENIENT).inspect_err(|_| {
                        self.done = true;
                    })?;
                let mut more = false;
                if let UserData::Variable(vd) = rsp.data {
                    let mut recs = vd.records();
                    for r in recs.by_ref() {
                        if let Err(e) = r {
                            self.done = true;
                            return Err(e);
                        }
                    }
                    more = recs.more_records_follow();
                }
                self.done = !more;
                Ok(ReadoutStep::Telegram { last: !more })
            }
            BusEvent::Timeout | BusEvent::Collision | BusEvent::Ack => {
                if self.attempts < self.retries {
                    self.attempts = self.attempts.saturating_add(1);
                    Ok(ReadoutStep::Retry)
                } else {
                    self.done = true;
                    Ok(ReadoutStep::GaveUp)
                }
            }
        }
    }

    /// True when the last telegram arrived or the readout gave up.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Telegrams received.
    pub fn telegrams(&self) -> u32 {
        self.telegrams
    }

    /// The FCB state, to continue talking to the slave.
    pub fn fcb_state(&self) -> FcbState {
        self.fcb
    }
}

/// A frame from the master decoded: what a slave (or a bus monitor) sees.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Request<'a> {
    /// SND_NKE.
    LinkReset(Address),
    /// REQ_UD1 or REQ_UD2.
    RequestData {
        /// Target.
        address: Address,
        /// Class 1 (alarm) data rather than class 2.
        class1: bool,
        /// Frame count bit.
        fcb: bool,
    },
    /// Selection by secondary address (CI `52`).
    Select(SecondaryAddress),
    /// Application reset (CI `50`) with its optional subcode.
    ApplicationReset {
        /// Target.
        address: Address,
        /// Subcode, when present.
        subcode: Option<u8>,
    },
    /// SND_UD with other user data (CI `51` data send: records in variable format).
    SendData {
        /// Target.
        address: Address,
        /// CI field.
        ci: Ci,
        /// User data.
        data: &'a [u8],
    },
}

impl<'a> Request<'a> {
    /// Decodes a frame sent by a master. A slave frame is rejected with
    /// [`Error::Unexpected`].
    ///
    /// ```
    /// use mbus::{Address, Frame, master::Request};
    /// let f = Frame::parse(&[0x68, 0x06, 0x06, 0x68, 0x53, 0xFE, 0x51, 0x01, 0x7A, 0x08, 0x25, 0x16]).unwrap();
    /// let Request::SendData { data, .. } = Request::from_frame(&f).unwrap() else { panic!() };
    /// assert_eq!(data, [0x01, 0x7A, 0x08]); // set primary address 8
    /// ```
    pub fn from_frame(frame: &Frame<'a>) -> Result<Request<'a>, Error> {
        let Some(control) = frame.control() else {
            return Err(Error::Unexpected {
                offset: 0,
                expected: "a frame from the master",
                found: "a single character",
            });
        };
        if !control.is_from_master() {
            return Err(Error::Unexpected {
                offset: 1,
                expected: "a frame from the master",
                found: "a slave frame",
            });
        }
        let address = frame.address().unwrap_or(Address(0));
        match (*frame, control.function()) {
            (Frame::Short { .. }, crate::Function::SndNke) => Ok(Request::LinkReset(address)),
            (Frame::Short { .. }, crate::Function::ReqUd2 | crate::Function::ReqUd1) => {
                Ok(Request::RequestData {
                    address,
                    class1: control.function() == crate::Function::ReqUd1,
                    fcb: control.fcb(),
                })
            }
            (Frame::Long { ci, data, .. }, crate::Function::SndUd) if ci == Ci::SELECTION => {
                let b: [u8; 8] = data.try_into().map_err(|_| Error::Invalid {
                    offset: 7,
                    what: "selection (8 address bytes expected)",
                })?;
                Ok(Request::Select(SecondaryAddress::from_bytes(b)))
            }
            (Frame::Control { ci, .. }, crate::Function::SndUd) if ci == Ci::APPLICATION_RESET => {
                Ok(Request::ApplicationReset {
                    address,
                    subcode: None,
                })
            }
            (Frame::Long { ci, data, .. }, crate::Function::SndUd)
                if ci == Ci::APPLICATION_RESET =>
            {
                Ok(Request::ApplicationReset {
                    address,
                    subcode: data.first().copied(),
                })
            }
            (Frame::Long { ci, data, .. }, crate::Function::SndUd) => {
                Ok(Request::SendData { address, ci, data })
            }
            (Frame::Control { ci, .. }, crate::Function::SndUd) => Ok(Request::SendData {
                address,
                ci,
                data: &[],
            }),
            _ => Err(Error::Unexpected {
                offset: 4,
                expected: "SND_NKE, REQ_UD1/2 or SND_UD",
                found: "another master function",
            }),
        }
    }
}
