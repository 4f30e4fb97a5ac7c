//! ## What it does
//! Finds a goroutine that calls `wg.Add` on the `sync.WaitGroup` that counts it, from inside itself
//! (`go func() { wg.Add(1); defer wg.Done(); … }()`), while the function that starts it calls `wg.Wait()`.
//!
//! ## Why is this bad?
//! `go` only schedules the goroutine: nothing says it runs before the next statement of its caller. When `Wait`
//! runs before the goroutine's `Add`, the counter is still zero and `Wait` returns at once, while the goroutine
//! goes on running. The caller then closes the channel the goroutine sends on (a panic), returns results that are
//! not filled in yet, or shuts down what the goroutine still uses. The `sync` documentation says it plainly: calls
//! with a positive delta must happen before the `Wait`, so `Add` belongs before the `go` statement. It usually
//! works in tests, where the new goroutine gets to run quickly, and fails under load.
//!
//! ## Example
//! ```go
//! func fetchAll(urls []string) []Page {
//! 	pages := make([]Page, len(urls))
//! 	var wg sync.WaitGroup
//! 	for i, url := range urls {
//! 		go func() {
//! 			wg.Add(1) // Wait below may already have returned
//! 			defer wg.Done()
//! 			pages[i] = get(url)
//! 		}()
//! 	}
//! 	wg.Wait()
//! 	return pages
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	for i, url := range urls {
//! 		wg.Add(1)
//! 		go func() {
//! 			defer wg.Done()
//! 			pages[i] = get(url)
//! 		}()
//! 	}
//! ```
//! or, from Go 1.25, `wg.Go(func() { pages[i] = get(url) })`, which counts before it starts the goroutine.
//! `--fix` moves the `Add` to the line before the `go` statement when its argument is a constant.
//!
//! ## Known problems
//! Only an `Add` that is a statement of the goroutine's own body is judged, on a value declared as a
//! `sync.WaitGroup` (a variable, parameter or struct field of that type), and only when the goroutine also calls
//! `Done` on it and the function that starts it calls `Wait` on it after the `go` statement, in a loop around
//! it, deferred, or in another goroutine. A goroutine that starts goroutines of its own with the same
//! `WaitGroup` is skipped (the `Add` may count those, and its own count may come from outside). When the
//! goroutine sends on or closes a channel after its `Add` and the starting function receives from that channel
//! before its `Wait` (or calls `Done` on another `WaitGroup` the function waits on), that orders the two and
//! nothing is reported; other synchronisation that does the same (a mutex, a condition variable, a channel
//! passed through another variable) is not seen. A `Wait` in
//! another method (`Close` waiting on `s.wg`) is not looked for, nor is a `WaitGroup` of the `sync` package
//! itself or one imported under another name.
//!
//! ## References
//! - [`sync.WaitGroup.Add`](https://pkg.go.dev/sync#WaitGroup.Add): "calls with a positive delta … must happen
//!   before a Wait"
//! - [`sync.WaitGroup.Go`](https://pkg.go.dev/sync#WaitGroup.Go) (Go 1.25)
//! - [go vet `waitgroup` analyzer](https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/waitgroup)
//! - `goroscope explain waitgroup-mismatch`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    Call, alone_on_line, body, contains, go_literal, in_literal_within, line_range, loop_running,
    runtime_name, statements, walk, walk_same_function,
};
use crate::waitgroup::{calls, function_body, is_deferred, mentions, resolve, statement_method};

pub(crate) static RULE: Rule = Rule {
    code: "GL202",
    name: "waitgroup-add-in-goroutine",
    summary: "goroutine calls wg.Add for itself, so the caller's wg.Wait can return before it runs",
    severity: Severity::Error,
    preview: false,
    kinds: &["go_statement"],
    check,
    source: include_str!("waitgroup_add_in_goroutine.rs"),
};

