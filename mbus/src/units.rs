//! Physical units of M-Bus values and their mapping to the DLMS unit table.

use obis::Unit;

/// The unit a VIF denotes, without its power of ten.
///
/// [`obis`](Self::obis) gives the DLMS unit code (shared with the DLMS side of the project) where
/// one exists; [`symbol`](Self::symbol) the printable symbol.
///
/// ```
/// use mbus::SiUnit;
/// assert_eq!(SiUnit::WattHour.symbol(), "Wh");
/// assert_eq!(SiUnit::WattHour.obis(), Some(obis::Unit::WATT_HOUR));
/// assert_eq!(SiUnit::Hca.obis(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum SiUnit {
    /// No unit (counts, identifiers, flags).
    None,
    /// Wh.
    WattHour,
    /// J.
    Joule,
    /// varh.
    VarHour,
    /// VAh.
    VoltAmpereHour,
    /// cal (the FB table counts energy in MCal).
    Calorie,
    /// m³.
    CubicMetre,
    /// ft³.
    CubicFoot,
    /// US gallon.
    UsGallon,
    /// kg.
    Kilogram,
    /// s.
    Second,
    /// min.
    Minute,
    /// h.
    Hour,
    /// d.
    Day,
    /// Month.
    Month,
    /// Year.
    Year,
    /// W.
    Watt,
    /// var.
    Var,
    /// VA.
    VoltAmpere,
    /// J/h.
    JoulePerHour,
    /// m³/h.
    CubicMetrePerHour,
    /// m³/min.
    CubicMetrePerMinute,
    /// m³/s.
    CubicMetrePerSecond,
    /// US gallon per minute.
    UsGallonPerMinute,
    /// US gallon per hour.
    UsGallonPerHour,
    /// kg/h.
    KilogramPerHour,
    /// °C.
    DegreeCelsius,
    /// °F.
    DegreeFahrenheit,
    /// K.
    Kelvin,
    /// bar.
    Bar,
    /// V.
    Volt,
    /// A.
    Ampere,
    /// Hz.
    Hertz,
    /// ° (phase angle).
    Degree,
    /// %.
    Percent,
    /// dBm.
    DecibelMilliwatt,
    /// Heat cost allocator units (dimensionless).
    Hca,
    /// Units of the local legal currency.
    Currency,
    /// Baud.
    Baud,
    /// Bit times.
    BitTime,
}

impl SiUnit {
    /// Printable symbol.
    pub const fn symbol(self) -> &'static str {
        match self {
            SiUnit::None => "",
            SiUnit::WattHour => "Wh",
            SiUnit::Joule => "J",
            SiUnit::VarHour => "varh",
            SiUnit::VoltAmpereHour => "VAh",
            SiUnit::Calorie => "cal",
            SiUnit::CubicMetre => "m³",
            SiUnit::CubicFoot => "ft³",
            SiUnit::UsGallon => "US gal",
            SiUnit::Kilogram => "kg",
            SiUnit::Second => "s",
            SiUnit::Minute => "min",
            SiUnit::Hour => "h",
            SiUnit::Day => "d",
            SiUnit::Month => "month",
            SiUnit::Year => "a",
            SiUnit::Watt => "W",
            SiUnit::Var => "var",
            SiUnit::VoltAmpere => "VA",
            SiUnit::JoulePerHour => "J/h",
            SiUnit::CubicMetrePerHour => "m³/h",
            SiUnit::CubicMetrePerMinute => "m³/min",
            SiUnit::CubicMetrePerSecond => "m³/s",
            SiUnit::UsGallonPerMinute => "US gal/min",
            SiUnit::UsGallonPerHour => "US gal/h",
            SiUnit::KilogramPerHour => "kg/h",
            SiUnit::DegreeCelsius => "°C",
            SiUnit::DegreeFahrenheit => "°F",
            SiUnit::Kelvin => "K",
            SiUnit::Bar => "bar",
            SiUnit::Volt => "V",
            SiUnit::Ampere => "A",
            SiUnit::Hertz => "Hz",
            SiUnit::Degree => "°",
            SiUnit::Percent => "%",
            SiUnit::DecibelMilliwatt => "dBm",
            SiUnit::Hca => "HCA",
            SiUnit::Currency => "currency",
            SiUnit::Baud => "Bd",
            SiUnit::BitTime => "bit times",
        }
    }

    /// The DLMS unit code (IEC 62056-6-2 unit table), if DLMS has one.
    pub const fn obis(self) -> Option<Unit> {
        Some(match self {
            SiUnit::None => Unit::COUNT,
            SiUnit::WattHour => Unit::WATT_HOUR,
            SiUnit::Joule => Unit(25),
            SiUnit::VarHour => Unit::VAR_HOUR,
            SiUnit::VoltAmpereHour => Unit(31),
            SiUnit::CubicMetre => Unit::CUBIC_METRE,
            SiUnit::Kilogram => Unit(20),
            SiUnit::Second => Unit(7),
            SiUnit::Minute => Unit(6),
            SiUnit::Hour => Unit(5),
            SiUnit::Day => Unit(4),
            SiUnit::Month => Unit(2),
            SiUnit::Year => Unit(1),
            SiUnit::Watt => Unit::WATT,
            SiUnit::Var => Unit::VAR,
            SiUnit::VoltAmpere => Unit(28),
            SiUnit::JoulePerHour => Unit(26),
            SiUnit::CubicMetrePerHour => Unit(15),
            SiUnit::DegreeCelsius => Unit::DEGREE_CELSIUS,
            SiUnit::Kelvin => Unit(52),
            SiUnit::Bar => Unit(24),
            SiUnit::Volt => Unit::VOLT,
            SiUnit::Ampere => Unit::AMPERE,
            SiUnit::Hertz => Unit::HERTZ,
            SiUnit::Degree => Unit(8),
            SiUnit::Percent => Unit(56),
            SiUnit::DecibelMilliwatt => Unit(70),
            SiUnit::Currency => Unit(10),
            SiUnit::Calorie
            | SiUnit::CubicFoot
            | SiUnit::UsGallon
            | SiUnit::CubicMetrePerMinute
            | SiUnit::CubicMetrePerSecond
            | SiUnit::UsGallonPerMinute
            | SiUnit::UsGallonPerHour
            | SiUnit::KilogramPerHour
            | SiUnit::DegreeFahrenheit
            | SiUnit::Hca
            | SiUnit::Baud
            | SiUnit::BitTime => return None,
        })
    }

    /// The unit after normalisation and the factor that takes a value there: durations in
    /// minutes, hours and days become seconds; everything else stays (factor 1).
    pub const fn normalised(self) -> (SiUnit, f64) {
        match self {
            SiUnit::Minute => (SiUnit::Second, 60.0),
            SiUnit::Hour => (SiUnit::Second, 3600.0),
            SiUnit::Day => (SiUnit::Second, 86400.0),
            u => (u, 1.0),
        }
    }
}

impl core::fmt::Display for SiUnit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.symbol())
    }
}
