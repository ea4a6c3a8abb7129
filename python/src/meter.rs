//! `compteur.Meter` (blocking, GIL released around every call) and `compteur.Simulator`.

use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use e450::Framing;
use e450::client::{
    Authentication, Meter as RustMeter, MeterConfig, MeterError, MeterValue as RustValue, Physical,
    Profile, ProfileRange,
};
use e450::dlms::cosem::{ObjectListEntry, ProfileValue};
use e450::dlms::security::{AuthenticationKey, EncryptionKey, LlsPassword};
use e450::dlms::session::Keys;
use e450::serial::{Parity, SerialSettings};
use e450::simulator::{
    PtyServer, PushConfig as SimPushConfig, PushEncryption, PushGenerator, PushLayout, SimClock,
    Simulator as RustSimulator, SimulatorConfig, TcpServer, TimeZone,
};
use pyo3::exceptions::{PyIndexError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use crate::dlms::{DateTimes, data_to_py, datetime_value, py_to_datetime};
use crate::errors::{AccessDenied, AssociationRejected, CompteurError, meter_timeout};
use crate::obis::{ObisCode, extract_code};

/// Maps a meter error to the documented exception.
pub(crate) fn meter_error(py: Python<'_>, e: MeterError) -> PyErr {
    let message = e.to_string();
    match e {
        MeterError::Timeout => meter_timeout(py, message),
        MeterError::Io(io) => PyOSError::new_err((io.raw_os_error().unwrap_or(0), message)),
        MeterError::DataAccess { obis, result, .. } => {
            let err = AccessDenied::new_err(message);
            let value = err.value(py);
            let _ = value.setattr("obis", ObisCode::new_code(obis));
            let _ = value.setattr("result", result.to_string());
            err
        }
        MeterError::Session(_) if message.contains("association") || message.contains("AARE") => {
            AssociationRejected::new_err(message)
        }
        MeterError::Config(_) => PyValueError::new_err(message),
        _ => CompteurError::new_err(message),
    }
}

/// Key bytes given as bytes or hex text.
pub(crate) fn key_bytes(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = value.extract::<String>() {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = clean.as_bytes();
        if !digits.len().is_multiple_of(2) {
            return Err(PyValueError::new_err(format!(
                "{name}: an odd number of hex digits"
            )));
        }
        return digits
            .chunks(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
                    .ok_or_else(|| PyValueError::new_err(format!("{name}: not hex")))
            })
            .collect();
    }
    value
        .extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err(format!("{name}: give bytes or a hex string")))
}

/// The meter settings from the keyword arguments of `Meter.tcp`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn meter_config(
    client: u8,
    logical: u16,
    physical: u16,
    serial_number: Option<u32>,
    auth: &str,
    password: Option<&str>,
    key: Option<&Bound<'_, PyAny>>,
    auth_key: Option<&Bound<'_, PyAny>>,
    system_title: Option<&Bound<'_, PyAny>>,
    timeout: f64,
    retries: u32,
    wrapper: bool,
) -> PyResult<MeterConfig> {
    let password = || -> PyResult<LlsPassword> {
        let p = password
            .ok_or_else(|| PyValueError::new_err(format!("auth={auth:?} needs a password")))?;
        LlsPassword::new(p.as_bytes()).map_err(|e| PyValueError::new_err(format!("password: {e}")))
    };
    let authentication = match auth {
        "none" => Authentication::None,
        "low" => Authentication::Low(password()?),
        "high-lgz" => Authentication::HighLgz(password()?),
        "high-gmac" => {
            let need = |what: &str| PyValueError::new_err(format!("auth='high-gmac' needs {what}"));
            let key = key_bytes("key", key.ok_or_else(|| need("key"))?)?;
            let auth_key = key_bytes("auth_key", auth_key.ok_or_else(|| need("auth_key"))?)?;
            let title = key_bytes(
                "system_title",
                system_title.ok_or_else(|| need("system_title"))?,
            )?;
            let system_title = <[u8; 8]>::try_from(title.as_slice())
                .map_err(|_| PyValueError::new_err("system_title: 8 bytes"))?;
            let encryption = <[u8; 16]>::try_from(key.as_slice())
                .map(EncryptionKey::new)
                .map_err(|_| PyValueError::new_err("key: 16 bytes"))?;
            let authentication = <[u8; 16]>::try_from(auth_key.as_slice())
                .map(AuthenticationKey::new)
                .map_err(|_| PyValueError::new_err("auth_key: 16 bytes"))?;
            Authentication::HighGmac {
                keys: Keys {
                    encryption,
                    authentication,
                },
                system_title,
            }
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "auth must be 'none', 'low', 'high-gmac' or 'high-lgz', not {other:?}"
            )));
        }
    };
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(PyValueError::new_err(
            "timeout must be a positive number of seconds",
        ));
    }
    Ok(MeterConfig {
        client_sap: client,
        logical,
        physical: match serial_number {
            Some(s) => Physical::SerialNumber(s),
            None => Physical::Address(physical),
        },
        authentication,
        timeout: Duration::from_secs_f64(timeout),
        retries,
        framing: if wrapper {
            Framing::Wrapper
        } else {
            Framing::Hdlc
        },
        ..MeterConfig::default()
    })
}

