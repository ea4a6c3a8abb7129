//! Security suite 0: decrypt and verify a 240-byte general-glo-ciphering APDU.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::security::{
    Authentication, AuthenticationKey, Cipher, EncryptionKey, SecurityHeader, SuiteZeroCipher,
};

/// Total size of the benchmarked APDU.
const APDU_LEN: usize = 240;

/// `DB 08 <title> 81 E4 30 <IC> <211 bytes ciphertext> <12 bytes tag>` (240 bytes).
fn apdu(cipher: &SuiteZeroCipher, ak: &AuthenticationKey) -> Vec<u8> {
    let title = *b"LGZ\x67\x73\x5D\xD3\xA9";
    let header = SecurityHeader::new(title, 0x30, 707_715);
    // A data-notification-like plaintext: 0F, invoke id, then A-XDR-looking filler.
    let plaintext: Vec<u8> = [0x0F, 0x00, 0x0A, 0xCC, 0x83, 0x0C]
        .into_iter()
        .chain((0u8..).take(205))
        .collect();
    let payload = cipher.encrypt(Some(ak), &header, &plaintext).unwrap();
    let mut apdu = vec![0xDB, 0x08];
    apdu.extend_from_slice(&title);
    apdu.extend_from_slice(&[0x81, (payload.len() + 5) as u8, 0x30]);
    apdu.extend_from_slice(&707_715u32.to_be_bytes());
    apdu.extend_from_slice(&payload);
    assert_eq!(apdu.len(), APDU_LEN);
    apdu
}

/// Cuts the security header off a general-glo-ciphering APDU with a `81 xx` length.
fn cut(apdu: &[u8]) -> (SecurityHeader, &[u8]) {
    let title: [u8; 8] = apdu[2..10].try_into().unwrap();
    let ic = u32::from_be_bytes(apdu[13..17].try_into().unwrap());
    (SecurityHeader::new(title, apdu[12], ic), &apdu[17..])
}

fn bench(c: &mut Criterion) {
    let ek =
        EncryptionKey::new(*b"\x5F\xDE\x26\xFE\x7A\x1A\x36\xB6\xE1\xC0\xBA\x04\x8F\xA9\xA0\x23");
    let ak = AuthenticationKey::new([0x7D; 16]);
    let cipher = SuiteZeroCipher::new(&ek);
    let apdu = apdu(&cipher, &ak);

    let mut g = c.benchmark_group("dlms_security");
    g.throughput(Throughput::Bytes(APDU_LEN as u64));
    g.bench_function("decrypt_verify_240_into", |b| {
        let mut out = [0u8; 256];
        b.iter(|| {
            let (header, payload) = cut(black_box(&apdu));
            cipher
                .decrypt_into(Authentication::Key(&ak), &header, payload, &mut out)
                .unwrap()
                .len
        })
    });
    g.bench_function("parse_decrypt_verify_240_into", |b| {
        let mut out = [0u8; 256];
        b.iter(|| {
            let g = dlms::apdu::GeneralGloCiphering::parse(black_box(&apdu)).unwrap();
            g.decrypt_into(&cipher, Authentication::Key(&ak), &mut out)
                .unwrap()
                .len
        })
    });
    g.bench_function("decrypt_verify_240_vec", |b| {
        b.iter(|| {
            let (header, payload) = cut(black_box(&apdu));
            cipher
                .decrypt(Authentication::Key(&ak), &header, payload)
                .unwrap()
        })
    });
    g.bench_function("decrypt_unauthenticated_240_into", |b| {
        let mut out = [0u8; 256];
        b.iter(|| {
            let (header, payload) = cut(black_box(&apdu));
            cipher
                .decrypt_into(Authentication::Unauthenticated, &header, payload, &mut out)
                .unwrap()
                .len
        })
    });
    g.bench_function("reject_tampered_240", |b| {
        let mut bad = apdu.clone();
        bad[100] ^= 1;
        let mut out = [0u8; 256];
        b.iter(|| {
            let (header, payload) = cut(black_box(&bad));
            cipher
                .decrypt_into(Authentication::Key(&ak), &header, payload, &mut out)
                .is_err()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("dlms_security_setup");
    g.bench_function("key_schedule", |b| {
        b.iter(|| SuiteZeroCipher::new(black_box(&ek)))
    });
    g.bench_function("one_shot_decrypt_verify_240", |b| {
        b.iter(|| {
            let (header, payload) = cut(black_box(&apdu));
            dlms::security::decrypt(
                &ek,
                Authentication::Key(&ak),
                &header.system_title,
                header.security_control,
                header.invocation_counter,
                payload,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
