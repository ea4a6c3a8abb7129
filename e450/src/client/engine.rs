//! The sans-IO client engine: an HDLC link (or the IEC 62056-47 wrapper) and a DLMS client
//! session, pumped by [`Meter`](super::Meter) and [`AsyncMeter`](super::AsyncMeter).

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use dlms::Data;
use dlms::apdu::{AttributeAccess, AttributeDescriptor, MethodDescriptor, SelectiveAccess};
use dlms::session::{
    ClientAuthentication, ClientConfig, ClientSession, Event as SessionEvent, Negotiated,
    RequestHandle, Response, SessionError,
};

use super::{Authentication, Framing, MeterConfig, MeterError};
use crate::wrapper::{WrapperDecoder, WrapperFrame};

/// One request to the meter.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// GET one attribute, with optional selective access.
    Get {
        /// The attribute.
        attribute: AttributeDescriptor,
        /// Selective access (a profile range or entries).
        access: Option<SelectiveAccess>,
    },
    /// GET several attributes in one request.
    GetList(Vec<AttributeAccess>),
    /// SET one attribute.
    Set {
        /// The attribute.
        attribute: AttributeDescriptor,
        /// The new value.
        value: Data,
    },
    /// ACTION: invoke a method.
    Action {
        /// The method.
        method: MethodDescriptor,
        /// Its parameters.
        parameters: Option<Data>,
    },
}

/// What the engine reports, pulled with [`Engine::poll_event`].
#[derive(Debug)]
#[non_exhaustive]
pub enum EngineEvent {
    /// The association is established.
    Associated(Negotiated),
    /// The link or the association could not be established.
    ConnectFailed(MeterError),
    /// A request ended.
    Response {
        /// The handle [`Engine::request`] returned.
        handle: RequestHandle,
        /// The answer, or why there is none.
        result: Result<Response, MeterError>,
    },
    /// The association is released (`confirmed`: an RLRE came).
    Released {
        /// Whether the meter confirmed.
        confirmed: bool,
    },
    /// Everything is closed: the link is down (or the wrapper session ended).
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Linking,
    Associating,
    Associated,
    Releasing,
    Unlinking,
    Closed,
}

#[derive(Debug)]
enum Link {
    Hdlc(Box<hdlc::Connection>),
    Wrapper {
        decoder: WrapperDecoder,
        client: u16,
        server: u16,
        tx: VecDeque<Vec<u8>>,
    },
}

/// Fresh random bytes for a challenge (the standard library's per-process random keys,
/// mixed with a counter and the time).
fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n.saturating_add(8));
    let state = std::collections::hash_map::RandomState::new();
    let mut i: u64 = 0;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    while out.len() < n {
        let mut h = state.build_hasher();
        h.write_u64(i);
        h.write_u128(nanos);
        out.extend_from_slice(&h.finish().to_le_bytes());
        i = i.wrapping_add(1);
    }
    out.truncate(n);
    out
}

/// An upper-case hex text challenge (the Landis+Gyr HLS works on characters).
fn hex_challenge(n: usize) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    random_bytes(n)
        .into_iter()
        .map(|b| DIGITS.get(usize::from(b & 0x0F)).copied().unwrap_or(b'0'))
        .collect()
}

