//! ACSE APDUs (BER): AARQ, AARE, RLRQ, RLRE, and the xDLMS InitiateRequest/InitiateResponse
//! they carry in their user-information.

use alloc::vec::Vec;
use core::fmt;

use super::{Ciphered, ConfirmedServiceError, Tag};
use crate::Error;
use crate::reader::{Reader, push_length};

/// The xDLMS conformance block: a 24-bit string, bit 0 first (the most significant bit of the
/// `u32` value's low 24 bits).
///
/// ```
/// use dlms::apdu::Conformance;
/// let c = Conformance(0x00_1E1D);
/// assert!(c.contains(Conformance::GET) && c.contains(Conformance::BLOCK_TRANSFER_WITH_GET_OR_READ));
/// assert!(!c.contains(Conformance::GENERAL_BLOCK_TRANSFER));
/// assert_eq!((Conformance::GET | Conformance::SET).0, 0x18);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Conformance(pub u32);

macro_rules! conformance_bits {
    ($($name:ident = $bit:expr, $text:expr;)*) => {
        impl Conformance {
            $(#[doc = concat!("Bit ", stringify!($bit), ": ", $text, ".")]
            pub const $name: Conformance = Conformance(1 << (23 - $bit));)*

            const NAMES: &'static [(u32, &'static str)] = &[$((1 << (23 - $bit), $text),)*];
        }
    };
}

conformance_bits! {
    RESERVED_ZERO = 0, "reserved-zero";
    GENERAL_PROTECTION = 1, "general-protection";
    GENERAL_BLOCK_TRANSFER = 2, "general-block-transfer";
    READ = 3, "read";
    WRITE = 4, "write";
    UNCONFIRMED_WRITE = 5, "unconfirmed-write";
    DELTA_VALUE_ENCODING = 6, "delta-value-encoding";
    RESERVED_SEVEN = 7, "reserved-seven";
    ATTRIBUTE0_SUPPORTED_WITH_SET = 8, "attribute0-supported-with-set";
    PRIORITY_MGMT_SUPPORTED = 9, "priority-mgmt-supported";
    ATTRIBUTE0_SUPPORTED_WITH_GET = 10, "attribute0-supported-with-get";
    BLOCK_TRANSFER_WITH_GET_OR_READ = 11, "block-transfer-with-get-or-read";
    BLOCK_TRANSFER_WITH_SET_OR_WRITE = 12, "block-transfer-with-set-or-write";
    BLOCK_TRANSFER_WITH_ACTION = 13, "block-transfer-with-action";
    MULTIPLE_REFERENCES = 14, "multiple-references";
    INFORMATION_REPORT = 15, "information-report";
    DATA_NOTIFICATION = 16, "data-notification";
    ACCESS = 17, "access";
    PARAMETERIZED_ACCESS = 18, "parameterized-access";
    GET = 19, "get";
    SET = 20, "set";
    SELECTIVE_ACCESS = 21, "selective-access";
    EVENT_NOTIFICATION = 22, "event-notification";
    ACTION = 23, "action";
}

impl Conformance {
    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Conformance) -> bool {
        self.0 & other.0 == other.0
    }
    /// The names of the set bits.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .iter()
            .filter(move |(b, _)| self.0 & b != 0)
            .map(|(_, n)| *n)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let offset = r.offset();
        let head: [u8; 4] = r.array()?;
        if head != [0x5F, 0x1F, 0x04, 0x00] {
            return Err(Error::InvalidValue {
                offset,
                what: "conformance block header",
            });
        }
        let b: [u8; 3] = r.array()?;
        Ok(Conformance(u32::from_be_bytes([0, b[0], b[1], b[2]])))
    }
    fn put(self, out: &mut Vec<u8>) {
        let b = self.0.to_be_bytes();
        out.extend_from_slice(&[0x5F, 0x1F, 0x04, 0x00, b[1], b[2], b[3]]);
    }
}

impl core::ops::BitOr for Conformance {
    type Output = Conformance;
    fn bitor(self, rhs: Conformance) -> Conformance {
        Conformance(self.0 | rhs.0)
    }
}

impl fmt::Debug for Conformance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conformance(0x{:06X}", self.0)?;
        for n in self.names() {
            write!(f, " {n}")?;
        }
        f.write_str(")")
    }
}

/// A dedicated key carried in an InitiateRequest: zeroed on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DedicatedKey(Vec<u8>);

