//! Small questions about a tree-sitter-go syntax tree that many rules ask: the text of a node, the function
//! around it, the statements of a block, what a call calls.

use std::sync::Arc;

use tree_sitter::Node;

use crate::finding::{Edit, Position, Span};

/// Node kinds that start a new function body.
pub(crate) const FUNCTION_KINDS: [&str; 3] = ["function_declaration", "method_declaration", "func_literal"];

/// A file's text with its line starts, to turn byte offsets into positions. Cloning it shares the line starts.
#[derive(Debug, Clone)]
pub(crate) struct Text<'a> {
    pub(crate) bytes: &'a [u8],
    line_starts: Arc<[usize]>,
}

impl<'a> Text<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Text<'a> {
        let line_starts = std::iter::once(0)
            .chain(memchr_lines(bytes).map(|newline| newline + 1))
            .collect::<Arc<[usize]>>();
        Text { bytes, line_starts }
    }

    /// The line starts, to make the same text again with [`Text::with_line_starts`].
    pub(crate) fn line_starts(&self) -> Arc<[usize]> {
        Arc::clone(&self.line_starts)
    }

    /// `bytes` with line starts computed before by [`Text::new`] on the same bytes.
    pub(crate) fn with_line_starts(bytes: &'a [u8], line_starts: Arc<[usize]>) -> Text<'a> {
        Text { bytes, line_starts }
    }

    /// The node's source text ("" if it is not UTF-8, which Go source always is).
    pub(crate) fn of(&self, node: Node<'_>) -> &'a str {
        std::str::from_utf8(&self.bytes[node.byte_range()]).unwrap_or_default()
    }

    /// The first line of a node's text, shortened, for messages.
    pub(crate) fn snippet(&self, node: Node<'_>) -> String {
        let text = self.of(node);
        let first = text.lines().next().unwrap_or_default().trim();
        if first.len() > 60 || text.contains('\n') {
            let cut = first.char_indices().nth(57).map_or(first.len(), |(i, _)| i);
            format!("{}…", &first[..cut])
        } else {
            first.to_owned()
        }
    }

    /// The 1-based position of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let line = self.line_starts.partition_point(|&start| start <= offset).max(1);
        Position { line: line as u32, column: (offset - self.line_starts[line - 1] + 1) as u32 }
    }

    /// The span of a node.
    pub(crate) fn span(&self, node: Node<'_>) -> Span {
        let range = node.byte_range();
        Span {
            start: self.position(range.start),
            end: self.position(range.end),
            bytes: (range.start, range.end),
        }
    }

    /// The text of 1-based line `line`, without its line end.
    pub(crate) fn line(&self, line: u32) -> &'a str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1) as usize) else { return "" };
        let end = self.line_starts.get(line as usize).map_or(self.bytes.len(), |&next| next - 1);
        std::str::from_utf8(&self.bytes[start..end.max(start)]).unwrap_or_default().trim_end_matches('\r')
    }

    /// The byte offset where the line holding `offset` starts.
    pub(crate) fn line_start(&self, offset: usize) -> usize {
        let line = self.line_starts.partition_point(|&start| start <= offset).max(1);
        self.line_starts[line - 1]
    }

    /// The indentation (leading tabs and spaces) of the line holding `offset`.
    pub(crate) fn indent_at(&self, offset: usize) -> &'a str {
        let start = self.line_start(offset);
        let rest = &self.bytes[start..];
        let width = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        std::str::from_utf8(&rest[..width]).unwrap_or_default()
    }
}

fn memchr_lines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i)
}

/// Whether `node` is a function declaration, method declaration or function literal.
pub(crate) fn is_function(node: Node<'_>) -> bool {
    FUNCTION_KINDS.contains(&node.kind())
}

/// The innermost function holding `node` (not `node` itself).
pub(crate) fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).find(|n| is_function(*n))
}

/// The outermost function holding `node` (a declaration, unless the literal is at package level).
pub(crate) fn top_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).filter(|n| is_function(*n)).last()
}

