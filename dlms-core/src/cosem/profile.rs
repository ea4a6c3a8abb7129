//! Profile generic (7): capture objects, the buffer decoded into typed rows, and a fast path
//! from the A-XDR bytes of the buffer straight to rows.

use alloc::vec::Vec;

use obis::ScalerUnit;

use super::macros::interface_class;
use super::register::{Number, RegisterValue, apply, pow10};
use super::value::enum_newtype;
use super::{ClassId, CosemError};
use crate::apdu::CaptureObject;
use crate::{Data, DateTime, DecodeLimits, Error, Reader, TypeTag};

enum_newtype! {
    /// `sort_method` of a profile.
    SortMethod {
        FIFO = 1, "fifo";
        LIFO = 2, "lifo";
        LARGEST = 3, "largest";
        SMALLEST = 4, "smallest";
        NEAREST_TO_ZERO = 5, "nearest_to_zero";
        FAREST_FROM_ZERO = 6, "farest_from_zero";
    }
}

interface_class! {
    /// Profile generic (class 7, version 1): load profiles, billing values, event logs.
    ///
    /// The buffer (attribute 2) is an array of structures, one field per capture object
    /// (attribute 3). [`ProfileGeneric::columns`] builds the [`ProfileColumns`] that turn rows
    /// into typed values; [`ProfileColumns::decode_buffer`] does it straight from the bytes of
    /// the buffer, without building a [`Data`] tree.
    ///
    /// ```
    /// use dlms::Data;
    /// use dlms::apdu::CaptureObject;
    /// use dlms::cosem::{ProfileGeneric, ProfileValue};
    /// use obis::{ObisCode, ScalerUnit, Unit};
    /// let mut p = ProfileGeneric::new(ObisCode::new(1, 0, 99, 1, 0, 255));
    /// p.capture_objects = Some(vec![
    ///     CaptureObject { class_id: 8, logical_name: ObisCode::new(0, 0, 1, 0, 0, 255), attribute: 2, data_index: 0 },
    ///     CaptureObject { class_id: 3, logical_name: ObisCode::new(1, 0, 1, 8, 0, 255), attribute: 2, data_index: 0 },
    /// ]);
    /// let time = [0x07, 0xE8, 5, 29, 3, 0, 0, 0, 0, 0xFF, 0xC4, 0x80];
    /// p.set_attribute(2, &Data::Array(vec![Data::Structure(vec![
    ///     Data::OctetString(time.to_vec()),
    ///     Data::DoubleLongUnsigned(12_000_000),
    /// ])])).unwrap();
    /// let columns = p.columns(&[None, Some(ScalerUnit { scaler: -3, unit: Unit::WATT_HOUR })]).unwrap();
    /// let rows = p.rows(&columns).unwrap();
    /// assert_eq!(rows[0].timestamp().unwrap().to_string(), "2024-05-29 00:00:00.00 -60min DST");
    /// let ProfileValue::Number(v) = &rows[0].values[1] else { panic!() };
    /// assert_eq!((v.scaled, v.unit), (12_000.0, Unit::WATT_HOUR));
    /// ```
    ProfileGeneric: PROFILE_GENERIC, version 1;
    attributes {
        2 buffer: Vec<Data>;
        3 capture_objects: Vec<CaptureObject>;
        /// Seconds (0 = captured on events only).
        4 capture_period: u32;
        5 sort_method: SortMethod;
        6 sort_object: CaptureObject;
        7 entries_in_use: u32;
        8 profile_entries: u32;
    }
    methods {
        RESET = 1;
        CAPTURE = 2;
    }
}

impl ProfileGeneric {
    /// The columns of the buffer from the capture objects, with one optional scaler and unit
    /// per column (read from attribute 3 of each register). `None` when the capture objects
    /// are not known.
    pub fn columns(&self, scalers: &[Option<ScalerUnit>]) -> Option<ProfileColumns> {
        Some(ProfileColumns::from_capture_objects(
            self.capture_objects.as_deref()?,
            scalers,
        ))
    }

    /// The buffer as typed rows (empty when the buffer was not read).
    pub fn rows(&self, columns: &ProfileColumns) -> Result<Vec<ProfileRow>, CosemError> {
        columns.rows(self.buffer.as_deref().unwrap_or(&[]))
    }
}

