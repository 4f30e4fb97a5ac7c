//! `debug1`: the pprof `debug=1` text parser, as `--input-format debug1` reaches it.

use goroscope_dump::{InputFormat, ParseOptions, parse_input};

pub fn check(data: &[u8]) {
    let _ = parse_input("fuzz", data, Some(InputFormat::CountText), &ParseOptions::default());
}
