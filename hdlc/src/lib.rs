//! HDLC framing for DLMS/COSEM (IEC 62056-46): frame format type 3, addresses, the control
//! field, CRC-16/X.25, the SNRM/UA parameter field, a resynchronising stream decoder and a
//! sans-IO link state machine (client and server).
//!
//! Every byte a Landis+Gyr E450 sends on its customer interface or optical port is in one of
//! these frames. Nothing here touches a port or a clock: bytes and time come in as values.
//!
//! Parse a frame (here a UI frame of an E450 push, information field shortened):
//!
//! ```
//! use hdlc::{Address, Control, Frame, Llc};
//!
//! let bytes = [0x7E, 0xA0, 0x0E, 0xCE, 0xFF, 0x03, 0x13, 0xEF, 0x4D,
//!              0xE6, 0xE7, 0x00, 0x0F, 0xCC, 0x75, 0x7E];
//! let frame = Frame::parse(&bytes)?;
//! assert_eq!(frame.dest, Address::server(0x67, 0x7F)?); // 2-byte destination CE FF
//! assert_eq!(frame.src, Address::one(1)?);
//! assert_eq!(frame.control, Control::Ui { pf: true });
//! assert_eq!(Llc::split(frame.info), Some((Llc::Response, &[0x0F][..])));
//! # Ok::<(), hdlc::Error>(())
//! ```
//!
//! Emit one:
//!
//! ```
//! use hdlc::{Address, Control, Frame, LLC_REQUEST};
//!
//! let info = [LLC_REQUEST.as_slice(), &[0xC0, 0x01]].concat();
//! let frame = Frame::new(
//!     Address::server(1, 17)?,
//!     Address::PUBLIC_CLIENT,
//!     Control::I { ns: 0, nr: 0, pf: true },
//!     &info,
//! );
//! let mut buf = [0u8; 64];
//! let n = frame.emit(&mut buf)?;
//! assert_eq!(n, frame.buffer_len());
//! assert_eq!(Frame::parse(&buf[..n])?, frame);
//! # Ok::<(), hdlc::Error>(())
//! ```
//!
//! Read a stream with `FrameDecoder` (feature `alloc`), or statelessly with [`parse_frame`];
//! join segmented I-frames with `Reassembler`. The link layer is the sans-IO client
//! `Connection` and server `ServerConnection` (feature `alloc`).
//!
//! Features: `alloc` (default) adds the stream decoder, reassembly, owned frames, `encode`
//! helpers and the link state machine. Without it the crate parses and emits frames, addresses
//! and parameters into caller buffers without allocating.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;

mod address;
mod control;
mod crc;
mod error;
mod frame;
mod llc;
mod params;

#[cfg(feature = "alloc")]
mod connection;
#[cfg(feature = "alloc")]
mod decoder;
#[cfg(feature = "alloc")]
mod link;
#[cfg(feature = "alloc")]
mod segment;

pub use address::{Address, AddressBytes, AddressSize};
pub use control::Control;
pub use crc::crc16;
pub use error::Error;
pub use frame::{FLAG, Frame, MAX_FRAME_LENGTH, MIN_FRAME_LENGTH, Status, parse_frame};
pub use llc::{LLC_REQUEST, LLC_RESPONSE, Llc};
pub use params::Parameters;

#[cfg(feature = "alloc")]
pub use connection::{
    Config, Connection, Event, LinkStats, Reason, ServerConfig, ServerConnection, State,
};
#[cfg(feature = "alloc")]
pub use decoder::{FrameDecoder, Frames, Stats};
#[cfg(feature = "alloc")]
pub use frame::OwnedFrame;
#[cfg(feature = "alloc")]
pub use segment::Reassembler;
