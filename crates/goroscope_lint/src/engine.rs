//! Reading, parsing and checking: packages in parallel, one tree walk per file that hands each node to the rules
//! that asked for its kind.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tree_sitter::{Language, Node, Parser};

use crate::context::{Context, Package, ParsedFile};
use crate::finding::Finding;
use crate::module::Module;
use crate::rule::Rule;
use crate::suppress::{suppressed, suppression};
use crate::syntax::Text;
use crate::{Options, Problem};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The Go grammar.
pub(crate) fn language() -> Language {
    tree_sitter_go::LANGUAGE.into()
}

/// Rules by the node kind they check, indexed by the grammar's kind id.
pub(crate) struct Dispatch {
    by_kind: Vec<Vec<&'static Rule>>,
}

impl Dispatch {
    pub(crate) fn new(rules: &[&'static Rule]) -> Dispatch {
        let language = language();
        let mut by_kind = vec![Vec::new(); language.node_kind_count()];
        for rule in rules {
            for kind in rule.kinds {
                let id = language.id_for_node_kind(kind, true);
                debug_assert!(id != 0, "rule {} asks for unknown node kind {kind}", rule.code);
                by_kind[usize::from(id)].push(*rule);
            }
        }
        Dispatch { by_kind }
    }

    fn rules_for(&self, node: Node<'_>) -> &[&'static Rule] {
        self.by_kind.get(usize::from(node.kind_id())).map_or(&[], Vec::as_slice)
    }
}

/// What one file or package gave.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) findings: Vec<Finding>,
    pub(crate) problems: Vec<Problem>,
    pub(crate) linted: usize,
    pub(crate) generated: usize,
}

impl Outcome {
    pub(crate) fn merge(mut self, other: Outcome) -> Outcome {
        self.findings.extend(other.findings);
        self.problems.extend(other.problems);
        self.linted += other.linted;
        self.generated += other.generated;
        self
    }
}

/// Reads, parses and checks the files of one directory.
pub(crate) fn lint_package(
    files: &[PathBuf],
    module: &Module,
    dispatch: &Dispatch,
    options: &Options,
) -> Outcome {
    let read: Vec<Result<Option<ParsedFile>, Problem>> = files
        .par_iter()
        .map(|path| {
            let parsed = read_and_parse(path, options);
            if let Some(counter) = &options.progress {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            parsed
        })
        .collect();
    let mut outcome = Outcome::default();
    let mut parsed = Vec::new();
    for result in read {
        match result {
            Ok(Some(file)) => parsed.push(file),
            Ok(None) => outcome.generated += 1,
            Err(problem) => outcome.problems.push(problem),
        }
    }
    let package = Package::new(&parsed);
    outcome.linted = parsed.len();
    outcome.findings =
        parsed.par_iter().flat_map_iter(|file| check_file(file, &package, module, dispatch)).collect();
    outcome
}

/// A file's findings, suppressions applied.
pub(crate) fn check_file(
    file: &ParsedFile,
    package: &Package<'_>,
    module: &Module,
    dispatch: &Dispatch,
) -> Vec<Finding> {
    let text = Text::new(&file.source);
    let root = file.tree.root_node();
    let mut findings = Vec::new();
    let mut suppressions = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if node.kind() == "comment" {
            suppressions.extend(suppression(&text, node));
        }
        for rule in dispatch.rules_for(node) {
            let context = Context { path: &file.path, text: &text, module, package, rule };
            (rule.check)(&context, node, &mut findings);
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    findings.retain(|f| !suppressed(&suppressions, f));
    findings.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    findings.dedup_by(|a, b| a.code == b.code && a.span == b.span);
    for finding in &mut findings {
        finding.source = source_lines(&text, finding.span.start.line, finding.span.end.line);
    }
    findings
}

/// Lines `first..=last` with one line of context on each side, at most eight.
fn source_lines(text: &Text<'_>, first: u32, last: u32) -> Vec<(u32, String)> {
    let last = last.min(first + 5);
    (first.saturating_sub(1).max(1)..=last + 1)
        .map(|n| (n, text.line(n).to_owned()))
        .filter(|(n, line)| *n <= last || !line.is_empty())
        .collect()
}

/// `Ok(None)` for a generated file, which is not linted.
fn read_and_parse(path: &Path, options: &Options) -> Result<Option<ParsedFile>, Problem> {
    let size = std::fs::metadata(path).map_err(|e| Problem::new(path, format!("cannot read it: {e}")))?.len();
    if size > options.max_file_size {
        return Err(Problem::new(
            path,
            format!(
                "skipped: {size} bytes is over the {} byte limit (raise it with --max-file-size)",
                options.max_file_size
            ),
        ));
    }
    let source = std::fs::read(path).map_err(|e| Problem::new(path, format!("cannot read it: {e}")))?;
    parse_file(path, source)
}

/// Parses one file's source; `Ok(None)` for a generated file, a [`Problem`] for a syntax error.
pub(crate) fn parse_file(path: &Path, source: Vec<u8>) -> Result<Option<ParsedFile>, Problem> {
    if is_generated(&source) {
        return Ok(None);
    }
    let tree = parse(&source).ok_or_else(|| Problem::new(path, "the parser gave up on it; skipped"))?;
    if let Some(error) = first_error(tree.root_node()) {
        let at = error.start_position();
        return Err(Problem::new(
            path,
            format!(
                "syntax error at line {}, column {}; skipped (does `go vet` accept it?)",
                at.row + 1,
                at.column + 1
            ),
        ));
    }
    Ok(Some(ParsedFile { path: path.to_owned(), source, tree }))
}

/// Parses Go source with this thread's parser.
pub(crate) fn parse(source: &[u8]) -> Option<tree_sitter::Tree> {
    PARSER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let parser = cell.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser.set_language(&language()).expect("the Go grammar matches the tree-sitter version");
            parser
        });
        parser.parse(source, None)
    })
}

