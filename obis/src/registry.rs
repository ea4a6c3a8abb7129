//! The objects a Landis+Gyr E450 is known or expected to expose.
//!
//! A static table sorted by code ([`ENTRIES`]), looked up by binary search without allocating:
//! by exact code ([`lookup`]), with channel-B tolerance ([`lookup_tolerant`]) and by pattern
//! ([`matching`] with an [`ObisPattern`] such as `0-[1-4]:24.2.1*255`).
//!
//! Each entry says whether the object was seen in real customer-interface pushes
//! ([`Seen::InPushes`], with the operators) or is what an IDIS package 2 meter is expected to
//! expose over a DLMS association ([`Seen::Expected`]). Discover the real list from the
//! association's object list (`0-0:40.0.0` attribute 2); never rely on this table alone.
//!
//! ```
//! use obis::{registry, ObisCode, Quantity, Unit};
//! let entry = registry::lookup(ObisCode::new(1, 0, 31, 7, 0, 255)).unwrap();
//! assert_eq!(entry.quantity, Some(Quantity::CurrentL1));
//! assert_eq!(entry.class_id, 3);
//! let su = entry.scaler_unit.unwrap();
//! assert_eq!((su.scaler, su.unit), (-2, Unit::AMPERE));
//! ```

use core::fmt;

use crate::code::{Group, ParseError};
use crate::{ObisCode, Quantity, ScalerUnit, Unit};

/// Where an object's presence on an E450 comes from.
///
/// ```
/// assert_eq!(obis::registry::Seen::InPushes.as_str(), "push");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Seen {
    /// Decoded from real customer-interface pushes of E450 meters.
    InPushes,
    /// The IDIS convention: expected over a DLMS association, not confirmed on this meter.
    Expected,
}

impl Seen {
    /// `"push"` or `"expected"`.
    ///
    /// ```
    /// assert_eq!(obis::registry::Seen::Expected.as_str(), "expected");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Seen::InPushes => "push",
            Seen::Expected => "expected",
        }
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Seen::InPushes => "seen in pushes",
            Seen::Expected => "expected (IDIS)",
        })
    }
}

/// One object of the E450.
///
/// ```
/// use obis::registry;
/// let clock = registry::lookup(obis::obis!("0-0:1.0.0")).unwrap();
/// assert_eq!(clock.class_id, 8);
/// assert_eq!(clock.attributes, &[2]);
/// assert_eq!(clock.description, "Clock");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RegistryEntry {
    /// The logical name.
    pub code: ObisCode,
    /// The COSEM interface class (1 Data, 3 Register, 4 Extended register, 7 Profile generic,
    /// 8 Clock, 15 Association LN, 18 Image transfer, 40 Push setup, 64 Security setup,
    /// 70 Disconnect control, 71 Limiter, 72 M-Bus client).
    pub class_id: u16,
    /// The attribute(s) that carry the value, most important first.
    pub attributes: &'static [i8],
    /// The A-XDR type of the value attribute, as the Blue Book names it.
    pub value_type: &'static str,
    /// The unit, and the scaler to use when a push carries none (the E450 pushes none).
    pub scaler_unit: Option<ScalerUnit>,
    /// The reading vocabulary name, for values that are readings.
    pub quantity: Option<Quantity>,
    /// What the object is.
    pub description: &'static str,
    /// Seen in pushes, or expected.
    pub seen: Seen,
    /// The operators whose pushes carry it (empty when not known).
    pub seen_in: &'static [&'static str],
    /// A remark (variants, attribute names), empty if none.
    pub note: &'static str,
}

impl RegistryEntry {
    /// The unit, if the object has one.
    ///
    /// ```
    /// let e = obis::registry::lookup(obis::obis!("1-0:1.8.0")).unwrap();
    /// assert_eq!(e.unit(), Some(obis::Unit::WATT_HOUR));
    /// ```
    #[must_use]
    pub fn unit(&self) -> Option<Unit> {
        self.scaler_unit.map(|su| su.unit)
    }
}

