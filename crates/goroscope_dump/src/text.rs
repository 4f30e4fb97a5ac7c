//! Traceback text (FORMATS.md §1): one chunk of the input, cut at goroutine boundaries, parsed on its own.

use std::hash::Hasher;
use std::num::NonZeroU64;

use rustc_hash::FxHasher;

use crate::header::{parse_header, parse_u64};
use crate::model::{
    Crash, CrashKind, Frame, FrameId, Goroutine, GoroutineExtra, RunningTest, Sym, Tables, Warnings, flag,
};

/// What one chunk holds, with ids local to its own tables.
#[derive(Default)]
pub(crate) struct ChunkResult {
    pub(crate) tables: Tables,
    pub(crate) goroutines: Vec<Goroutine>,
    pub(crate) warnings: Warnings,
    pub(crate) crash: Option<Crash>,
    /// Tests listed under `running tests:` in a `go test` timeout panic.
    pub(crate) running_tests: Vec<RunningTest>,
    pub(crate) lines: u64,
    /// How the chunk ended, for truncation detection on the last chunk.
    pub(crate) tail: Tail,
}

/// How the text ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// At a record boundary or after a complete frame.
    #[default]
    Clean,
    /// The last goroutine stopped before its frames were complete.
    MidRecord {
        /// Id of the cut goroutine.
        id: u64,
    },
}

/// Packages that only carry out a wait: their arguments (a duration, a semaphore) say nothing about whose wait it
/// is, so the argument hash skips them.
const WAIT_MACHINERY: &[&[u8]] = &[b"runtime.", b"sync.", b"time.", b"context.", b"internal/", b"runtime/"];

/// How the lines of a goroutine record that are not frames begin.
const RECORD_LINE_STARTS: &[&[u8]] =
    &[b"goroutine ", b"created by ", b"[originating from goroutine ", b"..."];

/// Parses one chunk. `first_line` is the chunk's 1-based line number in the whole input, used only to place
/// warnings; the merge renumbers them.
pub(crate) fn parse_chunk(chunk: &[u8]) -> ChunkResult {
    let mut parser = Parser::default();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', chunk) {
        parser.line(&chunk[start..end]);
        start = end + 1;
    }
    // A last line with no line end may have been cut mid-line: it is when it came inside a record and reads like
    // part of one (a frame or file line, or a name cut before its `(`), not like a trailer such as `exit status 2`
    // or `FAIL\tpkg\t0.1s`.
    let mut cut = false;
    if start < chunk.len() {
        let line = &chunk[start..];
        let inside_record =
            parser.record.as_ref().is_some_and(|r| !matches!(r.pending, Some(Pending::Unknown(_))));
        parser.line(line);
        parser.settle();
        let record_start = RECORD_LINE_STARTS.iter().any(|p| line.starts_with(p) || p.starts_with(line));
        let record_text = record_start
            || line.starts_with(b"\t")
            || line.contains(&b'(')
            || !line.iter().any(|&b| b == b' ' || b == b'\t');
        let header = line.starts_with(b"goroutine ") || b"goroutine ".starts_with(line);
        cut = parser.record.is_some() || header || (inside_record && record_text);
    }
    parser.finish(cut)
}

#[derive(Default)]
struct Parser<'a> {
    out: ChunkResult,
    record: Option<Record<'a>>,
    frames: Vec<FrameId>,
}

/// The goroutine being read.
struct Record<'a> {
    goroutine: Goroutine,
    /// A function line waiting for its file line.
    pending: Option<Pending<'a>>,
    /// The line `pending` was read from, where the warning goes if its file line never comes.
    pending_line: u64,
    /// Frames seen so far of the ancestor being read, if inside an `[originating from goroutine N]:` section.
    ancestor: Option<(u64, Vec<FrameId>)>,
    frame_lines: u32,
}

impl Record<'_> {
    /// Ends the ancestor section being read, if any, with the creator it printed. `false` when there was none.
    fn close_ancestor(&mut self, tables: &mut Tables, creator: Option<FrameId>) -> bool {
        let Some((id, frames)) = self.ancestor.take() else {
            return false;
        };
        let stack = tables.stack(&frames);
        self.goroutine.extra.get_or_insert_default().ancestors.push((id, stack, creator));
        true
    }

    /// Adds a frame to the ancestor being read, or else to the goroutine's own `frames`.
    fn push(&mut self, frames: &mut Vec<FrameId>, id: FrameId) {
        match self.ancestor.as_mut() {
            Some((_, ancestor)) => ancestor.push(id),
            None => frames.push(id),
        }
    }
}

