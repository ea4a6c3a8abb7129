//! The errors of the sessions.

use core::fmt;

use crate::apdu::{AssociationResult, ConfirmedServiceError, ResultSourceDiagnostic};
use crate::security::{HlsError, ReplayError, SecurityError};

/// Why an association, a request or a release failed. Every variant is a fixed message with
/// codes or counts; none carries key material.
///
/// ```
/// use dlms::apdu::{AssociationResult, ResultSourceDiagnostic};
/// use dlms::session::SessionError;
///
/// let e = SessionError::AssociationRejected {
///     result: AssociationResult::REJECTED_PERMANENT,
///     diagnostic: ResultSourceDiagnostic { source: 1, value: 13 },
/// };
/// assert_eq!(e.to_string(), "association rejected (permanent): wrong password or key (authentication-failure)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The bytes from the peer are not a valid APDU.
    #[error("malformed APDU: {0}")]
    Decode(crate::Error),
    /// An APDU that does not answer what was asked (a wrong tag or response form).
    #[error("unexpected APDU (tag 0x{tag:02X}) while {context}")]
    UnexpectedApdu {
        /// The tag of the APDU received.
        tag: u8,
        /// What the session was waiting for.
        context: &'static str,
    },
    /// A response whose invoke id is not the one of the request in progress.
    #[error("response with invoke id {found}, expected {expected}")]
    InvokeIdMismatch {
        /// The invoke id of the request in progress.
        expected: u8,
        /// The invoke id received.
        found: u8,
    },
    /// A block of a block transfer that is not the next one.
    #[error("block {found} received, expected block {expected}")]
    BlockNumber {
        /// The block number expected.
        expected: u32,
        /// The block number received.
        found: u32,
    },
    /// A response (after block reassembly) larger than the configured limit.
    #[error("response exceeds {limit} bytes")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A request that does not fit the peer's maximum PDU size and cannot be split.
    #[error("request of {size} bytes exceeds the peer's maximum PDU size of {max} bytes")]
    RequestTooLarge {
        /// The encoded size.
        size: usize,
        /// The peer's limit.
        max: usize,
    },
    /// The AARE says no.
    #[error("association rejected ({}): {}", result_text(*result), DiagnosticText(*diagnostic))]
    AssociationRejected {
        /// The association result (rejected-permanent or rejected-transient).
        result: AssociationResult,
        /// Which side refused, and why.
        diagnostic: ResultSourceDiagnostic,
    },
    /// The AARE carries an xDLMS initiate error (for example a DLMS version or PDU size the
    /// server does not accept).
    #[error("initiate refused: service {}, error class {}, value {}", .0.service, .0.kind, .0.value)]
    InitiateRefused(ConfirmedServiceError),
    /// The high-level authentication did not complete: the server refused our reply to its
    /// challenge, or its reply to ours does not verify.
    #[error("high-level authentication failed: {0}")]
    AuthenticationFailed(&'static str),
    /// Ciphering or deciphering failed (a bad tag is [`SecurityError::TagMismatch`]).
    #[error("security: {0}")]
    Security(SecurityError),
    /// A ciphered APDU of the wrong kind: a glo- APDU (global key) while the dedicated key is
    /// in force, or a ded- APDU when no dedicated key was agreed. Refused before deciphering.
    #[error("ciphered APDU (tag 0x{tag:02X}) refused: expected {expected}")]
    CipheringMismatch {
        /// The tag of the APDU received.
        tag: u8,
        /// What was expected instead.
        expected: &'static str,
    },
    /// A ciphered response whose invocation counter does not increase.
    #[error("replayed ciphered APDU: counter {} after {}", .0.received, .0.last)]
    Replay(ReplayError),
    /// A manufacturer HLS computation failed (for example a challenge that is not hex text).
    #[error("manufacturer HLS: {0}")]
    Hls(HlsError),
    /// The caller's deadline passed before the answer came.
    #[error("no answer before the deadline")]
    Timeout,
    /// The peer answered with an exception-response.
    #[error("exception-response: state error {state_error}, service error {service_error}")]
    Exception {
        /// The state error code.
        state_error: u8,
        /// The service error code.
        service_error: u8,
    },
    /// The peer answered with a confirmed-service-error.
    #[error("confirmed-service-error: service {}, error class {}, value {}", .0.service, .0.kind, .0.value)]
    ServiceError(ConfirmedServiceError),
    /// The operation is not possible in the current state (not associated, already
    /// associating, released).
    #[error("not possible now: {0}")]
    InvalidState(&'static str),
    /// The negotiated conformance does not allow the service.
    #[error("the association does not allow {0}")]
    NotNegotiated(&'static str),
    /// The request was abandoned: the association ended (released, aborted or failed) before
    /// its answer came.
    #[error("request abandoned: the association ended")]
    Aborted,
    /// A value could not be encoded.
    #[error("cannot encode: {0}")]
    Encode(crate::Error),
}

impl From<SecurityError> for SessionError {
    fn from(e: SecurityError) -> Self {
        SessionError::Security(e)
    }
}

impl From<ReplayError> for SessionError {
    fn from(e: ReplayError) -> Self {
        SessionError::Replay(e)
    }
}

impl From<HlsError> for SessionError {
    fn from(e: HlsError) -> Self {
        SessionError::Hls(e)
    }
}

fn result_text(r: AssociationResult) -> &'static str {
    match r.0 {
        0 => "accepted",
        1 => "permanent",
        2 => "transient",
        _ => "unknown result",
    }
}

/// Displays a result-source-diagnostic in words, with the standard's name in parentheses.
///
/// ```
/// use dlms::apdu::ResultSourceDiagnostic;
/// use dlms::session::DiagnosticText;
/// let d = ResultSourceDiagnostic { source: 1, value: 2 };
/// assert_eq!(DiagnosticText(d).to_string(), "the meter does not support this application context (application-context-name-not-supported)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DiagnosticText(pub ResultSourceDiagnostic);

impl fmt::Display for DiagnosticText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let (words, name) = match (d.source, d.value) {
            (1, 0) => ("no reason given", "null"),
            (1, 1) => ("no reason given", "no-reason-given"),
            (1, 2) => (
                "the meter does not support this application context",
                "application-context-name-not-supported",
            ),
            (1, 3) => (
                "calling AP title not recognised",
                "calling-AP-title-not-recognized",
            ),
            (1, 4) => (
                "calling AP invocation id not recognised",
                "calling-AP-invocation-identifier-not-recognized",
            ),
            (1, 5) => (
                "calling AE qualifier not recognised",
                "calling-AE-qualifier-not-recognized",
            ),
            (1, 6) => (
                "calling AE invocation id not recognised",
                "calling-AE-invocation-identifier-not-recognized",
            ),
            (1, 7) => (
                "called AP title not recognised",
                "called-AP-title-not-recognized",
            ),
            (1, 8) => (
                "called AP invocation id not recognised",
                "called-AP-invocation-identifier-not-recognized",
            ),
            (1, 9) => (
                "called AE qualifier not recognised",
                "called-AE-qualifier-not-recognized",
            ),
            (1, 10) => (
                "called AE invocation id not recognised",
                "called-AE-invocation-identifier-not-recognized",
            ),
            (1, 11) => (
                "the meter does not know this authentication mechanism for this client",
                "authentication-mechanism-name-not-recognised",
            ),
            (1, 12) => (
                "this client must authenticate",
                "authentication-mechanism-name-required",
            ),
            (1, 13) => ("wrong password or key", "authentication-failure"),
            (1, 14) => ("authentication required", "authentication-required"),
            (2, 0) => ("no reason given", "null"),
            (2, 1) => ("no reason given", "no-reason-given"),
            (2, 2) => ("no common ACSE version", "no-common-acse-version"),
            _ => return write!(f, "diagnostic {} from source {}", d.value, d.source),
        };
        write!(f, "{words} ({name})")
    }
}