/// One value read from a meter: `value` (the scaler applied for registers), `unit` (symbol or
/// None), `raw` (the value as sent), `scaler`, and where it came from.
#[pyclass(frozen, module = "compteur", name = "MeterValue")]
pub(crate) struct MeterValue {
    /// The logical name.
    #[pyo3(get)]
    obis: ObisCode,
    /// The interface class.
    #[pyo3(get)]
    class_id: u16,
    /// The attribute read.
    #[pyo3(get)]
    attribute: i8,
    /// The value: a float for registers (scaler applied), else the native value.
    #[pyo3(get)]
    value: Py<PyAny>,
    /// The value as the meter sent it.
    #[pyo3(get)]
    raw: Py<PyAny>,
    /// The unit symbol, or None.
    #[pyo3(get)]
    unit: Option<&'static str>,
    /// The scaler (registers), or None.
    #[pyo3(get)]
    scaler: Option<i8>,
}

#[pymethods]
impl MeterValue {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "MeterValue('{}', value={}, unit={:?})",
            self.obis.code,
            self.value
                .bind(py)
                .repr()
                .map_or_else(|_| "?".into(), |r| r.to_string()),
            self.unit
        )
    }
}

pub(crate) fn value_to_py(py: Python<'_>, v: &RustValue) -> PyResult<MeterValue> {
    let raw = data_to_py(py, &v.data, DateTimes::Python)?.unbind();
    let (value, unit, scaler) = match &v.register {
        Some(r) => (
            r.scaled.into_pyobject(py)?.into_any().unbind(),
            r.unit.symbol(),
            Some(r.scaler),
        ),
        None => match v.date_time() {
            Some(dt) if v.class_id == 8 => (
                datetime_value(py, &dt, DateTimes::Python)?.unbind(),
                None,
                None,
            ),
            _ => (raw.clone_ref(py), None, None),
        },
    };
    Ok(MeterValue {
        obis: ObisCode::new_code(v.obis),
        class_id: v.class_id,
        attribute: v.attribute,
        value,
        raw,
        unit,
        scaler,
    })
}

/// A profile column: `(class_id, logical name, attribute)`.
pub(crate) type Column = (u16, ObisCode, i8);

/// A DLMS/COSEM meter read over TCP (HDLC or the IEC 62056-47 wrapper). Every call releases
/// the GIL while it waits for the meter. Use it as a context manager, or call `close()`.
#[pyclass(module = "compteur", name = "Meter")]
pub(crate) struct Meter {
    // A Python object may be used from several threads: one call at a time goes to the meter.
    inner: Mutex<Option<Link>>,
}

/// The transport of a [`Meter`].
enum Link {
    Tcp(RustMeter<TcpStream>),
    Serial(RustMeter<Box<dyn serialport::SerialPort>>),
}

