//! Value information: the primary VIF table, the FD and FB extension tables and the combinable
//! (orthogonal) VIFE table of EN 13757-3:2018.

use crate::units::SiUnit;

/// What a value measures or identifies, from its VIF.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
#[allow(missing_docs)] // the variant names are the quantity names of the standard
pub enum Quantity {
    Energy,
    ReactiveEnergy,
    ApparentEnergy,
    Volume,
    Mass,
    OnTime,
    OperatingTime,
    Power,
    ReactivePower,
    ApparentPower,
    VolumeFlow,
    MassFlow,
    FlowTemperature,
    ReturnTemperature,
    TemperatureDifference,
    ExternalTemperature,
    Pressure,
    /// Time point: a date (type G).
    Date,
    /// Time point: date and time (type F, I) or time (type J).
    DateTime,
    HcaUnits,
    AveragingDuration,
    ActualityDuration,
    FabricationNumber,
    EnhancedIdentification,
    BusAddress,
    Credit,
    Debit,
    UniqueMessageIdentification,
    DeviceType,
    Manufacturer,
    ParameterSetIdentification,
    ModelVersion,
    HardwareVersion,
    FirmwareVersion,
    SoftwareVersion,
    CustomerLocation,
    Customer,
    AccessCodeUser,
    AccessCodeOperator,
    AccessCodeSystemOperator,
    AccessCodeDeveloper,
    Password,
    ErrorFlags,
    ErrorMask,
    SecurityKey,
    DigitalOutput,
    DigitalInput,
    Baudrate,
    ResponseDelayTime,
    Retry,
    RemoteControl,
    FirstStorageNumber,
    LastStorageNumber,
    StorageBlockSize,
    TariffSubunitDescriptor,
    StorageInterval,
    OperatorSpecificData,
    TimePointSecond,
    DurationSinceLastReadout,
    TariffStart,
    TariffDuration,
    TariffPeriod,
    Dimensionless,
    WirelessContainer,
    NominalTransmissionPeriod,
    Voltage,
    Current,
    ResetCounter,
    CumulationCounter,
    ControlSignal,
    DayOfWeek,
    WeekNumber,
    DayChangeTimePoint,
    ParameterActivationState,
    SpecialSupplierInformation,
    DurationSinceLastCumulation,
    BatteryOperatingTime,
    BatteryChangeDateTime,
    RfLevel,
    DaylightSaving,
    ListeningWindowManagement,
    RemainingBatteryLifetime,
    MeterStoppedCount,
    ManufacturerProtocolContainer,
    RelativeHumidity,
    PhaseVoltageVoltage,
    PhaseVoltageCurrent,
    Frequency,
    ColdWarmTemperatureLimit,
    CumulativeMaxPower,
    /// The VIF is a plain-text unit carried in the record.
    PlainText,
    /// "Any VIF" (a readout selection).
    AnyVif,
    /// Manufacturer specific VIF.
    ManufacturerSpecific,
    /// A reserved code.
    Reserved,
}

impl Quantity {
    /// True for time points whose data is a date or a date and time.
    pub const fn is_time_point(self) -> bool {
        matches!(
            self,
            Quantity::Date
                | Quantity::DateTime
                | Quantity::TariffStart
                | Quantity::BatteryChangeDateTime
        )
    }
}

/// The meaning of a VIF (with its first extension byte for FB and FD): quantity, unit and the
/// power of ten of the raw value.
///
/// ```
/// use mbus::{Quantity, SiUnit, Vif};
/// let info = Vif::Primary(0x04).info(); // 10 Wh
/// assert_eq!((info.quantity, info.unit, info.exponent), (Quantity::Energy, SiUnit::WattHour, 1));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct VifInfo {
    /// What is measured.
    pub quantity: Quantity,
    /// Unit of the scaled value.
    pub unit: SiUnit,
    /// Power of ten: value = raw × 10^exponent unit.
    pub exponent: i8,
}

const fn info(quantity: Quantity, unit: SiUnit, exponent: i8) -> VifInfo {
    VifInfo {
        quantity,
        unit,
        exponent,
    }
}

