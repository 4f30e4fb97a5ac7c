//! What a rule sees while it checks a node: the file, its package and module, and a way to build findings.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use crate::finding::{Finding, FunctionRef, Related};
use crate::module::Module;
use crate::rule::Rule;
use crate::syntax::{Call, FUNCTION_KINDS, Text, enclosing_function, named_children, runtime_name, walk};

/// A parsed Go file.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub(crate) path: std::path::PathBuf,
    pub(crate) source: Vec<u8>,
    pub(crate) tree: Tree,
}

/// The files of one package (one directory), parsed, and facts about them that rules share.
#[derive(Debug)]
pub(crate) struct Package<'p> {
    pub(crate) files: &'p [ParsedFile],
    facts: OnceLock<Facts>,
}

/// Names read anywhere in the package, for rules that ask "is this ever used elsewhere?".
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Field or method names read through a selector (`x.cancel`, `x.cancel()`), outside assignment targets.
    pub(crate) read_fields: HashSet<String>,
    /// Names of the functions and methods a `go` statement calls directly: `f` of `go f(…)`, `m` of
    /// `go x.m(…)`.
    pub(crate) started_with_go: HashSet<String>,
}

impl<'p> Package<'p> {
    pub(crate) fn new(files: &'p [ParsedFile]) -> Package<'p> {
        Package { files, facts: OnceLock::new() }
    }

    pub(crate) fn facts(&self) -> &Facts {
        self.facts.get_or_init(|| {
            let mut facts = Facts::default();
            for file in self.files {
                let text = Text::new(&file.source);
                walk(file.tree.root_node(), &mut |node| {
                    if node.kind() == "selector_expression"
                        && let Some(field) = node.child_by_field_name("field")
                        && !is_assignment_target(node)
                    {
                        facts.read_fields.insert(text.of(field).to_owned());
                    }
                    if node.kind() == "go_statement"
                        && let Some(call) = node.named_child(0).and_then(Call::of)
                    {
                        facts.started_with_go.insert(text.of(call.name).to_owned());
                    }
                    true
                });
            }
            facts
        })
    }

    /// The top-level function or method named `name` (`F`, or `M` of any receiver), with its file.
    pub(crate) fn function(&self, name: &str) -> Option<(&'p ParsedFile, Node<'p>)> {
        self.files.iter().find_map(|file| {
            let text = Text::new(&file.source);
            named_children(file.tree.root_node())
                .into_iter()
                .filter(|n| FUNCTION_KINDS[..2].contains(&n.kind()))
                .find(|n| n.child_by_field_name("name").is_some_and(|id| text.of(id) == name))
                .map(|n| (file, n))
        })
    }
}

/// Whether `node` is written to: the left side of `=`, `:=` or `op=`.
fn is_assignment_target(node: Node<'_>) -> bool {
    let Some(list) = node.parent().filter(|p| p.kind() == "expression_list") else { return false };
    list.parent().is_some_and(|statement| {
        matches!(statement.kind(), "assignment_statement" | "short_var_declaration")
            && statement.child_by_field_name("left") == Some(list)
    })
}

/// Everything a check may look at.
pub(crate) struct Context<'a, 'p> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a Text<'a>,
    pub(crate) module: &'a Module,
    pub(crate) package: &'a Package<'p>,
    pub(crate) rule: &'static Rule,
}

impl Context<'_, '_> {
    /// A finding of this rule at `node`, with the function around it filled in.
    pub(crate) fn finding(&self, node: Node<'_>, message: impl Into<String>) -> Finding {
        let function = enclosing_function(node).map(|f| FunctionRef {
            name: runtime_name(self.text, f),
            start_line: f.start_position().row as u32 + 1,
            end_line: f.end_position().row as u32 + 1,
        });
        Finding {
            code: self.rule.code,
            rule: self.rule.name,
            severity: self.rule.severity,
            path: self.path.to_owned(),
            span: self.text.span(node),
            message: message.into(),
            related: Vec::new(),
            function,
            fix: None,
            source: Vec::new(),
        }
    }

    /// A related location.
    pub(crate) fn related(&self, node: Node<'_>, label: impl Into<String>) -> Related {
        Related { label: label.into(), span: self.text.span(node) }
    }

    /// The source text of a node.
    pub(crate) fn text(&self, node: Node<'_>) -> &str {
        self.text.of(node)
    }

    /// The first line of a node's text, shortened, for messages.
    pub(crate) fn snippet(&self, node: Node<'_>) -> String {
        let text = self.text.of(node);
        let first = text.lines().next().unwrap_or_default().trim();
        if first.len() > 60 || text.contains('\n') {
            let cut = first.char_indices().nth(57).map_or(first.len(), |(i, _)| i);
            format!("{}…", &first[..cut])
        } else {
            first.to_owned()
        }
    }
}
