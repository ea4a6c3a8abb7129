//! The push interface: `compteur.PushListener`, `compteur.decode_push`, `compteur.Reading`,
//! and `compteur.mbus.decode_frame` (wired M-Bus through the same listener).

use std::sync::Mutex;

use e450::push::{
    self, MbusMessage, Message, PushConfig, PushError, PushListener as RustListener, Template,
};
use e450::reading::{Reading as RustReading, Value};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDelta, PyDict, PyList, PyTzInfo};

use crate::errors::decode_error;
use crate::meter::key_bytes;
use crate::obis::ObisCode;

/// A JSON value as native Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        serde_json::Value::Null => py.None().into_bound(py),
        serde_json::Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        serde_json::Value::String(s) => pyo3::types::PyString::new(py, s).into_any(),
        serde_json::Value::Array(items) => {
            let converted = items
                .iter()
                .map(|item| json_to_py(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, converted)?.into_any()
        }
        serde_json::Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A key given as bytes or hex text.
pub(crate) fn parse_key<K>(
    name: &str,
    value: Option<&Bound<'_, PyAny>>,
    make: impl Fn([u8; 16]) -> K,
) -> PyResult<Option<K>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let bytes = key_bytes(name, value)?;
    let array = <[u8; 16]>::try_from(bytes.as_slice())
        .map_err(|_| PyValueError::new_err(format!("{name}: 16 bytes (32 hex digits)")))?;
    Ok(Some(make(array)))
}

/// The template: a built-in name (`"burgenland"`, `"wiener-netze"`) or TOML text.
pub(crate) fn parse_template(template: Option<&str>) -> PyResult<Option<Template>> {
    let Some(text) = template else {
        return Ok(None);
    };
    let parsed = if text.contains('\n') || text.contains('=') {
        Template::from_toml(text)
    } else {
        Template::builtin(text)
    };
    parsed
        .map(Some)
        .map_err(|e| PyValueError::new_err(format!("template: {e}")))
}

fn config(
    key: Option<&Bound<'_, PyAny>>,
    auth_key: Option<&Bound<'_, PyAny>>,
    template: Option<&str>,
    replay_guard: bool,
) -> PyResult<PushConfig> {
    let key = parse_key("key", key, e450::dlms::security::EncryptionKey::new)?;
    let auth_key = parse_key(
        "auth_key",
        auth_key,
        e450::dlms::security::AuthenticationKey::new,
    )?;
    if auth_key.is_some() && key.is_none() {
        return Err(PyValueError::new_err("auth_key needs key"));
    }
    Ok(PushConfig {
        key,
        auth_key,
        template: parse_template(template)?,
        replay_guard,
    })
}

/// One decoded push: the typed fields (energies in Wh/varh, powers in W/var, voltages in V,
/// currents in A), `values` (every pushed value), and `to_dict()`, the object
/// `compteur decode --json` prints for the same push.
#[pyclass(frozen, module = "compteur", name = "Reading")]
pub(crate) struct Reading {
    inner: Box<RustReading>,
}

fn timestamp_to_py<'py>(py: Python<'py>, r: &RustReading) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(ts) = &r.timestamp else {
        return Ok(None);
    };
    // `local` is ISO 8601 local time: YYYY-MM-DDTHH:MM:SS.
    let text = ts.local.as_str();
    let field = |range: std::ops::Range<usize>| -> Option<u32> { text.get(range)?.parse().ok() };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        field(0..4),
        field(5..7),
        field(8..10),
        field(11..13),
        field(14..16),
        field(17..19),
    ) else {
        return Ok(None);
    };
    let narrow = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    let tz = match ts.deviation {
        Some(deviation) => {
            let delta = PyDelta::new(py, 0, i32::from(deviation).saturating_mul(-60), 0, true)?;
            Some(PyTzInfo::fixed_offset(py, delta)?)
        }
        None => None,
    };
    let year = i32::try_from(year).unwrap_or(i32::MAX);
    match PyDateTime::new(
        py,
        year,
        narrow(month),
        narrow(day),
        narrow(hour),
        narrow(minute),
        narrow(second),
        0,
        tz.as_ref(),
    ) {
        Ok(dt) => Ok(Some(dt.into_any())),
        Err(_) => Ok(None),
    }
}

