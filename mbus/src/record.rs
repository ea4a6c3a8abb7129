//! Data records of the variable data structure: DIB (DIF, DIFEs), VIB (VIF, VIFEs, plain
//! text) and the data, decoded lazily by [`Records`].

use crate::Error;
use crate::datetime::{self, Date, DateTime, Time};
use crate::units::SiUnit;
use crate::vif::{Vif, VifInfo, Vife};

/// How plain-text VIFs (`FC` with VIFEs) are laid out.
///
/// EN 13757-3:2018 puts the VIFEs first and the length and text after them; many meters (and
/// libmbus) send the length and text right after the VIF and the VIFEs after the text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PlainTextOrder {
    /// Decide per record: a text of printable characters followed by a VIFE is taken as "text
    /// first", anything else as "VIFEs first".
    #[default]
    Auto,
    /// VIF, VIFEs, length, text (the standard).
    VifeFirst,
    /// VIF, length, text, VIFEs (seen in the field).
    TextFirst,
}

/// Decoder settings. The default is strict with the bounds of EN 13757-3 (10 DIFEs, 10 VIFEs).
///
/// ```
/// let strict = mbus::DecodeOptions::default();
/// assert!(!strict.lenient);
/// let lenient = mbus::DecodeOptions { lenient: true, ..strict };
/// assert_eq!(lenient.max_dife, 10);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DecodeOptions {
    /// Most DIFEs accepted in one record.
    pub max_dife: usize,
    /// Most VIFEs accepted in one record (the first extension byte after `FB`/`FD` counts).
    pub max_vife: usize,
    /// Accept what broken meters send: non-BCD identification numbers; invalid BCD digits (a
    /// "value during error state" is read the way libmbus reads it, any other value is kept as
    /// [`Value::InvalidBcd`]); the extension codes `7B`/`7D` without their extension byte
    /// (kept as a reserved primary VIF). Strict mode rejects all of these. Truncated data is an
    /// error in both modes.
    pub lenient: bool,
    /// Layout of plain-text VIFs.
    pub plain_text: PlainTextOrder,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions::STRICT
    }
}

impl DecodeOptions {
    /// Strict decoding with the standard bounds.
    pub const STRICT: DecodeOptions = DecodeOptions {
        max_dife: 10,
        max_vife: 10,
        lenient: false,
        plain_text: PlainTextOrder::Auto,
    };
    /// Lenient decoding with the standard bounds.
    pub const LENIENT: DecodeOptions = DecodeOptions {
        lenient: true,
        ..DecodeOptions::STRICT
    };
}

/// The data field (DIF bits 3..0): type and length of the data.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DataField {
    /// `0`: no data.
    NoData,
    /// `1`: 8-bit integer.
    Int8,
    /// `2`: 16-bit integer (or date type G).
    Int16,
    /// `3`: 24-bit integer (or time type J).
    Int24,
    /// `4`: 32-bit integer (or date and time type F).
    Int32,
    /// `5`: 32-bit IEEE 754 real.
    Real32,
    /// `6`: 48-bit integer (or date and time type I).
    Int48,
    /// `7`: 64-bit integer.
    Int64,
    /// `8`: selection for readout (no data).
    Selection,
    /// `9`: 2-digit BCD.
    Bcd2,
    /// `A`: 4-digit BCD.
    Bcd4,
    /// `B`: 6-digit BCD.
    Bcd6,
    /// `C`: 8-digit BCD.
    Bcd8,
    /// `D`: variable length, the first data byte (LVAR) gives the length and type.
    Variable,
    /// `E`: 12-digit BCD.
    Bcd12,
    /// `F`: special function (manufacturer data, filler, readout request).
    Special,
}

impl DataField {
    /// From the low nibble of a DIF.
    pub const fn from_dif(dif: u8) -> DataField {
        match dif & 0x0F {
            0x0 => DataField::NoData,
            0x1 => DataField::Int8,
            0x2 => DataField::Int16,
            0x3 => DataField::Int24,
            0x4 => DataField::Int32,
            0x5 => DataField::Real32,
            0x6 => DataField::Int48,
            0x7 => DataField::Int64,
            0x8 => DataField::Selection,
            0x9 => DataField::Bcd2,
            0xA => DataField::Bcd4,
            0xB => DataField::Bcd6,
            0xC => DataField::Bcd8,
            0xD => DataField::Variable,
            0xE => DataField::Bcd12,
            _ => DataField::Special,
        }
    }