impl DedicatedKey {
    /// Wraps key bytes.
    pub fn new(bytes: &[u8]) -> Self {
        DedicatedKey(bytes.to_vec())
    }
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for DedicatedKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self.0.as_mut_slice());
    }
}

impl fmt::Debug for DedicatedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DedicatedKey({} bytes)", self.0.len())
    }
}

/// xDLMS InitiateRequest (tag `01`).
///
/// ```
/// use dlms::apdu::{Apdu, Conformance};
/// let bytes = [0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x1E, 0x1D, 0xFF, 0xFF];
/// let Apdu::InitiateRequest(i) = Apdu::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!((i.proposed_dlms_version, i.client_max_receive_pdu_size), (6, 0xFFFF));
/// assert!(i.proposed_conformance.contains(Conformance::SELECTIVE_ACCESS));
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InitiateRequest {
    /// The dedicated key, when the client proposes one.
    pub dedicated_key: Option<DedicatedKey>,
    /// response-allowed; `None` = not encoded (default TRUE).
    pub response_allowed: Option<bool>,
    /// proposed-quality-of-service.
    pub proposed_quality_of_service: Option<u8>,
    /// proposed-dlms-version-number (6).
    pub proposed_dlms_version: u8,
    /// proposed-conformance.
    pub proposed_conformance: Conformance,
    /// client-max-receive-pdu-size.
    pub client_max_receive_pdu_size: u16,
}

