//! `compteur.ObisCode`, `compteur.Unit`, `compteur.RegistryEntry` and the registry functions.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use e450::obis::registry::{self, RegistryEntry as Entry};
use e450::obis::{ObisCode as Code, Unit as RustUnit};
use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::decode_error;

/// Parses any textual form of an OBIS code (the same forms as `compteur obis`).
///
/// ```
/// assert_eq!(compteur_python::parse_obis("0100010800FF").unwrap().to_string(), "1-0:1.8.0*255");
/// assert!(compteur_python::parse_obis("1-0:1.8").is_err());
/// ```
///
/// # Errors
/// The text is not an OBIS code; the error says where.
pub fn parse_obis(text: &str) -> Result<Code, e450::obis::ParseError> {
    text.parse::<Code>()
}

/// The offset a parse error points at.
fn parse_error_offset(text: &str, e: e450::obis::ParseError) -> Option<usize> {
    use e450::obis::ParseError as P;
    match e {
        P::InvalidCharacter { offset, .. }
        | P::ValueOutOfRange { offset, .. }
        | P::TrailingInput { offset } => Some(offset),
        P::MissingGroup { .. } => Some(text.len()),
        _ => None,
    }
}

/// An OBIS code: six value groups A-B:C.D.E*F.
#[pyclass(frozen, module = "compteur", name = "ObisCode")]
#[derive(Clone, Copy)]
pub(crate) struct ObisCode {
    pub(crate) code: Code,
}

impl ObisCode {
    pub(crate) fn new_code(code: Code) -> Self {
        ObisCode { code }
    }
}

/// Accepts an `ObisCode`, a `str` in any form, or 6 `bytes`.
pub(crate) fn extract_code(value: &Bound<'_, PyAny>) -> PyResult<Code> {
    if let Ok(code) = value.cast::<ObisCode>() {
        return Ok(code.get().code);
    }
    if let Ok(text) = value.extract::<String>() {
        let text = text.as_str();
        return parse_obis(text).map_err(|e| {
            decode_error(
                value.py(),
                "obis",
                format!("invalid OBIS code {text:?}: {e}"),
                parse_error_offset(text, e),
            )
        });
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Code::parse(bytes.as_bytes()).map_err(|e| {
            decode_error(
                value.py(),
                "obis",
                format!("invalid OBIS code bytes: {e}"),
                None,
            )
        });
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "an OBIS code is given as ObisCode, str or 6 bytes",
    ))
}

#[pymethods]
impl ObisCode {
    /// `ObisCode("1-0:1.8.0")`, `ObisCode("1.8.0")`, `ObisCode(b"\x01\x00\x01\x08\x00\xff")`,
    /// or `ObisCode(1, 0, 1, 8, 0, 255)`.
    #[new]
    #[pyo3(signature = (code, b=None, c=None, d=None, e=None, f=255))]
    fn py_new(
        code: &Bound<'_, PyAny>,
        b: Option<u8>,
        c: Option<u8>,
        d: Option<u8>,
        e: Option<u8>,
        f: u8,
    ) -> PyResult<Self> {
        match (b, c, d, e) {
            (None, None, None, None) => Ok(ObisCode::new_code(extract_code(code)?)),
            (Some(b), Some(c), Some(d), Some(e)) => {
                let a: u8 = code.extract()?;
                Ok(ObisCode::new_code(Code::new(a, b, c, d, e, f)))
            }
            _ => Err(pyo3::exceptions::PyTypeError::new_err(
                "give one OBIS code, or the groups a, b, c, d, e (and f)",
            )),
        }
    }

    /// Value group A (medium).
    #[getter]
    fn a(&self) -> u8 {
        self.code.a()
    }
    /// Value group B (channel).
    #[getter]
    fn b(&self) -> u8 {
        self.code.b()
    }
    /// Value group C (quantity).
    #[getter]
    fn c(&self) -> u8 {
        self.code.c()
    }
    /// Value group D (processing).
    #[getter]
    fn d(&self) -> u8 {
        self.code.d()
    }
    /// Value group E (tariff or classification).
    #[getter]
    fn e(&self) -> u8 {
        self.code.e()
    }
    /// Value group F (billing period; 255 = current).
    #[getter]
    fn f(&self) -> u8 {
        self.code.f()
    }

    /// The six bytes as sent on the wire.
    #[allow(clippy::wrong_self_convention)]
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.code.as_bytes())
    }

    /// The English description (`"Active energy import (+A), total"`).
    fn describe(&self) -> String {
        e450::obis::describe(self.code).to_string()
    }

    /// The reading name (`"active_energy_import"`), or None.
    #[getter]
    fn quantity(&self) -> Option<&'static str> {
        registry::lookup_tolerant(self.code)
            .and_then(|e| e.quantity)
            .map(|q| q.as_str())
    }

    /// The same code with channel B set to 0 (`1-1:1.8.0` → `1-0:1.8.0`).
    fn normalize_channel(&self) -> Self {
        ObisCode::new_code(self.code.normalize_channel())
    }

    fn __str__(&self) -> String {
        self.code.to_string()
    }

    fn __repr__(&self) -> String {
        format!("ObisCode('{}')", self.code)
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.code.hash(&mut h);
        h.finish()
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<ObisCode>() else {
            return Ok(py.NotImplemented());
        };
        let result = op.matches(self.code.cmp(&other.get().code));
        Ok(pyo3::types::PyBool::new(py, result)
            .to_owned()
            .into_any()
            .unbind())
    }

    fn __getnewargs__(&self) -> (String,) {
        (self.code.to_string(),)
    }
}

