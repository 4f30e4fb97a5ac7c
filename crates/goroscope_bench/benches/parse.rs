//! Parser throughput (bytes/s) with one and two threads, and analysis time, over a dump built from the real
//! demo dump repeated to about 32 MiB (goroutine ids renumbered so that every goroutine is distinct).
//!
//! Also `parse_input` on the 100k-goroutine profiles in the counted formats (`debug=1` text and the `debug=0`
//! proto, decompressed before timing) that `scripts/bench-formats.sh` writes to `target/bench-dumps/` (or
//! `$BENCH_DUMPS`). Those benchmarks are skipped, with a note, when the files are absent.

use std::fmt::Write;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use goroscope_analyze::{Options, analyze};
use goroscope_dump::{ParseOptions, parse_bytes, parse_input};

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
    group.throughput(Throughput::Elements(snapshot.goroutine_count()));
    group.sample_size(10);
    group.bench_function("group and score", |b| {
        b.iter(|| analyze(black_box(&snapshot), &Options::default(), None));
    });
    group.finish();
}

fn bench_dumps() -> PathBuf {
    std::env::var_os("BENCH_DUMPS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench-dumps")),
        PathBuf::from,
    )
}

/// The bytes `parse_input` sees for one profile: the file itself, or its content decompressed with `gzip -dc`
/// (as goroscope decompresses `.gz` before detection). `None`, after a note, when the file is absent.
fn counted_input(name: &str) -> Option<Vec<u8>> {
    let path = bench_dumps().join(name);
    if !path.is_file() {
        println!(
            "skipping parse_input on {name}: {} is absent (run scripts/bench-formats.sh)",
            path.display()
        );
        return None;
    }
    if path.extension().is_none_or(|ext| ext != "gz") {
        return Some(std::fs::read(&path).unwrap());
    }
    let out =
        Command::new("gzip").arg("-dc").arg(&path).output().expect("gzip -dc (to decompress the profile)");
    assert!(
        out.status.success(),
        "gzip -dc {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

fn counted(c: &mut Criterion) {
    for name in ["goroutine-100k-debug1.txt", "goroutine-100k.pb.gz"] {
        let Some(bytes) = counted_input(name) else { continue };
        let mut group = c.benchmark_group("parse_input");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(20);
        group.bench_function(name, |b| {
            let options = ParseOptions::default();
            b.iter(|| parse_input("bench", black_box(&bytes[..]), None, &options).unwrap());
        });
        group.finish();
    }
}

criterion_group!(benches, parse, counted);
criterion_main!(benches);