fn tariffs(values: &[Option<f64>; 4]) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
    (values[0], values[1], values[2], values[3])
}

#[pymethods]
impl Reading {
    /// Offset of the message's first byte in the input stream.
    #[getter]
    fn offset(&self) -> usize {
        self.inner.offset
    }
    /// The push's date-time: timezone-aware when the meter gives its deviation, naive local
    /// time otherwise (the E450 sends local time); None if the push has none.
    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        timestamp_to_py(py, &self.inner)
    }
    /// Daylight saving time flag of the push's date-time (clock status bit 7).
    #[getter]
    fn dst(&self) -> Option<bool> {
        self.inner.timestamp.as_ref().map(|t| t.dst)
    }
    /// The sender's system title (encrypted pushes), or None.
    #[getter]
    fn system_title(&self) -> Option<Vec<u8>> {
        self.inner.system_title.map(|t| t.to_vec())
    }
    /// The meter serial: pushed 0-0:96.1.x, else decoded from the system title, else None.
    #[getter]
    fn serial(&self) -> Option<String> {
        self.inner.serial.as_ref().map(|s| s.as_str().to_owned())
    }
    /// The frame counter (encrypted pushes), or None.
    #[getter]
    fn frame_counter(&self) -> Option<u32> {
        self.inner.frame_counter
    }
    /// `"none"`, `"decrypted"` (no tag verified) or `"authenticated"`.
    #[getter]
    fn security(&self) -> &'static str {
        self.inner.security.as_str()
    }
    /// `"self-describing"`, `"pairs"` or `"values"`.
    #[getter]
    fn layout(&self) -> &'static str {
        self.inner.layout.as_str()
    }
    /// +A total, Wh.
    #[getter]
    fn active_energy_import(&self) -> Option<f64> {
        self.inner.active_energy_import
    }
    /// −A total, Wh.
    #[getter]
    fn active_energy_export(&self) -> Option<f64> {
        self.inner.active_energy_export
    }
    /// +R total, varh.
    #[getter]
    fn reactive_energy_import(&self) -> Option<f64> {
        self.inner.reactive_energy_import
    }
    /// −R total, varh.
    #[getter]
    fn reactive_energy_export(&self) -> Option<f64> {
        self.inner.reactive_energy_export
    }
    /// +A per tariff 1..4, Wh.
    #[getter]
    fn active_energy_import_tariff(&self) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
        tariffs(&self.inner.active_energy_import_tariff)
    }
    /// −A per tariff 1..4, Wh.
    #[getter]
    fn active_energy_export_tariff(&self) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
        tariffs(&self.inner.active_energy_export_tariff)
    }
    /// +P, W.
    #[getter]
    fn active_power_import(&self) -> Option<f64> {
        self.inner.active_power_import
    }
    /// −P, W.
    #[getter]
    fn active_power_export(&self) -> Option<f64> {
        self.inner.active_power_export
    }
    /// +Q, var.
    #[getter]
    fn reactive_power_import(&self) -> Option<f64> {
        self.inner.reactive_power_import
    }
    /// −Q, var.
    #[getter]
    fn reactive_power_export(&self) -> Option<f64> {
        self.inner.reactive_power_export
    }
    /// Voltages L1, L2, L3, V.
    #[getter]
    fn voltage(&self) -> (Option<f64>, Option<f64>, Option<f64>) {
        let v = &self.inner.voltage;
        (v[0], v[1], v[2])
    }
    /// Currents L1, L2, L3, A.
    #[getter]
    fn current(&self) -> (Option<f64>, Option<f64>, Option<f64>) {
        let c = &self.inner.current;
        (c[0], c[1], c[2])
    }
    /// Power factor.
    #[getter]
    fn power_factor(&self) -> Option<f64> {
        self.inner.power_factor
    }
    /// Supply frequency, Hz.
    #[getter]
    fn frequency(&self) -> Option<f64> {
        self.inner.frequency
    }
    /// Every pushed value as `(ObisCode, value, unit)`: numbers with the scaler applied
    /// (energies in kWh/kvarh, as the CLI prints them), text for the rest.
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .inner
            .values
            .iter()
            .map(|v| {
                let value = match &v.value {
                    Value::Number(n) => n.into_pyobject(py)?.into_any(),
                    Value::Text(t) => pyo3::types::PyString::new(py, t.as_str()).into_any(),
                };
                Ok((ObisCode::new_code(v.obis), value, v.unit.as_deref()))
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }
    /// The object `compteur decode --json` prints for this push, as Python values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json_value())
    }

    fn __repr__(&self) -> String {
        format!(
            "Reading(offset={}, serial={:?}, security={:?}, values={})",
            self.inner.offset,
            self.inner.serial.as_ref().map(|s| s.as_str()),
            self.inner.security.as_str(),
            self.inner.values.len()
        )
    }
}

