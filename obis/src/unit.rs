//! The DLMS unit table and the scaler/unit pair.

use core::fmt;

/// A DLMS physical unit: the `unit` enumeration of the Register interface class (codes 1..=255,
/// DLMS UA Blue Book, "Physical units").
///
/// A newtype, so that codes this table does not know survive a round trip.
///
/// ```
/// use obis::Unit;
/// assert_eq!(Unit::WATT_HOUR.0, 30);
/// assert_eq!(Unit::WATT_HOUR.symbol(), Some("Wh"));
/// assert_eq!(Unit::WATT_HOUR.name(), Some("watt-hour"));
/// assert_eq!(Unit::from_symbol("varh"), Some(Unit::VAR_HOUR));
/// assert_eq!(Unit(44).to_string(), "Hz");
/// assert_eq!(Unit(99).symbol(), None);
/// assert_eq!(Unit(99).to_string(), "unit(99)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Unit(pub u8);

impl Unit {
    /// a, time in years (1).
    pub const YEAR: Unit = Unit(1);
    /// mo, time in months (2).
    pub const MONTH: Unit = Unit(2);
    /// wk, time in weeks (3).
    pub const WEEK: Unit = Unit(3);
    /// d, time in days (4).
    pub const DAY: Unit = Unit(4);
    /// h, time in hours (5).
    pub const HOUR: Unit = Unit(5);
    /// min, time in minutes (6).
    pub const MINUTE: Unit = Unit(6);
    /// s, time in seconds (7).
    pub const SECOND: Unit = Unit(7);
    /// °, phase angle in degrees (8).
    pub const DEGREE: Unit = Unit(8);
    /// °C, temperature (9).
    pub const DEGREE_CELSIUS: Unit = Unit(9);
    /// Local currency (10).
    pub const CURRENCY: Unit = Unit(10);
    /// m, length (11).
    pub const METRE: Unit = Unit(11);
    /// m³, volume (13).
    pub const CUBIC_METRE: Unit = Unit(13);
    /// m³, corrected volume (14).
    pub const CUBIC_METRE_CORRECTED: Unit = Unit(14);
    /// m³/h, volume flux (15).
    pub const CUBIC_METRE_PER_HOUR: Unit = Unit(15);
    /// l, volume in litres (19).
    pub const LITRE: Unit = Unit(19);
    /// kg, mass (20).
    pub const KILOGRAM: Unit = Unit(20);
    /// J, energy in joules (25).
    pub const JOULE: Unit = Unit(25);
    /// J/h, thermal power (26).
    pub const JOULE_PER_HOUR: Unit = Unit(26);
    /// W, active power (27).
    pub const WATT: Unit = Unit(27);
    /// VA, apparent power (28).
    pub const VOLT_AMPERE: Unit = Unit(28);
    /// var, reactive power (29).
    pub const VAR: Unit = Unit(29);
    /// Wh, active energy (30).
    pub const WATT_HOUR: Unit = Unit(30);
    /// VAh, apparent energy (31).
    pub const VOLT_AMPERE_HOUR: Unit = Unit(31);
    /// varh, reactive energy (32).
    pub const VAR_HOUR: Unit = Unit(32);
    /// A, current (33).
    pub const AMPERE: Unit = Unit(33);
    /// C, electrical charge (34).
    pub const COULOMB: Unit = Unit(34);
    /// V, voltage (35).
    pub const VOLT: Unit = Unit(35);
    /// Hz, frequency (44).
    pub const HERTZ: Unit = Unit(44);
    /// V²h, volt-squared hours (48).
    pub const VOLT_SQUARED_HOUR: Unit = Unit(48);
    /// A²h, ampere-squared hours (49).
    pub const AMPERE_SQUARED_HOUR: Unit = Unit(49);
    /// K, temperature in kelvin (52).
    pub const KELVIN: Unit = Unit(52);
    /// %, percentage (56).
    pub const PERCENT: Unit = Unit(56);
    /// Ah, ampere-hours (57).
    pub const AMPERE_HOUR: Unit = Unit(57);
    /// dBm, signal strength (70).
    pub const DBM: Unit = Unit(70);
    /// Another unit, not in the table (254).
    pub const OTHER: Unit = Unit(254);
    /// No unit, a count (255).
    pub const COUNT: Unit = Unit(255);

