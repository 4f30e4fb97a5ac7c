//! ## What it does
//! Finds a goroutine that calls `wg.Done()` as a plain statement, not deferred, after a `return` (or
//! `runtime.Goexit()`) that leaves the goroutine without reaching it.
//!
//! ## Why is this bad?
//! `Wait` returns only when every `Add` has been matched by a `Done`. A goroutine that leaves early, on an error
//! or a cancelled context, never calls its `Done`: the counter stays above zero and whoever calls `wg.Wait()`
//! blocks forever, holding everything it references. The early return is usually an error path added later, far
//! from the `Done` at the bottom, and it is the path tests rarely take.
//!
//! ## Example
//! ```go
//! func processAll(ctx context.Context, jobs []Job) {
//! 	var wg sync.WaitGroup
//! 	for _, job := range jobs {
//! 		wg.Add(1)
//! 		go func() {
//! 			if err := job.Prepare(ctx); err != nil {
//! 				log.Printf("prepare %s: %v", job.ID, err)
//! 				return // leaves without Done
//! 			}
//! 			job.Run(ctx)
//! 			wg.Done()
//! 		}()
//! 	}
//! 	wg.Wait() // blocks forever after one failed Prepare
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 		go func() {
//! 			defer wg.Done()
//! 			if err := job.Prepare(ctx); err != nil {
//! 				log.Printf("prepare %s: %v", job.ID, err)
//! 				return
//! 			}
//! 			job.Run(ctx)
//! 		}()
//! ```
//! `--unsafe-fixes` adds `defer wg.Done()` as the goroutine's first statement and deletes the explicit calls,
//! when each of them ends its path (it is followed by a `return` or ends the goroutine). It is not a safe fix:
//! `Done` then runs after everything else in the goroutine, including other deferred calls, so `Wait` returns a
//! little later than before.
//!
//! ## Known problems
//! Only goroutines started with a function literal are judged, and only `Done` called on a value declared as a
//! `sync.WaitGroup`. Order in the source stands in for control flow: a `return` counts when it comes before a
//! `Done` and no `Done` earlier in an enclosing block runs before it; a `return` that cannot happen in practice
//! still counts. A goroutine that defers `Done` anywhere (`defer wg.Done()`, `defer func() { …; wg.Done() }()`) is
//! left alone, and so is one that calls `Done` in a loop (one `Done` per item handled, not one per goroutine) or
//! that declares or adds to the `WaitGroup` itself (its `Done` answers its own `Add`).
//! Panics are not counted as early exits: an unrecovered panic in a goroutine ends the program anyway. `Done`
//! called by a helper the goroutine calls before returning is not seen.
//!
//! ## References
//! - [`sync.WaitGroup`](https://pkg.go.dev/sync#WaitGroup)
//! - [Effective Go: Defer](https://go.dev/doc/effective_go#defer)
//! - [`sync.WaitGroup.Go`](https://pkg.go.dev/sync#WaitGroup.Go) (Go 1.25) calls `Done` for you
//! - `goroscope explain waitgroup-mismatch`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    Call, alone_on_line, body, contains, go_literal, line_range, loop_running, runtime_name, statements,
    walk_same_function,
};
use crate::waitgroup::{
    called_method, calls, ends_path, is_declaration, is_deferred, mentions, resolve, statement_method,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL204",
    name: "waitgroup-done-not-deferred",
    summary: "goroutine can return before its non-deferred wg.Done(), so wg.Wait blocks forever",
    severity: Severity::Error,
    preview: false,
    kinds: &["go_statement"],
    check,
    source: include_str!("waitgroup_done_not_deferred.rs"),
};