/// The parents of `node`, nearest first.
pub(crate) fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// Whether `inner` lies inside `outer` (or is it).
pub(crate) fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The statements of a `block` (or of a case clause), comments left out.
pub(crate) fn statements(block: Node<'_>) -> Vec<Node<'_>> {
    let list = if block.kind() == "statement_list" {
        Some(block)
    } else {
        named_children(block).into_iter().find(|n| n.kind() == "statement_list")
    };
    list.map(|list| named_children(list).into_iter().filter(|n| n.kind() != "comment").collect())
        .unwrap_or_default()
}

/// The named children of a node.
pub(crate) fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Every node below `node` in source order, calling `visit`; a `false` from `visit` skips the node's children.
pub(crate) fn walk<'t>(node: Node<'t>, visit: &mut impl FnMut(Node<'t>) -> bool) {
    let mut cursor = node.walk();
    let mut descend = true;
    loop {
        if descend && cursor.goto_first_child() {
            descend = visit(cursor.node());
            continue;
        }
        loop {
            if cursor.node() == node {
                return;
            }
            if cursor.goto_next_sibling() {
                descend = visit(cursor.node());
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Every node below `node` that belongs to the same function: nested function literals are not entered.
pub(crate) fn walk_same_function<'t>(node: Node<'t>, visit: &mut impl FnMut(Node<'t>)) {
    walk(node, &mut |n| {
        if n.kind() == "func_literal" {
            return false;
        }
        visit(n);
        true
    });
}

/// The nodes of kind `kind` below `node` in the same function.
pub(crate) fn find_all<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    walk_same_function(node, &mut |n| {
        if n.kind() == kind {
            found.push(n);
        }
    });
    found
}

/// `x` for `(x)`, any depth.
pub(crate) fn unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// A call split into what is called on (`mu` in `mu.Lock()`, `time` in `time.After(d)`) and the name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'t> {
    pub(crate) node: Node<'t>,
    /// The operand of a selector call, if it is one.
    pub(crate) receiver: Option<Node<'t>>,
    /// The called name.
    pub(crate) name: Node<'t>,
    pub(crate) arguments: Node<'t>,
}

impl<'t> Call<'t> {
    /// `node` as a call, if it is one (parentheses allowed).
    pub(crate) fn of(node: Node<'t>) -> Option<Call<'t>> {
        let node = unparen(node);
        if node.kind() != "call_expression" {
            return None;
        }
        let function = unparen(node.child_by_field_name("function")?);
        let arguments = node.child_by_field_name("arguments")?;
        match function.kind() {
            "selector_expression" => Some(Call {
                node,
                receiver: function.child_by_field_name("operand"),
                name: function.child_by_field_name("field")?,
                arguments,
            }),
            "identifier" => Some(Call { node, receiver: None, name: function, arguments }),
            _ => None,
        }
    }

    /// Whether this is `package.name(…)`, e.g. `time.After`: the receiver is exactly the identifier `package`.
    pub(crate) fn is(&self, text: &Text<'_>, package: &str, name: &str) -> bool {
        text.of(self.name) == name && self.receiver.is_some_and(|r| text.of(r) == package)
    }

    /// The arguments (named children of the argument list).
    pub(crate) fn args(&self) -> Vec<Node<'t>> {
        named_children(self.arguments).into_iter().filter(|n| n.kind() != "comment").collect()
    }
}

/// The call an expression statement or `defer`/`go` statement makes.
pub(crate) fn statement_call(statement: Node<'_>) -> Option<Call<'_>> {
    match statement.kind() {
        "expression_statement" | "defer_statement" | "go_statement" => Call::of(statement.named_child(0)?),
        _ => None,
    }
}

/// The function literal a `go func(){…}()` statement runs, if it runs one.
pub(crate) fn go_literal(go_statement: Node<'_>) -> Option<Node<'_>> {
    let call = unparen(go_statement.named_child(0)?);
    let function = unparen(call.child_by_field_name("function")?);
    (function.kind() == "func_literal").then_some(function)
}

/// The body block of a function node.
pub(crate) fn body(function: Node<'_>) -> Option<Node<'_>> {
    function.child_by_field_name("body")
}

/// The `go` statement whose function literal holds `node`, looking no further out than `scope`: the goroutine
/// that runs `node`, when a closure started with `go` inside `scope` runs it.
pub(crate) fn goroutine_of<'t>(node: Node<'t>, scope: Node<'t>) -> Option<Node<'t>> {
    for ancestor in ancestors(node) {
        if ancestor == scope {
            return None;
        }
        if ancestor.kind() == "func_literal" {
            let call = ancestor.parent()?;
            let go = call.parent()?;
            return (call.kind() == "call_expression" && go.kind() == "go_statement").then_some(go);
        }
    }
    None
}

/// Whether `node` lies inside a node of kind `kind` (a `for_statement`, a `go_statement` …) nested in `scope`.
pub(crate) fn inside_within(node: Node<'_>, kind: &str, scope: Node<'_>) -> bool {
    ancestors(node).take_while(|a| *a != scope).any(|a| a.kind() == kind)
}

/// Whether `node` lies inside a function literal (any, `go` or not) nested in `scope`.
pub(crate) fn in_literal_within(node: Node<'_>, scope: Node<'_>) -> bool {
    ancestors(node).take_while(|a| *a != scope).any(|a| a.kind() == "func_literal")
}

/// The name the Go runtime gives a function in tracebacks, without the package path: `F`, `(*T).M`, `T.M`,
/// and for literals the enclosing name with `.funcN` (N counted in source order within the declaration).
pub(crate) fn runtime_name(text: &Text<'_>, function: Node<'_>) -> String {
    match function.kind() {
        "function_declaration" => {
            function.child_by_field_name("name").map_or_else(String::new, |n| text.of(n).to_owned())
        }
        "method_declaration" => {
            let name = function.child_by_field_name("name").map_or("", |n| text.of(n));
            let receiver = function
                .child_by_field_name("receiver")
                .and_then(|list| {
                    named_children(list).into_iter().find(|n| n.kind() == "parameter_declaration")
                })
                .and_then(|p| p.child_by_field_name("type"));
            match receiver {
                Some(ty) if ty.kind() == "pointer_type" => {
                    format!("(*{}).{name}", receiver_type_name(text, ty.named_child(0)))
                }
                Some(ty) => format!("{}.{name}", receiver_type_name(text, Some(ty))),
                None => name.to_owned(),
            }
        }
        _ => {
            let Some(outer) = top_function(function) else { return "func1".to_owned() };
            let mut index = 0;
            walk(outer, &mut |n| {
                if n.kind() == "func_literal" && n.start_byte() <= function.start_byte() {
                    index += 1;
                }
                true
            });
            let outer_name = if outer == function { "glob".to_owned() } else { runtime_name(text, outer) };
            format!("{outer_name}.func{index}")
        }
    }
}

/// `T` of `T` or `T[K, V]`.
fn receiver_type_name(text: &Text<'_>, ty: Option<Node<'_>>) -> String {
    let Some(ty) = ty else { return String::new() };
    let name = if ty.kind() == "generic_type" { ty.child_by_field_name("type").unwrap_or(ty) } else { ty };
    let generic = if ty.kind() == "generic_type" { "[...]" } else { "" };
    format!("{}{generic}", text.of(name))
}

/// Whether control can leave the function from inside `node`: a `return`, a `panic`, `os.Exit`, `log.Fatal…`,
/// `runtime.Goexit` or `t.Fatal…`-style calls, not counting nested function literals.
pub(crate) fn exits_function(text: &Text<'_>, node: Node<'_>) -> bool {
    let mut exits = node.kind() == "return_statement" || is_terminating_call(text, node);
    walk_same_function(node, &mut |n| {
        exits |= n.kind() == "return_statement" || is_terminating_call(text, n);
    });
    exits
}

/// `panic(…)`, `os.Exit`, `log.Fatal*`, `log.Panic*`, `runtime.Goexit`, `t.Fatal*`/`t.FailNow`/`t.Skip*`.
pub(crate) fn is_terminating_call(text: &Text<'_>, node: Node<'_>) -> bool {
    let Some(call) = Call::of(node) else { return false };
    let name = text.of(call.name);
    match call.receiver.map(|r| text.of(r)) {
        None => name == "panic",
        Some("os") => name == "Exit",
        Some("runtime") => name == "Goexit",
        Some(_) => {
            name.starts_with("Fatal")
                || name.starts_with("Panic")
                || name == "FailNow"
                || name.starts_with("Skip")
        }
    }
}

/// The innermost `for` statement holding `node` below `outer`, in the same function as `node`.
pub(crate) fn enclosing_loop<'t>(node: Node<'t>, outer: Node<'t>) -> Option<Node<'t>> {
    ancestors(node).take_while(|a| *a != outer && !is_function(*a)).find(|a| a.kind() == "for_statement")
}

/// The places that leave the body of `for` statement `for_statement` other than its own end: a `return`, a
/// `goto`, a `break` or `continue` aimed at it or at a statement around it, and calls that end the function
/// (see [`is_terminating_call`]). Nested function literals are not entered.
pub(crate) fn loop_exits<'t>(text: &Text<'_>, for_statement: Node<'t>) -> Vec<Node<'t>> {
    let Some(loop_body) = body(for_statement) else { return Vec::new() };
    let own_label = for_statement
        .parent()
        .filter(|p| p.kind() == "labeled_statement")
        .and_then(|p| p.child_by_field_name("label"))
        .map(|l| text.of(l));
    let mut exits = Vec::new();
    walk_same_function(loop_body, &mut |node| {
        let leaves = match node.kind() {
            "return_statement" | "goto_statement" => true,
            "break_statement" | "continue_statement" => match node.named_child(0).map(|l| text.of(l)) {
                // A label of a statement inside the loop keeps control inside it.
                Some(label) => {
                    let inner = find_label(loop_body, text, label);
                    inner.is_none() && (node.kind() == "break_statement" || Some(label) != own_label)
                }
                None => {
                    node.kind() == "break_statement"
                        && ancestors(node)
                            .find(|a| {
                                matches!(
                                    a.kind(),
                                    "for_statement"
                                        | "expression_switch_statement"
                                        | "type_switch_statement"
                                        | "select_statement"
                                )
                            })
                            .is_some_and(|target| target == for_statement)
                }
            },
            _ => is_terminating_call(text, node),
        };
        if leaves {
            exits.push(node);
        }
    });
    exits
}

/// The labeled statement below `node` whose label is `label`.
fn find_label<'t>(node: Node<'t>, text: &Text<'_>, label: &str) -> Option<Node<'t>> {
    find_all(node, "labeled_statement")
        .into_iter()
        .find(|l| l.child_by_field_name("label").is_some_and(|n| text.of(n) == label))
}

/// Whether `a` and `b` sit in different branches of one `if`, `switch` or `select`, so that one run of the
/// statement reaches at most one of them.
pub(crate) fn exclusive_branches<'t>(a: Node<'t>, b: Node<'t>) -> bool {
    let Some(common) = ancestors(a).find(|n| contains(*n, b)) else { return false };
    let branch = |node: Node<'t>| ancestors(node).take_while(|n| *n != common).last().unwrap_or(node);
    let (branch_a, branch_b) = (branch(a), branch(b));
    let is_branch = |n: Node<'_>| match common.kind() {
        "if_statement" => {
            common.child_by_field_name("consequence") == Some(n)
                || common.child_by_field_name("alternative") == Some(n)
        }
        "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
            matches!(n.kind(), "expression_case" | "type_case" | "default_case" | "communication_case")
        }
        _ => false,
    };
    branch_a != branch_b && is_branch(branch_a) && is_branch(branch_b)
}

/// The first `return` of the function holding `scope` (nested literals left out) that can run after `after`
/// and lies wholly before byte `before`. A `return` after `log.Fatal(…)`, `panic(…)` and the like in its block
/// cannot run and does not count.
pub(crate) fn return_between<'t>(
    text: &Text<'_>,
    scope: Node<'t>,
    after: Node<'t>,
    before: usize,
) -> Option<Node<'t>> {
    find_all(scope, "return_statement").into_iter().find(|r| {
        r.start_byte() >= after.end_byte()
            && r.end_byte() <= before
            && !exclusive_branches(after, *r)
            && !follows_terminating_call(text, *r)
    })
}

/// Whether an earlier statement of the block holding `statement` ends the function: `log.Fatal(…)`,
/// `panic(…)`, `os.Exit(…)`.
pub(crate) fn follows_terminating_call(text: &Text<'_>, statement: Node<'_>) -> bool {
    std::iter::successors(statement.prev_named_sibling(), Node::prev_named_sibling).any(|s| {
        s.kind() == "expression_statement" && s.named_child(0).is_some_and(|c| is_terminating_call(text, c))
    })
}

/// Whether `call` is `context.WithCancel`, `WithTimeout`, `WithDeadline` or one of their `…Cause` forms: a
/// derived context that comes with a cancel function.
pub(crate) fn is_cancellable_context(text: &Text<'_>, call: &Call<'_>) -> bool {
    const WITH_CANCEL: [&str; 6] = [
        "WithCancel",
        "WithTimeout",
        "WithDeadline",
        "WithCancelCause",
        "WithTimeoutCause",
        "WithDeadlineCause",
    ];
    WITH_CANCEL.iter().any(|with| call.is(text, "context", with))
}

/// The package name of the file holding `node` (`main` for `package main`).
pub(crate) fn package_name<'a>(text: &Text<'a>, node: Node<'_>) -> Option<&'a str> {
    let root = ancestors(node).last().unwrap_or(node);
    let clause = named_children(root).into_iter().find(|n| n.kind() == "package_clause")?;
    clause.named_child(0).map(|name| text.of(name))
}

/// Whether `function` is `init`, or `main` of package main: goroutines they start live as long as the process
/// by design.
pub(crate) fn is_main_or_init(text: &Text<'_>, function: Node<'_>) -> bool {
    if function.kind() != "function_declaration" {
        return false;
    }
    match function.child_by_field_name("name").map(|n| text.of(n)) {
        Some("init") => true,
        Some("main") => package_name(text, function) == Some("main"),
        _ => false,
    }
}

/// Whether `statement` is alone on its line(s): only indentation before it, nothing but a `//` comment after it.
pub(crate) fn alone_on_line(text: &Text<'_>, statement: Node<'_>) -> bool {
    let start = statement.start_position();
    let end = statement.end_position();
    let first = text.line(start.row as u32 + 1);
    let last = text.line(end.row as u32 + 1);
    first.get(..start.column).is_some_and(|before| before.trim().is_empty())
        && last.get(end.column..).is_some_and(|after| {
            let after = after.trim();
            after.is_empty() || after.starts_with("//")
        })
}

/// An edit adding `line` (indented like `statement`) on a new line after the line of `statement`, which must be
/// alone on its line.
pub(crate) fn insert_line_after(text: &Text<'_>, statement: Node<'_>, line: &str) -> Option<Edit> {
    if !alone_on_line(text, statement) {
        return None;
    }
    let end_row = statement.end_position().row as u32 + 1;
    let at = text.line_start(statement.end_byte()) + text.line(end_row).len();
    let indent = text.indent_at(statement.start_byte());
    Some(Edit { start: at, end: at, replacement: format!("\n{indent}{line}") })
}

/// An edit deleting `statement` with its whole line(s), indentation, trailing comment and line end included;
/// `None` unless it is alone on its line(s).
pub(crate) fn delete_lines(text: &Text<'_>, statement: Node<'_>) -> Option<Edit> {
    if !alone_on_line(text, statement) {
        return None;
    }
    let (start, end) = line_range(text, statement);
    Some(Edit { start, end, replacement: String::new() })
}

/// The byte range of the whole line(s) holding `node`, line end included: what deleting the statement removes.
pub(crate) fn line_range(text: &Text<'_>, node: Node<'_>) -> (usize, usize) {
    let start = text.line_start(node.start_byte());
    let rest = &text.bytes[node.end_byte()..];
    let end = rest.iter().position(|b| *b == b'\n').map_or(text.bytes.len(), |i| node.end_byte() + i + 1);
    (start, end)
}

/// The innermost `for` statement whose body holds `node`, in the same function.
pub(crate) fn loop_running(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).take_while(|a| !is_function(*a)).find(|a| {
        a.kind() == "for_statement" && a.child_by_field_name("body").is_some_and(|b| contains(b, node))
    })
}

