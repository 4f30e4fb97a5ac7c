//! `log`: the extraction of dumps from logs (crash logs with line prefixes, JSON records, `go test` output, goleak
//! reports) and the parse of each dump found.

use goroscope_dump::{ParseOptions, parse_log};

pub fn check(data: &[u8]) {
    let _ = parse_log("fuzz", data, &ParseOptions { threads: 1, ..ParseOptions::default() });
}
