//! `compteur.dlms.decode_apdu`: any DLMS APDU to an `Apdu` with its fields as Python values.

use e450::dlms::DecodeLimits;
use e450::dlms::apdu::{
    Apdu as RustApdu, BlockResult, GetDataResult, GetResponse, Reassembler, SecurityControl,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::dlms::{DateTimes, data_to_py, dataref_to_py, datetime_value, dlms_error};

/// One decoded APDU: its `kind` (`"data-notification"`, `"get-response"`, ...), the `tag`, the
/// invoke id where it has one, and `fields`, a dict of what the APDU carries as Python values.
#[pyclass(frozen, module = "compteur.dlms", name = "Apdu")]
pub(crate) struct Apdu {
    /// The APDU kind, as the Green Book names it (`"get-response"`).
    #[pyo3(get)]
    kind: &'static str,
    /// The first byte.
    #[pyo3(get)]
    tag: u8,
    /// The invoke id, or None.
    #[pyo3(get)]
    invoke_id: Option<u32>,
    /// The fields (see the documentation of `decode_apdu`).
    #[pyo3(get)]
    fields: Py<PyDict>,
}

#[pymethods]
impl Apdu {
    fn __repr__(&self, py: Python<'_>) -> String {
        let keys: Vec<String> = self
            .fields
            .bind(py)
            .keys()
            .iter()
            .map(|k| k.to_string())
            .collect();
        format!(
            "Apdu(kind={:?}, tag=0x{:02X}, invoke_id={:?}, fields=[{}])",
            self.kind,
            self.tag,
            self.invoke_id,
            keys.join(", ")
        )
    }
}

/// The fields of a ciphered APDU: the system title (general ciphering only) and the
/// security header.
fn security<'py>(
    py: Python<'py>,
    fields: &Bound<'py, PyDict>,
    system_title: Option<&[u8; 8]>,
    sc: SecurityControl,
    counter: u32,
    ciphertext: &[u8],
) -> PyResult<()> {
    if let Some(title) = system_title {
        fields.set_item("system_title", PyBytes::new(py, title))?;
    }
    fields.set_item("security_control", sc.0)?;
    fields.set_item("authenticated", sc.authenticated())?;
    fields.set_item("encrypted", sc.encrypted())?;
    fields.set_item("invocation_counter", counter)?;
    fields.set_item("ciphertext", PyBytes::new(py, ciphertext))?;
    Ok(())
}

fn get_result<'py>(py: Python<'py>, result: &GetDataResult) -> PyResult<Bound<'py, PyAny>> {
    Ok(match result {
        GetDataResult::Data(data) => data_to_py(py, data, DateTimes::Python)?,
        GetDataResult::Error(code) => {
            let d = PyDict::new(py);
            d.set_item("error", code.0)?;
            d.set_item("name", code.to_string())?;
            d.into_any()
        }
    })
}

