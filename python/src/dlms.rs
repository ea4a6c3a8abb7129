//! `compteur.dlms`: A-XDR data to native Python values, and COSEM date-times.

use e450::dlms::{ClockStatus, DEVIATION_NOT_SPECIFIED};
use e450::dlms::{Data, DataRef, DecodeLimits, Seq};
use e450::dlms::{Date as RustDate, DateTime as RustDateTime, Time as RustTime};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDate, PyDateTime, PyDelta, PyList, PyTime, PyTuple, PyTzInfo};

use crate::errors::decode_error;

/// A COSEM date-time exactly as sent: every field (None where the meter sent the wildcard
/// `FF`), the deviation in minutes (None = local time) and the clock status bits.
#[pyclass(frozen, eq, hash, module = "compteur.dlms", name = "CosemDateTime")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CosemDateTime {
    pub(crate) value: RustDateTime,
}

#[pymethods]
impl CosemDateTime {
    /// Decodes the 12 bytes of a COSEM date-time.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        RustDateTime::parse(data)
            .map(|value| CosemDateTime { value })
            .map_err(|e| dlms_error(py, &e))
    }
    /// The 12 bytes.
    #[allow(clippy::wrong_self_convention)]
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.value.to_bytes())
    }
    /// The year, or None.
    #[getter]
    fn year(&self) -> Option<u16> {
        self.value.date.year()
    }
    /// The month (1-12), or None.
    #[getter]
    fn month(&self) -> Option<u8> {
        self.value.date.month()
    }
    /// The day of the month, or None.
    #[getter]
    fn day(&self) -> Option<u8> {
        self.value.date.day()
    }
    /// The day of the week (1 = Monday), or None.
    #[getter]
    fn day_of_week(&self) -> Option<u8> {
        self.value.date.day_of_week()
    }
    /// The hour, or None.
    #[getter]
    fn hour(&self) -> Option<u8> {
        self.value.time.hour()
    }
    /// The minute, or None.
    #[getter]
    fn minute(&self) -> Option<u8> {
        self.value.time.minute()
    }
    /// The second, or None.
    #[getter]
    fn second(&self) -> Option<u8> {
        self.value.time.second()
    }
    /// Hundredths of a second, or None.
    #[getter]
    fn hundredths(&self) -> Option<u8> {
        self.value.time.hundredths()
    }
    /// Minutes to add to the local time to get UTC, or None (local time, offset unknown).
    #[getter]
    fn deviation(&self) -> Option<i16> {
        self.value.deviation()
    }
    /// The clock status byte.
    #[getter]
    fn status(&self) -> u8 {
        self.value.status.0
    }
    /// Daylight saving time active (status bit 7).
    #[getter]
    fn dst(&self) -> bool {
        self.value.status.daylight_saving()
    }
    /// The value as a `datetime` (timezone-aware when the deviation is known, naive local time
    /// otherwise), or None when a field is a wildcard.
    #[allow(clippy::wrong_self_convention)]
    fn to_datetime<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        datetime_to_py(py, &self.value)
    }

    fn __repr__(&self) -> String {
        format!("CosemDateTime({})", self.value)
    }

    fn __str__(&self) -> String {
        self.value.to_string()
    }
}

/// A DLMS bit-string: `len(bits)` bits, `bits[0]` the most significant bit of the first byte.
#[pyclass(frozen, eq, module = "compteur.dlms", name = "BitString")]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct BitString {
    /// The bits as `"0"`/`"1"` characters.
    #[pyo3(get)]
    bits: String,
}

#[pymethods]
impl BitString {
    /// A bit-string from `"0"`/`"1"` characters.
    #[new]
    fn py_new(bits: &str) -> PyResult<Self> {
        if bits.chars().all(|c| c == '0' || c == '1') {
            Ok(BitString {
                bits: bits.to_owned(),
            })
        } else {
            Err(pyo3::exceptions::PyValueError::new_err(
                "a bit-string is made of '0' and '1' characters",
            ))
        }
    }
    fn __len__(&self) -> usize {
        self.bits.len()
    }
    fn __getitem__(&self, index: isize) -> PyResult<bool> {
        let len = isize::try_from(self.bits.len()).unwrap_or(isize::MAX);
        let at = if index < 0 {
            index.checked_add(len)
        } else {
            Some(index)
        };
        at.and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.bits.as_bytes().get(i))
            .map(|&b| b == b'1')
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("bit index out of range"))
    }
    fn __repr__(&self) -> String {
        format!("BitString('{}')", self.bits)
    }
}

