//! Serial line settings (plain data; this crate never opens a port).

/// Parity bit of the serial character.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Parity {
    /// Even parity, the M-Bus default (EN 13757-2).
    #[default]
    Even,
    /// Odd parity.
    Odd,
    /// No parity bit.
    None,
}

/// Character format and speed of a wired M-Bus line: 8 data bits, 1 stop bit, configurable
/// parity and baud rate. The default is 2400 baud 8E1.
///
/// ```
/// use mbus::{Parity, SerialSettings};
/// let s = SerialSettings::default();
/// assert_eq!((s.baud, s.data_bits, s.parity, s.stop_bits), (2400, 8, Parity::Even, 1));
/// assert_eq!(s.bits_per_char(), 11);
/// let odd = SerialSettings::new(9600).with_parity(Parity::None);
/// assert_eq!(odd.bits_per_char(), 10);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SerialSettings {
    /// Baud rate (300, 600, 1200, 2400, 4800, 9600, 19200 or 38400 on M-Bus).
    pub baud: u32,
    /// Data bits per character (8).
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits (1).
    pub stop_bits: u8,
}

impl Default for SerialSettings {
    fn default() -> Self {
        SerialSettings::new(2400)
    }
}

impl SerialSettings {
    /// The baud rates EN 13757-2 allows.
    pub const BAUD_RATES: [u32; 8] = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400];

    /// 8E1 at the given baud rate.
    pub const fn new(baud: u32) -> Self {
        SerialSettings {
            baud,
            data_bits: 8,
            parity: Parity::Even,
            stop_bits: 1,
        }
    }

    /// The same settings with another parity.
    pub const fn with_parity(self, parity: Parity) -> Self {
        SerialSettings { parity, ..self }
    }

    /// Bits on the line per character: start, data, parity and stop bits.
    pub const fn bits_per_char(&self) -> u32 {
        let parity = match self.parity {
            Parity::None => 0,
            _ => 1,
        };
        1u32.saturating_add(self.data_bits as u32)
            .saturating_add(parity)
            .saturating_add(self.stop_bits as u32)
    }

    /// Time on the wire for `bytes` characters, in microseconds (rounded up).
    ///
    /// ```
    /// use mbus::SerialSettings;
    /// // one character at 2400 8E1 takes 11 bit times of 416.7 µs
    /// assert_eq!(SerialSettings::default().transmit_micros(1), 4584);
    /// ```
    pub const fn transmit_micros(&self, bytes: usize) -> u64 {
        let bits = (bytes as u64).saturating_mul(self.bits_per_char() as u64);
        let baud = if self.baud == 0 { 1 } else { self.baud as u64 };
        bits.saturating_mul(1_000_000).div_ceil(baud)
    }

    /// The slave answer timeout recommended by EN 13757-2: 330 bit times plus 50 ms, in
    /// microseconds.
    ///
    /// ```
    /// use mbus::SerialSettings;
    /// assert_eq!(SerialSettings::default().response_timeout_micros(), 187_500);
    /// ```
    pub const fn response_timeout_micros(&self) -> u64 {
        let baud = if self.baud == 0 { 1 } else { self.baud as u64 };
        (330u64 * 1_000_000).div_ceil(baud).saturating_add(50_000)
    }

    /// The CI field that switches a slave to this baud rate (`0xB8` for 300 … `0xBF` for
    /// 38400), if the rate is one of [`BAUD_RATES`](Self::BAUD_RATES).
    pub fn baud_ci(&self) -> Option<crate::Ci> {
        let mut i = 0u8;
        for rate in Self::BAUD_RATES {
            if rate == self.baud {
                return Some(crate::Ci(0xB8u8.saturating_add(i)));
            }
            i = i.saturating_add(1);
        }
        None
    }
}
