//! `sync.WaitGroup` values and what goroutines do with them. A value counts as a `WaitGroup` only when its
//! declaration says so: `var wg sync.WaitGroup`, `wg := sync.WaitGroup{}` / `&sync.WaitGroup{}` /
//! `new(sync.WaitGroup)`, a parameter of type `sync.WaitGroup` or `*sync.WaitGroup`, a package-level variable of
//! that type, or a field of that type of a struct the package declares (`s.wg`). Names alone decide nothing.

use tree_sitter::Node;

use crate::context::{Context, Package};
use crate::syntax::{
    Call, ancestors, body, enclosing_function, go_literal, is_function, named_children, unparen, walk,
    walk_same_function,
};

/// Where a `WaitGroup` is declared, which decides who else can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A variable of an enclosing function: only code it is handed to can touch it.
    Local,
    /// A parameter of an enclosing function: the caller holds it too.
    Param,
    /// A field of a struct declared in the package.
    Field,
    /// A package-level variable.
    Global,
}

/// A `WaitGroup` as written at a call (`wg`, `s.wg`), and where it is declared.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitGroup<'a> {
    /// The receiver's text; within one function the same text is the same `WaitGroup`.
    pub(crate) text: &'a str,
    pub(crate) origin: Origin,
}

/// `X.method(…)` where `method` is one of `WaitGroup`'s (`Add`, `Done`, `Wait`, `Go`), by syntax only: the receiver
/// and the method name. Cheap; say whether `X` is a `WaitGroup` with [`resolve`].
pub(crate) fn method_call<'t, 's>(
    cx: &Context<'s, '_>,
    node: Node<'t>,
) -> Option<(Call<'t>, Node<'t>, &'s str)> {
    let call = Call::of(node)?;
    let receiver = unparen(call.receiver?);
    let method = cx.text.of(call.name);
    matches!(method, "Add" | "Done" | "Wait" | "Go").then_some((call, receiver, method))
}

/// The call an expression statement (`wg.Wait()`) makes, when it is `method` on some receiver.
pub(crate) fn statement_method<'t>(
    cx: &Context<'_, '_>,
    statement: Node<'t>,
    method: &str,
) -> Option<(Call<'t>, Node<'t>)> {
    if statement.kind() != "expression_statement" {
        return None;
    }
    let (call, receiver, name) = method_call(cx, statement.named_child(0)?)?;
    (name == method).then_some((call, receiver))
}

/// `expr` as a `WaitGroup`, when its declaration says it is one.
pub(crate) fn resolve<'a>(cx: &Context<'a, '_>, expr: Node<'_>) -> Option<WaitGroup<'a>> {
    let origin = origin(cx, expr, 0)?;
    Some(WaitGroup { text: cx.text.of(unparen(expr)), origin })
}

fn origin(cx: &Context<'_, '_>, expr: Node<'_>, depth: u8) -> Option<Origin> {
    let expr = unparen(expr);
    match expr.kind() {
        "unary_expression" if depth < 4 => {
            let operator = expr.child_by_field_name("operator").map(|o| cx.text.of(o));
            matches!(operator, Some("&" | "*"))
                .then(|| origin(cx, expr.child_by_field_name("operand")?, depth + 1))
                .flatten()
        }
        "identifier" => identifier_origin(cx, expr, depth),
        "selector_expression" => {
            let field = cx.text.of(expr.child_by_field_name("field")?);
            field_is_waitgroup(cx.package, field).then_some(Origin::Field)
        }
        _ => None,
    }
}

/// The declaration of identifier `expr` in the functions around it, innermost first, then at package level.
fn identifier_origin(cx: &Context<'_, '_>, expr: Node<'_>, depth: u8) -> Option<Origin> {
    let name = cx.text.of(expr);
    for function in ancestors(expr).filter(|n| is_function(*n)) {
        if let Some(is_wg) = parameter_is_waitgroup(cx, function, name) {
            return is_wg.then_some(Origin::Param);
        }
        let Some(body) = body(function) else { continue };
        let mut declared: Vec<Result<Origin, ()>> = Vec::new();
        walk_same_function(body, &mut |n| {
            if let Some(found) = declaration_of(cx, n, name, depth) {
                declared.push(found);
            }
        });
        if !declared.is_empty() {
            // Every declaration of the name in this function must be a `WaitGroup` (shadowing is not followed).
            return declared.iter().all(Result::is_ok).then(|| declared[0].ok()).flatten();
        }
    }
    package_variable_is_waitgroup(cx.package, name).then_some(Origin::Global)
}

