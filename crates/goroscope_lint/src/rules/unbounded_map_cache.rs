//! ## What it does
//! Finds a map used as a cache that only grows: a package-level map variable, or a map field of a struct type
//! shared between goroutines (it has a `sync.Mutex` or `sync.RWMutex` field), that a function of the package
//! looks a key up in and then adds that key to (`v, ok := m[k]` … `m[k] = v`) at run time, when nothing in the
//! package ever shrinks it: no `delete(m, k)`, no `clear(m)`, no assignment of a new map or `nil`. The whole
//! package (every file of the directory) is read before deciding. A preview rule: see Known problems.
//!
//! ## Why is this bad?
//! A cache without eviction keeps every key it was ever given. Keyed by something that keeps changing (a
//! request path, a user, a connection, a timestamp), it grows for the life of the process, and so does everything
//! its values reference. Go maps never give back the memory of their buckets, so even a map emptied later stays
//! at its largest size. In a heap profile the growth shows up at the map's insert (`runtime.mapassign`) under the
//! function that fills it, slowly and without end, which is easy to take for normal working memory.
//!
//! ## Example
//! ```go
//! var templates = map[string]*template.Template{}
//!
//! func render(w io.Writer, name string, data any) error {
//! 	t, ok := templates[name]
//! 	if !ok {
//! 		t = template.Must(template.ParseFiles(name))
//! 		templates[name] = t // every name ever asked for stays
//! 	}
//! 	return t.Execute(w, data)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! var templates = lru.New[string, *template.Template](128) // a cache with a bound
//! ```
//! or `delete(m, k)` when an entry is done with (a session closed, a request finished), or an expiry sweep
//! that deletes old entries. Replacing the map (`m = make(…)`) now and then also bounds it. No fix is offered:
//! the bound is a decision about the program.
//!
//! ## Known problems
//! The keys are not read, and most caches are bounded by what they are keyed by: the types of a program, the
//! services in a configuration, the files of one build. Such a map is reported although it cannot grow without
//! end, and so is a cache in a short-lived program (a compiler, a command-line tool) or in an object that lives
//! as long as one request. This is why the rule is in preview: on real code most of its findings are bounded
//! caches (docs/lint-precision.md). Only a lookup of the same map and key, written the same way, before the
//! insert in the same function counts as a cache; a `Get` and a `Put` in two methods do not. Inserts in `init`
//! functions, in functions named `init`, `New…`, `new…`, `Register…`, `register…` or `MustRegister…`, and in
//! `_test.go` files fill a table once and do not count. A map handed to other code (passed to a function other
//! than `len` or `cap`, assigned to another variable, returned, put in a composite literal, its address taken)
//! may be shrunk there, so it is not reported; nor is any map whose name (for a field, field name) is deleted
//! from, cleared or assigned anywhere in the package, in any type. Assigning a new map counts as shrinking it
//! except inside `if m == nil { … }` and in the functions above. For a field, only inserts through the receiver
//! of the struct's own methods count. `sync.Map` is not looked at.
//!
//! ## References
//! - [golang/go#20135: runtime: maps do not shrink after elements are deleted](https://github.com/golang/go/issues/20135)
//! - [hashicorp/golang-lru](https://pkg.go.dev/github.com/hashicorp/golang-lru/v2), a cache with a bound
//! - [runtime/pprof: heap profiles](https://pkg.go.dev/runtime/pprof#Profile)
//! - `goroscope explain unbounded-cache`
//! - GL601 `retained-subslice` (pieces of buffers stored in such maps keep the buffers too) and GL402
//!   `unstopped-timer` (a ticker per call, the other object that outlives every call)

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::context::{Context, Package};
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::resource::in_test_file;
use crate::rules::retention::makes_map;
use crate::syntax::{
    Call, Text, ancestors, bindings, enclosing_function, named_children, runtime_name, top_function, walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL604",
    name: "unbounded-map-cache",
    summary: "a map used as a cache (looked up, then added to) is never deleted from, cleared or replaced",
    severity: Severity::Warning,
    preview: true,
    kinds: &["var_spec", "field_declaration"],
    check,
    source: include_str!("unbounded_map_cache.rs"),
};

/// One `m[k] = v` that grows a map at run time.
#[derive(Debug, Clone)]
pub(crate) struct Insert {
    /// The package file holding it (see [`Package::text`]).
    file: usize,
    /// The byte range of the assignment.
    assignment: (usize, usize),
    /// For a field, the type of the receiver the insert goes through (`T` of `func (c *T)`).
    owner: Option<String>,
    /// Whether the function looks the same key up before adding it: the map is used as a cache.
    cache: bool,
}