    /// Length in bytes of the data; `None` for variable length and special functions.
    pub const fn data_len(self) -> Option<usize> {
        Some(match self {
            DataField::NoData | DataField::Selection => 0,
            DataField::Int8 | DataField::Bcd2 => 1,
            DataField::Int16 | DataField::Bcd4 => 2,
            DataField::Int24 | DataField::Bcd6 => 3,
            DataField::Int32 | DataField::Real32 | DataField::Bcd8 => 4,
            DataField::Int48 | DataField::Bcd12 => 6,
            DataField::Int64 => 8,
            DataField::Variable | DataField::Special => return None,
        })
    }
}

/// The function field (DIF bits 5..4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RecordFunction {
    /// Instantaneous value.
    Instantaneous,
    /// Maximum value.
    Maximum,
    /// Minimum value.
    Minimum,
    /// Value during error state.
    ErrorState,
}

/// The data information block: DIF and DIFEs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Dib {
    /// The DIF byte.
    pub dif: u8,
    /// Data type and length.
    pub data_field: DataField,
    /// Instantaneous, maximum, minimum or value during error state.
    pub function: RecordFunction,
    /// Storage number (DIF bit 6, then 4 bits per DIFE).
    pub storage: u64,
    /// Tariff (2 bits per DIFE).
    pub tariff: u32,
    /// Subunit / device (1 bit per DIFE).
    pub subunit: u32,
    /// Number of DIFEs.
    pub dife_count: usize,
}

/// The value information block.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Vib<'a> {
    /// The primary VIF (with its extension code for `FB`/`FD`).
    pub vif: Vif,
    /// The combinable VIFE bytes, as on the wire (extension bits included).
    pub vifes: &'a [u8],
    /// For [`Vif::PlainText`]: the unit text as on the wire (last character first).
    pub text: Text<'a>,
    /// Quantity, unit and exponent with the multiplicative VIFEs folded in (see
    /// [`Vib::info`]), resolved once when the record is read.
    resolved: VifInfo,
    additive: Option<i8>,
    time_point: bool,
}

impl<'a> Vib<'a> {
    /// A VIB from its parts (the derived information is computed here).
    #[inline]
    pub fn new(vif: Vif, vifes: &'a [u8], text: Text<'a>) -> Vib<'a> {
        let mut v = Vib {
            vif,
            vifes,
            text,
            resolved: vif.info(),
            additive: None,
            time_point: false,
        };
        let mut info = v.resolved;
        let mut time_point = info.quantity.is_time_point();
        let mut additive = None;
        for e in v.combinable() {
            if let Some(x) = e.multiplier_exponent() {
                info.exponent = info.exponent.saturating_add(x);
            }
            if additive.is_none() {
                additive = e.additive_exponent();
            }
            time_point |= e.is_time_point();
        }
        v.resolved = info;
        v.additive = additive;
        v.time_point = time_point;
        v
    }

    /// True when the data is a date and/or time (by the VIF or a combinable VIFE).
    pub fn is_time_point(&self) -> bool {
        self.time_point
    }

    /// The combinable VIFEs, extension bits removed. Interpretation stops after a `7C`
    /// (the next code is from the extension of the combinable table) or a `7F` (manufacturer
    /// specific VIFEs follow); the marker itself is included.
    pub fn combinable(&self) -> impl Iterator<Item = Vife> + 'a {
        let mut stop = false;
        self.vifes.iter().map_while(move |b| {
            if stop {
                return None;
            }
            let v = b & 0x7F;
            stop = v == 0x7C || v == 0x7F;
            Some(Vife(v))
        })
    }

    /// Quantity, unit and exponent, with every multiplicative correction VIFE folded into the
    /// exponent.
    pub fn info(&self) -> VifInfo {
        self.resolved
    }

    /// The additive correction constant (`78`..`7B`), as an exponent of ten in the VIF unit.
    pub fn additive_exponent(&self) -> Option<i8> {
        self.additive
    }

    /// The record error code carried in a VIFE (`00`..`1F`), if any.
    pub fn record_error(&self) -> Option<u8> {
        self.combinable().find_map(|v| v.record_error())
    }
}

