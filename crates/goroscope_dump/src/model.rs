//! The one model every stage shares.

use std::num::{NonZeroU32, NonZeroU64};

use rustc_hash::FxHashMap;
use serde::Serialize;

/// An interned string (function or file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Sym(pub u32);

/// An interned frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FrameId(pub u32);

/// An interned stack: the frames of a goroutine, innermost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StackId(pub u32);

/// An interned goroutine status (the wait reason or scheduler status, without annotations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StateId(pub u32);

/// One frame as the runtime prints it, without arguments or pc offset (they differ between goroutines that
/// stand at the same place).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    /// Fully qualified function name, e.g. `net/http.(*conn).serve` or `main.worker.func1`.
    pub function: Sym,
    /// Source file as printed (absolute, `-trimpath`-relative or `?`).
    pub file: Sym,
    /// Line number, 0 when unknown.
    pub line: u32,
}

/// Which kind of input the snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// Traceback text: pprof `debug=2`, `runtime.Stack`, panics, SIGQUIT, `fatal error` reports.
    Traceback,
    /// pprof `debug=1` text: goroutines counted per stack and label set.
    #[serde(rename = "debug1")]
    CountText,
    /// pprof `debug=0`: the gzipped `profile.proto`, counted per stack and label set.
    Proto,
}

impl Format {
    /// Whether the format prints each goroutine with its id, wait reason, wait time and creator. The counted
    /// formats (`debug=1`, proto) carry none of these; their goroutines have id 0 and an unknown state.
    pub fn has_goroutine_details(self) -> bool {
        self == Format::Traceback
    }

    /// A short name for messages: `debug=2`, `debug=1`, `proto`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Traceback => "debug=2",
            Format::CountText => "debug=1",
            Format::Proto => "proto",
        }
    }
}

/// A test that was running when `go test` timed out, from the panic message (Go 1.20+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunningTest {
    /// Full test name, e.g. `TestHangs/slow`.
    pub name: String,
    /// How long it had run, as printed (`10m0s`).
    pub elapsed: String,
}

/// How the program died, when the dump is a crash report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crash {
    /// Panic, fatal error or signal.
    pub kind: CrashKind,
    /// The message after `panic: ` / `fatal error: ` or the signal line.
    pub message: String,
}

/// The kind of crash report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// `panic: …`
    Panic,
    /// `fatal error: …` (includes the runtime's deadlock report).
    Fatal,
    /// `SIGQUIT: quit` and other fatal signals.
    Signal,
}

impl Crash {
    /// The runtime found every goroutine blocked: `all goroutines are asleep - deadlock!`.
    pub fn is_global_deadlock(&self) -> bool {
        self.kind == CrashKind::Fatal && self.message.contains("all goroutines are asleep - deadlock")
    }
}

/// Why the dump looks incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truncation {
    /// A sentence saying what was seen.
    pub reason: String,
}

/// Problems inside a dump that still parsed: counted, with the first few examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Warnings {
    /// How many problems in all.
    pub count: u64,
    /// The first few, each with its line number.
    pub examples: Vec<String>,
}

impl Warnings {
    /// How many examples are kept.
    pub const KEPT: usize = 10;

    pub(crate) fn push(&mut self, line: u64, what: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < Self::KEPT {
            self.examples.push(format!("line {line}: {}", what()));
        }
    }

    /// A problem with no line to name (the proto).
    pub(crate) fn note(&mut self, what: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < Self::KEPT {
            self.examples.push(what());
        }
    }

    pub(crate) fn absorb(&mut self, other: Warnings, line_offset: u64) {
        self.count += other.count;
        for example in other.examples {
            if self.examples.len() >= Self::KEPT {
                break;
            }
            self.examples.push(renumber(&example, line_offset));
        }
    }
}

/// Shifts the `line N:` prefix of a chunk-local warning to its place in the whole input.
fn renumber(example: &str, offset: u64) -> String {
    let rest = example.strip_prefix("line ").and_then(|r| r.split_once(':'));
    match rest.and_then(|(n, msg)| Some((n.parse::<u64>().ok()?, msg))) {
        Some((n, msg)) => format!("line {}:{msg}", n + offset),
        None => example.to_owned(),
    }
}