const fn plain(quantity: Quantity) -> VifInfo {
    info(quantity, SiUnit::None, 0)
}

/// The primary value information of a record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Vif {
    /// Primary table code 0x00..=0x7A (extension bit removed).
    Primary(u8),
    /// VIF `7C`/`FC`: the unit is the plain text of the record.
    PlainText,
    /// VIF `7E`/`FE`: any VIF (readout selection).
    Any,
    /// VIF `7F`/`FF`: manufacturer specific.
    Manufacturer,
    /// VIF `FD` with its extension code (extension bit removed).
    Fd(u8),
    /// VIF `FB` with its extension code (extension bit removed).
    Fb(u8),
    /// VIF `EF` (reserved extension table) with its extension code.
    Ef(u8),
}

const fn time_unit(nn: u8) -> SiUnit {
    match nn & 3 {
        0 => SiUnit::Second,
        1 => SiUnit::Minute,
        2 => SiUnit::Hour,
        _ => SiUnit::Day,
    }
}

/// `(n & mask) as i8 + offset`, for table codes (always small).
const fn exp(code: u8, mask: u8, offset: i8) -> i8 {
    ((code & mask) as i8).saturating_add(offset)
}

impl Vif {
    /// The quantity, unit and exponent of this VIF.
    pub fn info(self) -> VifInfo {
        let look = |t: &[VifInfo; 128], c: u8| {
            t.get(usize::from(c & 0x7F))
                .copied()
                .unwrap_or(plain(Quantity::Reserved))
        };
        use Quantity as Q;
        match self {
            Vif::Primary(c) => look(&PRIMARY, c),
            Vif::PlainText => plain(Q::PlainText),
            Vif::Any => plain(Q::AnyVif),
            Vif::Manufacturer => plain(Q::ManufacturerSpecific),
            Vif::Fd(c) => look(&FD, c),
            Vif::Fb(c) => look(&FB, c),
            Vif::Ef(_) => plain(Q::Reserved),
        }
    }
}

const fn primary_info(c: u8) -> VifInfo {
    use Quantity as Q;
    use SiUnit as U;
    match c & 0x7F {
        0x00..=0x07 => info(Q::Energy, U::WattHour, exp(c, 7, -3)),
        0x08..=0x0F => info(Q::Energy, U::Joule, exp(c, 7, 0)),
        0x10..=0x17 => info(Q::Volume, U::CubicMetre, exp(c, 7, -6)),
        0x18..=0x1F => info(Q::Mass, U::Kilogram, exp(c, 7, -3)),
        0x20..=0x23 => info(Q::OnTime, time_unit(c), 0),
        0x24..=0x27 => info(Q::OperatingTime, time_unit(c), 0),
        0x28..=0x2F => info(Q::Power, U::Watt, exp(c, 7, -3)),
        0x30..=0x37 => info(Q::Power, U::JoulePerHour, exp(c, 7, 0)),
        0x38..=0x3F => info(Q::VolumeFlow, U::CubicMetrePerHour, exp(c, 7, -6)),
        0x40..=0x47 => info(Q::VolumeFlow, U::CubicMetrePerMinute, exp(c, 7, -7)),
        0x48..=0x4F => info(Q::VolumeFlow, U::CubicMetrePerSecond, exp(c, 7, -9)),
        0x50..=0x57 => info(Q::MassFlow, U::KilogramPerHour, exp(c, 7, -3)),
        0x58..=0x5B => info(Q::FlowTemperature, U::DegreeCelsius, exp(c, 3, -3)),
        0x5C..=0x5F => info(Q::ReturnTemperature, U::DegreeCelsius, exp(c, 3, -3)),
        0x60..=0x63 => info(Q::TemperatureDifference, U::Kelvin, exp(c, 3, -3)),
        0x64..=0x67 => info(Q::ExternalTemperature, U::DegreeCelsius, exp(c, 3, -3)),
        0x68..=0x6B => info(Q::Pressure, U::Bar, exp(c, 3, -3)),
        0x6C => plain(Q::Date),
        0x6D => plain(Q::DateTime),
        0x6E => info(Q::HcaUnits, U::Hca, 0),
        0x70..=0x73 => info(Q::AveragingDuration, time_unit(c), 0),
        0x74..=0x77 => info(Q::ActualityDuration, time_unit(c), 0),
        0x78 => plain(Q::FabricationNumber),
        0x79 => plain(Q::EnhancedIdentification),
        0x7A => plain(Q::BusAddress),
        0x7C => plain(Q::PlainText),
        0x7E => plain(Q::AnyVif),
        0x7F => plain(Q::ManufacturerSpecific),
        _ => plain(Q::Reserved),
    }
}