/// Text as M-Bus carries it: the last character first. Compare with [`eq_str`](Self::eq_str),
/// iterate with [`chars`](Self::chars).
///
/// ```
/// let t = mbus::Text(b"HR%");
/// assert!(t.eq_str("%RH"));
/// assert_eq!(t.chars().collect::<String>(), "%RH");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Text<'a>(pub &'a [u8]);

impl<'a> Text<'a> {
    /// The characters in reading order (bytes above 0x7F map to U+0080..U+00FF, Latin-1).
    pub fn chars(&self) -> impl Iterator<Item = char> + 'a {
        self.0.iter().rev().map(|&b| char::from(b))
    }

    /// True when the text reads as `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        self.0.len() == s.len() && self.0.iter().rev().eq(s.as_bytes().iter())
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl core::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use core::fmt::Write;
        for c in self.chars() {
            f.write_char(c)?;
        }
        Ok(())
    }
}

/// A decoded record value.
#[derive(Clone, Copy, PartialEq, Debug)]
#[non_exhaustive]
pub enum Value<'a> {
    /// No data (data field `0` or `8`).
    None,
    /// A signed integer (types B, 8 to 64 bits).
    Integer(i64),
    /// A 32-bit real (type H).
    Real(f32),
    /// A BCD number (type A), negative when the top nibble is `F`.
    Bcd(i64),
    /// A date (type G).
    Date(Date),
    /// A date and time (type F or I).
    DateTime(DateTime),
    /// A time of day (type J).
    Time(Time),
    /// Variable-length text (LVAR 00..BF).
    Text(Text<'a>),
    /// Variable-length binary data (LVAR E0..F6), least significant byte first.
    Binary(&'a [u8]),
    /// BCD data with digits above 9 (lenient mode only), raw bytes.
    InvalidBcd(&'a [u8]),
    /// Manufacturer specific data (DIF `0F`/`1F`, VIF `7F`/`FF` blocks), raw bytes.
    Manufacturer(&'a [u8]),
}

impl Value<'_> {
    /// The number, for integer, real and BCD values.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) | Value::Bcd(i) => Some(i as f64),
            Value::Real(r) => Some(f64::from(r)),
            _ => None,
        }
    }

    /// The integer, for integer and BCD values.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Integer(i) | Value::Bcd(i) => Some(i),
            _ => None,
        }
    }
}

/// What kind of record this is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RecordKind {
    /// An ordinary data record with a VIB.
    Data,
    /// DIF `0F` or `1F`: manufacturer specific data up to the end of the user data.
    /// `more_records_follow` is set for `1F` (multi-telegram readout).
    ManufacturerData {
        /// DIF `1F`: the slave has more records for the next REQ_UD2.
        more_records_follow: bool,
    },
    /// DIF `7F`: global readout request (master to slave).
    GlobalReadout,
}

/// One data record.
///
/// ```
/// use mbus::{DecodeOptions, Records};
/// // 84 10 | 13 | 4 data bytes (volume, tariff 1), then 0D | 7C 01 41 | LVAR 02 + "BA".
/// let data = [0x84, 0x10, 0x13, 0x39, 0x30, 0, 0, 0x0D, 0x7C, 0x01, 0x41, 0x02, 0x41, 0x42];
/// let records: Vec<_> = Records::new(&data, DecodeOptions::STRICT).collect::<Result<_, _>>().unwrap();
/// assert_eq!((records[0].dib_bytes, records[0].vib_bytes), (&[0x84, 0x10][..], &[0x13][..]));
/// // The plain-text unit is part of the VIB; the LVAR byte is not.
/// assert_eq!((records[1].dib_bytes, records[1].vib_bytes), (&[0x0D][..], &[0x7C, 0x01, 0x41][..]));
/// assert_eq!(records[1].data, &[0x41, 0x42]);
/// ```
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Record<'a> {
    /// Offset of the DIF in the records area.
    pub offset: usize,
    /// Data or manufacturer data.
    pub kind: RecordKind,
    /// DIF and DIFEs.
    pub dib: Dib,
    /// VIF and VIFEs (`None` for manufacturer data and readout requests).
    pub vib: Option<Vib<'a>>,
    /// The DIF and DIFEs as sent.
    pub dib_bytes: &'a [u8],
    /// The VIF, VIFEs and plain-text unit (with its length byte) as sent; empty for
    /// manufacturer data and readout requests.
    pub vib_bytes: &'a [u8],
    /// The data bytes (after the LVAR byte for variable-length data).
    pub data: &'a [u8],
    /// The decoded value.
    pub value: Value<'a>,
}

