//! ## What it does
//! Finds `wg.Add(N)` with a constant `N` followed, in the same block and before `wg.Wait()`, by a number of `go`
//! statements whose goroutines call `wg.Done()` that is not `N`.
//!
//! ## Why is this bad?
//! `Wait` returns when the counter is back to zero. With more `Add` than goroutines calling `Done`
//! (`wg.Add(3)` and two goroutines, often after one was removed), the counter never gets there and `Wait` blocks
//! forever. With fewer (`wg.Add(1)` and two goroutines, often after one was added), `Wait` returns while a
//! goroutine still runs, and its `Done` then takes the counter below zero, which panics with
//! `sync: negative WaitGroup counter`.
//!
//! ## Example
//! ```go
//! func mirror(a, b net.Conn) {
//! 	var wg sync.WaitGroup
//! 	wg.Add(3) // only two goroutines below
//! 	go func() {
//! 		defer wg.Done()
//! 		io.Copy(a, b)
//! 	}()
//! 	go func() {
//! 		defer wg.Done()
//! 		io.Copy(b, a)
//! 	}()
//! 	wg.Wait() // blocks forever
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	wg.Add(2)
//! ```
//! or `wg.Add(1)` right before each `go` statement, which keeps the count next to what it counts; from Go 1.25,
//! `wg.Go(func() { io.Copy(a, b) })` counts for you. `--unsafe-fixes` changes `N` to the number of goroutines seen:
//! it is not a safe fix because the right count may be the one in `Add` (a goroutine that should call `Done` is
//! missing it, or one was left out by mistake).
//!
//! ## Known problems
//! Only a `sync.WaitGroup` declared as a variable of the function is judged, and only when the whole stretch from
//! the `Add` to the `Wait` is certain: every statement between them that mentions the `WaitGroup` is a `go`
//! statement of that same block (none in a loop or an `if`), no other `Add`, `Done` or `Go` call comes in
//! between, and nothing uses the `WaitGroup` before the `Add` since the previous `Wait` of the block (a goroutine
//! started earlier may call `Done` too). Each goroutine's `Done` calls must be seen, in its function literal or in
//! the package function it is handed the `WaitGroup` to, and none may be in a loop; a goroutine counts once when
//! it calls `Done` once, or when each of its calls ends its path (a `return` follows it, or the body ends), and
//! is otherwise not counted with certainty, so nothing is reported. A goroutine counted once may still skip its
//! `Done` on some path: `waitgroup-done-not-deferred` (GL204) looks at that.
//!
//! ## References
//! - [`sync.WaitGroup.Add`](https://pkg.go.dev/sync#WaitGroup.Add): "If the counter becomes zero, all goroutines
//!   blocked on Wait are released. If the counter goes negative, Add panics."
//! - [`sync.WaitGroup.Go`](https://pkg.go.dev/sync#WaitGroup.Go) (Go 1.25)
//! - `goroscope explain waitgroup-mismatch`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{body, enclosing_function, runtime_name, top_function};
use crate::waitgroup::{Origin, done_count, is_declaration, mentions, resolve, statement_method};

pub(crate) static RULE: Rule = Rule {
    code: "GL205",
    name: "waitgroup-add-mismatch",
    summary: "wg.Add(N) does not match the number of goroutines started before wg.Wait() that call wg.Done()",
    severity: Severity::Error,
    preview: false,
    kinds: &["expression_statement"],
    check,
    source: include_str!("waitgroup_add_mismatch.rs"),
};

fn check(cx: &Context<'_, '_>, statement: Node<'_>, findings: &mut Vec<Finding>) {
    let Some((add, receiver)) = statement_method(cx, statement, "Add") else { return };
    let [delta] = add.args()[..] else { return };
    let Some(counted) = constant(cx.text(delta)) else { return };
    let name = cx.text(receiver);
    // The statements up to the Wait in the same block.
    let mut between = Vec::new();
    let mut wait = None;
    for next in std::iter::successors(statement.next_named_sibling(), |n| n.next_named_sibling()) {
        if let Some((call, r)) = statement_method(cx, next, "Wait")
            && cx.text(r) == name
        {
            wait = Some(call.node);
            break;
        }
        between.push(next);
    }
    let Some(wait) = wait else { return };
    let touching: Vec<Node<'_>> =
        between.into_iter().filter(|s| !mentions(cx, *s, name).is_empty()).collect();
    if touching.iter().any(|s| s.kind() != "go_statement") || used_before(cx, statement, name) {
        return;
    }
    let Some(wg) = resolve(cx, receiver).filter(|wg| wg.origin == Origin::Local) else { return };
    let mut started = 0;
    for go in &touching {
        match done_count(cx, *go, &wg) {
            Some(n) => started += n as u64,
            None => return,
        }
    }
    if started == counted {
        return;
    }
    let function = enclosing_function(statement).map(|f| runtime_name(cx.text, f)).unwrap_or_default();
    let outcome = if started < counted {
        "Wait blocks forever"
    } else {
        "Wait can return while one still runs, and the extra Done panics with a negative counter"
    };
    let goroutines = |n: u64| if n == 1 { "1 goroutine".to_owned() } else { format!("{n} goroutines") };
    let mut finding = cx.finding(
        add.node,
        format!(
            "`{}` in `{function}` counts {} but {started} started before `{name}.Wait()` call `{name}.Done()`: \
             {outcome}",
            cx.text(add.node),
            goroutines(counted),
        ),
    );
    for go in &touching {
        finding.related.push(cx.related(*go, format!("goroutine started here calls `{name}.Done()`")));
    }
    finding.related.push(cx.related(wait, "waits here"));
    if started > 0 {
        finding.fix = Some(Fix {
            title: format!("count {} in `{name}.Add`", goroutines(started)),
            safe: false,
            edits: vec![Edit {
                start: delta.start_byte(),
                end: delta.end_byte(),
                replacement: started.to_string(),
            }],
        });
    }
    findings.push(finding);
}

/// A decimal integer literal.
fn constant(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit() || b == b'_')
        .then(|| text.replace('_', "").parse().ok())
        .flatten()
}

/// Whether the function uses the `WaitGroup` before the `Add` (its declaration aside) since the last `Wait` of the
/// same block: a goroutine started earlier may still call `Done`.
fn used_before(cx: &Context<'_, '_>, add: Node<'_>, name: &str) -> bool {
    let Some(scope) = top_function(add).and_then(body) else { return true };
    let last_wait = std::iter::successors(add.prev_named_sibling(), |n| n.prev_named_sibling())
        .find(|s| statement_method(cx, *s, "Wait").is_some_and(|(_, r)| cx.text(r) == name))
        .map_or(scope.start_byte(), |w| w.end_byte());
    mentions(cx, scope, name)
        .into_iter()
        .filter(|m| m.start_byte() >= last_wait && m.end_byte() <= add.start_byte())
        .any(|m| !is_declaration(m))
}
