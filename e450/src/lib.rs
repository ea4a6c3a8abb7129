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
pub mod push;
pub mod reading;

pub use dlms;
pub use hdlc;
pub use mbus;
pub use obis;