impl InitiateRequest {
    pub(crate) fn read_body(r: &mut Reader<'_>) -> Result<Self, Error> {
        let dedicated_key = if super::common::read_bool_flag(r, "optional flag")? {
            Some(DedicatedKey::new(r.length_prefixed()?))
        } else {
            None
        };
        let response_allowed = if super::common::read_bool_flag(r, "optional flag")? {
            Some(r.u8()? != 0)
        } else {
            None
        };
        let proposed_quality_of_service = if super::common::read_bool_flag(r, "optional flag")? {
            Some(r.u8()?)
        } else {
            None
        };
        Ok(InitiateRequest {
            dedicated_key,
            response_allowed,
            proposed_quality_of_service,
            proposed_dlms_version: r.u8()?,
            proposed_conformance: Conformance::read(r)?,
            client_max_receive_pdu_size: r.u16()?,
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match &self.dedicated_key {
            None => out.push(0),
            Some(k) => {
                out.push(1);
                push_length(out, k.0.len())?;
                out.extend_from_slice(&k.0);
            }
        }
        match self.response_allowed {
            None => out.push(0),
            Some(b) => out.extend_from_slice(&[1, u8::from(b)]),
        }
        match self.proposed_quality_of_service {
            None => out.push(0),
            Some(q) => out.extend_from_slice(&[1, q]),
        }
        out.push(self.proposed_dlms_version);
        self.proposed_conformance.put(out);
        out.extend_from_slice(&self.client_max_receive_pdu_size.to_be_bytes());
        Ok(())
    }
}

/// xDLMS InitiateResponse (tag `08`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InitiateResponse {
    /// negotiated-quality-of-service.
    pub negotiated_quality_of_service: Option<u8>,
    /// negotiated-dlms-version-number.
    pub negotiated_dlms_version: u8,
    /// negotiated-conformance.
    pub negotiated_conformance: Conformance,
    /// server-max-receive-pdu-size.
    pub server_max_receive_pdu_size: u16,
    /// vaa-name: `0x0007` for logical name referencing, `0xFA00` for short names.
    pub vaa_name: u16,
}

impl InitiateResponse {
    pub(crate) fn read_body(r: &mut Reader<'_>) -> Result<Self, Error> {
        let negotiated_quality_of_service = if super::common::read_bool_flag(r, "optional flag")? {
            Some(r.u8()?)
        } else {
            None
        };
        Ok(InitiateResponse {
            negotiated_quality_of_service,
            negotiated_dlms_version: r.u8()?,
            negotiated_conformance: Conformance::read(r)?,
            server_max_receive_pdu_size: r.u16()?,
            vaa_name: r.u16()?,
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) {
        match self.negotiated_quality_of_service {
            None => out.push(0),
            Some(q) => out.extend_from_slice(&[1, q]),
        }
        out.push(self.negotiated_dlms_version);
        self.negotiated_conformance.put(out);
        out.extend_from_slice(&self.server_max_receive_pdu_size.to_be_bytes());
        out.extend_from_slice(&self.vaa_name.to_be_bytes());
    }
}

/// The xDLMS APDU carried in an ACSE user-information field.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum UserInformation<'a> {
    /// An InitiateRequest (AARQ, RLRQ).
    InitiateRequest(InitiateRequest),
    /// An InitiateResponse (AARE, RLRE).
    InitiateResponse(InitiateResponse),
    /// A ConfirmedServiceError (a rejected AARE).
    ConfirmedServiceError(ConfirmedServiceError),
    /// A glo- or ded- ciphered InitiateRequest/InitiateResponse/ConfirmedServiceError.
    Ciphered(Ciphered<'a>),
}

impl<'a> UserInformation<'a> {
    fn read(contents: &'a [u8], base: usize) -> Result<Self, Error> {
        let mut r = Reader::with_base(contents, base);
        let offset = r.offset();
        let tag = r.u8()?;
        if tag != 0x04 {
            return Err(Error::UnknownTag { offset, tag });
        }
        let inner_at = r.offset();
        let inner = r.length_prefixed()?;
        r.finish()?;
        let mut r = Reader::with_base(
            inner,
            inner_at.saturating_add(crate::reader::length_len(inner.len())),
        );
        let offset = r.offset();
        let tag = Tag(r.u8()?);
        let v = match tag {
            Tag::INITIATE_REQUEST => {
                UserInformation::InitiateRequest(InitiateRequest::read_body(&mut r)?)
            }
            Tag::INITIATE_RESPONSE => {
                UserInformation::InitiateResponse(InitiateResponse::read_body(&mut r)?)
            }
            Tag::CONFIRMED_SERVICE_ERROR => {
                UserInformation::ConfirmedServiceError(ConfirmedServiceError::read_body(&mut r)?)
            }
            t if matches!(
                t.plain(),
                Some(Tag::INITIATE_REQUEST | Tag::INITIATE_RESPONSE | Tag::CONFIRMED_SERVICE_ERROR)
            ) =>
            {
                UserInformation::Ciphered(Ciphered::read_body(t, &mut r)?)
            }
            t => return Err(Error::UnknownTag { offset, tag: t.0 }),
        };
        r.finish()?;
        Ok(v)
    }

    fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let mut inner = Vec::new();
        match self {
            UserInformation::InitiateRequest(i) => {
                inner.push(Tag::INITIATE_REQUEST.0);
                i.put_body(&mut inner)?;
            }
            UserInformation::InitiateResponse(i) => {
                inner.push(Tag::INITIATE_RESPONSE.0);
                i.put_body(&mut inner);
            }
            UserInformation::ConfirmedServiceError(e) => {
                inner.push(Tag::CONFIRMED_SERVICE_ERROR.0);
                e.put_body(&mut inner);
            }
            UserInformation::Ciphered(c) => c.encode(&mut inner)?,
        }
        let mut octets = Vec::with_capacity(inner.len().saturating_add(4));
        octets.push(0x04);
        push_length(&mut octets, inner.len())?;
        octets.extend_from_slice(&inner);
        put_tlv(out, 0xBE, &octets)
    }
}

const DLMS_OID_PREFIX: [u8; 5] = [0x60, 0x85, 0x74, 0x05, 0x08];

/// The application context name `2.16.756.5.8.1.x` by its last arc.
///
/// ```
/// use dlms::apdu::ApplicationContext;
/// assert_eq!(ApplicationContext::LOGICAL_NAME.0, 1);
/// assert!(ApplicationContext::LOGICAL_NAME_WITH_CIPHERING.ciphered());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ApplicationContext(pub u8);

impl ApplicationContext {
    /// Logical name referencing, no ciphering (1).
    pub const LOGICAL_NAME: ApplicationContext = ApplicationContext(1);
    /// Short name referencing, no ciphering (2).
    pub const SHORT_NAME: ApplicationContext = ApplicationContext(2);
    /// Logical name referencing with ciphering (3).
    pub const LOGICAL_NAME_WITH_CIPHERING: ApplicationContext = ApplicationContext(3);
    /// Short name referencing with ciphering (4).
    pub const SHORT_NAME_WITH_CIPHERING: ApplicationContext = ApplicationContext(4);

