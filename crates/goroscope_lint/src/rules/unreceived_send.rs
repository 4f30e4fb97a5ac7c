//! ## What it does
//! Finds a goroutine that sends on a local unbuffered channel while the function that started it can return,
//! or leave a `select`, without receiving from that channel.
//!
//! ## Why is this bad?
//! A send on an unbuffered channel waits until someone receives. When the caller gives up first (its context was
//! cancelled, a timeout fired, an earlier error returned), nobody will ever receive: the goroutine stays parked in
//! `chan send` for the life of the process, with everything its stack references. Under load this is the classic
//! leak of thousands of goroutines at one line.
//!
//! ## Example
//! ```go
//! func fetch(ctx context.Context, url string) (*Result, error) {
//! 	ch := make(chan *Result)
//! 	go func() {
//! 		ch <- get(url) // blocks forever once fetch has returned
//! 	}()
//! 	select {
//! 	case r := <-ch:
//! 		return r, nil
//! 	case <-ctx.Done():
//! 		return nil, ctx.Err()
//! 	}
//! }
//! ```
//!
//! ## Use instead
//! Give the channel room for the one result, so the send completes whether or not anyone receives:
//! ```go
//! 	ch := make(chan *Result, 1)
//! ```
//! or make the goroutine give up with the caller:
//! ```go
//! 	go func() {
//! 		select {
//! 		case ch <- get(url):
//! 		case <-ctx.Done():
//! 		}
//! 	}()
//! ```
//! `--fix` applies the buffer of 1 when the goroutine sends exactly once.
//!
//! ## Known problems
//! Only channels made in the function and never handed to other code are judged: a channel passed to a call,
//! stored, returned, captured by a closure that is not the goroutine, or received from by another goroutine is
//! skipped, since someone else may receive. The order of statements stands in for control flow: a `return` that
//! sits between the `go` statement and the first receive counts as a way out even when it is unreachable in
//! practice. A `select` in a loop, or followed by another `select` that receives, counts as a way out only when
//! another case returns.
//!
//! ## References
//! - [Go blog: Go Concurrency Patterns: Timing out, moving on](https://go.dev/blog/concurrency-timeouts)
//! - [Uber Go style guide: channel size is one or none](https://github.com/uber-go/guide/blob/master/style.md#channel-size-is-one-or-none)
//! - `goroscope explain send-no-receiver`

use tree_sitter::Node;

use crate::channels::{
    Capacity, UseKind, capacity_edit, fully_visible, local_channels, operation, select_cases, uses,
};
use crate::context::Context;
use crate::finding::{Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    ancestors, body, enclosing_function, exits_function, find_all, go_literal, named_children, statements,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL001",
    name: "unreceived-send",
    summary: "goroutine sends on an unbuffered channel that its caller can stop receiving from",
    severity: Severity::Error,
    preview: false,
    kinds: &["go_statement"],
    check,
    source: include_str!("unreceived_send.rs"),
};

fn check(cx: &Context<'_, '_>, go: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(literal) = go_literal(go) else { return };
    let Some(scope) = enclosing_function(go).and_then(body) else { return };
    for channel in local_channels(cx.text, scope) {
        if channel.capacity != Capacity::Unbuffered || channel.declaration.start_byte() > go.start_byte() {
            continue;
        }
        let uses = uses(cx.text, &channel);
        if !fully_visible(&uses) {
            continue;
        }
        let sends: Vec<_> = uses
            .iter()
            .filter(|u| u.goroutine == Some(go) && u.kind == UseKind::Send && u.blocks_alone())
            .collect();
        if sends.is_empty() {
            continue;
        }
        // A receive in any goroutine (this one too: a `go` in a loop starts several that pass values between
        // them) or a range in the caller may drain the channel.
        let others_receive = uses.iter().any(|u| {
            matches!(u.kind, UseKind::Receive | UseKind::Range) && u.goroutine.is_some()
                || u.kind == UseKind::Range
        });
        if others_receive {
            continue;
        }
        let receives: Vec<_> =
            uses.iter().filter(|u| u.goroutine.is_none() && u.kind == UseKind::Receive).collect();
        let Some(way_out) =
            way_out(cx, go, scope, &receives.iter().map(|u| (u.node, u.select)).collect::<Vec<_>>())
        else {
            continue;
        };
        let name = cx.text(channel.name);
        let function =
            enclosing_function(go).map(|f| crate::syntax::runtime_name(cx.text, f)).unwrap_or_default();
        let single_send = sends.len() == 1 && !in_loop_within(sends[0].node, literal);
        for send in &sends {
            let mut finding = cx.finding(
                operation(send),
                format!(
                    "goroutine sends on unbuffered channel `{name}`, but `{function}` can {}: \
                     the send then blocks forever",
                    way_out.describe()
                ),
            );
            finding.related.push(cx.related(go, "goroutine started here"));
            if let Some(node) = way_out.node() {
                finding.related.push(cx.related(node, way_out.label()));
            }
            finding.related.push(cx.related(channel.declaration, format!("`{name}` made unbuffered here")));
            if single_send {
                finding.fix = capacity_edit(cx.text, &channel, "1").map(|edit| Fix {
                    title: format!("give `{name}` a buffer of 1"),
                    safe: true,
                    edits: vec![edit],
                });
            }
            findings.push(finding);
        }
    }
}

