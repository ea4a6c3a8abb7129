//! The compteur facade for the Landis+Gyr E450.
//!
//! Today this crate re-exports the layer crates and hosts the `compteur` command-line tool
//! ([`cli`]).
//! It will hold the meter client (serial and TCP, blocking and tokio), the push listener for
//! the customer information interface and the simulated E450.
//!
//! ```
//! let code: e450::obis::ObisCode = e450::obis::ObisCode::new(1, 0, 1, 8, 0, 255);
//! assert_eq!(code.c(), 1);
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod client;
pub mod push;
pub mod reading;
pub mod serial;
pub mod simulator;
pub mod wrapper;

/// How DLMS APDUs travel on a byte stream: in HDLC frames (optical port, serial lines, most
/// TCP gateways) or in the IEC 62056-47 wrapper (TCP without HDLC). The meter client and the
/// simulator both speak either.
///
/// ```
/// assert_eq!(e450::Framing::default(), e450::Framing::Hdlc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Framing {
    /// HDLC frame format type 3 with SNRM/UA, segmentation and retransmission.
    #[default]
    Hdlc,
    /// The 8-byte IEC 62056-47 wrapper header before every APDU.
    Wrapper,
}

pub use dlms;
pub use hdlc;
pub use mbus;
pub use obis;