/// Runs `$body` with `$m` bound to the meter, whatever its transport.
macro_rules! with_meter {
    ($link:expr, $m:ident => $body:expr) => {
        match $link {
            Link::Tcp($m) => $body,
            Link::Serial($m) => $body,
        }
    };
}

/// The open meter behind the lock, or the error for a closed one.
fn open_meter<'a>(guard: &'a mut MutexGuard<'_, Option<Link>>) -> PyResult<&'a mut Link> {
    guard
        .as_mut()
        .ok_or_else(|| PyRuntimeError::new_err("the meter connection is closed"))
}

impl Meter {
    fn lock(&self) -> MutexGuard<'_, Option<Link>> {
        // A panic while holding the lock cannot leave the meter half-updated in a way that
        // matters more than the error the next call reports.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(crate) fn profile_range(
    py: Python<'_>,
    start: Option<&Bound<'_, PyAny>>,
    end: Option<&Bound<'_, PyAny>>,
    entries: Option<(u32, u32)>,
) -> PyResult<ProfileRange> {
    match (start, end, entries) {
        (None, None, None) => Ok(ProfileRange::All),
        (None, None, Some((first, last))) => Ok(ProfileRange::Entries { first, last }),
        (Some(start), Some(end), None) => Ok(ProfileRange::Between {
            from: crate::dlms::py_to_datetime(py, start)?,
            to: crate::dlms::py_to_datetime(py, end)?,
        }),
        _ => Err(PyValueError::new_err(
            "give start and end (datetimes), or entries=(first, last), or nothing for all rows",
        )),
    }
}

/// One profile cell as a Python object.
fn profile_value_to_py<'py>(py: Python<'py>, v: &ProfileValue) -> PyResult<Bound<'py, PyAny>> {
    match v {
        ProfileValue::DateTime(dt) => datetime_value(py, dt, DateTimes::Python),
        ProfileValue::Number(r) => Ok(r.scaled.into_pyobject(py)?.into_any()),
        ProfileValue::Data(d) => data_to_py(py, d, DateTimes::Python),
        #[allow(unreachable_patterns)]
        _ => Ok(py.None().into_bound(py)),
    }
}