/// A wired M-Bus response (RSP_UD) from the line.
#[pyclass(frozen, module = "compteur.mbus", name = "MbusFrame")]
pub(crate) struct MbusFrame {
    inner: Box<MbusMessage>,
}

#[pymethods]
impl MbusFrame {
    /// The C field.
    #[getter]
    fn c(&self) -> u8 {
        self.inner.c
    }
    /// The A field (primary address).
    #[getter]
    fn a(&self) -> u8 {
        self.inner.a
    }
    /// The CI field.
    #[getter]
    fn ci(&self) -> u8 {
        self.inner.ci
    }
    /// The identification number (8 digits), or None.
    #[getter]
    fn id(&self) -> Option<String> {
        self.inner.id.as_ref().map(|t| t.as_str().to_owned())
    }
    /// The manufacturer's three letters, or None.
    #[getter]
    fn manufacturer(&self) -> Option<String> {
        self.inner
            .manufacturer
            .as_ref()
            .map(|t| t.as_str().to_owned())
    }
    /// The medium (`"water"`, `"gas"`, `"heat_outlet"`, ...), or None.
    #[getter]
    fn medium(&self) -> Option<&'static str> {
        self.inner.medium
    }
    /// The offset of the frame's start byte in the input.
    #[getter]
    fn offset(&self) -> usize {
        self.inner.offset
    }
    /// The version byte of the long data header, or None.
    #[getter]
    fn version(&self) -> Option<u8> {
        self.inner.version
    }
    /// The access number of the data header, or None.
    #[getter]
    fn access_number(&self) -> Option<u8> {
        self.inner.access_number
    }
    /// The status byte of the data header, or None.
    #[getter]
    fn status(&self) -> Option<u8> {
        self.inner.status
    }
    /// The signature word of the data header, or None.
    #[getter]
    fn signature(&self) -> Option<u16> {
        self.inner.signature
    }
    /// The manufacturer-specific data after DIF `0F`/`1F` as hex, or None.
    #[getter]
    fn manufacturer_data(&self) -> Option<&str> {
        self.inner.manufacturer_data.as_deref()
    }
    /// True when the frame ended with DIF `1F`: the slave has more records.
    #[getter]
    fn more_records_follow(&self) -> bool {
        self.inner.more_records_follow
    }
    /// The data records.
    #[getter]
    fn records(&self, py: Python<'_>) -> PyResult<Vec<Py<MbusRecord>>> {
        self.inner
            .records
            .iter()
            .map(|r| Py::new(py, MbusRecord { inner: r.clone() }))
            .collect()
    }
    /// The whole frame as the object `compteur decode --json` prints.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json_value())
    }
    fn __repr__(&self) -> String {
        format!(
            "MbusFrame(a={}, ci=0x{:02X}, records={})",
            self.inner.a,
            self.inner.ci,
            self.inner.records.len()
        )
    }
}

/// One data record of an M-Bus response: `value` scaled to `unit` (numbers) or text,
/// `quantity`, `storage`, `tariff`, `subunit`, `function`, `raw` as sent, and where it is:
/// `offset` in the input, `dib` and `vib` as sent (hex).
#[pyclass(frozen, module = "compteur.mbus", name = "MbusRecord")]
pub(crate) struct MbusRecord {
    inner: e450::push::MbusRecord,
}

