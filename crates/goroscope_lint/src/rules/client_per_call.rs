//! ## What it does
//! Finds clients and connections made once per loop iteration or once per request and never closed: an
//! `http.Transport` (`&http.Transport{…}`, `http.Transport{…}`, `http.DefaultTransport.(*http.Transport).Clone()`,
//! alone or inside an `http.Client`), `grpc.Dial`, `grpc.DialContext` and `grpc.NewClient`, `sql.Open`, and
//! `net.Dial` / `net.DialTimeout`, made inside a `for` loop or inside an HTTP handler (a function with an
//! `http.ResponseWriter` parameter), when the function never closes the value (`Close`,
//! `CloseIdleConnections`) and does not hand it on (returned, stored, passed to other code).
//!
//! ## Why is this bad?
//! Each of these owns long-lived resources that outlive the call that made it. An `http.Transport` keeps its own
//! pool of idle connections, each with a read and a write goroutine (`persistConn.readLoop` / `writeLoop`),
//! until the server closes them; a zero `Transport` has no idle timeout. A `grpc.ClientConn` keeps its
//! connections, resolver and balancer goroutines until `Close`. An `sql.DB` is a connection pool with its own
//! goroutines. A `net.Conn` holds a socket and a file descriptor. Made per request and dropped, they pile up: the
//! goroutine dump fills with `readLoop`/`writeLoop` pairs or gRPC transport goroutines, and the process runs out
//! of memory or file descriptors. This is the `client-per-call` pattern of `goroscope explain`.
//!
//! ## Example
//! ```go
//! func proxy(w http.ResponseWriter, r *http.Request) {
//! 	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 10}} // one pool per request
//! 	resp, err := client.Get(backend + r.URL.Path)
//! 	if err != nil {
//! 		http.Error(w, err.Error(), http.StatusBadGateway)
//! 		return
//! 	}
//! 	defer resp.Body.Close()
//! 	io.Copy(w, resp.Body)
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! var backendClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 10}}
//!
//! func proxy(w http.ResponseWriter, r *http.Request) {
//! 	resp, err := backendClient.Get(backend + r.URL.Path)
//! 	// …
//! }
//! ```
//! Create the client, connection or pool once (at start-up, or lazily with `sync.Once`) and share it; they are
//! safe for concurrent use. `--fix` closes the value when a handler returns (`defer conn.Close()` after its
//! error check, `defer client.CloseIdleConnections()`), which ends the leak but not the cost of a new pool per
//! request; values made in a loop get no fix.
//!
//! ## Known problems
//! Only the constructors above, with the usual import names, are recognised, and only a value held by a local
//! declared once in the function (or used once without a name) is followed. It counts as handed on when it is
//! returned, stored, assigned, or passed to a function; passing it to `New…Client` (a gRPC generated client) or
//! putting a transport in an `http.Client` literal follows the new local instead, and `io.Copy`, `io.ReadAll`,
//! `io.ReadFull`, `io.WriteString` and `fmt.Fprint…` only read it. A `Close` anywhere in the function, on any
//! path, counts. A transport with `DisableKeepAlives: true` keeps no idle connections and is not reported. Only
//! `for` loops of the function itself and handlers with an `http.ResponseWriter` parameter count as per call; gRPC
//! methods and other per-request functions are not recognised.
//!
//! ## References
//! - [net/http: Client](https://pkg.go.dev/net/http#Client): "Clients and Transports are safe for concurrent use
//!   by multiple goroutines and for efficiency should only be created once and re-used"
//! - [grpc.ClientConn](https://pkg.go.dev/google.golang.org/grpc#ClientConn) and
//!   [database/sql: Open](https://pkg.go.dev/database/sql#Open): "The returned DB is safe for concurrent use … Thus,
//!   the Open function should be called just once"
//! - `goroscope explain client-per-call`
//! - GL402 `unstopped-timer`: a ticker made per call is the same leak with a timer

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Fix, Severity};
use crate::rule::Rule;
use crate::rules::resource::{
    Local, calls_package, defer_after, defer_after_check, import_name, is_nil_comparison,
};
use crate::syntax::{
    Call, Text, ancestors, bindings, enclosing_function, in_literal_within, is_function, loop_running,
    named_children, runtime_name, top_function, walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL605",
    name: "client-per-call",
    summary: "an HTTP transport, gRPC connection, `sql.DB` or connection is made per loop iteration or request and \
              never closed",
    severity: Severity::Warning,
    preview: false,
    kinds: &["composite_literal", "call_expression"],
    check,
    source: include_str!("client_per_call.rs"),
};

