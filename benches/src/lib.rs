//! Criterion benchmarks for compteur; run them with `cargo bench -p compteur-benches`.
//!
//! The library part only holds input helpers shared by the benches.
