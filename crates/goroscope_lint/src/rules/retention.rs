//! Memory kept alive longer than it seems: a subslice that pins its whole backing array, a store that outlives the
//! function making it, an array type too big to copy. The memory rules share this: where a sliced name comes
//! from, which stores outlive the call, the byte size of an array type, and the fix that stores a copy.

use tree_sitter::Node;

use crate::context::{Context, Package};
use crate::finding::{Edit, Fix};
use crate::rules::resource::{calls_package, import_name};
use crate::syntax::{
    Call, Text, assignments_to, bindings, contains, declaration_of, enclosing_function, import_edit, imports,
    integer_value, is_function, named_children, top_function, unparen, walk,
};

/// A make or read below this many bytes is a small buffer, not worth a finding.
const LARGE_BUFFER: i64 = 1024;

/// What a sliced value is, as its declaration shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `[]byte` (or `[]uint8`).
    Bytes,
    /// `string`.
    String,
    /// `[]T` for another element type `T`, as written.
    Slice(String),
}

impl Kind {
    /// The kind of a declared type: `[]T` or `string`.
    fn of_type(text: &Text<'_>, ty: Node<'_>) -> Option<Kind> {
        match ty.kind() {
            "slice_type" => {
                let element = text.of(ty.child_by_field_name("element")?);
                Some(if matches!(element, "byte" | "uint8") {
                    Kind::Bytes
                } else {
                    Kind::Slice(element.to_owned())
                })
            }
            "type_identifier" if text.of(ty) == "string" => Some(Kind::String),
            _ => None,
        }
    }

    /// The size of one element in bytes, a guess of a word for types the rule does not size.
    fn element_size(&self, package: &Package<'_>, text: &Text<'_>, ty: Option<Node<'_>>) -> i64 {
        match self {
            Kind::Bytes | Kind::String => 1,
            Kind::Slice(_) => ty
                .and_then(|t| t.child_by_field_name("element"))
                .and_then(|e| type_size(package, text, e))
                .unwrap_or(8),
        }
    }
}

/// How a sliced value came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Made {
    /// A parameter of the function.
    Parameter,
    /// `make([]T, n)` of a size not known to be small.
    Make,
    /// Read whole by `io.ReadAll` or `os.ReadFile` (the name of the call).
    ReadWhole,
}

/// Where a sliced identifier comes from: a parameter, or a local buffer made large or read whole.
#[derive(Debug, Clone)]
pub(crate) struct Origin<'t> {
    pub(crate) kind: Kind,
    pub(crate) made: Made,
    /// The parameter's declaration, or the call that made the buffer.
    pub(crate) node: Node<'t>,
    /// The function whose parameter or local it is.
    pub(crate) function: Node<'t>,
}

impl Origin<'_> {
    /// "parameter `b`", "`buf`, made by `make([]byte, 4096)`", for messages.
    pub(crate) fn describe(&self, text: &Text<'_>, name: &str) -> String {
        match self.made {
            Made::Parameter => format!("parameter `{name}`"),
            Made::Make | Made::ReadWhole => format!("`{name}`, from `{}`", text.snippet(self.node)),
        }
    }
}