/// What kind of client a constructor makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Transport,
    Grpc,
    Sql,
    Net,
}

impl Client {
    /// What it is called in messages, and what staying open costs.
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Client::Transport => (
                "makes an HTTP transport",
                "it keeps its own idle connections open, each with a read and a write goroutine, until the servers \
                 close them",
            ),
            Client::Grpc => (
                "makes a gRPC connection",
                "each `grpc.ClientConn` keeps its connections and goroutines until `Close`",
            ),
            Client::Sql => {
                ("makes an `sql.DB` pool", "each `sql.DB` keeps its connections and goroutines until `Close`")
            }
            Client::Net => {
                ("opens a connection", "each one keeps a socket and its file descriptor until `Close`")
            }
        }
    }
}

fn check(cx: &Context<'_, '_>, node: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(client) = created(cx, node) else { return };
    let Some((per_call, per_call_label)) = per_call(cx, node) else { return };
    let Some(holder) = holder(cx, node) else { return };
    let Some(function) = enclosing_function(node) else { return };
    let Some(top) = top_function(node) else { return };
    let held_by = match holder {
        Holder::Local { name, .. } => {
            let fate = fate(cx, top, name, 3);
            if fate.released || fate.escapes {
                return;
            }
            format!(" (held by `{}`)", cx.text(name))
        }
        Holder::Unnamed => String::new(),
    };
    let (what, consequence) = client.describe();
    let function_name = runtime_name(cx.text, function);
    let place = if per_call.kind() == "for_statement" {
        format!("on every iteration of the loop in `{function_name}`")
    } else {
        format!("in HTTP handler `{}` on every request", runtime_name(cx.text, per_call))
    };
    let advice =
        if client == Client::Net { "close it when done" } else { "make one at start-up and reuse it" };
    let message = format!(
        "`{}` {what} {place}{held_by} that is never closed: {consequence}; {advice}",
        cx.snippet(node)
    );
    let mut finding = cx.finding(node, message);
    let label_at = if per_call.kind() == "for_statement" { per_call } else { per_call_label };
    let label = if per_call.kind() == "for_statement" {
        "each iteration of this loop makes another".to_owned()
    } else {
        "an HTTP handler: it runs once per request".to_owned()
    };
    finding.related.push(cx.related(label_at, label));
    if let Holder::Local { declaration, .. } = holder {
        finding.related.push(cx.related(declaration, "held here, never closed"));
    }
    if per_call.kind() != "for_statement" {
        finding.fix = close_fix(cx, client, holder, top);
    }
    findings.push(finding);
}

/// The kind of client `node` makes, if it is one of the constructors the rule knows.
fn created(cx: &Context<'_, '_>, node: Node<'_>) -> Option<Client> {
    if node.kind() == "composite_literal" {
        // The cheap test first: this runs on every composite literal.
        let ty =
            node.child_by_field_name("type").map(|t| cx.text(t)).filter(|t| t.ends_with(".Transport"))?;
        let http = import_name(cx.text, node, "net/http")?;
        let is_transport = ty == format!("{http}.Transport");
        let keeps_alive = !node.child_by_field_name("body").is_some_and(|body| {
            named_children(body).into_iter().any(|element| {
                let text: String = cx.text(element).split_whitespace().collect();
                element.kind() == "keyed_element" && text == "DisableKeepAlives:true"
            })
        });
        return (is_transport && keeps_alive).then_some(Client::Transport);
    }
    let call = Call::of(node)?;
    if calls_package(cx.text, &call, "google.golang.org/grpc", &["Dial", "DialContext", "NewClient"]) {
        Some(Client::Grpc)
    } else if calls_package(cx.text, &call, "database/sql", &["Open"]) {
        Some(Client::Sql)
    } else if calls_package(cx.text, &call, "net", &["Dial", "DialTimeout"]) {
        Some(Client::Net)
    } else if cx.text(call.name) == "Clone" {
        let http = import_name(cx.text, node, "net/http")?;
        let receiver = call.receiver.map(|r| cx.text(r)).unwrap_or_default();
        receiver.starts_with(&format!("{http}.DefaultTransport")).then_some(Client::Transport)
    } else {
        None
    }
}

