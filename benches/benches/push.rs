//! The push path of the customer interface: one 227-byte HDLC UI frame carrying a 15-value
//! data-notification, bytes to `Reading`; and the same push encrypted with security control
//! 0x30 and its GCM tag verified.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::apdu::GeneralGloCiphering;
use dlms::security::{AuthenticationKey, EncryptionKey, SecurityHeader, SuiteZeroCipher};
use e450::push::{Message, PushConfig, PushListener};

/// A data-notification with a header date-time and the flat OBIS/value layout: 13 registers
/// (double-long-unsigned), one voltage (long-unsigned) and the meter number (octet-string).
fn notification() -> Vec<u8> {
    let mut a = vec![0x0F, 0x00, 0x0A, 0xCC, 0x80, 0x0C];
    a.extend_from_slice(&[
        0x07, 0xE7, 0x0B, 0x0A, 0x05, 0x0A, 0x3A, 0x15, 0xFF, 0x80, 0x00, 0x00,
    ]);
    a.extend_from_slice(&[0x02, 30]);
    let registers: [[u8; 3]; 13] = [
        [1, 8, 0],
        [1, 8, 1],
        [1, 8, 2],
        [2, 8, 0],
        [2, 8, 1],
        [2, 8, 2],
        [3, 8, 0],
        [4, 8, 0],
        [1, 7, 0],
        [2, 7, 0],
        [31, 7, 0],
        [51, 7, 0],
        [71, 7, 0],
    ];
    for (i, [c, d, e]) in registers.iter().enumerate() {
        a.extend_from_slice(&[0x09, 0x06, 1, 0, *c, *d, *e, 0xFF, 0x06]);
        a.extend_from_slice(&(12_048_945u32 + i as u32 * 1_000).to_be_bytes());
    }
    a.extend_from_slice(&[0x09, 0x06, 1, 0, 32, 7, 0, 0xFF, 0x12, 0x00, 0xEB]);
    a.extend_from_slice(&[0x09, 0x06, 0, 0, 96, 1, 0, 0xFF, 0x09, 0x02]);
    a.extend_from_slice(b"42");
    a
}

fn frame(apdu: &[u8]) -> Vec<u8> {
    let mut info = vec![0xE6, 0xE7, 0x00];
    info.extend_from_slice(apdu);
    let f = hdlc::Frame::new(
        hdlc::Address::server(0x67, 0x7F).unwrap(),
        hdlc::Address::client(1).unwrap(),
        hdlc::Control::from_byte(0x13),
        &info,
    );
    let mut out = Vec::new();
    f.encode(&mut out).unwrap();
    out
}

fn bench(c: &mut Criterion) {
    let plain = frame(&notification());
    assert_eq!(plain.len(), 227);

    let key = EncryptionKey::new([0x11; 16]);
    let ak = AuthenticationKey::new([0x22; 16]);
    let header = SecurityHeader::new(*b"LGZ\x67\x73\x5D\xD3\xA9", 0x30, 707_715);
    let glo = GeneralGloCiphering::encrypt(
        &SuiteZeroCipher::new(&key),
        Some(&ak),
        &header,
        &notification(),
    )
    .unwrap();
    let encrypted = frame(&glo);

    let mut check = PushListener::new(PushConfig::default());
    check.feed(&plain);
    let first = check.next_message();
    assert!(matches!(first, Some(Ok(Message::Reading(_)))), "{first:?}");
    let mut g = c.benchmark_group("push");
    g.throughput(Throughput::Bytes(plain.len() as u64));
    let mut listener = PushListener::new(PushConfig::default());
    g.bench_function("hdlc_frame_15_values_to_reading", |b| {
        b.iter(|| {
            listener.feed(black_box(&plain));
            let Some(Ok(Message::Reading(r))) = listener.next_message() else {
                panic!()
            };
            black_box(r)
        });
    });
    g.throughput(Throughput::Bytes(encrypted.len() as u64));
    let mut listener = PushListener::new(PushConfig {
        key: Some(key.clone()),
        auth_key: Some(ak.clone()),
        template: None,
        replay_guard: false,
    });
    g.bench_function("hdlc_frame_sc30_tag_verified_to_reading", |b| {
        b.iter(|| {
            listener.feed(black_box(&encrypted));
            let Some(Ok(Message::Reading(r))) = listener.next_message() else {
                panic!()
            };
            assert_eq!(r.values.len(), 15);
            black_box(r)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
