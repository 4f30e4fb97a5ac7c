//! ## What it does
//! Finds a send on a local unbuffered channel, made by the function itself (not by a goroutine), before any
//! goroutine exists that could receive it: no `go` statement comes earlier in the function and the channel has
//! not been handed to other code.
//!
//! ## Why is this bad?
//! A send on an unbuffered channel completes only when another goroutine receives. The only code that can see
//! a local channel is the function and the goroutines it starts; before the first of them is started, the
//! send waits for a receiver that cannot exist. The function deadlocks on itself: in `main` the runtime
//! aborts with "all goroutines are asleep - deadlock!", anywhere else the goroutine running it leaks.
//!
//! ## Example
//! ```go
//! func runJobs(jobs []Job) []error {
//! 	errs := make(chan error)
//! 	if len(jobs) == 0 {
//! 		errs <- ErrNoJobs // nobody can receive yet: blocks forever
//! 	}
//! 	go func() {
//! 		defer close(errs)
//! 		for _, j := range jobs {
//! 			errs <- j.Run()
//! 		}
//! 	}()
//! 	var out []error
//! 	for err := range errs {
//! 		out = append(out, err)
//! 	}
//! 	return out
//! }
//! ```
//!
//! ## Use instead
//! Start the receiver first, or do not send to yourself: return the value directly. When the function sends
//! exactly once and receives the value back itself, a buffer of one lets the send complete:
//! ```go
//! 	ready := make(chan string, 1)
//! 	ready <- name
//! 	// …
//! 	name = <-ready
//! ```
//! `--fix` applies that buffer of 1 when the channel's only send comes before a receive in the same function
//! and no goroutine uses the channel.
//!
//! ## Known problems
//! Only channels made in the function and never handed to other code are judged: a channel passed to a call,
//! stored, returned, reassigned or used in a closure that is not a goroutine is skipped. Any `go` statement
//! earlier in the function counts as a possible receiver, whatever it runs. A send that is a case of a
//! `select` with another case or a `default` does not block and is not flagged. A send inside a loop that also
//! starts a goroutine is skipped, since a later iteration may send after the goroutine exists (the first
//! iteration may still deadlock). A send after a `close` of the channel panics rather than blocks and is left
//! alone. Buffered channels are not judged.
//!
//! ## References
//! - [The Go spec: Send statements](https://go.dev/ref/spec#Send_statements)
//! - [The Go spec: Channel types](https://go.dev/ref/spec#Channel_types)
//! - [Effective Go: Channels](https://go.dev/doc/effective_go#channels)
//! - `goroscope explain send-no-receiver`

use tree_sitter::Node;

use crate::channels::{Capacity, Use, UseKind, capacity_edit, is_receive, operation, visible_channels};
use crate::context::Context;
use crate::finding::{Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{ancestors, body, contains, enclosing_loop, runtime_name, walk};

pub(crate) static RULE: Rule = Rule {
    code: "GL005",
    name: "send-before-receiver",
    summary: "send on a local unbuffered channel before any goroutine that could receive it exists",
    severity: Severity::Error,
    preview: false,
    kinds: &["function_declaration", "method_declaration", "func_literal"],
    check,
    source: include_str!("send_before_receiver.rs"),
};

fn check(cx: &Context<'_, '_>, function: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(scope) = body(function) else { return };
    let channels = visible_channels(cx.text, scope);
    if channels.is_empty() {
        return;
    }
    let gos = go_statements(scope);
    for (channel, uses) in channels {
        if channel.capacity != Capacity::Unbuffered {
            continue;
        }
        let sends: Vec<&Use<'_>> = uses.iter().filter(|u| u.kind == UseKind::Send).collect();
        // A send after `close` panics instead of blocking.
        let closed_at = uses.iter().filter(|u| u.kind == UseKind::Close).map(|u| u.node.start_byte()).min();
        for send in &sends {
            if send.goroutine.is_some()
                || !send.blocks_alone()
                || in_loop_update(send.node)
                || closed_at.is_some_and(|at| at < send.node.start_byte())
                || !no_goroutine_yet(scope, &gos, send.node)
            {
                continue;
            }
            let name = cx.text(channel.name);
            let caller = runtime_name(cx.text, function);
            let mut finding = cx.finding(
                operation(send),
                format!(
                    "`{caller}` sends on unbuffered channel `{name}` before starting any goroutine that could \
                     receive it: the send blocks forever"
                ),
            );
            let after = |u: &&Use<'_>| u.node.start_byte() > send.node.end_byte();
            let own_receive = uses.iter().filter(after).find(|u| u.goroutine.is_none() && is_receive(u));
            let receiver = uses.iter().filter(after).find_map(|u| u.goroutine.filter(|_| is_receive(u)));
            if let Some(receive) = own_receive {
                finding.related.push(cx.related(
                    operation(receive),
                    format!("`{caller}` itself receives only here, after the send"),
                ));
            } else if let Some(go) = receiver {
                finding.related.push(cx.related(go, "the goroutine that receives starts only here"));
            }
            finding.related.push(cx.related(channel.declaration, format!("`{name}` made unbuffered here")));
            // One send, then the function's own receive: a buffer of one holds the value until then.
            if sends.len() == 1
                && own_receive.is_some_and(|u| u.kind == UseKind::Receive)
                && uses.iter().all(|u| u.goroutine.is_none())
                && enclosing_loop(send.node, scope).is_none()
                && let Some(edit) = capacity_edit(cx.text, &channel, "1")
            {
                finding.fix = Some(Fix {
                    title: format!("give `{name}` a buffer of 1"),
                    safe: true,
                    edits: vec![edit],
                });
            }
            findings.push(finding);
        }
    }
}

/// Every `go` statement in the body, nested function literals included.
fn go_statements(scope: Node<'_>) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    walk(scope, &mut |n| {
        if n.kind() == "go_statement" {
            found.push(n);
        }
        true
    });
    found
}

/// Whether no goroutine can be running when `send` runs: no `go` statement before it, and none in a loop
/// around it (a later iteration would send after it).
fn no_goroutine_yet(scope: Node<'_>, gos: &[Node<'_>], send: Node<'_>) -> bool {
    let loops: Vec<Node<'_>> =
        ancestors(send).take_while(|a| *a != scope).filter(|a| a.kind() == "for_statement").collect();
    !gos.iter().any(|go| go.start_byte() < send.start_byte() || loops.iter().any(|l| contains(*l, *go)))
}

/// Whether `node` is in the post statement of a `for` clause (`for ; ; ch <- x`), which runs only when the body
/// finishes an iteration: its order in the source says nothing about when it runs.
fn in_loop_update(node: Node<'_>) -> bool {
    crate::syntax::ancestors(node).take_while(|a| a.kind() != "block").any(|a| {
        a.parent().is_some_and(|clause| {
            clause.kind() == "for_clause" && clause.child_by_field_name("update") == Some(a)
        })
    })
}
