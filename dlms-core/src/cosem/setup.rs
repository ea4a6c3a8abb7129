//! Image transfer (18), IEC HDLC setup (23), Push setup (40), Security setup (64), Disconnect
//! control (70), Limiter (71), M-Bus client (72).

use alloc::vec::Vec;

use obis::ObisCode;

use super::macros::interface_class;
use super::schedule::ScriptRef;
use super::value::{enum_newtype, structure_value};
use crate::apdu::CaptureObject;
use crate::{BitString, Data, DateTime};

enum_newtype! {
    /// `image_transfer_status`.
    ImageTransferStatus {
        NOT_INITIATED = 0, "image transfer not initiated";
        INITIATED = 1, "image transfer initiated";
        VERIFICATION_INITIATED = 2, "image verification initiated";
        VERIFICATION_SUCCESSFUL = 3, "image verification successful";
        VERIFICATION_FAILED = 4, "image verification failed";
        ACTIVATION_INITIATED = 5, "image activation initiated";
        ACTIVATION_SUCCESSFUL = 6, "image activation successful";
        ACTIVATION_FAILED = 7, "image activation failed";
    }
}

/// `image_to_activate_info_element`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ImageToActivate {
    /// Size of the image in bytes.
    pub image_to_activate_size: u32,
    /// Identification of the image.
    pub image_to_activate_identification: Vec<u8>,
    /// Signature of the image.
    pub image_to_activate_signature: Vec<u8>,
}
structure_value!(
    ImageToActivate,
    "structure of 3 {size, identification, signature}",
    [
        image_to_activate_size,
        image_to_activate_identification,
        image_to_activate_signature
    ]
);

interface_class! {
    /// Image transfer (class 18, version 0): firmware upgrade.
    ImageTransfer: IMAGE_TRANSFER, version 0;
    attributes {
        2 image_block_size: u32;
        3 image_transferred_blocks_status: BitString;
        4 image_first_not_transferred_block_number: u32;
        5 image_transfer_enabled: bool;
        6 image_transfer_status: ImageTransferStatus;
        7 image_to_activate_info: Vec<ImageToActivate>;
    }
    methods {
        IMAGE_TRANSFER_INITIATE = 1;
        IMAGE_BLOCK_TRANSFER = 2;
        IMAGE_VERIFY = 3;
        IMAGE_ACTIVATE = 4;
    }
}

enum_newtype! {
    /// `comm_speed` of a serial port.
    CommSpeed {
        BAUD_300 = 0, "300 baud";
        BAUD_600 = 1, "600 baud";
        BAUD_1200 = 2, "1200 baud";
        BAUD_2400 = 3, "2400 baud";
        BAUD_4800 = 4, "4800 baud";
        BAUD_9600 = 5, "9600 baud";
        BAUD_19200 = 6, "19200 baud";
        BAUD_38400 = 7, "38400 baud";
        BAUD_57600 = 8, "57600 baud";
        BAUD_115200 = 9, "115200 baud";
    }
}

impl CommSpeed {
    /// The speed in baud, for a known value.
    pub const fn baud(self) -> Option<u32> {
        match self.0 {
            0 => Some(300),
            1 => Some(600),
            2 => Some(1200),
            3 => Some(2400),
            4 => Some(4800),
            5 => Some(9600),
            6 => Some(19200),
            7 => Some(38400),
            8 => Some(57600),
            9 => Some(115_200),
            _ => None,
        }
    }
}

interface_class! {
    /// IEC HDLC setup (class 23, version 1).
    IecHdlcSetup: IEC_HDLC_SETUP, version 1;
    attributes {
        2 comm_speed: CommSpeed;
        3 window_size_transmit: u8;
        4 window_size_receive: u8;
        5 max_info_field_length_transmit: u16;
        6 max_info_field_length_receive: u16;
        /// Milliseconds.
        7 inter_octet_time_out: u16;
        /// Seconds.
        8 inactivity_time_out: u16;
        9 device_address: u16;
    }
    methods {}
}

