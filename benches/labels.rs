//! Label PNGs (and SVGs) per second: `cargo bench --bench labels`.
//! Target (issue 3): at least 1,000 PNG labels a second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use daicho::labels::qr;
use std::hint::black_box;
use std::time::Instant;

fn labels(c: &mut Criterion) {
    let public = "https://daicho.city.edogawa.example.lg.jp";
    let tags: Vec<String> = (0..1000).map(|i| format!("EDG-SRV-{i:06}")).collect();
    let mut group = c.benchmark_group("labels");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("png", |b| {
        b.iter(|| {
            let tag = &tags[i % tags.len()];
            i += 1;
            black_box(qr::png(&qr::label_url(public, tag), tag).unwrap())
        })
    });
    group.bench_function("svg", |b| {
        b.iter(|| {
            let tag = &tags[i % tags.len()];
            i += 1;
            black_box(qr::svg(&qr::label_url(public, tag), tag).unwrap())
        })
    });
    group.finish();

    // A plain figure for the note: labels a second over a fixed run of 2,000 PNGs.
    let start = Instant::now();
    let mut bytes = 0usize;
    for n in 0..2000 {
        let tag = &tags[n % tags.len()];
        bytes += qr::png(&qr::label_url(public, tag), tag).unwrap().len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "label PNGs: {:.0}/s (2,000 in {:.2} s, {} bytes average; target ≥ 1,000/s)",
        2000.0 / secs,
        secs,
        bytes / 2000
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = labels
}
criterion_main!(benches);
