//! `compteur.AsyncMeter`: the tokio front end of the meter client, awaited from asyncio.

use std::sync::Arc;

use e450::client::{AsyncMeter as RustAsyncMeter, MeterError};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::dlms::{DateTimes, datetime_value};
use crate::meter::{
    meter_config, meter_error, object_list_to_py, profile_range, profile_to_py, value_to_py,
};
use crate::obis::extract_code;

type Shared = Arc<Mutex<Option<RustAsyncMeter<TcpStream>>>>;

/// The asyncio meter: the same operations as `Meter`, as coroutines, over TCP. Many can run
/// at once on one event loop (the I/O runs on a tokio runtime beside it).
#[pyclass(module = "compteur", name = "AsyncMeter")]
pub(crate) struct AsyncMeter {
    inner: Shared,
}

fn closed() -> PyErr {
    PyRuntimeError::new_err("the meter connection is closed")
}

/// A meter error converted under the GIL.
fn to_py_error(e: MeterError) -> PyErr {
    Python::attach(|py| meter_error(py, e))
}

#[pymethods]
impl AsyncMeter {
    /// `await AsyncMeter.tcp(host, port, ...)`: connects and associates; the options are those
    /// of `Meter.tcp`.
    #[staticmethod]
    #[pyo3(signature = (host, port, *, client = 16, logical = 1, physical = 17, serial_number = None,
        auth = "none", password = None, key = None, auth_key = None, system_title = None,
        timeout = 5.0, retries = 3, wrapper = false))]
    #[allow(clippy::too_many_arguments)]
    fn tcp<'py>(
        py: Python<'py>,
        host: String,
        port: u16,
        client: u8,
        logical: u16,
        physical: u16,
        serial_number: Option<u32>,
        auth: &str,
        password: Option<&str>,
        key: Option<&Bound<'py, PyAny>>,
        auth_key: Option<&Bound<'py, PyAny>>,
        system_title: Option<&Bound<'py, PyAny>>,
        timeout: f64,
        retries: u32,
        wrapper: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let config = meter_config(
            client,
            logical,
            physical,
            serial_number,
            auth,
            password,
            key,
            auth_key,
            system_title,
            timeout,
            retries,
            wrapper,
        )?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let meter = RustAsyncMeter::connect_tcp((host.as_str(), port), config)
                .await
                .map_err(to_py_error)?;
            Ok(AsyncMeter {
                inner: Arc::new(Mutex::new(Some(meter))),
            })
        })
    }

    /// `await meter.read(code)`: as `Meter.read`.
    fn read<'py>(&self, py: Python<'py>, code: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let code = extract_code(code)?;
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut guard = inner.lock().await;
            let meter = guard.as_mut().ok_or_else(closed)?;
            let value = meter.read(code).await.map_err(to_py_error)?;
            drop(guard);
            Python::attach(|py| value_to_py(py, &value))
        })
    }

    /// `await meter.read_many(codes)`: as `Meter.read_many`.
    fn read_many<'py>(
        &self,
        py: Python<'py>,
        codes: Vec<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let codes = codes
            .iter()
            .map(extract_code)
            .collect::<PyResult<Vec<_>>>()?;
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut guard = inner.lock().await;
            let meter = guard.as_mut().ok_or_else(closed)?;
            let values = meter.read_many(&codes).await.map_err(to_py_error)?;
            drop(guard);
            Python::attach(|py| {
                values
                    .into_iter()
                    .map(|v| {
                        v.map_err(|e| meter_error(py, e))
                            .and_then(|v| value_to_py(py, &v))
                    })
                    .collect::<PyResult<Vec<_>>>()
            })
        })
    }

    /// `await meter.read_clock()`: as `Meter.read_clock`.
    fn read_clock<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut guard = inner.lock().await;
            let meter = guard.as_mut().ok_or_else(closed)?;
            let dt = meter.read_clock().await.map_err(to_py_error)?;
            drop(guard);
            Python::attach(|py| datetime_value(py, &dt, DateTimes::Python).map(Bound::unbind))
        })
    }

    /// `await meter.read_profile(code, ...)`: as `Meter.read_profile`.
    #[pyo3(signature = (code, *, start = None, end = None, entries = None, as_columns = false))]
    fn read_profile<'py>(
        &self,
        py: Python<'py>,
        code: &Bound<'py, PyAny>,
        start: Option<&Bound<'py, PyAny>>,
        end: Option<&Bound<'py, PyAny>>,
        entries: Option<(u32, u32)>,
        as_columns: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let code = extract_code(code)?;
        let range = profile_range(py, start, end, entries)?;
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut guard = inner.lock().await;
            let meter = guard.as_mut().ok_or_else(closed)?;
            let profile = meter.read_profile(code, range).await.map_err(to_py_error)?;
            drop(guard);
            Python::attach(|py| {
                let (columns, body) = profile_to_py(py, &profile, as_columns)?;
                Ok((columns, body.unbind()))
            })
        })
    }

    /// `await meter.object_list()`: as `Meter.object_list`.
    fn object_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let mut guard = inner.lock().await;
            let meter = guard.as_mut().ok_or_else(closed)?;
            let list = meter.object_list().await.map_err(to_py_error)?;
            drop(guard);
            Ok(object_list_to_py(&list))
        })
    }

    /// `await meter.close()`: releases the association and closes the connection.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let taken = inner.lock().await.take();
            if let Some(meter) = taken {
                meter.close().await.map_err(to_py_error)?;
            }
            Ok(())
        })
    }

    fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(slf) })
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inner = Arc::clone(&self.inner);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let taken = inner.lock().await.take();
            if let Some(meter) = taken {
                meter.close().await.map_err(to_py_error)?;
            }
            Ok(false)
        })
    }
}

/// Adds the class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AsyncMeter>()?;
    Ok(())
}
