//! Simulated time: a [`SimClock`] that starts at a given local date-time and advances with
//! real time or by hand, and the [`TimeZone`] that turns its instants into COSEM date-times.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use dlms::{ClockStatus, Date, DateTime, Time};

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// A time zone: a standard offset and, optionally, the European summer-time rule (from the
/// last Sunday of March, 01:00 UTC, to the last Sunday of October, 01:00 UTC, one hour
/// ahead).
///
/// ```
/// use e450::simulator::TimeZone;
/// let tz = TimeZone::CENTRAL_EUROPE;
/// // 2026-05-04 09:39:20 UTC is summer time: UTC+2.
/// assert_eq!(tz.offset_minutes(1_777_887_560), 120);
/// // 2026-01-15 12:00:00 UTC is winter time: UTC+1.
/// assert_eq!(tz.offset_minutes(1_768_478_400), 60);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimeZone {
    /// Minutes east of UTC outside summer time (60 for central Europe).
    pub standard_offset: i16,
    /// Whether the European summer-time rule applies.
    pub eu_summer_time: bool,
}

impl TimeZone {
    /// Central European time (CET, UTC+1; CEST, UTC+2, in summer), the E450's home.
    pub const CENTRAL_EUROPE: TimeZone = TimeZone {
        standard_offset: 60,
        eu_summer_time: true,
    };
    /// UTC, no summer time.
    pub const UTC: TimeZone = TimeZone {
        standard_offset: 0,
        eu_summer_time: false,
    };

    /// Whether summer time is in force at the UTC instant `utc` (seconds since the epoch).
    #[must_use]
    pub fn is_summer_time(&self, utc: i64) -> bool {
        if !self.eu_summer_time {
            return false;
        }
        let (year, _, _) = dlms::civil_from_days(utc.div_euclid(DAY));
        let begin = last_sunday(year, 3)
            .saturating_mul(DAY)
            .saturating_add(3600);
        let end = last_sunday(year, 10)
            .saturating_mul(DAY)
            .saturating_add(3600);
        begin <= utc && utc < end
    }

    /// Minutes east of UTC at the UTC instant `utc`.
    #[must_use]
    pub fn offset_minutes(&self, utc: i64) -> i16 {
        if self.is_summer_time(utc) {
            self.standard_offset.saturating_add(60)
        } else {
            self.standard_offset
        }
    }

    /// The UTC instant of a local time (seconds since the epoch of the local fields). In the
    /// hour that repeats in autumn the summer-time reading is taken; a time skipped in spring
    /// is read with the standard offset.
    #[must_use]
    pub fn local_to_utc(&self, local: i64) -> i64 {
        let standard = local.saturating_sub(i64::from(self.standard_offset).saturating_mul(60));
        let summer = standard.saturating_sub(3600);
        if self.is_summer_time(summer) {
            summer
        } else {
            standard
        }
    }

    /// The COSEM date-time of a UTC instant in this zone: local fields, day of week,
    /// hundredths 0, the deviation (`UTC = local + deviation`, so -60 in winter in central
    /// Europe) and the clock status (bit 7 in summer time).
    ///
    /// ```
    /// use e450::simulator::TimeZone;
    /// let dt = TimeZone::CENTRAL_EUROPE.date_time(1_777_887_560);
    /// assert_eq!(dt.to_string(), "2026-05-04 11:39:20.00 -120min DST");
    /// assert_eq!(dt.to_unix_seconds(), Some(1_777_887_560));
    /// ```
    #[must_use]
    pub fn date_time(&self, utc: i64) -> DateTime {
        let summer = self.is_summer_time(utc);
        let offset = self.offset_minutes(utc);
        let local = utc.saturating_add(i64::from(offset).saturating_mul(60));
        let mut dt = LocalTime::from_seconds(local).date_time();
        dt.deviation = offset.saturating_neg();
        dt.status = ClockStatus(if summer { 0x80 } else { 0x00 });
        dt
    }

