//! HDLC addresses: 1, 2 and 4-byte forms, logical (upper) and physical (lower) parts.

use crate::Error;

/// How many bytes an address takes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressSize {
    /// One byte: a 7-bit value (client SAPs, or a server's upper address alone).
    One,
    /// Two bytes: 7-bit upper and 7-bit lower address.
    Two,
    /// Four bytes: 14-bit upper and 14-bit lower address.
    Four,
}

impl AddressSize {
    /// Bytes on the wire (1, 2 or 4).
    #[must_use]
    pub const fn byte_len(self) -> usize {
        match self {
            AddressSize::One => 1,
            AddressSize::Two => 2,
            AddressSize::Four => 4,
        }
    }

    /// Bits available to each part in this form (7, 7 or 14).
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            AddressSize::One | AddressSize::Two => 7,
            AddressSize::Four => 14,
        }
    }

    const fn max(self) -> u16 {
        match self {
            AddressSize::One | AddressSize::Two => 0x7F,
            AddressSize::Four => 0x3FFF,
        }
    }
}

/// A destination or source address.
///
/// Each address byte carries seven bits of value and an extension bit (bit 0): 1 marks the
/// last byte. A client address is one byte (its SAP). A server address has an upper part, the
/// *logical* device (1 = management logical device), and optionally a lower part, the
/// *physical* device address; it takes 1 byte (upper only), 2 bytes (7 + 7 bits) or 4 bytes
/// (14 + 14 bits).
///
/// ```
/// use hdlc::{Address, AddressSize};
///
/// // Public client, SAP 16.
/// let client = Address::client(16)?;
/// assert_eq!(client.emit_array().as_slice(), &[0x21]);
///
/// // An L+G E650 with serial 51324481: logical device 17, physical 5481, four bytes.
/// let meter = Address::from_serial(17, 51_324_481)?;
/// assert_eq!(meter.physical(), Some(5481));
/// assert_eq!(meter.size(), AddressSize::Four);
/// assert_eq!(meter.emit_array().as_slice(), &[0x00, 0x22, 0x54, 0xD3]);
/// # Ok::<(), hdlc::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    size: AddressSize,
    upper: u16,
    lower: u16,
}

/// The encoded bytes of an address (see [`Address::emit_array`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBytes {
    bytes: [u8; 4],
    len: usize,
}

impl AddressBytes {
    /// The bytes as a slice.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl Address {
    /// The 1-byte "all stations" broadcast address (0x7F).
    pub const BROADCAST: Address = Address {
        size: AddressSize::One,
        upper: 0x7F,
        lower: 0,
    };
    /// The 2-byte broadcast address (0x7F / 0x7F).
    pub const BROADCAST_2: Address = Address {
        size: AddressSize::Two,
        upper: 0x7F,
        lower: 0x7F,
    };
    /// The 4-byte broadcast address (0x3FFF / 0x3FFF).
    pub const BROADCAST_4: Address = Address {
        size: AddressSize::Four,
        upper: 0x3FFF,
        lower: 0x3FFF,
    };
    /// "No station" (0x00), never the address of a real station.
    pub const NO_STATION: Address = Address {
        size: AddressSize::One,
        upper: 0,
        lower: 0,
    };
    /// The public client, SAP 16 (no security, read-only).
    pub const PUBLIC_CLIENT: Address = Address {
        size: AddressSize::One,
        upper: 16,
        lower: 0,
    };
    /// The management client, SAP 1.
    pub const MANAGEMENT_CLIENT: Address = Address {
        size: AddressSize::One,
        upper: 1,
        lower: 0,
    };

    /// A 1-byte client address from its SAP (0..=127).
    ///
    /// # Errors
    /// [`Error::AddressOutOfRange`] when `sap` > 127.
    pub const fn client(sap: u8) -> Result<Self, Error> {
        Self::one(sap as u16)
    }

    /// A 1-byte address (0..=127): a client SAP, or a server's upper address alone.
    ///
    /// # Errors
    /// [`Error::AddressOutOfRange`] when `value` > 127.
    pub const fn one(value: u16) -> Result<Self, Error> {
        Self::new(AddressSize::One, value, 0)
    }