/// How the caller gets away without receiving.
enum WayOut<'t> {
    /// It never receives.
    NoReceive,
    /// A `select` whose other case it can take.
    Select(Node<'t>),
    /// A `return` before the receive.
    Return(Node<'t>),
}

impl WayOut<'_> {
    fn describe(&self) -> String {
        match self {
            WayOut::NoReceive => "return without ever receiving from it".to_owned(),
            WayOut::Select(select) => {
                format!("leave the `select` at line {} by another case", select.start_position().row + 1)
            }
            WayOut::Return(ret) => {
                format!("return at line {} before receiving", ret.start_position().row + 1)
            }
        }
    }

    fn node(&self) -> Option<Node<'_>> {
        match self {
            WayOut::NoReceive => None,
            WayOut::Select(n) | WayOut::Return(n) => Some(*n),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            WayOut::NoReceive => "",
            WayOut::Select(_) => "the caller can take another case here",
            WayOut::Return(_) => "the caller can return here without receiving",
        }
    }
}

/// The caller's receives are `(node, select it is a case of)`. `None` when every path receives.
fn way_out<'t>(
    cx: &Context<'_, '_>,
    go: Node<'t>,
    scope: Node<'t>,
    receives: &[(Node<'t>, Option<Node<'t>>)],
) -> Option<WayOut<'t>> {
    if receives.is_empty() {
        return Some(WayOut::NoReceive);
    }
    // A return between the `go` statement and the first receive (or the select holding it) leaves first.
    let first_receive = receives.iter().map(|(node, select)| select.unwrap_or(*node).start_byte()).min();
    let returns = find_all(scope, "return_statement");
    if let Some(ret) = returns
        .into_iter()
        .find(|r| r.start_byte() > go.end_byte() && first_receive.is_none_or(|first| r.end_byte() <= first))
    {
        return Some(WayOut::Return(ret));
    }
    if receives.iter().any(|(_, select)| select.is_none_or(|s| select_cases(s) <= 1)) {
        return None;
    }
    // Every receive is a case of a select with other cases: one of them must let the caller leave.
    receives
        .iter()
        .filter_map(|(_, select)| *select)
        .find(|select| {
            // In a loop, or with another select after it that receives too, leaving this select is not
            // enough: the case must leave the function.
            let looped = ancestors(*select).take_while(|a| *a != scope).any(|a| a.kind() == "for_statement")
                || receives
                    .iter()
                    .any(|(_, other)| other.is_some_and(|o| o.start_byte() > select.start_byte()));
            let receiving_cases: Vec<Node<'_>> =
                receives.iter().filter_map(|(node, _)| case_of(*node)).collect();
            named_children(*select)
                .into_iter()
                .filter(|case| matches!(case.kind(), "communication_case" | "default_case"))
                .filter(|case| !receiving_cases.contains(case))
                .any(|case| !looped || statements(case).iter().any(|s| exits_function(cx.text, *s)))
        })
        .map(WayOut::Select)
}

fn case_of(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).find(|a| a.kind() == "communication_case")
}

fn in_loop_within(node: Node<'_>, outer: Node<'_>) -> bool {
    ancestors(node).take_while(|a| *a != outer).any(|a| a.kind() == "for_statement")
}