/// The first `ERROR` or `MISSING` node, in source order.
fn first_error(root: Node<'_>) -> Option<Node<'_>> {
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    'down: loop {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.has_error() {
                node = child;
                continue 'down;
            }
        }
        return Some(node);
    }
}

/// Go's convention for generated files: a line `// Code generated … DO NOT EDIT.` before the package clause.
fn is_generated(source: &[u8]) -> bool {
    for line in source.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"package ") {
            return false;
        }
        if line.starts_with(b"// Code generated ") && line.ends_with(b" DO NOT EDIT.") {
            return true;
        }
    }
    false
}

/// Finds the `go.mod` above each directory once.
#[derive(Debug, Default)]
pub(crate) struct Modules {
    by_dir: HashMap<PathBuf, Module>,
}

impl Modules {
    pub(crate) fn for_dir(&mut self, dir: &Path) -> Module {
        if let Some(module) = self.by_dir.get(dir) {
            return module.clone();
        }
        let go_mod = dir.join("go.mod");
        let module = match std::fs::read_to_string(&go_mod) {
            Ok(text) => Module::parse(&go_mod, &text),
            Err(_) => match absolute_parent(dir) {
                Some(parent) => self.for_dir(&parent),
                None => Module::default(),
            },
        };
        self.by_dir.insert(dir.to_owned(), module.clone());
        module
    }
}

fn absolute_parent(dir: &Path) -> Option<PathBuf> {
    let absolute = if dir.as_os_str().is_empty() {
        std::env::current_dir().ok()?
    } else {
        std::path::absolute(dir).ok()?
    };
    absolute.parent().map(Path::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_recognised_by_the_go_convention() {
        assert!(is_generated(b"// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage p\n"));
        assert!(!is_generated(b"package p\n// Code generated by x. DO NOT EDIT.\n"));
        assert!(!is_generated(b"// Code generated by hand.\npackage p\n"));
    }

    #[test]
    fn every_rule_asks_for_node_kinds_the_grammar_has() {
        let language = language();
        for rule in crate::RULES {
            for kind in rule.kinds {
                assert_ne!(language.id_for_node_kind(kind, true), 0, "{}: {kind}", rule.code);
            }
        }
    }
}
