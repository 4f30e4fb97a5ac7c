//! ## What it does
//! Finds large arrays copied without need: a parameter or receiver of array type `[N]T` (written so, or a named
//! type of the package declared so) of 1 KiB or more, and `for i, v := range arr` over an array variable or field
//! of 1 KiB or more (not a pointer to it, not a slice of it). The size is N times the element's size, for
//! elements whose size the declarations show.
//!
//! ## Why is this bad?
//! Go passes arrays by value: every call copies the whole array into the callee's frame, and a method with a
//! value receiver copies its receiver on every call. `for i, v := range arr` evaluates `arr` once, which copies
//! it before the first iteration (the compiler emits the copy even when the loop only reads). A 64 KiB array
//! passed down a few calls, or ranged over in a hot loop, costs a 64 KiB copy each time and a goroutine stack that
//! must grow to hold it: stacks grow by doubling and are copied whole, and a grown stack stays large until the
//! garbage collector shrinks it.
//!
//! ## Example
//! ```go
//! type Block [4096]byte
//!
//! func (b Block) Checksum() uint32 { // copies 4 KiB per call
//! 	var sum uint32
//! 	for _, v := range b { // and again here
//! 		sum += uint32(v)
//! 	}
//! 	return sum
//! }
//! ```
//!
//! ## Use instead
//! ```go
//! func (b *Block) Checksum() uint32 {
//! 	var sum uint32
//! 	for _, v := range b { // ranging over a pointer to an array does not copy it
//! 		sum += uint32(v)
//! 	}
//! 	return sum
//! }
//! ```
//! `--fix` rewrites `range arr` to `range &arr`: safe when the loop body does not mention the variable (`t` for
//! `t.slots`), unsafe otherwise, since a call in the loop could then change the array the loop now reads in
//! place. Parameters and receivers get no fix: a pointer or a slice changes the function's signature and its
//! callers.
//!
//! ## Known problems
//! A parameter the function writes to (an element assigned or incremented, its address taken, sliced) needs its
//! copy and is not reported; nor is a loop whose body writes to the array, which reads the values from before
//! its writes. `_test.go` files are not checked: a copy in a test keeps nothing. Only arrays whose length the declarations give (an integer literal, or arithmetic on the package's constants)
//! and whose element size is known are sized: basic types, strings, pointers, maps, channels, functions, slices,
//! interfaces, and arrays or named types of those. Structs holding large arrays, arrays of structs and arrays of
//! other packages' types are not. A range over `*p` is not looked at, nor `for i := range arr`, which does not
//! copy. The rule does not know whether a call is hot: a large array passed once at start-up is reported too, and
//! so is a loop that a constant turns off (`if debug { … }` with `const debug = false`).
//!
//! ## References
//! - [The Go Programming Language Specification: For statements with range clause](https://go.dev/ref/spec#For_range)
//!   ("The range expression x is evaluated once before beginning the loop")
//! - [Go FAQ: Should I define methods on values or pointers?](https://go.dev/doc/faq#methods_on_values_or_pointers)
//! - [go-critic: hugeParam and rangeValCopy](https://go-critic.com/overview.html#hugeparam)

use tree_sitter::Node;

use crate::context::Context;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::rule::Rule;
use crate::rules::resource::in_test_file;
use crate::rules::retention::{array_type, field_types, import_name_of, may_write, type_size};
use crate::syntax::{
    Text, bindings, body, declaration_of, is_function, named_children, runtime_name, top_function, unparen,
    walk,
};

pub(crate) static RULE: Rule = Rule {
    code: "GL603",
    name: "large-array-copy",
    summary: "an array of 1 KiB or more is passed by value or ranged over by value, copying it whole",
    severity: Severity::Warning,
    preview: false,
    kinds: &["parameter_declaration", "range_clause"],
    check,
    source: include_str!("large_array_copy.rs"),
};

/// Arrays of this many bytes or more are worth a finding.
const LARGE_ARRAY: i64 = 1024;

fn check(cx: &Context<'_, '_>, node: Node<'_>, findings: &mut Vec<Finding>) {
    // A copy in a test costs the test a little time and keeps nothing.
    if in_test_file(cx) {
        return;
    }
    let finding = if node.kind() == "parameter_declaration" { parameter(cx, node) } else { range(cx, node) };
    findings.extend(finding);
}

/// A parameter or receiver of a function with a body whose type is a large array.
fn parameter(cx: &Context<'_, '_>, declaration: Node<'_>) -> Option<Finding> {
    let list = declaration.parent()?;
    let function = list.parent().filter(|f| is_function(*f))?;
    let body = body(function)?;
    let receiver = function.child_by_field_name("receiver") == Some(list);
    // Results are not passed in.
    if !receiver && function.child_by_field_name("parameters") != Some(list) {
        return None;
    }
    let ty = declaration.child_by_field_name("type")?;
    let size = large_array(cx, ty)?;
    let mut cursor = declaration.walk();
    let names: Vec<&str> =
        declaration.children_by_field_name("name", &mut cursor).map(|n| cx.text(n)).collect();
    // A function that writes to its copy needs it.
    let copied: Vec<String> =
        names.iter().filter(|n| !may_write(cx.text, body, n)).map(|n| format!("`{n}`")).collect();
    if copied.is_empty() && !names.is_empty() {
        return None;
    }
    let (what, named) = match copied.len() {
        0 => (if receiver { "receiver" } else { "parameter" }, String::new()),
        1 => (if receiver { "receiver" } else { "parameter" }, format!(" {}", copied[0])),
        _ => ("parameters", format!(" {}", copied.join(", "))),
    };
    let ty_text = cx.text(ty);
    let array =
        if ty.kind() == "array_type" { String::new() } else { format!(", an array of {}", bytes(size)) };
    let function = runtime_name(cx.text, function);
    let message = if receiver {
        format!(
            "{what}{named} of `{function}` is a `{ty_text}`{array} by value: every call copies all {}; use a \
             pointer receiver `*{ty_text}`",
            bytes(size)
        )
    } else {
        format!(
            "{what}{named} of `{function}` {} a `{ty_text}`{array} passed by value: every call copies all {}; \
             pass a pointer (`*{ty_text}`) or a slice",
            if copied.len() > 1 { "are each" } else { "is" },
            bytes(size),
        )
    };
    Some(cx.finding(declaration, message))
}

