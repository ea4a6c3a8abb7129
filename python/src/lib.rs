//! Python bindings for compteur: the compiled module `compteur._native`.
//!
//! The Python package `compteur` (in `python/compteur/`) re-exports this module; the protocol
//! logic lives in the Rust crates, this crate only converts values and maps errors. Build it
//! with maturin (`maturin develop` in `python/`, or `pip install ./python`).
//!
//! ```
//! // The conversions are plain Rust functions, testable without an interpreter:
//! let code = compteur_python::parse_obis("1.8.0").unwrap();
//! assert_eq!(code.to_string(), "1-0:1.8.0*255");
//! ```

use pyo3::prelude::*;

mod apdu;
mod asynch;
mod dlms;
mod errors;
mod hdlc;
mod meter;
mod obis;
mod push;

pub use obis::parse_obis;

/// The compiled module `compteur._native`.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    obis::register(m)?;
    dlms::register(m)?;
    apdu::register(m)?;
    hdlc::register(m)?;
    meter::register(m)?;
    push::register(m)?;
    asynch::register(m)?;
    Ok(())
}
