//! The open code space of interface class ids.

use core::fmt;

/// A COSEM interface class id (IEC 62056-6-2, DLMS UA 1000-1 "Blue Book"). Unknown ids survive
/// as values.
///
/// ```
/// use dlms::cosem::ClassId;
/// assert_eq!(ClassId::PROFILE_GENERIC.0, 7);
/// assert_eq!(ClassId(7).name(), Some("profile generic"));
/// assert_eq!(ClassId(15).to_string(), "association LN");
/// assert_eq!(ClassId(9999).to_string(), "class 9999");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClassId(pub u16);

macro_rules! class_ids {
    ($($name:ident = $v:expr, $text:expr;)*) => {
        impl ClassId {
            $(#[doc = concat!("", $text, " (", stringify!($v), ").")] pub const $name: ClassId = ClassId($v);)*

            /// The name of a known class.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

class_ids! {
    DATA = 1, "data";
    REGISTER = 3, "register";
    EXTENDED_REGISTER = 4, "extended register";
    DEMAND_REGISTER = 5, "demand register";
    REGISTER_ACTIVATION = 6, "register activation";
    PROFILE_GENERIC = 7, "profile generic";
    CLOCK = 8, "clock";
    SCRIPT_TABLE = 9, "script table";
    SCHEDULE = 10, "schedule";
    SPECIAL_DAYS_TABLE = 11, "special days table";
    ASSOCIATION_SN = 12, "association SN";
    ASSOCIATION_LN = 15, "association LN";
    SAP_ASSIGNMENT = 17, "SAP assignment";
    IMAGE_TRANSFER = 18, "image transfer";
    IEC_LOCAL_PORT_SETUP = 19, "IEC local port setup";
    ACTIVITY_CALENDAR = 20, "activity calendar";
    REGISTER_MONITOR = 21, "register monitor";
    SINGLE_ACTION_SCHEDULE = 22, "single action schedule";
    IEC_HDLC_SETUP = 23, "IEC HDLC setup";
    IEC_TWISTED_PAIR_SETUP = 24, "IEC twisted pair (1) setup";
    MBUS_SLAVE_PORT_SETUP = 25, "M-Bus slave port setup";
    UTILITY_TABLES = 26, "utility tables";
    MODEM_CONFIGURATION = 27, "modem configuration";
    AUTO_ANSWER = 28, "auto answer";
    AUTO_CONNECT = 29, "auto connect";
    DATA_PROTECTION = 30, "COSEM data protection";
    PUSH_SETUP = 40, "push setup";
    TCP_UDP_SETUP = 41, "TCP-UDP setup";
    IPV4_SETUP = 42, "IPv4 setup";
    MAC_ADDRESS_SETUP = 43, "MAC address setup";
    PPP_SETUP = 44, "PPP setup";
    GPRS_MODEM_SETUP = 45, "GPRS modem setup";
    SMTP_SETUP = 46, "SMTP setup";
    GSM_DIAGNOSTIC = 47, "GSM diagnostic";
    IPV6_SETUP = 48, "IPv6 setup";
    SFSK_PHY_MAC_SETUP = 50, "S-FSK Phy&MAC setup";
    SFSK_ACTIVE_INITIATOR = 51, "S-FSK active initiator";
    SFSK_MAC_SYNCHRONIZATION_TIMEOUTS = 52, "S-FSK MAC synchronization timeouts";
    SFSK_MAC_COUNTERS = 53, "S-FSK MAC counters";
    IEC_61334_4_32_LLC_SETUP = 55, "IEC 61334-4-32 LLC setup";
    SFSK_REPORTING_SYSTEM_LIST = 56, "S-FSK reporting system list";
    IEC_8802_2_LLC_TYPE1_SETUP = 57, "ISO/IEC 8802-2 LLC type 1 setup";
    IEC_8802_2_LLC_TYPE2_SETUP = 58, "ISO/IEC 8802-2 LLC type 2 setup";
    IEC_8802_2_LLC_TYPE3_SETUP = 59, "ISO/IEC 8802-2 LLC type 3 setup";
    REGISTER_TABLE = 61, "register table";
    COMPACT_DATA = 62, "compact data";
    STATUS_MAPPING = 63, "status mapping";
    SECURITY_SETUP = 64, "security setup";
    PARAMETER_MONITOR = 65, "parameter monitor";
    MEASUREMENT_DATA_MONITORING = 66, "measurement data monitoring";
    SENSOR_MANAGER = 67, "sensor manager";
    ARBITRATOR = 68, "arbitrator";
    DISCONNECT_CONTROL = 70, "disconnect control";
    LIMITER = 71, "limiter";
    MBUS_CLIENT = 72, "M-Bus client";
    WIRELESS_MODE_Q_CHANNEL = 73, "wireless mode Q channel";
    MBUS_MASTER_PORT_SETUP = 74, "M-Bus master port setup";
    MBUS_PORT_SETUP_DLMS_SERVER = 76, "DLMS/COSEM server M-Bus port setup";
    MBUS_DIAGNOSTIC = 77, "M-Bus diagnostic";
    PRIME_LLC_SSCS_SETUP = 80, "61334-4-32 LLC SSCS setup";
    PRIME_PHYSICAL_LAYER_COUNTERS = 81, "PRIME NB OFDM PLC physical layer counters";
    PRIME_MAC_SETUP = 82, "PRIME NB OFDM PLC MAC setup";
    PRIME_MAC_FUNCTIONAL_PARAMETERS = 83, "PRIME NB OFDM PLC MAC functional parameters";
    PRIME_MAC_COUNTERS = 84, "PRIME NB OFDM PLC MAC counters";
    PRIME_MAC_NETWORK_ADMINISTRATION_DATA = 85, "PRIME NB OFDM PLC MAC network administration data";
    PRIME_APPLICATION_IDENTIFICATION = 86, "PRIME NB OFDM PLC application identification";
    G3_PLC_MAC_LAYER_COUNTERS = 90, "G3-PLC MAC layer counters";
    G3_PLC_MAC_SETUP = 91, "G3-PLC MAC setup";
    G3_PLC_6LOWPAN_ADAPTATION_LAYER_SETUP = 92, "G3-PLC 6LoWPAN adaptation layer setup";
    WISUN_SETUP = 95, "Wi-SUN setup";
    WISUN_DIAGNOSTIC = 96, "Wi-SUN diagnostic";
    RPL_DIAGNOSTIC = 97, "RPL diagnostic";
    MPL_DIAGNOSTIC = 98, "MPL diagnostic";
    NTP_SETUP = 100, "NTP setup";
    ZIGBEE_SAS_STARTUP = 101, "ZigBee SAS startup";
    ZIGBEE_SAS_JOIN = 102, "ZigBee SAS join";
    ZIGBEE_SAS_APS_FRAGMENTATION = 103, "ZigBee SAS APS fragmentation";
    ZIGBEE_NETWORK_CONTROL = 104, "ZigBee network control";
    ZIGBEE_TUNNEL_SETUP = 105, "ZigBee tunnel setup";
    ACCOUNT = 111, "account";
    CREDIT = 112, "credit";
    CHARGE = 113, "charge";
    TOKEN_GATEWAY = 115, "token gateway";
    FUNCTION_CONTROL = 122, "function control";
    ARRAY_MANAGER = 123, "array manager";
    COMMUNICATION_PORT_PROTECTION = 124, "communication port protection";
    SCHC_LPWAN_SETUP = 126, "SCHC-LPWAN setup";
    SCHC_LPWAN_DIAGNOSTIC = 127, "SCHC-LPWAN diagnostic";
    LORAWAN_SETUP = 128, "LoRaWAN setup";
    LORAWAN_DIAGNOSTIC = 129, "LoRaWAN diagnostic";
    IEC_14908_IDENTIFICATION = 130, "ISO/IEC 14908 identification";
    IEC_14908_PROTOCOL_SETUP = 131, "ISO/IEC 14908 protocol setup";
    IEC_14908_PROTOCOL_STATUS = 132, "ISO/IEC 14908 protocol status";
    IEC_14908_DIAGNOSTIC = 133, "ISO/IEC 14908 diagnostic";
    HS_PLC_MAC_SETUP = 140, "HS-PLC ISO/IEC 12139-1 MAC setup";
    HS_PLC_CPAS_SETUP = 141, "HS-PLC ISO/IEC 12139-1 CPAS setup";
    HS_PLC_IP_SSAS_SETUP = 142, "HS-PLC ISO/IEC 12139-1 IP SSAS setup";
    HS_PLC_HDLC_SSAS_SETUP = 143, "HS-PLC ISO/IEC 12139-1 HDLC SSAS setup";
    LTE_MONITORING = 151, "LTE monitoring";
}

impl fmt::Display for ClassId {
    /// The class name, or `class N` for an unknown id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "class {}", self.0),
        }
    }
}

impl From<u16> for ClassId {
    fn from(v: u16) -> Self {
        ClassId(v)
    }
}
