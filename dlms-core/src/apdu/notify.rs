//! data-notification, event-notification-request, exception-response, confirmed-service-error.

use alloc::vec::Vec;

use super::common::{AttributeDescriptor, LongInvokeIdAndPriority, read_bool_flag};
use crate::reader::Reader;
use crate::{Data, DateTime, DecodeLimits, Error};

/// Data-Notification (tag `0F`), the push of the E450 customer interface.
///
/// ```
/// use dlms::{Data, apdu::{Apdu, DataNotification}};
/// let bytes = [0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x00, 0x1C];
/// let Apdu::DataNotification(n) = Apdu::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(n.invoke.invoke_id(), 1);
/// assert_eq!(n.date_time, None);
/// assert_eq!(n.body, Data::Structure(vec![Data::DoubleLongUnsigned(28)]));
/// assert_eq!(Apdu::DataNotification(n).to_vec().unwrap(), bytes);
/// ```
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DataNotification {
    /// Long invoke id and priority.
    pub invoke: LongInvokeIdAndPriority,
    /// The time stamp (an octet string of 12 bytes, or empty).
    pub date_time: Option<DateTime>,
    /// The notification body.
    pub body: Data,
}

impl DataNotification {
    pub(crate) fn read_body(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Self, Error> {
        let invoke = LongInvokeIdAndPriority(r.u32()?);
        let offset = r.offset();
        let dt = r.length_prefixed()?;
        let date_time = match dt.len() {
            0 => None,
            12 => Some(DateTime::parse(dt)?),
            _ => {
                return Err(Error::InvalidValue {
                    offset,
                    what: "date-time length",
                });
            }
        };
        let body = Data::read_with_limits(r, lim)?;
        Ok(DataNotification {
            invoke,
            date_time,
            body,
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.invoke.0.to_be_bytes());
        match &self.date_time {
            None => out.push(0),
            Some(dt) => {
                out.push(12);
                out.extend_from_slice(&dt.to_bytes());
            }
        }
        self.body.encode(out)
    }
}

/// Event-Notification-Request (tag `C2`).
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventNotification {
    /// The time of the event, when given.
    pub time: Option<DateTime>,
    /// The attribute that changed.
    pub attribute: AttributeDescriptor,
    /// Its value.
    pub value: Data,
}

impl EventNotification {
    pub(crate) fn read_body(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Self, Error> {
        let time = if read_bool_flag(r, "optional flag")? {
            let offset = r.offset();
            let b = r.length_prefixed()?;
            Some(DateTime::parse(b).map_err(|_| Error::InvalidValue {
                offset,
                what: "date-time length",
            })?)
        } else {
            None
        };
        let attribute = AttributeDescriptor::read(r)?;
        let value = Data::read_with_limits(r, lim)?;
        Ok(EventNotification {
            time,
            attribute,
            value,
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match &self.time {
            None => out.push(0),
            Some(t) => {
                out.extend_from_slice(&[1, 12]);
                out.extend_from_slice(&t.to_bytes());
            }
        }
        self.attribute.put(out);
        self.value.encode(out)
    }
}

/// Exception-Response (tag `D8`): state error, service error and, for
/// invocation-counter-error (6), the server's expected counter.
///
/// ```
/// use dlms::apdu::{Apdu, ExceptionResponse};
/// let Apdu::ExceptionResponse(e) = Apdu::parse(&[0xD8, 0x01, 0x01]).unwrap() else { panic!() };
/// assert_eq!((e.state_error, e.service_error), (1, 1));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExceptionResponse {
    /// 1 = service-not-allowed, 2 = service-unknown.
    pub state_error: u8,
    /// 1 operation-not-possible, 2 service-not-supported, 3 other-reason, 4 pdu-too-long,
    /// 5 deciphering-error, 6 invocation-counter-error.
    pub service_error: u8,
    /// With service error 6: the invocation counter the server expects.
    pub invocation_counter: Option<u32>,
}

impl ExceptionResponse {
    pub(crate) fn read_body(r: &mut Reader<'_>) -> Result<Self, Error> {
        let state_error = r.u8()?;
        let service_error = r.u8()?;
        let invocation_counter = if service_error == 6 {
            Some(r.u32()?)
        } else {
            None
        };
        Ok(ExceptionResponse {
            state_error,
            service_error,
            invocation_counter,
        })
    }

    pub(crate) fn put_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&[self.state_error, self.service_error]);
        match (self.service_error, self.invocation_counter) {
            (6, Some(ic)) => out.extend_from_slice(&ic.to_be_bytes()),
            (6, None) | (_, Some(_)) => {
                return Err(Error::Unencodable {
                    what: "invocation counter goes with service error 6 only",
                });
            }
            _ => {}
        }
        Ok(())
    }
}

/// ConfirmedServiceError (tag `0E`): which service failed (1 = initiateError, 5 = read, ...),
/// the kind of ServiceError (6 = initiate, 5 = access, ...) and its enumerated value.
///
/// ```
/// use dlms::apdu::{Apdu, ConfirmedServiceError};
/// let Apdu::ConfirmedServiceError(e) = Apdu::parse(&[0x0E, 0x01, 0x06, 0x01]).unwrap() else { panic!() };
/// assert_eq!(e, ConfirmedServiceError { service: 1, kind: 6, value: 1 }); // dlms-version-too-low
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConfirmedServiceError {
    /// The service (choice of ConfirmedServiceError): 1 initiateError, 2 getStatus, ...
    pub service: u8,
    /// The ServiceError choice: 0 application-reference, 1 hardware-resource, 2 vde-state-error,
    /// 3 service, 4 definition, 5 access, 6 initiate, 7 load-data-set, 8 change-scope, 9 task,
    /// 10 other.
    pub kind: u8,
    /// The enumerated value (for initiate: 0 other, 1 dlms-version-too-low,
    /// 2 incompatible-conformance, 3 pdu-size-too-short, 4 refused-by-the-VDE-handler).
    pub value: u8,
}

impl ConfirmedServiceError {
    pub(crate) fn read_body(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(ConfirmedServiceError {
            service: r.u8()?,
            kind: r.u8()?,
            value: r.u8()?,
        })
    }
    pub(crate) fn put_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.service, self.kind, self.value]);
    }
}
