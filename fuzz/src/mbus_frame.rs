//! Fuzz target `mbus_frame`: the M-Bus link layer (streaming parse, emit, stream decoder) and
//! the decoding of whatever long frame comes out.

use mbus::{DecodeOptions, Frame, FrameDecoder, Response, Status, UserData, parse_frame};

/// Parses arbitrary bytes as M-Bus frames.
pub fn run(data: &[u8]) {
    if let Ok(Status::Complete((n, frame))) = parse_frame(data) {
        // a frame that parses emits to exactly the bytes it came from
        let mut out = [0u8; mbus::MAX_FRAME_LEN];
        let written = frame.emit(&mut out).expect("emit of a parsed frame");
        assert_eq!(written, n);
        assert_eq!(out.get(..n), data.get(..n));
        assert_eq!(Frame::parse(data.get(..n).unwrap_or_default()), Ok(frame));
        for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
            if let Ok(rsp) = Response::from_frame(&frame, opts)
                && let UserData::Variable(vd) = rsp.data
            {
                for r in vd.records().flatten() {
                    let _ = r.scaled();
                }
            }
        }
    }
    let _ = Frame::parse(data);
    // the stream decoder, fed in pieces whose size the first byte chooses
    let chunk = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut dec = FrameDecoder::new();
    let mut ok = 0u64;
    let mut bad = 0u64;
    for piece in data.chunks(chunk) {
        let mut piece = piece;
        while !piece.is_empty() {
            let n = dec.feed(piece);
            piece = piece.get(n..).unwrap_or_default();
            while let Some(item) = dec.next_frame() {
                match item {
                    Ok(_) => ok += 1,
                    Err(_) => bad += 1,
                }
            }
        }
    }
    let stats = dec.stats();
    assert_eq!((stats.frames, stats.bad_frames), (ok, bad));
    assert!(dec.buffered() <= mbus::DECODER_CAPACITY);
}
