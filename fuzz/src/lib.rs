//! The body of every fuzz target, shared by the cargo-fuzz binaries (nightly, libFuzzer) and the
//! seed replay test (`tests/replay.rs`, stable) so that CI exercises each target's corpus.
//!
//! Each function takes arbitrary bytes and panics only when an invariant of the library is
//! broken (a round trip that does not hold, a value that fails its own checks).
#![forbid(unsafe_code)]

pub mod obis;

/// Every target: its name (the folder under `corpus/`) and its body.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[("obis", obis::run)];
