//! Fuzz target `client_wrapper`: the IEC 62056-47 wrapper codec of the meter client.

use e450::wrapper::{WrapperDecoder, WrapperFrame, WrapperHeader, parse_frame};
use hdlc::Status;

/// Parses arbitrary bytes as one frame, as a stream (whole and byte by byte); every frame
/// found must encode back to the bytes it came from.
pub fn run(data: &[u8]) {
    let _ = WrapperHeader::parse(data);
    if let Ok(f) = WrapperFrame::parse(data) {
        let mut out = Vec::new();
        f.encode(&mut out);
        assert_eq!(out, data, "whole frame round trip");
    }
    if let Ok(Status::Complete((used, f))) = parse_frame(data) {
        assert_eq!(f.buffer_len(), used);
        let mut buf = vec![0u8; used];
        assert_eq!(f.emit(&mut buf), Ok(used));
        assert_eq!(
            Some(buf.as_slice()),
            data.get(..used),
            "streamed frame round trip"
        );
    }
    let mut whole = WrapperDecoder::new();
    whole.feed(data);
    let mut a = Vec::new();
    while let Some(item) = whole.next_frame() {
        a.push(item);
    }
    let mut bytewise = WrapperDecoder::new();
    let mut b = Vec::new();
    for byte in data {
        bytewise.feed(core::slice::from_ref(byte));
        while let Some(item) = bytewise.next_frame() {
            b.push(item);
        }
    }
    // A version error drops the buffer, so chunking may differ after one; before it, the
    // frames are the same.
    let ok_a: Vec<_> = a.iter().take_while(|r| r.is_ok()).collect();
    let ok_b: Vec<_> = b.iter().take_while(|r| r.is_ok()).collect();
    assert_eq!(ok_a, ok_b, "chunking does not change the frames");
}