/// A profile as `(columns, rows)`, rows as tuples, or as a dict of column lists.
pub(crate) fn profile_to_py<'py>(
    py: Python<'py>,
    profile: &Profile,
    as_columns: bool,
) -> PyResult<(Vec<Column>, Bound<'py, PyAny>)> {
    let columns: Vec<Column> = profile
        .capture_objects
        .iter()
        .map(|c| (c.class_id, ObisCode::new_code(c.logical_name), c.attribute))
        .collect();
    if !as_columns {
        let rows = PyList::empty(py);
        for row in &profile.rows {
            let values = row
                .values
                .iter()
                .map(|v| profile_value_to_py(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            rows.append(PyTuple::new(py, values)?)?;
        }
        return Ok((columns, rows.into_any()));
    }
    let dict = PyDict::new(py);
    for (i, c) in profile.capture_objects.iter().enumerate() {
        let text = c.logical_name.to_string();
        let repeated = profile
            .capture_objects
            .iter()
            .filter(|o| o.logical_name == c.logical_name)
            .count()
            > 1;
        let name = if repeated {
            format!("{text}/{}", c.attribute)
        } else {
            text
        };
        let list = PyList::empty(py);
        for row in &profile.rows {
            match row.values.get(i) {
                Some(v) => list.append(profile_value_to_py(py, v)?)?,
                None => list.append(py.None())?,
            }
        }
        dict.set_item(name, list)?;
    }
    Ok((columns, dict.into_any()))
}

/// The object list as `(class_id, ObisCode, version)` tuples.
pub(crate) fn object_list_to_py(list: &[ObjectListEntry]) -> Vec<(u16, ObisCode, u8)> {
    list.iter()
        .map(|o| (o.class_id.0, ObisCode::new_code(o.logical_name), o.version))
        .collect()
}

#[pymethods]
impl Meter {
    /// Connects over TCP and associates. `auth` is `"none"`, `"low"` (password),
    /// `"high-gmac"` (key, auth_key, system_title as bytes or hex) or `"high-lgz"`.
    #[staticmethod]
    #[pyo3(signature = (host, port, *, client = 16, logical = 1, physical = 17, serial_number = None,
        auth = "none", password = None, key = None, auth_key = None, system_title = None,
        timeout = 5.0, retries = 3, wrapper = false))]
    #[allow(clippy::too_many_arguments)]
    fn tcp(
        py: Python<'_>,
        host: &str,
        port: u16,
        client: u8,
        logical: u16,
        physical: u16,
        serial_number: Option<u32>,
        auth: &str,
        password: Option<&str>,
        key: Option<&Bound<'_, PyAny>>,
        auth_key: Option<&Bound<'_, PyAny>>,
        system_title: Option<&Bound<'_, PyAny>>,
        timeout: f64,
        retries: u32,
        wrapper: bool,
    ) -> PyResult<Self> {
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
        let address = format!("{host}:{port}");
        let meter = py
            .detach(|| RustMeter::connect_tcp(address.as_str(), config))
            .map_err(|e| meter_error(py, e))?;
        Ok(Meter {
            inner: Mutex::new(Some(Link::Tcp(meter))),
        })
    }

    /// Opens a serial port (the optical probe) and associates: HDLC directly at `baud`
    /// (9600 8N1 by default), or first the IEC 62056-21 mode E sign-on (`mode_e=True`), which
    /// picks the speed itself. The other options are those of `Meter.tcp`.
    #[staticmethod]
    #[pyo3(signature = (port, *, baud = 9600, parity = "none", data_bits = 8, stop_bits = 1,
        mode_e = false, client = 16, logical = 1, physical = 17, serial_number = None,
        auth = "none", password = None, key = None, auth_key = None, system_title = None,
        timeout = 5.0, retries = 3))]
    #[allow(clippy::too_many_arguments)]
    fn serial(
        py: Python<'_>,
        port: std::path::PathBuf,
        baud: u32,
        parity: &str,
        data_bits: u8,
        stop_bits: u8,
        mode_e: bool,
        client: u8,
        logical: u16,
        physical: u16,
        serial_number: Option<u32>,
        auth: &str,
        password: Option<&str>,
        key: Option<&Bound<'_, PyAny>>,
        auth_key: Option<&Bound<'_, PyAny>>,
        system_title: Option<&Bound<'_, PyAny>>,
        timeout: f64,
        retries: u32,
    ) -> PyResult<Self> {
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
            false,
        )?;
        let parity = match parity {
            "none" => Parity::None,
            "even" => Parity::Even,
            "odd" => Parity::Odd,
            other => {
                return Err(PyValueError::new_err(format!(
                    "parity must be 'none', 'even' or 'odd', not {other:?}"
                )));
            }
        };
        let settings = SerialSettings {
            baud,
            parity,
            data_bits,
            stop_bits,
        };
        settings.validate().map_err(PyValueError::new_err)?;
        let meter = py
            .detach(|| RustMeter::open_serial(&port, settings, mode_e, config))
            .map_err(|e| meter_error(py, e))?;
        Ok(Meter {
            inner: Mutex::new(Some(Link::Serial(meter))),
        })
    }

    /// Reads an object's value (class from the registry or the object list; registers with
    /// their scaler and unit applied).
    fn read(&self, py: Python<'_>, code: &Bound<'_, PyAny>) -> PyResult<MeterValue> {
        let code = extract_code(code)?;
        let mut guard = self.lock();
        let meter = open_meter(&mut guard)?;
        let value = py
            .detach(|| with_meter!(meter, m => m.read(code)))
            .map_err(|e| meter_error(py, e))?;
        value_to_py(py, &value)
    }

    /// Reads one attribute of an object given by class, logical name and attribute.
    fn read_attribute(
        &self,
        py: Python<'_>,
        class_id: u16,
        code: &Bound<'_, PyAny>,
        attribute: i8,
    ) -> PyResult<MeterValue> {
        let code = extract_code(code)?;
        let mut guard = self.lock();
        let meter = open_meter(&mut guard)?;
        let value = py
            .detach(|| with_meter!(meter, m => m.read_code(class_id, code, attribute)))
            .map_err(|e| meter_error(py, e))?;
        value_to_py(py, &value)
    }

    /// Reads several objects in one request where the meter allows it; a refused object
    /// raises `AccessDenied` for the whole call.
    fn read_many(&self, py: Python<'_>, codes: Vec<Bound<'_, PyAny>>) -> PyResult<Vec<MeterValue>> {
        let codes = codes
            .iter()
            .map(extract_code)
            .collect::<PyResult<Vec<_>>>()?;
        let mut guard = self.lock();
        let meter = open_meter(&mut guard)?;
        let values = py
            .detach(|| with_meter!(meter, m => m.read_many(&codes)))
            .map_err(|e| meter_error(py, e))?;
        values
            .into_iter()
            .map(|v| {
                v.map_err(|e| meter_error(py, e))
                    .and_then(|v| value_to_py(py, &v))
            })
            .collect()
    }

    /// The meter's clock as a `datetime` (timezone-aware when the meter gives its deviation).
    fn read_clock<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut guard = self.lock();
        let meter = open_meter(&mut guard)?;
        let dt = py
            .detach(|| with_meter!(meter, m => m.read_clock()))
            .map_err(|e| meter_error(py, e))?;
        datetime_value(py, &dt, DateTimes::Python)
    }

    /// Reads a profile: returns `(columns, rows)` where `columns` are the capture objects as
    /// `(class_id, ObisCode, attribute)` and `rows` a list of tuples (date-times as
    /// `datetime`, registers scaled). Select rows by `start`/`end` (datetimes) or
    /// `entries=(first, last)` (from 1). With `as_columns=True` the second item is a dict of
    /// lists instead, one per capture object, keyed by the OBIS code's text (with
    /// `/attribute` added when a code appears twice): ready for `pandas.DataFrame`.
    #[pyo3(signature = (code, *, start = None, end = None, entries = None, as_columns = false))]
    fn read_profile<'py>(
        &self,
        py: Python<'py>,
        code: &Bound<'py, PyAny>,
        start: Option<&Bound<'py, PyAny>>,
        end: Option<&Bound<'py, PyAny>>,
        entries: Option<(u32, u32)>,
        as_columns: bool,
    ) -> PyResult<(Vec<Column>, Bound<'py, PyAny>)> {
        let code = extract_code(code)?;
        let range = profile_range(py, start, end, entries)?;
        let mut guard = self.lock();
        let meter = open_meter(&mut guard)?;
        let profile = py
            .detach(|| with_meter!(meter, m => m.read_profile(code, range)))
            .map_err(|e| meter_error(py, e))?;
        profile_to_py(py, &profile, as_columns)
    }

    /// The objects the meter exposes to this client: `(class_id, ObisCode, version)` tuples.
    fn object_list(&self, py: Python<'_>) -> PyResult<Vec<(u16, ObisCode, u8)>> {
        let mut guard = self.lock();
        let meter = open_meter(&mut guard)?;
        let list = py
            .detach(|| with_meter!(meter, m => m.object_list()))
            .map_err(|e| meter_error(py, e))?;
        Ok(object_list_to_py(&list))
    }

    /// Releases the association and closes the connection (idempotent).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self.lock().take();
        if let Some(meter) = taken {
            py.detach(|| with_meter!(meter, m => m.close()))
                .map_err(|e| meter_error(py, e))?;
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}

