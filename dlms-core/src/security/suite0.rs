//! Security suite 0: AES-128-GCM with a 12-byte tag (RustCrypto `aes-gcm`).

use aes_gcm::AesGcm;
use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::consts::U12;
use aes_gcm::aes::Aes128Enc;
use aes_gcm::aes::Block;
use aes_gcm::aes::cipher::{BlockCipherEncrypt, KeyInit};
use alloc::vec::Vec;
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
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

/// Bytes of keystream per batch.
const CTR_BYTES: usize = 16 * CTR_BATCH;

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
    /// Encryption (and HLS-GMAC tags) through RustCrypto's AES-GCM.
    gcm: Gcm,
    /// Decryption: the key schedule, and GHASH keyed with H = AES(K, 0) (its powers of H
    /// expanded once here, not per message).
    aes: Aes128Enc,
    ghash: GHash,
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

/// Where a body is unprotected: in place, or from the wire bytes into a buffer of the same
/// length (one pass, no intermediate copy).
enum Io<'i, 'o> {
    InPlace(&'o mut [u8]),
    Copy(&'i [u8], &'o mut [u8]),
}

impl<'o> Io<'_, 'o> {
    /// The bytes to unprotect.
    fn input(&self) -> &[u8] {
        match self {
            Io::InPlace(buf) => buf,
            Io::Copy(input, _) => input,
        }
    }

    fn into_out(self) -> &'o mut [u8] {
        match self {
            Io::InPlace(buf) | Io::Copy(_, buf) => buf,
        }
    }
}

/// Overwrites short-lived secrets on the stack (keystream, tag mask, staged AAD holding the
/// authentication key) with zeros. Plain stores, kept by `black_box`: a wide store or two
/// instead of the byte-wise volatile loop, which would cost more than the AES work here.
#[inline]
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    core::hint::black_box(&*bytes);
}

/// [`wipe`] for a keystream batch (a fixed-size store).
#[inline]
fn wipe_blocks(ks: &mut [u8; CTR_BYTES]) {
    *ks = [0; CTR_BYTES];
    core::hint::black_box(&*ks);
}

/// Feeds GHASH with runs of four blocks wherever it can, so the backend takes its
/// aggregated four-block path (one reduction per four blocks) instead of one block at a time.
/// Whole runs are hashed straight from the input; only the pieces around them are staged.
struct GhashFeeder {
    ghash: GHash,
    stage: [u8; STAGE],
    fill: usize,
}

/// Bytes staged before a run is hashed: four GHASH blocks.
const STAGE: usize = 64;

impl GhashFeeder {
    #[inline]
    fn new(ghash: GHash) -> Self {
        Self {
            ghash,
            stage: [0; STAGE],
            fill: 0,
        }
    }

    /// Hashes the staged run of blocks (whole blocks only) and empties the stage.
    #[inline]
    fn flush(&mut self) {
        let staged = self.stage.get(..self.fill).unwrap_or(&[]);
        let (blocks, _) = ghash::Block::slice_as_chunks(staged);
        self.ghash.update(blocks);
        self.fill = 0;
    }

    /// Appends bytes to the hashed stream.
    #[inline]
    fn absorb(&mut self, mut data: &[u8]) {
        if self.fill > 0 {
            let free = self.stage.get_mut(self.fill..).unwrap_or(&mut []);
            let n = free.len().min(data.len());
            let (head, rest) = data.split_at_checked(n).unwrap_or((data, &[]));
            if let Some(dst) = free.get_mut(..n) {
                dst.copy_from_slice(head);
            }
            self.fill = self.fill.saturating_add(n);
            data = rest;
            if self.fill < STAGE {
                return;
            }
            self.flush();
        }
        let whole = data.len().saturating_sub(data.len() % STAGE);
        let (runs, rest) = data.split_at_checked(whole).unwrap_or((&[], data));
        let (blocks, _) = ghash::Block::slice_as_chunks(runs);
        self.ghash.update(blocks);
        if let Some(dst) = self.stage.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
            self.fill = rest.len();
        }
    }

    /// Zero-pads the stream to a whole block.
    #[inline]
    fn pad(&mut self) {
        let end = self.fill.next_multiple_of(16);
        if let Some(pad) = self.stage.get_mut(self.fill..end) {
            pad.fill(0);
        }
        self.fill = end;
        if self.fill == STAGE {
            self.flush();
        }
    }

    /// Pads, appends the length block (AAD and text lengths in bits) and returns GHASH.
    #[inline]
    fn finish(mut self, aad_len: usize, text_len: usize) -> ghash::Block {
        self.pad();
        let bits = |n: usize| (n as u64).wrapping_mul(8).to_be_bytes();
        self.absorb(&bits(aad_len));
        self.absorb(&bits(text_len));
        self.flush();
        wipe(&mut self.stage);
        self.ghash.finalize()
    }
}

