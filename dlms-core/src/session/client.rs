//! The client side of an association (sans-IO).

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

#[cfg(feature = "security")]
use super::protect::{CIPHER_OVERHEAD, Ciphering, Keys, Protector};
use super::{ASSOCIATION_LN, Negotiated, RequestHandle, Response, SessionError, get_list_results};
use crate::apdu::{
    Aare, Aarq, ActionRequest, ActionResponse, ActionResult, Apdu, ApplicationContext,
    AssociationResult, AttributeAccess, AttributeDescriptor, AuthenticationValue, BlockControl,
    BlockResult, Conformance, DataBlockSa, DataNotification, GeneralBlockTransfer, GetDataResult,
    GetRequest, GetResponse, InitiateRequest, InvokeIdAndPriority, MechanismName, MethodDescriptor,
    Reassembler, Release, ResultSourceDiagnostic, SelectiveAccess, SetRequest, SetResponse,
    UserInformation,
};
#[cfg(feature = "security")]
use crate::apdu::{Ciphered, Tag};
use crate::security::LlsPassword;
use crate::{Data, DecodeLimits};

/// How the client authenticates.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientAuthentication {
    /// Lowest level security: no authentication (the public client, SAP 16).
    None,
    /// Low level security: a password in the AARQ.
    Low(LlsPassword),
    /// High level security with GMAC (mechanism 5): the four-pass exchange.
    #[cfg(feature = "security")]
    HighGmac {
        /// The keys (the authentication key and the encryption key compute the GMAC).
        keys: Keys,
        /// Our system title (8 bytes), sent as calling-AP-title.
        system_title: [u8; 8],
        /// Our challenge CtoS: 8 to 64 fresh random bytes for every association.
        challenge: Vec<u8>,
        /// The invocation counter of our reply f(StoC) when the association is not ciphered
        /// (a ciphered association uses the ciphering counter).
        invocation_counter: u32,
    },
    /// **Experimental.** The Landis+Gyr manufacturer HLS (mechanism 2): the reply is the
    /// challenge with the password's digits added ([`crate::security::lgz_hls_response`]).
    HighLgz {
        /// The password (decimal digits).
        password: LlsPassword,
        /// Our challenge CtoS (upper-case hex text, fresh for every association).
        challenge: Vec<u8>,
    },
}

impl ClientAuthentication {
    fn mechanism(&self) -> MechanismName {
        match self {
            ClientAuthentication::None => MechanismName::NONE,
            ClientAuthentication::Low(_) => MechanismName::LLS,
            #[cfg(feature = "security")]
            ClientAuthentication::HighGmac { .. } => MechanismName::HLS_GMAC,
            ClientAuthentication::HighLgz { .. } => MechanismName::HLS_MANUFACTURER,
        }
    }
    fn is_high(&self) -> bool {
        matches!(self.mechanism().0, 2 | 5)
    }
}

/// What to do on [`ClientSession::release`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReleaseMode {
    /// Send RLRQ and wait for RLRE.
    Rlrq,
    /// Send nothing: the association ends with the link (for meters that do not answer RLRQ).
    LinkOnly,
}

/// Settings of a [`ClientSession`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Our SAP (16 public client, 1 management); informational, the link layer uses it.
    pub client_sap: u16,
    /// How we authenticate.
    pub authentication: ClientAuthentication,
    /// Ciphering of the xDLMS APDUs (application context "LN with ciphering", glo- APDUs).
    #[cfg(feature = "security")]
    pub ciphering: Option<Ciphering>,
    /// The conformance we propose.
    pub conformance: Conformance,
    /// The largest APDU we accept (client-max-receive-pdu-size).
    pub max_receive_pdu: u16,
    /// RLRQ or link-level release.
    pub release: ReleaseMode,
    /// How long to wait for each answer (the AARE, each block of a response). A request whose
    /// answer does not come in time ends with [`SessionError::Timeout`].
    pub request_timeout: Duration,
    /// The largest response accepted after block reassembly.
    pub max_response: usize,
    /// Limits for the `Data` in responses.
    pub limits: DecodeLimits,
}

impl ClientConfig {
    /// The conformance proposed by default: GET, SET, ACTION, selective access, multiple
    /// references, block transfer with GET, SET and ACTION, general block transfer.
    pub const DEFAULT_CONFORMANCE: Conformance = Conformance(
        Conformance::GET.0
            | Conformance::SET.0
            | Conformance::ACTION.0
            | Conformance::SELECTIVE_ACCESS.0
            | Conformance::MULTIPLE_REFERENCES.0
            | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
            | Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0
            | Conformance::BLOCK_TRANSFER_WITH_ACTION.0
            | Conformance::GENERAL_BLOCK_TRANSFER.0,
    );

    /// No authentication, no ciphering, the default conformance, 1024-byte PDUs, RLRQ
    /// release, 10 s per answer, responses up to 16 MiB.
    ///
    /// ```
    /// use dlms::session::{ClientAuthentication, ClientConfig};
    /// let mut cfg = ClientConfig::new(1);
    /// cfg.authentication = ClientAuthentication::Low("12345678".parse()?);
    /// assert_eq!(cfg.max_receive_pdu, 1024);
    /// # Ok::<(), dlms::security::HlsError>(())
    /// ```
    pub fn new(client_sap: u16) -> Self {
        ClientConfig {
            client_sap,
            authentication: ClientAuthentication::None,
            #[cfg(feature = "security")]
            ciphering: None,
            conformance: Self::DEFAULT_CONFORMANCE,
            max_receive_pdu: 1024,
            release: ReleaseMode::Rlrq,
            request_timeout: Duration::from_secs(10),
            max_response: 16 << 20,
            limits: DecodeLimits::DEFAULT,
        }
    }
}

/// What the client session reports, pulled with [`ClientSession::poll_event`].
#[derive(Clone, PartialEq, Debug)]
#[non_exhaustive]
pub enum Event {
    /// The association is established (after the HLS exchange when there is one).
    Associated(Negotiated),
    /// The association could not be established.
    AssociationFailed(SessionError),
    /// A request ended.
    Response {
        /// The handle returned when the request was made.
        handle: RequestHandle,
        /// Its outcome. A data-access error of the meter is an `Ok` response carrying the
        /// error code; `Err` is a protocol, security or time-out failure.
        result: Result<Response, SessionError>,
    },
    /// The association is released. `confirmed` is false when the meter did not answer the
    /// RLRQ in time, or in [`ReleaseMode::LinkOnly`].
    Released {
        /// Whether an RLRE came.
        confirmed: bool,
    },
    /// A data-notification (push) arrived.
    Notification(DataNotification),
    /// An APDU that answers nothing that was asked, or that could not be read; the session
    /// carries on.
    Error(SessionError),
}

#[derive(Clone, Debug)]
enum Req {
    Get(AttributeDescriptor, Option<SelectiveAccess>),
    GetList(Vec<AttributeAccess>),
    Set(AttributeDescriptor, Option<SelectiveAccess>, Data),
    SetList(Vec<AttributeAccess>, Vec<Data>),
    Action(MethodDescriptor, Option<Data>),
}

