//! Goroutine dumps as a model, generated with proptest and printed exactly as the Go runtime prints them, Go 1.17
//! to 1.28 (FORMATS.md §1–§4): the traceback text of `debug=2`/`runtime.Stack`/crashes, the `debug=1` counted
//! text and the `debug=0` proto. [`Dump::expected`] and friends say what a parser must read back.
#![allow(dead_code, unreachable_pub)]

pub mod pb;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Go minor versions generated: 1.17 to 1.28-dev.
pub const VERSIONS: std::ops::RangeInclusive<u8> = 17..=28;

/// A place in the code as a parser reports it: (function, file, line).
pub type Place = (String, String, u32);

/// A frame of a traceback.
#[derive(Debug, Clone)]
pub enum Frame {
    /// A Go frame: `function(args)` then `\tfile:line[ +0xOFF]`. `args: None` is an inlined frame, printed `(...)`
    /// with no pc offset.
    Go { function: String, args: Option<String>, file: String, line: u32, offset: Option<u32> },
    /// A cgo frame without a symbolizer: `non-Go function at pc=0x…` on one line.
    NonGo { pc: u64 },
    /// A cgo frame named by `runtime.SetCgoTraceback`'s symbolizer: the name raw (no parentheses; `non-Go function`
    /// when it has none), then `\t[file:line ]pc=0x…`.
    Cgo { name: Option<String>, file: Option<(String, u32)>, pc: u64 },
}

impl Frame {
    pub fn place(&self) -> Place {
        match self {
            Frame::Go { function, file, line, .. } => (function.clone(), file.clone(), *line),
            Frame::NonGo { .. } | Frame::Cgo { name: None, file: None, .. } => {
                ("non-Go function".to_owned(), "?".to_owned(), 0)
            }
            Frame::Cgo { name, file, .. } => {
                let (file, line) = file.clone().unwrap_or_else(|| ("?".to_owned(), 0));
                (name.clone().unwrap_or_else(|| "non-Go function".to_owned()), file, line)
            }
        }
    }
}

/// `created by F[ in goroutine N]` and the file line of the `go` statement.
#[derive(Debug, Clone)]
pub struct CreatedBy {
    pub function: String,
    pub file: String,
    pub line: u32,
    pub offset: u32,
    /// The creator's id; printed from Go 1.21 on, unless 0.
    pub goroutine: u64,
}

impl CreatedBy {
    fn place(&self) -> Place {
        (self.function.clone(), self.file.clone(), self.line)
    }
}

/// A `GODEBUG=tracebackancestors` section: `[originating from goroutine N]:`, frames printed `func(...)`, the
/// elision marker when the recorded pcs were full, and a `created by` without `in goroutine`.
#[derive(Debug, Clone)]
pub struct Ancestor {
    pub id: u64,
    pub frames: Vec<(String, String, u32, u32)>,
    pub elided: bool,
    pub created_by: Option<CreatedBy>,
}

/// How a deep stack was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elision {
    None,
    /// Go 1.20 and older: 100 frames, then `...additional frames elided...`.
    Old,
    /// Go 1.21+: the innermost 50 frames, `...N frames elided...`, the outermost 50.
    Middle(u32),
}

/// One goroutine record.
// The runtime prints each flag independently of the others.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct Goroutine {
    pub id: u64,
    /// ` gp=0x… m=N mp=0x…` / ` m=nil` (Go 1.22+, traceback level 2).
    pub gp: Option<(u64, Option<(u32, u64)>)>,
    /// The wait reason or scheduler status, as printed (some reasons end in `(durable)` or `(synctest)`).
    pub status: String,
    pub leaked: bool,
    pub scan: bool,
    /// The ` (durable)` suffix Go 1.25+ adds to bubbled goroutines idle in synctest.
    pub durable_suffix: bool,
    pub minutes: Option<u32>,
    pub locked: bool,
    pub bubble: Option<u64>,
    /// pprof labels in label-set order (sorted by key), printed in the header from Go 1.26.
    pub labels: Vec<(String, String)>,
    pub unavailable: bool,
    pub frames: Vec<Frame>,
    pub elision: Elision,
    /// After how many frames unwinder diagnostics are printed, if any.
    pub diagnostics_after: Option<usize>,
    pub created_by: Option<CreatedBy>,
    pub ancestors: Vec<Ancestor>,
}

/// A traceback dump: records printed by one Go version, at traceback level 1 (pprof, panics) or 2 (runtime
/// throws, SIGQUIT, `GOTRACEBACK=system`).
#[derive(Debug, Clone)]
pub struct Dump {
    pub go: u8,
    pub level2: bool,
    pub goroutines: Vec<Goroutine>,
}

/// What a parser must read back from one goroutine record.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub id: u64,
    pub state: String,
    pub minutes: Option<u32>,
    pub locked: bool,
    pub leaked: bool,
    pub scan: bool,
    pub durable: bool,
    pub elided: bool,
    pub unavailable: bool,
    pub frames: Vec<Place>,
    pub created_by: Option<Place>,
    pub creator_id: Option<u64>,
    pub labels: Option<String>,
    pub bubble: Option<u64>,
    pub ancestors: Vec<(u64, Vec<Place>, Option<Place>)>,
}