/// The settings of simulated pushes, from the Python arguments.
fn sim_push_config(
    key: Option<&Bound<'_, PyAny>>,
    auth_key: Option<&Bound<'_, PyAny>>,
    layout: &str,
    template: Option<&str>,
    frame_counter: u32,
) -> PyResult<SimPushConfig> {
    let template = crate::push::parse_template(template)?;
    let layout = match (layout, template) {
        ("values" | "self-describing", Some(t)) => PushLayout::Values(t),
        ("values", None) => {
            return Err(PyValueError::new_err("layout=\"values\" needs a template"));
        }
        ("pairs", _) => PushLayout::Pairs,
        ("self-describing", None) => PushLayout::SelfDescribing,
        (other, _) => {
            return Err(PyValueError::new_err(format!(
                "layout: {other:?} is not \"self-describing\", \"pairs\" or \"values\""
            )));
        }
    };
    let key = crate::push::parse_key("key", key, EncryptionKey::new)?;
    let auth_key = crate::push::parse_key("auth_key", auth_key, AuthenticationKey::new)?;
    let encryption = match (key, auth_key) {
        (Some(k), Some(a)) => PushEncryption::Authenticated(k, a),
        (Some(k), None) => PushEncryption::Encrypted(k),
        (None, Some(_)) => return Err(PyValueError::new_err("auth_key needs key")),
        (None, None) => PushEncryption::None,
    };
    Ok(SimPushConfig {
        layout,
        encryption,
        frame_counter,
        ..SimPushConfig::default()
    })
}

