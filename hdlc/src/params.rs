//! The SNRM/UA parameter field (HDLC parameter negotiation).

use crate::Error;

const FORMAT_ID: u8 = 0x81;
const GROUP_ID: u8 = 0x80;
const MAX_INFO_TX: u8 = 0x05;
const MAX_INFO_RX: u8 = 0x06;
const WINDOW_TX: u8 = 0x07;
const WINDOW_RX: u8 = 0x08;

/// The negotiable link parameters carried in the information field of SNRM and UA:
/// `81 80 <group length>` then `05 <len> max-info-tx`, `06 <len> max-info-rx`,
/// `07 <len> window-tx`, `08 <len> window-rx`, each value 1, 2 or 4 bytes, big endian.
///
/// "tx" and "rx" are seen from the sender of the frame: in an SNRM the client's, in a UA the
/// server's. A parameter that is absent takes its default (128 bytes, window 1), and an empty
/// information field means all defaults.
///
/// ```
/// use hdlc::Parameters;
///
/// // The UA of a Landis+Gyr E650: it receives at most 62 bytes per frame.
/// let info = [0x81, 0x80, 0x12, 0x05, 0x01, 0x80, 0x06, 0x01, 0x3E,
///             0x07, 0x04, 0, 0, 0, 1, 0x08, 0x04, 0, 0, 0, 1];
/// let p = Parameters::parse(&info)?;
/// assert_eq!((p.max_info_tx, p.max_info_rx, p.window_tx, p.window_rx), (128, 62, 1, 1));
///
/// let mut out = [0u8; 32];
/// let n = p.emit(&mut out)?;
/// assert_eq!(&out[..n], &info);
/// assert_eq!(Parameters::parse(&[])?, Parameters::default());
/// # Ok::<(), hdlc::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parameters {
    /// Largest information field the sender will transmit.
    pub max_info_tx: u32,
    /// Largest information field the sender can receive.
    pub max_info_rx: u32,
    /// Frames the sender will transmit before waiting for an acknowledgement.
    pub window_tx: u32,
    /// Frames the sender can receive before it acknowledges.
    pub window_rx: u32,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters::DEFAULT
    }
}

impl Parameters {
    /// The defaults of IEC 62056-46: 128-byte information fields, window 1.
    pub const DEFAULT: Parameters = Parameters {
        max_info_tx: 128,
        max_info_rx: 128,
        window_tx: 1,
        window_rx: 1,
    };

    /// Parses a whole parameter field (an SNRM or UA information field). Unknown parameters
    /// in the group are skipped.
    ///
    /// # Errors
    /// [`Error::BadParameters`] (wrong identifiers, value longer than 4 bytes),
    /// [`Error::Truncated`], [`Error::LengthMismatch`] (bytes after the group).
    pub fn parse(info: &[u8]) -> Result<Self, Error> {
        let mut p = Parameters::DEFAULT;
        let (fmt, group, glen, body) = match info {
            [] => return Ok(p),
            [fmt, group, glen, body @ ..] => (*fmt, *group, usize::from(*glen), body),
            _ => {
                return Err(Error::Truncated {
                    offset: info.len(),
                    needed: 3usize.saturating_sub(info.len()),
                });
            }
        };
        if fmt != FORMAT_ID {
            return Err(Error::BadParameters {
                offset: 0,
                what: "format identifier is not 0x81",
            });
        }
        if group != GROUP_ID {
            return Err(Error::BadParameters {
                offset: 1,
                what: "group identifier is not 0x80",
            });
        }
        let Some(mut rest) = body.get(..glen) else {
            return Err(Error::Truncated {
                offset: info.len(),
                needed: glen.saturating_sub(body.len()),
            });
        };
        if body.len() != glen {
            return Err(Error::LengthMismatch {
                expected: glen.saturating_add(3),
                actual: info.len(),
            });
        }
        let mut offset = 3usize;
        while let [id, len, tail @ ..] = rest {
            let len = usize::from(*len);
            if len > 4 {
                return Err(Error::BadParameters {
                    offset: offset.saturating_add(1),
                    what: "parameter value longer than 4 bytes",
                });
            }
            let Some((value, after)) = tail.split_at_checked(len) else {
                return Err(Error::Truncated {
                    offset: info.len(),
                    needed: len.saturating_sub(tail.len()),
                });
            };
            let v = value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            match *id {
                MAX_INFO_TX => p.max_info_tx = v,
                MAX_INFO_RX => p.max_info_rx = v,
                WINDOW_TX => p.window_tx = v,
                WINDOW_RX => p.window_rx = v,
                _ => {}
            }
            offset = offset.saturating_add(2).saturating_add(len);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(Error::Truncated {
                offset: info.len(),
                needed: 1,
            });
        }
        Ok(p)
    }

    fn value_len(v: u32) -> usize {
        if v <= 0xFF {
            1
        } else if v <= 0xFFFF {
            2
        } else {
            4
        }
    }

