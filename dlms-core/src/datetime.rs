//! COSEM `date`, `time` and `date-time` (IEC 62056-6-2 4.1.6.1) with wildcards, deviation and
//! clock status, and conversion to seconds since the Unix epoch.

use core::fmt;

use crate::Error;

/// The "not specified" value of one byte fields (`FF`).
pub const NOT_SPECIFIED: u8 = 0xFF;

/// A COSEM date: 5 bytes `year(u16) month day day-of-week`; `FF`/`FFFF` mean "not specified".
///
/// Months `0xFD`/`0xFE` are "daylight saving end/begin", days `0xFD`/`0xFE` "second last/last
/// day of the month"; they are kept as they are.
///
/// ```
/// use dlms::Date;
/// let d = Date::parse(&[0x07, 0xE5, 0x07, 0x06, 0x02]).unwrap();
/// assert_eq!((d.year(), d.month(), d.day(), d.day_of_week()), (Some(2021), Some(7), Some(6), Some(2)));
/// assert_eq!(d.to_bytes(), [0x07, 0xE5, 0x07, 0x06, 0x02]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Date {
    /// Year, `0xFFFF` = not specified.
    pub year: u16,
    /// Month 1..=12, `0xFD`, `0xFE`, `0xFF` = not specified.
    pub month: u8,
    /// Day of month 1..=31, `0xFD`, `0xFE`, `0xFF` = not specified.
    pub day: u8,
    /// Day of week 1 (Monday) ..= 7 (Sunday), `0xFF` = not specified.
    pub day_of_week: u8,
}

/// A COSEM time: 4 bytes `hour minute second hundredths`; `FF` means "not specified".
///
/// ```
/// use dlms::Time;
/// let t = Time::parse(&[14, 58, 18, 0xFF]).unwrap();
/// assert_eq!((t.hour(), t.hundredths()), (Some(14), None));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Time {
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59.
    pub second: u8,
    /// Hundredths of a second 0..=99.
    pub hundredths: u8,
}

/// The clock status byte of a date-time.
///
/// ```
/// use dlms::ClockStatus;
/// let s = ClockStatus(0x81);
/// assert!(s.daylight_saving() && s.invalid());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClockStatus(pub u8);

impl ClockStatus {
    /// Bit 0: invalid value. Landis+Gyr meters set it on good timestamps; do not drop them.
    pub const INVALID_VALUE: u8 = 0x01;
    /// Bit 1: doubtful value.
    pub const DOUBTFUL_VALUE: u8 = 0x02;
    /// Bit 2: different clock base.
    pub const DIFFERENT_CLOCK_BASE: u8 = 0x04;
    /// Bit 3: invalid clock status.
    pub const INVALID_CLOCK_STATUS: u8 = 0x08;
    /// Bit 7: daylight saving active.
    pub const DAYLIGHT_SAVING_ACTIVE: u8 = 0x80;
    /// The value `0xFF`: status not specified.
    pub const NOT_SPECIFIED: ClockStatus = ClockStatus(0xFF);

    /// Bit 0.
    pub const fn invalid(self) -> bool {
        self.0 & Self::INVALID_VALUE != 0
    }
    /// Bit 1.
    pub const fn doubtful(self) -> bool {
        self.0 & Self::DOUBTFUL_VALUE != 0
    }
    /// Bit 2.
    pub const fn different_clock_base(self) -> bool {
        self.0 & Self::DIFFERENT_CLOCK_BASE != 0
    }
    /// Bit 3.
    pub const fn invalid_clock_status(self) -> bool {
        self.0 & Self::INVALID_CLOCK_STATUS != 0
    }
    /// Bit 7.
    pub const fn daylight_saving(self) -> bool {
        self.0 & Self::DAYLIGHT_SAVING_ACTIVE != 0
    }
}

/// A COSEM date-time: 12 bytes `date(5) time(4) deviation(i16) clock-status`.
///
/// The deviation is in minutes and `0x8000` means "not specified": the fields are then local
/// time. When it is known, `UTC = local time + deviation` (the convention of IEC 62056-6-2
/// and of the common implementations: central European time is `-60`).
///
/// ```
/// use dlms::DateTime;
/// // 2016-09-08 19:13:25, deviation -60 (CET), status 0x80 (DST).
/// let bytes = [0x07, 0xE0, 0x09, 0x08, 0x04, 0x13, 0x0D, 0x19, 0x00, 0xFF, 0xC4, 0x80];
/// let dt = DateTime::parse(&bytes).unwrap();
/// assert_eq!(dt.deviation(), Some(-60));
/// assert!(dt.status.daylight_saving());
/// assert_eq!(dt.to_unix_seconds(), Some(1_473_358_405)); // 18:13:25 UTC
/// assert_eq!(dt.to_string(), "2016-09-08 19:13:25.00 -60min DST");
/// assert_eq!(dt.to_bytes(), bytes);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DateTime {
    /// The date.
    pub date: Date,
    /// The time of day.
    pub time: Time,
    /// Raw deviation in minutes, `-32768` (`0x8000`) = not specified.
    pub deviation: i16,
    /// The clock status.
    pub status: ClockStatus,
}

