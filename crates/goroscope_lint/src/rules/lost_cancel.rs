//! ## What it does
//! Finds the cancel function of `context.WithCancel`, `WithTimeout`, `WithDeadline` (and their `…Cause`
//! forms) lost: discarded with `_`, or stored in a struct field (`s.cancel = cancel`, `T{cancel: cancel}`,
//! `ctx, s.cancel = context.WithCancel(…)`) that nothing in the package ever reads, so it is never called.
//!
//! ## Why is this bad?
//! A derived context is registered with its parent until it is cancelled: the parent keeps a reference to it
//! (and, for a parent whose `Done` channel is not the standard one, a goroutine waits on it), and `WithTimeout`
//! keeps a timer. Only the cancel function, or the parent ending, releases them. With a long-lived parent
//! (`context.Background()`, a server's base context) every call leaks one child, and anything waiting on the
//! child's `Done` waits until the timeout, or for ever for `WithCancel`.
//!
//! ## Example
//! ```go
//! func (c *Client) Ping(parent context.Context) error {
//! 	ctx, _ := context.WithTimeout(parent, c.timeout) // the cancel function is thrown away
//! 	return c.conn.Ping(ctx)
//! }
//!
//! func (w *Worker) Start(parent context.Context) {
//! 	ctx, cancel := context.WithCancel(parent)
//! 	w.cancel = cancel // and no method ever calls w.cancel
//! 	go w.run(ctx)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! func (c *Client) Ping(parent context.Context) error {
//! 	ctx, cancel := context.WithTimeout(parent, c.timeout)
//! 	defer cancel()
//! 	return c.conn.Ping(ctx)
//! }
//!
//! func (w *Worker) Stop() { w.cancel() }
//! ```
//! For `_`, `--fix` names the function `cancel` and adds `defer cancel()` on the next line, when `cancel` is not
//! already a name in the function and the statement declares (`:=` or `var`) on a line of its own. The fix is
//! not offered when the derived context is returned or stored (cancelling at return would break the caller); it
//! is unsafe when the context is used by a `go` statement or a function literal, when the statement is in a loop
//! (the contexts then live until the function returns), or when the function returns values other than an
//! `error`, which may carry the context to the caller (`req.WithContext(ctx)`).
//!
//! ## Known problems
//! `go vet`'s `lostcancel` reports a local cancel variable that is not called on every path, and `_` too; this
//! rule leaves the variables to vet, adds a fix for `_`, and follows the function into struct fields, where vet
//! stops (a stored cancel function counts as used for vet). A field counts as read when any
//! selector with its name (`x.cancel`, `x.cancel()`) is read anywhere in the package, in any type; exported
//! fields are skipped, since other packages may call them. A cancel variable used in any way besides the stores
//! into fields is not judged. `context` is recognised by its usual import name only. A discarded cancel is not
//! reported when the parent context was itself derived in the same function with its cancel deferred: the
//! child then ends with the function too.
//!
//! ## References
//! - [context.WithCancel](https://pkg.go.dev/context#WithCancel)
//! - [go vet lostcancel](https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/lostcancel)
//! - [Go blog: Go Concurrency Patterns: Context](https://go.dev/blog/context)

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    Call, Text, enclosing_function, find_all, in_literal_within, insert_line_after, inside_within,
    is_cancellable_context, named_children, runtime_name, statement_call, walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL301",
    name: "lost-cancel",
    summary: "the cancel function of a derived context is discarded or stored where nothing calls it",
    severity: Severity::Warning,
    preview: false,
    kinds: &["short_var_declaration", "assignment_statement", "var_spec"],
    check,
    source: include_str!("lost_cancel.rs"),
};

