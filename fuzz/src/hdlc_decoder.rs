//! Fuzz target `hdlc_decoder`: the stream decoder in any chunking.

use hdlc::{FrameDecoder, OwnedFrame};

/// The first byte picks a chunk size; the rest is the line. Both decoder APIs must agree, hold
/// at most one frame, and only yield frames whose bytes (checks included) are in the input.
pub fn run(data: &[u8]) {
    let Some((&first, line)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 64) + 1;
    let mut fed: Vec<Result<OwnedFrame, hdlc::Error>> = Vec::new();
    let mut zero_copy = Vec::new();
    let mut a = FrameDecoder::new();
    let mut b = FrameDecoder::with_limit(usize::from(first) * 8);
    let mut c = FrameDecoder::with_limit(usize::from(first) * 8);
    let mut limited = Vec::new();
    let mut limited_zc = Vec::new();
    for piece in line.chunks(chunk) {
        a.feed(piece);
        while let Some(item) = a.next_frame() {
            fed.push(item.map(|f| f.to_owned_frame()));
        }
        let mut frames = b.decode(piece);
        while let Some(item) = frames.next_frame() {
            limited_zc.push(item.map(|f| f.to_owned_frame()));
        }
        drop(frames);
        c.feed(piece);
        while let Some(item) = c.next_frame() {
            limited.push(item.map(|f| f.to_owned_frame()));
        }
        assert!(b.buffered() <= b.limit() + 2);
    }
    assert_eq!(limited, limited_zc);
    let mut whole = FrameDecoder::new();
    {
        let mut frames = whole.decode(line);
        while let Some(item) = frames.next_frame() {
            zero_copy.push(item.map(|f| f.to_owned_frame()));
        }
    }
    assert_eq!(fed, zero_copy);
    assert_eq!(a.stats(), whole.stats());
    for f in fed.iter().flatten() {
        let mut bytes = Vec::new();
        f.as_frame()
            .encode(&mut bytes)
            .expect("a decoded frame emits");
        let inner = &bytes[1..bytes.len() - 1];
        assert!(line.windows(inner.len()).any(|w| w == inner));
    }
}
