//! Values a function must release before it lets go of them: a ticker to stop, a response body or `sql.Rows` to
//! close. The timer, body and rows rules share this: the local that holds the value and what each use of it does,
//! the ways out of its scope that no release comes before, Go's terminating statements, loops and the `select`
//! cases that keep them going, the name a file gives an imported package, the type a receiver is declared with,
//! and the `defer x.Close()` fix.

use tree_sitter::Node;

use crate::channels::statement_of;
use crate::context::Context;
use crate::finding::{Edit, Finding, Fix};
use crate::syntax::{
    Call, Text, ancestors, body, contains, enclosing_function, find_all, import_specs, is_function,
    is_terminating_call, loop_running, named_children, runtime_name, statements, top_function, unparen, walk,
    walk_same_function,
};

/// A value held by a local: `name := call(…)` or `name, err := call(…)`, a statement of a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Local<'t> {
    /// The declared identifier (`_` when the value is dropped).
    pub(crate) name: Node<'t>,
    /// The error declared with it, if any.
    pub(crate) error: Option<Node<'t>>,
    /// The call whose result it holds.
    pub(crate) call: Call<'t>,
    /// The `:=` statement.
    pub(crate) declaration: Node<'t>,
    /// The function declaring it.
    pub(crate) function: Node<'t>,
    /// That function's body.
    pub(crate) scope: Node<'t>,
}

impl<'t> Local<'t> {
    /// `declaration` as a local holding the result of one call, if it is one.
    pub(crate) fn declared(declaration: Node<'t>) -> Option<Local<'t>> {
        if declaration.kind() != "short_var_declaration" || declaration.parent()?.kind() != "statement_list" {
            return None;
        }
        let left = named_children(declaration.child_by_field_name("left")?);
        let right = named_children(declaration.child_by_field_name("right")?);
        let [value] = right.as_slice() else { return None };
        let call = Call::of(*value)?;
        let (name, error) = match left.as_slice() {
            [name] => (*name, None),
            [name, error] => (*name, Some(*error)),
            _ => return None,
        };
        if name.kind() != "identifier" {
            return None;
        }
        let function = enclosing_function(declaration)?;
        Some(Local { name, error, call, declaration, function, scope: body(function)? })
    }

    /// The statement that checks the error declared with the value: the first `if` after the declaration, in the
    /// same block, whose condition names the error, or `switch { case err != nil: … }`.
    pub(crate) fn error_check(&self, text: &Text<'_>) -> Option<Node<'t>> {
        let error = text.of(self.error.filter(|e| text.of(*e) != "_")?);
        std::iter::successors(self.declaration.next_named_sibling(), |s| s.next_named_sibling()).find(|s| {
            match s.kind() {
                "if_statement" => {
                    s.child_by_field_name("condition").is_some_and(|c| mentions(text, c, error))
                }
                "expression_switch_statement" => {
                    s.child_by_field_name("value").is_none()
                        && cases(*s).into_iter().any(|case| {
                            case.child_by_field_name("value").is_some_and(|v| mentions(text, v, error))
                        })
                }
                _ => false,
            }
        })
    }
}

/// Whether the identifier `name` occurs in `node`.
fn mentions(text: &Text<'_>, node: Node<'_>, name: &str) -> bool {
    let mut found = node.kind() == "identifier" && text.of(node) == name;
    walk(node, &mut |n| {
        found |= n.kind() == "identifier" && text.of(n) == name;
        !found
    });
    found
}

/// What a use of a local does to the value it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Stops or closes it.
    Release,
    /// Reads it and leaves it to this function.
    Read,
    /// Hands it to other code (passed, stored, returned, reassigned) or does something the rule does not know.
    Escape,
}

/// One use of a local.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Use<'t> {
    /// The identifier.
    pub(crate) node: Node<'t>,
    pub(crate) role: Role,
}