/// A value scaled to its unit: durations in seconds, everything else in the VIF's unit
/// without prefix (Wh, m³, W, °C, …).
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Scaled {
    /// The scaled value.
    pub value: f64,
    /// Its unit.
    pub unit: SiUnit,
}

fn pow10(e: i32) -> f64 {
    const T: [f64; 31] = [
        1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
        1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    if let Some(v) = usize::try_from(e.saturating_add(15))
        .ok()
        .and_then(|i| T.get(i))
    {
        return *v;
    }
    // exact for the exponents the tables produce
    let mut r = 1.0f64;
    let mut i = 0;
    let n = e.unsigned_abs();
    while i < n {
        r *= 10.0;
        i = i.saturating_add(1);
    }
    if e < 0 { 1.0 / r } else { r }
}

impl Record<'_> {
    /// Quantity, unit and exponent (multiplicative correction VIFEs included).
    pub fn info(&self) -> Option<VifInfo> {
        self.vib.as_ref().map(Vib::info)
    }

    /// The numeric value scaled and normalised (see [`Scaled`]). `None` for non-numeric values
    /// and records without a VIB.
    ///
    /// ```
    /// use mbus::{DecodeOptions, Records, SiUnit};
    /// // DIF 04 (32-bit), VIF 13 (volume, litres), 12345 l
    /// let rec = Records::new(&[0x04, 0x13, 0x39, 0x30, 0x00, 0x00], DecodeOptions::STRICT)
    ///     .next().unwrap().unwrap();
    /// let s = rec.scaled().unwrap();
    /// assert_eq!(s.unit, SiUnit::CubicMetre);
    /// assert!((s.value - 12.345).abs() < 1e-9);
    /// ```
    #[inline]
    pub fn scaled(&self) -> Option<Scaled> {
        let vib = self.vib.as_ref()?;
        let raw = self.value.as_f64()?;
        let info = vib.resolved;
        let mut value = raw * pow10(i32::from(info.exponent));
        if let Some(add) = vib.additive {
            value += pow10(i32::from(add).saturating_add(i32::from(vib.vif.info().exponent)));
        }
        let (unit, factor) = info.unit.normalised();
        Some(Scaled {
            value: value * factor,
            unit,
        })
    }

    /// The DLMS scaler and unit of the raw value (`value = raw × 10^scaler`), so the DLMS side
    /// of the project shares one representation. `None` when the unit has no DLMS code.
    ///
    /// ```
    /// use mbus::{DecodeOptions, Records};
    /// let rec = Records::new(&[0x04, 0x06, 0x01, 0, 0, 0], DecodeOptions::STRICT).next().unwrap().unwrap();
    /// let su = rec.scaler_unit().unwrap(); // VIF 06 = kWh
    /// assert_eq!((su.scaler, su.unit), (3, obis::Unit::WATT_HOUR));
    /// ```
    pub fn scaler_unit(&self) -> Option<obis::ScalerUnit> {
        let info = self.info()?;
        Some(obis::ScalerUnit {
            scaler: info.exponent,
            unit: info.unit.obis()?,
        })
    }
}