    fn entry(self) -> Option<&'static (u8, &'static str, &'static str)> {
        TABLE
            .binary_search_by_key(&self.0, |&(code, _, _)| code)
            .ok()
            .and_then(|i| TABLE.get(i))
    }

    /// The symbol of the unit (`"Wh"`, `"m3"`, `"°C"`), `None` for codes the table does not
    /// assign. [`Unit::COUNT`] (255, no unit) has the empty symbol.
    ///
    /// ```
    /// assert_eq!(obis::Unit::VOLT.symbol(), Some("V"));
    /// assert_eq!(obis::Unit::COUNT.symbol(), Some(""));
    /// ```
    #[must_use]
    pub fn symbol(self) -> Option<&'static str> {
        self.entry().map(|&(_, symbol, _)| symbol)
    }

    /// The English name of the unit, `None` for codes the table does not assign.
    ///
    /// ```
    /// assert_eq!(obis::Unit::AMPERE.name(), Some("ampere"));
    /// ```
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        self.entry().map(|&(_, _, name)| name)
    }

    /// Whether the table assigns this code.
    ///
    /// ```
    /// assert!(obis::Unit(30).is_known());
    /// assert!(!obis::Unit(0).is_known());
    /// ```
    #[must_use]
    pub fn is_known(self) -> bool {
        self.entry().is_some()
    }

    /// The unit with this symbol (the lowest code when several share it, e.g. `m3` is 13).
    /// `""` and `"count"` give [`Unit::COUNT`].
    ///
    /// ```
    /// assert_eq!(obis::Unit::from_symbol("Hz"), Some(obis::Unit::HERTZ));
    /// assert_eq!(obis::Unit::from_symbol("m3"), Some(obis::Unit::CUBIC_METRE));
    /// assert_eq!(obis::Unit::from_symbol("furlong"), None);
    /// ```
    #[must_use]
    pub fn from_symbol(symbol: &str) -> Option<Unit> {
        if symbol == "count" {
            return Some(Unit::COUNT);
        }
        TABLE
            .iter()
            .find(|&&(_, s, _)| s == symbol)
            .map(|&(code, _, _)| Unit(code))
    }

    /// Every code the table assigns, in code order.
    ///
    /// ```
    /// assert!(obis::Unit::known().any(|u| u == obis::Unit::WATT));
    /// ```
    pub fn known() -> impl Iterator<Item = Unit> {
        TABLE.iter().map(|&(code, _, _)| Unit(code))
    }
}

impl fmt::Display for Unit {
    /// The symbol; `unit(n)` for codes the table does not assign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.symbol() {
            Some(symbol) => f.write_str(symbol),
            None => write!(f, "unit({})", self.0),
        }
    }
}

