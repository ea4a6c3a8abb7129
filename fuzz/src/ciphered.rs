//! Fuzz target `ciphered`: security suite 0 on arbitrary security headers and payloads.
//!
//! Input layout: security control (1) ‖ system title (8) ‖ invocation counter (4, big-endian)
//! ‖ payload (ciphertext ‖ tag). Shorter inputs are ignored. The same bytes are also tried as
//! a whole general-glo-ciphering APDU (`DB ...`) through the parsed-APDU methods.

use dlms::security::{
    Authentication, AuthenticationKey, Cipher, EncryptionKey, SecurityHeader, SuiteZeroCipher,
    lgz_hls_response, verify_lgz_hls,
};

/// The fixed keys of the target: the DLMS UA Green Book example keys, so the Green Book seeds
/// pass the tag check and reach the decryption path.
const EK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];
const AK: [u8; 16] = [
    0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
];

/// Decrypts arbitrary bytes with a fixed key (must never panic) and checks that protecting the
/// payload and unprotecting it again gives it back.
pub fn run(data: &[u8]) {
    if let Ok(g) = dlms::apdu::GeneralGloCiphering::parse(data) {
        let cipher = SuiteZeroCipher::new(&EncryptionKey::new(EK));
        let ak = AuthenticationKey::new(AK);
        let verified = g.decrypt(&cipher, Authentication::Key(&ak));
        let mut out = vec![0u8; g.ciphertext.len()];
        let into = g.decrypt_into(&cipher, Authentication::Key(&ak), &mut out);
        match (verified, into) {
            (Ok(d), Ok(o)) => assert_eq!(out.get(..o.len), Some(d.plaintext.as_slice())),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("decrypt and decrypt_into disagree on a parsed APDU"),
        }
        let _ = g.decrypt(&cipher, Authentication::Unauthenticated);
    }
    let Some((head, payload)) = data.split_at_checked(13) else {
        return;
    };
    let Ok(head) = <[u8; 13]>::try_from(head) else {
        return;
    };
    let [sc, t0, t1, t2, t3, t4, t5, t6, t7, c0, c1, c2, c3] = head;
    let title = [t0, t1, t2, t3, t4, t5, t6, t7];
    let header = SecurityHeader::new(title, sc, u32::from_be_bytes([c0, c1, c2, c3]));
    let cipher = SuiteZeroCipher::new(&EncryptionKey::new(EK));
    let ak = AuthenticationKey::new(AK);

    for auth in [Authentication::Key(&ak), Authentication::Unauthenticated] {
        let whole = cipher.decrypt(auth, &header, payload);
        if let Ok(d) = &whole {
            assert!(d.plaintext.len() <= payload.len());
            assert!(!d.authenticated || matches!(auth, Authentication::Key(_)));
        }
        // The allocation-free forms agree with the allocating one.
        let mut out = vec![0u8; payload.len()];
        let into = cipher.decrypt_into(auth, &header, payload, &mut out);
        let mut buf = payload.to_vec();
        let in_place = cipher.decrypt_in_place(auth, &header, &mut buf);
        match (&whole, into, in_place) {
            (Ok(d), Ok(a), Ok(b)) => {
                assert_eq!(out.get(..a.len), Some(d.plaintext.as_slice()));
                assert_eq!(buf.get(..b.len), Some(d.plaintext.as_slice()));
                assert_eq!(
                    (a.authenticated, b.authenticated),
                    (d.authenticated, d.authenticated)
                );
            }
            (Err(e), Err(a), Err(b)) => assert!(*e == a && a == b),
            _ => panic!("decrypt, decrypt_into and decrypt_in_place disagree"),
        }
    }

    // Round trip: what we protect, we unprotect.
    if let Ok(protected) = cipher.encrypt(Some(&ak), &header, payload) {
        let d = cipher
            .decrypt(Authentication::Key(&ak), &header, &protected)
            .unwrap_or_else(|e| panic!("round trip failed: {e}"));
        assert_eq!(d.plaintext, payload);
        assert_eq!(d.authenticated, sc & 0x10 != 0);
        let u = cipher
            .decrypt_unauthenticated(&header, &protected)
            .unwrap_or_else(|e| panic!("unauthenticated round trip failed: {e}"));
        assert_eq!(u.plaintext, payload);
    }

    // The authentication mechanisms on the same bytes.
    let _ = cipher.verify_hls_gmac(&ak, &title, payload, payload);
    let mut reply = [0u8; 64];
    if let Ok(n) = lgz_hls_response(&head, payload, &mut reply) {
        assert_eq!(
            verify_lgz_hls(&head, payload, reply.get(..n).unwrap_or(&[])),
            Ok(())
        );
    }
}
