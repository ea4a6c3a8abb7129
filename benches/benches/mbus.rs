//! M-Bus: typed decode of every record of the 76 libmbus test frames, side by side with the
//! `m-bus-parser` crate on the same frames in the same run.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn frames() -> Vec<Vec<u8>> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/mbus/libmbus/test-frames");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "hex").then_some(p)
        })
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .split_whitespace()
                .map(|t| u8::from_str_radix(t, 16).unwrap())
                .collect()
        })
        .collect()
}

/// Decodes one frame with `mbus`: link layer, header, every record with its value scaled.
fn ours(bytes: &[u8]) -> usize {
    let rsp = mbus::Response::parse(bytes, mbus::DecodeOptions::LENIENT).unwrap();
    let mut n = 0;
    if let mbus::UserData::Variable(vd) = rsp.data {
        black_box(vd.header);
        for r in vd.records() {
            let r = r.unwrap();
            black_box(r.scaled());
            black_box(r.value);
            n += 1;
        }
    } else {
        black_box(rsp.data);
        n += 2;
    }
    n
}

/// The same with `m-bus-parser`: link layer, application layer, every record collected.
fn theirs(bytes: &[u8]) -> usize {
    let mut n = 0;
    if let Ok(m_bus_parser::WiredFrame::LongFrame { data, .. }) =
        m_bus_parser::WiredFrame::try_from(bytes)
        && let Ok(ud) = m_bus_parser::user_data::parse_application_layer(data)
    {
        if let Some(records) = ud.data_records() {
            for r in records {
                let _ = black_box(r);
                n += 1;
            }
        } else {
            black_box(&ud);
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let frames = frames();
    let bytes: usize = frames.iter().map(Vec::len).sum();
    let ours_records: usize = frames.iter().map(|f| ours(f)).sum();
    let theirs_records: usize = frames.iter().map(|f| theirs(f)).sum();
    println!(
        "{} frames, {bytes} bytes; records decoded: mbus {ours_records}, m-bus-parser {theirs_records}",
        frames.len()
    );
    // On a shared machine the minimum of many interleaved passes is the stable figure.
    let (mut best_ours, mut best_theirs) = (Duration::MAX, Duration::MAX);
    for _ in 0..2000 {
        let t = Instant::now();
        black_box(frames.iter().map(|f| ours(black_box(f))).sum::<usize>());
        best_ours = best_ours.min(t.elapsed());
        let t = Instant::now();
        black_box(frames.iter().map(|f| theirs(black_box(f))).sum::<usize>());
        best_theirs = best_theirs.min(t.elapsed());
    }
    println!(
        "minimum of 2000 interleaved passes: mbus {best_ours:?}, m-bus-parser {best_theirs:?} ({:.2}x)",
        best_theirs.as_secs_f64() / best_ours.as_secs_f64()
    );
    let mut g = c.benchmark_group("mbus/libmbus-76-frames");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("mbus", |b| {
        b.iter(|| frames.iter().map(|f| ours(black_box(f))).sum::<usize>())
    });
    g.bench_function("m-bus-parser", |b| {
        b.iter(|| frames.iter().map(|f| theirs(black_box(f))).sum::<usize>())
    });
    g.finish();

    // the encoder: every record of the 76 frames written again from its `RecordRepr`
    let reprs: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| {
            let rsp = mbus::Response::parse(f, mbus::DecodeOptions::LENIENT).unwrap();
            let mut out = Vec::new();
            if let mbus::UserData::Variable(vd) = rsp.data {
                for r in vd.records() {
                    let _ = r.unwrap().repr().encode(&mut out);
                }
            }
            out
        })
        .collect();
    let encoded: usize = reprs.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("mbus/encode-records");
    g.throughput(Throughput::Bytes(encoded as u64));
    let opts = mbus::DecodeOptions {
        plain_text: mbus::PlainTextOrder::VifeFirst,
        ..mbus::DecodeOptions::LENIENT
    };
    g.bench_function("decode+emit", |b| {
        let mut buf = [0u8; 256];
        b.iter(|| {
            let mut total = 0usize;
            for f in &reprs {
                for r in mbus::Records::new(black_box(f), opts) {
                    let r = r.unwrap();
                    total += r.repr().emit(&mut buf).unwrap_or(0);
                }
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