#[pymethods]
impl MbusRecord {
    /// The offset of the record's DIF in the input (of the counter, in a fixed structure).
    #[getter]
    fn offset(&self) -> usize {
        self.inner.offset
    }
    /// The DIF and DIFEs as sent, hex (empty in a fixed data structure).
    #[getter]
    fn dib(&self) -> &str {
        self.inner.dib.as_str()
    }
    /// The VIF, VIFEs and plain-text unit as sent, hex (empty in a fixed data structure).
    #[getter]
    fn vib(&self) -> &str {
        self.inner.vib.as_str()
    }
    /// The value scaled to `unit`, or text (strings, dates, binary data as hex); None when
    /// the record has no data.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match &self.inner.value {
            Some(Value::Number(n)) => n.into_pyobject(py)?.into_any(),
            Some(Value::Text(t)) => pyo3::types::PyString::new(py, t.as_str()).into_any(),
            None => py.None().into_bound(py),
        })
    }
    /// The unit symbol of `value` (`m3`, `Wh`, `W`, `°C`, ...), the meter's own text for a
    /// plain-text VIF, or None.
    #[getter]
    fn unit(&self) -> Option<&str> {
        self.inner.unit.as_deref()
    }
    /// What is measured (`volume`, `energy`, `fabrication_number`, ...), or None.
    #[getter]
    fn quantity(&self) -> Option<&str> {
        self.inner.quantity.as_deref()
    }
    /// The storage number.
    #[getter]
    fn storage(&self) -> u64 {
        self.inner.storage
    }
    /// The tariff.
    #[getter]
    fn tariff(&self) -> u32 {
        self.inner.tariff
    }
    /// The subunit.
    #[getter]
    fn subunit(&self) -> u32 {
        self.inner.subunit
    }
    /// `instantaneous`, `maximum`, `minimum` or `error_state`.
    #[getter]
    fn function(&self) -> &'static str {
        self.inner.function
    }
    /// The value as sent (the integer before scaling), or the text; None with no data.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        use e450::reading::Raw;
        Ok(match &self.inner.raw {
            Some(Raw::Int(i)) => i.into_pyobject(py)?.into_any(),
            Some(Raw::UInt(u)) => u.into_pyobject(py)?.into_any(),
            Some(Raw::Float(f)) => f.into_pyobject(py)?.into_any(),
            Some(Raw::Text(t)) => pyo3::types::PyString::new(py, t.as_str()).into_any(),
            None => py.None().into_bound(py),
        })
    }
    /// True when the meter marked the date-time invalid (the IV bit): `value` gives its
    /// fields as sent, but they do not tell a time.
    #[getter]
    fn invalid(&self) -> bool {
        self.inner.invalid
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let value = self
            .value(py)
            .and_then(|v| v.repr().map(|r| r.to_string()))
            .unwrap_or_else(|_| "?".into());
        let r = &self.inner;
        format!(
            "MbusRecord(value={value}, unit={:?}, quantity={:?}, storage={}, tariff={}, function={:?})",
            r.unit.as_deref(),
            r.quantity.as_deref(),
            r.storage,
            r.tariff,
            r.function
        )
    }
}

/// What one feed produced, sorted into the three kinds.
struct Sorted {
    readings: Vec<Reading>,
    mbus: Vec<MbusFrame>,
    errors: Vec<(usize, String)>,
}

fn sort(items: impl IntoIterator<Item = Result<Message, PushError>>) -> Sorted {
    let mut sorted = Sorted {
        readings: Vec::new(),
        mbus: Vec::new(),
        errors: Vec::new(),
    };
    for item in items {
        match item {
            Ok(Message::Reading(inner)) => sorted.readings.push(Reading { inner }),
            Ok(Message::Mbus(inner)) => sorted.mbus.push(MbusFrame { inner }),
            Ok(Message::Encrypted(e)) => sorted.errors.push((
                e.offset,
                format!(
                    "encrypted push (frame counter {}) and no key to decrypt it",
                    e.frame_counter
                ),
            )),
            Err(e) => sorted.errors.push((e.offset(), e.to_string())),
        }
    }
    sorted
}

