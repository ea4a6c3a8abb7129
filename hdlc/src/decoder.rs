//! The resynchronising stream decoder.

use alloc::vec::Vec;

use crate::frame::{FLAG, MAX_FRAME_LENGTH, MIN_FRAME_LENGTH, parse_body, parse_frame_limited};
use crate::{Error, Frame, Status};

/// Counters kept by a [`FrameDecoder`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames yielded with correct checks.
    pub frames: u64,
    /// Bytes passed over outside good frames: garbage, flags that opened nothing, and the bytes
    /// of frames that failed their checks.
    pub bytes_skipped: u64,
    /// Frames whose HCS or FCS did not match (each one was yielded as an `Err` item).
    pub check_failures: u64,
    /// Frames whose announced length exceeded the decoder's limit (skipped as garbage).
    pub oversized: u64,
}

/// A stateful, resynchronising HDLC stream decoder with bounded memory.
///
/// Frames are extracted by the length in their format field, never by scanning for the closing
/// flag, so information fields may contain `0x7E`. The decoder
/// - accepts any chunking, down to one byte at a time;
/// - skips garbage up to the next flag (counted in [`Stats::bytes_skipped`]);
/// - handles back-to-back frames that share one flag (`7E frame 7E frame 7E`) as well as
///   frames with a flag each (`7E frame 7E 7E frame 7E`);
/// - yields a frame whose HCS or FCS fails as an `Err` item and carries on at the next flag
///   after its opening flag, so a good frame is never lost behind a damaged one. A bad HCS is
///   reported as soon as the header is in (line noise that looks like a header is reported
///   too); a bad FCS once the closing flag is where the length says;
/// - never yields a frame whose checks fail.
///
/// Memory: the decoder only keeps the unfinished tail of the stream, at most one frame
/// (`limit` + 2 bytes, 2,049 by default), unless bytes are fed with [`FrameDecoder::feed`]
/// faster than they are read with [`FrameDecoder::next_frame`].
///
/// Two ways to use it:
///
/// 1. [`feed`](FrameDecoder::feed) then [`next_frame`](FrameDecoder::next_frame) until it
///    returns `None`. Fed bytes are copied into the decoder; frames borrow from it.
///
/// ```
/// use hdlc::{Control, FrameDecoder};
///
/// let snrm = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
/// let mut decoder = FrameDecoder::new();
/// let mut frames = 0;
/// for chunk in snrm.chunks(3) {
///     decoder.feed(chunk);
///     while let Some(item) = decoder.next_frame() {
///         let frame = item?; // a bad HCS/FCS is an Err item; decoding carries on
///         assert_eq!(frame.control, Control::Snrm { pf: true });
///         frames += 1;
///     }
/// }
/// assert_eq!(frames, 1);
/// # Ok::<(), hdlc::Error>(())
/// ```
///
/// 2. [`decode`](FrameDecoder::decode): the zero-copy path. Frames that lie whole inside the
///    given slice are parsed in place and borrow from it; only the unfinished tail is copied
///    into the decoder when the returned [`Frames`] is dropped.
///
/// ```
/// use hdlc::FrameDecoder;
///
/// let snrm = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
/// let mut stream = snrm.to_vec();
/// stream.extend_from_slice(&snrm[1..]); // shares the flag of the first frame
/// let mut decoder = FrameDecoder::new();
/// let mut frames = decoder.decode(&stream);
/// while let Some(item) = frames.next_frame() {
///     let frame = item?;
///     assert!(frame.info.is_empty());
/// }
/// drop(frames);
/// assert_eq!(decoder.stats().frames, 2);
/// # Ok::<(), hdlc::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    pos: usize,
    limit: usize,
    stats: Stats,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// One step of the scanner over a byte slice.
enum Step<'b> {
    /// A good frame; the scan continues at `next` (the closing flag).
    Frame(usize, Frame<'b>),
    /// A frame that failed its checks; the scan continues at the given offset.
    Error(usize, Error),
    /// The slice ends inside a possible frame starting at `keep_from` (a flag), or holds no
    /// flag at all (`keep_from` = slice length). `needed` is a lower bound on the bytes to add.
    NeedMore { keep_from: usize, needed: usize },
}

fn add(counter: &mut u64, n: usize) {
    *counter = counter.saturating_add(n as u64);
}