/// Every entry, sorted by code (binary search).
pub static ENTRIES: &[RegistryEntry] = &[
    RegistryEntry {
        code: ObisCode::new(0, 0, 1, 0, 0, 255),
        class_id: 8,
        attributes: &[2],
        value_type: "octet-string (date-time)",
        scaler_unit: None,
        quantity: Some(Quantity::Clock),
        description: "Clock",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Wiener Netze"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 17, 0, 0, 255),
        class_id: 71,
        attributes: &[3, 4],
        value_type: "double-long-unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Limiter",
        seen: Seen::Expected,
        seen_in: &[],
        note: "threshold_active (3), threshold_normal (4)",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 40, 0, 0, 255),
        class_id: 15,
        attributes: &[2],
        value_type: "array (object_list)",
        scaler_unit: None,
        quantity: None,
        description: "Association LN, current association",
        seen: Seen::Expected,
        seen_in: &[],
        note: "read the object list from attribute 2",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 42, 0, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::DeviceName),
        description: "COSEM logical device name",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 43, 0, 0, 255),
        class_id: 64,
        attributes: &[2, 3],
        value_type: "enum",
        scaler_unit: None,
        quantity: None,
        description: "Security setup",
        seen: Seen::Expected,
        seen_in: &[],
        note: "security_policy (2), security_suite (3)",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 43, 1, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "double-long-unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Frame counter (invocation counter)",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 44, 0, 0, 255),
        class_id: 18,
        attributes: &[6],
        value_type: "enum",
        scaler_unit: None,
        quantity: None,
        description: "Image transfer",
        seen: Seen::Expected,
        seen_in: &[],
        note: "image_transfer_status (6)",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 1, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::MeterSerial),
        description: "Device ID 1 (manufacturing number)",
        seen: Seen::InPushes,
        seen_in: &["Switzerland (alternative configuration)"],
        note: "EKZ's standard configuration pushes 0-0:96.1.1 instead",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 1, 1, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::MeterSerial),
        description: "Meter serial number (device ID 2)",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 3, 10, 255),
        class_id: 70,
        attributes: &[3, 2],
        value_type: "enum (control_state), boolean (output_state)",
        scaler_unit: None,
        quantity: Some(Quantity::DisconnectState),
        description: "Disconnect control",
        seen: Seen::InPushes,
        seen_in: &["Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 11, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Event code of the standard event log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 11, 1, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Event code of the fraud detection log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 11, 2, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Event code of the disconnector control log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 11, 3, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Event code of the M-Bus event log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 11, 4, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "unsigned",
        scaler_unit: None,
        quantity: None,
        description: "Event code of the power quality event log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 96, 14, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::ActiveTariff),
        description: "Currently active tariff",
        seen: Seen::InPushes,
        seen_in: &["Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 98, 1, 0, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Billing profile (data of billing period)",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 99, 98, 0, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Standard event log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 99, 98, 1, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Fraud detection log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 99, 98, 2, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Disconnector control log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 99, 98, 3, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "M-Bus event log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 0, 99, 98, 4, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Power quality event log",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 1, 24, 1, 0, 255),
        class_id: 72,
        attributes: &[6, 9],
        value_type: "double-long-unsigned (identification_number), unsigned (device_type)",
        scaler_unit: None,
        quantity: None,
        description: "M-Bus client setup, channel 1",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 1, 24, 2, 1, 255),
        class_id: 4,
        attributes: &[2, 5],
        value_type: "double-long",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterValue),
        description: "M-Bus sub-meter value, channel 1",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "extended register, signed; the unit depends on the sub-meter",
    },
    RegistryEntry {
        code: ObisCode::new(0, 1, 96, 1, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterId),
        description: "M-Bus sub-meter ID, channel 1",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "an empty channel reports 00",
    },
    RegistryEntry {
        code: ObisCode::new(0, 2, 24, 1, 0, 255),
        class_id: 72,
        attributes: &[6, 9],
        value_type: "double-long-unsigned (identification_number), unsigned (device_type)",
        scaler_unit: None,
        quantity: None,
        description: "M-Bus client setup, channel 2",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 2, 24, 2, 1, 255),
        class_id: 4,
        attributes: &[2, 5],
        value_type: "double-long",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterValue),
        description: "M-Bus sub-meter value, channel 2",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "extended register, signed; the unit depends on the sub-meter",
    },
    RegistryEntry {
        code: ObisCode::new(0, 2, 96, 1, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterId),
        description: "M-Bus sub-meter ID, channel 2",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "an empty channel reports 00",
    },
    RegistryEntry {
        code: ObisCode::new(0, 3, 24, 1, 0, 255),
        class_id: 72,
        attributes: &[6, 9],
        value_type: "double-long-unsigned (identification_number), unsigned (device_type)",
        scaler_unit: None,
        quantity: None,
        description: "M-Bus client setup, channel 3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 3, 24, 2, 1, 255),
        class_id: 4,
        attributes: &[2, 5],
        value_type: "double-long",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterValue),
        description: "M-Bus sub-meter value, channel 3",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "extended register, signed; the unit depends on the sub-meter",
    },
    RegistryEntry {
        code: ObisCode::new(0, 3, 96, 1, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterId),
        description: "M-Bus sub-meter ID, channel 3",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "an empty channel reports 00",
    },
    RegistryEntry {
        code: ObisCode::new(0, 4, 24, 1, 0, 255),
        class_id: 72,
        attributes: &[6, 9],
        value_type: "double-long-unsigned (identification_number), unsigned (device_type)",
        scaler_unit: None,
        quantity: None,
        description: "M-Bus client setup, channel 4",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 4, 24, 2, 1, 255),
        class_id: 4,
        attributes: &[2, 5],
        value_type: "double-long",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterValue),
        description: "M-Bus sub-meter value, channel 4",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "extended register, signed; the unit depends on the sub-meter",
    },
    RegistryEntry {
        code: ObisCode::new(0, 4, 96, 1, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: Some(Quantity::SubmeterId),
        description: "M-Bus sub-meter ID, channel 4",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "an empty channel reports 00",
    },
    RegistryEntry {
        code: ObisCode::new(0, 8, 25, 9, 0, 255),
        class_id: 40,
        attributes: &[2, 1],
        value_type: "array (push_object_list)",
        scaler_unit: None,
        quantity: None,
        description: "Push setup, customer interface (instantaneous values)",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Cyprus"],
        note: "first two push entries: attribute 2 then 1",
    },
    RegistryEntry {
        code: ObisCode::new(0, 9, 25, 9, 0, 255),
        class_id: 40,
        attributes: &[2, 1],
        value_type: "array (push_object_list)",
        scaler_unit: None,
        quantity: None,
        description: "Push setup, customer interface (tariff registers)",
        seen: Seen::InPushes,
        seen_in: &["Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(0, 11, 25, 9, 0, 255),
        class_id: 40,
        attributes: &[2, 1],
        value_type: "array (push_object_list)",
        scaler_unit: None,
        quantity: None,
        description: "Push setup, customer interface (M-Bus sub-meter channels)",
        seen: Seen::InPushes,
        seen_in: &["Switzerland"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 0, 2, 0, 255),
        class_id: 1,
        attributes: &[2],
        value_type: "octet-string",
        scaler_unit: None,
        quantity: None,
        description: "Active firmware identifier",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 1, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerImport),
        description: "Active power import (+P)",
        seen: Seen::InPushes,
        seen_in: &[
            "EKZ",
            "Romande Energie",
            "Graz",
            "Wiener Netze",
            "Burgenland",
        ],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 1, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyImport),
        description: "Active energy import (+A)",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Wiener Netze", "Burgenland", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 1, 8, 1, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyImportT1),
        description: "Active energy import (+A), tariff 1",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Romande Energie", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 1, 8, 2, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyImportT2),
        description: "Active energy import (+A), tariff 2",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Romande Energie", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 1, 8, 3, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyImportT3),
        description: "Active energy import (+A), tariff 3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 1, 8, 4, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyImportT4),
        description: "Active energy import (+A), tariff 4",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 2, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerExport),
        description: "Active power export (-P)",
        seen: Seen::InPushes,
        seen_in: &[
            "EKZ",
            "Romande Energie",
            "Graz",
            "Wiener Netze",
            "Burgenland",
        ],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 2, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyExport),
        description: "Active energy export (-A)",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Wiener Netze", "Burgenland", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 2, 8, 1, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyExportT1),
        description: "Active energy export (-A), tariff 1",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Romande Energie", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 2, 8, 2, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyExportT2),
        description: "Active energy export (-A), tariff 2",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Romande Energie", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 2, 8, 3, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyExportT3),
        description: "Active energy export (-A), tariff 3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 2, 8, 4, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyExportT4),
        description: "Active energy export (-A), tariff 4",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 3, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR)),
        quantity: Some(Quantity::ReactivePowerImport),
        description: "Reactive power import (+Q)",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)", "Graz", "Wiener Netze"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 3, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyImport),
        description: "Reactive energy import (+R)",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Wiener Netze", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 3, 8, 1, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyImportT1),
        description: "Reactive energy import (+R), tariff 1",
        seen: Seen::InPushes,
        seen_in: &["Graz"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 3, 8, 2, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyImportT2),
        description: "Reactive energy import (+R), tariff 2",
        seen: Seen::InPushes,
        seen_in: &["Graz"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 3, 8, 3, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyImportT3),
        description: "Reactive energy import (+R), tariff 3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 3, 8, 4, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyImportT4),
        description: "Reactive energy import (+R), tariff 4",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 4, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR)),
        quantity: Some(Quantity::ReactivePowerExport),
        description: "Reactive power export (-Q)",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)", "Graz", "Wiener Netze"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 4, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyExport),
        description: "Reactive energy export (-R)",
        seen: Seen::InPushes,
        seen_in: &["Graz", "Wiener Netze", "Cyprus"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 4, 8, 1, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyExportT1),
        description: "Reactive energy export (-R), tariff 1",
        seen: Seen::InPushes,
        seen_in: &["Graz"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 4, 8, 2, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyExportT2),
        description: "Reactive energy export (-R), tariff 2",
        seen: Seen::InPushes,
        seen_in: &["Graz"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 4, 8, 3, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyExportT3),
        description: "Reactive energy export (-R), tariff 3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 4, 8, 4, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyExportT4),
        description: "Reactive energy export (-R), tariff 4",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 5, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ1),
        description: "Reactive energy QI",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 6, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ2),
        description: "Reactive energy QII",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 7, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ3),
        description: "Reactive energy QIII",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 8, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ4),
        description: "Reactive energy QIV",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 13, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-3, Unit::COUNT)),
        quantity: Some(Quantity::PowerFactor),
        description: "Power factor",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 14, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-2, Unit::HERTZ)),
        quantity: Some(Quantity::Frequency),
        description: "Supply frequency",
        seen: Seen::Expected,
        seen_in: &[],
        note: "scaler -2 is the IDIS convention; no push seen carries it",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 21, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerImportL1),
        description: "Active power import (+P) L1",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 22, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerExportL1),
        description: "Active power export (-P) L1",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 31, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-2, Unit::AMPERE)),
        quantity: Some(Quantity::CurrentL1),
        description: "Current L1",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Burgenland"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 32, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VOLT)),
        quantity: Some(Quantity::VoltageL1),
        description: "Voltage L1",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Burgenland"],
        note: "scaler -1 on the Norwegian variant",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 33, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-3, Unit::COUNT)),
        quantity: Some(Quantity::PowerFactorL1),
        description: "Power factor L1",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 41, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerImportL2),
        description: "Active power import (+P) L2",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 42, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerExportL2),
        description: "Active power export (-P) L2",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 51, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-2, Unit::AMPERE)),
        quantity: Some(Quantity::CurrentL2),
        description: "Current L2",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Burgenland"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 52, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VOLT)),
        quantity: Some(Quantity::VoltageL2),
        description: "Voltage L2",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Burgenland"],
        note: "scaler -1 on the Norwegian variant",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 53, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-3, Unit::COUNT)),
        quantity: Some(Quantity::PowerFactorL2),
        description: "Power factor L2",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 61, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerImportL3),
        description: "Active power import (+P) L3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 62, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT)),
        quantity: Some(Quantity::ActivePowerExportL3),
        description: "Active power export (-P) L3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 71, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-2, Unit::AMPERE)),
        quantity: Some(Quantity::CurrentL3),
        description: "Current L3",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Burgenland"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 72, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VOLT)),
        quantity: Some(Quantity::VoltageL3),
        description: "Voltage L3",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie", "Burgenland"],
        note: "scaler -1 on the Norwegian variant",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 73, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-3, Unit::COUNT)),
        quantity: Some(Quantity::PowerFactorL3),
        description: "Power factor L3",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 91, 7, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "long-unsigned",
        scaler_unit: Some(ScalerUnit::new(-2, Unit::AMPERE)),
        quantity: Some(Quantity::CurrentNeutral),
        description: "Neutral current",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 99, 1, 0, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Load profile (15 min)",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 0, 99, 2, 0, 255),
        class_id: 7,
        attributes: &[2],
        value_type: "array (buffer)",
        scaler_unit: None,
        quantity: None,
        description: "Daily load profile",
        seen: Seen::Expected,
        seen_in: &[],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 1, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyImport),
        description: "Active energy import (+A), channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 2, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::WATT_HOUR)),
        quantity: Some(Quantity::ActiveEnergyExport),
        description: "Active energy export (-A), channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ", "Romande Energie"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 3, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyImport),
        description: "Reactive energy import (+R), channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 4, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyExport),
        description: "Reactive energy export (-R), channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 5, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ1),
        description: "Reactive energy QI, channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 6, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ2),
        description: "Reactive energy QII, channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 7, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ3),
        description: "Reactive energy QIII, channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)"],
        note: "",
    },
    RegistryEntry {
        code: ObisCode::new(1, 1, 8, 8, 0, 255),
        class_id: 3,
        attributes: &[2, 3],
        value_type: "double-long-unsigned",
        scaler_unit: Some(ScalerUnit::new(0, Unit::VAR_HOUR)),
        quantity: Some(Quantity::ReactiveEnergyQ4),
        description: "Reactive energy QIV, channel 1",
        seen: Seen::InPushes,
        seen_in: &["EKZ (2021)"],
        note: "",
    },
];