/// How to read one column of a profile buffer.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Column {
    /// A date-time (the clock column): 12-byte octet strings and `date-time` values become
    /// [`ProfileValue::DateTime`].
    DateTime,
    /// A number with a scaler and unit: numbers become [`ProfileValue::Number`].
    Scaled(ScalerUnit),
    /// Anything else, kept as [`ProfileValue::Data`].
    Raw,
}

/// One value of a profile row.
#[derive(Clone, PartialEq, Debug)]
pub enum ProfileValue {
    /// A timestamp.
    DateTime(DateTime),
    /// A number with its scaler and unit applied.
    Number(RegisterValue),
    /// A value of a [`Column::Raw`] column, or one that does not have the type of its column
    /// (for example `null-data` in place of a timestamp, as some meters send in compressed
    /// profiles).
    Data(Data),
}

impl ProfileValue {
    /// The timestamp, for a date-time value.
    pub fn as_date_time(&self) -> Option<DateTime> {
        match self {
            ProfileValue::DateTime(d) => Some(*d),
            _ => None,
        }
    }
    /// The scaled number, for a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ProfileValue::Number(v) => Some(v.scaled),
            _ => None,
        }
    }
}

/// One entry of a profile buffer.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ProfileRow {
    /// One value per column.
    pub values: Vec<ProfileValue>,
}

impl ProfileRow {
    /// The first date-time value of the row (the capture time in the usual layout).
    pub fn timestamp(&self) -> Option<DateTime> {
        self.values.iter().find_map(ProfileValue::as_date_time)
    }
}

/// A decoded profile buffer stored flat: one allocation for every value, row after row. The
/// fastest output of [`ProfileColumns::decode_table`].
///
/// ```
/// use dlms::cosem::{Column, ProfileColumns};
/// let cols = ProfileColumns::new(&[Column::Raw, Column::Raw]);
/// // array(2) { {unsigned 1, unsigned 2}, {unsigned 3, unsigned 4} }
/// let t = cols.decode_table(&[0x01, 0x02, 0x02, 0x02, 0x11, 1, 0x11, 2, 0x02, 0x02, 0x11, 3, 0x11, 4]).unwrap();
/// assert_eq!((t.len(), t.width()), (2, 2));
/// assert_eq!(t.row(1).unwrap()[0], dlms::cosem::ProfileValue::Data(dlms::Data::Unsigned(3)));
/// assert_eq!(t.rows().count(), 2);
/// ```
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ProfileTable {
    width: usize,
    rows: usize,
    values: Vec<ProfileValue>,
}