// Wait reasons by the Go version that added them (FORMATS.md §2.2).
const REASONS_17: &[&str] = &[
    "GC assist marking",
    "IO wait",
    "chan receive (nil chan)",
    "chan send (nil chan)",
    "dumping heap",
    "garbage collection",
    "garbage collection scan",
    "panicwait",
    "select",
    "select (no cases)",
    "GC assist wait",
    "GC sweep wait",
    "GC scavenge wait",
    "chan receive",
    "chan send",
    "finalizer wait",
    "force gc (idle)",
    "semacquire",
    "sleep",
    "sync.Cond.Wait",
    "trace reader (blocked)",
    "wait for GC cycle",
    "GC worker (idle)",
    "preempted",
    "debug call",
];
const REASONS_17_TO_19: &[&str] = &["timer goroutine (idle)"];
const REASONS_20: &[&str] = &[
    "sync.Mutex.Lock",
    "sync.RWMutex.RLock",
    "sync.RWMutex.Lock",
    "GC worker (active)",
    "GC mark termination",
    "stopping the world",
];
const REASONS_22: &[&str] =
    &["flushing proc caches", "trace goroutine status", "trace proc status", "page trace flush", "coroutine"];
const REASONS_24: &[&str] =
    &["sync.WaitGroup.Wait", "GC weak to strong wait", "synctest.Run", "synctest.Wait"];
const REASONS_24_ONLY: &[&str] = &["chan receive (synctest)", "chan send (synctest)", "select (synctest)"];
const REASONS_25: &[&str] = &[
    "chan receive (durable)",
    "chan send (durable)",
    "select (durable)",
    "sync.WaitGroup.Wait (durable)",
    "GOMAXPROCS updater (idle)",
    "cleanup wait",
];
/// Scheduler statuses printed when there is no wait reason (`gStatusStrings`), and an out-of-range one.
const STATUSES: &[&str] =
    &["idle", "runnable", "running", "syscall", "waiting", "dead", "copystack", "preempted", "???"];
const STATUSES_26: &[&str] = &["leaked", "waiting for cgo callback"];

/// Reasons whose goroutines Go 1.26's leak detector can mark ` (leaked)`: channel and sync waits.
fn leakable(reason: &str) -> bool {
    (reason.starts_with("chan ") || reason.starts_with("select") || reason.starts_with("sync."))
        && !reason.ends_with("(durable)")
}

/// Reasons `isIdleInSynctest` (Go 1.25+): a bubbled goroutine waiting on one is printed with ` (durable)`.
fn idle_in_synctest(reason: &str) -> bool {
    matches!(
        reason,
        "chan receive (nil chan)"
            | "chan send (nil chan)"
            | "select (no cases)"
            | "sleep"
            | "sync.Cond.Wait"
            | "coroutine"
            | "synctest.Run"
            | "synctest.Wait"
    ) || reason.ends_with("(durable)")
}

/// The wait reasons of Go 1.`go`.
pub fn reasons(go: u8) -> Vec<&'static str> {
    let mut all = REASONS_17.to_vec();
    let by_version: [(u8, u8, &[&'static str]); 6] = [
        (17, 19, REASONS_17_TO_19),
        (20, 99, REASONS_20),
        (22, 99, REASONS_22),
        (24, 99, REASONS_24),
        (24, 24, REASONS_24_ONLY),
        (25, 99, REASONS_25),
    ];
    for (from, to, list) in by_version {
        if (from..=to).contains(&go) {
            all.extend_from_slice(list);
        }
    }
    all
}

fn statuses(go: u8) -> Vec<&'static str> {
    let mut all = STATUSES.to_vec();
    if go >= 26 {
        all.extend_from_slice(STATUSES_26);
    }
    all
}

const PACKAGES: &[&str] = &[
    "main",
    "runtime",
    "sync",
    "time",
    "net/http",
    "internal/poll",
    "runtime/pprof",
    "github.com/acme/shop/store",
    "gopkg.in/yaml.v3",
    "go.uber.org/zap/zapcore",
    "golang.org/x/sync/errgroup",
    "example.com/x-y/z_w.v2",
];

/// Names the runtime prints as they are, whatever the package rules say.
/// (name, from Go, to Go).
const ODD_NAMES: &[(&str, u8, u8)] = &[
    ("main._Cfunc_foo", 17, 99),
    // Since 1.21 the runtime prints everything from the first `[` to the last `]` as `[...]`.
    ("type..eq.[2]interface {}", 17, 20),
    ("type:.eq.[...]interface {}", 21, 99),
    ("main.héllo.wörld", 17, 99),
    ("net/http.(*conn).serve", 17, 99),
    ("sync.runtime_SemacquireMutex", 17, 99),
    ("internal/poll.runtime_pollWait", 17, 99),
    ("main.main", 17, 99),
];

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![8 => "[a-zA-Z_][a-zA-Z0-9_]{0,10}", 1 => "[a-zα-ω][a-z0-9é]{0,5}"]
}