    /// The UTC instant of a COSEM date-time: with its deviation when specified, else read as
    /// local time of this zone. `None` when a field is not specified.
    #[must_use]
    pub fn to_utc(&self, dt: &DateTime) -> Option<i64> {
        match dt.to_unix_seconds() {
            Some(t) => Some(t),
            None => dt.local_seconds().map(|l| self.local_to_utc(l)),
        }
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::CENTRAL_EUROPE
    }
}

/// Day number (since 1970-01-01) of the last Sunday of a month.
fn last_sunday(year: i64, month: u8) -> i64 {
    let last_day = if month == 3 || month == 10 { 31 } else { 30 };
    let days = days_from_civil(year, month, last_day);
    // 1970-01-01 was a Thursday: (days + 3) mod 7 is 0 on Mondays, 6 on Sundays.
    let weekday = days.saturating_add(3).rem_euclid(7);
    days.saturating_sub(weekday.saturating_add(1).rem_euclid(7))
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let date = Date {
        year: u16::try_from(year).unwrap_or(1970),
        month,
        day,
        day_of_week: 0xFF,
    };
    date.days_since_epoch().unwrap_or(0)
}

/// A local wall-clock time: date and time of day, no zone.
///
/// Parses `2026-05-04T11:39:20` (also with a space, or without seconds).
///
/// ```
/// use e450::simulator::LocalTime;
/// let t: LocalTime = "2026-05-04T11:39:20".parse()?;
/// assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2026, 5, 4, 11, 39, 20));
/// assert_eq!(t.to_string(), "2026-05-04T11:39:20");
/// assert_eq!(LocalTime::from_seconds(t.seconds()), t);
/// # Ok::<(), e450::simulator::BadLocalTime>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LocalTime {
    /// Year (1970..=9999).
    pub year: u16,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59.
    pub second: u8,
}

/// A local date-time that does not parse (`YYYY-MM-DDTHH:MM[:SS]` expected).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("invalid local date-time {0:?}: expected YYYY-MM-DDTHH:MM[:SS]")]
pub struct BadLocalTime(pub String);

impl LocalTime {
    /// The local fields of a count of seconds since 1970-01-01 00:00 (local).
    #[must_use]
    pub fn from_seconds(local: i64) -> Self {
        let (y, month, day) = dlms::civil_from_days(local.div_euclid(DAY));
        let sod = local.rem_euclid(DAY);
        let part = |v: i64| u8::try_from(v).unwrap_or(0);
        LocalTime {
            year: u16::try_from(y).unwrap_or(0),
            month,
            day,
            hour: part(sod.div_euclid(3600)),
            minute: part(sod.rem_euclid(3600).div_euclid(60)),
            second: part(sod.rem_euclid(60)),
        }
    }

    /// Seconds since 1970-01-01 00:00 of these local fields.
    #[must_use]
    pub fn seconds(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        let sod = i64::from(self.hour)
            .saturating_mul(3600)
            .saturating_add(i64::from(self.minute).saturating_mul(60))
            .saturating_add(i64::from(self.second));
        days.saturating_mul(DAY).saturating_add(sod)
    }

