//! The application-layer encoder: data records (DIF, DIFEs, VIF, VIFEs and data) written from a
//! [`RecordRepr`], the inverse of [`Records`](crate::Records).

use crate::Error;
use crate::datetime::{Date, DateTime, Time};
use crate::record::{DataField, Record, RecordFunction, RecordKind, Text, Value, Vib};
use crate::vif::Vif;

/// The most DIFEs and VIFEs the encoder writes (the bounds of EN 13757-3:2018, also the
/// default bounds of the decoder).
pub const MAX_EXTENSIONS: usize = 10;

/// A data record to write: the emit side of [`Record`].
///
/// The encoder writes the shortest DIFE chain that carries `storage`, `tariff` and `subunit`,
/// sets the extension bits of the VIF and VIFEs itself (the bits of `vifes` are rewritten: set
/// on all but the last) and puts a plain-text unit in the order of the standard (VIFEs, then
/// length and text). Multi-byte data is written least significant byte first.
///
/// The value must be of the type the data field and the VIB give, exactly as the decoder reads
/// it: [`Value::Integer`] for the integer fields (in the signed range of the field),
/// [`Value::Date`], [`Value::Time`] and [`Value::DateTime`] for data fields `2`, `3`, `4`, `6`
/// when the VIF or a combinable VIFE is a time point, [`Value::Real`] for `5`, [`Value::Bcd`] for
/// the BCD fields and for variable-length BCD, [`Value::Text`] and [`Value::Binary`] for
/// variable length, [`Value::None`] for `0` and `8`. Anything else is an [`Error::Invalid`].
///
/// ```
/// use mbus::{DataField, DecodeOptions, RecordRepr, Records, Value, Vif};
/// // 12345 l of water, storage 1, tariff 2: DIF C4 (storage bit, more), DIFE 20, VIF 13, data
/// let rec = RecordRepr {
///     storage: 1,
///     tariff: 2,
///     ..RecordRepr::new(Vif::Primary(0x13), DataField::Int32, Value::Integer(12345))
/// };
/// let mut buf = [0u8; 16];
/// let n = rec.emit(&mut buf).unwrap();
/// assert_eq!(&buf[..n], &[0xC4, 0x20, 0x13, 0x39, 0x30, 0x00, 0x00]);
/// assert_eq!(n, rec.buffer_len());
/// let back = Records::new(&buf[..n], DecodeOptions::STRICT).next().unwrap().unwrap();
/// assert_eq!(back.repr(), rec);
/// ```
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct RecordRepr<'a> {
    /// An ordinary data record, manufacturer data (DIF `0F`/`1F`, must be the last record) or
    /// a global readout request (DIF `7F`). For the last two only `value` is written (the raw
    /// bytes of [`Value::Manufacturer`]; nothing for a readout request).
    pub kind: RecordKind,
    /// Data type and length (DIF bits 3..0).
    pub data_field: DataField,
    /// Function (DIF bits 5..4).
    pub function: RecordFunction,
    /// Storage number.
    pub storage: u64,
    /// Tariff.
    pub tariff: u32,
    /// Subunit.
    pub subunit: u32,
    /// The VIF (with its extension code for `FB`, `FD` and `EF`).
    pub vif: Vif,
    /// Combinable VIFE bytes (extension bits are set by the encoder).
    pub vifes: &'a [u8],
    /// The unit text of a plain-text VIF, last character first as on the wire.
    pub text: Text<'a>,
    /// The value.
    pub value: Value<'a>,
}

