//! The errors of the meter client.

use dlms::apdu::{ActionResult, DataAccessResult};
use dlms::session::SessionError;
use obis::ObisCode;

use crate::wrapper::WrapperError;

/// Why a meter call failed. No variant carries key material.
///
/// ```
/// use e450::client::MeterError;
/// assert_eq!(MeterError::Timeout.to_string(), "no answer from the meter in time");
/// assert!(MeterError::Timeout.is_timeout());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeterError {
    /// The configuration cannot work (an address out of range, a missing key).
    #[error("configuration: {0}")]
    Config(String),
    /// Reading or writing the transport failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the connection.
    #[error("the meter closed the connection")]
    Closed,
    /// No answer within the configured time and retries.
    #[error("no answer from the meter in time")]
    Timeout,
    /// The HDLC link went down or could not be set up.
    #[error("HDLC link: {0}")]
    Link(&'static str),
    /// The DLMS layer failed: association refused, a malformed or unexpected answer, a
    /// security failure.
    #[error("{0}")]
    Session(SessionError),
    /// The wrapper stream is not valid.
    #[error("wrapper: {0}")]
    Wrapper(WrapperError),
    /// The meter refused to give or take one attribute.
    #[error("{class}/{obis}/{attribute}: {result}")]
    DataAccess {
        /// The class id.
        class: u16,
        /// The logical name.
        obis: ObisCode,
        /// The attribute.
        attribute: i8,
        /// What the meter said.
        result: DataAccessResult,
    },
    /// A method invocation did not succeed.
    #[error("{class}/{obis} method {method}: {result}")]
    Action {
        /// The class id.
        class: u16,
        /// The logical name.
        obis: ObisCode,
        /// The method.
        method: i8,
        /// What the meter said.
        result: ActionResult,
    },
    /// The class of an object is not in the registry nor in the object list.
    #[error(
        "the class of {0} is unknown: not in the registry nor in the meter's object list (give it as CLASS/OBIS/ATTR)"
    )]
    UnknownClass(ObisCode),
    /// An answer that does not have the expected shape.
    #[error("unexpected value for {what}: {detail}")]
    Unexpected {
        /// What was read.
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The IEC 62056-21 sign-on failed.
    #[error("mode E sign-on: {0}")]
    SignOn(String),
    /// The call is not possible now (not associated, already closed).
    #[error("not possible now: {0}")]
    State(&'static str),
}

impl MeterError {
    /// Whether the call ended because no answer came in time.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            MeterError::Timeout | MeterError::Session(SessionError::Timeout)
        )
    }

    pub(crate) fn from_session(e: SessionError) -> Self {
        match e {
            SessionError::Timeout => MeterError::Timeout,
            e => MeterError::Session(e),
        }
    }

    pub(crate) fn from_reason(r: hdlc::Reason) -> Self {
        match r {
            hdlc::Reason::Timeout => MeterError::Timeout,
            hdlc::Reason::Refused => MeterError::Link("the meter refused the connection (DM)"),
            hdlc::Reason::Rejected => MeterError::Link("the meter rejected a frame (FRMR)"),
            hdlc::Reason::Peer => MeterError::Link("the meter disconnected"),
            hdlc::Reason::MessageTooLong => MeterError::Link("message from the meter too long"),
            hdlc::Reason::Local => MeterError::Link("disconnected"),
            _ => MeterError::Link("down"),
        }
    }
}
