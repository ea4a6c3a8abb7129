//! Ciphering of xDLMS APDUs for an association (global unicast keys and service-specific glo-
//! APDUs, or a dedicated key and ded- APDUs), shared by both sides.

use alloc::vec::Vec;
use core::fmt;

use super::SessionError;
use crate::apdu::{Ciphered, GeneralDedCiphering, GeneralGloCiphering, SecurityControl, Tag};
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
/// APDUs we send, our next invocation counter, and the dedicated key a client proposes.
///
/// ```
/// use dlms::security::EncryptionKey;
/// use dlms::session::{Ciphering, Keys};
/// let c = Ciphering::new(Keys::GREEN_BOOK, *b"MMM\0\0\0\0\x01");
/// assert_eq!(c.security_control.0, 0x30);
/// assert_eq!(c.invocation_counter, 1);
/// let d = c.with_dedicated_key(EncryptionKey::new([0x55; 16]));
/// assert!(format!("{d:?}").contains("EncryptionKey(<redacted>)"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
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
    /// A client's dedicated key: sent in the glo-ciphered xDLMS InitiateRequest of the AARQ;
    /// once associated, both sides cipher with it and use the ded- APDUs. It should be fresh
    /// random bytes for every association. Ignored by a server (the client proposes it).
    pub dedicated_key: Option<EncryptionKey>,
}

impl Ciphering {
    /// Authenticated encryption (`0x30`) starting at invocation counter 1, global keys only.
    pub fn new(keys: Keys, system_title: [u8; 8]) -> Self {
        Ciphering {
            keys,
            system_title,
            security_control: SecurityControl::AUTHENTICATED_ENCRYPTED,
            invocation_counter: 1,
            dedicated_key: None,
        }
    }

    /// The same, with a dedicated key for the association.
    pub fn with_dedicated_key(mut self, key: EncryptionKey) -> Self {
        self.dedicated_key = Some(key);
        self
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
    /// The cipher of the dedicated key, once it is in force (after the AARE).
    ded: Option<SuiteZeroCipher>,
}

impl fmt::Debug for Protector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protector")
            .field("sc", &self.sc)
            .field("next_ic", &self.next_ic)
            .field("dedicated", &self.ded.is_some())
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
            ded: None,
        }
    }

    /// From now on, cipher with the dedicated key and the ded- APDUs (and refuse glo- ones).
    pub(crate) fn use_dedicated(&mut self, key: &EncryptionKey) {
        self.ded = Some(SuiteZeroCipher::new(key));
    }

    /// Whether the dedicated key is in force.
    pub(crate) fn is_dedicated(&self) -> bool {
        self.ded.is_some()
    }

    /// Takes the next invocation counter.
    pub(crate) fn take_ic(&mut self) -> Result<u32, SessionError> {
        let ic = self.next_ic;
        self.next_ic = ic
            .checked_add(1)
            .ok_or(SessionError::InvalidState("invocation counter exhausted"))?;
        Ok(ic)
    }

    /// Ciphers a plain APDU into its glo- form, or its ded- form when the dedicated key is in
    /// force.
    pub(crate) fn protect(&mut self, plain: &[u8]) -> Result<Vec<u8>, SessionError> {
        let dedicated = self.ded.is_some();
        let tag = plain
            .first()
            .and_then(|t| {
                if dedicated {
                    Tag(*t).ded()
                } else {
                    Tag(*t).glo()
                }
            })
            .ok_or(SessionError::Encode(crate::Error::Unencodable {
                what: "APDU without a ciphered form",
            }))?;
        let ic = self.take_ic()?;
        let header = SecurityHeader::new(self.own_title, self.sc, ic);
        let cipher = self.ded.as_ref().unwrap_or(&self.cipher);
        let payload = cipher.encrypt(Some(&self.ak), &header, plain)?;
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
        // The callers have checked that the APDU's kind matches the key in force.
        let cipher = self.ded.as_ref().unwrap_or(&self.cipher);
        let plain = cipher.decrypt(Authentication::Key(&self.ak), header, payload)?;
        self.guard.accept(header.invocation_counter)?;
        Ok(plain.plaintext)
    }

    /// Deciphers a service-specific glo-/ded- APDU from the peer: a glo- APDU while the
    /// global key is in force, a ded- APDU while the dedicated key is.
    ///
    /// # Errors
    ///
    /// [`SessionError::CipheringMismatch`] for the other kind, before any deciphering.
    pub(crate) fn unprotect(&mut self, c: &Ciphered<'_>) -> Result<Vec<u8>, SessionError> {
        let dedicated = self.ded.is_some();
        if c.tag.is_ded() != dedicated {
            return Err(SessionError::CipheringMismatch {
                tag: c.tag.0,
                expected: if dedicated {
                    "a ded- APDU (the dedicated key is in force)"
                } else {
                    "a glo- APDU (no dedicated key was agreed)"
                },
            });
        }
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
        if self.ded.is_some() {
            return Err(SessionError::CipheringMismatch {
                tag: Tag::GENERAL_GLO_CIPHERING.0,
                expected: "a ded- APDU (the dedicated key is in force)",
            });
        }
        if let Some(t) = self.peer_title
            && t != g.system_title
        {
            return Err(SessionError::AuthenticationFailed(
                "general-glo-ciphering from another system title",
            ));
        }
        self.open(&g.security_header(), g.ciphertext)
    }

    /// Deciphers a general-ded-ciphering APDU from the peer (only while the dedicated key is
    /// in force).
    pub(crate) fn unprotect_general_ded(
        &mut self,
        g: &GeneralDedCiphering<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        if self.ded.is_none() {
            return Err(SessionError::CipheringMismatch {
                tag: Tag::GENERAL_DED_CIPHERING.0,
                expected: "a glo- APDU (no dedicated key was agreed)",
            });
        }
        if let Some(t) = self.peer_title
            && t != g.system_title
        {
            return Err(SessionError::AuthenticationFailed(
                "general-ded-ciphering from another system title",
            ));
        }
        self.open(&g.security_header(), g.ciphertext)
    }
}
