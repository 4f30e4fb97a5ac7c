//! ## What it does
//! Finds a goroutine whose body loops forever: a `for { … }` without condition, or a `for range ticker.C` /
//! `for range time.Tick(d)`, with no `return`, no `break` that leaves the loop, no `goto`, no `panic`,
//! `os.Exit`, `log.Fatal` or `runtime.Goexit` inside it. The goroutine is a function literal started with
//! `go func() { … }()`, or a function or method of the same package started with `go f()` / `go x.m()`.
//!
//! ## Why is this bad?
//! Nothing can stop such a goroutine: it lives until the process exits, with everything it references (a cache,
//! a connection, a ticker). When the code that starts it runs more than once (a constructor, a handler, a test)
//! every call adds one more goroutine that never ends. A ticker's channel is never closed, so `for range
//! ticker.C` does not end either. The usual shape is a janitor started by `New…` with no `Close` to stop it.
//!
//! ## Example
//! ```go
//! func NewCache(ttl time.Duration) *Cache {
//! 	c := &Cache{items: map[string]item{}}
//! 	go func() {
//! 		for range time.Tick(ttl) { // never ends: every NewCache leaks a goroutine
//! 			c.evictExpired()
//! 		}
//! 	}()
//! 	return c
//! }
//! ```
//!
//! ## Use instead
//! Give the loop a way out, and the owner a way to take it:
//! ```go
//! func NewCache(ttl time.Duration) *Cache {
//! 	c := &Cache{items: map[string]item{}, done: make(chan struct{})}
//! 	go func() {
//! 		ticker := time.NewTicker(ttl)
//! 		defer ticker.Stop()
//! 		for {
//! 			select {
//! 			case <-ticker.C:
//! 				c.evictExpired()
//! 			case <-c.done:
//! 				return
//! 			}
//! 		}
//! 	}()
//! 	return c
//! }
//!
//! func (c *Cache) Close() { close(c.done) }
//! ```
//!
//! ## Known problems
//! The exits are found syntactically: any `return`, `goto`, a `break` whose target is the loop (a plain `break`
//! inside a nested `for`, `switch` or `select` leaves only that statement; `break L` to the loop or to a
//! statement around it leaves), a `continue L` to an outer loop, or a call that ends the goroutine (`panic`,
//! `os.Exit`, `runtime.Goexit`, `log.Fatal…`/`t.Fatal…`-style `Fatal`/`Panic` methods). A receive from a
//! `ctx.Done()` or `done` channel counts only through what its case does: a case that returns or breaks out is
//! the way out; one that does not leave the loop is not. A call to a function that never returns (one
//! that exits the process itself) is not recognised, and such a loop is reported.
//!
//! Goroutines started once per process are not reported, as they are meant to live as long as the process:
//! from `init`, from `main` of package `main`, from an `Example` function (a program shown in documentation),
//! or inside a function literal given to a `Do` method (`sync.Once.Do`). Package `runtime` is skipped too: its
//! background workers (sweeper, scavenger, finalizers) are system goroutines by design. Every other starting
//! place is reported, in tests too: a test that leaves a goroutine spinning leaks into the tests after it, and
//! tools such as `goleak` fail on it. A goroutine started once from elsewhere (a server's `Serve` in a command,
//! a package-level flag) is reported although it is harmless; suppress it there. A loop that spins until the
//! process replaces itself (`syscall.Exec`) is reported too.
//!
//! For `go f()` and `go x.m()` the function is found by name in the package, so a method of another type with
//! the same name may be taken for it; a goroutine that calls the looping function from a literal
//! (`go func() { s.loop() }()`) is not followed. `for range x.C` counts as a ticker or timer loop for any field
//! named `C`; other conditions (`for running { … }`) are never judged.
//!
//! ## References
//! - [Go blog: Go Concurrency Patterns: Pipelines and cancellation](https://go.dev/blog/pipelines)
//! - [Go blog: Go Concurrency Patterns: Context](https://go.dev/blog/context)
//! - [time.Tick](https://pkg.go.dev/time#Tick) and [time.NewTicker](https://pkg.go.dev/time#NewTicker)
//! - [goleak](https://github.com/uber-go/goleak)
//! - `goroscope explain loop-without-exit`