/// Annotation flags of a goroutine header.
pub(crate) mod flag {
    pub(crate) const LOCKED: u8 = 1;
    pub(crate) const LEAKED: u8 = 1 << 1;
    pub(crate) const SCAN: u8 = 1 << 2;
    pub(crate) const DURABLE: u8 = 1 << 3;
    pub(crate) const ELIDED: u8 = 1 << 4;
    pub(crate) const UNAVAILABLE: u8 = 1 << 5;
}

/// One goroutine: a few integers; everything textual is interned in the [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goroutine {
    /// The goroutine id (monotonic in creation order).
    pub id: u64,
    /// Id of the goroutine that created this one (`created by … in goroutine N`, Go 1.21+).
    pub creator_id: Option<NonZeroU64>,
    /// The `go` statement that created it, when printed.
    pub created_by: Option<FrameId>,
    /// Rarely present details.
    pub extra: Option<Box<GoroutineExtra>>,
    /// Its frames.
    pub stack: StackId,
    /// Its status or wait reason.
    pub state: StateId,
    /// Whole minutes blocked, as printed (only from 1 minute on; a lower bound, see FORMATS.md).
    pub wait_minutes: Option<NonZeroU32>,
    /// Hash of the argument words of its innermost frame outside the runtime, `sync`, `time`, `context` and
    /// internal packages that printed any; 0 when none did. Goroutines of one
    /// pool share them (the same channel or lock); goroutines started once per call each have their own.
    pub args_hash: u64,
    /// How many goroutines this entry stands for: 1 in a traceback; in `debug=1` and the proto, the count of
    /// one stack and label set, so a profile of a million goroutines is a few thousand entries.
    pub count: u32,
    pub(crate) flags: u8,
}

/// Details few goroutines carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoroutineExtra {
    /// pprof labels printed in the header (Go 1.26+ with `GODEBUG=tracebacklabels=1`), raw.
    pub labels: Option<String>,
    /// synctest bubble or group id.
    pub bubble: Option<u64>,
    /// Ancestors from `GODEBUG=tracebackancestors`: (ancestor id, its stack, its creator frame).
    pub ancestors: Vec<(u64, StackId, Option<FrameId>)>,
    /// Header annotations this parser does not know, kept verbatim.
    pub unknown_annotations: Vec<String>,
}

impl Goroutine {
    /// `locked to thread`.
    pub fn locked_to_thread(&self) -> bool {
        self.flags & flag::LOCKED != 0
    }
    /// ` (leaked)`: the Go 1.26+ GC proved nothing can wake it.
    pub fn leaked(&self) -> bool {
        self.flags & flag::LEAKED != 0
    }
    /// ` (scan)`: the GC was scanning it.
    pub fn scanning(&self) -> bool {
        self.flags & flag::SCAN != 0
    }
    /// ` (durable)` / `(synctest)`: blocked inside a synctest bubble.
    pub fn durable(&self) -> bool {
        self.flags & flag::DURABLE != 0
    }
    /// Frames were elided from the middle of a deep stack.
    pub fn frames_elided(&self) -> bool {
        self.flags & flag::ELIDED != 0
    }
    /// `goroutine running on other thread; stack unavailable`.
    pub fn stack_unavailable(&self) -> bool {
        self.flags & flag::UNAVAILABLE != 0
    }
}

/// The wait reasons and statuses the runtime prints, as an enum; new ones stay [`WaitReason::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WaitReason {
    /// `running`
    Running,
    /// `runnable`
    Runnable,
    /// `syscall`
    Syscall,
    /// `idle`, `dead`, `copystack`, `preempted`, `waiting` and other scheduler statuses.
    Scheduler,
    /// `chan send`
    ChanSend,
    /// `chan receive`
    ChanReceive,
    /// `chan send (nil chan)`
    ChanSendNil,
    /// `chan receive (nil chan)`
    ChanReceiveNil,
    /// `select`
    Select,
    /// `select (no cases)`
    SelectNoCases,
    /// `sync.Mutex.Lock`
    MutexLock,
    /// `sync.RWMutex.Lock`
    RwMutexLock,
    /// `sync.RWMutex.RLock`
    RwMutexRLock,
    /// `sync.WaitGroup.Wait`
    WaitGroupWait,
    /// `sync.Cond.Wait`
    CondWait,
    /// `semacquire` (a mutex or `WaitGroup` before Go 1.20/1.24, or runtime semaphores)
    Semacquire,
    /// `sleep`
    Sleep,
    /// `IO wait`
    IoWait,
    /// The runtime's own background work (GC workers, finalizer, scavenger, trace reader …).
    RuntimeInternal,
    /// `synctest.Run` / `synctest.Wait`
    Synctest,
    /// The input format records no wait reason (`debug=1`, proto).
    Unknown,
    /// A reason this version does not know.
    Other,
}