/// A DLMS decoding error as `DecodeError` with its offset.
pub(crate) fn dlms_error(py: Python<'_>, e: &e450::dlms::Error) -> PyErr {
    decode_error(py, "dlms", e.to_string(), dlms_error_offset(e))
}

/// The offset a DLMS error points at.
pub(crate) fn dlms_error_offset(e: &e450::dlms::Error) -> Option<usize> {
    use e450::dlms::Error as E;
    match *e {
        E::Truncated { offset, .. }
        | E::UnknownTag { offset, .. }
        | E::InvalidLength { offset }
        | E::InvalidValue { offset, .. }
        | E::TrailingBytes { offset, .. }
        | E::LimitExceeded { offset, .. } => Some(offset),
        _ => None,
    }
}

/// How date-times come back from [`data_to_py`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateTimes {
    /// `datetime`/`date`/`time` where every field is given, `CosemDateTime` otherwise.
    Python,
    /// Always `CosemDateTime` (date and time values too, as `CosemDateTime` with the other half
    /// unspecified).
    Raw,
}

fn datetime_to_py<'py>(
    py: Python<'py>,
    value: &RustDateTime,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let (Some(year), Some(month), Some(day)) =
        (value.date.year(), value.date.month(), value.date.day())
    else {
        return Ok(None);
    };
    let (Some(hour), Some(minute)) = (value.time.hour(), value.time.minute()) else {
        return Ok(None);
    };
    let second = value.time.second().unwrap_or(0);
    let micro = u32::from(value.time.hundredths().unwrap_or(0)).saturating_mul(10_000);
    let tz = match value.deviation() {
        Some(deviation) => {
            // UTC = local + deviation, so the offset from UTC is -deviation minutes.
            let delta = PyDelta::new(py, 0, i32::from(deviation).saturating_mul(-60), 0, true)?;
            Some(PyTzInfo::fixed_offset(py, delta)?)
        }
        None => None,
    };
    let year = i32::from(year);
    match PyDateTime::new(
        py,
        year,
        month,
        day,
        hour,
        minute,
        second,
        micro,
        tz.as_ref(),
    ) {
        Ok(dt) => Ok(Some(dt.into_any())),
        // Out-of-range fields (month 13, hour 25, ...): keep the raw value.
        Err(_) => Ok(None),
    }
}

/// A Python `datetime` as a COSEM date-time: naive → deviation not specified (local time),
/// aware → the deviation from its UTC offset; status 0.
pub(crate) fn py_to_datetime(_py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<RustDateTime> {
    if let Ok(raw) = value.cast::<CosemDateTime>() {
        return Ok(raw.get().value);
    }
    let dt = value
        .cast::<PyDateTime>()
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("expected a datetime"))?;
    let get = |name: &str| -> PyResult<i64> { dt.getattr(name)?.extract::<i64>() };
    let narrow =
        |v: i64| u8::try_from(v).map_err(|_| PyValueError::new_err("datetime field out of range"));
    let year =
        u16::try_from(get("year")?).map_err(|_| PyValueError::new_err("year out of range"))?;
    let weekday = narrow(dt.call_method0("isoweekday")?.extract::<i64>()?)?;
    let micro = get("microsecond")?;
    let deviation = match dt.call_method0("utcoffset")? {
        offset if offset.is_none() => DEVIATION_NOT_SPECIFIED,
        offset => {
            let seconds: f64 = offset.call_method0("total_seconds")?.extract()?;
            // UTC = local + deviation: the deviation is minus the offset.
            let minutes = (-seconds / 60.0).round();
            if !(-720.0..=720.0).contains(&minutes) {
                return Err(PyValueError::new_err("UTC offset beyond 12 hours"));
            }
            #[allow(clippy::cast_possible_truncation)]
            let minutes = minutes as i16;
            minutes
        }
    };
    Ok(RustDateTime {
        date: RustDate {
            year,
            month: narrow(get("month")?)?,
            day: narrow(get("day")?)?,
            day_of_week: weekday,
        },
        time: RustTime {
            hour: narrow(get("hour")?)?,
            minute: narrow(get("minute")?)?,
            second: narrow(get("second")?)?,
            hundredths: narrow(micro / 10_000)?,
        },
        deviation,
        status: ClockStatus(0),
    })
}

