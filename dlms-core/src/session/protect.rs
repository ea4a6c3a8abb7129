//! Ciphering of xDLMS APDUs for an association (global unicast keys, service-specific glo-
//! APDUs), shared by both sides.

use alloc::vec::Vec;
use core::fmt;

use super::SessionError;
use crate::apdu::{Ciphered, GeneralGloCiphering, SecurityControl, Tag};
use crate::security::{
    Authentication, AuthenticationKey, EncryptionKey, FrameCounterGuard, SecurityHeader,
    SuiteZeroCipher, check_security_control,
};

/// The global unicast keys of an association: the block cipher (encryption) key and the
/// authentication key. Zeroized on drop and redacted in `Debug` (by the key types).
#[derive(Clone, Debug)]
pub struct Keys {
    /// The global unicast encryption key (GUEK).
    pub encryption: EncryptionKey,
    /// The authentication key (GAK).
    pub authentication: AuthenticationKey,
}

impl Keys {
    /// The DLMS UA Green Book example keys (`000102…0F`, `D0D1…DF`), for tests and simulators
    /// only.
    pub const GREEN_BOOK: Keys = Keys {
        encryption: EncryptionKey::new([
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
            0x0E, 0x0F,
        ]),
        authentication: AuthenticationKey::new([
            0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD,
            0xDE, 0xDF,
        ]),
    };
}

/// Ciphering of an association: keys, our system title, the security control byte of the
/// APDUs we send and our next invocation counter.
///
/// ```
/// use dlms::session::{Ciphering, Keys};
/// let c = Ciphering::new(Keys::GREEN_BOOK, *b"MMM\0\0\0\0\x01");
/// assert_eq!(c.security_control.0, 0x30);
/// assert_eq!(c.invocation_counter, 1);
/// ```
#[derive(Clone, Debug)]
pub struct Ciphering {
    /// The keys.
    pub keys: Keys,
    /// Our system title (8 bytes).
    pub system_title: [u8; 8],
    /// The security control byte of the APDUs we send (`0x30`: authenticated encryption,
    /// `0x20`: encryption only, `0x10`: authentication only).
    pub security_control: SecurityControl,
    /// The invocation counter of our next ciphered APDU. The session increments it; persist
    /// [`super::ClientSession::invocation_counter`] between associations.
    pub invocation_counter: u32,
}

impl Ciphering {
    /// Authenticated encryption (`0x30`) starting at invocation counter 1.
    pub fn new(keys: Keys, system_title: [u8; 8]) -> Self {
        Ciphering {
            keys,
            system_title,
            security_control: SecurityControl::AUTHENTICATED_ENCRYPTED,
            invocation_counter: 1,
        }
    }
}

/// The ciphering state of one association.
#[derive(Clone)]
pub(crate) struct Protector {
    pub(crate) cipher: SuiteZeroCipher,
    pub(crate) ak: AuthenticationKey,
    pub(crate) own_title: [u8; 8],
    pub(crate) peer_title: Option<[u8; 8]>,
    pub(crate) sc: u8,
    pub(crate) next_ic: u32,
    guard: FrameCounterGuard,
}

impl fmt::Debug for Protector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protector")
            .field("sc", &self.sc)
            .field("next_ic", &self.next_ic)
            .finish_non_exhaustive()
    }
}

/// What ciphering adds at most to an APDU: tag, length (3), security header (5), GCM tag (12).
pub(crate) const CIPHER_OVERHEAD: usize = 1 + 3 + 5 + 12;

impl Protector {
    pub(crate) fn new(c: &Ciphering) -> Self {
        Protector {
            cipher: SuiteZeroCipher::new(&c.keys.encryption),
            ak: c.keys.authentication.clone(),
            own_title: c.system_title,
            peer_title: None,
            sc: c.security_control.0,
            next_ic: c.invocation_counter,
            guard: FrameCounterGuard::new(),
        }
    }

    /// Takes the next invocation counter.
    pub(crate) fn take_ic(&mut self) -> Result<u32, SessionError> {
        let ic = self.next_ic;
        self.next_ic = ic
            .checked_add(1)
            .ok_or(SessionError::InvalidState("invocation counter exhausted"))?;
        Ok(ic)
    }

    /// Ciphers a plain APDU into its glo- form.
    pub(crate) fn protect(&mut self, plain: &[u8]) -> Result<Vec<u8>, SessionError> {
        let tag = plain
            .first()
            .and_then(|t| Tag(*t).glo())
            .ok_or(SessionError::Encode(crate::Error::Unencodable {
                what: "APDU without a glo- form",
            }))?;
        let ic = self.take_ic()?;
        let header = SecurityHeader::new(self.own_title, self.sc, ic);
        let payload = self.cipher.encrypt(Some(&self.ak), &header, plain)?;
        let apdu = Ciphered {
            tag,
            security_control: SecurityControl(self.sc),
            invocation_counter: ic,
            ciphertext: &payload,
        };
        let mut out = Vec::with_capacity(apdu.buffer_len());
        apdu.encode(&mut out).map_err(SessionError::Encode)?;
        Ok(out)
    }

    fn open(&mut self, header: &SecurityHeader, payload: &[u8]) -> Result<Vec<u8>, SessionError> {
        check_security_control(header.security_control)?;
        if header.security_control & 0x30 == 0 {
            return Err(SessionError::AuthenticationFailed(
                "ciphered APDU neither authenticated nor encrypted",
            ));
        }
        self.guard.check(header.invocation_counter)?;
        let plain = self
            .cipher
            .decrypt(Authentication::Key(&self.ak), header, payload)?;
        self.guard.accept(header.invocation_counter)?;
        Ok(plain.plaintext)
    }

    /// Deciphers a service-specific glo-/ded- APDU from the peer.
    pub(crate) fn unprotect(&mut self, c: &Ciphered<'_>) -> Result<Vec<u8>, SessionError> {
        let title = self.peer_title.ok_or(SessionError::InvalidState(
            "the peer's system title is unknown",
        ))?;
        self.open(&c.security_header(title), c.ciphertext)
    }

    /// Deciphers a general-glo-ciphering APDU from the peer.
    pub(crate) fn unprotect_general(
        &mut self,
        g: &GeneralGloCiphering<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        if let Some(t) = self.peer_title
            && t != g.system_title
        {
            return Err(SessionError::AuthenticationFailed(
                "general-glo-ciphering from another system title",
            ));
        }
        self.open(&g.security_header(), g.ciphertext)
    }
}