/// Every use of the local after its declaration, nested function literals included. `role` judges a selector
/// on the local (`x.Close`, `x.Body`, `x.C`); a comparison with `nil` reads it; anything else is an escape.
pub(crate) fn uses<'t>(text: &Text<'_>, local: &Local<'t>, role: impl Fn(Node<'t>) -> Role) -> Vec<Use<'t>> {
    let name = text.of(local.name);
    let mut found = Vec::new();
    walk(local.scope, &mut |node| {
        if node.kind() == "identifier"
            && node != local.name
            && node.start_byte() > local.declaration.start_byte()
            && text.of(node) == name
        {
            let role = match node.parent() {
                Some(p)
                    if p.kind() == "selector_expression"
                        && p.child_by_field_name("operand") == Some(node) =>
                {
                    role(p)
                }
                Some(p) if is_nil_comparison(text, p) => Role::Read,
                _ => Role::Escape,
            };
            found.push(Use { node, role });
        }
        true
    });
    found
}

/// `x == nil` or `x != nil`.
pub(crate) fn is_nil_comparison(text: &Text<'_>, node: Node<'_>) -> bool {
    node.kind() == "binary_expression"
        && node.child_by_field_name("operator").is_some_and(|o| matches!(text.of(o), "==" | "!="))
        && ["left", "right"].iter().any(|f| node.child_by_field_name(f).is_some_and(|o| o.kind() == "nil"))
}

/// When `selector` (`x.name`) is what a call calls, the call: `x.Close()` for `x.Close`.
pub(crate) fn called(selector: Node<'_>) -> Option<Node<'_>> {
    let call = selector.parent()?;
    (call.kind() == "call_expression" && call.child_by_field_name("function") == Some(selector))
        .then_some(call)
}

/// A release and the statement of the declaring function where it takes effect.
#[derive(Debug, Clone, Copy)]
struct Release<'t> {
    statement: Node<'t>,
    node: Node<'t>,
}

/// Where a release in `scope` takes effect for the declaring function's paths: the statement holding it, or the
/// `defer` statement of `defer func() { … x.Close() … }()`; `None` when another closure runs it.
fn release_at<'t>(node: Node<'t>, scope: Node<'t>) -> Option<Release<'t>> {
    let literal = ancestors(node).take_while(|a| *a != scope).filter(|a| a.kind() == "func_literal").last();
    let statement = match literal {
        None => statement_of(node),
        Some(literal) => {
            let call = literal.parent().filter(|p| p.kind() == "call_expression")?;
            call.parent().filter(|p| p.kind() == "defer_statement")?
        }
    };
    Some(Release { statement, node })
}

/// How control leaves the scope of a local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitKind {
    Return,
    Break,
    Continue,
    /// Falling off the end of the block that declares the local.
    End,
}

/// A way out of a local's scope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exit<'t> {
    /// The statement, or the closing brace of the block for [`ExitKind::End`].
    pub(crate) node: Node<'t>,
    pub(crate) kind: ExitKind,
}

impl Exit<'_> {
    /// "on the return at line 12", for messages; `function_body` when the block that ends is the function's.
    pub(crate) fn describe(&self, function_body: bool) -> String {
        let line = self.node.start_position().row + 1;
        match self.kind {
            ExitKind::Return => format!("on the return at line {line}"),
            ExitKind::Break => format!("on the `break` at line {line}"),
            ExitKind::Continue => format!("on the `continue` at line {line}"),
            ExitKind::End if function_body => format!("when the function ends at line {line}"),
            ExitKind::End => format!("when its block ends at line {line}"),
        }
    }

    /// "returns here without closing `x`", for the related location.
    pub(crate) fn label(&self, without: &str, function_body: bool) -> String {
        match self.kind {
            ExitKind::Return => format!("returns here without {without}"),
            ExitKind::Break | ExitKind::Continue => format!("leaves here without {without}"),
            ExitKind::End if function_body => format!("the function ends here without {without}"),
            ExitKind::End => format!("the block ends here without {without}"),
        }
    }
}

/// What became of a value a function must release.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unreleased<'t> {
    /// The first way out, after the error check, that no release comes before.
    pub(crate) exit: Exit<'t>,
    /// Whether the code calls the release anywhere (on some other path).
    pub(crate) released_somewhere: bool,
    /// Whether some path releases it, by a call or a statement that releases it itself.
    pub(crate) released_on_some_path: bool,
}

