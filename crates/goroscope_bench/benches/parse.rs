//! Parser throughput (bytes/s) with one and two threads, and analysis time, over a dump built from the real
//! demo dump repeated to about 32 MiB (goroutine ids renumbered so that every goroutine is distinct).

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use goroscope_analyze::{Options, analyze};
use goroscope_dump::{ParseOptions, parse_bytes};

fn big_dump() -> Vec<u8> {
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo-dump.txt")).unwrap();
    let text = String::from_utf8(demo).unwrap();
    let mut out = String::new();
    let mut next_id = 1u64;
    while out.len() < 32 << 20 {
        for record in text.split("\n\n") {
            let rest = record.strip_prefix("goroutine ").and_then(|r| r.split_once(' ')).map(|(_, r)| r);
            if let Some(rest) = rest {
                let _ = write!(out, "goroutine {next_id} {rest}\n\n");
                next_id += 1;
            }
        }
    }
    out.into_bytes()
}

fn parse(c: &mut Criterion) {
    let dump = big_dump();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(dump.len() as u64));
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_function(format!("{threads} thread(s)"), |b| {
            let options = ParseOptions { threads, ..ParseOptions::default() };
            b.iter(|| parse_bytes("bench", black_box(&dump), &options).unwrap());
        });
    }
    group.finish();

    let snapshot = parse_bytes("bench", &dump, &ParseOptions::default()).unwrap();
    let mut group = c.benchmark_group("analyze");
    group.throughput(Throughput::Elements(snapshot.goroutines.len() as u64));
    group.sample_size(10);
    group.bench_function("group and score", |b| {
        b.iter(|| analyze(black_box(&snapshot), &Options::default(), None));
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