fn check(cx: &Context<'_, '_>, statement: Node<'_>, findings: &mut Vec<Finding>) {
    let right = statement.child_by_field_name(if statement.kind() == "var_spec" { "value" } else { "right" });
    let Some(call) =
        right.filter(|r| r.named_child_count() == 1).and_then(|r| r.named_child(0)).and_then(Call::of)
    else {
        return;
    };
    if !is_cancellable_context(cx.text, &call) {
        return;
    }
    let left = left_side(statement);
    let [ctx, cancel] = left.as_slice() else { return };
    let with = cx.text(call.name);
    let function = enclosing_function(statement);
    let in_function = function.map(|f| format!(" in `{}`", runtime_name(cx.text, f))).unwrap_or_default();
    match cancel.kind() {
        "identifier" if cx.text(*cancel) == "_" && !parent_cancelled_here(cx, &call, function) => {
            let mut finding = cx.finding(
                call.node,
                format!(
                    "the cancel function of `context.{with}` is discarded{in_function}: the derived context \
                     stays registered with its parent until {}",
                    if with.starts_with("WithCancel") {
                        "the parent is done"
                    } else {
                        "the deadline passes or the parent is done, its timer running"
                    }
                ),
            );
            finding.related.push(cx.related(*cancel, "cancel function discarded here"));
            finding.fix = function.and_then(|f| name_and_defer(cx, statement, *ctx, *cancel, f));
            findings.push(finding);
        }
        "identifier" => {
            let Some(function) = function else { return };
            let Some(stores) = only_stored(cx, function, *cancel) else { return };
            report_unread(cx, call.node, with, &in_function, &stores, findings);
        }
        "selector_expression" => {
            let Some(field) = cancel.child_by_field_name("field") else { return };
            report_unread(
                cx,
                call.node,
                with,
                &in_function,
                &[(*cancel, cx.text(field).to_owned())],
                findings,
            );
        }
        _ => {}
    }
}