/// The push listener of the customer information interface: `feed(bytes)` any chunk of the
/// serial stream and get the readings it completed. Damaged and undecryptable messages are
/// skipped and listed in `.errors`, counted in `.stats`; M-Bus responses go to `.mbus`.
#[pyclass(module = "compteur", name = "PushListener")]
pub(crate) struct PushListener {
    inner: Mutex<ListenerState>,
}

struct ListenerState {
    listener: RustListener,
    errors: Vec<(usize, String)>,
    mbus: Vec<Py<MbusFrame>>,
}

impl PushListener {
    fn lock(&self) -> std::sync::MutexGuard<'_, ListenerState> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[pymethods]
impl PushListener {
    /// `key` and `auth_key` as bytes or hex text; `template` a built-in name or TOML text;
    /// `replay_guard` rejects frame counters that do not increase.
    #[new]
    #[pyo3(signature = (key = None, auth_key = None, template = None, *, replay_guard = false))]
    fn py_new(
        key: Option<&Bound<'_, PyAny>>,
        auth_key: Option<&Bound<'_, PyAny>>,
        template: Option<&str>,
        replay_guard: bool,
    ) -> PyResult<Self> {
        let config = config(key, auth_key, template, replay_guard)?;
        Ok(PushListener {
            inner: Mutex::new(ListenerState {
                listener: RustListener::new(config),
                errors: Vec::new(),
                mbus: Vec::new(),
            }),
        })
    }

    /// Feeds bytes from the line; returns the readings completed by them.
    fn feed(&self, py: Python<'_>, data: &[u8]) -> PyResult<Vec<Reading>> {
        let mut state = self.lock();
        state.listener.feed(data);
        let items: Vec<_> = state.listener.messages().collect();
        let sorted = sort(items);
        state.errors.extend(sorted.errors);
        for frame in sorted.mbus {
            state.mbus.push(Py::new(py, frame)?);
        }
        Ok(sorted.readings)
    }

    /// The end of the stream: a message still incomplete (a block transfer cut short) is
    /// reported in `.errors`; returns what this call added.
    fn finish(&self) -> Vec<(usize, String)> {
        let mut state = self.lock();
        let added: Vec<(usize, String)> = state
            .listener
            .finish()
            .into_iter()
            .map(|e| (e.offset(), e.to_string()))
            .collect();
        state.errors.extend(added.iter().cloned());
        added
    }

    /// Damaged or undecryptable messages so far, as `(offset, message)`.
    #[getter]
    fn errors(&self) -> Vec<(usize, String)> {
        self.lock().errors.clone()
    }

    /// Wired M-Bus responses seen so far.
    #[getter]
    fn mbus(&self, py: Python<'_>) -> Vec<Py<MbusFrame>> {
        self.lock().mbus.iter().map(|f| f.clone_ref(py)).collect()
    }

    /// Counters: `frames`, `messages`, `damaged`, `undecryptable`, `bytes_skipped`.
    #[getter]
    fn stats(&self) -> std::collections::HashMap<&'static str, u64> {
        let s = self.lock().listener.stats();
        std::collections::HashMap::from([
            ("frames", s.frames),
            ("messages", s.messages),
            ("damaged", s.damaged),
            ("undecryptable", s.undecryptable),
            ("bytes_skipped", s.bytes_skipped),
        ])
    }
}

/// Decodes a whole captured stream (HDLC frames with garbage between them, M-Bus long frames,
/// a bare APDU, or a bare notification body) to its readings. A damaged message raises nothing: use `PushListener` to
/// see the errors; `strict=True` raises `DecodeError` on the first one instead.
#[pyfunction]
#[pyo3(signature = (data, *, key = None, auth_key = None, template = None, strict = false))]
pub(crate) fn decode_push(
    py: Python<'_>,
    data: &[u8],
    key: Option<&Bound<'_, PyAny>>,
    auth_key: Option<&Bound<'_, PyAny>>,
    template: Option<&str>,
    strict: bool,
) -> PyResult<Vec<Reading>> {
    let config = config(key, auth_key, template, false)?;
    let items = push::decode_capture(data, &config);
    let sorted = sort(items);
    if strict && let Some((offset, message)) = sorted.errors.into_iter().next() {
        return Err(decode_error(py, "push", message, Some(offset)));
    }
    Ok(sorted.readings)
}