impl SuiteZeroCipher {
    /// Expands `key` into the AES-128 key schedule and the GHASH key.
    pub fn new(key: &EncryptionKey) -> Self {
        let mut bytes = aes_gcm::aes::cipher::Key::<Aes128Enc>::from(*key.as_bytes());
        let aes = Aes128Enc::new(&bytes);
        bytes.zeroize();
        let gcm = Gcm::from(aes.clone());
        let mut h = ghash::Key::default();
        aes.encrypt_block(&mut h);
        let ghash = GHash::new(&h);
        h.as_mut_slice().zeroize();
        Self { gcm, aes, ghash }
    }

    /// Encrypts the counter blocks IV ‖ `first` .. IV ‖ `first + 7` into `ks` (the 32-bit
    /// counter wraps as GCM's inc32 does): always a whole batch of eight, which AES-NI
    /// pipelines (a shorter batch would go one block at a time).
    #[inline]
    fn keystream_batch(&self, iv: &[u8; 12], first: u32, ks: &mut [u8; CTR_BYTES]) {
        let mut counter = first;
        for block in ks.chunks_exact_mut(16) {
            let (head, tail) = block.split_at_mut(12);
            head.copy_from_slice(iv);
            tail.copy_from_slice(&counter.to_be_bytes());
            counter = counter.wrapping_add(1);
        }
        let (blocks, _) = Block::slice_as_chunks_mut(ks);
        self.aes.encrypt_blocks(blocks);
    }

    /// XORs `io` with the GCM keystream from counter 2 on: its output becomes its input XOR
    /// the keystream. `ks` holds the batch of counters 1 to 8 (counter 1 masks the tag, so
    /// the first batch serves seven blocks of data); later batches are computed here.
    fn apply_keystream(&self, iv: &[u8; 12], io: Io<'_, '_>, ks: &mut [u8; CTR_BYTES]) {
        let (input, out) = match io {
            Io::InPlace(buf) => (None, buf),
            Io::Copy(input, out) => (Some(input), out),
        };
        let len = out.len();
        let mut pos = 0usize;
        let mut skip = 16usize;
        let mut counter: u32 = 1;
        loop {
            let keys = ks.get(skip..).unwrap_or(&[]);
            let end = pos.saturating_add(keys.len()).min(len);
            let Some(dst) = out.get_mut(pos..end) else {
                break;
            };
            match input.and_then(|i| i.get(pos..end)) {
                Some(src) => dst
                    .iter_mut()
                    .zip(src.iter().zip(keys))
                    .for_each(|(d, (s, k))| *d = *s ^ *k),
                None => dst.iter_mut().zip(keys).for_each(|(d, k)| *d ^= *k),
            }
            pos = end;
            if pos >= len {
                break;
            }
            counter = counter.wrapping_add(CTR_BATCH as u32);
            self.keystream_batch(iv, counter, ks);
            skip = 0;
        }
        wipe_blocks(ks);
    }