#[derive(Debug)]
struct Pending {
    handle: RequestHandle,
    req: Req,
    deadline: Duration,
}

#[derive(Debug)]
enum Progress {
    /// GET (`list` = number of attributes of a with-list request); `buf` collects datablocks.
    Get {
        list: Option<usize>,
        buf: Vec<u8>,
        next_block: u32,
    },
    /// SET, possibly in blocks: `raw` is the encoded value (the value list of a
    /// set-with-list of `list` attributes), `sent` how much of it went out.
    Set {
        raw: Vec<u8>,
        sent: usize,
        block: u32,
        chunk: usize,
        list: Option<usize>,
    },
    SetList(usize),
    /// ACTION with parameters sent in blocks.
    ActionBlocks {
        raw: Vec<u8>,
        sent: usize,
        block: u32,
        chunk: usize,
    },
    /// ACTION; `buf` collects the return parameters sent in blocks.
    Action {
        buf: Vec<u8>,
        next_block: u32,
    },
}

#[derive(Debug)]
struct Active {
    handle: RequestHandle,
    invoke: u8,
    deadline: Duration,
    progress: Progress,
}

#[derive(Debug)]
enum State {
    Idle,
    AwaitAare { deadline: Duration },
    AwaitHls { deadline: Duration, invoke: u8 },
    Associated,
    AwaitRlre { deadline: Duration },
}

/// The client side of a DLMS/COSEM association, sans-IO: it never touches a port or a clock.
///
/// Push the APDUs the link layer delivers into [`handle_apdu`](Self::handle_apdu); send
/// every APDU [`poll_transmit`](Self::poll_transmit) returns; handle
/// [`poll_event`](Self::poll_event); call [`handle_timeout`](Self::handle_timeout) when the
/// time from [`poll_timeout`](Self::poll_timeout) comes. Drain `poll_transmit` and
/// `poll_event` after every call that takes `now`. Time is any monotonic
/// [`Duration`] the caller chooses.
///
/// Requests go out one at a time, in order; each has its own invoke id, and an answer with
/// another id ends the request with [`SessionError::InvokeIdMismatch`]. Long responses
/// (GET-with-datablock, general-block-transfer) are followed up and reassembled by the
/// session, which yields one complete result.
///
/// ```
/// use core::time::Duration;
/// use dlms::apdu::AttributeDescriptor;
/// use dlms::session::{ClientConfig, ClientSession, Event};
/// use obis::ObisCode;
///
/// let mut client = ClientSession::new(ClientConfig::new(16));
/// let now = Duration::ZERO;
/// client.associate(now)?;
/// let aarq = client.poll_transmit().unwrap();
/// assert_eq!(aarq[0], 0x60);
/// // An AARE accepting the association (conformance 0x00181D, max PDU 512).
/// let aare = [0x61, 0x29, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01,
///     0xA2, 0x03, 0x02, 0x01, 0x00, 0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, 0x00, 0xBE, 0x10, 0x04,
///     0x0E, 0x08, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x18, 0x1D, 0x02, 0x00, 0x00, 0x07];
/// client.handle_apdu(&aare, now);
/// assert!(matches!(client.poll_event(), Some(Event::Associated(n)) if n.server_max_receive_pdu == 512));
///
/// let clock = AttributeDescriptor { class_id: 8, instance: ObisCode::new(0, 0, 1, 0, 0, 255), attribute: 2 };
/// let handle = client.get(clock, None, now)?;
/// assert_eq!(client.poll_transmit().unwrap(), [0xC0, 0x01, 0xC1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00]);
/// client.handle_apdu(&[0xC4, 0x01, 0xC1, 0x00, 0x12, 0x00, 0x2A], now);
/// let Some(Event::Response { handle: h, result }) = client.poll_event() else { panic!() };
/// assert_eq!(h, handle);
/// assert_eq!(result.unwrap().into_data(), Some(dlms::Data::LongUnsigned(42)));
/// # Ok::<(), dlms::session::SessionError>(())
/// ```
#[derive(Debug)]
pub struct ClientSession {
    cfg: ClientConfig,
    state: State,
    negotiated: Option<Negotiated>,
    #[cfg(feature = "security")]
    protector: Option<Protector>,
    server_title: Option<[u8; 8]>,
    stoc: Vec<u8>,
    queue: VecDeque<Pending>,
    active: Option<Active>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    next_invoke: u8,
    next_handle: u64,
    gbt: Reassembler,
    gbt_block: u16,
}

fn invoke_of(i: InvokeIdAndPriority) -> u8 {
    i.invoke_id()
}