/// Decodes one whole APDU (plain or ciphered; ciphered ones are not decrypted here).
///
/// `fields` by kind: data-notification: `date_time`, `body`; get-response: `result` (the value,
/// or `{"error": code, "name": ...}`), or `results` (with-list), or `last_block`,
/// `block_number`, `raw_data` (with-datablock); ciphered kinds: `system_title` (general
/// ciphering), `security_control`, `authenticated`, `encrypted`, `invocation_counter`,
/// `ciphertext`; general-block-transfer: `last_block`, `streaming`, `window`, `block_number`,
/// `block_number_ack`, `block_data`; exception-response: `state_error`, `service_error`.
/// Other kinds carry `raw` (the APDU bytes).
#[pyfunction]
pub(crate) fn decode_apdu(py: Python<'_>, data: &[u8]) -> PyResult<Apdu> {
    let apdu = RustApdu::parse_with_limits(data, DecodeLimits::default())
        .map_err(|e| dlms_error(py, &e))?;
    let fields = PyDict::new(py);
    let tag = data.first().copied().unwrap_or(0);
    let mut invoke_id = None;
    let kind = match &apdu {
        RustApdu::Aarq(_) => "aarq",
        RustApdu::Aare(_) => "aare",
        RustApdu::Rlrq(_) => "rlrq",
        RustApdu::Rlre(_) => "rlre",
        RustApdu::InitiateRequest(_) => "initiate-request",
        RustApdu::InitiateResponse(_) => "initiate-response",
        RustApdu::ConfirmedServiceError(_) => "confirmed-service-error",
        RustApdu::DataNotification(n) => {
            invoke_id = Some(n.invoke.invoke_id());
            let date_time = match &n.date_time {
                Some(dt) => datetime_value(py, dt, DateTimes::Python)?,
                None => py.None().into_bound(py),
            };
            fields.set_item("date_time", date_time)?;
            fields.set_item("body", data_to_py(py, &n.body, DateTimes::Python)?)?;
            "data-notification"
        }
        RustApdu::GetRequest(_) => "get-request",
        RustApdu::SetRequest(_) => "set-request",
        RustApdu::EventNotification(_) => "event-notification-request",
        RustApdu::ActionRequest(_) => "action-request",
        RustApdu::GetResponse(response) => {
            match response {
                GetResponse::Normal { invoke, result } => {
                    invoke_id = Some(u32::from(invoke.invoke_id()));
                    fields.set_item("result", get_result(py, result)?)?;
                }
                GetResponse::WithList { invoke, results } => {
                    invoke_id = Some(u32::from(invoke.invoke_id()));
                    let list = PyList::empty(py);
                    for result in results {
                        list.append(get_result(py, result)?)?;
                    }
                    fields.set_item("results", list)?;
                }
                GetResponse::WithDataBlock { invoke, block } => {
                    invoke_id = Some(u32::from(invoke.invoke_id()));
                    fields.set_item("last_block", block.last_block)?;
                    fields.set_item("block_number", block.block_number)?;
                    match &block.result {
                        BlockResult::RawData(raw) => {
                            fields.set_item("raw_data", PyBytes::new(py, raw))?;
                        }
                        BlockResult::Error(code) => {
                            fields.set_item("error", code.0)?;
                        }
                    }
                }
            }
            "get-response"
        }
        RustApdu::SetResponse(_) => "set-response",
        RustApdu::ActionResponse(_) => "action-response",
        RustApdu::ExceptionResponse(e) => {
            fields.set_item("state_error", e.state_error)?;
            fields.set_item("service_error", e.service_error)?;
            fields.set_item("invocation_counter", e.invocation_counter)?;
            "exception-response"
        }
        RustApdu::Ciphered(c) => {
            security(
                py,
                &fields,
                None,
                c.security_control,
                c.invocation_counter,
                c.ciphertext,
            )?;
            "ciphered"
        }
        RustApdu::GeneralGloCiphering(g) => {
            security(
                py,
                &fields,
                Some(&g.system_title),
                g.security_control,
                g.invocation_counter,
                g.ciphertext,
            )?;
            "general-glo-ciphering"
        }
        RustApdu::GeneralDedCiphering(g) => {
            security(
                py,
                &fields,
                Some(&g.system_title),
                g.security_control,
                g.invocation_counter,
                g.ciphertext,
            )?;
            "general-ded-ciphering"
        }
        RustApdu::GeneralBlockTransfer(g) => {
            fields.set_item("last_block", g.control.last_block())?;
            fields.set_item("streaming", g.control.streaming())?;
            fields.set_item("window", g.control.window())?;
            fields.set_item("block_number", g.block_number)?;
            fields.set_item("block_number_ack", g.block_number_ack)?;
            fields.set_item("block_data", PyBytes::new(py, g.block_data))?;
            "general-block-transfer"
        }
        _ => "other",
    };
    if fields.is_empty() {
        fields.set_item("raw", PyBytes::new(py, data))?;
    }
    Ok(Apdu {
        kind,
        tag,
        invoke_id,
        fields: fields.unbind(),
    })
}

