//! DLMS decoding: an E450-style push to `Data`, a block-transferred profile buffer, and the
//! `dlms_cosem` crate on the same push.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::cast_precision_loss
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::apdu::{Apdu, BlockResult, GetResponse, Reassembler};
use dlms::{Data, DataRef};

/// A flat-layout E450 push (Stromnetz Graz style): data-notification with a date-time header
/// and `structure { 15 × (octet-string(6) OBIS, value) }`.
fn push_212() -> Vec<u8> {
    let mut v = vec![0x0F, 0x00, 0x0A, 0xCC, 0x83, 0x0C];
    v.extend_from_slice(&[
        0x07, 0xE6, 0x02, 0x15, 0x01, 0x11, 0x25, 0x1E, 0xFF, 0x80, 0x00, 0x00,
    ]);
    v.extend_from_slice(&[0x02, 30]);
    let codes: [[u8; 6]; 15] = [
        [1, 0, 1, 8, 0, 255],
        [1, 0, 1, 8, 1, 255],
        [1, 0, 1, 8, 2, 255],
        [1, 0, 1, 7, 0, 255],
        [1, 0, 2, 8, 0, 255],
        [1, 0, 2, 8, 1, 255],
        [1, 0, 2, 8, 2, 255],
        [1, 0, 2, 7, 0, 255],
        [1, 0, 3, 8, 0, 255],
        [1, 0, 3, 8, 1, 255],
        [1, 0, 3, 8, 2, 255],
        [1, 0, 4, 8, 0, 255],
        [1, 0, 32, 7, 0, 255],
        [1, 0, 52, 7, 0, 255],
        [1, 0, 72, 7, 0, 255],
    ];
    for (i, c) in codes.iter().enumerate() {
        v.extend_from_slice(&[0x09, 0x06]);
        v.extend_from_slice(c);
        if i >= 12 {
            v.extend_from_slice(&[0x12, 0x00, 230]); // long-unsigned voltage
        } else {
            v.push(0x06);
            v.extend_from_slice(&(4_408_736u32 + i as u32).to_be_bytes());
        }
    }
    v
}

const ROWS: usize = 2880;
const BLOCKS: usize = 75;

/// A load profile buffer: `array(2880) of structure { date-time octet-string, u32, u32 }`.
fn profile() -> Vec<u8> {
    let mut v = vec![0x01, 0x82];
    v.extend_from_slice(&(ROWS as u16).to_be_bytes());
    for i in 0..ROWS {
        v.extend_from_slice(&[
            0x02,
            0x03,
            0x09,
            0x0C,
            0x07,
            0xE8,
            0x03,
            1 + (i / 96) as u8,
            0xFF,
        ]);
        v.extend_from_slice(&[
            ((i % 96) / 4) as u8,
            ((i % 4) * 15) as u8,
            0,
            0,
            0x80,
            0x00,
            0x00,
        ]);
        v.push(0x06);
        v.extend_from_slice(&(1_000_000 + i as u32 * 25).to_be_bytes());
        v.push(0x06);
        v.extend_from_slice(&(i as u32 * 3).to_be_bytes());
    }
    v
}

/// The profile cut into 75 GET-Response-with-datablock APDUs.
fn profile_blocks() -> Vec<Vec<u8>> {
    let p = profile();
    let size = p.len().div_ceil(BLOCKS);
    p.chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let last = i + 1 == BLOCKS;
            let mut a = vec![0xC4, 0x02, 0xC1, u8::from(last)];
            a.extend_from_slice(&(i as u32 + 1).to_be_bytes());
            a.extend_from_slice(&[0x00, 0x82]);
            a.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            a.extend_from_slice(chunk);
            a
        })
        .collect()
}

/// CPU time of this thread in nanoseconds (Linux `schedstat`), or `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds of CPU time per call of `f`: unlike wall time, not inflated when other
/// processes share the cores. Printed beside criterion's wall-clock numbers.
fn cpu_time_per_iter(name: &str, bytes: usize, mut f: impl FnMut()) {
    let Some(start) = thread_cpu_ns() else { return };
    let mut iters = 0u64;
    while thread_cpu_ns().unwrap_or(u64::MAX) - start < 1_500_000_000 {
        for _ in 0..64 {
            f();
        }
        iters += 64;
    }
    let ns = (thread_cpu_ns().unwrap_or(0) - start) as f64 / iters as f64;
    println!(
        "cpu-time {name}: {ns:.1} ns/iter, {:.2} ns/byte",
        ns / bytes as f64
    );
}

fn bench(c: &mut Criterion) {
    let push = push_212();
    assert!(matches!(
        Apdu::parse(&push).unwrap(),
        Apdu::DataNotification(_)
    ));
    let n = push.len();
    cpu_time_per_iter("push/apdu_owned", n, || {
        black_box(Apdu::parse(black_box(&push)).unwrap());
    });
    cpu_time_per_iter("push/dataref", n, || {
        black_box(dlms::apdu::DataNotificationRef::parse(black_box(&push)).unwrap());
    });
    cpu_time_per_iter("push/dlms_cosem", n, || {
        black_box(dlms_cosem::Apdu::parse(black_box(&push)).unwrap());
    });
    let mut g = c.benchmark_group("dlms/push");
    g.throughput(Throughput::Bytes(push.len() as u64));
    g.bench_function(format!("apdu_owned_{}B", push.len()), |b| {
        b.iter(|| Apdu::parse(black_box(&push)).unwrap())
    });
    g.bench_function(format!("dataref_{}B", push.len()), |b| {
        b.iter(|| dlms::apdu::DataNotificationRef::parse(black_box(&push)).unwrap())
    });
    g.bench_function(format!("dataref_to_data_{}B", push.len()), |b| {
        b.iter(|| {
            dlms::apdu::DataNotificationRef::parse(black_box(&push))
                .unwrap()
                .body
                .to_data()
        })
    });
    let (_, parsed) = dlms_cosem::Apdu::parse(&push).unwrap();
    assert!(matches!(parsed, dlms_cosem::Apdu::DataNotification(_)));
    g.bench_function(format!("dlms_cosem_{}B", push.len()), |b| {
        b.iter(|| dlms_cosem::Apdu::parse(black_box(&push)).unwrap())
    });
    g.finish();

    let blocks = profile_blocks();
    let total: usize = blocks.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("dlms/profile");
    g.throughput(Throughput::Bytes(total as u64));
    let mut reassembler = Reassembler::new(1 << 20);
    let mut run = |to_owned: bool| {
        let mut rows = 0;
        for b in &blocks {
            let Apdu::GetResponse(GetResponse::WithDataBlock { block, .. }) =
                Apdu::parse(b).unwrap()
            else {
                panic!()
            };
            let BlockResult::RawData(raw) = block.result else {
                panic!()
            };
            if let Some(all) = reassembler
                .push_block(block.block_number, block.last_block, raw)
                .unwrap()
            {
                rows = if to_owned {
                    Data::parse(all).unwrap().as_slice().unwrap().len()
                } else {
                    DataRef::parse(all).unwrap().len()
                };
            }
        }
        assert_eq!(rows, ROWS);
        rows
    };
    cpu_time_per_iter("profile/reassemble_decode_owned", total, || {
        black_box(run(true));
    });
    cpu_time_per_iter("profile/reassemble_decode_ref", total, || {
        black_box(run(false));
    });
    g.bench_function(format!("reassemble_decode_owned_{total}B"), |b| {
        b.iter(|| run(true))
    });
    g.bench_function(format!("reassemble_decode_ref_{total}B"), |b| {
        b.iter(|| run(false))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
