//! Association LN (15): the object list with access rights, partners, context, secret.

use alloc::vec::Vec;
use core::fmt;

use obis::ObisCode;

use super::macros::interface_class;
use super::value::{enum_newtype, fields, structure_value};
use super::{ArrayElement, AttributeValue, ClassId, TypeMismatch};
use crate::apdu::{ApplicationContext, Conformance, MechanismName};
use crate::{BitString, Data};

enum_newtype! {
    /// The access mode of an attribute in an association's object list (version 0 to 2
    /// values; version 3 meters use bit-mapped values, which are kept as they are).
    AttributeAccessMode {
        NO_ACCESS = 0, "no_access";
        READ_ONLY = 1, "read_only";
        WRITE_ONLY = 2, "write_only";
        READ_AND_WRITE = 3, "read_and_write";
        AUTHENTICATED_READ_ONLY = 4, "authenticated_read_only";
        AUTHENTICATED_WRITE_ONLY = 5, "authenticated_write_only";
        AUTHENTICATED_READ_AND_WRITE = 6, "authenticated_read_and_write";
    }
}

impl AttributeAccessMode {
    /// Whether the attribute may be read (possibly only with an authenticated request).
    pub const fn can_read(self) -> bool {
        matches!(self.0, 1 | 3 | 4 | 6)
    }
    /// Whether the attribute may be written (possibly only with an authenticated request).
    pub const fn can_write(self) -> bool {
        matches!(self.0, 2 | 3 | 5 | 6)
    }
}

/// The access mode of a method: `no_access` (0), `access` (1), `authenticated_access` (2).
/// Version 0 associations send a boolean, read as 0 or 1.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MethodAccessMode(pub u8);

impl MethodAccessMode {
    /// `no_access` (0).
    pub const NO_ACCESS: MethodAccessMode = MethodAccessMode(0);
    /// `access` (1).
    pub const ACCESS: MethodAccessMode = MethodAccessMode(1);
    /// `authenticated_access` (2).
    pub const AUTHENTICATED_ACCESS: MethodAccessMode = MethodAccessMode(2);

    /// The standard's name, for a known value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("no_access"),
            1 => Some("access"),
            2 => Some("authenticated_access"),
            _ => None,
        }
    }
}

impl AttributeValue for MethodAccessMode {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match *data {
            Data::Enum(v) | Data::Unsigned(v) => Ok(MethodAccessMode(v)),
            Data::Boolean(b) => Ok(MethodAccessMode(u8::from(b))),
            _ => Err(TypeMismatch::new(
                "enum or boolean method access mode",
                data,
            )),
        }
    }
    fn to_data(&self) -> Data {
        Data::Enum(self.0)
    }
}
impl ArrayElement for MethodAccessMode {}

/// A class id as `long-unsigned`.
impl AttributeValue for ClassId {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        u16::from_data(data).map(ClassId)
    }
    fn to_data(&self) -> Data {
        Data::LongUnsigned(self.0)
    }
}
impl ArrayElement for ClassId {}

/// `attribute_access_item`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AttributeAccessItem {
    /// Attribute index.
    pub id: i8,
    /// Access mode.
    pub access_mode: AttributeAccessMode,
    /// The selective access selectors supported, `None` when the meter sent `null-data`.
    pub selectors: Option<Vec<i8>>,
}

impl AttributeValue for AttributeAccessItem {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        let [id, mode, sel] = fields(
            data,
            "structure of 3 {attribute_id, access_mode, access_selectors}",
        )?;
        Ok(AttributeAccessItem {
            id: i8::from_data(id)?,
            access_mode: AttributeAccessMode::from_data(mode)?,
            selectors: match sel {
                Data::Null => None,
                _ => Some(Vec::<i8>::from_data(sel)?),
            },
        })
    }
    fn to_data(&self) -> Data {
        Data::Structure(alloc::vec![
            self.id.to_data(),
            self.access_mode.to_data(),
            self.selectors
                .as_ref()
                .map_or(Data::Null, AttributeValue::to_data),
        ])
    }
}
impl ArrayElement for AttributeAccessItem {}

/// `method_access_item`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MethodAccessItem {
    /// Method index.
    pub id: i8,
    /// Access mode.
    pub access_mode: MethodAccessMode,
}
structure_value!(
    MethodAccessItem,
    "structure of 2 {method_id, access_mode}",
    [id, access_mode]
);