fn step<'b>(data: &'b [u8], limit: usize, stats: &mut Stats) -> Step<'b> {
    let mut p = 0usize;
    loop {
        let rest = data.get(p..).unwrap_or(&[]);
        let Some(i) = rest.iter().position(|&b| b == FLAG) else {
            add(&mut stats.bytes_skipped, rest.len());
            return Step::NeedMore {
                keep_from: data.len(),
                needed: MIN_FRAME_LENGTH.wrapping_add(2),
            };
        };
        add(&mut stats.bytes_skipped, i);
        p = p.saturating_add(i);
        // Collapse a run of flags to its last one.
        let run = data.get(p..).unwrap_or(&[]);
        match run.iter().position(|&b| b != FLAG) {
            None => {
                return Step::NeedMore {
                    keep_from: data.len().saturating_sub(1),
                    needed: MIN_FRAME_LENGTH.wrapping_add(1),
                };
            }
            Some(k) => p = p.saturating_add(k).saturating_sub(1),
        }
        match parse_frame_limited(data.get(p..).unwrap_or(&[]), limit) {
            Ok(Status::Complete((used, frame))) => {
                add(&mut stats.frames, 1);
                return Step::Frame(p.saturating_add(used), frame);
            }
            Ok(Status::Partial { needed }) => {
                return Step::NeedMore {
                    keep_from: p,
                    needed,
                };
            }
            Err(e @ (Error::HeaderCheck { .. } | Error::FrameCheck { .. })) => {
                add(&mut stats.check_failures, 1);
                add(&mut stats.bytes_skipped, 1);
                return Step::Error(p.saturating_add(1), e);
            }
            Err(e) => {
                if matches!(e, Error::FrameTooLong { .. }) {
                    add(&mut stats.oversized, 1);
                }
                add(&mut stats.bytes_skipped, 1);
                p = p.saturating_add(1);
            }
        }
    }
}

impl FrameDecoder {
    /// A decoder that accepts every frame length the format field can express.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limit(MAX_FRAME_LENGTH)
    }

    /// A decoder that skips frames whose format-field length exceeds `limit` bytes, keeping at
    /// most `limit` + 2 bytes of unfinished frame. Values above 2,047 mean 2,047.
    #[must_use]
    pub fn with_limit(limit: usize) -> Self {
        FrameDecoder {
            buf: Vec::new(),
            pos: 0,
            limit: limit.min(MAX_FRAME_LENGTH),
            stats: Stats::default(),
        }
    }

    /// The frame length limit.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The counters so far.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Bytes held and not yet decoded.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Drops any buffered bytes (the counters stay).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0;
    }

    /// Appends bytes from the line. Read the frames with [`FrameDecoder::next_frame`].
    pub fn feed(&mut self, data: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(data);
    }

    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos.min(self.buf.len()));
            self.pos = 0;
        }
    }

    /// The next item from the fed bytes: `Some(Ok(frame))`, `Some(Err(e))` for a frame whose
    /// HCS or FCS failed (decoding carries on with the next call), or `None` when more bytes
    /// are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, Error>> {
        let data = self.buf.get(self.pos..).unwrap_or(&[]);
        match step(data, self.limit, &mut self.stats) {
            Step::Frame(next, frame) => {
                self.pos = self.pos.saturating_add(next);
                Some(Ok(frame))
            }
            Step::Error(next, e) => {
                self.pos = self.pos.saturating_add(next);
                Some(Err(e))
            }
            Step::NeedMore { keep_from, .. } => {
                // Compacted by the next `feed`.
                self.pos = self.pos.saturating_add(keep_from);
                None
            }
        }
    }

    /// Decodes `input` without copying the frames it holds whole: see [`Frames`].
    pub fn decode<'d, 'a>(&'d mut self, input: &'a [u8]) -> Frames<'d, 'a> {
        Frames {
            dec: self,
            input,
            pos: 0,
        }
    }

    /// Whether the buffered tail is exactly one flag (the usual state between frames).
    fn holds_one_flag(&self) -> bool {
        self.buf.get(self.pos..) == Some(&[FLAG])
    }
}

/// Frames decoded in place from one input slice (see [`FrameDecoder::decode`]).
///
/// Call [`Frames::next_frame`] until it returns `None`. When this value is dropped, the bytes
/// not yet decoded are kept by the decoder: normally at most one unfinished frame, or all the
/// rest of the input if iteration stopped early.
#[derive(Debug)]
pub struct Frames<'d, 'a> {
    dec: &'d mut FrameDecoder,
    input: &'a [u8],
    pos: usize,
}

