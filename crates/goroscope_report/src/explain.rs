//! `goroscope explain`: one catalogue entry for people, or the list of them.

use std::io::{self, Write};

use goroscope_analyze::{CATALOGUE, Example, Pattern};
use owo_colors::{OwoColorize, Style};
use serde::Serialize;

/// A catalogue entry as `goroscope explain --json` prints it: the entry reports carry, plus its Go example
/// (whole files, ready to compile).
#[derive(Debug, Serialize)]
pub struct Explained {
    /// The entry as in reports.
    #[serde(flatten)]
    pub pattern: &'static Pattern,
    /// The Go example that leaks and the same file fixed.
    pub example: Example,
}

impl Explained {
    /// The entry for `pattern`.
    pub fn new(pattern: &'static Pattern) -> Self {
        Explained { pattern, example: pattern.example }
    }
}

/// Prose is wrapped at this width.
const WIDTH: usize = 100;

/// Writes one catalogue entry: its title, why it blocks, how to confirm it, the fix, a Go example that leaks
/// and the same example fixed, and references.
pub fn write_pattern(pattern: &Pattern, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let heading =
        |text: &str| if color { text.style(Style::new().bold()).to_string() } else { text.to_owned() };
    writeln!(out, "{} {}", heading(pattern.id.as_str()), pattern.title)?;
    let why = if pattern.id.is_memory() { "Why it grows" } else { "Why it blocks" };
    for (title, text) in [(why, pattern.why), ("How to confirm", pattern.confirm), ("Fix", pattern.fix)] {
        writeln!(out, "\n{}", heading(title))?;
        for line in wrap(text, WIDTH - 2) {
            writeln!(out, "  {line}")?;
        }
    }
    for (title, file) in [("Example that leaks", pattern.example.leaks), ("Fixed", pattern.example.fixed)] {
        writeln!(out, "\n{}", heading(title))?;
        for line in Example::body(file).lines() {
            let line = line.replace('\t', "    ");
            let marked = color && (line.contains("// leaks") || line.contains("// fixed"));
            if line.is_empty() {
                writeln!(out)?;
            } else if marked {
                writeln!(out, "    {}", line.style(Style::new().yellow()))?;
            } else {
                writeln!(out, "    {line}")?;
            }
        }
    }
    writeln!(out, "\n{}", heading("References"))?;
    for reference in pattern.references {
        writeln!(out, "  {reference}")?;
    }
    Ok(())
}

/// Writes every pattern as `id  title`, aligned.
pub fn write_catalogue(color: bool, out: &mut dyn Write) -> io::Result<()> {
    let width = CATALOGUE.iter().map(|p| p.id.as_str().len()).max().unwrap_or(0);
    for p in CATALOGUE {
        let id = format!("{:<width$}", p.id.as_str());
        let id = if color { id.style(Style::new().bold()).to_string() } else { id };
        writeln!(out, "{id}  {}", p.title)?;
    }
    Ok(())
}

/// Words of `text` in lines of at most `width` characters (a longer word gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_entry_has_every_section_wrapped_and_plain_without_colour() {
        let pattern = &CATALOGUE[0];
        let shown = text(|out| write_pattern(pattern, false, out));
        for section in
            ["Why it blocks", "How to confirm", "Fix", "Example that leaks", "References", pattern.title]
        {
            assert!(shown.contains(section), "{section} in {shown}");
        }
        assert!(shown.contains("    func ") && shown.contains("// leaks") && shown.contains("// fixed"));
        assert!(!shown.contains('\t') && !shown.contains("\nimport") && !shown.contains("package "));
        for pattern in CATALOGUE {
            let shown = text(|out| write_pattern(pattern, false, out));
            assert!(shown.lines().all(|l| l.chars().count() <= WIDTH), "{shown}");
        }
        assert!(!shown.contains('\u{1b}'), "no escape codes without colour");
        assert!(text(|out| write_pattern(pattern, true, out)).contains('\u{1b}'));
    }

    #[test]
    fn the_list_names_every_pattern() {
        let list = text(|out| write_catalogue(false, out));
        assert_eq!(list.lines().count(), CATALOGUE.len());
        for p in CATALOGUE {
            assert!(list.contains(p.id.as_str()) && list.contains(p.title));
        }
    }
}
