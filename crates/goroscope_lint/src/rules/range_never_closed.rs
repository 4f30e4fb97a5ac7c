//! ## What it does
//! Finds a `for … range ch` over a local channel that nothing ever closes: no `close(ch)` in the function that
//! made it nor in its goroutines. Two shapes: a goroutine ranges over a channel its caller fills and forgets to
//! close (the goroutine leaks), and the function ranges over a channel its goroutines fill (the fan-in that
//! forgets to close: the function itself blocks forever).
//!
//! ## Why is this bad?
//! A `range` over a channel ends only when the channel is closed and drained. When the senders are done and
//! nobody closes it, the loop waits in `chan receive` forever: a worker goroutine leaks with everything it
//! references, or the collecting function never returns (in `main` the program dies with "all goroutines are
//! asleep").
//!
//! ## Example
//! ```go
//! func collect(ctx context.Context, shards []Shard) []Row {
//! 	rows := make(chan Row)
//! 	var wg sync.WaitGroup
//! 	for _, s := range shards {
//! 		wg.Add(1)
//! 		go func(s Shard) {
//! 			defer wg.Done()
//! 			for _, r := range s.Scan(ctx) {
//! 				rows <- r
//! 			}
//! 		}(s)
//! 	}
//! 	var all []Row
//! 	for r := range rows { // never ends: nobody closes rows
//! 		all = append(all, r)
//! 	}
//! 	return all
//! }
//! ```
//!
//! ## Use instead
//! Close the channel once every sender is done:
//! ```go
//! 	go func() {
//! 		wg.Wait()
//! 		close(rows)
//! 	}()
//! 	for r := range rows {
//! 		all = append(all, r)
//! 	}
//! ```
//! With a single sender, the sender closes it: `defer close(ch)` at the top of the sending goroutine, or
//! `close(ch)` after the function's last send when a goroutine ranges over what the function sends.
//! `--unsafe-fixes` applies those two: `defer close(ch)` in the only sending goroutine (started once, the
//! function itself not sending), and `close(ch)` after the statement holding the function's last send when
//! only the function sends, every send sits in statements of the block that made the channel and no `return`
//! comes before. They are unsafe because the code after the loop, which never ran, then runs.
//!
//! ## Known problems
//! Only channels made in the function and never handed to other code are judged: a channel passed to a call,
//! stored, returned, reassigned or used in a closure that is not a goroutine is skipped, since other code may
//! close it. A loop with another way out (`return`, `break`, `goto`, a `panic` or `log.Fatal`) is not flagged,
//! since it may stop on a sentinel value or a count. Senders that never stop are not a leak: the loop is left
//! alone when a send sits in a bare `for {}` loop that nothing leaves. When the function ranges, the rule needs a goroutine that
//! sends. A channel declared nil is GL006's.
//!
//! ## References
//! - [The Go spec: For statements with range clause](https://go.dev/ref/spec#For_range)
//! - [Go blog: Go Concurrency Patterns: Pipelines and cancellation](https://go.dev/blog/pipelines)
//! - [sync.WaitGroup](https://pkg.go.dev/sync#WaitGroup)
//! - `goroscope explain range-never-closed`

use tree_sitter::Node;

use crate::channels::{
    Capacity, LocalChannel, Use, UseKind, goroutines, operation, statement_of, visible_channels,
};
use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    ancestors, body, enclosing_loop, find_all, go_literal, is_function, loop_exits, named_children,
    runtime_name, statements,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL004",
    name: "range-never-closed",
    summary: "`for range` over a local channel that nothing closes",
    severity: Severity::Error,
    preview: false,
    kinds: &["function_declaration", "method_declaration", "func_literal"],
    check,
    source: include_str!("range_never_closed.rs"),
};

