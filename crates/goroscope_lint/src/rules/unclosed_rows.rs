//! ## What it does
//! Finds `rows, err := db.Query(…)` or `QueryContext(…)` on a `database/sql` `DB`, `Tx`, `Conn` or `Stmt` whose
//! `rows` are not closed on every way out of the function (or of the block, in a loop) after the error check.
//!
//! ## Why is this bad?
//! `sql.Rows` holds a connection from the pool until it is closed, which happens on `rows.Close()` or when
//! `rows.Next()` reports false. A return in the middle of the `for rows.Next()` loop (a `Scan` error, an early
//! result) or before it keeps the connection out of the pool for good. Without a limit the pool opens new
//! connections until the database refuses them; with `SetMaxOpenConns` every later query waits for a free one,
//! and the goroutine dump fills with callers blocked in `database/sql.(*DB).conn`.
//!
//! ## Example
//! ```go
//! func (s *Store) activeUsers(ctx context.Context) ([]User, error) {
//! 	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM users WHERE active`)
//! 	if err != nil {
//! 		return nil, err
//! 	}
//! 	var users []User
//! 	for rows.Next() {
//! 		var u User
//! 		if err := rows.Scan(&u.ID, &u.Name); err != nil {
//! 			return nil, err // the connection never goes back
//! 		}
//! 		users = append(users, u)
//! 	}
//! 	return users, rows.Err()
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM users WHERE active`)
//! 	if err != nil {
//! 		return nil, err
//! 	}
//! 	defer rows.Close()
//! ```
//! `--fix` inserts `defer rows.Close()` after the `if err != nil { … }` right after the query, when the code
//! closes the rows nowhere and the query is not in a loop.
//!
//! ## Known problems
//! When the receiver's declaration is visible (a parameter, variable or struct field of the package), it must be
//! a `database/sql` `DB`, `Tx`, `Conn` or `Stmt`; other drivers' types (pgx, sqlx) are skipped. When it is not
//! visible, the call must be `Query` or `QueryContext` and `rows.Next()` or `rows.Scan` must follow, the shape of
//! `database/sql`. A `for rows.Next()` loop without `break` counts as closing the rows for the code after it,
//! since `Next` closes them when it reports false. `QueryContext(ctx, …)` with `ctx, cancel :=
//! context.WithTimeout(…)` (or `WithCancel`, `WithDeadline`) in the function and `cancel` called is skipped:
//! cancelling the context closes the rows. `Query(ctx, …)` with a context first is another driver's API (pgx):
//! `database/sql`'s `Query` takes the SQL first, so it is skipped. The rows are skipped when they go anywhere the rule cannot follow:
//! returned, stored, reassigned, passed to a function (a scanning helper may close them), or closed in a closure
//! that is not deferred. A way out is checked only after the first `if` (or `switch`) that tests the query's
//! error, and the error branch of that `if`, or the nil branch of `if rows != nil`, needs no close; a close in a
//! loop counts as closing on every path after the loop. In tests, rows assigned to `_` are not reported (a query
//! expected to fail).
//!
//! ## References
//! - [database/sql: Rows.Close](https://pkg.go.dev/database/sql#Rows.Close) and
//!   [Rows.Next](https://pkg.go.dev/database/sql#Rows.Next): "If Next returns false, the Rows are closed
//!   automatically"
//! - [Go: Querying for data](https://go.dev/doc/database/querying)
//! - [golang/go#46863: database/sql: document that `Rows.Close` must be called](https://github.com/golang/go/issues/46863)
//! - [sqlclosecheck linter](https://github.com/ryanrolds/sqlclosecheck)

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::resource::{
    Closable, Local, Role, broken, called, calls_package, declared_type, dropped_finding, import_name,
    loop_condition, unclosed_finding, uses,
};
use crate::syntax::{Call, Text, top_function, walk};

pub(crate) static RULE: Rule = Rule {
    code: "GL502",
    name: "unclosed-rows",
    summary: "`sql.Rows` are not closed on every path, keeping a connection out of the pool",
    severity: Severity::Error,
    preview: false,
    kinds: &["short_var_declaration"],
    check,
    source: include_str!("unclosed_rows.rs"),
};

const CONSEQUENCE: &str = "their connection never goes back to the pool, so later queries open new ones or, \
                           with `SetMaxOpenConns`, wait for ever in `database/sql.(*DB).conn`";

