//! Clock (8).

use super::macros::interface_class;
use super::value::enum_newtype;
use crate::{ClockStatus, DateTime};

enum_newtype! {
    /// `clock_base` of the clock: what drives it.
    ClockBase {
        NOT_DEFINED = 0, "not defined";
        INTERNAL_CRYSTAL = 1, "internal crystal";
        MAINS_50_HZ = 2, "mains frequency 50 Hz";
        MAINS_60_HZ = 3, "mains frequency 60 Hz";
        GPS = 4, "GPS";
        RADIO_CONTROLLED = 5, "radio controlled";
    }
}

interface_class! {
    /// Clock (class 8, version 0).
    ///
    /// ```
    /// use dlms::Data;
    /// use dlms::cosem::{ClockBase, Clock};
    /// use obis::ObisCode;
    /// let mut c = Clock::new(ObisCode::new(0, 0, 1, 0, 0, 255));
    /// let t = [0x07, 0xE8, 6, 1, 6, 14, 30, 15, 0, 0xFF, 0xC4, 0x80];
    /// c.set_attribute(2, &Data::OctetString(t.to_vec())).unwrap();
    /// c.set_attribute(3, &Data::Long(-60)).unwrap();
    /// c.set_attribute(9, &Data::Enum(1)).unwrap();
    /// assert_eq!(c.time.unwrap().to_string(), "2024-06-01 14:30:15.00 -60min DST");
    /// assert_eq!(c.clock_base, Some(ClockBase::INTERNAL_CRYSTAL));
    /// assert_eq!(c.attribute(3), Some(Data::Long(-60)));
    /// ```
    Clock: CLOCK, version 0;
    attributes {
        2 time: DateTime;
        /// Minutes from local time to UTC.
        3 time_zone: i16;
        4 status: ClockStatus;
        5 daylight_savings_begin: DateTime;
        6 daylight_savings_end: DateTime;
        /// Minutes.
        7 daylight_savings_deviation: i8;
        8 daylight_savings_enabled: bool;
        9 clock_base: ClockBase;
    }
    methods {
        ADJUST_TO_QUARTER = 1;
        ADJUST_TO_MEASURING_PERIOD = 2;
        ADJUST_TO_MINUTE = 3;
        ADJUST_TO_PRESET_TIME = 4;
        PRESET_ADJUSTING_TIME = 5;
        SHIFT_TIME = 6;
    }
}
