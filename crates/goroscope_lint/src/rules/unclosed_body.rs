//! ## What it does
//! Finds an HTTP response, from `http.Get`, `http.Head`, `http.Post`, `http.PostForm` or the same methods and `Do`
//! of an `*http.Client`, whose `resp.Body` is not closed on every way out of the function (or of the block, in a
//! loop) after the error check.
//!
//! ## Why is this bad?
//! The client's transport gives each connection two goroutines, `readLoop` and `writeLoop`, and hands the
//! connection back to its pool (or closes it) only when the response body is closed or read to the end. A body
//! left open pins the connection, its buffers and both goroutines; the goroutine dump then shows one
//! `net/http.(*persistConn).readLoop` and one `net/http.(*persistConn).writeLoop` per forgotten response, a count
//! that grows with traffic. The early return on an unexpected status code, before the `Close` further down, is the
//! usual way out.
//!
//! ## Example
//! ```go
//! func (c *Client) fetchUser(ctx context.Context, id string) (*User, error) {
//! 	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/users/"+id, nil)
//! 	if err != nil {
//! 		return nil, err
//! 	}
//! 	resp, err := c.http.Do(req)
//! 	if err != nil {
//! 		return nil, err
//! 	}
//! 	if resp.StatusCode != http.StatusOK {
//! 		return nil, fmt.Errorf("fetch user %s: %s", id, resp.Status) // the body stays open
//! 	}
//! 	var u User
//! 	err = json.NewDecoder(resp.Body).Decode(&u)
//! 	resp.Body.Close()
//! 	return &u, err
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	resp, err := c.http.Do(req)
//! 	if err != nil {
//! 		return nil, err
//! 	}
//! 	defer resp.Body.Close()
//! ```
//! `--fix` inserts `defer resp.Body.Close()` after the `if err != nil { … }` right after the call, when the code
//! closes the body nowhere and the call is not in a loop (there, a deferred close per iteration would hold every
//! connection until the function returns: close it at the end of the iteration instead).
//!
//! ## Known problems
//! The client must be visibly an `http.Client`: the `http` package functions, `http.DefaultClient`, or a
//! variable, parameter or struct field of the package declared as `http.Client` or `*http.Client`; interfaces and
//! clients from other packages are not judged. The response is skipped when it goes anywhere the rule cannot
//! follow: returned, stored, reassigned, passed to a function (which may close it), its `Body` passed to anything
//! but the standard readers (`io.ReadAll`, `io.Copy`, `json.NewDecoder`, `bufio.NewScanner` …), or closed in a
//! closure that is not deferred. A way out is checked only after the first `if` (or `switch`) that tests the
//! call's error, and the error branch of that `if`, or the nil branch of `if resp != nil`, needs no close. A body
//! read to its end by `io.ReadAll` or `io.Copy` in a plain statement hands its connection back without `Close`,
//! so the ways out after such a read are not reported (the documentation still asks for the close). A close in a
//! loop counts as closing on every path after the loop; a `switch` without `default` does not. In tests, a
//! response assigned to `_` is not reported: it is almost always a request expected to fail.
//!
//! ## References
//! - [net/http: Client.Do](https://pkg.go.dev/net/http#Client.Do): "If the returned error is nil, the Response
//!   will contain a non-nil Body which the user is expected to close"
//! - [bodyclose linter](https://github.com/timakin/bodyclose)
//! - `goroscope explain body-not-closed`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::resource::{
    Closable, Local, Role, called, calls_package, declared_type, dropped_finding, import_name,
    is_nil_comparison, unclosed_finding,
};
use crate::syntax::{Call, Text, find_all};

pub(crate) static RULE: Rule = Rule {
    code: "GL501",
    name: "unclosed-body",
    summary: "an HTTP response body is not closed on every path, pinning a connection and two goroutines",
    severity: Severity::Error,
    preview: true,
    kinds: &["short_var_declaration"],
    check,
    source: include_str!("unclosed_body.rs"),
};

const CONSEQUENCE: &str = "its connection is never reused or freed, and the transport's readLoop and \
                           writeLoop goroutines for it stay alive";

/// The `http` functions and `http.Client` methods that return a response.
const REQUESTS: [&str; 4] = ["Get", "Head", "Post", "PostForm"];

