//! ## What it does
//! Finds a function that takes a `[]byte` parameter and returns a bounded piece of it (`return b[i:j]`,
//! `return b[:n]`) when a caller in the same package keeps that result where such pieces pile up: in a
//! package-level variable, or in an element or key of a map, directly or through the one local holding the
//! result.
//!
//! ## Why is this bad?
//! The returned piece shares the caller's buffer. A caller that keeps it, in a cache or a global, keeps the whole
//! buffer alive: a 16-byte id kept from every 64 KiB packet keeps every packet. The caller sees only a small
//! `[]byte` and has no reason to suspect it; the function that cut it is where the choice is made, and a heap
//! profile will not point there (it shows where the buffer was allocated). A buffer that the caller reuses for
//! the next read also overwrites what was kept.
//!
//! ## Example
//! ```go
//! var lastSeen = map[string][]byte{}
//!
//! func messageID(packet []byte) []byte {
//! 	return packet[4:20]
//! }
//!
//! func handle(peer string, packet []byte) {
//! 	lastSeen[peer] = messageID(packet) // keeps all of packet
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! func messageID(packet []byte) []byte {
//! 	return bytes.Clone(packet[4:20])
//! }
//! ```
//! or copy where the result is kept (`lastSeen[peer] = bytes.Clone(messageID(packet))`), when other callers
//! want the cheap view. No fix is offered: which of the two is right depends on all the callers.
//!
//! ## Known problems
//! Functions that return views on purpose (tokenisers, trimming and parsing helpers like `bytes.TrimSpace`) are
//! why the rule asks for evidence: it reports only when a caller in the same package is seen to keep the result,
//! so a function whose keeping callers are in other packages is not reported. A caller that keeps the result in
//! a struct field does not count, as in GL601 `retained-subslice`: decoders and parsers keep views of their
//! input on purpose (`bufio.Scanner` keeps its token so). The callers are found by name: a function by its name
//! called without a receiver, a method by its name called on anything, and only when no other function, method
//! or struct field of the package has that name. A result kept after passing through other calls or variables
//! than the one local holding it is not followed. Suffixes (`b[i:]`), whole and empty slices are not reported,
//! and the parameter must be declared `[]byte` and never reassigned but by re-slicing itself.
//!
//! ## References
//! - [Go blog: Go Slices: usage and internals, "A possible gotcha"](https://go.dev/blog/slices-intro)
//! - [bytes.Clone](https://pkg.go.dev/bytes#Clone)
//! - `goroscope explain subslice-retention`
//! - GL601 `retained-subslice`, the same retention in one function

use tree_sitter::Node;

use crate::context::{Context, Package};
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::retention::{
    Kind, Made, Store, accumulates, field_types, origin, store_of, whole_or_empty,
};
use crate::syntax::{
    Call, FUNCTION_KINDS, Text, bindings, enclosing_function, named_children, runtime_name, top_function,
    unparen, walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL602",
    name: "returned-subslice",
    summary: "a function returns a piece of its `[]byte` parameter and a caller keeps it in a map or global",
    severity: Severity::Warning,
    preview: false,
    kinds: &["return_statement"],
    check,
    source: include_str!("returned_subslice.rs"),
};

fn check(cx: &Context<'_, '_>, statement: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(function) = enclosing_function(statement).filter(|f| FUNCTION_KINDS[..2].contains(&f.kind()))
    else {
        return;
    };
    let results = result_types(function);
    let returned = statement.named_child(0).map(named_children).unwrap_or_default();
    if returned.len() != results.len() {
        return;
    }
    for (index, (value, ty)) in returned.into_iter().zip(&results).enumerate() {
        let piece = unparen(value);
        if piece.kind() != "slice_expression"
            || cx.text(*ty).replace(' ', "") != "[]byte"
            || piece.child_by_field_name("end").is_none()
            || whole_or_empty(cx.text, piece)
        {
            continue;
        }
        let Some(operand) = piece.child_by_field_name("operand") else { continue };
        let Some(origin) = origin(cx.text, cx.package, operand) else { continue };
        if origin.made != Made::Parameter || origin.kind != Kind::Bytes || origin.function != function {
            continue;
        }
        let Some(kept) = kept_by_caller(cx.package, cx.text, function, index, results.len()) else {
            continue;
        };
        let caller_text = &cx.package.text(kept.file);
        let file =
            cx.package.files[kept.file].path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let caller = enclosing_function(kept.store.assignment)
            .map(|f| runtime_name(caller_text, f))
            .unwrap_or_default();
        let name = cx.text(operand);
        let message = format!(
            "`{}` returns `{}`, a subslice of its parameter `{name}`, and `{caller}` keeps the result in {} \
             ({file}:{}): that keeps the caller's whole buffer alive; return a copy (`bytes.Clone`) or copy it there",
            runtime_name(cx.text, function),
            cx.snippet(piece),
            kept.store.describe(caller_text),
            kept.store.assignment.start_position().row + 1,
        );
        let mut finding = cx.finding(piece, message);
        finding.related.push(cx.related(origin.node, format!("`{name}` is the caller's buffer")));
        if cx.package.files[kept.file].path == cx.path {
            finding.related.push(cx.related(kept.store.assignment, "the caller keeps the result here"));
        }
        findings.push(finding);
    }
}

/// The declared result types, one per result (`(a, b []byte)` gives two).
fn result_types(function: Node<'_>) -> Vec<Node<'_>> {
    let Some(result) = function.child_by_field_name("result") else { return Vec::new() };
    if result.kind() != "parameter_list" {
        return vec![result];
    }
    named_children(result)
        .into_iter()
        .filter(|p| p.kind() == "parameter_declaration")
        .flat_map(|p| {
            let ty = p.child_by_field_name("type");
            let mut cursor = p.walk();
            let names = p.children_by_field_name("name", &mut cursor).count().max(1);
            std::iter::repeat_n(ty, names).flatten()
        })
        .collect()
}

/// A caller keeping a result.
struct Kept<'p> {
    /// The caller's file in the package.
    file: usize,
    store: Store<'p>,
}

/// The first call of `function` in the package whose result number `index` (of `count`) is stored where it
/// outlives the caller, directly or through the one local holding it. `None` when another function or method
/// of the package has the same name.
fn kept_by_caller<'p>(
    package: &Package<'p>,
    text: &Text<'_>,
    function: Node<'_>,
    index: usize,
    count: usize,
) -> Option<Kept<'p>> {
    let name = text.of(function.child_by_field_name("name")?);
    let method = function.kind() == "method_declaration";
    let mut declarations = 0;
    let mut found = None;
    for (file, parsed) in package.files.iter().enumerate() {
        let text = &package.text(file);
        walk(parsed.tree.root_node(), &mut |node| {
            if FUNCTION_KINDS[..2].contains(&node.kind())
                && node.child_by_field_name("name").is_some_and(|n| text.of(n) == name)
            {
                declarations += 1;
            }
            if found.is_none()
                && let Some(call) = Call::of(node)
                && text.of(call.name) == name
                && call.receiver.is_some() == method
            {
                found =
                    result_store(package, text, call.node, index, count).map(|store| Kept { file, store });
            }
            true
        });
    }
    // A func-typed field of that name (`s.split(…)`) is called the same way as a method.
    found.filter(|_| declarations == 1 && field_types(package, name).is_empty())
}

/// Where the caller stores result `index` of `call`: the call itself when it has one result, or the local
/// declared for that result by `:=`, when one of its uses is such a store.
fn result_store<'p>(
    package: &Package<'_>,
    text: &Text<'_>,
    call: Node<'p>,
    index: usize,
    count: usize,
) -> Option<Store<'p>> {
    if count == 1
        && let Some(store) = store_of(text, package, call).filter(|s| accumulates(text, package, s))
    {
        return Some(store);
    }
    let list = call.parent().filter(|l| l.kind() == "expression_list" && l.named_child_count() == 1)?;
    let declaration = list.parent().filter(|d| d.kind() == "short_var_declaration")?;
    let local = *named_children(declaration.child_by_field_name("left")?).get(index)?;
    let id = text.of(local);
    let top = top_function(local)?;
    if id == "_" || bindings(text, top, id).len() != 1 {
        return None;
    }
    let mut store = None;
    walk(top, &mut |node| {
        if store.is_none() && node.kind() == "identifier" && node != local && text.of(node) == id {
            store = store_of(text, package, node).filter(|s| accumulates(text, package, s));
        }
        store.is_none()
    });
    store
}
