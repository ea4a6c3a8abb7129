//! The DLMS unit table and the scaler/unit pair.

/// A DLMS physical unit (the `unit` enumeration of the Register class, codes 1..=255).
///
/// Unknown codes survive a round trip.
///
/// ```
/// use obis::Unit;
/// assert_eq!(Unit::WATT_HOUR.0, 30);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Unit(pub u8);

impl Unit {
    /// Wh, active energy (30).
    pub const WATT_HOUR: Unit = Unit(30);
    /// varh, reactive energy (32).
    pub const VAR_HOUR: Unit = Unit(32);
    /// W, active power (27).
    pub const WATT: Unit = Unit(27);
    /// var, reactive power (29).
    pub const VAR: Unit = Unit(29);
    /// V, voltage (35).
    pub const VOLT: Unit = Unit(35);
    /// A, current (33).
    pub const AMPERE: Unit = Unit(33);
    /// Hz, frequency (44).
    pub const HERTZ: Unit = Unit(44);
    /// m³, volume (13).
    pub const CUBIC_METRE: Unit = Unit(13);
    /// °C, temperature (9).
    pub const DEGREE_CELSIUS: Unit = Unit(9);
    /// No unit, a count (255).
    pub const COUNT: Unit = Unit(255);
}

/// The scaler (power of ten) and unit of a register value: `value = raw × 10^scaler unit`.
///
/// ```
/// use obis::{ScalerUnit, Unit};
/// let su = ScalerUnit { scaler: -1, unit: Unit::VOLT };
/// assert_eq!(su.scaler, -1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ScalerUnit {
    /// Power of ten applied to the raw value.
    pub scaler: i8,
    /// Physical unit of the scaled value.
    pub unit: Unit,
}