/// Whether the local's value can leave its scope unreleased: `None` when it escapes, when a closure other than a
/// deferred one releases it, or when every way out after the error check comes after a release on all paths.
/// `releases_itself` names statements that release it without a call (a `for rows.Next()` loop run to the end,
/// `io.ReadAll(resp.Body)`).
pub(crate) fn unreleased<'t>(
    text: &Text<'_>,
    local: &Local<'t>,
    role: impl Fn(Node<'t>) -> Role,
    releases_itself: &dyn Fn(Node<'t>) -> bool,
) -> Option<Unreleased<'t>> {
    let uses = uses(text, local, role);
    if uses.iter().any(|u| u.role == Role::Escape) {
        return None;
    }
    let releases = uses
        .iter()
        .filter(|u| u.role == Role::Release)
        .map(|u| release_at(u.node, local.scope))
        .collect::<Option<Vec<_>>>()?;
    let list = local.declaration.parent()?;
    let mut self_releases = Vec::new();
    walk_same_function(list, &mut |n| {
        if n.start_byte() > local.declaration.end_byte() && releases_itself(n) {
            self_releases.push(n);
        }
    });
    let paths = Paths {
        text,
        releases: &releases,
        self_releases: &self_releases,
        name: text.of(local.name),
        error: local.error.map(|e| text.of(e)),
        error_check: local.error_check(text),
    };
    let exit = exits(text, local).into_iter().find(|exit| !paths.dominated(*exit, list))?;
    Some(Unreleased {
        exit,
        released_somewhere: !releases.is_empty(),
        released_on_some_path: !releases.is_empty() || !self_releases.is_empty(),
    })
}

/// The ways out of the local's scope after its error check, in source order: returns, `break` and `continue`
/// that leave the block declaring it, and the end of that block when control can reach it.
fn exits<'t>(text: &Text<'_>, local: &Local<'t>) -> Vec<Exit<'t>> {
    let Some(list) = local.declaration.parent() else { return Vec::new() };
    let from = local.error_check(text).unwrap_or(local.declaration).end_byte();
    let mut found = Vec::new();
    walk_same_function(list, &mut |node| {
        let kind = match node.kind() {
            "return_statement" => ExitKind::Return,
            "break_statement" => ExitKind::Break,
            "continue_statement" => ExitKind::Continue,
            _ => return,
        };
        let leaves = kind == ExitKind::Return
            || jump_target(text, node).is_some_and(|target| contains(target, local.declaration));
        if node.start_byte() >= from && leaves {
            found.push(Exit { node, kind });
        }
    });
    if let Some(block) = list.parent().filter(|b| b.kind() == "block")
        && statements(list).last().is_none_or(|last| !terminates(text, *last))
        && let Some(brace) = block.child(u32::try_from(block.child_count().saturating_sub(1)).unwrap_or(0))
    {
        found.push(Exit { node: brace, kind: ExitKind::End });
    }
    found
}

/// The releases of a local, to ask whether one comes before a way out on every path.
struct Paths<'a, 't> {
    text: &'a Text<'a>,
    releases: &'a [Release<'t>],
    /// Statements that release the value without a call.
    self_releases: &'a [Node<'t>],
    name: &'a str,
    error: Option<&'a str>,
    error_check: Option<Node<'t>>,
}

