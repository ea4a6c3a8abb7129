//! DLMS security: security suite 0 (AES-128-GCM), keys, the frame-counter guard and the
//! authentication mechanisms.
//!
//! Everything here works on bytes: a ciphered APDU's security header (security control byte,
//! system title, invocation counter) and its payload (ciphertext ‖ tag, as on the wire), so it
//! serves `general-glo-ciphering`, `general-ded-ciphering`, the service-specific `glo-`/`ded-`
//! APDUs and the ciphered `InitiateRequest` alike.
//!
//! - Always present: the [`Cipher`] trait, the key types ([`EncryptionKey`],
//!   [`AuthenticationKey`], zeroized on drop, redacted in `Debug`), [`SystemTitle`],
//!   [`check_security_control`], the replay guards ([`FrameCounterGuard`], and
//!   [`ReplayGuard`] with `alloc`), the mechanism names ([`AuthenticationMechanism`]), the
//!   low-level password ([`LlsPassword`]) and the experimental Landis+Gyr HLS
//!   ([`lgz_hls_response`]).
//! - With the `security` feature (default): [`SuiteZeroCipher`], the AES-128-GCM
//!   implementation (RustCrypto `aes-gcm`, hardware AES and carry-less multiplication detected at
//!   run time), the one-shot helpers [`decrypt`], [`decrypt_unauthenticated`] and [`encrypt`],
//!   and HLS-GMAC (mechanism 5).
//!
//! # Authenticated or not
//!
//! A GCM tag can only be checked with the authentication key, because the AAD is
//! security control ‖ AK. Grid operators often hand out only the encryption key. So there are
//! two explicit ways to decrypt:
//!
//! - [`Authentication::Key`]: the tag is always verified (in constant time); a bad tag is
//!   [`SecurityError::TagMismatch`] and no plaintext is returned.
//! - [`Authentication::Unauthenticated`]: the ciphertext is decrypted with the AES-CTR keystream
//!   (counter block IV ‖ `00000002`), the trailing tag is skipped, and the result says
//!   `authenticated: false`. Anyone who knows the encryption key, or who flips ciphertext bits,
//!   can forge such a message.
//!
//! A security control byte without the authentication bit (`0x20`) carries no tag at all: it
//! decrypts with either choice and is always reported as not authenticated.
//!
//! # Example: decrypt a push with your key
//!
//! ```
//! # #[cfg(feature = "security")] {
//! use dlms::security::{Authentication, EncryptionKey, SecurityHeader, SuiteZeroCipher};
//!
//! // The Green Book example: glo-get-request C8 1E 30 01234567 <ciphertext ‖ tag>.
//! let ek: EncryptionKey = "000102030405060708090A0B0C0D0E0F".parse()?;
//! let ak = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF".parse()?;
//! let cipher = SuiteZeroCipher::new(&ek); // key schedule computed once, reuse it
//! let header = SecurityHeader::new([0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E], 0x30, 0x0123_4567);
//! let payload = [
//!     0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56, 0x68, 0x27, 0xC4, 0x67, 0xBC, // ciphertext
//!     0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B, // tag
//! ];
//! let plain = cipher.decrypt(Authentication::Key(&ak), &header, &payload)?;
//! assert!(plain.authenticated);
//! assert_eq!(plain.plaintext, [0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00]);
//!
//! // Only the encryption key: same plaintext, flagged as not authenticated.
//! let plain = cipher.decrypt(Authentication::Unauthenticated, &header, &payload)?;
//! assert!(!plain.authenticated);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: a general-glo-ciphering push
//!
//! The parsed APDUs of [`crate::apdu`] (`GeneralGloCiphering`, `GeneralDedCiphering`,
//! `Ciphered`) have `security_header`, `decrypt` and `decrypt_into` methods:
//!
//! ```
//! # #[cfg(feature = "security")] {
//! use dlms::apdu::GeneralGloCiphering;
//! use dlms::security::{Authentication, AuthenticationKey, EncryptionKey, SuiteZeroCipher};
//!
//! // A push from the dlms-cosem test suite; both keys are "MYDUMMYGLOBALKEY".
//! let push = [
//!     0xDB, 0x08, 0x2F, 0x19, 0x22, 0x91, 0x99, 0x16, 0x41, 0x03, 0x3B, 0x30, 0x00, 0x00, 0x01,
//!     0xE5, 0x02, 0x5C, 0xE9, 0xD2, 0x27, 0x1F, 0xD7, 0x8B, 0xE8, 0xC2, 0x04, 0x21, 0x1A, 0x91,
//!     0x6A, 0x9D, 0x7F, 0x58, 0x7E, 0x0A, 0x7A, 0x81, 0x4C, 0xAD, 0xEA, 0x89, 0xE9, 0x59, 0x3F,
//!     0x01, 0xF9, 0x2E, 0xA8, 0xC0, 0x87, 0xB5, 0xBD, 0xFD, 0xEF, 0xEA, 0xB6, 0xBE, 0xCF, 0x28,
//!     0x2D, 0xFE, 0x49, 0xC0, 0x8F, 0x5B, 0xE6, 0xDC, 0x84, 0x00,
//! ];
//! let ek = EncryptionKey::new(*b"MYDUMMYGLOBALKEY");
//! let ak = AuthenticationKey::new(*b"MYDUMMYGLOBALKEY");
//! let cipher = SuiteZeroCipher::new(&ek);
//!
//! let g = GeneralGloCiphering::parse(&push)?;
//! let plain = g.decrypt(&cipher, Authentication::Key(&ak))?;
//! assert!(plain.authenticated);
//! assert_eq!(plain.plaintext[0], 0x0F); // data-notification
//!
//! // And back: the same APDU, byte for byte.
//! let again = GeneralGloCiphering::encrypt(&cipher, Some(&ak), &g.security_header(), &plain.plaintext)?;
//! assert_eq!(again, push);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Without the `security` feature some items linked above are configured out.
#![cfg_attr(not(feature = "security"), allow(rustdoc::broken_intra_doc_links))]

