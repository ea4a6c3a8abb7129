//! Serial line settings shared by the push listener and the meter client.
//!
//! The E450 customer information interface sends at 2400 baud 8E1 by default
//! ([`SerialSettings::CUSTOMER_INTERFACE`]); the optical port speaks HDLC at 9600 baud 8N1
//! ([`SerialSettings::OPTICAL_HDLC`]) after an IEC 62056-21 mode E sign-on at 300 baud 7E1
//! ([`SerialSettings::MODE_E_SIGN_ON`]).
//!
//! ```
//! use e450::serial::{Parity, SerialSettings};
//!
//! let settings = SerialSettings::CUSTOMER_INTERFACE;
//! assert_eq!((settings.baud, settings.parity, settings.data_bits), (2400, Parity::Even, 8));
//! assert_eq!(settings.to_string(), "2400 8E1");
//! ```

use std::fmt;
use std::path::Path;
use std::time::Duration;

/// The parity bit of a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parity {
    /// No parity bit.
    None,
    /// Odd parity.
    Odd,
    /// Even parity (the E450 customer interface default).
    Even,
}

/// Baud rate and character format of a serial line.
///
/// ```
/// use e450::serial::{Parity, SerialSettings};
///
/// let custom = SerialSettings { baud: 115_200, parity: Parity::None, ..SerialSettings::OPTICAL_HDLC };
/// assert_eq!(custom.to_string(), "115200 8N1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SerialSettings {
    /// Bits per second.
    pub baud: u32,
    /// The parity bit.
    pub parity: Parity,
    /// Data bits per character: 5 to 8.
    pub data_bits: u8,
    /// Stop bits: 1 or 2.
    pub stop_bits: u8,
}

impl SerialSettings {
    /// The E450 customer information interface (P1/CII push): 2400 baud 8E1.
    pub const CUSTOMER_INTERFACE: SerialSettings = SerialSettings {
        baud: 2400,
        parity: Parity::Even,
        data_bits: 8,
        stop_bits: 1,
    };

    /// HDLC on the optical port, directly or after the mode E sign-on: 9600 baud 8N1.
    pub const OPTICAL_HDLC: SerialSettings = SerialSettings {
        baud: 9600,
        parity: Parity::None,
        data_bits: 8,
        stop_bits: 1,
    };

    /// The IEC 62056-21 sign-on that starts mode E: 300 baud 7E1.
    pub const MODE_E_SIGN_ON: SerialSettings = SerialSettings {
        baud: 300,
        parity: Parity::Even,
        data_bits: 7,
        stop_bits: 1,
    };

    /// Checks the character format: 5 to 8 data bits, 1 or 2 stop bits, a non-zero baud rate.
    ///
    /// ```
    /// use e450::serial::SerialSettings;
    ///
    /// assert!(SerialSettings::CUSTOMER_INTERFACE.validate().is_ok());
    /// let bad = SerialSettings { data_bits: 9, ..SerialSettings::CUSTOMER_INTERFACE };
    /// assert_eq!(bad.validate().unwrap_err(), "data bits must be 5, 6, 7 or 8, not 9");
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        if self.baud == 0 {
            return Err("the baud rate must not be 0".into());
        }
        if !(5..=8).contains(&self.data_bits) {
            return Err(format!(
                "data bits must be 5, 6, 7 or 8, not {}",
                self.data_bits
            ));
        }
        if !(1..=2).contains(&self.stop_bits) {
            return Err(format!("stop bits must be 1 or 2, not {}", self.stop_bits));
        }
        Ok(())
    }

    /// Opens the serial port at `path` with these settings; reads time out after `timeout`.
    ///
    /// # Errors
    /// The settings are invalid, or the port cannot be opened or configured.
    pub fn open(
        &self,
        path: &Path,
        timeout: Duration,
    ) -> std::io::Result<Box<dyn serialport::SerialPort>> {
        self.validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let port = serialport::new(path.to_string_lossy(), self.baud)
            .data_bits(self.serialport_data_bits())
            .parity(self.serialport_parity())
            .stop_bits(self.serialport_stop_bits())
            .flow_control(serialport::FlowControl::None)
            .timeout(timeout)
            .open()?;
        Ok(port)
    }

    /// Applies these settings to an open port (the switch after the mode E sign-on).
    ///
    /// # Errors
    /// The settings are invalid, or the port refuses them.
    pub fn apply(&self, port: &mut dyn serialport::SerialPort) -> std::io::Result<()> {
        self.validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        port.set_baud_rate(self.baud)?;
        port.set_data_bits(self.serialport_data_bits())?;
        port.set_parity(self.serialport_parity())?;
        port.set_stop_bits(self.serialport_stop_bits())?;
        Ok(())
    }

    fn serialport_data_bits(&self) -> serialport::DataBits {
        match self.data_bits {
            5 => serialport::DataBits::Five,
            6 => serialport::DataBits::Six,
            7 => serialport::DataBits::Seven,
            _ => serialport::DataBits::Eight,
        }
    }

    fn serialport_parity(&self) -> serialport::Parity {
        match self.parity {
            Parity::None => serialport::Parity::None,
            Parity::Odd => serialport::Parity::Odd,
            Parity::Even => serialport::Parity::Even,
        }
    }

    fn serialport_stop_bits(&self) -> serialport::StopBits {
        if self.stop_bits == 2 {
            serialport::StopBits::Two
        } else {
            serialport::StopBits::One
        }
    }
}

impl fmt::Display for SerialSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Odd => 'O',
            Parity::Even => 'E',
        };
        write!(
            f,
            "{} {}{}{}",
            self.baud, self.data_bits, parity, self.stop_bits
        )
    }
}