/// `(code, symbol, name)` for every assigned code, in code order.
const TABLE: &[(u8, &str, &str)] = &[
    (1, "a", "year"),
    (2, "mo", "month"),
    (3, "wk", "week"),
    (4, "d", "day"),
    (5, "h", "hour"),
    (6, "min", "minute"),
    (7, "s", "second"),
    (8, "°", "degree (phase angle)"),
    (9, "°C", "degree Celsius"),
    (10, "currency", "local currency"),
    (11, "m", "metre"),
    (12, "m/s", "metre per second"),
    (13, "m3", "cubic metre"),
    (14, "m3", "cubic metre (corrected volume)"),
    (15, "m3/h", "cubic metre per hour"),
    (16, "m3/h", "cubic metre per hour (corrected volume flux)"),
    (17, "m3/d", "cubic metre per day"),
    (18, "m3/d", "cubic metre per day (corrected volume flux)"),
    (19, "l", "litre"),
    (20, "kg", "kilogram"),
    (21, "N", "newton"),
    (22, "Nm", "newton metre"),
    (23, "Pa", "pascal"),
    (24, "bar", "bar"),
    (25, "J", "joule"),
    (26, "J/h", "joule per hour"),
    (27, "W", "watt"),
    (28, "VA", "volt-ampere"),
    (29, "var", "var"),
    (30, "Wh", "watt-hour"),
    (31, "VAh", "volt-ampere-hour"),
    (32, "varh", "var-hour"),
    (33, "A", "ampere"),
    (34, "C", "coulomb"),
    (35, "V", "volt"),
    (36, "V/m", "volt per metre"),
    (37, "F", "farad"),
    (38, "Ω", "ohm"),
    (39, "Ωm2/m", "ohm square metre per metre (resistivity)"),
    (40, "Wb", "weber"),
    (41, "T", "tesla"),
    (42, "A/m", "ampere per metre"),
    (43, "H", "henry"),
    (44, "Hz", "hertz"),
    (45, "1/(Wh)", "active energy meter constant or pulse value"),
    (
        46,
        "1/(varh)",
        "reactive energy meter constant or pulse value",
    ),
    (
        47,
        "1/(VAh)",
        "apparent energy meter constant or pulse value",
    ),
    (48, "V2h", "volt-squared hour"),
    (49, "A2h", "ampere-squared hour"),
    (50, "kg/s", "kilogram per second"),
    (51, "S", "siemens"),
    (52, "K", "kelvin"),
    (
        53,
        "1/(V2h)",
        "volt-squared hour meter constant or pulse value",
    ),
    (
        54,
        "1/(A2h)",
        "ampere-squared hour meter constant or pulse value",
    ),
    (55, "1/m3", "volume meter constant or pulse value"),
    (56, "%", "percentage"),
    (57, "Ah", "ampere-hour"),
    (60, "Wh/m3", "energy per volume"),
    (61, "J/m3", "calorific value, Wobbe index"),
    (62, "Mol %", "molar fraction"),
    (63, "g/m3", "mass density"),
    (64, "Pa s", "dynamic viscosity"),
    (65, "J/kg", "specific energy"),
    (66, "g/cm2", "gram per square centimetre (pressure)"),
    (67, "atm", "atmosphere (pressure)"),
    (70, "dBm", "signal strength, decibel milliwatt"),
    (71, "dBµV", "signal strength, decibel microvolt"),
    (72, "dB", "decibel"),
    (128, "in", "inch"),
    (129, "ft", "foot"),
    (130, "lb", "pound"),
    (131, "°F", "degree Fahrenheit"),
    (132, "°R", "degree Rankine"),
    (133, "sq in", "square inch"),
    (134, "sq ft", "square foot"),
    (135, "ac", "acre"),
    (136, "cu in", "cubic inch"),
    (137, "cu ft", "cubic foot"),
    (138, "ac-ft", "acre-foot"),
    (139, "gal (UK)", "gallon (imperial)"),
    (140, "gal (US)", "gallon (US)"),
    (141, "lbf", "pound force"),
    (142, "psi", "pound force per square inch"),
    (143, "lb/cu ft", "pound per cubic foot"),
    (144, "lb/(ft s)", "pound per foot second"),
    (145, "sq ft/s", "square foot per second"),
    (146, "Btu", "British thermal unit"),
    (147, "thm (EU)", "therm (EU)"),
    (148, "thm (US)", "therm (US)"),
    (149, "Btu/lb", "British thermal unit per pound"),
    (150, "Btu/cu ft", "British thermal unit per cubic foot"),
    (151, "cu ft", "cubic feet"),
    (152, "ft/s", "foot per second"),
    (153, "cu ft/s", "cubic foot per second"),
    (154, "cu ft/min", "cubic foot per minute"),
    (155, "cu ft/h", "cubic foot per hour"),
    (156, "cu ft/d", "cubic foot per day"),
    (157, "ac-ft/s", "acre-foot per second"),
    (158, "ac-ft/min", "acre-foot per minute"),
    (159, "ac-ft/h", "acre-foot per hour"),
    (160, "ac-ft/d", "acre-foot per day"),
    (161, "gal (UK)", "imperial gallon"),
    (162, "gal (UK)/s", "imperial gallon per second"),
    (163, "gal (UK)/min", "imperial gallon per minute"),
    (164, "gal (UK)/h", "imperial gallon per hour"),
    (165, "gal (UK)/d", "imperial gallon per day"),
    (166, "gal (US)", "US gallon"),
    (167, "gal (US)/s", "US gallon per second"),
    (168, "gal (US)/min", "US gallon per minute"),
    (169, "gal (US)/h", "US gallon per hour"),
    (170, "gal (US)/d", "US gallon per day"),
    (171, "Btu/s", "British thermal unit per second"),
    (172, "Btu/min", "British thermal unit per minute"),
    (173, "Btu/h", "British thermal unit per hour"),
    (174, "Btu/d", "British thermal unit per day"),
    (254, "other", "other unit"),
    (255, "", "count (no unit)"),
];

