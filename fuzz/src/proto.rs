//! `proto`: the pprof protobuf decoder. The input is decoded as a profile, and also gzipped (as
//! `/debug/pprof/goroutine?debug=0` serves it) and read back through the capped decompression, which must give the
//! same result. An input that is itself compressed is also read as the command reads a file: decompressed under
//! the cap, then detected and parsed.

use std::io::{Cursor, Write};

use flate2::Compression as Level;
use flate2::write::GzEncoder;
use goroscope_collect::{Compression, Limits, open_decompressed};
use goroscope_dump::{DumpError, InputFormat, ParseOptions, Snapshot, parse_input};

use crate::common::canonical;

/// Far below the command's 1 GiB default, so that a decompression bomb meets the cap rather than the fuzzer's
/// memory limit; the cap works the same at any size.
const CAP: Limits = Limits { max_bytes: 16 << 20 };

pub fn check(data: &[u8]) {
    let options = ParseOptions::default();
    let raw = outcome(parse_input("fuzz", data, Some(InputFormat::Proto), &options));
    let mut gz = GzEncoder::new(Vec::new(), Level::fast());
    gz.write_all(data).expect("writing to memory");
    let gz = gz.finish().expect("writing to memory");
    assert_eq!(raw, decompress_and_parse(gz, Some(InputFormat::Proto)), "the profile (left) vs it gzipped");
    if Compression::sniff(data) != Compression::None {
        let _ = decompress_and_parse(data.to_vec(), None);
    }
}

fn decompress_and_parse(bytes: Vec<u8>, format: Option<InputFormat>) -> Result<Vec<Vec<String>>, String> {
    let reader = open_decompressed(Cursor::new(bytes), &CAP).map_err(|e| e.to_string())?;
    outcome(parse_input("fuzz", reader, format, &ParseOptions::default()))
}

fn outcome(result: Result<Vec<Snapshot>, DumpError>) -> Result<Vec<Vec<String>>, String> {
    result.map(|snapshots| snapshots.iter().map(canonical).collect()).map_err(|e| e.to_string())
}
