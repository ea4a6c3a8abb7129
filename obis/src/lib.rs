//! OBIS codes (IEC 62056-6-1) and the vocabulary every compteur crate shares.
//!
//! An OBIS code names a data item in a meter with six value groups `A-B:C.D.E*F`:
//! medium (A), channel (B), quantity (C), processing (D), tariff or classification (E) and
//! billing period (F).
//!
//! - [`ObisCode`]: the six bytes, every textual form (`1-0:1.8.0*255`, `1.0.1.8.0.255`,
//!   `1-0:1.8.0`, `1.8.0`, `0100010800FF`), a `const` parser and the [`obis!`] macro.
//! - [`describe`]: what any code means, from the value-group tables of IEC 62056-6-1.
//! - [`registry`]: the objects a Landis+Gyr E450 exposes, with class, attributes, unit and
//!   the scaler to use when a push carries none.
//! - [`Unit`] (the DLMS unit table) and [`ScalerUnit`], shared by `dlms` and `mbus`.
//! - [`Quantity`]: the `snake_case` reading names used in Rust, JSON and Python.
//!
//! Nothing here allocates; the crate is `no_std`.
//!
//! Parse a code and describe it:
//!
//! ```
//! use obis::{describe, registry, ObisCode, Quantity, Unit};
//!
//! let code: ObisCode = "1-1:1.8.0".parse().unwrap();
//! assert_eq!(code.as_bytes(), &[1, 1, 1, 8, 0, 255]);
//! assert_eq!(
//!     describe(code).to_string(),
//!     "Active energy import (+A), time integral 1, total, channel 1"
//! );
//! let entry = registry::lookup_tolerant(code).unwrap();
//! assert_eq!(entry.quantity, Some(Quantity::ActiveEnergyImport));
//! assert_eq!(entry.unit(), Some(Unit::WATT_HOUR));
//! ```
//!
//! Emit the octet-string and text forms:
//!
//! ```
//! use obis::{obis, ObisCode};
//!
//! const VOLTAGE_L1: ObisCode = obis!("1-0:32.7.0");
//! let wire: [u8; 6] = VOLTAGE_L1.to_bytes();
//! assert_eq!(wire, [1, 0, 32, 7, 0, 255]);
//! let mut buf = [0u8; ObisCode::MAX_TEXT_LEN];
//! assert_eq!(VOLTAGE_L1.write_canonical(&mut buf), "1-0:32.7.0*255");
//! assert_eq!(format!("{VOLTAGE_L1:#}"), "1.0.32.7.0.255");
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Nothing in this crate allocates today; the `alloc` feature is kept so that dependants can
// enable it uniformly across the protocol crates.
#[cfg(feature = "alloc")]
#[allow(
    unused_extern_crates,
    reason = "the alloc feature is part of the uniform crate interface"
)]
extern crate alloc;

mod code;
mod describe;
mod quantity;
pub mod registry;
mod unit;

pub use code::{Group, ObisCode, ParseError};
pub use describe::{
    AnglePoint, Billing, Channel, Classification, Description, ElectricityQuantity, Medium,
    ObjectGroup, Phase, Processing, QuantityKind, Tariff, describe,
};
pub use quantity::{Quantity, UnknownQuantity};
pub use registry::RegistryEntry;
pub use unit::{ScalerUnit, Unit};

// The user guide's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/obis.md")]
struct ObisGuide;

#[cfg(doctest)]
#[doc = include_str!("../../docs/quantities.md")]
struct QuantitiesGuide;
