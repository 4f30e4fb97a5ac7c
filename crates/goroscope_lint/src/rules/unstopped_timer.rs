//! ## What it does
//! Finds a `time.NewTicker` held in a local variable that is never stopped, and a `time.NewTimer` made on every
//! iteration of a loop that is never stopped while another `select` case takes the loop round before it fires.
//! Not reported for modules declaring `go 1.23` or later.
//!
//! ## Why is this bad?
//! Before Go 1.23 the runtime's timer heap holds every active timer. A ticker that is not stopped stays there,
//! firing, for the life of the process, even after the function that made it has returned and nothing can
//! read its channel: every call leaks one ticker and the work of firing it. A timer that is not stopped stays
//! until it fires; made once per iteration of a busy loop, the pending ones pile up. Since Go 1.23 timers and
//! tickers that nothing references are garbage collected without `Stop`, so there is no leak left to report
//! (stopping a ticker is still tidy, but not a finding).
//!
//! It is also a memory leak. Each leaked ticker is a heap object (the `time.Ticker`, its channel and its
//! runtime timer) that the runtime's timer heap keeps reachable, so the garbage collector never frees it, and
//! every tick wakes the runtime to send on a channel nobody reads. A heap profile shows the growth in `time.NewTicker` under the function that calls it,
//! one object per call: the same shape as a client made per call (GL605 `client-per-call`) or a cache that only
//! grows (GL604 `unbounded-map-cache`).
//!
//! ## Example
//! ```go
//! func (r *Reporter) run(ctx context.Context) {
//! 	ticker := time.NewTicker(r.interval) // never stopped
//! 	for {
//! 		select {
//! 		case <-ticker.C:
//! 			r.flush()
//! 		case <-ctx.Done():
//! 			return
//! 		}
//! 	}
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	ticker := time.NewTicker(r.interval)
//! 	defer ticker.Stop()
//! ```
//! `--fix` inserts `defer ticker.Stop()` after the declaration when only the declaring function uses the
//! ticker, or as the first statement of the goroutine when only one goroutine started there reads it. A timer
//! made in a loop gets no fix: stop it when the other case is taken, or make one timer before the loop and
//! `Reset` it.
//!
//! ## Known problems
//! Only tickers and timers held by a local declared with `:=` are judged. Any use other than `t.C`, `t.Reset`
//! and `t.Stop` (passed to a function, returned, stored, reassigned, a method value) means other code may stop it,
//! so it is skipped; so is any `t.Stop()` anywhere in the function, even on one path only. Not reported when the
//! function using it cannot return (an endless `for` or `for range t.C` without `return` or `break`: the ticker
//! lives as long as that goroutine, on purpose) or runs once per process (`init`, `main` of package `main`),
//! unless the ticker is made in a loop. A timer not made in a loop is not reported: it is gone once it fires, like
//! one `time.After`. The version gate reads the linted module's `go` line; the runtime behaviour follows the main
//! program's module.
//!
//! ## References
//! - [time.NewTicker](https://pkg.go.dev/time#NewTicker): "Before Go 1.23, the garbage collector did not recover
//!   tickers that had not yet expired or been stopped"
//! - [Go 1.23 release notes: timer changes](https://go.dev/doc/go1.23#timer-changes)
//! - [golang/go#8001: time.Ticker is not collected when unreferenced](https://github.com/golang/go/issues/8001)
//! - `goroscope explain loop-without-exit` and `goroscope explain timer-not-stopped` (the memory it keeps)

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Fix, Severity};
use crate::rule::Rule;
use crate::rules::resource::{
    Local, Role, Use, called, calls_package, can_return, case_that_loops, defer_after, defer_first,
    runs_once_per_process, uses,
};
use crate::syntax::{
    Text, ancestors, body, contains, enclosing_function, go_literal, goroutine_of, loop_running, runtime_name,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL402",
    name: "unstopped-timer",
    summary: "a ticker, or a timer made per loop iteration, is never stopped",
    severity: Severity::Warning,
    preview: false,
    kinds: &["short_var_declaration"],
    check,
    source: include_str!("unstopped_timer.rs"),
};