mod bridge;
mod keys;
mod mechanism;
mod replay;
#[cfg(feature = "security")]
mod suite0;

pub use keys::{AuthenticationKey, EncryptionKey, KEY_LEN, KeyError, SystemTitle};
pub use mechanism::{
    AuthenticationMechanism, HlsError, LLS_PASSWORD_CAPACITY, LlsPassword, lgz_hls_response,
    verify_lgz_hls,
};
#[cfg(feature = "alloc")]
pub use replay::ReplayGuard;
pub use replay::{FrameCounterGuard, ReplayError};
#[cfg(feature = "security")]
pub use suite0::{
    HLS_GMAC_RESPONSE_LEN, SuiteZeroCipher, decrypt, decrypt_unauthenticated, encrypt,
};

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// Length in bytes of the authentication tag of security suites 0 and 1.
pub const TAG_LEN: usize = 12;

/// Length in bytes of the security header before the ciphertext: security control byte and
/// invocation counter.
pub const SECURITY_HEADER_LEN: usize = 5;

/// Why a message could not be protected or unprotected.
///
/// Every variant is a fixed message with counts or codes; none carries key material or
/// plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// The security suite id (low four bits of the security control byte) is not one this
    /// crate implements (0 and 1 are AES-128-GCM).
    #[error("unsupported security suite {suite} (security control {security_control:#04x})")]
    UnsupportedSuite {
        /// The suite id found.
        suite: u8,
        /// The whole security control byte.
        security_control: u8,
    },
    /// The compression bit (0x80) of the security control byte is set; compressed APDUs are
    /// not supported.
    #[error("compressed APDUs are not supported (security control {security_control:#04x})")]
    Compressed {
        /// The security control byte.
        security_control: u8,
    },
    /// The authentication tag does not match: wrong key, wrong authentication key, or a
    /// modified message. No plaintext is released.
    #[error("authentication tag mismatch")]
    TagMismatch,
    /// The payload is shorter than the tag it must end with.
    #[error("ciphered payload too short: need at least {needed} bytes, found {found}")]
    PayloadTooShort {
        /// Minimum length.
        needed: usize,
        /// Length given.
        found: usize,
    },
    /// The output buffer is too small.
    #[error("output buffer too small: need {needed} bytes, found {found}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
    /// The message exceeds the AES-GCM limit (2^36 bytes).
    #[error("message too long for AES-GCM ({len} bytes)")]
    MessageTooLong {
        /// Length given.
        len: usize,
    },
    /// The security control byte asks for authentication but no authentication key was given
    /// to protect the message.
    #[error("an authentication key is required for security control {security_control:#04x}")]
    AuthenticationKeyRequired {
        /// The security control byte.
        security_control: u8,
    },
    /// The message is not authenticated but the caller required it
    /// ([`Decrypted::require_authenticated`], [`Opened::require_authenticated`]).
    #[error("the message is not authenticated (security control {security_control:#04x})")]
    NotAuthenticated {
        /// The security control byte.
        security_control: u8,
    },
    /// An HLS response does not have the expected form.
    #[error("malformed HLS response: expected {expected} bytes, found {found}")]
    MalformedHlsResponse {
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
}