impl<'a> RecordRepr<'a> {
    /// An instantaneous data record with storage, tariff and subunit 0 and no VIFEs.
    pub const fn new(vif: Vif, data_field: DataField, value: Value<'a>) -> RecordRepr<'a> {
        RecordRepr {
            kind: RecordKind::Data,
            data_field,
            function: RecordFunction::Instantaneous,
            storage: 0,
            tariff: 0,
            subunit: 0,
            vif,
            vifes: &[],
            text: Text(&[]),
            value,
        }
    }

    /// Manufacturer data to the end of the records: DIF `0F`, or `1F` when the slave has more
    /// records for the next REQ_UD2. The fields are those the decoder reports for these DIFs.
    pub const fn manufacturer_data(data: &'a [u8], more_records_follow: bool) -> RecordRepr<'a> {
        RecordRepr {
            kind: RecordKind::ManufacturerData {
                more_records_follow,
            },
            data_field: DataField::Special,
            function: if more_records_follow {
                RecordFunction::Maximum
            } else {
                RecordFunction::Instantaneous
            },
            storage: 0,
            tariff: 0,
            subunit: 0,
            vif: Vif::Manufacturer,
            vifes: &[],
            text: Text(&[]),
            value: Value::Manufacturer(data),
        }
    }

    /// The global readout request (DIF `7F`) a master sends in an SND_UD.
    pub const fn global_readout() -> RecordRepr<'a> {
        RecordRepr {
            kind: RecordKind::GlobalReadout,
            data_field: DataField::Special,
            function: RecordFunction::ErrorState,
            storage: 1,
            tariff: 0,
            subunit: 0,
            vif: Vif::Manufacturer,
            vifes: &[],
            text: Text(&[]),
            value: Value::None,
        }
    }

    /// Bytes [`emit`](Self::emit) writes (for a record that emits without error).
    pub fn buffer_len(&self) -> usize {
        match self.kind {
            RecordKind::ManufacturerData { .. } => match self.value {
                Value::Manufacturer(b) => b.len().saturating_add(1),
                _ => 1,
            },
            RecordKind::GlobalReadout => 1,
            RecordKind::Data => {
                let vif_len = match self.vif {
                    Vif::Fb(_) | Vif::Fd(_) | Vif::Ef(_) => 2,
                    _ => 1,
                };
                let text_len = if self.vif == Vif::PlainText {
                    self.text.len().saturating_add(1)
                } else {
                    0
                };
                1usize
                    .saturating_add(dife_count(self.storage, self.tariff, self.subunit))
                    .saturating_add(vif_len)
                    .saturating_add(self.vifes.len())
                    .saturating_add(text_len)
                    .saturating_add(self.data_len())
            }
        }
    }

    fn data_len(&self) -> usize {
        match self.data_field.data_len() {
            Some(n) => n,
            None => match self.value {
                Value::Text(t) => t.len().saturating_add(1),
                Value::Binary(b) => b.len().saturating_add(1),
                Value::Bcd(v) => bcd_var_len(v).saturating_add(1),
                _ => 0,
            },
        }
    }

    /// Writes the record to `out`; returns the number of bytes written.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, Error> {
        self.emit_inner(out).map_err(|e| match e {
            Error::BufferTooSmall { needed, len } => Error::BufferTooSmall {
                needed: needed.max(self.buffer_len()),
                len,
            },
            e => e,
        })
    }

    fn emit_inner(&self, out: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer { out, pos: 0 };
        match self.kind {
            RecordKind::ManufacturerData {
                more_records_follow,
            } => {
                let Value::Manufacturer(data) = self.value else {
                    return Err(invalid(
                        0,
                        "value of manufacturer data (raw bytes expected)",
                    ));
                };
                w.byte(if more_records_follow { 0x1F } else { 0x0F })?;
                w.bytes(data)?;
            }
            RecordKind::GlobalReadout => w.byte(0x7F)?,
            RecordKind::Data => self.emit_data_record(&mut w)?,
        }
        Ok(w.pos)
    }