fn check(cx: &Context<'_, '_>, declaration: Node<'_>, findings: &mut Vec<Finding>) {
    if cx.module.go_at_least(23) {
        return;
    }
    let Some(local) = Local::declared(declaration) else { return };
    if local.error.is_some() || !calls_package(cx.text, &local.call, "time", &["NewTicker", "NewTimer"]) {
        return;
    }
    let name = cx.text(local.name);
    let uses = uses(cx.text, &local, |selector| role(cx.text, selector));
    if name == "_" || uses.iter().any(|u| u.role != Role::Read) {
        return;
    }
    let ticker = cx.text(local.call.name) == "NewTicker";
    let looping = loop_running(declaration);
    // The case that takes the loop round while a per-iteration timer is pending.
    let pending = if ticker {
        None
    } else {
        let Some(looping) = looping else { return };
        let Some(case) = uses.iter().find_map(|u| looping_case(cx.text, u.node, looping)) else { return };
        Some(case)
    };
    // One ticker living as long as an endless goroutine, or the process, is what it is for.
    let mut users = uses.iter().filter_map(|u| enclosing_function(u.node)).chain([local.function]);
    if looping.is_none()
        && (users.any(|f| !can_return(cx.text, f)) || runs_once_per_process(cx.text, declaration))
    {
        return;
    }
    let function = runtime_name(cx.text, local.function);
    let reader = single_goroutine(&uses, local.scope);
    let message = match (looping, reader) {
        (Some(_), _) if ticker => format!(
            "ticker `{name}` is made on every iteration of the loop in `{function}` and never stopped: before \
             Go 1.23 none of them is ever garbage collected"
        ),
        (Some(_), _) => format!(
            "timer `{name}` is made on every iteration of the loop in `{function}` and never stopped: before \
             Go 1.23 each one lives until it fires, so iterations that take another case pile them up"
        ),
        (None, Some(go)) => format!(
            "ticker `{name}` made in `{function}` is never stopped: before Go 1.23 it keeps firing and is never \
             garbage collected once the goroutine reading it (`{}`) returns",
            go_literal(go).map(|f| runtime_name(cx.text, f)).unwrap_or_default()
        ),
        (None, None) => format!(
            "ticker `{name}` made in `{function}` is never stopped: before Go 1.23 it keeps firing and is never \
             garbage collected once `{function}` returns"
        ),
    };
    let mut finding = cx.finding(local.call.node, message);
    if let Some(go) = reader {
        finding.related.push(cx.related(go, format!("goroutine reading `{name}.C` started here")));
    }
    if let Some(case) = pending {
        finding.related.push(cx.related(case, "this case goes round the loop while the timer is pending"));
    } else if let Some(looping) = looping {
        finding.related.push(cx.related(looping, "each iteration of this loop makes another ticker"));
    }
    if looping.is_none() {
        finding.fix = stop_fix(cx.text, &local, &uses, reader);
    }
    findings.push(finding);
}

/// What a use of the ticker does: `t.Stop()` stops it, `t.C` and `t.Reset(d)` use it, anything else hands it on.
fn role(text: &Text<'_>, selector: Node<'_>) -> Role {
    let field = selector.child_by_field_name("field").map_or("", |f| text.of(f));
    match (field, called(selector).is_some()) {
        ("Stop", true) => Role::Release,
        ("Reset", true) | ("C", false) => Role::Read,
        _ => Role::Escape,
    }
}

/// For a use `<-t.C` as a case of a `select` in `looping`, another case of that `select` that goes round the loop.
fn looping_case<'t>(text: &Text<'_>, use_: Node<'t>, looping: Node<'t>) -> Option<Node<'t>> {
    let case = ancestors(use_)
        .take_while(|a| !matches!(a.kind(), "block" | "func_literal"))
        .find(|a| a.kind() == "communication_case")?;
    let select = case.parent()?;
    let in_communication = case.child_by_field_name("communication").is_some_and(|c| contains(c, use_));
    (in_communication && loop_running(select) == Some(looping))
        .then(|| case_that_loops(text, select, case, looping))
        .flatten()
}

/// The `go` statement whose function literal, itself and no closure in it, holds every use.
fn single_goroutine<'t>(uses: &[Use<'t>], scope: Node<'t>) -> Option<Node<'t>> {
    let first = goroutine_of(uses.first()?.node, scope)?;
    let literal = go_literal(first)?;
    uses.iter()
        .all(|u| goroutine_of(u.node, scope) == Some(first) && enclosing_function(u.node) == Some(literal))
        .then_some(first)
}

/// `defer t.Stop()` after the declaration when only the declaring function uses the ticker, or first in the one
/// goroutine that does.
fn stop_fix(text: &Text<'_>, local: &Local<'_>, uses: &[Use<'_>], reader: Option<Node<'_>>) -> Option<Fix> {
    let name = text.of(local.name);
    let call = format!("{name}.Stop()");
    let edit = match reader {
        Some(go) => defer_first(text, body(go_literal(go)?)?, &call)?,
        None if uses.iter().all(|u| enclosing_function(u.node) == Some(local.function)) => {
            defer_after(text, local.declaration, &call)?
        }
        None => return None,
    };
    let title = match reader {
        Some(_) => format!("stop `{name}` when the goroutine reading it returns"),
        None => format!("add `defer {call}`"),
    };
    Some(Fix { title, safe: true, edits: vec![edit] })
}