impl<'t> Paths<'_, 't> {
    /// Whether a release happens on every path from the declaration to `exit`: a statement before it, in a block
    /// around it (up to the declaring block `list`), releases on all its paths, or the statement holding it
    /// releases in its header (`if err := x.Close(); err != nil { return err }`), or the exit itself releases
    /// (`return io.ReadAll(resp.Body)`).
    fn dominated(&self, exit: Exit<'t>, list: Node<'t>) -> bool {
        if self.self_releases.contains(&exit.node) {
            return true;
        }
        let position = if exit.kind == ExitKind::End { exit.node.end_byte() } else { exit.node.start_byte() };
        let lists: Vec<Node<'t>> = if exit.kind == ExitKind::End {
            vec![list]
        } else {
            let mut lists: Vec<_> = ancestors(exit.node)
                .take_while(|a| *a != list)
                .filter(|a| a.kind() == "statement_list")
                .collect();
            lists.push(list);
            lists
        };
        lists.into_iter().any(|list| {
            statements(list).into_iter().take_while(|s| s.start_byte() < position).any(|statement| {
                if contains(statement, exit.node) {
                    self.releases.iter().any(|r| r.statement == statement && r.node.start_byte() < position)
                } else {
                    self.on_all_paths(statement)
                }
            })
        })
    }

    /// Whether every path through `statement` that goes on after it releases: it is a release, a branch
    /// statement whose every branch releases, leaves, or is where the value is not there (the error branch of the
    /// error check, the nil branch of `x != nil`), or a loop holding a release (loops are not followed: taken as
    /// releasing, so they never cause a finding).
    fn on_all_paths(&self, statement: Node<'t>) -> bool {
        if self.releases.iter().any(|r| r.statement == statement) || self.self_releases.contains(&statement) {
            return true;
        }
        let holds = |inner: Node<'t>| contains(statement, inner);
        if !self.releases.iter().any(|r| holds(r.statement)) && !self.self_releases.iter().any(|s| holds(*s))
        {
            return false;
        }
        let branch = |node: Node<'t>| self.sequence(node) || terminates(self.text, node);
        match statement.kind() {
            "block" => self.sequence(statement),
            "labeled_statement" => labeled_inner(statement).is_some_and(|s| self.on_all_paths(s)),
            "if_statement" => {
                let dead = self.dead_branch(statement);
                ["consequence", "alternative"]
                    .into_iter()
                    .all(|f| dead == Some(f) || statement.child_by_field_name(f).is_some_and(branch))
            }
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                let cases = cases(statement);
                (statement.kind() == "select_statement" || cases.iter().any(|c| c.kind() == "default_case"))
                    && cases.into_iter().all(branch)
            }
            "for_statement" => true,
            _ => false,
        }
    }

    /// The branch of an `if` in which there is no value to release: the error branch of the error check, the nil
    /// branch of `x != nil` or `x == nil`.
    fn dead_branch(&self, statement: Node<'t>) -> Option<&'static str> {
        let condition: String =
            self.text.of(statement.child_by_field_name("condition")?).split_whitespace().collect();
        let checks = |name: &str, op: &str| condition == format!("{name}{op}nil");
        let error = self.error.filter(|_| self.error_check == Some(statement));
        if error.is_some_and(|e| checks(e, "!=")) || checks(self.name, "==") {
            Some("consequence")
        } else if error.is_some_and(|e| checks(e, "==")) || checks(self.name, "!=") {
            Some("alternative")
        } else {
            None
        }
    }

    /// Whether one statement of a block or case releases on all its paths.
    fn sequence(&self, node: Node<'t>) -> bool {
        if node.kind() == "if_statement" {
            return self.on_all_paths(node);
        }
        statements(node).into_iter().any(|s| self.on_all_paths(s))
    }
}