/// A lazy iterator over the data records of a variable data structure.
///
/// Structural errors (truncation, too many DIFEs/VIFEs, a reserved DIF) end the iteration
/// after one `Err` item. A value that cannot be decoded (invalid BCD in strict mode, a reserved
/// LVAR) yields an `Err` item and iteration carries on with the next record. Idle fillers (`2F`)
/// are skipped.
///
/// Offsets in records and errors count from the start of the records area (for a response,
/// [`VariableData::records_offset`](crate::VariableData::records_offset) bytes after the CI
/// field).
///
/// ```
/// use mbus::{DecodeOptions, Records, Value};
/// let data = [0x2F, 0x01, 0xFD, 0x17, 0x00, 0x0C, 0x78, 0x78, 0x56, 0x34, 0x12];
/// let recs: Vec<_> = Records::new(&data, DecodeOptions::STRICT).collect::<Result<_, _>>().unwrap();
/// assert_eq!(recs.len(), 2);
/// assert_eq!(recs[1].value, Value::Bcd(12345678));
/// ```
#[derive(Clone, Debug)]
pub struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    opts: DecodeOptions,
    msb_first: bool,
    done: bool,
    more_records_follow: bool,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self, what: &'static str) -> Result<u8, Error> {
        let b = *self.data.get(self.pos).ok_or(Error::Truncated {
            offset: self.pos,
            needed: 1,
            what,
        })?;
        self.pos = self.pos.saturating_add(1);
        Ok(b)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.data.get(self.pos.saturating_add(ahead)).copied()
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let end = self.pos.saturating_add(n);
        let s = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| Error::Truncated {
                offset: self.pos,
                needed: end.saturating_sub(self.data.len()),
                what,
            })?;
        self.pos = end;
        Ok(s)
    }

    /// A VIFE chain starting at the cursor while `more` is set; returns the bytes.
    fn vife_chain(
        &mut self,
        mut more: bool,
        count: &mut usize,
        limit: usize,
    ) -> Result<&'a [u8], Error> {
        let start = self.pos;
        while more {
            if *count >= limit {
                return Err(Error::TooManyVife {
                    offset: self.pos,
                    limit,
                });
            }
            let b = self.byte("VIFE")?;
            *count = count.saturating_add(1);
            more = b & 0x80 != 0;
        }
        Ok(self.data.get(start..self.pos).unwrap_or_default())
    }
}

impl<'a> Records<'a> {
    /// Records in `data` (the bytes after the data header), least significant byte first.
    pub fn new(data: &'a [u8], opts: DecodeOptions) -> Self {
        Records {
            data,
            pos: 0,
            opts,
            msb_first: false,
            done: false,
            more_records_follow: false,
        }
    }

    /// Records whose multi-byte values are sent most significant byte first (CI `76`).
    pub fn new_msb_first(data: &'a [u8], opts: DecodeOptions) -> Self {
        Records {
            msb_first: true,
            ..Records::new(data, opts)
        }
    }

    /// True once a DIF `1F` was seen: the slave has more records (send another REQ_UD2).
    pub fn more_records_follow(&self) -> bool {
        self.more_records_follow
    }

