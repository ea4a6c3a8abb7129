//! Properties: no input makes the module panic; protect → unprotect is the identity.

extern crate std;

use crate::security::*;
#[cfg(feature = "security")]
use alloc::vec::Vec;
use proptest::prelude::*;

proptest! {
    #[test]
    fn key_and_title_text_never_panic(s in ".{0,48}", h in "[0-9a-fA-F :-]{0,40}") {
        let _ = s.parse::<EncryptionKey>();
        let _ = s.parse::<SystemTitle>();
        let _ = h.parse::<AuthenticationKey>();
        let _ = h.parse::<SystemTitle>();
    }

    #[test]
    fn key_hex_round_trip(bytes in any::<[u8; 16]>()) {
        let text: std::string::String = bytes.iter().map(|b| std::format!("{b:02x}")).collect();
        let key: EncryptionKey = text.parse().unwrap();
        prop_assert_eq!(key.as_bytes(), &bytes);
    }

    #[test]
    fn lgz_hls_never_panics_and_verifies(
        password in proptest::collection::vec(any::<u8>(), 0..80),
        challenge in proptest::collection::vec(any::<u8>(), 0..80),
        out_len in 0usize..100,
    ) {
        let mut out = std::vec![0u8; out_len];
        if let Ok(n) = lgz_hls_response(&password, &challenge, &mut out) {
            prop_assert_eq!(n, challenge.len());
            prop_assert_eq!(verify_lgz_hls(&password, &challenge, &out[..n]), Ok(()));
        }
        let _ = verify_lgz_hls(&password, &challenge, &out);
        let _ = AuthenticationMechanism::from_mechanism_name(&challenge);
    }

    #[test]
    fn lgz_hls_is_digitwise_hex_addition(
        password in "[0-9]{0,16}",
        challenge in "[0-9A-F]{0,16}",
    ) {
        let mut out = [0u8; 16];
        let n = lgz_hls_response(password.as_bytes(), challenge.as_bytes(), &mut out).unwrap();
        for (i, c) in challenge.bytes().enumerate() {
            let v = u8::from_str_radix(core::str::from_utf8(&[c]).unwrap(), 16).unwrap();
            let d = password.as_bytes().get(i).map_or(0, |p| p - b'0');
            let r = u8::from_str_radix(core::str::from_utf8(&out[i..i + 1]).unwrap(), 16).unwrap();
            prop_assert_eq!(r, (v + d) % 16);
            prop_assert!(!out[i].is_ascii_lowercase());
        }
        prop_assert_eq!(n, challenge.len());
    }
}

#[cfg(feature = "security")]
fn security_control() -> impl Strategy<Value = u8> {
    // Authentication only, encryption only, both, none; suites 0 and 1; either key set.
    (
        prop_oneof![Just(0x10u8), Just(0x20), Just(0x30), Just(0x00)],
        0u8..2,
        any::<bool>(),
    )
        .prop_map(|(bits, suite, broadcast)| bits | suite | if broadcast { 0x40 } else { 0 })
}

#[cfg(feature = "security")]
proptest! {
    #[test]
    fn any_bytes_never_panic(
        sc in any::<u8>(),
        title in any::<[u8; 8]>(),
        ic in any::<u32>(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        out_len in 0usize..320,
    ) {
        let cipher = SuiteZeroCipher::new(&EncryptionKey::new([0x42; 16]));
        let ak = AuthenticationKey::new([0x24; 16]);
        let header = SecurityHeader::new(title, sc, ic);
        for auth in [Authentication::Key(&ak), Authentication::Unauthenticated] {
            if let Ok(d) = cipher.decrypt(auth, &header, &payload) {
                prop_assert!(d.plaintext.len() <= payload.len());
                if d.authenticated {
                    prop_assert!(matches!(auth, Authentication::Key(_)));
                }
            }
            let mut out = std::vec![0u8; out_len];
            let _ = cipher.decrypt_into(auth, &header, &payload, &mut out);
            let mut buf = payload.clone();
            let _ = cipher.decrypt_in_place(auth, &header, &mut buf);
        }
        let _ = cipher.encrypt(Some(&ak), &header, &payload);
        let mut out = std::vec![0u8; out_len];
        let _ = cipher.encrypt_into(None, &header, &payload, &mut out);
        let _ = cipher.verify_hls_gmac(&ak, &title, &payload, &payload);
    }

    #[test]
    fn protect_unprotect_round_trip(
        ek in any::<[u8; 16]>(),
        ak in any::<[u8; 16]>(),
        title in any::<[u8; 8]>(),
        ic in any::<u32>(),
        sc in security_control(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..600),
        flip in any::<(usize, u8)>(),
    ) {
        let cipher = SuiteZeroCipher::new(&EncryptionKey::new(ek));
        let ak = AuthenticationKey::new(ak);
        let header = SecurityHeader::new(title, sc, ic);
        let payload = cipher.encrypt(Some(&ak), &header, &plaintext).unwrap();
        prop_assert_eq!(payload.len(), header.payload_len(plaintext.len()));
        let tagged = sc & 0x10 != 0;

        let d = cipher.decrypt(Authentication::Key(&ak), &header, &payload).unwrap();
        prop_assert_eq!(&d.plaintext, &plaintext);
        prop_assert_eq!(d.authenticated, tagged);

        let u = cipher.decrypt_unauthenticated(&header, &payload).unwrap();
        prop_assert_eq!(&u.plaintext, &plaintext);
        prop_assert!(!u.authenticated);

        let mut out: Vec<u8> = std::vec![0u8; payload.len()];
        let n = cipher.encrypt_into(Some(&ak), &header, &plaintext, &mut out).unwrap();
        prop_assert_eq!(&out[..n], &payload[..]);
        let mut buf = payload.clone();
        let o = cipher.decrypt_in_place(Authentication::Key(&ak), &header, &mut buf).unwrap();
        prop_assert_eq!(&buf[..o.len], &plaintext[..]);

        // Any change to an authenticated payload is caught.
        if tagged {
            let (pos, bits) = flip;
            let mut bad = payload.clone();
            let i = pos % bad.len();
            bad[i] ^= bits.max(1);
            prop_assert_eq!(
                cipher.decrypt(Authentication::Key(&ak), &header, &bad),
                Err(SecurityError::TagMismatch)
            );
        }
    }
}