    /// Whether the context allows ciphered APDUs.
    pub const fn ciphered(self) -> bool {
        self.0 == 3 || self.0 == 4
    }
}

/// The authentication mechanism name `2.16.756.5.8.2.x` by its last arc.
///
/// ```
/// use dlms::apdu::MechanismName;
/// assert_eq!(MechanismName::HLS_GMAC.0, 5);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MechanismName(pub u8);

impl MechanismName {
    /// Lowest level security (0).
    pub const NONE: MechanismName = MechanismName(0);
    /// Low level security, a password (1).
    pub const LLS: MechanismName = MechanismName(1);
    /// High level security, manufacturer specific (2).
    pub const HLS_MANUFACTURER: MechanismName = MechanismName(2);
    /// HLS with MD5 (3).
    pub const HLS_MD5: MechanismName = MechanismName(3);
    /// HLS with SHA-1 (4).
    pub const HLS_SHA1: MechanismName = MechanismName(4);
    /// HLS with GMAC (5).
    pub const HLS_GMAC: MechanismName = MechanismName(5);
    /// HLS with SHA-256 (6).
    pub const HLS_SHA256: MechanismName = MechanismName(6);
    /// HLS with ECDSA (7).
    pub const HLS_ECDSA: MechanismName = MechanismName(7);
}

fn read_dlms_oid(bytes: &[u8], arc: u8, offset: usize, what: &'static str) -> Result<u8, Error> {
    match bytes {
        [p0, p1, p2, p3, p4, a, x] if [*p0, *p1, *p2, *p3, *p4] == DLMS_OID_PREFIX && *a == arc => {
            Ok(*x)
        }
        _ => Err(Error::InvalidValue { offset, what }),
    }
}

fn dlms_oid(arc: u8, x: u8) -> [u8; 7] {
    let p = DLMS_OID_PREFIX;
    [p[0], p[1], p[2], p[3], p[4], arc, x]
}

/// An authentication value: `charstring` (`0x80`, a password or challenge) or `bitstring`
/// (`0x81`), with its raw value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AuthenticationValue<'a> {
    /// The inner tag: `0x80` charstring, `0x81` bitstring.
    pub kind: u8,
    /// The value (password, challenge).
    pub value: &'a [u8],
}

impl AuthenticationValue<'_> {
    /// A charstring value.
    pub const CHARSTRING: u8 = 0x80;
}

/// One BER element kept as it is (the fields this crate does not interpret).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RawElement<'a> {
    /// The identifier byte.
    pub tag: u8,
    /// The contents.
    pub contents: &'a [u8],
}

fn read_tlv<'a>(r: &mut Reader<'a>) -> Result<(usize, u8, &'a [u8], usize), Error> {
    let offset = r.offset();
    let tag = r.u8()?;
    if tag & 0x1F == 0x1F {
        return Err(Error::UnknownTag { offset, tag });
    }
    let n = r.length()?;
    let at = r.offset();
    Ok((offset, tag, r.take(n)?, at))
}

fn put_tlv(out: &mut Vec<u8>, tag: u8, contents: &[u8]) -> Result<(), Error> {
    out.push(tag);
    push_length(out, contents.len())?;
    out.extend_from_slice(contents);
    Ok(())
}

/// `[n] EXPLICIT OCTET STRING` (AP titles, AE qualifiers): returns the octet string.
fn read_explicit_octets(c: &[u8], at: usize) -> Result<&[u8], Error> {
    let mut r = Reader::with_base(c, at);
    let offset = r.offset();
    let tag = r.u8()?;
    if tag != 0x04 {
        return Err(Error::UnknownTag { offset, tag });
    }
    let v = r.length_prefixed()?;
    r.finish()?;
    Ok(v)
}

fn put_explicit_octets(out: &mut Vec<u8>, tag: u8, v: &[u8]) -> Result<(), Error> {
    let mut c = Vec::with_capacity(v.len().saturating_add(3));
    c.push(0x04);
    push_length(&mut c, v.len())?;
    c.extend_from_slice(v);
    put_tlv(out, tag, &c)
}

/// `[n] IMPLICIT BIT STRING` acse-requirements: `07 80` = authentication.
fn read_requirements(c: &[u8], offset: usize) -> Result<bool, Error> {
    match c {
        [0x07, b] => Ok(b & 0x80 != 0),
        _ => Err(Error::InvalidValue {
            offset,
            what: "acse-requirements",
        }),
    }
}