enum Pending<'a> {
    /// The function name as printed, resolved together with its file line in one lookup.
    Frame(&'a [u8]),
    CreatedBy(Sym, Option<NonZeroU64>),
    /// A line that is not part of a record, unless the next line is `\t[file:line ]pc=0x…`: then it is the name a
    /// cgo symbolizer (`runtime.SetCgoTraceback`) gave a frame, printed raw.
    Unknown(&'a [u8]),
}

impl<'a> Parser<'a> {
    fn line(&mut self, raw: &'a [u8]) {
        self.out.lines += 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if let Some(unknown) = self.take_unknown() {
            if self.cgo_frame(unknown, line) {
                return;
            }
            self.end_record();
            self.outside_line(unknown);
        }
        if line.is_empty() {
            self.end_record();
            return;
        }
        if line.starts_with(b"goroutine ")
            && let Some(header) = parse_header(line)
        {
            self.end_record();
            self.start_record(&header);
            return;
        }
        if self.record.is_some() {
            if self.record_line(line) {
                return;
            }
            // Not part of a goroutine record (test runner output, register dump, exit status): the record is over.
            self.end_record();
        }
        self.outside_line(line);
    }

    /// The line held back as [`Pending::Unknown`], if any.
    fn take_unknown(&mut self) -> Option<&'a [u8]> {
        let record = self.record.as_mut()?;
        let Some(Pending::Unknown(line)) = record.pending else {
            return None;
        };
        record.pending = None;
        Some(line)
    }

    /// At the end of the input: a line held back was not part of the record.
    fn settle(&mut self) {
        if let Some(unknown) = self.take_unknown() {
            self.end_record();
            self.outside_line(unknown);
        }
    }

    /// Reads `line` as the `\t[file:line ]pc=0x…` line of a cgo frame named `name`; `false` when it is not one.
    fn cgo_frame(&mut self, name: &'a [u8], line: &[u8]) -> bool {
        let Some(indented) = line.strip_prefix(b"\t") else {
            return false;
        };
        let (place, pc) = match memchr::memmem::rfind(indented, b" pc=") {
            Some(at) => (Some(&indented[..at]), &indented[at + 4..]),
            None => (None, indented.strip_prefix(b"pc=").unwrap_or_default()),
        };
        let is_pc = pc
            .strip_prefix(b"0x")
            .is_some_and(|hex| !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit));
        let Some(record) = self.record.as_mut().filter(|_| is_pc) else {
            return false;
        };
        let tables = &mut self.out.tables;
        let id = place
            .and_then(|place| tables.frame_from_text(name, place))
            .unwrap_or_else(|| tables.frame_without_file(name));
        record.frame_lines += 1;
        record.push(&mut self.frames, id);
        true
    }

    fn start_record(&mut self, header: &crate::header::Header<'_>) {
        let state = self.out.tables.state(header.status);
        let extra =
            (header.labels.is_some() || header.bubble.is_some() || !header.unknown.is_empty()).then(|| {
                Box::new(GoroutineExtra {
                    labels: header.labels.map(crate::labels::canonical),
                    bubble: header.bubble,
                    ancestors: Vec::new(),
                    unknown_annotations: header
                        .unknown
                        .iter()
                        .map(|u| String::from_utf8_lossy(u).into_owned())
                        .collect(),
                })
            });
        self.frames.clear();
        self.record = Some(Record {
            goroutine: Goroutine {
                id: header.id,
                creator_id: None,
                created_by: None,
                extra,
                stack: crate::model::StackId(0),
                state,
                wait_minutes: header.minutes,
                args_hash: 0,
                count: 1,
                flags: header.flags,
            },
            pending: None,
            pending_line: 0,
            ancestor: None,
            frame_lines: 0,
        });
    }

    /// Handles a line inside a record; `false` when the line does not belong to one.
    fn record_line(&mut self, line: &'a [u8]) -> bool {
        let lineno = self.out.lines;
        let Some(record) = self.record.as_mut() else {
            return false;
        };
        if let Some(indented) = line.strip_prefix(b"\t") {
            self.indented_line(line, indented);
            return true;
        }
        if let Some(Pending::Frame(function)) = record.pending.take() {
            // A frame printed without a file line: cgo `non-Go function at pc=…` or a symbolizer's raw name.
            let id = self.out.tables.frame_without_file(function);
            record.push(&mut self.frames, id);
        }
        if let Some(created) = line.strip_prefix(b"created by ") {
            let (function, creator) = match memchr::memmem::rfind(created, b" in goroutine ") {
                Some(at) => (&created[..at], parse_u64(&created[at + 14..]).and_then(NonZeroU64::new)),
                None => (created, None),
            };
            record.pending = Some(Pending::CreatedBy(self.out.tables.sym(function), creator));
        } else if line.starts_with(b"...") && line.ends_with(b"elided...") {
            // An ancestor's elided frames are not the goroutine's.
            if record.ancestor.is_none() {
                record.goroutine.flags |= flag::ELIDED;
            }
        } else if let Some(ancestor) =
            line.strip_prefix(b"[originating from goroutine ").and_then(|r| r.strip_suffix(b"]:"))
        {
            record.close_ancestor(&mut self.out.tables, None);
            record.ancestor = Some((parse_u64(ancestor).unwrap_or(0), Vec::new()));
        } else if line.starts_with(b"runtime: ")
            || line.starts_with(b"stack: frame={")
            || is_hexdump_row(line)
        {
            // Unwinder diagnostics printed inside a record.
        } else if line.starts_with(b"non-Go function at pc=") {
            // A cgo frame without a symbolizer: one line, no file line follows.
            let id = self.out.tables.frame_without_file(b"non-Go function");
            record.frame_lines += 1;
            record.push(&mut self.frames, id);
        } else if line.starts_with(b"non-Go function") {
            record.pending = Some(Pending::Frame(b"non-Go function"));
        } else if line.ends_with(b")") {
            let Some(open) = memchr::memrchr(b'(', line).filter(|&at| at > 0) else {
                return false;
            };
            let args = &line[open + 1..line.len() - 1];
            let name = &line[..open];
            if record.goroutine.args_hash == 0
                && record.ancestor.is_none()
                && !args.is_empty()
                && args != b"..."
                && !WAIT_MACHINERY.iter().any(|p| name.starts_with(p))
            {
                let mut hasher = FxHasher::default();
                hasher.write(args);
                record.goroutine.args_hash = hasher.finish().max(1);
            }
            record.pending = Some(Pending::Frame(&line[..open]));
        } else {
            record.pending = Some(Pending::Unknown(line));
        }
        // Any pending line was taken above, so one pending now was read from this line.
        record.pending_line = lineno;
        true
    }

    /// A line starting with a tab: the file line of a frame or of `created by`, or a note on the goroutine.
    fn indented_line(&mut self, line: &'a [u8], indented: &'a [u8]) {
        let lineno = self.out.lines;
        let Some(record) = self.record.as_mut() else {
            return;
        };
        match record.pending.take() {
            Some(Pending::Frame(function)) => {
                // A symbolizer that knows no file prints only `\tpc=0x…`.
                let known = !indented.starts_with(b"pc=");
                let found =
                    known.then(|| self.out.tables.frame_from_text(function, trim_file_line(indented)));
                let id = found.flatten().unwrap_or_else(|| {
                    if known {
                        self.out
                            .warnings
                            .push(lineno, || format!("unreadable file line {:?}", excerpt(line)));
                    }
                    self.out.tables.frame_without_file(function)
                });
                record.frame_lines += 1;
                record.push(&mut self.frames, id);
            }
            Some(Pending::CreatedBy(function, creator)) => {
                let (file, line_no) = split_file_line(indented).unwrap_or((b"?", 0));
                let frame = Frame { function, file: self.out.tables.sym(file), line: line_no };
                let id = self.out.tables.frame(frame);
                if !record.close_ancestor(&mut self.out.tables, Some(id)) {
                    record.goroutine.created_by = Some(id);
                    record.goroutine.creator_id = creator;
                }
            }
            None if indented == b"goroutine running on other thread; stack unavailable" => {
                record.goroutine.flags |= flag::UNAVAILABLE;
            }
            None if indented.starts_with(b"pc=") => {}
            // Settled before each line is read.
            Some(Pending::Unknown(_)) => {}
            None => {
                self.out.warnings.push(lineno, || format!("unexpected indented line {:?}", excerpt(line)));
            }
        }
    }

    fn outside_line(&mut self, line: &[u8]) {
        if let Some(crash) = &self.out.crash {
            // `go test` timeouts (Go 1.20+) list the running tests under the panic, indented by tabs.
            if crash.kind == CrashKind::Panic
                && crash.message.starts_with("test timed out after ")
                && let Some(test) = running_test(line)
            {
                self.out.running_tests.push(test);
            }
            return;
        }
        let (kind, message) = if let Some(m) = line.strip_prefix(b"panic: ") {
            (CrashKind::Panic, m)
        } else if let Some(m) = line.strip_prefix(b"fatal error: ") {
            (CrashKind::Fatal, m)
        } else if line.starts_with(b"SIG") && memchr::memmem::find(line, b": ").is_some_and(|at| at < 10) {
            (CrashKind::Signal, line)
        } else {
            return;
        };
        self.out.crash = Some(Crash { kind, message: String::from_utf8_lossy(message).into_owned() });
    }

    fn end_record(&mut self) {
        let Some(mut record) = self.record.take() else {
            return;
        };
        // The line of the frame, not the one that ended the record: that one may be in the next piece.
        let lineno = record.pending_line;
        match record.pending.take() {
            Some(Pending::Frame(function)) => {
                self.out.warnings.push(lineno, || "a frame has no file line".to_owned());
                let id = self.out.tables.frame_without_file(function);
                record.push(&mut self.frames, id);
            }
            Some(Pending::CreatedBy(..)) => {
                self.out.warnings.push(lineno, || "`created by` has no file line".to_owned());
            }
            Some(Pending::Unknown(_)) | None => {}
        }
        record.close_ancestor(&mut self.out.tables, None);
        record.goroutine.stack = self.out.tables.stack(&self.frames);
        self.out.goroutines.push(record.goroutine);
    }

    fn finish(mut self, cut: bool) -> ChunkResult {
        self.settle();
        let incomplete = self.record.as_ref().is_some_and(|record| {
            record.pending.is_some()
                || (record.frame_lines == 0 && record.goroutine.flags & flag::UNAVAILABLE == 0)
        });
        self.end_record();
        if (incomplete || cut)
            && let Some(last) = self.out.goroutines.last()
        {
            self.out.tail = Tail::MidRecord { id: last.id };
        }
        self.out
    }
}

