//! The fixed vocabulary of reading names shared by Rust, the CLI's JSON and Python.

use core::fmt;

use crate::ObisCode;

/// A quantity name is not in the vocabulary.
///
/// ```
/// assert!("voltage_l4".parse::<obis::Quantity>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("unknown quantity name")]
#[non_exhaustive]
pub struct UnknownQuantity;

macro_rules! quantities {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// What a reading measures: a fixed vocabulary of `snake_case` names.
        ///
        /// The names are the same in Rust (`as_str`, `Display`, `FromStr`, serde), in the JSON of
        /// the `compteur` tool and in Python. `docs/quantities.md` lists each with its OBIS code,
        /// unit and scaler.
        ///
        /// ```
        /// use obis::{ObisCode, Quantity};
        /// assert_eq!(Quantity::ActiveEnergyImport.as_str(), "active_energy_import");
        /// assert_eq!("voltage_l1".parse(), Ok(Quantity::VoltageL1));
        /// assert_eq!(Quantity::of(ObisCode::new(1, 1, 1, 8, 0, 255)), Some(Quantity::ActiveEnergyImport));
        /// ```
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[non_exhaustive]
        pub enum Quantity {
            $($(#[$doc])* $variant,)*
        }

        impl Quantity {
            /// Every quantity, in declaration order.
            pub const ALL: &'static [Quantity] = &[$(Quantity::$variant,)*];

            /// The `snake_case` name.
            ///
            /// ```
            /// assert_eq!(obis::Quantity::CurrentNeutral.as_str(), "current_neutral");
            /// ```
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Quantity::$variant => $name,)*
                }
            }

            /// The quantity with this `snake_case` name.
            ///
            /// ```
            /// assert_eq!(obis::Quantity::from_name("frequency"), Some(obis::Quantity::Frequency));
            /// ```
            #[must_use]
            pub fn from_name(name: &str) -> Option<Quantity> {
                match name {
                    $($name => Some(Quantity::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

quantities! {
    /// Active energy import, +A (QI+QIV), total.
    ActiveEnergyImport = "active_energy_import",
    /// Active energy export, −A (QII+QIII), total.
    ActiveEnergyExport = "active_energy_export",
    /// Reactive energy import, +R (QI+QII), total.
    ReactiveEnergyImport = "reactive_energy_import",
    /// Reactive energy export, −R (QIII+QIV), total.
    ReactiveEnergyExport = "reactive_energy_export",
    /// Reactive energy in quadrant I, total.
    ReactiveEnergyQ1 = "reactive_energy_q1",
    /// Reactive energy in quadrant II, total.
    ReactiveEnergyQ2 = "reactive_energy_q2",
    /// Reactive energy in quadrant III, total.
    ReactiveEnergyQ3 = "reactive_energy_q3",
    /// Reactive energy in quadrant IV, total.
    ReactiveEnergyQ4 = "reactive_energy_q4",
    /// Active energy import, tariff 1.
    ActiveEnergyImportT1 = "active_energy_import_t1",
    /// Active energy import, tariff 2.
    ActiveEnergyImportT2 = "active_energy_import_t2",
    /// Active energy import, tariff 3.
    ActiveEnergyImportT3 = "active_energy_import_t3",
    /// Active energy import, tariff 4.
    ActiveEnergyImportT4 = "active_energy_import_t4",
    /// Active energy export, tariff 1.
    ActiveEnergyExportT1 = "active_energy_export_t1",
    /// Active energy export, tariff 2.
    ActiveEnergyExportT2 = "active_energy_export_t2",
    /// Active energy export, tariff 3.
    ActiveEnergyExportT3 = "active_energy_export_t3",
    /// Active energy export, tariff 4.
    ActiveEnergyExportT4 = "active_energy_export_t4",
    /// Reactive energy import, tariff 1.
    ReactiveEnergyImportT1 = "reactive_energy_import_t1",
    /// Reactive energy import, tariff 2.
    ReactiveEnergyImportT2 = "reactive_energy_import_t2",
    /// Reactive energy import, tariff 3.
    ReactiveEnergyImportT3 = "reactive_energy_import_t3",
    /// Reactive energy import, tariff 4.
    ReactiveEnergyImportT4 = "reactive_energy_import_t4",
    /// Reactive energy export, tariff 1.
    ReactiveEnergyExportT1 = "reactive_energy_export_t1",
    /// Reactive energy export, tariff 2.
    ReactiveEnergyExportT2 = "reactive_energy_export_t2",
    /// Reactive energy export, tariff 3.
    ReactiveEnergyExportT3 = "reactive_energy_export_t3",
    /// Reactive energy export, tariff 4.
    ReactiveEnergyExportT4 = "reactive_energy_export_t4",
    /// Active power import, +P (QI+QIV).
    ActivePowerImport = "active_power_import",
    /// Active power export, −P (QII+QIII).
    ActivePowerExport = "active_power_export",
    /// Reactive power import, +Q (QI+QII).
    ReactivePowerImport = "reactive_power_import",
    /// Reactive power export, −Q (QIII+QIV).
    ReactivePowerExport = "reactive_power_export",
    /// Active power import on phase L1.
    ActivePowerImportL1 = "active_power_import_l1",
    /// Active power import on phase L2.
    ActivePowerImportL2 = "active_power_import_l2",
    /// Active power import on phase L3.
    ActivePowerImportL3 = "active_power_import_l3",
    /// Active power export on phase L1.
    ActivePowerExportL1 = "active_power_export_l1",
    /// Active power export on phase L2.
    ActivePowerExportL2 = "active_power_export_l2",
    /// Active power export on phase L3.
    ActivePowerExportL3 = "active_power_export_l3",
    /// Voltage of phase L1.
    VoltageL1 = "voltage_l1",
    /// Voltage of phase L2.
    VoltageL2 = "voltage_l2",
    /// Voltage of phase L3.
    VoltageL3 = "voltage_l3",
    /// Current of phase L1.
    CurrentL1 = "current_l1",
    /// Current of phase L2.
    CurrentL2 = "current_l2",
    /// Current of phase L3.
    CurrentL3 = "current_l3",
    /// Current in the neutral conductor.
    CurrentNeutral = "current_neutral",
    /// Power factor, all phases.
    PowerFactor = "power_factor",
    /// Power factor of phase L1.
    PowerFactorL1 = "power_factor_l1",
    /// Power factor of phase L2.
    PowerFactorL2 = "power_factor_l2",
    /// Power factor of phase L3.
    PowerFactorL3 = "power_factor_l3",
    /// Supply frequency.
    Frequency = "frequency",
    /// The meter's date and time.
    Clock = "clock",
    /// The meter's serial number (device ID).
    MeterSerial = "meter_serial",
    /// The COSEM logical device name.
    DeviceName = "device_name",
    /// The currently active tariff.
    ActiveTariff = "active_tariff",
    /// The state of the disconnect control (breaker).
    DisconnectState = "disconnect_state",
    /// The value of an M-Bus sub-meter (gas, water, heat).
    SubmeterValue = "submeter_value",
    /// The identifier of an M-Bus sub-meter.
    SubmeterId = "submeter_id",
}

impl Quantity {
    /// The quantity an OBIS code carries, through the [`registry`](crate::registry) with
    /// channel-B tolerance ([`registry::lookup_tolerant`](crate::registry::lookup_tolerant)).
    ///
    /// ```
    /// use obis::{ObisCode, Quantity};
    /// assert_eq!(Quantity::of(ObisCode::new(1, 0, 32, 7, 0, 255)), Some(Quantity::VoltageL1));
    /// assert_eq!(Quantity::of(ObisCode::new(0, 0, 99, 98, 0, 255)), None);
    /// ```
    #[must_use]
    pub fn of(code: ObisCode) -> Option<Quantity> {
        crate::registry::lookup_tolerant(code).and_then(|entry| entry.quantity)
    }

    /// The code under which the [`registry`](crate::registry) lists this quantity (channel 0
    /// for electricity, channel 1 for sub-meters).
    ///
    /// ```
    /// use obis::{ObisCode, Quantity};
    /// assert_eq!(Quantity::Clock.code(), Some(ObisCode::new(0, 0, 1, 0, 0, 255)));
    /// ```
    #[must_use]
    pub fn code(self) -> Option<ObisCode> {
        self.entry().map(|entry| entry.code)
    }

    /// The [`registry`](crate::registry) entry of this quantity (the one [`Quantity::code`]
    /// names).
    ///
    /// ```
    /// let entry = obis::Quantity::Frequency.entry().unwrap();
    /// assert_eq!(entry.class_id, 3);
    /// ```
    #[must_use]
    pub fn entry(self) -> Option<&'static crate::RegistryEntry> {
        crate::registry::ENTRIES
            .iter()
            .find(|entry| entry.quantity == Some(self))
    }

    /// The unit, and the scaler to use when a push carries none.
    ///
    /// ```
    /// use obis::{Quantity, ScalerUnit, Unit};
    /// assert_eq!(Quantity::CurrentL2.scaler_unit(), Some(ScalerUnit::new(-2, Unit::AMPERE)));
    /// assert_eq!(Quantity::Clock.scaler_unit(), None);
    /// ```
    #[must_use]
    pub fn scaler_unit(self) -> Option<crate::ScalerUnit> {
        self.entry().and_then(|entry| entry.scaler_unit)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Quantity {
    type Err = UnknownQuantity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::from_name(s).ok_or(UnknownQuantity)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::Quantity;
    use serde::de::{self, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for Quantity {
        /// As the `snake_case` name.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.as_str())
        }
    }

    struct NameVisitor;

    impl Visitor<'_> for NameVisitor {
        type Value = Quantity;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a quantity name such as \"active_energy_import\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
            Quantity::from_name(v).ok_or_else(|| E::unknown_variant(v, &[]))
        }
    }

    impl<'de> Deserialize<'de> for Quantity {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_str(NameVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn names_round_trip_and_are_snake_case() {
        for &q in Quantity::ALL {
            let name = q.as_str();
            assert_eq!(name.parse::<Quantity>(), Ok(q));
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
        }
        assert_eq!(
            "Active_Energy_Import".parse::<Quantity>(),
            Err(UnknownQuantity)
        );
    }

    #[test]
    fn every_quantity_has_a_registry_code_that_maps_back() {
        for &q in Quantity::ALL {
            let code = q
                .code()
                .unwrap_or_else(|| core::panic!("{q} has no registry entry"));
            assert_eq!(Quantity::of(code), Some(q), "{q} {code}");
        }
    }
}