fn read_auth(c: &[u8], at: usize) -> Result<AuthenticationValue<'_>, Error> {
    let mut r = Reader::with_base(c, at);
    let offset = r.offset();
    let kind = r.u8()?;
    if kind != 0x80 && kind != 0x81 {
        return Err(Error::UnknownTag { offset, tag: kind });
    }
    let value = r.length_prefixed()?;
    r.finish()?;
    Ok(AuthenticationValue { kind, value })
}

fn put_auth(out: &mut Vec<u8>, tag: u8, a: &AuthenticationValue<'_>) -> Result<(), Error> {
    let mut c = Vec::with_capacity(a.value.len().saturating_add(3));
    put_tlv(&mut c, a.kind, a.value)?;
    put_tlv(out, tag, &c)
}

/// Emits elements in the order of their tag numbers (the order of the ASN.1 SEQUENCE).
fn put_sorted(out: &mut Vec<u8>, tag: u8, mut elements: Vec<(u8, Vec<u8>)>) -> Result<(), Error> {
    elements.sort_by_key(|(t, _)| t & 0x1F);
    let mut body = Vec::new();
    for (_, e) in elements {
        body.extend_from_slice(&e);
    }
    put_tlv(out, tag, &body)
}

fn element(f: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>) -> Result<Vec<u8>, Error> {
    let mut v = Vec::new();
    f(&mut v)?;
    Ok(v)
}

/// AARQ, the association request (tag `60`).
///
/// ```
/// use dlms::apdu::{Aarq, Apdu, ApplicationContext, MechanismName, UserInformation};
/// let hex = "6036A1090607608574050801018A0207808B0760857405080201AC0A80083132333435363738\
///            BE10040E01000000065F1F0400007E1F04B0";
/// let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
/// let Apdu::Aarq(a) = Apdu::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(a.application_context, ApplicationContext::LOGICAL_NAME);
/// assert_eq!(a.mechanism_name, Some(MechanismName::LLS));
/// assert_eq!(a.calling_authentication_value.unwrap().value, b"12345678");
/// assert!(matches!(a.user_information, Some(UserInformation::InitiateRequest(_))));
/// assert_eq!(Apdu::Aarq(a).to_vec().unwrap(), bytes);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Aarq<'a> {
    /// `[0]` protocol-version, raw bit string contents.
    pub protocol_version: Option<&'a [u8]>,
    /// `[1]` application-context-name.
    pub application_context: ApplicationContext,
    /// `[6]` calling-AP-title: the client system title.
    pub calling_ap_title: Option<&'a [u8]>,
    /// `[7]` calling-AE-qualifier (octet string).
    pub calling_ae_qualifier: Option<&'a [u8]>,
    /// `[10]` sender-acse-requirements: whether authentication is used.
    pub sender_acse_requirements: Option<bool>,
    /// `[11]` mechanism-name.
    pub mechanism_name: Option<MechanismName>,
    /// `[12]` calling-authentication-value.
    pub calling_authentication_value: Option<AuthenticationValue<'a>>,
    /// `[30]` user-information.
    pub user_information: Option<UserInformation<'a>>,
    /// Other elements (called titles and qualifiers, invocation ids, implementation
    /// information), kept raw.
    pub other: Vec<RawElement<'a>>,
}