    /// A server address from its logical (upper) and physical (lower) parts in the given form.
    /// For [`AddressSize::One`] the physical part must be 0 and is not sent.
    ///
    /// # Errors
    /// [`Error::AddressOutOfRange`] when a part does not fit the form.
    pub const fn new(size: AddressSize, logical: u16, physical: u16) -> Result<Self, Error> {
        if logical > size.max() {
            return Err(Error::AddressOutOfRange {
                value: logical,
                bits: size.bits(),
            });
        }
        let lower_max = match size {
            AddressSize::One => 0,
            _ => size.max(),
        };
        if physical > lower_max {
            return Err(Error::AddressOutOfRange {
                value: physical,
                bits: if lower_max == 0 { 0 } else { size.bits() },
            });
        }
        Ok(Address {
            size,
            upper: logical,
            lower: physical,
        })
    }

    /// A server address in the smallest form that holds both parts (2 or 4 bytes).
    ///
    /// # Errors
    /// [`Error::AddressOutOfRange`] when a part exceeds 14 bits.
    pub const fn server(logical: u16, physical: u16) -> Result<Self, Error> {
        if logical <= 0x7F && physical <= 0x7F {
            Self::new(AddressSize::Two, logical, physical)
        } else {
            Self::new(AddressSize::Four, logical, physical)
        }
    }

    /// The Landis+Gyr rule for the physical address of a meter: `serial % 10000 + 1000`.
    ///
    /// ```
    /// assert_eq!(hdlc::Address::physical_from_serial(51_324_481), 5481);
    /// ```
    #[must_use]
    pub const fn physical_from_serial(serial: u32) -> u16 {
        // serial % 10000 < 10000, plus 1000 fits in u16.
        ((serial % 10_000) as u16).wrapping_add(1000)
    }

    /// A 4-byte server address for a Landis+Gyr meter with the given serial number
    /// (physical address `serial % 10000 + 1000`).
    ///
    /// # Errors
    /// [`Error::AddressOutOfRange`] when `logical` exceeds 14 bits.
    pub const fn from_serial(logical: u16, serial: u32) -> Result<Self, Error> {
        Self::new(
            AddressSize::Four,
            logical,
            Self::physical_from_serial(serial),
        )
    }

    /// The wire form.
    #[must_use]
    pub const fn size(self) -> AddressSize {
        self.size
    }

    /// The upper address: the logical device of a server, or the SAP of a client.
    #[must_use]
    pub const fn logical(self) -> u16 {
        self.upper
    }

    /// The lower (physical) address, `None` for a 1-byte address.
    #[must_use]
    pub const fn physical(self) -> Option<u16> {
        match self.size {
            AddressSize::One => None,
            _ => Some(self.lower),
        }
    }

    /// Whether this is the broadcast address of its form (all bits of the upper part set).
    #[must_use]
    pub const fn is_broadcast(self) -> bool {
        self.upper == self.size.max()
    }

    /// Reads an address from the start of `buf` by the extension bit. Returns the address and
    /// its length, or `Ok(None)` when `buf` ends before the address does.
    ///
    /// `offset` is only used in errors: the position of `buf` in the frame.
    ///
    /// # Errors
    /// [`Error::AddressTooLong`] (no end within 4 bytes), [`Error::BadAddressLength`] (3 bytes).
    pub fn read(buf: &[u8], offset: usize) -> Result<Option<(Self, usize)>, Error> {
        let Some(end) = buf.iter().take(4).position(|b| b & 1 == 1) else {
            return if buf.len() >= 4 {
                Err(Error::AddressTooLong { offset })
            } else {
                Ok(None)
            };
        };
        let v = |i: usize| u16::from(buf.get(i).copied().unwrap_or(0) >> 1);
        let addr = match end {
            0 => Address {
                size: AddressSize::One,
                upper: v(0),
                lower: 0,
            },
            1 => Address {
                size: AddressSize::Two,
                upper: v(0),
                lower: v(1),
            },
            3 => Address {
                size: AddressSize::Four,
                upper: (v(0) << 7) | v(1),
                lower: (v(2) << 7) | v(3),
            },
            _ => return Err(Error::BadAddressLength { offset, len: 3 }),
        };
        Ok(Some((addr, end.wrapping_add(1))))
    }

