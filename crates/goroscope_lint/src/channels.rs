//! Channels made inside a function and every place the function uses them. Rules about channel leaks only judge
//! channels they can see whole: made here, never handed to other code.

use tree_sitter::Node;

use crate::finding::Edit;
use crate::syntax::{Call, Text, ancestors, contains, goroutine_of, named_children, unparen, walk};

/// How a local channel was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capacity {
    /// `make(chan T)` or `make(chan T, 0)`.
    Unbuffered,
    /// `make(chan T, n)` with a constant `n`.
    Buffered(u64),
    /// `make(chan T, n)` with a computed size.
    Unknown,
    /// `var ch chan T`: a nil channel until assigned.
    Nil,
}

/// A channel declared in a function's own body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LocalChannel<'t> {
    /// The declared identifier.
    pub(crate) name: Node<'t>,
    pub(crate) capacity: Capacity,
    /// The declaring statement.
    pub(crate) declaration: Node<'t>,
    /// The body of the function that declares it.
    pub(crate) scope: Node<'t>,
}

/// What one use of a channel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UseKind {
    /// `ch <- v`.
    Send,
    /// `<-ch`.
    Receive,
    /// `for … range ch`.
    Range,
    /// `close(ch)`.
    Close,
    /// `len(ch)`, `cap(ch)`, `ch == nil`: reads nothing from the channel.
    Inspect,
    /// `ch = …`: the variable is given another channel.
    Assign,
    /// Anything else: passed to a call, stored, returned, captured by a closure that is not a goroutine,
    /// redeclared. Rules give up on channels that escape.
    Escape,
}

/// One use of a local channel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Use<'t> {
    pub(crate) node: Node<'t>,
    pub(crate) kind: UseKind,
    /// The `go` statement whose literal runs this use, if a goroutine started in the declaring function does.
    pub(crate) goroutine: Option<Node<'t>>,
    /// The `select` statement the operation is a case of.
    pub(crate) select: Option<Node<'t>>,
    /// Whether it sits in a `defer` statement.
    pub(crate) deferred: bool,
}

impl Use<'_> {
    /// A send or receive that can block: not a case of a `select` that has a `default` or another case.
    pub(crate) fn blocks_alone(&self) -> bool {
        self.select.is_none_or(|select| select_cases(select) <= 1)
    }
}

/// The number of cases (default included) of a `select`.
pub(crate) fn select_cases(select: Node<'_>) -> usize {
    named_children(select)
        .iter()
        .filter(|n| matches!(n.kind(), "communication_case" | "default_case"))
        .count()
}

/// The channels declared directly in `body` (not in nested function literals), by `:=`, `var` or `=` to a new name
/// in `ch := make(chan T)`, `var ch = make(chan T, 1)`, `var ch chan T`.
pub(crate) fn local_channels<'t>(text: &Text<'_>, body: Node<'t>) -> Vec<LocalChannel<'t>> {
    let mut found = Vec::new();
    walk(body, &mut |node| {
        match node.kind() {
            "func_literal" => return false,
            "short_var_declaration" => {
                let (Some(left), Some(right)) =
                    (node.child_by_field_name("left"), node.child_by_field_name("right"))
                else {
                    return true;
                };
                for (name, value) in named_children(left).into_iter().zip(named_children(right)) {
                    if let Some(capacity) = made_channel(text, value)
                        && name.kind() == "identifier"
                    {
                        found.push(LocalChannel { name, capacity, declaration: node, scope: body });
                    }
                }
            }
            "var_spec" => {
                let names: Vec<_> =
                    named_children(node).into_iter().filter(|n| n.kind() == "identifier").collect();
                let values = node.child_by_field_name("value").map(named_children).unwrap_or_default();
                let declared_chan =
                    node.child_by_field_name("type").is_some_and(|t| t.kind() == "channel_type");
                for (i, name) in names.into_iter().enumerate() {
                    let capacity = match values.get(i) {
                        Some(value) => made_channel(text, *value),
                        None => declared_chan.then_some(Capacity::Nil),
                    };
                    if let Some(capacity) = capacity {
                        found.push(LocalChannel { name, capacity, declaration: node, scope: body });
                    }
                }
            }
            _ => {}
        }
        true
    });
    found
}

