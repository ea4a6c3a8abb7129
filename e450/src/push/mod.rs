//! The push listener of the customer information interface (CII, P1): bytes from the serial
//! line in, [`Reading`]s out.
//!
//! [`PushListener`] is sans-IO: [`PushListener::feed`] it whatever the adapter delivers (any
//! chunking, garbage between frames) and take messages with [`PushListener::next_message`].
//! It extracts HDLC UI frames (any address size), strips the LLC header, reassembles
//! general-block-transfer (restarting on block 1 and reporting a message with a missing
//! block), decrypts general-glo-ciphering (SC `0x20`/`0x30`; the tag is verified when an
//! authentication key is given, the reading is marked `decrypted` otherwise), optionally
//! rejects frame counters that go backwards, and decodes the three body layouts
//! (self-describing push list, OBIS/value pairs, values only with a [`Template`]).
//!
//! Every item carries the byte offset of its message in the input stream.
//!
//! ```
//! use e450::push::{Message, PushConfig, PushListener};
//! // One UI frame: data-notification, no date-time, structure { 09 06 1-0:1.8.0, 06 u32 }.
//! let frame = [
//!     0x7E, 0xA0, 0x22, 0xCE, 0xFF, 0x03, 0x13, 0x4E, 0x5A, 0xE6, 0xE7, 0x00, 0x0F, 0x00,
//!     0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x09, 0x06, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF,
//!     0x06, 0x00, 0x00, 0x01, 0x2C, 0x65, 0x07, 0x7E,
//! ];
//! let mut listener = PushListener::new(PushConfig::default());
//! listener.feed(&[0x00, 0x55]); // garbage
//! listener.feed(&frame);
//! let Some(Ok(Message::Reading(r))) = listener.next_message() else { panic!() };
//! assert_eq!(r.offset, 2);
//! assert_eq!(r.active_energy_import, Some(300.0));
//! assert_eq!(r.values[0].value.as_f64(), Some(0.3)); // kWh in the value list
//! ```

mod body;
mod fast;
mod template;
mod wired;

use std::collections::VecDeque;

use dlms::apdu::{GeneralBlockTransfer, GeneralGloCiphering, Reassembler, ReassemblyError};
use dlms::security::{
    Authentication, AuthenticationKey, EncryptionKey, ReplayGuard, SecurityError, SuiteZeroCipher,
    SystemTitle,
};

pub use template::{BUILTIN, Template, TemplateEntry, TemplateError};
pub use wired::{MbusMessage, MbusRecord};

use crate::reading::{Reading, Security};

/// The largest reassembled message accepted (the E450 sends well under 1 KiB).
pub const MAX_MESSAGE: usize = 16 * 1024;

/// What the listener needs to know: keys, template, replay protection.
///
/// Keys are zeroized when dropped and never printed (their `Debug` is redacted).
#[derive(Clone, Debug, Default)]
pub struct PushConfig {
    /// The encryption key (GUEK) from the grid operator.
    pub key: Option<EncryptionKey>,
    /// The authentication key (GAK), when the operator gives it out: tags are then verified.
    pub auth_key: Option<AuthenticationKey>,
    /// The layout of values-only bodies.
    pub template: Option<Template>,
    /// Reject frame counters that do not increase (per system title).
    pub replay_guard: bool,
}

