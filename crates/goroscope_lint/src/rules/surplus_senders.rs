//! ## What it does
//! Finds goroutines started in a loop that each send on one local unbuffered channel while the function that
//! started them receives fewer times than they send: a single receive ("the first result wins"), or a receive
//! loop that can `return` or `break` before it has drained every sender.
//!
//! ## Why is this bad?
//! Each send on an unbuffered channel waits for its own receive. With N senders and one receive, N-1 goroutines
//! stay parked in `chan send` forever, every call, each holding its closure (a connection, a response, a
//! buffer). A receive loop that stops at the first error leaks the senders that have not been received yet.
//!
//! ## Example
//! ```go
//! func firstReplica(ctx context.Context, replicas []string, key string) (Value, error) {
//! 	results := make(chan Value)
//! 	for _, addr := range replicas {
//! 		go func(addr string) {
//! 			results <- lookup(ctx, addr, key) // all but one block forever
//! 		}(addr)
//! 	}
//! 	return <-results, nil
//! }
//! ```
//!
//! ## Use instead
//! Give the channel room for every sender:
//! ```go
//! 	results := make(chan Value, len(replicas))
//! ```
//! or use `golang.org/x/sync/errgroup` (its context cancels the others), or have the senders select on a
//! `done` channel that the receiver closes when it stops. `--fix` gives the channel a buffer of `len(x)` when
//! the loop is `for … range x` over a slice or map variable `x` that is not reassigned and each goroutine sends
//! once; the fix is marked unsafe when the goroutine does more after its send, which would then run without
//! waiting for the receiver.
//!
//! ## Known problems
//! Only channels made in the function before the loop and never handed to other code are judged, and only
//! when no other goroutine receives from them. Sends and receives that are cases of a `select` with another
//! case or a `default` are not judged here (GL001 covers a caller that can leave a `select`). The rule does not
//! count loop iterations: a single receive is flagged even if the loop runs once. To keep that guess safe it
//! skips a `go` statement that is started conditionally inside the loop (under an `if`, `switch` or `select`)
//! and a loop that can `break` or `return`, since either may start only one goroutine; it also skips a
//! function whose receive sits in the same loop as the `go` statement (one send, one receive per iteration).
//! A receive loop counts as stopping early only when it has its own end (a condition or a `range` clause)
//! and also a `return` or `break`; a bare `for {}` that breaks once it has counted every result is left
//! alone, and a `for range` over the channel is judged only when something closes the channel (GL004 covers
//! the rest).
//!
//! ## References
//! - [Go blog: Go Concurrency Patterns: Pipelines and cancellation](https://go.dev/blog/pipelines)
//! - [errgroup package](https://pkg.go.dev/golang.org/x/sync/errgroup)
//! - [Uber Go style guide: channel size is one or none](https://github.com/uber-go/guide/blob/master/style.md#channel-size-is-one-or-none)
//! - `goroscope explain send-no-receiver`

use tree_sitter::Node;

use crate::channels::{
    Capacity, LocalChannel, Use, UseKind, capacity_edit, effective_start, goroutines, is_receive, operation,
    visible_channels,
};
use crate::context::Context;
use crate::finding::{Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    ancestors, body, contains, enclosing_function, enclosing_loop, find_all, go_literal, loop_exits,
    named_children, runtime_name, statements, walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL003",
    name: "surplus-senders",
    summary: "goroutines started in a loop send on an unbuffered channel that is received from fewer times",
    severity: Severity::Error,
    preview: false,
    kinds: &["function_declaration", "method_declaration", "func_literal"],
    check,
    source: include_str!("surplus_senders.rs"),
};

