//! The sans-IO link state machine: a client (primary station) and a server (secondary
//! station, for simulators) in normal response mode.
//!
//! Nothing here reads a port or a clock. Bytes come in through `handle_bytes` (or frames
//! through `handle_frame`), time comes in as a [`Duration`] since any fixed epoch the caller
//! chooses, and what to send, what happened and when to call back come out of
//! `poll_transmit`, `poll_event` and `poll_timeout`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use crate::link::{Link, encode, inc, with_llc, without_llc};
use crate::{Address, Control, Error, Frame, FrameDecoder, Llc, Parameters};

/// What happened on the link, pulled with `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The link is up, with the negotiated parameters seen from this side (`max_info_tx` and
    /// `window_tx` are what this side sends).
    Connected(Parameters),
    /// A whole message from the peer: the information fields of its segments joined, the LLC
    /// header removed when [`Config::llc`] is set.
    Message(Vec<u8>),
    /// An unnumbered information frame (in any state).
    Ui {
        /// Who sent it.
        src: Address,
        /// Its information field as received.
        info: Vec<u8>,
    },
    /// The link is down.
    Disconnected(Reason),
}

/// Why a link went down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// This side asked for it (`disconnect`), and the peer confirmed or the retries ran out.
    Local,
    /// The peer disconnected (DISC received, or DM while connected).
    Peer,
    /// The peer answered the connect request with DM.
    Refused,
    /// The peer rejected a frame (FRMR).
    Rejected,
    /// No answer within the retries: the clean failure after bounded retransmissions.
    Timeout,
    /// A message from the peer exceeded [`Config::max_message`].
    MessageTooLong,
}

/// The coarse state of a link, from [`Connection::state`] and [`ServerConnection::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No link.
    Disconnected,
    /// SNRM sent, waiting for UA.
    Connecting,
    /// The link is up.
    Connected,
    /// DISC sent, waiting for UA or DM.
    Disconnecting,
}

/// Counters of a link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Frames queued for transmission.
    pub frames_sent: u64,
    /// Frames received with good checks and addressed to us.
    pub frames_received: u64,
    /// Frames sent again: I-frames after go-back-N, SNRM and DISC after a timeout.
    pub retransmissions: u64,
    /// Deadlines that passed without an answer.
    pub timeouts: u64,
    /// Byte sequences that failed the HCS or FCS.
    pub bad_frames: u64,
    /// Frames ignored: other addresses, out of sequence, invalid N(R), unexpected in the state.
    pub ignored: u64,
}

/// Settings of a client link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Our address (a client SAP, e.g. [`Address::PUBLIC_CLIENT`]).
    pub client: Address,
    /// The server's address (logical device and physical address).
    pub server: Address,
    /// What we propose in SNRM, seen from us: the largest information fields we send and can
    /// receive, and our windows. The peer's UA may only lower them.
    pub params: Parameters,
    /// How long to wait for the answer to a frame with the poll bit.
    pub response_timeout: Duration,
    /// How many times a poll is repeated before the link fails with [`Reason::Timeout`].
    pub max_retries: u32,
    /// Largest message accepted from the peer after reassembly.
    pub max_message: usize,
    /// Add the LLC request header `E6 E6 00` to each message sent and strip `E6 E7 00` from
    /// each message received (DLMS over HDLC). On by default.
    pub llc: bool,
}

impl Config {
    /// Defaults: the IEC 62056-46 parameters (128 bytes, window 1), a 2 s response timeout,
    /// 3 retries, 64 KiB messages, LLC on.
    #[must_use]
    pub fn new(client: Address, server: Address) -> Self {
        Config {
            client,
            server,
            params: Parameters::DEFAULT,
            response_timeout: Duration::from_secs(2),
            max_retries: 3,
            max_message: 64 * 1024,
            llc: true,
        }
    }
}

fn negotiate(ours: &Parameters, ua: &Parameters) -> Parameters {
    // `ua` is seen from the server: what it sends (tx) and receives (rx).
    let nz = |v: u32| if v == 0 { 1 } else { v };
    Parameters {
        max_info_tx: nz(ours.max_info_tx.min(ua.max_info_rx)),
        max_info_rx: nz(ours.max_info_rx.min(ua.max_info_tx)),
        window_tx: nz(ours.window_tx.min(ua.window_rx)).min(7),
        window_rx: nz(ours.window_rx.min(ua.window_tx)).min(7),
    }
}

