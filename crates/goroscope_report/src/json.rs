//! `--format json`: the report as versioned JSON (docs/json.md).

use std::io::{self, Write};

use crate::{Render, Report};

/// Pretty-printed JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        out.write_all(b"\n")
    }
}