fn check(cx: &Context<'_, '_>, function: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(scope) = body(function) else { return };
    for (channel, uses) in visible_channels(cx.text, scope) {
        if channel.capacity != Capacity::Unbuffered {
            continue;
        }
        // Every receive is the caller's own and can block on its own.
        if uses.iter().any(|u| is_receive(u) && (u.goroutine.is_some() || !u.blocks_alone())) {
            continue;
        }
        let receives: Vec<&Use<'_>> = uses.iter().filter(|u| is_receive(u)).collect();
        let Some(first_receive) = receives.iter().map(|u| effective_start(u)).min() else { continue };
        let closed = uses.iter().any(|u| u.kind == UseKind::Close);
        for go in goroutines(&uses) {
            let sends: Vec<&Use<'_>> = uses
                .iter()
                .filter(|u| u.goroutine == Some(go) && u.kind == UseKind::Send && u.blocks_alone())
                .collect();
            if sends.is_empty() || returns_before_receiving(scope, go, first_receive) {
                continue;
            }
            let Some(go_loop) = started_per_iteration(cx, function, scope, &channel, go) else { continue };
            let Some(shortfall) = shortfall(cx, scope, go, &receives, closed) else { continue };
            let name = cx.text(channel.name);
            let caller = runtime_name(cx.text, function);
            let fix = buffer_per_item(cx, function, &channel, go, go_loop, &sends);
            for send in &sends {
                let mut finding = cx.finding(
                    operation(send),
                    format!(
                        "each goroutine started in the loop sends on unbuffered channel `{name}`, but \
                         `{caller}` {}: the remaining sends block forever",
                        shortfall.describe()
                    ),
                );
                finding.related.push(cx.related(go, "goroutines started here, one per iteration"));
                finding.related.push(cx.related(shortfall.node, shortfall.label(&caller)));
                finding
                    .related
                    .push(cx.related(channel.declaration, format!("`{name}` made unbuffered here")));
                finding.fix.clone_from(&fix);
                findings.push(finding);
            }
        }
    }
}

/// The loop that starts one goroutine per iteration: the innermost `for` around the `go` statement, in the
/// function itself, after the channel is made, with the `go` statement not under a condition and no way out
/// of the loop that could stop it after one goroutine.
fn started_per_iteration<'t>(
    cx: &Context<'_, '_>,
    function: Node<'t>,
    scope: Node<'t>,
    channel: &LocalChannel<'t>,
    go: Node<'t>,
) -> Option<Node<'t>> {
    if enclosing_function(go) != Some(function) {
        return None;
    }
    let go_loop = enclosing_loop(go, scope)?;
    let conditional = ancestors(go).take_while(|a| *a != go_loop).any(|a| {
        matches!(
            a.kind(),
            "if_statement" | "expression_switch_statement" | "type_switch_statement" | "select_statement"
        )
    });
    let exits = loop_exits(cx.text, go_loop);
    (!conditional && exits.is_empty() && !contains(go_loop, channel.declaration)).then_some(go_loop)
}

/// Whether a `return` lies between the `go` statement and the first receive: GL001's case, left to it.
fn returns_before_receiving(scope: Node<'_>, go: Node<'_>, first_receive: usize) -> bool {
    find_all(scope, "return_statement")
        .iter()
        .any(|r| r.start_byte() >= go.end_byte() && r.end_byte() <= first_receive)
}

/// Why the caller receives fewer values than the goroutines send.
struct Shortfall<'t> {
    node: Node<'t>,
    /// The caller receives once, outside any loop; otherwise its receive loop has this early exit.
    single: bool,
}

impl Shortfall<'_> {
    fn describe(&self) -> String {
        if self.single {
            "receives only once".to_owned()
        } else {
            let how = if self.node.kind() == "return_statement" { "return" } else { "break" };
            format!(
                "can stop receiving at line {} ({how}) before draining it",
                self.node.start_position().row + 1
            )
        }
    }

    fn label(&self, caller: &str) -> String {
        if self.single {
            format!("`{caller}` receives only here")
        } else {
            format!("`{caller}` stops receiving here")
        }
    }
}

fn shortfall<'t>(
    cx: &Context<'_, '_>,
    scope: Node<'t>,
    go: Node<'t>,
    receives: &[&Use<'t>],
    closed: bool,
) -> Option<Shortfall<'t>> {
    let loops: Vec<Option<Node<'t>>> = receives.iter().map(|u| enclosing_loop(u.node, scope)).collect();
    if let [receive] = receives
        && loops == [None]
        && receive.node.start_byte() > go.end_byte()
    {
        return Some(Shortfall { node: operation(receive), single: true });
    }
    // A receive loop that also holds the `go` statement receives once per goroutine it starts.
    if loops.iter().flatten().any(|l| contains(*l, go)) {
        return None;
    }
    receives.iter().zip(&loops).find_map(|(receive, receive_loop)| {
        let receive_loop = (*receive_loop)?;
        // The loop must end on its own (a `range` over the channel only once it is closed); a bare `for {}`
        // needs its `break`.
        let ends = if receive.kind == UseKind::Range { closed } else { has_own_end(receive_loop) };
        if !ends {
            return None;
        }
        let exit = loop_exits(cx.text, receive_loop)
            .into_iter()
            .find(|e| matches!(e.kind(), "return_statement" | "break_statement"))?;
        Some(Shortfall { node: exit, single: false })
    })
}

