//! The body of every fuzz target, shared by the cargo-fuzz binaries (nightly, libFuzzer) and the
//! seed replay test (`tests/replay.rs`, stable) so that CI exercises each target's corpus.
//!
//! Each function takes arbitrary bytes and panics only when an invariant of the library is
//! broken (a round trip that does not hold, a value that fails its own checks).
#![forbid(unsafe_code)]

pub mod apdu;
pub mod ciphered;
pub mod client_engine;
pub mod client_session;
pub mod client_wrapper;
pub mod cosem;
pub mod data;
pub mod hdlc_connection;
pub mod hdlc_decoder;
pub mod hdlc_frame;
pub mod mbus_frame;
pub mod mbus_records;
pub mod obis;
pub mod push_listener;
pub mod simulator;

/// Every target: its name (the folder under `corpus/`) and its body.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("obis", obis::run),
    ("mbus_frame", mbus_frame::run),
    ("mbus_records", mbus_records::run),
    ("ciphered", ciphered::run),
    ("data", data::run),
    ("apdu", apdu::run),
    ("hdlc_frame", hdlc_frame::run),
    ("hdlc_decoder", hdlc_decoder::run),
    ("hdlc_connection", hdlc_connection::run),
    ("cosem", cosem::run),
    ("client_session", client_session::run),
    ("push_listener", push_listener::run),
    ("client_wrapper", client_wrapper::run),
    ("client_engine", client_engine::run),
    ("simulator", simulator::run),
];
