//! What any OBIS code means, from the value-group tables of IEC 62056-6-1.
//!
//! [`describe`] never fails and never allocates: every one of the 2^48 codes gets a
//! [`Description`], whose fields are enums and whose `Display` writes an English text piece by
//! piece.
//!
//! ```
//! use obis::{describe, obis};
//! let d = describe(obis!("1-0:1.8.1"));
//! assert_eq!(d.to_string(), "Active energy import (+A), time integral 1, tariff 1");
//! assert_eq!(d.medium, obis::Medium::Electricity);
//! assert_eq!(d.tariff(), Some(obis::Tariff::Rate(1)));
//! ```

use core::fmt;

use crate::ObisCode;

/// Value group A: the medium.
///
/// ```
/// assert_eq!(obis::Medium::from_a(7), obis::Medium::Gas);
/// assert_eq!(obis::Medium::Gas.as_str(), "gas");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Medium {
    /// 0: abstract objects (clock, identifiers, profiles, communication setup).
    Abstract,
    /// 1: electricity.
    Electricity,
    /// 4: heat cost allocator.
    HeatCostAllocator,
    /// 5: cooling.
    Cooling,
    /// 6: heat.
    Heat,
    /// 7: gas.
    Gas,
    /// 8: cold water.
    ColdWater,
    /// 9: hot water.
    HotWater,
    /// Any other value: reserved.
    Reserved(u8),
}

impl Medium {
    /// The medium of value group A.
    ///
    /// ```
    /// assert_eq!(obis::Medium::from_a(1), obis::Medium::Electricity);
    /// ```
    #[must_use]
    pub const fn from_a(a: u8) -> Medium {
        match a {
            0 => Medium::Abstract,
            1 => Medium::Electricity,
            4 => Medium::HeatCostAllocator,
            5 => Medium::Cooling,
            6 => Medium::Heat,
            7 => Medium::Gas,
            8 => Medium::ColdWater,
            9 => Medium::HotWater,
            other => Medium::Reserved(other),
        }
    }

    /// A `snake_case` name (`"electricity"`, `"cold_water"`, `"reserved"`).
    ///
    /// ```
    /// assert_eq!(obis::Medium::ColdWater.as_str(), "cold_water");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Medium::Abstract => "abstract",
            Medium::Electricity => "electricity",
            Medium::HeatCostAllocator => "heat_cost_allocator",
            Medium::Cooling => "cooling",
            Medium::Heat => "heat",
            Medium::Gas => "gas",
            Medium::ColdWater => "cold_water",
            Medium::HotWater => "hot_water",
            Medium::Reserved(_) => "reserved",
        }
    }

    const fn label(self) -> &'static str {
        match self {
            Medium::Abstract => "abstract",
            Medium::Electricity => "electricity",
            Medium::HeatCostAllocator => "heat cost allocator",
            Medium::Cooling => "cooling",
            Medium::Heat => "heat",
            Medium::Gas => "gas",
            Medium::ColdWater => "cold water",
            Medium::HotWater => "hot water",
            Medium::Reserved(_) => "reserved medium",
        }
    }
}

impl fmt::Display for Medium {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Medium::Reserved(a) => write!(f, "reserved medium {a}"),
            other => f.write_str(other.label()),
        }
    }
}

/// Value group B: the channel.
///
/// ```
/// assert_eq!(obis::Channel::from_b(0), obis::Channel::Unspecified);
/// assert_eq!(obis::Channel::from_b(3), obis::Channel::Number(3));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Channel {
    /// 0: no channel specified.
    Unspecified,
    /// 1..=64: channel n.
    Number(u8),
    /// 65..=127: utility specific.
    UtilitySpecific(u8),
    /// 128..=199: manufacturer specific.
    ManufacturerSpecific(u8),
    /// 200..=255: reserved.
    Reserved(u8),
}

impl Channel {
    /// The channel of value group B.
    ///
    /// ```
    /// assert_eq!(obis::Channel::from_b(130), obis::Channel::ManufacturerSpecific(130));
    /// ```
    #[must_use]
    pub const fn from_b(b: u8) -> Channel {
        match b {
            0 => Channel::Unspecified,
            1..=64 => Channel::Number(b),
            65..=127 => Channel::UtilitySpecific(b),
            128..=199 => Channel::ManufacturerSpecific(b),
            _ => Channel::Reserved(b),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Unspecified => f.write_str("no channel"),
            Channel::Number(n) => write!(f, "channel {n}"),
            Channel::UtilitySpecific(n) => write!(f, "utility-specific channel {n}"),
            Channel::ManufacturerSpecific(n) => write!(f, "manufacturer-specific channel {n}"),
            Channel::Reserved(n) => write!(f, "reserved channel {n}"),
        }
    }
}

/// The phase of a per-phase electricity quantity (C = 21..=80).
///
/// ```
/// assert_eq!(obis::describe(obis::obis!("1-0:52.7.0")).phase, Some(obis::Phase::L2));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Phase {
    /// Phase L1 (C = 21..=40).
    L1,
    /// Phase L2 (C = 41..=60).
    L2,
    /// Phase L3 (C = 61..=80).
    L3,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::L1 => "L1",
            Phase::L2 => "L2",
            Phase::L3 => "L3",
        })
    }
}

