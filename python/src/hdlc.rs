//! `compteur.hdlc`: the HDLC stream decoder.

use e450::hdlc::{Address, Control, Error as HdlcError, FrameDecoder as RustDecoder};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::decode_error;

/// One HDLC frame (type 3) as decoded from a stream.
#[pyclass(frozen, module = "compteur.hdlc", name = "Frame")]
pub(crate) struct Frame {
    /// The destination address as `(logical, physical)` (physical None for a one-byte
    /// address such as a client SAP).
    #[pyo3(get)]
    dest: (u16, Option<u16>),
    /// The source address as `(logical, physical)`.
    #[pyo3(get)]
    src: (u16, Option<u16>),
    /// The control byte.
    #[pyo3(get)]
    control: u8,
    /// The segmentation bit of the format field.
    #[pyo3(get)]
    segmented: bool,
    /// The information field.
    info: Vec<u8>,
    /// The frame kind: `"I"`, `"RR"`, `"RNR"`, `"SNRM"`, `"DISC"`, `"UA"`, `"DM"`, `"FRMR"`,
    /// `"UI"`.
    #[pyo3(get)]
    kind: &'static str,
}

fn address_parts(address: Address) -> (u16, Option<u16>) {
    (address.logical(), address.physical())
}

fn kind_name(control: Control) -> &'static str {
    match control {
        Control::I { .. } => "I",
        Control::Rr { .. } => "RR",
        Control::Rnr { .. } => "RNR",
        Control::Snrm { .. } => "SNRM",
        Control::Disc { .. } => "DISC",
        Control::Ua { .. } => "UA",
        Control::Dm { .. } => "DM",
        Control::Frmr { .. } => "FRMR",
        Control::Ui { .. } => "UI",
        _ => "other",
    }
}

/// The offset an HDLC error points at, when it names one.
fn error_offset(e: &HdlcError) -> Option<usize> {
    match *e {
        HdlcError::BadFlag { offset, .. }
        | HdlcError::MissingClosingFlag { offset, .. }
        | HdlcError::BadFormat { offset, .. }
        | HdlcError::FrameTooShort { offset, .. }
        | HdlcError::FrameTooLong { offset, .. }
        | HdlcError::AddressTooLong { offset, .. }
        | HdlcError::BadAddressLength { offset, .. }
        | HdlcError::Truncated { offset, .. }
        | HdlcError::BadParameters { offset, .. } => Some(offset),
        _ => None,
    }
}

fn frame_from(frame: &e450::hdlc::Frame<'_>) -> Frame {
    Frame {
        dest: address_parts(frame.dest),
        src: address_parts(frame.src),
        control: frame.control.to_byte(),
        segmented: frame.segmented,
        info: frame.info.to_vec(),
        kind: kind_name(frame.control),
    }
}

#[pymethods]
impl Frame {
    /// The information field.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.info)
    }

    fn __repr__(&self) -> String {
        format!(
            "Frame(kind={:?}, dest={:?}, src={:?}, info={} bytes)",
            self.kind,
            self.dest,
            self.src,
            self.info.len()
        )
    }
}

/// A resynchronising HDLC stream decoder: `feed(bytes)` any chunk of a serial stream and get
/// the frames completed by it. Damaged frames are skipped and counted in `.errors`.
#[pyclass(module = "compteur.hdlc", name = "FrameDecoder")]
pub(crate) struct FrameDecoder {
    decoder: RustDecoder,
    errors: Vec<(Option<usize>, String)>,
}

#[pymethods]
impl FrameDecoder {
    /// A decoder with the default buffer limit.
    #[new]
    fn py_new() -> Self {
        FrameDecoder {
            decoder: RustDecoder::new(),
            errors: Vec::new(),
        }
    }

    /// Feeds bytes; returns the frames completed by them, in order.
    fn feed(&mut self, data: &[u8]) -> Vec<Frame> {
        self.decoder.feed(data);
        let mut frames = Vec::new();
        while let Some(item) = self.decoder.next_frame() {
            match item {
                Ok(frame) => frames.push(frame_from(&frame)),
                Err(e) => self.errors.push((error_offset(&e), e.to_string())),
            }
        }
        frames
    }

    /// The damaged frames seen so far, as `(offset within the frame or None, message)`.
    #[getter]
    fn errors(&self) -> Vec<(Option<usize>, String)> {
        self.errors.clone()
    }

    /// Counters: `frames`, `bytes_skipped`, `check_failures`, `oversized`.
    #[getter]
    fn stats(&self) -> std::collections::HashMap<&'static str, u64> {
        let s = self.decoder.stats();
        std::collections::HashMap::from([
            ("frames", s.frames),
            ("bytes_skipped", s.bytes_skipped),
            ("check_failures", s.check_failures),
            ("oversized", s.oversized),
        ])
    }
}

/// Parses exactly one HDLC frame (flags included).
#[pyfunction]
fn parse_frame(py: Python<'_>, data: &[u8]) -> PyResult<Frame> {
    let frame = e450::hdlc::Frame::parse(data)
        .map_err(|e| decode_error(py, "hdlc", e.to_string(), error_offset(&e)))?;
    Ok(frame_from(&frame))
}

/// Adds the classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Frame>()?;
    m.add_class::<FrameDecoder>()?;
    m.add_function(wrap_pyfunction!(parse_frame, m)?)?;
    Ok(())
}
