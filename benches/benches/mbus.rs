//! M-Bus: typed decode of every record of the 76 libmbus test frames, side by side with the
//! `m-bus-parser` crate on the same frames in the same run.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

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
    let mut g = c.benchmark_group("mbus/libmbus-76-frames");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("mbus", |b| {
        b.iter(|| frames.iter().map(|f| ours(black_box(f))).sum::<usize>())
    });
    g.bench_function("m-bus-parser", |b| {
        b.iter(|| frames.iter().map(|f| theirs(black_box(f))).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