/// A function name as tracebacks print it: package path, receiver, generics, closures and wrappers as the Go
/// version names them (FORMATS.md §1.2).
pub fn function(go: u8) -> BoxedStrategy<String> {
    let package = prop_oneof![
        4 => select(PACKAGES).prop_map(str::to_owned),
        1 => "[a-z][a-z0-9]{0,6}\\.[a-z]{2,3}(/[a-z_][a-z0-9_.-]{0,8}){1,3}",
    ];
    let generic = go >= 18;
    let receiver = prop_oneof![
        3 => Just(String::new()),
        1 => ident().prop_map(|t| format!("{t}.")),
        1 => ident().prop_map(|t| format!("(*{t}).")),
        1 => ident().prop_map(move |t| if generic { format!("(*{t}[...]).") } else { format!("(*{t}).") }),
        1 => ident().prop_map(move |t| if generic { format!("{t}[...].") } else { format!("{t}.") }),
    ];
    let name =
        (ident(), any::<bool>()).prop_map(move |(n, g)| if g && generic { format!("{n}[...]") } else { n });
    let mut suffixes: Vec<(u32, BoxedStrategy<String>)> = vec![
        (3, "\\.func[1-9]".boxed()),
        (1, "\\.[1-9]".boxed()),
        (1, "-fm".boxed()),
        // Closures inlined from another function carry its name (1.21+) or are just nested.
        (1, "\\.[A-Z][a-z]{1,5}".boxed()),
    ];
    if go >= 22 {
        suffixes.push((1, "\\.(go|defer)wrap[1-3]".boxed()));
    }
    if go >= 23 {
        suffixes.push((1, "-range[1-3]".boxed()));
    }
    if go >= 27 {
        // Generic methods of generic types.
        suffixes.push((1, "\\.[A-Z][a-z]{0,4}\\[\\.\\.\\.\\]".boxed()));
    }
    let suffix = proptest::strategy::Union::new_weighted(suffixes);
    let composed = (package, receiver, name, vec(suffix, 0..3))
        .prop_map(|(p, r, n, s)| format!("{p}.{r}{n}{}", s.concat()));
    let odd: Vec<&str> =
        ODD_NAMES.iter().filter(|(_, from, to)| (*from..=*to).contains(&go)).map(|(n, ..)| *n).collect();
    prop_oneof![10 => composed, 1 => select(odd).prop_map(str::to_owned)].boxed()
}

/// An argument list as `printArgs` writes it: hex words, `{…}` aggregates, `...`, `_`, and (1.18+) a trailing
/// `?` on words that may be inaccurate.
fn args(go: u8) -> impl Strategy<Value = String> {
    let word = prop_oneof![
        6 => ("0x[0-9a-f]{1,12}", any::<bool>()).prop_map(move |(w, q)| if q && go >= 18 { w + "?" } else { w }),
        1 => Just("...".to_owned()),
        1 => Just("_".to_owned()),
    ];
    let item = prop_oneof![
        4 => word.clone(),
        1 => vec(word, 1..4).prop_map(|w| format!("{{{}}}", w.join(", "))),
        1 => Just("{}".to_owned()),
    ];
    prop_oneof![1 => Just(String::new()), 3 => vec(item, 1..6).prop_map(|w| w.join(", "))]
}

/// A source file as printed: absolute, module cache, `-trimpath`, Windows, odd characters, unknown.
fn file() -> impl Strategy<Value = (String, u32)> {
    let line = prop_oneof![4 => 1u32..2000, 1 => 1u32..i32::MAX as u32];
    let path = prop_oneof![
        4 => "/usr/local/go/src/[a-z]{1,8}(/[a-z_]{1,8}){0,2}\\.go",
        4 => "/home/[a-z]{1,6}/app(/[a-z_]{1,8}){0,2}/[a-z_]{1,8}\\.go",
        2 => "/root/go/pkg/mod/github\\.com/[a-z]{1,6}/[a-z]{1,6}@v[0-9]\\.[0-9]{1,2}\\.[0-9]/[a-z_]{1,8}\\.go",
        2 => "[a-z]{1,6}\\.com/[a-z]{1,6}/[a-z_]{1,8}\\.go",
        1 => "C:/Users/[a-z]{1,5} [a-z]{1,5}/go/src/[a-z]{1,6}\\.go",
        1 => "/tmp/[a-z]{1,4}:[0-9]{1,3}/[a-z +]{1,6}\\.go",
        1 => "/[a-zA-Z0-9 ._@:+é()\\[\\]{}-]{1,20}\\.go",
        1 => Just("<autogenerated>".to_owned()),
        1 => Just("_cgo_gotypes.go".to_owned()),
    ];
    prop_oneof![30 => (path, line), 1 => Just(("?".to_owned(), 0))]
}

fn go_frame(go: u8) -> impl Strategy<Value = Frame> {
    (function(go), args(go), file(), any::<bool>(), prop::option::of(1u32..0x10000)).prop_map(
        |(function, args, (file, line), inlined, offset)| Frame::Go {
            function,
            args: (!inlined).then_some(args),
            file,
            line,
            offset: if inlined { None } else { offset },
        },
    )
}