/// Value group C for electricity (A = 1): what is measured, independent of the phase.
///
/// ```
/// use obis::{describe, obis, ElectricityQuantity, QuantityKind};
/// assert_eq!(
///     describe(obis!("1-0:31.7.0")).quantity,
///     QuantityKind::Electricity(ElectricityQuantity::Current)
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ElectricityQuantity {
    /// 1: active power import, +P (QI+QIV).
    ActivePowerImport,
    /// 2: active power export, −P (QII+QIII).
    ActivePowerExport,
    /// 3: reactive power import, +Q (QI+QII).
    ReactivePowerImport,
    /// 4: reactive power export, −Q (QIII+QIV).
    ReactivePowerExport,
    /// 5..=8: reactive power in quadrant n (1..=4).
    ReactivePowerQuadrant(u8),
    /// 9: apparent power import, +S (QI+QIV).
    ApparentPowerImport,
    /// 10: apparent power export, −S (QII+QIII).
    ApparentPowerExport,
    /// 11: current.
    Current,
    /// 12: voltage.
    Voltage,
    /// 13: power factor.
    PowerFactor,
    /// 14: supply frequency.
    Frequency,
    /// 15: active power |+P| + |−P|.
    ActivePowerAbsoluteSum,
    /// 16: active power |+P| − |−P| (net).
    ActivePowerNet,
    /// 17..=20: active power in quadrant n (1..=4).
    ActivePowerQuadrant(u8),
    /// 81: phase angles (the pair is in value group E).
    Angle,
    /// 82: unitless quantities (pulses or pieces).
    Unitless,
    /// 83: transformer and line loss quantities.
    TransformerLoss,
    /// 84..=87: power factor of the export direction (84 total, 85..=87 L1..L3).
    PowerFactorExport,
    /// 88: ampere-squared hours.
    AmpereSquaredHours,
    /// 89: volt-squared hours.
    VoltSquaredHours,
    /// 90: current, sum over all phases.
    CurrentSum,
    /// 91: neutral current.
    NeutralCurrent,
    /// 92: neutral voltage.
    NeutralVoltage,
}

const QUADRANTS: [&str; 4] = ["QI", "QII", "QIII", "QIV"];

fn quadrant(n: u8) -> &'static str {
    QUADRANTS
        .get(usize::from(n.saturating_sub(1)))
        .copied()
        .unwrap_or("Q?")
}

impl ElectricityQuantity {
    /// Whether integrating this quantity over time gives an energy (powers do).
    #[must_use]
    pub const fn is_power(self) -> bool {
        matches!(
            self,
            ElectricityQuantity::ActivePowerImport
                | ElectricityQuantity::ActivePowerExport
                | ElectricityQuantity::ReactivePowerImport
                | ElectricityQuantity::ReactivePowerExport
                | ElectricityQuantity::ReactivePowerQuadrant(_)
                | ElectricityQuantity::ApparentPowerImport
                | ElectricityQuantity::ApparentPowerExport
                | ElectricityQuantity::ActivePowerAbsoluteSum
                | ElectricityQuantity::ActivePowerNet
                | ElectricityQuantity::ActivePowerQuadrant(_)
        )
    }

    /// Writes the name, as an energy when `energy` is set and the quantity is a power.
    fn write_name(self, f: &mut fmt::Formatter<'_>, energy: bool) -> fmt::Result {
        use ElectricityQuantity as Q;
        let energy = energy && self.is_power();
        match self {
            Q::ActivePowerImport if energy => f.write_str("Active energy import (+A)"),
            Q::ActivePowerImport => f.write_str("Active power import (+P)"),
            Q::ActivePowerExport if energy => f.write_str("Active energy export (-A)"),
            Q::ActivePowerExport => f.write_str("Active power export (-P)"),
            Q::ReactivePowerImport if energy => f.write_str("Reactive energy import (+R)"),
            Q::ReactivePowerImport => f.write_str("Reactive power import (+Q)"),
            Q::ReactivePowerExport if energy => f.write_str("Reactive energy export (-R)"),
            Q::ReactivePowerExport => f.write_str("Reactive power export (-Q)"),
            Q::ReactivePowerQuadrant(n) if energy => write!(f, "Reactive energy {}", quadrant(n)),
            Q::ReactivePowerQuadrant(n) => write!(f, "Reactive power {}", quadrant(n)),
            Q::ApparentPowerImport if energy => f.write_str("Apparent energy import (+S)"),
            Q::ApparentPowerImport => f.write_str("Apparent power import (+S)"),
            Q::ApparentPowerExport if energy => f.write_str("Apparent energy export (-S)"),
            Q::ApparentPowerExport => f.write_str("Apparent power export (-S)"),
            Q::Current => f.write_str("Current"),
            Q::Voltage => f.write_str("Voltage"),
            Q::PowerFactor => f.write_str("Power factor"),
            Q::Frequency => f.write_str("Supply frequency"),
            Q::ActivePowerAbsoluteSum if energy => f.write_str("Active energy |+A|+|-A|"),
            Q::ActivePowerAbsoluteSum => f.write_str("Active power |+P|+|-P|"),
            Q::ActivePowerNet if energy => f.write_str("Active energy |+A|-|-A|"),
            Q::ActivePowerNet => f.write_str("Active power |+P|-|-P|"),
            Q::ActivePowerQuadrant(n) if energy => write!(f, "Active energy {}", quadrant(n)),
            Q::ActivePowerQuadrant(n) => write!(f, "Active power {}", quadrant(n)),
            Q::Angle => f.write_str("Phase angle"),
            Q::Unitless => f.write_str("Unitless quantity (pulses or pieces)"),
            Q::TransformerLoss => f.write_str("Transformer and line loss quantity"),
            Q::PowerFactorExport => f.write_str("Power factor (export)"),
            Q::AmpereSquaredHours => f.write_str("Ampere-squared hours"),
            Q::VoltSquaredHours => f.write_str("Volt-squared hours"),
            Q::CurrentSum => f.write_str("Current, sum of all phases"),
            Q::NeutralCurrent => f.write_str("Neutral current"),
            Q::NeutralVoltage => f.write_str("Neutral voltage"),
        }
    }