/// The authentication bit of the security control byte.
const AUTHENTICATION_BIT: u8 = 0x10;
/// The encryption bit of the security control byte.
const ENCRYPTION_BIT: u8 = 0x20;
/// The compression bit of the security control byte.
const COMPRESSION_BIT: u8 = 0x80;

/// Checks that this crate can process a security control byte: suite 0 or 1 (both
/// AES-128-GCM with a 12-byte tag; suite 1 differs only in its key agreement) and no
/// compression. The key-set bit (0x40, broadcast key) is accepted: it only tells which key the
/// caller must supply.
///
/// The byte is laid out as: bits 0–3 security suite id, bit 4 authentication, bit 5
/// encryption, bit 6 key set, bit 7 compression ([`crate::apdu::SecurityControl`] names them).
///
/// ```
/// use dlms::security::{SecurityError, check_security_control};
///
/// assert_eq!(check_security_control(0x30), Ok(()));
/// assert_eq!(
///     check_security_control(0x32),
///     Err(SecurityError::UnsupportedSuite { suite: 2, security_control: 0x32 })
/// );
/// assert_eq!(check_security_control(0xB0), Err(SecurityError::Compressed { security_control: 0xB0 }));
/// ```
///
/// # Errors
///
/// [`SecurityError::Compressed`] or [`SecurityError::UnsupportedSuite`].
pub const fn check_security_control(security_control: u8) -> Result<(), SecurityError> {
    if security_control & COMPRESSION_BIT != 0 {
        return Err(SecurityError::Compressed { security_control });
    }
    match security_control & 0x0F {
        0 | 1 => Ok(()),
        suite => Err(SecurityError::UnsupportedSuite {
            suite,
            security_control,
        }),
    }
}

/// The security header of a ciphered APDU: everything that goes into the IV and the AAD
/// besides the keys.
///
/// ```
/// use dlms::security::SecurityHeader;
///
/// let h = SecurityHeader::new(*b"LGZ\x67\x73\x62\xF1\x3A", 0x30, 11_652_533);
/// assert_eq!(h.iv()[8..], 11_652_533u32.to_be_bytes());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityHeader {
    /// The sender's system title (first 8 bytes of the IV).
    pub system_title: [u8; 8],
    /// The security control byte.
    pub security_control: u8,
    /// The invocation counter (frame counter; last 4 bytes of the IV, big-endian).
    pub invocation_counter: u32,
}

impl SecurityHeader {
    /// Builds the header.
    pub const fn new(system_title: [u8; 8], security_control: u8, invocation_counter: u32) -> Self {
        Self {
            system_title,
            security_control,
            invocation_counter,
        }
    }

    /// Whether the security control byte announces an authentication tag (bit 4).
    pub const fn is_authenticated(&self) -> bool {
        self.security_control & AUTHENTICATION_BIT != 0
    }

    /// Whether the security control byte announces encryption (bit 5).
    pub const fn is_encrypted(&self) -> bool {
        self.security_control & ENCRYPTION_BIT != 0
    }

    /// The 12-byte GCM initialisation vector: system title ‖ invocation counter (big-endian).
    pub const fn iv(&self) -> [u8; 12] {
        let t = &self.system_title;
        let c = self.invocation_counter.to_be_bytes();
        [
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], c[0], c[1], c[2], c[3],
        ]
    }

    /// Length of the payload (ciphertext ‖ tag) that protecting `plaintext_len` bytes yields.
    pub const fn payload_len(&self, plaintext_len: usize) -> usize {
        if self.is_authenticated() {
            plaintext_len.saturating_add(TAG_LEN)
        } else {
            plaintext_len
        }
    }

    /// Length of the plaintext in a payload of `payload_len` bytes, `None` when the payload is
    /// too short to hold the tag.
    pub const fn plaintext_len(&self, payload_len: usize) -> Option<usize> {
        if self.is_authenticated() {
            payload_len.checked_sub(TAG_LEN)
        } else {
            Some(payload_len)
        }
    }
}

/// How to treat the authentication tag when decrypting.
#[derive(Debug, Clone, Copy)]
pub enum Authentication<'k> {
    /// Verify the tag with this authentication key (constant-time comparison).
    Key(&'k AuthenticationKey),
    /// Do not verify: the caller has no authentication key. The tag (if any) is skipped and
    /// the result is flagged as not authenticated.
    Unauthenticated,
}

impl<'k> From<&'k AuthenticationKey> for Authentication<'k> {
    fn from(key: &'k AuthenticationKey) -> Self {
        Self::Key(key)
    }
}

