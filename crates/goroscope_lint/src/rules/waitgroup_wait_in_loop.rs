//! ## What it does
//! Finds `wg.Wait()` inside the loop that starts the goroutines it waits for, when the loop's count was added once,
//! before the loop: `wg.Add(len(jobs)); for … { go func() { defer wg.Done(); … }(); wg.Wait() }`.
//!
//! ## Why is this bad?
//! When the counter is set once before the loop (`wg.Add(len(jobs))`), the first `Wait` in the loop waits for
//! goroutines the loop has not started yet: it blocks forever, and so does the function, with everything it
//! holds. With `wg.Add(1)` before the loop the first `Wait` returns, and the second goroutine's `Done` drives the
//! counter below zero, which panics with `sync: negative WaitGroup counter`. Either way the loop never finishes
//! its work. The `Wait` was meant to go after the loop, or the `Add` inside it.
//!
//! ## Example
//! ```go
//! func resizeAll(images []Image) {
//! 	var wg sync.WaitGroup
//! 	wg.Add(len(images))
//! 	for _, img := range images {
//! 		go func() {
//! 			defer wg.Done()
//! 			img.Resize()
//! 		}()
//! 		wg.Wait() // waits for all of them after starting one
//! 	}
//! }
//! ```
//!
//! ## Use instead
//! Wait once, after the loop has started every goroutine:
//! ```go
//! 	for _, img := range images {
//! 		go func() {
//! 			defer wg.Done()
//! 			img.Resize()
//! 		}()
//! 	}
//! 	wg.Wait()
//! ```
//! or keep the `Wait` in the loop and count each goroutine in it (`wg.Add(1)` before each `go` statement), if
//! the loop must wait for one before starting the next. There is no automatic fix: which of the two was meant,
//! and whether the code after the `Wait` in the loop depends on the goroutine having finished, takes a person.
//!
//! ## Known problems
//! Only a `sync.WaitGroup` variable or parameter of the function is judged (a struct field may be counted by code
//! elsewhere), and only when every `go` statement of the loop body that touches it runs a goroutine seen to call
//! `wg.Done()` (in a function literal, or a package function it is handed the `WaitGroup` to), nothing else in the
//! loop touches the `WaitGroup` (no `Add`, nothing handed on), and an `Add` on it comes before the loop. Goroutines
//! started in a nested loop, with the `Wait` in the outer one, are batches and are not reported. A loop that
//! stops right after its `Wait` (a `break` or `return` follows it) runs once and is skipped. A loop that adds,
//! starts one goroutine and waits in each iteration runs the goroutines one at a time: slow, but not a leak, and
//! not reported (it is also how code runs a function in a fresh goroutine on purpose, to contain
//! `runtime.Goexit`).
//!
//! ## References
//! - [`sync.WaitGroup`](https://pkg.go.dev/sync#WaitGroup): "If a `WaitGroup` is reused to wait for several
//!   independent sets of events, new Add calls must happen after all previous Wait calls have returned"
//! - [Go by Example: WaitGroups](https://gobyexample.com/waitgroups)
//! - `goroscope explain waitgroup-mismatch`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::syntax::{contains, find_all, in_literal_within, loop_running, runtime_name, statements};
use crate::waitgroup::{Origin, calls, done_count, function_body, mentions, resolve, statement_method};

pub(crate) static RULE: Rule = Rule {
    code: "GL203",
    name: "waitgroup-wait-in-loop",
    summary: "wg.Wait() inside the loop that starts the goroutines an Add before the loop counted",
    severity: Severity::Error,
    preview: false,
    kinds: &["expression_statement"],
    check,
    source: include_str!("waitgroup_wait_in_loop.rs"),
};

fn check(cx: &Context<'_, '_>, statement: Node<'_>, findings: &mut Vec<Finding>) {
    let Some((wait, receiver)) = statement_method(cx, statement, "Wait") else { return };
    let Some(looped) = loop_running(statement) else { return };
    let Some(loop_body) = looped.child_by_field_name("body") else { return };
    let name = cx.text(receiver);
    // The `go` statements of this loop (not of a nested one) that touch the `WaitGroup`, before the Wait.
    let gos: Vec<Node<'_>> = find_all(loop_body, "go_statement")
        .into_iter()
        .filter(|go| go.end_byte() <= statement.start_byte() && loop_running(*go) == Some(looped))
        .filter(|go| !mentions(cx, *go, name).is_empty())
        .collect();
    if gos.is_empty() || stops_after(statement) {
        return;
    }
    let Some(wg) = resolve(cx, receiver).filter(|wg| matches!(wg.origin, Origin::Local | Origin::Param))
    else {
        return;
    };
    if !gos.iter().all(|go| done_count(cx, *go, &wg).is_some_and(|n| n > 0)) {
        return;
    }
    // The loop does nothing else with the `WaitGroup`: no Add, nothing handed on.
    let others = mentions(cx, loop_body, name)
        .into_iter()
        .any(|m| !gos.iter().any(|go| contains(*go, m)) && !contains(wait.node, m));
    let Some((function, scope)) = function_body(statement) else { return };
    let before = calls(cx, scope, name, "Add")
        .into_iter()
        .rev()
        .find(|add| add.end_byte() <= looped.start_byte() && !in_literal_within(*add, scope));
    let Some(add) = before.filter(|_| !others) else { return };
    let mut finding = cx.finding(
        wait.node,
        format!(
            "`{name}.Wait()` runs inside the loop of `{}` that starts the goroutines, but `{}` before the loop \
             counts them all: the first Wait blocks forever, or a later Done panics with a negative counter",
            runtime_name(cx.text, function),
            cx.text(add)
        ),
    );
    finding.related.push(cx.related(gos[0], "goroutine started here, once per iteration"));
    finding.related.push(cx.related(add, "counted here, before the loop"));
    findings.push(finding);
}

/// Whether a `break` or `return` follows `statement` in its own block: the loop then runs once.
fn stops_after(statement: Node<'_>) -> bool {
    let Some(list) = statement.parent() else { return false };
    statements(list)
        .into_iter()
        .filter(|s| s.start_byte() > statement.end_byte())
        .any(|s| matches!(s.kind(), "return_statement" | "break_statement"))
}
