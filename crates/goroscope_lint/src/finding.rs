//! What a rule reports: where, why, what else is involved, and how to fix it when the fix is mechanical.

use std::path::PathBuf;

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The code leaks or deadlocks on some path.
    Error,
    /// The code leaks under conditions worth checking.
    Warning,
    /// Worth knowing, not a leak on this module's Go version; does not fail the run.
    Info,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A 1-based line and column (the column counts bytes, as Go's own tools do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based byte column.
    pub column: u32,
}

/// A range of source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// First character.
    pub start: Position,
    /// Just past the last character.
    pub end: Position,
    /// Byte offsets of the same range.
    #[serde(skip)]
    pub bytes: (usize, usize),
}

/// Another place that takes part in a finding: the `go` statement, the blocking operation, the return that skips
/// the unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// What happens there, e.g. "goroutine started here".
    pub label: String,
    /// Where.
    pub span: Span,
}

/// The function a finding is in: its name as the Go runtime prints it in tracebacks (`pkg.(*T).Method.func1`,
/// without the package path) and the lines it spans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionRef {
    /// `Name`, `(*T).Method`, `T.Method`, with `.funcN` appended for function literals.
    pub name: String,
    /// First line of the function.
    pub start_line: u32,
    /// Last line of the function.
    pub end_line: u32,
}

/// One replacement of source bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Byte range replaced.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
    /// New text.
    pub replacement: String,
}

/// A mechanical fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, e.g. "add `defer ticker.Stop()`".
    pub title: String,
    /// A safe fix keeps the program's meaning apart from the leak; an unsafe one may change it (for example it
    /// holds a lock longer) and is applied only with `--unsafe-fixes`.
    pub safe: bool,
    /// The edits, in one file, not overlapping.
    pub edits: Vec<Edit>,
}

/// One problem found by a rule.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule's stable code, e.g. `GL001`.
    pub code: &'static str,
    /// The rule's name, e.g. `unreceived-send`.
    pub rule: &'static str,
    /// How bad it is (the rule's severity, adjusted for the module's Go version).
    pub severity: Severity,
    /// The file, as found by the walk.
    pub path: PathBuf,
    /// The main location: the operation that blocks or leaks.
    pub span: Span,
    /// What is wrong, in one sentence naming the objects involved.
    pub message: String,
    /// The other places involved.
    pub related: Vec<Related>,
    /// The innermost function holding the main location.
    pub function: Option<FunctionRef>,
    /// A mechanical fix, when there is one.
    pub fix: Option<Fix>,
    /// The source lines of the main location with one line around it, numbered, for showing the finding.
    #[serde(skip)]
    pub source: Vec<(u32, String)>,
}