/// A damaged or undecryptable message. Every variant carries the byte offset of the message
/// in the input stream.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// An HDLC frame failed its HCS or FCS.
    #[error("damaged HDLC frame at offset {offset}: {error}")]
    Frame {
        /// Offset of the frame's opening flag.
        offset: usize,
        /// What the check found.
        error: hdlc::Error,
    },
    /// An M-Bus frame failed its checksum, a DLMS segment came out of order, or a wired M-Bus
    /// response does not decode.
    #[error("damaged M-Bus frame at offset {offset}: {error}")]
    Mbus {
        /// Offset of the frame's start byte.
        offset: usize,
        /// What was wrong.
        error: ::mbus::Error,
    },
    /// A general-block-transfer block is missing: the message is dropped.
    #[error("message at offset {offset} dropped: expected block {expected}, found block {found}")]
    MissingBlock {
        /// Offset of the message's first frame (or of the block when block 1 was never seen).
        offset: usize,
        /// The block that should have come.
        expected: u32,
        /// The block that came.
        found: u32,
    },
    /// The reassembled message exceeds [`MAX_MESSAGE`].
    #[error("message at offset {offset} exceeds {limit} bytes")]
    TooLarge {
        /// Offset of the message's first frame.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// The input ended inside a block-transfer message.
    #[error("incomplete block-transfer message at offset {offset} (next block {next} never came)")]
    Incomplete {
        /// Offset of the message's first frame.
        offset: usize,
        /// The first missing block.
        next: u32,
    },
    /// An APDU or its body does not parse.
    #[error("malformed APDU at offset {offset}: {error}")]
    Apdu {
        /// Offset of the message.
        offset: usize,
        /// The decoding error (its offset counts from the APDU start).
        error: dlms::Error,
    },
    /// An APDU that is not a push.
    #[error("unexpected APDU tag {tag:#04x} at offset {offset}")]
    UnexpectedApdu {
        /// Offset of the message.
        offset: usize,
        /// The tag found.
        tag: u8,
    },
    /// Decryption failed: tag mismatch (wrong key, wrong authentication key, changed bytes),
    /// unsupported suite or compression.
    #[error("cannot decrypt the message at offset {offset}: {error}")]
    Security {
        /// Offset of the message.
        offset: usize,
        /// Why.
        error: SecurityError,
    },
    /// Decrypted without a tag check, the plaintext is not a data-notification: the key is
    /// wrong.
    #[error(
        "message at offset {offset} does not decrypt with this key (plaintext is not a data-notification)"
    )]
    WrongKey {
        /// Offset of the message.
        offset: usize,
    },
    /// The frame counter did not increase (replay guard).
    #[error("replayed frame counter {received} at offset {offset} (last accepted {last})")]
    Replay {
        /// Offset of the message.
        offset: usize,
        /// The counter received.
        received: u32,
        /// The last counter accepted from this sender.
        last: u32,
    },
    /// The body has none of the known layouts, or does not match its push list or template.
    #[error("cannot decode the body at offset {offset}: {what}")]
    Layout {
        /// Offset of the message.
        offset: usize,
        /// What was wrong.
        what: &'static str,
    },
}

impl PushError {
    /// The byte offset of the message in the input stream.
    pub fn offset(&self) -> usize {
        match self {
            PushError::Frame { offset, .. }
            | PushError::Mbus { offset, .. }
            | PushError::MissingBlock { offset, .. }
            | PushError::TooLarge { offset, .. }
            | PushError::Incomplete { offset, .. }
            | PushError::Apdu { offset, .. }
            | PushError::UnexpectedApdu { offset, .. }
            | PushError::Security { offset, .. }
            | PushError::WrongKey { offset }
            | PushError::Replay { offset, .. }
            | PushError::Layout { offset, .. } => *offset,
        }
    }

    /// Whether the message was intact but could not be decrypted (wrong key, bad tag).
    pub fn is_undecryptable(&self) -> bool {
        matches!(
            self,
            PushError::Security { .. } | PushError::WrongKey { .. }
        )
    }

    /// `{"kind":"error","offset":N,"error":"..."}`.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::json!({"kind": "error", "offset": self.offset(), "error": self.to_string()})
    }
}

/// An encrypted push that could not be read because no key was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedPush {
    /// Offset of the message.
    pub offset: usize,
    /// The sender's system title.
    pub system_title: [u8; 8],
    /// The frame counter.
    pub frame_counter: u32,
    /// The security control byte.
    pub security_control: u8,
}

/// One message from the line.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A decoded push.
    Reading(Box<Reading>),
    /// An encrypted push, and no key to read it.
    Encrypted(EncryptedPush),
    /// A wired M-Bus response (RSP_UD), for example from a water or heat meter.
    Mbus(Box<MbusMessage>),
}

impl Message {
    /// The byte offset of the message in the input stream.
    pub fn offset(&self) -> usize {
        match self {
            Message::Reading(r) => r.offset,
            Message::Encrypted(e) => e.offset,
            Message::Mbus(m) => m.offset,
        }
    }

    /// The JSON object `compteur decode --json` prints (`docs/schema/push.schema.json`).
    pub fn to_json_value(&self) -> serde_json::Value {
        match self {
            Message::Reading(r) => r.to_json_value(),
            Message::Encrypted(e) => serde_json::json!({
                "kind": "encrypted",
                "offset": e.offset,
                "system_title": SystemTitle(e.system_title).to_string(),
                "frame_counter": e.frame_counter,
            }),
            Message::Mbus(m) => m.to_json_value(),
        }
    }
}