fn check(cx: &Context<'_, '_>, go: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(literal) = go_literal(go) else { return };
    let Some(literal_body) = body(literal) else { return };
    let mut dones: Vec<(Node<'_>, Node<'_>)> = Vec::new();
    let mut exits = Vec::new();
    walk_same_function(literal_body, &mut |n| {
        if let Some((_, receiver)) = statement_method(cx, n, "Done") {
            dones.push((n, receiver));
        } else if n.kind() == "return_statement" || is_goexit(cx, n) {
            exits.push(n);
        }
    });
    let mut judged: Vec<&str> = Vec::new();
    for &(_, receiver) in &dones {
        let name = cx.text(receiver);
        if judged.contains(&name) {
            continue;
        }
        judged.push(name);
        let statements: Vec<Node<'_>> =
            dones.iter().filter(|(_, r)| cx.text(*r) == name).map(|(s, _)| *s).collect();
        let every_call = calls(cx, literal_body, name, "Done");
        let per_item = statements.iter().any(|s| loop_running(*s).is_some());
        if per_item
            || every_call.iter().any(|c| is_deferred(*c, literal_body))
            || counts_itself(cx, literal_body, name)
        {
            continue;
        }
        let Some((exit, done)) = skipped_done(&exits, &statements) else { continue };
        if resolve(cx, receiver).is_none() {
            continue;
        }
        let Some(done_call) = done.named_child(0) else { continue };
        let function = runtime_name(cx.text, literal);
        let leaves = if exit.kind() == "return_statement" { "return" } else { "exit" };
        let mut finding = cx.finding(
            done_call,
            format!(
                "`{name}.Done()` is not deferred and `{function}` can {leaves} at line {} before reaching it: \
                 `{name}.Wait()` then blocks forever",
                exit.start_position().row + 1
            ),
        );
        finding.related.push(cx.related(go, "goroutine started here"));
        finding.related.push(cx.related(exit, format!("{leaves}s here without calling `{name}.Done()`")));
        if every_call.len() == statements.len() {
            finding.fix = defer_done(cx, literal_body, name, &statements);
        }
        findings.push(finding);
    }
}

/// Whether the goroutine declares the `WaitGroup` or adds to it: its `Done` then answers its own `Add` (often for a
/// goroutine it starts), not the count its starter made for it.
fn counts_itself(cx: &Context<'_, '_>, literal_body: Node<'_>, name: &str) -> bool {
    mentions(cx, literal_body, name)
        .into_iter()
        .any(|m| is_declaration(m) || called_method(cx, m).is_some_and(|(method, _)| method == "Add"))
}

/// `runtime.Goexit()`.
fn is_goexit(cx: &Context<'_, '_>, node: Node<'_>) -> bool {
    Call::of(node).is_some_and(|call| call.is(cx.text, "runtime", "Goexit"))
}

/// The first exit that no earlier `Done` covers (one in a block around it, before it), with the first `Done`
/// after it.
fn skipped_done<'t>(exits: &[Node<'t>], dones: &[Node<'t>]) -> Option<(Node<'t>, Node<'t>)> {
    exits.iter().find_map(|exit| {
        let covered = dones.iter().any(|done| {
            done.end_byte() <= exit.start_byte() && done.parent().is_some_and(|list| contains(list, *exit))
        });
        let after = dones.iter().find(|done| done.start_byte() >= exit.end_byte())?;
        (!covered).then_some((*exit, *after))
    })
}

/// `defer wg.Done()` first in the goroutine, the explicit calls deleted; only when each call ends its path, so the
/// goroutine never called `Done` twice.
fn defer_done(cx: &Context<'_, '_>, literal_body: Node<'_>, name: &str, dones: &[Node<'_>]) -> Option<Fix> {
    if !dones.iter().all(|d| ends_path(*d, literal_body) && alone_on_line(cx.text, *d)) {
        return None;
    }
    let top = statements(literal_body);
    // gofmt outdents labels: take the indentation of a statement that is not one.
    let first = *top.iter().find(|s| s.kind() != "labeled_statement")?;
    if cx.text.bytes.get(literal_body.start_byte()) != Some(&b'{') {
        return None;
    }
    let open = literal_body.start_byte() + 1;
    let mut edits = vec![Edit {
        start: open,
        end: open,
        replacement: format!("\n{}defer {name}.Done()", cx.text.indent_at(first.start_byte())),
    }];
    edits.extend(dones.iter().map(|d| {
        let (start, end) = line_range(cx.text, *d);
        Edit { start, end, replacement: String::new() }
    }));
    Some(Fix { title: format!("defer `{name}.Done()` at the start of the goroutine"), safe: false, edits })
}
