//! Decryption methods on the ciphered APDUs of [`crate::apdu`].

use super::{Authentication, Cipher, Opened, SecurityError, SecurityHeader};
use crate::apdu::{Ciphered, GeneralDedCiphering, GeneralGloCiphering};

#[cfg(feature = "security")]
use super::{AuthenticationKey, Decrypted, SuiteZeroCipher};
#[cfg(feature = "security")]
use alloc::vec::Vec;

macro_rules! general_ciphering_bridge {
    ($name:ident) => {
        impl $name<'_> {
            /// The security header (system title, security control, invocation counter) the
            /// cipher needs.
            pub const fn security_header(&self) -> SecurityHeader {
                SecurityHeader::new(
                    self.system_title,
                    self.security_control.0,
                    self.invocation_counter,
                )
            }

            /// Decrypts (and with [`Authentication::Key`] verifies) the ciphertext into `out`
            /// with any [`Cipher`], without allocating.
            ///
            /// # Errors
            ///
            /// As [`Cipher::decrypt_into`].
            pub fn decrypt_into<C: Cipher + ?Sized>(
                &self,
                cipher: &C,
                auth: Authentication<'_>,
                out: &mut [u8],
            ) -> Result<Opened, SecurityError> {
                cipher.decrypt_into(auth, &self.security_header(), self.ciphertext, out)
            }

            /// Decrypts (and with [`Authentication::Key`] verifies) the ciphertext with
            /// security suite 0.
            ///
            /// # Errors
            ///
            /// As [`Cipher::decrypt_into`]: a wrong key or a changed byte is
            /// [`SecurityError::TagMismatch`].
            #[cfg(feature = "security")]
            pub fn decrypt(
                &self,
                cipher: &SuiteZeroCipher,
                auth: Authentication<'_>,
            ) -> Result<Decrypted, SecurityError> {
                cipher.decrypt(auth, &self.security_header(), self.ciphertext)
            }

            /// Protects `plaintext` with security suite 0 and returns the whole encoded APDU
            /// (tag, system title, length, security header, ciphertext ‖ tag).
            ///
            /// # Errors
            ///
            /// As [`Cipher::encrypt_into`].
            #[cfg(feature = "security")]
            pub fn encrypt(
                cipher: &SuiteZeroCipher,
                auth_key: Option<&AuthenticationKey>,
                header: &SecurityHeader,
                plaintext: &[u8],
            ) -> Result<Vec<u8>, SecurityError> {
                let payload = cipher.encrypt(auth_key, header, plaintext)?;
                let apdu = $name {
                    system_title: header.system_title,
                    security_control: crate::apdu::SecurityControl(header.security_control),
                    invocation_counter: header.invocation_counter,
                    ciphertext: &payload,
                };
                let mut out = Vec::with_capacity(apdu.buffer_len());
                apdu.encode(&mut out)
                    .map_err(|_| SecurityError::MessageTooLong {
                        len: plaintext.len(),
                    })?;
                Ok(out)
            }
        }
    };
}

general_ciphering_bridge!(GeneralGloCiphering);
general_ciphering_bridge!(GeneralDedCiphering);

impl Ciphered<'_> {
    /// The security header; a service-specific ciphered APDU does not carry the system title,
    /// so the caller gives the sender's (learnt from the AARQ/AARE).
    pub const fn security_header(&self, system_title: [u8; 8]) -> SecurityHeader {
        SecurityHeader::new(
            system_title,
            self.security_control.0,
            self.invocation_counter,
        )
    }

    /// Decrypts (and with [`Authentication::Key`] verifies) the ciphertext into `out` with any
    /// [`Cipher`], the sender's system title given.
    ///
    /// # Errors
    ///
    /// As [`Cipher::decrypt_into`].
    pub fn decrypt_into<C: Cipher + ?Sized>(
        &self,
        cipher: &C,
        auth: Authentication<'_>,
        system_title: [u8; 8],
        out: &mut [u8],
    ) -> Result<Opened, SecurityError> {
        cipher.decrypt_into(
            auth,
            &self.security_header(system_title),
            self.ciphertext,
            out,
        )
    }

    /// Decrypts (and with [`Authentication::Key`] verifies) the ciphertext with security suite
    /// 0, the sender's system title given.
    ///
    /// ```
    /// use dlms::apdu::{Ciphered, Tag};
    /// use dlms::security::{Authentication, SuiteZeroCipher};
    ///
    /// // The Green Book glo-get-request and keys.
    /// let apdu = [0xC8, 0x1E, 0x30, 0x01, 0x23, 0x45, 0x67,
    ///     0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56, 0x68, 0x27, 0xC4, 0x67, 0xBC,
    ///     0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B];
    /// let cipher = SuiteZeroCipher::new(&"000102030405060708090A0B0C0D0E0F".parse()?);
    /// let ak = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF".parse()?;
    /// let c = Ciphered::parse(&apdu)?;
    /// let title = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
    /// let d = c.decrypt(&cipher, Authentication::Key(&ak), title)?;
    /// assert!(d.authenticated);
    /// assert_eq!(c.tag.plain(), Some(Tag::GET_REQUEST));
    /// assert_eq!(d.plaintext[..2], [0xC0, 0x01]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Cipher::decrypt_into`].
    #[cfg(feature = "security")]
    pub fn decrypt(
        &self,
        cipher: &SuiteZeroCipher,
        auth: Authentication<'_>,
        system_title: [u8; 8],
    ) -> Result<Decrypted, SecurityError> {
        cipher.decrypt(auth, &self.security_header(system_title), self.ciphertext)
    }
}