fn check(cx: &Context<'_, '_>, declaration: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(local) = Local::declared(declaration) else { return };
    let name = cx.text(local.name);
    if local.error.is_none()
        || !matches!(cx.text(local.call.name), "Query" | "QueryContext")
        || context_first_in_query(cx, &local)
        || !is_sql_query(cx, &local)
    {
        return;
    }
    if name == "_" {
        findings.extend(dropped_finding(cx, &local, "drops the rows, so they are never closed", CONSEQUENCE));
        return;
    }
    let close = format!("{name}.Close()");
    let closable = Closable { value: name, close: &close, consequence: CONSEQUENCE };
    if cancelled_context(cx, &local) {
        return;
    }
    // `for rows.Next() { … }` run to its end has closed the rows.
    let next = format!("{name}.Next()");
    let next_loop = |statement: Node<'_>| {
        statement.kind() == "for_statement"
            && loop_condition(statement).is_some_and(|c| cx.text(c) == next)
            && !broken(cx.text, statement)
    };
    findings.extend(unclosed_finding(cx, &local, &closable, |selector| role(cx.text, selector), &next_loop));
}

/// A `database/sql` receiver by its declaration, or else the rows used as `database/sql` rows are.
fn is_sql_query(cx: &Context<'_, '_>, local: &Local<'_>) -> bool {
    let Some(receiver) = local.call.receiver else { return false };
    match declared_type(cx, receiver) {
        Some(declared) => import_name(cx.text, local.call.node, "database/sql")
            .is_some_and(|sql| ["DB", "Tx", "Conn", "Stmt"].iter().any(|t| declared == format!("{sql}.{t}"))),
        None if cx.text(local.name) == "_" => false,
        None => uses(cx.text, local, |selector| role(cx.text, selector)).iter().any(|u| {
            u.node
                .parent()
                .and_then(|s| s.child_by_field_name("field"))
                .is_some_and(|f| matches!(cx.text(f), "Next" | "Scan"))
        }),
    }
}

/// `QueryContext(ctx, …)` with `ctx, cancel := context.With…(…)` in the function and `cancel` called: the rows
/// close when the context is cancelled.
fn cancelled_context(cx: &Context<'_, '_>, local: &Local<'_>) -> bool {
    let Some(ctx) = local.call.args().first().filter(|a| a.kind() == "identifier").map(|a| cx.text(*a))
    else {
        return false;
    };
    let Some(top) = top_function(local.declaration) else { return false };
    let mut cancels = Vec::new();
    walk(top, &mut |n| {
        if let Some(derived) = Local::declared(n)
            && cx.text(derived.name) == ctx
            && let Some(cancel) = derived.error
            && calls_package(
                cx.text,
                &derived.call,
                "context",
                &["WithCancel", "WithTimeout", "WithDeadline", "WithCancelCause", "WithTimeoutCause"],
            )
        {
            cancels.push(cx.text(cancel));
        }
        true
    });
    let mut called = false;
    walk(top, &mut |n| {
        called |= Call::of(n).is_some_and(|c| c.receiver.is_none() && cancels.contains(&cx.text(c.name)));
        !called
    });
    called
}

/// What a use of the rows does: `rows.Close()` closes them, reading methods use them, anything else hands them on.
fn role(text: &Text<'_>, selector: Node<'_>) -> Role {
    let field = selector.child_by_field_name("field").map_or("", |f| text.of(f));
    match (field, called(selector).is_some()) {
        ("Close", true) => Role::Release,
        ("Next" | "Scan" | "Err" | "Columns" | "ColumnTypes" | "NextResultSet", true) => Role::Read,
        _ => Role::Escape,
    }
}

/// `x.Query(ctx, …)` or `x.Query(context.Background(), …)`: `database/sql`'s `Query` takes the SQL text first,
/// so a context first means another driver (pgx), whose rows the pool reasoning does not fit.
fn context_first_in_query(cx: &Context<'_, '_>, local: &Local<'_>) -> bool {
    if cx.text(local.call.name) != "Query" {
        return false;
    }
    local.call.args().first().is_some_and(|first| {
        let text = cx.text(*first);
        text == "ctx" || text.ends_with("Context()") || text.starts_with("context.") || text.ends_with("ctx")
    })
}