/// The origin of the identifier `name` (the operand of a slice expression), when the function shows it: it is
/// declared once in the outermost function around it, as a parameter of a function holding it or by
/// `x := make([]T, n)` / `x, err := io.ReadAll(r)` / `os.ReadFile(path)`, and never assigned anything but a
/// re-slice of itself (`b = b[n:]` keeps the same backing array).
pub(crate) fn origin<'t>(text: &Text<'_>, package: &Package<'_>, name: Node<'t>) -> Option<Origin<'t>> {
    if name.kind() != "identifier" {
        return None;
    }
    let top = top_function(name)?;
    let id = text.of(name);
    let [binding] = bindings(text, top, id)[..] else { return None };
    if binding.start_byte() > name.start_byte()
        || assignments_to(text, top, id).into_iter().any(|a| !reslices_itself(text, a, id))
    {
        return None;
    }
    let declaration = declaration_of(binding)?;
    match declaration.kind() {
        "parameter_declaration" => {
            let function = declaration.parent()?.parent().filter(|f| is_function(*f))?;
            if !contains(function, name) || function.child_by_field_name("parameters") != declaration.parent()
            {
                return None;
            }
            let kind = Kind::of_type(text, declaration.child_by_field_name("type")?)?;
            Some(Origin { kind, made: Made::Parameter, node: declaration, function })
        }
        "short_var_declaration" | "var_spec" => {
            let value_field = if declaration.kind() == "var_spec" { "value" } else { "right" };
            let left: Vec<Node<'_>> = if declaration.kind() == "var_spec" {
                let mut cursor = declaration.walk();
                declaration.children_by_field_name("name", &mut cursor).collect()
            } else {
                named_children(declaration.child_by_field_name("left")?)
            };
            let [value] = named_children(declaration.child_by_field_name(value_field)?)[..] else {
                return None;
            };
            let call = Call::of(value)?;
            let function = enclosing_function(declaration)?;
            if left.first() != Some(&binding) {
                return None;
            }
            if call.receiver.is_none() && text.of(call.name) == "make" && left.len() == 1 {
                let args = call.args();
                let ty = *args.first()?;
                let kind = Kind::of_type(text, ty)?;
                let size = kind.element_size(package, text, Some(ty));
                let resolve = |c: &str| package.constant(c);
                let small = args[1..].iter().all(|n| {
                    integer_value(text, *n, &resolve).is_some_and(|n| n.saturating_mul(size) < LARGE_BUFFER)
                });
                return (!small).then_some(Origin { kind, made: Made::Make, node: call.node, function });
            }
            let read_whole = calls_package(text, &call, "io", &["ReadAll"])
                || calls_package(text, &call, "os", &["ReadFile"])
                || calls_package(text, &call, "io/ioutil", &["ReadAll", "ReadFile"]);
            read_whole.then_some(Origin {
                kind: Kind::Bytes,
                made: Made::ReadWhole,
                node: call.node,
                function,
            })
        }
        _ => None,
    }
}

/// `b = b[i:j]`: a re-slice that keeps the backing array.
pub(crate) fn reslices_itself(text: &Text<'_>, assignment: Node<'_>, name: &str) -> bool {
    let sides =
        ["left", "right"].map(|f| assignment.child_by_field_name(f).map(named_children).unwrap_or_default());
    let ([left], [right]) = (&sides[0][..], &sides[1][..]) else { return false };
    let right = unparen(*right);
    text.of(*left) == name
        && right.kind() == "slice_expression"
        && right.child_by_field_name("operand").is_some_and(|o| text.of(o) == name)
}

/// Whether code in `scope` may write to the variable or field written `expr` (`a`, `t.slots`): assigns it or an
/// element or field of it, increments one, takes its address (other than to range over it), or slices it (a slice
/// writes through).
pub(crate) fn may_write(text: &Text<'_>, scope: Node<'_>, expr: &str) -> bool {
    let reaches = |target: Node<'_>| {
        let mut node = Some(unparen(target));
        while let Some(n) = node {
            if text.of(n) == expr {
                return true;
            }
            node = match n.kind() {
                "index_expression" | "selector_expression" | "slice_expression" => {
                    n.child_by_field_name("operand").map(unparen)
                }
                _ => None,
            };
        }
        false
    };
    let mut writes = false;
    walk(scope, &mut |node| {
        writes |= match node.kind() {
            "assignment_statement" => node
                .child_by_field_name("left")
                .is_some_and(|left| named_children(left).into_iter().any(reaches)),
            "inc_statement" | "dec_statement" => node.named_child(0).is_some_and(reaches),
            // `range &a` only reads it.
            "unary_expression" => {
                node.child_by_field_name("operator").is_some_and(|o| text.of(o) == "&")
                    && node.child_by_field_name("operand").is_some_and(reaches)
                    && node.parent().is_none_or(|p| p.kind() != "range_clause")
            }
            "slice_expression" => node.child_by_field_name("operand").is_some_and(reaches),
            _ => false,
        };
        !writes
    });
    writes
}

