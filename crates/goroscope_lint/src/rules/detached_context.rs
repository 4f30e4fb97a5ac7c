//! ## What it does
//! Finds a goroutine started inside a function that has a request context (a `context.Context` or
//! `*http.Request` parameter) that runs on `context.Background()` or `context.TODO()` instead, in the
//! arguments of the `go` call or in the body of its function literal.
//!
//! ## Why is this bad?
//! The caller's context is how a server tells work to stop: the client went away, the deadline passed, the
//! server is shutting down. A goroutine on `context.Background()` hears none of it. Its queries, calls and waits
//! run to the end (or for ever, when something they wait on never answers) after the request is gone, and
//! under load they pile up faster than they finish.
//!
//! ## Example
//! ```go
//! func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
//! 	go func() {
//! 		h.audit.Record(context.Background(), r.URL.Path) // never cancelled
//! 	}()
//! 	w.WriteHeader(http.StatusAccepted)
//! }
//! ```
//!
//! ## Use instead
//! Pass the caller's context, or, when the work must outlive the request on purpose, keep its values but not
//! its cancellation (Go 1.21+) and bound it with a timeout:
//! ```go
//! func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
//! 	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
//! 	go func() {
//! 		defer cancel()
//! 		h.audit.Record(ctx, r.URL.Path)
//! 	}()
//! 	w.WriteHeader(http.StatusAccepted)
//! }
//! ```
//! There is no mechanical fix: which context the goroutine should have is a design decision.
//!
//! ## Known problems
//! These are left alone:
//! - the detached context is the parent of `context.WithTimeout`, `WithDeadline`, `WithCancel` or their
//!   `…Cause` forms: the work is bounded by a timeout, or cancelled through the function kept;
//! - the goroutine also uses the caller's context or request (by its parameter name), receives from some
//!   `Done()` channel, or has a `select` (which can wait on a stop channel): it has another way to stop;
//! - the goroutine calls `wg.Done()`: a `sync.WaitGroup` owner waits for it, so it is accounted for even if it
//!   ignores cancellation;
//! - a parameter named `_`, which the function cannot use;
//! - a comment just above the `go` statement, or after it on its line, that speaks of the context (`ctx`,
//!   `context`, `cancel`, `background`, `detach`, `outlive`): the author chose to detach it.
//!
//! For `go f(context.Background())` only the arguments are judged, and the body of `f` when it is declared in
//! the package. A function literal that defines its own `ctx` parameter counts as using the caller's. Starting
//! background work from a request on purpose (a cache refresh shared by all requests) is reported all the same;
//! `context.WithoutCancel` says so in code.
//!
//! ## References
//! - [Go blog: Go Concurrency Patterns: Context](https://go.dev/blog/context)
//! - [context.WithoutCancel](https://pkg.go.dev/context#WithoutCancel)
//! - [net/http: Request.Context](https://pkg.go.dev/net/http#Request.Context)
//! - [contextcheck](https://github.com/kkHAIKE/contextcheck): a linter for functions that do not pass on the
//!   context they were given

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::syntax::{
    Call, Text, ancestors, enclosing_function, go_literal, is_cancellable_context, is_function,
    named_children, runtime_name, statement_call, walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL302",
    name: "detached-context",
    summary: "goroutine started with a request context runs on context.Background() instead",
    severity: Severity::Warning,
    preview: false,
    kinds: &["go_statement"],
    check,
    source: include_str!("detached_context.rs"),
};

fn check(cx: &Context<'_, '_>, go: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(arguments) = go.named_child(0).and_then(|call| call.child_by_field_name("arguments")) else {
        return;
    };
    let Some((function, parameter, name, request)) =
        ancestors(go).filter(|a| is_function(*a)).find_map(|f| {
            request_context(cx.text, f).map(|(parameter, name, request)| (f, parameter, name, request))
        })
    else {
        return;
    };
    // The goroutine's code: the literal, or the call's arguments and the package function it calls.
    let literal = go_literal(go);
    let scope = literal.unwrap_or(arguments);
    let Some(detached) = detached_call(cx.text, scope) else { return };
    // For `go f(…)`, `f`'s own body when the package declares it.
    let callee_stops = literal.is_none()
        && go
            .named_child(0)
            .and_then(Call::of)
            .and_then(|call| cx.package.function(cx.text(call.name)))
            .is_some_and(|(file, declaration)| {
                declaration
                    .child_by_field_name("body")
                    .is_some_and(|body| stops(&Text::new(&file.source), body, None, false))
            });
    if callee_stops || stops(cx.text, scope, Some(name), request) || explained(cx.text, go) {
        return;
    }
    let background = cx.text(detached);
    let background = background.split('(').next().unwrap_or(background);
    let caller = if request { format!("{name}.Context()") } else { name.to_owned() };
    let without_cancel = if cx.module.go_at_least(21) {
        format!(", or `context.WithoutCancel({caller})` if it must outlive the request")
    } else {
        String::new()
    };
    let mut finding = cx.finding(
        detached,
        format!(
            "goroutine started in `{}` uses `{background}()` instead of `{caller}`: it ignores the caller's \
             cancellation and can outlive the request; pass `{caller}`{without_cancel}",
            runtime_name(cx.text, enclosing_function(go).unwrap_or(function))
        ),
    );
    finding.related.push(cx.related(go, "goroutine started here"));
    let label = if request {
        format!("the request `{name}` carries the caller's context")
    } else {
        format!("the caller's context `{name}`")
    };
    finding.related.push(cx.related(parameter, label));
    findings.push(finding);
}