fn frame(go: u8) -> impl Strategy<Value = Frame> {
    let cgo_name = prop::option::of("[a-zA-Z_][a-zA-Z0-9_]{0,12}");
    let cgo_file = prop::option::of(("/[a-z]{1,6}/[a-z_]{1,8}\\.c", 1u32..5000));
    prop_oneof![
        40 => go_frame(go),
        1 => any::<u64>().prop_map(|pc| Frame::NonGo { pc }),
        1 => (cgo_name, cgo_file, any::<u64>()).prop_map(|(name, file, pc)| {
            // A symbolizer that names no function names no file either.
            let file = if name.is_none() { None } else { file };
            Frame::Cgo { name, file, pc }
        }),
    ]
}

fn created_by(go: u8) -> impl Strategy<Value = CreatedBy> {
    (function(go), file(), 1u32..0x10000, prop_oneof![1 => Just(0u64), 8 => 1u64..100_000]).prop_map(
        |(function, (file, line), offset, goroutine)| CreatedBy { function, file, line, offset, goroutine },
    )
}

fn ancestor(go: u8) -> impl Strategy<Value = Ancestor> {
    let frame = (function(go), file(), 1u32..0x10000).prop_map(|(f, (file, line), off)| (f, file, line, off));
    (1u64..100_000, vec(frame, 1..4), prop::bool::weighted(0.1), prop::option::of(created_by(go))).prop_map(
        |(id, frames, elided, created_by)| Ancestor {
            id,
            frames,
            elided,
            created_by: created_by.map(|c| CreatedBy { goroutine: 0, ..c }),
        },
    )
}

/// A label key or value. Only characters that runtime `quoted` (tracebacks) and `%q` (`debug=1`) write alike.
fn label_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9._/]{0,8}",
        1 => "[ -~\\n\\t\\r\\x01\\x7f]{0,8}",
    ]
}

fn labels() -> impl Strategy<Value = Vec<(String, String)>> {
    // A label set holds each key once and is kept sorted by key.
    proptest::collection::btree_map(label_text(), label_text(), 1..4)
        .prop_map(|m: BTreeMap<String, String>| m.into_iter().collect())
}

/// One goroutine record that Go 1.`go` could print.
#[allow(clippy::too_many_lines)]
pub fn goroutine(go: u8, level2: bool) -> impl Strategy<Value = Goroutine> {
    let id = prop_oneof![1 => 0u64..3, 6 => 1u64..1_000_000, 1 => any::<u64>()];
    let status = prop_oneof![
        6 => select(reasons(go)).prop_map(|r| (r, true)),
        1 => select(statuses(go)).prop_map(|s| (s, false)),
    ];
    let header = (
        id,
        status,
        prop::bool::weighted(0.3),                  // leaked
        prop::bool::weighted(0.05),                 // scan
        prop::option::weighted(0.3, 1u32..100_000), // minutes
        prop::bool::weighted(0.1),                  // locked
        prop::option::weighted(0.1, 1u64..1000),    // bubble
        prop::option::weighted(0.2, labels()),
        (any::<u64>(), prop::option::of((0u32..64, any::<u64>()))), // gp, m, mp
    );
    let body = (
        vec(frame(go), 1..8),
        prop::option::weighted(0.05, 1u32..100_000), // a deep stack, with how many frames elided (1.21+)
        prop::option::weighted(0.9, created_by(go)),
        prop::option::weighted(0.05, vec(ancestor(go), 1..3)),
        prop::bool::weighted(0.03),              // stack unavailable
        prop::option::weighted(0.03, 0usize..8), // unwinder diagnostics
    );
    (header, body).prop_map(move |(header, body)| {
        let (id, (status, is_reason), leaked, scan, minutes, locked, bubble, labels, (gp, m)) = header;
        let (mut frames, deep, created_by, ancestors, unavailable, diagnostics_after) = body;
        // Goroutines waiting on a synctest reason live in a bubble.
        let synctest = status.ends_with("(synctest)")
            || status.ends_with("(durable)")
            || status.starts_with("synctest.");
        let bubble = if go >= 24 { bubble.or(synctest.then_some(1)) } else { None };
        let leaked = go >= 26 && is_reason && leaked && leakable(status) && bubble.is_none();
        let waiting = is_reason || status == "syscall";
        let mut elision = Elision::None;
        if let Some(n) = deep {
            // Recursion: the few frames repeated to the runtime's print limit.
            let cycle = frames.clone();
            frames = cycle.iter().cycle().take(100).cloned().collect();
            elision = if go >= 21 { Elision::Middle(n) } else { Elision::Old };
        }
        if level2 && !unavailable {
            frames.push(Frame::Go {
                function: "runtime.goexit".to_owned(),
                args: Some("{}".to_owned()),
                file: "/usr/local/go/src/runtime/asm_amd64.s".to_owned(),
                line: 1700,
                offset: Some(1),
            });
        }
        Goroutine {
            id,
            gp: (level2 && go >= 22).then_some((gp, m)),
            status: if unavailable { "running".to_owned() } else { status.to_owned() },
            leaked,
            scan,
            durable_suffix: go >= 25
                && bubble.is_some()
                && idle_in_synctest(status)
                && !status.ends_with("(durable)"),
            minutes: minutes.filter(|_| waiting && !leaked && !unavailable),
            locked,
            bubble,
            labels: if go >= 26 { labels.unwrap_or_default() } else { Vec::new() },
            unavailable,
            frames: if unavailable { Vec::new() } else { frames },
            elision: if unavailable { Elision::None } else { elision },
            diagnostics_after: diagnostics_after.filter(|_| !unavailable),
            // The main goroutine has no creator.
            created_by: created_by.filter(|_| id != 1),
            ancestors: ancestors.unwrap_or_default(),
        }
    })
}