impl WaitReason {
    /// Classifies a status string (annotations already removed).
    pub fn from_status(status: &str) -> WaitReason {
        match status {
            "running" => WaitReason::Running,
            "runnable" => WaitReason::Runnable,
            "syscall" => WaitReason::Syscall,
            "idle"
            | "dead"
            | "copystack"
            | "preempted"
            | "waiting"
            | "waiting for cgo callback"
            | "leaked" => WaitReason::Scheduler,
            "chan send" => WaitReason::ChanSend,
            "chan receive" => WaitReason::ChanReceive,
            "chan send (nil chan)" => WaitReason::ChanSendNil,
            "chan receive (nil chan)" => WaitReason::ChanReceiveNil,
            "select" => WaitReason::Select,
            "select (no cases)" => WaitReason::SelectNoCases,
            "sync.Mutex.Lock" => WaitReason::MutexLock,
            "sync.RWMutex.Lock" => WaitReason::RwMutexLock,
            "sync.RWMutex.RLock" => WaitReason::RwMutexRLock,
            "sync.WaitGroup.Wait" => WaitReason::WaitGroupWait,
            "sync.Cond.Wait" => WaitReason::CondWait,
            "semacquire" => WaitReason::Semacquire,
            "sleep" => WaitReason::Sleep,
            "IO wait" => WaitReason::IoWait,
            "synctest.Run" | "synctest.Wait" => WaitReason::Synctest,
            UNKNOWN_STATE => WaitReason::Unknown,
            "GC assist marking"
            | "dumping heap"
            | "garbage collection"
            | "garbage collection scan"
            | "panicwait"
            | "GC assist wait"
            | "GC sweep wait"
            | "GC scavenge wait"
            | "finalizer wait"
            | "force gc (idle)"
            | "GOMAXPROCS updater (idle)"
            | "trace reader (blocked)"
            | "wait for GC cycle"
            | "GC worker (idle)"
            | "GC worker (active)"
            | "debug call"
            | "GC mark termination"
            | "stopping the world"
            | "flushing proc caches"
            | "trace goroutine status"
            | "trace proc status"
            | "page trace flush"
            | "coroutine"
            | "GC weak to strong wait"
            | "cleanup wait"
            | "timer goroutine (idle)" => WaitReason::RuntimeInternal,
            _ => WaitReason::Other,
        }
    }
}

/// The state text of goroutines read from a format that records none.
pub(crate) const UNKNOWN_STATE: &str = "unknown";

/// A goroutine dump: where it came from, what was in it and what went wrong while reading it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Where it came from (path, `-`, URL), as the caller named it.
    pub source: String,
    /// The detected input format.
    pub format: Format,
    /// The crash that printed this dump, if it is a crash report.
    pub crash: Option<Crash>,
    /// Set when the dump looks cut short.
    pub truncated: Option<Truncation>,
    /// Lines that could not be understood.
    pub warnings: Warnings,
    /// Bytes read.
    pub bytes: u64,
    /// The goroutines, in input order. Counted formats hold one entry per stack and label set, with its
    /// [`Goroutine::count`]; [`Snapshot::goroutine_count`] is the number of goroutines.
    pub goroutines: Vec<Goroutine>,
    /// The pprof profile it is, when the input says: `goroutine` or `goroutineleak`.
    pub profile: Option<String>,
    /// How many goroutines the input says there were (`debug=1` header, proto counts), when it says.
    pub total: Option<u64>,
    /// How many goroutines the process had by another count of the same process taken alongside (a `debug=1`
    /// fetch next to a `debug=2` one); set by the caller, to say how many a truncated dump lost.
    pub expected_total: Option<u64>,
    /// When the profile was taken, in nanoseconds since the Unix epoch (proto only).
    pub time_nanos: Option<i64>,
    /// Tests that were running when `go test` timed out (from the panic message).
    pub running_tests: Vec<RunningTest>,
    /// The test whose output held the dump, when a `go test` log says (`-json` records, `--- FAIL:` lines).
    pub test: Option<String>,
    /// The dump is goleak's "found unexpected goroutines" report: every goroutine in it outlived its test.
    pub leak_report: bool,
    pub(crate) strings: Vec<Box<str>>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) stacks: Vec<Box<[FrameId]>>,
    pub(crate) states: Vec<Box<str>>,
}

