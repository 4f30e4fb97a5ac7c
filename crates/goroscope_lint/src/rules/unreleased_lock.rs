//! ## What it does
//! Finds a `mu.Lock()` or `mu.RLock()` whose function can `return` before the matching `mu.Unlock()` /
//! `mu.RUnlock()`, with no `defer` to release it: a `return` after the `Lock`, in the same function, with no
//! unlock of the same mutex before it on its way back to the `Lock`.
//!
//! ## Why is this bad?
//! The function returns with the mutex still held. The next `Lock` of that mutex (the next request, the next
//! call of the same method) blocks forever, and so does every goroutine queued behind it: a whole service
//! stops, one goroutine at a time, with a `sync.Mutex.Lock` frame on top of each stack. The early return is
//! usually an error path added later, away from the `Unlock` at the bottom.
//!
//! ## Example
//! ```go
//! func (c *Cache) Load(key string) (*Entry, error) {
//! 	c.mu.Lock()
//! 	e, ok := c.items[key]
//! 	if !ok {
//! 		return nil, ErrNotFound // c.mu stays locked
//! 	}
//! 	c.mu.Unlock()
//! 	return e, nil
//! }
//! ```
//!
//! ## Use instead
//! Release the lock with `defer` right after taking it:
//! ```go
//! func (c *Cache) Load(key string) (*Entry, error) {
//! 	c.mu.Lock()
//! 	defer c.mu.Unlock()
//! 	e, ok := c.items[key]
//! 	if !ok {
//! 		return nil, ErrNotFound
//! 	}
//! 	return e, nil
//! }
//! ```
//! or unlock on the early path too. The fix adds the `defer` and deletes the explicit unlocks; it is unsafe
//! because the lock is then held until the function returns, over whatever ran after the old `Unlock` (a call
//! that takes the same lock would deadlock). It is offered only when the function locks that mutex once, not in
//! a loop, and every unlock is a statement of its own line in a block with other statements.
//!
//! ## Known problems
//! Mutexes are matched by the text of the receiver (`c.mu`), and paths by the order of statements: a `return`
//! is judged by walking back through the statements before it, block by block, to the `Lock`. Any statement on
//! the way that may release the lock stops the search without a finding: an `Unlock` that falls through (one
//! followed by a `return` in its own block does not), a call whose name contains `unlock`, or a call that is
//! given the mutex. A `Lock` inside a condition (`if fast { mu.Lock() }`) or another `Lock` of the same mutex on
//! the way is not judged. These functions are skipped:
//! - a `defer` that unlocks the mutex, or any unlock inside a function literal or taken as a method value
//!   (`defer func() { … mu.Unlock() }()`, `unlock := mu.Unlock`, `return mu.Unlock`);
//! - no `Unlock` of that mutex at all: the lock is handed to the caller (`func (c *C) lock() { c.mu.Lock() }`);
//! - the first use of the mutex is an `Unlock`: the function is called with the lock held and must return with it
//!   held (`flushLocked` that unlocks around I/O and locks again);
//! - a function whose name has the word `lock`, `locked`, `relock`, `acquire` or `hold` in it (`lockIfOpen`,
//!   `tryAcquire`, `updateLocked`), or whose doc comment says `held` or tells the caller to unlock ("returns
//!   with mu held", "the caller must unlock it"): those return with the lock held on purpose.
//!
//! Only `return` is judged: a `panic` between `Lock` and `Unlock` also leaves the mutex locked if something
//! recovers, but it is usually a bug report of its own. Types with `Lock`/`Unlock` methods that are not
//! mutexes (file locks) are treated alike.
//!
//! ## References
//! - [sync.Mutex](https://pkg.go.dev/sync#Mutex)
//! - [Effective Go: Defer](https://go.dev/doc/effective_go#defer)
//! - [sync.RWMutex](https://pkg.go.dev/sync#RWMutex): a held read lock blocks every writer
//! - `goroscope explain lock-never-released`

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Fix, Severity};
use crate::rule::Rule;
use crate::syntax::{
    Call, Text, ancestors, body, contains, delete_lines, enclosing_function, find_all, insert_line_after,
    inside_within, is_terminating_call, runtime_name, statement_call, statements, walk, walk_same_function,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL201",
    name: "unreleased-lock",
    summary: "function returns with a mutex still locked",
    severity: Severity::Error,
    preview: false,
    kinds: &["expression_statement"],
    check,
    source: include_str!("unreleased_lock.rs"),
};