/// Whether a `for` statement stops by itself: it has a condition or a `range` clause.
fn has_own_end(for_statement: Node<'_>) -> bool {
    named_children(for_statement).into_iter().any(|c| match c.kind() {
        "for_clause" => c.child_by_field_name("condition").is_some(),
        "block" | "comment" => false,
        _ => true,
    })
}

/// `make(chan T, len(x))` when the loop is `for … range x` over a slice or map variable that keeps its length,
/// each goroutine sends once and the loop starts one goroutine per element.
fn buffer_per_item(
    cx: &Context<'_, '_>,
    function: Node<'_>,
    channel: &LocalChannel<'_>,
    go: Node<'_>,
    go_loop: Node<'_>,
    sends: &[&Use<'_>],
) -> Option<Fix> {
    let literal = go_literal(go)?;
    let [send] = sends else { return None };
    if enclosing_loop(send.node, literal).is_some()
        || enclosing_loop(go_loop, channel.scope).is_some_and(|outer| !contains(outer, channel.declaration))
    {
        return None;
    }
    let range = named_children(go_loop).into_iter().find(|c| c.kind() == "range_clause")?;
    let ranged = range.child_by_field_name("right").filter(|r| r.kind() == "identifier")?;
    let items = cx.text(ranged);
    if !sized_collection(cx, function, items, channel.declaration.start_byte()) {
        return None;
    }
    let edit = capacity_edit(cx.text, channel, &format!("len({items})"))?;
    // Work after the send would no longer wait for the receiver.
    let safe = statements(body(literal)?).last() == Some(&operation(send));
    Some(Fix {
        title: format!("give `{}` a buffer of `len({items})`", cx.text(channel.name)),
        safe,
        edits: vec![edit],
    })
}

/// Whether `name` is, in `function`, a slice, array or map declared once before byte `before` (a parameter,
/// `x := []T{…}`, `make([]T, n)`, `var x []T`) and never assigned again.
fn sized_collection(cx: &Context<'_, '_>, function: Node<'_>, name: &str, before: usize) -> bool {
    let collection_type =
        |t: Option<Node<'_>>| t.is_some_and(|t| matches!(t.kind(), "slice_type" | "map_type" | "array_type"));
    let collection_value = |v: Option<Node<'_>>| {
        v.is_some_and(|v| match v.kind() {
            "composite_literal" => collection_type(v.child_by_field_name("type")),
            "call_expression" => {
                v.child_by_field_name("function").is_some_and(|f| cx.text(f) == "make")
                    && v.child_by_field_name("arguments")
                        .is_some_and(|a| collection_type(named_children(a).first().copied()))
            }
            _ => false,
        })
    };
    let mut declarations = Vec::new();
    let mut assigned = false;
    walk(function, &mut |node| {
        if node.kind() != "identifier" || cx.text(node) != name {
            return true;
        }
        let Some(parent) = node.parent() else { return true };
        match parent.kind() {
            "parameter_declaration" | "variadic_parameter_declaration" => {
                let variadic = parent.kind() == "variadic_parameter_declaration";
                declarations.push((node, variadic || collection_type(parent.child_by_field_name("type"))));
            }
            "var_spec" => {
                let index = named_children(parent).iter().position(|n| *n == node).unwrap_or_default();
                let value =
                    parent.child_by_field_name("value").and_then(|v| named_children(v).get(index).copied());
                let typed = collection_type(parent.child_by_field_name("type"));
                declarations.push((node, typed || collection_value(value)));
            }
            "expression_list" => match parent.parent() {
                Some(statement) if statement.child_by_field_name("left") == Some(parent) => {
                    if statement.kind() == "short_var_declaration" {
                        let index =
                            named_children(parent).iter().position(|n| *n == node).unwrap_or_default();
                        let value = statement
                            .child_by_field_name("right")
                            .and_then(|r| named_children(r).get(index).copied());
                        declarations.push((node, collection_value(value)));
                    } else {
                        assigned = true;
                    }
                }
                _ => {}
            },
            "assignment_statement" | "inc_statement" | "dec_statement" | "range_clause" => {
                assigned |= parent.child_by_field_name("right") != Some(node);
            }
            _ => {}
        }
        true
    });
    !assigned && matches!(declarations.as_slice(), [(node, true)] if node.start_byte() < before)
}