impl ProfileTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }
    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Row `index`.
    pub fn row(&self, index: usize) -> Option<&[ProfileValue]> {
        if index >= self.rows {
            return None;
        }
        let start = index.checked_mul(self.width)?;
        self.values.get(start..start.checked_add(self.width)?)
    }
    /// The rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[ProfileValue]> + '_ {
        (0..self.rows).map(|i| self.row(i).unwrap_or(&[]))
    }
    /// Every value, row after row.
    pub fn values(&self) -> &[ProfileValue] {
        &self.values
    }
    /// One [`ProfileRow`] per row.
    pub fn to_rows(&self) -> Vec<ProfileRow> {
        self.rows()
            .map(|r| ProfileRow { values: r.to_vec() })
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
struct ColumnSpec {
    column: Column,
    /// `10^|scaler|` for scaled columns.
    pow: f64,
}

/// The column layout of a profile buffer: what each field of a row becomes.
///
/// ```
/// use dlms::cosem::{Column, ProfileColumns, ProfileValue};
/// use obis::{ScalerUnit, Unit};
/// let cols = ProfileColumns::new(&[Column::DateTime, Column::Scaled(ScalerUnit { scaler: 0, unit: Unit::WATT_HOUR })]);
/// // array(1) { structure(2) { octet-string(12), double-long-unsigned 42 } }
/// let mut bytes = vec![0x01, 0x01, 0x02, 0x02, 0x09, 0x0C];
/// bytes.extend_from_slice(&[0x07, 0xE8, 5, 29, 3, 0, 15, 0, 0, 0x80, 0x00, 0x00]);
/// bytes.extend_from_slice(&[0x06, 0, 0, 0, 42]);
/// let rows = cols.decode_buffer(&bytes).unwrap();
/// assert_eq!(rows.len(), 1);
/// assert_eq!(rows[0].values[1].as_f64(), Some(42.0));
/// ```
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ProfileColumns {
    specs: Vec<ColumnSpec>,
}

/// Whether a capture object is the time attribute of a clock.
fn is_clock(c: &CaptureObject) -> bool {
    c.class_id == ClassId::CLOCK.0 && c.attribute == 2
}

impl ProfileColumns {
    /// Columns given explicitly.
    pub fn new(columns: &[Column]) -> Self {
        ProfileColumns {
            specs: columns
                .iter()
                .map(|&column| ColumnSpec {
                    column,
                    pow: match column {
                        Column::Scaled(su) => pow10(su.scaler),
                        _ => 1.0,
                    },
                })
                .collect(),
        }
    }

    /// Columns from the capture objects: the clock's time attribute is a [`Column::DateTime`],
    /// a column with a scaler and unit in `scalers` (same index) is [`Column::Scaled`], every
    /// other column [`Column::Raw`].
    pub fn from_capture_objects(objects: &[CaptureObject], scalers: &[Option<ScalerUnit>]) -> Self {
        let cols: Vec<Column> = objects
            .iter()
            .enumerate()
            .map(
                |(i, o)| match (is_clock(o), scalers.get(i).copied().flatten()) {
                    (true, _) => Column::DateTime,
                    (false, Some(su)) => Column::Scaled(su),
                    (false, None) => Column::Raw,
                },
            )
            .collect();
        Self::new(&cols)
    }

    /// The columns.
    pub fn columns(&self) -> impl ExactSizeIterator<Item = Column> + '_ {
        self.specs.iter().map(|s| s.column)
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// One row from its `Data` form (a structure with one field per column).
    pub fn row(&self, row: &Data, index: usize) -> Result<ProfileRow, CosemError> {
        match row {
            Data::Structure(fields) if fields.len() == self.specs.len() => Ok(ProfileRow {
                values: self
                    .specs
                    .iter()
                    .zip(fields)
                    .map(|(s, d)| convert(s, d))
                    .collect(),
            }),
            _ => Err(CosemError::RowShape {
                row: index,
                offset: 0,
                expected: self.specs.len(),
                found: match row {
                    Data::Structure(f) => f.len(),
                    _ => 0,
                },
            }),
        }
    }

    /// Every row of a buffer in `Data` form.
    pub fn rows(&self, buffer: &[Data]) -> Result<Vec<ProfileRow>, CosemError> {
        buffer
            .iter()
            .enumerate()
            .map(|(i, r)| self.row(r, i))
            .collect()
    }

    /// Decodes the A-XDR bytes of a buffer (an array of structures, as returned by a GET of
    /// attribute 2, block transfer reassembled) into rows, without building a [`Data`] tree.
    /// Gives the same rows as [`Data::parse`] followed by [`ProfileColumns::rows`]; trailing
    /// bytes are an error.
    pub fn decode_buffer(&self, bytes: &[u8]) -> Result<Vec<ProfileRow>, CosemError> {
        let mut sink = RowsSink {
            rows: Vec::new(),
            current: Vec::new(),
            width: self.specs.len(),
        };
        self.decode_with(bytes, &mut sink)?;
        Ok(sink.rows)
    }

    /// Like [`decode_buffer`](Self::decode_buffer), into one flat [`ProfileTable`]: a single
    /// allocation for the whole buffer, the fastest way to decode a long profile.
    pub fn decode_table(&self, bytes: &[u8]) -> Result<ProfileTable, CosemError> {
        let mut sink = TableSink {
            values: Vec::new(),
            width: self.specs.len(),
            rows: 0,
        };
        self.decode_with(bytes, &mut sink)?;
        Ok(ProfileTable {
            width: self.specs.len(),
            rows: sink.rows,
            values: sink.values,
        })
    }

    fn decode_with<S: RowSink>(&self, bytes: &[u8], sink: &mut S) -> Result<(), CosemError> {
        let mut c = Cursor {
            len: bytes.len(),
            rest: bytes,
        };
        let tag = c.u8()?;
        let n = match tag {
            0x01 => c.length()?,
            0x13 => {
                // A compact array: decode it in full, then convert.
                let d = Data::parse(bytes)?;
                let rows = d.as_slice().unwrap_or(&[]);
                sink.reserve(rows.len());
                for (index, row) in rows.iter().enumerate() {
                    for v in self.row(row, index)?.values {
                        sink.push(v);
                    }
                    sink.end_row();
                }
                return Ok(());
            }
            _ => {
                return Err(CosemError::Type {
                    class: ClassId::PROFILE_GENERIC,
                    attribute: 2,
                    name: "buffer",
                    expected: "array",
                    found: TypeTag(tag),
                });
            }
        };
        // A row takes at least two bytes: never reserve more than the input can hold.
        sink.reserve(n.min(c.rest.len() / 2));
        for index in 0..n {
            self.read_row(&mut c, index, sink)?;
        }
        if !c.rest.is_empty() {
            return Err(Error::TrailingBytes {
                offset: c.offset(),
                count: c.rest.len(),
            }
            .into());
        }
        Ok(())
    }

    #[inline]
    fn read_row<S: RowSink>(
        &self,
        c: &mut Cursor<'_>,
        index: usize,
        sink: &mut S,
    ) -> Result<(), CosemError> {
        let at = c.offset();
        let ncols = self.specs.len();
        // The common case, a structure with a short-form count.
        let found = match c.rest {
            [0x02, n, ..] if *n < 0x80 => {
                c.advance(2);
                usize::from(*n)
            }
            [0x02, ..] => {
                c.advance(1);
                c.length()?
            }
            _ => {
                // Not a structure: decode it to report what it is (or the codec error).
                let d = c.data()?;
                return Err(CosemError::RowShape {
                    row: index,
                    offset: at,
                    expected: ncols,
                    found: d.as_slice().map_or(0, <[Data]>::len),
                });
            }
        };
        if found != ncols {
            return Err(CosemError::RowShape {
                row: index,
                offset: at,
                expected: ncols,
                found,
            });
        }
        for spec in &self.specs {
            c.value(spec, sink)?;
        }
        sink.end_row();
        Ok(())
    }
}

/// Where decoded values go.
trait RowSink {
    fn reserve(&mut self, rows: usize);
    fn push(&mut self, v: ProfileValue);
    fn end_row(&mut self);
}

struct RowsSink {
    rows: Vec<ProfileRow>,
    current: Vec<ProfileValue>,
    width: usize,
}

impl RowSink for RowsSink {
    fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
    }
    #[inline]
    fn push(&mut self, v: ProfileValue) {
        if self.current.capacity() == 0 {
            self.current.reserve_exact(self.width);
        }
        self.current.push(v);
    }
    #[inline]
    fn end_row(&mut self) {
        self.rows.push(ProfileRow {
            values: core::mem::take(&mut self.current),
        });
    }
}

