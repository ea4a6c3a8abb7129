//! Key material and system titles.
//!
//! [`EncryptionKey`] and [`AuthenticationKey`] are 16-byte AES-128 keys. They are zeroized when
//! dropped and their `Debug` output never shows a byte of the key. Parse errors never echo the
//! input either: they report offsets and lengths only.

use core::fmt;
use core::str::FromStr;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length in bytes of an AES-128 key (security suites 0 and 1).
pub const KEY_LEN: usize = 16;

/// Why a key could not be built from bytes or from text.
///
/// The variants carry positions and counts only, never key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key does not have the expected number of bytes.
    #[error("a key has {expected} bytes, found {found}")]
    InvalidLength {
        /// Bytes expected (16 for AES-128).
        expected: usize,
        /// Bytes given (for text: hex digits / 2, rounded down).
        found: usize,
    },
    /// The text holds an odd number of hex digits.
    #[error("odd number of hex digits ({digits})")]
    OddDigits {
        /// Hex digits found.
        digits: usize,
    },
    /// A character that is neither a hex digit nor a separator.
    #[error("invalid character at offset {offset}: expected a hex digit")]
    InvalidCharacter {
        /// Byte offset of the character in the text.
        offset: usize,
    },
}

/// Decodes hex text into `out`, accepting ASCII whitespace, `:` and `-` as separators and an
/// optional `0x` prefix. Returns the number of bytes written.
fn decode_hex_into(text: &str, out: &mut [u8]) -> Result<usize, KeyError> {
    let bytes = text.as_bytes();
    let (start, body) = match bytes {
        [b'0', b'x' | b'X', rest @ ..] => (2usize, rest),
        _ => (0usize, bytes),
    };
    let mut digits = 0usize;
    let mut high: Option<u8> = None;
    let mut written = 0usize;
    for (i, &c) in body.iter().enumerate() {
        let nibble = match c {
            b'0'..=b'9' => c.wrapping_sub(b'0'),
            b'a'..=b'f' => c.wrapping_sub(b'a').wrapping_add(10),
            b'A'..=b'F' => c.wrapping_sub(b'A').wrapping_add(10),
            b' ' | b'\t' | b'\r' | b'\n' | b':' | b'-' => continue,
            _ => {
                return Err(KeyError::InvalidCharacter {
                    offset: start.saturating_add(i),
                });
            }
        };
        digits = digits.saturating_add(1);
        match high.take() {
            None => high = Some(nibble),
            Some(h) => {
                if let Some(slot) = out.get_mut(written) {
                    *slot = (h << 4) | nibble;
                }
                written = written.saturating_add(1);
            }
        }
    }
    if high.is_some() {
        return Err(KeyError::OddDigits { digits });
    }
    Ok(written)
}

macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name([u8; KEY_LEN]);

        impl $name {
            /// Builds the key from its 16 bytes.
            pub const fn new(bytes: [u8; KEY_LEN]) -> Self {
                Self(bytes)
            }

            /// Builds the key from a slice, which must be exactly 16 bytes long.
            ///
            /// # Errors
            ///
            /// [`KeyError::InvalidLength`] for any other length.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
                let array: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
                    KeyError::InvalidLength {
                        expected: KEY_LEN,
                        found: bytes.len(),
                    }
                })?;
                Ok(Self(array))
            }

            /// Parses the key from 32 hex digits (case-insensitive; whitespace, `:` and `-`
            /// are ignored, a `0x` prefix is allowed).
            ///
            /// # Errors
            ///
            /// [`KeyError`] with a position or a count, never the text itself.
            pub fn from_hex(text: &str) -> Result<Self, KeyError> {
                let mut bytes = [0u8; KEY_LEN];
                let result = decode_hex_into(text, &mut bytes);
                match result {
                    Ok(KEY_LEN) => Ok(Self(bytes)),
                    Ok(found) => {
                        bytes.zeroize();
                        Err(KeyError::InvalidLength { expected: KEY_LEN, found })
                    }
                    Err(e) => {
                        bytes.zeroize();
                        Err(e)
                    }
                }
            }

            /// The key bytes. Handle with care: copies are not zeroized.
            pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = KeyError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }

        impl From<[u8; KEY_LEN]> for $name {
            fn from(bytes: [u8; KEY_LEN]) -> Self {
                Self(bytes)
            }
        }

        impl TryFrom<&[u8]> for $name {
            type Error = KeyError;

            fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
                Self::from_slice(bytes)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl PartialEq for $name {
            /// Constant-time comparison.
            fn eq(&self, other: &Self) -> bool {
                use subtle::ConstantTimeEq;
                self.0.ct_eq(&other.0).into()
            }
        }

        impl Eq for $name {}

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }

        impl ZeroizeOnDrop for $name {}
    };
}