    /// Appends the record to `out`.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        out.resize(start.saturating_add(self.buffer_len()), 0);
        let written = self.emit(out.get_mut(start..).unwrap_or_default());
        match written {
            Ok(n) => {
                out.truncate(start.saturating_add(n));
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    fn emit_data_record(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        // DIF and DIFEs
        let field = data_field_code(self.data_field)
            .ok_or_else(|| invalid(0, "data field F outside manufacturer data"))?;
        let function: u8 = match self.function {
            RecordFunction::Instantaneous => 0,
            RecordFunction::Maximum => 1,
            RecordFunction::Minimum => 2,
            RecordFunction::ErrorState => 3,
        };
        let difes = dife_count(self.storage, self.tariff, self.subunit);
        if difes > MAX_EXTENSIONS {
            return Err(Error::TooManyDife {
                offset: MAX_EXTENSIONS.saturating_add(1),
                limit: MAX_EXTENSIONS,
            });
        }
        let storage_bit = u8::from(self.storage & 1 == 1) << 6;
        let ext = if difes > 0 { 0x80 } else { 0 };
        w.byte(ext | storage_bit | (function << 4) | field)?;
        let (mut storage, mut tariff, mut subunit) = (self.storage >> 1, self.tariff, self.subunit);
        for i in 0..difes {
            let more = if i.saturating_add(1) < difes { 0x80 } else { 0 };
            #[allow(clippy::cast_possible_truncation)] // masked to 4, 2 and 1 bits
            let dife = more
                | (storage & 0x0F) as u8
                | (((tariff & 3) as u8) << 4)
                | (((subunit & 1) as u8) << 6);
            w.byte(dife)?;
            storage >>= 4;
            tariff >>= 2;
            subunit >>= 1;
        }
        // VIF and VIFEs
        let extension_code = matches!(self.vif, Vif::Fb(_) | Vif::Fd(_) | Vif::Ef(_));
        let vife_total = self.vifes.len().saturating_add(usize::from(extension_code));
        if vife_total > MAX_EXTENSIONS {
            return Err(Error::TooManyVife {
                offset: w.pos.saturating_add(MAX_EXTENSIONS).saturating_add(1),
                limit: MAX_EXTENSIONS,
            });
        }
        let more_vifes = if self.vifes.is_empty() { 0 } else { 0x80 };
        let vif_at = w.pos;
        match self.vif {
            // 6F with the extension bit is EF, the code of the reserved third table
            Vif::Primary(0x6F) if !self.vifes.is_empty() => {
                return Err(invalid(
                    vif_at,
                    "primary VIF 6F with VIFEs (EF is the code of the third extension table)",
                ));
            }
            Vif::Primary(c) if c <= 0x7A => w.byte(c | more_vifes)?,
            Vif::Primary(_) => {
                return Err(invalid(
                    vif_at,
                    "primary VIF code (7B..7F are the table extension, plain-text, any and manufacturer codes)",
                ));
            }
            Vif::PlainText => w.byte(0x7C | more_vifes)?,
            Vif::Any => w.byte(0x7E | more_vifes)?,
            Vif::Manufacturer => w.byte(0x7F | more_vifes)?,
            Vif::Fd(c) | Vif::Fb(c) | Vif::Ef(c) => {
                if c > 0x7F {
                    return Err(invalid(
                        vif_at.saturating_add(1),
                        "VIF extension code above 7F",
                    ));
                }
                let table = match self.vif {
                    Vif::Fd(_) => 0xFD,
                    Vif::Fb(_) => 0xFB,
                    _ => 0xEF,
                };
                w.byte(table)?;
                w.byte(c | more_vifes)?;
            }
        }
        let n = self.vifes.len();
        for (i, b) in self.vifes.iter().enumerate() {
            let more = if i.saturating_add(1) < n { 0x80 } else { 0 };
            w.byte((b & 0x7F) | more)?;
        }
        if self.vif == Vif::PlainText {
            let len = u8::try_from(self.text.len())
                .map_err(|_| invalid(w.pos, "plain-text unit longer than 255 bytes"))?;
            w.byte(len)?;
            w.bytes(self.text.0)?;
        }
        // data
        let time_point = Vib::new(self.vif, self.vifes, self.text).is_time_point();
        self.emit_value(w, time_point)
    }

    fn emit_value(&self, w: &mut Writer<'_>, time_point: bool) -> Result<(), Error> {
        let at = w.pos;
        let mismatch = invalid(at, "value for the data field and VIB (wrong type)");
        let df = self.data_field;
        match (df, self.value) {
            (DataField::NoData | DataField::Selection, Value::None) => Ok(()),
            (DataField::Int16, Value::Date(d)) if time_point => w.bytes(&type_g(d, at)?),
            (DataField::Int24, Value::Time(t)) if time_point => w.bytes(&type_j(t, at)?),
            (DataField::Int32, Value::DateTime(dt)) if time_point => w.bytes(&type_f(dt, at)?),
            (DataField::Int48, Value::DateTime(dt)) if time_point => w.bytes(&type_i(dt, at)?),
            (DataField::Int16 | DataField::Int24 | DataField::Int32 | DataField::Int48, _)
                if time_point =>
            {
                Err(invalid(
                    at,
                    "value of a time point (a date, time or date and time)",
                ))
            }
            (
                DataField::Int8
                | DataField::Int16
                | DataField::Int24
                | DataField::Int32
                | DataField::Int48
                | DataField::Int64,
                Value::Integer(v),
            ) => {
                let n = df.data_len().unwrap_or(0);
                if !fits_signed(v, n) {
                    return Err(invalid(at, "integer outside the signed range of its field"));
                }
                w.bytes(v.to_le_bytes().get(..n).unwrap_or_default())
            }
            (DataField::Real32, Value::Real(r)) => w.bytes(&r.to_le_bytes()),
            (
                DataField::Bcd2
                | DataField::Bcd4
                | DataField::Bcd6
                | DataField::Bcd8
                | DataField::Bcd12,
                Value::Bcd(v),
            ) => {
                let n = df.data_len().unwrap_or(0);
                let mut buf = [0u8; 6];
                let digits = buf.get_mut(..n).unwrap_or_default();
                bcd_fixed(v, digits).ok_or_else(|| invalid(at, "BCD value beyond its digits"))?;
                w.bytes(digits)
            }
            (DataField::Variable, Value::Text(t)) => {
                let l = u8::try_from(t.len())
                    .ok()
                    .filter(|l| *l <= 0xBF)
                    .ok_or_else(|| invalid(at, "text longer than 191 bytes"))?;
                w.byte(l)?;
                w.bytes(t.0)
            }
            (DataField::Variable, Value::Binary(b)) => {
                let l = binary_lvar(b.len()).ok_or_else(|| {
                    invalid(
                        at,
                        "binary length (0..15, 16, 20, 24, 28, 32, 48 or 64 bytes)",
                    )
                })?;
                w.byte(l)?;
                w.bytes(b)
            }
            (DataField::Variable, Value::Bcd(v)) => {
                let n = bcd_var_len(v);
                let too_long = invalid(at, "variable-length BCD beyond 18 digits");
                if n > 9 {
                    return Err(too_long);
                }
                let mut buf = [0u8; 9];
                let digits = buf.get_mut(..n).unwrap_or_default();
                bcd_unsigned(v.unsigned_abs(), digits).ok_or(too_long)?;
                #[allow(clippy::cast_possible_truncation)] // n <= 9
                let l = if v < 0 { 0xD0 } else { 0xC0 } | n as u8;
                w.byte(l)?;
                w.bytes(digits)
            }
            _ => Err(mismatch),
        }
    }
}

impl<'a> Record<'a> {
    /// The record as a [`RecordRepr`], ready to be written again.
    ///
    /// ```
    /// use mbus::{DecodeOptions, Records};
    /// let bytes = [0x0C, 0x78, 0x78, 0x56, 0x34, 0x12]; // fabrication number, 8-digit BCD
    /// let rec = Records::new(&bytes, DecodeOptions::STRICT).next().unwrap().unwrap();
    /// let mut out = [0u8; 6];
    /// assert_eq!(rec.repr().emit(&mut out), Ok(6));
    /// assert_eq!(out, bytes);
    /// ```
    pub fn repr(&self) -> RecordRepr<'a> {
        let (vif, vifes, text) = match self.vib {
            Some(v) => (v.vif, v.vifes, v.text),
            None => (Vif::Manufacturer, &[][..], Text(&[])),
        };
        RecordRepr {
            kind: self.kind,
            data_field: self.dib.data_field,
            function: self.dib.function,
            storage: self.dib.storage,
            tariff: self.dib.tariff,
            subunit: self.dib.subunit,
            vif,
            vifes,
            text,
            value: self.value,
        }
    }
}

struct Writer<'b> {
    out: &'b mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) -> Result<(), Error> {
        self.bytes(&[b])
    }

    fn bytes(&mut self, b: &[u8]) -> Result<(), Error> {
        let end = self.pos.saturating_add(b.len());
        let len = self.out.len();
        let dst = self
            .out
            .get_mut(self.pos..end)
            .ok_or(Error::BufferTooSmall { needed: end, len })?;
        dst.copy_from_slice(b);
        self.pos = end;
        Ok(())
    }
}