fn check(cx: &Context<'_, '_>, function: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(scope) = body(function) else { return };
    for (channel, uses) in visible_channels(cx.text, scope) {
        if channel.capacity == Capacity::Nil || uses.iter().any(|u| u.kind == UseKind::Close) {
            continue;
        }
        let sends: Vec<&Use<'_>> = uses.iter().filter(|u| u.kind == UseKind::Send).collect();
        if sends.iter().any(|s| sends_forever(cx, s.node)) {
            continue;
        }
        let senders = goroutines(sends.iter().copied());
        let name = cx.text(channel.name);
        let caller = runtime_name(cx.text, function);
        for range in uses.iter().filter(|u| u.kind == UseKind::Range) {
            let loop_node = operation(range);
            let Some(for_statement) = loop_node.parent() else { continue };
            if !loop_exits(cx.text, for_statement).is_empty() {
                continue;
            }
            let mut finding = match range.goroutine {
                Some(go) => {
                    let mut finding = cx.finding(
                        loop_node,
                        format!(
                            "goroutine ranges over `{name}`, which `{caller}` never closes: the loop waits \
                             forever after the last value"
                        ),
                    );
                    finding.related.push(cx.related(go, "goroutine started here"));
                    finding.fix = close_after_last_send(cx, scope, &channel, &sends);
                    finding
                }
                None if senders.is_empty() => continue,
                None => {
                    let mut finding = cx.finding(
                        loop_node,
                        format!(
                            "`{caller}` ranges over `{name}`, which nobody closes: the loop blocks forever \
                             after the goroutines' last send"
                        ),
                    );
                    for go in &senders {
                        finding
                            .related
                            .push(cx.related(*go, format!("goroutine sending on `{name}` started here")));
                    }
                    finding.fix = close_in_only_sender(cx, scope, &channel, &sends, &senders);
                    finding
                }
            };
            finding
                .related
                .push(cx.related(channel.declaration, format!("`{name}` made here, never closed")));
            findings.push(finding);
        }
    }
}

/// Whether a send sits in a bare `for {}` loop of its function that nothing leaves: a sender that never stops.
fn sends_forever(cx: &Context<'_, '_>, send: Node<'_>) -> bool {
    ancestors(send).take_while(|a| !is_function(*a)).any(|a| {
        a.kind() == "for_statement"
            && named_children(a).iter().all(|c| matches!(c.kind(), "block" | "comment"))
            && loop_exits(cx.text, a).is_empty()
    })
}

/// `defer close(ch)` at the top of the only goroutine that sends, when it is started once and the function
/// itself does not send.
fn close_in_only_sender(
    cx: &Context<'_, '_>,
    scope: Node<'_>,
    channel: &LocalChannel<'_>,
    sends: &[&Use<'_>],
    senders: &[Node<'_>],
) -> Option<Fix> {
    let [go] = senders else { return None };
    if sends.iter().any(|s| s.goroutine != Some(*go)) || enclosing_loop(*go, scope).is_some() {
        return None;
    }
    let block = body(go_literal(*go)?)?;
    let first = *statements(block).first()?;
    if first.start_position().row == block.start_position().row {
        return None;
    }
    let at = cx.text.line_start(first.start_byte());
    let name = cx.text(channel.name);
    Some(Fix {
        title: format!("close `{name}` when the sending goroutine returns"),
        safe: false,
        edits: vec![Edit {
            start: at,
            end: at,
            replacement: format!("{}defer close({name})\n", cx.text.indent_at(first.start_byte())),
        }],
    })
}

/// `close(ch)` after the statement holding the function's last send, when only the function sends, every send
/// lies in a statement of the block that made the channel and no `return` comes before that point.
fn close_after_last_send(
    cx: &Context<'_, '_>,
    scope: Node<'_>,
    channel: &LocalChannel<'_>,
    sends: &[&Use<'_>],
) -> Option<Fix> {
    let declaration = statement_of(channel.declaration);
    let block = declaration.parent().filter(|b| b.kind() == "statement_list")?;
    if declaration != channel.declaration && channel.declaration.parent() != Some(declaration) {
        return None;
    }
    let last = sends.last()?;
    if sends.iter().any(|s| s.goroutine.is_some() || s.deferred) {
        return None;
    }
    // The statement of the channel's block that holds the last send.
    let holder =
        std::iter::once(last.node).chain(ancestors(last.node)).find(|n| n.parent() == Some(block))?;
    if find_all(scope, "return_statement")
        .iter()
        .any(|r| r.start_byte() > declaration.end_byte() && r.start_byte() < holder.end_byte())
    {
        return None;
    }
    let name = cx.text(channel.name);
    let indent = cx.text.indent_at(holder.start_byte());
    Some(Fix {
        title: format!("close `{name}` after the last send"),
        safe: false,
        edits: vec![Edit {
            start: holder.end_byte(),
            end: holder.end_byte(),
            replacement: format!("\n{indent}close({name})"),
        }],
    })
}