struct TableSink {
    values: Vec<ProfileValue>,
    width: usize,
    rows: usize,
}

impl RowSink for TableSink {
    fn reserve(&mut self, rows: usize) {
        self.values.reserve(rows.saturating_mul(self.width));
    }
    #[inline]
    fn push(&mut self, v: ProfileValue) {
        self.values.push(v);
    }
    #[inline]
    fn end_row(&mut self) {
        self.rows = self.rows.saturating_add(1);
    }
}

/// The value of one field of a row, in a column (shared by both paths).
fn convert(spec: &ColumnSpec, d: &Data) -> ProfileValue {
    match spec.column {
        Column::DateTime => match d {
            Data::DateTime(t) => ProfileValue::DateTime(*t),
            Data::OctetString(b) => match <[u8; 12]>::try_from(b.as_slice()) {
                Ok(a) => ProfileValue::DateTime(DateTime::from_bytes(a)),
                Err(_) => ProfileValue::Data(d.clone()),
            },
            _ => ProfileValue::Data(d.clone()),
        },
        Column::Scaled(su) => match Number::from_data(d) {
            Some(raw) => ProfileValue::Number(number(raw, su, spec.pow)),
            None => ProfileValue::Data(d.clone()),
        },
        Column::Raw => ProfileValue::Data(d.clone()),
    }
}

#[inline]
fn number(raw: Number, su: ScalerUnit, pow: f64) -> RegisterValue {
    RegisterValue {
        raw,
        scaler: su.scaler,
        unit: su.unit,
        scaled: apply(raw.to_f64(), su.scaler, pow),
    }
}