/// The name of a COSEM interface class the registry uses, by class id.
///
/// ```
/// assert_eq!(obis::registry::class_name(3), Some("Register"));
/// assert_eq!(obis::registry::class_name(9999), None);
/// ```
#[must_use]
pub const fn class_name(class_id: u16) -> Option<&'static str> {
    Some(match class_id {
        1 => "Data",
        3 => "Register",
        4 => "Extended register",
        5 => "Demand register",
        7 => "Profile generic",
        8 => "Clock",
        9 => "Script table",
        15 => "Association LN",
        18 => "Image transfer",
        23 => "IEC HDLC setup",
        40 => "Push setup",
        64 => "Security setup",
        70 => "Disconnect control",
        71 => "Limiter",
        72 => "M-Bus client",
        _ => return None,
    })
}

/// The entry for exactly this code.
///
/// ```
/// use obis::{obis, registry};
/// assert!(registry::lookup(obis!("1-0:1.8.0")).is_some());
/// assert!(registry::lookup(obis!("1-0:1.8.9")).is_none());
/// ```
#[must_use]
pub fn lookup(code: ObisCode) -> Option<&'static RegistryEntry> {
    // The six bytes as one big-endian integer: same order as `ObisCode`'s `Ord`, cheaper to
    // compare than a byte slice.
    const fn key(code: ObisCode) -> u64 {
        let [a, b, c, d, e, f] = code.to_bytes();
        u64::from_be_bytes([0, 0, a, b, c, d, e, f])
    }
    let wanted = key(code);
    ENTRIES
        .binary_search_by(|entry| key(entry.code).cmp(&wanted))
        .ok()
        .and_then(|i| ENTRIES.get(i))
}