/// The scaler (power of ten) and unit of a register value: `value = raw × 10^scaler unit`.
///
/// ```
/// use obis::{ScalerUnit, Unit};
/// let su = ScalerUnit { scaler: -2, unit: Unit::AMPERE };
/// assert_eq!(su.apply_i64(523), 5.23);
/// assert_eq!(su.to_string(), "10^-2 A");
/// assert_eq!(ScalerUnit::new(0, Unit::WATT_HOUR).to_string(), "Wh");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ScalerUnit {
    /// Power of ten applied to the raw value.
    pub scaler: i8,
    /// Physical unit of the scaled value.
    pub unit: Unit,
}

/// `10^|exp|` as a float, by repeated multiplication (`core` has no `powi`).
fn pow10(exp: u32) -> f64 {
    let mut result = 1.0f64;
    let mut base = 10.0f64;
    let mut e = exp;
    while e > 0 {
        if e & 1 == 1 {
            result *= base;
        }
        base *= base;
        e >>= 1;
    }
    result
}

impl ScalerUnit {
    /// A scaler/unit pair.
    ///
    /// ```
    /// let su = obis::ScalerUnit::new(-1, obis::Unit::VOLT);
    /// assert_eq!(su.scaler, -1);
    /// ```
    #[must_use]
    pub const fn new(scaler: i8, unit: Unit) -> Self {
        Self { scaler, unit }
    }

    /// The scaled value of an integer raw value, as a float.
    ///
    /// ```
    /// let su = obis::ScalerUnit::new(-3, obis::Unit::COUNT);
    /// assert_eq!(su.apply_i64(998), 0.998);
    /// assert_eq!(obis::ScalerUnit::new(3, obis::Unit::WATT_HOUR).apply_i64(12), 12000.0);
    /// ```
    #[must_use]
    #[allow(
        clippy::cast_precision_loss,
        reason = "register values are far below 2^53 in practice; the float is the documented result"
    )]
    pub fn apply_i64(self, raw: i64) -> f64 {
        self.apply_f64(raw as f64)
    }

    /// The scaled value of a float raw value.
    ///
    /// Dividing by the power of ten (rather than multiplying by its inverse) keeps results
    /// such as `2305 × 10^-1 = 230.5` exact where the float can represent them.
    ///
    /// ```
    /// assert_eq!(obis::ScalerUnit::new(-1, obis::Unit::VOLT).apply_f64(2305.0), 230.5);
    /// ```
    #[must_use]
    pub fn apply_f64(self, raw: f64) -> f64 {
        let exp = u32::from(self.scaler.unsigned_abs());
        if self.scaler >= 0 {
            raw * pow10(exp)
        } else {
            raw / pow10(exp)
        }
    }

    /// The scaled value as an exact integer, when there is one: a non-negative scaler without
    /// overflow, or a negative scaler that divides the raw value.
    ///
    /// ```
    /// use obis::{ScalerUnit, Unit};
    /// assert_eq!(ScalerUnit::new(3, Unit::WATT_HOUR).checked_apply_i64(12), Some(12_000));
    /// assert_eq!(ScalerUnit::new(-1, Unit::VOLT).checked_apply_i64(2300), Some(230));
    /// assert_eq!(ScalerUnit::new(-1, Unit::VOLT).checked_apply_i64(2305), None);
    /// ```
    #[must_use]
    pub fn checked_apply_i64(self, raw: i64) -> Option<i64> {
        let exp = u32::from(self.scaler.unsigned_abs());
        let factor = 10i64.checked_pow(exp)?;
        if self.scaler >= 0 {
            raw.checked_mul(factor)
        } else if raw.checked_rem(factor)? == 0 {
            raw.checked_div(factor)
        } else {
            None
        }
    }
}

