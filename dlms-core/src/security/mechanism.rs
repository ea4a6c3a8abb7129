//! Authentication mechanisms: names, the low-level password, the Landis+Gyr manufacturer HLS.
//!
//! HLS-GMAC (mechanism 5) needs AES-GCM and lives on
//! [`SuiteZeroCipher`](super::SuiteZeroCipher) (feature `security`).

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The BER encoding of the mechanism-name OID prefix `2.16.756.5.8.2` (joint-iso-ccitt,
/// country, ch, DLMS UA, authentication-mechanism-name); the mechanism id follows.
const MECHANISM_NAME_PREFIX: [u8; 6] = [0x60, 0x85, 0x74, 0x05, 0x08, 0x02];

/// Errors of the authentication mechanisms that need no cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HlsError {
    /// The password is longer than [`LLS_PASSWORD_CAPACITY`].
    #[error("password too long: at most {max} bytes, found {found}")]
    PasswordTooLong {
        /// The capacity.
        max: usize,
        /// The length given.
        found: usize,
    },
    /// A password character is not a decimal digit (Landis+Gyr HLS).
    #[error("password character at offset {offset} is not a decimal digit")]
    InvalidPasswordCharacter {
        /// Offset in the password.
        offset: usize,
    },
    /// A challenge character that must be changed is not an upper-case hex digit
    /// (Landis+Gyr HLS).
    #[error("challenge character at offset {offset} is not an upper-case hex digit")]
    InvalidChallengeCharacter {
        /// Offset in the challenge.
        offset: usize,
    },
    /// The output buffer is too small.
    #[error("output buffer too small: need {needed} bytes, found {found}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
    /// The response does not match the expected one.
    #[error("authentication response mismatch")]
    Mismatch,
    /// The bytes are not a DLMS mechanism-name OID (`60 85 74 05 08 02 xx`).
    #[error("not a DLMS authentication mechanism name ({len} bytes)")]
    NotAMechanismName {
        /// Length of the value given.
        len: usize,
    },
}

/// An authentication mechanism id: the last arc of the mechanism-name OID
/// `2.16.756.5.8.2.x` carried in AARQ/AARE (tag `8B`/`89`).
///
/// The same id as [`crate::apdu::MechanismName`] (what a parsed AARQ holds; `From` converts
/// both ways), with the OID encoding and names.
///
/// An open code space: unknown ids survive a round trip.
///
/// ```
/// use dlms::security::AuthenticationMechanism;
///
/// let m = AuthenticationMechanism::HIGH_GMAC;
/// assert_eq!(m.mechanism_name(), [0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05]);
/// assert_eq!(AuthenticationMechanism::from_mechanism_name(&m.mechanism_name()), Ok(m));
/// assert_eq!(m.to_string(), "HLS-GMAC");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AuthenticationMechanism(pub u8);

impl AuthenticationMechanism {
    /// No authentication (lowest level security), mechanism 0.
    pub const NONE: Self = Self(0);
    /// Low-level security (LLS): a password carried in the AARQ, mechanism 1.
    pub const LOW: Self = Self(1);
    /// High-level security, manufacturer specific, mechanism 2 (Landis+Gyr: see
    /// [`lgz_hls_response`]).
    pub const HIGH: Self = Self(2);
    /// HLS with MD5, mechanism 3 (deprecated).
    pub const HIGH_MD5: Self = Self(3);
    /// HLS with SHA-1, mechanism 4 (deprecated).
    pub const HIGH_SHA1: Self = Self(4);
    /// HLS with GMAC, mechanism 5.
    pub const HIGH_GMAC: Self = Self(5);
    /// HLS with SHA-256, mechanism 6.
    pub const HIGH_SHA256: Self = Self(6);
    /// HLS with ECDSA, mechanism 7.
    pub const HIGH_ECDSA: Self = Self(7);

    /// The BER-encoded mechanism-name OID `2.16.756.5.8.2.id` (7 bytes, without the BER tag
    /// and length). Ids above 127 are not defined and encode as a single byte too.
    pub const fn mechanism_name(self) -> [u8; 7] {
        let p = MECHANISM_NAME_PREFIX;
        [p[0], p[1], p[2], p[3], p[4], p[5], self.0]
    }

