//! What a client needs to know to reach a meter: addresses, authentication, time limits.

use std::fmt;
use std::time::Duration;

use dlms::security::LlsPassword;
use dlms::session::{Ciphering, Keys};
use hdlc::{Address, AddressSize};

use super::MeterError;

pub use crate::Framing;

/// The physical part of the server address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Physical {
    /// A physical address as is (17 for the optical port of most IDIS meters).
    Address(u16),
    /// A Landis+Gyr serial number: physical address `serial % 10000 + 1000`.
    SerialNumber(u32),
}

impl Physical {
    /// The physical address.
    ///
    /// ```
    /// use e450::client::Physical;
    /// assert_eq!(Physical::SerialNumber(51_324_481).address(), 5481);
    /// assert_eq!(Physical::Address(17).address(), 17);
    /// ```
    #[must_use]
    pub fn address(self) -> u16 {
        match self {
            Physical::Address(a) => a,
            Physical::SerialNumber(s) => Address::physical_from_serial(s),
        }
    }
}

/// How the client authenticates. Secrets are redacted in `Debug` and zeroized on drop (by
/// the key and password types).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Authentication {
    /// No authentication (the public client, SAP 16).
    #[default]
    None,
    /// Low level security: a password.
    Low(LlsPassword),
    /// High level security with GMAC (mechanism 5): keys and the client's system title.
    HighGmac {
        /// The global unicast encryption key and the authentication key.
        keys: Keys,
        /// The client's system title.
        system_title: [u8; 8],
    },
    /// **Experimental** (never tried on a meter): the Landis+Gyr manufacturer HLS
    /// (mechanism 2) with a password of decimal digits.
    HighLgz(LlsPassword),
}

impl Authentication {
    /// The name used on the command line: `none`, `low`, `high-gmac`, `high-lgz`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Authentication::None => "none",
            Authentication::Low(_) => "low",
            Authentication::HighGmac { .. } => "high-gmac",
            Authentication::HighLgz(_) => "high-lgz",
        }
    }
}

/// Everything a client needs to reach a meter.
///
/// ```
/// use std::time::Duration;
/// use e450::client::{MeterConfig, Physical};
///
/// let config = MeterConfig::default();
/// assert_eq!((config.client_sap, config.logical, config.physical), (16, 1, Physical::Address(17)));
/// assert_eq!(config.server_address()?.emit_array().as_slice(), &[0x02, 0x23]);
///
/// let by_serial = MeterConfig { physical: Physical::SerialNumber(51_324_481), ..MeterConfig::default() };
/// assert_eq!(by_serial.server_address()?.emit_array().as_slice(), &[0x00, 0x02, 0x54, 0xD3]);
/// # Ok::<(), e450::client::MeterError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MeterConfig {
    /// The client SAP: 16 public client, 1 management client.
    pub client_sap: u8,
    /// The server's logical device (1 = management logical device).
    pub logical: u16,
    /// The server's physical address.
    pub physical: Physical,
    /// The server address form; `None` takes the smallest of 2 and 4 bytes that holds both
    /// parts.
    pub address_size: Option<AddressSize>,
    /// How the client authenticates.
    pub authentication: Authentication,
    /// Ciphering of the xDLMS APDUs (glo- APDUs with the global keys), if wanted.
    pub ciphering: Option<Ciphering>,
    /// How long to wait for each answer (an HDLC frame, the AARE, each block).
    pub timeout: Duration,
    /// How often an unanswered HDLC poll is repeated before the call fails.
    pub retries: u32,
    /// The largest HDLC information field proposed in SNRM (both ways).
    pub max_info: u32,
    /// The HDLC window proposed (both ways).
    pub window: u32,
    /// The largest APDU this client accepts.
    pub max_pdu: u16,
    /// HDLC or the IEC 62056-47 wrapper.
    pub framing: Framing,
}

impl Default for MeterConfig {
    /// Public client 16, logical device 1, physical address 17, no authentication, 5 s per
    /// answer, 3 retries, 128-byte information fields, window 1, 1024-byte PDUs, HDLC.
    fn default() -> Self {
        MeterConfig {
            client_sap: 16,
            logical: 1,
            physical: Physical::Address(17),
            address_size: None,
            authentication: Authentication::None,
            ciphering: None,
            timeout: Duration::from_secs(5),
            retries: 3,
            max_info: 128,
            window: 1,
            max_pdu: 1024,
            framing: Framing::Hdlc,
        }
    }
}

impl MeterConfig {
    /// The HDLC server address.
    ///
    /// # Errors
    /// [`MeterError::Config`] when a part does not fit the form.
    pub fn server_address(&self) -> Result<Address, MeterError> {
        let physical = self.physical.address();
        let r = match self.address_size {
            None => Address::server(self.logical, physical),
            Some(AddressSize::One) => Address::one(self.logical),
            Some(size) => Address::new(size, self.logical, physical),
        };
        r.map_err(|e| MeterError::Config(format!("server address: {e}")))
    }

    /// The HDLC client address.
    ///
    /// # Errors
    /// [`MeterError::Config`] for a SAP above 127.
    pub fn client_address(&self) -> Result<Address, MeterError> {
        Address::client(self.client_sap)
            .map_err(|e| MeterError::Config(format!("client address: {e}")))
    }

    /// How long a whole call may take at most: every retry of every answer.
    #[must_use]
    pub fn call_timeout(&self) -> Duration {
        self.timeout.saturating_mul(self.retries.saturating_add(2))
    }
}

impl fmt::Display for MeterConfig {
    /// A one-line summary without secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "client {}, logical {}, physical {}, auth {}, {:?}",
            self.client_sap,
            self.logical,
            self.physical.address(),
            self.authentication.name(),
            self.framing
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secrets_are_not_printed() {
        let config = MeterConfig {
            authentication: Authentication::HighGmac {
                keys: Keys::GREEN_BOOK,
                system_title: [0x4D, 0x4D, 0x4D, 0, 0, 0, 0, 1],
            },
            ciphering: Some(Ciphering::new(Keys::GREEN_BOOK, [1; 8])),
            ..MeterConfig::default()
        };
        let text = format!("{config:?} {config}");
        assert!(!text.contains("208, 209"), "{text}");
        assert!(!text.to_uppercase().contains("D0D1"), "{text}");
        assert!(text.contains("redacted"), "{text}");
        let low = MeterConfig {
            authentication: Authentication::Low("12345678".parse().unwrap()),
            ..MeterConfig::default()
        };
        let text = format!("{low:?} {low}");
        assert!(
            !text.contains("12345678") && !text.contains("49, 50"),
            "{text}"
        );
    }

    #[test]
    fn addresses() {
        let c = MeterConfig {
            address_size: Some(AddressSize::Four),
            ..MeterConfig::default()
        };
        assert_eq!(
            c.server_address().unwrap().emit_array().as_slice(),
            &[0, 2, 0, 0x23]
        );
        let c = MeterConfig {
            address_size: Some(AddressSize::One),
            ..MeterConfig::default()
        };
        assert_eq!(c.server_address().unwrap().emit_array().as_slice(), &[0x03]);
        let bad = MeterConfig {
            client_sap: 200,
            ..MeterConfig::default()
        };
        assert!(matches!(bad.client_address(), Err(MeterError::Config(_))));
        assert_eq!(
            MeterConfig::default().call_timeout(),
            Duration::from_secs(25)
        );
    }
}
