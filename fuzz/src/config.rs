//! `config`: the `goroscope.toml` reader. The binary crate's module is compiled in as it is: its `parse` takes
//! text and does no I/O; the rest of the module (finding and reading the file) is not called here.

#[allow(dead_code)]
#[path = "../../crates/goroscope/src/config.rs"]
mod file;

pub fn check(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = file::parse(text);
    }
}