fn check(cx: &Context<'_, '_>, declaration: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(local) = Local::declared(declaration) else { return };
    if local.error.is_none() || !is_request(cx, &local.call) {
        return;
    }
    let name = cx.text(local.name);
    if name == "_" {
        let dropped = "drops the response, so its body is never closed";
        findings.extend(dropped_finding(cx, &local, dropped, CONSEQUENCE));
        return;
    }
    let value = format!("{name}.Body");
    let close = format!("{name}.Body.Close()");
    let closable = Closable { value: &value, close: &close, consequence: CONSEQUENCE };
    findings.extend(unclosed_finding(
        cx,
        &local,
        &closable,
        |selector| role(cx.text, selector),
        &|statement| reads_to_the_end(cx.text, statement, &value),
    ));
}

/// A simple statement or return that reads the body to its end (`io.ReadAll(resp.Body)`, `io.Copy(w,
/// resp.Body)`): the transport then hands the connection back without `Close`.
fn reads_to_the_end(text: &Text<'_>, statement: Node<'_>, body: &str) -> bool {
    matches!(
        statement.kind(),
        "expression_statement" | "short_var_declaration" | "assignment_statement" | "return_statement"
    ) && find_all(statement, "call_expression").into_iter().filter_map(Call::of).any(|call| {
        let package = call.receiver.map(|r| text.of(r));
        let name = text.of(call.name);
        let drains = match package {
            Some("io") => matches!(name, "ReadAll" | "Copy" | "CopyBuffer"),
            Some("ioutil") => name == "ReadAll",
            _ => false,
        };
        drains && call.args().iter().any(|a| text.of(*a) == body)
    })
}

/// `http.Get(…)` and friends, or `c.Do(req)`, `c.Get(url)` … on a visible `http.Client`.
fn is_request(cx: &Context<'_, '_>, call: &Call<'_>) -> bool {
    if calls_package(cx.text, call, "net/http", &REQUESTS) {
        return true;
    }
    let method = cx.text(call.name);
    let (Some(receiver), Some(http)) = (call.receiver, import_name(cx.text, call.node, "net/http")) else {
        return false;
    };
    let default_client = format!("{http}.DefaultClient");
    (method == "Do" || REQUESTS.contains(&method))
        && (cx.text(receiver) == default_client
            || declared_type(cx, receiver)
                .is_some_and(|t| t == format!("{http}.Client") || t == default_client))
}

/// What a use of the response does: `resp.Body.Close()` closes it; its other fields, reading the body and a few
/// methods use it; anything else may close it elsewhere.
fn role(text: &Text<'_>, selector: Node<'_>) -> Role {
    let field = |s: Node<'_>| s.child_by_field_name("field").map_or("", |f| text.of(f));
    if field(selector) != "Body" {
        return match called(selector) {
            Some(_) if matches!(field(selector), "Cookies" | "Location" | "ProtoAtLeast") => Role::Read,
            Some(_) => Role::Escape,
            None => Role::Read,
        };
    }
    let Some(parent) = selector.parent() else { return Role::Escape };
    if parent.kind() == "selector_expression" && called(parent).is_some() {
        return match field(parent) {
            "Close" => Role::Release,
            "Read" => Role::Read,
            _ => Role::Escape,
        };
    }
    if is_nil_comparison(text, parent) || read_by_standard_reader(text, selector) {
        Role::Read
    } else {
        Role::Escape
    }
}

/// `resp.Body` as an argument of a standard-library function that reads it and never closes it.
fn read_by_standard_reader(text: &Text<'_>, body: Node<'_>) -> bool {
    let Some(call) = body.parent().filter(|p| p.kind() == "argument_list").and_then(|a| a.parent()) else {
        return false;
    };
    let Some(call) = Call::of(call) else { return false };
    let Some(package) = call.receiver.filter(|r| r.kind() == "identifier").map(|r| text.of(r)) else {
        return false;
    };
    let readers: &[&str] = match package {
        "io" => {
            &["ReadAll", "Copy", "CopyN", "CopyBuffer", "ReadFull", "ReadAtLeast", "LimitReader", "TeeReader"]
        }
        "ioutil" => &["ReadAll"],
        "json" | "xml" => &["NewDecoder"],
        "bufio" => &["NewReader", "NewReaderSize", "NewScanner"],
        "csv" => &["NewReader"],
        _ => &[],
    };
    readers.contains(&text.of(call.name))
}