/// The identifiers declaring `name` anywhere in `top` (a function, its parameters included): parameters and
/// receivers, `:=`, `var` and `const`, range and `select` variables declared with `:=`, type-switch variables.
/// Rules that have no scopes ask for exactly one, so that a shadowing declaration makes the name ambiguous.
pub(crate) fn bindings<'t>(text: &Text<'_>, top: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let push_named = |list: Node<'t>, found: &mut Vec<Node<'t>>| {
        for id in named_children(list) {
            if id.kind() == "identifier" && text.of(id) == name {
                found.push(id);
            }
        }
    };
    let mut visit = |node: Node<'t>| {
        match node.kind() {
            "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => {
                let mut cursor = node.walk();
                found.extend(
                    node.children_by_field_name("name", &mut cursor).filter(|id| text.of(*id) == name),
                );
            }
            "short_var_declaration" => {
                if let Some(left) = node.child_by_field_name("left") {
                    push_named(left, &mut found);
                }
            }
            "range_clause" | "receive_statement" => {
                let declares =
                    (0..node.child_count()).filter_map(|i| node.child(i as u32)).any(|c| c.kind() == ":=");
                if declares && let Some(left) = node.child_by_field_name("left") {
                    push_named(left, &mut found);
                }
            }
            "type_switch_statement" => {
                if let Some(alias) = node.child_by_field_name("alias") {
                    push_named(alias, &mut found);
                }
            }
            _ => {}
        }
        true
    };
    visit(top);
    walk(top, &mut visit);
    found
}

