//! What the analysis tests share.

use std::path::Path;

use goroscope_analyze::SourceLines;

/// Reads the programs' source from this checkout, wherever the dump was captured (`…/testdata/go/…`).
pub(crate) struct Disk;

impl SourceLines for Disk {
    fn line(&self, file: &str, line: u32) -> Option<String> {
        let relative = &file[file.find("testdata/go/")?..];
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative);
        let text = std::fs::read_to_string(path).ok()?;
        text.lines().nth(line.checked_sub(1)? as usize).map(str::to_owned)
    }
}