    /// Reads the mechanism id from a BER-encoded mechanism-name OID.
    ///
    /// # Errors
    ///
    /// [`HlsError::NotAMechanismName`] when the bytes are not `60 85 74 05 08 02 xx`.
    pub fn from_mechanism_name(oid: &[u8]) -> Result<Self, HlsError> {
        match oid {
            [a, b, c, d, e, f, id] if [*a, *b, *c, *d, *e, *f] == MECHANISM_NAME_PREFIX => {
                Ok(Self(*id))
            }
            _ => Err(HlsError::NotAMechanismName { len: oid.len() }),
        }
    }

    /// A short name (`"none"`, `"LLS"`, `"HLS"`, `"HLS-MD5"`, `"HLS-SHA1"`, `"HLS-GMAC"`,
    /// `"HLS-SHA256"`, `"HLS-ECDSA"`), `None` for other ids.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("none"),
            1 => Some("LLS"),
            2 => Some("HLS"),
            3 => Some("HLS-MD5"),
            4 => Some("HLS-SHA1"),
            5 => Some("HLS-GMAC"),
            6 => Some("HLS-SHA256"),
            7 => Some("HLS-ECDSA"),
            _ => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl From<crate::apdu::MechanismName> for AuthenticationMechanism {
    /// The mechanism id carried by a parsed AARQ/AARE.
    fn from(name: crate::apdu::MechanismName) -> Self {
        Self(name.0)
    }
}

#[cfg(feature = "alloc")]
impl From<AuthenticationMechanism> for crate::apdu::MechanismName {
    fn from(mechanism: AuthenticationMechanism) -> Self {
        Self(mechanism.0)
    }
}

impl fmt::Display for AuthenticationMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "mechanism {}", self.0),
        }
    }
}

/// The most bytes an [`LlsPassword`] holds.
pub const LLS_PASSWORD_CAPACITY: usize = 64;

/// A password for low-level security (mechanism 1, carried in the AARQ's
/// calling-authentication-value) or the secret of a manufacturer HLS.
///
/// Held inline (no allocation), zeroized on drop, redacted in `Debug`, compared in constant
/// time.
///
/// ```
/// use dlms::security::LlsPassword;
///
/// let pw: LlsPassword = "12345678".parse()?;
/// assert_eq!(pw.as_bytes(), b"12345678");
/// assert_eq!(format!("{pw:?}"), "LlsPassword(<redacted>)");
/// # Ok::<(), dlms::security::HlsError>(())
/// ```
#[derive(Clone)]
pub struct LlsPassword {
    bytes: [u8; LLS_PASSWORD_CAPACITY],
    len: usize,
}

impl LlsPassword {
    /// Copies the password.
    ///
    /// # Errors
    ///
    /// [`HlsError::PasswordTooLong`] above [`LLS_PASSWORD_CAPACITY`] bytes.
    pub fn new(password: &[u8]) -> Result<Self, HlsError> {
        let mut bytes = [0u8; LLS_PASSWORD_CAPACITY];
        let slot = bytes
            .get_mut(..password.len())
            .ok_or(HlsError::PasswordTooLong {
                max: LLS_PASSWORD_CAPACITY,
                found: password.len(),
            })?;
        slot.copy_from_slice(password);
        Ok(Self {
            bytes,
            len: password.len(),
        })
    }

    /// The password bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// The length in bytes.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the password is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl core::str::FromStr for LlsPassword {
    type Err = HlsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s.as_bytes())
    }
}

impl fmt::Debug for LlsPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LlsPassword(<redacted>)")
    }
}

impl PartialEq for LlsPassword {
    /// Constant time in the contents (the lengths are compared first).
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl Eq for LlsPassword {}

impl Drop for LlsPassword {
    fn drop(&mut self) {
        self.bytes.zeroize();
        self.len = 0;
    }
}

impl ZeroizeOnDrop for LlsPassword {}

/// The value of an upper-case hex digit.
const fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c.wrapping_sub(b'0')),
        b'A'..=b'F' => Some(c.wrapping_sub(b'A').wrapping_add(10)),
        _ => None,
    }
}

/// The upper-case hex digit of a nibble.
const fn hex_digit(v: u8) -> u8 {
    let v = v & 0x0F;
    if v < 10 {
        b'0'.wrapping_add(v)
    } else {
        b'A'.wrapping_add(v.wrapping_sub(10))
    }
}

