//! general-block-transfer (`E0`) and the block reassembler.

use crate::Error;
use crate::apdu::Tag;
use crate::reader::{Reader, Writer, length_len};

/// The block-control byte: last block (bit 7), streaming (bit 6), window size (bits 0..=5).
///
/// ```
/// use dlms::apdu::BlockControl;
/// let c = BlockControl(0xC0);
/// assert!(c.last_block() && c.streaming());
/// assert_eq!(c.window(), 0);
/// assert_eq!(BlockControl::new(false, true, 0), BlockControl(0x40));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlockControl(pub u8);

impl BlockControl {
    /// Builds the byte (`window` is masked to 6 bits).
    pub const fn new(last_block: bool, streaming: bool, window: u8) -> Self {
        BlockControl(
            (window & 0x3F) | if last_block { 0x80 } else { 0 } | if streaming { 0x40 } else { 0 },
        )
    }
    /// Bit 7: this is the last block.
    pub const fn last_block(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// Bit 6: blocks are streamed (no acknowledgement of each block).
    pub const fn streaming(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Bits 0..=5: the window size.
    pub const fn window(self) -> u8 {
        self.0 & 0x3F
    }
}

/// A general-block-transfer APDU: block control, block number, acknowledged block number and
/// the block data (a piece of the transported APDU).
///
/// ```
/// use dlms::apdu::{BlockControl, GeneralBlockTransfer};
/// let bytes = [0xE0, 0x40, 0x00, 0x01, 0x00, 0x00, 0x02, 0x0F, 0x00];
/// let g = GeneralBlockTransfer::parse(&bytes).unwrap();
/// assert_eq!(g.control, BlockControl(0x40));
/// assert_eq!((g.block_number, g.block_number_ack), (1, 0));
/// assert_eq!(g.block_data, &[0x0F, 0x00]);
/// let mut out = [0u8; 9];
/// assert_eq!(g.emit(&mut out), Ok(9));
/// assert_eq!(out, bytes);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GeneralBlockTransfer<'a> {
    /// The block control byte.
    pub control: BlockControl,
    /// The number of this block (1-based).
    pub block_number: u16,
    /// The last block number received from the peer.
    pub block_number_ack: u16,
    /// The data of this block.
    pub block_data: &'a [u8],
}

impl<'a> GeneralBlockTransfer<'a> {
    /// Parses one whole APDU (tag included); trailing bytes are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let offset = r.offset();
        let tag = r.u8()?;
        if tag != Tag::GENERAL_BLOCK_TRANSFER.0 {
            return Err(Error::UnknownTag { offset, tag });
        }
        let v = Self::read_body(&mut r)?;
        r.finish()?;
        Ok(v)
    }

    pub(crate) fn read_body(r: &mut Reader<'a>) -> Result<Self, Error> {
        let control = BlockControl(r.u8()?);
        let block_number = r.u16()?;
        let block_number_ack = r.u16()?;
        let block_data = r.length_prefixed()?;
        Ok(GeneralBlockTransfer {
            control,
            block_number,
            block_number_ack,
            block_data,
        })
    }

    /// The encoded size in bytes.
    pub fn buffer_len(&self) -> usize {
        6usize
            .saturating_add(length_len(self.block_data.len()))
            .saturating_add(self.block_data.len())
    }

    /// Encodes into `buf`, returns the number of bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        w.u8(Tag::GENERAL_BLOCK_TRANSFER.0)?;
        w.u8(self.control.0)?;
        w.bytes(&self.block_number.to_be_bytes())?;
        w.bytes(&self.block_number_ack.to_be_bytes())?;
        w.length(self.block_data.len())?;
        w.bytes(self.block_data)?;
        Ok(w.pos())
    }

    /// Appends the encoding to `out`.
    #[cfg(feature = "alloc")]
    pub fn encode(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        crate::apdu::encode_via_emit(out, self.buffer_len(), |b| self.emit(b))
    }
}

/// Why a block was not accepted by a [`Reassembler`]. The message in progress is dropped;
/// the next block 1 starts a new one.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// A block is missing (or the reader started in the middle of a message).
    #[error("missing block: expected block {expected}, found block {found}")]
    MissingBlock {
        /// The block number that should have come.
        expected: u32,
        /// The block number that came.
        found: u32,
    },
    /// The reassembled message would exceed the size limit.
    #[error("reassembled message exceeds {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// Reassembles a message sent in numbered blocks (general-block-transfer, or the data blocks of