/// `object_list_element`: one object the association can see, with its access rights.
///
/// ```
/// use dlms::Data;
/// use dlms::cosem::{AttributeAccessMode, AttributeValue, ClassId, ObjectListEntry};
/// let d = Data::Structure(vec![
///     Data::LongUnsigned(8),
///     Data::Unsigned(0),
///     Data::OctetString(vec![0, 0, 1, 0, 0, 255]),
///     Data::Structure(vec![
///         Data::Array(vec![Data::Structure(vec![Data::Integer(2), Data::Enum(3), Data::Null])]),
///         Data::Array(vec![Data::Structure(vec![Data::Integer(1), Data::Boolean(true)])]),
///     ]),
/// ]);
/// let e = ObjectListEntry::from_data(&d).unwrap();
/// assert_eq!(e.class_id, ClassId::CLOCK);
/// assert_eq!(e.attribute_access_mode(2), Some(AttributeAccessMode::READ_AND_WRITE));
/// assert_eq!(e.method_access[0].access_mode.0, 1);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ObjectListEntry {
    /// Interface class.
    pub class_id: ClassId,
    /// Version of the interface class.
    pub version: u8,
    /// Logical name.
    pub logical_name: ObisCode,
    /// Access right of each attribute.
    pub attribute_access: Vec<AttributeAccessItem>,
    /// Access right of each method.
    pub method_access: Vec<MethodAccessItem>,
}

impl ObjectListEntry {
    /// The access mode of attribute `id`, when listed.
    pub fn attribute_access_mode(&self, id: i8) -> Option<AttributeAccessMode> {
        self.attribute_access
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.access_mode)
    }
    /// The access mode of method `id`, when listed.
    pub fn method_access_mode(&self, id: i8) -> Option<MethodAccessMode> {
        self.method_access
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.access_mode)
    }
}

impl AttributeValue for ObjectListEntry {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        let [class, version, ln, rights] = fields(
            data,
            "structure of 4 {class_id, version, logical_name, access_rights}",
        )?;
        let [attrs, methods] = fields(rights, "structure of 2 {attribute_access, method_access}")?;
        Ok(ObjectListEntry {
            class_id: ClassId::from_data(class)?,
            version: u8::from_data(version)?,
            logical_name: ObisCode::from_data(ln)?,
            attribute_access: Vec::from_data(attrs)?,
            method_access: Vec::from_data(methods)?,
        })
    }
    fn to_data(&self) -> Data {
        Data::Structure(alloc::vec![
            self.class_id.to_data(),
            self.version.to_data(),
            self.logical_name.to_data(),
            Data::Structure(alloc::vec![
                self.attribute_access.to_data(),
                self.method_access.to_data()
            ]),
        ])
    }
}
impl ArrayElement for ObjectListEntry {}

/// `associated_partners_type`: the client and server SAPs of the association.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AssociatedPartners {
    /// Client SAP (e.g. 16 for the public client).
    pub client_sap: i8,
    /// Server SAP (logical device address).
    pub server_sap: u16,
}
structure_value!(
    AssociatedPartners,
    "structure of 2 {client_SAP, server_SAP}",
    [client_sap, server_sap]
);

/// The DLMS UA object identifier prefix `2.16.756.5.8` (`60 85 74 05 08`).
const DLMS_UA_OID: [u8; 5] = [0x60, 0x85, 0x74, 0x05, 0x08];

/// Reads `{2 16 756 5 8 kind id}` as an octet string (BER-encoded OID) or a structure of seven
/// integers; returns `id`.
fn read_dlms_oid(data: &Data, kind: u8, expected: &'static str) -> Result<u8, TypeMismatch> {
    match data {
        Data::OctetString(b) => match b.as_slice() {
            [p0, p1, p2, p3, p4, k, id]
                if [*p0, *p1, *p2, *p3, *p4] == DLMS_UA_OID && *k == kind =>
            {
                Ok(*id)
            }
            _ => Err(TypeMismatch::new(expected, data)),
        },
        Data::Structure(f) => {
            let arcs: Option<Vec<u64>> = f.iter().map(Data::as_u64).collect();
            match arcs.as_deref() {
                Some([2, 16, 756, 5, 8, k, id]) if *k == u64::from(kind) => {
                    u8::try_from(*id).map_err(|_| TypeMismatch::new(expected, data))
                }
                _ => Err(TypeMismatch::new(expected, data)),
            }
        }
        _ => Err(TypeMismatch::new(expected, data)),
    }
}

fn dlms_oid(kind: u8, id: u8) -> Data {
    let mut v = DLMS_UA_OID.to_vec();
    v.extend_from_slice(&[kind, id]);
    Data::OctetString(v)
}

/// The application context name, as the 7-byte BER object identifier (or the older structure
/// of seven integers).
impl AttributeValue for ApplicationContext {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        read_dlms_oid(data, 1, "application context name 2.16.756.5.8.1.x").map(ApplicationContext)
    }
    fn to_data(&self) -> Data {
        dlms_oid(1, self.0)
    }
}

