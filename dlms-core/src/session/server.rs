//! The server side of an association (for simulators and tests).

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use super::model::{ObjectModel, RequestContext};
#[cfg(feature = "security")]
use super::protect::{CIPHER_OVERHEAD, Ciphering, Keys, Protector};
use super::{ASSOCIATION_LN, put_list_results};
use crate::apdu::{
    Aare, Aarq, ActionOutcome, ActionRequest, ActionResponse, ActionResult, Apdu,
    ApplicationContext, AssociationResult, AuthenticationValue, BlockResult, ConfirmedServiceError,
    Conformance, DataAccessResult, DataBlockG, ExceptionResponse, GetDataResult, GetRequest,
    GetResponse, InitiateRequest, InitiateResponse, InvokeIdAndPriority, MechanismName, Release,
    ResultSourceDiagnostic, SetRequest, SetResponse, UserInformation,
};
#[cfg(feature = "security")]
use crate::apdu::{Ciphered, Tag};
use crate::security::LlsPassword;
use crate::{Data, DecodeLimits};

/// What an association may do.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AccessLevel {
    /// GET only (the public client).
    ReadOnly,
    /// GET, SET and ACTION.
    ReadWrite,
}

/// An authentication a client SAP may use.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ServerAuthentication {
    /// No authentication.
    None,
    /// LLS with this password.
    Low(LlsPassword),
    /// HLS-GMAC with the server's [`ServerConfig::keys`].
    #[cfg(feature = "security")]
    HighGmac,
    /// **Experimental.** The Landis+Gyr manufacturer HLS (mechanism 2) with this password
    /// (decimal digits): the challenges are hex text.
    HighLgz(LlsPassword),
}

/// Who may associate: a client SAP, the authentications it may use, and its access level.
#[derive(Clone, Debug)]
pub struct ClientPolicy {
    /// The client SAP.
    pub sap: u16,
    /// The authentications accepted (any of them).
    pub authentication: Vec<ServerAuthentication>,
    /// What the association may do.
    pub access: AccessLevel,
}

/// Settings of a [`ServerSession`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The clients that may associate.
    pub clients: Vec<ClientPolicy>,
    /// The conformance the server supports (the negotiated one is the intersection with the
    /// client's proposal).
    pub conformance: Conformance,
    /// The largest APDU the server accepts.
    pub max_receive_pdu: u16,
    /// The server's system title.
    pub system_title: [u8; 8],
    /// Keys for HLS-GMAC and ciphering (`None`: neither is possible).
    #[cfg(feature = "security")]
    pub keys: Option<Keys>,
    /// The challenge StoC of the next HLS association. The caller must put fresh random
    /// bytes here (with [`ServerSession::set_challenge`]) before each association.
    pub challenge: Vec<u8>,
    /// Limits for the `Data` in requests.
    pub limits: DecodeLimits,
}

impl Default for ServerConfig {
    /// Public client 16 (no authentication, read-only) and management client 1 (LLS
    /// `12345678` or HLS-GMAC with the Green Book keys, read-write); conformance with block
    /// transfer, selective access, multiple references; 1024-byte PDUs; system title
    /// `4D4D4D0000BC614E`. The keys and password are the published test values: change them
    /// for anything but tests.
    fn default() -> Self {
        #[allow(unused_mut)]
        let mut management = vec![ServerAuthentication::Low(
            LlsPassword::new(b"12345678").unwrap_or_else(|_| empty_password()),
        )];
        #[cfg(feature = "security")]
        management.push(ServerAuthentication::HighGmac);
        ServerConfig {
            clients: vec![
                ClientPolicy {
                    sap: 16,
                    authentication: vec![ServerAuthentication::None],
                    access: AccessLevel::ReadOnly,
                },
                ClientPolicy {
                    sap: 1,
                    authentication: management,
                    access: AccessLevel::ReadWrite,
                },
            ],
            conformance: Conformance(
                Conformance::GET.0
                    | Conformance::SET.0
                    | Conformance::ACTION.0
                    | Conformance::SELECTIVE_ACCESS.0
                    | Conformance::MULTIPLE_REFERENCES.0
                    | Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ.0
                    | Conformance::BLOCK_TRANSFER_WITH_SET_OR_WRITE.0
                    | Conformance::BLOCK_TRANSFER_WITH_ACTION.0,
            ),
            max_receive_pdu: 1024,
            system_title: [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E],
            #[cfg(feature = "security")]
            keys: Some(Keys::GREEN_BOOK),
            challenge: b"P6wRJ21F".to_vec(),
            limits: DecodeLimits::DEFAULT,
        }
    }
}

/// Reads the value list of a set-with-list sent in datablocks (`SEQUENCE OF Data`).
fn value_list(raw: &[u8], limits: DecodeLimits) -> Option<Vec<Data>> {
    let mut r = crate::Reader::new(raw);
    let n = r.length().ok()?;
    let mut out = Vec::with_capacity(n.min(r.remaining()));
    for _ in 0..n {
        out.push(Data::read_with_limits(&mut r, limits).ok()?);
    }
    r.finish().ok()?;
    Some(out)
}