/// The raw deviation meaning "not specified".
pub const DEVIATION_NOT_SPECIFIED: i16 = i16::MIN;

fn opt(v: u8) -> Option<u8> {
    (v != NOT_SPECIFIED).then_some(v)
}

fn exact<const N: usize>(bytes: &[u8]) -> Result<[u8; N], Error> {
    <[u8; N]>::try_from(bytes).map_err(|_| {
        if bytes.len() < N {
            Error::Truncated {
                offset: bytes.len(),
                needed: N.saturating_sub(bytes.len()),
            }
        } else {
            Error::TrailingBytes {
                offset: N,
                count: bytes.len().saturating_sub(N),
            }
        }
    })
}

impl Date {
    /// Every field not specified.
    pub const UNSPECIFIED: Date = Date {
        year: 0xFFFF,
        month: 0xFF,
        day: 0xFF,
        day_of_week: 0xFF,
    };

    /// From the 5-byte form.
    pub const fn from_bytes(b: [u8; 5]) -> Self {
        Date {
            year: u16::from_be_bytes([b[0], b[1]]),
            month: b[2],
            day: b[3],
            day_of_week: b[4],
        }
    }
    /// Parses exactly 5 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Ok(Self::from_bytes(exact(bytes)?))
    }
    /// The 5-byte form.
    pub const fn to_bytes(&self) -> [u8; 5] {
        let y = self.year.to_be_bytes();
        [y[0], y[1], self.month, self.day, self.day_of_week]
    }
    /// Year, if specified.
    pub fn year(&self) -> Option<u16> {
        (self.year != 0xFFFF).then_some(self.year)
    }
    /// Month 1..=12, if specified and not one of the special values.
    pub fn month(&self) -> Option<u8> {
        (1..=12).contains(&self.month).then_some(self.month)
    }
    /// Day of month 1..=31, if specified and not one of the special values.
    pub fn day(&self) -> Option<u8> {
        (1..=31).contains(&self.day).then_some(self.day)
    }
    /// Day of week 1..=7, if specified.
    pub fn day_of_week(&self) -> Option<u8> {
        opt(self.day_of_week)
    }
    /// Days since 1970-01-01 of a fully specified date.
    pub fn days_since_epoch(&self) -> Option<i64> {
        Some(days_from_civil(
            i64::from(self.year()?),
            self.month()?,
            self.day()?,
        ))
    }
}

impl Time {
    /// Every field not specified.
    pub const UNSPECIFIED: Time = Time {
        hour: 0xFF,
        minute: 0xFF,
        second: 0xFF,
        hundredths: 0xFF,
    };

    /// From the 4-byte form.
    pub const fn from_bytes(b: [u8; 4]) -> Self {
        Time {
            hour: b[0],
            minute: b[1],
            second: b[2],
            hundredths: b[3],
        }
    }
    /// Parses exactly 4 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Ok(Self::from_bytes(exact(bytes)?))
    }
    /// The 4-byte form.
    pub const fn to_bytes(&self) -> [u8; 4] {
        [self.hour, self.minute, self.second, self.hundredths]
    }
    /// Hour, if specified.
    pub fn hour(&self) -> Option<u8> {
        opt(self.hour)
    }
    /// Minute, if specified.
    pub fn minute(&self) -> Option<u8> {
        opt(self.minute)
    }
    /// Second, if specified.
    pub fn second(&self) -> Option<u8> {
        opt(self.second)
    }
    /// Hundredths, if specified.
    pub fn hundredths(&self) -> Option<u8> {
        opt(self.hundredths)
    }
    /// Seconds since midnight when hour, minute and second are specified and in range.
    #[allow(clippy::arithmetic_side_effects)] // bounded by the range check
    pub fn seconds_of_day(&self) -> Option<i64> {
        let (h, m, s) = (self.hour()?, self.minute()?, self.second()?);
        if h > 23 || m > 59 || s > 60 {
            return None;
        }
        Some(i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))
    }
}

