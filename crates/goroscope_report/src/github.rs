//! `goroscope lint --format github`: GitHub Actions workflow commands, one annotation per finding, shown on the
//! pull request's diff.

use std::io::{self, Write};

use goroscope_lint::Severity;

use crate::{LintReport, RenderLint};

/// `::error file=…,line=…::message` lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Github;

impl RenderLint for Github {
    fn render_lint(&self, report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
        for f in &report.findings {
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                out,
                "::{command} title={},file={},line={},col={},endLine={},endColumn={}::{}",
                property(&format!("{} {}", f.code, f.rule)),
                property(&crate::text::slash_path(&f.path)),
                f.span.start.line,
                f.span.start.column,
                f.span.end.line,
                f.span.end.column,
                data(&f.message),
            )?;
        }
        for p in &report.problems {
            writeln!(
                out,
                "::warning file={}::{}",
                property(&crate::text::slash_path(&p.path)),
                data(&p.message)
            )?;
        }
        Ok(())
    }
}

/// Escapes the message of a workflow command.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a,b:c"), "a%2Cb%3Ac");
    }
}