/// The statement or spec that declares the identifier `binding` (one of [`bindings`]): the parameter
/// declaration, `var` spec, `:=` statement, range clause.
pub(crate) fn declaration_of(binding: Node<'_>) -> Option<Node<'_>> {
    let parent = binding.parent()?;
    if parent.kind() == "expression_list" { parent.parent() } else { Some(parent) }
}

/// The `=` assignments in `top` that assign the identifier `name` itself (not an element or field of it).
pub(crate) fn assignments_to<'t>(text: &Text<'_>, top: Node<'t>, name: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    walk(top, &mut |node| {
        if node.kind() == "assignment_statement"
            && node.child_by_field_name("left").is_some_and(|left| {
                named_children(left).into_iter().any(|t| t.kind() == "identifier" && text.of(t) == name)
            })
        {
            found.push(node);
        }
        true
    });
    found
}

/// The value of an integer constant expression: literals in any base, `+ - * / % << >> & | ^ &^`, parentheses,
/// conversions to integer types, and identifiers `resolve` knows. `None` for anything else or on overflow.
pub(crate) fn integer_value(
    text: &Text<'_>,
    node: Node<'_>,
    resolve: &dyn Fn(&str) -> Option<i64>,
) -> Option<i64> {
    let node = unparen(node);
    match node.kind() {
        "int_literal" => {
            let digits: String = text.of(node).chars().filter(|c| *c != '_').collect();
            let lower = digits.to_ascii_lowercase();
            let (radix, body) = if let Some(hex) = lower.strip_prefix("0x") {
                (16, hex)
            } else if let Some(binary) = lower.strip_prefix("0b") {
                (2, binary)
            } else if let Some(octal) = lower.strip_prefix("0o") {
                (8, octal)
            } else if lower.len() > 1 && lower.starts_with('0') {
                (8, &lower[1..])
            } else {
                (10, lower.as_str())
            };
            i64::from_str_radix(body, radix).ok()
        }
        "identifier" => resolve(text.of(node)),
        "unary_expression" => {
            let operand = integer_value(text, node.child_by_field_name("operand")?, resolve)?;
            match text.of(node.child_by_field_name("operator")?) {
                "-" => operand.checked_neg(),
                "+" => Some(operand),
                _ => None,
            }
        }
        "binary_expression" => {
            let left = integer_value(text, node.child_by_field_name("left")?, resolve)?;
            let right = integer_value(text, node.child_by_field_name("right")?, resolve)?;
            let shift = u32::try_from(right).ok();
            match text.of(node.child_by_field_name("operator")?) {
                "+" => left.checked_add(right),
                "-" => left.checked_sub(right),
                "*" => left.checked_mul(right),
                "/" => left.checked_div(right),
                "%" => left.checked_rem(right),
                "<<" => shift.filter(|s| *s < 63).and_then(|s| left.checked_mul(1 << s)),
                ">>" => left.checked_shr(shift?),
                "&" => Some(left & right),
                "|" => Some(left | right),
                "^" => Some(left ^ right),
                "&^" => Some(left & !right),
                _ => None,
            }
        }
        "call_expression" => {
            let call = Call::of(node)?;
            let [arg] = call.args()[..] else { return None };
            let integer_type = matches!(
                text.of(call.name),
                "int"
                    | "int8"
                    | "int16"
                    | "int32"
                    | "int64"
                    | "uint"
                    | "uint8"
                    | "uint16"
                    | "uint32"
                    | "uint64"
                    | "uintptr"
                    | "byte"
                    | "rune"
            );
            (call.receiver.is_none() && integer_type).then(|| integer_value(text, arg, resolve)).flatten()
        }
        _ => None,
    }
}