    #[inline(always)]
    fn read(&mut self) -> Option<Result<Record<'a>, Error>> {
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                }
            };
        }
        let mut c = Cursor {
            data: self.data,
            pos: self.pos,
        };
        // idle fillers
        while c.peek(0) == Some(0x2F) {
            c.pos = c.pos.saturating_add(1);
        }
        self.pos = c.pos;
        let offset = c.pos;
        let Ok(dif) = c.byte("DIF") else {
            self.done = true;
            return None;
        };
        let function = match (dif >> 4) & 3 {
            0 => RecordFunction::Instantaneous,
            1 => RecordFunction::Maximum,
            2 => RecordFunction::Minimum,
            _ => RecordFunction::ErrorState,
        };
        let data_field = DataField::from_dif(dif);
        let mut dib = Dib {
            dif,
            data_field,
            function,
            storage: u64::from((dif >> 6) & 1),
            tariff: 0,
            subunit: 0,
            dife_count: 0,
        };
        if data_field == DataField::Special {
            return match dif {
                0x0F | 0x1F => {
                    let rest = c.data.get(c.pos..).unwrap_or_default();
                    self.pos = self.data.len();
                    self.done = true;
                    let more = dif == 0x1F;
                    self.more_records_follow |= more;
                    Some(Ok(Record {
                        offset,
                        kind: RecordKind::ManufacturerData {
                            more_records_follow: more,
                        },
                        dib,
                        vib: None,
                        dib_bytes: c.data.get(offset..c.pos).unwrap_or_default(),
                        vib_bytes: &[],
                        data: rest,
                        value: Value::Manufacturer(rest),
                    }))
                }
                0x7F => {
                    self.pos = c.pos;
                    Some(Ok(Record {
                        offset,
                        kind: RecordKind::GlobalReadout,
                        dib,
                        vib: None,
                        dib_bytes: c.data.get(offset..c.pos).unwrap_or_default(),
                        vib_bytes: &[],
                        data: &[],
                        value: Value::None,
                    }))
                }
                _ => {
                    self.done = true;
                    Some(Err(Error::Invalid {
                        offset,
                        what: "reserved special-function DIF",
                    }))
                }
            };
        }
        // DIFEs
        let mut more = dif & 0x80 != 0;
        let mut i: u32 = 0;
        while more {
            if dib.dife_count >= self.opts.max_dife {
                self.done = true;
                return Some(Err(Error::TooManyDife {
                    offset: c.pos,
                    limit: self.opts.max_dife,
                }));
            }
            let at = c.pos;
            let dife = tri!(c.byte("DIFE"));
            more = dife & 0x80 != 0;
            let storage = u64::from(dife & 0x0F);
            let tariff = u32::from((dife >> 4) & 3);
            let subunit = u32::from((dife >> 6) & 1);
            let overflow = Error::Invalid {
                offset: at,
                what: "DIFE chain (storage, tariff or subunit beyond 64 bits)",
            };
            let sh = i.saturating_mul(4).saturating_add(1);
            dib.storage |= tri!(shl64(storage, sh).ok_or(overflow));
            dib.tariff |= tri!(shl32(tariff, i.saturating_mul(2)).ok_or(overflow));
            dib.subunit |= tri!(shl32(subunit, i).ok_or(overflow));
            dib.dife_count = dib.dife_count.saturating_add(1);
            i = i.saturating_add(1);
        }
        let dib_end = c.pos;
        // VIF and VIFEs
        let vib = tri!(self.read_vib(&mut c));
        let vib_bytes = c.data.get(dib_end..c.pos).unwrap_or_default();
        // data
        let (data, lvar) = match data_field.data_len() {
            Some(n) => (tri!(c.take(n, "data")), None),
            None => {
                let at = c.pos;
                let l = tri!(c.byte("LVAR"));
                let (n, kind) = tri!(lvar_kind(l).ok_or(Error::InvalidLvar {
                    offset: at,
                    found: l,
                }));
                (tri!(c.take(n, "variable-length data")), Some(kind))
            }
        };
        self.pos = c.pos;
        let error_state = function == RecordFunction::ErrorState;
        let value = decode_value(
            data_field,
            lvar,
            &vib,
            data,
            self.msb_first,
            self.opts.lenient,
            error_state,
        )
        .map_err(|e| match e {
            Error::InvalidBcd { offset: o, found } => Error::InvalidBcd {
                offset: c.pos.saturating_sub(data.len()).saturating_add(o),
                found,
            },
            e => e,
        });
        Some(value.map(|value| Record {
            offset,
            kind: RecordKind::Data,
            dib,
            vib: Some(vib),
            dib_bytes: c.data.get(offset..dib_end).unwrap_or_default(),
            vib_bytes,
            data,
            value,
        }))
    }

    #[inline]
    fn read_vib(&self, c: &mut Cursor<'a>) -> Result<Vib<'a>, Error> {
        let at = c.pos;
        let vif = c.byte("VIF")?;
        let limit = self.opts.max_vife;
        let mut count = 0usize;
        let ext = vif & 0x80 != 0;
        let code = vif & 0x7F;
        let mut text = Text::default();
        let vif_kind = match vif {
            0xFB | 0xFD | 0xEF => {
                if limit == 0 {
                    return Err(Error::TooManyVife {
                        offset: c.pos,
                        limit,
                    });
                }
                let e = c.byte("VIFE")?;
                count = 1;
                let vifes = c.vife_chain(e & 0x80 != 0, &mut count, limit)?;
                let kind = match vif {
                    0xFB => Vif::Fb(e & 0x7F),
                    0xFD => Vif::Fd(e & 0x7F),
                    _ => Vif::Ef(e & 0x7F),
                };
                return Ok(Vib::new(kind, vifes, text));
            }
            0x7B | 0x7D if !self.opts.lenient => {
                return Err(Error::Invalid {
                    offset: at,
                    what: "VIF extension code without its extension byte",
                });
            }
            0x7C => {
                let l = c.byte("plain-text length")?;
                text = Text(c.take(usize::from(l), "plain-text VIF")?);
                return Ok(Vib::new(Vif::PlainText, &[], text));
            }
            0xFC => {
                let text_first = match self.opts.plain_text {
                    PlainTextOrder::TextFirst => true,
                    PlainTextOrder::VifeFirst => false,
                    PlainTextOrder::Auto => looks_text_first(c),
                };
                if text_first {
                    let l = c.byte("plain-text length")?;
                    text = Text(c.take(usize::from(l), "plain-text VIF")?);
                    let vifes = c.vife_chain(true, &mut count, limit)?;
                    return Ok(Vib::new(Vif::PlainText, vifes, text));
                }
                let vifes = c.vife_chain(true, &mut count, limit)?;
                let l = c.byte("plain-text length")?;
                text = Text(c.take(usize::from(l), "plain-text VIF")?);
                return Ok(Vib::new(Vif::PlainText, vifes, text));
            }
            _ if code == 0x7E => Vif::Any,
            _ if code == 0x7F => Vif::Manufacturer,
            _ => Vif::Primary(code),
        };
        let vifes = c.vife_chain(ext, &mut count, limit)?;
        Ok(Vib::new(vif_kind, vifes, text))
    }
}