fn empty_password() -> LlsPassword {
    // An empty password always fits.
    LlsPassword::new(&[]).unwrap_or_else(|_| empty_password())
}

#[derive(Debug)]
struct LongGet {
    invoke: InvokeIdAndPriority,
    raw: Vec<u8>,
    sent: usize,
    block: u32,
    chunk: usize,
}

/// What a SET in datablocks writes.
#[derive(Debug)]
enum SetTarget {
    /// One attribute: the blocks carry its value.
    One(
        crate::apdu::AttributeDescriptor,
        Option<crate::apdu::SelectiveAccess>,
    ),
    /// A set-with-list: the blocks carry the value list (SEQUENCE OF Data).
    List(Vec<crate::apdu::AttributeAccess>),
}

#[derive(Debug)]
struct LongSet {
    target: SetTarget,
    raw: Vec<u8>,
    block: u32,
}

#[derive(Debug)]
struct LongAction {
    method: crate::apdu::MethodDescriptor,
    raw: Vec<u8>,
    block: u32,
}

#[derive(Debug)]
struct Association {
    sap: u16,
    access: AccessLevel,
    mechanism: MechanismName,
    /// False until the HLS exchange completes.
    authenticated: bool,
    conformance: Conformance,
    client_max_pdu: usize,
    #[cfg_attr(not(feature = "security"), allow(dead_code))]
    client_title: Option<[u8; 8]>,
    ctos: Vec<u8>,
    /// The password of the manufacturer HLS, when that is the mechanism.
    lgz: Option<LlsPassword>,
    #[cfg(feature = "security")]
    protector: Option<Protector>,
    long_get: Option<LongGet>,
    long_set: Option<LongSet>,
    long_action: Option<LongAction>,
}

/// The server side of a DLMS/COSEM association, sans-IO, answering from an
/// [`ObjectModel`].
///
/// Feed each request APDU with the client's SAP (from the link layer) to
/// [`handle_apdu`](Self::handle_apdu) and send what [`poll_transmit`](Self::poll_transmit)
/// returns. A secondary station only answers, so the server needs no clock. One
/// `ServerSession` serves one link; a new AARQ replaces the association.
///
/// See the [module documentation](super) for an example with a client.
#[derive(Debug)]
pub struct ServerSession {
    cfg: ServerConfig,
    assoc: Option<Association>,
    transmit: VecDeque<Vec<u8>>,
}

/// exception-response state-error service-not-allowed (1), service-error
/// operation-not-possible (1): a request outside an association.
const NOT_ALLOWED: ExceptionResponse = ExceptionResponse {
    state_error: 1,
    service_error: 1,
    invocation_counter: None,
};
/// state-error service-unknown (2), service-error service-not-supported (2).
const UNKNOWN: ExceptionResponse = ExceptionResponse {
    state_error: 2,
    service_error: 2,
    invocation_counter: None,
};
/// service-error deciphering-error (5).
#[cfg(feature = "security")]
const DECIPHERING: ExceptionResponse = ExceptionResponse {
    state_error: 1,
    service_error: 5,
    invocation_counter: None,
};