/// Whether the file holding `node` imports `path`, under any name.
pub(crate) fn imports(text: &Text<'_>, node: Node<'_>, path: &str) -> bool {
    import_specs(ancestors(node).last().unwrap_or(node)).into_iter().any(|spec| {
        spec.child_by_field_name("path").is_some_and(|p| text.of(p).trim_matches(['"', '`']) == path)
    })
}

/// The import specs of a file, in source order.
pub(crate) fn import_specs(root: Node<'_>) -> Vec<Node<'_>> {
    named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "import_declaration")
        .flat_map(named_children)
        .flat_map(|n| if n.kind() == "import_spec_list" { named_children(n) } else { vec![n] })
        .filter(|n| n.kind() == "import_spec")
        .collect()
}

/// An edit importing `path` into the file holding `node`, which does not import it yet: a line in the first
/// group of the first parenthesised import list, in sorted order as gofmt keeps it; else an `import "path"` of its
/// own before the first import, or after the package clause. Two fixes importing the same path make the same edit,
/// which [`crate::fix::apply`] applies once.
pub(crate) fn import_edit(text: &Text<'_>, node: Node<'_>, path: &str) -> Option<Edit> {
    let root = ancestors(node).last().unwrap_or(node);
    let quoted = format!("\"{path}\"");
    let declarations: Vec<Node<'_>> =
        named_children(root).into_iter().filter(|n| n.kind() == "import_declaration").collect();
    if let Some(list) =
        declarations.iter().flat_map(|d| named_children(*d)).find(|n| n.kind() == "import_spec_list")
    {
        let specs: Vec<Node<'_>> =
            named_children(list).into_iter().filter(|n| n.kind() == "import_spec").collect();
        let first = *specs.first()?;
        // The first group: specs on consecutive lines.
        let group_len = specs
            .windows(2)
            .position(|pair| pair[1].start_position().row > pair[0].end_position().row + 1)
            .map_or(specs.len(), |i| i + 1);
        let group = &specs[..group_len];
        let indent = text.indent_at(first.start_byte());
        let path_of =
            |spec: &Node<'_>| spec.child_by_field_name("path").map(|p| text.of(p)).unwrap_or_default();
        let at = match group.iter().find(|spec| path_of(spec) > quoted.as_str()) {
            Some(after) => text.line_start(after.start_byte()),
            None => {
                let last = group.last()?;
                let (_, end) = line_range(text, *last);
                end
            }
        };
        return Some(Edit { start: at, end: at, replacement: format!("{indent}{quoted}\n") });
    }
    if let Some(first) = declarations.first() {
        let at = text.line_start(first.start_byte());
        return Some(Edit { start: at, end: at, replacement: format!("import {quoted}\n") });
    }
    let clause = named_children(root).into_iter().find(|n| n.kind() == "package_clause")?;
    let at = clause.end_byte();
    Some(Edit { start: at, end: at, replacement: format!("\n\nimport {quoted}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn parse(source: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_go::LANGUAGE.into()).unwrap();
        parser.parse(source, None).unwrap()
    }

    fn literal_names(source: &str) -> Vec<String> {
        let tree = parse(source);
        let text = Text::new(source.as_bytes());
        let mut names = Vec::new();
        walk(tree.root_node(), &mut |n| {
            if is_function(n) {
                names.push(runtime_name(&text, n));
            }
            true
        });
        names
    }

    #[test]
    fn functions_are_named_as_in_tracebacks() {
        let source = "package p\nfunc F() { go func() { _ = func() {} }() }\nfunc (s *S) M() { go func() {}() }\n\
                      func (s S) V() {}\nfunc (l *List[T]) Push() {}\n";
        assert_eq!(
            literal_names(source),
            ["F", "F.func1", "F.func2", "(*S).M", "(*S).M.func1", "S.V", "(*List[...]).Push"]
        );
    }

    fn first_of<'t>(tree: &'t tree_sitter::Tree, kind: &str) -> Node<'t> {
        let mut found = None;
        walk(tree.root_node(), &mut |n| {
            if found.is_none() && n.kind() == kind {
                found = Some(n);
            }
            found.is_none()
        });
        found.unwrap()
    }

    #[test]
    fn loop_exits_are_the_ways_out_of_the_loop_itself() {
        let exits = |body: &str| {
            let source = format!("package p\nfunc F() {{\nL:\n\tfor v := range ch {{ {body} }}\n}}\n");
            let tree = parse(&source);
            let text = Text::new(source.as_bytes());
            loop_exits(&text, first_of(&tree, "for_statement")).len()
        };
        assert_eq!(exits("switch v { case 0: break }"), 0);
        assert_eq!(exits("for { break }; continue L"), 0);
        assert_eq!(exits("for { break L }"), 1);
        assert_eq!(exits("if v > 0 { break }"), 1);
        assert_eq!(exits("go func() { return }()"), 0);
        assert_eq!(exits("log.Fatal(v)"), 1);
    }

    #[test]
    fn branches_of_one_if_or_switch_exclude_each_other() {
        let source = "package p\nfunc F() {\n\tif a { go f() } else if b { return }\n\tgo g()\n\treturn\n}\n";
        let tree = parse(source);
        let go = first_of(&tree, "go_statement");
        let returns = find_all(tree.root_node(), "return_statement");
        assert!(exclusive_branches(go, returns[0]));
        assert!(!exclusive_branches(go, returns[1]));
        let text = Text::new(source.as_bytes());
        let body = first_of(&tree, "block");
        assert_eq!(return_between(&text, body, go, source.len()), Some(returns[1]));
    }

    #[test]
    fn integer_constants_are_read_in_every_base_and_through_names() {
        let value = |expr: &str| {
            let source = format!("package p\nvar _ = {expr}\n");
            let tree = parse(&source);
            let text = Text::new(source.as_bytes());
            let spec = first_of(&tree, "var_spec");
            let value = spec.child_by_field_name("value").and_then(|v| v.named_child(0)).unwrap();
            integer_value(&text, value, &|name| (name == "kib").then_some(1024))
        };
        assert_eq!(value("64 << 10"), Some(65536));
        assert_eq!(value("0x10 + 0o17 + 017 + 0b11"), Some(16 + 15 + 15 + 3));
        assert_eq!(value("1_000 * (2 - 1)"), Some(1000));
        assert_eq!(value("uint64(4) * kib"), Some(4096));
        assert_eq!(value("n * kib"), None);
        assert_eq!(value("1 << 70"), None);
    }

    #[test]
    fn an_import_goes_in_sorted_order_into_the_first_group() {
        let imported = |source: &str| {
            let tree = parse(source);
            let text = Text::new(source.as_bytes());
            let edit = import_edit(&text, tree.root_node(), "io").unwrap();
            format!("{}{}{}", &source[..edit.start], edit.replacement, &source[edit.end..])
        };
        assert_eq!(
            imported("package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"x.org/y\"\n)\n"),
            "package p\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"os\"\n\n\t\"x.org/y\"\n)\n"
        );
        assert_eq!(
            imported("package p\n\nimport (\n\t\"bytes\"\n)\n"),
            "package p\n\nimport (\n\t\"bytes\"\n\t\"io\"\n)\n"
        );
        assert_eq!(imported("package p\n\nimport \"os\"\n"), "package p\n\nimport \"io\"\nimport \"os\"\n");
        assert_eq!(imported("package p\n\nfunc F() {}\n"), "package p\n\nimport \"io\"\n\nfunc F() {}\n");
    }

    #[test]
    fn positions_are_one_based_byte_columns() {
        let text = Text::new(b"ab\n\tcd\n");
        assert_eq!(text.position(0), Position { line: 1, column: 1 });
        assert_eq!(text.position(4), Position { line: 2, column: 2 });
        assert_eq!(text.line(2), "\tcd");
        assert_eq!(text.line(9), "");
        assert_eq!(text.indent_at(5), "\t");
    }
}
