//! What a rule sees while it checks a node: the file, its package and module, and a way to build findings.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use tree_sitter::{Node, Tree};

use crate::finding::{Finding, FunctionRef, Related};
use crate::module::Module;
use crate::rule::Rule;
use crate::rules::unbounded_map_cache::MapUses;
use crate::syntax::{
    Call, FUNCTION_KINDS, Text, enclosing_function, integer_value, named_children, runtime_name, walk,
};

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
    /// Each file's line starts, found when a rule first looks into another file.
    line_starts: Vec<OnceLock<Arc<[usize]>>>,
    /// The package-level declarations, by name (read at once: only the files' top-level nodes are looked at).
    top_level: TopLevel<'p>,
    maps: OnceLock<MapUses>,
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
        Package {
            files,
            facts: OnceLock::new(),
            line_starts: files.iter().map(|_| OnceLock::new()).collect(),
            top_level: TopLevel::new(files),
            maps: OnceLock::new(),
        }
    }

    /// The text of the package's file number `index`.
    pub(crate) fn text(&self, index: usize) -> Text<'p> {
        let source = &self.files[index].source;
        let line_starts = self.line_starts[index].get_or_init(|| Text::new(source).line_starts());
        Text::with_line_starts(source, Arc::clone(line_starts))
    }

    /// The package-level `var`, `const` and `type` declarations, by name.
    pub(crate) fn top_level(&self) -> &TopLevel<'p> {
        &self.top_level
    }

    /// How the package's code inserts into, shrinks and hands out the maps it names.
    pub(crate) fn maps(&self) -> &MapUses {
        self.maps.get_or_init(|| MapUses::new(self))
    }

    /// The value of the integer constant `name` declared at package level, when it is written as integer
    /// arithmetic on literals and other such constants.
    pub(crate) fn constant(&self, name: &str) -> Option<i64> {
        self.constant_within(name, 8)
    }

    fn constant_within(&self, name: &str, depth: u8) -> Option<i64> {
        let [declared] = self.top_level().consts.get(name)?.as_slice() else { return None };
        let value = declared.value?;
        let text = self.text(declared.file);
        let resolve = |other: &str| if depth == 0 { None } else { self.constant_within(other, depth - 1) };
        integer_value(&text, value, &resolve)
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

/// A name declared at package level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Declared<'p> {
    /// The index of the file declaring it in the package (see [`Package::text`]).
    pub(crate) file: usize,
    /// The `var_spec`, `const_spec`, `type_spec` or `type_alias`.
    pub(crate) spec: Node<'p>,
    /// The declared type, if written.
    pub(crate) ty: Option<Node<'p>>,
    /// The value given to this name, if any (`var x = v`, `const c = v`).
    pub(crate) value: Option<Node<'p>>,
}

/// The package-level declarations of a package, by name: a name may be declared in several files (one per
/// build constraint), so each maps to all its declarations.
#[derive(Debug, Default)]
pub(crate) struct TopLevel<'p> {
    pub(crate) vars: HashMap<&'p str, Vec<Declared<'p>>>,
    pub(crate) consts: HashMap<&'p str, Vec<Declared<'p>>>,
    pub(crate) types: HashMap<&'p str, Vec<Declared<'p>>>,
    /// The fields of the package-level struct types, by field name: the file declaring each and its
    /// `field_declaration`.
    pub(crate) fields: HashMap<&'p str, Vec<(usize, Node<'p>)>>,
}

impl<'p> TopLevel<'p> {
    fn new(files: &'p [ParsedFile]) -> TopLevel<'p> {
        let mut top = TopLevel::default();
        for (index, file) in files.iter().enumerate() {
            let name_of =
                |node: Node<'p>| std::str::from_utf8(&file.source[node.byte_range()]).unwrap_or_default();
            for declaration in named_children(file.tree.root_node()) {
                let (map, spec_kinds): (&mut HashMap<_, Vec<_>>, &[&str]) = match declaration.kind() {
                    "var_declaration" => (&mut top.vars, &["var_spec"]),
                    "const_declaration" => (&mut top.consts, &["const_spec"]),
                    "type_declaration" => (&mut top.types, &["type_spec", "type_alias"]),
                    _ => continue,
                };
                let specs = named_children(declaration)
                    .into_iter()
                    .flat_map(|n| if n.kind() == "var_spec_list" { named_children(n) } else { vec![n] })
                    .filter(|n| spec_kinds.contains(&n.kind()));
                for spec in specs {
                    let mut cursor = spec.walk();
                    let names: Vec<Node<'p>> = spec.children_by_field_name("name", &mut cursor).collect();
                    let values = spec.child_by_field_name("value").map(named_children).unwrap_or_default();
                    for (i, name) in names.iter().enumerate() {
                        let value = (values.len() == names.len()).then(|| values[i]);
                        let declared =
                            Declared { file: index, spec, ty: spec.child_by_field_name("type"), value };
                        map.entry(name_of(*name)).or_default().push(declared);
                    }
                    if spec.kind() == "type_spec" {
                        walk(spec, &mut |n| {
                            if n.kind() == "field_declaration" {
                                let mut cursor = n.walk();
                                for name in n.children_by_field_name("name", &mut cursor) {
                                    top.fields.entry(name_of(name)).or_default().push((index, n));
                                }
                            }
                            true
                        });
                    }
                }
            }
        }
        top
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
        self.text.snippet(node)
    }
}