secret_key! {
    /// The global unicast (or broadcast) encryption key, GUEK / GBEK: the key of the AES-GCM
    /// cipher. This is the key grid operators hand out for the customer interface.
    ///
    /// Zeroized on drop; `Debug` prints `EncryptionKey(<redacted>)`.
    ///
    /// ```
    /// use dlms::security::EncryptionKey;
    ///
    /// let key: EncryptionKey = "5C316162209EBB790B52EB0E7FC5B11C".parse()?;
    /// assert_eq!(format!("{key:?}"), "EncryptionKey(<redacted>)");
    /// assert!("5C31".parse::<EncryptionKey>().is_err());
    /// # Ok::<(), dlms::security::KeyError>(())
    /// ```
    EncryptionKey
}

secret_key! {
    /// The authentication key, GAK: prefixed to the additional authenticated data (AAD =
    /// security control ‖ AK), so a GCM tag can only be checked with it.
    ///
    /// Zeroized on drop; `Debug` prints `AuthenticationKey(<redacted>)`.
    ///
    /// ```
    /// use dlms::security::AuthenticationKey;
    ///
    /// let key = AuthenticationKey::new([0xD0; 16]);
    /// assert_eq!(format!("{key:?}"), "AuthenticationKey(<redacted>)");
    /// ```
    AuthenticationKey
}

/// The 8-byte system title of a DLMS entity (not secret): three letters of the manufacturer's
/// FLAG id followed by five manufacturer-specific bytes. It is the first part of every AES-GCM
/// initialisation vector.
///
/// ```
/// use dlms::security::SystemTitle;
///
/// let title: SystemTitle = "4C475A677362F13A".parse()?;
/// assert_eq!(title.manufacturer(), Some("LGZ"));
/// assert_eq!(title.idis_serial_number(), 56_815_930);
/// assert_eq!(title.to_string(), "4C475A677362F13A");
/// # Ok::<(), dlms::security::KeyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SystemTitle(pub [u8; 8]);

impl SystemTitle {
    /// Wraps the eight bytes.
    pub const fn new(bytes: [u8; 8]) -> Self {
        Self(bytes)
    }

    /// The eight bytes.
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// The three-letter manufacturer id (`LGZ` for Landis+Gyr) when the first three bytes are
    /// ASCII upper-case letters.
    pub fn manufacturer(&self) -> Option<&str> {
        let [a, b, c, ..] = &self.0;
        let id = [*a, *b, *c];
        if id.iter().all(u8::is_ascii_uppercase) {
            let bytes = self.0.get(..3)?;
            core::str::from_utf8(bytes).ok()
        } else {
            None
        }
    }

    /// The IDIS device type byte (byte 3; `0x67` on the Landis+Gyr E450 polyphase meter).
    pub const fn idis_device_type(&self) -> u8 {
        self.0[3]
    }

    /// The IDIS function-type flags: the high four bits of byte 4.
    pub const fn idis_function_type(&self) -> u8 {
        self.0[4] >> 4
    }

