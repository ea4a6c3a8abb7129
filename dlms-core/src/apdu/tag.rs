//! APDU tags (the xDLMS-APDU and ACSE-APDU choice numbers).

/// The first byte of an APDU. Unknown tags survive as values.
///
/// ```
/// use dlms::apdu::Tag;
/// assert_eq!(Tag::GET_REQUEST.0, 0xC0);
/// assert_eq!(Tag::GLO_GET_RESPONSE.plain(), Some(Tag::GET_RESPONSE));
/// assert_eq!(Tag::DED_GET_RESPONSE.plain(), Some(Tag::GET_RESPONSE));
/// assert_eq!(Tag::GET_RESPONSE.glo(), Some(Tag::GLO_GET_RESPONSE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tag(pub u8);

macro_rules! tags {
    ($($(#[$doc:meta])* $name:ident = $v:expr;)*) => {
        impl Tag {
            $($(#[$doc])* pub const $name: Tag = Tag($v);)*
        }
    };
}

tags! {
    /// initiateRequest (1).
    INITIATE_REQUEST = 1;
    /// initiateResponse (8).
    INITIATE_RESPONSE = 8;
    /// confirmedServiceError (14).
    CONFIRMED_SERVICE_ERROR = 14;
    /// data-notification (15).
    DATA_NOTIFICATION = 15;
    /// glo-initiateRequest (33).
    GLO_INITIATE_REQUEST = 33;
    /// glo-initiateResponse (40).
    GLO_INITIATE_RESPONSE = 40;
    /// glo-confirmedServiceError (46).
    GLO_CONFIRMED_SERVICE_ERROR = 46;
    /// ded-initiateRequest (65).
    DED_INITIATE_REQUEST = 65;
    /// ded-initiateResponse (72).
    DED_INITIATE_RESPONSE = 72;
    /// ded-confirmedServiceError (78).
    DED_CONFIRMED_SERVICE_ERROR = 78;
    /// AARQ (ACSE, `[APPLICATION 0]`, 0x60).
    AARQ = 0x60;
    /// AARE (ACSE, `[APPLICATION 1]`, 0x61).
    AARE = 0x61;
    /// RLRQ (ACSE, `[APPLICATION 2]`, 0x62).
    RLRQ = 0x62;
    /// RLRE (ACSE, `[APPLICATION 3]`, 0x63).
    RLRE = 0x63;
    /// get-request (192).
    GET_REQUEST = 192;
    /// set-request (193).
    SET_REQUEST = 193;
    /// event-notification-request (194).
    EVENT_NOTIFICATION_REQUEST = 194;
    /// action-request (195).
    ACTION_REQUEST = 195;
    /// get-response (196).
    GET_RESPONSE = 196;
    /// set-response (197).
    SET_RESPONSE = 197;
    /// action-response (199).
    ACTION_RESPONSE = 199;
    /// glo-get-request (200).
    GLO_GET_REQUEST = 200;
    /// glo-set-request (201).
    GLO_SET_REQUEST = 201;
    /// glo-event-notification-request (202).
    GLO_EVENT_NOTIFICATION_REQUEST = 202;
    /// glo-action-request (203).
    GLO_ACTION_REQUEST = 203;
    /// glo-get-response (204).
    GLO_GET_RESPONSE = 204;
    /// glo-set-response (205).
    GLO_SET_RESPONSE = 205;
    /// glo-action-response (207).
    GLO_ACTION_RESPONSE = 207;
    /// ded-get-request (208).
    DED_GET_REQUEST = 208;
    /// ded-set-request (209).
    DED_SET_REQUEST = 209;
    /// ded-event-notification-request (210).
    DED_EVENT_NOTIFICATION_REQUEST = 210;
    /// ded-action-request (211).
    DED_ACTION_REQUEST = 211;
    /// ded-get-response (212).
    DED_GET_RESPONSE = 212;
    /// ded-set-response (213).
    DED_SET_RESPONSE = 213;
    /// ded-action-response (215).
    DED_ACTION_RESPONSE = 215;
    /// exception-response (216).
    EXCEPTION_RESPONSE = 216;
    /// general-glo-ciphering (219).
    GENERAL_GLO_CIPHERING = 219;
    /// general-ded-ciphering (220).
    GENERAL_DED_CIPHERING = 220;
    /// general-block-transfer (224).
    GENERAL_BLOCK_TRANSFER = 224;
}

/// (plain, glo, ded) triples of the service-specific ciphered tags.
const CIPHERED: [(u8, u8, u8); 12] = [
    (1, 33, 65),
    (8, 40, 72),
    (14, 46, 78),
    (192, 200, 208),
    (193, 201, 209),
    (194, 202, 210),
    (195, 203, 211),
    (196, 204, 212),
    (197, 205, 213),
    (199, 207, 215),
    // readRequest/readResponse and writeRequest (short-name referencing).
    (5, 37, 69),
    (12, 44, 76),
];

impl Tag {
    /// For a glo- or ded- service-specific tag, the tag of the plain service.
    pub fn plain(self) -> Option<Tag> {
        CIPHERED
            .iter()
            .find(|(_, g, d)| *g == self.0 || *d == self.0)
            .map(|(p, _, _)| Tag(*p))
    }

    /// The glo- tag of a plain service, if it has one.
    pub fn glo(self) -> Option<Tag> {
        CIPHERED
            .iter()
            .find(|(p, _, _)| *p == self.0)
            .map(|(_, g, _)| Tag(*g))
    }

    /// The ded- tag of a plain service, if it has one.
    pub fn ded(self) -> Option<Tag> {
        CIPHERED
            .iter()
            .find(|(p, _, _)| *p == self.0)
            .map(|(_, _, d)| Tag(*d))
    }

    /// Whether this is a service-specific glo- tag.
    pub fn is_glo(self) -> bool {
        CIPHERED.iter().any(|(_, g, _)| *g == self.0)
    }

    /// Whether this is a service-specific ded- tag.
    pub fn is_ded(self) -> bool {
        CIPHERED.iter().any(|(_, _, d)| *d == self.0)
    }
}