impl ClientSession {
    /// A session that is not associated yet.
    pub fn new(cfg: ClientConfig) -> Self {
        let gbt = Reassembler::new(cfg.max_response);
        ClientSession {
            cfg,
            state: State::Idle,
            negotiated: None,
            #[cfg(feature = "security")]
            protector: None,
            server_title: None,
            stoc: Vec::new(),
            queue: VecDeque::new(),
            active: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            next_invoke: 1,
            next_handle: 1,
            gbt,
            gbt_block: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// Whether the association is established.
    pub fn is_associated(&self) -> bool {
        matches!(self.state, State::Associated)
    }

    /// What was negotiated, once associated.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// The invocation counter our next ciphered APDU will use (persist it between
    /// associations: a meter refuses a counter it has seen).
    #[cfg(feature = "security")]
    pub fn invocation_counter(&self) -> Option<u32> {
        self.protector.as_ref().map(|p| p.next_ic)
    }

    /// Whether the association ciphers with the dedicated key (ded- APDUs); false before the
    /// AARE and without one.
    #[cfg(feature = "security")]
    pub fn uses_dedicated_key(&self) -> bool {
        self.protector.as_ref().is_some_and(Protector::is_dedicated)
    }

    /// Whether no request is waiting or in progress.
    pub fn is_idle(&self) -> bool {
        self.active.is_none() && self.queue.is_empty()
    }

    /// Starts the association: queues an AARQ.
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidState`] when already associated or associating;
    /// [`SessionError::Encode`] for an AARQ that cannot be encoded.
    pub fn associate(&mut self, now: Duration) -> Result<(), SessionError> {
        if !matches!(self.state, State::Idle) {
            return Err(SessionError::InvalidState(
                "already associated or associating",
            ));
        }
        self.negotiated = None;
        self.server_title = None;
        self.gbt.reset();
        let aarq = self.build_aarq()?;
        self.transmit.push_back(aarq);
        self.state = State::AwaitAare {
            deadline: now.saturating_add(self.cfg.request_timeout),
        };
        Ok(())
    }

    fn build_aarq(&mut self) -> Result<Vec<u8>, SessionError> {
        let ir = InitiateRequest {
            dedicated_key: None,
            response_allowed: None,
            proposed_quality_of_service: None,
            proposed_dlms_version: 6,
            proposed_conformance: self.cfg.conformance,
            client_max_receive_pdu_size: self.cfg.max_receive_pdu,
        };
        #[allow(unused_mut)]
        let mut context = ApplicationContext::LOGICAL_NAME;
        #[allow(unused_mut)]
        let mut title: Option<[u8; 8]> = None;
        #[allow(unused_mut)]
        let mut cipher_payload: Option<(u8, u32, Vec<u8>)> = None;
        #[cfg(feature = "security")]
        {
            self.protector = self.cfg.ciphering.as_ref().map(Protector::new);
            if let Some(p) = self.protector.as_mut() {
                context = ApplicationContext::LOGICAL_NAME_WITH_CIPHERING;
                title = Some(p.own_title);
                let mut with_key = ir.clone();
                with_key.dedicated_key = self
                    .cfg
                    .ciphering
                    .as_ref()
                    .and_then(|c| c.dedicated_key.as_ref())
                    .map(|k| crate::apdu::DedicatedKey::new(k.as_bytes()));
                let mut plain = Apdu::InitiateRequest(with_key)
                    .to_vec()
                    .map_err(SessionError::Encode)?;
                let ic = p.take_ic();
                let sealed = ic.and_then(|ic| {
                    let header = crate::security::SecurityHeader::new(p.own_title, p.sc, ic);
                    Ok((ic, p.cipher.encrypt(Some(&p.ak), &header, &plain)?))
                });
                // The plain InitiateRequest may carry the dedicated key.
                zeroize::Zeroize::zeroize(plain.as_mut_slice());
                let (ic, payload) = sealed?;
                cipher_payload = Some((p.sc, ic, payload));
            }
            if let ClientAuthentication::HighGmac { system_title, .. } = &self.cfg.authentication {
                title = Some(*system_title);
            }
        }
        let mechanism = self.cfg.authentication.mechanism();
        let auth_value: Option<&[u8]> = match &self.cfg.authentication {
            ClientAuthentication::None => None,
            ClientAuthentication::Low(p) => Some(p.as_bytes()),
            #[cfg(feature = "security")]
            ClientAuthentication::HighGmac { challenge, .. } => Some(challenge),
            ClientAuthentication::HighLgz { challenge, .. } => Some(challenge),
        };
        let user_information = match &cipher_payload {
            #[cfg(feature = "security")]
            Some((sc, ic, payload)) => UserInformation::Ciphered(Ciphered {
                tag: Tag::GLO_INITIATE_REQUEST,
                security_control: crate::apdu::SecurityControl(*sc),
                invocation_counter: *ic,
                ciphertext: payload,
            }),
            _ => UserInformation::InitiateRequest(ir),
        };
        let aarq = Aarq {
            protocol_version: None,
            application_context: context,
            calling_ap_title: title.as_ref().map(|t| &t[..]),
            calling_ae_qualifier: None,
            sender_acse_requirements: (mechanism != MechanismName::NONE).then_some(true),
            mechanism_name: (mechanism != MechanismName::NONE).then_some(mechanism),
            calling_authentication_value: auth_value.map(|value| AuthenticationValue {
                kind: AuthenticationValue::CHARSTRING,
                value,
            }),
            user_information: Some(user_information),
            other: Vec::new(),
        };
        Apdu::Aarq(aarq).to_vec().map_err(SessionError::Encode)
    }

    fn handle(&mut self) -> RequestHandle {
        let h = RequestHandle(self.next_handle);
        self.next_handle = self.next_handle.wrapping_add(1);
        h
    }

    fn submit(&mut self, req: Req, now: Duration) -> Result<RequestHandle, SessionError> {
        if !matches!(self.state, State::Associated) {
            return Err(SessionError::InvalidState("not associated"));
        }
        let handle = self.handle();
        self.queue.push_back(Pending {
            handle,
            req,
            deadline: now.saturating_add(self.cfg.request_timeout),
        });
        self.start_next(now);
        Ok(handle)
    }

    fn require(&self, bit: Conformance, what: &'static str) -> Result<(), SessionError> {
        match &self.negotiated {
            Some(n) if n.conformance.contains(bit) => Ok(()),
            _ => Err(SessionError::NotNegotiated(what)),
        }
    }

    /// Reads an attribute, with optional selective access (a profile range or entries).
    /// Long answers are followed up with get-request-next and reassembled.
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidState`] unless associated; [`SessionError::NotNegotiated`] for
    /// selective access the meter did not grant.
    pub fn get(
        &mut self,
        attribute: AttributeDescriptor,
        access: Option<SelectiveAccess>,
        now: Duration,
    ) -> Result<RequestHandle, SessionError> {
        if access.is_some() {
            self.require(Conformance::SELECTIVE_ACCESS, "selective access")?;
        }
        self.submit(Req::Get(attribute, access), now)
    }

    /// Reads several attributes in one request (get-request-with-list).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get), and [`SessionError::NotNegotiated`] without
    /// multiple-references.
    pub fn get_with_list(
        &mut self,
        attributes: Vec<AttributeAccess>,
        now: Duration,
    ) -> Result<RequestHandle, SessionError> {
        self.require(Conformance::MULTIPLE_REFERENCES, "multiple references")?;
        self.submit(Req::GetList(attributes), now)
    }

    /// Writes an attribute. A value too large for the meter's PDU goes in datablocks.
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidState`] unless associated.
    pub fn set(
        &mut self,
        attribute: AttributeDescriptor,
        access: Option<SelectiveAccess>,
        value: Data,
        now: Duration,
    ) -> Result<RequestHandle, SessionError> {
        self.submit(Req::Set(attribute, access, value), now)
    }

    /// Writes several attributes in one request (set-request-with-list).
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set), and [`SessionError::NotNegotiated`] without
    /// multiple-references.
    pub fn set_with_list(
        &mut self,
        attributes: Vec<AttributeAccess>,
        values: Vec<Data>,
        now: Duration,
    ) -> Result<RequestHandle, SessionError> {
        self.require(Conformance::MULTIPLE_REFERENCES, "multiple references")?;
        self.submit(Req::SetList(attributes, values), now)
    }

    /// Invokes a method.
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidState`] unless associated.
    pub fn action(
        &mut self,
        method: MethodDescriptor,
        parameters: Option<Data>,
        now: Duration,
    ) -> Result<RequestHandle, SessionError> {
        self.submit(Req::Action(method, parameters), now)
    }

    /// Ends the association: RLRQ (and wait for RLRE), or at once in
    /// [`ReleaseMode::LinkOnly`]. Requests still waiting end with [`SessionError::Aborted`].
    ///
    /// # Errors
    ///
    /// [`SessionError::InvalidState`] unless associated.
    pub fn release(&mut self, now: Duration) -> Result<(), SessionError> {
        if !matches!(self.state, State::Associated) {
            return Err(SessionError::InvalidState("not associated"));
        }
        self.abort_requests(SessionError::Aborted);
        match self.cfg.release {
            ReleaseMode::LinkOnly => self.finish_release(false),
            ReleaseMode::Rlrq => {
                let rlrq = Apdu::Rlrq(Release {
                    reason: Some(0),
                    user_information: None,
                })
                .to_vec()
                .map_err(SessionError::Encode)?;
                self.transmit.push_back(rlrq);
                self.state = State::AwaitRlre {
                    deadline: now.saturating_add(self.cfg.request_timeout),
                };
            }
        }
        Ok(())
    }