    /// The COSEM date-time with these fields, day of week set, deviation not specified,
    /// status 0.
    #[must_use]
    pub fn date_time(&self) -> DateTime {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        // Monday = 1 ... Sunday = 7.
        let dow =
            u8::try_from(days.saturating_add(3).rem_euclid(7).saturating_add(1)).unwrap_or(0xFF);
        DateTime {
            date: Date {
                year: self.year,
                month: self.month,
                day: self.day,
                day_of_week: dow,
            },
            time: Time {
                hour: self.hour,
                minute: self.minute,
                second: self.second,
                hundredths: 0,
            },
            deviation: dlms::DEVIATION_NOT_SPECIFIED,
            status: ClockStatus(0),
        }
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl FromStr for LocalTime {
    type Err = BadLocalTime;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadLocalTime(s.to_owned());
        let (date, time) = s.split_once(['T', ' ']).ok_or_else(bad)?;
        let num = |t: &str| -> Result<u16, BadLocalTime> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse::<u16>().map_err(|_| bad())
        };
        let small = |t: &str, max: u16| -> Result<u8, BadLocalTime> {
            let v = num(t)?;
            if v > max {
                return Err(bad());
            }
            u8::try_from(v).map_err(|_| bad())
        };
        let mut d = date.split('-');
        let (Some(y), Some(mo), Some(da), None) = (d.next(), d.next(), d.next(), d.next()) else {
            return Err(bad());
        };
        let mut t = time.split(':');
        let (Some(h), Some(mi)) = (t.next(), t.next()) else {
            return Err(bad());
        };
        let sec = t.next();
        if t.next().is_some() {
            return Err(bad());
        }
        let v = LocalTime {
            year: num(y)?,
            month: small(mo, 12)?,
            day: small(da, 31)?,
            hour: small(h, 23)?,
            minute: small(mi, 59)?,
            second: match sec {
                Some(s) => small(s, 59)?,
                None => 0,
            },
        };
        if !(1970..=9999).contains(&v.year) || v.month == 0 || v.day == 0 {
            return Err(bad());
        }
        // Reject 31 April and the like: the fields must survive a round trip.
        if LocalTime::from_seconds(v.seconds()) != v {
            return Err(bad());
        }
        Ok(v)
    }
}

#[derive(Debug)]
struct ClockInner {
    zone: TimeZone,
    /// The UTC instant at the start, milliseconds.
    start_ms: i64,
    /// Advancing with real time since this instant, or frozen.
    real: Option<Instant>,
    /// Manual adjustments (advance, set), milliseconds.
    offset_ms: AtomicI64,
}

/// The simulator's time source: starts at a given local date-time and either advances with
/// real time or only when told to ([`advance`](Self::advance), [`set_utc`](Self::set_utc)),
/// so tests are deterministic. Cloning gives another handle to the same clock.
///
/// ```
/// use std::time::Duration;
/// use e450::simulator::{SimClock, TimeZone};
/// let clock = SimClock::manual(TimeZone::CENTRAL_EUROPE, "2026-05-04T11:39:20".parse()?);
/// assert_eq!(clock.now_utc(), 1_777_887_560);
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now_local().to_string(), "2026-05-04T11:40:20");
/// # Ok::<(), e450::simulator::BadLocalTime>(())
/// ```
#[derive(Clone, Debug)]
pub struct SimClock {
    inner: Arc<ClockInner>,
}

impl SimClock {
    fn build(zone: TimeZone, start: LocalTime, real: bool) -> Self {
        let start_ms = zone.local_to_utc(start.seconds()).saturating_mul(1000);
        SimClock {
            inner: Arc::new(ClockInner {
                zone,
                start_ms,
                real: real.then(Instant::now),
                offset_ms: AtomicI64::new(0),
            }),
        }
    }

    /// A clock that starts at `start` (local time in `zone`) and advances with real time.
    #[must_use]
    pub fn real_time(zone: TimeZone, start: LocalTime) -> Self {
        Self::build(zone, start, true)
    }

    /// A clock frozen at `start` (local time in `zone`) that only moves when told to.
    #[must_use]
    pub fn manual(zone: TimeZone, start: LocalTime) -> Self {
        Self::build(zone, start, false)
    }

    /// A real-time clock that starts at the host's current time, read as UTC and shown in
    /// `zone`.
    #[must_use]
    pub fn system(zone: TimeZone) -> Self {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        SimClock {
            inner: Arc::new(ClockInner {
                zone,
                start_ms: now_ms,
                real: Some(Instant::now()),
                offset_ms: AtomicI64::new(0),
            }),
        }
    }

    /// The time zone.
    #[must_use]
    pub fn zone(&self) -> TimeZone {
        self.inner.zone
    }

