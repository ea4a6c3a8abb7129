//! OBIS parse, display and registry lookup.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    c.bench_function("obis/new", |b| {
        b.iter(|| obis::ObisCode::new(1, 0, 1, 8, 0, std::hint::black_box(255)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
