//! `--format json`: the report as versioned JSON (docs/json.md).

use std::io::{self, Write};

use serde_json::ser::Formatter;

use crate::{LintReport, Render, RenderLint, Report};

/// Pretty-printed JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // The printer makes many tiny writes: buffer them in a writer of a known type, so each is an inlined
        // copy rather than a call through `dyn Write`.
        let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
        write_pretty(&mut buffered, report)?;
        buffered.write_all(b"\n")?;
        buffered.flush()
    }
}

impl RenderLint for Json {
    fn render_lint(&self, report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
        let mut buffered = io::BufWriter::new(out);
        write_pretty(&mut buffered, report)?;
        buffered.write_all(b"\n")?;
        buffered.flush()
    }
}

fn write_pretty<W: Write, T: serde::Serialize + ?Sized>(out: W, value: &T) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Pretty::default());
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// `serde_json`'s pretty layout (objects and arrays one entry per line, two spaces per level), writing each line
/// break and its indent in one call rather than one call per level.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A line break followed by enough indent for 64 levels.
const BREAK: [u8; 129] = {
    let mut bytes = [b' '; 129];
    bytes[0] = b'\n';
    bytes
};

fn line_break<W: ?Sized + Write>(out: &mut W, depth: usize) -> io::Result<()> {
    let mut indent = depth * 2;
    let first = indent.min(BREAK.len() - 1);
    out.write_all(&BREAK[..=first])?;
    indent -= first;
    while indent > 0 {
        let more = indent.min(BREAK.len() - 1);
        out.write_all(&BREAK[1..=more])?;
        indent -= more;
    }
    Ok(())
}

impl Pretty {
    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            line_break(out, self.depth)?;
        }
        out.write_all(bracket)
    }

    fn entry<W: ?Sized + Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        line_break(out, self.depth)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.entry(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.entry(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn lays_out_as_serde_json_pretty_does() {
        let mut deep = json!("leaf");
        for i in 0..70 {
            deep = if i % 2 == 0 { json!([deep, 1]) } else { json!({ "k": deep, "e": {} }) };
        }
        let value = json!({
            "empty_array": [],
            "empty_object": {},
            "text": "quote \" and \u{1} control",
            "numbers": [1, -2.5, null, true],
            "nested": [{ "a": [[]], "b": { "c": [{}] } }],
            "deep": deep,
        });
        let mut ours = Vec::new();
        super::write_pretty(&mut ours, &value).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string_pretty(&value).unwrap());
    }
}