/// A whole traceback dump of one Go version.
pub fn dump() -> impl Strategy<Value = Dump> {
    (VERSIONS, prop::bool::weighted(0.2)).prop_flat_map(|(go, level2)| {
        vec(goroutine(go, level2), 1..24).prop_map(move |goroutines| Dump { go, level2, goroutines })
    })
}

/// `s` in double quotes, each character as `escape` writes it.
fn quoted_with(s: &str, escape: fn(&mut String, char)) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => escape(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// Runtime `quoted` (tracebacks, Go 1.26+): Go-like escapes, only printable ASCII left bare.
fn runtime_quoted(s: &str) -> String {
    quoted_with(s, |out, c| match c {
        ' '..='~' => out.push(c),
        c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32).unwrap(),
        c if (c as u32) < 0x10000 => write!(out, "\\u{:04x}", c as u32).unwrap(),
        c => write!(out, "\\U{:08x}", c as u32).unwrap(),
    })
}

/// `%q` (`strconv.Quote`) for the characters [`label_text`] draws from.
pub fn go_quoted(s: &str) -> String {
    quoted_with(s, |out, c| match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\x7f' => write!(out, "\\x{:02x}", c as u32).unwrap(),
        c => out.push(c),
    })
}

/// Go 1.27+ prints a label key or value bare when it is made only of `[A-Za-z0-9._/]` (an empty one too).
fn label_token(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/')) {
        s.to_owned()
    } else {
        runtime_quoted(s)
    }
}

/// The one written form of a label set every format reads to: `debug=1`'s, `"k":"v"` pairs sorted as text.
pub fn canonical_labels(labels: &[(String, String)]) -> String {
    let mut pairs: Vec<String> =
        labels.iter().map(|(k, v)| format!("{}:{}", go_quoted(k), go_quoted(v))).collect();
    pairs.sort();
    format!("{{{}}}", pairs.join(", "))
}

fn hex_word(out: &mut String, v: u64) {
    write!(out, "0x{v:x}").unwrap();
}