/// The client protocol engine: HDLC link (or wrapper) plus DLMS session, without I/O and
/// without a clock of its own.
///
/// Time is a [`Duration`] since any origin the caller picks. Feed received bytes to
/// [`handle_bytes`](Self::handle_bytes), write what [`poll_transmit`](Self::poll_transmit)
/// returns, call [`handle_timeout`](Self::handle_timeout) when the time from
/// [`poll_timeout`](Self::poll_timeout) has come, and take [`poll_event`](Self::poll_event).
/// Drain `poll_transmit` and `poll_event` after every call that takes `now`.
///
/// ```
/// use std::time::Duration;
/// use e450::client::{Engine, MeterConfig};
///
/// let mut engine = Engine::new(&MeterConfig::default())?;
/// engine.connect(Duration::ZERO)?;
/// // SNRM to logical 1 / physical 17 (`02 23`) from the public client (`21`).
/// let snrm = engine.poll_transmit().unwrap();
/// assert_eq!(&snrm[3..7], &[0x02, 0x23, 0x21, 0x93]);
/// // Nobody answers: after the retries the connect fails with a timeout.
/// let mut now = Duration::ZERO;
/// let failed = loop {
///     now = engine.poll_timeout().unwrap();
///     engine.handle_timeout(now);
///     while engine.poll_transmit().is_some() {}
///     if let Some(event) = engine.poll_event() { break event; }
/// };
/// assert!(matches!(failed, e450::client::EngineEvent::ConnectFailed(e) if e.is_timeout()));
/// # Ok::<(), e450::client::MeterError>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    link: Link,
    session: ClientSession,
    phase: Phase,
    events: VecDeque<EngineEvent>,
    /// Why the link went down, to give pending requests the right error.
    down: Option<hdlc::Reason>,
}

impl Engine {
    /// An engine for `config`, not connected.
    ///
    /// # Errors
    /// [`MeterError::Config`] for addresses out of range.
    pub fn new(config: &MeterConfig) -> Result<Self, MeterError> {
        let link = match config.framing {
            Framing::Hdlc => {
                let mut cfg = hdlc::Config::new(config.client_address()?, config.server_address()?);
                cfg.params = hdlc::Parameters {
                    max_info_tx: config.max_info,
                    max_info_rx: config.max_info,
                    window_tx: config.window,
                    window_rx: config.window,
                };
                cfg.response_timeout = config.timeout;
                cfg.max_retries = config.retries;
                cfg.max_message = 16 << 20;
                Link::Hdlc(Box::new(hdlc::Connection::new(cfg)))
            }
            Framing::Wrapper => Link::Wrapper {
                decoder: WrapperDecoder::new(),
                client: u16::from(config.client_sap),
                server: config.logical,
                tx: VecDeque::new(),
            },
        };
        let mut cfg = ClientConfig::new(u16::from(config.client_sap));
        cfg.authentication = match &config.authentication {
            Authentication::None => ClientAuthentication::None,
            Authentication::Low(p) => ClientAuthentication::Low(p.clone()),
            Authentication::HighGmac { keys, system_title } => ClientAuthentication::HighGmac {
                keys: keys.clone(),
                system_title: *system_title,
                challenge: random_bytes(16),
                invocation_counter: 1,
            },
            Authentication::HighLgz(p) => ClientAuthentication::HighLgz {
                password: p.clone(),
                challenge: hex_challenge(16),
            },
        };
        cfg.ciphering = config.ciphering.clone();
        cfg.max_receive_pdu = config.max_pdu;
        // The link repeats its polls `retries` times; the session waits for all of them.
        cfg.request_timeout = match config.framing {
            Framing::Hdlc => config.call_timeout(),
            Framing::Wrapper => config.timeout,
        };
        Ok(Engine {
            link,
            session: ClientSession::new(cfg),
            phase: Phase::Idle,
            events: VecDeque::new(),
            down: None,
        })
    }

    /// Whether the association is established and requests can be made.
    #[must_use]
    pub fn is_associated(&self) -> bool {
        self.phase == Phase::Associated
    }