/// A `\tTestName (1m2s)` line of a `go test` timeout panic.
fn running_test(line: &[u8]) -> Option<RunningTest> {
    let entry = line.strip_prefix(b"\t")?.trim_ascii_start();
    let entry = std::str::from_utf8(entry).ok()?;
    let (name, elapsed) = entry.strip_suffix(')')?.rsplit_once(" (")?;
    let valid = name.starts_with("Test") || name.starts_with("Example") || name.starts_with("Fuzz");
    (valid && !name.contains(' ')).then(|| RunningTest { name: name.to_owned(), elapsed: elapsed.to_owned() })
}

/// Splits `file:line[ +0x1f][ fp=… sp=… pc=…]` into the file and the line number.
fn split_file_line(text: &[u8]) -> Option<(&[u8], u32)> {
    let text = trim_file_line(text);
    let colon = memchr::memrchr(b':', text)?;
    let line = parse_u64(&text[colon + 1..])?;
    Some((&text[..colon], u32::try_from(line).ok()?))
}

/// `file:line[ +0x1f][ fp=… sp=… pc=…]` without the pc offset and frame pointers: the part that places a frame.
pub(crate) fn trim_file_line(text: &[u8]) -> &[u8] {
    let mut text = text;
    while let Some(space) = memchr::memrchr(b' ', text) {
        let tail = &text[space + 1..];
        if tail.starts_with(b"+0x")
            || tail.starts_with(b"fp=")
            || tail.starts_with(b"sp=")
            || tail.starts_with(b"pc=")
        {
            text = &text[..space];
        } else {
            break;
        }
    }
    text
}