impl ServerSession {
    /// A server with no association yet.
    pub fn new(cfg: ServerConfig) -> Self {
        ServerSession {
            cfg,
            assoc: None,
            transmit: VecDeque::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.cfg
    }

    /// Sets the challenge StoC of the next HLS association (fresh random bytes, 8 to 64).
    pub fn set_challenge(&mut self, challenge: &[u8]) {
        self.cfg.challenge = challenge.to_vec();
    }

    /// Whether an association is established (and authenticated).
    pub fn is_associated(&self) -> bool {
        self.assoc.as_ref().is_some_and(|a| a.authenticated)
    }

    /// Whether the association ciphers with a dedicated key the client proposed (ded- APDUs).
    #[cfg(feature = "security")]
    pub fn uses_dedicated_key(&self) -> bool {
        self.assoc
            .as_ref()
            .and_then(|a| a.protector.as_ref())
            .is_some_and(Protector::is_dedicated)
    }

    /// The link went down: forget the association.
    pub fn reset(&mut self) {
        self.assoc = None;
        self.transmit.clear();
    }

    /// The next APDU to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// A request APDU from client `client_sap`. Every request gets an answer (an AARE, a
    /// response, or an exception-response for what cannot be served); nothing panics.
    pub fn handle_apdu<M: ObjectModel + ?Sized>(
        &mut self,
        client_sap: u16,
        apdu: &[u8],
        model: &mut M,
    ) {
        // Another client on the same link: its own association starts from scratch.
        if self.assoc.as_ref().is_some_and(|a| a.sap != client_sap) {
            self.assoc = None;
        }
        let answer = self.process(client_sap, apdu, model, 0);
        if let Some(bytes) = answer {
            self.transmit.push_back(bytes);
        }
    }

    fn exception(e: ExceptionResponse) -> Option<Vec<u8>> {
        Apdu::ExceptionResponse(e).to_vec().ok()
    }

    fn process<M: ObjectModel + ?Sized>(
        &mut self,
        sap: u16,
        bytes: &[u8],
        model: &mut M,
        depth: u8,
    ) -> Option<Vec<u8>> {
        let Ok(apdu) = Apdu::parse_with_limits(bytes, self.cfg.limits) else {
            return Self::exception(UNKNOWN);
        };
        match apdu {
            Apdu::Aarq(a) => self.on_aarq(sap, &a),
            Apdu::Rlrq(_) => {
                self.assoc = None;
                Apdu::Rlre(Release {
                    reason: Some(0),
                    user_information: None,
                })
                .to_vec()
                .ok()
            }
            #[cfg(feature = "security")]
            Apdu::Ciphered(c) if depth == 0 => {
                let Some(p) = self.assoc.as_mut().and_then(|a| a.protector.as_mut()) else {
                    return Self::exception(NOT_ALLOWED);
                };
                let Ok(plain) = p.unprotect(&c) else {
                    return Self::exception(DECIPHERING);
                };
                let answer = self.process(sap, &plain, model, 1)?;
                // Answer in kind (an exception-response has no glo- form: send it plain).
                let p = self.assoc.as_mut().and_then(|a| a.protector.as_mut())?;
                if answer.first().and_then(|t| Tag(*t).glo()).is_some() {
                    p.protect(&answer).ok()
                } else {
                    Some(answer)
                }
            }
            Apdu::GetRequest(_) | Apdu::SetRequest(_) | Apdu::ActionRequest(_) => {
                let Some(a) = self.assoc.as_ref() else {
                    return Self::exception(NOT_ALLOWED);
                };
                #[cfg(feature = "security")]
                if a.protector.is_some() && depth == 0 {
                    return Self::exception(NOT_ALLOWED);
                }
                let _ = (a, depth);
                self.on_request(apdu, model)
            }
            _ => Self::exception(UNKNOWN),
        }
    }

    fn reject(context: ApplicationContext, diagnostic: u8) -> Option<Vec<u8>> {
        Apdu::Aare(Aare {
            protocol_version: None,
            application_context: context,
            result: AssociationResult::REJECTED_PERMANENT,
            diagnostic: ResultSourceDiagnostic {
                source: 1,
                value: diagnostic,
            },
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responder_acse_requirements: None,
            mechanism_name: None,
            responding_authentication_value: None,
            user_information: None,
            other: Vec::new(),
        })
        .to_vec()
        .ok()
    }

    fn on_aarq(&mut self, sap: u16, a: &Aarq<'_>) -> Option<Vec<u8>> {
        self.assoc = None;
        let ctx = a.application_context;
        let Some(policy) = self.cfg.clients.iter().find(|p| p.sap == sap) else {
            return Self::reject(ctx, 1);
        };
        let ciphered = match ctx {
            ApplicationContext::LOGICAL_NAME => false,
            #[cfg(feature = "security")]
            ApplicationContext::LOGICAL_NAME_WITH_CIPHERING if self.cfg.keys.is_some() => true,
            _ => return Self::reject(ctx, 2),
        };
        let mechanism = a.mechanism_name.unwrap_or(MechanismName::NONE);
        let value = a.calling_authentication_value.map(|v| v.value);
        let mut high = false;
        let mut lgz: Option<LlsPassword> = None;
        let mut known = false;
        let mut ok = false;
        for auth in &policy.authentication {
            match (auth, mechanism) {
                (ServerAuthentication::None, MechanismName::NONE) => {
                    known = true;
                    ok = true;
                }
                (ServerAuthentication::Low(pw), MechanismName::LLS) => {
                    known = true;
                    let given = value.and_then(|v| LlsPassword::new(v).ok());
                    ok |= given.is_some_and(|g| &g == pw);
                }
                (ServerAuthentication::HighLgz(pw), MechanismName::HLS_MANUFACTURER) => {
                    known = true;
                    high = true;
                    ok = value.is_some_and(|v| (8..=64).contains(&v.len()));
                    lgz = Some(pw.clone());
                }
                #[cfg(feature = "security")]
                (ServerAuthentication::HighGmac, MechanismName::HLS_GMAC) => {
                    known = true;
                    high = true;
                    ok = value.is_some_and(|v| (8..=64).contains(&v.len()))
                        && a.calling_ap_title.is_some_and(|t| t.len() == 8);
                }
                _ => {}
            }
        }
        if !known {
            let needs_auth = mechanism == MechanismName::NONE;
            return Self::reject(ctx, if needs_auth { 12 } else { 11 });
        }
        if !ok {
            return Self::reject(ctx, 13);
        }
        let client_title = a.calling_ap_title.and_then(|t| <[u8; 8]>::try_from(t).ok());
        #[cfg(feature = "security")]
        let mut protector = if ciphered {
            let (Some(keys), Some(title)) = (self.cfg.keys.clone(), client_title) else {
                return Self::reject(ctx, 1);
            };
            let mut p = Protector::new(&Ciphering::new(keys, self.cfg.system_title));
            p.peer_title = Some(title);
            Some(p)
        } else {
            None
        };
        // The xDLMS InitiateRequest, plain or glo-ciphered.
        let ir: Option<InitiateRequest> = match &a.user_information {
            // A dedicated key is only accepted ciphered, never in the clear.
            Some(UserInformation::InitiateRequest(i)) if !ciphered && i.dedicated_key.is_none() => {
                Some(i.clone())
            }
            #[cfg(feature = "security")]
            Some(UserInformation::Ciphered(c)) if c.tag == Tag::GLO_INITIATE_REQUEST => {
                let p = protector.as_mut()?;
                let Ok(mut plain) = p.unprotect(c) else {
                    return Self::reject(ctx, 1);
                };
                let ir = match Apdu::parse(&plain) {
                    Ok(Apdu::InitiateRequest(i)) => Some(i),
                    _ => None,
                };
                // The plain InitiateRequest may carry the dedicated key.
                zeroize::Zeroize::zeroize(plain.as_mut_slice());
                match ir {
                    Some(i) => Some(i),
                    None => return Self::reject(ctx, 1),
                }
            }
            _ => None,
        };
        let Some(ir) = ir else {
            return Self::reject(ctx, 1);
        };
        if ir.proposed_dlms_version < 6 {
            let cse = ConfirmedServiceError {
                service: 1,
                kind: 6,
                value: 1,
            };
            return Apdu::Aare(Aare {
                protocol_version: None,
                application_context: ctx,
                result: AssociationResult::REJECTED_PERMANENT,
                diagnostic: ResultSourceDiagnostic {
                    source: 1,
                    value: 1,
                },
                responding_ap_title: None,
                responding_ae_qualifier: None,
                responder_acse_requirements: None,
                mechanism_name: None,
                responding_authentication_value: None,
                user_information: Some(UserInformation::ConfirmedServiceError(cse)),
                other: Vec::new(),
            })
            .to_vec()
            .ok();
        }
        #[cfg(feature = "security")]
        let dedicated = match &ir.dedicated_key {
            None => None,
            Some(k) => match crate::security::EncryptionKey::from_slice(k.as_bytes()) {
                Ok(key) => Some(key),
                Err(_) => return Self::reject(ctx, 1),
            },
        };
        let conformance = Conformance(ir.proposed_conformance.0 & self.cfg.conformance.0);
        let response = InitiateResponse {
            negotiated_quality_of_service: None,
            negotiated_dlms_version: 6,
            negotiated_conformance: conformance,
            server_max_receive_pdu_size: self.cfg.max_receive_pdu,
            vaa_name: 0x0007,
        };
        let client_max_pdu = match ir.client_max_receive_pdu_size {
            0 => usize::from(u16::MAX),
            n => usize::from(n),
        };
        #[allow(unused_mut)]
        let mut cipher_payload: Option<(u8, u32, Vec<u8>)> = None;
        #[cfg(feature = "security")]
        if let Some(p) = protector.as_mut() {
            let plain = Apdu::InitiateResponse(response).to_vec().ok()?;
            let ic = p.take_ic().ok()?;
            let header = crate::security::SecurityHeader::new(p.own_title, p.sc, ic);
            let payload = p.cipher.encrypt(Some(&p.ak), &header, &plain).ok()?;
            cipher_payload = Some((p.sc, ic, payload));
        }
        let user_information = match &cipher_payload {
            #[cfg(feature = "security")]
            Some((sc, ic, payload)) => UserInformation::Ciphered(Ciphered {
                tag: Tag::GLO_INITIATE_RESPONSE,
                security_control: crate::apdu::SecurityControl(*sc),
                invocation_counter: *ic,
                ciphertext: payload,
            }),
            _ => UserInformation::InitiateResponse(response),
        };
        let title = self.cfg.system_title;
        let challenge = self.cfg.challenge.clone();
        let aare = Aare {
            protocol_version: None,
            application_context: ctx,
            result: AssociationResult::ACCEPTED,
            diagnostic: if high {
                ResultSourceDiagnostic::AUTHENTICATION_REQUIRED
            } else {
                ResultSourceDiagnostic::NULL
            },
            responding_ap_title: (high || ciphered).then_some(&title[..]),
            responding_ae_qualifier: None,
            responder_acse_requirements: high.then_some(true),
            mechanism_name: high.then_some(mechanism),
            responding_authentication_value: high.then_some(AuthenticationValue {
                kind: AuthenticationValue::CHARSTRING,
                value: &challenge,
            }),
            user_information: Some(user_information),
            other: Vec::new(),
        };
        let bytes = Apdu::Aare(aare).to_vec().ok()?;
        // The AARE went out under the global key; what follows uses the dedicated key.
        #[cfg(feature = "security")]
        if let (Some(p), Some(key)) = (protector.as_mut(), dedicated.as_ref()) {
            p.use_dedicated(key);
        }
        self.assoc = Some(Association {
            sap,
            access: policy.access,
            mechanism,
            authenticated: !high,
            conformance,
            client_max_pdu,
            client_title,
            ctos: value.map(<[u8]>::to_vec).unwrap_or_default(),
            lgz,
            #[cfg(feature = "security")]
            protector,
            long_get: None,
            long_set: None,
            long_action: None,
        });
        Some(bytes)
    }

    fn on_request<M: ObjectModel + ?Sized>(
        &mut self,
        apdu: Apdu<'_>,
        model: &mut M,
    ) -> Option<Vec<u8>> {
        let a = self.assoc.as_mut()?;
        let ctx = RequestContext::new(a.sap, a.access, a.mechanism);
        #[allow(unused_mut)]
        let mut overhead = 0usize;
        #[cfg(feature = "security")]
        if a.protector.is_some() {
            overhead = CIPHER_OVERHEAD;
        }
        let max = a.client_max_pdu.saturating_sub(overhead);
        let limits = self.cfg.limits;
        let response = match apdu {
            Apdu::ActionRequest(ActionRequest::Normal {
                invoke,
                method,
                parameters,
            }) if method.class_id == 15
                && method.instance == ASSOCIATION_LN
                && method.method == 1 =>
            {
                let outcome = match self.hls_reply(parameters) {
                    Ok(reply) => ActionOutcome {
                        result: ActionResult::SUCCESS,
                        return_parameters: Some(GetDataResult::Data(Data::OctetString(reply))),
                    },
                    Err(r) => ActionOutcome {
                        result: r,
                        return_parameters: None,
                    },
                };
                Apdu::ActionResponse(ActionResponse::Normal { invoke, outcome })
            }
            Apdu::GetRequest(GetRequest::Normal {
                invoke,
                attribute,
                access,
            }) => {
                a.long_get = None;
                let result = if !a.authenticated {
                    GetDataResult::Error(DataAccessResult::READ_WRITE_DENIED)
                } else {
                    match model.get(&ctx, &attribute, access.as_ref()) {
                        Ok(d) => GetDataResult::Data(d),
                        Err(e) => GetDataResult::Error(e),
                    }
                };
                let normal = Apdu::GetResponse(GetResponse::Normal { invoke, result });
                let bytes = normal.to_vec().ok()?;
                if bytes.len() <= max {
                    return Some(bytes);
                }
                let Apdu::GetResponse(GetResponse::Normal {
                    result: GetDataResult::Data(d),
                    ..
                }) = normal
                else {
                    return None;
                };
                let raw = d.to_vec().ok()?;
                return self.start_long_get(invoke, raw, max);
            }
            Apdu::GetRequest(GetRequest::WithList { invoke, attributes }) => {
                a.long_get = None;
                let results: Vec<GetDataResult> = attributes
                    .iter()
                    .map(|at| {
                        if !a.authenticated {
                            return GetDataResult::Error(DataAccessResult::READ_WRITE_DENIED);
                        }
                        match model.get(&ctx, &at.attribute, at.access.as_ref()) {
                            Ok(d) => GetDataResult::Data(d),
                            Err(e) => GetDataResult::Error(e),
                        }
                    })
                    .collect();
                let mut raw = Vec::new();
                put_list_results(&results, &mut raw).ok()?;
                let list = Apdu::GetResponse(GetResponse::WithList { invoke, results });
                let bytes = list.to_vec().ok()?;
                if bytes.len() <= max {
                    return Some(bytes);
                }
                return self.start_long_get(invoke, raw, max);
            }
            Apdu::GetRequest(GetRequest::Next {
                invoke,
                block_number,
            }) => return self.next_block(invoke, block_number),
            Apdu::SetRequest(SetRequest::Normal {
                invoke,
                attribute,
                access,
                value,
            }) => {
                let result = Self::do_set(a, model, &ctx, &attribute, access.as_ref(), value);
                Apdu::SetResponse(SetResponse::Normal { invoke, result })
            }
            Apdu::SetRequest(SetRequest::WithList {
                invoke,
                attributes,
                values,
            }) => {
                let results = if attributes.len() != values.len() {
                    vec![DataAccessResult::OTHER_REASON; attributes.len()]
                } else {
                    attributes
                        .iter()
                        .zip(values)
                        .map(|(at, v)| {
                            Self::do_set(a, model, &ctx, &at.attribute, at.access.as_ref(), v)
                        })
                        .collect()
                };
                Apdu::SetResponse(SetResponse::WithList { invoke, results })
            }
            Apdu::SetRequest(SetRequest::WithFirstDataBlock {
                invoke,
                attribute,
                access,
                block,
            }) => {
                if block.block_number != 1 {
                    a.long_set = None;
                    Apdu::SetResponse(SetResponse::Normal {
                        invoke,
                        result: DataAccessResult::DATA_BLOCK_NUMBER_INVALID,
                    })
                } else {
                    a.long_set = Some(LongSet {
                        target: SetTarget::One(attribute, access),
                        raw: block.raw_data.to_vec(),
                        block: 1,
                    });
                    if block.last_block {
                        Self::finish_set(a, model, &ctx, invoke, limits)
                    } else {
                        Apdu::SetResponse(SetResponse::DataBlock {
                            invoke,
                            block_number: 1,
                        })
                    }
                }
            }
            Apdu::SetRequest(SetRequest::WithListAndFirstDataBlock {
                invoke,
                attributes,
                block,
            }) => {
                if block.block_number != 1 {
                    a.long_set = None;
                    Apdu::SetResponse(SetResponse::Normal {
                        invoke,
                        result: DataAccessResult::DATA_BLOCK_NUMBER_INVALID,
                    })
                } else {
                    a.long_set = Some(LongSet {
                        target: SetTarget::List(attributes),
                        raw: block.raw_data.to_vec(),
                        block: 1,
                    });
                    if block.last_block {
                        Self::finish_set(a, model, &ctx, invoke, limits)
                    } else {
                        Apdu::SetResponse(SetResponse::DataBlock {
                            invoke,
                            block_number: 1,
                        })
                    }
                }
            }
            Apdu::SetRequest(SetRequest::WithDataBlock { invoke, block }) => {
                match a.long_set.as_mut() {
                    None => Apdu::SetResponse(SetResponse::Normal {
                        invoke,
                        result: DataAccessResult::NO_LONG_SET_IN_PROGRESS,
                    }),
                    Some(ls) if Some(block.block_number) != ls.block.checked_add(1) => {
                        a.long_set = None;
                        Apdu::SetResponse(SetResponse::Normal {
                            invoke,
                            result: DataAccessResult::DATA_BLOCK_NUMBER_INVALID,
                        })
                    }
                    Some(ls) => {
                        if ls.raw.len().saturating_add(block.raw_data.len()) > limits.max_size {
                            a.long_set = None;
                            Apdu::SetResponse(SetResponse::Normal {
                                invoke,
                                result: DataAccessResult::LONG_SET_ABORTED,
                            })
                        } else {
                            ls.raw.extend_from_slice(block.raw_data);
                            ls.block = block.block_number;
                            if block.last_block {
                                Self::finish_set(a, model, &ctx, invoke, limits)
                            } else {
                                Apdu::SetResponse(SetResponse::DataBlock {
                                    invoke,
                                    block_number: block.block_number,
                                })
                            }
                        }
                    }
                }
            }
            Apdu::ActionRequest(ActionRequest::Normal {
                invoke,
                method,
                parameters,
            }) => {
                let outcome = if !a.authenticated || a.access != AccessLevel::ReadWrite {
                    ActionOutcome {
                        result: ActionResult::READ_WRITE_DENIED,
                        return_parameters: None,
                    }
                } else {
                    match model.action(&ctx, &method, parameters) {
                        Ok(r) => ActionOutcome {
                            result: ActionResult::SUCCESS,
                            return_parameters: r.map(GetDataResult::Data),
                        },
                        Err(e) => ActionOutcome {
                            result: e,
                            return_parameters: None,
                        },
                    }
                };
                Apdu::ActionResponse(ActionResponse::Normal { invoke, outcome })
            }
            Apdu::ActionRequest(ActionRequest::WithFirstPBlock {
                invoke,
                method,
                block,
            }) if block.block_number == 1 => {
                a.long_action = Some(LongAction {
                    method,
                    raw: block.raw_data.to_vec(),
                    block: 1,
                });
                if block.last_block {
                    Self::finish_action(a, model, &ctx, invoke, limits)
                } else {
                    Apdu::ActionResponse(ActionResponse::NextPBlock {
                        invoke,
                        block_number: 1,
                    })
                }
            }
            Apdu::ActionRequest(ActionRequest::WithPBlock { invoke, block }) => {
                let ok = a.long_action.as_ref().is_some_and(|la| {
                    Some(block.block_number) == la.block.checked_add(1)
                        && la.raw.len().saturating_add(block.raw_data.len()) <= limits.max_size
                });
                match a.long_action.as_mut() {
                    Some(la) if ok => {
                        la.raw.extend_from_slice(block.raw_data);
                        la.block = block.block_number;
                        if block.last_block {
                            Self::finish_action(a, model, &ctx, invoke, limits)
                        } else {
                            Apdu::ActionResponse(ActionResponse::NextPBlock {
                                invoke,
                                block_number: block.block_number,
                            })
                        }
                    }
                    _ => {
                        a.long_action = None;
                        Apdu::ActionResponse(ActionResponse::Normal {
                            invoke,
                            outcome: ActionOutcome {
                                result: ActionResult::LONG_ACTION_ABORTED,
                                return_parameters: None,
                            },
                        })
                    }
                }
            }
            Apdu::ActionRequest(ActionRequest::WithList {
                invoke, methods, ..
            }) => Apdu::ActionResponse(ActionResponse::WithList {
                invoke,
                outcomes: methods
                    .iter()
                    .map(|_| ActionOutcome {
                        result: ActionResult::OTHER_REASON,
                        return_parameters: None,
                    })
                    .collect(),
            }),
            _ => return Self::exception(UNKNOWN),
        };
        let bytes = response.to_vec().ok()?;
        if bytes.len() > max {
            return Self::exception(ExceptionResponse {
                state_error: 1,
                service_error: 4,
                invocation_counter: None,
            });
        }
        Some(bytes)
    }

    fn do_set<M: ObjectModel + ?Sized>(
        a: &Association,
        model: &mut M,
        ctx: &RequestContext,
        attribute: &crate::apdu::AttributeDescriptor,
        access: Option<&crate::apdu::SelectiveAccess>,
        value: Data,
    ) -> DataAccessResult {
        if !a.authenticated || a.access != AccessLevel::ReadWrite {
            return DataAccessResult::READ_WRITE_DENIED;
        }
        match model.set(ctx, attribute, access, value) {
            Ok(()) => DataAccessResult::SUCCESS,
            Err(e) => e,
        }
    }

    fn do_action<M: ObjectModel + ?Sized>(
        a: &Association,
        model: &mut M,
        ctx: &RequestContext,
        method: &crate::apdu::MethodDescriptor,
        parameters: Option<Data>,
    ) -> ActionOutcome {
        if !a.authenticated || a.access != AccessLevel::ReadWrite {
            return ActionOutcome {
                result: ActionResult::READ_WRITE_DENIED,
                return_parameters: None,
            };
        }
        match model.action(ctx, method, parameters) {
            Ok(r) => ActionOutcome {
                result: ActionResult::SUCCESS,
                return_parameters: r.map(GetDataResult::Data),
            },
            Err(e) => ActionOutcome {
                result: e,
                return_parameters: None,
            },
        }
    }

    fn finish_action<M: ObjectModel + ?Sized>(
        a: &mut Association,
        model: &mut M,
        ctx: &RequestContext,
        invoke: InvokeIdAndPriority,
        limits: DecodeLimits,
    ) -> Apdu<'static> {
        let outcome = match a.long_action.take() {
            None => ActionOutcome {
                result: ActionResult::NO_LONG_ACTION_IN_PROGRESS,
                return_parameters: None,
            },
            Some(la) => match Data::parse_with_limits(&la.raw, limits) {
                Ok(p) => Self::do_action(a, model, ctx, &la.method, Some(p)),
                Err(_) => ActionOutcome {
                    result: ActionResult::TYPE_UNMATCHED,
                    return_parameters: None,
                },
            },
        };
        Apdu::ActionResponse(ActionResponse::Normal { invoke, outcome })
    }