/// What makes `node` run once per call: the `for` loop of its function around it, or an enclosing function with
/// an `http.ResponseWriter` parameter, with that parameter.
fn per_call<'t>(cx: &Context<'_, '_>, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    if let Some(looping) = loop_running(node) {
        return Some((looping, looping));
    }
    let http = import_name(cx.text, node, "net/http")?;
    let writer = format!("{http}.ResponseWriter");
    ancestors(node).filter(|a| is_function(*a)).find_map(|function| {
        let parameters = function.child_by_field_name("parameters")?;
        let parameter = named_children(parameters).into_iter().find(|p| {
            p.kind() == "parameter_declaration"
                && p.child_by_field_name("type").is_some_and(|t| cx.text(t) == writer)
        })?;
        Some((function, parameter))
    })
}

/// What holds a created value.
#[derive(Debug, Clone, Copy)]
enum Holder<'t> {
    /// A local variable, declared by `declaration`.
    Local { name: Node<'t>, declaration: Node<'t> },
    /// Nothing: the value is dropped (`_`) or used once as the receiver of a call.
    Unnamed,
}

/// What holds `value`: going out through parentheses, `&`, and the `Transport:` field of an `http.Client`
/// literal, a local it is assigned to, or nothing when it is used at once or dropped. `None` when it goes
/// anywhere else (returned, passed, stored).
fn holder<'t>(cx: &Context<'_, '_>, value: Node<'t>) -> Option<Holder<'t>> {
    let mut node = value;
    loop {
        let parent = node.parent()?;
        match parent.kind() {
            "parenthesized_expression" => {}
            "unary_expression"
                if parent.child_by_field_name("operator").is_some_and(|o| cx.text(o) == "&") => {}
            "literal_element" => {
                node = client_literal(cx, parent)?;
                continue;
            }
            "selector_expression" if parent.child_by_field_name("operand") == Some(node) => {
                let call = parent.parent().filter(|c| c.kind() == "call_expression")?;
                return (call.child_by_field_name("function") == Some(parent)).then_some(Holder::Unnamed);
            }
            "expression_list" => {
                let statement = parent.parent()?;
                let left = match statement.kind() {
                    "short_var_declaration" | "assignment_statement"
                        if statement.child_by_field_name("right") == Some(parent) =>
                    {
                        named_children(statement.child_by_field_name("left")?)
                    }
                    "var_spec" => {
                        let mut cursor = statement.walk();
                        statement.children_by_field_name("name", &mut cursor).collect()
                    }
                    _ => return None,
                };
                if named_children(parent).len() != 1 {
                    return None;
                }
                let name = *left.first()?;
                if name.kind() != "identifier" {
                    return None;
                }
                if cx.text(name) == "_" {
                    return Some(Holder::Unnamed);
                }
                let declaration =
                    if statement.kind() == "var_spec" { statement.parent()? } else { statement };
                return Some(Holder::Local { name, declaration });
            }
            _ => return None,
        }
        node = parent;
    }
}

/// The `http.Client{…}` literal whose `Transport:` value is the literal element `element`.
fn client_literal<'t>(cx: &Context<'_, '_>, element: Node<'t>) -> Option<Node<'t>> {
    let keyed = element.parent().filter(|k| k.kind() == "keyed_element")?;
    let key = keyed.child_by_field_name("key").filter(|k| *k != element)?;
    let literal = keyed.parent()?.parent().filter(|l| l.kind() == "composite_literal")?;
    let http = import_name(cx.text, element, "net/http")?;
    let client = literal.child_by_field_name("type").is_some_and(|t| cx.text(t) == format!("{http}.Client"));
    (client && cx.text(key) == "Transport").then_some(literal)
}

/// What the code does with a local holding a client, followed into the clients built on it.
#[derive(Debug, Default, Clone, Copy)]
struct Fate {
    released: bool,
    escapes: bool,
}

