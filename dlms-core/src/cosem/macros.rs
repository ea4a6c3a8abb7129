//! The declaration of an interface class model.

/// Declares the struct of an interface class: attribute 1 (`logical_name`) plus one `Option`
/// field per attribute, `CLASS_ID`, `VERSION`, method ids, and the attribute codec.
macro_rules! interface_class {
    (
        $(#[$meta:meta])*
        $name:ident: $class:ident, version $ver:literal;
        attributes { $( $(#[$fmeta:meta])* $idx:literal $field:ident: $ty:ty; )* }
        methods { $( $(#[$mmeta:meta])* $mconst:ident = $mid:literal; )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Debug)]
        pub struct $name {
            /// Attribute 1: `logical_name`, the OBIS code of the object.
            pub logical_name: obis::ObisCode,
            $(
                #[doc = concat!("Attribute ", stringify!($idx), ": `", stringify!($field), "` (`None` when not read).")]
                $(#[$fmeta])*
                pub $field: Option<$ty>,
            )*
        }

        impl $name {
            /// The interface class id.
            pub const CLASS_ID: $crate::cosem::ClassId = $crate::cosem::ClassId::$class;
            /// The version of the interface class this model follows.
            pub const VERSION: u8 = $ver;
            $(
                #[doc = concat!("Method ", stringify!($mid), ": `", stringify!($mconst), "`.")]
                $(#[$mmeta])*
                pub const $mconst: i8 = $mid;
            )*
            const NAMES: &'static [&'static str] = &["logical_name" $(, stringify!($field))*];

            /// An object with only its logical name known.
            pub const fn new(logical_name: obis::ObisCode) -> Self {
                $name { logical_name $(, $field: None)* }
            }

            /// The attribute names, index 0 being attribute 1.
            pub const fn attribute_names() -> &'static [&'static str] {
                Self::NAMES
            }

            /// Decodes `value` as attribute `attribute` and stores it.
            pub fn set_attribute(&mut self, attribute: i8, value: &$crate::Data) -> Result<(), $crate::cosem::CosemError> {
                match attribute {
                    1 => self.logical_name = $crate::cosem::decode_attribute(Self::CLASS_ID, 1, "logical_name", value)?,
                    $($idx => self.$field = Some($crate::cosem::decode_attribute(Self::CLASS_ID, $idx, stringify!($field), value)?),)*
                    _ => return Err($crate::cosem::CosemError::UnknownAttribute { class: Self::CLASS_ID, attribute }),
                }
                Ok(())
            }

            /// Encodes attribute `attribute`, `None` when it is not known or does not exist.
            pub fn attribute(&self, attribute: i8) -> Option<$crate::Data> {
                match attribute {
                    1 => Some($crate::cosem::AttributeValue::to_data(&self.logical_name)),
                    $($idx => self.$field.as_ref().map($crate::cosem::AttributeValue::to_data),)*
                    _ => None,
                }
            }
        }

        impl $crate::cosem::InterfaceClass for $name {
            const CLASS_ID: $crate::cosem::ClassId = $name::CLASS_ID;
            const VERSION: u8 = $name::VERSION;
            fn new(logical_name: obis::ObisCode) -> Self {
                $name::new(logical_name)
            }
            fn attribute_names() -> &'static [&'static str] {
                $name::NAMES
            }
            fn logical_name(&self) -> obis::ObisCode {
                self.logical_name
            }
            fn set_attribute(&mut self, attribute: i8, value: &$crate::Data) -> Result<(), $crate::cosem::CosemError> {
                $name::set_attribute(self, attribute, value)
            }
            fn attribute(&self, attribute: i8) -> Option<$crate::Data> {
                $name::attribute(self, attribute)
            }
        }
    };
}
pub(crate) use interface_class;