impl Insert {
    /// The assignment statement, found again in the file's tree.
    fn node<'p>(&self, package: &Package<'p>) -> Option<Node<'p>> {
        let (start, end) = self.assignment;
        let root = package.files[self.file].tree.root_node();
        let smallest = root.descendant_for_byte_range(start, end)?;
        std::iter::once(smallest)
            .chain(ancestors(smallest))
            .find(|n| n.kind() == "assignment_statement" && n.byte_range() == (start..end))
    }
}

/// How the package's code uses the maps it declares: package-level variables by name, struct fields by
/// `.name`. It holds no syntax nodes, so that a package stays covariant in the lifetime of its trees.
#[derive(Debug, Default)]
pub(crate) struct MapUses {
    /// Inserts at run time, by map.
    inserts: HashMap<String, Vec<Insert>>,
    /// Maps deleted from, cleared, assigned (other than by an initialisation) or handed to other code.
    shrunk_or_shared: HashSet<String>,
}

impl MapUses {
    pub(crate) fn new(package: &Package<'_>) -> MapUses {
        let (globals, fields) = candidates(package);
        let mut uses = MapUses::default();
        if globals.is_empty() && fields.is_empty() {
            return uses;
        }
        for (index, file) in package.files.iter().enumerate() {
            let text = &package.text(index);
            let mut shadowing: HashMap<(usize, &str), bool> = HashMap::new();
            let test_file = file.path.file_name().is_some_and(|n| n.to_string_lossy().ends_with("_test.go"));
            walk(file.tree.root_node(), &mut |node| {
                let key = match node.kind() {
                    "identifier" if globals.contains(text.of(node)) && !is_literal_key(node) => {
                        let name = text.of(node);
                        // Whether a function declares a local of that name, asked once per function and name.
                        let shadowed = top_function(node).is_some_and(|top| {
                            *shadowing
                                .entry((top.id(), name))
                                .or_insert_with(|| !bindings(text, top, name).is_empty())
                        });
                        if shadowed {
                            return true;
                        }
                        name.to_owned()
                    }
                    "selector_expression" => match node.child_by_field_name("field").map(|f| text.of(f)) {
                        Some(field) if fields.contains(field) => format!(".{field}"),
                        _ => return true,
                    },
                    _ => return true,
                };
                match usage(text, node) {
                    Usage::Insert(assignment) if !test_file && !initialising(text, node) => {
                        let owner = receiver_type(text, node).map(str::to_owned);
                        let cache =
                            node.parent().is_some_and(|target| looked_up_before(text, target, assignment));
                        let assignment = (assignment.start_byte(), assignment.end_byte());
                        uses.inserts.entry(key).or_default().push(Insert {
                            file: index,
                            assignment,
                            owner,
                            cache,
                        });
                    }
                    Usage::Shrink if !initialising(text, node) => {
                        uses.shrunk_or_shared.insert(key);
                    }
                    Usage::HandedOut => {
                        uses.shrunk_or_shared.insert(key);
                    }
                    _ => {}
                }
                // `x.f` is one use of `.f`: its operand is not another.
                node.kind() != "selector_expression"
            });
        }
        uses
    }
}

/// The maps worth following: the names of package-level variables declared as maps, and of map fields of the
/// package's struct types.
fn candidates<'p>(package: &Package<'p>) -> (HashSet<&'p str>, HashSet<&'p str>) {
    let mut globals = HashSet::new();
    for (name, declared) in &package.top_level().vars {
        if declared.iter().any(|d| {
            d.ty.is_some_and(|t| t.kind() == "map_type")
                || d.value.is_some_and(|v| makes_map(&package.text(d.file), v))
        }) {
            globals.insert(*name);
        }
    }
    let fields = package
        .top_level()
        .fields
        .iter()
        .filter(|(_, declarations)| {
            declarations
                .iter()
                .any(|(_, f)| f.child_by_field_name("type").is_some_and(|t| t.kind() == "map_type"))
        })
        .map(|(name, _)| *name)
        .collect();
    (globals, fields)
}

/// Whether the identifier is the key of a keyed element (`name` in `T{name: v}`), not a value.
fn is_literal_key(node: Node<'_>) -> bool {
    let element = node.parent().filter(|p| p.kind() == "literal_element");
    element
        .and_then(|e| e.parent())
        .is_some_and(|keyed| keyed.kind() == "keyed_element" && keyed.child_by_field_name("key") == element)
}

