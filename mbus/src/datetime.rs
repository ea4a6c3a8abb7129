//! The date and time data types F, G, I and J of EN 13757-3:2018 annex A.
//!
//! Century rule (explicit, applied everywhere): the types carry a year of 0..=127 in seven
//! bits. Types F and I also carry two "hundred year" bits (HY). When HY is non-zero the year is
//! `1900 + 100 × HY + year`. When HY is zero (all older meters), years 0..=80 are 2000..=2080,
//! years 81..=99 are 1981..=1999 and years 100..=127 are 2000..=2027 (`1900 + year`).

/// Full year from the 7-bit year field and the hundred-year bits.
pub const fn full_year(year: u8, hundred_years: u8) -> u16 {
    let y = (year & 0x7F) as u16;
    if hundred_years != 0 {
        // at most 1900 + 300 + 127
        1900u16
            .wrapping_add(100u16.wrapping_mul((hundred_years & 3) as u16))
            .wrapping_add(y)
    } else if y <= 80 {
        2000u16.wrapping_add(y)
    } else {
        1900u16.wrapping_add(y)
    }
}

/// A calendar date (type G, or the date part of types F and I).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Date {
    /// Full year after the century rule.
    pub year: u16,
    /// Month 1..=12 (0 or above 12 when the meter sends an unset date).
    pub month: u8,
    /// Day 1..=31 (0 when unset).
    pub day: u8,
}

/// A time of day (type J, or the time part of types F and I).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Time {
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59 (0 for type F, which has no seconds).
    pub second: u8,
}

/// A date and time (types F and I).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DateTime {
    /// The date.
    pub date: Date,
    /// The time.
    pub time: Time,
    /// IV: the meter marks the time invalid.
    pub invalid: bool,
    /// SU: summer (daylight saving) time.
    pub summer_time: bool,
    /// Day of week 1..=7 (Monday = 1), 0 when not given (type I only).
    pub weekday: u8,
    /// Week of the year, 0 when not given (type I only).
    pub week: u8,
}

/// Type G, 16 bits: `dddd dyyy` `yyyy mmmm` read as a little-endian word.
///
/// ```
/// // 2014-03-13 as sent by an Itron meter: 0xCD 0x13 (LSB first)
/// let d = mbus::datetime::decode_g([0xCD, 0x13]);
/// assert_eq!((d.year, d.month, d.day), (2014, 3, 13));
/// ```
pub const fn decode_g(b: [u8; 2]) -> Date {
    let day = b[0] & 0x1F;
    let month = b[1] & 0x0F;
    let year = ((b[0] & 0xE0) >> 5) | ((b[1] & 0xF0) >> 1);
    Date {
        year: full_year(year, 0),
        month,
        day,
    }
}

/// Type F, 32 bits: minute, hour, day and month bytes with the year spread over the upper bits.
///
/// ```
/// // 2014-03-13 11:11 from the libmbus corpus (Itron BM +m)
/// let dt = mbus::datetime::decode_f([0x0B, 0x0B, 0xCD, 0x13]);
/// assert_eq!((dt.date.year, dt.date.month, dt.date.day), (2014, 3, 13));
/// assert_eq!((dt.time.hour, dt.time.minute), (11, 11));
/// ```
pub const fn decode_f(b: [u8; 4]) -> DateTime {
    let minute = b[0] & 0x3F;
    let invalid = b[0] & 0x80 != 0;
    let hour = b[1] & 0x1F;
    let hundred_years = (b[1] >> 5) & 0x03;
    let summer_time = b[1] & 0x80 != 0;
    let day = b[2] & 0x1F;
    let month = b[3] & 0x0F;
    let year = ((b[2] & 0xE0) >> 5) | ((b[3] & 0xF0) >> 1);
    DateTime {
        date: Date {
            year: full_year(year, hundred_years),
            month,
            day,
        },
        time: Time {
            hour,
            minute,
            second: 0,
        },
        invalid,
        summer_time,
        weekday: 0,
        week: 0,
    }
}

/// Type I, 48 bits: second, minute, hour with weekday, day, month, week with the flags.
pub const fn decode_i(b: [u8; 6]) -> DateTime {
    let second = b[0] & 0x3F;
    let minute = b[1] & 0x3F;
    let invalid = b[1] & 0x80 != 0;
    let hour = b[2] & 0x1F;
    let weekday = (b[2] >> 5) & 0x07;
    let day = b[3] & 0x1F;
    let month = b[4] & 0x0F;
    let year = ((b[3] & 0xE0) >> 5) | ((b[4] & 0xF0) >> 1);
    let week = b[5] & 0x3F;
    let summer_time = b[5] & 0x40 != 0;
    let hundred_years = (b[0] >> 6) & 0x03;
    DateTime {
        date: Date {
            year: full_year(year, hundred_years),
            month,
            day,
        },
        time: Time {
            hour,
            minute,
            second,
        },
        invalid,
        summer_time,
        weekday,
        week,
    }
}

/// Type J, 24 bits: second, minute, hour.
pub const fn decode_j(b: [u8; 3]) -> Time {
    Time {
        second: b[0] & 0x3F,
        minute: b[1] & 0x3F,
        hour: b[2] & 0x1F,
    }
}

/// Encodes a type G date (inverse of [`decode_g`] for years 2000..=2080 and 1981..=1999).
pub const fn encode_g(d: Date) -> [u8; 2] {
    let y = (d.year % 100) as u8;
    [
        (d.day & 0x1F) | ((y & 0x07) << 5),
        (d.month & 0x0F) | ((y & 0x78) << 1),
    ]
}

/// Encodes a type F date and time (inverse of [`decode_f`] for years 2000..=2080 and
/// 1981..=1999; HY is written as 0).
pub const fn encode_f(dt: DateTime) -> [u8; 4] {
    let y = (dt.date.year % 100) as u8;
    [
        (dt.time.minute & 0x3F) | if dt.invalid { 0x80 } else { 0 },
        (dt.time.hour & 0x1F) | if dt.summer_time { 0x80 } else { 0 },
        (dt.date.day & 0x1F) | ((y & 0x07) << 5),
        (dt.date.month & 0x0F) | ((y & 0x78) << 1),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn century_rule() {
        assert_eq!(full_year(0, 0), 2000);
        assert_eq!(full_year(80, 0), 2080);
        assert_eq!(full_year(81, 0), 1981);
        assert_eq!(full_year(99, 0), 1999);
        assert_eq!(full_year(127, 0), 2027);
        assert_eq!(full_year(25, 1), 2025);
        assert_eq!(full_year(5, 2), 2105);
    }

    #[test]
    fn round_trips() {
        let d = Date {
            year: 2024,
            month: 2,
            day: 29,
        };
        assert_eq!(decode_g(encode_g(d)), d);
        let dt = DateTime {
            date: d,
            time: Time {
                hour: 23,
                minute: 59,
                second: 0,
            },
            invalid: false,
            summer_time: true,
            weekday: 0,
            week: 0,
        };
        assert_eq!(decode_f(encode_f(dt)), dt);
        let t = decode_j([0x3B, 0x3B, 0x17]);
        assert_eq!((t.hour, t.minute, t.second), (23, 59, 59));
        let i = decode_i([0x1E, 0x0F, 0x2C, 0x8D, 0x23, 0x4B]);
        assert_eq!((i.date.year, i.date.month, i.date.day), (2020, 3, 13));
        assert_eq!((i.time.hour, i.time.minute, i.time.second), (12, 15, 30));
        assert_eq!((i.weekday, i.week, i.summer_time), (1, 11, true));
    }
}