    /// The quantity and phase of an electricity value group C in 1..=20, 21..=80, 81..=92.
    const fn from_c(c: u8) -> Option<(ElectricityQuantity, Option<Phase>)> {
        use ElectricityQuantity as Q;
        let (base, phase) = match c {
            1..=20 => (c, None),
            21..=40 => (c.wrapping_sub(20), Some(Phase::L1)),
            41..=60 => (c.wrapping_sub(40), Some(Phase::L2)),
            61..=80 => (c.wrapping_sub(60), Some(Phase::L3)),
            81 => return Some((Q::Angle, None)),
            82 => return Some((Q::Unitless, None)),
            83 => return Some((Q::TransformerLoss, None)),
            84 => return Some((Q::PowerFactorExport, None)),
            85 => return Some((Q::PowerFactorExport, Some(Phase::L1))),
            86 => return Some((Q::PowerFactorExport, Some(Phase::L2))),
            87 => return Some((Q::PowerFactorExport, Some(Phase::L3))),
            88 => return Some((Q::AmpereSquaredHours, None)),
            89 => return Some((Q::VoltSquaredHours, None)),
            90 => return Some((Q::CurrentSum, None)),
            91 => return Some((Q::NeutralCurrent, None)),
            92 => return Some((Q::NeutralVoltage, None)),
            _ => return None,
        };
        let quantity = match base {
            1 => Q::ActivePowerImport,
            2 => Q::ActivePowerExport,
            3 => Q::ReactivePowerImport,
            4 => Q::ReactivePowerExport,
            5..=8 => Q::ReactivePowerQuadrant(base.wrapping_sub(4)),
            9 => Q::ApparentPowerImport,
            10 => Q::ApparentPowerExport,
            11 => Q::Current,
            12 => Q::Voltage,
            13 => Q::PowerFactor,
            14 => Q::Frequency,
            15 => Q::ActivePowerAbsoluteSum,
            16 => Q::ActivePowerNet,
            _ => Q::ActivePowerQuadrant(base.wrapping_sub(16)),
        };
        Some((quantity, phase))
    }
}

/// The group of abstract and general-purpose objects a value group C names (A = 0, and the
/// service groups 0, 94, 96..=99 of every medium).
///
/// ```
/// use obis::{describe, obis, ObjectGroup, QuantityKind};
/// assert_eq!(describe(obis!("0-0:1.0.0")).quantity, QuantityKind::Object(ObjectGroup::Clock));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ObjectGroup {
    /// 0: general purpose objects (identification, billing period, program entries, time).
    GeneralPurpose,
    /// 1: clock.
    Clock,
    /// 2: modem configuration.
    Modem,
    /// 10: script tables.
    ScriptTable,
    /// 11: special days tables.
    SpecialDays,
    /// 12: schedules.
    Schedule,
    /// 13: activity calendars.
    ActivityCalendar,
    /// 14: register activation.
    RegisterActivation,
    /// 15: single action schedules.
    SingleActionSchedule,
    /// 16: register and alarm monitors.
    RegisterMonitor,
    /// 17: limiters.
    Limiter,
    /// 18: array managers.
    ArrayManager,
    /// 19: payment metering.
    Payment,
    /// 20: IEC local port setup.
    IecLocalPort,
    /// 21: standard readout definitions.
    StandardReadout,
    /// 22: IEC HDLC setup.
    IecHdlcSetup,
    /// 23: IEC twisted pair setup.
    IecTwistedPair,
    /// 24: M-Bus setup, clients and values.
    MBus,
    /// 25: internet setup (TCP-UDP, IPv4, PPP, GPRS, push setup, NTP).
    Internet,
    /// 26..=39: other communication setup objects.
    CommunicationSetup(u8),
    /// 40: associations.
    Association,
    /// 41: SAP assignment.
    SapAssignment,
    /// 42: COSEM logical device name.
    LogicalDeviceName,
    /// 43: information security (security setup, invocation counters).
    Security,
    /// 44: image transfer.
    ImageTransfer,
    /// 65: utility tables.
    UtilityTables,
    /// 94: country-specific identifiers.
    CountrySpecific,
    /// 96: service entries (device ids, disconnect control, status, event codes, tariff).
    ServiceEntries,
    /// 97: error and alarm registers.
    ErrorRegisters,
    /// 98: lists (billing data).
    Lists,
    /// 99: data profiles (load profiles, event logs).
    DataProfiles,
    /// 127: inactive objects.
    Inactive,
    /// Another abstract value group C without an assigned meaning here.
    Other(u8),
}

impl ObjectGroup {
    const fn from_c(c: u8) -> ObjectGroup {
        match c {
            0 => ObjectGroup::GeneralPurpose,
            1 => ObjectGroup::Clock,
            2 => ObjectGroup::Modem,
            10 => ObjectGroup::ScriptTable,
            11 => ObjectGroup::SpecialDays,
            12 => ObjectGroup::Schedule,
            13 => ObjectGroup::ActivityCalendar,
            14 => ObjectGroup::RegisterActivation,
            15 => ObjectGroup::SingleActionSchedule,
            16 => ObjectGroup::RegisterMonitor,
            17 => ObjectGroup::Limiter,
            18 => ObjectGroup::ArrayManager,
            19 => ObjectGroup::Payment,
            20 => ObjectGroup::IecLocalPort,
            21 => ObjectGroup::StandardReadout,
            22 => ObjectGroup::IecHdlcSetup,
            23 => ObjectGroup::IecTwistedPair,
            24 => ObjectGroup::MBus,
            25 => ObjectGroup::Internet,
            26..=39 => ObjectGroup::CommunicationSetup(c),
            40 => ObjectGroup::Association,
            41 => ObjectGroup::SapAssignment,
            42 => ObjectGroup::LogicalDeviceName,
            43 => ObjectGroup::Security,
            44 => ObjectGroup::ImageTransfer,
            65 => ObjectGroup::UtilityTables,
            94 => ObjectGroup::CountrySpecific,
            96 => ObjectGroup::ServiceEntries,
            97 => ObjectGroup::ErrorRegisters,
            98 => ObjectGroup::Lists,
            99 => ObjectGroup::DataProfiles,
            127 => ObjectGroup::Inactive,
            other => ObjectGroup::Other(other),
        }
    }

