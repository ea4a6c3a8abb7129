//! Python bindings for compteur.
//!
//! This crate will hold the PyO3 module `compteur._native` that the Python package `compteur`
//! re-exports (built with maturin). It contains conversion and packaging only, no protocol logic.
//! Nothing is bound yet: the Python package is not available today.