/// A date-time as `datetime` (when every field is given and `datetimes` is `Python`), else as
/// `CosemDateTime`.
pub(crate) fn datetime_value<'py>(
    py: Python<'py>,
    value: &RustDateTime,
    datetimes: DateTimes,
) -> PyResult<Bound<'py, PyAny>> {
    let converted = if datetimes == DateTimes::Python {
        datetime_to_py(py, value)?
    } else {
        None
    };
    match converted {
        Some(dt) => Ok(dt),
        None => Ok(Bound::new(py, CosemDateTime { value: *value })?.into_any()),
    }
}

fn date_to_py<'py>(py: Python<'py>, value: &RustDate) -> Option<Bound<'py, PyAny>> {
    let year = i32::from(value.year()?);
    PyDate::new(py, year, value.month()?, value.day()?)
        .ok()
        .map(Bound::into_any)
}

fn time_to_py<'py>(py: Python<'py>, value: &RustTime) -> Option<Bound<'py, PyAny>> {
    let micro = u32::from(value.hundredths().unwrap_or(0)).saturating_mul(10_000);
    PyTime::new(
        py,
        value.hour()?,
        value.minute()?,
        value.second().unwrap_or(0),
        micro,
        None,
    )
    .ok()
    .map(Bound::into_any)
}

fn raw_datetime(date: RustDate, time: RustTime) -> RustDateTime {
    RustDateTime {
        date,
        time,
        deviation: DEVIATION_NOT_SPECIFIED,
        status: ClockStatus::NOT_SPECIFIED,
    }
}

/// Text when it is valid (visible-strings are ASCII, utf8-strings UTF-8), bytes otherwise.
fn text_or_bytes<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyAny> {
    match std::str::from_utf8(bytes) {
        Ok(text) => pyo3::types::PyString::new(py, text).into_any(),
        Err(_) => PyBytes::new(py, bytes).into_any(),
    }
}

/// Converts an owned value to native Python objects (through its encoding and the borrowed
/// view, so there is one conversion for both).
pub(crate) fn data_to_py<'py>(
    py: Python<'py>,
    data: &Data,
    datetimes: DateTimes,
) -> PyResult<Bound<'py, PyAny>> {
    let mut encoded = Vec::new();
    data.encode(&mut encoded).map_err(|e| dlms_error(py, &e))?;
    let view = DataRef::parse_with_limits(&encoded, DecodeLimits::default())
        .map_err(|e| dlms_error(py, &e))?;
    dataref_to_py(py, &view, datetimes, &[])
}