#[derive(Debug)]
struct ClientLink {
    link: Link,
    /// Deadline of the answer to our last frame with the poll bit.
    awaiting: Option<Duration>,
    retries: u32,
    /// A poll after a timeout is outstanding: its RR answer says where to resume.
    recovering: bool,
    /// The peer ended its turn in the middle of a segmented message: poll for more.
    poll_more: bool,
}

#[derive(Debug)]
enum ClientState {
    Disconnected,
    Connecting { deadline: Duration, retries: u32 },
    Connected(Box<ClientLink>),
    Disconnecting { deadline: Duration, retries: u32 },
}

/// The client (primary station) side of an HDLC link.
///
/// Call [`connect`](Connection::connect), then pump: feed received bytes to
/// [`handle_bytes`](Connection::handle_bytes), send what
/// [`poll_transmit`](Connection::poll_transmit) returns, handle
/// [`poll_event`](Connection::poll_event), and call
/// [`handle_timeout`](Connection::handle_timeout) when the time from
/// [`poll_timeout`](Connection::poll_timeout) passes. After every `connect`, `send`,
/// `disconnect`, `handle_*` call, drain `poll_transmit` and `poll_event`.
///
/// ```
/// use core::time::Duration;
/// use hdlc::{Address, Config, Connection, Event, ServerConfig, ServerConnection};
///
/// let server_addr = Address::server(1, 17)?;
/// let mut client = Connection::new(Config::new(Address::PUBLIC_CLIENT, server_addr));
/// let mut server = ServerConnection::new(ServerConfig::new(server_addr));
/// let now = Duration::ZERO;
///
/// client.connect(now)?;
/// while let Some(bytes) = client.poll_transmit() { server.handle_bytes(&bytes); }
/// while let Some(bytes) = server.poll_transmit() { client.handle_bytes(&bytes, now); }
/// assert!(matches!(client.poll_event(), Some(Event::Connected(_))));
///
/// client.send(&[0xC0, 0x01, 0xC1], now)?;
/// while let Some(bytes) = client.poll_transmit() { server.handle_bytes(&bytes); }
/// assert_eq!(server.poll_event().and(server.poll_event()), Some(Event::Message(vec![0xC0, 0x01, 0xC1])));
/// server.send(&[0xC4, 0x01, 0xC1, 0x00])?;
/// while let Some(bytes) = server.poll_transmit() { client.handle_bytes(&bytes, now); }
/// assert_eq!(client.poll_event(), Some(Event::Message(vec![0xC4, 0x01, 0xC1, 0x00])));
/// # Ok::<(), hdlc::Error>(())
/// ```
#[derive(Debug)]
pub struct Connection {
    cfg: Config,
    state: ClientState,
    decoder: FrameDecoder,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: LinkStats,
    negotiated: Option<Parameters>,
}

