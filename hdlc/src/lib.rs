//! HDLC framing for DLMS/COSEM (IEC 62056-46).
//!
//! This crate will hold frame format type 3 (parse and emit, HCS/FCS with CRC-16/X.25),
//! addresses, the control field, the SNRM/UA parameter field, a resynchronising stream decoder
//! and a sans-IO client and server link state machine. Nothing is implemented yet.
#![no_std]
#![forbid(unsafe_code)]