/// The entry for this code, tolerating the channel and medium variants E450s push.
///
/// In order: the exact code; for electricity (A = 1) the same code on channel 0
/// ([`ObisCode::normalize_channel`], so `1-1:1.8.1` finds `1-0:1.8.1`); and for the Norwegian
/// variant, which pushes energies and powers with A = 0 (`0-0:1.8.0`), the electricity code
/// `1-0:C.D.E*F` when C is an electricity quantity (1..=92) and D is 7 or 8.
///
/// ```
/// use obis::{obis, registry, Quantity};
/// let swiss = registry::lookup_tolerant(obis!("1-1:1.8.1")).unwrap();
/// assert_eq!(swiss.code, obis!("1-0:1.8.1"));
/// let norwegian = registry::lookup_tolerant(obis!("0-0:1.8.0")).unwrap();
/// assert_eq!(norwegian.quantity, Some(Quantity::ActiveEnergyImport));
/// ```
#[must_use]
pub fn lookup_tolerant(code: ObisCode) -> Option<&'static RegistryEntry> {
    if let Some(entry) = lookup(code) {
        return Some(entry);
    }
    let normalized = code.normalize_channel();
    if normalized != code
        && let Some(entry) = lookup(normalized)
    {
        return Some(entry);
    }
    let [a, b, c, d, e, f] = code.to_bytes();
    if a == 0 && b == 0 && (1..=92).contains(&c) && (d == 7 || d == 8) {
        return lookup(ObisCode::new(1, 0, c, d, e, f));
    }
    None
}

