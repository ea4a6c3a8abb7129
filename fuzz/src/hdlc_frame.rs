//! Fuzz target `hdlc_frame`: the stateless frame parser, addresses and the parameter field.

use hdlc::{Address, Frame, Parameters, Status, parse_frame};

/// Parses arbitrary bytes as a frame; whatever parses must emit and parse back unchanged.
pub fn run(data: &[u8]) {
    if let Ok(Status::Complete((consumed, frame))) = parse_frame(data) {
        assert!(consumed < data.len());
        let mut buf = vec![0u8; frame.buffer_len()];
        let n = frame.emit(&mut buf).expect("a parsed frame emits");
        assert_eq!(n, buf.len());
        assert_eq!(Frame::parse(&buf).expect("an emitted frame parses"), frame);
    }
    let _ = Frame::parse(data);
    if let Ok(p) = Parameters::parse(data) {
        let mut buf = vec![0u8; p.buffer_len()];
        p.emit(&mut buf).expect("parameters emit");
        assert_eq!(Parameters::parse(&buf), Ok(p));
    }
    if let Ok(Some((a, n))) = Address::read(data, 0) {
        assert_eq!(a.buffer_len(), n);
        assert_eq!(Address::parse(a.emit_array().as_slice()), Ok(a));
    }
}