    /// The link went down (or the caller gives up): every request ends with
    /// [`SessionError::Aborted`], an association in progress fails, and the session is ready
    /// for a new [`associate`](Self::associate).
    pub fn abort(&mut self) {
        self.abort_requests(SessionError::Aborted);
        match self.state {
            State::AwaitAare { .. } | State::AwaitHls { .. } => self
                .events
                .push_back(Event::AssociationFailed(SessionError::Aborted)),
            State::AwaitRlre { .. } | State::Associated => {
                self.events.push_back(Event::Released { confirmed: false })
            }
            State::Idle => {}
        }
        self.reset_state();
    }

    fn reset_state(&mut self) {
        self.state = State::Idle;
        self.negotiated = None;
        self.transmit.clear();
        self.gbt.reset();
    }

    fn finish_release(&mut self, confirmed: bool) {
        self.reset_state();
        self.events.push_back(Event::Released { confirmed });
    }

    fn abort_requests(&mut self, e: SessionError) {
        if let Some(a) = self.active.take() {
            self.events.push_back(Event::Response {
                handle: a.handle,
                result: Err(e),
            });
        }
        while let Some(p) = self.queue.pop_front() {
            self.events.push_back(Event::Response {
                handle: p.handle,
                result: Err(e),
            });
        }
    }