    /// The current instant, milliseconds since the Unix epoch (UTC).
    #[must_use]
    pub fn now_utc_ms(&self) -> i64 {
        let elapsed = self.inner.real.map_or(0, |i| {
            i64::try_from(i.elapsed().as_millis()).unwrap_or(i64::MAX)
        });
        self.inner
            .start_ms
            .saturating_add(elapsed)
            .saturating_add(self.inner.offset_ms.load(Ordering::Relaxed))
    }

    /// The current instant, whole seconds since the Unix epoch (UTC).
    #[must_use]
    pub fn now_utc(&self) -> i64 {
        self.now_utc_ms().div_euclid(1000)
    }

    /// The current local time.
    #[must_use]
    pub fn now_local(&self) -> LocalTime {
        let utc = self.now_utc();
        let offset = i64::from(self.inner.zone.offset_minutes(utc)).saturating_mul(60);
        LocalTime::from_seconds(utc.saturating_add(offset))
    }

    /// The current time as a COSEM date-time (see [`TimeZone::date_time`]).
    #[must_use]
    pub fn now_date_time(&self) -> DateTime {
        self.inner.zone.date_time(self.now_utc())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .inner
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_add(ms))
            });
    }

    /// Sets the clock to a UTC instant (seconds); a real-time clock goes on from there.
    pub fn set_utc(&self, utc: i64) {
        let target = utc.saturating_mul(1000);
        let current = self.now_utc_ms();
        let delta = target.saturating_sub(current);
        let _ = self
            .inner
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_add(delta))
            });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::arithmetic_side_effects)]
    use super::*;

    #[test]
    fn summer_time_boundaries_2026() {
        let tz = TimeZone::CENTRAL_EUROPE;
        // 2026-03-29 01:00 UTC and 2026-10-25 01:00 UTC.
        let begin = LocalTime::from_str("2026-03-29T01:00:00")
            .unwrap()
            .seconds();
        let end = LocalTime::from_str("2026-10-25T01:00:00")
            .unwrap()
            .seconds();
        assert!(!tz.is_summer_time(begin - 1));
        assert!(tz.is_summer_time(begin));
        assert!(tz.is_summer_time(end - 1));
        assert!(!tz.is_summer_time(end));
        assert_eq!(
            tz.date_time(begin).to_string(),
            "2026-03-29 03:00:00.00 -120min DST"
        );
        assert_eq!(
            tz.date_time(begin - 1).to_string(),
            "2026-03-29 01:59:59.00 -60min"
        );
    }

    #[test]
    fn local_round_trip() {
        let tz = TimeZone::CENTRAL_EUROPE;
        for text in [
            "2026-01-01T00:00:00",
            "2026-07-14T12:30:00",
            "2026-12-31T23:59:59",
        ] {
            let l: LocalTime = text.parse().unwrap();
            let utc = tz.local_to_utc(l.seconds());
            let dt = tz.date_time(utc);
            assert_eq!(dt.local_seconds(), Some(l.seconds()), "{text}");
            assert_eq!(tz.to_utc(&dt), Some(utc));
            assert_eq!(tz.to_utc(&l.date_time()), Some(utc));
        }
    }

    #[test]
    fn bad_local_times() {
        for text in [
            "",
            "2026-05-04",
            "2026-13-01T00:00",
            "2026-04-31T00:00",
            "2026-05-04T24:00",
            "x-y-zT1:2",
        ] {
            assert!(text.parse::<LocalTime>().is_err(), "{text}");
        }
        assert_eq!("2026-05-04 11:39".parse::<LocalTime>().unwrap().second, 0);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = SimClock::manual(TimeZone::UTC, "2026-01-01T00:00:00".parse().unwrap());
        let t0 = c.now_utc();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now_utc(), t0);
        c.advance(Duration::from_secs(3600));
        assert_eq!(c.now_utc(), t0 + 3600);
        c.set_utc(t0);
        assert_eq!(c.now_utc(), t0);
        assert_eq!(c.now_local().to_string(), "2026-01-01T00:00:00");
    }
}