/// The function's request context: `(parameter, name, is *http.Request)`.
fn request_context<'t, 'a>(text: &Text<'a>, function: Node<'t>) -> Option<(Node<'t>, &'a str, bool)> {
    let parameters = function.child_by_field_name("parameters")?;
    named_children(parameters).into_iter().filter(|p| p.kind() == "parameter_declaration").find_map(|p| {
        let ty: String = text.of(p.child_by_field_name("type")?).split_whitespace().collect();
        let request = match ty.as_str() {
            "context.Context" => false,
            "*http.Request" => true,
            _ => return None,
        };
        let mut cursor = p.walk();
        let name = p.children_by_field_name("name", &mut cursor).map(|n| text.of(n)).find(|n| *n != "_")?;
        Some((p, name, request))
    })
}

/// The first `context.Background()` or `context.TODO()` in `scope` that is not the parent of a bounded context.
fn detached_call<'t>(text: &Text<'_>, scope: Node<'t>) -> Option<Node<'t>> {
    let mut found = None;
    walk(scope, &mut |n| {
        if found.is_none()
            && let Some(call) = Call::of(n)
            && (call.is(text, "context", "Background") || call.is(text, "context", "TODO"))
        {
            let bounded = n
                .parent()
                .and_then(|args| args.parent())
                .and_then(Call::of)
                .is_some_and(|outer| is_cancellable_context(text, &outer));
            if !bounded {
                found = Some(n);
            }
        }
        found.is_none()
    });
    found
}

/// Whether the goroutine's code has another way to stop or an owner that waits for it: it uses the caller's
/// context `name` (for a request: `r.Context()`, or `r` handed to a call), receives from a `Done()` channel,
/// selects, or calls `wg.Done()`.
fn stops(text: &Text<'_>, scope: Node<'_>, name: Option<&str>, request: bool) -> bool {
    let mut stops = false;
    walk(scope, &mut |n| {
        stops |= match n.kind() {
            "identifier" => Some(text.of(n)) == name && (!request || request_context_used(text, n)),
            "select_statement" => true,
            // `wg.Done()`: the owner waits for the goroutine.
            "expression_statement" | "defer_statement" => statement_call(n)
                .is_some_and(|c| text.of(c.name) == "Done" && c.receiver.is_some() && c.args().is_empty()),
            "unary_expression" => {
                n.child_by_field_name("operator").is_some_and(|o| text.of(o) == "<-")
                    && n.child_by_field_name("operand")
                        .and_then(Call::of)
                        .is_some_and(|c| text.of(c.name) == "Done")
            }
            _ => false,
        };
        !stops
    });
    stops
}

/// Whether the request `r` at `use_` gives its context away: `r.Context()`, or `r` passed to a call.
fn request_context_used(text: &Text<'_>, use_: Node<'_>) -> bool {
    use_.parent().is_some_and(|p| match p.kind() {
        "argument_list" => true,
        "selector_expression" => p.child_by_field_name("field").is_some_and(|f| text.of(f) == "Context"),
        _ => false,
    })
}

/// Whether a comment just above the `go` statement, or after it on its line, speaks of the context: the
/// detachment is deliberate ("the request context ends with the response; run on our own").
fn explained(text: &Text<'_>, go: Node<'_>) -> bool {
    let mut comments = Vec::new();
    let mut next_row = go.start_position().row;
    // A comment before the first statement of a block belongs to the block, not to its statement list.
    let first_in_list =
        go.prev_sibling().is_none() && go.parent().is_some_and(|p| p.kind() == "statement_list");
    let mut previous =
        if first_in_list { go.parent().and_then(|list| list.prev_sibling()) } else { go.prev_sibling() };
    while let Some(comment) =
        previous.filter(|n| n.kind() == "comment" && n.end_position().row + 1 == next_row)
    {
        comments.push(comment);
        next_row = comment.start_position().row;
        previous = comment.prev_sibling();
    }
    comments.extend(
        go.next_sibling()
            .filter(|n| n.kind() == "comment" && n.start_position().row == go.end_position().row),
    );
    comments.iter().any(|comment| {
        let comment = text.of(*comment).to_ascii_lowercase();
        ["ctx", "context", "cancel", "background", "detach", "outlive"].iter().any(|w| comment.contains(w))
    })
}