/// **Experimental.** The Landis+Gyr manufacturer-specific HLS (mechanism 2, used when the
/// meter's manufacturer id is `LGZ`): the client's reply to the meter's challenge (StoC).
///
/// The challenge is text of upper-case hex digits; the password is decimal digits. The reply
/// is the challenge with the password's digits added position by position, each sum taken
/// modulo 16 (hexadecimal wrap-around: `'9' + 1 = 'A'`, `'F' + 1 = '0'`). Challenge characters
/// beyond the password, and those facing a `'0'`, are copied unchanged. The reply is sent with
/// Association LN method 1 (`reply_to_HLS_authentication`) as an octet string.
///
/// No public test vector exists for this mechanism; the implementation follows the published
/// description and has not been tried on a meter.
///
/// Writes `challenge.len()` bytes into `out` and returns that count.
///
/// ```
/// use dlms::security::lgz_hls_response;
///
/// let mut out = [0u8; 8];
/// let n = lgz_hls_response(b"12345678", b"0123ABCF", &mut out)?;
/// assert_eq!(&out[..n], b"1357F137");
/// # Ok::<(), dlms::security::HlsError>(())
/// ```
///
/// # Errors
///
/// [`HlsError::InvalidPasswordCharacter`] for a password byte that is not `0`–`9`,
/// [`HlsError::InvalidChallengeCharacter`] for a challenge byte to be changed that is not
/// `0`–`9`/`A`–`F`, [`HlsError::BufferTooSmall`].
pub fn lgz_hls_response(
    password: &[u8],
    challenge: &[u8],
    out: &mut [u8],
) -> Result<usize, HlsError> {
    let found = out.len();
    let out = out
        .get_mut(..challenge.len())
        .ok_or(HlsError::BufferTooSmall {
            needed: challenge.len(),
            found,
        })?;
    if let Some(offset) = password.iter().position(|c| !c.is_ascii_digit()) {
        return Err(HlsError::InvalidPasswordCharacter { offset });
    }
    for (offset, (o, &c)) in out.iter_mut().zip(challenge).enumerate() {
        let digit = password.get(offset).map_or(0, |p| p.wrapping_sub(b'0'));
        *o = if digit == 0 {
            c
        } else {
            let Some(v) = hex_value(c) else {
                return Err(HlsError::InvalidChallengeCharacter { offset });
            };
            hex_digit(v.wrapping_add(digit))
        };
    }
    Ok(challenge.len())
}

