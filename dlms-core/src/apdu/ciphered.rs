//! Ciphered APDU framing: the security header and the borrowed ciphertext.
//!
//! Decryption itself lives in [`crate::security`]; this module only cuts the bytes.

use crate::Error;
use crate::apdu::Tag;
use crate::reader::{Reader, Writer, length_len};

/// The security control byte (Green Book 9.2.7.2.4.1): suite id in bits 0..=3, authentication
/// (bit 4), encryption (bit 5), key set (bit 6: 0 = unicast, 1 = broadcast), compression (bit 7).
///
/// ```
/// use dlms::apdu::SecurityControl;
/// let sc = SecurityControl(0x30);
/// assert!(sc.authenticated() && sc.encrypted());
/// assert_eq!(sc.suite_id(), 0);
/// assert!(!SecurityControl(0x20).authenticated());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecurityControl(pub u8);

impl SecurityControl {
    /// Authentication only (`0x10`).
    pub const AUTHENTICATED: SecurityControl = SecurityControl(0x10);
    /// Encryption only (`0x20`).
    pub const ENCRYPTED: SecurityControl = SecurityControl(0x20);
    /// Authenticated encryption (`0x30`).
    pub const AUTHENTICATED_ENCRYPTED: SecurityControl = SecurityControl(0x30);

    /// Security suite id (bits 0..=3); 0 is AES-GCM-128.
    pub const fn suite_id(self) -> u8 {
        self.0 & 0x0F
    }
    /// Bit 4: the APDU carries an authentication tag.
    pub const fn authenticated(self) -> bool {
        self.0 & 0x10 != 0
    }
    /// Bit 5: the information is encrypted.
    pub const fn encrypted(self) -> bool {
        self.0 & 0x20 != 0
    }
    /// Bit 6: the broadcast key is used (0 = unicast key).
    pub const fn key_set(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Bit 7: the plaintext was compressed.
    pub const fn compressed(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// The security header and ciphertext shared by every ciphered form: the content of the
/// `ciphered-content` octet string is `SC ‖ IC(4) ‖ ciphertext`.
fn read_content<'a>(r: &mut Reader<'a>) -> Result<(SecurityControl, u32, &'a [u8]), Error> {
    let start = r.offset();
    let content = r.length_prefixed()?;
    let mut c = Reader::with_base(content, start.saturating_add(length_len(content.len())));
    let sc = SecurityControl(c.u8()?);
    let ic = c.u32()?;
    Ok((sc, ic, c.take_rest()))
}

fn content_len(ciphertext: &[u8]) -> usize {
    ciphertext.len().saturating_add(5)
}

fn emit_content(w: &mut Writer<'_>, sc: SecurityControl, ic: u32, ct: &[u8]) -> Result<(), Error> {
    w.length(content_len(ct))?;
    w.u8(sc.0)?;
    w.bytes(&ic.to_be_bytes())?;
    w.bytes(ct)
}

fn read_system_title(r: &mut Reader<'_>) -> Result<[u8; 8], Error> {
    let offset = r.offset();
    let st = r.length_prefixed()?;
    <[u8; 8]>::try_from(st).map_err(|_| Error::InvalidValue {
        offset,
        what: "system title length",
    })
}

macro_rules! general_ciphering {
    ($(#[$doc:meta])* $name:ident, $tag:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub struct $name<'a> {
            /// The sender's system title (8 bytes).
            pub system_title: [u8; 8],
            /// The security control byte.
            pub security_control: SecurityControl,
            /// The invocation (frame) counter.
            pub invocation_counter: u32,
            /// Everything after the invocation counter: the ciphertext followed by the
            /// authentication tag when there is one, exactly as on the wire.
            pub ciphertext: &'a [u8],
        }

        impl<'a> $name<'a> {
            /// The APDU tag.
            pub const TAG: Tag = $tag;

            /// Parses one whole APDU (tag included); trailing bytes are an error.
            pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
                let mut r = Reader::new(bytes);
                let v = Self::read(&mut r)?;
                r.finish()?;
                Ok(v)
            }

            /// Reads the APDU (tag included) from a cursor.
            pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
                let offset = r.offset();
                let tag = r.u8()?;
                if tag != Self::TAG.0 {
                    return Err(Error::UnknownTag { offset, tag });
                }
                Self::read_body(r)
            }

            pub(crate) fn read_body(r: &mut Reader<'a>) -> Result<Self, Error> {
                let system_title = read_system_title(r)?;
                let (security_control, invocation_counter, ciphertext) = read_content(r)?;
                Ok($name { system_title, security_control, invocation_counter, ciphertext })
            }

            /// The encoded size in bytes.
            pub fn buffer_len(&self) -> usize {
                let c = content_len(self.ciphertext);
                10usize.saturating_add(length_len(c)).saturating_add(c)
            }

            /// Encodes into `buf`, returns the number of bytes written.
            pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
                let mut w = Writer::new(buf);
                w.u8(Self::TAG.0)?;
                w.u8(8)?;
                w.bytes(&self.system_title)?;
                emit_content(&mut w, self.security_control, self.invocation_counter, self.ciphertext)?;
                Ok(w.pos())
            }

            /// Appends the encoding to `out`.
            #[cfg(feature = "alloc")]
            pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
                crate::apdu::encode_via_emit(out, self.buffer_len(), |b| self.emit(b))
            }
        }
    };
}