use std::path::Path;

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::syntax::{
    Call, Text, ancestors, enclosing_function, is_main_or_init, is_terminating_call, named_children,
    package_name, runtime_name, top_function, walk, walk_same_function,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL101",
    name: "endless-goroutine",
    summary: "goroutine runs a loop that nothing can stop",
    severity: Severity::Warning,
    preview: true,
    kinds: &["for_statement"],
    check,
    source: include_str!("endless_goroutine.rs"),
};

fn check(cx: &Context<'_, '_>, lp: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(kind) = endless(cx.text, lp) else { return };
    if leaves(cx.text, lp) || package_name(cx.text, lp) == Some("runtime") {
        return;
    }
    let Some(function) = enclosing_function(lp) else { return };
    // Only the outermost endless loop of the goroutine is reported.
    let outer_endless = ancestors(lp)
        .take_while(|a| *a != function)
        .any(|a| a.kind() == "for_statement" && endless(cx.text, a).is_some() && !leaves(cx.text, a));
    if outer_endless {
        return;
    }
    let starts = starts(cx, function);
    if starts.is_empty() {
        return;
    }
    let goroutine = match function.kind() {
        "func_literal" => {
            let starter = starts.first().and_then(|s| s.node).and_then(enclosing_function);
            format!(
                "the goroutine started in `{}`",
                starter.map(|f| runtime_name(cx.text, f)).unwrap_or_default()
            )
        }
        _ => format!("goroutine `{}`", runtime_name(cx.text, function)),
    };
    let elsewhere: Vec<String> =
        starts.iter().filter(|s| s.node.is_none()).map(|s| s.place.clone()).collect();
    let started =
        if elsewhere.is_empty() { String::new() } else { format!(" (started at {})", elsewhere.join(", ")) };
    let mut finding = cx.finding(
        lp,
        format!(
            "{goroutine}{started} {kind} and nothing leaves the loop (no `return`, `break` out of it or stop \
             case): the goroutine runs until the process exits"
        ),
    );
    for start in starts.iter().filter_map(|s| s.node) {
        finding.related.push(cx.related(start, "goroutine started here"));
    }
    findings.push(finding);
}

/// What makes the loop endless, for the message; `None` for a loop that can end on its own.
fn endless(text: &Text<'_>, lp: Node<'_>) -> Option<&'static str> {
    let body = lp.child_by_field_name("body");
    let header = named_children(lp).into_iter().find(|c| Some(*c) != body && c.kind() != "comment");
    match header {
        None => Some("loops forever"),
        Some(clause) if clause.kind() == "for_clause" => {
            clause.child_by_field_name("condition").is_none().then_some("loops forever")
        }
        Some(clause) if clause.kind() == "range_clause" => {
            let right = clause.child_by_field_name("right")?;
            ticks(text, right).then_some("ranges over a ticker channel, which is never closed,")
        }
        Some(_) => None,
    }
}

/// `time.Tick(d)` or `x.C` (a ticker's or timer's channel).
fn ticks(text: &Text<'_>, expression: Node<'_>) -> bool {
    if let Some(call) = Call::of(expression) {
        return call.is(text, "time", "Tick");
    }
    expression.kind() == "selector_expression"
        && expression.child_by_field_name("field").is_some_and(|f| text.of(f) == "C")
}

/// Whether control can leave `lp` from inside it (nested function literals left out).
fn leaves(text: &Text<'_>, lp: Node<'_>) -> bool {
    let Some(body) = lp.child_by_field_name("body") else { return true };
    let mut leaves = false;
    walk_same_function(body, &mut |n| {
        leaves |= match n.kind() {
            "return_statement" | "goto_statement" => true,
            "break_statement" => match label(text, n) {
                Some(label) => labels_around(text, lp, label, true),
                None => break_target(n) == Some(lp),
            },
            "continue_statement" => label(text, n).is_some_and(|label| labels_around(text, lp, label, false)),
            _ => is_terminating_call(text, n),
        };
    });
    leaves
}