    /// GHASH(H, AAD, C) XOR `mask` (= E(K, IV ‖ 00000001)), compared in constant time with
    /// `tag` (the first 12 bytes). With `plain_aad` (authentication only) the AAD is SC ‖ AK ‖ `body`
    /// and there is no ciphertext; otherwise the AAD is SC ‖ AK and `body` is the
    /// ciphertext.
    fn tag_matches(
        &self,
        security_control: u8,
        ak: &AuthenticationKey,
        body: &[u8],
        plain_aad: bool,
        tag: &[u8],
        mut mask: [u8; 16],
    ) -> bool {
        let mut h = GhashFeeder::new(self.ghash.clone());
        h.absorb(&[security_control]);
        h.absorb(ak.as_bytes());
        let (aad_len, text_len) = if plain_aad {
            h.absorb(body);
            (body.len().saturating_add(1 + KEY_LEN), 0)
        } else {
            h.pad();
            h.absorb(body);
            (1 + KEY_LEN, body.len())
        };
        let mut full = h.finish(aad_len, text_len);
        // Expected and received tag as two 128-bit words (zero-padded): one constant-time
        // comparison instead of one per byte.
        let mut expected = [0u8; 16];
        let mut received = [0u8; 16];
        for ((e, f), m) in expected
            .iter_mut()
            .zip(full.iter())
            .zip(mask.iter())
            .take(TAG_LEN)
        {
            *e = *f ^ *m;
        }
        let ok = match received.get_mut(..tag.len()) {
            Some(r) if tag.len() == TAG_LEN => {
                r.copy_from_slice(tag);
                let diff = u128::from_ne_bytes(expected) ^ u128::from_ne_bytes(received);
                let folded = (diff as u64) | ((diff >> 64) as u64);
                bool::from(folded.ct_eq(&0))
            }
            _ => false,
        };
        wipe(&mut mask);
        wipe(&mut expected);
        wipe(full.as_mut_slice());
        ok
    }

    /// Unprotects a body (ciphertext without the tag) from `io`'s input into its output. The
    /// tag is checked over the ciphertext before anything is decrypted; on a mismatch the
    /// output is zeroed.
    fn open(
        &self,
        auth: Authentication<'_>,
        header: &SecurityHeader,
        io: Io<'_, '_>,
        tag: Option<&[u8]>,
    ) -> Result<bool, SecurityError> {
        let iv = header.iv();
        let sc = header.security_control;
        let encrypted = header.is_encrypted();
        // Counter block 1 masks the tag, 2 onwards encrypt: one batch of eight serves both.
        let mut ks = [0u8; CTR_BYTES];
        self.keystream_batch(&iv, 1, &mut ks);
        let mut mask = [0u8; 16];
        mask.copy_from_slice(ks.get(..16).unwrap_or(&[0; 16]));
        let authenticated = match (auth, tag) {
            (Authentication::Key(ak), Some(tag)) => {
                if !self.tag_matches(sc, ak, io.input(), !encrypted, tag, mask) {
                    wipe_blocks(&mut ks);
                    io.into_out().zeroize();
                    return Err(SecurityError::TagMismatch);
                }
                true
            }
            _ => false,
        };
        if encrypted {
            self.apply_keystream(&iv, io, &mut ks);
        } else {
            wipe_blocks(&mut ks);
            if let Io::Copy(input, out) = io {
                out.copy_from_slice(input);
            }
        }
        Ok(authenticated)
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
        let authenticated = self.open(auth, header, Io::InPlace(body), tag)?;
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
        let mut plaintext = alloc::vec![0u8; body.len()];
        let authenticated = self.open(auth, header, Io::Copy(body, &mut plaintext), tag)?;
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
        let nonce = aes_gcm::Nonce::<U12>::from(iv);
        let aad = long_aad(security_control, ak, challenge);
        let empty: &mut [u8] = &mut [];
        // The only failure is an AAD longer than 2^36 bytes, which a challenge never is; an
        // all-zero tag would then simply not verify.
        self.gcm
            .encrypt_inout_detached(&nonce, &aad, empty.into())
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
        // One pass from the wire bytes to `out`: no intermediate copy.
        let authenticated = self.open(auth, header, Io::Copy(body, out), tag)?;
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
                let nonce = aes_gcm::Nonce::<U12>::from(iv);
                let tag = if header.is_encrypted() {
                    self.gcm
                        .encrypt_inout_detached(&nonce, &short_aad(sc, ak), body.into())
                } else {
                    let aad = long_aad(sc, ak, body);
                    let empty: &mut [u8] = &mut [];
                    self.gcm.encrypt_inout_detached(&nonce, &aad, empty.into())
                }
                .map_err(|_| SecurityError::MessageTooLong {
                    len: plaintext.len(),
                })?;
                tag_out.copy_from_slice(&tag);
            }
            _ => {
                if header.is_encrypted() {
                    let mut ks = [0u8; CTR_BYTES];
                    self.keystream_batch(&iv, 1, &mut ks);
                    self.apply_keystream(&iv, Io::InPlace(body), &mut ks);
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