general_ciphering!(
    /// general-glo-ciphering (`DB`), the form of the E450 push: ciphered with the global key.
    ///
    /// ```
    /// use dlms::apdu::{GeneralGloCiphering, SecurityControl};
    /// let bytes = [0xDB, 0x08, b'L', b'G', b'Z', 0x67, 0x73, 0x62, 0xF1, 0x3A,
    ///              0x07, 0x30, 0x00, 0x00, 0x00, 0x2A, 0xAA, 0xBB];
    /// let g = GeneralGloCiphering::parse(&bytes).unwrap();
    /// assert_eq!(g.security_control, SecurityControl::AUTHENTICATED_ENCRYPTED);
    /// assert_eq!(g.invocation_counter, 42);
    /// assert_eq!(g.ciphertext, &[0xAA, 0xBB]);
    /// let mut buf = [0u8; 18];
    /// assert_eq!(g.emit(&mut buf), Ok(18));
    /// assert_eq!(buf, bytes);
    /// ```
    GeneralGloCiphering,
    Tag::GENERAL_GLO_CIPHERING
);

general_ciphering!(
    /// general-ded-ciphering (`DC`): ciphered with the dedicated key of the association.
    GeneralDedCiphering,
    Tag::GENERAL_DED_CIPHERING
);

/// A service-specific ciphered APDU (`glo-get-request`, `ded-action-response`, ...): the tag
/// names the service and the key (global or dedicated), then `length ‖ SC ‖ IC ‖ ciphertext`.
///
/// ```
/// use dlms::apdu::{Ciphered, Tag};
/// let bytes = [0xC8, 0x07, 0x30, 0x00, 0x00, 0x00, 0x01, 0xDE, 0xAD];
/// let c = Ciphered::parse(&bytes).unwrap();
/// assert_eq!(c.tag, Tag::GLO_GET_REQUEST);
/// assert_eq!(c.tag.plain(), Some(Tag::GET_REQUEST));
/// assert_eq!(c.invocation_counter, 1);
/// assert_eq!(c.ciphertext, &[0xDE, 0xAD]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ciphered<'a> {
    /// The glo- or ded- tag.
    pub tag: Tag,
    /// The security control byte.
    pub security_control: SecurityControl,
    /// The invocation (frame) counter.
    pub invocation_counter: u32,
    /// The ciphertext and tag, exactly as on the wire after the invocation counter.
    pub ciphertext: &'a [u8],
}

impl<'a> Ciphered<'a> {
    /// Parses one whole APDU (tag included); trailing bytes are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.finish()?;
        Ok(v)
    }

    /// Reads the APDU (tag included) from a cursor; the tag must be a service-specific
    /// ciphered one ([`Tag::plain`] returns `Some`).
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let offset = r.offset();
        let tag = Tag(r.u8()?);
        if tag.plain().is_none() {
            return Err(Error::UnknownTag { offset, tag: tag.0 });
        }
        Self::read_body(tag, r)
    }

    pub(crate) fn read_body(tag: Tag, r: &mut Reader<'a>) -> Result<Self, Error> {
        let (security_control, invocation_counter, ciphertext) = read_content(r)?;
        Ok(Ciphered {
            tag,
            security_control,
            invocation_counter,
            ciphertext,
        })
    }

    /// The encoded size in bytes.
    pub fn buffer_len(&self) -> usize {
        let c = content_len(self.ciphertext);
        1usize.saturating_add(length_len(c)).saturating_add(c)
    }

    /// Encodes into `buf`, returns the number of bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        w.u8(self.tag.0)?;
        emit_content(
            &mut w,
            self.security_control,
            self.invocation_counter,
            self.ciphertext,
        )?;
        Ok(w.pos())
    }

    /// Appends the encoding to `out`.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        crate::apdu::encode_via_emit(out, self.buffer_len(), |b| self.emit(b))
    }
}
