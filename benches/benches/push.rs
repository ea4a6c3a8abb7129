//! The push path of the customer interface: one 227-byte HDLC UI frame carrying a 15-value
//! data-notification, bytes to `Reading`; and the same push encrypted with security control
//! 0x30 and its GCM tag verified. Each with the reading dropped (allocating) and given back to
//! the listener (`recycle`, no allocation). Side by side: the `dlms_cosem` crate on the same
//! push, as far as it goes: it has no HDLC layer, so it is handed the APDU, which it parses to
//! its OBIS map. It has no encrypted case: it cannot verify a GCM tag, and it cannot read the
//! `81 xx` length of these general-glo-ciphering APDUs.
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

/// CPU time of this thread in nanoseconds (Linux `schedstat`), or `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds of CPU time per call of `f`: unlike wall time, not inflated when other
/// processes share the cores. Printed beside criterion's wall-clock numbers.
fn cpu_time_per_iter(name: &str, mut f: impl FnMut()) -> f64 {
    let Some(start) = thread_cpu_ns() else {
        return f64::NAN;
    };
    let mut iters = 0u64;
    while thread_cpu_ns().unwrap_or(u64::MAX) - start < 1_000_000_000 {
        for _ in 0..256 {
            f();
        }
        iters += 256;
    }
    let ns = (thread_cpu_ns().unwrap_or(0) - start) as f64 / iters as f64;
    println!("cpu-time {name}: {ns:.1} ns/iter");
    ns
}

/// The APDU inside a frame built by [`frame`]: after the LLC header, before the FCS and flag.
fn apdu_of(frame: &[u8]) -> &[u8] {
    let llc = frame
        .windows(3)
        .position(|w| w == [0xE6, 0xE7, 0x00])
        .unwrap();
    &frame[llc + 3..frame.len() - 3]
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
    let cosem_key = [0x11u8; 16];
    let header20 = SecurityHeader::new(*b"LGZ\x67\x73\x5D\xD3\xA9", 0x20, 707_715);
    let glo20 = GeneralGloCiphering::encrypt(
        &SuiteZeroCipher::new(&key),
        None,
        &header20,
        &notification(),
    )
    .unwrap();
    let encrypted20 = frame(&glo20);
    {
        let (_, apdu) = dlms_cosem::Apdu::parse(apdu_of(&plain)).unwrap();
        let (_, map) = dlms_cosem::ObisMap::parse(&apdu).unwrap();
        assert_eq!(map.len(), 15);
        // dlms_cosem 0.2 reads the A-XDR length `81 DE` of this general-glo-ciphering as 0x81
        // (it knows only the short and the `82` forms), so it cannot decrypt this push.
        let garbled = std::panic::catch_unwind(|| {
            dlms_cosem::Apdu::parse_encrypted(apdu_of(&encrypted20), &cosem_key.into()).is_ok()
        });
        assert!(!matches!(garbled, Ok(true)));
    }

    // `PUSH_BENCH_ITERS=N`: run N recycled plain and N verified decodes and stop, for
    // `perf stat -e cycles,instructions` (counts that do not depend on the machine's load).
    if let Some(n) = std::env::var("PUSH_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        let which = std::env::var("PUSH_BENCH_CASE").unwrap_or_default();
        let mut l = PushListener::new(PushConfig {
            key: Some(key.clone()),
            auth_key: Some(ak.clone()),
            template: None,
            replay_guard: false,
        });
        let input = match which.as_str() {
            "sc30" => &encrypted,
            "cosem" => {
                for _ in 0..n {
                    let (_, apdu) = dlms_cosem::Apdu::parse(black_box(apdu_of(&plain))).unwrap();
                    black_box(dlms_cosem::ObisMap::parse(&apdu).unwrap());
                }
                std::process::exit(0);
            }
            _ => &plain,
        };
        for _ in 0..n {
            l.feed(black_box(input));
            let Some(Ok(Message::Reading(r))) = l.next_message() else {
                panic!()
            };
            l.recycle(black_box(r));
        }
        std::process::exit(0);
    }

    // CPU time first (the machine may be shared): ours, recycled and not, then dlms_cosem.
    let mut l = PushListener::new(PushConfig::default());
    let ours = cpu_time_per_iter("push/ours_plain_recycled", || {
        l.feed(black_box(&plain));
        let Some(Ok(Message::Reading(r))) = l.next_message() else {
            panic!()
        };
        l.recycle(black_box(r));
    });
    cpu_time_per_iter("push/ours_plain_dropped", || {
        l.feed(black_box(&plain));
        black_box(l.next_message());
    });
    let theirs = cpu_time_per_iter("push/dlms_cosem_apdu_to_obismap", || {
        let (_, apdu) = dlms_cosem::Apdu::parse(black_box(apdu_of(&plain))).unwrap();
        black_box(dlms_cosem::ObisMap::parse(&apdu).unwrap());
    });
    println!(
        "cpu-time ratio dlms_cosem / ours (plain): {:.1}x",
        theirs / ours
    );
    let mut l = PushListener::new(PushConfig {
        key: Some(key.clone()),
        auth_key: Some(ak.clone()),
        template: None,
        replay_guard: false,
    });
    let ours = cpu_time_per_iter("push/ours_sc30_verified_recycled", || {
        l.feed(black_box(&encrypted));
        let Some(Ok(Message::Reading(r))) = l.next_message() else {
            panic!()
        };
        l.recycle(black_box(r));
    });
    let mut l20 = PushListener::new(PushConfig {
        key: Some(key.clone()),
        auth_key: None,
        template: None,
        replay_guard: false,
    });
    let ours20 = cpu_time_per_iter("push/ours_sc20_recycled", || {
        l20.feed(black_box(&encrypted20));
        let Some(Ok(Message::Reading(r))) = l20.next_message() else {
            panic!()
        };
        l20.recycle(black_box(r));
    });
    println!("cpu-time ours SC 0x30 verified {ours:.1} ns, SC 0x20 {ours20:.1} ns");

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
    g.bench_function("hdlc_frame_15_values_to_reading_recycled", |b| {
        b.iter(|| {
            listener.feed(black_box(&plain));
            let Some(Ok(Message::Reading(r))) = listener.next_message() else {
                panic!()
            };
            listener.recycle(black_box(r));
        });
    });
    g.bench_function("dlms_cosem_apdu_to_obismap", |b| {
        b.iter(|| {
            let (_, apdu) = dlms_cosem::Apdu::parse(black_box(apdu_of(&plain))).unwrap();
            dlms_cosem::ObisMap::parse(&apdu).unwrap()
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
    g.bench_function("hdlc_frame_sc30_tag_verified_to_reading_recycled", |b| {
        b.iter(|| {
            listener.feed(black_box(&encrypted));
            let Some(Ok(Message::Reading(r))) = listener.next_message() else {
                panic!()
            };
            listener.recycle(black_box(r));
        });
    });
    g.throughput(Throughput::Bytes(encrypted20.len() as u64));
    g.bench_function("hdlc_frame_sc20_to_reading_recycled", |b| {
        b.iter(|| {
            l20.feed(black_box(&encrypted20));
            let Some(Ok(Message::Reading(r))) = l20.next_message() else {
                panic!()
            };
            l20.recycle(black_box(r));
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
