//! Fuzz target `data`: A-XDR `Data`, owned and borrowed.

use dlms::{Data, DataRef, DecodeLimits};

/// Decodes arbitrary bytes as `Data` and `DataRef`; whatever decodes must re-encode to bytes
/// that decode to the same encoding, and the two decoders must agree.
pub fn run(bytes: &[u8]) {
    let owned = Data::parse(bytes);
    let view = DataRef::parse(bytes);
    if let Ok(d) = &owned {
        let enc = d.to_vec().expect("a decoded value re-encodes");
        assert_eq!(enc.len(), d.buffer_len());
        let again = Data::parse(&enc).expect("a re-encoded value decodes");
        assert_eq!(again.to_vec().expect("re-encodes"), enc);
        let v = view.expect("the view accepts what the owned decoder accepts");
        assert_eq!(v.to_data().to_vec().expect("re-encodes"), enc);
        let _ = d.to_string();
        let _ = v.to_string();
    }
    let tight = DecodeLimits {
        max_depth: 3,
        max_elements: 50,
        max_size: 64,
    };
    let _ = Data::parse_with_limits(bytes, tight);
    let _ = DataRef::parse_with_limits(bytes, tight);
}