enum_newtype! {
    /// `transport_service` of a push destination.
    TransportService {
        TCP = 0, "TCP";
        UDP = 1, "UDP";
        FTP = 2, "FTP";
        SMTP = 3, "SMTP";
        SMS = 4, "SMS";
        HDLC = 5, "HDLC";
        MBUS = 6, "M-Bus";
        ZIGBEE = 7, "ZigBee";
        DLMS_GATEWAY = 8, "DLMS gateway";
    }
}

enum_newtype! {
    /// `message` type of a push.
    MessageType {
        COSEM_APDU = 0, "A-XDR encoded xDLMS APDU";
        COSEM_APDU_XML = 1, "XML encoded xDLMS APDU";
    }
}

/// `send_destination_and_method`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SendDestinationAndMethod {
    /// The transport.
    pub transport_service: TransportService,
    /// The destination address (e.g. `host:port` or a phone number).
    pub destination: Vec<u8>,
    /// The encoding of the pushed message.
    pub message: MessageType,
}
structure_value!(
    SendDestinationAndMethod,
    "structure of 3 {transport_service, destination, message}",
    [transport_service, destination, message]
);

/// A communication window: `structure { start octet-string, end octet-string }`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Window {
    /// Start (may contain wildcards).
    pub start: DateTime,
    /// End (may contain wildcards).
    pub end: DateTime,
}
structure_value!(Window, "structure of 2 {start, end}", [start, end]);

interface_class! {
    /// Push setup (class 40, version 0).
    PushSetup: PUSH_SETUP, version 0;
    attributes {
        2 push_object_list: Vec<CaptureObject>;
        3 send_destination_and_method: SendDestinationAndMethod;
        4 communication_window: Vec<Window>;
        /// Seconds.
        5 randomisation_start_interval: u16;
        6 number_of_retries: u8;
        /// Seconds.
        7 repetition_delay: u16;
    }
    methods {
        PUSH = 1;
    }
}

enum_newtype! {
    /// `security_suite`.
    SecuritySuite {
        AES_GCM_128 = 0, "AES-GCM-128";
        ECDH_ECDSA_AES_GCM_128_SHA_256 = 1, "ECDH-ECDSA-AES-GCM-128-SHA-256";
        ECDH_ECDSA_AES_GCM_256_SHA_384 = 2, "ECDH-ECDSA-AES-GCM-256-SHA-384";
    }
}

/// `security_policy`: in version 1 a bit map (bit 2 authenticated requests, bit 3 encrypted
/// requests, bit 4 digitally signed requests, bits 5 to 7 the same for responses); in version 0
/// an enum (0 nothing, 1 all authenticated, 2 all encrypted, 3 all authenticated and encrypted).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SecurityPolicy(pub u8);

impl SecurityPolicy {
    /// Version 1 bit 2: authenticated requests.
    pub const AUTHENTICATED_REQUEST: u8 = 0x04;
    /// Version 1 bit 3: encrypted requests.
    pub const ENCRYPTED_REQUEST: u8 = 0x08;
    /// Version 1 bit 4: digitally signed requests.
    pub const DIGITALLY_SIGNED_REQUEST: u8 = 0x10;
    /// Version 1 bit 5: authenticated responses.
    pub const AUTHENTICATED_RESPONSE: u8 = 0x20;
    /// Version 1 bit 6: encrypted responses.
    pub const ENCRYPTED_RESPONSE: u8 = 0x40;
    /// Version 1 bit 7: digitally signed responses.
    pub const DIGITALLY_SIGNED_RESPONSE: u8 = 0x80;
}

impl super::AttributeValue for SecurityPolicy {
    fn from_data(data: &Data) -> Result<Self, super::TypeMismatch> {
        match *data {
            Data::Enum(v) | Data::Unsigned(v) => Ok(SecurityPolicy(v)),
            _ => Err(super::TypeMismatch::new("enum security policy", data)),
        }
    }
    fn to_data(&self) -> Data {
        Data::Enum(self.0)
    }
}