/// Counters of a [`PushListener`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushStats {
    /// HDLC frames with good checks.
    pub frames: u64,
    /// Messages yielded: readings and encrypted pushes without a key.
    pub messages: u64,
    /// Damaged messages reported (bad frames, missing blocks, malformed APDUs, replays).
    pub damaged: u64,
    /// Intact messages that could not be decrypted (no key, wrong key, bad tag).
    pub undecryptable: u64,
    /// Bytes outside good frames (garbage, damaged frames).
    pub bytes_skipped: u64,
}

/// The sans-IO push listener; see the [module documentation](self).
pub struct PushListener {
    config: PushConfig,
    cipher: Option<SuiteZeroCipher>,
    decoder: hdlc::FrameDecoder,
    reassembler: Reassembler,
    replay: ReplayGuard,
    /// Bytes fed so far.
    fed: usize,
    /// Offset of the first frame of the block-transfer message in progress.
    message_start: usize,
    /// The next block expected, when a message is in progress.
    next_block: Option<u32>,
    queue: VecDeque<Result<Message, PushError>>,
    frame_buf: Vec<u8>,
    apdu_buf: Vec<u8>,
    plain_buf: Vec<u8>,
    cache: body::RegistryCache,
    stats: PushStats,
    /// A reading given back with [`PushListener::recycle`].
    spare: Option<Box<Reading>>,
    /// The framing of the stream, once known.
    framing: Framing,
    /// Damaged frames seen while the framing is not known.
    held: Vec<(Framing, PushError)>,
    /// The M-Bus side.
    wired: Box<WiredSide>,
}

/// The framing of the input stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No good frame yet: both are looked for.
    Detecting,
    /// HDLC (the E450).
    Hdlc,
    /// M-Bus long frames: DLMS segments or wired M-Bus responses.
    Mbus,
}

/// The most damaged frames held back while the framing is not known.
const MAX_HELD: usize = 64;

/// The largest DLMS APDU carried in M-Bus segments (16 segments of up to 250 bytes).
const MAX_MBUS_APDU: usize = 4096;

/// M-Bus framing state: the bounded frame decoder, the bytes not yet given to it, and the
/// DLMS segment reassembly.
struct WiredSide {
    decoder: ::mbus::FrameDecoder,
    pending: Vec<u8>,
    /// Bytes given to the decoder so far (offsets of its frames).
    fed: usize,
    reassembler: ::mbus::dlms::Reassembler<MAX_MBUS_APDU>,
    /// Offset of the first segment of the APDU in progress.
    message_start: usize,
    /// The next segment expected, when an APDU is in progress.
    next_segment: Option<u32>,
    /// Where the last DLMS segment's frame ended.
    segment_end: usize,
    apdu: Vec<u8>,
    /// The user data of the frame being handled.
    frame: Vec<u8>,
}