fn invalid(offset: usize, what: &'static str) -> Error {
    Error::Invalid { offset, what }
}

const fn data_field_code(df: DataField) -> Option<u8> {
    Some(match df {
        DataField::NoData => 0x0,
        DataField::Int8 => 0x1,
        DataField::Int16 => 0x2,
        DataField::Int24 => 0x3,
        DataField::Int32 => 0x4,
        DataField::Real32 => 0x5,
        DataField::Int48 => 0x6,
        DataField::Int64 => 0x7,
        DataField::Selection => 0x8,
        DataField::Bcd2 => 0x9,
        DataField::Bcd4 => 0xA,
        DataField::Bcd6 => 0xB,
        DataField::Bcd8 => 0xC,
        DataField::Variable => 0xD,
        DataField::Bcd12 => 0xE,
        DataField::Special => return None,
    })
}

/// DIFEs needed for the storage bits above the first, the tariff and the subunit.
fn dife_count(storage: u64, tariff: u32, subunit: u32) -> usize {
    let bits = |v: u64| 64usize.saturating_sub(v.leading_zeros() as usize);
    let s = bits(storage >> 1).div_ceil(4);
    let t = bits(u64::from(tariff)).div_ceil(2);
    let u = bits(u64::from(subunit));
    s.max(t).max(u)
}