/// The field declarations of a struct type.
fn struct_fields(ty: Option<Node<'_>>) -> Vec<Node<'_>> {
    let Some(ty) = ty.filter(|t| t.kind() == "struct_type") else { return Vec::new() };
    named_children(ty)
        .into_iter()
        .filter(|n| n.kind() == "field_declaration_list")
        .flat_map(named_children)
        .filter(|n| n.kind() == "field_declaration")
        .collect()
}

/// The names a field declaration or `var` spec declares.
fn names_of(declaration: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = declaration.walk();
    declaration.children_by_field_name("name", &mut cursor).collect()
}

/// What one mention of a map does to it.
enum Usage<'t> {
    /// `m[k] = v`: the assignment.
    Insert(Node<'t>),
    /// `delete(m, k)`, `clear(m)`, `m = …`.
    Shrink,
    /// Passed, returned, aliased, put in a literal, its address taken.
    HandedOut,
    /// Read: indexed, ranged over, `len(m)`, compared.
    Read,
}

fn usage<'t>(text: &Text<'_>, map: Node<'t>) -> Usage<'t> {
    let Some(parent) = map.parent() else { return Usage::Read };
    match parent.kind() {
        "index_expression" if parent.child_by_field_name("operand") == Some(map) => {
            let list = parent.parent().filter(|l| l.kind() == "expression_list");
            let assignment = list.and_then(|l| l.parent()).filter(|a| {
                a.kind() == "assignment_statement"
                    && a.child_by_field_name("left") == list
                    && a.child_by_field_name("operator").is_some_and(|o| text.of(o) == "=")
            });
            assignment.map_or(Usage::Read, Usage::Insert)
        }
        "argument_list" => {
            let Some(call) = parent.parent().and_then(Call::of) else { return Usage::HandedOut };
            match (call.receiver, text.of(call.name)) {
                (None, "delete" | "clear") => Usage::Shrink,
                (None, "len" | "cap") => Usage::Read,
                _ => Usage::HandedOut,
            }
        }
        "expression_list" => {
            let Some(statement) = parent.parent() else { return Usage::Read };
            match statement.kind() {
                "assignment_statement" | "short_var_declaration"
                    if statement.child_by_field_name("left") == Some(parent) =>
                {
                    if statement.kind() == "assignment_statement" { Usage::Shrink } else { Usage::Read }
                }
                "assignment_statement" | "short_var_declaration" | "return_statement" | "var_spec" => {
                    Usage::HandedOut
                }
                _ => Usage::Read,
            }
        }
        "literal_element" | "send_statement" => Usage::HandedOut,
        "unary_expression" if parent.child_by_field_name("operator").is_some_and(|o| text.of(o) == "&") => {
            Usage::HandedOut
        }
        "parenthesized_expression" => usage(text, parent),
        _ => Usage::Read,
    }
}

/// Whether a use of a map fills it once rather than at run time: in an `init` function or a function or method
/// named `init`, `New…`, `new…`, `Register…`, `register…`, `MustRegister…`, or inside `if m == nil { … }`.
fn initialising(text: &Text<'_>, map: Node<'_>) -> bool {
    let named = |f: Node<'_>| f.child_by_field_name("name").map(|n| text.of(n));
    let start_up = top_function(map).and_then(named).is_some_and(|name| {
        name == "init"
            || ["New", "new", "Register", "register", "MustRegister"].iter().any(|p| name.starts_with(p))
    });
    let name = text.of(map);
    let nil_check = ancestors(map).filter(|a| a.kind() == "if_statement").any(|statement| {
        statement.child_by_field_name("condition").is_some_and(|c| {
            let condition: String = text.of(c).split_whitespace().collect();
            condition == format!("{name}==nil")
        })
    });
    start_up || nil_check
}

/// Whether the function holding the insert `m[k] = v` (`target` is `m[k]`) reads `m[k]`, the same map and key as
/// written, before it: the lookup of a cache that adds what it misses.
fn looked_up_before(text: &Text<'_>, target: Node<'_>, assignment: Node<'_>) -> bool {
    let (Some(map), Some(key)) = (target.child_by_field_name("operand"), target.child_by_field_name("index"))
    else {
        return false;
    };
    let Some(function) = enclosing_function(assignment) else { return false };
    let (map, key) = (text.of(map), text.of(key));
    let mut found = false;
    walk(function, &mut |node| {
        if node.start_byte() >= assignment.start_byte() {
            return false;
        }
        found |= node.kind() == "index_expression"
            && node.child_by_field_name("operand").is_some_and(|o| text.of(o) == map)
            && node.child_by_field_name("index").is_some_and(|i| text.of(i) == key)
            && !is_assigned(node);
        !found
    });
    found
}

/// Whether `node` is a target of an assignment: written, not read.
fn is_assigned(node: Node<'_>) -> bool {
    let list = node.parent().filter(|l| l.kind() == "expression_list");
    list.and_then(|l| l.parent())
        .is_some_and(|a| a.kind() == "assignment_statement" && a.child_by_field_name("left") == list)
}

/// For `c.f` whose operand is the receiver of the method around it, the receiver's type name.
fn receiver_type<'p>(text: &Text<'p>, selector: Node<'p>) -> Option<&'p str> {
    let operand = selector.child_by_field_name("operand").filter(|o| o.kind() == "identifier")?;
    let method = top_function(selector).filter(|f| f.kind() == "method_declaration")?;
    let receiver = named_children(method.child_by_field_name("receiver")?)
        .into_iter()
        .find(|n| n.kind() == "parameter_declaration")?;
    let name = receiver.child_by_field_name("name")?;
    if text.of(name) != text.of(operand) || bindings(text, method, text.of(operand)).len() != 1 {
        return None;
    }
    let mut ty = receiver.child_by_field_name("type")?;
    if ty.kind() == "pointer_type" {
        ty = ty.named_child(0)?;
    }
    if ty.kind() == "generic_type" {
        ty = ty.child_by_field_name("type")?;
    }
    Some(text.of(ty))
}

fn check(cx: &Context<'_, '_>, declaration: Node<'_>, findings: &mut Vec<Finding>) {
    if in_test_file(cx) {
        return;
    }
    match declaration.kind() {
        "var_spec" => {
            let at_package_level = ancestors(declaration)
                .find(|a| a.kind() == "var_declaration")
                .is_some_and(|d| d.parent().is_some_and(|p| p.kind() == "source_file"));
            let map = declaration.child_by_field_name("type").is_some_and(|t| t.kind() == "map_type")
                || declaration
                    .child_by_field_name("value")
                    .is_some_and(|values| named_children(values).into_iter().any(|v| makes_map(cx.text, v)));
            if !at_package_level || !map {
                return;
            }
            for name in names_of(declaration) {
                let key = cx.text(name).to_owned();
                report(cx, name, &format!("package-level map `{key}`"), &key, None, findings);
            }
        }
        _ => {
            let is_map = declaration.child_by_field_name("type").is_some_and(|t| t.kind() == "map_type");
            let Some(owner) = struct_owner(cx, declaration).filter(|_| is_map) else { return };
            for name in names_of(declaration) {
                let key = format!(".{}", cx.text(name));
                let what = format!("map field `{}` of `{owner}`", cx.text(name));
                report(cx, name, &what, &key, Some(owner), findings);
            }
        }
    }
}

/// The name of the top-level struct type declaring `field`, when it is shared between goroutines: it has a
/// `sync.Mutex` or `sync.RWMutex` field, named or embedded.
fn struct_owner<'a>(cx: &Context<'a, '_>, field: Node<'_>) -> Option<&'a str> {
    let spec = ancestors(field).find(|a| a.kind() == "type_spec")?;
    if spec.parent()?.parent()?.kind() != "source_file" {
        return None;
    }
    let locked = struct_fields(spec.child_by_field_name("type")).into_iter().any(|f| {
        let ty = f.child_by_field_name("type").map(|t| cx.text(t).trim_start_matches('*'));
        matches!(ty, Some("sync.Mutex" | "sync.RWMutex"))
    });
    locked.then(|| spec.child_by_field_name("name").map(|n| cx.text.of(n))).flatten()
}