impl<'a> Aarq<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>) -> Result<Self, Error> {
        let start = r.offset();
        let (_, _, body, at) = read_len_body(r)?;
        let mut r = Reader::with_base(body, at);
        let mut a = Aarq {
            protocol_version: None,
            application_context: ApplicationContext(0),
            calling_ap_title: None,
            calling_ae_qualifier: None,
            sender_acse_requirements: None,
            mechanism_name: None,
            calling_authentication_value: None,
            user_information: None,
            other: Vec::new(),
        };
        let mut have_context = false;
        while !r.is_empty() {
            let (offset, tag, c, at) = read_tlv(&mut r)?;
            match tag {
                0x80 => a.protocol_version = Some(c),
                0xA1 => {
                    let oid = read_explicit_oid(c, at)?;
                    a.application_context =
                        ApplicationContext(read_dlms_oid(oid, 1, at, "application context name")?);
                    have_context = true;
                }
                0xA6 => a.calling_ap_title = Some(read_explicit_octets(c, at)?),
                0xA7 => a.calling_ae_qualifier = Some(read_explicit_octets(c, at)?),
                0x8A => a.sender_acse_requirements = Some(read_requirements(c, offset)?),
                0x8B => {
                    a.mechanism_name =
                        Some(MechanismName(read_dlms_oid(c, 2, at, "mechanism name")?))
                }
                0xAC => a.calling_authentication_value = Some(read_auth(c, at)?),
                0xBE => a.user_information = Some(UserInformation::read(c, at)?),
                // called titles and qualifiers, invocation ids, the context name list (13) and
                // implementation-information (29).
                0xA2..=0xA5 | 0xA8 | 0xA9 | 0xAD | 0x9D => {
                    a.other.push(RawElement { tag, contents: c })
                }
                _ => return Err(Error::UnknownTag { offset, tag }),
            }
        }
        if !have_context {
            return Err(Error::InvalidValue {
                offset: start,
                what: "missing application context name",
            });
        }
        Ok(a)
    }

    pub(crate) fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let mut e: Vec<(u8, Vec<u8>)> = Vec::new();
        if let Some(p) = self.protocol_version {
            e.push((0x80, element(|o| put_tlv(o, 0x80, p))?));
        }
        e.push((
            0xA1,
            element(|o| put_explicit_oid(o, 0xA1, &dlms_oid(1, self.application_context.0)))?,
        ));
        if let Some(t) = self.calling_ap_title {
            e.push((0xA6, element(|o| put_explicit_octets(o, 0xA6, t))?));
        }
        if let Some(t) = self.calling_ae_qualifier {
            e.push((0xA7, element(|o| put_explicit_octets(o, 0xA7, t))?));
        }
        if let Some(b) = self.sender_acse_requirements {
            e.push((
                0x8A,
                element(|o| put_tlv(o, 0x8A, &[0x07, if b { 0x80 } else { 0 }]))?,
            ));
        }
        if let Some(m) = self.mechanism_name {
            e.push((0x8B, element(|o| put_tlv(o, 0x8B, &dlms_oid(2, m.0)))?));
        }
        if let Some(v) = &self.calling_authentication_value {
            e.push((0xAC, element(|o| put_auth(o, 0xAC, v))?));
        }
        if let Some(u) = &self.user_information {
            e.push((0xBE, element(|o| u.put(o))?));
        }
        for x in &self.other {
            e.push((x.tag, element(|o| put_tlv(o, x.tag, x.contents))?));
        }
        put_sorted(out, Tag::AARQ.0, e)
    }
}

fn read_len_body<'a>(r: &mut Reader<'a>) -> Result<(usize, u8, &'a [u8], usize), Error> {
    let offset = r.offset();
    let n = r.length()?;
    let at = r.offset();
    Ok((offset, 0, r.take(n)?, at))
}

fn read_explicit_oid(c: &[u8], at: usize) -> Result<&[u8], Error> {
    let mut r = Reader::with_base(c, at);
    let offset = r.offset();
    let tag = r.u8()?;
    if tag != 0x06 {
        return Err(Error::UnknownTag { offset, tag });
    }
    let v = r.length_prefixed()?;
    r.finish()?;
    Ok(v)
}

fn put_explicit_oid(out: &mut Vec<u8>, tag: u8, oid: &[u8]) -> Result<(), Error> {
    let mut c = Vec::with_capacity(oid.len().saturating_add(2));
    put_tlv(&mut c, 0x06, oid)?;
    put_tlv(out, tag, &c)
}

/// The association result of an AARE.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AssociationResult(pub u8);

impl AssociationResult {
    /// accepted (0).
    pub const ACCEPTED: AssociationResult = AssociationResult(0);
    /// rejected-permanent (1).
    pub const REJECTED_PERMANENT: AssociationResult = AssociationResult(1);
    /// rejected-transient (2).
    pub const REJECTED_TRANSIENT: AssociationResult = AssociationResult(2);
}

/// The result-source-diagnostic of an AARE: which side (`1` acse-service-user, `2`
/// acse-service-provider) and the diagnostic value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ResultSourceDiagnostic {
    /// 1 = acse-service-user, 2 = acse-service-provider.
    pub source: u8,
    /// The diagnostic (user: 0 null, 1 no-reason-given, 2 application-context-name-not-supported,
    /// 11 authentication-mechanism-name-not-recognised, 12 ...-required, 13 authentication-failure,
    /// 14 authentication-required).
    pub value: u8,
}

impl ResultSourceDiagnostic {
    /// acse-service-user: authentication-required (14), the answer to an HLS AARQ.
    pub const AUTHENTICATION_REQUIRED: ResultSourceDiagnostic = ResultSourceDiagnostic {
        source: 1,
        value: 14,
    };
    /// acse-service-user: null (0).
    pub const NULL: ResultSourceDiagnostic = ResultSourceDiagnostic {
        source: 1,
        value: 0,
    };
}