/// `Some(whether it is a WaitGroup)` when `function` has a parameter named `name`.
fn parameter_is_waitgroup(cx: &Context<'_, '_>, function: Node<'_>, name: &str) -> Option<bool> {
    let lists = ["parameters", "receiver"].into_iter().filter_map(|f| function.child_by_field_name(f));
    for list in lists {
        for parameter in named_children(list) {
            let mut cursor = parameter.walk();
            if parameter.children_by_field_name("name", &mut cursor).any(|n| cx.text.of(n) == name) {
                return Some(parameter.child_by_field_name("type").is_some_and(|t| is_type(cx.text.of(t))));
            }
        }
    }
    None
}

/// When `node` declares `name`: `Some(Ok(origin))` for a `WaitGroup`, `Some(Err(()))` for anything else.
fn declaration_of(cx: &Context<'_, '_>, node: Node<'_>, name: &str, depth: u8) -> Option<Result<Origin, ()>> {
    match node.kind() {
        "short_var_declaration" => {
            let left = named_children(node.child_by_field_name("left")?);
            let index = left.iter().position(|n| cx.text.of(*n) == name)?;
            let right = named_children(node.child_by_field_name("right")?);
            Some(right.get(index).and_then(|value| value_origin(cx, *value, depth)).ok_or(()))
        }
        "var_spec" => {
            let mut cursor = node.walk();
            let index =
                node.children_by_field_name("name", &mut cursor).position(|n| cx.text.of(n) == name)?;
            if let Some(ty) = node.child_by_field_name("type") {
                return Some(if is_type(cx.text.of(ty)) { Ok(Origin::Local) } else { Err(()) });
            }
            let values = named_children(node.child_by_field_name("value")?);
            Some(values.get(index).and_then(|value| value_origin(cx, *value, depth)).ok_or(()))
        }
        "range_clause" => {
            let left = node.child_by_field_name("left")?;
            named_children(left).iter().any(|n| cx.text.of(*n) == name).then_some(Err(()))
        }
        _ => None,
    }
}

/// `sync.WaitGroup{}`, `&sync.WaitGroup{}`, `new(sync.WaitGroup)`: a new local `WaitGroup`; `&x.wg`: that one.
fn value_origin(cx: &Context<'_, '_>, value: Node<'_>, depth: u8) -> Option<Origin> {
    let compact: String = cx.text.of(value).chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(compact.as_str(), "sync.WaitGroup{}" | "&sync.WaitGroup{}" | "new(sync.WaitGroup)") {
        return Some(Origin::Local);
    }
    let value = unparen(value);
    let address_of = value.kind() == "unary_expression"
        && value.child_by_field_name("operator").is_some_and(|o| cx.text.of(o) == "&");
    address_of.then(|| origin(cx, value, depth + 1)).flatten()
}

/// `sync.WaitGroup` or `*sync.WaitGroup`, spaces ignored.
fn is_type(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(compact.as_str(), "sync.WaitGroup" | "*sync.WaitGroup")
}

fn source_of<'f>(source: &'f [u8], node: Node<'_>) -> &'f str {
    std::str::from_utf8(&source[node.byte_range()]).unwrap_or_default()
}

/// Whether structs declared in the package have a field `field` of `WaitGroup` type (an embedded `sync.WaitGroup`
/// is the field `WaitGroup`), and no field of that name of another type.
fn field_is_waitgroup(package: &Package<'_>, field: &str) -> bool {
    let mut seen = false;
    let mut other = false;
    for file in package.files {
        for declaration in named_children(file.tree.root_node()) {
            if declaration.kind() != "type_declaration" {
                continue;
            }
            walk(declaration, &mut |n| {
                if n.kind() == "field_declaration"
                    && let Some(ty) = n.child_by_field_name("type")
                {
                    let ty_text = source_of(&file.source, ty);
                    let mut cursor = n.walk();
                    let names: Vec<&str> = n
                        .children_by_field_name("name", &mut cursor)
                        .map(|f| source_of(&file.source, f))
                        .collect();
                    let named = if names.is_empty() { field == "WaitGroup" } else { names.contains(&field) };
                    if named {
                        if is_type(ty_text) { seen = true } else { other = true }
                    }
                }
                true
            });
        }
    }
    seen && !other
}