    /// The parameters in the order they are written, with their value lengths. Information
    /// lengths use the shortest form; windows always 4 bytes, as meters send them.
    fn items(&self) -> [(u8, u32, usize); 4] {
        [
            (
                MAX_INFO_TX,
                self.max_info_tx,
                Self::value_len(self.max_info_tx),
            ),
            (
                MAX_INFO_RX,
                self.max_info_rx,
                Self::value_len(self.max_info_rx),
            ),
            (WINDOW_TX, self.window_tx, 4),
            (WINDOW_RX, self.window_rx, 4),
        ]
    }

    /// Bytes [`Parameters::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.items().iter().fold(3usize, |acc, &(_, _, l)| {
            acc.saturating_add(2).saturating_add(l)
        })
    }

    /// Writes the parameter field (all four parameters) to the start of `buf`.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let total = self.buffer_len();
        let available = buf.len();
        let out = buf.get_mut(..total).ok_or(Error::BufferTooSmall {
            needed: total,
            available,
        })?;
        let mut bytes = out.iter_mut();
        let mut put = |b: u8| {
            if let Some(slot) = bytes.next() {
                *slot = b;
            }
        };
        put(FORMAT_ID);
        put(GROUP_ID);
        put(u8::try_from(total.saturating_sub(3)).unwrap_or(u8::MAX));
        for (id, v, len) in self.items() {
            put(id);
            put(len as u8);
            for b in v.to_be_bytes().iter().skip(4usize.saturating_sub(len)) {
                put(*b);
            }
        }
        Ok(total)
    }

    /// Appends the parameter field to `out`.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) {
        let start = out.len();
        out.resize(start.saturating_add(self.buffer_len()), 0);
        let _ = self.emit(out.get_mut(start..).unwrap_or(&mut []));
    }

    /// The parameters the other side of a link should use, answering `self` as the peer's
    /// proposal with our own limits `ours` (seen from us): each value is the smaller of what
    /// the peer proposes and what we accept, with tx and rx swapped.
    ///
    /// ```
    /// use hdlc::Parameters;
    ///
    /// let client = Parameters { max_info_tx: 1024, max_info_rx: 1024, window_tx: 7, window_rx: 7 };
    /// let server = Parameters { max_info_tx: 128, max_info_rx: 62, window_tx: 1, window_rx: 1 };
    /// // The server's UA: what it will send (tx) and receive (rx).
    /// assert_eq!(client.answer(&server), server);
    /// ```
    #[must_use]
    pub fn answer(&self, ours: &Parameters) -> Parameters {
        Parameters {
            max_info_tx: ours.max_info_tx.min(self.max_info_rx),
            max_info_rx: ours.max_info_rx.min(self.max_info_tx),
            window_tx: ours.window_tx.min(self.window_rx),
            window_rx: ours.window_rx.min(self.window_tx),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn kamstrup_two_byte_values() {
        let info = [
            0x81, 0x80, 0x14, 0x05, 0x02, 0x00, 0x74, 0x06, 0x02, 0x00, 0x74, 0x07, 0x04, 0, 0, 0,
            1, 0x08, 0x04, 0, 0, 0, 1,
        ];
        let p = Parameters::parse(&info).unwrap();
        assert_eq!(
            p,
            Parameters {
                max_info_tx: 116,
                max_info_rx: 116,
                window_tx: 1,
                window_rx: 1
            }
        );
    }

    #[test]
    fn partial_and_bad() {
        // Only max-info-rx present: the rest take defaults.
        let p = Parameters::parse(&[0x81, 0x80, 0x03, 0x06, 0x01, 0x3E]).unwrap();
        assert_eq!(p.max_info_rx, 62);
        assert_eq!(p.max_info_tx, 128);
        assert_eq!(p.window_tx, 1);
        assert!(matches!(
            Parameters::parse(&[0x82, 0x80, 0x00]),
            Err(Error::BadParameters { offset: 0, .. })
        ));
        assert!(matches!(
            Parameters::parse(&[0x81, 0x80, 0x03, 0x06, 0x05, 0x3E]),
            Err(Error::BadParameters { offset: 4, .. })
        ));
        assert!(matches!(
            Parameters::parse(&[0x81, 0x80, 0x03, 0x06, 0x02, 0x3E]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            Parameters::parse(&[0x81, 0x80, 0x05, 0x06]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            Parameters::parse(&[0x81, 0x80, 0x00, 0x00]),
            Err(Error::LengthMismatch { .. })
        ));
    }

    #[test]
    fn construct_large_values() {
        let p = Parameters {
            max_info_tx: 2030,
            max_info_rx: 70_000,
            window_tx: 7,
            window_rx: 3,
        };
        let mut buf = [0u8; 32];
        let n = p.emit(&mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            &[
                0x81, 0x80, 0x16, 0x05, 0x02, 0x07, 0xEE, 0x06, 0x04, 0x00, 0x01, 0x11, 0x70, 0x07,
                0x04, 0, 0, 0, 7, 0x08, 0x04, 0, 0, 0, 3
            ][..]
        );
        assert_eq!(Parameters::parse(&buf[..n]).unwrap(), p);
    }
}
