//! The sans-IO engine of one connection to a simulated meter: bytes in, bytes out. It owns
//! the link state (HDLC or the wrapper) and the DLMS server session; the meter's object model
//! is passed in for each call, so several connections can share one meter.

use std::sync::Arc;

use dlms::session::{ServerConfig, ServerSession};
use hdlc::{Address, AddressSize, Event, FrameDecoder, Parameters, ServerConnection, Status};

use super::household::mix;
use super::model::SimulatedMeter;
pub use crate::Framing;
use crate::wrapper::{WrapperFrame, parse_frame};

/// The direction of a logged frame.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Direction {
    /// From the client to the meter.
    Received,
    /// From the meter to the client.
    Sent,
}

/// A callback that sees every frame (for `--verbose`); frames carry no keys in clear.
pub type FrameLog = Arc<dyn Fn(Direction, &[u8]) + Send + Sync>;

/// The link limits the simulated meter offers in its UA.
pub(crate) fn link_params(max_info: u32, window: u32) -> Parameters {
    Parameters {
        max_info_tx: max_info,
        max_info_rx: max_info,
        window_tx: window,
        window_rx: window,
    }
}

/// Puts a fresh 16-byte StoC into the session before an association (deterministic from the
/// seed and a counter).
fn refresh(session: &mut ServerSession, apdu: &[u8], seed: u64, counter: &mut u64) {
    // Only an AARQ starts an association (the HLS reply that follows checks this challenge).
    if apdu.first() != Some(&0x60) {
        return;
    }
    *counter = counter.wrapping_add(1);
    let a = mix(seed ^ *counter).to_be_bytes();
    let b = mix(seed ^ *counter ^ 0x5A5A).to_be_bytes();
    let mut c = [0u8; 16];
    for (d, s) in c.iter_mut().zip(a.iter().chain(b.iter())) {
        *d = *s;
    }
    session.set_challenge(&c);
}

/// One connection's state.
pub(crate) struct Station {
    framing: Framing,
    decoder: FrameDecoder,
    link: Option<ServerConnection>,
    session: ServerSession,
    params: Parameters,
    logical: u16,
    physical: [u16; 2],
    /// The client SAP of the frame being handled.
    sap: u16,
    wbuf: Vec<u8>,
    seed: u64,
    challenges: u64,
    log: Option<FrameLog>,
    /// The wrapper stream is out of sync: the connection should close.
    pub(crate) broken: bool,
}

impl Station {
    pub(crate) fn new(
        framing: Framing,
        session: ServerConfig,
        params: Parameters,
        logical: u16,
        physical: [u16; 2],
        seed: u64,
        log: Option<FrameLog>,
    ) -> Self {
        Station {
            framing,
            decoder: FrameDecoder::new(),
            link: None,
            session: ServerSession::new(session),
            params,
            logical,
            physical,
            sap: 0,
            wbuf: Vec::new(),
            seed,
            challenges: 0,
            log,
            broken: false,
        }
    }

    fn accepts(&self, a: Address) -> bool {
        matches!(a.size(), AddressSize::Two | AddressSize::Four)
            && a.logical() == self.logical
            && a.physical().is_some_and(|p| self.physical.contains(&p))
    }

    fn log(&self, dir: Direction, bytes: &[u8]) {
        if let Some(log) = &self.log {
            log(dir, bytes);
        }
    }

    /// Bytes from the client, in any chunking; what to send back is appended to `out`.
    pub(crate) fn handle(&mut self, bytes: &[u8], meter: &mut SimulatedMeter, out: &mut Vec<u8>) {
        match self.framing {
            Framing::Hdlc => self.handle_hdlc(bytes, meter, out),
            Framing::Wrapper => self.handle_wrapper(bytes, meter, out),
        }
    }

    fn handle_hdlc(&mut self, bytes: &[u8], meter: &mut SimulatedMeter, out: &mut Vec<u8>) {
        let mut decoder = core::mem::take(&mut self.decoder);
        decoder.feed(bytes);
        while let Some(item) = decoder.next_frame() {
            let Ok(frame) = item else { continue };
            if !self.accepts(frame.dest) {
                continue;
            }
            if self.log.is_some() {
                let mut raw = Vec::new();
                if frame.encode(&mut raw).is_ok() {
                    self.log(Direction::Received, &raw);
                }
            }
            let new_link = match &self.link {
                None => true,
                Some(_) if matches!(frame.control, hdlc::Control::Snrm { .. }) => {
                    // A new link, possibly to another of our addresses.
                    true
                }
                Some(_) => false,
            };
            if new_link {
                let mut cfg = hdlc::ServerConfig::new(frame.dest);
                cfg.params = self.params;
                self.link = Some(ServerConnection::new(cfg));
                self.session.reset();
            }
            self.sap = frame.src.logical();
            let Some(link) = self.link.as_mut() else {
                continue;
            };
            link.handle_frame(&frame);
            let sap = self.sap;
            while let Some(event) = link.poll_event() {
                match event {
                    Event::Message(apdu) => {
                        refresh(&mut self.session, &apdu, self.seed, &mut self.challenges);
                        self.session.handle_apdu(sap, &apdu, meter);
                        while let Some(answer) = self.session.poll_transmit() {
                            // Connected, since a message just came: send cannot fail.
                            let _ = link.send(&answer);
                        }
                    }
                    Event::Disconnected(_) => self.session.reset(),
                    _ => {}
                }
            }
            while let Some(frame) = link.poll_transmit() {
                if let Some(log) = &self.log {
                    log(Direction::Sent, &frame);
                }
                out.extend_from_slice(&frame);
            }
        }
        self.decoder = decoder;
    }

    fn handle_wrapper(&mut self, bytes: &[u8], meter: &mut SimulatedMeter, out: &mut Vec<u8>) {
        if self.broken {
            return;
        }
        self.wbuf.extend_from_slice(bytes);
        let mut used = 0usize;
        loop {
            let rest = self.wbuf.get(used..).unwrap_or(&[]);
            let (n, src, dst, apdu) = match parse_frame(rest) {
                Ok(Status::Complete((n, f))) => {
                    (n, f.header.source, f.header.destination, f.apdu.to_vec())
                }
                Ok(Status::Partial { .. }) => break,
                // Another version: a byte stream cannot be resynchronised.
                Err(_) => {
                    self.broken = true;
                    break;
                }
            };
            if let Some(raw) = self.wbuf.get(used..used.saturating_add(n)) {
                self.log(Direction::Received, raw);
            }
            used = used.saturating_add(n);
            if dst != self.logical {
                continue;
            }
            refresh(&mut self.session, &apdu, self.seed, &mut self.challenges);
            self.session.handle_apdu(src, &apdu, meter);
            while let Some(answer) = self.session.poll_transmit() {
                let mut frame = Vec::with_capacity(answer.len().saturating_add(8));
                // An answer too long for the 16-bit length cannot be framed: it is dropped
                // (the client times out), as a meter would.
                if let Ok(f) = WrapperFrame::new(dst, src, &answer) {
                    f.encode(&mut frame);
                    self.log(Direction::Sent, &frame);
                    out.extend_from_slice(&frame);
                }
            }
        }
        self.wbuf.drain(..used.min(self.wbuf.len()));
    }
}