/// Every entry whose code matches the pattern, in code order.
///
/// ```
/// use obis::registry::{self, ObisPattern};
/// let pattern: ObisPattern = "0-b:24.2.1*255".parse().unwrap();
/// assert_eq!(registry::matching(&pattern).count(), 4);
/// ```
pub fn matching(pattern: &ObisPattern) -> impl Iterator<Item = &'static RegistryEntry> + '_ {
    ENTRIES
        .iter()
        .filter(move |entry| pattern.matches(entry.code))
}

/// What one value group of an [`ObisPattern`] accepts.
///
/// ```
/// use obis::registry::GroupPattern;
/// assert!(GroupPattern::Range(1, 4).matches(3));
/// assert!(!GroupPattern::Exact(0).matches(3));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum GroupPattern {
    /// Exactly this value.
    Exact(u8),
    /// Any value (written `*` or a letter such as `b`).
    Any,
    /// Any value in `lo..=hi` (written `[lo-hi]`).
    Range(u8, u8),
}

impl GroupPattern {
    /// Whether the value is accepted.
    ///
    /// ```
    /// assert!(obis::registry::GroupPattern::Any.matches(200));
    /// ```
    #[must_use]
    pub const fn matches(self, value: u8) -> bool {
        match self {
            GroupPattern::Exact(v) => v == value,
            GroupPattern::Any => true,
            GroupPattern::Range(lo, hi) => lo <= value && value <= hi,
        }
    }
}