/// The cases of a `switch` or `select`.
fn cases(statement: Node<'_>) -> Vec<Node<'_>> {
    named_children(statement)
        .into_iter()
        .filter(|c| {
            matches!(c.kind(), "expression_case" | "type_case" | "communication_case" | "default_case")
        })
        .collect()
}

/// The statement a label labels.
fn labeled_inner(labeled: Node<'_>) -> Option<Node<'_>> {
    named_children(labeled).into_iter().find(|n| !matches!(n.kind(), "label_name" | "comment"))
}

/// The statement a `break` or `continue` leaves: the labelled one, or the innermost loop (`break` also leaves a
/// `switch` or `select`).
pub(crate) fn jump_target<'t>(text: &Text<'_>, jump: Node<'t>) -> Option<Node<'t>> {
    let label = named_children(jump).into_iter().find(|n| n.kind() == "label_name").map(|l| text.of(l));
    let is_break = jump.kind() == "break_statement";
    for ancestor in ancestors(jump) {
        if is_function(ancestor) {
            return None;
        }
        let found = match label {
            Some(label) => {
                ancestor.kind() == "labeled_statement"
                    && ancestor.child_by_field_name("label").is_some_and(|l| text.of(l) == label)
            }
            None => {
                ancestor.kind() == "for_statement"
                    || is_break
                        && matches!(
                            ancestor.kind(),
                            "expression_switch_statement" | "type_switch_statement" | "select_statement"
                        )
            }
        };
        if found {
            return if label.is_some() { labeled_inner(ancestor) } else { Some(ancestor) };
        }
    }
    None
}

/// Whether control never goes on after `statement` (Go's terminating statements): `return`, `goto`, `panic` and
/// other calls that do not come back, an `if` whose both branches terminate, an endless `for` and a `switch` or
/// `select` whose cases all terminate, neither left by `break`. A `for range` over a timer channel (`time.Tick(…)`,
/// `x.C`) is endless: the runtime never closes those channels.
pub(crate) fn terminates(text: &Text<'_>, statement: Node<'_>) -> bool {
    match statement.kind() {
        "return_statement" | "goto_statement" => true,
        "expression_statement" => statement.named_child(0).is_some_and(|c| is_terminating_call(text, c)),
        "block" | "statement_list" => statements(statement).last().is_some_and(|s| terminates(text, *s)),
        "labeled_statement" => labeled_inner(statement).is_some_and(|s| terminates(text, s)),
        "if_statement" => ["consequence", "alternative"]
            .iter()
            .all(|f| statement.child_by_field_name(f).is_some_and(|b| terminates(text, b))),
        "for_statement" => endless(text, statement) && !broken(text, statement),
        "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
            let cases = cases(statement);
            (statement.kind() == "select_statement" || cases.iter().any(|c| c.kind() == "default_case"))
                && cases.into_iter().all(|case| {
                    statements(case)
                        .last()
                        .is_some_and(|s| s.kind() == "fallthrough_statement" || terminates(text, *s))
                })
                && !broken(text, statement)
        }
        _ => false,
    }
}

/// A `for` without a condition, or ranging over a timer channel.
fn endless(text: &Text<'_>, for_statement: Node<'_>) -> bool {
    named_children(for_statement).into_iter().filter(|n| n.kind() != "comment").all(|header| {
        match header.kind() {
            "block" => true,
            "for_clause" => header.child_by_field_name("condition").is_none(),
            "range_clause" => header.child_by_field_name("right").is_some_and(|right| {
                let right = unparen(right);
                let field = right.child_by_field_name("field").map(|f| text.of(f));
                right.kind() == "selector_expression" && field == Some("C")
                    || Call::of(right).is_some_and(|call| call.is(text, "time", "Tick"))
            }),
            _ => false,
        }
    })
}

/// Whether a `break` leaves `statement`.
pub(crate) fn broken(text: &Text<'_>, statement: Node<'_>) -> bool {
    find_all(statement, "break_statement").into_iter().any(|b| jump_target(text, b) == Some(statement))
}

/// Whether a call of `function` can come back to its caller: it has a `return`, or the end of its body can be
/// reached.
pub(crate) fn can_return(text: &Text<'_>, function: Node<'_>) -> bool {
    body(function)
        .is_none_or(|body| !find_all(body, "return_statement").is_empty() || !terminates(text, body))
}

/// The condition of a `for` loop: `c` in `for c {` or `for init; c; post {`.
pub(crate) fn loop_condition(for_statement: Node<'_>) -> Option<Node<'_>> {
    let header =
        named_children(for_statement).into_iter().find(|n| !matches!(n.kind(), "block" | "comment"))?;
    match header.kind() {
        "for_clause" => header.child_by_field_name("condition"),
        "range_clause" => None,
        _ => Some(header),
    }
}

/// A case of `select`, other than `except`, after which `looping` goes round again: it does not end by leaving
/// the loop (return, panic, `break` or `continue` out of it) nor set a variable the loop's condition reads.
pub(crate) fn case_that_loops<'t>(
    text: &Text<'_>,
    select: Node<'t>,
    except: Node<'t>,
    looping: Node<'t>,
) -> Option<Node<'t>> {
    if leaves_after(text, select, looping) {
        return None;
    }
    let condition = named_children(looping).into_iter().find(|n| !matches!(n.kind(), "block" | "comment"));
    cases(select).into_iter().filter(|case| *case != except).find(|case| {
        let leaves = statements(*case).last().is_some_and(|last| leaves_loop(text, *last, looping));
        let stops_condition = condition.is_some_and(|condition| {
            find_all(*case, "assignment_statement").into_iter().any(|assignment| {
                assignment.child_by_field_name("left").is_some_and(|left| {
                    named_children(left).into_iter().any(|target| mentions(text, condition, text.of(target)))
                })
            })
        });
        !leaves && !stops_condition
    })
}

