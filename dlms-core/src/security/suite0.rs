//! Security suite 0: AES-128-GCM with a 12-byte tag (RustCrypto `aes-gcm`).

use aes_gcm::AesGcm;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::aead::consts::U12;
use aes_gcm::aes::Aes128Enc;
use aes_gcm::aes::Block;
use aes_gcm::aes::cipher::{BlockEncrypt, KeyInit};
use alloc::vec::Vec;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{
    Authentication, AuthenticationKey, Cipher, Decrypted, EncryptionKey, KEY_LEN, Opened,
    SecurityError, SecurityHeader, TAG_LEN, check_security_control,
};

/// AES-128-GCM with a 96-bit nonce and a 96-bit tag.
type Gcm = AesGcm<Aes128Enc, U12, U12>;

/// Length of an HLS-GMAC response f(challenge): security control (`0x10`) ‖ invocation
/// counter (4) ‖ GMAC tag (12).
pub const HLS_GMAC_RESPONSE_LEN: usize = 1 + 4 + TAG_LEN;

/// Security control byte of an HLS-GMAC response (authentication only, suite 0).
const HLS_GMAC_SECURITY_CONTROL: u8 = 0x10;

/// Blocks processed per batch in counter mode (lets AES-NI pipeline eight blocks).
const CTR_BATCH: usize = 8;

/// The AES-128-GCM cipher of security suite 0, keyed once with the encryption key.
///
/// Creating it expands the AES key schedule and the GHASH key; keep it and reuse it for every
/// message of that key (one per meter). Hardware AES and carry-less multiplication are used when
/// the processor has them (detected at run time).
///
/// The expanded key lives in the RustCrypto `aes` and `ghash` types; it is wiped on drop when
/// their `zeroize` features are enabled. `Debug` prints nothing of it.
///
/// ```
/// use dlms::security::{Authentication, AuthenticationKey, EncryptionKey, SecurityHeader, SuiteZeroCipher};
///
/// let ek = EncryptionKey::new([0x11; 16]);
/// let ak = AuthenticationKey::new([0x22; 16]);
/// let cipher = SuiteZeroCipher::new(&ek);
/// let header = SecurityHeader::new(*b"LGZ\x67\x73\x62\xF1\x3A", 0x30, 42);
///
/// let payload = cipher.encrypt(Some(&ak), &header, b"\x0F\x00\x00\x00\x01\x00\x00")?;
/// assert_eq!(payload.len(), 7 + 12);
/// let opened = cipher.decrypt(Authentication::Key(&ak), &header, &payload)?;
/// assert!(opened.authenticated);
/// assert_eq!(opened.plaintext, b"\x0F\x00\x00\x00\x01\x00\x00");
///
/// // Any change is caught.
/// let mut forged = payload.clone();
/// forged[3] ^= 1;
/// assert!(cipher.decrypt(Authentication::Key(&ak), &header, &forged).is_err());
/// # Ok::<(), dlms::security::SecurityError>(())
/// ```
#[derive(Clone)]
pub struct SuiteZeroCipher {
    gcm: Gcm,
    aes: Aes128Enc,
}

impl core::fmt::Debug for SuiteZeroCipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SuiteZeroCipher(<redacted>)")
    }
}

/// AAD = security control ‖ authentication key.
fn short_aad(security_control: u8, ak: &AuthenticationKey) -> [u8; 1 + KEY_LEN] {
    let mut aad = [0u8; 1 + KEY_LEN];
    let (sc, key) = aad.split_at_mut(1);
    if let Some(b) = sc.first_mut() {
        *b = security_control;
    }
    key.copy_from_slice(ak.as_bytes());
    aad
}

/// AAD = security control ‖ authentication key ‖ data (authentication only, HLS-GMAC).
fn long_aad(security_control: u8, ak: &AuthenticationKey, data: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(data.len().saturating_add(1 + KEY_LEN));
    aad.push(security_control);
    aad.extend_from_slice(ak.as_bytes());
    aad.extend_from_slice(data);
    aad
}

/// Splits `payload` into body and tag when the header announces a tag.
fn split_tag<'p>(
    header: &SecurityHeader,
    payload: &'p [u8],
) -> Result<(&'p [u8], Option<&'p [u8]>), SecurityError> {
    if !header.is_authenticated() {
        return Ok((payload, None));
    }
    let body_len = payload
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(SecurityError::PayloadTooShort {
            needed: TAG_LEN,
            found: payload.len(),
        })?;
    let (body, tag) = payload
        .split_at_checked(body_len)
        .ok_or(SecurityError::PayloadTooShort {
            needed: TAG_LEN,
            found: payload.len(),
        })?;
    Ok((body, Some(tag)))
}

