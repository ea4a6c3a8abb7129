//! Stateful stream decoder: bytes in as they arrive from a serial port, frames out.

use crate::frame::{ACK, LONG_START, MAX_FRAME_LEN, SHORT_START, STOP};
use crate::{Error, Frame, Status, parse_frame};

/// Capacity of the internal buffer (two maximal frames).
pub const DECODER_CAPACITY: usize = 2 * MAX_FRAME_LEN;

/// Counters kept by a [`FrameDecoder`].
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct DecoderStats {
    /// Frames yielded as `Ok`.
    pub frames: u64,
    /// Frames with a bad checksum yielded as `Err`.
    pub bad_frames: u64,
    /// Bytes discarded while looking for a frame start (garbage, false starts).
    pub skipped_bytes: u64,
}

/// Splits a byte stream into frames.
///
/// Feed bytes with [`feed`](Self::feed), then call [`next_frame`](Self::next_frame) until it
/// returns `None`. Garbage before a frame is skipped (and counted); a frame whose length, start
/// and stop bytes are right but whose checksum is wrong is yielded as an `Err` item and dropped;
/// a false start (a `68` or `10` that does not begin a frame) is skipped a byte at a time. The
/// buffer is bounded ([`DECODER_CAPACITY`]) and needs no allocation.
///
/// ```
/// use mbus::{Address, Control, Frame, FrameDecoder};
/// let mut dec = FrameDecoder::new();
/// dec.feed(&[0x00, 0xFF, 0x10, 0x40]); // garbage, then half a frame
/// assert!(dec.next_frame().is_none());
/// dec.feed(&[0x01, 0x41, 0x16, 0xE5]);
/// assert_eq!(
///     dec.next_frame().unwrap().unwrap(),
///     Frame::Short { control: Control::SND_NKE, address: Address(1) }
/// );
/// assert_eq!(dec.next_frame().unwrap().unwrap(), Frame::Ack);
/// assert!(dec.next_frame().is_none());
/// assert_eq!(dec.stats().skipped_bytes, 2);
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    buf: [u8; DECODER_CAPACITY],
    start: usize,
    end: usize,
    stats: DecoderStats,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// An empty decoder.
    pub const fn new() -> Self {
        FrameDecoder {
            buf: [0; DECODER_CAPACITY],
            start: 0,
            end: 0,
            stats: DecoderStats {
                frames: 0,
                bad_frames: 0,
                skipped_bytes: 0,
            },
        }
    }

    /// Appends bytes; returns how many were taken (fewer than `data.len()` only when the buffer
    /// is full: call [`next_frame`](Self::next_frame) and feed the rest again).
    pub fn feed(&mut self, data: &[u8]) -> usize {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end = self.end.saturating_sub(self.start);
            self.start = 0;
        }
        let free = self.buf.get_mut(self.end..).unwrap_or_default();
        let n = free.len().min(data.len());
        if let (Some(dst), Some(src)) = (free.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.end = self.end.saturating_add(n);
        n
    }

    /// Bytes buffered and not yet consumed.
    pub fn buffered(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// The counters.
    pub fn stats(&self) -> DecoderStats {
        self.stats
    }

    /// Forgets buffered bytes (for example after a timeout between characters).
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// The next frame, `Some(Err(_))` for a frame with a bad checksum, or `None` when more
    /// bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, Error>> {
        let FrameDecoder {
            buf,
            start,
            end,
            stats,
        } = self;
        loop {
            let window = buf.get(*start..*end)?;
            let first = *window.first()?;
            if !matches!(first, ACK | SHORT_START | LONG_START) {
                *start = start.saturating_add(1);
                stats.skipped_bytes = stats.skipped_bytes.saturating_add(1);
                continue;
            }
            match parse_frame(window) {
                Ok(Status::Partial { .. }) => return None,
                Ok(Status::Complete((n, _))) => {
                    let at = *start;
                    *start = start.saturating_add(n);
                    stats.frames = stats.frames.saturating_add(1);
                    let bytes = buf.get(at..at.saturating_add(n))?;
                    return match parse_frame(bytes) {
                        Ok(Status::Complete((_, frame))) => Some(Ok(frame)),
                        _ => None,
                    };
                }
                Err(e @ Error::Checksum { offset, .. }) => {
                    // The stop byte follows the checksum; decide once it is there.
                    match window.get(offset.saturating_add(1)) {
                        None => return None,
                        Some(&STOP) => {
                            *start = start.saturating_add(offset).saturating_add(2);
                            stats.bad_frames = stats.bad_frames.saturating_add(1);
                            return Some(Err(e));
                        }
                        Some(_) => {
                            *start = start.saturating_add(1);
                            stats.skipped_bytes = stats.skipped_bytes.saturating_add(1);
                        }
                    }
                }
                Err(_) => {
                    *start = start.saturating_add(1);
                    stats.skipped_bytes = stats.skipped_bytes.saturating_add(1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::{Address, Ci, Control};
    use std::vec::Vec;

    const BUSY: [u8; 10] = [0x68, 0x04, 0x04, 0x68, 0x08, 0x01, 0x70, 0x08, 0x81, 0x16];

    #[test]
    fn byte_by_byte_with_garbage_and_bad_checksum() {
        let mut stream = vec![0x68, 0x00, 0x99, 0x10]; // false starts and garbage
        stream.extend_from_slice(&BUSY);
        let mut bad = BUSY;
        bad[8] = 0x00;
        stream.extend_from_slice(&bad);
        stream.extend_from_slice(&BUSY);
        let mut dec = FrameDecoder::new();
        let mut got = Vec::new();
        for b in &stream {
            assert_eq!(dec.feed(&[*b]), 1);
            while let Some(item) = dec.next_frame() {
                got.push(item.map(|f| f.ci()));
            }
        }
        assert_eq!(
            got,
            vec![
                Ok(Some(Ci::APPLICATION_ERROR)),
                Err(Error::Checksum {
                    offset: 8,
                    expected: 0x81,
                    found: 0
                }),
                Ok(Some(Ci::APPLICATION_ERROR)),
            ]
        );
        let s = dec.stats();
        assert_eq!((s.frames, s.bad_frames, s.skipped_bytes), (2, 1, 4));
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn bounded_buffer() {
        let mut dec = FrameDecoder::new();
        let junk = [0u8; 2000];
        assert_eq!(dec.feed(&junk), DECODER_CAPACITY);
        assert!(dec.next_frame().is_none());
        assert_eq!(dec.feed(&[0x10, 0x5B, 0x02, 0x5D, 0x16]), 5);
        let f = dec.next_frame().unwrap().unwrap();
        assert_eq!(f.address(), Some(Address(2)));
        assert_eq!(f.control(), Some(Control::REQ_UD2));
        dec.clear();
        assert_eq!(dec.buffered(), 0);
    }
}
