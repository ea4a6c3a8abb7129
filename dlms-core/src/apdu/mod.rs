//! APDUs: ACSE (AARQ, AARE, RLRQ, RLRE) and xDLMS (GET, SET, ACTION, notifications, block
//! transfer, ciphered forms).
//!
//! [`Apdu::parse`] decodes any APDU; the ciphered forms, [`GeneralBlockTransfer`] and
//! [`Tag`] also work without `alloc`.

#[cfg(feature = "alloc")]
mod acse;
mod ciphered;
#[cfg(feature = "alloc")]
mod common;
mod gbt;
#[cfg(feature = "alloc")]
mod notify;
mod notify_ref;
mod tag;
#[cfg(feature = "alloc")]
mod xdlms;

#[cfg(feature = "alloc")]
pub use acse::{
    Aare, Aarq, ApplicationContext, AssociationResult, AuthenticationValue, Conformance,
    DedicatedKey, InitiateRequest, InitiateResponse, MechanismName, RawElement, Release,
    ResultSourceDiagnostic, UserInformation,
};
pub use ciphered::{Ciphered, GeneralDedCiphering, GeneralGloCiphering, SecurityControl};
#[cfg(feature = "alloc")]
pub use common::{
    ActionResult, AttributeDescriptor, CaptureObject, DataAccessResult, DataBlockSa,
    EntryDescriptor, GetDataResult, InvokeIdAndPriority, LongInvokeIdAndPriority, MethodDescriptor,
    RangeDescriptor, SelectiveAccess,
};
#[cfg(feature = "alloc")]
pub use gbt::Reassembler;
pub use gbt::{BlockControl, GeneralBlockTransfer, ReassemblyError};
#[cfg(feature = "alloc")]
pub use notify::{ConfirmedServiceError, DataNotification, EventNotification, ExceptionResponse};
pub use notify_ref::DataNotificationRef;
pub use tag::Tag;
#[cfg(feature = "alloc")]
pub use xdlms::{
    ActionOutcome, ActionRequest, ActionResponse, AttributeAccess, BlockResult, DataBlockG,
    GetRequest, GetResponse, SetRequest, SetResponse,
};

#[cfg(feature = "alloc")]
use crate::{DecodeLimits, Error, Reader};