/// Whether a slice expression takes all of its operand or none of it (`x[:]`, `x[:len(x)]`, `x[:0]`,
/// `x[0:0]`): a way to pass the whole buffer on or to reuse it, not a small piece of it.
pub(crate) fn whole_or_empty(text: &Text<'_>, slice: Node<'_>) -> bool {
    let Some(operand) = slice.child_by_field_name("operand") else { return true };
    let start = slice.child_by_field_name("start").map(|s| text.of(s));
    let end = slice.child_by_field_name("end").map(|e| text.of(e).replace(' ', ""));
    let from_zero = start.is_none_or(|s| s == "0");
    let name = text.of(operand);
    match end.as_deref() {
        None | Some("0") => from_zero,
        Some(end) => from_zero && (end == format!("len({name})") || end == format!("cap({name})")),
    }
}

/// Where a stored value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A package-level variable.
    Global,
    /// A field reached from a pointer parameter, the receiver or a package-level variable.
    Field,
    /// An element of a map or slice that the caller or the package shares.
    Element,
    /// A key of such a map.
    Key,
}

/// A store of a value where it outlives the function doing it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Store<'t> {
    /// The `=` statement.
    pub(crate) assignment: Node<'t>,
    /// What is assigned: `s.f`, `cache`, `m[k]`.
    pub(crate) target: Node<'t>,
    pub(crate) place: Place,
    /// Whether the value reaches the target through `append`.
    pub(crate) appended: bool,
}

impl Store<'_> {
    /// "field `s.data`", "package-level variable `cache`", for messages.
    pub(crate) fn describe(&self, text: &Text<'_>) -> String {
        let target = text.snippet(self.target);
        let what = match self.place {
            Place::Global => format!("package-level variable `{target}`"),
            Place::Field => format!("field `{target}`"),
            Place::Element => format!("element `{target}`"),
            Place::Key => format!("a key of map `{target}`"),
        };
        if self.appended { format!("{what} (appended)") } else { what }
    }
}

/// Whether a store keeps values where they pile up: a package-level variable, or an element or key of a map. A
/// field is not such a place for a piece of a parameter: decoders and parsers keep views of the caller's buffer
/// in their fields on purpose, and the caller owns that buffer.
pub(crate) fn accumulates(text: &Text<'_>, package: &Package<'_>, store: &Store<'_>) -> bool {
    match store.place {
        Place::Global | Place::Key => true,
        Place::Element => unparen(store.target)
            .child_by_field_name("operand")
            .is_some_and(|container| is_map(text, package, container)),
        Place::Field => false,
    }
}

/// The store that keeps `value` beyond the call: `value` is assigned with `=` to a package-level variable, a field
/// of a pointer parameter, the receiver or a global, or an element of a map or slice they share, either as it is,
/// inside composite literals, or as an element appended with `append` (not spread with `...`, which copies); or it
/// is the key of such a map element.
pub(crate) fn store_of<'t>(text: &Text<'_>, package: &Package<'_>, value: Node<'t>) -> Option<Store<'t>> {
    let mut node = value;
    let mut appended = false;
    loop {
        let parent = node.parent()?;
        match parent.kind() {
            "parenthesized_expression" | "literal_element" | "literal_value" => {}
            "keyed_element" if parent.child_by_field_name("value") == Some(node) => {}
            "composite_literal" if parent.child_by_field_name("body") == Some(node) => {}
            "unary_expression"
                if parent.child_by_field_name("operator").is_some_and(|o| text.of(o) == "&") => {}
            "argument_list" => {
                let call = Call::of(parent.parent()?)?;
                let first = call.args().first().copied();
                if call.receiver.is_some() || text.of(call.name) != "append" || first == Some(node) {
                    return None;
                }
                appended = true;
                node = call.node;
                continue;
            }
            "expression_list" => {
                let assignment = assigning(text, parent, "right")?;
                let index = named_children(parent).iter().position(|n| *n == node)?;
                let left = named_children(assignment.child_by_field_name("left")?);
                if left.len() != named_children(parent).len() {
                    return None;
                }
                let target = left[index];
                let place = place_of(text, package, target)?;
                return Some(Store { assignment, target, place, appended });
            }
            "index_expression" if parent.child_by_field_name("index") == Some(node) && !appended => {
                let list = parent.parent().filter(|l| l.kind() == "expression_list")?;
                let assignment = assigning(text, list, "left")?;
                let container = parent.child_by_field_name("operand")?;
                place_of(text, package, parent).filter(|p| *p == Place::Element)?;
                return Some(Store { assignment, target: container, place: Place::Key, appended });
            }
            _ => return None,
        }
        node = parent;
    }
}

