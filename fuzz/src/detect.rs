//! `detect`: format detection, then the parser of whatever format was detected, as the command reads a file.

use goroscope_dump::{ParseOptions, detect, parse_input};

pub fn check(data: &[u8]) {
    let _ = detect(data);
    let _ = parse_input("fuzz", data, None, &ParseOptions { threads: 1, ..ParseOptions::default() });
}