enum_newtype! {
    /// `certificate_entity`.
    CertificateEntity {
        SERVER = 0, "server";
        CLIENT = 1, "client";
        CERTIFICATION_AUTHORITY = 2, "certification authority";
        OTHER = 3, "other";
    }
}

enum_newtype! {
    /// `certificate_type`.
    CertificateType {
        DIGITAL_SIGNATURE = 0, "digital signature";
        KEY_AGREEMENT = 1, "key agreement";
        TLS = 2, "TLS";
        OTHER = 3, "other";
    }
}

/// `certificate_info_element` (security setup version 1).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CertificateInfo {
    /// Whose certificate.
    pub certificate_entity: CertificateEntity,
    /// What it is for.
    pub certificate_type: CertificateType,
    /// Serial number.
    pub serial_number: Vec<u8>,
    /// Issuer.
    pub issuer: Vec<u8>,
    /// Subject.
    pub subject: Vec<u8>,
    /// Subject alternative name.
    pub subject_alt_name: Vec<u8>,
}
structure_value!(
    CertificateInfo,
    "structure of 6 {entity, type, serial_number, issuer, subject, subject_alt_name}",
    [
        certificate_entity,
        certificate_type,
        serial_number,
        issuer,
        subject,
        subject_alt_name
    ]
);

interface_class! {
    /// Security setup (class 64, version 1).
    SecuritySetup: SECURITY_SETUP, version 1;
    attributes {
        2 security_policy: SecurityPolicy;
        3 security_suite: SecuritySuite;
        4 client_system_title: Vec<u8>;
        5 server_system_title: Vec<u8>;
        6 certificates: Vec<CertificateInfo>;
    }
    methods {
        SECURITY_ACTIVATE = 1;
        KEY_TRANSFER = 2;
        KEY_AGREEMENT = 3;
        GENERATE_KEY_PAIR = 4;
        GENERATE_CERTIFICATE_REQUEST = 5;
        IMPORT_CERTIFICATE = 6;
        EXPORT_CERTIFICATE = 7;
        REMOVE_CERTIFICATE = 8;
    }
}

enum_newtype! {
    /// `control_state` of a disconnect control.
    ControlState {
        DISCONNECTED = 0, "disconnected";
        CONNECTED = 1, "connected";
        READY_FOR_RECONNECTION = 2, "ready_for_reconnection";
    }
}

enum_newtype! {
    /// `control_mode` of a disconnect control: which transitions are allowed (0 = always
    /// connected, 1 to 6 per the standard's table).
    ControlMode {
        NONE = 0, "none";
        MODE_1 = 1, "mode 1";
        MODE_2 = 2, "mode 2";
        MODE_3 = 3, "mode 3";
        MODE_4 = 4, "mode 4";
        MODE_5 = 5, "mode 5";
        MODE_6 = 6, "mode 6";
    }
}

interface_class! {
    /// Disconnect control (class 70, version 0): the breaker.
    ///
    /// ```
    /// use dlms::Data;
    /// use dlms::cosem::{ControlState, DisconnectControl};
    /// use obis::ObisCode;
    /// let mut d = DisconnectControl::new(ObisCode::new(0, 0, 96, 3, 10, 255));
    /// d.set_attribute(3, &Data::Enum(1)).unwrap();
    /// assert_eq!(d.control_state, Some(ControlState::CONNECTED));
    /// assert_eq!((DisconnectControl::REMOTE_DISCONNECT, DisconnectControl::REMOTE_RECONNECT), (1, 2));
    /// ```
    DisconnectControl: DISCONNECT_CONTROL, version 0;
    attributes {
        2 output_state: bool;
        3 control_state: ControlState;
        4 control_mode: ControlMode;
    }
    methods {
        REMOTE_DISCONNECT = 1;
        REMOTE_RECONNECT = 2;
    }
}

