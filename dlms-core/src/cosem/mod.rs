//! Typed models of the COSEM interface classes (DLMS UA 1000-1, IEC 62056-6-2).
//!
//! Each class is a struct with `CLASS_ID`, `VERSION`, its method ids as constants, and one
//! `Option` field per attribute (`None` until read). [`set_attribute`](Register::set_attribute)
//! decodes an attribute from the [`Data`] a GET returned, [`attribute`](Register::attribute)
//! encodes it back (for a server, or a SET). Errors say which class, attribute and type.
//!
//! Register values come with their scaler and unit applied and the raw value kept
//! ([`RegisterValue`]); profile buffers decode into typed rows ([`ProfileColumns`]), also
//! straight from the A-XDR bytes.
//!
//! Decode:
//!
//! ```
//! use dlms::Data;
//! use dlms::cosem::Register;
//! use obis::{ObisCode, Unit};
//! let mut r = Register::new(ObisCode::new(1, 0, 32, 7, 0, 255));
//! r.set_attribute(2, &Data::parse(&[0x12, 0x08, 0xFD]).unwrap()).unwrap(); // long-unsigned 2301
//! r.set_attribute(3, &Data::parse(&[0x02, 0x02, 0x0F, 0xFF, 0x16, 0x23]).unwrap()).unwrap(); // 10^-1 V
//! let v = r.value().unwrap();
//! assert_eq!((v.scaled, v.unit, v.to_string()), (230.1, Unit::VOLT, "230.1 V".to_string()));
//! ```
//!
//! Encode:
//!
//! ```
//! use dlms::cosem::{ControlState, DisconnectControl};
//! use obis::ObisCode;
//! let mut d = DisconnectControl::new(ObisCode::new(0, 0, 96, 3, 10, 255));
//! d.control_state = Some(ControlState::READY_FOR_RECONNECTION);
//! assert_eq!(d.attribute(3).unwrap().to_vec().unwrap(), [0x16, 0x02]);
//! assert_eq!(d.attribute(1).unwrap().to_vec().unwrap(), [0x09, 0x06, 0, 0, 96, 3, 10, 255]);
//! assert_eq!(d.attribute(2), None); // not known
//! ```

mod association;
mod class_id;
mod clock;
mod macros;
mod object;
mod profile;
mod register;
mod schedule;
mod setup;
pub(crate) mod value;

#[cfg(test)]
mod tests;

use obis::ObisCode;

use crate::Data;

pub use association::{
    AssociatedPartners, AssociationLn, AssociationStatus, AttributeAccessItem, AttributeAccessMode,
    MethodAccessItem, MethodAccessMode, ObjectListEntry, Secret, XdlmsContextInfo,
};
pub use class_id::ClassId;
pub use clock::{Clock, ClockBase};
pub use object::Object;
pub use profile::{
    Column, ProfileColumns, ProfileGeneric, ProfileRow, ProfileTable, ProfileValue, SortMethod,
};
pub use register::{DataObject, DemandRegister, ExtendedRegister, Number, Register, RegisterValue};
pub use schedule::{
    ActivityCalendar, DayProfile, DayProfileAction, ExecutionTime, ScheduleType, Script,
    ScriptAction, ScriptRef, ScriptTable, SeasonProfile, ServiceId, SingleActionSchedule,
    SpecialDay, SpecialDaysTable, WeekProfile,
};
pub use setup::{
    CertificateEntity, CertificateInfo, CertificateType, CommSpeed, ControlMode, ControlState,
    DisconnectControl, EmergencyProfile, EncryptionKeyStatus, IecHdlcSetup, ImageToActivate,
    ImageTransfer, ImageTransferStatus, Limiter, LimiterActions, MbusCaptureDefinition, MbusClient,
    MessageType, PushSetup, SecurityPolicy, SecuritySetup, SecuritySuite, SendDestinationAndMethod,
    TransportService, ValueDefinition, Window,
};
pub use value::{ArrayElement, AttributeValue, CosemError, TypeMismatch};

/// What every interface class model offers, for generic code (a server's object model, a
/// reader that fills any object from GET results).
///
/// ```
/// use dlms::Data;
/// use dlms::cosem::{ClassId, Clock, InterfaceClass};
/// use obis::ObisCode;
/// fn fill<T: InterfaceClass>(ln: ObisCode, values: &[(i8, Data)]) -> T {
///     let mut o = T::new(ln);
///     for (a, v) in values {
///         o.set_attribute(*a, v).unwrap();
///     }
///     o
/// }
/// let c: Clock = fill(ObisCode::new(0, 0, 1, 0, 0, 255), &[(3, Data::Long(-60))]);
/// assert_eq!((Clock::CLASS_ID, c.time_zone), (ClassId::CLOCK, Some(-60)));
/// assert_eq!(<Clock as InterfaceClass>::attribute_names()[2], "time_zone");
/// ```
pub trait InterfaceClass: Sized {
    /// The interface class id.
    const CLASS_ID: ClassId;
    /// The version of the class the model follows.
    const VERSION: u8;
    /// An object with only its logical name known.
    fn new(logical_name: ObisCode) -> Self;
    /// The attribute names, index 0 being attribute 1.
    fn attribute_names() -> &'static [&'static str];
    /// The logical name.
    fn logical_name(&self) -> ObisCode;
    /// Decodes and stores one attribute.
    fn set_attribute(&mut self, attribute: i8, value: &Data) -> Result<(), CosemError>;
    /// Encodes one attribute, `None` when not known.
    fn attribute(&self, attribute: i8) -> Option<Data>;
}

/// Decodes one attribute, with the class and attribute in the error.
pub(crate) fn decode_attribute<T: AttributeValue>(
    class: ClassId,
    attribute: i8,
    name: &'static str,
    value: &Data,
) -> Result<T, CosemError> {
    T::from_data(value).map_err(|m| CosemError::Type {
        class,
        attribute,
        name,
        expected: m.expected,
        found: m.found,
    })
}
