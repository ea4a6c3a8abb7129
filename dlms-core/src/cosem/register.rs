//! Data (1), Register (3), Extended register (4), Demand register (5), and scaled values.

use obis::{ScalerUnit, Unit};

use super::macros::interface_class;
use crate::{Data, DateTime};

/// A raw numeric value as it came from the meter.
///
/// ```
/// use dlms::Data;
/// use dlms::cosem::Number;
/// assert_eq!(Number::from_data(&Data::Long(-5)), Some(Number::Signed(-5)));
/// assert_eq!(Number::from_data(&Data::DoubleLongUnsigned(7)), Some(Number::Unsigned(7)));
/// assert_eq!(Number::from_data(&Data::OctetString(vec![])), None);
/// ```
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Number {
    /// integer, long, double-long, long64.
    Signed(i64),
    /// unsigned, long-unsigned, double-long-unsigned, long64-unsigned, enum, bcd.
    Unsigned(u64),
    /// float32, float64.
    Float(f64),
}

impl Number {
    /// The number in a numeric `Data` value.
    pub fn from_data(data: &Data) -> Option<Self> {
        Some(match *data {
            Data::Integer(v) => Number::Signed(i64::from(v)),
            Data::Long(v) => Number::Signed(i64::from(v)),
            Data::DoubleLong(v) => Number::Signed(i64::from(v)),
            Data::Long64(v) => Number::Signed(v),
            Data::Unsigned(v) | Data::Enum(v) | Data::Bcd(v) => Number::Unsigned(u64::from(v)),
            Data::LongUnsigned(v) => Number::Unsigned(u64::from(v)),
            Data::DoubleLongUnsigned(v) => Number::Unsigned(u64::from(v)),
            Data::Long64Unsigned(v) => Number::Unsigned(v),
            Data::Float32(v) => Number::Float(f64::from(v)),
            Data::Float64(v) => Number::Float(v),
            _ => return None,
        })
    }

    /// The number as `f64` (64-bit integers above 2^53 are rounded).
    #[allow(clippy::cast_precision_loss)]
    pub fn to_f64(self) -> f64 {
        match self {
            Number::Signed(v) => v as f64,
            Number::Unsigned(v) => v as f64,
            Number::Float(v) => v,
        }
    }
}

/// `10^|scaler|` as `f64`.
pub(crate) fn pow10(scaler: i8) -> f64 {
    let mut p = 1.0f64;
    for _ in 0..scaler.unsigned_abs() {
        p *= 10.0;
    }
    p
}

/// `raw × 10^scaler` with `p = 10^|scaler|`, dividing for negative scalers so that
/// `2301 × 10^-1` is exactly `230.1`.
#[inline]
pub(crate) fn apply(raw: f64, scaler: i8, p: f64) -> f64 {
    if scaler < 0 { raw / p } else { raw * p }
}

/// A register value with its scaler and unit applied, the raw value kept.
///
/// ```
/// use dlms::cosem::{Number, RegisterValue};
/// use obis::{ScalerUnit, Unit};
/// let v = RegisterValue::new(Number::Unsigned(2301), ScalerUnit { scaler: -1, unit: Unit::VOLT });
/// assert_eq!(v.scaled, 230.1);
/// assert_eq!(v.to_string(), "230.1 V");
/// ```
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct RegisterValue {
    /// The value as read.
    pub raw: Number,
    /// The power of ten applied.
    pub scaler: i8,
    /// The unit of `scaled`.
    pub unit: Unit,
    /// `raw × 10^scaler`.
    pub scaled: f64,
}

impl RegisterValue {
    /// Applies a scaler and unit to a raw number.
    pub fn new(raw: Number, su: ScalerUnit) -> Self {
        RegisterValue {
            raw,
            scaler: su.scaler,
            unit: su.unit,
            scaled: apply(raw.to_f64(), su.scaler, pow10(su.scaler)),
        }
    }

    /// A numeric `Data` value with a scaler and unit, `None` when `data` is not a number.
    pub fn from_data(data: &Data, su: ScalerUnit) -> Option<Self> {
        Number::from_data(data).map(|n| Self::new(n, su))
    }