/// A checked cursor tuned for the row loop.
struct Cursor<'a> {
    len: usize,
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    #[inline]
    fn offset(&self) -> usize {
        self.len.saturating_sub(self.rest.len())
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or(&[]);
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, Error> {
        match self.rest.split_first() {
            Some((b, rest)) => {
                self.rest = rest;
                Ok(*b)
            }
            None => Err(Error::Truncated {
                offset: self.offset(),
                needed: 1,
            }),
        }
    }

    fn length(&mut self) -> Result<usize, Error> {
        let mut r = Reader::with_base(self.rest, self.offset());
        let n = r.length()?;
        self.rest = r.rest();
        Ok(n)
    }

    /// A whole value through the codec.
    fn data(&mut self) -> Result<Data, Error> {
        // The value sits two levels deep in the buffer (array, structure): the same depth limit
        // as when the whole buffer is parsed.
        let limits = DecodeLimits {
            max_depth: DecodeLimits::DEFAULT.max_depth.saturating_sub(2),
            ..DecodeLimits::DEFAULT
        };
        let mut r = Reader::with_base(self.rest, self.offset());
        let d = Data::read_with_limits(&mut r, limits)?;
        self.rest = r.rest();
        Ok(d)
    }

    /// `tag` followed by `N` bytes, consumed when it matches.
    #[inline]
    fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (_, rest) = self.rest.split_first()?;
        let (v, rest) = rest.split_first_chunk::<N>()?;
        self.rest = rest;
        Some(*v)
    }

    #[inline(always)]
    fn value<S: RowSink>(&mut self, spec: &ColumnSpec, sink: &mut S) -> Result<(), CosemError> {
        match spec.column {
            Column::DateTime => match self.rest {
                [0x09, 0x0C, rest @ ..] | [0x19, rest @ ..] => {
                    if let Some((b, rest)) = rest.split_first_chunk::<12>() {
                        self.rest = rest;
                        sink.push(ProfileValue::DateTime(DateTime::from_bytes(*b)));
                        return Ok(());
                    }
                }
                _ => {}
            },
            Column::Scaled(su) => {
                let raw = match self.rest.first() {
                    Some(0x06) => self
                        .fixed::<4>()
                        .map(|b| Number::Unsigned(u64::from(u32::from_be_bytes(b)))),
                    Some(0x05) => self
                        .fixed::<4>()
                        .map(|b| Number::Signed(i64::from(i32::from_be_bytes(b)))),
                    Some(0x12) => self
                        .fixed::<2>()
                        .map(|b| Number::Unsigned(u64::from(u16::from_be_bytes(b)))),
                    Some(0x10) => self
                        .fixed::<2>()
                        .map(|b| Number::Signed(i64::from(i16::from_be_bytes(b)))),
                    Some(0x11 | 0x16 | 0x0D) => {
                        self.fixed::<1>().map(|[b]| Number::Unsigned(u64::from(b)))
                    }
                    Some(0x0F) => self
                        .fixed::<1>()
                        .map(|b| Number::Signed(i64::from(i8::from_be_bytes(b)))),
                    Some(0x14) => self
                        .fixed::<8>()
                        .map(|b| Number::Signed(i64::from_be_bytes(b))),
                    Some(0x15) => self
                        .fixed::<8>()
                        .map(|b| Number::Unsigned(u64::from_be_bytes(b))),
                    Some(0x17) => self
                        .fixed::<4>()
                        .map(|b| Number::Float(f64::from(f32::from_be_bytes(b)))),
                    Some(0x18) => self
                        .fixed::<8>()
                        .map(|b| Number::Float(f64::from_be_bytes(b))),
                    _ => None,
                };
                if let Some(raw) = raw {
                    sink.push(ProfileValue::Number(number(raw, su, spec.pow)));
                    return Ok(());
                }
            }
            Column::Raw => {}
        }
        sink.push(self.slow_value(spec)?);
        Ok(())
    }

    /// Everything the fast cases do not cover (and every truncated value), through the codec.
    #[cold]
    #[inline(never)]
    fn slow_value(&mut self, spec: &ColumnSpec) -> Result<ProfileValue, CosemError> {
        let d = self.data()?;
        Ok(convert(spec, &d))
    }
}
