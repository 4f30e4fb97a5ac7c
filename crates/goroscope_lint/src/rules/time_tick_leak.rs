//! ## What it does
//! Finds `time.Tick(d)` in a function that can return, or in a loop, outside `main` and `init` and outside tests.
//! Not reported for modules declaring `go 1.23` or later.
//!
//! ## Why is this bad?
//! `time.Tick` returns only the channel of a new ticker; the ticker itself can never be stopped. Before Go 1.23 the
//! runtime never collects a ticker that is not stopped: once the function that called `time.Tick` returns, its
//! ticker keeps firing into a channel nobody reads, for the life of the process. A function called per request
//! leaks one per call; a `time.Tick` in a loop leaks one per iteration. Since Go 1.23 a ticker nothing references
//! is collected, and the `time.Tick` documentation says there is no longer any reason to prefer `NewTicker`, so
//! modules declaring `go 1.23` or later get no finding, not even an info.
//!
//! ## Example
//! ```go
//! func (c *Conn) keepalive(ctx context.Context) error {
//! 	for {
//! 		select {
//! 		case <-time.Tick(c.interval): // a new ticker every iteration
//! 			if err := c.ping(); err != nil {
//! 				return err
//! 			}
//! 		case <-ctx.Done():
//! 			return ctx.Err()
//! 		}
//! 	}
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	ticker := time.NewTicker(c.interval)
//! 	defer ticker.Stop()
//! 	for {
//! 		select {
//! 		case <-ticker.C:
//! 			// …
//! ```
//! No fix is offered: the ticker needs a name and its `Stop` a place, which depends on the code around.
//!
//! ## Known problems
//! Not reported when the ticker lives as long as the program on purpose: in an `init` function, in `main` of
//! package `main`, in a function that cannot return (an endless `for`, or `for range time.Tick(d)` with no
//! `return` or `break`), or at package level; a `time.Tick` evaluated on every iteration of a loop is reported
//! even there. Test files are not linted by this rule (staticcheck makes the same exception). Whether the function
//! can return is read from its syntax: a `panic` or `os.Exit` counts as not returning. The version gate reads the
//! linted module's `go` line; the runtime behaviour follows the main program's module.
//!
//! ## References
//! - [time.Tick](https://pkg.go.dev/time#Tick): "Before Go 1.23, this documentation warned that the underlying
//!   Ticker would never be recovered by the garbage collector"
//! - [staticcheck SA1015: using `time.Tick` in a way that will leak](https://staticcheck.dev/docs/checks/#SA1015)
//! - [Go 1.23 release notes: timer changes](https://go.dev/doc/go1.23#timer-changes)
//! - `goroscope explain loop-without-exit`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::resource::{calls_package, can_return, in_test_file, runs_once_per_process};
use crate::syntax::{Call, body, enclosing_function, find_all, loop_running, runtime_name};

pub(crate) static RULE: Rule = Rule {
    code: "GL403",
    name: "time-tick-leak",
    summary: "`time.Tick` makes a ticker that can never be stopped, in a function that returns or in a loop",
    severity: Severity::Warning,
    preview: false,
    kinds: &["call_expression"],
    check,
    source: include_str!("time_tick_leak.rs"),
};

fn check(cx: &Context<'_, '_>, node: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(call) = Call::of(node) else { return };
    if cx.text(call.name) != "Tick"
        || cx.module.go_at_least(23)
        || !calls_package(cx.text, &call, "time", &["Tick"])
        || in_test_file(cx)
    {
        return;
    }
    // At package level the one ticker serves the whole program.
    let Some(function) = enclosing_function(node) else { return };
    let looping = loop_running(node);
    if looping.is_none() && (runs_once_per_process(cx.text, node) || !can_return(cx.text, function)) {
        return;
    }
    let name = runtime_name(cx.text, function);
    let mut finding = match looping {
        Some(looping) => {
            let mut finding = cx.finding(
                node,
                format!(
                    "`time.Tick` makes a new ticker on every iteration of the loop in `{name}` and none can be \
                     stopped: before Go 1.23 they are never garbage collected"
                ),
            );
            finding.related.push(cx.related(looping, "each iteration of this loop makes another ticker"));
            finding
        }
        None => {
            let each = if function.kind() == "func_literal" { "run" } else { "call" };
            cx.finding(
                node,
                format!(
                    "`time.Tick` makes a ticker that can never be stopped: before Go 1.23 it is never garbage \
                     collected, so every {each} of `{name}` leaks one that keeps firing"
                ),
            )
        }
    };
    if looping.is_none()
        && let Some(ret) = body(function)
            .map(|b| find_all(b, "return_statement"))
            .and_then(|returns| returns.into_iter().find(|r| r.start_byte() > node.end_byte()))
    {
        finding.related.push(cx.related(ret, format!("`{name}` returns here, leaving the ticker running")));
    }
    findings.push(finding);
}
