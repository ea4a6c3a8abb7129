//! The DLMS/COSEM application layer (IEC 62056-5-3, -6-2).
//!
//! This crate will hold A-XDR `Data`, the COSEM date and time forms, every APDU (ACSE and
//! xDLMS), security suite 0, client and server sessions and the COSEM interface classes.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod security;