/// One mutex and how it is taken and released: `c.mu` with `Lock`/`Unlock` or `RLock`/`RUnlock`.
struct Mutex<'a> {
    receiver: &'a str,
    lock: &'static str,
    unlock: &'static str,
}

impl Mutex<'_> {
    /// Whether `node` is the statement `<receiver>.<method>()`.
    fn is_statement(&self, text: &Text<'_>, node: Node<'_>, method: &str) -> bool {
        node.kind() == "expression_statement"
            && statement_call(node).is_some_and(|call| {
                text.of(call.name) == method
                    && call.receiver.is_some_and(|r| text.of(r) == self.receiver)
                    && call.args().is_empty()
            })
    }
}

fn check(cx: &Context<'_, '_>, statement: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(call) = statement_call(statement) else { return };
    let (lock, unlock) = match cx.text(call.name) {
        "Lock" => ("Lock", "Unlock"),
        "RLock" => ("RLock", "RUnlock"),
        _ => return,
    };
    let Some(receiver) = call.receiver else { return };
    if !call.args().is_empty() {
        return;
    }
    let mutex = Mutex { receiver: cx.text(receiver), lock, unlock };
    let Some(function) = enclosing_function(statement) else { return };
    let Some(scope) = body(function) else { return };
    if holds_by_name(cx.text, function) || documents_lock(cx.text, function) {
        return;
    }
    // Every unlock must be a plain statement of this function, and the first use of the mutex a lock.
    let mut unlocks = Vec::new();
    let mut first_is_unlock = None;
    let mut elsewhere = false;
    walk(scope, &mut |n| {
        if n.kind() == "selector_expression"
            && n.child_by_field_name("field").is_some_and(|f| cx.text(f) == unlock)
            && n.child_by_field_name("operand").is_some_and(|o| cx.text(o) == mutex.receiver)
        {
            let plain =
                n.parent().and_then(|c| c.parent()).filter(|s| mutex.is_statement(cx.text, *s, unlock));
            match plain {
                Some(s) if enclosing_function(s) == Some(function) => {
                    first_is_unlock.get_or_insert(true);
                    unlocks.push(s);
                }
                _ => elsewhere = true,
            }
        }
        if n.kind() == "expression_statement" && mutex.is_statement(cx.text, n, lock) {
            first_is_unlock.get_or_insert(false);
        }
        true
    });
    if elsewhere || unlocks.is_empty() || first_is_unlock == Some(true) {
        return;
    }
    let held: Vec<Node<'_>> = find_all(scope, "return_statement")
        .into_iter()
        .filter(|r| r.start_byte() > statement.end_byte() && returns_holding(cx.text, &mutex, statement, *r))
        .collect();
    let Some(first) = held.first() else { return };
    let name = mutex.receiver;
    let function_name = runtime_name(cx.text, function);
    let state = if lock == "RLock" { "read-locked" } else { "locked" };
    let mut finding = cx.finding(
        statement,
        format!(
            "`{name}` is {state} here but `{function_name}` can return at line {} without unlocking it: the \
             next `{name}.Lock()` blocks forever",
            first.start_position().row + 1
        ),
    );
    for ret in &held {
        finding.related.push(cx.related(*ret, format!("returns here with `{name}` still {state}")));
    }
    finding.fix = defer_unlock(cx, &mutex, statement, function, &unlocks);
    findings.push(finding);
}

/// Whether the function's name says it returns with a lock held: a camel-case or `_` word `lock`, `locked`,
/// `acquire` … (`lockIfOpen`, `tryRLock`, `acquire_slot`).
fn holds_by_name(text: &Text<'_>, function: Node<'_>) -> bool {
    let Some(name) = function.child_by_field_name("name").map(|n| text.of(n)) else { return false };
    let mut words: Vec<String> = vec![String::new()];
    for c in name.chars() {
        if c == '_' || c.is_uppercase() {
            words.push(String::new());
        }
        if let (Some(word), false) = (words.last_mut(), c == '_') {
            word.push(c.to_ascii_lowercase());
        }
    }
    words.iter().any(|w| {
        matches!(w.as_str(), "lock" | "locked" | "locking" | "relock" | "acquire" | "acquired" | "hold")
    })
}

/// Whether the comment above the function speaks of the lock being held on return: it says `held` ("returns
/// with mu held") or speaks of the caller and unlocking ("the caller must unlock it").
fn documents_lock(text: &Text<'_>, function: Node<'_>) -> bool {
    std::iter::successors(function.prev_sibling(), |n| n.prev_sibling())
        .take_while(|n| n.kind() == "comment")
        .any(|comment| {
            let comment = text.of(comment).to_ascii_lowercase();
            comment.contains("held")
                || comment.contains("caller") && (comment.contains("unlock") || comment.contains("locked"))
        })
}

