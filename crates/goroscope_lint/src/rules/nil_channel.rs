//! ## What it does
//! Finds a send, receive, `range` or `close` on a local channel variable that is provably nil: declared with
//! `var ch chan T` and never assigned, never passed anywhere, never captured by a closure other than a
//! goroutine, never address-taken.
//!
//! ## Why is this bad?
//! The zero value of a channel type is nil, and `var ch chan T` does not make a channel. A send or receive on
//! a nil channel blocks forever, a `range` over it never starts and never ends, and `close` on it panics. The
//! goroutine doing it leaks (or, in `main`, the program dies with "all goroutines are asleep"). The usual
//! cause is a forgotten `make`.
//!
//! ## Example
//! ```go
//! func watch(paths []string) error {
//! 	var events chan string
//! 	go func() {
//! 		for _, p := range paths {
//! 			events <- p
//! 		}
//! 	}()
//! 	for p := range events { // nil: blocks forever
//! 		log.Println("changed:", p)
//! 	}
//! 	return nil
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	events := make(chan string)
//! ```
//! `--unsafe-fixes` replaces the declaration with `ch := make(chan T)` when the channel is plainly meant to
//! carry values between goroutines (one goroutine sends on it or closes it, another receives or ranges) and
//! the code never compares it with nil; the fix is unsafe because the capacity the code wants is a guess.
//!
//! ## Known problems
//! Only locals declared with `var` and no value are judged, and only when every use is visible: any
//! assignment (a nil channel is an idiom for disabling a `select` case until it is set), any use in a closure
//! that is not a goroutine, being passed to a call or having its address taken makes the rule skip the
//! variable. Operations that are cases of a `select` are never flagged, even a `select` with one case. Struct
//! fields and package-level variables are not judged. One finding is reported per variable, at its first
//! operation in the function itself (or the first in a goroutine when the function has none); the others
//! are listed as related locations.
//!
//! ## References
//! - [The Go spec: Channel types ("A nil channel is never ready for communication")](https://go.dev/ref/spec#Channel_types)
//! - [The Go spec: Close](https://go.dev/ref/spec#Close)
//! - [Dave Cheney: Channel axioms](https://dave.cheney.net/2014/03/19/channel-axioms)
//! - `goroscope explain nil-channel`

use tree_sitter::Node;

use crate::channels::{Capacity, LocalChannel, Use, UseKind, is_receive, operation, visible_channels};
use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{body, named_children, runtime_name};

pub(crate) static RULE: Rule = Rule {
    code: "GL006",
    name: "nil-channel",
    summary: "send, receive, range or close on a local channel that is never made and stays nil",
    severity: Severity::Error,
    preview: false,
    kinds: &["function_declaration", "method_declaration", "func_literal"],
    check,
    source: include_str!("nil_channel.rs"),
};

fn check(cx: &Context<'_, '_>, function: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(scope) = body(function) else { return };
    for (channel, uses) in visible_channels(cx.text, scope) {
        if channel.capacity != Capacity::Nil {
            continue;
        }
        let operations: Vec<&Use<'_>> =
            uses.iter().filter(|u| u.kind != UseKind::Inspect && u.select.is_none()).collect();
        // The function's own operation first: that is where the caller blocks or panics.
        let Some(first) = operations.iter().find(|u| u.goroutine.is_none()).or(operations.first()).copied()
        else {
            continue;
        };
        let name = cx.text(channel.name);
        let caller = runtime_name(cx.text, function);
        let mut finding = cx.finding(
            reported(first),
            format!(
                "`{name}` in `{caller}` is declared without `make` and never assigned, so it stays nil: {}",
                effect(first.kind, "")
            ),
        );
        if let Some(go) = first.goroutine {
            finding.related.push(cx.related(go, "goroutine started here"));
        }
        for other in operations.iter().filter(|u| u.node != first.node) {
            finding.related.push(cx.related(reported(other), effect(other.kind, " also")));
        }
        finding.related.push(cx.related(channel.declaration, format!("`{name}` declared nil here")));
        finding.fix = make_it(cx, &channel, &uses);
        findings.push(finding);
    }
}

/// The operation to point at: the send, receive or range, or the whole `close(ch)` call.
fn reported<'t>(use_: &Use<'t>) -> Node<'t> {
    match use_.kind {
        UseKind::Close => use_.node.parent().and_then(|args| args.parent()).unwrap_or(use_.node),
        _ => operation(use_),
    }
}

fn effect(kind: UseKind, also: &str) -> String {
    match kind {
        UseKind::Send => format!("the send{also} blocks forever"),
        UseKind::Receive => format!("the receive{also} blocks forever"),
        UseKind::Range => format!("the range{also} blocks forever"),
        _ => format!("`close`{also} panics"),
    }
}

/// `ch := make(chan T)` in place of `var ch chan T`, when one goroutine sends or closes and another receives,
/// nothing compares the channel with nil and the declaration names only it.
fn make_it(cx: &Context<'_, '_>, channel: &LocalChannel<'_>, uses: &[Use<'_>]) -> Option<Fix> {
    let supply = uses.iter().find(|u| matches!(u.kind, UseKind::Send | UseKind::Close))?;
    let receive = uses.iter().find(|u| is_receive(u))?;
    if supply.goroutine == receive.goroutine || uses.iter().any(|u| u.kind == UseKind::Inspect) {
        return None;
    }
    let spec = channel.declaration;
    let declaration = spec.parent().filter(|p| p.kind() == "var_declaration")?;
    let ty = spec.child_by_field_name("type")?;
    if named_children(spec).iter().filter(|n| n.kind() == "identifier").count() != 1
        || !cx.text(ty).starts_with("chan")
        || cx.text(ty).starts_with("chan<-")
    {
        return None;
    }
    let name = cx.text(channel.name);
    Some(Fix {
        title: format!("make `{name}` an unbuffered channel"),
        safe: false,
        edits: vec![Edit {
            start: declaration.start_byte(),
            end: declaration.end_byte(),
            replacement: format!("{name} := make({})", cx.text(ty)),
        }],
    })
}