/// Whether every path from the end of `statement` leaves `looping` before going round: a statement after it, in
/// its block or a block around it within the loop, always leaves (`select { … }; return nil`).
fn leaves_after(text: &Text<'_>, statement: Node<'_>, looping: Node<'_>) -> bool {
    let mut current = statement;
    for ancestor in ancestors(statement).take_while(|a| *a != looping) {
        if ancestor.kind() == "statement_list"
            && statements(ancestor)
                .into_iter()
                .any(|s| s.start_byte() > current.start_byte() && leaves_loop(text, s, looping))
        {
            return true;
        }
        current = ancestor;
    }
    false
}

/// Whether control leaves `looping` after `statement`.
fn leaves_loop(text: &Text<'_>, statement: Node<'_>, looping: Node<'_>) -> bool {
    match statement.kind() {
        "break_statement" | "continue_statement" => jump_target(text, statement).is_some_and(|target| {
            contains(target, looping) && (target != looping || statement.kind() == "break_statement")
        }),
        "block" => statements(statement).last().is_some_and(|s| leaves_loop(text, *s, looping)),
        "if_statement" => ["consequence", "alternative"]
            .iter()
            .all(|f| statement.child_by_field_name(f).is_some_and(|b| leaves_loop(text, b, looping))),
        _ => terminates(text, statement),
    }
}

/// The name the file holding `node` gives the package with import path `path` (`http` for `net/http`, or its
/// alias); `None` when it does not import it, or imports it as `_` or `.`.
pub(crate) fn import_name<'a>(text: &Text<'a>, node: Node<'_>, path: &str) -> Option<&'a str> {
    for spec in import_specs(ancestors(node).last().unwrap_or(node)) {
        let Some(written) = spec.child_by_field_name("path") else { continue };
        let written = text.of(written).trim_matches(['"', '`']);
        if written != path {
            continue;
        }
        return match spec.child_by_field_name("name") {
            Some(name) if name.kind() == "package_identifier" => Some(text.of(name)),
            Some(_) => None,
            None => written.rsplit('/').next(),
        };
    }
    None
}

/// Whether `call` is `pkg.name(…)` for one of `names`, with `pkg` the file's name for the import `path`.
pub(crate) fn calls_package(text: &Text<'_>, call: &Call<'_>, path: &str, names: &[&str]) -> bool {
    names.contains(&text.of(call.name))
        && call.receiver.is_some_and(|r| r.kind() == "identifier")
        && import_name(text, call.node, path)
            .is_some_and(|pkg| call.receiver.is_some_and(|r| text.of(r) == pkg))
}

/// The type `expr` is declared with, as written without `*` or `&` (`http.Client`), when the package's code shows
/// it: for an identifier, its parameters, receiver, `var` or `:=` of a composite literal or `new(T)` in the
/// enclosing functions, or a package-level `var`; for `x.field`, the fields of that name of the package's struct
/// types. `None` when not shown, or shown with different types.
pub(crate) fn declared_type(cx: &Context<'_, '_>, expr: Node<'_>) -> Option<String> {
    let expr = unparen(expr);
    let mut types = Vec::new();
    match expr.kind() {
        "identifier" => {
            let name = cx.text(expr);
            if let Some(top) = top_function(expr) {
                walk(top, &mut |n| {
                    if n.start_byte() < expr.start_byte() {
                        declarations(cx.text, n, name, &mut types);
                    }
                    true
                });
            }
            if types.is_empty() {
                for file in cx.package.files {
                    let text = Text::new(&file.source);
                    for declaration in named_children(file.tree.root_node()) {
                        if declaration.kind() == "var_declaration" {
                            walk(declaration, &mut |n| {
                                declarations(&text, n, name, &mut types);
                                true
                            });
                        }
                    }
                }
            }
        }
        "selector_expression" => {
            let field = cx.text(expr.child_by_field_name("field")?);
            for file in cx.package.files {
                let text = Text::new(&file.source);
                for declaration in named_children(file.tree.root_node()) {
                    if declaration.kind() == "type_declaration" {
                        walk(declaration, &mut |n| {
                            if n.kind() == "field_declaration"
                                && names(n).iter().any(|id| text.of(*id) == field)
                            {
                                types.push(n.child_by_field_name("type").and_then(|t| type_text(&text, t)));
                            }
                            true
                        });
                    }
                }
            }
        }
        _ => return None,
    }
    let first = types.first()?.clone()?;
    types.iter().all(|t| t.as_deref() == Some(first.as_str())).then_some(first)
}