/// **Experimental.** Checks a Landis+Gyr HLS reply (the meter's, or a simulator's, side of
/// [`lgz_hls_response`]) in constant time.
///
/// ```
/// use dlms::security::verify_lgz_hls;
///
/// assert_eq!(verify_lgz_hls(b"12345678", b"0123ABCF", b"1357F137"), Ok(()));
/// assert!(verify_lgz_hls(b"12345678", b"0123ABCF", b"1357F138").is_err());
/// # Ok::<(), dlms::security::HlsError>(())
/// ```
///
/// # Errors
///
/// [`HlsError::Mismatch`], or the errors of [`lgz_hls_response`].
pub fn verify_lgz_hls(password: &[u8], challenge: &[u8], response: &[u8]) -> Result<(), HlsError> {
    if response.len() != challenge.len() {
        return Err(HlsError::Mismatch);
    }
    let mut expected = [0u8; 64];
    let mut ok = subtle::Choice::from(1u8);
    for (i, chunk) in challenge.chunks(expected.len()).enumerate() {
        let start = i.saturating_mul(expected.len());
        let pw = password.get(start..).unwrap_or(&[]);
        let n = lgz_hls_response(pw, chunk, &mut expected)?;
        let got = response.get(start..start.saturating_add(n)).unwrap_or(&[]);
        ok &= expected.get(..n).unwrap_or(&[]).ct_eq(got);
    }
    expected.zeroize();
    if bool::from(ok) {
        Ok(())
    } else {
        Err(HlsError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn reply(pw: &[u8], ch: &[u8]) -> Result<[u8; 16], HlsError> {
        let mut out = [0u8; 16];
        let n = lgz_hls_response(pw, ch, &mut out)?;
        assert_eq!(n, ch.len());
        Ok(out)
    }

    #[test]
    fn lgz_adds_digits_with_hex_wraparound() {
        // Digit by digit: 0+1=1, 1+2=3, 2+3=5, 3+4=7, A+5=F, B+6=1 (wrap), C+7=3, F+8=7.
        let out = reply(b"12345678", b"0123ABCF").unwrap();
        assert_eq!(&out[..8], b"1357F137");
        // '9' + 1 crosses into the letters, 'F' + 1 wraps to '0'.
        assert_eq!(&reply(b"11", b"9F").unwrap()[..2], b"A0");
        // A zero digit leaves the character unchanged (even a non-hex one).
        assert_eq!(&reply(b"00", b"zz").unwrap()[..2], b"zz");
        // Characters beyond the password are copied.
        assert_eq!(&reply(b"9", b"7777").unwrap()[..4], b"0777");
        // A password longer than the challenge is cut.
        assert_eq!(&reply(b"999999", b"12").unwrap()[..2], b"AB");
        // Sum of two largest: F + 9 = 0x18 -> 8.
        assert_eq!(&reply(b"9", b"F").unwrap()[..1], b"8");
    }

    #[test]
    fn lgz_errors() {
        assert_eq!(
            reply(b"1a", b"00"),
            Err(HlsError::InvalidPasswordCharacter { offset: 1 })
        );
        assert_eq!(
            reply(b"01", b"0a"),
            Err(HlsError::InvalidChallengeCharacter { offset: 1 })
        );
        let mut small = [0u8; 1];
        assert_eq!(
            lgz_hls_response(b"1", b"00", &mut small),
            Err(HlsError::BufferTooSmall {
                needed: 2,
                found: 1
            })
        );
    }

    #[test]
    fn lgz_verify_long_challenge() {
        let challenge = [b'A'; 100];
        let password = [b'5'; 70];
        let mut expected = [0u8; 100];
        lgz_hls_response(&password, &challenge, &mut expected).unwrap();
        assert_eq!(&expected[..70], &[b'F'; 70][..]);
        assert_eq!(&expected[70..], &[b'A'; 30][..]);
        assert_eq!(verify_lgz_hls(&password, &challenge, &expected), Ok(()));
        let mut wrong = expected;
        wrong[99] = b'B';
        assert_eq!(
            verify_lgz_hls(&password, &challenge, &wrong),
            Err(HlsError::Mismatch)
        );
        assert_eq!(
            verify_lgz_hls(&password, &challenge, &expected[..99]),
            Err(HlsError::Mismatch)
        );
    }

    #[test]
    fn mechanism_names() {
        #[cfg(feature = "alloc")]
        {
            let parsed = crate::apdu::MechanismName::HLS_GMAC;
            assert_eq!(
                AuthenticationMechanism::from(parsed),
                AuthenticationMechanism::HIGH_GMAC
            );
            assert_eq!(
                crate::apdu::MechanismName::from(AuthenticationMechanism::LOW),
                crate::apdu::MechanismName::LLS
            );
        }
        // From the corpus AARQ: 8B 07 60 85 74 05 08 02 05 (HLS-GMAC), ... 02 01 (LLS).
        assert_eq!(
            AuthenticationMechanism::from_mechanism_name(&[
                0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01
            ]),
            Ok(AuthenticationMechanism::LOW)
        );
        assert_eq!(
            AuthenticationMechanism::from_mechanism_name(&[
                0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01
            ]),
            Err(HlsError::NotAMechanismName { len: 7 })
        );
        assert_eq!(
            AuthenticationMechanism::from_mechanism_name(&[]),
            Err(HlsError::NotAMechanismName { len: 0 })
        );
        let odd = AuthenticationMechanism(42);
        assert_eq!(odd.name(), None);
        assert_eq!(
            AuthenticationMechanism::from_mechanism_name(&odd.mechanism_name()),
            Ok(odd)
        );
    }

    #[test]
    fn lls_password() {
        let pw = LlsPassword::new(b"12345678").unwrap();
        assert_eq!(pw.len(), 8);
        assert!(!pw.is_empty());
        assert_eq!(pw, "12345678".parse().unwrap());
        assert_ne!(pw, "12345679".parse().unwrap());
        assert_eq!(
            LlsPassword::new(&[b'1'; 65]).err(),
            Some(HlsError::PasswordTooLong { max: 64, found: 65 })
        );
        fn assert_zod<T: ZeroizeOnDrop>() {}
        assert_zod::<LlsPassword>();
    }
}