/// The `=` statement whose `side` ("left" or "right") is `list`.
fn assigning<'t>(text: &Text<'_>, list: Node<'t>, side: &str) -> Option<Node<'t>> {
    let assignment = list.parent().filter(|a| a.kind() == "assignment_statement")?;
    let plain = assignment.child_by_field_name("operator").is_some_and(|o| text.of(o) == "=");
    (plain && assignment.child_by_field_name(side) == Some(list)).then_some(assignment)
}

/// Where an assignment to `target` puts the value, when that outlives the function.
pub(crate) fn place_of(text: &Text<'_>, package: &Package<'_>, target: Node<'_>) -> Option<Place> {
    let target = unparen(target);
    match target.kind() {
        "identifier" => is_global(text, package, target).then_some(Place::Global),
        "selector_expression" => {
            let operand = target.child_by_field_name("operand")?;
            if operand.kind() == "identifier" && import_name_of(text, operand) {
                return Some(Place::Global);
            }
            let root = root_of(operand)?;
            (is_global(text, package, root)
                || parameter_type(text, root).is_some_and(|t| t.kind() == "pointer_type"))
            .then_some(Place::Field)
        }
        "index_expression" => {
            let container = unparen(target.child_by_field_name("operand")?);
            let root = root_of(container)?;
            let shared = if container == root {
                parameter_type(text, root)
                    .is_some_and(|t| matches!(t.kind(), "map_type" | "slice_type" | "pointer_type"))
            } else {
                parameter_type(text, root).is_some()
            };
            (is_global(text, package, root) || shared).then_some(Place::Element)
        }
        _ => None,
    }
}