impl Snapshot {
    /// The text of an interned string.
    pub fn str(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }
    /// An interned frame.
    pub fn frame(&self, id: FrameId) -> Frame {
        self.frames[id.0 as usize]
    }
    /// The frames of a stack, innermost first.
    pub fn stack(&self, id: StackId) -> &[FrameId] {
        &self.stacks[id.0 as usize]
    }
    /// The status text of a state, e.g. `chan receive`.
    pub fn state(&self, id: StateId) -> &str {
        &self.states[id.0 as usize]
    }
    /// Number of unique stacks.
    pub fn stack_count(&self) -> usize {
        self.stacks.len()
    }
    /// Every unique frame.
    pub fn frame_ids(&self) -> impl Iterator<Item = FrameId> + '_ {
        (0..self.frames.len() as u32).map(FrameId)
    }
    /// Number of interned strings; [`Sym`]s run from 0 to this.
    pub fn string_count(&self) -> usize {
        self.strings.len()
    }
    /// Number of unique frames.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }
    /// Function name of a frame.
    pub fn function(&self, id: FrameId) -> &str {
        self.str(self.frames[id.0 as usize].function)
    }
    /// File name of a frame.
    pub fn file(&self, id: FrameId) -> &str {
        self.str(self.frames[id.0 as usize].file)
    }
    /// A snapshot of `goroutines` over interned `tables`, with nothing else known yet.
    pub(crate) fn new(
        source: &str,
        format: Format,
        bytes: u64,
        tables: Tables,
        goroutines: Vec<Goroutine>,
        warnings: Warnings,
    ) -> Snapshot {
        Snapshot {
            source: source.to_owned(),
            format,
            crash: None,
            truncated: None,
            warnings,
            bytes,
            goroutines,
            profile: None,
            total: None,
            expected_total: None,
            time_nanos: None,
            running_tests: Vec::new(),
            test: None,
            leak_report: false,
            strings: tables.strings,
            frames: tables.frames,
            stacks: tables.stacks,
            states: tables.states,
        }
    }

    /// How many goroutines the snapshot holds: its entries weighted by their counts.
    pub fn goroutine_count(&self) -> u64 {
        self.goroutines.iter().map(|g| u64::from(g.count)).sum()
    }

    /// Whether any goroutine header printed `in goroutine N` (Go 1.21+), so a missing creator id means the
    /// creator was goroutine 0 rather than an old runtime.
    pub fn has_creator_ids(&self) -> bool {
        self.goroutines.iter().any(|g| g.creator_id.is_some())
    }
}

/// Interning tables used while parsing; merged in input order.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub(crate) strings: Vec<Box<str>>,
    string_ids: FxHashMap<Box<[u8]>, Sym>,
    pub(crate) frames: Vec<Frame>,
    frame_ids: FxHashMap<Frame, FrameId>,
    pub(crate) stacks: Vec<Box<[FrameId]>>,
    stack_ids: FxHashMap<Box<[FrameId]>, StackId>,
    pub(crate) states: Vec<Box<str>>,
    state_ids: FxHashMap<Box<[u8]>, StateId>,
    /// Frames by their printed text (`function\0file:line`): one lookup per frame while parsing.
    frame_texts: FxHashMap<Box<[u8]>, FrameId>,
    /// Frames by their file line alone (`file:line +0x1f`), checked against the function name.
    frame_by_file_line: FxHashMap<Box<[u8]>, FrameId>,
    scratch: Vec<u8>,
}

impl Tables {
    pub(crate) fn sym(&mut self, bytes: &[u8]) -> Sym {
        if let Some(&sym) = self.string_ids.get(bytes) {
            return sym;
        }
        let sym = Sym(self.strings.len() as u32);
        self.strings.push(String::from_utf8_lossy(bytes).into());
        self.string_ids.insert(bytes.into(), sym);
        sym
    }

