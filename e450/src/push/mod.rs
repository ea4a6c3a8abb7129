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
mod template;

use std::collections::VecDeque;

use dlms::apdu::{GeneralBlockTransfer, GeneralGloCiphering, Reassembler, ReassemblyError};
use dlms::security::{
    Authentication, AuthenticationKey, EncryptionKey, ReplayGuard, SecurityError, SuiteZeroCipher,
    SystemTitle,
};

pub use template::{BUILTIN, Template, TemplateEntry, TemplateError};

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
}

impl Message {
    /// The byte offset of the message in the input stream.
    pub fn offset(&self) -> usize {
        match self {
            Message::Reading(r) => r.offset,
            Message::Encrypted(e) => e.offset,
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
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PushConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> PushStats {
        let hdlc = self.decoder.stats();
        PushStats {
            frames: hdlc.frames,
            bytes_skipped: hdlc.bytes_skipped,
            ..self.stats
        }
    }

    /// Appends bytes from the line.
    pub fn feed(&mut self, data: &[u8]) {
        self.fed = self.fed.saturating_add(data.len());
        self.decoder.feed(data);
    }

    /// The next message from the bytes fed so far, `None` when more bytes are needed.
    /// Damaged and undecryptable messages are `Err` items; decoding carries on after them.
    pub fn next_message(&mut self) -> Option<Result<Message, PushError>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            let (start, ok) = match self.decoder.next_frame() {
                None => return None,
                Some(Ok(frame)) => {
                    self.frame_buf.clear();
                    self.frame_buf.extend_from_slice(frame.info);
                    (frame.buffer_len().saturating_sub(1), true)
                }
                Some(Err(e)) => {
                    let offset = self
                        .fed
                        .saturating_sub(self.decoder.buffered())
                        .saturating_sub(1);
                    self.emit(Err(PushError::Frame { offset, error: e }));
                    continue;
                }
            };
            if ok {
                // The decoder stops at the closing flag of the frame it returned.
                let end = self.fed.saturating_sub(self.decoder.buffered());
                let offset = end.saturating_sub(start);
                let info = core::mem::take(&mut self.frame_buf);
                self.handle_info(&info, offset);
                self.frame_buf = info;
            }
        }
    }

    /// Every message available now (see [`PushListener::next_message`]).
    pub fn messages(&mut self) -> impl Iterator<Item = Result<Message, PushError>> + '_ {
        core::iter::from_fn(move || self.next_message())
    }

    /// Call at the end of the input: reports a block-transfer message still in progress.
    pub fn finish(&mut self) -> Option<PushError> {
        let next = self.next_block.take()?;
        self.reassembler.reset();
        self.stats.damaged = self.stats.damaged.saturating_add(1);
        Some(PushError::Incomplete {
            offset: self.message_start,
            next,
        })
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
            Ok(Message::Reading(_)) => s.messages = s.messages.saturating_add(1),
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
                let mut r = body::decode_notification(
                    apdu,
                    offset,
                    self.config.template.as_ref(),
                    &mut self.cache,
                )?;
                r.finish();
                Ok(Message::Reading(Box::new(r)))
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
        let decoded = if plain.first() == Some(&0x0F) {
            body::decode_notification(
                plain,
                offset,
                self.config.template.as_ref(),
                &mut self.cache,
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
        let mut reading = match decoded {
            Ok(r) => r,
            Err(PushError::Apdu { .. }) if !opened.authenticated => {
                return Err(PushError::WrongKey { offset });
            }
            Err(e) => return Err(e),
        };
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
        Ok(Message::Reading(Box::new(reading)))
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

// The user guide's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/push.md")]
struct PushGuide;