/// Converts a borrowed value to native Python objects. In the structures directly inside a
/// top-level array (profile rows), the fields at `datetime_columns` that are 12-byte
/// octet-strings are converted like date-times.
pub(crate) fn dataref_to_py<'py>(
    py: Python<'py>,
    data: &DataRef<'_>,
    datetimes: DateTimes,
    datetime_columns: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match *data {
        DataRef::Null | DataRef::DontCare => py.None().into_bound(py),
        DataRef::Array(items) => {
            let converted = items
                .iter()
                .map(|item| match item {
                    DataRef::Structure(fields) if !datetime_columns.is_empty() => {
                        row_to_py(py, fields, datetimes, datetime_columns)
                    }
                    _ => dataref_to_py(py, &item, datetimes, &[]),
                })
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, converted)?.into_any()
        }
        DataRef::CompactArray(_) => {
            // Rare in practice: expanded through the owned form.
            let owned = data.to_data();
            let Data::CompactArray(compact) = owned else {
                return Ok(py.None().into_bound(py));
            };
            let converted = compact
                .elements
                .iter()
                .map(|item| data_to_py(py, item, datetimes))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, converted)?.into_any()
        }
        DataRef::Structure(items) => {
            let converted = items
                .iter()
                .map(|item| dataref_to_py(py, &item, datetimes, &[]))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, converted)?.into_any()
        }
        DataRef::Boolean(b) => pyo3::types::PyBool::new(py, b).to_owned().into_any(),
        DataRef::BitString(bits, bytes) => {
            let text: String = (0..bits)
                .map(|i| {
                    let set = bytes
                        .get(i / 8)
                        .is_some_and(|byte| byte & (0x80u8 >> (i % 8)) != 0);
                    if set { '1' } else { '0' }
                })
                .collect();
            Bound::new(py, BitString { bits: text })?.into_any()
        }
        DataRef::DoubleLong(v) => v.into_pyobject(py)?.into_any(),
        DataRef::DoubleLongUnsigned(v) => v.into_pyobject(py)?.into_any(),
        DataRef::OctetString(bytes) => PyBytes::new(py, bytes).into_any(),
        DataRef::VisibleString(bytes) | DataRef::Utf8String(bytes) => text_or_bytes(py, bytes),
        DataRef::Bcd(v) | DataRef::Unsigned(v) | DataRef::Enum(v) => {
            v.into_pyobject(py)?.into_any()
        }
        DataRef::Integer(v) => v.into_pyobject(py)?.into_any(),
        DataRef::Long(v) => v.into_pyobject(py)?.into_any(),
        DataRef::LongUnsigned(v) => v.into_pyobject(py)?.into_any(),
        DataRef::Long64(v) => v.into_pyobject(py)?.into_any(),
        DataRef::Long64Unsigned(v) => v.into_pyobject(py)?.into_any(),
        DataRef::Float32(v) => f64::from(v).into_pyobject(py)?.into_any(),
        DataRef::Float64(v) => v.into_pyobject(py)?.into_any(),
        DataRef::DateTime(value) => datetime_value(py, &value, datetimes)?,
        DataRef::Date(value) => {
            match date_to_py(py, &value).filter(|_| datetimes == DateTimes::Python) {
                Some(d) => d,
                None => Bound::new(
                    py,
                    CosemDateTime {
                        value: raw_datetime(value, RustTime::UNSPECIFIED),
                    },
                )?
                .into_any(),
            }
        }
        DataRef::Time(value) => {
            match time_to_py(py, &value).filter(|_| datetimes == DateTimes::Python) {
                Some(t) => t,
                None => Bound::new(
                    py,
                    CosemDateTime {
                        value: raw_datetime(RustDate::UNSPECIFIED, value),
                    },
                )?
                .into_any(),
            }
        }
        // A future variant of the `Data` CHOICE: keep what is known visible rather than lose it.
        _ => py.None().into_bound(py),
    })
}

/// One profile row: the fields at `columns` that are 12-byte octet-strings become date-times.
fn row_to_py<'py>(
    py: Python<'py>,
    fields: Seq<'_>,
    datetimes: DateTimes,
    columns: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let converted = fields
        .iter()
        .enumerate()
        .map(|(i, field)| match field {
            DataRef::OctetString(bytes) if bytes.len() == 12 && columns.contains(&i) => {
                match RustDateTime::parse(bytes) {
                    Ok(dt) => datetime_value(py, &dt, datetimes),
                    Err(_) => Ok(PyBytes::new(py, bytes).into_any()),
                }
            }
            _ => dataref_to_py(py, &field, datetimes, &[]),
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyTuple::new(py, converted)?.into_any())
}

pub(crate) fn parse_datetimes(datetimes: &str) -> PyResult<DateTimes> {
    match datetimes {
        "python" => Ok(DateTimes::Python),
        "raw" => Ok(DateTimes::Raw),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "datetimes must be 'python' or 'raw', not {other:?}"
        ))),
    }
}

/// Decodes one A-XDR value (the whole input) to native Python values: int, float, bytes
/// (octet-string), str (visible/utf8 string), list (array), tuple (structure), bool, None,
/// `datetime`/`date`/`time` (`CosemDateTime` when a field is a wildcard, or always with
/// `datetimes="raw"`), `BitString`.
#[pyfunction]
#[pyo3(signature = (data, *, datetimes = "python"))]
fn decode_data<'py>(py: Python<'py>, data: &[u8], datetimes: &str) -> PyResult<Bound<'py, PyAny>> {
    let mode = parse_datetimes(datetimes)?;
    let value = DataRef::parse_with_limits(data, DecodeLimits::default())
        .map_err(|e| dlms_error(py, &e))?;
    dataref_to_py(py, &value, mode, &[])
}

/// Adds the classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CosemDateTime>()?;
    m.add_class::<BitString>()?;
    m.add_function(wrap_pyfunction!(decode_data, m)?)?;
    Ok(())
}
