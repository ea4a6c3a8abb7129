//! Client and server sessions: the association (AARQ/AARE, authentication, the HLS
//! exchange), GET/SET/ACTION with invoke ids, block transfer, ciphering, and release.
//!
//! Both sides are sans-IO state machines in the push-in/poll-out style: APDUs from the link
//! layer go in (`handle_apdu`), APDUs to send, events and the next deadline come out
//! (`poll_transmit`, `poll_event`, `poll_timeout`). Nothing here reads a clock or touches a
//! port: time is a [`core::time::Duration`] since any origin the caller picks.
//!
//! - [`ClientSession`] associates with a meter (no authentication, LLS, HLS-GMAC, the
//!   Landis+Gyr HLS; with or without ciphering), reads, writes and invokes methods, follows
//!   long answers block by block, and releases.
//! - [`ServerSession`] answers a client from an [`ObjectModel`] (the simulator's side);
//!   [`MemoryModel`] and [`ProfileBuffer`] are ready-made in-memory models.
//!
//! A client and a server talking in memory:
//!
//! ```
//! use core::time::Duration;
//! use dlms::apdu::AttributeDescriptor;
//! use dlms::session::*;
//! use dlms::Data;
//! use obis::ObisCode;
//!
//! let serial = ObisCode::new(0, 0, 96, 1, 0, 255);
//! let mut model = MemoryModel::new();
//! model.insert(1, serial, 2, Data::OctetString(b"1909113".to_vec()));
//! let mut server = ServerSession::new(ServerConfig::default());
//! let mut client = ClientSession::new(ClientConfig::new(16));
//! let now = Duration::ZERO;
//!
//! let mut pump = |client: &mut ClientSession, server: &mut ServerSession, model: &mut MemoryModel| {
//!     while let Some(apdu) = client.poll_transmit() {
//!         server.handle_apdu(16, &apdu, model);
//!         while let Some(answer) = server.poll_transmit() {
//!             client.handle_apdu(&answer, now);
//!         }
//!     }
//! };
//! client.associate(now)?;
//! pump(&mut client, &mut server, &mut model);
//! assert!(matches!(client.poll_event(), Some(Event::Associated(_))));
//!
//! client.get(AttributeDescriptor { class_id: 1, instance: serial, attribute: 2 }, None, now)?;
//! pump(&mut client, &mut server, &mut model);
//! let Some(Event::Response { result, .. }) = client.poll_event() else { panic!() };
//! assert_eq!(result?.into_data(), Some(Data::OctetString(b"1909113".to_vec())));
//! # Ok::<(), SessionError>(())
//! ```

use alloc::vec::Vec;

use obis::ObisCode;

use crate::apdu::{ActionOutcome, Conformance, DataAccessResult, GetDataResult, MechanismName};
use crate::{Data, DecodeLimits, Reader};

mod client;
mod error;
mod model;
#[cfg(feature = "security")]
mod protect;
mod server;

pub use client::{ClientAuthentication, ClientConfig, ClientSession, Event, ReleaseMode};
pub use error::{DiagnosticText, SessionError};
pub use model::{MemoryModel, ObjectModel, ProfileBuffer, RequestContext};
#[cfg(feature = "security")]
pub use protect::{Ciphering, Keys};
pub use server::{AccessLevel, ClientPolicy, ServerAuthentication, ServerConfig, ServerSession};

/// The current association: Association LN `0-0:40.0.0`.
pub const ASSOCIATION_LN: ObisCode = ObisCode::new(0, 0, 40, 0, 0, 255);

/// Identifies a request made on a [`ClientSession`]; its [`Event::Response`] carries the same
/// handle.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct RequestHandle(pub u64);

/// What the association negotiated.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Negotiated {
    /// The conformance the server granted.
    pub conformance: Conformance,
    /// The largest APDU the server accepts: the client never sends more.
    pub server_max_receive_pdu: u16,
    /// The DLMS version (6).
    pub dlms_version: u8,
    /// The server's system title, when it sent one.
    pub server_system_title: Option<[u8; 8]>,
    /// The authentication mechanism used.
    pub mechanism: MechanismName,
}

/// The answer to a request. Errors the meter reports for one attribute (read-write-denied,
/// object-undefined, ...) are values here, not [`SessionError`]s.
#[derive(Clone, PartialEq, Debug)]
#[non_exhaustive]
pub enum Response {
    /// GET: the value or the data-access-result.
    Get(GetDataResult),
    /// GET with list: one result per attribute.
    GetList(Vec<GetDataResult>),
    /// SET: the data-access-result.
    Set(DataAccessResult),
    /// SET with list: one result per attribute.
    SetList(Vec<DataAccessResult>),
    /// ACTION: the result and the return parameters.
    Action(ActionOutcome),
}

impl Response {
    /// The value of a successful GET.
    pub fn into_data(self) -> Option<Data> {
        match self {
            Response::Get(GetDataResult::Data(d)) => Some(d),
            _ => None,
        }
    }

    /// The value of a GET, or the data-access-result the meter gave instead
    /// (`OTHER_REASON` for a response that is not a single GET).
    ///
    /// # Errors
    ///
    /// The meter's data-access-result.
    pub fn into_result(self) -> Result<Data, DataAccessResult> {
        match self {
            Response::Get(GetDataResult::Data(d)) => Ok(d),
            Response::Get(GetDataResult::Error(e)) => Err(e),
            _ => Err(DataAccessResult::OTHER_REASON),
        }
    }
}

/// Reads the `SEQUENCE OF Get-Data-Result` carried in the datablocks of a long
/// get-response-with-list.
pub(crate) fn get_list_results(
    bytes: &[u8],
    limits: DecodeLimits,
) -> Result<Vec<GetDataResult>, SessionError> {
    let mut r = Reader::new(bytes);
    let n = r.length().map_err(SessionError::Decode)?;
    let mut out = Vec::with_capacity(n.min(r.remaining()));
    for _ in 0..n {
        out.push(GetDataResult::read(&mut r, limits).map_err(SessionError::Decode)?);
    }
    r.finish().map_err(SessionError::Decode)?;
    Ok(out)
}

/// Encodes a `SEQUENCE OF Get-Data-Result` (the inverse of [`get_list_results`]).
pub(crate) fn put_list_results(
    results: &[GetDataResult],
    out: &mut Vec<u8>,
) -> Result<(), crate::Error> {
    crate::reader::push_length(out, results.len())?;
    for r in results {
        match r {
            GetDataResult::Data(d) => {
                out.push(0);
                d.encode(out)?;
            }
            GetDataResult::Error(e) => out.extend_from_slice(&[1, e.0]),
        }
    }
    Ok(())
}