/// How the local `name` is used in `top`: released (`Close`, `CloseIdleConnections`, on it or on a client built
/// on it), or handed to code the rule cannot follow. `depth` bounds how far clients built on it are followed.
fn fate(cx: &Context<'_, '_>, top: Node<'_>, name: Node<'_>, depth: u8) -> Fate {
    let id = cx.text(name);
    let mut fate = Fate::default();
    if bindings(cx.text, top, id).len() != 1 || depth == 0 {
        fate.escapes = true;
        return fate;
    }
    walk(top, &mut |node| {
        if node.kind() != "identifier"
            || node == name
            || cx.text(node) != id
            || node.start_byte() < name.start_byte()
        {
            return true;
        }
        let parent = node.parent();
        match parent.map(|p| (p.kind(), p)) {
            Some(("selector_expression", selector))
                if selector.child_by_field_name("operand") == Some(node) =>
            {
                let field = selector.child_by_field_name("field").map(|f| cx.text(f));
                fate.released |= matches!(field, Some("Close" | "CloseIdleConnections"));
            }
            Some((_, p)) if is_nil_comparison(cx.text, p) => {}
            Some(("argument_list", arguments)) => match arguments.parent().and_then(Call::of) {
                Some(call) if reads_only(cx.text, &call) => {}
                Some(call) if is_client_constructor(cx.text, &call) => {
                    fate = fate.join(built_on(cx, top, call.node, depth));
                }
                _ => fate.escapes = true,
            },
            Some(("literal_element", element)) => {
                let client = client_literal(cx, element);
                fate = fate.join(
                    client.map_or(Fate { released: false, escapes: true }, |c| built_on(cx, top, c, depth)),
                );
            }
            _ => fate.escapes = true,
        }
        true
    });
    fate
}

impl Fate {
    fn join(self, other: Fate) -> Fate {
        Fate { released: self.released || other.released, escapes: self.escapes || other.escapes }
    }
}

/// The fate of a client built on the value (`&http.Client{Transport: tr}`, `pb.NewXClient(conn)`): followed into
/// the local holding it.
fn built_on(cx: &Context<'_, '_>, top: Node<'_>, client: Node<'_>, depth: u8) -> Fate {
    match holder(cx, client) {
        Some(Holder::Local { name, .. }) => fate(cx, top, name, depth - 1),
        Some(Holder::Unnamed) => Fate::default(),
        None => Fate { released: false, escapes: true },
    }
}

/// `io.Copy`, `io.ReadAll`, `io.ReadFull`, `io.WriteString`, `fmt.Fprint…`: calls that use a connection and keep
/// nothing of it.
fn reads_only(text: &Text<'_>, call: &Call<'_>) -> bool {
    calls_package(text, call, "io", &["Copy", "ReadAll", "ReadFull", "WriteString"])
        || calls_package(text, call, "fmt", &["Fprint", "Fprintf", "Fprintln"])
}

/// `pb.NewGreeterClient(conn)`: a generated gRPC client, which wraps the connection without closing it.
fn is_client_constructor(text: &Text<'_>, call: &Call<'_>) -> bool {
    let name = text.of(call.name);
    name.starts_with("New") && name.ends_with("Client") && call.args().len() == 1
}

/// In a handler, close the local when the function returns: `defer x.Close()` after the error check of
/// `x, err := grpc.Dial(…)`, or `defer client.CloseIdleConnections()` after `client := &http.Client{…}`. Not
/// when a function literal uses it (a goroutine may outlive the handler).
fn close_fix(cx: &Context<'_, '_>, client: Client, holder: Holder<'_>, top: Node<'_>) -> Option<Fix> {
    let Holder::Local { name, declaration } = holder else { return None };
    let id = cx.text(name);
    let mut in_literal = false;
    walk(top, &mut |n| {
        in_literal |= n.kind() == "identifier" && cx.text(n) == id && n != name && in_literal_within(n, top);
        !in_literal
    });
    if in_literal {
        return None;
    }
    let close = if client == Client::Transport {
        format!("{id}.CloseIdleConnections()")
    } else {
        format!("{id}.Close()")
    };
    let edit = match Local::declared(declaration) {
        Some(local) if local.error.is_some() => defer_after_check(cx.text, &local, &close)?,
        Some(_) | None => defer_after(cx.text, declaration, &close)?,
    };
    Some(Fix { title: format!("close `{id}` when the handler returns"), safe: true, edits: vec![edit] })
}