    /// An English name of the group.
    ///
    /// ```
    /// assert_eq!(obis::ObjectGroup::DataProfiles.name(), "Data profile");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ObjectGroup::GeneralPurpose => "General purpose object",
            ObjectGroup::Clock => "Clock",
            ObjectGroup::Modem => "Modem configuration",
            ObjectGroup::ScriptTable => "Script table",
            ObjectGroup::SpecialDays => "Special days table",
            ObjectGroup::Schedule => "Schedule",
            ObjectGroup::ActivityCalendar => "Activity calendar",
            ObjectGroup::RegisterActivation => "Register activation",
            ObjectGroup::SingleActionSchedule => "Single action schedule",
            ObjectGroup::RegisterMonitor => "Register monitor",
            ObjectGroup::Limiter => "Limiter",
            ObjectGroup::ArrayManager => "Array manager",
            ObjectGroup::Payment => "Payment metering object",
            ObjectGroup::IecLocalPort => "IEC local port setup",
            ObjectGroup::StandardReadout => "Standard readout definition",
            ObjectGroup::IecHdlcSetup => "IEC HDLC setup",
            ObjectGroup::IecTwistedPair => "IEC twisted pair setup",
            ObjectGroup::MBus => "M-Bus object",
            ObjectGroup::Internet => "Internet setup object",
            ObjectGroup::CommunicationSetup(_) => "Communication setup object",
            ObjectGroup::Association => "Association",
            ObjectGroup::SapAssignment => "SAP assignment",
            ObjectGroup::LogicalDeviceName => "COSEM logical device name",
            ObjectGroup::Security => "Security object",
            ObjectGroup::ImageTransfer => "Image transfer",
            ObjectGroup::UtilityTables => "Utility table",
            ObjectGroup::CountrySpecific => "Country-specific identifier",
            ObjectGroup::ServiceEntries => "Service entry",
            ObjectGroup::ErrorRegisters => "Error register",
            ObjectGroup::Lists => "List",
            ObjectGroup::DataProfiles => "Data profile",
            ObjectGroup::Inactive => "Inactive object",
            ObjectGroup::Other(_) => "Abstract object",
        }
    }
}

/// Value group C: what the code is about.
///
/// ```
/// use obis::{describe, obis, QuantityKind};
/// assert_eq!(describe(obis!("1-0:200.7.0")).quantity, QuantityKind::Reserved(200));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum QuantityKind {
    /// An electricity quantity (A = 1, C = 1..=92).
    Electricity(ElectricityQuantity),
    /// An abstract or general-purpose object.
    Object(ObjectGroup),
    /// A quantity of another medium (heat, gas, water, ...), by its value group C.
    MediumSpecific(u8),
    /// C = 128..=199 (and 240): manufacturer specific.
    ManufacturerSpecific(u8),
    /// A value not assigned by the standard.
    Reserved(u8),
}

/// Value group D for measured quantities: how the value is processed.
///
/// ```
/// use obis::{describe, obis, Processing};
/// assert_eq!(describe(obis!("1-0:1.8.0")).processing, Processing::TimeIntegral(1));
/// assert_eq!(describe(obis!("1-0:1.6.0")).processing, Processing::Maximum(1));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Processing {
    /// 0: billing period average (since the last reset).
    BillingPeriodAverage,
    /// 1, 11, 21: cumulative minimum 1, 2, 3.
    CumulativeMinimum(u8),
    /// 2, 12, 22: cumulative maximum 1, 2, 3.
    CumulativeMaximum(u8),
    /// 3, 13, 23: minimum 1, 2, 3.
    Minimum(u8),
    /// 4, 14, 24, 27, 28: current average 1, 2, 3, 5, 6.
    CurrentAverage(u8),
    /// 5, 15, 25: last average 1, 2, 3.
    LastAverage(u8),
    /// 6, 16, 26: maximum 1, 2, 3.
    Maximum(u8),
    /// 7: instantaneous value.
    Instantaneous,
    /// 8, 9, 10, 58, 29, 30, 17..=20: time integral 1, 2, 3, 4, 5, 6, 7..=10.
    TimeIntegral(u8),
    /// 31: under-limit threshold.
    UnderLimitThreshold,
    /// 32: under-limit occurrence counter.
    UnderLimitCount,
    /// 33: under-limit duration.
    UnderLimitDuration,
    /// 34: under-limit magnitude.
    UnderLimitMagnitude,
    /// 35: over-limit threshold.
    OverLimitThreshold,
    /// 36: over-limit occurrence counter.
    OverLimitCount,
    /// 37: over-limit duration.
    OverLimitDuration,
    /// 38: over-limit magnitude.
    OverLimitMagnitude,
    /// 39: missing threshold.
    MissingThreshold,
    /// 40: missing occurrence counter.
    MissingCount,
    /// 41: missing duration.
    MissingDuration,
    /// 42: missing magnitude.
    MissingMagnitude,
    /// 46: contracted value.
    ContractedValue,
    /// 51, 52: minimum for recording interval 1, 2.
    IntervalMinimum(u8),
    /// 53, 54: maximum for recording interval 1, 2.
    IntervalMaximum(u8),
    /// 55: test average.
    TestAverage,
    /// 128..=254: manufacturer specific.
    ManufacturerSpecific(u8),
    /// A value not assigned by the standard.
    Reserved(u8),
    /// The code is an object (value group D is part of its name), or a quantity of a medium
    /// whose processing table is not decoded here.
    NotApplicable,
}