    /// The scaler and unit.
    pub const fn scaler_unit(&self) -> ScalerUnit {
        ScalerUnit {
            scaler: self.scaler,
            unit: self.unit,
        }
    }
}

impl core::fmt::Display for RegisterValue {
    /// The scaled value and the unit symbol (nothing for unitless values).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.scaled)?;
        match self.unit.symbol() {
            Some(s) if !s.is_empty() => write!(f, " {s}"),
            _ => Ok(()),
        }
    }
}

interface_class! {
    /// Data (class 1, version 0): a value with no unit (serial numbers, counters, status words).
    ///
    /// ```
    /// use dlms::Data;
    /// use dlms::cosem::DataObject;
    /// use obis::ObisCode;
    /// let mut d = DataObject::new(ObisCode::new(0, 0, 96, 1, 0, 255));
    /// d.set_attribute(2, &Data::OctetString(b"36123456".to_vec())).unwrap();
    /// assert_eq!(d.value.as_ref().and_then(Data::as_str), Some("36123456"));
    /// assert_eq!(DataObject::attribute_names(), ["logical_name", "value"]);
    /// ```
    DataObject: DATA, version 0;
    attributes {
        2 value: Data;
    }
    methods {}
}

interface_class! {
    /// Register (class 3, version 0): a value with a scaler and a unit.
    ///
    /// ```
    /// use dlms::Data;
    /// use dlms::cosem::Register;
    /// use obis::{ObisCode, Unit};
    /// let mut r = Register::new(ObisCode::new(1, 0, 1, 8, 0, 255));
    /// r.set_attribute(2, &Data::DoubleLongUnsigned(12_345_678)).unwrap();
    /// r.set_attribute(3, &Data::Structure(vec![Data::Integer(0), Data::Enum(30)])).unwrap();
    /// let v = r.value().unwrap();
    /// assert_eq!((v.scaled, v.unit), (12_345_678.0, Unit::WATT_HOUR));
    /// assert_eq!(Register::RESET, 1);
    /// ```
    Register: REGISTER, version 0;
    attributes {
        2 value: Data;
        3 scaler_unit: ScalerUnit;
    }
    methods {
        RESET = 1;
    }
}

interface_class! {
    /// Extended register (class 4, version 0): a register with a status and a capture time.
    ExtendedRegister: EXTENDED_REGISTER, version 0;
    attributes {
        2 value: Data;
        3 scaler_unit: ScalerUnit;
        4 status: Data;
        5 capture_time: DateTime;
    }
    methods {
        RESET = 1;
    }
}

interface_class! {
    /// Demand register (class 5, version 0): current and last average over sliding periods.
    DemandRegister: DEMAND_REGISTER, version 0;
    attributes {
        2 current_average_value: Data;
        3 last_average_value: Data;
        4 scaler_unit: ScalerUnit;
        5 status: Data;
        6 capture_time: DateTime;
        7 start_time_current: DateTime;
        /// Seconds.
        8 period: u32;
        9 number_of_periods: u16;
    }
    methods {
        RESET = 1;
        NEXT_PERIOD = 2;
    }
}

fn scaled(value: Option<&Data>, su: Option<ScalerUnit>) -> Option<RegisterValue> {
    RegisterValue::from_data(value?, su?)
}

impl Register {
    /// The value with the scaler and unit applied, when both attributes are known and the
    /// value is a number.
    pub fn value(&self) -> Option<RegisterValue> {
        scaled(self.value.as_ref(), self.scaler_unit)
    }
}

impl ExtendedRegister {
    /// The value with the scaler and unit applied, when both are known and the value is a number.
    pub fn value(&self) -> Option<RegisterValue> {
        scaled(self.value.as_ref(), self.scaler_unit)
    }
}

impl DemandRegister {
    /// The current average with the scaler and unit applied.
    pub fn current_average(&self) -> Option<RegisterValue> {
        scaled(self.current_average_value.as_ref(), self.scaler_unit)
    }
    /// The last average with the scaler and unit applied.
    pub fn last_average(&self) -> Option<RegisterValue> {
        scaled(self.last_average_value.as_ref(), self.scaler_unit)
    }
}