impl Connection {
    /// A disconnected client link.
    #[must_use]
    pub fn new(cfg: Config) -> Self {
        Connection {
            cfg,
            state: ClientState::Disconnected,
            decoder: FrameDecoder::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            stats: LinkStats::default(),
            negotiated: None,
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The coarse state.
    #[must_use]
    pub fn state(&self) -> State {
        match self.state {
            ClientState::Disconnected => State::Disconnected,
            ClientState::Connecting { .. } => State::Connecting,
            ClientState::Connected(_) => State::Connected,
            ClientState::Disconnecting { .. } => State::Disconnecting,
        }
    }

    /// The negotiated parameters (seen from us) once connected.
    #[must_use]
    pub fn parameters(&self) -> Option<Parameters> {
        self.negotiated
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// Whether nothing is outstanding: connected, no message being sent or received, no
    /// answer awaited.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        match &self.state {
            ClientState::Connected(c) => {
                c.awaiting.is_none()
                    && !c.poll_more
                    && !c.link.busy_sending()
                    && !c.link.rx.is_pending()
            }
            ClientState::Disconnected => true,
            _ => false,
        }
    }

    fn push_tx(&mut self, bytes: Vec<u8>) {
        inc(&mut self.stats.frames_sent);
        self.tx.push_back(bytes);
    }

    fn snrm(&mut self) {
        let mut info = Vec::new();
        self.cfg.params.encode(&mut info);
        let f = Frame::new(
            self.cfg.server,
            self.cfg.client,
            Control::Snrm { pf: true },
            &info,
        );
        self.push_tx(encode(&f));
    }

    fn disc(&mut self) {
        let f = Frame::new(
            self.cfg.server,
            self.cfg.client,
            Control::Disc { pf: true },
            &[],
        );
        self.push_tx(encode(&f));
    }

    fn deadline(&self, now: Duration) -> Duration {
        now.saturating_add(self.cfg.response_timeout)
    }

    /// Starts the link: queues an SNRM with our parameters.
    ///
    /// # Errors
    /// [`Error::InvalidState`] unless disconnected.
    pub fn connect(&mut self, now: Duration) -> Result<(), Error> {
        if !matches!(self.state, ClientState::Disconnected) {
            return Err(Error::InvalidState {
                what: "connect needs a disconnected link",
            });
        }
        self.decoder.reset();
        self.snrm();
        self.state = ClientState::Connecting {
            deadline: self.deadline(now),
            retries: 0,
        };
        Ok(())
    }

    /// Queues a message. It is split into I-frames of the negotiated size (segmentation bit on
    /// all but the last) and sent a window at a time; messages go one after the other.
    ///
    /// # Errors
    /// [`Error::InvalidState`] unless connected.
    pub fn send(&mut self, message: &[u8], now: Duration) -> Result<(), Error> {
        let llc = self.cfg.llc;
        let ClientState::Connected(c) = &mut self.state else {
            return Err(Error::InvalidState {
                what: "send needs a connected link",
            });
        };
        c.link
            .queue
            .push_back(with_llc(llc.then_some(Llc::Request), message));
        self.drive(now);
        Ok(())
    }

    /// Closes the link: queues a DISC. Does nothing when already disconnected.
    pub fn disconnect(&mut self, now: Duration) {
        match self.state {
            ClientState::Disconnected | ClientState::Disconnecting { .. } => {}
            _ => {
                self.disc();
                self.state = ClientState::Disconnecting {
                    deadline: self.deadline(now),
                    retries: 0,
                };
            }
        }
    }

    /// Bytes from the line, in any chunking. Frames with bad checks are counted and dropped.
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Duration) {
        let mut decoder = core::mem::take(&mut self.decoder);
        let mut frames = decoder.decode(bytes);
        while let Some(item) = frames.next_frame() {
            match item {
                Ok(frame) => self.handle_frame(&frame, now),
                Err(_) => inc(&mut self.stats.bad_frames),
            }
        }
        drop(frames);
        self.decoder = decoder;
    }

    /// One frame with good checks (when the caller does its own framing).
    pub fn handle_frame(&mut self, frame: &Frame<'_>, now: Duration) {
        if frame.src != self.cfg.server {
            inc(&mut self.stats.ignored);
            return;
        }
        if let Control::Ui { .. } = frame.control {
            inc(&mut self.stats.frames_received);
            self.events.push_back(Event::Ui {
                src: frame.src,
                info: frame.info.to_vec(),
            });
            return;
        }
        if frame.dest != self.cfg.client {
            inc(&mut self.stats.ignored);
            return;
        }
        inc(&mut self.stats.frames_received);
        let state = core::mem::replace(&mut self.state, ClientState::Disconnected);
        self.state = match (state, frame.control) {
            (ClientState::Connecting { .. }, Control::Ua { .. }) => {
                let ua = Parameters::parse(frame.info).unwrap_or_default();
                let params = negotiate(&self.cfg.params, &ua);
                self.negotiated = Some(params);
                self.events.push_back(Event::Connected(params));
                ClientState::Connected(Box::new(ClientLink {
                    link: Link::new(params, self.cfg.max_message),
                    awaiting: None,
                    retries: 0,
                    recovering: false,
                    poll_more: false,
                }))
            }
            (ClientState::Connecting { .. }, Control::Dm { .. }) => {
                self.events.push_back(Event::Disconnected(Reason::Refused));
                ClientState::Disconnected
            }
            (ClientState::Disconnecting { .. }, Control::Ua { .. } | Control::Dm { .. }) => {
                self.down(Reason::Local)
            }
            (ClientState::Connected(_), Control::Dm { .. }) => self.down(Reason::Peer),
            (ClientState::Connected(_), Control::Frmr { .. }) => self.down(Reason::Rejected),
            (ClientState::Connected(mut c), control) => {
                match self.on_connected(&mut c, frame, control, now) {
                    Some(reason) => self.down(reason),
                    None => ClientState::Connected(c),
                }
            }
            (other, _) => {
                inc(&mut self.stats.ignored);
                other
            }
        };
        self.drive(now);
    }