impl fmt::Display for GroupPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupPattern::Exact(v) => write!(f, "{v}"),
            GroupPattern::Any => f.write_str("*"),
            GroupPattern::Range(lo, hi) => write!(f, "[{lo}-{hi}]"),
        }
    }
}

/// An OBIS code with wildcard groups, such as `0-b:24.2.1*255` (any channel) or
/// `1-0:1.8.[1-4]` (tariffs 1 to 4).
///
/// Text form: the canonical `A-B:C.D.E*F` (F optional, then 255) where each group is a number,
/// `*` or a word of letters (any value), or `[lo-hi]` (an inclusive range).
///
/// ```
/// use obis::{obis, registry::ObisPattern};
/// let tariffs: ObisPattern = "1-0:1.8.[1-4]".parse().unwrap();
/// assert!(tariffs.matches(obis!("1-0:1.8.2")));
/// assert!(!tariffs.matches(obis!("1-0:1.8.0")));
/// let any_channel: ObisPattern = "0-*:24.2.1".parse().unwrap();
/// assert!(any_channel.matches(obis!("0-3:24.2.1*255")));
/// assert_eq!(any_channel.to_string(), "0-*:24.2.1*255");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ObisPattern(pub [GroupPattern; 6]);

impl ObisPattern {
    /// The pattern that matches exactly one code.
    ///
    /// ```
    /// use obis::{obis, registry::ObisPattern};
    /// assert!(ObisPattern::exact(obis!("1-0:1.8.0")).matches(obis!("1-0:1.8.0")));
    /// ```
    #[must_use]
    pub const fn exact(code: ObisCode) -> Self {
        let [a, b, c, d, e, f] = code.to_bytes();
        Self([
            GroupPattern::Exact(a),
            GroupPattern::Exact(b),
            GroupPattern::Exact(c),
            GroupPattern::Exact(d),
            GroupPattern::Exact(e),
            GroupPattern::Exact(f),
        ])
    }