impl SuiteZeroCipher {
    /// Expands `key` into the AES-128 key schedule and the GHASH key.
    pub fn new(key: &EncryptionKey) -> Self {
        let mut bytes = aes_gcm::aes::cipher::Key::<Aes128Enc>::from(*key.as_bytes());
        let aes = Aes128Enc::new(&bytes);
        bytes.zeroize();
        let gcm = Gcm::from(aes.clone());
        Self { gcm, aes }
    }

    /// XORs `data` with the GCM keystream: counter blocks IV ‖ 00000002, IV ‖ 00000003, ...
    /// (the 32-bit counter wraps as GCM's inc32 does).
    fn apply_keystream(&self, iv: &[u8; 12], data: &mut [u8]) {
        let mut counter: u32 = 2;
        let mut blocks = [Block::default(); CTR_BATCH];
        for chunk in data.chunks_mut(16 * CTR_BATCH) {
            let n = chunk.len().div_ceil(16);
            for block in blocks.iter_mut().take(n) {
                let (head, tail) = block.split_at_mut(12);
                head.copy_from_slice(iv);
                tail.copy_from_slice(&counter.to_be_bytes());
                counter = counter.wrapping_add(1);
            }
            if let Some(batch) = blocks.get_mut(..n) {
                self.aes.encrypt_blocks(batch);
            }
            for (d, k) in chunk.chunks_mut(16).zip(blocks.iter()) {
                match <&mut [u8; 16]>::try_from(&mut *d) {
                    // Whole block: one 128-bit XOR.
                    Ok(d) => {
                        let x = u128::from_ne_bytes(*d) ^ u128::from_ne_bytes((*k).into());
                        *d = x.to_ne_bytes();
                    }
                    // The last, partial block.
                    Err(_) => {
                        for (d, k) in d.iter_mut().zip(k.iter()) {
                            *d ^= *k;
                        }
                    }
                }
            }
        }
        for block in &mut blocks {
            block.zeroize();
        }
    }

    /// Unprotects a body (ciphertext without the tag) in place.
    fn open_in_place(
        &self,
        auth: Authentication<'_>,
        header: &SecurityHeader,
        body: &mut [u8],
        tag: Option<&[u8]>,
    ) -> Result<bool, SecurityError> {
        let iv = header.iv();
        let sc = header.security_control;
        match (auth, tag) {
            (Authentication::Key(ak), Some(tag)) => {
                let tag = aes_gcm::Tag::<U12>::from_slice(tag);
                let nonce = aes_gcm::Nonce::<U12>::from_slice(&iv);
                let verified = if header.is_encrypted() {
                    self.gcm
                        .decrypt_in_place_detached(nonce, &short_aad(sc, ak), body, tag)
                } else {
                    let aad = long_aad(sc, ak, body);
                    self.gcm
                        .decrypt_in_place_detached(nonce, &aad, &mut [], tag)
                };
                if verified.is_err() {
                    body.zeroize();
                    return Err(SecurityError::TagMismatch);
                }
                Ok(true)
            }
            _ => {
                if header.is_encrypted() {
                    self.apply_keystream(&iv, body);
                }
                Ok(false)
            }
        }
    }

    /// Decrypts (and, with [`Authentication::Key`], verifies) a payload in place: `buf` holds
    /// ciphertext ‖ tag as on the wire; on success the plaintext is `buf[..opened.len]`.
    ///
    /// This is the fastest form: no copy, no allocation.
    ///
    /// ```
    /// use dlms::security::{Authentication, EncryptionKey, SecurityHeader, SuiteZeroCipher};
    ///
    /// let cipher = SuiteZeroCipher::new(&EncryptionKey::new([1; 16]));
    /// let header = SecurityHeader::new([0; 8], 0x20, 7);
    /// let mut buf = cipher.encrypt(None, &header, b"hello")?;
    /// let opened = cipher.decrypt_in_place(Authentication::Unauthenticated, &header, &mut buf)?;
    /// assert_eq!(&buf[..opened.len], b"hello");
    /// # Ok::<(), dlms::security::SecurityError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Cipher::decrypt_into`]. On a tag mismatch `buf` is zeroed.
    pub fn decrypt_in_place(
        &self,
        auth: Authentication<'_>,
        header: &SecurityHeader,
        buf: &mut [u8],
    ) -> Result<Opened, SecurityError> {
        check_security_control(header.security_control)?;
        let body_len = header
            .plaintext_len(buf.len())
            .ok_or(SecurityError::PayloadTooShort {
                needed: TAG_LEN,
                found: buf.len(),
            })?;
        let (body, tag) =
            buf.split_at_mut_checked(body_len)
                .ok_or(SecurityError::PayloadTooShort {
                    needed: TAG_LEN,
                    found: body_len,
                })?;
        let tag = if header.is_authenticated() {
            Some(&*tag)
        } else {
            None
        };
        let authenticated = self.open_in_place(auth, header, body, tag)?;
        Ok(Opened {
            len: body_len,
            authenticated,
            security_control: header.security_control,
        })
    }

