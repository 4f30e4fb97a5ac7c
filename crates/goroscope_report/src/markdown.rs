//! `--format markdown`: a summary for a CI step (GitHub's `$GITHUB_STEP_SUMMARY`, a pull-request comment): the
//! verdict, a table of suspects, and each suspect's evidence, fix and source in a folded section. Dump text is
//! escaped, since Markdown renders HTML.

use std::fmt::Write as _;
use std::io::{self, Write};

use goroscope_analyze::{Group, Level, Memory, Outcome, human_bytes};

use crate::text::{group_title, plural, shown_state, thousands};
use crate::{InputReport, Render, Report};

/// Markdown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Markdown;

impl Render for Markdown {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut md = String::new();
        match &report.gate {
            Some(gate) if gate.passed => md.push_str("## goroscope check: ✅ passed\n\n"),
            Some(_) => md.push_str("## goroscope check: ❌ failed\n\n"),
            None => md.push_str("## goroscope\n\n"),
        }
        if let Some(gate) = &report.gate {
            for limit in &gate.limits {
                let _ = writeln!(
                    md,
                    "- ❌ {}: {}",
                    escape(&report.inputs[limit.input].source),
                    escape(&limit.message)
                );
            }
            if !gate.limits.is_empty() {
                md.push('\n');
            }
        }
        for (index, input) in report.inputs.iter().enumerate() {
            write_input(report, index, input, &mut md);
        }
        if let Some(memory) = &report.memory {
            write_memory(memory, &mut md);
        }
        out.write_all(md.as_bytes())
    }
}

/// The memory verdict, its parts with their fixes, and the growing heap sites.
fn write_memory(m: &Memory, md: &mut String) {
    let _ =
        writeln!(md, "### Memory\n\n{}.\n", plural(m.points.len() as u64, "heap profile", "heap profiles"));
    if let Some(c) = &m.composition {
        let _ = writeln!(
            md,
            "Now: the Go runtime holds {} = heap {} + goroutine stacks {} + overhead {}{}.\n",
            human_bytes(c.go_runtime),
            human_bytes(c.heap),
            human_bytes(c.stacks),
            human_bytes(c.overhead),
            c.max_rss.map_or_else(String::new, |r| format!("; peak RSS {}", human_bytes(r)))
        );
    }
    if let Some(g) = &m.growth {
        let _ = writeln!(md, "**{}**\n", escape(&g.verdict));
        if g.significant && !g.parts.is_empty() {
            md.push_str("| share | growth | cause | what | fix |\n|---:|---:|---|---|---|\n");
            for part in &g.parts {
                let _ = writeln!(
                    md,
                    "| {:.0}% | {} | `{}` | {} | {} |",
                    part.share * 100.0,
                    crate::html::signed_bytes(part.bytes),
                    part.cause.as_str(),
                    escape(&part.title),
                    // Our own text, with code in backticks.
                    part.fix
                );
            }
            md.push('\n');
        }
    }
    for note in &m.notes {
        let _ = writeln!(md, "> {}\n", escape(note));
    }
}

fn write_input(report: &Report, input_index: usize, input: &InputReport, md: &mut String) {
    let s = &input.analysis.summary;
    let _ = writeln!(
        md,
        "### `{}`\n\n{} in {}: {} certain, {} likely, {} possible.\n",
        code(&input.source),
        plural(s.goroutines, "goroutine", "goroutines"),
        plural(s.groups, "group", "groups"),
        s.certain.groups,
        s.likely.groups,
        s.possible.groups
    );
    let suspects: Vec<(usize, &Group)> =
        input.analysis.groups.iter().enumerate().filter(|(_, g)| g.level != Level::Healthy).collect();
    if suspects.is_empty() {
        md.push_str("No leak suspects.\n\n");
        return;
    }
    md.push_str("| | Level | Goroutines | Waiting on | Where | Pattern |\n|---|---|---:|---|---|---|\n");
    for &(index, g) in &suspects {
        let mark = match report.outcome(input_index, index).map(|o| o.outcome) {
            Some(Outcome::Fail) => "❌",
            Some(Outcome::Ignored | Outcome::Baselined) => "➖",
            Some(Outcome::Pass) => "✅",
            None if g.level <= Level::Likely => "❌",
            None => "⚠️",
        };
        let pattern =
            g.pattern.and_then(|id| report.patterns.iter().find(|p| p.id == id)).map_or("", |p| p.title);
        let _ = writeln!(
            md,
            "| {mark} | {} | {} | {} | `{}` | {} |",
            g.level.as_str(),
            thousands(g.count),
            escape(&shown_state(g)),
            code(&group_title(g)),
            pattern
        );
    }
    md.push('\n');
    for &(index, g) in &suspects {
        details(report, input_index, index, g, md);
    }
}

/// One suspect folded: evidence, why, fix, the gate's reason, the source excerpt.
fn details(report: &Report, input: usize, index: usize, g: &Group, md: &mut String) {
    let _ = writeln!(
        md,
        "<details><summary><code>{}</code>: {} {}</summary>\n",
        html(&group_title(g)),
        thousands(g.count),
        g.level.as_str()
    );
    if let Some(outcome) = report.outcome(input, index) {
        let _ = writeln!(md, "**Gate:** {}\n", escape(&outcome.reason));
    }
    md.push_str("**Evidence:**\n\n");
    for e in &g.evidence {
        let _ = writeln!(md, "- {}", escape(&e.text));
    }
    if let Some(pattern) = g.pattern.and_then(|id| report.patterns.iter().find(|p| p.id == id)) {
        // The catalogue's own text, written in Markdown already.
        let _ = writeln!(md, "\n**Why:** {}\n\n**Fix:** {}", pattern.why, pattern.fix);
    }
    if let Some(excerpt) = &g.source {
        let _ = writeln!(md, "\n`{}`\n\n```go", code(&excerpt.file));
        for (n, line) in (excerpt.first_line..).zip(&excerpt.lines) {
            let mark = if n == excerpt.marked_line { "▶" } else { " " };
            // A fence inside the excerpt would end the block early.
            let _ = writeln!(md, "{mark}{n:>5}  {}", line.replace("```", "` ` `"));
        }
        md.push_str("```\n");
    }
    md.push_str("\n</details>\n\n");
}

/// Dump text in running Markdown: HTML and Markdown punctuation escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Dump text inside inline HTML, where Markdown escapes are not read.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Dump text inside a code span: backticks and table pipes cannot be escaped there, so they are replaced.
fn code(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '¦',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_text_cannot_inject_markup() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("a|b*c"), "a\\|b\\*c");
        assert_eq!(code("x`|y"), "x'¦y");
        assert_eq!(html("main.(*T[...]).f<\"x\">"), "main.(*T[...]).f&lt;&quot;x&quot;&gt;");
    }
}