    fn down(&mut self, reason: Reason) -> ClientState {
        self.events.push_back(Event::Disconnected(reason));
        self.negotiated = None;
        ClientState::Disconnected
    }

    fn on_connected(
        &mut self,
        c: &mut ClientLink,
        frame: &Frame<'_>,
        control: Control,
        now: Duration,
    ) -> Option<Reason> {
        match control {
            Control::I { ns, nr, pf } => {
                if c.link.ack(nr).is_err() {
                    inc(&mut self.stats.ignored);
                    return None;
                }
                let (accepted, result) = c.link.receive(ns, frame.info, frame.segmented);
                if !accepted {
                    inc(&mut self.stats.ignored);
                    return None;
                }
                match result {
                    Ok(Some(msg)) => {
                        let expected = self.cfg.llc.then_some(Llc::Response);
                        self.events
                            .push_back(Event::Message(without_llc(expected, msg)));
                    }
                    Ok(None) => {}
                    Err(_) => return Some(Reason::MessageTooLong),
                }
                if pf {
                    c.awaiting = None;
                    c.retries = 0;
                    c.recovering = false;
                    c.poll_more = frame.segmented;
                }
            }
            Control::Rr { nr, pf } | Control::Rnr { nr, pf } => {
                let Ok(progress) = c.link.ack(nr) else {
                    inc(&mut self.stats.ignored);
                    return None;
                };
                if pf && (progress || c.recovering) {
                    c.awaiting = None;
                    c.retries = 0;
                    c.recovering = false;
                    if c.link.unacked() > 0 {
                        // The peer has everything before N(R) and nothing after.
                        c.link.go_back();
                    }
                    if matches!(control, Control::Rnr { .. }) {
                        // Busy: ask again later.
                        c.awaiting = Some(self.deadline(now));
                        c.recovering = true;
                    }
                } else if !progress {
                    inc(&mut self.stats.ignored);
                }
            }
            _ => inc(&mut self.stats.ignored),
        }
        None
    }

    /// Sends what can be sent now: a poll for the rest of a segmented message, or the next
    /// window of I-frames.
    fn drive(&mut self, now: Duration) {
        let deadline = self.deadline(now);
        let (dest, src) = (self.cfg.server, self.cfg.client);
        let ClientState::Connected(c) = &mut self.state else {
            return;
        };
        if c.awaiting.is_some() {
            return;
        }
        let mut out = VecDeque::new();
        if c.poll_more {
            c.poll_more = false;
            out.push_back(c.link.rr(dest, src, true));
            c.awaiting = Some(deadline);
        } else if !c.link.rx.is_pending() {
            c.link.load();
            if c.link.has_unsent() {
                let (sent, again) = c.link.send_window(dest, src, &mut out);
                self.stats.retransmissions =
                    self.stats.retransmissions.saturating_add(again as u64);
                if sent > 0 {
                    c.awaiting = Some(deadline);
                }
            }
        }
        for bytes in out {
            self.push_tx(bytes);
        }
    }

    /// The next frame to put on the line (flags included), if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Connection::handle_timeout`] next, if anything is awaited.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        match &self.state {
            ClientState::Disconnected => None,
            ClientState::Connecting { deadline, .. }
            | ClientState::Disconnecting { deadline, .. } => Some(*deadline),
            ClientState::Connected(c) => c.awaiting,
        }
    }

    /// Call when the time from [`Connection::poll_timeout`] has come: repeats the last poll
    /// (SNRM, DISC, or an RR asking the peer where it stands) or, after
    /// [`Config::max_retries`], gives up with [`Reason::Timeout`].
    pub fn handle_timeout(&mut self, now: Duration) {
        let Some(due) = self.poll_timeout() else {
            return;
        };
        if now < due {
            return;
        }
        inc(&mut self.stats.timeouts);
        let max = self.cfg.max_retries;
        let deadline = self.deadline(now);
        let state = core::mem::replace(&mut self.state, ClientState::Disconnected);
        self.state = match state {
            ClientState::Connecting { retries, .. } if retries < max => {
                self.snrm();
                inc(&mut self.stats.retransmissions);
                ClientState::Connecting {
                    deadline,
                    retries: retries.saturating_add(1),
                }
            }
            ClientState::Disconnecting { retries, .. } if retries < max => {
                self.disc();
                inc(&mut self.stats.retransmissions);
                ClientState::Disconnecting {
                    deadline,
                    retries: retries.saturating_add(1),
                }
            }
            ClientState::Connected(mut c) if c.retries < max => {
                c.retries = c.retries.saturating_add(1);
                c.recovering = true;
                c.awaiting = Some(deadline);
                let rr = c.link.rr(self.cfg.server, self.cfg.client, true);
                self.push_tx(rr);
                ClientState::Connected(c)
            }
            ClientState::Disconnecting { .. } => self.down(Reason::Local),
            ClientState::Disconnected => ClientState::Disconnected,
            ClientState::Connecting { .. } | ClientState::Connected(_) => {
                self.down(Reason::Timeout)
            }
        };
    }
}

