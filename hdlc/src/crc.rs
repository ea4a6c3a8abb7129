//! CRC-16/X.25, the HCS and FCS of every HDLC frame.
//!
//! CRC-16/X.25 (also catalogued as CRC-16/IBM-SDLC): polynomial 0x1021 reflected (0x8408),
//! initial value 0xFFFF, final xor 0xFFFF, sent least significant byte first. The `crc` crate's
//! slice-by-16 tables do the work.

use crc::{CRC_16_IBM_SDLC, Crc, Digest, Table};

const X25: Crc<u16, Table<16>> = Crc::<u16, Table<16>>::new(&CRC_16_IBM_SDLC);
static X25_STATIC: Crc<u16, Table<16>> = X25;

/// A running CRC, so that the HCS and the FCS share the work over the header.
pub(crate) type Running = Digest<'static, u16, Table<16>>;

/// A fresh running CRC.
pub(crate) fn running() -> Running {
    X25_STATIC.digest()
}

/// The check value of a running CRC so far, leaving it running.
pub(crate) fn value(r: &Running) -> u16 {
    r.clone().finalize()
}

/// Computes the CRC-16/X.25 check sequence of `data`, as carried by the HCS and FCS fields.
///
/// The value goes on the wire least significant byte first (`to_le_bytes`).
///
/// ```
/// // The check value of the CRC catalogue.
/// assert_eq!(hdlc::crc16(b"123456789"), 0x906E);
/// // The FCS of an SNRM frame: 7E A0 08 02 23 21 93 [BD 64] 7E.
/// assert_eq!(hdlc::crc16(&[0xA0, 0x08, 0x02, 0x23, 0x21, 0x93]).to_le_bytes(), [0xBD, 0x64]);
/// ```
#[must_use]
pub fn crc16(data: &[u8]) -> u16 {
    X25_STATIC.checksum(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit by bit, from the definition.
    fn reference(data: &[u8]) -> u16 {
        let mut c = 0xFFFFu16;
        for &b in data {
            c ^= u16::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x8408
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn agrees_with_the_definition_and_runs() {
        let data: [u8; 300] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5A);
        for start in 0..20 {
            for end in (start..data.len()).step_by(7) {
                let d = data.get(start..end).unwrap_or(&[]);
                assert_eq!(crc16(d), reference(d), "{start}..{end}");
                let mut r = running();
                let (a, b) = d.split_at(d.len() / 2);
                r.update(a);
                let _ = value(&r);
                r.update(b);
                assert_eq!(value(&r), reference(d));
            }
        }
        assert_eq!(crc16(&[]), 0x0000);
    }
}