/// `value_definition`: the attribute a limiter monitors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ValueDefinition {
    /// Class.
    pub class_id: u16,
    /// Logical name.
    pub logical_name: ObisCode,
    /// Attribute index.
    pub attribute_index: i8,
}
structure_value!(
    ValueDefinition,
    "structure of 3 {class_id, logical_name, attribute_index}",
    [class_id, logical_name, attribute_index]
);

/// `emergency_profile`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EmergencyProfile {
    /// Identifier.
    pub emergency_profile_id: u16,
    /// Activation time.
    pub emergency_activation_time: DateTime,
    /// Duration in seconds.
    pub emergency_duration: u32,
}
structure_value!(
    EmergencyProfile,
    "structure of 3 {id, activation_time, duration}",
    [
        emergency_profile_id,
        emergency_activation_time,
        emergency_duration
    ]
);

/// `actions` of a limiter: the scripts run when the threshold is crossed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LimiterActions {
    /// Run when the value goes over the threshold.
    pub action_over_threshold: ScriptRef,
    /// Run when the value goes back under.
    pub action_under_threshold: ScriptRef,
}
structure_value!(
    LimiterActions,
    "structure of 2 {action_over_threshold, action_under_threshold}",
    [action_over_threshold, action_under_threshold]
);

interface_class! {
    /// Limiter (class 71, version 0).
    Limiter: LIMITER, version 0;
    attributes {
        2 monitored_value: ValueDefinition;
        3 threshold_active: Data;
        4 threshold_normal: Data;
        5 threshold_emergency: Data;
        /// Seconds.
        6 min_over_threshold_duration: u32;
        /// Seconds.
        7 min_under_threshold_duration: u32;
        8 emergency_profile: EmergencyProfile;
        9 emergency_profile_group_id_list: Vec<u16>;
        10 emergency_profile_active: bool;
        11 actions: LimiterActions;
    }
    methods {}
}

/// `capture_definition_element` of an M-Bus client: a DIB and a VIB.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MbusCaptureDefinition {
    /// Data information block.
    pub data_information_block: Vec<u8>,
    /// Value information block.
    pub value_information_block: Vec<u8>,
}
structure_value!(
    MbusCaptureDefinition,
    "structure of 2 {data_information_block, value_information_block}",
    [data_information_block, value_information_block]
);

enum_newtype! {
    /// `encryption_key_status` of an M-Bus client.
    EncryptionKeyStatus {
        NO_ENCRYPTION_KEY = 0, "no encryption key";
        KEY_SET = 1, "encryption key set";
        KEY_TRANSFERRED = 2, "encryption key transferred";
        KEY_SET_AND_TRANSFERRED = 3, "encryption key set and transferred";
        KEY_IN_USE = 4, "encryption key in use";
    }
}

interface_class! {
    /// M-Bus client (class 72, version 1): a sub-meter seen through the meter.
    MbusClient: MBUS_CLIENT, version 1;
    attributes {
        2 mbus_port_reference: ObisCode;
        3 capture_definition: Vec<MbusCaptureDefinition>;
        /// Seconds.
        4 capture_period: u32;
        5 primary_address: u8;
        6 identification_number: u32;
        7 manufacturer_id: u16;
        8 version: u8;
        9 device_type: u8;
        10 access_number: u8;
        11 status: u8;
        12 alarm: u8;
        13 configuration: u16;
        14 encryption_key_status: EncryptionKeyStatus;
    }
    methods {
        SLAVE_INSTALL = 1;
        SLAVE_DEINSTALL = 2;
        CAPTURE = 3;
        RESET_ALARM = 4;
        SYNCHRONIZE_CLOCK = 5;
        DATA_SEND = 6;
        SET_ENCRYPTION_KEY = 7;
        TRANSFER_KEY = 8;
    }
}
