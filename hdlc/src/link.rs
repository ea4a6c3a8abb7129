//! The sequencing core shared by the client and the server side of a link: send window,
//! acknowledgements, go-back-N retransmission, segmentation and reassembly.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::{Address, Control, Error, Frame, Llc, Parameters, Reassembler};

/// One segment of an outgoing message.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) info: Vec<u8>,
    pub(crate) more: bool,
}

/// Sequence state of an established link.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Negotiated parameters seen from this side: `max_info_tx` is what we may send.
    pub(crate) params: Parameters,
    /// V(R): the next N(S) we expect.
    pub(crate) vr: u8,
    /// V(A): N(S) of `out[0]`, the oldest unacknowledged segment.
    pub(crate) va: u8,
    /// Segments of the message being sent; `out[..next]` are sent and unacknowledged.
    pub(crate) out: VecDeque<Segment>,
    pub(crate) next: usize,
    /// Messages waiting to be segmented.
    pub(crate) queue: VecDeque<Vec<u8>>,
    pub(crate) rx: Reassembler,
    /// Whether some segment was already sent once (for the retransmission counter).
    pub(crate) sent_high: usize,
}

impl Link {
    pub(crate) fn new(params: Parameters, max_message: usize) -> Self {
        Link {
            params,
            vr: 0,
            va: 0,
            out: VecDeque::new(),
            next: 0,
            queue: VecDeque::new(),
            rx: Reassembler::new(max_message),
            sent_high: 0,
        }
    }

    pub(crate) fn window(&self) -> usize {
        usize::try_from(self.params.window_tx.clamp(1, 7)).unwrap_or(1)
    }

    pub(crate) fn max_info(&self) -> usize {
        usize::try_from(self.params.max_info_tx)
            .unwrap_or(usize::MAX)
            .clamp(1, 2030)
    }

    /// Processes N(R). Returns `Ok(true)` when it acknowledged something new, `Err(())` when it
    /// is outside the frames sent.
    pub(crate) fn ack(&mut self, nr: u8) -> Result<bool, ()> {
        let k = usize::from(nr.wrapping_sub(self.va) & 7);
        if k > self.next {
            return Err(());
        }
        for _ in 0..k {
            self.out.pop_front();
        }
        self.next = self.next.saturating_sub(k);
        self.sent_high = self.sent_high.saturating_sub(k);
        self.va = nr & 7;
        Ok(k > 0)
    }

    /// Go back N: resend everything not acknowledged.
    pub(crate) fn go_back(&mut self) {
        self.next = 0;
    }

    /// Frames sent and not acknowledged.
    pub(crate) fn unacked(&self) -> usize {
        self.next
    }

    pub(crate) fn has_unsent(&self) -> bool {
        self.next < self.out.len()
    }

    /// Whether a message is being sent or waits to be.
    pub(crate) fn busy_sending(&self) -> bool {
        !self.out.is_empty() || !self.queue.is_empty()
    }

    /// Segments the next queued message when the previous one is fully acknowledged.
    pub(crate) fn load(&mut self) {
        if !self.out.is_empty() {
            return;
        }
        let Some(msg) = self.queue.pop_front() else {
            return;
        };
        let max = self.max_info();
        let mut chunks = msg.chunks(max).peekable();
        if chunks.peek().is_none() {
            self.out.push_back(Segment {
                info: Vec::new(),
                more: false,
            });
        }
        while let Some(c) = chunks.next() {
            self.out.push_back(Segment {
                info: c.to_vec(),
                more: chunks.peek().is_some(),
            });
        }
        self.next = 0;
        self.sent_high = 0;
    }

    /// Emits the next window of I-frames into `tx`, the last one with the poll/final bit.
    /// Returns (frames sent, of which retransmissions).
    pub(crate) fn send_window(
        &mut self,
        dest: Address,
        src: Address,
        tx: &mut VecDeque<Vec<u8>>,
    ) -> (usize, usize) {
        let window = self.window();
        let mut sent = 0usize;
        let mut again = 0usize;
        while self.next < self.out.len() && self.next < window {
            let Some(seg) = self.out.get(self.next) else {
                break;
            };
            let ns = ((usize::from(self.va).wrapping_add(self.next)) & 7) as u8;
            let last =
                self.next.wrapping_add(1) >= window || self.next.wrapping_add(1) >= self.out.len();
            let frame = Frame {
                segmented: seg.more,
                dest,
                src,
                control: Control::I {
                    ns,
                    nr: self.vr,
                    pf: last,
                },
                info: &seg.info,
            };
            let mut bytes = Vec::new();
            if frame.encode(&mut bytes).is_ok() {
                tx.push_back(bytes);
            }
            if self.next < self.sent_high {
                again = again.saturating_add(1);
            }
            self.next = self.next.saturating_add(1);
            self.sent_high = self.sent_high.max(self.next);
            sent = sent.saturating_add(1);
        }
        (sent, again)
    }

    /// Accepts an I-frame. Returns `Ok(Some(message))` when it completes a message,
    /// `Ok(None)` otherwise; out-of-sequence frames are dropped (`accepted` false).
    pub(crate) fn receive(
        &mut self,
        ns: u8,
        info: &[u8],
        segmented: bool,
    ) -> (bool, Result<Option<Vec<u8>>, Error>) {
        if ns & 7 != self.vr {
            return (false, Ok(None));
        }
        self.vr = self.vr.wrapping_add(1) & 7;
        match self.rx.push_info(info, segmented) {
            Ok(Some(msg)) => (true, Ok(Some(msg.to_vec()))),
            Ok(None) => (true, Ok(None)),
            Err(e) => (true, Err(e)),
        }
    }

    pub(crate) fn rr(&self, dest: Address, src: Address, pf: bool) -> Vec<u8> {
        encode(&Frame::new(dest, src, Control::Rr { nr: self.vr, pf }, &[]))
    }
}

pub(crate) fn encode(frame: &Frame<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    // Control frames and bounded information fields: emit cannot fail here.
    let _ = frame.encode(&mut out);
    out
}

/// A message to send, with the LLC header in front when `llc` is on.
pub(crate) fn with_llc(llc: Option<Llc>, message: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(message.len().saturating_add(3));
    if let Some(header) = llc {
        msg.extend_from_slice(&header.bytes());
    }
    msg.extend_from_slice(message);
    msg
}

/// A message received, without the expected LLC header (kept whole when it has another one).
pub(crate) fn without_llc(expected: Option<Llc>, msg: Vec<u8>) -> Vec<u8> {
    match (expected, Llc::split(&msg)) {
        (Some(want), Some((got, rest))) if want == got => rest.to_vec(),
        _ => msg,
    }
}

/// Adds one to a counter.
pub(crate) fn inc(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}
