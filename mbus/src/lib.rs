//! Wired M-Bus: the EN 13757-2 link layer and the EN 13757-3:2018 application layer.
//!
//! * [`Frame`]: the single character, short, control and long frames, parsed with
//!   [`Frame::parse`] or the streaming [`parse_frame`], written with [`Frame::emit`];
//!   [`FrameDecoder`] splits a serial byte stream into frames.
//! * [`Control`] and [`Address`]: the C field (FCB/FCV from the master, ACD/DFC from a slave)
//!   and the A field with the broadcast addresses.
//! * [`Response`] and [`UserData`]: CI fields, data headers, the fixed data structure,
//!   application errors and alarms; [`Records`] decodes data records lazily with every VIF
//!   table, units normalised ([`Record::scaled`]) and as DLMS scaler and unit
//!   ([`Record::scaler_unit`]).
//!
//! The edition implemented is EN 13757-3:2018.
//!
//! Parse a response and read its records:
//!
//! ```
//! use mbus::{DecodeOptions, Response, SiUnit, UserData};
//! // RSP_UD from address 1: CI 72, header, one record 04 13 (volume in litres)
//! let bytes = [
//!     0x68, 0x15, 0x15, 0x68, 0x08, 0x01, 0x72, 0x78, 0x56, 0x34, 0x12, 0x93, 0x15, 0x01, 0x07,
//!     0x2A, 0x00, 0x00, 0x00, 0x04, 0x13, 0x39, 0x30, 0x00, 0x00, 0xE9, 0x16,
//! ];
//! let rsp = Response::parse(&bytes, DecodeOptions::default()).unwrap();
//! let UserData::Variable(vd) = rsp.data else { panic!() };
//! let header = vd.long_header().unwrap();
//! assert_eq!(header.id.number(), Some(12345678));
//! assert_eq!(header.manufacturer.to_string(), "ELS");
//! let record = vd.records().next().unwrap().unwrap();
//! let volume = record.scaled().unwrap();
//! assert_eq!(volume.unit, SiUnit::CubicMetre);
//! assert!((volume.value - 12.345).abs() < 1e-9);
//! ```
//!
//! Emit a request (REQ_UD2 to primary address 5):
//!
//! ```
//! use mbus::{Address, Control, Frame};
//! let mut buf = [0u8; 5];
//! let n = Frame::Short { control: Control::req_ud2(true), address: Address(5) }.emit(&mut buf).unwrap();
//! assert_eq!(&buf[..n], &[0x10, 0x7B, 0x05, 0x80, 0x16]);
//! ```
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
#[macro_use]
extern crate std;

mod app;
pub mod datetime;
mod decoder;
pub mod dlms;
mod encode;
mod error;
mod frame;
pub mod master;
mod record;
mod serial;
mod units;
mod vif;

pub use app::{
    ApplicationError, FixedCounter, FixedData, FixedUnit, Header, Identification, LongHeader,
    Manufacturer, Medium, Response, ShortHeader, StatusByte, UserData, VariableData,
};
pub use decoder::{DECODER_CAPACITY, DecoderStats, FrameDecoder};
pub use encode::{MAX_EXTENSIONS, RecordRepr};
pub use error::Error;
pub use frame::{
    ACK, Address, Ci, Control, Frame, Function, LONG_DATA_OFFSET, LONG_START, MAX_DATA_LEN,
    MAX_FRAME_LEN, SHORT_START, STOP, Status, parse_frame,
};
pub use master::SecondaryAddress;
pub use record::{
    DataField, DecodeOptions, Dib, PlainTextOrder, Record, RecordFunction, RecordKind, Records,
    Scaled, Text, Value, Vib,
};
pub use serial::{Parity, SerialSettings};
pub use units::SiUnit;
pub use vif::{Quantity, Vif, VifInfo, Vife};