/// The types `node` declares `name` with, when it is a declaration of `name` (`None` for an unknown type).
fn declarations(text: &Text<'_>, node: Node<'_>, name: &str, types: &mut Vec<Option<String>>) {
    match node.kind() {
        "parameter_declaration" | "var_spec" => {
            let declared = names(node);
            if let Some(i) = declared.iter().position(|id| text.of(*id) == name) {
                let values = node.child_by_field_name("value").map(named_children).unwrap_or_default();
                let value = (values.len() == declared.len()).then(|| values.get(i).copied()).flatten();
                types.push(node.child_by_field_name("type").or(value).and_then(|t| type_text(text, t)));
            }
        }
        "short_var_declaration" => {
            let (Some(left), Some(right)) =
                (node.child_by_field_name("left"), node.child_by_field_name("right"))
            else {
                return;
            };
            let values = named_children(right);
            for (i, id) in named_children(left).into_iter().enumerate() {
                if text.of(id) == name {
                    let value = (values.len() == named_children(left).len()).then(|| values.get(i)).flatten();
                    types.push(value.and_then(|v| type_text(text, *v)));
                }
            }
        }
        _ => {}
    }
}

/// The `name` fields of a declaration (`a, b T`).
fn names(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.children_by_field_name("name", &mut cursor).collect()
}

/// `T` for a type `T` or `*T`, or a value `T{…}`, `&T{…}` or `new(T)`; `pkg.Name` for a value `pkg.Name`.
fn type_text(text: &Text<'_>, node: Node<'_>) -> Option<String> {
    let node = unparen(node);
    match node.kind() {
        "pointer_type" => type_text(text, node.named_child(0)?),
        "unary_expression" if node.child_by_field_name("operator").is_some_and(|o| text.of(o) == "&") => {
            type_text(text, node.child_by_field_name("operand")?)
        }
        "composite_literal" => type_text(text, node.child_by_field_name("type")?),
        "call_expression" => {
            let call = Call::of(node)?;
            let args = call.args();
            (call.receiver.is_none() && text.of(call.name) == "new" && args.len() == 1)
                .then(|| type_text(text, args[0]))
                .flatten()
        }
        "qualified_type" | "type_identifier" | "selector_expression" => {
            Some(text.of(node).split_whitespace().collect())
        }
        _ => None,
    }
}

/// `defer {call}` on a line of its own after `statement`, indented like it; `None` when code follows the
/// statement on its line.
pub(crate) fn defer_after(text: &Text<'_>, statement: Node<'_>, call: &str) -> Option<Edit> {
    let end = statement.end_byte();
    let rest = &text.bytes[end..];
    let line_end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let tail = std::str::from_utf8(&rest[..line_end]).ok()?.trim();
    if !(tail.is_empty() || tail.starts_with("//")) {
        return None;
    }
    let indent = text.indent_at(statement.start_byte());
    let (at, replacement) = if line_end < rest.len() {
        (end + line_end + 1, format!("{indent}defer {call}\n"))
    } else {
        (text.bytes.len(), format!("\n{indent}defer {call}"))
    };
    Some(Edit { start: at, end: at, replacement })
}

/// `defer {call}` as the first statement of `block`, on a line of its own.
pub(crate) fn defer_first(text: &Text<'_>, block: Node<'_>, call: &str) -> Option<Edit> {
    let first = *statements(block).first()?;
    let at = text.line_start(first.start_byte());
    let indent = text.indent_at(first.start_byte());
    (at + indent.len() == first.start_byte() && at > block.start_byte()).then(|| Edit {
        start: at,
        end: at,
        replacement: format!("{indent}defer {call}\n"),
    })
}

/// `defer {call}` after the `if err != nil { … }` right after the local's declaration, when that check leaves
/// (so the value is there after it) and the declaration is not in a loop (a deferred call per iteration would
/// hold every value until the function returns).
pub(crate) fn defer_after_check(text: &Text<'_>, local: &Local<'_>, call: &str) -> Option<Edit> {
    let check = local.error_check(text)?;
    let error = text.of(local.error?);
    let next = std::iter::successors(local.declaration.next_named_sibling(), |s| s.next_named_sibling())
        .find(|s| s.kind() != "comment")?;
    let simple = check == next
        && check.child_by_field_name("initializer").is_none()
        && check.child_by_field_name("alternative").is_none()
        && check.child_by_field_name("condition").is_some_and(|c| text.of(c) == format!("{error} != nil"))
        && check.child_by_field_name("consequence").is_some_and(|c| terminates(text, c));
    if !simple || loop_running(local.declaration).is_some() {
        return None;
    }
    defer_after(text, check, call)
}

