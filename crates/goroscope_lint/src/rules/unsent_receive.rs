//! ## What it does
//! Finds a goroutine that waits to receive from a local channel that the function which started it may never
//! send on or close: nothing sends on or closes the channel anywhere, or the function can `return` after
//! starting the goroutine and before its first send or `close`.
//!
//! ## Why is this bad?
//! A receive waits until a value is sent or the channel is closed. When the only code that could do either
//! never runs, the goroutine stays parked in `chan receive` for the life of the process, holding everything its
//! closure references. The typical shape is a helper goroutine that waits for a "done" signal the caller sends
//! at the end of the happy path, while an early error return skips it.
//!
//! ## Example
//! ```go
//! func (s *Server) handle(conn net.Conn) error {
//! 	done := make(chan struct{})
//! 	go func() {
//! 		<-done // blocks forever when handle returns early
//! 		conn.Close()
//! 	}()
//! 	req, err := readRequest(conn)
//! 	if err != nil {
//! 		return err
//! 	}
//! 	s.serve(req)
//! 	close(done)
//! 	return nil
//! }
//! ```
//!
//! ## Use instead
//! Close the channel on every path, as soon as it is made:
//! ```go
//! 	done := make(chan struct{})
//! 	defer close(done)
//! ```
//! or let the goroutine also give up with the request's context:
//! ```go
//! 	go func() {
//! 		select {
//! 		case <-done:
//! 		case <-ctx.Done():
//! 		}
//! 		conn.Close()
//! 	}()
//! ```
//! There is no mechanical fix: where the `close` belongs depends on what the goroutine waits for.
//!
//! ## Known problems
//! Only channels made in the function and never handed to other code are judged: a channel passed to a call,
//! stored, returned, reassigned or used in a closure that is not a goroutine is skipped, since other code may
//! send on it. A receive that is a case of a `select` with another case or a `default` is not flagged, and
//! neither is a receive from a channel declared nil (see GL006) or a `for range` over the channel (see GL004).
//! Only the first blocking receive of each goroutine is reported.
//!
//! The early-return check only applies when every send and `close` is made by the function itself, none of
//! them deferred, and the goroutine is started directly in it. The order of statements stands in for control
//! flow: a `return` after the `go` statement and before the first send counts even when it cannot run in
//! practice, unless it sits in another branch of the same `if`, `switch` or `select` as the `go` statement or
//! follows a call that ends the function (`log.Fatal`, `panic`, `t.Fatal`) in its block.
//!
//! ## References
//! - [The Go spec: Receive operator](https://go.dev/ref/spec#Receive_operator)
//! - [Go blog: Go Concurrency Patterns: Pipelines and cancellation](https://go.dev/blog/pipelines)
//! - [Go blog: Go Concurrency Patterns: Context](https://go.dev/blog/context)
//! - `goroscope explain receive-never-sent`

use tree_sitter::Node;

use crate::channels::{Capacity, Use, UseKind, effective_start, operation, visible_channels};
use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::syntax::{body, enclosing_function, return_between, runtime_name};

pub(crate) static RULE: Rule = Rule {
    code: "GL002",
    name: "unsent-receive",
    summary: "goroutine receives from a channel that the function which started it may never send on or close",
    severity: Severity::Error,
    preview: false,
    kinds: &["function_declaration", "method_declaration", "func_literal"],
    check,
    source: include_str!("unsent_receive.rs"),
};

fn check(cx: &Context<'_, '_>, function: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(scope) = body(function) else { return };
    for (channel, uses) in visible_channels(cx.text, scope) {
        if channel.capacity == Capacity::Nil {
            continue;
        }
        let supplies: Vec<&Use<'_>> =
            uses.iter().filter(|u| matches!(u.kind, UseKind::Send | UseKind::Close)).collect();
        let mut reported = Vec::new();
        for receive in uses.iter().filter(|u| u.kind == UseKind::Receive && u.blocks_alone()) {
            let Some(go) = receive.goroutine else { continue };
            if reported.contains(&go) {
                continue;
            }
            let early_return = if supplies.is_empty() {
                None
            } else {
                match early_return(cx, function, scope, go, &supplies) {
                    Some(ret) => Some(ret),
                    None => continue,
                }
            };
            reported.push(go);
            let name = cx.text(channel.name);
            let caller = runtime_name(cx.text, function);
            let what = match early_return {
                None => format!("`{caller}` never sends on it or closes it: the receive blocks forever"),
                Some(ret) => format!(
                    "`{caller}` can return at line {} before sending on it or closing it: the receive then \
                     blocks forever",
                    ret.start_position().row + 1
                ),
            };
            let mut finding =
                cx.finding(operation(receive), format!("goroutine receives from `{name}`, but {what}"));
            finding.related.push(cx.related(go, "goroutine started here"));
            if let Some(ret) = early_return {
                finding.related.push(cx.related(ret, format!("`{caller}` can return here first")));
            }
            finding.related.push(cx.related(channel.declaration, format!("`{name}` made here")));
            findings.push(finding);
        }
    }
}

/// A `return` of the function that can run after the `go` statement and before the first send or `close`,
/// when the function itself makes them all and defers none.
fn early_return<'t>(
    cx: &Context<'_, '_>,
    function: Node<'t>,
    scope: Node<'t>,
    go: Node<'t>,
    supplies: &[&Use<'t>],
) -> Option<Node<'t>> {
    if enclosing_function(go) != Some(function)
        || supplies.iter().any(|u| u.goroutine.is_some() || u.deferred)
    {
        return None;
    }
    let first = supplies.iter().map(|u| effective_start(u)).min()?;
    return_between(cx.text, scope, go, first)
}