/// Settings of a server link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Our address. Frames to other addresses are ignored.
    pub address: Address,
    /// Our limits, seen from us: the largest information fields we send and receive, and our
    /// windows. The UA carries the smaller of these and the client's proposal.
    pub params: Parameters,
    /// Largest message accepted after reassembly.
    pub max_message: usize,
    /// Strip `E6 E6 00` from messages received, add `E6 E7 00` to messages sent.
    pub llc: bool,
}

impl ServerConfig {
    /// Defaults: 128-byte information fields, window 1, 64 KiB messages, LLC on.
    #[must_use]
    pub fn new(address: Address) -> Self {
        ServerConfig {
            address,
            params: Parameters::DEFAULT,
            max_message: 64 * 1024,
            llc: true,
        }
    }
}

#[derive(Debug)]
struct ServerLink {
    link: Link,
    client: Address,
    /// We hold the poll bit: we may (and must) answer.
    turn: bool,
    /// A whole message was handed up and its answer is not yet queued.
    awaiting_app: bool,
}

#[derive(Debug)]
enum ServerState {
    Disconnected,
    Connected(Box<ServerLink>),
}

/// The server (secondary station) side of an HDLC link, for simulators and tests.
///
/// It answers SNRM with the negotiated parameters, reassembles segmented requests
/// (acknowledging each window with RR), hands whole messages up as [`Event::Message`], sends the
/// answer given to [`send`](ServerConnection::send) in segments of the negotiated size a
/// window at a time as the client polls with RR, goes back to the client's N(R) when a poll
/// shows frames were lost, and answers DISC. A secondary station only speaks when polled, so
/// it needs no clock.
#[derive(Debug)]
pub struct ServerConnection {
    cfg: ServerConfig,
    state: ServerState,
    decoder: FrameDecoder,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: LinkStats,
}

impl ServerConnection {
    /// A disconnected server link.
    #[must_use]
    pub fn new(cfg: ServerConfig) -> Self {
        ServerConnection {
            cfg,
            state: ServerState::Disconnected,
            decoder: FrameDecoder::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            stats: LinkStats::default(),
        }
    }

