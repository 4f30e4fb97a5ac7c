//! Parser properties over real captured dumps: the same result for any thread count and piece size, no panic on
//! any cut or any bytes.

use std::path::{Path, PathBuf};

mod common;

use common::canonical;
use goroscope_dump::{ParseOptions, Snapshot, parse_bytes};
use proptest::prelude::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every captured dump in the repository.
fn fixtures() -> Vec<PathBuf> {
    let mut files = vec![repo().join("examples/demo-dump.txt")];
    let mut dirs = vec![repo().join("testdata/dumps")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn parse(bytes: &[u8], threads: usize, chunk_size: usize) -> Snapshot {
    parse_bytes("test", bytes, &ParseOptions { threads, chunk_size, progress: None }).unwrap()
}

#[test]
fn one_thread_and_many_give_identical_snapshots() {
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        if name.contains("debug1") || name.contains("json") {
            // Other formats: refused with a message naming them.
            let err = parse_bytes("x", &bytes, &ParseOptions::default()).unwrap_err();
            assert!(matches!(err, goroscope_dump::DumpError::UnsupportedFormat { .. }), "{name}: {err}");
            continue;
        }
        assert_eq!(parse(&bytes, 1, 1 << 20).warnings.count, 0, "{} parses without warnings", path.display());
        let reference = canonical(&parse(&bytes, 1, 1 << 20));
        for (threads, chunk) in [(2, 1 << 10), (4, 4 << 10), (3, 1 << 20), (8, 1 << 10)] {
            assert_eq!(
                canonical(&parse(&bytes, threads, chunk)),
                reference,
                "{} with {threads} threads",
                path.display()
            );
        }
    }
}

#[test]
fn crlf_line_endings_parse_like_lf() {
    let lf = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
    let crlf: Vec<u8> =
        lf.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect();
    let (a, b) = (parse(&lf, 2, 4 << 10), parse(&crlf, 2, 4 << 10));
    assert_eq!(canonical(&a)[..a.goroutines.len()], canonical(&b)[..b.goroutines.len()]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_piece_size_and_thread_count_agree(chunk in 1usize..64, threads in 1usize..5) {
        let bytes = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
        let reference = canonical(&parse(&bytes, 1, 1 << 20));
        prop_assert_eq!(canonical(&parse(&bytes, threads, chunk << 10)), reference);
    }

    #[test]
    fn any_cut_parses_without_panic(cut in 0usize..140_000) {
        let bytes = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
        let cut = cut.min(bytes.len());
        if let Ok(snapshot) = parse_bytes("cut", &bytes[..cut], &ParseOptions::default()) {
            prop_assert!(snapshot.goroutines.len() <= 289);
            if cut < bytes.len() && bytes[cut - 1] != b'\n' {
                prop_assert!(snapshot.truncated.is_some(), "a cut mid-line is reported");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_bytes("junk", &bytes, &ParseOptions { threads: 2, chunk_size: 1 << 10, progress: None });
    }

    #[test]
    fn mutated_dumps_never_panic(at in 0usize..130_000, junk in proptest::collection::vec(any::<u8>(), 1..64)) {
        let mut bytes = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
        let at = at.min(bytes.len());
        bytes.splice(at..at, junk);
        let _ = parse_bytes("mutated", &bytes, &ParseOptions { threads: 2, chunk_size: 2 << 10, progress: None });
    }
}

#[test]
fn batches_carry_records_over_their_boundaries() {
    // Ten copies of the demo dump (1.4 MB) are read in several 1 MiB batches.
    let one = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
    let mut bytes = Vec::new();
    for _ in 0..10 {
        bytes.extend_from_slice(&one);
        bytes.extend_from_slice(b"\n\n");
    }
    let whole = canonical(
        &parse_bytes("x", &bytes, &ParseOptions { threads: 1, chunk_size: 64 << 20, progress: None })
            .unwrap(),
    );
    for (threads, chunk) in [(1, 1 << 10), (2, 100 << 10), (4, 1 << 10)] {
        assert_eq!(
            canonical(&parse(&bytes, threads, chunk)),
            whole,
            "{threads} threads, {chunk} byte pieces"
        );
    }
}

#[test]
fn a_trailer_without_a_final_line_end_is_not_truncation() {
    let mut bytes = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
    bytes.extend_from_slice(b"\nexit status 2\nFAIL\texample.com/pkg\t600.123s");
    let snapshot = parse(&bytes, 2, 4 << 10);
    assert_eq!(snapshot.goroutines.len(), 289);
    assert_eq!(snapshot.truncated, None);
    // …but a frame line cut short is.
    let cut = b"goroutine 7 [chan send]:\nmain.f(0x1)\n\t/x/main.go:12 +0x2c\n\ngoroutine 8 [chan send]:\nmain.g(0xc0001";
    assert!(parse(cut, 1, 1 << 20).truncated.is_some());
}