impl Processing {
    /// The processing of an electricity value group D.
    ///
    /// ```
    /// assert_eq!(obis::Processing::from_d(29), obis::Processing::TimeIntegral(5));
    /// ```
    #[must_use]
    pub const fn from_d(d: u8) -> Processing {
        use Processing as P;
        match d {
            0 => P::BillingPeriodAverage,
            1 => P::CumulativeMinimum(1),
            2 => P::CumulativeMaximum(1),
            3 => P::Minimum(1),
            4 => P::CurrentAverage(1),
            5 => P::LastAverage(1),
            6 => P::Maximum(1),
            7 => P::Instantaneous,
            8 => P::TimeIntegral(1),
            9 => P::TimeIntegral(2),
            10 => P::TimeIntegral(3),
            11 => P::CumulativeMinimum(2),
            12 => P::CumulativeMaximum(2),
            13 => P::Minimum(2),
            14 => P::CurrentAverage(2),
            15 => P::LastAverage(2),
            16 => P::Maximum(2),
            17..=20 => P::TimeIntegral(d.wrapping_sub(10)),
            21 => P::CumulativeMinimum(3),
            22 => P::CumulativeMaximum(3),
            23 => P::Minimum(3),
            24 => P::CurrentAverage(3),
            25 => P::LastAverage(3),
            26 => P::Maximum(3),
            27 => P::CurrentAverage(5),
            28 => P::CurrentAverage(6),
            29 => P::TimeIntegral(5),
            30 => P::TimeIntegral(6),
            31 => P::UnderLimitThreshold,
            32 => P::UnderLimitCount,
            33 => P::UnderLimitDuration,
            34 => P::UnderLimitMagnitude,
            35 => P::OverLimitThreshold,
            36 => P::OverLimitCount,
            37 => P::OverLimitDuration,
            38 => P::OverLimitMagnitude,
            39 => P::MissingThreshold,
            40 => P::MissingCount,
            41 => P::MissingDuration,
            42 => P::MissingMagnitude,
            46 => P::ContractedValue,
            51 => P::IntervalMinimum(1),
            52 => P::IntervalMinimum(2),
            53 => P::IntervalMaximum(1),
            54 => P::IntervalMaximum(2),
            55 => P::TestAverage,
            58 => P::TimeIntegral(4),
            128..=254 => P::ManufacturerSpecific(d),
            other => P::Reserved(other),
        }
    }

    /// Whether value group E is a tariff (rate) for this processing.
    const fn has_tariff(self) -> bool {
        matches!(
            self,
            Processing::BillingPeriodAverage
                | Processing::CumulativeMinimum(_)
                | Processing::CumulativeMaximum(_)
                | Processing::Minimum(_)
                | Processing::CurrentAverage(_)
                | Processing::LastAverage(_)
                | Processing::Maximum(_)
                | Processing::TimeIntegral(_)
                | Processing::ContractedValue
                | Processing::IntervalMinimum(_)
                | Processing::IntervalMaximum(_)
                | Processing::TestAverage
        )
    }
}

impl fmt::Display for Processing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Processing as P;
        match self {
            P::BillingPeriodAverage => f.write_str("billing period average"),
            P::CumulativeMinimum(n) => write!(f, "cumulative minimum {n}"),
            P::CumulativeMaximum(n) => write!(f, "cumulative maximum {n}"),
            P::Minimum(n) => write!(f, "minimum {n}"),
            P::CurrentAverage(n) => write!(f, "current average {n}"),
            P::LastAverage(n) => write!(f, "last average {n}"),
            P::Maximum(n) => write!(f, "maximum {n}"),
            P::Instantaneous => f.write_str("instantaneous value"),
            P::TimeIntegral(n) => write!(f, "time integral {n}"),
            P::UnderLimitThreshold => f.write_str("under-limit threshold"),
            P::UnderLimitCount => f.write_str("under-limit occurrence counter"),
            P::UnderLimitDuration => f.write_str("under-limit duration"),
            P::UnderLimitMagnitude => f.write_str("under-limit magnitude"),
            P::OverLimitThreshold => f.write_str("over-limit threshold"),
            P::OverLimitCount => f.write_str("over-limit occurrence counter"),
            P::OverLimitDuration => f.write_str("over-limit duration"),
            P::OverLimitMagnitude => f.write_str("over-limit magnitude"),
            P::MissingThreshold => f.write_str("missing threshold"),
            P::MissingCount => f.write_str("missing occurrence counter"),
            P::MissingDuration => f.write_str("missing duration"),
            P::MissingMagnitude => f.write_str("missing magnitude"),
            P::ContractedValue => f.write_str("contracted value"),
            P::IntervalMinimum(n) => write!(f, "minimum for recording interval {n}"),
            P::IntervalMaximum(n) => write!(f, "maximum for recording interval {n}"),
            P::TestAverage => f.write_str("test average"),
            P::ManufacturerSpecific(d) => write!(f, "manufacturer-specific processing {d}"),
            P::Reserved(d) => write!(f, "reserved processing {d}"),
            P::NotApplicable => Ok(()),
        }
    }
}

/// A voltage or current of a phase angle (value group E of C = 81).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AnglePoint {
    /// Voltage of phase L1, L2, L3 (0, 1, 2) or the neutral (3).
    Voltage(u8),
    /// Current of phase L1, L2, L3 (4, 5, 6) or the neutral (7).
    Current(u8),
}

impl AnglePoint {
    const fn from_digit(digit: u8) -> Option<AnglePoint> {
        match digit {
            0..=3 => Some(AnglePoint::Voltage(digit)),
            4..=7 => Some(AnglePoint::Current(digit.wrapping_sub(4))),
            _ => None,
        }
    }
}

impl fmt::Display for AnglePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (letter, index) = match *self {
            AnglePoint::Voltage(i) => ('U', i),
            AnglePoint::Current(i) => ('I', i),
        };
        match index {
            0 => write!(f, "{letter}(L1)"),
            1 => write!(f, "{letter}(L2)"),
            2 => write!(f, "{letter}(L3)"),
            _ => write!(f, "{letter}(N)"),
        }
    }
}

/// The tariff of a register (value group E for energies, demands and averages).
///
/// ```
/// use obis::{describe, obis, Tariff};
/// assert_eq!(describe(obis!("1-0:2.8.0")).tariff(), Some(Tariff::Total));
/// assert_eq!(describe(obis!("1-0:2.8.2")).tariff(), Some(Tariff::Rate(2)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Tariff {
    /// E = 0: the total over all tariffs.
    Total,
    /// E = 1..=63: tariff n.
    Rate(u8),
}

