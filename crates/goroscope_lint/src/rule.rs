//! A rule: its code, name and doc (the `//!` comment of its file, kept as data), and the check it runs on the
//! syntax nodes it asks for.

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};

/// The sections every rule's doc has, in order. A test fails when one is missing or empty.
pub const DOC_SECTIONS: [&str; 6] =
    ["What it does", "Why is this bad?", "Example", "Use instead", "Known problems", "References"];

/// One lint rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, e.g. `GL001`. Codes are never reused.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `unreceived-send`.
    pub name: &'static str,
    /// One line saying what the rule finds.
    pub summary: &'static str,
    /// Severity of its findings before any Go-version adjustment.
    pub severity: Severity,
    /// Preview rules run only with `--preview`: their precision on real code is not yet good enough.
    pub preview: bool,
    /// The syntax node kinds the check is called on.
    pub(crate) kinds: &'static [&'static str],
    /// Looks at one node of a listed kind and pushes findings.
    pub(crate) check: fn(&Context<'_, '_>, Node<'_>, &mut Vec<Finding>),
    /// The source file of the rule; its leading `//!` comment is the doc.
    pub(crate) source: &'static str,
}

impl Rule {
    /// The rule's documentation in Markdown: the `//!` comment of its file.
    pub fn doc(&self) -> String {
        let mut doc = String::new();
        for line in self.source.lines().take_while(|l| l.starts_with("//!")) {
            let line = line.trim_start_matches("//!");
            doc.push_str(line.strip_prefix(' ').unwrap_or(line));
            doc.push('\n');
        }
        doc
    }

    /// The text of one `## Title` section of the doc, trimmed; `None` when the section is missing or empty.
    pub fn section(&self, title: &str) -> Option<String> {
        let doc = self.doc();
        let heading = format!("## {title}\n");
        let start = doc.find(&heading)? + heading.len();
        let end = doc[start..].find("\n## ").map_or(doc.len(), |i| start + i);
        let body = doc[start..end].trim();
        (!body.is_empty()).then(|| body.to_owned())
    }

    /// The documentation's first paragraph of "What it does", in one line, for SARIF's short description.
    pub fn short_description(&self) -> &'static str {
        self.summary
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.code == other.code
    }
}

impl Eq for Rule {}
