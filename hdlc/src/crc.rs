//! CRC-16/X.25, the HCS and FCS of every HDLC frame.
//!
//! CRC-16/X.25 (also catalogued as CRC-16/IBM-SDLC): polynomial 0x1021 reflected (0x8408),
//! initial value 0xFFFF, final xor 0xFFFF, sent least significant byte first. Computed with
//! slice-by-16 tables built at compile time: sixteen bytes per step, read as two
//! little-endian words, with no bounds check in the loop.

/// The slice-by-16 tables: `TABLES[0]` is the byte-wise table, `TABLES[k][i]` the CRC of
/// byte `i` followed by `k` zero bytes.
static TABLES: [[u16; 256]; 16] = tables();

// Evaluated at compile time: an index out of range would fail the build, not a run.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn tables() -> [[u16; 256]; 16] {
    let mut t = [[0u16; 256]; 16];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u16;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x8408
            } else {
                c >> 1
            };
            bit += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// `TABLES[K][byte]` (widened: 32-bit arithmetic avoids partial-register merges); the index
/// is a byte, so the lookup never misses.
#[inline(always)]
fn at<const K: usize>(word: u64, shift: u32) -> u32 {
    let byte = (word >> shift) & 0xFF;
    TABLES
        .get(K)
        .and_then(|t| t.get(byte as usize))
        .map_or(0, |&v| u32::from(v))
}

/// Runs the register `c` (not inverted) over `data`.
///
/// Only the first two bytes of each 16-byte step depend on the register: the fourteen other
/// lookups are combined as a tree, off the loop-carried dependency chain.
#[inline]
fn update(c: u16, data: &[u8]) -> u16 {
    let mut c = u32::from(c);
    let mut chunks = data.chunks_exact(16);
    for chunk in &mut chunks {
        let (lo, hi) = chunk.split_at(8);
        let lo = u64::from_le_bytes(lo.try_into().unwrap_or([0; 8]));
        let hi = u64::from_le_bytes(hi.try_into().unwrap_or([0; 8]));
        let a = (at::<13>(lo, 16) ^ at::<12>(lo, 24)) ^ (at::<11>(lo, 32) ^ at::<10>(lo, 40));
        let b = (at::<9>(lo, 48) ^ at::<8>(lo, 56)) ^ (at::<7>(hi, 0) ^ at::<6>(hi, 8));
        let d = (at::<5>(hi, 16) ^ at::<4>(hi, 24)) ^ (at::<3>(hi, 32) ^ at::<2>(hi, 40));
        let e = at::<1>(hi, 48) ^ at::<0>(hi, 56);
        let rest = (a ^ b) ^ (d ^ e);
        let head = lo ^ u64::from(c);
        c = (at::<15>(head, 0) ^ at::<14>(head, 8)) ^ rest;
    }
    for &b in chunks.remainder() {
        c = (c >> 8) ^ at::<0>(u64::from(c ^ u32::from(b)), 0);
    }
    (c & 0xFFFF) as u16
}

/// A running CRC, so that the HCS and the FCS share the work over the header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Running(u16);

impl Running {
    /// Adds bytes.
    #[inline]
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0 = update(self.0, data);
    }

    /// The check value.
    #[inline]
    pub(crate) fn finalize(self) -> u16 {
        !self.0
    }
}

/// A fresh running CRC.
#[inline]
pub(crate) fn running() -> Running {
    Running(0xFFFF)
}

/// The check value of a running CRC so far, leaving it running.
#[inline]
pub(crate) fn value(r: &Running) -> u16 {
    r.finalize()
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
    !update(0xFFFF, data)
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
        // And with the `crc` crate's catalogue entry, over every length around the 16-byte
        // steps.
        let catalogue = crc::Crc::<u16>::new(&crc::CRC_16_IBM_SDLC);
        for end in 0..data.len() {
            let d = data.get(..end).unwrap_or(&[]);
            assert_eq!(crc16(d), catalogue.checksum(d), "..{end}");
        }
    }
}
