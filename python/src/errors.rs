//! The exception hierarchy: `CompteurError` at the root, decode errors also `ValueError`s.

use pyo3::create_exception;
use pyo3::exceptions::{PyTimeoutError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    compteur,
    CompteurError,
    pyo3::exceptions::PyException,
    "The root of every compteur exception."
);

create_exception!(
    compteur,
    AuthenticationError,
    CompteurError,
    "A GCM tag did not verify, or the meter refused the authentication."
);
create_exception!(
    compteur,
    AccessDenied,
    CompteurError,
    "The meter refused to read or write an attribute (`.obis`, `.result`)."
);
create_exception!(
    compteur,
    AssociationRejected,
    CompteurError,
    "The meter rejected the association (`.result`, `.diagnostic`)."
);

/// Builds the `DecodeError` class: a subclass of both `CompteurError` and `ValueError`.
fn decode_error_type(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let builtins = py.import("builtins")?;
    let type_ = builtins.getattr("type")?;
    let bases = (
        py.get_type::<CompteurError>(),
        py.get_type::<PyValueError>(),
    );
    let namespace = pyo3::types::PyDict::new(py);
    namespace.set_item("__module__", "compteur")?;
    namespace.set_item(
        "__doc__",
        "Bad bytes: also a ValueError, with .offset (bytes from the start of the input, or \
         None) and .layer ('obis', 'hdlc', 'dlms', 'mbus', 'push').",
    )?;
    namespace.set_item("offset", py.None())?;
    namespace.set_item("layer", py.None())?;
    type_.call1(("DecodeError", bases, namespace))
}

/// Builds `MeterTimeout`: a `CompteurError` and a `TimeoutError`.
fn timeout_type(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let builtins = py.import("builtins")?;
    let type_ = builtins.getattr("type")?;
    let bases = (
        py.get_type::<CompteurError>(),
        py.get_type::<PyTimeoutError>(),
    );
    let namespace = pyo3::types::PyDict::new(py);
    namespace.set_item("__module__", "compteur")?;
    namespace.set_item("__doc__", "The meter did not answer in time.")?;
    type_.call1(("MeterTimeout", bases, namespace))
}

static DECODE_ERROR: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static METER_TIMEOUT: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CompteurError", py.get_type::<CompteurError>())?;
    let decode = decode_error_type(py)?;
    // The module is initialised once; a second call keeps the first class.
    let _ = DECODE_ERROR.set(py, decode.clone().unbind());
    m.add("DecodeError", decode)?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("AccessDenied", py.get_type::<AccessDenied>())?;
    m.add("AssociationRejected", py.get_type::<AssociationRejected>())?;
    let timeout = timeout_type(py)?;
    let _ = METER_TIMEOUT.set(py, timeout.clone().unbind());
    m.add("MeterTimeout", timeout)?;
    Ok(())
}

/// A `MeterTimeout` with its message.
pub(crate) fn meter_timeout(py: Python<'_>, message: String) -> PyErr {
    let Some(class) = METER_TIMEOUT.get(py) else {
        return PyTimeoutError::new_err(message);
    };
    match class.bind(py).call1((message,)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// A `DecodeError` with its message, offset and layer.
pub(crate) fn decode_error(
    py: Python<'_>,
    layer: &'static str,
    message: String,
    offset: Option<usize>,
) -> PyErr {
    let Some(class) = DECODE_ERROR.get(py) else {
        return PyValueError::new_err(message);
    };
    match class.bind(py).call1((message.clone(),)) {
        Ok(instance) => {
            // Attributes on a fresh exception instance cannot fail in practice; if they do,
            // the exception still carries its message.
            let _ = instance.setattr("offset", offset);
            let _ = instance.setattr("layer", layer);
            PyErr::from_value(instance)
        }
        Err(e) => e,
    }
}