/// The identifier at the root of `x.a.b[i].c`.
fn root_of(mut node: Node<'_>) -> Option<Node<'_>> {
    loop {
        node = unparen(node);
        node = match node.kind() {
            "identifier" => return Some(node),
            "selector_expression" | "index_expression" | "unary_expression" => {
                node.child_by_field_name("operand")?
            }
            _ => return None,
        };
    }
}

/// Whether the identifier names a package-level variable: no declaration of it in the function around it, one
/// at package level.
pub(crate) fn is_global(text: &Text<'_>, package: &Package<'_>, name: Node<'_>) -> bool {
    let id = text.of(name);
    package.top_level().vars.contains_key(id)
        && top_function(name).is_none_or(|top| bindings(text, top, id).is_empty())
}

/// Whether the identifier is the name the file gives an import (`pkg` of `pkg.Var`) and not a local.
pub(crate) fn import_name_of(text: &Text<'_>, name: Node<'_>) -> bool {
    let id = text.of(name);
    top_function(name).is_none_or(|top| bindings(text, top, id).is_empty())
        && crate::syntax::import_specs(crate::syntax::ancestors(name).last().unwrap_or(name)).into_iter().any(
            |spec| {
                let path = spec.child_by_field_name("path").map(|p| text.of(p).trim_matches(['"', '`']));
                path.is_some_and(|p| import_name(text, name, p) == Some(id))
            },
        )
}

/// The declared type of the parameter or receiver `name` refers to, when it is declared once in the outermost
/// function around it, as a parameter or receiver (not a named result) of a function holding it.
pub(crate) fn parameter_type<'t>(text: &Text<'_>, name: Node<'t>) -> Option<Node<'t>> {
    let top = top_function(name)?;
    let [binding] = bindings(text, top, text.of(name))[..] else { return None };
    let declaration = binding.parent().filter(|d| d.kind() == "parameter_declaration")?;
    let list = declaration.parent()?;
    let function = list.parent().filter(|f| is_function(*f))?;
    let incoming = ["parameters", "receiver"].iter().any(|f| function.child_by_field_name(f) == Some(list));
    (incoming && contains(function, name)).then(|| declaration.child_by_field_name("type")).flatten()
}

/// Whether `container` (what an index expression indexes) is a map, as its declaration shows: a package-level
/// variable or a parameter declared as a map or made by `make(map…)` / `map…{}`, or a field that every struct
/// type of the package declaring it declares as a map.
pub(crate) fn is_map(text: &Text<'_>, package: &Package<'_>, container: Node<'_>) -> bool {
    let container = unparen(container);
    match container.kind() {
        "identifier" if is_global(text, package, container) => {
            package.top_level().vars.get(text.of(container)).is_some_and(|declared| {
                declared.iter().all(|d| {
                    d.ty.is_some_and(|t| t.kind() == "map_type")
                        || d.value.is_some_and(|v| makes_map(&package.text(d.file), v))
                })
            })
        }
        "identifier" => parameter_type(text, container).is_some_and(|t| t.kind() == "map_type"),
        "selector_expression" => {
            let Some(field) = container.child_by_field_name("field").map(|f| text.of(f)) else {
                return false;
            };
            let types = field_types(package, field);
            !types.is_empty() && types.iter().all(|(_, t)| t.kind() == "map_type")
        }
        _ => false,
    }
}

/// `map[K]V{…}` or `make(map[K]V, …)`.
pub(crate) fn makes_map(text: &Text<'_>, value: Node<'_>) -> bool {
    let value = unparen(value);
    match value.kind() {
        "composite_literal" => value.child_by_field_name("type").is_some_and(|t| t.kind() == "map_type"),
        _ => Call::of(value).is_some_and(|call| {
            call.receiver.is_none()
                && text.of(call.name) == "make"
                && call.args().first().is_some_and(|t| t.kind() == "map_type")
        }),
    }
}

/// The declared types of the fields named `field` in the package's top-level struct types, with the index of the
/// file declaring each.
pub(crate) fn field_types<'p>(package: &Package<'p>, field: &str) -> Vec<(usize, Node<'p>)> {
    package.top_level().fields.get(field).map_or_else(Vec::new, |fields| {
        fields.iter().filter_map(|(file, f)| Some((*file, f.child_by_field_name("type")?))).collect()
    })
}

/// The size in bytes of a type, when the package's code shows it: basic types, pointers, maps, channels,
/// functions, slices, strings, interfaces, arrays of those, and named types declared as one of them in the
/// package. Structs and other packages' types are not sized.
pub(crate) fn type_size(package: &Package<'_>, text: &Text<'_>, ty: Node<'_>) -> Option<i64> {
    type_size_within(package, text, ty, 8)
}