fn check(cx: &Context<'_, '_>, go: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(literal_body) = go_literal(go).and_then(body) else { return };
    let Some((spawner, scope)) = function_body(go) else { return };
    for statement in statements(literal_body) {
        let Some((add, receiver)) = statement_method(cx, statement, "Add") else { continue };
        let name = cx.text(receiver);
        // The goroutine counts itself: it calls Done on the same `WaitGroup` and hands it to no goroutine of its own.
        if calls(cx, literal_body, name, "Done").is_empty() || starts_goroutines_with(cx, literal_body, name)
        {
            continue;
        }
        let waits_after = calls(cx, scope, name, "Wait").into_iter().find(|wait| {
            !contains(go, *wait)
                && (wait.start_byte() >= go.end_byte()
                    || in_literal_within(*wait, scope)
                    || is_deferred(*wait, scope)
                    || loop_running(*wait).is_some_and(|l| contains(l, go)))
        });
        let Some(wait) = waits_after else { continue };
        if signals_before_wait(cx, statement, go, wait, scope) || resolve(cx, receiver).is_none() {
            continue;
        }
        let mut finding = cx.finding(
            add.node,
            format!(
                "`{}` runs inside the goroutine it counts, so `{name}.Wait()` in `{}` can run first and return \
                 while the goroutine is still running",
                cx.text(add.node),
                runtime_name(cx.text, spawner)
            ),
        );
        finding.related.push(cx.related(go, "goroutine started here"));
        finding.related.push(cx.related(wait, format!("`{name}.Wait()` can return before the `Add` runs")));
        finding.fix = move_before(cx, statement, &add.args(), go);
        findings.push(finding);
    }
}

/// Whether a `go` statement inside `node` mentions the `WaitGroup`.
fn starts_goroutines_with(cx: &Context<'_, '_>, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        found |= n.kind() == "go_statement" && !mentions(cx, n, name).is_empty();
        !found
    });
    found
}

/// Whether the goroutine, after its `Add` (or in a deferred call), signals something the starting function waits
/// for on the way to the `Wait`: a channel it sends on or closes and the function receives from, or another
/// `WaitGroup` it calls `Done` on and the function waits on. That wait orders the `Add` before the `Wait`.
fn signals_before_wait(
    cx: &Context<'_, '_>,
    add: Node<'_>,
    go: Node<'_>,
    wait: Node<'_>,
    scope: Node<'_>,
) -> bool {
    let mut signalled: Vec<(&str, &str)> = Vec::new();
    let Some(literal_body) = go_literal(go).and_then(body) else { return false };
    walk_same_function(literal_body, &mut |n| {
        if n.start_byte() < add.end_byte() && !is_deferred(n, literal_body) {
            return;
        }
        if n.kind() == "send_statement"
            && let Some(channel) = n.child_by_field_name("channel")
        {
            signalled.push(("chan", cx.text(channel)));
        } else if let Some(call) = Call::of(n) {
            match (call.receiver, cx.text(call.name), &call.args()[..]) {
                (None, "close", [channel]) => signalled.push(("chan", cx.text(*channel))),
                (Some(other), "Done", []) => signalled.push(("wg", cx.text(other))),
                _ => {}
            }
        }
    });
    let mut received = false;
    walk(scope, &mut |n| {
        // The wait must be on the waiter's own path: not in this or another goroutine or closure.
        let elsewhere = n.kind() == "func_literal" && !contains(n, wait);
        if n == go || elsewhere || n.start_byte() >= wait.start_byte() {
            return false;
        }
        let awaited = match n.kind() {
            "unary_expression" if n.child_by_field_name("operator").is_some_and(|o| cx.text(o) == "<-") => {
                n.child_by_field_name("operand").map(|o| ("chan", cx.text(o)))
            }
            "range_clause" => n.child_by_field_name("right").map(|r| ("chan", cx.text(r))),
            _ => Call::of(n)
                .filter(|call| cx.text(call.name) == "Wait")
                .and_then(|call| call.receiver)
                .map(|r| ("wg", cx.text(r))),
        };
        received |= awaited.is_some_and(|a| signalled.contains(&a));
        !received
    });
    received
}

/// Moves the `Add` statement (with any comment after it) to the line before the `go` statement, when its
/// arguments are constants and both statements have their lines to themselves.
fn move_before(cx: &Context<'_, '_>, statement: Node<'_>, args: &[Node<'_>], go: Node<'_>) -> Option<Fix> {
    let constant = args.iter().all(|a| a.kind() == "int_literal");
    if !constant || !alone_on_line(cx.text, statement) || !alone_on_line(cx.text, go) {
        return None;
    }
    let (start, end) = line_range(cx.text, statement);
    let moved = std::str::from_utf8(&cx.text.bytes[statement.start_byte()..end]).ok()?.trim_end();
    let at = cx.text.line_start(go.start_byte());
    let indent = cx.text.indent_at(go.start_byte());
    Some(Fix {
        title: format!("call `{}` before the `go` statement", cx.text(statement)),
        safe: true,
        edits: vec![
            Edit { start: at, end: at, replacement: format!("{indent}{moved}\n") },
            Edit { start, end, replacement: String::new() },
        ],
    })
}