/// The largest reassembled message `decode_datablocks` accepts: 16 MiB.
const MAX_REASSEMBLED: usize = 16 << 20;

/// Reassembles the data blocks of a GET (`get-response-with-datablock` APDUs, or
/// `general-block-transfer` blocks) and decodes the value they carry, e.g. a profile buffer:
/// an array of row tuples, with `datetime` objects (or `CosemDateTime`, see `decode_data`).
///
/// Profiles carry their clock column as a 12-byte octet-string: `datetime_columns` names the
/// row fields (0-based) to convert like date-times (a profile's capture objects say which:
/// the clock's attribute 2). A field that is not a valid 12-byte date-time stays `bytes`.
///
/// Raises `DecodeError` for a bad APDU (its `.offset` is within that APDU), a missing block, an
/// APDU that is not a data block, or when the last block never comes.
#[pyfunction]
#[pyo3(signature = (apdus, *, datetimes = "python", datetime_columns = Vec::new()))]
pub(crate) fn decode_datablocks<'py>(
    py: Python<'py>,
    apdus: Vec<Vec<u8>>,
    datetimes: &str,
    datetime_columns: Vec<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let mode = crate::dlms::parse_datetimes(datetimes)?;
    let reassembled = py.detach(|| reassemble(&apdus));
    let all = match reassembled {
        Ok(all) => all,
        Err((message, offset)) => {
            return Err(crate::errors::decode_error(py, "dlms", message, offset));
        }
    };
    let view =
        e450::dlms::DataRef::parse_with_limits(&all, DecodeLimits::default()).map_err(|e| {
            crate::errors::decode_error(
                py,
                "dlms",
                format!("reassembled data: {e}"),
                crate::dlms::dlms_error_offset(&e),
            )
        })?;
    dataref_to_py(py, &view, mode, &datetime_columns)
}

/// The GIL-free part of [`decode_datablocks`]: the reassembled bytes, or `(message, offset)`.
fn reassemble(apdus: &[Vec<u8>]) -> Result<Vec<u8>, (String, Option<usize>)> {
    let mut reassembler = Reassembler::new(MAX_REASSEMBLED);
    for (index, bytes) in apdus.iter().enumerate() {
        let apdu = RustApdu::parse(bytes).map_err(|e| {
            (
                format!("APDU {index}: {e}"),
                crate::dlms::dlms_error_offset(&e),
            )
        })?;
        let pushed = match &apdu {
            RustApdu::GetResponse(GetResponse::WithDataBlock { block, .. }) => {
                match &block.result {
                    BlockResult::RawData(raw) => {
                        reassembler.push_block(block.block_number, block.last_block, raw)
                    }
                    BlockResult::Error(code) => {
                        return Err((format!("APDU {index}: the meter answered {code}"), None));
                    }
                }
            }
            RustApdu::GeneralBlockTransfer(gbt) => reassembler.push_gbt(gbt),
            _ => {
                return Err((
                    format!(
                        "APDU {index}: not a data block (tag 0x{:02X})",
                        bytes.first().copied().unwrap_or(0)
                    ),
                    Some(0),
                ));
            }
        };
        match pushed {
            Ok(Some(all)) => {
                if index.saturating_add(1) != apdus.len() {
                    return Err((
                        format!("APDU {index} is the last block, but more APDUs follow"),
                        None,
                    ));
                }
                return Ok(all.to_vec());
            }
            Ok(None) => {}
            Err(e) => return Err((format!("APDU {index}: {e}"), None)),
        }
    }
    Err(("the last block never came".to_owned(), None))
}

/// Adds the class and function to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Apdu>()?;
    m.add_function(wrap_pyfunction!(decode_apdu, m)?)?;
    m.add_function(wrap_pyfunction!(decode_datablocks, m)?)?;
    Ok(())
}