fn read_integer_u8(c: &[u8], at: usize) -> Result<u8, Error> {
    match c {
        [0x02, 0x01, v] => Ok(*v),
        _ => Err(Error::InvalidValue {
            offset: at,
            what: "small integer",
        }),
    }
}

/// AARE, the association response (tag `61`).
///
/// ```
/// use dlms::apdu::{Aare, Apdu, AssociationResult, ResultSourceDiagnostic, UserInformation};
/// let hex = "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001E1D04C80007";
/// let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
/// let Apdu::Aare(a) = Apdu::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(a.result, AssociationResult::ACCEPTED);
/// assert_eq!(a.diagnostic, ResultSourceDiagnostic::NULL);
/// let Some(UserInformation::InitiateResponse(i)) = a.user_information else { panic!() };
/// assert_eq!(i.server_max_receive_pdu_size, 1224);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Aare<'a> {
    /// `[0]` protocol-version, raw bit string contents.
    pub protocol_version: Option<&'a [u8]>,
    /// `[1]` application-context-name.
    pub application_context: ApplicationContext,
    /// `[2]` result.
    pub result: AssociationResult,
    /// `[3]` result-source-diagnostic.
    pub diagnostic: ResultSourceDiagnostic,
    /// `[4]` responding-AP-title: the server system title.
    pub responding_ap_title: Option<&'a [u8]>,
    /// `[5]` responding-AE-qualifier (octet string).
    pub responding_ae_qualifier: Option<&'a [u8]>,
    /// `[8]` responder-acse-requirements: whether authentication is used.
    pub responder_acse_requirements: Option<bool>,
    /// `[9]` mechanism-name.
    pub mechanism_name: Option<MechanismName>,
    /// `[10]` responding-authentication-value (the server challenge StoC).
    pub responding_authentication_value: Option<AuthenticationValue<'a>>,
    /// `[30]` user-information.
    pub user_information: Option<UserInformation<'a>>,
    /// Other elements (invocation ids, implementation information), kept raw.
    pub other: Vec<RawElement<'a>>,
}