fn fits_signed(v: i64, bytes: usize) -> bool {
    if bytes >= 8 {
        return true;
    }
    let bits = u32::try_from(bytes.saturating_mul(8)).unwrap_or(64);
    let half = 1i64 << bits.saturating_sub(1).min(62);
    (half.wrapping_neg()..half).contains(&v)
}

/// `v` as BCD in `out` (least significant byte first); a negative value takes `F` in the top
/// nibble.
fn bcd_fixed(v: i64, out: &mut [u8]) -> Option<()> {
    if v >= 0 {
        return bcd_unsigned(v.unsigned_abs(), out);
    }
    let magnitude = v.unsigned_abs();
    bcd_unsigned(magnitude, out)?;
    let top = out.last_mut()?;
    if *top >> 4 != 0 {
        return None;
    }
    *top |= 0xF0;
    Some(())
}

fn bcd_unsigned(mut v: u64, out: &mut [u8]) -> Option<()> {
    for b in out.iter_mut() {
        #[allow(clippy::cast_possible_truncation)] // below 10
        let lo = (v % 10) as u8;
        v /= 10;
        #[allow(clippy::cast_possible_truncation)]
        let hi = (v % 10) as u8;
        v /= 10;
        *b = (hi << 4) | lo;
    }
    (v == 0).then_some(())
}

/// Bytes of a variable-length BCD value (at least one).
fn bcd_var_len(v: i64) -> usize {
    let mut m = v.unsigned_abs();
    let mut digits = 0usize;
    while m > 0 {
        m /= 10;
        digits = digits.saturating_add(1);
    }
    digits.div_ceil(2).max(1)
}

fn binary_lvar(len: usize) -> Option<u8> {
    Some(match len {
        #[allow(clippy::cast_possible_truncation)]
        0..=15 => 0xE0 | len as u8,
        16 => 0xF0,
        20 => 0xF1,
        24 => 0xF2,
        28 => 0xF3,
        32 => 0xF4,
        48 => 0xF5,
        64 => 0xF6,
        _ => return None,
    })
}

/// The 7-bit year and the hundred-year bits for `year` under the century rule of
/// [`datetime`](crate::datetime) (`hy` only where the type has them).
fn year_bits(year: u16, with_hundred_years: bool, at: usize) -> Result<(u8, u8), Error> {
    let y = match year {
        1981..=1999 => year.checked_sub(1900),
        2000..=2080 => year.checked_sub(2000),
        _ => None,
    };
    if let Some(y) = y.and_then(|y| u8::try_from(y).ok()) {
        return Ok((y, 0));
    }
    if with_hundred_years {
        for hy in 1u8..=3 {
            let base = 1900u16.saturating_add(100u16.saturating_mul(u16::from(hy)));
            if let Some(y) = year.checked_sub(base).filter(|y| *y <= 127) {
                #[allow(clippy::cast_possible_truncation)] // at most 127
                return Ok((y as u8, hy));
            }
        }
    }
    Err(invalid(at, "year outside the range of the date type"))
}

fn check(ok: bool, at: usize, what: &'static str) -> Result<(), Error> {
    if ok { Ok(()) } else { Err(invalid(at, what)) }
}

