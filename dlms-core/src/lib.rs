//! The DLMS/COSEM application layer (IEC 62056-5-3, -6-2): A-XDR data, COSEM date and time,
//! every APDU, block transfer and security.
//!
//! - [`Data`] is an owned A-XDR value (every type, short and long lengths, [`DecodeLimits`]);
//!   [`DataRef`] is the same value as a validated, allocation-free view, the fast path for
//!   pushes and long profiles.
//! - [`DateTime`], [`Date`] and [`Time`] keep every field as sent (wildcards, deviation,
//!   clock status) and convert to seconds since the Unix epoch when the deviation is known.
//! - [`apdu::Apdu`] decodes and encodes every APDU: ACSE (AARQ, AARE, RLRQ, RLRE), the xDLMS
//!   initiate exchange, GET/SET/ACTION in all their forms, notifications, exception and
//!   confirmed-service errors, general-block-transfer and the ciphered forms (whose payloads
//!   [`security`] decrypts). [`apdu::Reassembler`] joins numbered blocks.
//!
//! Everything follows one vocabulary: `parse` takes exactly one value (trailing bytes are an
//! error), `read` works on a [`Reader`], `buffer_len` + `emit` encode without allocating,
//! `encode` appends to a `Vec`. Errors carry the offset and what was wrong; nothing panics on
//! input.
//!
//! Decode a push (a plaintext data-notification, as the E450 sends it):
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use dlms::apdu::{Apdu, DataNotification};
//! use dlms::Data;
//!
//! let bytes = [
//!     0x0F, 0x00, 0x00, 0xCB, 0xC6, // data-notification, long invoke id 0xCBC6
//!     0x0C, 0x07, 0xE5, 0x07, 0x06, 0x02, 0x0E, 0x3A, 0x12, 0xFF, 0x80, 0x00, 0x81, // time stamp
//!     0x02, 0x02, // structure of 2
//!     0x09, 0x06, 1, 0, 1, 8, 0, 255, // 1-0:1.8.0*255
//!     0x06, 0x00, 0x0D, 0x88, 0xC1, // double-long-unsigned 886977
//! ];
//! let Apdu::DataNotification(push) = Apdu::parse(&bytes).unwrap() else { panic!() };
//! let when = push.date_time.unwrap();
//! assert_eq!(when.deviation(), None); // local time
//! assert!(when.status.daylight_saving());
//! assert_eq!(when.to_string(), "2021-07-06 14:58:18.** local invalid DST");
//! let fields = push.body.as_slice().unwrap();
//! assert_eq!(fields[0].as_obis().unwrap().to_string(), "1-0:1.8.0*255");
//! assert_eq!(fields[1].as_f64(-3), Some(886.977)); // kWh
//! # }
//! ```
//!
//! The same body without allocating:
//!
//! ```
//! use dlms::apdu::DataNotificationRef;
//! # let bytes = [0x0F, 0, 0, 0xCB, 0xC6, 0x00, 0x02, 0x01, 0x06, 0x00, 0x0D, 0x88, 0xC1];
//! let push = DataNotificationRef::parse(&bytes).unwrap();
//! let energy = push.body.iter().next().unwrap();
//! assert_eq!(energy.as_u64(), Some(886_977));
//! ```
//!
//! Build and encode a request:
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use dlms::apdu::{Apdu, AttributeDescriptor, GetRequest, InvokeIdAndPriority};
//! use obis::ObisCode;
//!
//! let get = Apdu::GetRequest(GetRequest::Normal {
//!     invoke: InvokeIdAndPriority::new(1, true, true),
//!     attribute: AttributeDescriptor { class_id: 8, instance: ObisCode::new(0, 0, 1, 0, 0, 255), attribute: 2 },
//!     access: None,
//! });
//! assert_eq!(
//!     get.to_vec().unwrap(),
//!     [0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00]
//! );
//! # }
//! ```
//!
//! Features: `alloc` (default; owned `Data`, `Apdu`, the reassembler), `security` (default;
//! AES-GCM suite 0), `serde` (serialisation of the owned types).
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod apdu;
#[cfg(feature = "alloc")]
pub mod cosem;
#[cfg(feature = "alloc")]
mod data;
mod dataref;
mod datetime;
mod error;
mod reader;
pub mod security;
#[cfg(feature = "alloc")]
pub mod session;
mod types;

#[cfg(feature = "alloc")]
pub use data::{BitString, CompactArray, Data, TypeDescription};
pub use dataref::{DataRef, Seq, SeqIter};
pub use datetime::{
    ClockStatus, DEVIATION_NOT_SPECIFIED, Date, DateTime, NOT_SPECIFIED, Time, civil_from_days,
};
pub use error::{Error, Limit};
pub use reader::Reader;
pub use types::{DecodeLimits, Scaled, TypeTag};