/// A simulated Landis+Gyr E450 (or several), served on 127.0.0.1 for tests and demos.
#[pyclass(module = "compteur", name = "Simulator")]
pub(crate) struct Simulator {
    sim: RustSimulator,
    servers: Vec<TcpServer>,
    ptys: Vec<PtyServer>,
    /// The frame counter of the next encrypted push.
    frame_counter: u32,
}

#[pymethods]
impl Simulator {
    /// `meters` independent meters (serials from `first_serial`), households drawn from
    /// `seed`, with `history_days` of load profile. The clock is the system clock in central
    /// European time.
    #[new]
    #[pyo3(signature = (*, meters = 1, seed = 1, history_days = 60, first_serial = 1_909_113))]
    fn py_new(meters: usize, seed: u64, history_days: u32, first_serial: u32) -> PyResult<Self> {
        if meters == 0 {
            return Err(PyValueError::new_err("meters must be at least 1"));
        }
        let cfg = SimulatorConfig {
            meters,
            seed,
            history_days,
            first_serial,
            ..SimulatorConfig::default()
        };
        Ok(Simulator {
            sim: RustSimulator::new(cfg, SimClock::system(TimeZone::CENTRAL_EUROPE)),
            servers: Vec::new(),
            ptys: Vec::new(),
            frame_counter: 1,
        })
    }

    /// Serves the meters over TCP (HDLC, or the IEC 62056-47 wrapper); returns `(host, port)`.
    /// Port 0 picks a free port. Only 127.0.0.1 unless another host is given.
    #[pyo3(signature = (host = "127.0.0.1", port = 0, *, wrapper = false))]
    fn serve_tcp(&mut self, host: &str, port: u16, wrapper: bool) -> PyResult<(String, u16)> {
        let addr: std::net::SocketAddr = format!("{host}:{port}")
            .parse()
            .map_err(|e| PyValueError::new_err(format!("{host}:{port}: {e}")))?;
        let framing = if wrapper {
            Framing::Wrapper
        } else {
            Framing::Hdlc
        };
        let server = self
            .sim
            .serve_tcp(addr, framing)
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        let local = server.local_addr();
        self.servers.push(server);
        Ok((local.ip().to_string(), local.port()))
    }

    /// Serves the first meter (HDLC) on a new pseudo-terminal; returns its path, to open
    /// like a serial port (`Meter.serial(path)`).
    fn serve_pty(&mut self) -> PyResult<String> {
        let pty = self
            .sim
            .serve_pty()
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        let path = pty.path().to_string_lossy().into_owned();
        self.ptys.push(pty);
        Ok(path)
    }