enum Route {
    Buffered,
    AfterFlag,
    Direct,
}

impl Frames<'_, '_> {
    /// The next item, as [`FrameDecoder::next_frame`]. Frames borrow either the input slice or
    /// (for a frame that began in an earlier slice) the decoder.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, Error>> {
        loop {
            let dec = &mut *self.dec;
            let route = if dec.buffered() == 0 {
                Route::Direct
            } else if dec.holds_one_flag() {
                Route::AfterFlag
            } else {
                Route::Buffered
            };
            match route {
                Route::Buffered => {
                    // Finish the frame that began earlier, copying only what it needs.
                    // A dry run on a copy of the counters: when it finds an item, the real
                    // run below returns it borrowed from the decoder.
                    let data = dec.buf.get(dec.pos..).unwrap_or(&[]);
                    let mut scratch = dec.stats;
                    match step(data, dec.limit, &mut scratch) {
                        Step::Frame(..) | Step::Error(..) => {}
                        Step::NeedMore { keep_from, needed } => {
                            dec.stats = scratch;
                            dec.pos = dec.pos.saturating_add(keep_from);
                            dec.compact();
                            let rest = self.input.get(self.pos..).unwrap_or(&[]);
                            if rest.is_empty() {
                                return None;
                            }
                            if dec.buffered() == 0 {
                                continue;
                            }
                            let take = needed.max(1).min(rest.len());
                            dec.buf.extend_from_slice(rest.get(..take).unwrap_or(&[]));
                            self.pos = self.pos.saturating_add(take);
                            continue;
                        }
                    }
                    return self.dec.next_frame();
                }
                Route::AfterFlag => {
                    let rest = self.input.get(self.pos..).unwrap_or(&[]);
                    if rest.is_empty() {
                        return None;
                    }
                    if rest.first() == Some(&FLAG) {
                        // Another flag: the one in the input replaces the buffered one.
                        dec.reset();
                        continue;
                    }
                    match parse_body(rest, 1, dec.limit) {
                        Ok(Status::Complete((used, frame))) => {
                            dec.reset();
                            add(&mut dec.stats.frames, 1);
                            // `used` counts the virtual opening flag at offset 0.
                            self.pos = self.pos.saturating_add(used.saturating_sub(1));
                            return Some(Ok(frame));
                        }
                        Ok(Status::Partial { .. }) => {
                            // The rest is shorter than the frame, so it fits the limit.
                            dec.buf.extend_from_slice(rest);
                            self.pos = self.input.len();
                            return None;
                        }
                        Err(e) => {
                            if matches!(e, Error::HeaderCheck { .. } | Error::FrameCheck { .. }) {
                                dec.reset();
                                add(&mut dec.stats.bytes_skipped, 1);
                                add(&mut dec.stats.check_failures, 1);
                                return Some(Err(e));
                            }
                            dec.reset();
                            add(&mut dec.stats.bytes_skipped, 1);
                            if matches!(e, Error::FrameTooLong { .. }) {
                                add(&mut dec.stats.oversized, 1);
                            }
                            continue;
                        }
                    }
                }
                Route::Direct => {
                    let rest = self.input.get(self.pos..).unwrap_or(&[]);
                    if rest.is_empty() {
                        return None;
                    }
                    match step(rest, dec.limit, &mut dec.stats) {
                        Step::Frame(next, frame) => {
                            self.pos = self.pos.saturating_add(next);
                            return Some(Ok(frame));
                        }
                        Step::Error(next, e) => {
                            self.pos = self.pos.saturating_add(next);
                            return Some(Err(e));
                        }
                        Step::NeedMore { keep_from, .. } => {
                            let tail = rest.get(keep_from..).unwrap_or(&[]);
                            dec.buf.extend_from_slice(tail);
                            self.pos = self.input.len();
                            return None;
                        }
                    }
                }
            }
        }
    }
}

impl Drop for Frames<'_, '_> {
    fn drop(&mut self) {
        if let Some(rest) = self.input.get(self.pos..)
            && !rest.is_empty()
        {
            self.dec.compact();
            self.dec.buf.extend_from_slice(rest);
        }
    }
}