    /// Parses exactly one address.
    ///
    /// # Errors
    /// As [`Address::read`], plus [`Error::Truncated`] or [`Error::LengthMismatch`].
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        match Self::read(buf, 0)? {
            Some((a, n)) if n == buf.len() => Ok(a),
            Some((_, n)) => Err(Error::LengthMismatch {
                expected: n,
                actual: buf.len(),
            }),
            None => Err(Error::Truncated {
                offset: buf.len(),
                needed: 1,
            }),
        }
    }

    /// The encoded bytes.
    #[must_use]
    pub const fn emit_array(self) -> AddressBytes {
        let (u, l) = (self.upper, self.lower);
        let bytes = match self.size {
            AddressSize::One => [((u as u8) << 1) | 1, 0, 0, 0],
            AddressSize::Two => [(u as u8) << 1, ((l as u8) << 1) | 1, 0, 0],
            AddressSize::Four => [
                (((u >> 7) as u8) & 0x7F) << 1,
                ((u as u8) & 0x7F) << 1,
                (((l >> 7) as u8) & 0x7F) << 1,
                (((l as u8) & 0x7F) << 1) | 1,
            ],
        };
        AddressBytes {
            bytes,
            len: self.size.byte_len(),
        }
    }

    /// Bytes [`Address::emit`] writes.
    #[must_use]
    pub const fn buffer_len(self) -> usize {
        self.size.byte_len()
    }

    /// Writes the address to the start of `buf`, returning the bytes written.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`].
    pub fn emit(self, buf: &mut [u8]) -> Result<usize, Error> {
        let bytes = self.emit_array();
        let src = bytes.as_slice();
        let available = buf.len();
        let dst = buf.get_mut(..src.len()).ok_or(Error::BufferTooSmall {
            needed: src.len(),
            available,
        })?;
        dst.copy_from_slice(src);
        Ok(src.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn four_byte_e650() {
        let a = Address::parse(&[0x00, 0x22, 0x54, 0xD3]).unwrap();
        assert_eq!(a.size(), AddressSize::Four);
        assert_eq!(a.logical(), 17);
        assert_eq!(a.physical(), Some(5481));
        assert_eq!(a, Address::from_serial(17, 51_324_481).unwrap());
    }

    #[test]
    fn two_byte_e450_destination() {
        // CE FF: upper 0x67, lower 0x7F.
        let a = Address::parse(&[0xCE, 0xFF]).unwrap();
        assert_eq!((a.logical(), a.physical()), (0x67, Some(0x7F)));
        assert_eq!(a.emit_array().as_slice(), &[0xCE, 0xFF]);
        let b = Address::parse(&[0x02, 0x23]).unwrap();
        assert_eq!((b.logical(), b.physical()), (1, Some(17)));
    }

    #[test]
    fn one_byte() {
        let a = Address::parse(&[0x21]).unwrap();
        assert_eq!(a, Address::PUBLIC_CLIENT);
        assert_eq!(a.physical(), None);
        assert!(Address::parse(&[0xFF]).unwrap().is_broadcast());
        assert_eq!(Address::BROADCAST_2.emit_array().as_slice(), &[0xFE, 0xFF]);
        assert_eq!(
            Address::BROADCAST_4.emit_array().as_slice(),
            &[0xFE, 0xFE, 0xFE, 0xFF]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            Address::read(&[0, 0, 0, 0, 1], 5),
            Err(Error::AddressTooLong { offset: 5 })
        );
        assert_eq!(
            Address::read(&[0, 0, 1], 3),
            Err(Error::BadAddressLength { offset: 3, len: 3 })
        );
        assert_eq!(Address::read(&[0, 0], 0), Ok(None));
        assert_eq!(
            Address::client(128),
            Err(Error::AddressOutOfRange {
                value: 128,
                bits: 7
            })
        );
        assert!(Address::new(AddressSize::Four, 0x4000, 0).is_err());
        assert!(Address::new(AddressSize::One, 1, 1).is_err());
    }

    #[test]
    fn all_values_round_trip() {
        for u in [0u16, 1, 0x7F, 0x80, 0x1234, 0x3FFF] {
            for l in [0u16, 1, 0x7F, 0x80, 0x2AAA, 0x3FFF] {
                let a = Address::new(AddressSize::Four, u, l).unwrap();
                assert_eq!(Address::parse(a.emit_array().as_slice()).unwrap(), a);
            }
        }
    }
}