/// `for i, v := range arr` over a large array variable or field.
fn range(cx: &Context<'_, '_>, clause: Node<'_>) -> Option<Finding> {
    let left = named_children(clause.child_by_field_name("left")?);
    let [_, value] = left[..] else { return None };
    if cx.text(value) == "_" {
        return None;
    }
    let ranged = unparen(clause.child_by_field_name("right")?);
    let arr = cx.text(ranged);
    let looping = clause.parent()?;
    // A loop that writes to the array reads the values from before its writes: the copy may be meant.
    if may_write(cx.text, body(looping)?, arr) {
        return None;
    }
    let (declared_text, ty, declared_at) = declared_array(cx, ranged)?;
    let size = large_array_in(cx, &declared_text, ty)?;
    let mut finding = cx.finding(
        ranged,
        format!(
            "`range {arr}` copies `{arr}`, a `{}` of {}, before the loop starts: range over `&{arr}` or `{arr}[:]`, \
             or by index",
            declared_text.of(ty),
            bytes(size)
        ),
    );
    if let Some(declared_at) = declared_at {
        finding.related.push(cx.related(declared_at, format!("`{arr}` is declared as an array here")));
    }
    // Code in the loop that can reach the array (a method of `t` for `t.slots`) could change it.
    let root = root_text(cx.text, ranged);
    let reachable = body(looping).is_some_and(|b| mentions(cx.text, b, root));
    finding.fix = Some(Fix {
        title: format!("range over `&{arr}`"),
        safe: !reachable,
        edits: vec![Edit {
            start: ranged.start_byte(),
            end: ranged.start_byte(),
            replacement: "&".to_owned(),
        }],
    });
    Some(finding)
}

/// Whether the identifier `name` occurs in `node`.
fn mentions(text: &Text<'_>, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        found |= n.kind() == "identifier" && text.of(n) == name;
        !found
    });
    found
}

/// `t` of `t.a.b`.
fn root_text<'a>(text: &Text<'a>, mut node: Node<'_>) -> &'a str {
    while node.kind() == "selector_expression"
        && let Some(operand) = node.child_by_field_name("operand")
    {
        node = unparen(operand);
    }
    text.of(node)
}

/// The size of `ty` when it is an array (or a named array type of the package) of `LARGE_ARRAY` bytes or more.
fn large_array(cx: &Context<'_, '_>, ty: Node<'_>) -> Option<i64> {
    large_array_in(cx, cx.text, ty)
}

fn large_array_in(cx: &Context<'_, '_>, text: &Text<'_>, ty: Node<'_>) -> Option<i64> {
    let (array_text, array) = array_type(cx.package, text, ty)?;
    type_size(cx.package, &array_text, array).filter(|size| *size >= LARGE_ARRAY)
}

/// The declared type of a ranged-over identifier or field, with the text of its file and, when in this file,
/// where it is declared: an identifier declared once in the function (a parameter, `var a [N]T`, `a := [N]T{}`)
/// or at package level, or a field that every struct type of the package declaring it declares with the same type.
fn declared_array<'a>(
    cx: &Context<'a, 'a>,
    ranged: Node<'a>,
) -> Option<(Text<'a>, Node<'a>, Option<Node<'a>>)> {
    match ranged.kind() {
        "identifier" => {
            let name = cx.text(ranged);
            let top = top_function(ranged)?;
            match bindings(cx.text, top, name)[..] {
                [binding] => {
                    let declaration = declaration_of(binding)?;
                    let ty = match declaration.kind() {
                        "parameter_declaration" | "var_spec" => declaration.child_by_field_name("type")?,
                        "short_var_declaration" => {
                            let [value] = named_children(declaration.child_by_field_name("right")?)[..]
                            else {
                                return None;
                            };
                            unparen(value).child_by_field_name("type").filter(|t| t.kind() == "array_type")?
                        }
                        _ => return None,
                    };
                    Some((cx.text.clone(), ty, Some(declaration)))
                }
                [] => {
                    let [declared] = cx.package.top_level().vars.get(name)?.as_slice() else { return None };
                    let text = cx.package.text(declared.file);
                    let here = (cx.package.files[declared.file].path == cx.path).then_some(declared.spec);
                    Some((text, declared.ty?, here))
                }
                _ => None,
            }
        }
        "selector_expression" => {
            let operand = ranged.child_by_field_name("operand")?;
            if operand.kind() == "identifier" && import_name_of(cx.text, operand) {
                return None;
            }
            let field = cx.text(ranged.child_by_field_name("field")?);
            let types = field_types(cx.package, field);
            let (file, first) = *types.first()?;
            let text = cx.package.text(file);
            let same = types.iter().all(|(f, t)| cx.package.text(*f).of(*t) == text.of(first));
            let here = (cx.package.files[file].path == cx.path).then(|| first.parent()).flatten();
            same.then_some((text, first, here))
        }
        _ => None,
    }
}

/// "4 KiB", "1 MiB", "1500 bytes".
fn bytes(size: i64) -> String {
    match size {
        s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{} KiB", s >> 10),
        s => format!("{s} bytes"),
    }
}
