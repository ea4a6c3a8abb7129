//! Fuzz target `obis`: textual OBIS parsing.

/// Parses arbitrary bytes as an OBIS code.
pub fn run(data: &[u8]) {
    if let Ok(bytes) = <[u8; 6]>::try_from(data) {
        let code = obis::ObisCode::from_bytes(bytes);
        assert_eq!(code.as_bytes(), &bytes);
    }
}