/// Any APDU. Borrowed parts (ciphertexts, raw data blocks, ACSE fields) point into the input;
/// values are owned [`Data`](crate::Data).
///
/// ```
/// use dlms::apdu::{Apdu, GeneralBlockTransfer};
/// let bytes = [0xE0, 0xC0, 0x00, 0x02, 0x00, 0x00, 0x01, 0xAA];
/// let apdu = Apdu::parse(&bytes).unwrap();
/// assert!(matches!(apdu, Apdu::GeneralBlockTransfer(GeneralBlockTransfer { block_number: 2, .. })));
/// assert_eq!(apdu.to_vec().unwrap(), bytes);
/// assert_eq!(Apdu::parse(&[0x42]), Err(dlms::Error::UnknownTag { offset: 0, tag: 0x42 }));
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, PartialEq, Debug)]
#[non_exhaustive]
pub enum Apdu<'a> {
    /// AARQ (`60`).
    Aarq(Aarq<'a>),
    /// AARE (`61`).
    Aare(Aare<'a>),
    /// RLRQ (`62`).
    Rlrq(Release<'a>),
    /// RLRE (`63`).
    Rlre(Release<'a>),
    /// InitiateRequest (`01`).
    InitiateRequest(InitiateRequest),
    /// InitiateResponse (`08`).
    InitiateResponse(InitiateResponse),
    /// ConfirmedServiceError (`0E`).
    ConfirmedServiceError(ConfirmedServiceError),
    /// data-notification (`0F`).
    DataNotification(DataNotification),
    /// get-request (`C0`).
    GetRequest(GetRequest),
    /// set-request (`C1`).
    SetRequest(SetRequest<'a>),
    /// event-notification-request (`C2`).
    EventNotification(EventNotification),
    /// action-request (`C3`).
    ActionRequest(ActionRequest<'a>),
    /// get-response (`C4`).
    GetResponse(GetResponse<'a>),
    /// set-response (`C5`).
    SetResponse(SetResponse),
    /// action-response (`C7`).
    ActionResponse(ActionResponse<'a>),
    /// exception-response (`D8`).
    ExceptionResponse(ExceptionResponse),
    /// A service-specific glo- or ded- ciphered APDU.
    Ciphered(Ciphered<'a>),
    /// general-glo-ciphering (`DB`).
    GeneralGloCiphering(GeneralGloCiphering<'a>),
    /// general-ded-ciphering (`DC`).
    GeneralDedCiphering(GeneralDedCiphering<'a>),
    /// general-block-transfer (`E0`).
    GeneralBlockTransfer(GeneralBlockTransfer<'a>),
}

#[cfg(feature = "alloc")]
impl<'a> Apdu<'a> {
    /// Parses one whole APDU with the default [`DecodeLimits`]; trailing bytes are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with_limits(bytes, DecodeLimits::DEFAULT)
    }

    /// Parses one whole APDU with the given limits for the `Data` it carries.
    pub fn parse_with_limits(bytes: &'a [u8], limits: DecodeLimits) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let a = Self::read_with_limits(&mut r, limits)?;
        r.finish()?;
        Ok(a)
    }

    /// Reads one APDU from a cursor.
    pub fn read_with_limits(r: &mut Reader<'a>, lim: DecodeLimits) -> Result<Self, Error> {
        let offset = r.offset();
        let tag = Tag(r.u8()?);
        Ok(match tag {
            Tag::AARQ => Apdu::Aarq(Aarq::read_body(r)?),
            Tag::AARE => Apdu::Aare(Aare::read_body(r)?),
            Tag::RLRQ => Apdu::Rlrq(Release::read_body(r)?),
            Tag::RLRE => Apdu::Rlre(Release::read_body(r)?),
            Tag::INITIATE_REQUEST => Apdu::InitiateRequest(InitiateRequest::read_body(r)?),
            Tag::INITIATE_RESPONSE => Apdu::InitiateResponse(InitiateResponse::read_body(r)?),
            Tag::CONFIRMED_SERVICE_ERROR => {
                Apdu::ConfirmedServiceError(ConfirmedServiceError::read_body(r)?)
            }
            Tag::DATA_NOTIFICATION => Apdu::DataNotification(DataNotification::read_body(r, lim)?),
            Tag::GET_REQUEST => Apdu::GetRequest(GetRequest::read_body(r, lim)?),
            Tag::SET_REQUEST => Apdu::SetRequest(SetRequest::read_body(r, lim)?),
            Tag::EVENT_NOTIFICATION_REQUEST => {
                Apdu::EventNotification(EventNotification::read_body(r, lim)?)
            }
            Tag::ACTION_REQUEST => Apdu::ActionRequest(ActionRequest::read_body(r, lim)?),
            Tag::GET_RESPONSE => Apdu::GetResponse(GetResponse::read_body(r, lim)?),
            Tag::SET_RESPONSE => Apdu::SetResponse(SetResponse::read_body(r)?),
            Tag::ACTION_RESPONSE => Apdu::ActionResponse(ActionResponse::read_body(r, lim)?),
            Tag::EXCEPTION_RESPONSE => Apdu::ExceptionResponse(ExceptionResponse::read_body(r)?),
            Tag::GENERAL_GLO_CIPHERING => {
                Apdu::GeneralGloCiphering(GeneralGloCiphering::read_body(r)?)
            }
            Tag::GENERAL_DED_CIPHERING => {
                Apdu::GeneralDedCiphering(GeneralDedCiphering::read_body(r)?)
            }
            Tag::GENERAL_BLOCK_TRANSFER => {
                Apdu::GeneralBlockTransfer(GeneralBlockTransfer::read_body(r)?)
            }
            t if t.plain().is_some() => Apdu::Ciphered(Ciphered::read_body(t, r)?),
            t => return Err(Error::UnknownTag { offset, tag: t.0 }),
        })
    }

    /// The tag of this APDU.
    pub fn tag(&self) -> Tag {
        match self {
            Apdu::Aarq(_) => Tag::AARQ,
            Apdu::Aare(_) => Tag::AARE,
            Apdu::Rlrq(_) => Tag::RLRQ,
            Apdu::Rlre(_) => Tag::RLRE,
            Apdu::InitiateRequest(_) => Tag::INITIATE_REQUEST,
            Apdu::InitiateResponse(_) => Tag::INITIATE_RESPONSE,
            Apdu::ConfirmedServiceError(_) => Tag::CONFIRMED_SERVICE_ERROR,
            Apdu::DataNotification(_) => Tag::DATA_NOTIFICATION,
            Apdu::GetRequest(_) => Tag::GET_REQUEST,
            Apdu::SetRequest(_) => Tag::SET_REQUEST,
            Apdu::EventNotification(_) => Tag::EVENT_NOTIFICATION_REQUEST,
            Apdu::ActionRequest(_) => Tag::ACTION_REQUEST,
            Apdu::GetResponse(_) => Tag::GET_RESPONSE,
            Apdu::SetResponse(_) => Tag::SET_RESPONSE,
            Apdu::ActionResponse(_) => Tag::ACTION_RESPONSE,
            Apdu::ExceptionResponse(_) => Tag::EXCEPTION_RESPONSE,
            Apdu::Ciphered(c) => c.tag,
            Apdu::GeneralGloCiphering(_) => Tag::GENERAL_GLO_CIPHERING,
            Apdu::GeneralDedCiphering(_) => Tag::GENERAL_DED_CIPHERING,
            Apdu::GeneralBlockTransfer(_) => Tag::GENERAL_BLOCK_TRANSFER,
        }
    }

    /// Appends the encoding to `out`.
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let res = self.encode_inner(out);
        if res.is_err() {
            out.truncate(start);
        }
        res
    }

    fn encode_inner(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        match self {
            Apdu::Aarq(a) => return a.put(out),
            Apdu::Aare(a) => return a.put(out),
            Apdu::Rlrq(r) => return r.put(Tag::RLRQ, out),
            Apdu::Rlre(r) => return r.put(Tag::RLRE, out),
            Apdu::Ciphered(c) => return c.encode(out),
            Apdu::GeneralGloCiphering(c) => return c.encode(out),
            Apdu::GeneralDedCiphering(c) => return c.encode(out),
            Apdu::GeneralBlockTransfer(g) => return g.encode(out),
            _ => {}
        }
        out.push(self.tag().0);
        match self {
            Apdu::InitiateRequest(i) => i.put_body(out),
            Apdu::InitiateResponse(i) => {
                i.put_body(out);
                Ok(())
            }
            Apdu::ConfirmedServiceError(e) => {
                e.put_body(out);
                Ok(())
            }
            Apdu::DataNotification(n) => n.put_body(out),
            Apdu::GetRequest(g) => g.put_body(out),
            Apdu::SetRequest(s) => s.put_body(out),
            Apdu::EventNotification(e) => e.put_body(out),
            Apdu::ActionRequest(a) => a.put_body(out),
            Apdu::GetResponse(g) => g.put_body(out),
            Apdu::SetResponse(s) => s.put_body(out),
            Apdu::ActionResponse(a) => a.put_body(out),
            Apdu::ExceptionResponse(e) => e.put_body(out),
            _ => Ok(()),
        }
    }

    /// The encoding as a new vector.
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        let mut v = alloc::vec::Vec::new();
        self.encode(&mut v)?;
        Ok(v)
    }
}

/// Runs an `emit` into the tail of a vector of known size.
#[cfg(feature = "alloc")]
pub(crate) fn encode_via_emit(
    out: &mut alloc::vec::Vec<u8>,
    len: usize,
    emit: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
) -> Result<(), Error> {
    let start = out.len();
    out.resize(start.saturating_add(len), 0);
    let tail = out.get_mut(start..).unwrap_or(&mut []);
    match emit(tail) {
        Ok(n) => {
            out.truncate(start.saturating_add(n));
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}