/// A row of the stack hexdump printed after `stack: frame={…}`: `0x000000c000047e08:  0x… 0x…` (the runtime's
/// `hex` print form; accepted without the `0x` too).
fn is_hexdump_row(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"0x").unwrap_or(line);
    let addr = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    addr >= 8 && line[addr..].starts_with(b": ")
}

/// The start of a line, for messages.
pub(crate) fn excerpt(line: &[u8]) -> String {
    let cut = &line[..line.len().min(60)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if line.len() > cut.len() {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines() {
        assert_eq!(split_file_line(b"/tmp/x/main.go:12 +0x2c"), Some((&b"/tmp/x/main.go"[..], 12)));
        assert_eq!(
            split_file_line(b"/usr/local/go/src/sync/mutex.go:90"),
            Some((&b"/usr/local/go/src/sync/mutex.go"[..], 90))
        );
        assert_eq!(
            split_file_line(
                b"/usr/local/go/src/runtime/proc.go:402 +0xce fp=0xc0000a5e90 sp=0xc0000a5e70 pc=0x43d3ee"
            ),
            Some((&b"/usr/local/go/src/runtime/proc.go"[..], 402))
        );
        assert_eq!(split_file_line(b"C:/Users/a b/x.go:7 +0x1"), Some((&b"C:/Users/a b/x.go"[..], 7)));
        assert_eq!(split_file_line(b"no line here"), None);
    }
}
