//! `text`: the traceback parser, differential: one thread reading the input as one piece must give what three
//! threads give on 1 KiB pieces (the smallest the parser cuts), warnings and errors included.

use goroscope_dump::{DumpError, ParseOptions, Snapshot, parse_bytes};

use crate::common::canonical;

pub fn check(data: &[u8]) {
    let whole = parse_bytes("fuzz", data, &ParseOptions { threads: 1, chunk_size: 64 << 20, progress: None });
    let pieces = parse_bytes("fuzz", data, &ParseOptions { threads: 3, chunk_size: 1 << 10, progress: None });
    assert_eq!(outcome(&whole), outcome(&pieces), "one piece on one thread (left) vs 1 KiB pieces on three");
}

/// A parse's result in comparable form (errors by their message).
fn outcome(result: &Result<Snapshot, DumpError>) -> Result<Vec<String>, String> {
    result.as_ref().map(canonical).map_err(ToString::to_string)
}
