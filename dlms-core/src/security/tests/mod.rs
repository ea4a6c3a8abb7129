//! Tests of the security module: byte-exact vectors, the public corpus, properties.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[cfg(feature = "security")]
mod corpus;
mod props;
#[cfg(feature = "security")]
mod vectors;

extern crate std;

/// Decodes hex text (test helper; panics on bad input).
#[cfg(feature = "security")]
pub(crate) fn hex(s: &str) -> alloc::vec::Vec<u8> {
    let s: std::string::String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