    /// Whether everything is closed (after a failure, a release or a disconnect).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// What the association negotiated, once associated.
    #[must_use]
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.session.negotiated()
    }

    /// The HDLC link counters (`None` with the wrapper).
    #[must_use]
    pub fn link_stats(&self) -> Option<hdlc::LinkStats> {
        match &self.link {
            Link::Hdlc(c) => Some(c.stats()),
            Link::Wrapper { .. } => None,
        }
    }

    /// Starts the connection: SNRM (HDLC), then the AARQ once the link is up. Ends with
    /// [`EngineEvent::Associated`] or [`EngineEvent::ConnectFailed`].
    ///
    /// # Errors
    /// [`MeterError::State`] unless idle.
    pub fn connect(&mut self, now: Duration) -> Result<(), MeterError> {
        if self.phase != Phase::Idle {
            return Err(MeterError::State("connect needs a new engine"));
        }
        match &mut self.link {
            Link::Hdlc(c) => {
                c.connect(now)
                    .map_err(|_| MeterError::State("the link is not disconnected"))?;
                self.phase = Phase::Linking;
            }
            Link::Wrapper { .. } => {
                self.session
                    .associate(now)
                    .map_err(MeterError::from_session)?;
                self.phase = Phase::Associating;
            }
        }
        self.drive(now);
        Ok(())
    }

    /// Queues a request; its answer comes as [`EngineEvent::Response`] with the handle.
    ///
    /// # Errors
    /// [`MeterError::State`] unless associated; [`MeterError::Session`] for a service the
    /// association did not negotiate.
    pub fn request(
        &mut self,
        request: Request,
        now: Duration,
    ) -> Result<RequestHandle, MeterError> {
        if self.phase != Phase::Associated {
            return Err(MeterError::State("not associated"));
        }
        let r = match request {
            Request::Get { attribute, access } => self.session.get(attribute, access, now),
            Request::GetList(list) => self.session.get_with_list(list, now),
            Request::Set { attribute, value } => self.session.set(attribute, None, value, now),
            Request::Action { method, parameters } => self.session.action(method, parameters, now),
        };
        let handle = r.map_err(MeterError::from_session)?;
        self.drive(now);
        Ok(handle)
    }

    /// Releases the association (RLRQ), then disconnects the link (DISC). Ends with
    /// [`EngineEvent::Closed`]. When not associated, only disconnects.
    pub fn release(&mut self, now: Duration) {
        if self.phase == Phase::Associated && self.session.release(now).is_ok() {
            self.phase = Phase::Releasing;
            self.drive(now);
        } else {
            self.disconnect(now);
        }
    }

    /// Disconnects the link at once (DISC), without releasing the association. Ends with
    /// [`EngineEvent::Closed`].
    pub fn disconnect(&mut self, now: Duration) {
        if self.phase == Phase::Closed {
            return;
        }
        self.session.abort();
        match &mut self.link {
            Link::Hdlc(c) if c.state() != hdlc::State::Disconnected => {
                c.disconnect(now);
                self.phase = Phase::Unlinking;
            }
            _ => self.close(),
        }
        self.drive(now);
    }

    fn close(&mut self) {
        if self.phase != Phase::Closed {
            self.phase = Phase::Closed;
            self.events.push_back(EngineEvent::Closed);
        }
    }

    /// Bytes from the transport, in any chunking.
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Duration) {
        match &mut self.link {
            Link::Hdlc(c) => c.handle_bytes(bytes, now),
            Link::Wrapper {
                decoder,
                client,
                server,
                ..
            } => {
                decoder.feed(bytes);
                let (client, server) = (*client, *server);
                let mut frames = Vec::new();
                while let Some(item) = decoder.next_frame() {
                    frames.push(item);
                }
                for item in frames {
                    match item {
                        Ok((h, apdu)) if h.destination == client && h.source == server => {
                            self.session.handle_apdu(&apdu, now);
                        }
                        // For another client or from another logical device: not ours.
                        Ok(_) => {}
                        Err(e) => {
                            // A byte stream cannot resynchronise: end everything.
                            self.fail_all(MeterError::Wrapper(e));
                            return;
                        }
                    }
                }
            }
        }
        self.drive(now);
    }

    /// The transport closed: every call ends with [`MeterError::Closed`].
    pub fn handle_closed(&mut self) {
        self.fail_all(MeterError::Closed);
    }

    fn fail_all(&mut self, error: MeterError) {
        let message = error.to_string();
        let make = |m: &str| match &error {
            MeterError::Closed => MeterError::Closed,
            _ => MeterError::Unexpected {
                what: "the stream".into(),
                detail: m.to_string(),
            },
        };
        self.session.abort();
        while let Some(ev) = self.session.poll_event() {
            let mapped = match ev {
                SessionEvent::Response { handle, .. } => EngineEvent::Response {
                    handle,
                    result: Err(make(&message)),
                },
                SessionEvent::AssociationFailed(_) => EngineEvent::ConnectFailed(make(&message)),
                SessionEvent::Released { confirmed } => EngineEvent::Released { confirmed },
                _ => continue,
            };
            self.events.push_back(mapped);
        }
        if let Link::Hdlc(c) = &mut self.link {
            // Forget the link: nothing more can be sent.
            **c = hdlc::Connection::new(c.config().clone());
        }
        self.close();
    }

    /// The next chunk of bytes to write to the transport.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        match &mut self.link {
            Link::Hdlc(c) => c.poll_transmit(),
            Link::Wrapper { tx, .. } => tx.pop_front(),
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout), if anything is awaited.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        let link = match &self.link {
            Link::Hdlc(c) => c.poll_timeout(),
            Link::Wrapper { .. } => None,
        };
        [link, self.session.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Call when the time from [`poll_timeout`](Self::poll_timeout) has come: HDLC polls are
    /// repeated, and what waited too long ends with [`MeterError::Timeout`].
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Link::Hdlc(c) = &mut self.link {
            c.handle_timeout(now);
        }
        self.session.handle_timeout(now);
        self.drive(now);
    }

    fn map_error(&self, e: SessionError) -> MeterError {
        match (e, self.down) {
            (SessionError::Aborted, Some(r)) => MeterError::from_reason(r),
            (e, _) => MeterError::from_session(e),
        }
    }

    /// Moves APDUs from the session to the link and messages from the link to the session
    /// until nothing changes.
    fn drive(&mut self, now: Duration) {
        loop {
            let mut progress = false;
            // Session → link.
            let link_up = match &self.link {
                Link::Hdlc(c) => c.state() == hdlc::State::Connected,
                Link::Wrapper { .. } => true,
            };
            if link_up {
                while let Some(apdu) = self.session.poll_transmit() {
                    progress = true;
                    match &mut self.link {
                        Link::Hdlc(c) => {
                            if c.send(&apdu, now).is_err() {
                                break;
                            }
                        }
                        Link::Wrapper {
                            client, server, tx, ..
                        } => match WrapperFrame::new(*client, *server, &apdu) {
                            Ok(f) => {
                                let mut v = Vec::with_capacity(f.buffer_len());
                                f.encode(&mut v);
                                tx.push_back(v);
                            }
                            Err(_) => {
                                self.session.abort();
                            }
                        },
                    }
                }
            }
            // Link events.
            let mut link_events = Vec::new();
            if let Link::Hdlc(c) = &mut self.link {
                while let Some(ev) = c.poll_event() {
                    link_events.push(ev);
                }
            }
            for ev in link_events {
                progress = true;
                match ev {
                    hdlc::Event::Connected(_) if self.phase == Phase::Linking => {
                        match self.session.associate(now) {
                            Ok(()) => self.phase = Phase::Associating,
                            Err(e) => {
                                self.events.push_back(EngineEvent::ConnectFailed(
                                    MeterError::from_session(e),
                                ));
                                if let Link::Hdlc(c) = &mut self.link {
                                    c.disconnect(now);
                                }
                                self.phase = Phase::Unlinking;
                            }
                        }
                    }
                    hdlc::Event::Message(m) => self.session.handle_apdu(&m, now),
                    hdlc::Event::Disconnected(reason) => {
                        self.down = Some(reason);
                        if self.phase == Phase::Linking {
                            self.events.push_back(EngineEvent::ConnectFailed(
                                MeterError::from_reason(reason),
                            ));
                        }
                        self.session.abort();
                        self.drain_session(now);
                        self.close();
                    }
                    _ => {}
                }
            }
            progress |= self.drain_session(now);
            if !progress {
                break;
            }
        }
    }

    /// After a call timed out the state of the meter is unknown (a late answer could be
    /// taken for the answer to the next request): the connection is given up, every other
    /// call ends with a timeout too, and the engine is closed. Connect again.
    fn abandon(&mut self) {
        self.session.abort();
        while let Some(ev) = self.session.poll_event() {
            if let SessionEvent::Response { handle, .. } = ev {
                self.events.push_back(EngineEvent::Response {
                    handle,
                    result: Err(MeterError::Timeout),
                });
            }
        }
        if let Link::Hdlc(c) = &mut self.link {
            **c = hdlc::Connection::new(c.config().clone());
        }
        self.close();
    }

    /// Session events → engine events. Returns whether there were any.
    fn drain_session(&mut self, now: Duration) -> bool {
        let mut any = false;
        let mut timed_out = false;
        while let Some(ev) = self.session.poll_event() {
            any = true;
            match ev {
                SessionEvent::Associated(n) if self.phase == Phase::Associating => {
                    self.phase = Phase::Associated;
                    self.events.push_back(EngineEvent::Associated(n));
                }
                SessionEvent::AssociationFailed(e)
                    if self.phase == Phase::Associating || self.phase == Phase::Linking =>
                {
                    let e = self.map_error(e);
                    self.events.push_back(EngineEvent::ConnectFailed(e));
                    self.unlink(now);
                }
                SessionEvent::Response { handle, result } => {
                    let result = result.map_err(|e| self.map_error(e));
                    timed_out |= matches!(result, Err(MeterError::Timeout));
                    self.events
                        .push_back(EngineEvent::Response { handle, result });
                }
                SessionEvent::Released { confirmed } => {
                    self.events.push_back(EngineEvent::Released { confirmed });
                    if self.phase == Phase::Releasing || self.phase == Phase::Associated {
                        self.unlink(now);
                    }
                }
                _ => {}
            }
        }
        if timed_out && self.phase == Phase::Associated {
            self.abandon();
        }
        any
    }

    fn unlink(&mut self, now: Duration) {
        match &mut self.link {
            Link::Hdlc(c) if c.state() != hdlc::State::Disconnected => {
                c.disconnect(now);
                self.phase = Phase::Unlinking;
            }
            _ => self.close(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use dlms::session::{MemoryModel, ServerConfig, ServerSession};
    use obis::ObisCode;

    const SERIAL: ObisCode = ObisCode::new(0, 0, 96, 1, 0, 255);

    /// An in-memory meter over HDLC or the wrapper.
    struct Peer {
        hdlc: Option<hdlc::ServerConnection>,
        wrapper: WrapperDecoder,
        session: ServerSession,
        model: MemoryModel,
    }

    impl Peer {
        fn new(framing: Framing) -> Peer {
            let mut model = MemoryModel::new();
            model.insert(1, SERIAL, 2, Data::OctetString(b"1909113".to_vec()));
            Peer {
                hdlc: (framing == Framing::Hdlc).then(|| {
                    hdlc::ServerConnection::new(hdlc::ServerConfig::new(
                        hdlc::Address::server(1, 17).unwrap(),
                    ))
                }),
                wrapper: WrapperDecoder::new(),
                session: ServerSession::new(ServerConfig::default()),
                model,
            }
        }

        fn handle(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            if let Some(h) = &mut self.hdlc {
                h.handle_bytes(bytes);
                while let Some(ev) = h.poll_event() {
                    if let hdlc::Event::Message(m) = ev {
                        self.session.handle_apdu(16, &m, &mut self.model);
                        while let Some(a) = self.session.poll_transmit() {
                            h.send(&a).unwrap();
                        }
                    }
                }
                while let Some(f) = h.poll_transmit() {
                    out.push(f);
                }
            } else {
                self.wrapper.feed(bytes);
                while let Some(Ok((hd, apdu))) = self.wrapper.next_frame() {
                    self.session.handle_apdu(hd.source, &apdu, &mut self.model);
                    while let Some(a) = self.session.poll_transmit() {
                        let mut v = Vec::new();
                        WrapperFrame::new(1, hd.source, &a).unwrap().encode(&mut v);
                        out.push(v);
                    }
                }
            }
            out
        }
    }

    fn pump(engine: &mut Engine, peer: &mut Peer, now: Duration) -> Vec<EngineEvent> {
        let mut events = Vec::new();
        for _ in 0..100 {
            let mut moved = false;
            while let Some(b) = engine.poll_transmit() {
                moved = true;
                for answer in peer.handle(&b) {
                    engine.handle_bytes(&answer, now);
                }
            }
            while let Some(e) = engine.poll_event() {
                events.push(e);
            }
            if !moved {
                break;
            }
        }
        events
    }

    fn read_serial(framing: Framing) {
        let config = MeterConfig {
            framing,
            ..MeterConfig::default()
        };
        let mut engine = Engine::new(&config).unwrap();
        let mut peer = Peer::new(framing);
        let now = Duration::ZERO;
        engine.connect(now).unwrap();
        let ev = pump(&mut engine, &mut peer, now);
        assert!(
            matches!(ev.as_slice(), [EngineEvent::Associated(_)]),
            "{ev:?}"
        );
        let attribute = AttributeDescriptor {
            class_id: 1,
            instance: SERIAL,
            attribute: 2,
        };
        let h = engine
            .request(
                Request::Get {
                    attribute,
                    access: None,
                },
                now,
            )
            .unwrap();
        let ev = pump(&mut engine, &mut peer, now);
        let [EngineEvent::Response { handle, result }] = ev.as_slice() else {
            panic!("{ev:?}")
        };
        assert_eq!(*handle, h);
        assert_eq!(
            result.as_ref().unwrap().clone().into_data(),
            Some(Data::OctetString(b"1909113".to_vec()))
        );
        engine.release(now);
        let ev = pump(&mut engine, &mut peer, now);
        assert!(
            matches!(
                ev.as_slice(),
                [
                    EngineEvent::Released { confirmed: true },
                    EngineEvent::Closed
                ]
            ),
            "{ev:?}"
        );
        assert!(engine.is_closed());
    }

    #[test]
    fn hdlc_read_and_release() {
        read_serial(Framing::Hdlc);
    }

    #[test]
    fn wrapper_read_and_release() {
        read_serial(Framing::Wrapper);
    }

    #[test]
    fn silent_peer_times_out_within_the_configured_time() {
        let config = MeterConfig {
            timeout: Duration::from_millis(100),
            retries: 2,
            ..MeterConfig::default()
        };
        let mut engine = Engine::new(&config).unwrap();
        engine.connect(Duration::ZERO).unwrap();
        let mut sent = 0;
        let mut now = Duration::ZERO;
        let event = loop {
            while engine.poll_transmit().is_some() {
                sent += 1;
            }
            if let Some(e) = engine.poll_event() {
                break e;
            }
            now = engine.poll_timeout().unwrap();
            engine.handle_timeout(now);
        };
        let EngineEvent::ConnectFailed(e) = event else {
            panic!("{event:?}")
        };
        assert!(e.is_timeout(), "{e}");
        assert_eq!(sent, 3, "SNRM and two retries");
        assert!(now <= Duration::from_millis(300));
    }

    #[test]
    fn wrapper_request_times_out() {
        let config = MeterConfig {
            framing: Framing::Wrapper,
            timeout: Duration::from_millis(50),
            ..MeterConfig::default()
        };
        let mut engine = Engine::new(&config).unwrap();
        engine.connect(Duration::ZERO).unwrap();
        assert!(engine.poll_transmit().is_some());
        let t = engine.poll_timeout().unwrap();
        assert_eq!(t, Duration::from_millis(50));
        engine.handle_timeout(t);
        let Some(EngineEvent::ConnectFailed(e)) = engine.poll_event() else {
            panic!()
        };
        assert!(e.is_timeout());
        assert!(engine.is_closed());
    }

    #[test]
    fn challenges_differ() {
        assert_ne!(random_bytes(16), random_bytes(16));
        assert!(hex_challenge(16).iter().all(u8::is_ascii_hexdigit));
    }
}