    /// One push of meter `meter` (0 is the first) at `at` — a `datetime` (aware, or naive
    /// local time of the meter) or `None` for now — as the E450 puts it on its customer
    /// interface: HDLC frames, bytes ready for `decode_push` or a `PushListener`.
    ///
    /// `layout` is `"self-describing"` (the Swiss E450), `"pairs"` (Stromnetz Graz) or
    /// `"values"` with a `template` (a built-in name or TOML text); `key` and `auth_key`
    /// (bytes or hex) encrypt and authenticate it. Encrypted pushes carry consecutive
    /// frame counters, shared by every call and by `serve_push`. Instants before the start
    /// of the simulated history read as its start.
    ///
    /// ```python
    /// >>> import compteur, datetime
    /// >>> sim = compteur.Simulator(history_days=2)
    /// >>> at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    /// >>> [r] = compteur.decode_push(sim.push_frames(at))
    /// >>> r.serial, r.active_energy_import > 0
    /// ('1909113', True)
    ///
    /// ```
    #[pyo3(signature = (at = None, *, meter = 0, key = None, auth_key = None,
                        layout = "self-describing", template = None))]
    #[allow(clippy::too_many_arguments)]
    fn push_frames<'py>(
        &mut self,
        py: Python<'py>,
        at: Option<&Bound<'py, PyAny>>,
        meter: usize,
        key: Option<&Bound<'py, PyAny>>,
        auth_key: Option<&Bound<'py, PyAny>>,
        layout: &str,
        template: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let cfg = sim_push_config(key, auth_key, layout, template, self.frame_counter)?;
        let zone = self.sim.clock().zone();
        let utc = match at.filter(|a| !a.is_none()) {
            None => None,
            Some(value) => {
                let dt = py_to_datetime(py, value)?;
                Some(zone.to_utc(&dt).ok_or_else(|| {
                    PyValueError::new_err("at: the date-time has unspecified fields")
                })?)
            }
        };
        let mut generator = PushGenerator::new(cfg);
        let frames = self
            .sim
            .with_meter(meter, |m| {
                let instant = utc.unwrap_or_else(|| m.now());
                generator.frames(m, instant)
            })
            .ok_or_else(|| {
                PyIndexError::new_err(format!(
                    "meter {meter}: the simulator has {} meters",
                    self.sim.len()
                ))
            })?
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.frame_counter = generator.frame_counter();
        Ok(PyBytes::new(py, &frames))
    }

    /// Writes a push of the first meter every `interval` seconds (at least 0.05) to a new
    /// pseudo-terminal, as the E450's customer interface does; returns its path, to open
    /// with a serial-port library and feed to a `PushListener`. The options are those of
    /// `push_frames`. Like a real line, pushes nobody reads are lost. Stops with `close()`.
    #[pyo3(signature = (interval = 10.0, *, key = None, auth_key = None,
                        layout = "self-describing", template = None))]
    fn serve_push(
        &mut self,
        interval: f64,
        key: Option<&Bound<'_, PyAny>>,
        auth_key: Option<&Bound<'_, PyAny>>,
        layout: &str,
        template: Option<&str>,
    ) -> PyResult<String> {
        if !(interval.is_finite() && interval >= 0.05) {
            return Err(PyValueError::new_err(
                "interval must be at least 0.05 seconds",
            ));
        }
        let cfg = sim_push_config(key, auth_key, layout, template, self.frame_counter)?;
        // Leave the counters of the pushes this one writes to it alone.
        self.frame_counter = self.frame_counter.saturating_add(1 << 24);
        let server = self
            .sim
            .serve_push_pty(PushGenerator::new(cfg), Duration::from_secs_f64(interval))
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        let path = server.path().to_string_lossy().into_owned();
        self.ptys.push(server);
        Ok(path)
    }

    /// Stops every server (idempotent).
    fn close(&mut self) {
        for server in self.servers.drain(..) {
            server.shutdown();
        }
        for pty in self.ptys.drain(..) {
            pty.shutdown();
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, PyTuple>) -> bool {
        self.close();
        false
    }
}

/// Adds the classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MeterValue>()?;
    m.add_class::<Meter>()?;
    m.add_class::<Simulator>()?;
    Ok(())
}