    /// Whether the code matches every group.
    ///
    /// ```
    /// use obis::{obis, registry::ObisPattern};
    /// let p: ObisPattern = "1-*:1.8.0".parse().unwrap();
    /// assert!(p.matches(obis!("1-1:1.8.0")));
    /// ```
    #[must_use]
    pub fn matches(&self, code: ObisCode) -> bool {
        self.0
            .iter()
            .zip(code.as_bytes())
            .all(|(group, &value)| group.matches(value))
    }
}

impl fmt::Display for ObisPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a}-{b}:{c}.{d}.{e}*{g}")
    }
}

/// A character-level reader for the pattern text.
struct PatternReader<'t> {
    text: &'t str,
    pos: usize,
}

impl PatternReader<'_> {
    fn peek(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn bump(&mut self, c: char) {
        self.pos = self.pos.saturating_add(c.len_utf8());
    }

    fn invalid(&self, group: Group) -> ParseError {
        match self.peek() {
            Some(found) => ParseError::InvalidCharacter {
                group,
                offset: self.pos,
                found,
            },
            None => ParseError::MissingGroup { group },
        }
    }

    fn number(&mut self, group: Group) -> Result<u8, ParseError> {
        let start = self.pos;
        let mut value: u16 = 0;
        while let Some(c) = self.peek() {
            let Some(digit) = c.to_digit(10) else { break };
            value = value.saturating_mul(10).saturating_add(digit as u16);
            self.bump(c);
        }
        if self.pos == start {
            return Err(self.invalid(group));
        }
        u8::try_from(value).map_err(|_| ParseError::ValueOutOfRange {
            group,
            offset: start,
        })
    }

    fn group(&mut self, group: Group) -> Result<GroupPattern, ParseError> {
        match self.peek() {
            Some('*') => {
                self.bump('*');
                Ok(GroupPattern::Any)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                while let Some(c) = self.peek().filter(char::is_ascii_alphabetic) {
                    self.bump(c);
                }
                Ok(GroupPattern::Any)
            }
            Some('[') => {
                self.bump('[');
                let lo = self.number(group)?;
                self.expect('-', group)?;
                let hi = self.number(group)?;
                self.expect(']', group)?;
                if lo > hi {
                    return Err(ParseError::ValueOutOfRange {
                        group,
                        offset: self.pos.saturating_sub(1),
                    });
                }
                Ok(GroupPattern::Range(lo, hi))
            }
            _ => self.number(group).map(GroupPattern::Exact),
        }
    }

    fn expect(&mut self, sep: char, group: Group) -> Result<(), ParseError> {
        if self.peek() == Some(sep) {
            self.bump(sep);
            Ok(())
        } else {
            Err(self.invalid(group))
        }
    }
}