impl fmt::Display for ScalerUnit {
    /// `Wh` for scaler 0, else `10^-2 A`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scaler == 0 {
            write!(f, "{}", self.unit)
        } else {
            write!(f, "10^{} {}", self.scaler, self.unit)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(TABLE.len(), 117);
    }

    #[test]
    fn spot_checks() {
        let expect: &[(u8, &str)] = &[
            (1, "a"),
            (2, "mo"),
            (3, "wk"),
            (4, "d"),
            (5, "h"),
            (6, "min"),
            (7, "s"),
            (8, "°"),
            (9, "°C"),
            (10, "currency"),
            (11, "m"),
            (12, "m/s"),
            (13, "m3"),
            (14, "m3"),
            (19, "l"),
            (23, "Pa"),
            (24, "bar"),
            (27, "W"),
            (28, "VA"),
            (29, "var"),
            (30, "Wh"),
            (31, "VAh"),
            (32, "varh"),
            (33, "A"),
            (35, "V"),
            (38, "Ω"),
            (44, "Hz"),
            (52, "K"),
            (56, "%"),
            (57, "Ah"),
            (70, "dBm"),
            (72, "dB"),
            (131, "°F"),
            (254, "other"),
            (255, ""),
        ];
        for &(code, symbol) in expect {
            assert_eq!(Unit(code).symbol(), Some(symbol), "unit {code}");
        }
        for unknown in [0u8, 58, 59, 68, 69, 73, 127, 175, 253] {
            assert_eq!(Unit(unknown).symbol(), None, "unit {unknown}");
            assert_eq!(Unit(unknown).name(), None);
        }
        assert_eq!(Unit::COUNT.name(), Some("count (no unit)"));
        assert_eq!(Unit::from_symbol(""), Some(Unit::COUNT));
        assert_eq!(Unit::from_symbol("count"), Some(Unit::COUNT));
    }

    #[test]
    fn every_symbol_maps_back_to_a_unit_with_that_symbol() {
        for unit in Unit::known() {
            let symbol = unit.symbol().unwrap();
            let back = Unit::from_symbol(symbol).unwrap();
            assert_eq!(back.symbol(), Some(symbol));
            assert!(back <= unit);
        }
    }

    #[test]
    fn scaling() {
        assert_eq!(ScalerUnit::new(-2, Unit::AMPERE).apply_i64(-150), -1.5);
        assert_eq!(ScalerUnit::new(0, Unit::WATT).apply_i64(1234), 1234.0);
        assert_eq!(ScalerUnit::new(-128, Unit::WATT).apply_i64(0), 0.0);
        assert!(ScalerUnit::new(127, Unit::WATT).apply_i64(1).is_finite());
        assert_eq!(ScalerUnit::new(19, Unit::WATT).checked_apply_i64(1), None);
        assert_eq!(
            ScalerUnit::new(18, Unit::WATT).checked_apply_i64(1),
            Some(10i64.pow(18))
        );
        assert_eq!(ScalerUnit::new(-128, Unit::WATT).checked_apply_i64(5), None);
        assert_eq!(
            ScalerUnit::new(-2, Unit::AMPERE).checked_apply_i64(i64::MIN),
            None
        );
    }
}