/// Value group E: the further classification.
///
/// ```
/// use obis::{describe, obis, Classification};
/// assert_eq!(describe(obis!("1-0:32.7.124")).classification, Classification::TotalHarmonicDistortion);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Classification {
    /// Nothing to say (E = 0 on an instantaneous value or object, or E = 255).
    None,
    /// A tariff, for energies, demands and averages.
    Tariff(Tariff),
    /// E = 1..=120 on an instantaneous value: the n-th harmonic (1 = fundamental).
    Harmonic(u8),
    /// E = 124: total harmonic distortion.
    TotalHarmonicDistortion,
    /// E = 125: total demand distortion.
    TotalDemandDistortion,
    /// E = 126: all harmonics.
    AllHarmonics,
    /// E = 127: all harmonics used to calculate the THD.
    AllHarmonicsThd,
    /// The two points of a phase angle (C = 81): `measured` relative to `reference`.
    Angle {
        /// The reference point (tens digit of E).
        reference: AnglePoint,
        /// The measured point (units digit of E).
        measured: AnglePoint,
    },
    /// The instance number of an object, threshold or medium-specific quantity.
    Instance(u8),
    /// E = 128..=254: manufacturer specific.
    ManufacturerSpecific(u8),
    /// A value not assigned for this quantity and processing.
    Reserved(u8),
}

/// Value group F: the billing period.
///
/// ```
/// use obis::{describe, obis, Billing};
/// assert_eq!(describe(obis!("1-0:1.8.0*101")).billing, Some(Billing::Last(1)));
/// assert_eq!(describe(obis!("1-0:1.8.0*5")).billing, Some(Billing::Period(5)));
/// assert_eq!(describe(obis!("1-0:1.8.0")).billing, None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Billing {
    /// F = 0..=99: the value of billing period n (the billing period counter).
    Period(u8),
    /// F = 101..=125: the n-th last billing period (101 = the last one).
    Last(u8),
    /// F = 126: an unspecified number of the most recent billing periods.
    MostRecent,
    /// F = 128..=254: manufacturer specific.
    ManufacturerSpecific(u8),
    /// F = 100 or 127: reserved.
    Reserved(u8),
}

impl Billing {
    /// The billing period of value group F; `None` for 255 (not used).
    ///
    /// ```
    /// assert_eq!(obis::Billing::from_f(126), Some(obis::Billing::MostRecent));
    /// ```
    #[must_use]
    pub const fn from_f(f: u8) -> Option<Billing> {
        match f {
            0..=99 => Some(Billing::Period(f)),
            101..=125 => Some(Billing::Last(f.wrapping_sub(100))),
            126 => Some(Billing::MostRecent),
            128..=254 => Some(Billing::ManufacturerSpecific(f)),
            255 => None,
            other => Some(Billing::Reserved(other)),
        }
    }
}

fn ordinal_suffix(n: u8) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

impl fmt::Display for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Billing::Period(n) => write!(f, "billing period {n}"),
            Billing::Last(1) => f.write_str("last billing period"),
            Billing::Last(n) => write!(f, "{n}{} last billing period", ordinal_suffix(n)),
            Billing::MostRecent => f.write_str("most recent billing periods"),
            Billing::ManufacturerSpecific(n) => write!(f, "manufacturer-specific billing {n}"),
            Billing::Reserved(n) => write!(f, "reserved billing value {n}"),
        }
    }
}

/// The name of a well-known object, and whether the name already says what E means.
fn object_name(a: u8, c: u8, d: u8, e: u8) -> Option<(&'static str, bool)> {
    const DEVICE_IDS: [&str; 10] = [
        "Device ID 1 (manufacturing number)",
        "Device ID 2",
        "Device ID 3",
        "Device ID 4",
        "Device ID 5",
        "Device ID 6",
        "Device ID 7",
        "Device ID 8",
        "Device ID 9",
        "Device ID 10",
    ];
    let name = match (c, d, e) {
        (0, 0, _) if a == 1 => "Complete combined electricity ID",
        (0, 0, _) => "Device identification",
        (0, 1, _) => "Billing period counter and values",
        (0, 2, 0) => return Some(("Active firmware identifier", true)),
        (0, 2, _) => "Program entries (firmware)",
        (0, 3, _) if a == 1 => "Output pulse values or constants",
        (0, 4, _) if a == 1 => "Reading factors and transformer ratios",
        (0, 6, _) if a == 1 => "Nominal values",
        (0, 7, _) if a == 1 => "Input pulse values or constants",
        (0, 8, _) if a == 1 => "Measurement and recording periods",
        (0, 9, _) => "Time entries",
        (1, 0, _) => "Clock",
        (10, 0, 0) => return Some(("Global meter reset script table", true)),
        (10, 0, 1) => return Some(("End of billing period script table", true)),
        (10, 0, 100) => return Some(("Tariffication script table", true)),
        (10, 0, 106) => return Some(("Disconnect control script table", true)),
        (10, 0, 107) => return Some(("Image activation script table", true)),
        (10, 0, 108) => return Some(("Push script table", true)),
        (16, 1, _) => "Alarm monitor",
        (20, 0, 0) => return Some(("IEC optical port setup", true)),
        (20, 0, 1) => return Some(("IEC electrical port setup", true)),
        (24, 0, _) => "M-Bus slave port setup",
        (24, 1, _) => "M-Bus client setup",
        (24, 2, _) => "M-Bus value",
        (24, 3, _) => "M-Bus profile",
        (24, 4, _) => "M-Bus disconnect control",
        (24, 5, _) => "M-Bus control log",
        (24, 6, _) => "M-Bus master port setup",
        (25, 0, _) => "TCP-UDP setup",
        (25, 1, _) => "IPv4 setup",
        (25, 2, _) => "MAC address setup",
        (25, 3, _) => "PPP setup",
        (25, 4, _) => "GPRS modem setup",
        (25, 5, _) => "SMTP setup",
        (25, 6, _) => "GSM diagnostic",
        (25, 7, _) => "IPv6 setup",
        (25, 9, _) => "Push setup",
        (25, 10, _) => "NTP setup",
        (40, 0, 0) => return Some(("Association, current association", true)),
        (40, 0, _) => "Association",
        (41, 0, _) => "SAP assignment",
        (42, 0, _) => "COSEM logical device name",
        (43, 0, _) => "Security setup",
        (43, 1, _) => "Invocation counter (frame counter)",
        (44, 0, _) => "Image transfer",
        (96, 1, _) => {
            return DEVICE_IDS
                .get(usize::from(e))
                .map(|&name| (name, true))
                .or(Some(("Device ID", false)));
        }
        (96, 2, _) => "Parameter changes and calibration",
        (96, 3, 10) => return Some(("Disconnect control", true)),
        (96, 3, _) => "Input/output control signals",
        (96, 4, _) => "Internal control signals",
        (96, 5, _) => "Internal operating status",
        (96, 6, _) => "Battery entries",
        (96, 7, _) => "Power failure monitoring",
        (96, 8, _) => "Operating time",
        (96, 9, _) => "Environment related parameters",
        (96, 10, _) => "Status register",
        (96, 11, _) => "Event code",
        (96, 12, _) => "Communication port log parameters",
        (96, 13, _) => "Consumer message",
        (96, 14, _) => "Currently active tariff",
        (96, 15, _) => "Event counter",
        (96, 50..=99, _) => "Manufacturer-specific service entry",
        (97, 97, _) => "Error register",
        (97, 98, _) => "Alarm register or filter",
        (98, 1, _) => "Data of billing period (scheme 1)",
        (98, 2, _) => "Data of billing period (scheme 2)",
        (99, 1, _) => "Load profile with recording period 1",
        (99, 2, _) => "Load profile with recording period 2",
        (99, 3, _) => "Load profile during test",
        (99, 97, _) => "Power failure event log",
        (99, 98, _) => "Event log",
        _ => return None,
    };
    Some((name, false))
}

