//! OBIS: parse (every textual form and the octet string), display, registry lookup, describe.
#![allow(missing_docs, clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use obis::{ObisCode, describe, registry};

/// A `fmt::Write` sink into a stack buffer (no allocation).
struct StackBuf {
    buf: [u8; 128],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The codes of an EKZ push, in canonical text.
const PUSH_CODES: &[&str] = &[
    "0-8:25.9.0*255",
    "0-0:42.0.0*255",
    "0-0:96.1.1*255",
    "0-0:1.0.0*255",
    "1-1:1.8.0*255",
    "1-1:2.8.0*255",
    "1-1:3.8.0*255",
    "1-1:4.8.0*255",
    "1-0:1.7.0*255",
    "1-0:2.7.0*255",
    "1-0:32.7.0*255",
    "1-0:52.7.0*255",
    "1-0:72.7.0*255",
    "1-0:31.7.0*255",
    "1-0:51.7.0*255",
    "1-0:71.7.0*255",
];

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("obis/parse");
    for (name, text) in [
        ("canonical", "1-0:32.7.0*255"),
        ("dotted_f", "1-0:32.7.0.255"),
        ("six_dotted", "1.0.32.7.0.255"),
        ("without_f", "1-0:32.7.0"),
        ("short", "32.7.0"),
        ("hex", "0100200700FF"),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(text).parse::<ObisCode>().unwrap())
        });
    }
    let bytes = [1u8, 0, 32, 7, 0, 255];
    group.throughput(Throughput::Bytes(6));
    group.bench_function("octet_string", |b| {
        b.iter(|| ObisCode::parse(black_box(&bytes[..])).unwrap())
    });
    let total: usize = PUSH_CODES.iter().map(|t| t.len()).sum();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("ekz_push_16_codes", |b| {
        b.iter(|| {
            for text in PUSH_CODES {
                black_box(black_box(*text).parse::<ObisCode>().unwrap());
            }
        })
    });
    group.finish();
}

fn display(c: &mut Criterion) {
    let mut group = c.benchmark_group("obis/display");
    let code = ObisCode::new(1, 0, 32, 7, 0, 255);
    group.throughput(Throughput::Bytes(14));
    group.bench_function("canonical_fmt", |b| {
        b.iter(|| {
            let mut sink = StackBuf {
                buf: [0; 128],
                len: 0,
            };
            write!(sink, "{}", black_box(code)).unwrap();
            black_box(sink.len)
        })
    });
    group.bench_function("canonical_write_canonical", |b| {
        b.iter(|| {
            let mut buf = [0u8; ObisCode::MAX_TEXT_LEN];
            black_box(black_box(code).write_canonical(&mut buf).len())
        })
    });
    group.bench_function("dotted_fmt", |b| {
        b.iter(|| {
            let mut sink = StackBuf {
                buf: [0; 128],
                len: 0,
            };
            write!(sink, "{:#}", black_box(code)).unwrap();
            black_box(sink.len)
        })
    });
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("obis/registry");
    let codes: Vec<ObisCode> = PUSH_CODES.iter().map(|t| t.parse().unwrap()).collect();
    group.throughput(Throughput::Bytes(6));
    let voltage = ObisCode::new(1, 0, 32, 7, 0, 255);
    group.bench_function("lookup_hit", |b| {
        b.iter(|| registry::lookup(black_box(voltage)).unwrap())
    });
    let missing = ObisCode::new(1, 0, 32, 7, 9, 255);
    group.bench_function("lookup_miss", |b| {
        b.iter(|| registry::lookup(black_box(missing)))
    });
    let swiss = ObisCode::new(1, 1, 1, 8, 1, 255);
    group.bench_function("lookup_tolerant_channel_b", |b| {
        b.iter(|| registry::lookup_tolerant(black_box(swiss)).unwrap())
    });
    group.throughput(Throughput::Bytes(6 * codes.len() as u64));
    group.bench_function("quantity_of_ekz_push_16_codes", |b| {
        b.iter(|| {
            for &code in &codes {
                black_box(obis::Quantity::of(black_box(code)));
            }
        })
    });
    let pattern: registry::ObisPattern = "0-b:24.2.1*255".parse().unwrap();
    group.throughput(Throughput::Elements(registry::ENTRIES.len() as u64));
    group.bench_function("matching_pattern", |b| {
        b.iter(|| registry::matching(black_box(&pattern)).count())
    });
    group.finish();
}

fn describe_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("obis/describe");
    let energy = ObisCode::new(1, 1, 1, 8, 1, 255);
    group.throughput(Throughput::Bytes(6));
    group.bench_function("structure", |b| b.iter(|| describe(black_box(energy))));
    group.bench_function("text_to_stack_buffer", |b| {
        b.iter(|| {
            let mut sink = StackBuf {
                buf: [0; 128],
                len: 0,
            };
            write!(sink, "{}", describe(black_box(energy))).unwrap();
            black_box(sink.len)
        })
    });
    group.finish();
}

criterion_group!(benches, parse, display, lookup, describe_bench);
criterion_main!(benches);