/// How a rule about a value to close names it in messages and in its fix.
pub(crate) struct Closable<'a> {
    /// The value, e.g. `resp.Body`.
    pub(crate) value: &'a str,
    /// The call that releases it, e.g. `resp.Body.Close()`.
    pub(crate) close: &'a str,
    /// What staying open costs, after "is never closed: ".
    pub(crate) consequence: &'a str,
}

/// The finding for a local whose value is not closed on every way out of its scope (see [`unreleased`]): at the
/// call that made it, with the way out that skips the close, and `defer …Close()` after the error check when the
/// code closes it nowhere.
pub(crate) fn unclosed_finding<'t>(
    cx: &Context<'_, '_>,
    local: &Local<'t>,
    closable: &Closable<'_>,
    role: impl Fn(Node<'t>) -> Role,
    releases_itself: &dyn Fn(Node<'t>) -> bool,
) -> Option<Finding> {
    let Unreleased { exit, released_somewhere, released_on_some_path } =
        unreleased(cx.text, local, role, releases_itself)?;
    let function = runtime_name(cx.text, local.function);
    let source = local.call.node.child_by_field_name("function").map_or_else(String::new, |f| cx.snippet(f));
    let Closable { value, close, consequence } = closable;
    let in_body = local.declaration.parent().and_then(|list| list.parent()) == Some(local.scope);
    let message = if released_on_some_path {
        let when = exit.describe(in_body);
        format!("`{value}` from `{source}` in `{function}` is not closed {when}: {consequence}")
    } else {
        format!("`{value}` from `{source}` in `{function}` is never closed: {consequence}")
    };
    let mut finding = cx.finding(local.call.node, message);
    finding.related.push(cx.related(exit.node, exit.label(&format!("closing `{value}`"), in_body)));
    if !released_somewhere {
        finding.fix = defer_after_check(cx.text, local, close).map(|edit| Fix {
            title: format!("add `defer {close}` after the error check"),
            safe: true,
            edits: vec![edit],
        });
    }
    Some(finding)
}

/// The finding for a value assigned to `_` by its declaration: nothing can ever close it. `dropped` says so,
/// e.g. "drops the response, so its body is never closed". `None` in tests, where such a call is almost always
/// one expected to fail.
pub(crate) fn dropped_finding(
    cx: &Context<'_, '_>,
    local: &Local<'_>,
    dropped: &str,
    consequence: &str,
) -> Option<Finding> {
    if in_test_file(cx) {
        return None;
    }
    let function = runtime_name(cx.text, local.function);
    let source = local.call.node.child_by_field_name("function").map_or_else(String::new, |f| cx.snippet(f));
    Some(cx.finding(local.call.node, format!("`{source}` in `{function}` {dropped}: {consequence}")))
}

/// Whether the file is a test file (`_test.go`): tests are short-lived processes, so timers they leave behind do
/// not pile up.
pub(crate) fn in_test_file(cx: &Context<'_, '_>) -> bool {
    cx.path.file_name().is_some_and(|name| name.to_string_lossy().ends_with("_test.go"))
}

/// The package clause's name of the file holding `node`.
pub(crate) fn package_of<'a>(text: &Text<'a>, node: Node<'_>) -> Option<&'a str> {
    let root = ancestors(node).last().unwrap_or(node);
    let clause = named_children(root).into_iter().find(|n| n.kind() == "package_clause")?;
    clause.named_child(0).map(|name| text.of(name))
}

/// Whether `node` runs once for the life of the process: in an `init` function, or `main` of package `main`
/// (or a closure in them).
pub(crate) fn runs_once_per_process(text: &Text<'_>, node: Node<'_>) -> bool {
    let top = top_function(node).filter(|f| f.kind() == "function_declaration");
    match top.and_then(|f| f.child_by_field_name("name")).map(|n| text.of(n)) {
        Some("init") => true,
        Some("main") => package_of(text, node) == Some("main"),
        _ => false,
    }
}