fn label<'a>(text: &Text<'a>, branch: Node<'_>) -> Option<&'a str> {
    branch.named_child(0).filter(|n| n.kind() == "label_name").map(|n| text.of(n))
}

/// Whether `label` names a statement around `lp` (or `lp` itself, when `itself`), in the same function.
fn labels_around(text: &Text<'_>, lp: Node<'_>, label: &str, itself: bool) -> bool {
    let own = lp.parent().filter(|p| p.kind() == "labeled_statement");
    ancestors(lp)
        .take_while(|a| !matches!(a.kind(), "func_literal" | "function_declaration" | "method_declaration"))
        .filter(|a| a.kind() == "labeled_statement")
        .filter(|a| a.child_by_field_name("label").is_some_and(|l| text.of(l) == label))
        .any(|a| itself || Some(a) != own)
}

/// The statement a plain `break` leaves: the nearest `for`, `switch` or `select` around it.
fn break_target(branch: Node<'_>) -> Option<Node<'_>> {
    ancestors(branch).find(|a| {
        matches!(
            a.kind(),
            "for_statement" | "expression_switch_statement" | "type_switch_statement" | "select_statement"
        )
    })
}

/// A `go` statement that starts the function: a node when it is in this file, else its place.
struct Start<'t> {
    node: Option<Node<'t>>,
    place: String,
}

/// The `go` statements starting `function`, leaving out those that run once per process.
fn starts<'t>(cx: &Context<'_, 't>, function: Node<'t>) -> Vec<Start<'t>> {
    if function.kind() == "func_literal" {
        let go = function
            .parent()
            .filter(|call| call.kind() == "call_expression")
            .and_then(|call| call.parent())
            .filter(|go| go.kind() == "go_statement");
        return go
            .filter(|go| !started_once(cx.text, *go))
            .map(|go| Start { node: Some(go), place: String::new() })
            .into_iter()
            .collect();
    }
    let Some(name) = function.child_by_field_name("name").map(|n| cx.text(n)) else { return Vec::new() };
    if !cx.package.facts().started_with_go.contains(name) {
        return Vec::new();
    }
    let method = function.kind() == "method_declaration";
    let mut found = Vec::new();
    for file in cx.package.files {
        let here = file.path == cx.path;
        let text = if here { None } else { Some(Text::new(&file.source)) };
        let text = text.as_ref().unwrap_or(cx.text);
        walk(file.tree.root_node(), &mut |n| {
            if n.kind() == "go_statement"
                && let Some(call) = n.named_child(0).and_then(Call::of)
                && text.of(call.name) == name
                && call.receiver.is_some() == method
                && !started_once(text, n)
            {
                found.push(if here {
                    Start { node: Some(n), place: String::new() }
                } else {
                    Start { node: None, place: place(&file.path, n) }
                });
            }
            true
        });
    }
    found
}

/// Whether the `go` statement runs once per process: in `init`, `main` of package main, an `Example` function
/// (a program in documentation), or a function literal given to `Do` (`sync.Once`).
fn started_once(text: &Text<'_>, go: Node<'_>) -> bool {
    let in_once = ancestors(go).any(|a| {
        a.kind() == "func_literal"
            && a.parent()
                .and_then(|args| args.parent())
                .and_then(Call::of)
                .is_some_and(|c| text.of(c.name) == "Do")
    });
    let top = top_function(go);
    let example = top.is_some_and(|f| {
        f.kind() == "function_declaration"
            && f.child_by_field_name("name").is_some_and(|n| text.of(n).starts_with("Example"))
    });
    in_once || example || top.is_some_and(|f| is_main_or_init(text, f))
}

fn place(path: &Path, node: Node<'_>) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default();
    format!("{file}:{}", node.start_position().row + 1)
}
