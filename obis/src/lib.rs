//! OBIS codes (IEC 62056-6-1) and the vocabulary every compteur crate shares.
//!
//! An OBIS code names a data item in a meter with six value groups `A-B:C.D.E*F`:
//! medium (A), channel (B), quantity (C), processing (D), tariff (E) and billing period (F).
//!
//! ```
//! use obis::ObisCode;
//!
//! let code = ObisCode::new(1, 0, 1, 8, 0, 255);
//! assert_eq!(code.c(), 1);
//! assert_eq!(code.as_bytes(), &[1, 0, 1, 8, 0, 255]);
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;

mod code;
mod unit;

pub use code::ObisCode;
pub use unit::{ScalerUnit, Unit};