impl<'k> From<Option<&'k AuthenticationKey>> for Authentication<'k> {
    fn from(key: Option<&'k AuthenticationKey>) -> Self {
        key.map_or(Self::Unauthenticated, Self::Key)
    }
}

/// The outcome of an allocation-free decryption: how many plaintext bytes were written and
/// whether the tag was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Opened {
    /// Plaintext bytes written at the start of the output buffer.
    pub len: usize,
    /// `true` only when a tag was present and verified with the authentication key.
    pub authenticated: bool,
    /// The security control byte of the message.
    pub security_control: u8,
}

impl Opened {
    /// Turns an unauthenticated result into [`SecurityError::NotAuthenticated`].
    ///
    /// # Errors
    ///
    /// When `authenticated` is false.
    pub const fn require_authenticated(self) -> Result<Self, SecurityError> {
        if self.authenticated {
            Ok(self)
        } else {
            Err(SecurityError::NotAuthenticated {
                security_control: self.security_control,
            })
        }
    }
}

/// A decrypted message.
#[cfg(feature = "alloc")]
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct Decrypted {
    /// The plaintext APDU.
    pub plaintext: Vec<u8>,
    /// `true` only when a tag was present and verified with the authentication key.
    pub authenticated: bool,
    /// The security control byte of the message.
    pub security_control: u8,
}

#[cfg(feature = "alloc")]
impl Decrypted {
    /// Turns an unauthenticated result into [`SecurityError::NotAuthenticated`].
    ///
    /// # Errors
    ///
    /// When `authenticated` is false.
    pub fn require_authenticated(self) -> Result<Self, SecurityError> {
        if self.authenticated {
            Ok(self)
        } else {
            Err(SecurityError::NotAuthenticated {
                security_control: self.security_control,
            })
        }
    }
}

#[cfg(feature = "alloc")]
impl core::fmt::Debug for Decrypted {
    /// Shows the length of the plaintext, not its bytes (it may be a secret reading).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decrypted")
            .field("plaintext_len", &self.plaintext.len())
            .field("authenticated", &self.authenticated)
            .field("security_control", &self.security_control)
            .finish()
    }
}

/// A symmetric cipher for DLMS ciphered APDUs.
///
/// The trait is always available, so code that decodes APDUs can take a `&dyn Cipher` (or a
/// generic) without depending on a crypto library; [`SuiteZeroCipher`] (feature `security`)
/// implements it with AES-128-GCM. Both methods are allocation-free: `payload` is ciphertext ‖
/// tag as on the wire, `out` receives the result.
///
/// ```
/// # #[cfg(feature = "security")] {
/// use dlms::security::{Authentication, Cipher, EncryptionKey, SecurityHeader, SuiteZeroCipher};
///
/// fn open(c: &dyn Cipher, h: &SecurityHeader, p: &[u8], out: &mut [u8]) -> Option<usize> {
///     c.decrypt_into(Authentication::Unauthenticated, h, p, out).ok().map(|o| o.len)
/// }
/// let cipher = SuiteZeroCipher::new(&EncryptionKey::new([7; 16]));
/// let header = SecurityHeader::new(*b"ABC12345", 0x20, 1);
/// let mut payload = [0u8; 4];
/// let n = cipher.encrypt_into(None, &header, b"ping", &mut payload)?;
/// let mut out = [0u8; 4];
/// assert_eq!(open(&cipher, &header, &payload[..n], &mut out), Some(4));
/// assert_eq!(&out, b"ping");
/// # }
/// # Ok::<(), dlms::security::SecurityError>(())
/// ```
pub trait Cipher {
    /// Unprotects `payload` (ciphertext ‖ tag) into `out`, verifying the tag when `auth` is
    /// [`Authentication::Key`] and the security control byte calls for one.
    ///
    /// # Errors
    ///
    /// [`SecurityError`]: unsupported suite, compression, short payload, small buffer, tag
    /// mismatch. Nothing is released on a tag mismatch (`out` may hold scratch data, never
    /// verified-looking plaintext: it is zeroed).
    fn decrypt_into(
        &self,
        auth: Authentication<'_>,
        header: &SecurityHeader,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<Opened, SecurityError>;

    /// Protects `plaintext` into `out` as ciphertext ‖ tag, returning the bytes written
    /// ([`SecurityHeader::payload_len`]).
    ///
    /// # Errors
    ///
    /// [`SecurityError`]: unsupported suite, compression, small buffer, or a security control
    /// byte that needs an authentication key when `auth_key` is `None`.
    fn encrypt_into(
        &self,
        auth_key: Option<&AuthenticationKey>,
        header: &SecurityHeader,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SecurityError>;
}

#[cfg(test)]
mod tests;
