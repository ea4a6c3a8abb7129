//! Wired M-Bus (EN 13757-2 link layer, EN 13757-3 application layer).
//!
//! This crate will hold the four frame types, the master side (SND_NKE, REQ_UD2, selection,
//! wildcard search), data records with every VIF table, and DLMS APDUs carried in M-Bus frames.
//! Nothing is implemented yet.
#![no_std]
#![forbid(unsafe_code)]