impl DateTime {
    /// From the 12-byte form.
    pub const fn from_bytes(b: [u8; 12]) -> Self {
        DateTime {
            date: Date::from_bytes([b[0], b[1], b[2], b[3], b[4]]),
            time: Time::from_bytes([b[5], b[6], b[7], b[8]]),
            deviation: i16::from_be_bytes([b[9], b[10]]),
            status: ClockStatus(b[11]),
        }
    }
    /// Parses exactly 12 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Ok(Self::from_bytes(exact(bytes)?))
    }
    /// The 12-byte form.
    pub const fn to_bytes(&self) -> [u8; 12] {
        let d = self.date.to_bytes();
        let t = self.time.to_bytes();
        let v = self.deviation.to_be_bytes();
        [
            d[0],
            d[1],
            d[2],
            d[3],
            d[4],
            t[0],
            t[1],
            t[2],
            t[3],
            v[0],
            v[1],
            self.status.0,
        ]
    }
    /// The deviation in minutes, `None` when not specified (the fields are local time).
    pub fn deviation(&self) -> Option<i16> {
        (self.deviation != DEVIATION_NOT_SPECIFIED).then_some(self.deviation)
    }
    /// The local fields as seconds since 1970-01-01 00:00 (a "naive" local timestamp), when
    /// date and time are specified. The clock status is not looked at.
    pub fn local_seconds(&self) -> Option<i64> {
        let days = self.date.days_since_epoch()?;
        days.checked_mul(86_400)?
            .checked_add(self.time.seconds_of_day()?)
    }
    /// The UTC instant as seconds since the Unix epoch, when date, time and deviation are
    /// specified (`UTC = local + deviation`). The clock status is not looked at.
    pub fn to_unix_seconds(&self) -> Option<i64> {
        self.local_seconds()?
            .checked_add(i64::from(self.deviation()?).saturating_mul(60))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
// The year is a u16 and month/day are checked: no intermediate value can overflow.
#[allow(clippy::arithmetic_side_effects)]
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let m = i64::from(m);
    let d = i64::from(d);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
///
/// ```
/// assert_eq!(dlms::civil_from_days(0), (1970, 1, 1));
/// assert_eq!(dlms::civil_from_days(19_797), (2024, 3, 15));
/// ```
// `z` is saturated; every other quantity is bounded by |z| / 365 * 400 < i64::MAX.
#[allow(clippy::arithmetic_side_effects)]
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u8::try_from(m).unwrap_or(0),
        u8::try_from(d).unwrap_or(0),
    )
}

fn two(f: &mut fmt::Formatter<'_>, v: u8) -> fmt::Result {
    if v == NOT_SPECIFIED {
        f.write_str("**")
    } else {
        write!(f, "{v:02}")
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD` with `*` for not specified fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year() {
            Some(y) => write!(f, "{y:04}")?,
            None => f.write_str("****")?,
        }
        f.write_str("-")?;
        two(f, self.month)?;
        f.write_str("-")?;
        two(f, self.day)
    }
}

impl fmt::Display for Time {
    /// `HH:MM:SS.hh` with `*` for not specified fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        two(f, self.hour)?;
        f.write_str(":")?;
        two(f, self.minute)?;
        f.write_str(":")?;
        two(f, self.second)?;
        f.write_str(".")?;
        two(f, self.hundredths)
    }
}

impl fmt::Display for DateTime {
    /// `YYYY-MM-DD HH:MM:SS.hh`, then the deviation (`local` when not specified) and the
    /// names of the set status bits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)?;
        match self.deviation() {
            Some(d) => write!(f, " {d:+}min")?,
            None => f.write_str(" local")?,
        }
        let s = self.status;
        if s != ClockStatus::NOT_SPECIFIED {
            for (set, name) in [
                (s.invalid(), " invalid"),
                (s.doubtful(), " doubtful"),
                (s.different_clock_base(), " different-base"),
                (s.invalid_clock_status(), " invalid-status"),
                (s.daylight_saving(), " DST"),
            ] {
                if set {
                    f.write_str(name)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn civil_round_trip() {
        for days in (-800_000i64..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn lg_status_keeps_timestamp() {
        // E450: 2021-07-06 14:58:18, deviation not specified, status 0x80 / 0x81.
        let b = [
            0x07, 0xE5, 0x07, 0x06, 0x02, 0x0E, 0x3A, 0x12, 0xFF, 0x80, 0x00, 0x81,
        ];
        let dt = DateTime::parse(&b).unwrap();
        assert_eq!(dt.deviation(), None);
        assert!(dt.status.invalid());
        assert_eq!(dt.to_unix_seconds(), None);
        assert_eq!(dt.local_seconds(), Some(1_625_583_498));
        assert_eq!(dt.to_string(), "2021-07-06 14:58:18.** local invalid DST");
    }

    #[test]
    fn wildcards() {
        let dt = DateTime::from_bytes([0xFF; 12]);
        assert_eq!(dt.local_seconds(), None);
        assert_eq!(dt.to_string(), "****-**-** **:**:**.** -1min");
        assert_eq!(
            DateTime::parse(&[0; 11]),
            Err(Error::Truncated {
                offset: 11,
                needed: 1
            })
        );
    }
}
