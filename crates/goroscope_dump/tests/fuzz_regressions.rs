//! Inputs the fuzz targets found bugs with (`fuzz_regressions/<target>/<case>`), each replayed through the check of
//! its target (`fuzz/src/<target>.rs`, included here): a new file is a new case.

// The included modules are public in the fuzz crate, where the targets call them.
#![allow(unreachable_pub)]

use std::path::Path;

mod common;

#[path = "../../../fuzz/src/debug1.rs"]
mod debug1;
#[path = "../../../fuzz/src/detect.rs"]
mod detect;
#[path = "../../../fuzz/src/log.rs"]
mod log;
#[path = "../../../fuzz/src/text.rs"]
mod text;

#[test]
fn every_input_fuzzing_found_passes_its_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut cases = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_str().unwrap().to_owned();
        let check: fn(&[u8]) = match name.as_str() {
            "debug1" => debug1::check,
            "detect" => detect::check,
            "log" => log::check,
            "text" => text::check,
            other => panic!("no fuzz target {other} reads this crate's input"),
        };
        for case in std::fs::read_dir(&target).unwrap() {
            let case = case.unwrap().path();
            let data = std::fs::read(&case).unwrap();
            assert!(std::panic::catch_unwind(|| check(&data)).is_ok(), "{name}: {} fails", case.display());
            cases += 1;
        }
    }
    assert!(cases > 0, "no case found in {}", root.display());
}