/// Whether a package-level `var name sync.WaitGroup` (or `= sync.WaitGroup{}` …) exists in the package.
fn package_variable_is_waitgroup(package: &Package<'_>, name: &str) -> bool {
    package.files.iter().any(|file| {
        named_children(file.tree.root_node()).into_iter().filter(|d| d.kind() == "var_declaration").any(|d| {
            let mut found = false;
            walk(d, &mut |n| {
                if n.kind() == "var_spec" {
                    let mut cursor = n.walk();
                    let names = n.children_by_field_name("name", &mut cursor);
                    if names.into_iter().any(|id| source_of(&file.source, id) == name) {
                        let ty = n.child_by_field_name("type").map(|t| source_of(&file.source, t));
                        let value = n.child_by_field_name("value").map(|v| {
                            source_of(&file.source, v)
                                .chars()
                                .filter(|c| !c.is_whitespace())
                                .collect::<String>()
                        });
                        found |= ty.is_some_and(is_type)
                            || value.is_some_and(|v| v == "sync.WaitGroup{}" || v == "&sync.WaitGroup{}");
                    }
                }
                true
            });
            found
        })
    })
}

/// The places below `node` (nested functions included) that name the `WaitGroup` written `wg`: identifiers for a
/// variable, selector expressions for a field.
pub(crate) fn mentions<'t>(cx: &Context<'_, '_>, node: Node<'t>, wg: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut visit = |n: Node<'t>| {
        if matches!(n.kind(), "identifier" | "selector_expression") && cx.text.of(n) == wg {
            found.push(n);
            return false;
        }
        true
    };
    if visit(node) {
        walk(node, &mut visit);
    }
    found
}

/// The method called on a mention (`Done` for the `wg` of `wg.Done()`) and the call.
pub(crate) fn called_method<'t, 's>(cx: &Context<'s, '_>, mention: Node<'t>) -> Option<(&'s str, Node<'t>)> {
    let mut operand = mention;
    while let Some(parent) = operand.parent().filter(|p| p.kind() == "parenthesized_expression") {
        operand = parent;
    }
    let selector = operand.parent().filter(|p| p.kind() == "selector_expression")?;
    if selector.child_by_field_name("operand") != Some(operand) {
        return None;
    }
    let call = selector.parent().filter(|p| p.kind() == "call_expression")?;
    if call.child_by_field_name("function") != Some(selector) {
        return None;
    }
    Some((cx.text.of(selector.child_by_field_name("field")?), call))
}

/// The calls `wg.method(…)` below `node`, nested functions included.
pub(crate) fn calls<'t>(cx: &Context<'_, '_>, node: Node<'t>, wg: &str, method: &str) -> Vec<Node<'t>> {
    mentions(cx, node, wg)
        .into_iter()
        .filter_map(|m| called_method(cx, m).filter(|(name, _)| *name == method).map(|(_, call)| call))
        .collect()
}

/// How many times the goroutine a `go` statement starts calls `Done` on `wg`: `Some(0)` when it cannot reach
/// `wg`, `None` when it is not known (it hands `wg` on, calls another method on it, starts goroutines of its own
/// with it, calls Done in a loop, or runs code that may reach a field or package variable).
pub(crate) fn done_count(cx: &Context<'_, '_>, go: Node<'_>, wg: &WaitGroup<'_>) -> Option<usize> {
    let call = unparen(go.named_child(0)?);
    let args: Vec<Node<'_>> = named_children(call.child_by_field_name("arguments")?)
        .into_iter()
        .filter(|n| n.kind() != "comment")
        .collect();
    let passed: Vec<usize> =
        (0..args.len()).filter(|i| !mentions(cx, args[*i], wg.text).is_empty()).collect();
    let passed_as = |function: Node<'_>| -> Option<Option<String>> {
        match passed.as_slice() {
            [] => Some(None),
            [index] if is_plain_reference(cx, args[*index], wg.text) => {
                Some(Some(parameter_names(cx.text, function).get(*index)?.clone()))
            }
            _ => None,
        }
    };
    if let Some(literal) = go_literal(go) {
        let inner = passed_as(literal)?;
        let shadowed = inner.is_none() && parameter_names(cx.text, literal).iter().any(|p| p == wg.text);
        if shadowed {
            return None;
        }
        return count_done(cx, body(literal)?, inner.as_deref().unwrap_or(wg.text));
    }
    let reachable = matches!(wg.origin, Origin::Local | Origin::Param);
    if reachable && mentions(cx, call, wg.text).is_empty() {
        return Some(0);
    }
    // `go worker(&wg, …)`: the worker's body, when the package declares it.
    let (file, function) = cx.package.function(cx.text.of(Call::of(call)?.name))?;
    let parameter = passed_as(function)??;
    let text = crate::syntax::Text::new(&file.source);
    let inner =
        Context { path: &file.path, text: &text, module: cx.module, package: cx.package, rule: cx.rule };
    count_done(&inner, body(function)?, &parameter)
}