/// The capacity of `make(chan T…)`, if `value` is one.
fn made_channel(text: &Text<'_>, value: Node<'_>) -> Option<Capacity> {
    let call = Call::of(value)?;
    if call.receiver.is_some() || text.of(call.name) != "make" {
        return None;
    }
    let args = call.args();
    if args.first()?.kind() != "channel_type" {
        return None;
    }
    Some(match args.get(1) {
        None => Capacity::Unbuffered,
        Some(size) => match text.of(*size).replace('_', "").parse::<u64>() {
            Ok(0) => Capacity::Unbuffered,
            Ok(n) => Capacity::Buffered(n),
            Err(_) => Capacity::Unknown,
        },
    })
}

/// Every use of `channel` after its declaration, in source order, including uses in nested goroutines.
pub(crate) fn uses<'t>(text: &Text<'_>, channel: &LocalChannel<'t>) -> Vec<Use<'t>> {
    let name = text.of(channel.name);
    let mut found = Vec::new();
    walk(channel.scope, &mut |node| {
        if node.kind() == "identifier" && node != channel.name && text.of(node) == name {
            found.push(classify(text, channel, node));
        }
        true
    });
    found
}

fn classify<'t>(text: &Text<'_>, channel: &LocalChannel<'t>, node: Node<'t>) -> Use<'t> {
    let goroutine = goroutine_of(node, channel.scope);
    let mut kind = kind_of(text, node);
    // A closure that is not a goroutine may run at any time, or never: its uses are not judged.
    let literals =
        ancestors(node).take_while(|a| *a != channel.scope).filter(|a| a.kind() == "func_literal").count();
    let in_other_closure = literals > usize::from(goroutine.is_some());
    if in_other_closure && kind != UseKind::Inspect {
        kind = UseKind::Escape;
    }
    let select = match kind {
        UseKind::Send | UseKind::Receive => enclosing_select_case(node),
        _ => None,
    };
    let deferred = ancestors(node).take_while(|a| *a != channel.scope).any(|a| a.kind() == "defer_statement");
    Use { node, kind, goroutine, select, deferred }
}

fn kind_of(text: &Text<'_>, node: Node<'_>) -> UseKind {
    let Some(parent) = node.parent() else { return UseKind::Escape };
    match parent.kind() {
        "send_statement" if parent.child_by_field_name("channel") == Some(node) => UseKind::Send,
        "unary_expression" if parent.child_by_field_name("operator").is_some_and(|o| text.of(o) == "<-") => {
            UseKind::Receive
        }
        "range_clause" if parent.child_by_field_name("right") == Some(node) => UseKind::Range,
        "binary_expression" => {
            let other = if parent.child_by_field_name("left") == Some(node) { "right" } else { "left" };
            if parent.child_by_field_name(other).is_some_and(|o| text.of(o) == "nil") {
                UseKind::Inspect
            } else {
                UseKind::Escape
            }
        }
        "argument_list" => match parent.parent().and_then(Call::of) {
            Some(call) if call.receiver.is_none() => match text.of(call.name) {
                "close" => UseKind::Close,
                "len" | "cap" => UseKind::Inspect,
                _ => UseKind::Escape,
            },
            _ => UseKind::Escape,
        },
        "expression_list" => {
            let statement = parent.parent();
            match statement.map(|s| (s.kind(), s.child_by_field_name("left") == Some(parent))) {
                Some(("assignment_statement", true)) => UseKind::Assign,
                _ => UseKind::Escape,
            }
        }
        _ => UseKind::Escape,
    }
}

/// The `select` whose case communicates through `node` (`case ch <- v:`, `case v := <-ch:`).
fn enclosing_select_case(node: Node<'_>) -> Option<Node<'_>> {
    let case = ancestors(node)
        .find(|a| matches!(a.kind(), "communication_case" | "block" | "func_literal" | "statement_list"))?;
    if case.kind() != "communication_case" {
        return None;
    }
    let communication = case.child_by_field_name("communication")?;
    contains(communication, node).then(|| case.parent()).flatten()
}

/// The statement holding a use, for ordering and reporting: its nearest ancestor that is a statement of a block.
pub(crate) fn statement_of(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    for ancestor in ancestors(node) {
        if ancestor.kind() == "statement_list" {
            return current;
        }
        current = ancestor;
    }
    current
}

/// Whether the channel is only ever used here: no escape, no reassignment, no redeclaration that would shadow it.
pub(crate) fn fully_visible(uses: &[Use<'_>]) -> bool {
    uses.iter().all(|u| !matches!(u.kind, UseKind::Escape | UseKind::Assign))
}

/// The expression `<-ch` or `ch <- v` a use belongs to, for reporting.
pub(crate) fn operation<'t>(use_: &Use<'t>) -> Node<'t> {
    match use_.kind {
        UseKind::Send | UseKind::Receive | UseKind::Range => use_.node.parent().map_or(use_.node, unparen),
        _ => use_.node,
    }
}