/// The finding for the map `key` declared at `name`, when the package inserts into it at run time and never
/// shrinks or hands it out.
fn report(
    cx: &Context<'_, '_>,
    name: Node<'_>,
    what: &str,
    key: &str,
    owner: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let uses = cx.package.maps();
    if uses.shrunk_or_shared.contains(key) {
        return;
    }
    let inserts: Vec<(&Insert, Node<'_>)> = uses
        .inserts
        .get(key)
        .map(|all| {
            all.iter()
                .filter(|i| owner.is_none() || i.owner.as_deref() == owner)
                .filter(|i| i.cache)
                .filter_map(|i| Some((i, i.node(cx.package)?)))
                .collect()
        })
        .unwrap_or_default();
    let Some((first, assignment)) = inserts.first() else { return };
    let text = &cx.package.text(first.file);
    let file = cx.package.files[first.file].path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let function = enclosing_function(*assignment)
        .map(|f| format!(" in `{}`", runtime_name(text, f)))
        .unwrap_or_default();
    let message = format!(
        "{what} is used as a cache (`{}` after a lookup of the same key{function}, {file}:{}) and nothing in the \
         package deletes from it, clears it or replaces it: it keeps every key it is ever given for the life of the \
         process; bound it (an LRU, an expiry sweep) or `delete` entries when done",
        text.snippet(*assignment),
        assignment.start_position().row + 1,
    );
    let mut finding = cx.finding(name, message);
    for (_, assignment) in inserts.iter().filter(|(i, _)| cx.package.files[i.file].path == cx.path).take(3) {
        finding.related.push(cx.related(*assignment, "added to here"));
    }
    findings.push(finding);
}
