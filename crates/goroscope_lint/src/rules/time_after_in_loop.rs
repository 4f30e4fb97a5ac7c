//! ## What it does
//! Finds `time.After(d)` as a case of a `select` inside a `for` loop, when another case of that `select` lets the
//! loop go round again.
//!
//! ## Why is this bad?
//! Each pass through the `select` calls `time.After`, which starts a new timer. Before Go 1.23 a timer that has
//! not fired is referenced by the runtime's timer heap and cannot be collected, whether or not anyone still holds
//! its channel: every iteration that leaves through another case leaves one timer behind until it fires. Under a
//! busy loop (a message per millisecond against a 30-second timeout) that is tens of thousands of pending timers
//! with their channels; with durations of minutes or hours it is a leak that grows with the traffic.
//!
//! Since Go 1.23 timers that nothing references are collected even before they fire, so for modules declaring
//! `go 1.23` or later this is reported as info, not as a warning: nothing leaks, but each iteration still
//! allocates and schedules a timer, and the timeout restarts on every message, which is often not what was meant.
//!
//! ## Example
//! ```go
//! func (c *Consumer) run(ctx context.Context) error {
//! 	for {
//! 		select {
//! 		case msg := <-c.messages:
//! 			c.handle(msg)
//! 		case <-time.After(c.idleTimeout): // a new timer per message
//! 			return errIdle
//! 		case <-ctx.Done():
//! 			return ctx.Err()
//! 		}
//! 	}
//! }
//! ```
//!
//! ## Use instead
//! One timer for the loop, reset after each message:
//! ```go
//! 	idle := time.NewTimer(c.idleTimeout)
//! 	defer idle.Stop()
//! 	for {
//! 		select {
//! 		case msg := <-c.messages:
//! 			c.handle(msg)
//! 			if !idle.Stop() {
//! 				<-idle.C
//! 			}
//! 			idle.Reset(c.idleTimeout)
//! 		case <-idle.C:
//! 			return errIdle
//! 		case <-ctx.Done():
//! 			return ctx.Err()
//! 		}
//! 	}
//! ```
//! or, for a deadline over the whole loop rather than per message, `context.WithTimeout` before the loop and
//! `<-ctx.Done()` in the `select`. No fix is offered: which of the two is meant is a decision about behaviour.
//!
//! ## Known problems
//! Only `time.After` written directly in a case is seen, not a channel made by `time.After` in an earlier
//! statement of the loop body. A `select` with no other case, or whose other cases all leave the loop (return,
//! panic, `break` or `continue` out of it, or set a variable the loop's condition reads), or that is followed in
//! the loop body by a statement that always leaves it, is not reported: at most one timer is pending at a time.
//! Test files (`_test.go`) are not checked: a test is a short-lived process whose loops wait a bounded number of
//! times. Short durations are reported like long ones, although a timer of a few
//! milliseconds pending per iteration costs little. A loop that runs a handful of times is reported too. The new
//! timer behaviour depends on the `go` line of the main program's module; the linted module's own `go` line stands
//! in for it, so a library declaring `go 1.23` that is built into an older program is under-reported.
//!
//! ## References
//! - [time.After](https://pkg.go.dev/time#After): "Before Go 1.23, this documentation warned that the underlying
//!   Timer would not be recovered by the garbage collector until the timer fired"
//! - [Go 1.23 release notes: timer changes](https://go.dev/doc/go1.23#timer-changes)
//! - [Go wiki: Go 1.23 timer channel changes](https://go.dev/wiki/Go123Timer)
//! - [hashicorp/vault#14814: `time.After` in a for-select can lead to a memory leak](https://github.com/hashicorp/vault/pull/14814)
//! - `goroscope explain select-never-fires` (long `time.After` waits)

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::resource::{calls_package, case_that_loops, in_test_file};
use crate::syntax::{Call, enclosing_function, loop_running, runtime_name, unparen};

pub(crate) static RULE: Rule = Rule {
    code: "GL401",
    name: "time-after-in-loop",
    summary: "`time.After` in a `select` in a loop starts a timer per iteration that lives until it fires",
    severity: Severity::Warning,
    preview: false,
    kinds: &["communication_case"],
    check,
    source: include_str!("time_after_in_loop.rs"),
};

fn check(cx: &Context<'_, '_>, case: Node<'_>, findings: &mut Vec<Finding>) {
    if in_test_file(cx) {
        return;
    }
    let Some(after) = time_after(cx, case) else { return };
    let Some(select) = case.parent() else { return };
    let Some(looping) = loop_running(select) else { return };
    let Some(other) = case_that_loops(cx.text, select, case, looping) else { return };
    let function = enclosing_function(case).map(|f| runtime_name(cx.text, f)).unwrap_or_default();
    let call = cx.snippet(after);
    let modern = cx.module.go_at_least(23);
    let message = if modern {
        format!(
            "`{call}` starts a new timer on every iteration of the loop in `{function}`: since Go 1.23 the \
             unfired ones are collected, but each iteration still allocates one and restarts the timeout"
        )
    } else {
        format!(
            "`{call}` starts a new timer on every iteration of the loop in `{function}`: before Go 1.23 each \
             one lives until it fires, so iterations that take another case pile them up"
        )
    };
    let mut finding = cx.finding(after, message);
    if modern {
        finding.severity = Severity::Info;
    }
    finding.related.push(cx.related(other, "this case goes round the loop while the timer is pending"));
    finding.related.push(cx.related(looping, "each iteration of this loop starts another timer"));
    findings.push(finding);
}

/// The `time.After(d)` call of `case <-time.After(d):` or `case v := <-time.After(d):`.
fn time_after<'t>(cx: &Context<'_, '_>, case: Node<'t>) -> Option<Node<'t>> {
    let communication = case.child_by_field_name("communication")?;
    if communication.kind() != "receive_statement" {
        return None;
    }
    let receive = unparen(communication.child_by_field_name("right")?);
    if receive.kind() != "unary_expression" {
        return None;
    }
    let call = Call::of(receive.child_by_field_name("operand")?)?;
    calls_package(cx.text, &call, "time", &["After"]).then_some(call.node)
}
