//! Fuzz target `apdu`: every APDU, the borrowed data-notification and the block reassembler.

use dlms::apdu::{Apdu, DataNotificationRef, GeneralBlockTransfer, Reassembler};

/// Decodes arbitrary bytes as an APDU; whatever decodes must re-encode to bytes that decode
/// to the same APDU (the same bytes again). The same bytes are then cut into blocks for the reassembler.
pub fn run(bytes: &[u8]) {
    if let Ok(a) = Apdu::parse(bytes) {
        let enc = a.to_vec().expect("a decoded APDU re-encodes");
        let again = Apdu::parse(&enc).expect("a re-encoded APDU decodes");
        // Compared as bytes: a float NaN is not equal to itself.
        assert_eq!(again.to_vec().expect("re-encodes"), enc);
    }
    if let Ok(n) = DataNotificationRef::parse(bytes) {
        let _ = n.body.to_data();
    }
    if let Ok(g) = GeneralBlockTransfer::parse(bytes) {
        let mut r = Reassembler::new(1024);
        let _ = r.push_gbt(&g);
    }
    let mut r = Reassembler::new(256);
    let mut rest = bytes;
    while let Some((&head, tail)) = rest.split_first() {
        let n = usize::from(head & 0x1F).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        if let Ok(Some(m)) = r.push_block(u32::from(head >> 6), head & 0x20 != 0, chunk) {
            assert!(m.len() <= 256);
        }
        rest = next;
    }
}