    /// The IDIS serial number: the low 28 bits of bytes 4..8 (`4C475A677362F13A` →
    /// 56815930, the serial printed on the meter).
    pub const fn idis_serial_number(&self) -> u32 {
        u32::from_be_bytes([self.0[4], self.0[5], self.0[6], self.0[7]]) & 0x0FFF_FFFF
    }
}

impl From<[u8; 8]> for SystemTitle {
    fn from(bytes: [u8; 8]) -> Self {
        Self(bytes)
    }
}

impl From<SystemTitle> for [u8; 8] {
    fn from(title: SystemTitle) -> Self {
        title.0
    }
}

impl fmt::Display for SystemTitle {
    /// Upper-case hex, 16 digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl FromStr for SystemTitle {
    type Err = KeyError;

    /// Parses 16 hex digits (separators as for keys).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 8];
        match decode_hex_into(s, &mut bytes)? {
            8 => Ok(Self(bytes)),
            found => Err(KeyError::InvalidLength { expected: 8, found }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn key_from_hex_and_errors() {
        let k = EncryptionKey::from_hex("00 01:02-03 0405060708090a0B0C0D0E0F").unwrap();
        assert_eq!(k.as_bytes()[15], 0x0F);
        let k2 = EncryptionKey::from_hex("0x000102030405060708090A0B0C0D0E0F").unwrap();
        assert_eq!(k, k2);
        assert_eq!(
            EncryptionKey::from_hex("0001"),
            Err(KeyError::InvalidLength {
                expected: 16,
                found: 2
            })
        );
        assert_eq!(
            EncryptionKey::from_hex("000102030405060708090A0B0C0D0E0F00"),
            Err(KeyError::InvalidLength {
                expected: 16,
                found: 17
            })
        );
        assert_eq!(
            EncryptionKey::from_hex("00010"),
            Err(KeyError::OddDigits { digits: 5 })
        );
        assert_eq!(
            AuthenticationKey::from_hex("0001G2"),
            Err(KeyError::InvalidCharacter { offset: 4 })
        );
        assert_eq!(
            AuthenticationKey::from_slice(&[1, 2, 3]),
            Err(KeyError::InvalidLength {
                expected: 16,
                found: 3
            })
        );
    }

    #[test]
    fn debug_and_errors_never_show_key() {
        let k = EncryptionKey::from_hex("5C316162209EBB790B52EB0E7FC5B11C").unwrap();
        let dbg = format!("{k:?}");
        assert_eq!(dbg, "EncryptionKey(<redacted>)");
        assert!(!dbg.contains("5C"));
        let err = EncryptionKey::from_hex("5C316162209EBB790B52EB0E7FC5B1Z").unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("5C31"), "{text}");
        let ak = AuthenticationKey::new([0xAB; 16]);
        assert!(!format!("{ak:?}").to_lowercase().contains("ab,"));
    }

    #[test]
    fn keys_are_zeroize_on_drop() {
        fn assert_zod<T: ZeroizeOnDrop>() {}
        assert_zod::<EncryptionKey>();
        assert_zod::<AuthenticationKey>();
    }

    #[test]
    fn system_title_lgz() {
        let t: SystemTitle = "4C475A677362F13A".parse().unwrap();
        assert_eq!(t.manufacturer(), Some("LGZ"));
        assert_eq!(t.idis_device_type(), 0x67);
        assert_eq!(t.idis_function_type(), 0x7);
        assert_eq!(t.idis_serial_number(), 56_815_930);
        assert_eq!(format!("{t}"), "4C475A677362F13A");
        // The E570 of the corpus: its logical device name is LGZ1030769231253.
        let e570: SystemTitle = "4C475A6774206295".parse().unwrap();
        assert_eq!(e570.idis_serial_number(), 69_231_253);
        assert_eq!(
            SystemTitle::new([0x2F, 0x19, 0x22, 0, 0, 0, 0, 0]).manufacturer(),
            None
        );
        assert_eq!(
            "4C47".parse::<SystemTitle>(),
            Err(KeyError::InvalidLength {
                expected: 8,
                found: 2
            })
        );
    }
}