impl<'a> Aare<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>) -> Result<Self, Error> {
        let start = r.offset();
        let (_, _, body, at) = read_len_body(r)?;
        let mut r = Reader::with_base(body, at);
        let mut a = Aare {
            protocol_version: None,
            application_context: ApplicationContext(0),
            result: AssociationResult(0),
            diagnostic: ResultSourceDiagnostic::NULL,
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responder_acse_requirements: None,
            mechanism_name: None,
            responding_authentication_value: None,
            user_information: None,
            other: Vec::new(),
        };
        let mut seen = 0u8;
        while !r.is_empty() {
            let (offset, tag, c, at) = read_tlv(&mut r)?;
            match tag {
                0x80 => a.protocol_version = Some(c),
                0xA1 => {
                    let oid = read_explicit_oid(c, at)?;
                    a.application_context =
                        ApplicationContext(read_dlms_oid(oid, 1, at, "application context name")?);
                    seen |= 1;
                }
                0xA2 => {
                    a.result = AssociationResult(read_integer_u8(c, at)?);
                    seen |= 2;
                }
                0xA3 => {
                    let (_, source, inner, iat) = read_tlv(&mut Reader::with_base(c, at))?;
                    if (source != 0xA1 && source != 0xA2)
                        || inner.len().saturating_add(2) != c.len()
                    {
                        return Err(Error::InvalidValue {
                            offset: at,
                            what: "result-source-diagnostic",
                        });
                    }
                    a.diagnostic = ResultSourceDiagnostic {
                        source: source & 0x0F,
                        value: read_integer_u8(inner, iat)?,
                    };
                    seen |= 4;
                }
                0xA4 => a.responding_ap_title = Some(read_explicit_octets(c, at)?),
                0xA5 => a.responding_ae_qualifier = Some(read_explicit_octets(c, at)?),
                0x88 => a.responder_acse_requirements = Some(read_requirements(c, offset)?),
                0x89 => {
                    a.mechanism_name =
                        Some(MechanismName(read_dlms_oid(c, 2, at, "mechanism name")?))
                }
                0xAA => a.responding_authentication_value = Some(read_auth(c, at)?),
                0xBE => a.user_information = Some(UserInformation::read(c, at)?),
                // invocation ids, the context name list (11) and implementation-information (29).
                0xA6 | 0xA7 | 0xAB | 0x9D => a.other.push(RawElement { tag, contents: c }),
                _ => return Err(Error::UnknownTag { offset, tag }),
            }
        }
        if seen != 7 {
            return Err(Error::InvalidValue {
                offset: start,
                what: "AARE without context, result or diagnostic",
            });
        }
        Ok(a)
    }

    pub(crate) fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let mut e: Vec<(u8, Vec<u8>)> = Vec::new();
        if let Some(p) = self.protocol_version {
            e.push((0x80, element(|o| put_tlv(o, 0x80, p))?));
        }
        e.push((
            0xA1,
            element(|o| put_explicit_oid(o, 0xA1, &dlms_oid(1, self.application_context.0)))?,
        ));
        e.push((
            0xA2,
            element(|o| put_tlv(o, 0xA2, &[0x02, 0x01, self.result.0]))?,
        ));
        let d = self.diagnostic;
        if d.source != 1 && d.source != 2 {
            return Err(Error::Unencodable {
                what: "diagnostic source must be 1 or 2",
            });
        }
        e.push((
            0xA3,
            element(|o| put_tlv(o, 0xA3, &[0xA0 | d.source, 0x03, 0x02, 0x01, d.value]))?,
        ));
        if let Some(t) = self.responding_ap_title {
            e.push((0xA4, element(|o| put_explicit_octets(o, 0xA4, t))?));
        }
        if let Some(t) = self.responding_ae_qualifier {
            e.push((0xA5, element(|o| put_explicit_octets(o, 0xA5, t))?));
        }
        if let Some(b) = self.responder_acse_requirements {
            e.push((
                0x88,
                element(|o| put_tlv(o, 0x88, &[0x07, if b { 0x80 } else { 0 }]))?,
            ));
        }
        if let Some(m) = self.mechanism_name {
            e.push((0x89, element(|o| put_tlv(o, 0x89, &dlms_oid(2, m.0)))?));
        }
        if let Some(v) = &self.responding_authentication_value {
            e.push((0xAA, element(|o| put_auth(o, 0xAA, v))?));
        }
        if let Some(u) = &self.user_information {
            e.push((0xBE, element(|o| u.put(o))?));
        }
        for x in &self.other {
            e.push((x.tag, element(|o| put_tlv(o, x.tag, x.contents))?));
        }
        put_sorted(out, Tag::AARE.0, e)
    }
}

/// RLRQ (`62`) and RLRE (`63`): an optional reason and optional user-information.
///
/// ```
/// use dlms::apdu::{Apdu, Release};
/// let bytes = [0x62, 0x03, 0x80, 0x01, 0x00];
/// let Apdu::Rlrq(r) = Apdu::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(r.reason, Some(0)); // normal
/// assert_eq!(Apdu::Rlrq(r).to_vec().unwrap(), bytes);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Release<'a> {
    /// `[0]` reason: 0 normal, 1 urgent (request) / not-finished (response), 30 user-defined.
    pub reason: Option<u8>,
    /// `[30]` user-information.
    pub user_information: Option<UserInformation<'a>>,
}

impl<'a> Release<'a> {
    pub(crate) fn read_body(r: &mut Reader<'a>) -> Result<Self, Error> {
        let (_, _, body, at) = read_len_body(r)?;
        let mut r = Reader::with_base(body, at);
        let mut rel = Release {
            reason: None,
            user_information: None,
        };
        while !r.is_empty() {
            let (offset, tag, c, at) = read_tlv(&mut r)?;
            match (tag, c) {
                (0x80, [v]) => rel.reason = Some(*v),
                (0x80, _) => {
                    return Err(Error::InvalidValue {
                        offset,
                        what: "release reason",
                    });
                }
                (0xBE, _) => rel.user_information = Some(UserInformation::read(c, at)?),
                _ => return Err(Error::UnknownTag { offset, tag }),
            }
        }
        Ok(rel)
    }

    pub(crate) fn put(&self, tag: Tag, out: &mut Vec<u8>) -> Result<(), Error> {
        let mut body = Vec::new();
        if let Some(v) = self.reason {
            body.extend_from_slice(&[0x80, 0x01, v]);
        }
        if let Some(u) = &self.user_information {
            u.put(&mut body)?;
        }
        put_tlv(out, tag.0, &body)
    }
}
