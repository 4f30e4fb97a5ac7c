//! ## What it does
//! Finds a small piece of a buffer stored where it outlives the function that cut it, keeping the whole buffer:
//! - a subslice or substring (`b[i:j]`, `b[:n]`) of a parameter, stored in a package-level variable or in an
//!   element or key of a map (a package-level map, a map parameter, a map field);
//! - a subslice (`b[i:j]`, `b[:n]`, `b[i:]`) of a large local buffer, made by `make([]T, n)` or read whole by
//!   `io.ReadAll` or `os.ReadFile`, stored in a package-level variable, in a field of the receiver, of a pointer
//!   parameter or of a package-level variable, or in an element or key of a map or slice they share.
//!
//! Either as it is, inside a composite literal, or appended to one of those.
//!
//! ## Why is this bad?
//! A subslice shares the backing array of the slice it was cut from, and a substring shares the bytes of its
//! string. The garbage collector keeps the whole array alive as long as any piece of it is referenced: a 16-byte
//! key cut from a 64 KiB read buffer keeps 64 KiB alive. Stored in a cache, a session or a global, the pieces pin
//! every buffer they were cut from, and a heap profile shows the memory where the buffers were allocated (the
//! `make`, the `ReadAll`), not at the store that keeps them. A piece of a `[]byte` parameter is also shared with
//! the caller, who may reuse the buffer for the next read and overwrite what was stored.
//!
//! ## Example
//! ```go
//! var sessions = map[string][]byte{}
//!
//! func remember(packet []byte) {
//! 	sessions[string(packet[:16])] = packet[16:48] // keeps all of packet, and shares it with the caller
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! 	sessions[string(packet[:16])] = bytes.Clone(packet[16:48])
//! ```
//! `--fix` stores a copy. For a `[]byte` it wraps the piece in `bytes.Clone` in modules declaring Go 1.20 or
//! later, and writes `append([]byte(nil), piece...)` before that (`[]T(nil)` for a slice of another element type
//! written in the declaration); these fixes are unsafe, since the copy no longer sees later writes to the buffer.
//! For a string it uses `strings.Clone` from Go 1.18, a safe fix; before Go 1.18 there is no fix, and
//! `string([]byte(s))` copies. The fix adds the `bytes` or `strings` import when the file lacks it.
//!
//! ## Known problems
//! The linter has no types, so the declarations must show what is sliced: a name declared once in the function,
//! as a parameter of type `[]T` or `string`, or by `x := make([]T, n)` (with `n` not a constant under 1 KiB), or
//! `x, err := io.ReadAll(…)` / `os.ReadFile(…)`, and assigned nothing but re-slices of itself. A piece of a
//! parameter stored in a struct field is not reported: decoders and parsers keep views of the caller's buffer on
//! purpose (a message's `Decode`, a parser's state), and the caller owns and reuses that buffer; nor is a suffix
//! of a parameter (`b[i:]`), which keeps most of it in use anyway. Pieces cut in a loop that walks through the
//! buffer (`b = b[n:]`) tile it and are not reported: the buffer holds nothing else. Whole or empty slices
//! (`b[:]`, `b[:len(b)]`, `b[:0]`) are not pieces. A map is recognised by its declaration (a map type,
//! `make(map…)`, a map literal). Not followed: stores through a local (a struct filled in a local, then stored),
//! pieces sent on a channel, captured by a closure, or returned (GL602 `returned-subslice` looks at returns); a
//! field of a value parameter is a copy and does not count. A buffer whose other pieces are kept too, so that
//! little is wasted, is reported all the same.
//!
//! ## References
//! - [Go blog: Go Slices: usage and internals, "A possible gotcha"](https://go.dev/blog/slices-intro)
//! - [bytes.Clone](https://pkg.go.dev/bytes#Clone) and [strings.Clone](https://pkg.go.dev/strings#Clone)
//! - [100 Go Mistakes: #26 Slices and memory leaks](https://100go.co/#slices-and-memory-leaks-26)
//! - `goroscope explain subslice-retention`
//! - GL604 `unbounded-map-cache`: the other heap site that only grows

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::rules::retention::{
    Kind, Made, accumulates, copy_fix, origin, reslices_itself, store_of, whole_or_empty,
};
use crate::syntax::{enclosing_function, loop_running, runtime_name, unparen, walk};

pub(crate) static RULE: Rule = Rule {
    code: "GL601",
    name: "retained-subslice",
    summary: "a small piece of a parameter or large buffer is stored where it outlives the call, keeping all of it",
    severity: Severity::Warning,
    preview: false,
    kinds: &["slice_expression"],
    check,
    source: include_str!("retained_subslice.rs"),
};

fn check(cx: &Context<'_, '_>, piece: Node<'_>, findings: &mut Vec<Finding>) {
    let Some(operand) = piece.child_by_field_name("operand").map(unparen) else { return };
    if operand.kind() != "identifier" || whole_or_empty(cx.text, piece) {
        return;
    }
    let Some(store) = store_of(cx.text, cx.package, piece) else { return };
    let Some(origin) = origin(cx.text, cx.package, operand) else { return };
    // A suffix of a parameter keeps most of it in use anyway.
    let bounded = piece.child_by_field_name("end").is_some();
    if origin.made == Made::Parameter && !(bounded && accumulates(cx.text, cx.package, &store)) {
        return;
    }
    if tiles(cx, piece, operand) {
        return;
    }
    let Some(function) = enclosing_function(piece) else { return };
    let name = cx.text(operand);
    let (what, kept) = match origin.kind {
        Kind::String => ("substring", format!("all of `{name}`")),
        Kind::Bytes | Kind::Slice(_) => ("subslice", format!("the whole backing array of `{name}`")),
    };
    let (copy, fix) = copy_fix(cx, piece, &origin.kind);
    let message = format!(
        "`{}`, a {what} of {}, is stored in {}, which outlives `{}`: it keeps {kept} alive; store {copy}",
        cx.snippet(piece),
        origin.describe(cx.text, name),
        store.describe(cx.text),
        runtime_name(cx.text, function),
    );
    let mut finding = cx.finding(piece, message);
    let made = match origin.made {
        Made::Parameter => format!("`{name}` is a parameter of `{}`", runtime_name(cx.text, origin.function)),
        Made::Make => format!("`{name}` is made here"),
        Made::ReadWhole => format!("`{name}` is read whole here"),
    };
    finding.related.push(cx.related(origin.node, made));
    finding.related.push(cx.related(store.assignment, "stored here, beyond the call"));
    finding.fix = fix;
    findings.push(finding);
}

/// Whether the piece is cut in a loop that walks through the buffer (`b = b[n:]`): the pieces then tile the
/// buffer, which holds nothing but them.
fn tiles(cx: &Context<'_, '_>, piece: Node<'_>, base: Node<'_>) -> bool {
    let Some(looping) = loop_running(piece) else { return false };
    let name = cx.text(base);
    let mut walks = false;
    walk(looping, &mut |n| {
        walks |= n.kind() == "assignment_statement" && reslices_itself(cx.text, n, name);
        !walks
    });
    walks
}
