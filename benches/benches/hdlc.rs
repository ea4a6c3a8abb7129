//! HDLC: the stream decoder over real E450 push frames, a byte-wise CRC-16 loop over the same
//! bytes as reference, and `Frame::emit`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hdlc::{Address, Control, Frame, FrameDecoder};

fn hex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The E450 push captures of `hdlc/testdata`, repeated to about 1 MB.
fn e450_stream() -> (Vec<u8>, u64) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../hdlc/testdata/");
    let mut one = Vec::new();
    for name in [
        "dlms_parser_hdlc_landis_gyr_e450",
        "dlms_parser_hdlc_lgz_e450_2",
    ] {
        one.extend(hex(
            &std::fs::read_to_string(format!("{dir}{name}.hex")).unwrap()
        ));
    }
    let mut stream = Vec::with_capacity(1 << 20);
    let mut frames = 0u64;
    while stream.len() < 1 << 20 {
        stream.extend_from_slice(&one);
        frames += 6;
    }
    (stream, frames)
}

/// CRC-16/X.25 one byte at a time with a 256-entry table: the reference loop.
fn crc_bytewise(table: &[u16; 256], data: &[u8]) -> u16 {
    let mut crc = 0xFFFFu16;
    for &b in data {
        crc = (crc >> 8) ^ table[usize::from((crc as u8) ^ b)];
    }
    !crc
}

fn table() -> [u16; 256] {
    let mut t = [0u16; 256];
    for (i, slot) in t.iter_mut().enumerate() {
        let mut c = i as u16;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x8408
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    t
}

fn bench(c: &mut Criterion) {
    let (stream, frames) = e450_stream();
    let t = table();
    assert_eq!(crc_bytewise(&t, b"123456789"), 0x906E);

    let mut g = c.benchmark_group("hdlc");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("decoder/e450_1MB_zero_copy", |b| {
        b.iter(|| {
            let mut d = FrameDecoder::new();
            let mut n = 0u64;
            let mut info = 0usize;
            let mut frames_it = d.decode(black_box(&stream));
            while let Some(item) = frames_it.next_frame() {
                info += item.unwrap().info.len();
                n += 1;
            }
            assert_eq!(n, frames);
            info
        })
    });
    g.bench_function("decoder/e450_1MB_chunks_4096", |b| {
        b.iter(|| {
            let mut d = FrameDecoder::new();
            let mut n = 0u64;
            for chunk in black_box(&stream).chunks(4096) {
                let mut it = d.decode(chunk);
                while let Some(item) = it.next_frame() {
                    item.unwrap();
                    n += 1;
                }
            }
            assert_eq!(n, frames);
        })
    });
    g.bench_function("decoder/e450_1MB_feed", |b| {
        b.iter(|| {
            let mut d = FrameDecoder::new();
            let mut n = 0u64;
            for chunk in black_box(&stream).chunks(4096) {
                d.feed(chunk);
                while let Some(item) = d.next_frame() {
                    item.unwrap();
                    n += 1;
                }
            }
            assert_eq!(n, frames);
        })
    });
    g.bench_function("crc16_bytewise_reference/e450_1MB", |b| {
        b.iter(|| crc_bytewise(&t, black_box(&stream)))
    });
    g.bench_function("crc16_slice16/e450_1MB", |b| {
        b.iter(|| hdlc::crc16(black_box(&stream)))
    });
    g.finish();

    let info = [0x5Au8; 128];
    let frame = Frame::new(
        Address::server(1, 17).unwrap(),
        Address::PUBLIC_CLIENT,
        Control::I {
            ns: 3,
            nr: 5,
            pf: true,
        },
        &info,
    );
    let mut buf = [0u8; 256];
    let mut g = c.benchmark_group("hdlc");
    g.throughput(Throughput::Bytes(frame.buffer_len() as u64));
    g.bench_function("frame_emit/i_frame_128", |b| {
        b.iter(|| black_box(&frame).emit(black_box(&mut buf)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