/// `wg` or `&wg`.
fn is_plain_reference(cx: &Context<'_, '_>, arg: Node<'_>, wg: &str) -> bool {
    let arg = unparen(arg);
    let inner = if arg.kind() == "unary_expression" { arg.child_by_field_name("operand") } else { Some(arg) };
    inner.is_some_and(|n| cx.text.of(unparen(n)) == wg)
}

/// The parameter names of a function, one per parameter (`a, b int` gives two).
fn parameter_names(text: &crate::syntax::Text<'_>, function: Node<'_>) -> Vec<String> {
    let Some(list) = function.child_by_field_name("parameters") else { return Vec::new() };
    let mut names = Vec::new();
    for parameter in named_children(list) {
        let mut cursor = parameter.walk();
        let declared: Vec<String> =
            parameter.children_by_field_name("name", &mut cursor).map(|n| text.of(n).to_owned()).collect();
        if declared.is_empty() {
            names.push(String::new());
        }
        names.extend(declared);
    }
    names
}

/// The number of `Done` calls on `wg` a run of a function body makes, when every mention of `wg` there is such a
/// call outside loops and outside goroutines the body starts. Several calls that each end their path (a `return`
/// follows, or the body ends) are one per run.
fn count_done(cx: &Context<'_, '_>, body: Node<'_>, wg: &str) -> Option<usize> {
    let mut calls = Vec::new();
    for mention in mentions(cx, body, wg) {
        let (method, call) = called_method(cx, mention)?;
        let nested = ancestors(call).take_while(|a| *a != body).any(|a| {
            matches!(a.kind(), "for_statement" | "go_statement")
                || a.kind() == "func_literal" && enclosing_defer(a).is_none()
        });
        if method != "Done" || nested {
            return None;
        }
        calls.push(call);
    }
    let one_per_path = || {
        calls.iter().all(|call| {
            call.parent().is_some_and(|s| s.kind() == "expression_statement" && ends_path(s, body))
        })
    };
    match calls.len() {
        0 | 1 => Some(calls.len()),
        _ if one_per_path() => Some(1),
        _ => None,
    }
}

/// Whether `statement` ends its path through the function `body`: a `return` follows it in its block, or it is
/// the last statement of the body.
pub(crate) fn ends_path(statement: Node<'_>, body: Node<'_>) -> bool {
    match next_statement(statement) {
        Some(next) => next.kind() == "return_statement",
        None => statement.parent().and_then(|list| list.parent()) == Some(body),
    }
}

/// The statement after `statement` in its block, comments skipped.
pub(crate) fn next_statement(statement: Node<'_>) -> Option<Node<'_>> {
    std::iter::successors(statement.next_named_sibling(), |n| n.next_named_sibling())
        .find(|n| n.kind() != "comment")
}

/// The `defer` statement of `defer func() {…}()`, for a function literal.
fn enclosing_defer(literal: Node<'_>) -> Option<Node<'_>> {
    let call = literal.parent().filter(|p| p.kind() == "call_expression")?;
    call.parent().filter(|p| p.kind() == "defer_statement")
}

/// Whether `call` runs deferred: in a `defer` statement, or in a literal deferred with `defer func() {…}()`,
/// within `scope`.
pub(crate) fn is_deferred(call: Node<'_>, scope: Node<'_>) -> bool {
    ancestors(call).take_while(|a| *a != scope).any(|a| a.kind() == "defer_statement")
}

/// The function whose body holds `node` and the body.
pub(crate) fn function_body(node: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let function = enclosing_function(node)?;
    Some((function, body(function)?))
}

/// The name in `var wg …` or `wg := …`.
pub(crate) fn is_declaration(mention: Node<'_>) -> bool {
    let Some(parent) = mention.parent() else { return false };
    match parent.kind() {
        "var_spec" => true,
        "expression_list" => parent.parent().is_some_and(|s| {
            s.kind() == "short_var_declaration" && s.child_by_field_name("left") == Some(parent)
        }),
        _ => false,
    }
}