/// A 128-entry lookup table of a code table, built at compile time.
macro_rules! table {
    ($f:ident) => {{
        let mut t = [plain(Quantity::Reserved); 128];
        let mut i = 0;
        while i < 128 {
            t[i] = $f(i as u8);
            i += 1;
        }
        t
    }};
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // compile time, bounded by 128
static PRIMARY: [VifInfo; 128] = table!(primary_info);
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // compile time, bounded by 128
static FD: [VifInfo; 128] = table!(fd_info);
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // compile time, bounded by 128
static FB: [VifInfo; 128] = table!(fb_info);

const fn fd_info(c: u8) -> VifInfo {
    use Quantity as Q;
    use SiUnit as U;
    match c & 0x7F {
        0x00..=0x03 => info(Q::Credit, U::Currency, exp(c, 3, -3)),
        0x04..=0x07 => info(Q::Debit, U::Currency, exp(c, 3, -3)),
        0x08 => plain(Q::UniqueMessageIdentification),
        0x09 => plain(Q::DeviceType),
        0x0A => plain(Q::Manufacturer),
        0x0B => plain(Q::ParameterSetIdentification),
        0x0C => plain(Q::ModelVersion),
        0x0D => plain(Q::HardwareVersion),
        0x0E => plain(Q::FirmwareVersion),
        0x0F => plain(Q::SoftwareVersion),
        0x10 => plain(Q::CustomerLocation),
        0x11 => plain(Q::Customer),
        0x12 => plain(Q::AccessCodeUser),
        0x13 => plain(Q::AccessCodeOperator),
        0x14 => plain(Q::AccessCodeSystemOperator),
        0x15 => plain(Q::AccessCodeDeveloper),
        0x16 => plain(Q::Password),
        0x17 => plain(Q::ErrorFlags),
        0x18 => plain(Q::ErrorMask),
        0x19 => plain(Q::SecurityKey),
        0x1A => plain(Q::DigitalOutput),
        0x1B => plain(Q::DigitalInput),
        0x1C => info(Q::Baudrate, U::Baud, 0),
        0x1D => info(Q::ResponseDelayTime, U::BitTime, 0),
        0x1E => plain(Q::Retry),
        0x1F => plain(Q::RemoteControl),
        0x20 => plain(Q::FirstStorageNumber),
        0x21 => plain(Q::LastStorageNumber),
        0x22 => plain(Q::StorageBlockSize),
        0x23 => plain(Q::TariffSubunitDescriptor),
        0x24..=0x27 => info(Q::StorageInterval, time_unit(c), 0),
        0x28 => info(Q::StorageInterval, U::Month, 0),
        0x29 => info(Q::StorageInterval, U::Year, 0),
        0x2A => plain(Q::OperatorSpecificData),
        0x2B => info(Q::TimePointSecond, U::Second, 0),
        0x2C..=0x2F => info(Q::DurationSinceLastReadout, time_unit(c), 0),
        0x30 => plain(Q::TariffStart),
        0x31..=0x33 => info(Q::TariffDuration, time_unit(c), 0),
        0x34..=0x37 => info(Q::TariffPeriod, time_unit(c), 0),
        0x38 => info(Q::TariffPeriod, U::Month, 0),
        0x39 => info(Q::TariffPeriod, U::Year, 0),
        0x3A => plain(Q::Dimensionless),
        0x3B => plain(Q::WirelessContainer),
        0x3C..=0x3F => info(Q::NominalTransmissionPeriod, time_unit(c), 0),
        0x40..=0x4F => info(Q::Voltage, U::Volt, exp(c, 15, -9)),
        0x50..=0x5F => info(Q::Current, U::Ampere, exp(c, 15, -12)),
        0x60 => plain(Q::ResetCounter),
        0x61 => plain(Q::CumulationCounter),
        0x62 => plain(Q::ControlSignal),
        0x63 => plain(Q::DayOfWeek),
        0x64 => plain(Q::WeekNumber),
        0x65 => plain(Q::DayChangeTimePoint),
        0x66 => plain(Q::ParameterActivationState),
        0x67 => plain(Q::SpecialSupplierInformation),
        0x68 => info(Q::DurationSinceLastCumulation, U::Hour, 0),
        0x69 => info(Q::DurationSinceLastCumulation, U::Day, 0),
        0x6A => info(Q::DurationSinceLastCumulation, U::Month, 0),
        0x6B => info(Q::DurationSinceLastCumulation, U::Year, 0),
        0x6C => info(Q::BatteryOperatingTime, U::Hour, 0),
        0x6D => info(Q::BatteryOperatingTime, U::Day, 0),
        0x6E => info(Q::BatteryOperatingTime, U::Month, 0),
        0x6F => info(Q::BatteryOperatingTime, U::Year, 0),
        0x70 => plain(Q::BatteryChangeDateTime),
        0x71 => info(Q::RfLevel, U::DecibelMilliwatt, 0),
        0x72 => plain(Q::DaylightSaving),
        0x73 => plain(Q::ListeningWindowManagement),
        0x74 => info(Q::RemainingBatteryLifetime, U::Day, 0),
        0x75 => plain(Q::MeterStoppedCount),
        0x76 => plain(Q::ManufacturerProtocolContainer),
        _ => plain(Q::Reserved),
    }
}

/// The FB extension table (EN 13757-3:2018 table 14, "alternate extended VIF codes").
///
/// Codes the standard marks reserved but that the M-Bus Usergroup document 4.8 (1998) had
/// assigned, with no later assignment in conflict, keep that legacy meaning: `22`–`26` (US
/// gallons and gallons per minute/hour) and `58`–`67`, `70`–`73` (temperatures in °F). `32` and
/// `33` (E011 001n) are reserved in both; apparent power is E011 01nn (`34`–`37`,
/// 10^(nn−3) kVA).
const fn fb_info(c: u8) -> VifInfo {
    use Quantity as Q;
    use SiUnit as U;
    match c & 0x7F {
        0x00..=0x01 => info(Q::Energy, U::WattHour, exp(c, 1, 5)),
        0x02..=0x03 => info(Q::ReactiveEnergy, U::VarHour, exp(c, 1, 3)),
        0x04..=0x05 => info(Q::ApparentEnergy, U::VoltAmpereHour, exp(c, 1, 3)),
        0x08..=0x09 => info(Q::Energy, U::Joule, exp(c, 1, 8)),
        0x0C..=0x0F => info(Q::Energy, U::Calorie, exp(c, 3, 5)),
        0x10..=0x11 => info(Q::Volume, U::CubicMetre, exp(c, 1, 2)),
        0x14..=0x17 => info(Q::ReactivePower, U::Var, exp(c, 3, 0)),
        0x18..=0x19 => info(Q::Mass, U::Kilogram, exp(c, 1, 5)),
        0x1A..=0x1B => info(Q::RelativeHumidity, U::Percent, exp(c, 1, -1)),
        0x20 => info(Q::Volume, U::CubicFoot, 0),
        0x21 => info(Q::Volume, U::CubicFoot, -1),
        // 0x22..=0x26: reserved in EN 13757-3:2018; legacy meaning (US gallons)
        0x22 => info(Q::Volume, U::UsGallon, -1),
        0x23 => info(Q::Volume, U::UsGallon, 0),
        0x24 => info(Q::VolumeFlow, U::UsGallonPerMinute, -3),
        0x25 => info(Q::VolumeFlow, U::UsGallonPerMinute, 0),
        0x26 => info(Q::VolumeFlow, U::UsGallonPerHour, 0),
        0x28..=0x29 => info(Q::Power, U::Watt, exp(c, 1, 5)),
        0x2A => info(Q::PhaseVoltageVoltage, U::Degree, -1),
        0x2B => info(Q::PhaseVoltageCurrent, U::Degree, -1),
        0x2C..=0x2F => info(Q::Frequency, U::Hertz, exp(c, 3, -3)),
        0x30..=0x31 => info(Q::Power, U::JoulePerHour, exp(c, 1, 8)),
        // E011 001n (0x32, 0x33) is reserved; apparent power is E011 01nn, 10^(nn-3) kVA
        0x34..=0x37 => info(Q::ApparentPower, U::VoltAmpere, exp(c, 3, 0)),
        // 0x58..=0x67 and 0x70..=0x73: reserved in EN 13757-3:2018; legacy meaning (°F)
        0x58..=0x5B => info(Q::FlowTemperature, U::DegreeFahrenheit, exp(c, 3, -3)),
        0x5C..=0x5F => info(Q::ReturnTemperature, U::DegreeFahrenheit, exp(c, 3, -3)),
        0x60..=0x63 => info(Q::TemperatureDifference, U::DegreeFahrenheit, exp(c, 3, -3)),
        0x64..=0x67 => info(Q::ExternalTemperature, U::DegreeFahrenheit, exp(c, 3, -3)),
        0x70..=0x73 => info(
            Q::ColdWarmTemperatureLimit,
            U::DegreeFahrenheit,
            exp(c, 3, -3),
        ),
        0x74..=0x77 => info(Q::ColdWarmTemperatureLimit, U::DegreeCelsius, exp(c, 3, -3)),
        0x78..=0x7F => info(Q::CumulativeMaxPower, U::Watt, exp(c, 7, -3)),
        _ => plain(Q::Reserved),
    }
}

/// A combinable (orthogonal) VIFE, extension bit removed (EN 13757-3:2018 table 15 and the
/// record error codes of table 18).
///
/// ```
/// use mbus::Vife;
/// assert_eq!(Vife(0x74).multiplier_exponent(), Some(-2));
/// assert_eq!(Vife(0x22).name(), "per hour");
/// assert_eq!(Vife(0x15).record_error(), Some(0x15));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Vife(pub u8);

impl Vife {
    /// Multiplicative correction factor 10^(nnn−6) (`70`..`77`) or 10^3 (`7D`).
    pub const fn multiplier_exponent(self) -> Option<i8> {
        match self.0 & 0x7F {
            c @ 0x70..=0x77 => Some(exp(c, 7, -6)),
            0x7D => Some(3),
            _ => None,
        }
    }

    /// Additive correction constant 10^(nn−3) in the unit of the VIF (`78`..`7B`).
    pub const fn additive_exponent(self) -> Option<i8> {
        match self.0 & 0x7F {
            c @ 0x78..=0x7B => Some(exp(c, 3, -3)),
            _ => None,
        }
    }

    /// The record error code (`00`..`1F`, slave to master), if this is one.
    pub const fn record_error(self) -> Option<u8> {
        match self.0 & 0x7F {
            c @ 0x00..=0x1F => Some(c),
            _ => None,
        }
    }

    /// True when the value is a time point: `39` "start date(/time) of", `42`/`43`/`46`/`47`
    /// and `4A`/`4B`/`4E`/`4F` "date(/time) of begin/end of first/last lower/upper limit
    /// exceed" (E100 uf1b), and `6A`/`6B`/`6E`/`6F` "date(/time) of begin/end of first/last"
    /// (E110 1f1b) of EN 13757-3:2018 table 15. The VIFE turns the whole record into the date
    /// of the event: per the standard the data field then says the type (`2` type G date,
    /// `4` type F date and time), whatever the quantity of the VIF.
    ///
    /// ```
    /// use mbus::Vife;
    /// assert!(Vife(0x6F).is_time_point()); // date/time of end of last
    /// assert!(!Vife(0x6D).is_time_point()); // overflow values
    /// ```
    pub const fn is_time_point(self) -> bool {
        matches!(
            self.0 & 0x7F,
            0x39 | 0x42
                | 0x43
                | 0x46
                | 0x47
                | 0x4A
                | 0x4B
                | 0x4E
                | 0x4F
                | 0x6A
                | 0x6B
                | 0x6E
                | 0x6F
        )
    }

    /// A short English description.
    pub const fn name(self) -> &'static str {
        match self.0 & 0x7F {
            0x00 => "no error",
            0x01 => "error: too many DIFEs",
            0x02 => "error: storage number not implemented",
            0x03 => "error: unit number not implemented",
            0x04 => "error: tariff number not implemented",
            0x05 => "error: function not implemented",
            0x06 => "error: data class not implemented",
            0x07 => "error: data size not implemented",
            0x0B => "error: too many VIFEs",
            0x0C => "error: illegal VIF group",
            0x0D => "error: illegal VIF exponent",
            0x0E => "error: VIF/DIF mismatch",
            0x0F => "error: unimplemented action",
            0x15 => "error: no data available",
            0x16 => "error: data overflow",
            0x17 => "error: data underflow",
            0x18 => "error: data error",
            0x1C => "error: premature end of record",
            0x08..=0x0A | 0x10..=0x14 | 0x19..=0x1B | 0x1D..=0x1F => "reserved record error",
            0x20 => "per second",
            0x21 => "per minute",
            0x22 => "per hour",
            0x23 => "per day",
            0x24 => "per week",
            0x25 => "per month",
            0x26 => "per year",
            0x27 => "per revolution / measurement",
            0x28 => "increment per input pulse on input channel 0",
            0x29 => "increment per input pulse on input channel 1",
            0x2A => "increment per output pulse on output channel 0",
            0x2B => "increment per output pulse on output channel 1",
            0x2C => "per litre",
            0x2D => "per m³",
            0x2E => "per kg",
            0x2F => "per K",
            0x30 => "per kWh",
            0x31 => "per GJ",
            0x32 => "per kW",
            0x33 => "per K·l",
            0x34 => "per V",
            0x35 => "per A",
            0x36 => "multiplied by s",
            0x37 => "multiplied by s/V",
            0x38 => "multiplied by s/A",
            0x39 => "start date(/time) of",
            0x3A => "uncorrected unit (value at metering conditions)",
            0x3B => "accumulation only if positive contributions",
            0x3C => "accumulation of abs value only if negative contributions",
            0x3D => "alternate non-metric unit system",
            0x3E => "value at base conditions",
            0x3F => "OBIS declaration",
            0x40 => "lower limit value",
            0x48 => "upper limit value",
            0x41 => "number of exceeds of lower limit",
            0x49 => "number of exceeds of upper limit",
            0x42 => "date/time of begin of first lower limit exceed",
            0x43 => "date/time of end of first lower limit exceed",
            0x46 => "date/time of begin of last lower limit exceed",
            0x47 => "date/time of end of last lower limit exceed",
            0x4A => "date/time of begin of first upper limit exceed",
            0x4B => "date/time of end of first upper limit exceed",
            0x4E => "date/time of begin of last upper limit exceed",
            0x4F => "date/time of end of last upper limit exceed",
            0x50..=0x5F => "duration of limit exceed",
            0x60..=0x67 => "duration of",
            0x68 => "value during lower limit exceed",
            0x69 => "leakage values",
            0x6C => "value during upper limit exceed",
            0x6D => "overflow values",
            0x6A => "date/time of begin of first",
            0x6B => "date/time of end of first",
            0x6E => "date/time of begin of last",
            0x6F => "date/time of end of last",
            0x70..=0x77 => "multiplicative correction factor",
            0x78..=0x7B => "additive correction constant",
            0x7C => "extension of the combinable VIFE table",
            0x7D => "multiplicative correction factor 10³",
            0x7E => "future value",
            0x7F => "manufacturer specific VIFEs and data follow",
            _ => "reserved",
        }
    }
}