/// Plain text after `FC`: "length, printable text, then a VIFE" is taken as text first.
fn looks_text_first(c: &Cursor<'_>) -> bool {
    let Some(l) = c.peek(0) else { return false };
    if l & 0x80 != 0 || l == 0 {
        return false;
    }
    let start = c.pos.saturating_add(1);
    let end = start.saturating_add(usize::from(l));
    let Some(text) = c.data.get(start..end) else {
        return false;
    };
    text.iter().all(|b| (0x20..0x7F).contains(b)) && c.data.get(end).is_some()
}

fn shl64(v: u64, sh: u32) -> Option<u64> {
    if v == 0 {
        Some(0)
    } else if sh < 64 && (v << sh) >> sh == v {
        Some(v << sh)
    } else {
        None
    }
}

fn shl32(v: u32, sh: u32) -> Option<u32> {
    if v == 0 {
        Some(0)
    } else if sh < 32 && (v << sh) >> sh == v {
        Some(v << sh)
    } else {
        None
    }
}

#[derive(Clone, Copy)]
enum Lvar {
    Text,
    Bcd { negative: bool },
    Binary,
}

fn lvar_kind(l: u8) -> Option<(usize, Lvar)> {
    let n = usize::from(l);
    Some(match l {
        0x00..=0xBF => (n, Lvar::Text),
        0xC0..=0xC9 => (n.saturating_sub(0xC0), Lvar::Bcd { negative: false }),
        0xD0..=0xD9 => (n.saturating_sub(0xD0), Lvar::Bcd { negative: true }),
        0xE0..=0xEF => (n.saturating_sub(0xE0), Lvar::Binary),
        0xF0..=0xF4 => (n.saturating_sub(0xEC).saturating_mul(4), Lvar::Binary),
        0xF5 => (48, Lvar::Binary),
        0xF6 => (64, Lvar::Binary),
        _ => return None,
    })
}

#[inline]
fn int_le(data: &[u8], msb_first: bool) -> i64 {
    let mut v: u64 = 0;
    let n = data.len();
    let mut fold = |b: u8| v = (v << 8) | u64::from(b);
    if msb_first {
        data.iter().for_each(|&b| fold(b));
    } else {
        data.iter().rev().for_each(|&b| fold(b));
    }
    if n == 0 || n >= 8 {
        #[allow(clippy::cast_possible_wrap)]
        return v as i64;
    }
    let bits = (n as u32).saturating_mul(8);
    let shift = 64u32.saturating_sub(bits);
    #[allow(clippy::cast_possible_wrap)]
    let signed = ((v << shift) as i64) >> shift;
    signed
}

/// BCD digits, least significant byte first; `F` in the top nibble means negative.
#[inline]
pub(crate) fn bcd(data: &[u8], msb_first: bool, allow_sign: bool) -> Result<i64, Error> {
    let n = data.len();
    let mut v: i64 = 0;
    let mut negative = false;
    let overflow = Error::Invalid {
        offset: 0,
        what: "BCD number beyond 18 digits",
    };
    for k in 0..n {
        // k-th most significant byte
        let idx = if msb_first {
            k
        } else {
            n.saturating_sub(1).saturating_sub(k)
        };
        let b = *data.get(idx).unwrap_or(&0);
        let mut hi = b >> 4;
        let lo = b & 0x0F;
        if k == 0 && hi == 0xF && allow_sign {
            negative = true;
            hi = 0;
        }
        if hi > 9 || lo > 9 {
            return Err(Error::InvalidBcd {
                offset: idx,
                found: b,
            });
        }
        v = v
            .checked_mul(100)
            .and_then(|v| v.checked_add(i64::from(hi.wrapping_mul(10).wrapping_add(lo))))
            .ok_or(overflow)?;
    }
    Ok(if negative { v.wrapping_neg() } else { v })
}