    /// The coarse state ([`State::Disconnected`] or [`State::Connected`]).
    #[must_use]
    pub fn state(&self) -> State {
        match self.state {
            ServerState::Disconnected => State::Disconnected,
            ServerState::Connected(_) => State::Connected,
        }
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// The negotiated parameters (seen from us) while connected.
    #[must_use]
    pub fn parameters(&self) -> Option<Parameters> {
        match &self.state {
            ServerState::Connected(s) => Some(s.link.params),
            ServerState::Disconnected => None,
        }
    }

    fn push_tx(&mut self, bytes: Vec<u8>) {
        inc(&mut self.stats.frames_sent);
        self.tx.push_back(bytes);
    }

    /// Queues the answer to the last message. It goes out when the client polls.
    ///
    /// # Errors
    /// [`Error::InvalidState`] unless connected.
    pub fn send(&mut self, message: &[u8]) -> Result<(), Error> {
        let llc = self.cfg.llc;
        let ServerState::Connected(s) = &mut self.state else {
            return Err(Error::InvalidState {
                what: "send needs a connected link",
            });
        };
        s.link
            .queue
            .push_back(with_llc(llc.then_some(Llc::Response), message));
        s.awaiting_app = false;
        self.drive();
        Ok(())
    }

    /// Bytes from the line, in any chunking.
    pub fn handle_bytes(&mut self, bytes: &[u8]) {
        let mut decoder = core::mem::take(&mut self.decoder);
        let mut frames = decoder.decode(bytes);
        while let Some(item) = frames.next_frame() {
            match item {
                Ok(frame) => self.handle_frame(&frame),
                Err(_) => inc(&mut self.stats.bad_frames),
            }
        }
        drop(frames);
        self.decoder = decoder;
    }

    /// One frame with good checks.
    pub fn handle_frame(&mut self, frame: &Frame<'_>) {
        if frame.dest != self.cfg.address && !frame.dest.is_broadcast() {
            inc(&mut self.stats.ignored);
            return;
        }
        inc(&mut self.stats.frames_received);
        if let Control::Ui { .. } = frame.control {
            self.events.push_back(Event::Ui {
                src: frame.src,
                info: frame.info.to_vec(),
            });
            return;
        }
        if frame.dest != self.cfg.address {
            // Only UI frames may be broadcast.
            inc(&mut self.stats.ignored);
            return;
        }
        let me = self.cfg.address;
        match frame.control {
            Control::Snrm { .. } => {
                let proposal = Parameters::parse(frame.info).unwrap_or_default();
                let params = proposal.answer(&self.cfg.params);
                let mut info = Vec::new();
                params.encode(&mut info);
                self.push_tx(encode(&Frame::new(
                    frame.src,
                    me,
                    Control::Ua { pf: true },
                    &info,
                )));
                self.state = ServerState::Connected(Box::new(ServerLink {
                    link: Link::new(params, self.cfg.max_message),
                    client: frame.src,
                    turn: false,
                    awaiting_app: false,
                }));
                self.events.push_back(Event::Connected(params));
                return;
            }
            Control::Disc { .. } => {
                let connected =
                    matches!(&self.state, ServerState::Connected(s) if s.client == frame.src);
                let control = if connected {
                    Control::Ua { pf: true }
                } else {
                    Control::Dm { pf: true }
                };
                self.push_tx(encode(&Frame::new(frame.src, me, control, &[])));
                if connected {
                    self.state = ServerState::Disconnected;
                    self.events.push_back(Event::Disconnected(Reason::Peer));
                }
                return;
            }
            _ => {}
        }
        let llc = self.cfg.llc;
        let ServerState::Connected(s) = &mut self.state else {
            if frame.control.pf() {
                self.push_tx(encode(&Frame::new(
                    frame.src,
                    me,
                    Control::Dm { pf: true },
                    &[],
                )));
            }
            return;
        };
        if frame.src != s.client {
            inc(&mut self.stats.ignored);
            return;
        }
        match frame.control {
            Control::I { ns, nr, pf } => {
                if s.link.ack(nr).is_err() {
                    inc(&mut self.stats.ignored);
                    return;
                }
                let (accepted, result) = s.link.receive(ns, frame.info, frame.segmented);
                if !accepted {
                    inc(&mut self.stats.ignored);
                }
                match result {
                    Ok(Some(msg)) => {
                        let expected = llc.then_some(Llc::Request);
                        self.events
                            .push_back(Event::Message(without_llc(expected, msg)));
                        s.awaiting_app = true;
                    }
                    Ok(None) => {}
                    Err(_) => {
                        // Too long: drop the message; the client will time out.
                        inc(&mut self.stats.ignored);
                    }
                }
                if pf {
                    s.turn = true;
                }
            }
            Control::Rr { nr, pf } | Control::Rnr { nr, pf } => {
                if s.link.ack(nr).is_err() {
                    inc(&mut self.stats.ignored);
                    return;
                }
                if pf {
                    if s.link.unacked() > 0 {
                        s.link.go_back();
                    }
                    s.turn = true;
                }
            }
            _ => {
                inc(&mut self.stats.ignored);
                return;
            }
        }
        self.drive();
    }

    /// Answers a poll: the next window of the answer, or RR.
    fn drive(&mut self) {
        let me = self.cfg.address;
        let ServerState::Connected(s) = &mut self.state else {
            return;
        };
        if !s.turn || s.awaiting_app {
            return;
        }
        s.turn = false;
        let mut out = VecDeque::new();
        s.link.load();
        let (sent, again) = if s.link.has_unsent() {
            s.link.send_window(s.client, me, &mut out)
        } else {
            (0, 0)
        };
        if sent == 0 {
            out.push_back(s.link.rr(s.client, me, true));
        }
        self.stats.retransmissions = self.stats.retransmissions.saturating_add(again as u64);
        for bytes in out {
            self.push_tx(bytes);
        }
    }

    /// The next frame to put on the line, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