    /// Decrypts (and, with [`Authentication::Key`], verifies) `payload` (ciphertext ‖ tag)
    /// into a new vector.
    ///
    /// # Errors
    ///
    /// As [`Cipher::decrypt_into`].
    pub fn decrypt(
        &self,
        auth: Authentication<'_>,
        header: &SecurityHeader,
        payload: &[u8],
    ) -> Result<Decrypted, SecurityError> {
        check_security_control(header.security_control)?;
        let (body, tag) = split_tag(header, payload)?;
        let mut plaintext = body.to_vec();
        let authenticated = self.open_in_place(auth, header, &mut plaintext, tag)?;
        Ok(Decrypted {
            plaintext,
            authenticated,
            security_control: header.security_control,
        })
    }

    /// Decrypts `payload` without verifying its tag, for when the authentication key is not
    /// known. The result says `authenticated: false`.
    ///
    /// For security control `0x30` the trailing 12-byte tag is skipped and the rest decrypted
    /// with the AES-CTR keystream; for `0x20` the whole payload is ciphertext; for `0x10` the
    /// plaintext is returned without its tag.
    ///
    /// # Errors
    ///
    /// Unsupported suite, compression, or a payload shorter than its tag.
    pub fn decrypt_unauthenticated(
        &self,
        header: &SecurityHeader,
        payload: &[u8],
    ) -> Result<Decrypted, SecurityError> {
        self.decrypt(Authentication::Unauthenticated, header, payload)
    }

