//! COSEM interface classes: a 2,880-row load profile buffer (30 days of 15-minute entries of
//! {date-time, double-long-unsigned, double-long-unsigned}, ~75 kB) decoded into typed rows,
//! straight from the bytes and through a `Data` tree.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dlms::Data;
use dlms::cosem::{Column, ProfileColumns};
use obis::{ScalerUnit, Unit};

/// The A-XDR bytes of the buffer attribute: array(2880) of structure(3).
fn profile_bytes(rows: u32) -> Vec<u8> {
    let mut out = vec![0x01, 0x82];
    out.extend_from_slice(&(rows as u16).to_be_bytes());
    let (mut import, mut export) = (12_000_000u32, 2_300_000u32);
    for i in 0..rows {
        let minutes = i * 15;
        let (day, hour, minute) = (1 + minutes / 1440, (minutes / 60) % 24, minutes % 60);
        out.extend_from_slice(&[
            0x02,
            0x03,
            0x09,
            0x0C,
            0x07,
            0xE8,
            0x04,
            day as u8,
            0xFF,
            hour as u8,
            minute as u8,
        ]);
        out.extend_from_slice(&[0x00, 0x00, 0xFF, 0xC4, 0x80]);
        import += 250 + i % 7;
        export += 40 + i % 3;
        out.push(0x06);
        out.extend_from_slice(&import.to_be_bytes());
        out.push(0x06);
        out.extend_from_slice(&export.to_be_bytes());
    }
    out
}

fn bench(c: &mut Criterion) {
    let bytes = profile_bytes(2880);
    let wh = ScalerUnit {
        scaler: 0,
        unit: Unit::WATT_HOUR,
    };
    let kwh = ScalerUnit {
        scaler: -3,
        unit: Unit::WATT_HOUR,
    };
    let columns = ProfileColumns::new(&[Column::DateTime, Column::Scaled(wh), Column::Scaled(kwh)]);
    assert_eq!(columns.decode_buffer(&bytes).unwrap().len(), 2880);

    let mut g = c.benchmark_group("cosem_profile_2880_rows");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("fast_path_table", |b| {
        b.iter(|| columns.decode_table(black_box(&bytes)).unwrap())
    });
    g.bench_function("fast_path_rows", |b| {
        b.iter(|| columns.decode_buffer(black_box(&bytes)).unwrap())
    });
    g.bench_function("via_data_tree", |b| {
        b.iter(|| {
            let d = Data::parse(black_box(&bytes)).unwrap();
            columns.rows(d.as_slice().unwrap()).unwrap()
        })
    });
    g.bench_function("data_parse_only", |b| {
        b.iter(|| Data::parse(black_box(&bytes)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