impl Dump {
    /// The dump as `runtime.Stack(buf, true)` writes it: records separated by one blank line, none after the last.
    pub fn traceback(&self) -> String {
        let mut out = String::new();
        for (i, g) in self.goroutines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            self.record(&mut out, g);
        }
        out
    }

    fn record(&self, out: &mut String, g: &Goroutine) {
        let go = self.go;
        write!(out, "goroutine {}", g.id).unwrap();
        if let Some((gp, m)) = g.gp {
            write!(out, " gp=0x{gp:x}").unwrap();
            match m {
                Some((m, mp)) => write!(out, " m={m} mp=0x{mp:x}").unwrap(),
                None => out.push_str(" m=nil"),
            }
        }
        write!(out, " [{}", g.status).unwrap();
        if g.leaked {
            out.push_str(" (leaked)");
        }
        if g.scan {
            out.push_str(" (scan)");
        }
        if g.durable_suffix {
            out.push_str(" (durable)");
        }
        if let Some(m) = g.minutes {
            write!(out, ", {m} minutes").unwrap();
        }
        if g.locked {
            out.push_str(", locked to thread");
        }
        if let Some(b) = g.bubble {
            let word = if go == 24 { "group" } else { "bubble" };
            write!(out, ", synctest {word} {b}").unwrap();
        }
        if !g.labels.is_empty() && go == 26 {
            let pairs: Vec<String> = g
                .labels
                .iter()
                .map(|(k, v)| format!("{}: {}", runtime_quoted(k), runtime_quoted(v)))
                .collect();
            write!(out, " labels:{{{}}}", pairs.join(", ")).unwrap();
        }
        out.push(']');
        if !g.labels.is_empty() && go >= 27 {
            let pairs: Vec<String> =
                g.labels.iter().map(|(k, v)| format!("{}: {}", label_token(k), label_token(v))).collect();
            write!(out, " {{{}}}", pairs.join(", ")).unwrap();
        }
        out.push_str(":\n");
        if g.unavailable {
            out.push_str("\tgoroutine running on other thread; stack unavailable\n");
        }
        for (i, frame) in g.frames.iter().enumerate() {
            if g.elision != Elision::None
                && i == 50
                && let Elision::Middle(n) = g.elision
            {
                writeln!(out, "...{n} frames elided...").unwrap();
            }
            self.frame(out, frame, i > 0);
            if g.diagnostics_after == Some(i) {
                out.push_str("runtime: g 5: unexpected return pc for main.f called from 0x4a5d3b\n");
                out.push_str(
                    "stack: frame={sp:0xc000047e08, fp:0xc000047e28} stack=[0xc000046000,0xc000048000)\n",
                );
                out.push_str("0x000000c000047d08:  0x0000000000000001  0x0000000000000002 \n");
                out.push_str("0x000000c000047d18:  0x000000c000047e28  0x00000000004a5d3b <main.f+0x3b> \n");
                out.push_str("runtime: traceback stuck. pc=0x4a5d3b sp=0xc000047e08\n");
            }
        }
        if g.elision == Elision::Old {
            out.push_str("...additional frames elided...\n");
        }
        if let Some(c) = &g.created_by {
            self.created_by(out, c);
        }
        for a in &g.ancestors {
            writeln!(out, "[originating from goroutine {}]:", a.id).unwrap();
            for (function, file, line, offset) in &a.frames {
                writeln!(out, "{function}(...)\n\t{file}:{line} +0x{offset:x}").unwrap();
            }
            if a.elided {
                out.push_str("...additional frames elided...\n");
            }
            if let Some(c) = &a.created_by {
                self.created_by(out, c);
            }
        }
    }

    fn frame(&self, out: &mut String, frame: &Frame, not_first: bool) {
        match frame {
            Frame::Go { function, args, file, line, offset } => {
                // `runtime.gopanic` is printed as `panic` (when not the first frame).
                let name = if function == "runtime.gopanic" && not_first { "panic" } else { function };
                match args {
                    Some(args) => writeln!(out, "{name}({args})").unwrap(),
                    None => writeln!(out, "{name}(...)").unwrap(),
                }
                write!(out, "\t{file}:{line}").unwrap();
                if let Some(off) = offset {
                    write!(out, " +0x{off:x}").unwrap();
                }
                if self.level2 {
                    let sp = 0x00c0_000a_5e70_u64 + u64::from(*line);
                    write!(out, " fp=0x{:x} sp=0x{sp:x} pc=0x{:x}", sp + 0x20, 0x43_d3ee + u64::from(*line))
                        .unwrap();
                }
                out.push('\n');
            }
            Frame::NonGo { pc } => {
                out.push_str("non-Go function at pc=");
                hex_word(out, *pc);
                out.push('\n');
            }
            Frame::Cgo { name, file, pc } => {
                writeln!(out, "{}", name.as_deref().unwrap_or("non-Go function")).unwrap();
                out.push('\t');
                if let Some((file, line)) = file {
                    write!(out, "{file}:{line} ").unwrap();
                }
                out.push_str("pc=");
                hex_word(out, *pc);
                out.push('\n');
            }
        }
    }

    fn created_by(&self, out: &mut String, c: &CreatedBy) {
        write!(out, "created by {}", c.function).unwrap();
        if self.go >= 21 && c.goroutine != 0 {
            write!(out, " in goroutine {}", c.goroutine).unwrap();
        }
        writeln!(out, "\n\t{}:{} +0x{:x}", c.file, c.line, c.offset).unwrap();
    }

    /// What a parser must read back, goroutine by goroutine.
    pub fn expected(&self) -> Vec<Expected> {
        self.goroutines
            .iter()
            .map(|g| {
                let (state, durable) = match g
                    .status
                    .strip_suffix(" (durable)")
                    .or_else(|| g.status.strip_suffix(" (synctest)"))
                {
                    Some(state) => (state.to_owned(), true),
                    None => (g.status.clone(), g.durable_suffix),
                };
                let creator_id =
                    g.created_by.as_ref().map(|c| c.goroutine).filter(|&c| c != 0 && self.go >= 21);
                Expected {
                    id: g.id,
                    state,
                    minutes: g.minutes,
                    locked: g.locked,
                    leaked: g.leaked,
                    scan: g.scan,
                    durable,
                    elided: g.elision != Elision::None,
                    unavailable: g.unavailable,
                    frames: g.frames.iter().map(Frame::place).collect(),
                    created_by: g.created_by.as_ref().map(CreatedBy::place),
                    creator_id,
                    labels: (!g.labels.is_empty()).then(|| canonical_labels(&g.labels)),
                    bubble: g.bubble,
                    ancestors: g
                        .ancestors
                        .iter()
                        .map(|a| {
                            let frames = a
                                .frames
                                .iter()
                                .map(|(f, file, l, _)| (f.clone(), file.clone(), *l))
                                .collect();
                            (a.id, frames, a.created_by.as_ref().map(CreatedBy::place))
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

/// One record of a counted profile (`debug=1` and proto): goroutines standing on the same stack with the same
/// labels.
#[derive(Debug, Clone)]
pub struct Counted {
    pub count: u32,
    /// Return pcs, leaf first; each expands to its frames (inlined ones first), or to none when unsymbolised.
    pub pcs: Vec<(u64, Vec<Symbol>)>,
    pub labels: Vec<(String, String)>,
}

/// A symbolised frame of a counted profile.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub function: String,
    pub offset: u32,
    pub file: String,
    pub line: u32,
}

/// A counted profile: `goroutine` or `goroutineleak`.
#[derive(Debug, Clone)]
pub struct Profile {
    pub leak: bool,
    pub records: Vec<Counted>,
}

fn symbol() -> impl Strategy<Value = Symbol> {
    // The profile uses `runtime.CallersFrames`, which names every frame the traceback text would.
    (function(26), 0u32..0x10000, file()).prop_map(|(function, offset, (file, line))| Symbol {
        function,
        offset,
        file,
        line,
    })
}

/// Runtime frames a blocked goroutine's pcs start with: `debug=1` hides them, the proto keeps them.
const RUNTIME_WAITS: &[&str] =
    &["runtime.gopark", "runtime.chanrecv", "runtime.selectgo", "runtime.semacquire1"];

pub fn profile() -> impl Strategy<Value = Profile> {
    let pc = (0x40_0000u64..0x7f_ffff_ffff, prop_oneof![1 => Just(Vec::new()), 12 => vec(symbol(), 1..3)]);
    let runtime =
        (0x40_0000u64..0x7f_ffff_ffff, select(RUNTIME_WAITS), 1u32..2000).prop_map(|(pc, f, line)| {
            let file = "/usr/local/go/src/runtime/proc.go".to_owned();
            (pc, vec![Symbol { function: f.to_owned(), offset: 0x2e, file, line }])
        });
    let record = (
        prop_oneof![4 => 1u32..4, 1 => 1u32..1_000_000],
        vec(runtime, 0..3),
        vec(pc, 0..10),
        any::<bool>(),
        prop::option::weighted(0.2, labels()),
    )
        .prop_map(|(count, mut pcs, own, goexit, labels)| {
            pcs.extend(own);
            if goexit {
                let file = "/usr/local/go/src/runtime/asm_amd64.s".to_owned();
                let symbol = Symbol { function: "runtime.goexit".to_owned(), offset: 1, file, line: 1700 };
                pcs.push((0x47_1b41, vec![symbol]));
            }
            Counted { count, pcs, labels: labels.unwrap_or_default() }
        });
    (any::<bool>(), vec(record, 1..16)).prop_map(|(leak, mut records)| {
        // `printCountProfile` sorts by count, most first, then by key.
        records.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| count_key(a).cmp(&count_key(b))));
        Profile { leak, records }
    })
}

/// The frames `printStackRecord` prints for a record's pcs, as (frame pc, symbol): `runtime.goexit` never, and
/// the leading `runtime.` frames only when nothing else would be printed.
fn printed_frames(r: &Counted) -> Vec<(u64, Option<&Symbol>)> {
    let frames = || {
        r.pcs.iter().flat_map(|(pc, symbols)| {
            let pc = pc - 1;
            let named = symbols.iter().map(move |s| (pc, Some(s)));
            named.chain(symbols.is_empty().then_some((pc, None)))
        })
    };
    let mut show = false;
    let mut printed = Vec::new();
    for (pc, symbol) in frames() {
        match symbol {
            None => {
                show = true;
                printed.push((pc, None));
            }
            Some(s) if s.function != "runtime.goexit" && (show || !s.function.starts_with("runtime.")) => {
                show = true;
                printed.push((pc, Some(s)));
            }
            Some(_) => {}
        }
    }
    if !show {
        printed = frames().filter(|(_, s)| s.is_none_or(|s| s.function != "runtime.goexit")).collect();
    }
    printed
}

/// The aggregation key of `printCountProfile`: the pcs, and the labels when there are any.
fn count_key(r: &Counted) -> String {
    let mut key = String::from("@");
    for (pc, _) in &r.pcs {
        write!(key, " 0x{pc:x}").unwrap();
    }
    if !r.labels.is_empty() {
        write!(key, "\n# labels: {}", canonical_labels(&r.labels)).unwrap();
    }
    key
}

/// `text/tabwriter.NewWriter(w, 1, 8, 1, '\t', 0)` over the lines of one block: cells padded with tabs to their
/// column's width (widest cell plus one, rounded up to a tab stop), the last cell of a line not aligned.
fn tabwriter(lines: &[Vec<String>]) -> String {
    fn format(
        lines: &[Vec<String>],
        widths: &mut Vec<usize>,
        from: usize,
        to: usize,
        out: &mut Vec<Vec<usize>>,
    ) {
        let column = widths.len();
        let mut line = from;
        while line < to {
            if column >= lines[line].len() - 1 {
                out[line] = widths.clone();
                line += 1;
                continue;
            }
            // A column block: consecutive lines with a cell in this column.
            let start = line;
            let mut width = 1;
            while line < to && column < lines[line].len() - 1 {
                width = width.max(lines[line][column].chars().count() + 1);
                line += 1;
            }
            widths.push(width);
            format(lines, widths, start, line, out);
            widths.pop();
        }
    }
    let mut widths_of = vec![Vec::new(); lines.len()];
    format(lines, &mut Vec::new(), 0, lines.len(), &mut widths_of);
    let mut out = String::new();
    for (cells, widths) in lines.iter().zip(widths_of) {
        for (j, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if let Some(&width) = widths.get(j) {
                let cellw = width.div_ceil(8) * 8;
                let pad = cellw - cell.chars().count();
                out.push_str(&"\t".repeat(pad.div_ceil(8)));
            }
        }
        out.push('\n');
    }
    out
}

impl Profile {
    pub fn name(&self) -> &'static str {
        if self.leak { "goroutineleak" } else { "goroutine" }
    }

    pub fn total(&self) -> u64 {
        self.records.iter().map(|r| u64::from(r.count)).sum()
    }

    /// The profile as `pprof.Lookup(name).WriteTo(w, 1)` writes it.
    pub fn debug1(&self) -> String {
        let mut lines: Vec<Vec<String>> =
            vec![vec![format!("{} profile: total {}", self.name(), self.total())]];
        for r in &self.records {
            let mut head = format!("{} @", r.count);
            for (pc, _) in &r.pcs {
                write!(head, " 0x{pc:x}").unwrap();
            }
            lines.push(vec![head]);
            if !r.labels.is_empty() {
                lines.push(vec![format!("# labels: {}", canonical_labels(&r.labels))]);
            }
            for (pc, symbol) in printed_frames(r) {
                let pc = format!("0x{pc:x}");
                match symbol {
                    None => lines.push(vec!["#".to_owned(), pc]),
                    Some(s) => lines.push(vec![
                        "#".to_owned(),
                        pc,
                        format!("{}+0x{:x}", s.function, s.offset),
                        format!("{}:{}", s.file, s.line),
                    ]),
                }
            }
            lines.push(vec![String::new()]);
        }
        let mut text = tabwriter(&lines);
        // Blank lines of the model are empty cells; the writer prints them as empty lines.
        text.truncate(text.trim_end_matches('\n').len());
        text.push_str("\n\n");
        text
    }

    /// The profile as `WriteTo(w, 0)` writes it, before gzip: functions and locations as first met, the strings
    /// last; function names of generic instantiations with their shapes (Go 1.21+).
    pub fn proto(&self) -> Vec<u8> {
        let mut strings: Vec<Vec<u8>> = vec![Vec::new()];
        let mut index = |s: &str| -> i64 {
            match strings.iter().position(|x| x == s.as_bytes()) {
                Some(i) => i as i64,
                None => {
                    strings.push(s.as_bytes().to_vec());
                    strings.len() as i64 - 1
                }
            }
        };
        let (kind, unit) = (index(self.name()), index("count"));
        let mut body = Vec::new();
        let mut functions: Vec<(String, String)> = Vec::new();
        let mut locations: Vec<u64> = Vec::new();
        for r in &self.records {
            let mut ids = Vec::new();
            for (pc, symbols) in &r.pcs {
                let id = match locations.iter().position(|&p| p == *pc) {
                    Some(i) => i as u64 + 1,
                    None => {
                        let mut lines = Vec::new();
                        for s in symbols {
                            let key = (shaped(&s.function), s.file.clone());
                            let fid = match functions.iter().position(|f| *f == key) {
                                Some(i) => i as u64 + 1,
                                None => {
                                    let msg = pb::function(
                                        functions.len() as u64 + 1,
                                        index(&key.0),
                                        index(&key.1),
                                    );
                                    body.push((5, msg));
                                    functions.push(key);
                                    functions.len() as u64
                                }
                            };
                            lines.push((fid, i64::from(s.line)));
                        }
                        locations.push(*pc);
                        body.push((4, pb::location(locations.len() as u64, *pc, &lines)));
                        locations.len() as u64
                    }
                };
                ids.push(id);
            }
            let labels: Vec<(i64, i64)> = r.labels.iter().map(|(k, v)| (index(k), index(v))).collect();
            body.push((2, pb::sample(&ids, i64::from(r.count), &labels)));
        }
        let strings: Vec<&[u8]> = strings.iter().map(Vec::as_slice).collect();
        pb::profile(kind, unit, &body, &strings)
    }

    /// What a parser must read back: per record, its count, frames and labels. `debug=1` has the frames it
    /// printed (an unsymbolised one named by its pc); the proto has every frame but the trailing `runtime.goexit`,
    /// an unsymbolised location named by its address.
    pub fn expected(&self, proto: bool) -> Vec<(u32, Vec<Place>, Option<String>)> {
        self.records
            .iter()
            .map(|r| {
                let frames: Vec<Place> = if proto {
                    let mut all: Vec<Place> = r
                        .pcs
                        .iter()
                        .flat_map(|(pc, symbols)| {
                            if symbols.is_empty() {
                                return vec![(format!("0x{pc:x}"), "?".to_owned(), 0)];
                            }
                            symbols.iter().map(|s| (s.function.clone(), s.file.clone(), s.line)).collect()
                        })
                        .collect();
                    while all.last().is_some_and(|f| f.0 == "runtime.goexit") {
                        all.pop();
                    }
                    all
                } else {
                    printed_frames(r)
                        .into_iter()
                        .map(|(pc, s)| match s {
                            Some(s) => (s.function.clone(), s.file.clone(), s.line),
                            None => (format!("0x{pc:x}"), "?".to_owned(), 0),
                        })
                        .collect()
                };
                (r.count, frames, (!r.labels.is_empty()).then(|| canonical_labels(&r.labels)))
            })
            .collect()
    }
}

/// The linker name of a generic instantiation as the proto holds it: `[...]` filled with a shape.
fn shaped(function: &str) -> String {
    function.replace("[...]", "[go.shape.int]")
}
