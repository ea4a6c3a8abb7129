//! Reassembly of segmented I-frames (segmentation bit S in the format field).

use alloc::vec::Vec;

use crate::{Error, Frame};

/// Joins the information fields of segmented frames into one message.
///
/// A frame with the segmentation bit set says "more follows"; the next frame without it
/// ends the message. The message is capped at `limit` bytes.
///
/// ```
/// use hdlc::{Address, Control, Frame, Reassembler};
///
/// let (a, b) = (Address::PUBLIC_CLIENT, Address::server(1, 17)?);
/// let mut r = Reassembler::new(4096);
/// let first = Frame { segmented: true, ..Frame::new(a, b, Control::I { ns: 0, nr: 0, pf: false }, b"hello ") };
/// let last = Frame::new(a, b, Control::I { ns: 1, nr: 0, pf: true }, b"world");
/// assert_eq!(r.push(&first)?, None);
/// assert_eq!(r.push(&last)?, Some(&b"hello world"[..]));
/// # Ok::<(), hdlc::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reassembler {
    buf: Vec<u8>,
    limit: usize,
    done: bool,
}

impl Reassembler {
    /// A reassembler for messages of at most `limit` bytes.
    #[must_use]
    pub fn new(limit: usize) -> Self {
        Reassembler {
            buf: Vec::new(),
            limit,
            done: false,
        }
    }

    /// The message size limit.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether segments of an unfinished message are held.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        !self.done && !self.buf.is_empty()
    }

    /// Drops any unfinished message.
    pub fn reset(&mut self) {
        self.buf.clear();
        self.done = false;
    }

    /// Adds the information field of `frame`. Returns the whole message when `frame` is the
    /// last segment (segmentation bit clear), `None` while more are expected.
    ///
    /// # Errors
    /// [`Error::ReassemblyOverflow`] when the message exceeds the limit; the unfinished
    /// message is dropped.
    pub fn push(&mut self, frame: &Frame<'_>) -> Result<Option<&[u8]>, Error> {
        self.push_info(frame.info, frame.segmented)
    }

    /// As [`Reassembler::push`], from an information field and the segmentation bit.
    ///
    /// # Errors
    /// [`Error::ReassemblyOverflow`].
    pub fn push_info(&mut self, info: &[u8], segmented: bool) -> Result<Option<&[u8]>, Error> {
        if self.done {
            self.reset();
        }
        let len = self.buf.len().saturating_add(info.len());
        if len > self.limit {
            self.reset();
            return Err(Error::ReassemblyOverflow {
                len,
                limit: self.limit,
            });
        }
        self.buf.extend_from_slice(info);
        if segmented {
            Ok(None)
        } else {
            self.done = true;
            Ok(Some(&self.buf))
        }
    }
}
