//! The LLC header that opens the information field of the first segment of a DLMS message.

/// LLC header of a request (client to server): destination LSAP `E6`, source LSAP `E6`,
/// quality `00`.
pub const LLC_REQUEST: [u8; 3] = [0xE6, 0xE6, 0x00];

/// LLC header of a response (server to client): `E6 E7 00`.
pub const LLC_RESPONSE: [u8; 3] = [0xE6, 0xE7, 0x00];

/// Which LLC header opens an information field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Llc {
    /// `E6 E6 00`, client to server.
    Request,
    /// `E6 E7 00`, server to client (and the push interface of a meter).
    Response,
}

impl Llc {
    /// The three header bytes.
    #[must_use]
    pub const fn bytes(self) -> [u8; 3] {
        match self {
            Llc::Request => LLC_REQUEST,
            Llc::Response => LLC_RESPONSE,
        }
    }

    /// Splits an LLC header off the start of `info`, if one is there.
    ///
    /// Only the first segment of a segmented message carries the header; later segments and
    /// the SNRM/UA parameter field do not.
    ///
    /// ```
    /// use hdlc::Llc;
    ///
    /// let info = [0xE6, 0xE7, 0x00, 0x0F, 0x00];
    /// assert_eq!(Llc::split(&info), Some((Llc::Response, &info[3..])));
    /// assert_eq!(Llc::split(&[0x81, 0x80]), None);
    /// ```
    #[must_use]
    pub fn split(info: &[u8]) -> Option<(Llc, &[u8])> {
        match info {
            [0xE6, 0xE6, 0x00, rest @ ..] => Some((Llc::Request, rest)),
            [0xE6, 0xE7, 0x00, rest @ ..] => Some((Llc::Response, rest)),
            _ => None,
        }
    }

    /// `info` without its LLC header (unchanged when it has none).
    #[must_use]
    pub fn strip(info: &[u8]) -> &[u8] {
        Self::split(info).map_or(info, |(_, rest)| rest)
    }
}
