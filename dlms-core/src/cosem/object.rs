//! Any modelled object, chosen by class id at run time.

use obis::ObisCode;

use super::{
    ActivityCalendar, AssociationLn, ClassId, Clock, CosemError, DataObject, DemandRegister,
    DisconnectControl, ExtendedRegister, IecHdlcSetup, ImageTransfer, Limiter, MbusClient,
    ProfileGeneric, PushSetup, Register, ScriptTable, SecuritySetup, SingleActionSchedule,
    SpecialDaysTable,
};
use crate::Data;

macro_rules! objects {
    ($($variant:ident($ty:ident),)*) => {
        /// An object of any modelled class, for code that learns the class at run time (from
        /// an object list).
        ///
        /// ```
        /// use dlms::Data;
        /// use dlms::cosem::{ClassId, Object};
        /// use obis::ObisCode;
        /// let mut o = Object::new(ClassId::REGISTER, ObisCode::new(1, 0, 1, 8, 0, 255)).unwrap();
        /// o.set_attribute(2, &Data::DoubleLongUnsigned(5)).unwrap();
        /// assert_eq!(o.attribute(2), Some(Data::DoubleLongUnsigned(5)));
        /// assert_eq!(o.attribute_names(), ["logical_name", "value", "scaler_unit"]);
        /// assert!(Object::new(ClassId::ACCOUNT, ObisCode::new(0, 0, 19, 0, 0, 255)).is_none());
        /// ```
        #[derive(Clone, PartialEq, Debug)]
        #[non_exhaustive]
        pub enum Object {
            $(
                #[doc = concat!("[`", stringify!($ty), "`].")]
                $variant($ty),
            )*
        }

        impl Object {
            /// Every class id that has a model.
            pub const CLASS_IDS: &'static [ClassId] = &[$($ty::CLASS_ID),*];

            /// An empty object of class `class`, `None` when the class has no model.
            pub fn new(class: ClassId, logical_name: ObisCode) -> Option<Self> {
                $(if class == $ty::CLASS_ID {
                    return Some(Object::$variant($ty::new(logical_name)));
                })*
                None
            }

            /// The class id.
            pub fn class_id(&self) -> ClassId {
                match self {
                    $(Object::$variant(_) => $ty::CLASS_ID,)*
                }
            }

            /// The version of the modelled class.
            pub fn version(&self) -> u8 {
                match self {
                    $(Object::$variant(_) => $ty::VERSION,)*
                }
            }

            /// The logical name.
            pub fn logical_name(&self) -> ObisCode {
                match self {
                    $(Object::$variant(o) => o.logical_name,)*
                }
            }

            /// The attribute names, index 0 being attribute 1.
            pub fn attribute_names(&self) -> &'static [&'static str] {
                match self {
                    $(Object::$variant(_) => $ty::attribute_names(),)*
                }
            }

            /// Decodes and stores one attribute.
            pub fn set_attribute(&mut self, attribute: i8, value: &Data) -> Result<(), CosemError> {
                match self {
                    $(Object::$variant(o) => o.set_attribute(attribute, value),)*
                }
            }

            /// Encodes one attribute, `None` when not known.
            pub fn attribute(&self, attribute: i8) -> Option<Data> {
                match self {
                    $(Object::$variant(o) => o.attribute(attribute),)*
                }
            }
        }

        $(
            impl From<$ty> for Object {
                fn from(o: $ty) -> Self {
                    Object::$variant(o)
                }
            }
        )*
    };
}

objects! {
    Data(DataObject),
    Register(Register),
    ExtendedRegister(ExtendedRegister),
    DemandRegister(DemandRegister),
    ProfileGeneric(ProfileGeneric),
    Clock(Clock),
    ScriptTable(ScriptTable),
    SpecialDaysTable(SpecialDaysTable),
    AssociationLn(AssociationLn),
    ImageTransfer(ImageTransfer),
    ActivityCalendar(ActivityCalendar),
    SingleActionSchedule(SingleActionSchedule),
    IecHdlcSetup(IecHdlcSetup),
    PushSetup(PushSetup),
    SecuritySetup(SecuritySetup),
    DisconnectControl(DisconnectControl),
    Limiter(Limiter),
    MbusClient(MbusClient),
}