    fn finish_set<M: ObjectModel + ?Sized>(
        a: &mut Association,
        model: &mut M,
        ctx: &RequestContext,
        invoke: InvokeIdAndPriority,
        limits: DecodeLimits,
    ) -> Apdu<'static> {
        let Some(ls) = a.long_set.take() else {
            return Apdu::SetResponse(SetResponse::Normal {
                invoke,
                result: DataAccessResult::NO_LONG_SET_IN_PROGRESS,
            });
        };
        match ls.target {
            SetTarget::One(attribute, access) => {
                let result = match Data::parse_with_limits(&ls.raw, limits) {
                    Ok(v) => Self::do_set(a, model, ctx, &attribute, access.as_ref(), v),
                    Err(_) => DataAccessResult::TYPE_UNMATCHED,
                };
                Apdu::SetResponse(SetResponse::LastDataBlock {
                    invoke,
                    result,
                    block_number: ls.block,
                })
            }
            SetTarget::List(attributes) => {
                let results = match value_list(&ls.raw, limits) {
                    Some(values) if values.len() == attributes.len() => attributes
                        .iter()
                        .zip(values)
                        .map(|(at, v)| {
                            Self::do_set(a, model, ctx, &at.attribute, at.access.as_ref(), v)
                        })
                        .collect(),
                    _ => vec![DataAccessResult::TYPE_UNMATCHED; attributes.len()],
                };
                Apdu::SetResponse(SetResponse::LastDataBlockWithList {
                    invoke,
                    results,
                    block_number: ls.block,
                })
            }
        }
    }

    fn start_long_get(
        &mut self,
        invoke: InvokeIdAndPriority,
        raw: Vec<u8>,
        max: usize,
    ) -> Option<Vec<u8>> {
        let a = self.assoc.as_mut()?;
        if !a
            .conformance
            .contains(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ)
        {
            return Self::exception(ExceptionResponse {
                state_error: 1,
                service_error: 4,
                invocation_counter: None,
            });
        }
        // get-response-with-datablock header: tag, choice, invoke, last, block(4), choice,
        // length (up to 5).
        let chunk = max.saturating_sub(14);
        if chunk == 0 {
            return Self::exception(ExceptionResponse {
                state_error: 1,
                service_error: 4,
                invocation_counter: None,
            });
        }
        a.long_get = Some(LongGet {
            invoke,
            raw,
            sent: 0,
            block: 0,
            chunk,
        });
        self.send_block(invoke)
    }

    fn send_block(&mut self, invoke: InvokeIdAndPriority) -> Option<Vec<u8>> {
        let a = self.assoc.as_mut()?;
        let lg = a.long_get.as_mut()?;
        let end = lg.sent.saturating_add(lg.chunk).min(lg.raw.len());
        let last = end == lg.raw.len();
        lg.block = lg.block.saturating_add(1);
        let bytes = Apdu::GetResponse(GetResponse::WithDataBlock {
            invoke,
            block: DataBlockG {
                last_block: last,
                block_number: lg.block,
                result: BlockResult::RawData(lg.raw.get(lg.sent..end).unwrap_or(&[])),
            },
        })
        .to_vec()
        .ok();
        lg.sent = end;
        if last {
            a.long_get = None;
        }
        bytes
    }

    fn next_block(&mut self, invoke: InvokeIdAndPriority, block_number: u32) -> Option<Vec<u8>> {
        let a = self.assoc.as_mut()?;
        let error = |e| {
            Apdu::GetResponse(GetResponse::WithDataBlock {
                invoke,
                block: DataBlockG {
                    last_block: true,
                    block_number,
                    result: BlockResult::Error(e),
                },
            })
            .to_vec()
            .ok()
        };
        match a.long_get.as_ref() {
            None => error(DataAccessResult::NO_LONG_GET_IN_PROGRESS),
            Some(lg) if lg.block != block_number || lg.invoke.invoke_id() != invoke.invoke_id() => {
                a.long_get = None;
                error(DataAccessResult::DATA_BLOCK_NUMBER_INVALID)
            }
            Some(_) => self.send_block(invoke),
        }
    }

    /// Checks the client's f(StoC) and computes our f(CtoS).
    fn hls_reply(&mut self, parameters: Option<Data>) -> Result<Vec<u8>, ActionResult> {
        let a = self.assoc.as_mut().ok_or(ActionResult::READ_WRITE_DENIED)?;
        if a.authenticated {
            return Err(ActionResult::READ_WRITE_DENIED);
        }
        let Some(Data::OctetString(f)) = parameters else {
            return Err(ActionResult::TYPE_UNMATCHED);
        };
        if let Some(pw) = &a.lgz {
            crate::security::verify_lgz_hls(pw.as_bytes(), &self.cfg.challenge, &f)
                .map_err(|_| ActionResult::READ_WRITE_DENIED)?;
            let mut reply = vec![0u8; a.ctos.len()];
            let n = crate::security::lgz_hls_response(pw.as_bytes(), &a.ctos, &mut reply)
                .map_err(|_| ActionResult::OTHER_REASON)?;
            reply.truncate(n);
            a.authenticated = true;
            return Ok(reply);
        }
        if a.mechanism != MechanismName::HLS_GMAC {
            return Err(ActionResult::READ_WRITE_DENIED);
        }
        #[cfg(feature = "security")]
        {
            let keys = self
                .cfg
                .keys
                .as_ref()
                .ok_or(ActionResult::READ_WRITE_DENIED)?;
            let title = a.client_title.ok_or(ActionResult::READ_WRITE_DENIED)?;
            let cipher = crate::security::SuiteZeroCipher::new(&keys.encryption);
            cipher
                .verify_hls_gmac(&keys.authentication, &title, &self.cfg.challenge, &f)
                .map_err(|_| ActionResult::READ_WRITE_DENIED)?;
            let ic = match a.protector.as_mut() {
                Some(p) => p.take_ic().map_err(|_| ActionResult::OTHER_REASON)?,
                None => 1,
            };
            let reply =
                cipher.hls_gmac_response(&keys.authentication, &self.cfg.system_title, ic, &a.ctos);
            a.authenticated = true;
            Ok(reply.to_vec())
        }
        #[cfg(not(feature = "security"))]
        {
            let _ = f;
            Err(ActionResult::READ_WRITE_DENIED)
        }
    }
}