/// A unit of the DLMS unit table (Blue Book), e.g. `Unit.from_symbol("Wh")`.
#[pyclass(frozen, eq, hash, module = "compteur", name = "Unit")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Unit {
    unit: RustUnit,
}

#[pymethods]
impl Unit {
    /// The unit with this code (`Unit(30)` is Wh).
    #[new]
    fn py_new(code: u8) -> Self {
        Unit {
            unit: RustUnit(code),
        }
    }

    /// The unit with this symbol (`"Wh"`, `"V"`, `"m3"`), or None.
    #[staticmethod]
    fn from_symbol(symbol: &str) -> Option<Self> {
        RustUnit::from_symbol(symbol).map(|unit| Unit { unit })
    }

    /// The code of the unit table.
    #[getter]
    fn code(&self) -> u8 {
        self.unit.0
    }

    /// The symbol (`"Wh"`), or None for an unknown code.
    #[getter]
    fn symbol(&self) -> Option<&'static str> {
        self.unit.symbol()
    }

    /// The name (`"active energy"`), or None for an unknown code.
    #[getter]
    fn name(&self) -> Option<&'static str> {
        self.unit.name()
    }

    fn __str__(&self) -> String {
        self.unit
            .symbol()
            .map_or_else(|| format!("unit {}", self.unit.0), str::to_owned)
    }

    fn __repr__(&self) -> String {
        match self.unit.symbol() {
            Some(s) => format!("Unit({}, {s:?})", self.unit.0),
            None => format!("Unit({})", self.unit.0),
        }
    }
}

/// One object of the E450 registry.
#[pyclass(frozen, module = "compteur", name = "RegistryEntry")]
pub(crate) struct RegistryEntry {
    entry: &'static Entry,
}

#[pymethods]
impl RegistryEntry {
    /// The logical name.
    #[getter]
    fn obis(&self) -> ObisCode {
        ObisCode::new_code(self.entry.code)
    }
    /// The interface class id.
    #[getter]
    fn class_id(&self) -> u16 {
        self.entry.class_id
    }
    /// The interface class name, or None.
    #[getter]
    fn class_name(&self) -> Option<&'static str> {
        registry::class_name(self.entry.class_id)
    }
    /// The attributes that carry the value.
    #[getter]
    fn attributes(&self) -> Vec<i8> {
        self.entry.attributes.to_vec()
    }
    /// The A-XDR type of the value.
    #[getter]
    fn value_type(&self) -> &'static str {
        self.entry.value_type
    }
    /// The unit, or None.
    #[getter]
    fn unit(&self) -> Option<Unit> {
        self.entry.unit().map(|unit| Unit { unit })
    }
    /// The scaler used when a push carries none, or None.
    #[getter]
    fn scaler(&self) -> Option<i8> {
        self.entry.scaler_unit.map(|su| su.scaler)
    }
    /// The reading name, or None.
    #[getter]
    fn quantity(&self) -> Option<&'static str> {
        self.entry.quantity.map(|q| q.as_str())
    }
    /// What the object is.
    #[getter]
    fn description(&self) -> &'static str {
        self.entry.description
    }
    /// `"push"` (seen in real pushes) or `"expected"`.
    #[getter]
    fn seen(&self) -> &'static str {
        self.entry.seen.as_str()
    }
    /// Operators whose pushes carry it.
    #[getter]
    fn seen_in(&self) -> Vec<&'static str> {
        self.entry.seen_in.to_vec()
    }
    /// A remark, or an empty string.
    #[getter]
    fn note(&self) -> &'static str {
        self.entry.note
    }

    fn __repr__(&self) -> String {
        format!(
            "RegistryEntry('{}', class_id={}, description={:?})",
            self.entry.code, self.entry.class_id, self.entry.description
        )
    }
}

/// Every registry entry, sorted by code.
#[pyfunction]
fn registry_entries() -> Vec<RegistryEntry> {
    registry::ENTRIES
        .iter()
        .map(|entry| RegistryEntry { entry })
        .collect()
}

/// The registry entry of a code (with channel-B tolerance unless `exact`), or None.
#[pyfunction]
#[pyo3(signature = (code, *, exact = false))]
fn registry_lookup(code: &Bound<'_, PyAny>, exact: bool) -> PyResult<Option<RegistryEntry>> {
    let code = extract_code(code)?;
    let entry = if exact {
        registry::lookup(code)
    } else {
        registry::lookup_tolerant(code)
    };
    Ok(entry.map(|entry| RegistryEntry { entry }))
}

/// Adds the classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ObisCode>()?;
    m.add_class::<Unit>()?;
    m.add_class::<RegistryEntry>()?;
    m.add_function(wrap_pyfunction!(registry_entries, m)?)?;
    m.add_function(wrap_pyfunction!(registry_lookup, m)?)?;
    Ok(())
}