    /// The next APDU to hand to the link layer.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout), if anything is awaited.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let state = match self.state {
            State::AwaitAare { deadline }
            | State::AwaitHls { deadline, .. }
            | State::AwaitRlre { deadline } => Some(deadline),
            _ => None,
        };
        let active = self.active.as_ref().map(|a| a.deadline);
        let queued = self.queue.iter().map(|p| p.deadline).min();
        [state, active, queued].into_iter().flatten().min()
    }

    /// Ends what has waited past its deadline with [`SessionError::Timeout`].
    pub fn handle_timeout(&mut self, now: Duration) {
        match self.state {
            State::AwaitAare { deadline } | State::AwaitHls { deadline, .. } if deadline <= now => {
                self.reset_state();
                self.events
                    .push_back(Event::AssociationFailed(SessionError::Timeout));
                return;
            }
            State::AwaitRlre { deadline } if deadline <= now => {
                self.finish_release(false);
                return;
            }
            _ => {}
        }
        if self.active.as_ref().is_some_and(|a| a.deadline <= now) {
            self.gbt.reset();
            self.finish(Err(SessionError::Timeout), now);
        }
        let mut kept = VecDeque::new();
        while let Some(p) = self.queue.pop_front() {
            if p.deadline <= now {
                self.events.push_back(Event::Response {
                    handle: p.handle,
                    result: Err(SessionError::Timeout),
                });
            } else {
                kept.push_back(p);
            }
        }
        self.queue = kept;
    }

    /// An APDU from the link layer (one whole message).
    pub fn handle_apdu(&mut self, apdu: &[u8], now: Duration) {
        if let Err(e) = self.process(apdu, now, 0, false) {
            self.fail(e, now);
        }
    }

    fn fail(&mut self, e: SessionError, now: Duration) {
        match self.state {
            State::AwaitAare { .. } | State::AwaitHls { .. } => {
                self.reset_state();
                self.events.push_back(Event::AssociationFailed(e));
            }
            State::Associated if self.active.is_some() => {
                self.gbt.reset();
                self.finish(Err(e), now);
            }
            State::AwaitRlre { .. } => self.finish_release(false),
            _ => self.events.push_back(Event::Error(e)),
        }
    }

    fn wrap(&mut self, plain: Vec<u8>) -> Result<Vec<u8>, SessionError> {
        #[cfg(feature = "security")]
        if let Some(p) = self.protector.as_mut() {
            return p.protect(&plain);
        }
        Ok(plain)
    }

    /// How many data bytes fit in the first datablock of a request whose empty first block is
    /// `empty_first_block`: its header, the longest A-XDR length field (4 bytes) and the
    /// ciphering overhead come off `max`.
    fn first_block_room(
        &self,
        empty_first_block: &Apdu<'_>,
        size: usize,
        max: usize,
    ) -> Result<usize, SessionError> {
        let header = empty_first_block
            .to_vec()
            .map_err(SessionError::Encode)?
            .len()
            .saturating_add(4)
            .saturating_add(self.overhead());
        match max.saturating_sub(header) {
            0 => Err(SessionError::RequestTooLarge { size, max }),
            room => Ok(room),
        }
    }

    fn overhead(&self) -> usize {
        #[cfg(feature = "security")]
        if self.protector.is_some() {
            return CIPHER_OVERHEAD;
        }
        0
    }

    fn server_max(&self) -> usize {
        self.negotiated
            .as_ref()
            .map_or(usize::MAX, |n| usize::from(n.server_max_receive_pdu))
    }

    fn send_apdu(&mut self, apdu: &Apdu<'_>) -> Result<(), SessionError> {
        let plain = apdu.to_vec().map_err(SessionError::Encode)?;
        let bytes = self.wrap(plain)?;
        let max = self.server_max();
        if bytes.len() > max {
            return Err(SessionError::RequestTooLarge {
                size: bytes.len(),
                max,
            });
        }
        self.transmit.push_back(bytes);
        Ok(())
    }

    fn take_invoke(&mut self) -> u8 {
        let id = self.next_invoke;
        self.next_invoke = id.wrapping_add(1) & 0x0F;
        id
    }

    fn start_next(&mut self, now: Duration) {
        while self.active.is_none() && matches!(self.state, State::Associated) {
            let Some(p) = self.queue.pop_front() else {
                return;
            };
            let invoke = self.take_invoke();
            match self.start(p.req, invoke) {
                Ok(progress) => {
                    self.active = Some(Active {
                        handle: p.handle,
                        invoke,
                        deadline: now.saturating_add(self.cfg.request_timeout),
                        progress,
                    })
                }
                Err(e) => self.events.push_back(Event::Response {
                    handle: p.handle,
                    result: Err(e),
                }),
            }
        }
    }

    fn start(&mut self, req: Req, id: u8) -> Result<Progress, SessionError> {
        let invoke = InvokeIdAndPriority::new(id, true, true);
        match req {
            Req::Get(attribute, access) => {
                self.send_apdu(&Apdu::GetRequest(GetRequest::Normal {
                    invoke,
                    attribute,
                    access,
                }))?;
                Ok(Progress::Get {
                    list: None,
                    buf: Vec::new(),
                    next_block: 1,
                })
            }
            Req::GetList(attributes) => {
                let n = attributes.len();
                self.send_apdu(&Apdu::GetRequest(GetRequest::WithList {
                    invoke,
                    attributes,
                }))?;
                Ok(Progress::Get {
                    list: Some(n),
                    buf: Vec::new(),
                    next_block: 1,
                })
            }
            Req::SetList(attributes, values) => {
                let n = attributes.len();
                let max = self.server_max();
                let list = Apdu::SetRequest(SetRequest::WithList {
                    invoke,
                    attributes,
                    values,
                });
                let plain = list.to_vec().map_err(SessionError::Encode)?;
                if plain.len().saturating_add(self.overhead()) <= max {
                    let bytes = self.wrap(plain)?;
                    self.transmit.push_back(bytes);
                    return Ok(Progress::SetList(n));
                }
                self.require(
                    Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE,
                    "SET in blocks",
                )
                .map_err(|_| SessionError::RequestTooLarge {
                    size: plain.len(),
                    max,
                })?;
                let Apdu::SetRequest(SetRequest::WithList {
                    attributes, values, ..
                }) = list
                else {
                    return Err(SessionError::InvalidState("unreachable"));
                };
                // The blocks carry the value list: SEQUENCE OF Data.
                let mut raw = Vec::new();
                crate::reader::push_length(&mut raw, values.len()).map_err(SessionError::Encode)?;
                for v in &values {
                    v.encode(&mut raw).map_err(SessionError::Encode)?;
                }
                let chunk = self.first_block_room(
                    &Apdu::SetRequest(SetRequest::WithListAndFirstDataBlock {
                        invoke,
                        attributes: attributes.clone(),
                        block: DataBlockSa {
                            last_block: false,
                            block_number: 1,
                            raw_data: &[],
                        },
                    }),
                    plain.len(),
                    max,
                )?;
                let first = raw.get(..chunk.min(raw.len())).unwrap_or(&[]);
                self.send_apdu(&Apdu::SetRequest(SetRequest::WithListAndFirstDataBlock {
                    invoke,
                    attributes,
                    block: DataBlockSa {
                        last_block: first.len() == raw.len(),
                        block_number: 1,
                        raw_data: first,
                    },
                }))?;
                let sent = first.len();
                Ok(Progress::Set {
                    raw,
                    sent,
                    block: 1,
                    chunk,
                    list: Some(n),
                })
            }
            Req::Action(method, parameters) => {
                let normal = Apdu::ActionRequest(ActionRequest::Normal {
                    invoke,
                    method,
                    parameters,
                });
                let plain = normal.to_vec().map_err(SessionError::Encode)?;
                let max = self.server_max();
                let Apdu::ActionRequest(ActionRequest::Normal {
                    parameters: Some(p),
                    ..
                }) = &normal
                else {
                    self.send_apdu(&normal)?;
                    return Ok(Progress::Action {
                        buf: Vec::new(),
                        next_block: 1,
                    });
                };
                if plain.len().saturating_add(self.overhead()) <= max {
                    self.send_apdu(&normal)?;
                    return Ok(Progress::Action {
                        buf: Vec::new(),
                        next_block: 1,
                    });
                }
                self.require(Conformance::BLOCK_TRANSFER_WITH_ACTION, "ACTION in blocks")
                    .map_err(|_| SessionError::RequestTooLarge {
                        size: plain.len(),
                        max,
                    })?;
                let raw = p.to_vec().map_err(SessionError::Encode)?;
                // action-request-with-first-pblock header, longest length field, ciphering.
                let header = 1usize + 2 + 9 + 1 + 4 + 4;
                let chunk = max.saturating_sub(header.saturating_add(self.overhead()));
                if chunk == 0 {
                    return Err(SessionError::RequestTooLarge {
                        size: plain.len(),
                        max,
                    });
                }
                let first = raw.get(..chunk.min(raw.len())).unwrap_or(&[]);
                self.send_apdu(&Apdu::ActionRequest(ActionRequest::WithFirstPBlock {
                    invoke,
                    method,
                    block: DataBlockSa {
                        last_block: first.len() == raw.len(),
                        block_number: 1,
                        raw_data: first,
                    },
                }))?;
                let sent = first.len();
                Ok(Progress::ActionBlocks {
                    raw,
                    sent,
                    block: 1,
                    chunk,
                })
            }
            Req::Set(attribute, access, value) => {
                let normal = Apdu::SetRequest(SetRequest::Normal {
                    invoke,
                    attribute,
                    access: access.clone(),
                    value,
                });
                let plain = normal.to_vec().map_err(SessionError::Encode)?;
                let max = self.server_max();
                if plain.len().saturating_add(self.overhead()) <= max {
                    let bytes = self.wrap(plain)?;
                    self.transmit.push_back(bytes);
                    return Ok(Progress::Set {
                        raw: Vec::new(),
                        sent: 0,
                        block: 0,
                        chunk: 0,
                        list: None,
                    });
                }
                self.require(
                    Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE,
                    "SET in blocks",
                )
                .map_err(|_| SessionError::RequestTooLarge {
                    size: plain.len(),
                    max,
                })?;
                let Apdu::SetRequest(SetRequest::Normal { value, .. }) = normal else {
                    return Err(SessionError::InvalidState("unreachable"));
                };
                let raw = value.to_vec().map_err(SessionError::Encode)?;
                // Header of the first block with no data, plus the longest length field.
                let chunk = self.first_block_room(
                    &Apdu::SetRequest(SetRequest::WithFirstDataBlock {
                        invoke,
                        attribute,
                        access: access.clone(),
                        block: DataBlockSa {
                            last_block: false,
                            block_number: 1,
                            raw_data: &[],
                        },
                    }),
                    plain.len(),
                    max,
                )?;
                let first = raw.get(..chunk.min(raw.len())).unwrap_or(&[]);
                let last = first.len() == raw.len();
                self.send_apdu(&Apdu::SetRequest(SetRequest::WithFirstDataBlock {
                    invoke,
                    attribute,
                    access,
                    block: DataBlockSa {
                        last_block: last,
                        block_number: 1,
                        raw_data: first,
                    },
                }))?;
                let sent = first.len();
                Ok(Progress::Set {
                    raw,
                    sent,
                    block: 1,
                    chunk,
                    list: None,
                })
            }
        }
    }

    fn finish(&mut self, result: Result<Response, SessionError>, now: Duration) {
        if let Some(a) = self.active.take() {
            self.events.push_back(Event::Response {
                handle: a.handle,
                result,
            });
        }
        self.start_next(now);
    }

    fn process(
        &mut self,
        bytes: &[u8],
        now: Duration,
        depth: u8,
        deciphered: bool,
    ) -> Result<(), SessionError> {
        let apdu = Apdu::parse_with_limits(bytes, self.cfg.limits).map_err(SessionError::Decode)?;
        match apdu {
            #[cfg(feature = "security")]
            Apdu::Ciphered(c) if depth < 2 => {
                let p = self
                    .protector
                    .as_mut()
                    .ok_or(SessionError::UnexpectedApdu {
                        tag: c.tag.0,
                        context: "not ciphering",
                    })?;
                let plain = p.unprotect(&c)?;
                self.process(&plain, now, depth.saturating_add(1), true)
            }
            #[cfg(feature = "security")]
            Apdu::GeneralGloCiphering(g) if depth < 2 => {
                let p = self
                    .protector
                    .as_mut()
                    .ok_or(SessionError::UnexpectedApdu {
                        tag: Tag::GENERAL_GLO_CIPHERING.0,
                        context: "not ciphering",
                    })?;
                let plain = p.unprotect_general(&g)?;
                self.process(&plain, now, depth.saturating_add(1), true)
            }
            #[cfg(feature = "security")]
            Apdu::GeneralDedCiphering(g) if depth < 2 => {
                let p = self
                    .protector
                    .as_mut()
                    .ok_or(SessionError::UnexpectedApdu {
                        tag: Tag::GENERAL_DED_CIPHERING.0,
                        context: "not ciphering",
                    })?;
                let plain = p.unprotect_general_ded(&g)?;
                self.process(&plain, now, depth.saturating_add(1), true)
            }
            Apdu::GeneralBlockTransfer(g) if depth < 2 => self.on_gbt(&g, now, depth, deciphered),
            Apdu::DataNotification(n) => {
                self.events.push_back(Event::Notification(n));
                Ok(())
            }
            Apdu::ExceptionResponse(e) => Err(SessionError::Exception {
                state_error: e.state_error,
                service_error: e.service_error,
            }),
            Apdu::ConfirmedServiceError(e) => Err(SessionError::ServiceError(e)),
            Apdu::Aare(a) if matches!(self.state, State::AwaitAare { .. }) => self.on_aare(a, now),
            Apdu::ActionResponse(r) if matches!(self.state, State::AwaitHls { .. }) => {
                self.check_plain(deciphered, 0xC7)?;
                self.on_hls(r, now)
            }
            Apdu::Rlre(_) if matches!(self.state, State::AwaitRlre { .. }) => {
                self.finish_release(true);
                Ok(())
            }
            Apdu::GetResponse(_) | Apdu::SetResponse(_) | Apdu::ActionResponse(_)
                if matches!(self.state, State::Associated) && self.active.is_some() =>
            {
                self.check_plain(deciphered, apdu.tag().0)?;
                self.on_response(apdu, now)
            }
            other => Err(SessionError::UnexpectedApdu {
                tag: other.tag().0,
                context: self.context(),
            }),
        }
    }

    /// In a ciphered association, xDLMS responses must come ciphered.
    fn check_plain(&self, deciphered: bool, tag: u8) -> Result<(), SessionError> {
        #[cfg(feature = "security")]
        if self.protector.is_some() && !deciphered {
            return Err(SessionError::UnexpectedApdu {
                tag,
                context: "waiting for a ciphered response",
            });
        }
        let _ = (deciphered, tag);
        Ok(())
    }

    fn context(&self) -> &'static str {
        match self.state {
            State::Idle => "not associated",
            State::AwaitAare { .. } => "waiting for the AARE",
            State::AwaitHls { .. } => "waiting for the HLS reply",
            State::Associated if self.active.is_some() => "waiting for a response",
            State::Associated => "no request in progress",
            State::AwaitRlre { .. } => "waiting for the RLRE",
        }
    }

    fn on_gbt(
        &mut self,
        g: &GeneralBlockTransfer<'_>,
        now: Duration,
        depth: u8,
        deciphered: bool,
    ) -> Result<(), SessionError> {
        let whole = match self.gbt.push_gbt(g) {
            Ok(Some(m)) => Some(m.to_vec()),
            Ok(None) => None,
            Err(crate::apdu::ReassemblyError::MissingBlock { expected, found }) => {
                return Err(SessionError::BlockNumber { expected, found });
            }
            Err(_) => {
                return Err(SessionError::ResponseTooLarge {
                    limit: self.cfg.max_response,
                });
            }
        };
        if let Some(a) = self.active.as_mut() {
            a.deadline = now.saturating_add(self.cfg.request_timeout);
        }
        match whole {
            Some(m) => self.process(&m, now, depth.saturating_add(1), deciphered),
            None => {
                if !g.control.streaming() {
                    // Acknowledge the block and ask for the next.
                    self.gbt_block = self.gbt_block.wrapping_add(1);
                    let ack = GeneralBlockTransfer {
                        control: BlockControl::new(true, false, 1),
                        block_number: self.gbt_block,
                        block_number_ack: g.block_number,
                        block_data: &[],
                    };
                    let mut out = Vec::with_capacity(ack.buffer_len());
                    ack.encode(&mut out).map_err(SessionError::Encode)?;
                    self.transmit.push_back(out);
                }
                Ok(())
            }
        }
    }

    fn on_aare(&mut self, a: Aare<'_>, now: Duration) -> Result<(), SessionError> {
        if a.result != AssociationResult::ACCEPTED {
            if let Some(UserInformation::ConfirmedServiceError(e)) = a.user_information
                && a.diagnostic.value <= 1
            {
                return Err(SessionError::InitiateRefused(e));
            }
            return Err(SessionError::AssociationRejected {
                result: a.result,
                diagnostic: a.diagnostic,
            });
        }
        self.server_title = a
            .responding_ap_title
            .and_then(|t| <[u8; 8]>::try_from(t).ok());
        let ir = match a.user_information {
            Some(UserInformation::InitiateResponse(i)) => i,
            #[cfg(feature = "security")]
            Some(UserInformation::Ciphered(c)) => {
                let title = self.server_title;
                let p = self
                    .protector
                    .as_mut()
                    .ok_or(SessionError::UnexpectedApdu {
                        tag: c.tag.0,
                        context: "an AARE: ciphered initiate response without ciphering",
                    })?;
                p.peer_title = title;
                let plain = p.unprotect(&c)?;
                match Apdu::parse(&plain).map_err(SessionError::Decode)? {
                    Apdu::InitiateResponse(i) => i,
                    Apdu::ConfirmedServiceError(e) => return Err(SessionError::InitiateRefused(e)),
                    other => {
                        return Err(SessionError::UnexpectedApdu {
                            tag: other.tag().0,
                            context: "an AARE's initiate response",
                        });
                    }
                }
            }
            Some(UserInformation::ConfirmedServiceError(e)) => {
                return Err(SessionError::InitiateRefused(e));
            }
            _ => {
                return Err(SessionError::UnexpectedApdu {
                    tag: 0x61,
                    context: "an AARE without initiate response",
                });
            }
        };
        #[cfg(feature = "security")]
        if let Some(p) = self.protector.as_mut() {
            if self.server_title.is_none() {
                return Err(SessionError::UnexpectedApdu {
                    tag: 0x61,
                    context: "a ciphered AARE without the server system title",
                });
            }
            p.peer_title = self.server_title;
            if let Some(k) = self
                .cfg
                .ciphering
                .as_ref()
                .and_then(|c| c.dedicated_key.as_ref())
            {
                p.use_dedicated(k);
            }
        }
        let server_max = match ir.server_max_receive_pdu_size {
            0 => u16::MAX,
            n => n,
        };
        self.negotiated = Some(Negotiated {
            conformance: ir.negotiated_conformance,
            server_max_receive_pdu: server_max,
            dlms_version: ir.negotiated_dlms_version,
            server_system_title: self.server_title,
            mechanism: self.cfg.authentication.mechanism(),
        });
        if self.cfg.authentication.is_high() {
            if a.diagnostic != ResultSourceDiagnostic::AUTHENTICATION_REQUIRED {
                return Err(SessionError::AuthenticationFailed(
                    "the AARE does not ask for the HLS exchange",
                ));
            }
            let stoc = a
                .responding_authentication_value
                .map(|v| v.value.to_vec())
                .ok_or(SessionError::AuthenticationFailed(
                    "the AARE carries no challenge",
                ))?;
            self.stoc = stoc;
            let reply = self.hls_reply()?;
            let id = self.take_invoke();
            let action = Apdu::ActionRequest(ActionRequest::Normal {
                invoke: InvokeIdAndPriority::new(id, true, true),
                method: MethodDescriptor {
                    class_id: 15,
                    instance: ASSOCIATION_LN,
                    method: 1,
                },
                parameters: Some(Data::OctetString(reply)),
            });
            self.send_apdu(&action)?;
            self.state = State::AwaitHls {
                deadline: now.saturating_add(self.cfg.request_timeout),
                invoke: id,
            };
            return Ok(());
        }
        self.associated(now);
        Ok(())
    }

    fn associated(&mut self, now: Duration) {
        self.state = State::Associated;
        if let Some(n) = self.negotiated.clone() {
            self.events.push_back(Event::Associated(n));
        }
        self.start_next(now);
    }

    fn hls_reply(&mut self) -> Result<Vec<u8>, SessionError> {
        match &self.cfg.authentication {
            #[cfg(feature = "security")]
            ClientAuthentication::HighGmac {
                keys,
                system_title,
                invocation_counter,
                ..
            } => {
                let ic = match self.protector.as_mut() {
                    Some(p) => p.take_ic()?,
                    None => *invocation_counter,
                };
                let cipher = crate::security::SuiteZeroCipher::new(&keys.encryption);
                Ok(cipher
                    .hls_gmac_response(&keys.authentication, system_title, ic, &self.stoc)
                    .to_vec())
            }
            ClientAuthentication::HighLgz { password, .. } => {
                let mut out = vec![0u8; self.stoc.len()];
                let n =
                    crate::security::lgz_hls_response(password.as_bytes(), &self.stoc, &mut out)?;
                out.truncate(n);
                Ok(out)
            }
            _ => Err(SessionError::InvalidState(
                "no high-level authentication configured",
            )),
        }
    }

    fn on_hls(&mut self, r: ActionResponse<'_>, now: Duration) -> Result<(), SessionError> {
        let State::AwaitHls { invoke, .. } = self.state else {
            return Err(SessionError::InvalidState("not in the HLS exchange"));
        };
        let ActionResponse::Normal {
            invoke: got,
            outcome,
        } = r
        else {
            return Err(SessionError::UnexpectedApdu {
                tag: 0xC7,
                context: "waiting for the HLS reply (normal action response)",
            });
        };
        if invoke_of(got) != invoke {
            return Err(SessionError::InvokeIdMismatch {
                expected: invoke,
                found: invoke_of(got),
            });
        }
        if outcome.result != ActionResult::SUCCESS {
            return Err(SessionError::AuthenticationFailed(
                "the meter refused our reply to its challenge (wrong key or password)",
            ));
        }
        let Some(GetDataResult::Data(Data::OctetString(f_ctos))) = outcome.return_parameters else {
            return Err(SessionError::AuthenticationFailed(
                "the meter sent no reply to our challenge",
            ));
        };
        match &self.cfg.authentication {
            #[cfg(feature = "security")]
            ClientAuthentication::HighGmac {
                keys, challenge, ..
            } => {
                let title = self.server_title.ok_or(SessionError::AuthenticationFailed(
                    "the AARE carried no server system title",
                ))?;
                let cipher = crate::security::SuiteZeroCipher::new(&keys.encryption);
                cipher
                    .verify_hls_gmac(&keys.authentication, &title, challenge, &f_ctos)
                    .map_err(|_| {
                        SessionError::AuthenticationFailed(
                            "the meter's reply to our challenge does not verify",
                        )
                    })?;
            }
            ClientAuthentication::HighLgz {
                password,
                challenge,
            } => {
                crate::security::verify_lgz_hls(password.as_bytes(), challenge, &f_ctos).map_err(
                    |_| {
                        SessionError::AuthenticationFailed(
                            "the meter's reply to our challenge does not verify",
                        )
                    },
                )?;
            }
            _ => {}
        }
        self.associated(now);
        Ok(())
    }

    fn on_response(&mut self, apdu: Apdu<'_>, now: Duration) -> Result<(), SessionError> {
        let max_response = self.cfg.max_response;
        let limits = self.cfg.limits;
        let timeout = self.cfg.request_timeout;
        let Some(active) = self.active.as_mut() else {
            return Err(SessionError::InvalidState("no request in progress"));
        };
        let got = match &apdu {
            Apdu::GetResponse(
                GetResponse::Normal { invoke, .. }
                | GetResponse::WithDataBlock { invoke, .. }
                | GetResponse::WithList { invoke, .. },
            ) => *invoke,
            Apdu::SetResponse(
                crate::apdu::SetResponse::Normal { invoke, .. }
                | SetResponse::DataBlock { invoke, .. }
                | SetResponse::LastDataBlock { invoke, .. }
                | SetResponse::LastDataBlockWithList { invoke, .. }
                | SetResponse::WithList { invoke, .. },
            ) => *invoke,
            Apdu::ActionResponse(
                ActionResponse::Normal { invoke, .. }
                | ActionResponse::WithPBlock { invoke, .. }
                | ActionResponse::WithList { invoke, .. }
                | ActionResponse::NextPBlock { invoke, .. },
            ) => *invoke,
            _ => InvokeIdAndPriority(active.invoke),
        };
        if invoke_of(got) != active.invoke {
            return Err(SessionError::InvokeIdMismatch {
                expected: active.invoke,
                found: invoke_of(got),
            });
        }
        active.deadline = now.saturating_add(timeout);
        let tag = apdu.tag().0;
        let unexpected = |context| SessionError::UnexpectedApdu { tag, context };
        let id = active.invoke;
        let result = match (&mut active.progress, apdu) {
            (
                Progress::Get {
                    list: None,
                    next_block: 1,
                    ..
                },
                Apdu::GetResponse(GetResponse::Normal { result, .. }),
            ) => Response::Get(result),
            (
                Progress::Get {
                    list: Some(n),
                    next_block: 1,
                    ..
                },
                Apdu::GetResponse(GetResponse::WithList { results, .. }),
            ) => {
                if results.len() != *n {
                    return Err(unexpected("a get-response-with-list of another length"));
                }
                Response::GetList(results)
            }
            (
                Progress::Get {
                    list,
                    buf,
                    next_block,
                },
                Apdu::GetResponse(GetResponse::WithDataBlock { block, .. }),
            ) => {
                if block.block_number != *next_block {
                    return Err(SessionError::BlockNumber {
                        expected: *next_block,
                        found: block.block_number,
                    });
                }
                match block.result {
                    BlockResult::Error(e) => {
                        if list.is_some() {
                            return Err(unexpected("a block error in a get-with-list"));
                        }
                        Response::Get(GetDataResult::Error(e))
                    }
                    BlockResult::RawData(d) => {
                        if buf.len().saturating_add(d.len()) > max_response {
                            return Err(SessionError::ResponseTooLarge {
                                limit: max_response,
                            });
                        }
                        buf.extend_from_slice(d);
                        if !block.last_block {
                            let n = *next_block;
                            *next_block = n.saturating_add(1);
                            let next = Apdu::GetRequest(GetRequest::Next {
                                invoke: InvokeIdAndPriority::new(id, true, true),
                                block_number: n,
                            });
                            return self.send_apdu(&next);
                        }
                        match list {
                            None => Response::Get(GetDataResult::Data(
                                Data::parse_with_limits(buf, limits)
                                    .map_err(SessionError::Decode)?,
                            )),
                            Some(n) => {
                                let results = get_list_results(buf, limits)?;
                                if results.len() != *n {
                                    return Err(unexpected(
                                        "a get-response-with-list of another length",
                                    ));
                                }
                                Response::GetList(results)
                            }
                        }
                    }
                }
            }
            (
                Progress::Set { block: 0, .. },
                Apdu::SetResponse(SetResponse::Normal { result, .. }),
            ) => Response::Set(result),
            (
                Progress::Set {
                    raw,
                    sent,
                    block,
                    chunk,
                    ..
                },
                Apdu::SetResponse(SetResponse::DataBlock { block_number, .. }),
            ) if *block > 0 && *sent < raw.len() => {
                let (data, last) = next_outgoing_block(raw, sent, block, *chunk, block_number)?;
                let next = Apdu::SetRequest(SetRequest::WithDataBlock {
                    invoke: InvokeIdAndPriority::new(id, true, true),
                    block: DataBlockSa {
                        last_block: last,
                        block_number: *block,
                        raw_data: &data,
                    },
                });
                return self.send_apdu(&next);
            }
            (
                Progress::Set {
                    raw,
                    sent,
                    block,
                    list: None,
                    ..
                },
                Apdu::SetResponse(SetResponse::LastDataBlock {
                    result,
                    block_number,
                    ..
                }),
            ) if *block > 0 && *sent == raw.len() => {
                if block_number != *block {
                    return Err(SessionError::BlockNumber {
                        expected: *block,
                        found: block_number,
                    });
                }
                Response::Set(result)
            }
            (
                Progress::Set {
                    raw,
                    sent,
                    block,
                    list: Some(n),
                    ..
                },
                Apdu::SetResponse(SetResponse::LastDataBlockWithList {
                    results,
                    block_number,
                    ..
                }),
            ) if *block > 0 && *sent == raw.len() => {
                if block_number != *block {
                    return Err(SessionError::BlockNumber {
                        expected: *block,
                        found: block_number,
                    });
                }
                if results.len() != *n {
                    return Err(unexpected("a set-response-with-list of another length"));
                }
                Response::SetList(results)
            }
            (Progress::SetList(n), Apdu::SetResponse(SetResponse::WithList { results, .. })) => {
                if results.len() != *n {
                    return Err(unexpected("a set-response-with-list of another length"));
                }
                Response::SetList(results)
            }
            (
                Progress::Action { next_block: 1, .. },
                Apdu::ActionResponse(ActionResponse::Normal { outcome, .. }),
            ) => Response::Action(outcome),
            (
                Progress::ActionBlocks {
                    raw,
                    sent,
                    block,
                    chunk,
                },
                Apdu::ActionResponse(ActionResponse::NextPBlock { block_number, .. }),
            ) if *sent < raw.len() => {
                let (data, last) = next_outgoing_block(raw, sent, block, *chunk, block_number)?;
                let next = Apdu::ActionRequest(ActionRequest::WithPBlock {
                    invoke: InvokeIdAndPriority::new(id, true, true),
                    block: DataBlockSa {
                        last_block: last,
                        block_number: *block,
                        raw_data: &data,
                    },
                });
                return self.send_apdu(&next);
            }
            (
                Progress::ActionBlocks { raw, sent, .. },
                Apdu::ActionResponse(ActionResponse::Normal { outcome, .. }),
            ) if *sent == raw.len() => Response::Action(outcome),
            (
                Progress::Action { buf, next_block },
                Apdu::ActionResponse(ActionResponse::WithPBlock { block, .. }),
            ) => {
                if block.block_number != *next_block {
                    return Err(SessionError::BlockNumber {
                        expected: *next_block,
                        found: block.block_number,
                    });
                }
                if buf.len().saturating_add(block.raw_data.len()) > max_response {
                    return Err(SessionError::ResponseTooLarge {
                        limit: max_response,
                    });
                }
                buf.extend_from_slice(block.raw_data);
                if !block.last_block {
                    let n = *next_block;
                    *next_block = n.saturating_add(1);
                    let next = Apdu::ActionRequest(ActionRequest::NextPBlock {
                        invoke: InvokeIdAndPriority::new(id, true, true),
                        block_number: n,
                    });
                    return self.send_apdu(&next);
                }
                let d = Data::parse_with_limits(buf, limits).map_err(SessionError::Decode)?;
                Response::Action(crate::apdu::ActionOutcome {
                    result: ActionResult::SUCCESS,
                    return_parameters: Some(GetDataResult::Data(d)),
                })
            }
            (_, _) => return Err(unexpected("a response of another form")),
        };
        self.finish(Ok(result), now);
        Ok(())
    }
}

/// The next datablock of a request sent in blocks, once the server acknowledged block
/// `acked`: checks it is the block just sent, advances `sent` and `block`, and returns the
/// data of the next block and whether it is the last.
fn next_outgoing_block(
    raw: &[u8],
    sent: &mut usize,
    block: &mut u32,
    chunk: usize,
    acked: u32,
) -> Result<(Vec<u8>, bool), SessionError> {
    if acked != *block {
        return Err(SessionError::BlockNumber {
            expected: *block,
            found: acked,
        });
    }
    let end = sent.saturating_add(chunk).min(raw.len());
    let data = raw.get(*sent..end).unwrap_or(&[]).to_vec();
    *sent = end;
    *block = block.saturating_add(1);
    Ok((data, end == raw.len()))
}