impl core::fmt::Debug for PushListener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PushListener")
            .field("config", &self.config)
            .field("fed", &self.fed)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl PushListener {
    /// A listener with this configuration.
    pub fn new(config: PushConfig) -> Self {
        let cipher = config.key.as_ref().map(SuiteZeroCipher::new);
        PushListener {
            config,
            cipher,
            decoder: hdlc::FrameDecoder::new(),
            reassembler: Reassembler::new(MAX_MESSAGE),
            replay: ReplayGuard::new(),
            fed: 0,
            message_start: 0,
            next_block: None,
            queue: VecDeque::new(),
            frame_buf: Vec::new(),
            apdu_buf: Vec::new(),
            plain_buf: Vec::new(),
            cache: body::RegistryCache::default(),
            stats: PushStats::default(),
            spare: None,
            framing: Framing::Detecting,
            held: Vec::new(),
            wired: Box::new(WiredSide {
                decoder: ::mbus::FrameDecoder::new(),
                pending: Vec::new(),
                fed: 0,
                reassembler: ::mbus::dlms::Reassembler::new(),
                message_start: 0,
                next_segment: None,
                segment_end: 0,
                apdu: Vec::new(),
                frame: Vec::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PushConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> PushStats {
        let hdlc = self.decoder.stats();
        let mbus = self.wired.decoder.stats();
        let (frames, bytes_skipped) = match self.framing {
            Framing::Mbus => (mbus.frames, mbus.skipped_bytes),
            _ => (hdlc.frames, hdlc.bytes_skipped),
        };
        PushStats {
            frames,
            bytes_skipped,
            ..self.stats
        }
    }

    /// The framing recognised so far: `None` until a first good frame, then
    /// `Some("hdlc")` or `Some("mbus")`.
    pub fn framing(&self) -> Option<&'static str> {
        match self.framing {
            Framing::Detecting => None,
            Framing::Hdlc => Some("hdlc"),
            Framing::Mbus => Some("mbus"),
        }
    }

    /// Appends bytes from the line.
    pub fn feed(&mut self, data: &[u8]) {
        self.fed = self.fed.saturating_add(data.len());
        if self.framing != Framing::Mbus {
            self.decoder.feed(data);
        }
        if self.framing != Framing::Hdlc {
            self.wired.pending.extend_from_slice(data);
        }
    }

    /// The next message from the bytes fed so far, `None` when more bytes are needed.
    /// Damaged and undecryptable messages are `Err` items; decoding carries on after them.
    ///
    /// The framing is recognised from the stream: until a first good HDLC frame or M-Bus long
    /// frame is seen, both are looked for (damaged frames are held back meanwhile and reported
    /// once the framing is known, or by [`PushListener::finish`]); then only that one is read.
    pub fn next_message(&mut self) -> Option<Result<Message, PushError>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            let progressed = match self.framing {
                Framing::Hdlc => self.step_hdlc(),
                Framing::Mbus => self.step_mbus(),
                Framing::Detecting => self.step_hdlc() || self.step_mbus(),
            };
            if !progressed {
                return None;
            }
        }
    }

    /// Decides the framing; releases the damaged frames held back for it.
    fn lock(&mut self, framing: Framing) {
        if self.framing != Framing::Detecting {
            return;
        }
        self.framing = framing;
        let held = core::mem::take(&mut self.held);
        for (f, e) in held {
            if f == framing {
                self.emit(Err(e));
            }
        }
        match framing {
            Framing::Hdlc => {
                self.wired.decoder.clear();
                self.wired.pending.clear();
            }
            Framing::Mbus => self.decoder.reset(),
            Framing::Detecting => {}
        }
    }

    /// Reports a damaged frame, or holds it back while the framing is not known.
    fn damaged(&mut self, framing: Framing, e: PushError) {
        if self.framing == Framing::Detecting {
            if self.held.len() < MAX_HELD {
                self.held.push((framing, e));
            }
        } else {
            self.emit(Err(e));
        }
    }

    /// One HDLC item; `false` when the HDLC decoder needs more bytes.
    fn step_hdlc(&mut self) -> bool {
        let start = match self.decoder.next_frame() {
            None => return false,
            Some(Ok(frame)) => {
                self.frame_buf.clear();
                self.frame_buf.extend_from_slice(frame.info);
                frame.buffer_len().saturating_sub(1)
            }
            Some(Err(e)) => {
                let offset = self
                    .fed
                    .saturating_sub(self.decoder.buffered())
                    .saturating_sub(1);
                self.damaged(Framing::Hdlc, PushError::Frame { offset, error: e });
                return true;
            }
        };
        self.lock(Framing::Hdlc);
        // The decoder stops at the closing flag of the frame it returned.
        let end = self.fed.saturating_sub(self.decoder.buffered());
        let offset = end.saturating_sub(start);
        let info = core::mem::take(&mut self.frame_buf);
        self.handle_info(&info, offset);
        self.frame_buf = info;
        true
    }

    /// One M-Bus item; `false` when the M-Bus decoder needs more bytes.
    fn step_mbus(&mut self) -> bool {
        enum Out {
            /// A damaged frame, or a good long frame whose content is damaged (`true`).
            Damaged(PushError, bool),
            Frame {
                long: bool,
                apdu_from: Option<usize>,
                message: Option<MbusMessage>,
            },
        }
        // A segmented APDU left unfinished by this frame: (offset, next segment).
        let mut abandoned = None;
        let out = loop {
            let w = &mut *self.wired;
            // Keep the decoder's bounded buffer filled from the bytes not yet given to it.
            let mut taken = 0;
            if !w.pending.is_empty() {
                taken = w.decoder.feed(&w.pending);
                w.pending.drain(..taken.min(w.pending.len()));
                w.fed = w.fed.saturating_add(taken);
            }
            let fed = w.fed;
            match w.decoder.next_frame() {
                None => {
                    if w.pending.is_empty() {
                        return false;
                    }
                    if taken == 0 {
                        // Full and undecidable (cannot happen with a two-frame buffer): drop.
                        w.decoder.clear();
                    }
                }
                Some(Err(error)) => {
                    let end = fed.saturating_sub(w.decoder.buffered());
                    let len = match error {
                        ::mbus::Error::Checksum { offset, .. } => offset.saturating_add(2),
                        _ => 0,
                    };
                    break Out::Damaged(
                        PushError::Mbus {
                            offset: end.saturating_sub(len),
                            error,
                        },
                        false,
                    );
                }
                Some(Ok(frame)) => {
                    let len = frame.buffer_len();
                    let header = match frame {
                        ::mbus::Frame::Long {
                            control,
                            address,
                            ci,
                            data,
                        } => {
                            w.frame.clear();
                            w.frame.extend_from_slice(data);
                            Some((control, address, ci))
                        }
                        _ => None,
                    };
                    let end = fed.saturating_sub(w.decoder.buffered());
                    let offset = end.saturating_sub(len);
                    let long = header.is_some();
                    let none = Out::Frame {
                        long,
                        apdu_from: None,
                        message: None,
                    };
                    // Acknowledgements and requests are no messages.
                    let Some((control, address, ci)) = header else {
                        break none;
                    };
                    let frame = ::mbus::Frame::Long {
                        control,
                        address,
                        ci,
                        data: &w.frame,
                    };
                    break match frame {
                        ::mbus::Frame::Long { ci, .. } if ci.is_dlms_segment() => {
                            match ::mbus::dlms::DlmsSegment::from_frame(&frame) {
                                Ok(seg) => {
                                    // The segments of one APDU follow each other: a new first
                                    // segment, or bytes between two segments, end the APDU in
                                    // progress (a segment after a gap is not spliced onto it).
                                    if seg.sequence == 0 || offset != w.segment_end {
                                        abandoned =
                                            w.next_segment.take().map(|n| (w.message_start, n));
                                        w.reassembler.reset();
                                    }
                                    if seg.sequence == 0 {
                                        w.message_start = offset;
                                    }
                                    w.segment_end = end;
                                    let start = w.message_start;
                                    match w.reassembler.push(&seg) {
                                        Ok(Some(apdu)) => {
                                            w.apdu.clear();
                                            w.apdu.extend_from_slice(apdu);
                                            w.next_segment = None;
                                            Out::Frame {
                                                long,
                                                apdu_from: Some(start),
                                                message: None,
                                            }
                                        }
                                        Ok(None) => {
                                            w.next_segment =
                                                Some(u32::from(seg.sequence).saturating_add(1));
                                            none
                                        }
                                        Err(error) => {
                                            w.next_segment = None;
                                            Out::Damaged(PushError::Mbus { offset, error }, true)
                                        }
                                    }
                                }
                                Err(error) => Out::Damaged(PushError::Mbus { offset, error }, true),
                            }
                        }
                        ::mbus::Frame::Long { .. } => match wired::response(&frame, offset) {
                            Ok(m) => Out::Frame {
                                long,
                                apdu_from: None,
                                message: Some(m),
                            },
                            Err(error) => Out::Damaged(PushError::Mbus { offset, error }, true),
                        },
                        _ => none,
                    };
                }
            }
        };
        if let Some((offset, next)) = abandoned {
            self.emit(Err(PushError::Incomplete { offset, next }));
        }
        match out {
            Out::Damaged(e, long) => {
                // A long frame with a good checksum tells the framing even when its
                // content does not decode.
                if long {
                    self.lock(Framing::Mbus);
                }
                self.damaged(Framing::Mbus, e);
            }
            Out::Frame {
                long,
                apdu_from,
                message,
            } => {
                // Only a long frame tells the framing: a lone E5 byte is no evidence.
                if long {
                    self.lock(Framing::Mbus);
                }
                if let Some(m) = message {
                    self.emit(Ok(Message::Mbus(Box::new(m))));
                }
                if let Some(start) = apdu_from {
                    let apdu = core::mem::take(&mut self.wired.apdu);
                    let item = self.process_apdu(&apdu, start);
                    self.wired.apdu = apdu;
                    self.emit(item);
                }
            }
        }
        true
    }

    /// Every message available now (see [`PushListener::next_message`]).
    pub fn messages(&mut self) -> impl Iterator<Item = Result<Message, PushError>> + '_ {
        core::iter::from_fn(move || self.next_message())
    }

    /// Call at the end of the input: reports a block-transfer (or M-Bus segmented) message
    /// still in progress, and the damaged frames held back while no good frame had told the
    /// framing (HDLC ones first, as the E450 speaks HDLC).
    pub fn finish(&mut self) -> Vec<PushError> {
        let mut out = Vec::new();
        if self.framing == Framing::Detecting {
            let held = core::mem::take(&mut self.held);
            let framing = if held.iter().any(|(f, _)| *f == Framing::Hdlc) {
                Framing::Hdlc
            } else {
                Framing::Mbus
            };
            out.extend(
                held.into_iter()
                    .filter(|(f, _)| *f == framing)
                    .map(|(_, e)| e),
            );
        }
        if let Some(next) = self.next_block.take() {
            self.reassembler.reset();
            out.push(PushError::Incomplete {
                offset: self.message_start,
                next,
            });
        }
        if let Some(next) = self.wired.next_segment.take() {
            self.wired.reassembler.reset();
            out.push(PushError::Incomplete {
                offset: self.wired.message_start,
                next,
            });
        }
        for _ in &out {
            self.stats.damaged = self.stats.damaged.saturating_add(1);
        }
        out
    }

    /// Decodes one bare APDU (data-notification `0F` or general-glo-ciphering `DB`) with this
    /// listener's keys, template and replay guard. `offset` is reported in the result.
    pub fn decode_apdu(&mut self, apdu: &[u8], offset: usize) -> Result<Message, PushError> {
        let item = self.process_apdu(apdu, offset);
        self.count(&item);
        item
    }

    fn count(&mut self, item: &Result<Message, PushError>) {
        let s = &mut self.stats;
        match item {
            Ok(Message::Reading(_) | Message::Mbus(_)) => s.messages = s.messages.saturating_add(1),
            Ok(Message::Encrypted(_)) => {
                s.messages = s.messages.saturating_add(1);
                s.undecryptable = s.undecryptable.saturating_add(1);
            }
            Err(e) if e.is_undecryptable() => s.undecryptable = s.undecryptable.saturating_add(1),
            Err(_) => s.damaged = s.damaged.saturating_add(1),
        }
    }

    fn emit(&mut self, item: Result<Message, PushError>) {
        self.count(&item);
        self.queue.push_back(item);
    }

    fn handle_info(&mut self, info: &[u8], offset: usize) {
        let body = hdlc::Llc::strip(info);
        match body.first() {
            None => {}
            Some(0xE0) => self.handle_block(body, offset),
            Some(_) => {
                if let Some(next) = self.next_block.take() {
                    // A whole message arrived while a block transfer was in progress.
                    self.reassembler.reset();
                    self.emit(Err(PushError::Incomplete {
                        offset: self.message_start,
                        next,
                    }));
                }
                let item = self.process_apdu(body, offset);
                self.emit(item);
            }
        }
    }

    fn handle_block(&mut self, body: &[u8], offset: usize) {
        let block = match GeneralBlockTransfer::parse(body) {
            Ok(b) => b,
            Err(error) => {
                self.emit(Err(PushError::Apdu { offset, error }));
                return;
            }
        };
        let number = u32::from(block.block_number);
        let previous_start = self.message_start;
        if number == 1 {
            self.message_start = offset;
        }
        let result = match self.reassembler.push_gbt(&block) {
            Ok(Some(apdu)) => {
                self.apdu_buf.clear();
                self.apdu_buf.extend_from_slice(apdu);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(e),
        };
        self.next_block = if self.reassembler.in_progress() {
            Some(number.saturating_add(1))
        } else {
            None
        };
        match result {
            Ok(true) => {
                let apdu = core::mem::take(&mut self.apdu_buf);
                let item = self.process_apdu(&apdu, self.message_start);
                self.apdu_buf = apdu;
                self.emit(item);
            }
            Ok(false) => {}
            Err(ReassemblyError::MissingBlock { expected, found }) => {
                let at = if found == 1 || expected > 1 {
                    previous_start
                } else {
                    offset
                };
                self.emit(Err(PushError::MissingBlock {
                    offset: at,
                    expected,
                    found,
                }));
            }
            Err(ReassemblyError::TooLarge { limit }) => {
                self.emit(Err(PushError::TooLarge {
                    offset: self.message_start,
                    limit,
                }));
            }
            Err(_) => {
                self.emit(Err(PushError::Layout {
                    offset,
                    what: "a block-transfer error",
                }));
            }
        }
    }

    fn process_apdu(&mut self, apdu: &[u8], offset: usize) -> Result<Message, PushError> {
        match apdu.first() {
            Some(0x0F) => {
                let mut r = self.spare_reading();
                match body::decode_notification(
                    apdu,
                    offset,
                    self.config.template.as_ref(),
                    &mut self.cache,
                    &mut r,
                ) {
                    Ok(()) => {
                        r.finish();
                        Ok(Message::Reading(r))
                    }
                    Err(e) => {
                        self.spare = Some(r);
                        Err(e)
                    }
                }
            }
            Some(0xDB) => self.process_glo(apdu, offset),
            Some(&tag) => Err(PushError::UnexpectedApdu { offset, tag }),
            None => Err(PushError::Layout {
                offset,
                what: "an empty APDU",
            }),
        }
    }

    fn process_glo(&mut self, apdu: &[u8], offset: usize) -> Result<Message, PushError> {
        let glo =
            GeneralGloCiphering::parse(apdu).map_err(|error| PushError::Apdu { offset, error })?;
        let title = SystemTitle(glo.system_title);
        let counter = glo.invocation_counter;
        let Some(cipher) = &self.cipher else {
            return Ok(Message::Encrypted(EncryptedPush {
                offset,
                system_title: glo.system_title,
                frame_counter: counter,
                security_control: glo.security_control.0,
            }));
        };
        if self.config.replay_guard {
            self.replay
                .check(&title, counter)
                .map_err(|e| PushError::Replay {
                    offset,
                    received: e.received,
                    last: e.last,
                })?;
        }
        let auth = Authentication::from(self.config.auth_key.as_ref());
        self.plain_buf.clear();
        self.plain_buf.extend_from_slice(glo.ciphertext);
        let opened = cipher
            .decrypt_in_place(auth, &glo.security_header(), &mut self.plain_buf)
            .map_err(|error| PushError::Security { offset, error })?;
        let plain = self.plain_buf.get(..opened.len).unwrap_or_default();
        let mut reading = self.spare.take().unwrap_or_default();
        let decoded = if plain.first() == Some(&0x0F) {
            body::decode_notification(
                plain,
                offset,
                self.config.template.as_ref(),
                &mut self.cache,
                &mut reading,
            )
        } else if opened.authenticated {
            Err(PushError::UnexpectedApdu {
                offset,
                tag: plain.first().copied().unwrap_or_default(),
            })
        } else {
            Err(PushError::WrongKey { offset })
        };
        // Decrypted bytes are readings of a household: do not keep them around.
        self.plain_buf.iter_mut().for_each(|b| *b = 0);
        if let Err(e) = decoded {
            self.spare = Some(reading);
            return Err(match e {
                PushError::Apdu { .. } if !opened.authenticated => PushError::WrongKey { offset },
                e => e,
            });
        }
        if self.config.replay_guard {
            // Checked above; recording cannot fail.
            let _ = self.replay.accept(title, counter);
        }
        reading.system_title = Some(glo.system_title);
        reading.frame_counter = Some(counter);
        reading.security = if opened.authenticated {
            Security::Authenticated
        } else {
            Security::Decrypted
        };
        reading.finish();
        Ok(Message::Reading(reading))
    }

    /// The reading to fill next: a recycled one, else a new one.
    fn spare_reading(&mut self) -> Box<Reading> {
        self.spare.take().unwrap_or_default()
    }

    /// Gives a reading back once it has been used, so that the next message is decoded into
    /// its allocations (the box and the value list): a listener fed a steady stream and given
    /// its readings back decodes without allocating.
    ///
    /// ```
    /// use e450::push::{Message, PushConfig, PushListener};
    /// let apdu = [0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x09, 0x06, 0x01, 0x00, 0x01,
    ///             0x08, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x01, 0x2C];
    /// let mut listener = PushListener::new(PushConfig::default());
    /// for _ in 0..3 {
    ///     let Ok(Message::Reading(r)) = listener.decode_apdu(&apdu, 0) else { panic!() };
    ///     assert_eq!(r.active_energy_import, Some(300.0));
    ///     listener.recycle(r);
    /// }
    /// ```
    pub fn recycle(&mut self, reading: Box<Reading>) {
        self.spare = Some(reading);
    }
}

/// Decodes one bare APDU (data-notification `0F` or general-glo-ciphering `DB`, no HDLC).
///
/// ```
/// use e450::push::{decode_apdu, Message, PushConfig};
/// let apdu = [0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x09, 0x06, 0x01, 0x00, 0x01,
///             0x08, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x01, 0x2C];
/// let Ok(Message::Reading(r)) = decode_apdu(&apdu, &PushConfig::default()) else { panic!() };
/// assert_eq!(r.active_energy_import, Some(300.0));
/// ```
///
/// # Errors
///
/// As the items of [`PushListener::next_message`].
pub fn decode_apdu(apdu: &[u8], config: &PushConfig) -> Result<Message, PushError> {
    PushListener::new(config.clone()).decode_apdu(apdu, 0)
}

/// Decodes a bare notification body (the A-XDR data after the date-time), e.g. a values-only
/// structure with the configured template.
///
/// ```
/// use e450::push::{decode_body, PushConfig, Template};
/// let config = PushConfig { template: Some(Template::builtin("wiener-netze")?), ..PushConfig::default() };
/// let body = hex(
///     "0209090C07E7091302162C01FF800080060003665D06000035FA06000028CA060001C668\
///      0600000ACD0600000000060000000006000001AC");
/// # fn hex(s: &str) -> Vec<u8> { (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect() }
/// let r = decode_body(&body, &config).unwrap();
/// assert_eq!(r.active_energy_import, Some(222_813.0));
/// assert_eq!(r.timestamp.unwrap().local, "2023-09-19T22:44:01");
/// # Ok::<(), e450::push::TemplateError>(())
/// ```
///
/// # Errors
///
/// [`PushError::Apdu`] when the bytes are not one A-XDR value, [`PushError::Layout`] when it
/// matches no layout.
pub fn decode_body(bytes: &[u8], config: &PushConfig) -> Result<Reading, PushError> {
    let mut cache = body::RegistryCache::default();
    let mut r = body::decode_body_bytes(bytes, config.template.as_ref(), &mut cache)?;
    r.finish();
    Ok(r)
}

/// Decodes a whole captured input, as `compteur decode` and the Python `decode_push` do:
/// HDLC frames or M-Bus long frames with anything in between (a message cut short at the end
/// is reported), or, when the input holds no frame at all, a bare APDU or a bare notification
/// body (an A-XDR structure or array).
///
/// ```
/// use e450::push::{decode_capture, PushConfig, Template};
/// // No frame, not an APDU: one error item.
/// assert!(matches!(decode_capture(&[0x07, 0x00], &PushConfig::default()).as_slice(), [Err(_)]));
/// // A bare values-only body with its template.
/// let config = PushConfig { template: Some(Template::builtin("wiener-netze")?), ..PushConfig::default() };
/// let body = hex(
///     "0209090C07E7091302162C01FF800080060003665D06000035FA06000028CA060001C668\
///      0600000ACD0600000000060000000006000001AC");
/// # fn hex(s: &str) -> Vec<u8> { (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect() }
/// assert_eq!(decode_capture(&body, &config).len(), 1);
/// # Ok::<(), e450::push::TemplateError>(())
/// ```
pub fn decode_capture(input: &[u8], config: &PushConfig) -> Vec<Result<Message, PushError>> {
    let mut listener = PushListener::new(config.clone());
    listener.feed(input);
    let mut items: Vec<Result<Message, PushError>> = listener.messages().collect();
    items.extend(listener.finish().into_iter().map(Err));
    if listener.stats().frames == 0 && items.is_empty() && !input.is_empty() {
        items.push(match input.first() {
            Some(0x01 | 0x02) => decode_body(input, config).map(|r| Message::Reading(Box::new(r))),
            _ => decode_apdu(input, config),
        });
    }
    items
}

// The user guide's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/push.md")]
struct PushGuide;