/// The meaning of an OBIS code, group by group.
///
/// `Display` writes an English sentence, without allocating.
///
/// ```
/// use obis::{describe, obis, ElectricityQuantity, Phase, Processing, QuantityKind};
/// let d = describe(obis!("1-0:32.7.0"));
/// assert_eq!(d.quantity, QuantityKind::Electricity(ElectricityQuantity::Voltage));
/// assert_eq!(d.phase, Some(Phase::L1));
/// assert_eq!(d.processing, Processing::Instantaneous);
/// assert_eq!(d.to_string(), "Voltage L1, instantaneous value");
/// assert_eq!(describe(obis!("0-0:96.3.10")).to_string(), "Disconnect control");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Description {
    /// The code described.
    pub code: ObisCode,
    /// Value group A.
    pub medium: Medium,
    /// Value group B.
    pub channel: Channel,
    /// Value group C.
    pub quantity: QuantityKind,
    /// The phase, for per-phase electricity quantities.
    pub phase: Option<Phase>,
    /// Value group D, for measured quantities.
    pub processing: Processing,
    /// Value group E.
    pub classification: Classification,
    /// Value group F (`None` for 255, not used).
    pub billing: Option<Billing>,
    /// The name of a well-known object (`"Clock"`, `"Push setup"`, `"Event log"`).
    pub object_name: Option<&'static str>,
}

impl Description {
    /// The tariff, when value group E is one.
    ///
    /// ```
    /// assert_eq!(obis::describe(obis::obis!("1-0:1.7.0")).tariff(), None);
    /// ```
    #[must_use]
    pub const fn tariff(&self) -> Option<Tariff> {
        match self.classification {
            Classification::Tariff(t) => Some(t),
            _ => None,
        }
    }

    /// Whether the code names an energy (a time integral of a power).
    ///
    /// ```
    /// assert!(obis::describe(obis::obis!("1-0:1.8.0")).is_energy());
    /// assert!(!obis::describe(obis::obis!("1-0:1.7.0")).is_energy());
    /// ```
    #[must_use]
    pub const fn is_energy(&self) -> bool {
        match (self.quantity, self.processing) {
            (QuantityKind::Electricity(q), Processing::TimeIntegral(_)) => q.is_power(),
            _ => false,
        }
    }
}

/// E for a measured electricity quantity.
const fn electricity_classification(processing: Processing, e: u8) -> Classification {
    if processing.has_tariff() {
        return match e {
            0 => Classification::Tariff(Tariff::Total),
            1..=63 => Classification::Tariff(Tariff::Rate(e)),
            128..=254 => Classification::ManufacturerSpecific(e),
            255 => Classification::None,
            other => Classification::Reserved(other),
        };
    }
    match (processing, e) {
        (_, 0 | 255) => Classification::None,
        (_, 128..=254) => Classification::ManufacturerSpecific(e),
        (Processing::Instantaneous, 1..=120) => Classification::Harmonic(e),
        (Processing::Instantaneous, 124) => Classification::TotalHarmonicDistortion,
        (Processing::Instantaneous, 125) => Classification::TotalDemandDistortion,
        (Processing::Instantaneous, 126) => Classification::AllHarmonics,
        (Processing::Instantaneous, 127) => Classification::AllHarmonicsThd,
        (Processing::Instantaneous, _) => Classification::Reserved(e),
        _ => Classification::Instance(e),
    }
}

const fn instance(e: u8) -> Classification {
    match e {
        0 | 255 => Classification::None,
        128..=254 => Classification::ManufacturerSpecific(e),
        other => Classification::Instance(other),
    }
}

const fn angle(e: u8) -> Classification {
    match (
        AnglePoint::from_digit(e / 10),
        AnglePoint::from_digit(e % 10),
    ) {
        (Some(reference), Some(measured)) => Classification::Angle {
            reference,
            measured,
        },
        _ => Classification::Reserved(e),
    }
}