/// Whether `ret` is reached from `lock` with the mutex held: walking back from `ret` through the statements
/// before it, block by block, the first statement that touches the mutex is `lock` itself.
fn returns_holding(text: &Text<'_>, mutex: &Mutex<'_>, lock: Node<'_>, ret: Node<'_>) -> bool {
    let dead = ancestors(ret).any(|a| {
        a.kind() == "if_statement"
            && a.child_by_field_name("condition").is_some_and(|c| text.of(c) == "false")
    });
    if dead || may_release(text, mutex, ret) {
        return false;
    }
    let mut node = ret;
    while let Some(parent) = node.parent() {
        if parent.kind() == "statement_list" {
            let mut previous = node.prev_named_sibling();
            while let Some(statement) = previous {
                if statement == lock {
                    return true;
                }
                if contains(statement, lock) || may_release(text, mutex, statement) {
                    return false;
                }
                previous = statement.prev_named_sibling();
            }
        }
        if parent.kind() == "block" && parent.parent().is_some_and(|f| enclosing_function(lock) == Some(f)) {
            return false;
        }
        node = parent;
    }
    false
}

/// Whether `statement` may release the mutex, or takes it again, on a path that falls through: an unlock not
/// followed by a `return` in its block, a call or function value whose name says it unlocks (`unlockAll()`,
/// `return tx.releaseUnlock`), a call given the mutex, another lock.
fn may_release(text: &Text<'_>, mutex: &Mutex<'_>, statement: Node<'_>) -> bool {
    let mut releases = false;
    let mut own_unlocks = Vec::new();
    let given = [mutex.receiver.to_owned(), format!("&{}", mutex.receiver)];
    walk_same_function(statement, &mut |n| {
        if let Some(call) = Call::of(n) {
            let name = text.of(call.name);
            let on_mutex = call.receiver.is_some_and(|r| text.of(r) == mutex.receiver);
            if on_mutex && name == mutex.unlock {
                own_unlocks.push(call.name);
                releases |= !leaves_after(text, n, statement);
            } else {
                releases |= on_mutex && matches!(name, "Lock" | "RLock")
                    || call.args().iter().any(|a| given.iter().any(|g| g == text.of(*a)));
            }
        } else if matches!(n.kind(), "identifier" | "field_identifier")
            && !own_unlocks.contains(&n)
            && text.of(n).to_ascii_lowercase().contains("unlock")
        {
            releases = true;
        }
    });
    releases
}

/// Whether a `return` or a call that ends the goroutine follows the statement holding `call` in its block,
/// that block lying inside `outer` (an unlock that is `outer` itself falls through to what follows).
fn leaves_after(text: &Text<'_>, call: Node<'_>, outer: Node<'_>) -> bool {
    let Some(statement) = ancestors(call)
        .take_while(|a| *a != outer)
        .find(|a| a.parent().is_some_and(|p| p.kind() == "statement_list"))
    else {
        return false;
    };
    std::iter::successors(statement.next_named_sibling(), |s| s.next_named_sibling()).any(|s| {
        s.kind() == "return_statement"
            || s.kind() == "expression_statement"
                && s.named_child(0).is_some_and(|c| is_terminating_call(text, c))
    })
}

/// `defer mu.Unlock()` after the lock, the explicit unlocks deleted: only when the function locks the mutex
/// once, outside any loop, and every unlock can go without leaving an empty block.
fn defer_unlock(
    cx: &Context<'_, '_>,
    mutex: &Mutex<'_>,
    lock: Node<'_>,
    function: Node<'_>,
    unlocks: &[Node<'_>],
) -> Option<Fix> {
    let in_loop = inside_within(lock, "for_statement", function);
    let locks = find_all(function, "expression_statement")
        .into_iter()
        .filter(|s| mutex.is_statement(cx.text, *s, mutex.lock))
        .count();
    if in_loop || locks != 1 {
        return None;
    }
    let mut edits =
        vec![insert_line_after(cx.text, lock, &format!("defer {}.{}()", mutex.receiver, mutex.unlock))?];
    for unlock in unlocks {
        let block = unlock.parent()?;
        if block.kind() != "statement_list" || statements(block).len() < 2 {
            return None;
        }
        edits.push(delete_lines(cx.text, *unlock)?);
    }
    Some(Fix {
        title: format!(
            "defer `{}.{}()` right after the lock and drop the explicit unlocks",
            mutex.receiver, mutex.unlock
        ),
        safe: false,
        edits,
    })
}