/// The uses that refer to the declared variable: after the declaration and inside the block (or `if`/`for`/
/// `switch` header) that declares it. An identifier of the same name elsewhere is another variable.
pub(crate) fn own_uses<'t>(text: &Text<'_>, channel: &LocalChannel<'t>) -> Vec<Use<'t>> {
    let region = ancestors(channel.declaration).find(|a| {
        matches!(
            a.kind(),
            "statement_list"
                | "if_statement"
                | "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
        )
    });
    let after = channel.declaration.end_byte();
    uses(text, channel)
        .into_iter()
        .filter(|u| u.node.start_byte() >= after && region.is_none_or(|r| contains(r, u.node)))
        .collect()
}

/// The channels a function body declares that only it can see, each with its uses: none escapes or is
/// reassigned (see [`fully_visible`]).
pub(crate) fn visible_channels<'t>(text: &Text<'_>, body: Node<'t>) -> Vec<(LocalChannel<'t>, Vec<Use<'t>>)> {
    if !text.of(body).contains("chan") {
        return Vec::new();
    }
    local_channels(text, body)
        .into_iter()
        .map(|channel| (channel, own_uses(text, &channel)))
        .filter(|(_, uses)| fully_visible(uses))
        .collect()
}

/// The edit that gives a channel made by `make(chan T)` or `make(chan T, 0)` in its declaration the capacity
/// `size`.
pub(crate) fn capacity_edit(text: &Text<'_>, channel: &LocalChannel<'_>, size: &str) -> Option<Edit> {
    // The value at the name's position: `a, b := make(chan int), make(chan int)`.
    let (names, values) = match channel.declaration.kind() {
        "short_var_declaration" => (
            named_children(channel.declaration.child_by_field_name("left")?),
            channel.declaration.child_by_field_name("right")?,
        ),
        _ => (named_children(channel.declaration), channel.declaration.child_by_field_name("value")?),
    };
    let index = names.iter().filter(|n| n.kind() == "identifier").position(|n| *n == channel.name)?;
    let make = Call::of(*named_children(values).get(index)?).filter(|c| text.of(c.name) == "make")?;
    let args = make.args();
    Some(match args.get(1) {
        Some(zero) => Edit { start: zero.start_byte(), end: zero.end_byte(), replacement: size.to_owned() },
        None => {
            let at = args.first()?.end_byte();
            Edit { start: at, end: at, replacement: format!(", {size}") }
        }
    })
}

/// Whether a use is a receive: `<-ch` or `for … range ch`.
pub(crate) fn is_receive(use_: &Use<'_>) -> bool {
    matches!(use_.kind, UseKind::Receive | UseKind::Range)
}

/// Where a use takes effect, for ordering: the `select` it is a case of, or the operation itself.
pub(crate) fn effective_start(use_: &Use<'_>) -> usize {
    use_.select.unwrap_or(use_.node).start_byte()
}

/// The `go` statements running some of `uses`, each once, in order of first use.
pub(crate) fn goroutines<'a, 't: 'a>(uses: impl IntoIterator<Item = &'a Use<'t>>) -> Vec<Node<'t>> {
    let mut found: Vec<Node<'t>> = Vec::new();
    for go in uses.into_iter().filter_map(|u| u.goroutine) {
        if !found.contains(&go) {
            found.push(go);
        }
    }
    found
}

#[cfg(test)]
mod capacity_tests {
    use super::*;

    #[test]
    fn capacity_edit_resizes_the_make_of_the_named_channel() {
        let source = "package p\nfunc F() {\n\ta, b := make(chan int), make(chan int, 0)\n\tvar c = make(chan int)\n}\n";
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_go::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let text = Text::new(source.as_bytes());
        let body = tree.root_node().named_child(1).and_then(crate::syntax::body).unwrap();
        let edits: Vec<_> = local_channels(&text, body)
            .iter()
            .map(|c| capacity_edit(&text, c, "n").map(|e| (e.start, e.end, e.replacement)))
            .collect();
        let at = |needle: &str| source.find(needle).unwrap();
        assert_eq!(
            edits,
            [
                Some((at(", make") - 1, at(", make") - 1, ", n".to_owned())),
                Some((at("0)"), at("0)") + 1, "n".to_owned())),
                Some((at("int)\n}") + 3, at("int)\n}") + 3, ", n".to_owned())),
            ]
        );
    }
}