/// Describes any OBIS code.
///
/// ```
/// use obis::{describe, obis};
/// assert_eq!(
///     describe(obis!("1-1:2.8.0")).to_string(),
///     "Active energy export (-A), time integral 1, total, channel 1"
/// );
/// assert_eq!(describe(obis!("0-0:1.0.0")).to_string(), "Clock");
/// assert_eq!(describe(obis!("0-8:25.9.0")).to_string(), "Push setup, channel 8");
/// ```
#[must_use]
pub fn describe(code: ObisCode) -> Description {
    let [a, b, c, d, e, f] = code.to_bytes();
    let medium = Medium::from_a(a);
    let general = matches!(c, 0 | 94 | 96..=99);
    let mut description = Description {
        code,
        medium,
        channel: Channel::from_b(b),
        quantity: QuantityKind::Reserved(c),
        phase: None,
        processing: Processing::NotApplicable,
        classification: instance(e),
        billing: Billing::from_f(f),
        object_name: None,
    };
    if matches!(c, 128..=199 | 240) {
        description.quantity = QuantityKind::ManufacturerSpecific(c);
        if a == 1 {
            description.processing = Processing::from_d(d);
            description.classification = electricity_classification(description.processing, e);
        }
        return description;
    }
    if a == 0 || general {
        if a == 0 && !general && c >= 100 && c != 127 {
            return description;
        }
        description.quantity = QuantityKind::Object(ObjectGroup::from_c(c));
        if let Some((name, consumes_e)) = object_name(a, c, d, e) {
            description.object_name = Some(name);
            if consumes_e {
                description.classification = Classification::None;
            }
        }
        return description;
    }
    if a == 1 {
        if let Some((quantity, phase)) = ElectricityQuantity::from_c(c) {
            description.quantity = QuantityKind::Electricity(quantity);
            description.phase = phase;
            description.processing = Processing::from_d(d);
            description.classification = if matches!(quantity, ElectricityQuantity::Angle) {
                angle(e)
            } else {
                electricity_classification(description.processing, e)
            };
        }
        return description;
    }
    if matches!(medium, Medium::Reserved(_)) || c > 99 {
        return description;
    }
    description.quantity = QuantityKind::MediumSpecific(c);
    description
}

impl ObisCode {
    /// Describes the code, see [`describe`].
    ///
    /// ```
    /// let d = obis::obis!("1-0:14.7.0").describe();
    /// assert_eq!(d.to_string(), "Supply frequency, instantaneous value");
    /// ```
    #[must_use]
    pub fn describe(self) -> Description {
        describe(self)
    }
}

/// Writes `, ` between pieces.
struct Pieces<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    first: bool,
}

impl Pieces<'_, '_> {
    fn piece(&mut self, value: impl fmt::Display) -> fmt::Result {
        if !self.first {
            self.f.write_str(", ")?;
        }
        self.first = false;
        write!(self.f, "{value}")
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Classification::None => Ok(()),
            Classification::Tariff(Tariff::Total) => f.write_str("total"),
            Classification::Tariff(Tariff::Rate(n)) => write!(f, "tariff {n}"),
            Classification::Harmonic(1) => f.write_str("fundamental (1st harmonic)"),
            Classification::Harmonic(n) => write!(f, "{n}{} harmonic", ordinal_suffix(n)),
            Classification::TotalHarmonicDistortion => f.write_str("total harmonic distortion"),
            Classification::TotalDemandDistortion => f.write_str("total demand distortion"),
            Classification::AllHarmonics => f.write_str("all harmonics"),
            Classification::AllHarmonicsThd => f.write_str("all harmonics (for THD)"),
            Classification::Angle {
                reference,
                measured,
            } => write!(f, "{measured} relative to {reference}"),
            Classification::Instance(n) => write!(f, "instance {n}"),
            Classification::ManufacturerSpecific(n) => {
                write!(f, "manufacturer-specific classification {n}")
            }
            Classification::Reserved(n) => write!(f, "reserved classification {n}"),
        }
    }
}

impl fmt::Display for Description {
    /// An English text, e.g. `Active energy import (+A), time integral 1, tariff 1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.quantity {
            QuantityKind::Electricity(q) => {
                q.write_name(f, self.is_energy())?;
                if let Some(phase) = self.phase {
                    write!(f, " {phase}")?;
                }
                if let Classification::Angle { .. } = self.classification {
                    write!(f, " {}", self.classification)?;
                }
            }
            QuantityKind::Object(group) => {
                f.write_str(self.object_name.unwrap_or(group.name()))?;
                if !matches!(self.medium, Medium::Abstract | Medium::Electricity) {
                    write!(f, " ({})", self.medium)?;
                }
            }
            QuantityKind::MediumSpecific(c) => {
                write!(f, "{} quantity {c}", Capitalized(self.medium.label()))?;
                write!(f, ", processing {}", self.code.d())?;
            }
            QuantityKind::ManufacturerSpecific(c) => {
                write!(f, "Manufacturer-specific quantity {c}")?;
                if !matches!(self.medium, Medium::Electricity) {
                    write!(f, " ({})", self.medium)?;
                }
            }
            QuantityKind::Reserved(c) => write!(f, "Reserved quantity {c} ({})", self.medium)?,
        }
        let mut pieces = Pieces { f, first: false };
        if !matches!(self.processing, Processing::NotApplicable) {
            pieces.piece(self.processing)?;
        }
        if !matches!(
            self.classification,
            Classification::None | Classification::Angle { .. }
        ) {
            pieces.piece(self.classification)?;
        }
        if let Some(billing) = self.billing {
            pieces.piece(billing)?;
        }
        if !matches!(self.channel, Channel::Unspecified) {
            pieces.piece(self.channel)?;
        }
        Ok(())
    }
}

/// Writes a label with its first letter in upper case.
struct Capitalized(&'static str);

impl fmt::Display for Capitalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        if let Some(first) = chars.next() {
            write!(f, "{}", first.to_ascii_uppercase())?;
        }
        f.write_str(chars.as_str())
    }
}