    pub(crate) fn frame(&mut self, frame: Frame) -> FrameId {
        *self.frame_ids.entry(frame).or_insert_with(|| {
            self.frames.push(frame);
            FrameId(self.frames.len() as u32 - 1)
        })
    }

    /// A frame printed with no file line (cgo, or cut short).
    pub(crate) fn frame_without_file(&mut self, function: &[u8]) -> FrameId {
        let function = self.sym(function);
        let file = self.sym(b"?");
        self.frame(Frame { function, file, line: 0 })
    }

    /// The frame of a function line and its file line (`file:line`, offsets trimmed); `None` when the file line
    /// has no line number.
    pub(crate) fn frame_from_text(&mut self, function: &[u8], file_line: &[u8]) -> Option<FrameId> {
        // A file line with its pc offset almost always pins the function: look it up by that alone and check
        // the name, falling back to the full key when two functions share a file line.
        if let Some(&id) = self.frame_by_file_line.get(file_line)
            && self.strings[self.frames[id.0 as usize].function.0 as usize].as_bytes() == function
        {
            return Some(id);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(function);
        self.scratch.push(0);
        self.scratch.extend_from_slice(file_line);
        if let Some(&id) = self.frame_texts.get(self.scratch.as_slice()) {
            return Some(id);
        }
        let colon = memchr::memrchr(b':', file_line)?;
        let line = crate::header::parse_u64(&file_line[colon + 1..]).and_then(|l| u32::try_from(l).ok())?;
        let frame = Frame { function: self.sym(function), file: self.sym(&file_line[..colon]), line };
        let id = self.frame(frame);
        self.frame_texts.insert(self.scratch.as_slice().into(), id);
        self.frame_by_file_line.entry(file_line.into()).or_insert(id);
        Some(id)
    }

    pub(crate) fn stack(&mut self, frames: &[FrameId]) -> StackId {
        if let Some(&id) = self.stack_ids.get(frames) {
            return id;
        }
        let id = StackId(self.stacks.len() as u32);
        self.stacks.push(frames.into());
        self.stack_ids.insert(frames.into(), id);
        id
    }

    pub(crate) fn state(&mut self, bytes: &[u8]) -> StateId {
        if let Some(&id) = self.state_ids.get(bytes) {
            return id;
        }
        let id = StateId(self.states.len() as u32);
        self.states.push(String::from_utf8_lossy(bytes).into());
        self.state_ids.insert(bytes.into(), id);
        id
    }

    /// Moves the tables of a later chunk into these, returning maps from its ids to ours.
    pub(crate) fn absorb(&mut self, other: &Tables) -> Remap {
        let syms: Vec<Sym> = other.strings.iter().map(|s| self.sym(s.as_bytes())).collect();
        let frames: Vec<FrameId> = other
            .frames
            .iter()
            .map(|f| {
                self.frame(Frame {
                    function: syms[f.function.0 as usize],
                    file: syms[f.file.0 as usize],
                    line: f.line,
                })
            })
            .collect();
        let mut scratch = Vec::new();
        let stacks = other
            .stacks
            .iter()
            .map(|s| {
                scratch.clear();
                scratch.extend(s.iter().map(|f| frames[f.0 as usize]));
                self.stack(&scratch)
            })
            .collect();
        let states = other.states.iter().map(|s| self.state(s.as_bytes())).collect();
        Remap { frames, stacks, states }
    }
}

/// Id translation from one chunk's tables into the merged tables.
pub(crate) struct Remap {
    pub(crate) frames: Vec<FrameId>,
    pub(crate) stacks: Vec<StackId>,
    pub(crate) states: Vec<StateId>,
}

impl Remap {
    pub(crate) fn goroutine(&self, g: &mut Goroutine) {
        g.stack = self.stacks[g.stack.0 as usize];
        g.state = self.states[g.state.0 as usize];
        g.created_by = g.created_by.map(|f| self.frames[f.0 as usize]);
        if let Some(extra) = g.extra.as_deref_mut() {
            for (_, stack, creator) in &mut extra.ancestors {
                *stack = self.stacks[stack.0 as usize];
                *creator = creator.map(|f| self.frames[f.0 as usize]);
            }
        }
    }
}