fn check_date(d: Date, at: usize) -> Result<(), Error> {
    check(
        d.month <= 15 && d.day <= 31,
        at,
        "date field beyond its bits",
    )
}

fn type_g(d: Date, at: usize) -> Result<[u8; 2], Error> {
    check_date(d, at)?;
    let (y, _) = year_bits(d.year, false, at)?;
    Ok([d.day | ((y & 0x07) << 5), d.month | ((y & 0x78) << 1)])
}

fn type_j(t: Time, at: usize) -> Result<[u8; 3], Error> {
    check(
        t.second <= 63 && t.minute <= 63 && t.hour <= 31,
        at,
        "time field beyond its bits",
    )?;
    Ok([t.second, t.minute, t.hour])
}

fn type_f(dt: DateTime, at: usize) -> Result<[u8; 4], Error> {
    check_date(dt.date, at)?;
    check(
        dt.time.minute <= 63 && dt.time.hour <= 31,
        at,
        "time field beyond its bits",
    )?;
    check(
        dt.time.second == 0 && dt.weekday == 0 && dt.week == 0,
        at,
        "type F date and time (no seconds, weekday or week)",
    )?;
    let (y, hy) = year_bits(dt.date.year, true, at)?;
    Ok([
        dt.time.minute | if dt.invalid { 0x80 } else { 0 },
        dt.time.hour | (hy << 5) | if dt.summer_time { 0x80 } else { 0 },
        dt.date.day | ((y & 0x07) << 5),
        dt.date.month | ((y & 0x78) << 1),
    ])
}

fn type_i(dt: DateTime, at: usize) -> Result<[u8; 6], Error> {
    check_date(dt.date, at)?;
    check(
        dt.time.second <= 63
            && dt.time.minute <= 63
            && dt.time.hour <= 31
            && dt.weekday <= 7
            && dt.week <= 63,
        at,
        "time field beyond its bits",
    )?;
    let (y, hy) = year_bits(dt.date.year, true, at)?;
    Ok([
        dt.time.second | (hy << 6),
        dt.time.minute | if dt.invalid { 0x80 } else { 0 },
        dt.time.hour | (dt.weekday << 5),
        dt.date.day | ((y & 0x07) << 5),
        dt.date.month | ((y & 0x78) << 1),
        dt.week | if dt.summer_time { 0x40 } else { 0 },
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn dife_counts() {
        assert_eq!(dife_count(0, 0, 0), 0);
        assert_eq!(dife_count(1, 0, 0), 0);
        assert_eq!(dife_count(2, 0, 0), 1);
        assert_eq!(dife_count(0x1F, 0, 0), 1);
        assert_eq!(dife_count(0x20, 0, 0), 2);
        assert_eq!(dife_count(0, 3, 0), 1);
        assert_eq!(dife_count(0, 4, 0), 2);
        assert_eq!(dife_count(0, 0, 2), 2);
    }

    #[test]
    fn bcd_encodings() {
        let mut b = [0u8; 4];
        bcd_fixed(12_345_678, &mut b).unwrap();
        assert_eq!(b, [0x78, 0x56, 0x34, 0x12]);
        bcd_fixed(-1_234_567, &mut b).unwrap();
        assert_eq!(b, [0x67, 0x45, 0x23, 0xF1]);
        assert!(bcd_fixed(-12_345_678, &mut b).is_none());
        assert!(bcd_fixed(100_000_000, &mut b).is_none());
        assert_eq!(bcd_var_len(0), 1);
        assert_eq!(bcd_var_len(99), 1);
        assert_eq!(bcd_var_len(100), 2);
        assert!(fits_signed(-128, 1) && !fits_signed(128, 1) && fits_signed(i64::MIN, 8));
    }

    #[test]
    fn years() {
        assert_eq!(year_bits(2024, false, 0), Ok((24, 0)));
        assert_eq!(year_bits(1999, false, 0), Ok((99, 0)));
        assert!(year_bits(2081, false, 0).is_err());
        assert_eq!(year_bits(2081, true, 0), Ok((81, 1)));
        assert_eq!(year_bits(2327, true, 0), Ok((127, 3)));
        assert!(year_bits(1980, true, 0).is_err());
    }
}
