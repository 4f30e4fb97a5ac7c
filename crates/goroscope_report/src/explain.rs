//! `goroscope explain`: one catalogue entry for people, or the list of them.

use std::io::{self, Write};

use goroscope_analyze::{CATALOGUE, Pattern};
use owo_colors::{OwoColorize, Style};

/// Prose is wrapped at this width.
const WIDTH: usize = 100;

/// Writes one catalogue entry: its title, why it blocks, how to confirm it and the fix.
pub fn write_pattern(pattern: &Pattern, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let heading =
        |text: &str| if color { text.style(Style::new().bold()).to_string() } else { text.to_owned() };
    writeln!(out, "{} {}", heading(pattern.id.as_str()), pattern.title)?;
    for (title, text) in
        [("Why it blocks", pattern.why), ("How to confirm", pattern.confirm), ("Fix", pattern.fix)]
    {
        writeln!(out)?;
        writeln!(out, "{}", heading(title))?;
        for line in wrap(text, WIDTH - 2) {
            writeln!(out, "  {line}")?;
        }
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
        for section in ["Why it blocks", "How to confirm", "Fix", pattern.title] {
            assert!(shown.contains(section), "{section} in {shown}");
        }
        assert!(shown.lines().all(|l| l.chars().count() <= WIDTH), "{shown}");
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