    /// Protects `plaintext`: returns ciphertext ‖ tag (or the forms without encryption or
    /// without tag, as the security control byte says).
    ///
    /// # Errors
    ///
    /// As [`Cipher::encrypt_into`].
    pub fn encrypt(
        &self,
        auth_key: Option<&AuthenticationKey>,
        header: &SecurityHeader,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, SecurityError> {
        let mut out = alloc::vec![0u8; header.payload_len(plaintext.len())];
        let n = self.encrypt_into(auth_key, header, plaintext, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    /// The HLS-GMAC (authentication mechanism 5) tag: GMAC with IV = `system_title` ‖
    /// `invocation_counter` over AAD = `0x10` ‖ AK ‖ `challenge`.
    pub fn hls_gmac_tag(
        &self,
        ak: &AuthenticationKey,
        system_title: &[u8; 8],
        invocation_counter: u32,
        challenge: &[u8],
    ) -> [u8; TAG_LEN] {
        self.gmac(
            HLS_GMAC_SECURITY_CONTROL,
            ak,
            system_title,
            invocation_counter,
            challenge,
        )
    }

    fn gmac(
        &self,
        security_control: u8,
        ak: &AuthenticationKey,
        system_title: &[u8; 8],
        invocation_counter: u32,
        challenge: &[u8],
    ) -> [u8; TAG_LEN] {
        let iv = SecurityHeader::new(*system_title, security_control, invocation_counter).iv();
        let nonce = aes_gcm::Nonce::<U12>::from_slice(&iv);
        let aad = long_aad(security_control, ak, challenge);
        // The only failure is an AAD longer than 2^36 bytes, which a challenge never is; an
        // all-zero tag would then simply not verify.
        self.gcm
            .encrypt_in_place_detached(nonce, &aad, &mut [])
            .map(Into::into)
            .unwrap_or([0u8; TAG_LEN])
    }

    /// The HLS-GMAC response f(challenge) = `0x10` ‖ invocation counter ‖ GMAC tag: what the
    /// client sends (with Association LN method 1, `reply_to_HLS_authentication`) for the
    /// meter's challenge StoC, using the client's own system title and counter; the meter
    /// answers the same way over the client's challenge CtoS.
    ///
    /// The Green Book example (system title `4D4D4D0000000001`, counter 1, StoC
    /// `P6wRJ21F`):
    ///
    /// ```
    /// use dlms::security::{AuthenticationKey, EncryptionKey, SuiteZeroCipher};
    ///
    /// let ek: EncryptionKey = "000102030405060708090A0B0C0D0E0F".parse()?;
    /// let ak: AuthenticationKey = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF".parse()?;
    /// let cipher = SuiteZeroCipher::new(&ek);
    /// let title = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01];
    /// let f = cipher.hls_gmac_response(&ak, &title, 1, b"P6wRJ21F");
    /// assert_eq!(f[..5], [0x10, 0, 0, 0, 1]);
    /// assert_eq!(f[5..], [0x1A, 0x52, 0xFE, 0x7D, 0xD3, 0xE7, 0x27, 0x48, 0x97, 0x3C, 0x1E, 0x28]);
    /// assert_eq!(cipher.verify_hls_gmac(&ak, &title, b"P6wRJ21F", &f), Ok(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hls_gmac_response(
        &self,
        ak: &AuthenticationKey,
        system_title: &[u8; 8],
        invocation_counter: u32,
        challenge: &[u8],
    ) -> [u8; HLS_GMAC_RESPONSE_LEN] {
        let tag = self.hls_gmac_tag(ak, system_title, invocation_counter, challenge);
        let mut out = [0u8; HLS_GMAC_RESPONSE_LEN];
        for (o, b) in out.iter_mut().zip(
            core::iter::once(HLS_GMAC_SECURITY_CONTROL)
                .chain(invocation_counter.to_be_bytes())
                .chain(tag),
        ) {
            *o = b;
        }
        out
    }

    /// Verifies the peer's HLS-GMAC response to `challenge` (the challenge this side sent),
    /// computed with the peer's `system_title`. Returns the peer's invocation counter (feed it
    /// to a [`super::FrameCounterGuard`] if you track it).
    ///
    /// # Errors
    ///
    /// [`SecurityError::MalformedHlsResponse`] when the response is not 17 bytes,
    /// [`SecurityError::UnsupportedSuite`]/[`SecurityError::Compressed`] for its security
    /// control byte, [`SecurityError::TagMismatch`] when the tag is wrong (compared in
    /// constant time).
    pub fn verify_hls_gmac(
        &self,
        ak: &AuthenticationKey,
        system_title: &[u8; 8],
        challenge: &[u8],
        response: &[u8],
    ) -> Result<u32, SecurityError> {
        let malformed = SecurityError::MalformedHlsResponse {
            expected: HLS_GMAC_RESPONSE_LEN,
            found: response.len(),
        };
        let [sc, c0, c1, c2, c3, tag @ ..] = response else {
            return Err(malformed);
        };
        if tag.len() != TAG_LEN {
            return Err(malformed);
        }
        check_security_control(*sc)?;
        let counter = u32::from_be_bytes([*c0, *c1, *c2, *c3]);
        let expected = self.gmac(*sc, ak, system_title, counter, challenge);
        if bool::from(expected.ct_eq(tag)) {
            Ok(counter)
        } else {
            Err(SecurityError::TagMismatch)
        }
    }
}

impl Cipher for SuiteZeroCipher {
    fn decrypt_into(
        &self,
        auth: Authentication<'_>,
        header: &SecurityHeader,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<Opened, SecurityError> {
        check_security_control(header.security_control)?;
        let (body, tag) = split_tag(header, payload)?;
        let found = out.len();
        let out = out
            .get_mut(..body.len())
            .ok_or(SecurityError::BufferTooSmall {
                needed: body.len(),
                found,
            })?;
        out.copy_from_slice(body);
        let authenticated = self.open_in_place(auth, header, out, tag)?;
        Ok(Opened {
            len: body.len(),
            authenticated,
            security_control: header.security_control,
        })
    }

    fn encrypt_into(
        &self,
        auth_key: Option<&AuthenticationKey>,
        header: &SecurityHeader,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SecurityError> {
        let sc = header.security_control;
        check_security_control(sc)?;
        let ak = match (header.is_authenticated(), auth_key) {
            (true, None) => {
                return Err(SecurityError::AuthenticationKeyRequired {
                    security_control: sc,
                });
            }
            (_, ak) => ak,
        };
        let total = header.payload_len(plaintext.len());
        let found = out.len();
        let too_small = SecurityError::BufferTooSmall {
            needed: total,
            found,
        };
        let out = out.get_mut(..total).ok_or(too_small)?;
        let (body, tag_out) = out.split_at_mut_checked(plaintext.len()).ok_or(too_small)?;
        body.copy_from_slice(plaintext);
        let iv = header.iv();
        match ak {
            Some(ak) if header.is_authenticated() => {
                let nonce = aes_gcm::Nonce::<U12>::from_slice(&iv);
                let tag = if header.is_encrypted() {
                    self.gcm
                        .encrypt_in_place_detached(nonce, &short_aad(sc, ak), body)
                } else {
                    let aad = long_aad(sc, ak, body);
                    self.gcm.encrypt_in_place_detached(nonce, &aad, &mut [])
                }
                .map_err(|_| SecurityError::MessageTooLong {
                    len: plaintext.len(),
                })?;
                tag_out.copy_from_slice(&tag);
            }
            _ => {
                if header.is_encrypted() {
                    self.apply_keystream(&iv, body);
                }
            }
        }
        Ok(total)
    }
}

/// One-shot decryption with the key schedule computed for this call only; prefer
/// [`SuiteZeroCipher`] when several messages use the same key.
///
/// `payload` is ciphertext ‖ tag exactly as it follows the invocation counter on the wire.
///
/// ```
/// use dlms::security::{Authentication, EncryptionKey, decrypt};
///
/// let ek: EncryptionKey = "000102030405060708090A0B0C0D0E0F".parse()?;
/// let ak = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF".parse()?;
/// let payload = [0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56, 0x68, 0x27, 0xC4, 0x67, 0xBC,
///                0x7D, 0x82, 0x5C, 0x3B, 0xE4, 0xA7, 0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B];
/// let title = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
/// let d = decrypt(&ek, Authentication::Key(&ak), &title, 0x30, 0x0123_4567, &payload)?;
/// assert!(d.authenticated);
/// assert_eq!(d.plaintext[0], 0xC0); // get-request
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Cipher::decrypt_into`].
pub fn decrypt(
    key: &EncryptionKey,
    auth: Authentication<'_>,
    system_title: &[u8; 8],
    security_control: u8,
    invocation_counter: u32,
    payload: &[u8],
) -> Result<Decrypted, SecurityError> {
    let header = SecurityHeader::new(*system_title, security_control, invocation_counter);
    SuiteZeroCipher::new(key).decrypt(auth, &header, payload)
}

/// One-shot decryption without tag verification (only the encryption key is known). The
/// result says `authenticated: false`.
///
/// # Errors
///
/// Unsupported suite, compression, or a payload shorter than its tag.
pub fn decrypt_unauthenticated(
    key: &EncryptionKey,
    system_title: &[u8; 8],
    security_control: u8,
    invocation_counter: u32,
    payload: &[u8],
) -> Result<Decrypted, SecurityError> {
    decrypt(
        key,
        Authentication::Unauthenticated,
        system_title,
        security_control,
        invocation_counter,
        payload,
    )
}

/// One-shot encryption: returns ciphertext ‖ tag for the given security header.
///
/// ```
/// use dlms::security::{AuthenticationKey, EncryptionKey, encrypt};
///
/// let ek: EncryptionKey = "000102030405060708090A0B0C0D0E0F".parse()?;
/// let ak: AuthenticationKey = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF".parse()?;
/// let title = [0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E];
/// let get_clock = [0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00];
/// let payload = encrypt(&ek, Some(&ak), &title, 0x30, 0x0123_4567, &get_clock)?;
/// assert_eq!(payload[..4], [0x41, 0x13, 0x12, 0xFF]); // the Green Book's glo-get-request
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Cipher::encrypt_into`].
pub fn encrypt(
    key: &EncryptionKey,
    auth_key: Option<&AuthenticationKey>,
    system_title: &[u8; 8],
    security_control: u8,
    invocation_counter: u32,
    plaintext: &[u8],
) -> Result<Vec<u8>, SecurityError> {
    let header = SecurityHeader::new(*system_title, security_control, invocation_counter);
    SuiteZeroCipher::new(key).encrypt(auth_key, &header, plaintext)
}