#[inline(always)]
fn decode_value<'a>(
    df: DataField,
    lvar: Option<Lvar>,
    vib: &Vib<'a>,
    data: &'a [u8],
    msb_first: bool,
    lenient: bool,
    error_state: bool,
) -> Result<Value<'a>, Error> {
    let time_point = vib.time_point;
    let bcd_value = |data: &'a [u8]| match bcd(data, msb_first, true) {
        Ok(v) => Ok(Value::Bcd(v)),
        Err(Error::InvalidBcd { .. }) if lenient && error_state => {
            Ok(Value::Bcd(bcd_error_state(data, msb_first)))
        }
        Err(Error::InvalidBcd { .. }) if lenient => Ok(Value::InvalidBcd(data)),
        Err(e) => Err(e),
    };
    Ok(match df {
        DataField::NoData | DataField::Selection | DataField::Special => Value::None,
        DataField::Int16 if time_point => {
            let b = fixed::<2>(data, msb_first);
            Value::Date(datetime::decode_g(b))
        }
        DataField::Int24 if time_point => {
            Value::Time(datetime::decode_j(fixed::<3>(data, msb_first)))
        }
        DataField::Int32 if time_point => {
            Value::DateTime(datetime::decode_f(fixed::<4>(data, msb_first)))
        }
        DataField::Int48 if time_point => {
            Value::DateTime(datetime::decode_i(fixed::<6>(data, msb_first)))
        }
        DataField::Int8
        | DataField::Int16
        | DataField::Int24
        | DataField::Int32
        | DataField::Int48
        | DataField::Int64 => Value::Integer(int_le(data, msb_first)),
        DataField::Real32 => {
            let mut b = fixed::<4>(data, false);
            if msb_first {
                b.reverse();
            }
            Value::Real(f32::from_le_bytes(b))
        }
        DataField::Bcd2
        | DataField::Bcd4
        | DataField::Bcd6
        | DataField::Bcd8
        | DataField::Bcd12 => bcd_value(data)?,
        DataField::Variable => match lvar {
            Some(Lvar::Text) => Value::Text(Text(data)),
            Some(Lvar::Binary) => Value::Binary(data),
            Some(Lvar::Bcd { negative }) => match bcd(data, msb_first, false) {
                Ok(v) => Value::Bcd(if negative { v.wrapping_neg() } else { v }),
                Err(Error::InvalidBcd { .. }) if lenient => Value::InvalidBcd(data),
                Err(e) => return Err(e),
            },
            None => Value::None,
        },
    })
}

/// Lenient reading of a "value during error state" whose BCD digits include hex codes
/// (meters put display codes there): a high nibble above 9 counts as 0, a low nibble counts
/// with its value. This is the reading of libmbus, the de-facto reference decoder, so that both
/// report the same number; the value is flagged as an error-state value anyway.
fn bcd_error_state(data: &[u8], msb_first: bool) -> i64 {
    let n = data.len();
    let mut v: i64 = 0;
    for k in 0..n {
        let idx = if msb_first {
            k
        } else {
            n.saturating_sub(1).saturating_sub(k)
        };
        let b = *data.get(idx).unwrap_or(&0);
        let hi = if b >> 4 > 9 { 0 } else { i64::from(b >> 4) };
        let lo = i64::from(b & 0x0F);
        v = v
            .saturating_mul(10)
            .saturating_add(hi)
            .saturating_mul(10)
            .saturating_add(lo);
    }
    v
}

/// The first N bytes in little-endian order (zero padded; callers pass exactly N bytes).
fn fixed<const N: usize>(data: &[u8], msb_first: bool) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(data.iter()) {
        *o = *b;
    }
    if msb_first {
        out.reverse();
    }
    out
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, Error>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.read()
    }
}

impl core::iter::FusedIterator for Records<'_> {}