/// GET/SET/ACTION): restarts on block 1, reports a missing block, caps the total size.
///
/// A block out of sequence drops the message in progress and is reported as
/// [`ReassemblyError::MissingBlock`]. A block 1 that arrives while a message is in progress
/// also reports the lost message (`found: 1`), but it is kept: it starts the next message.
/// A block 1 that is also the last block is then reported instead of returned.
///
/// ```
/// use dlms::apdu::{GeneralBlockTransfer, Reassembler, ReassemblyError};
/// let mut r = Reassembler::new(1 << 16);
/// let b1 = GeneralBlockTransfer::parse(&[0xE0, 0x40, 0, 1, 0, 0, 2, 0x0F, 0x00]).unwrap();
/// let b2 = GeneralBlockTransfer::parse(&[0xE0, 0xC0, 0, 2, 0, 0, 1, 0x01]).unwrap();
/// assert_eq!(r.push_gbt(&b1), Ok(None));
/// assert_eq!(r.push_gbt(&b2), Ok(Some(&[0x0F, 0x00, 0x01][..])));
/// // Started in the middle of a message: reported, then the next block 1 starts over.
/// assert_eq!(r.push_gbt(&b2), Err(ReassemblyError::MissingBlock { expected: 1, found: 2 }));
/// // Block 3 of a message lost: block 1 of the next one reports it and starts over.
/// assert_eq!(r.push_gbt(&b1), Ok(None));
/// assert_eq!(r.push_gbt(&b1), Err(ReassemblyError::MissingBlock { expected: 2, found: 1 }));
/// assert_eq!(r.push_gbt(&b2), Ok(Some(&[0x0F, 0x00, 0x01][..])));
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct Reassembler {
    buf: alloc::vec::Vec<u8>,
    next: Option<u32>,
    complete: bool,
    max_size: usize,
}

#[cfg(feature = "alloc")]
impl Reassembler {
    /// A reassembler that accepts messages up to `max_size` bytes.
    pub fn new(max_size: usize) -> Self {
        Reassembler {
            buf: alloc::vec::Vec::new(),
            next: None,
            complete: false,
            max_size,
        }
    }

    /// Drops the message in progress.
    pub fn reset(&mut self) {
        self.buf.clear();
        self.next = None;
        self.complete = false;
    }

    /// Whether a message is in progress (block 1 seen, last block not yet).
    pub fn in_progress(&self) -> bool {
        self.next.is_some()
    }

    /// Adds a general-block-transfer block.
    pub fn push_gbt(
        &mut self,
        block: &GeneralBlockTransfer<'_>,
    ) -> Result<Option<&[u8]>, ReassemblyError> {
        self.push_block(
            u32::from(block.block_number),
            block.control.last_block(),
            block.block_data,
        )
    }

    /// Adds block `number`; returns the whole message after its last block.
    pub fn push_block(
        &mut self,
        number: u32,
        last: bool,
        data: &[u8],
    ) -> Result<Option<&[u8]>, ReassemblyError> {
        if self.complete {
            self.reset();
        }
        let mut abandoned = None;
        if number == 1 {
            if let Some(expected) = self.next {
                // A new message starts before the last one ended: keep the new block 1 and
                // report the lost one.
                abandoned = Some(ReassemblyError::MissingBlock { expected, found: 1 });
            }
            self.buf.clear();
        } else {
            let expected = self.next.unwrap_or(1);
            if number != expected {
                self.reset();
                return Err(ReassemblyError::MissingBlock {
                    expected,
                    found: number,
                });
            }
        }
        if self.buf.len().saturating_add(data.len()) > self.max_size {
            self.reset();
            return Err(ReassemblyError::TooLarge {
                limit: self.max_size,
            });
        }
        self.buf.extend_from_slice(data);
        if last {
            self.next = None;
            self.complete = true;
        } else {
            self.next = Some(number.saturating_add(1));
        }
        match abandoned {
            // The new block 1 is kept; the next call carries on with block 2.
            Some(e) => Err(e),
            None if last => Ok(Some(&self.buf)),
            None => Ok(None),
        }
    }
}