/// Decodes one whole wired M-Bus long frame (RSP_UD); raises `DecodeError` otherwise.
#[pyfunction]
pub(crate) fn decode_mbus_frame(py: Python<'_>, data: &[u8]) -> PyResult<MbusFrame> {
    MbusMessage::parse(data)
        .map(|m| MbusFrame { inner: Box::new(m) })
        .map_err(|e| {
            let offset = mbus_error_offset(&e);
            decode_error(py, "mbus", e.to_string(), offset)
        })
}

/// The offset an M-Bus error names, if any.
fn mbus_error_offset(e: &e450::mbus::Error) -> Option<usize> {
    use e450::mbus::Error as E;
    match *e {
        E::BadStart { offset, .. }
        | E::BadSecondStart { offset, .. }
        | E::LengthMismatch { offset, .. }
        | E::LengthTooShort { offset, .. }
        | E::Checksum { offset, .. }
        | E::BadStop { offset, .. }
        | E::TrailingBytes { offset, .. }
        | E::Truncated { offset, .. }
        | E::UnsupportedCi { offset, .. }
        | E::InvalidBcd { offset, .. }
        | E::TooManyDife { offset, .. }
        | E::TooManyVife { offset, .. }
        | E::InvalidLvar { offset, .. }
        | E::Invalid { offset, .. }
        | E::Unexpected { offset, .. } => Some(offset),
        _ => None,
    }
}

/// Many readings as columns (a dict of equal-length lists) for `pandas.DataFrame(...)`:
/// `timestamp`, `serial`, and one column per typed field.
#[pyfunction]
pub(crate) fn readings_to_columns<'py>(
    py: Python<'py>,
    readings: Vec<PyRef<'py, Reading>>,
) -> PyResult<Bound<'py, PyDict>> {
    let columns = PyDict::new(py);
    let timestamps = readings
        .iter()
        .map(|r| timestamp_to_py(py, &r.inner))
        .collect::<PyResult<Vec<_>>>()?;
    columns.set_item("timestamp", timestamps)?;
    columns.set_item(
        "serial",
        readings
            .iter()
            .map(|r| r.inner.serial.as_ref().map(|s| s.as_str().to_owned()))
            .collect::<Vec<_>>(),
    )?;
    type Field = fn(&RustReading) -> Option<f64>;
    let fields: [(&str, Field); 16] = [
        ("active_energy_import", |r| r.active_energy_import),
        ("active_energy_export", |r| r.active_energy_export),
        ("reactive_energy_import", |r| r.reactive_energy_import),
        ("reactive_energy_export", |r| r.reactive_energy_export),
        ("active_power_import", |r| r.active_power_import),
        ("active_power_export", |r| r.active_power_export),
        ("reactive_power_import", |r| r.reactive_power_import),
        ("reactive_power_export", |r| r.reactive_power_export),
        ("voltage_l1", |r| r.voltage[0]),
        ("voltage_l2", |r| r.voltage[1]),
        ("voltage_l3", |r| r.voltage[2]),
        ("current_l1", |r| r.current[0]),
        ("current_l2", |r| r.current[1]),
        ("current_l3", |r| r.current[2]),
        ("power_factor", |r| r.power_factor),
        ("frequency", |r| r.frequency),
    ];
    for (name, get) in fields {
        let column: Vec<Option<f64>> = readings.iter().map(|r| get(&r.inner)).collect();
        columns.set_item(name, column)?;
    }
    Ok(columns)
}

/// Adds the classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Reading>()?;
    m.add_class::<MbusFrame>()?;
    m.add_class::<MbusRecord>()?;
    m.add_class::<PushListener>()?;
    m.add_function(wrap_pyfunction!(decode_push, m)?)?;
    m.add_function(wrap_pyfunction!(decode_mbus_frame, m)?)?;
    m.add_function(wrap_pyfunction!(readings_to_columns, m)?)?;
    Ok(())
}