fn type_size_within(package: &Package<'_>, text: &Text<'_>, ty: Node<'_>, depth: u8) -> Option<i64> {
    match ty.kind() {
        "parenthesized_type" => type_size_within(package, text, ty.named_child(0)?, depth),
        "pointer_type" | "map_type" | "channel_type" | "function_type" => Some(8),
        "slice_type" => Some(24),
        "interface_type" => Some(16),
        "array_type" => {
            let resolve = |c: &str| package.constant(c);
            let length = integer_value(text, ty.child_by_field_name("length")?, &resolve)?;
            let element = type_size_within(package, text, ty.child_by_field_name("element")?, depth)?;
            length.checked_mul(element)
        }
        "type_identifier" => match text.of(ty) {
            "bool" | "int8" | "uint8" | "byte" => Some(1),
            "int16" | "uint16" => Some(2),
            "int32" | "uint32" | "float32" | "rune" => Some(4),
            "int" | "uint" | "int64" | "uint64" | "uintptr" | "float64" | "complex64" => Some(8),
            "complex128" | "string" | "any" | "error" => Some(16),
            name if depth > 0 => {
                let (declared_text, declared) = named_type(package, name)?;
                type_size_within(package, &declared_text, declared, depth - 1)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The type a package-level `type name …` declares, with its file's text, when declared once.
pub(crate) fn named_type<'p>(package: &Package<'p>, name: &str) -> Option<(Text<'p>, Node<'p>)> {
    let [declared] = package.top_level().types.get(name)?.as_slice() else { return None };
    Some((package.text(declared.file), declared.ty?))
}

/// The array type `ty` is, directly or as a named type of the package, with the text of the file declaring it.
pub(crate) fn array_type<'a>(
    package: &Package<'a>,
    text: &Text<'a>,
    ty: Node<'a>,
) -> Option<(Text<'a>, Node<'a>)> {
    match ty.kind() {
        "array_type" => Some((text.clone(), ty)),
        "type_identifier" => {
            // Most named types are not arrays: look before making the declaring file's text.
            let [declared] = package.top_level().types.get(text.of(ty))?.as_slice() else { return None };
            let array = declared.ty.filter(|t| t.kind() == "array_type")?;
            Some((package.text(declared.file), array))
        }
        _ => None,
    }
}

/// A copy of the piece `piece` of a value of kind `kind`, for messages, and the fix that stores it instead:
/// `bytes.Clone` (Go 1.20) and `strings.Clone` (Go 1.18) when the module's Go version has them, importing the
/// package when the file does not; `append([]T(nil), piece...)` for slices otherwise. Strings before Go 1.18
/// get no fix. Copying a string changes nothing else, so that fix is safe; a copy of a slice no longer shares
/// writes with the buffer, so it is not.
pub(crate) fn copy_fix(cx: &Context<'_, '_>, piece: Node<'_>, kind: &Kind) -> (String, Option<Fix>) {
    let text = cx.text(piece);
    let (package, minor) = match kind {
        Kind::Bytes => ("bytes", 20),
        Kind::String => ("strings", 18),
        Kind::Slice(_) => ("", 0),
    };
    let clone = (minor > 0 && cx.module.go_at_least(minor)).then(|| clone_call(cx, piece, package)).flatten();
    let (copy, mut edits) = match (clone, kind) {
        (Some((name, import)), _) => {
            (format!("{name}.Clone({text})"), import.into_iter().collect::<Vec<_>>())
        }
        (None, Kind::Bytes) => (format!("append([]byte(nil), {text}...)"), Vec::new()),
        (None, Kind::Slice(element)) => (format!("append([]{element}(nil), {text}...)"), Vec::new()),
        (None, Kind::String) => {
            return (
                format!("a copy: `strings.Clone({text})` from Go 1.18, or `string([]byte({text}))`"),
                None,
            );
        }
    };
    let (open, close) = copy.split_once(text).unwrap_or_default();
    edits.push(Edit { start: piece.start_byte(), end: piece.start_byte(), replacement: open.to_owned() });
    edits.push(Edit { start: piece.end_byte(), end: piece.end_byte(), replacement: close.to_owned() });
    let fix = Fix { title: format!("store a copy: `{copy}`"), safe: *kind == Kind::String, edits };
    (format!("a copy: `{copy}`"), Some(fix))
}

/// The name to call `package.Clone` by in the file of `node`, with the import edit when the file does not import
/// it yet; `None` when it is imported as `_` or `.`, or its name is taken by a local.
fn clone_call(cx: &Context<'_, '_>, node: Node<'_>, package: &'static str) -> Option<(String, Option<Edit>)> {
    if let Some(name) = import_name(cx.text, node, package) {
        return Some((name.to_owned(), None));
    }
    if imports(cx.text, node, package)
        || top_function(node).is_some_and(|t| !bindings(cx.text, t, package).is_empty())
    {
        return None;
    }
    Some((package.to_owned(), Some(import_edit(cx.text, node, package)?)))
}