impl core::str::FromStr for ObisPattern {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(ParseError::Empty);
        }
        let mut r = PatternReader { text, pos: 0 };
        let a = r.group(Group::A)?;
        r.expect('-', Group::B)?;
        let b = r.group(Group::B)?;
        r.expect(':', Group::C)?;
        let c = r.group(Group::C)?;
        r.expect('.', Group::D)?;
        let d = r.group(Group::D)?;
        r.expect('.', Group::E)?;
        let e = r.group(Group::E)?;
        let f = match r.peek() {
            None => GroupPattern::Exact(255),
            Some(sep @ ('*' | '.' | '&')) => {
                r.bump(sep);
                r.group(Group::F)?
            }
            Some(_) => return Err(r.invalid(Group::F)),
        };
        if r.pos < text.len() {
            return Err(ParseError::TrailingInput { offset: r.pos });
        }
        Ok(ObisPattern([a, b, c, d, e, f]))
    }
}

impl From<ObisCode> for ObisPattern {
    fn from(code: ObisCode) -> Self {
        ObisPattern::exact(code)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    extern crate alloc;
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn entries_are_sorted_and_unique() {
        assert!(ENTRIES.windows(2).all(|w| w[0].code < w[1].code));
        assert!(ENTRIES.len() >= 80);
    }

    #[test]
    fn every_entry_round_trips_through_text_and_is_found() {
        for entry in ENTRIES {
            let text = entry.code.to_string();
            assert_eq!(text.parse::<ObisCode>(), Ok(entry.code));
            assert_eq!(lookup(entry.code), Some(entry));
            assert!(!entry.description.is_empty());
            assert!(!entry.attributes.is_empty());
            if entry.seen == Seen::Expected {
                assert!(entry.seen_in.is_empty(), "{text}");
            }
        }
    }

    #[test]
    fn channel_b_tolerance() {
        let swiss = lookup_tolerant(crate::obis!("1-1:1.8.0")).unwrap();
        let austrian = lookup_tolerant(crate::obis!("1-0:1.8.0")).unwrap();
        assert_eq!(swiss.quantity, austrian.quantity);
        assert_eq!(swiss.code, crate::obis!("1-1:1.8.0"));
        assert_eq!(
            lookup_tolerant(crate::obis!("1-2:32.7.0"))
                .unwrap()
                .quantity,
            Some(Quantity::VoltageL1)
        );
        // Sub-meter channels are not folded.
        assert!(lookup_tolerant(crate::obis!("0-5:24.2.1")).is_none());
        assert!(lookup_tolerant(crate::obis!("0-0:96.7.9")).is_none());
    }

    #[test]
    fn patterns() {
        let p: ObisPattern = "0-b:24.2.1*255".parse().unwrap();
        let codes: alloc::vec::Vec<_> = matching(&p).map(|e| e.code.b()).collect();
        assert_eq!(codes, [1, 2, 3, 4]);
        let p: ObisPattern = "0-[2-3]:24.2.1".parse().unwrap();
        assert_eq!(matching(&p).count(), 2);
        let p: ObisPattern = "1-0:*.8.0".parse().unwrap();
        assert_eq!(matching(&p).count(), 8);
        assert_eq!(p.to_string(), "1-0:*.8.0*255");
        assert_eq!(p.to_string().parse::<ObisPattern>(), Ok(p));
        assert_eq!(
            "1-0:1.8.[4-1]".parse::<ObisPattern>(),
            Err(ParseError::ValueOutOfRange {
                group: Group::E,
                offset: 12
            })
        );
        assert_eq!(
            "1-0:1.8".parse::<ObisPattern>(),
            Err(ParseError::MissingGroup { group: Group::E })
        );
        assert_eq!(
            "1-0:1.8.0*255x".parse::<ObisPattern>(),
            Err(ParseError::TrailingInput { offset: 13 })
        );
    }
}