/// The authentication mechanism name, as the 7-byte BER object identifier (or the older
/// structure of seven integers).
impl AttributeValue for MechanismName {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        read_dlms_oid(data, 2, "mechanism name 2.16.756.5.8.2.x").map(MechanismName)
    }
    fn to_data(&self) -> Data {
        dlms_oid(2, self.0)
    }
}

/// The conformance block as a 24-bit bit string.
impl AttributeValue for Conformance {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        match data {
            Data::BitString(b) if b.bits == 24 => match b.bytes.as_slice() {
                [x, y, z] => Ok(Conformance(u32::from_be_bytes([0, *x, *y, *z]))),
                _ => Err(TypeMismatch::new("bit-string(24) conformance", data)),
            },
            _ => Err(TypeMismatch::new("bit-string(24) conformance", data)),
        }
    }
    fn to_data(&self) -> Data {
        let [_, x, y, z] = self.0.to_be_bytes();
        Data::BitString(BitString {
            bits: 24,
            bytes: alloc::vec![x, y, z],
        })
    }
}

/// `xDLMS_context_type`: what the association negotiated.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct XdlmsContextInfo {
    /// Conformance block.
    pub conformance: Conformance,
    /// Largest APDU the server accepts.
    pub max_receive_pdu_size: u16,
    /// Largest APDU the server sends.
    pub max_send_pdu_size: u16,
    /// DLMS version (6).
    pub dlms_version_number: u8,
    /// Quality of service.
    pub quality_of_service: i8,
    /// Ciphering information (the dedicated key, when used).
    pub cyphering_info: Vec<u8>,
}
structure_value!(
    XdlmsContextInfo,
    "structure of 6 {conformance, max_receive_pdu_size, max_send_pdu_size, dlms_version_number, quality_of_service, cyphering_info}",
    [
        conformance,
        max_receive_pdu_size,
        max_send_pdu_size,
        dlms_version_number,
        quality_of_service,
        cyphering_info
    ]
);

/// The secret of an association (the LLS password or the HLS key). Its `Debug` form never
/// shows the bytes, and they are zeroized on drop.
///
/// ```
/// use dlms::cosem::Secret;
/// let s = Secret::new(b"12345678".to_vec());
/// assert_eq!(format!("{s:?}"), "Secret(8 bytes)");
/// assert_eq!(s.as_bytes(), b"12345678");
/// ```
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps the secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }
    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison.
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self.0.as_mut_slice());
    }
}

impl AttributeValue for Secret {
    fn from_data(data: &Data) -> Result<Self, TypeMismatch> {
        Vec::<u8>::from_data(data).map(Secret)
    }
    fn to_data(&self) -> Data {
        Data::OctetString(self.0.clone())
    }
}

enum_newtype! {
    /// `association_status`.
    AssociationStatus {
        NON_ASSOCIATED = 0, "non-associated";
        ASSOCIATION_PENDING = 1, "association-pending";
        ASSOCIATED = 2, "associated";
    }
}

interface_class! {
    /// Association LN (class 15, version 1): what the current association may see and do.
    /// (`user_list` and `current_user` of version 2 are not modelled.)
    ///
    /// ```
    /// use dlms::Data;
    /// use dlms::apdu::{ApplicationContext, MechanismName};
    /// use dlms::cosem::AssociationLn;
    /// use obis::ObisCode;
    /// let mut a = AssociationLn::new(ObisCode::new(0, 0, 40, 0, 0, 255));
    /// a.set_attribute(4, &Data::OctetString(vec![0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01])).unwrap();
    /// a.set_attribute(6, &Data::OctetString(vec![0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05])).unwrap();
    /// assert_eq!(a.application_context_name, Some(ApplicationContext::LOGICAL_NAME));
    /// assert_eq!(a.authentication_mechanism_name, Some(MechanismName(5)));
    /// assert_eq!(AssociationLn::REPLY_TO_HLS_AUTHENTICATION, 1);
    /// ```
    AssociationLn: ASSOCIATION_LN, version 1;
    attributes {
        2 object_list: Vec<ObjectListEntry>;
        3 associated_partners_id: AssociatedPartners;
        4 application_context_name: ApplicationContext;
        5 xdlms_context_info: XdlmsContextInfo;
        6 authentication_mechanism_name: MechanismName;
        7 secret: Secret;
        8 association_status: AssociationStatus;
        9 security_setup_reference: ObisCode;
    }
    methods {
        REPLY_TO_HLS_AUTHENTICATION = 1;
        CHANGE_HLS_SECRET = 2;
        ADD_OBJECT = 3;
        REMOVE_OBJECT = 4;
    }
}