/// The names or expressions assigned by `a, b := x`, `a, b = x` or `var a, b = x`.
fn left_side(statement: Node<'_>) -> Vec<Node<'_>> {
    if statement.kind() == "var_spec" {
        return named_children(statement).into_iter().filter(|n| n.kind() == "identifier").collect();
    }
    statement.child_by_field_name("left").map(named_children).unwrap_or_default()
}

/// Reports a cancel function whose every store is an unexported field that nothing in the package reads.
fn report_unread(
    cx: &Context<'_, '_>,
    call: Node<'_>,
    with: &str,
    in_function: &str,
    stores: &[(Node<'_>, String)],
    findings: &mut Vec<Finding>,
) {
    let facts = cx.package.facts();
    let unread =
        |field: &str| field.starts_with(|c: char| c.is_lowercase()) && !facts.read_fields.contains(field);
    let Some((store, field)) = stores.first() else { return };
    if !stores.iter().all(|(_, field)| unread(field)) {
        return;
    }
    let mut finding = cx.finding(
        call,
        format!(
            "the cancel function of `context.{with}`{in_function} is stored in field `{field}`, which nothing in \
             the package reads: it is never called and the derived context is never cancelled"
        ),
    );
    finding.related.push(cx.related(*store, format!("stored here; no code reads `{field}`")));
    findings.push(finding);
}

/// The stores of the local cancel variable `cancel` into fields (`x.f = cancel`, `T{f: cancel}`) with the
/// field names; `None` when it is used any other way (called, deferred, passed, captured, reassigned).
fn only_stored<'t>(
    cx: &Context<'_, '_>,
    function: Node<'t>,
    cancel: Node<'t>,
) -> Option<Vec<(Node<'t>, String)>> {
    let name = cx.text(cancel);
    let mut stores = Vec::new();
    let mut other_use = false;
    let body = function.child_by_field_name("body")?;
    walk(body, &mut |n| {
        if n.kind() == "identifier" && n != cancel && cx.text(n) == name {
            match field_store(cx.text, n) {
                Some((target, field)) => stores.push((target, field.to_owned())),
                None => other_use = true,
            }
        }
        true
    });
    (!other_use && !stores.is_empty()).then_some(stores)
}

/// `(target, field)` when `value` is stored in a struct field: the right side of `x.f = value` or the value of
/// `f: value` in a composite literal.
fn field_store<'t, 'a>(text: &Text<'a>, value: Node<'t>) -> Option<(Node<'t>, &'a str)> {
    let parent = value.parent()?;
    match parent.kind() {
        "literal_element" => {
            let keyed = parent.parent().filter(|k| k.kind() == "keyed_element")?;
            if keyed.child_by_field_name("value") != Some(parent) {
                return None;
            }
            let key = keyed.child_by_field_name("key")?;
            Some((keyed, text.of(key)))
        }
        "expression_list" => {
            let assignment = parent.parent().filter(|a| a.kind() == "assignment_statement")?;
            if assignment.child_by_field_name("right") != Some(parent) {
                return None;
            }
            let index = named_children(parent).iter().position(|n| *n == value)?;
            let target = named_children(assignment.child_by_field_name("left")?).get(index).copied()?;
            let field =
                target.child_by_field_name("field").filter(|_| target.kind() == "selector_expression")?;
            Some((target, text.of(field)))
        }
        _ => None,
    }
}

/// Names the discarded function `cancel` and defers it on the next line.
fn name_and_defer(
    cx: &Context<'_, '_>,
    statement: Node<'_>,
    ctx: Node<'_>,
    cancel: Node<'_>,
    function: Node<'_>,
) -> Option<Fix> {
    let declaration = match statement.kind() {
        "short_var_declaration" => statement,
        "var_spec" => statement.parent().filter(|d| d.kind() == "var_declaration")?,
        _ => return None,
    };
    if declaration.parent().is_none_or(|list| list.kind() != "statement_list")
        || ctx.kind() != "identifier"
        || cx.text(ctx) == "_"
    {
        return None;
    }
    let mut name_taken = false;
    let mut uses = Vec::new();
    walk(function, &mut |n| {
        if n.kind() == "identifier" {
            name_taken |= cx.text(n) == "cancel";
            if n != ctx && cx.text(n) == cx.text(ctx) && n.start_byte() > statement.end_byte() {
                uses.push(n);
            }
        }
        true
    });
    if name_taken || uses.iter().any(|u| escapes(*u)) {
        return None;
    }
    let body = function.child_by_field_name("body")?;
    let unsafe_use =
        uses.iter().any(|u| in_literal_within(*u, body) || inside_within(*u, "go_statement", body));
    let in_loop = inside_within(statement, "for_statement", body);
    let safe = !unsafe_use && !in_loop && returns_at_most_error(cx.text, function);
    let defer = insert_line_after(cx.text, declaration, "defer cancel()")?;
    Some(Fix {
        title: "name the cancel function and `defer cancel()`".to_owned(),
        safe,
        edits: vec![
            Edit { start: cancel.start_byte(), end: cancel.end_byte(), replacement: "cancel".to_owned() },
            defer,
        ],
    })
}

/// Whether a use of the derived context hands it out of the function as it is: returned, or stored in a field, an
/// element, a composite literal.
fn escapes(use_: Node<'_>) -> bool {
    let Some(parent) = use_.parent() else { return false };
    let returned = parent.kind() == "return_statement"
        || parent.kind() == "expression_list"
            && parent.parent().is_some_and(|r| r.kind() == "return_statement");
    let stored_in_place = parent.kind() == "expression_list"
        && parent.parent().is_some_and(|a| {
            a.kind() == "assignment_statement"
                && a.child_by_field_name("right") == Some(parent)
                && a.child_by_field_name("left")
                    .is_some_and(|l| named_children(l).iter().any(|t| t.kind() != "identifier"))
        });
    returned || stored_in_place || parent.kind() == "literal_element"
}

/// Whether the function returns nothing, or only an `error`.
fn returns_at_most_error(text: &Text<'_>, function: Node<'_>) -> bool {
    match function.child_by_field_name("result") {
        None => true,
        Some(result) if result.kind() == "parameter_list" => named_children(result)
            .iter()
            .all(|p| p.child_by_field_name("type").is_some_and(|t| text.of(t) == "error")),
        Some(result) => text.of(result) == "error",
    }
}

/// Whether the parent context of `call` is a local `ctx, cancel := context.With…(…)` of `function` whose
/// `cancel` is deferred there: the discarded child is released when the function returns.
fn parent_cancelled_here(cx: &Context<'_, '_>, call: &Call<'_>, function: Option<Node<'_>>) -> bool {
    let (Some(parent), Some(function)) = (call.args().first().copied(), function) else { return false };
    let parent = cx.text(parent);
    find_all(function, "short_var_declaration").into_iter().any(|declaration| {
        let left = left_side(declaration);
        let derived = declaration
            .child_by_field_name("right")
            .and_then(|r| r.named_child(0))
            .and_then(Call::of)
            .is_some_and(|c| is_cancellable_context(cx.text, &c));
        let [ctx, cancel] = left.as_slice() else { return false };
        derived
            && cx.text(*ctx) == parent
            && find_all(function, "defer_statement").into_iter().any(|d| {
                statement_call(d).is_some_and(|c| c.receiver.is_none() && cx.text(c.name) == cx.text(*cancel))
            })
    })
}
