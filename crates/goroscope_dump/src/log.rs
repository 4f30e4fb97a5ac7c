//! Goroutine dumps inside logs: whatever each line is prefixed with (timestamps, Kubernetes `stderr F`, syslog),
//! JSON log records (Docker's `log`, a structured logger's message or stack field), `go test` output plain or
//! `-json`, and goleak reports. Race detector reports and other lines between dumps are skipped.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::InputFormat;
use crate::counted::count_header;
use crate::error::DumpError;
use crate::header::parse_header;

/// One dump found in a log: its text with the log's wrapping removed.
#[derive(Debug)]
pub(crate) struct ExtractedDump {
    pub(crate) text: Vec<u8>,
    /// 1-based line of the log where the dump starts.
    pub(crate) line: u64,
    pub(crate) format: InputFormat,
    /// The test whose output held it, when the log says.
    pub(crate) test: Option<String>,
    /// goleak's "found unexpected goroutines" report.
    pub(crate) leak_report: bool,
}

/// A line of the log with its wrapping (JSON record, container runtime prefix) removed.
struct Line {
    text: Vec<u8>,
    number: u64,
    test: Option<Rc<str>>,
    wrap: Wrap,
    /// The last line of a JSON record's multi-line message: a dump held in one record ends with it.
    record_end: bool,
}

/// How a line was wrapped in the log. A dump does not continue into lines wrapped differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Wrap {
    Plain,
    Cri,
    Json,
    TestOutput,
}

impl Line {
    fn new(text: Vec<u8>, number: u64, wrap: Wrap) -> Line {
        Line { text, number, test: None, wrap, record_end: false }
    }
}

/// Fields of JSON log records that carry the message, most specific first.
const MESSAGE_FIELDS: &[&str] =
    &["log", "Output", "stack", "stacktrace", "stacks", "msg", "message", "MESSAGE", "error", "err"];

/// How far above a goroutine header a crash message (`panic: …`) may sit.
const PROLOGUE_LINES: usize = 40;

/// The delimiter of a race detector report.
const RACE_DELIMITER: &[u8] = b"==================";

/// The longest log line read; a longer one is skipped and counted, so that memory stays bounded whatever the
/// input (the traceback parser's largest batch).
pub(crate) const MAX_LINE: usize = 64 << 20;

/// How much of each line kept for looking back (a crash message above a dump, goleak's words) is kept.
const LOOK_BACK_BYTES: usize = 64 << 10;

/// Lines kept for looking back: the prologue, and the three lines above it where goleak says what it found.
const LOOK_BACK_LINES: usize = PROLOGUE_LINES + 3;

/// Finds every goroutine dump in a log, in order, reading it line by line: memory holds a line, a few lines above
/// it and the dump being read, never the whole log. Each dump is handed to `each` as soon as it is read.
pub(crate) fn extract_dumps<R: BufRead>(
    log: &mut Log<R>,
    mut each: impl FnMut(ExtractedDump) -> Result<(), DumpError>,
) -> Result<(), DumpError> {
    // Tests running at this point of a plain `go test -v` log, innermost last.
    let mut running: Vec<Rc<str>> = Vec::new();
    // The test whose `--- FAIL:` line came last, while the indented log output under it goes on: plain
    // `go test` prints a test's log (goleak's report among it) after its result line.
    let mut ended: Option<Rc<str>> = None;
    let mut recent = Recent::default();
    while let Some(line) = log.next_line() {
        match test_line(&line.text) {
            Some((true, name)) => running.push(name.into()),
            Some((false, name)) => {
                if let Some(at) = running.iter().rposition(|t| **t == *name) {
                    running.truncate(at);
                }
                ended = Some(name.into());
            }
            None if !line.text.starts_with(b"    ") => ended = None,
            None => {}
        }
        if line.text.trim_ascii().ends_with(RACE_DELIMITER) && is_race_delimiter(&line.text) {
            recent.push(line);
            skip_race_report(log, &mut recent);
            continue;
        }
        let Some((prefix, format)) = dump_start(&line.text) else {
            recent.push(line);
            continue;
        };
        let prefix = prefix.to_vec();
        let start = prologue_start(&recent, &prefix);
        let leak_report = recent
            .lines
            .range(start.saturating_sub(3)..)
            .any(|l| memchr::memmem::find(&l.text, b"found unexpected goroutines").is_some());
        let mut text = Vec::new();
        for line in recent.lines.range(start..) {
            if let Some(stripped) = strip_prefix(&line.text, &prefix) {
                text.extend_from_slice(stripped);
                text.push(b'\n');
            }
        }
        let first_line = recent.lines.get(start).map_or(line.number, |l| l.number);
        // `go test -json` names the test of every line; a line it does not name is the package's own output
        // (goleak's `VerifyTestMain`), whatever other packages run meanwhile.
        let plain = line.wrap != Wrap::TestOutput;
        let test = line.test.clone().or_else(|| {
            (leak_report && plain).then(|| running.last().cloned().or_else(|| ended.clone())).flatten()
        });
        let taken = match format {
            InputFormat::CountText => take_count_text(line, log, &prefix, &mut text),
            _ => take_traceback(line, log, &prefix, &mut text),
        };
        for line in taken {
            recent.push(line);
        }
        // A later dump's prologue starts below this one.
        recent.after_dump = 0;
        each(ExtractedDump {
            text,
            line: first_line,
            format,
            test: test.map(|t| t.to_string()),
            leak_report,
        })?;
    }
    log.finish()
}

/// The last lines read, for looking back from a dump's first goroutine header.
#[derive(Default)]
struct Recent {
    lines: VecDeque<Line>,
    /// How many of `lines` came after the last dump.
    after_dump: usize,
}

impl Recent {
    fn push(&mut self, mut line: Line) {
        if line.text.len() > LOOK_BACK_BYTES {
            line.text.truncate(LOOK_BACK_BYTES);
            line.text.shrink_to_fit();
        }
        if self.lines.len() == LOOK_BACK_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
        self.after_dump = (self.after_dump + 1).min(self.lines.len());
    }
}

/// `=== RUN   TestX` (true: it starts or resumes) or `--- FAIL: TestX (0.1s)` (false: it ended), with the test.
fn test_line(text: &[u8]) -> Option<(bool, &str)> {
    let text = std::str::from_utf8(text).ok()?.trim_start();
    let (starts, rest) =
        if let Some(rest) = text.strip_prefix("=== RUN").or_else(|| text.strip_prefix("=== CONT")) {
            (true, rest)
        } else {
            let rest = ["--- FAIL:", "--- PASS:", "--- SKIP:"].iter().find_map(|p| text.strip_prefix(p))?;
            (false, rest)
        };
    Some((starts, rest.split_whitespace().next()?))
}

fn is_race_delimiter(text: &[u8]) -> bool {
    let trimmed = text.trim_ascii();
    trimmed.len() >= RACE_DELIMITER.len()
        && trimmed[trimmed.len() - RACE_DELIMITER.len()..] == *RACE_DELIMITER
        && trimmed.get(trimmed.len().wrapping_sub(RACE_DELIMITER.len() + 1)) != Some(&b'=')
}

/// Reads past a race report whose first delimiter was just read (bounded: a report without its closing line ends
/// at the next goroutine header, which is left to be read again).
fn skip_race_report<R: BufRead>(log: &mut Log<R>, recent: &mut Recent) {
    while let Some(line) = log.next_line() {
        if is_race_delimiter(&line.text) {
            recent.push(line);
            return;
        }
        if line.text.starts_with(b"goroutine ") && parse_header(&line.text).is_some() {
            log.push_back(line);
            return;
        }
        recent.push(line);
    }
}

/// Where a dump starts in this line: the prefix before `goroutine N […]:`, `goroutine profile: total N` or
/// goleak's `[Goroutine N in state …`.
fn dump_start(text: &[u8]) -> Option<(&[u8], InputFormat)> {
    if let Some(at) = memchr::memmem::find(text, b"[Goroutine ")
        && goleak_header(&text[at..]).is_some()
    {
        return Some((&text[..at], InputFormat::Traceback));
    }
    let finder = memchr::memmem::find_iter(text, b"goroutine");
    for at in finder {
        let rest = &text[at..];
        if rest.starts_with(b"goroutine ") && parse_header(rest).is_some() {
            return Some((&text[..at], InputFormat::Traceback));
        }
        // `goroutine profile: total N` or `goroutineleak profile: total N`
        if count_header(rest).is_some() {
            return Some((&text[..at], InputFormat::CountText));
        }
    }
    None
}

/// The first line of the crash report that the dump whose header was just read belongs to: the index in `recent`
/// of the nearest `panic:`, `fatal error:` or signal line above it with the same prefix (at most
/// [`PROLOGUE_LINES`] up, and not into the previous dump), or `recent.lines.len()`: the header itself.
fn prologue_start(recent: &Recent, prefix: &[u8]) -> usize {
    let header = recent.lines.len();
    let lowest = header - recent.after_dump.min(PROLOGUE_LINES);
    for j in (lowest..header).rev() {
        let Some(text) = strip_prefix(&recent.lines[j].text, prefix) else {
            break;
        };
        if text.starts_with(b"goroutine ") {
            break;
        }
        if crate::detect::CRASH_STARTS.iter().any(|s| text.starts_with(s)) && !text.starts_with(b"runtime: ")
        {
            return j;
        }
    }
    header
}

/// Appends the lines of a traceback whose first line is `first`, reading on to its end; the line after it is left
/// to be read again. Returns the lines taken.
fn take_traceback<R: BufRead>(first: Line, log: &mut Log<R>, prefix: &[u8], text: &mut Vec<u8>) -> Vec<Line> {
    let wrap = first.wrap;
    let mut after_blank = false;
    let mut taken: Vec<Line> = Vec::new();
    let mut next = Some(first);
    while let Some(line) = next.take().or_else(|| log.next_line()) {
        let stripped = strip_prefix(&line.text, prefix)
            .filter(|_| line.wrap == wrap && !taken.last().is_some_and(|previous| previous.record_end));
        let Some(stripped) = stripped else {
            log.push_back(line);
            break;
        };
        let trimmed = stripped.trim_ascii_end();
        if let Some(header) = goleak_header(trimmed) {
            // One goroutine of a goleak report: its header in the runtime's words.
            if !text.is_empty() && !text.ends_with(b"\n\n") {
                text.push(b'\n');
            }
            text.extend_from_slice(&header);
            text.push(b'\n');
            after_blank = false;
            taken.push(line);
            continue;
        }
        if trimmed.trim_ascii_start() == b"]" {
            // The end of a goleak report.
            taken.push(line);
            break;
        }
        if trimmed.is_empty() {
            after_blank = true;
            text.push(b'\n');
            taken.push(line);
            continue;
        }
        let belongs = if after_blank {
            parse_header(trimmed).is_some() || is_trailer(trimmed)
        } else {
            parse_header(trimmed).is_some() || is_record_line(trimmed) || is_trailer(trimmed)
        };
        if !belongs {
            log.push_back(line);
            break;
        }
        after_blank = false;
        text.extend_from_slice(stripped);
        text.push(b'\n');
        taken.push(line);
    }
    taken
}

/// Appends the lines of a `debug=1` profile whose first line is `first`, reading on to its end; the line after it
/// is left to be read again. Returns the lines taken.
fn take_count_text<R: BufRead>(
    first: Line,
    log: &mut Log<R>,
    prefix: &[u8],
    text: &mut Vec<u8>,
) -> Vec<Line> {
    text.extend_from_slice(strip_prefix(&first.text, prefix).unwrap_or_default());
    text.push(b'\n');
    let mut taken = vec![first];
    while let Some(line) = log.next_line() {
        let record = strip_prefix(&line.text, prefix).filter(|stripped| {
            stripped.is_empty()
                || stripped.starts_with(b"#")
                || stripped.split(|&b| b == b' ').nth(1) == Some(b"@")
        });
        let Some(stripped) = record else {
            log.push_back(line);
            break;
        };
        text.extend_from_slice(stripped);
        text.push(b'\n');
        taken.push(line);
    }
    taken
}

/// goleak's line before each goroutine, `[Goroutine 7 in state chan receive, with f on top of the stack:` (the
/// first) or ` Goroutine 8 in state …` (the others), as the runtime's header `goroutine 7 [chan receive]:`.
fn goleak_header(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?.trim();
    let rest = text.strip_prefix('[').unwrap_or(text).strip_prefix("Goroutine ")?;
    let (id, rest) = rest.split_once(" in state ")?;
    let (state, _) = rest.rsplit_once(", with ")?;
    if !text.ends_with(" on top of the stack:") || id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("goroutine {id} [{state}]:").into_bytes())
}

/// A line that can sit inside a goroutine record.
fn is_record_line(text: &[u8]) -> bool {
    const STARTS: &[&[u8]] = &[
        b"\t",
        b"created by ",
        b"...",
        b"[originating from goroutine ",
        b"non-Go function",
        b"runtime: ",
        b"stack: frame={",
    ];
    if STARTS.iter().any(|s| text.starts_with(s)) {
        return true;
    }
    // A function line: `pkg.F(args)`, no space before the argument list.
    text.ends_with(b")")
        && memchr::memchr(b'(', text).is_some_and(|open| open > 0 && !text[..open].contains(&b' '))
}

/// Lines that follow a dump in a crash report or a test run: registers, exit status, test results.
fn is_trailer(text: &[u8]) -> bool {
    const STARTS: &[&[u8]] =
        &[b"exit status ", b"FAIL", b"PC=", b"m=", b"signal arrived", b"rax ", b"rip ", b"r8 ", b"r9 "];
    if STARTS.iter().any(|s| text.starts_with(s)) {
        return true;
    }
    // Register dump rows: `rbx    0x0`.
    let name = text.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    (2..=6).contains(&name)
        && text[name..].starts_with(b" ")
        && text[name..].trim_ascii_start().starts_with(b"0x")
        && text.len() < 64
}

/// The line without a prefix of the same shape as `prefix`: digits stand for digits (timestamps advance),
/// letters for letters (month names), everything else for itself.
fn strip_prefix<'t>(text: &'t [u8], prefix: &[u8]) -> Option<&'t [u8]> {
    if prefix.is_empty() {
        return Some(text);
    }
    if let Some(rest) = text.strip_prefix(prefix) {
        return Some(rest);
    }
    let (mut i, mut j) = (0, 0);
    while i < prefix.len() {
        let p = prefix[i];
        let t = *text.get(j)?;
        if p.is_ascii_digit() {
            if !t.is_ascii_digit() {
                return None;
            }
            while prefix.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            while text.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            continue;
        }
        let same = if p.is_ascii_alphabetic() { t.is_ascii_alphabetic() } else { p == t };
        if !same {
            return None;
        }
        i += 1;
        j += 1;
    }
    Some(&text[j..])
}

/// A `go test -json` output stream: package and test.
type TestStream = (Rc<str>, Option<Rc<str>>);

/// The lines of an input read one at a time, cut as `split(b'\n')` cuts (the last piece, after the last line end,
/// may be empty) and without a trailing `\r`. A line longer than [`MAX_LINE`] is skipped, never held.
pub(crate) struct RawLines<R> {
    reader: R,
    /// Lines read so far.
    pub(crate) number: u64,
    /// Bytes read so far.
    pub(crate) bytes: u64,
    /// The first bytes, to say what the input is when it is not a dump.
    pub(crate) sniff: Vec<u8>,
    /// The last bytes read (at most 3), to say how the input ends.
    pub(crate) last: Vec<u8>,
    done: bool,
}

impl<R: BufRead> RawLines<R> {
    pub(crate) fn new(reader: R) -> RawLines<R> {
        RawLines { reader, number: 0, bytes: 0, sniff: Vec::new(), last: Vec::new(), done: false }
    }

    /// Reads the next line into `line`: `Some(true)`, or `Some(false)` when it was too long and skipped; `None`
    /// after the last one.
    pub(crate) fn read(&mut self, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
        line.clear();
        if self.done {
            return Ok(None);
        }
        let mut too_long = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                self.done = true;
                break;
            }
            let (piece, used, ended) = match memchr::memchr(b'\n', available) {
                Some(at) => (&available[..at], at + 1, true),
                None => (available, available.len(), false),
            };
            if self.sniff.len() < 512 {
                let take = used.min(512 - self.sniff.len());
                self.sniff.extend_from_slice(&available[..take]);
            }
            self.last.extend_from_slice(&available[used.saturating_sub(3)..used]);
            self.last.drain(..self.last.len().saturating_sub(3));
            if !too_long && line.len() + piece.len() > MAX_LINE {
                too_long = true;
                *line = Vec::new();
            }
            if !too_long {
                line.extend_from_slice(piece);
            }
            self.reader.consume(used);
            self.bytes += used as u64;
            if ended {
                break;
            }
        }
        self.number += 1;
        if line.ends_with(b"\r") {
            line.pop();
        }
        Ok(Some(!too_long))
    }
}

/// A log being read: its lines with their wrapping removed. JSON records give their message field (which may hold
/// several lines), `go test -json` its `Output` fields joined per test, CRI lines their text with partial lines
/// joined. A line longer than [`MAX_LINE`] (raw or joined) is skipped and counted.
pub(crate) struct Log<R> {
    pub(crate) raw: RawLines<R>,
    /// Lines skipped for their length: how many, and the number of the first.
    pub(crate) skipped: (u64, u64),
    error: Option<io::Error>,
    /// The input is read to its end (or to an error).
    done: bool,
    /// Unwrapped lines to be read, in order.
    ready: VecDeque<Line>,
    /// `go test -json` output not yet ended by a newline, per (package, test).
    pending: FxHashMap<TestStream, (Vec<u8>, u64)>,
    tests: FxHashMap<String, Rc<str>>,
    cri_partial: Option<(Vec<u8>, u64)>,
    message_field: Option<&'static str>,
}

impl<R: BufRead> Log<R> {
    pub(crate) fn new(reader: R) -> Log<R> {
        Log {
            raw: RawLines::new(reader),
            skipped: (0, 0),
            error: None,
            done: false,
            ready: VecDeque::new(),
            pending: FxHashMap::default(),
            tests: FxHashMap::default(),
            cri_partial: None,
            message_field: None,
        }
    }

    /// The next unwrapped line; `None` at the end of the input, or at a read error (returned by [`Log::finish`]).
    fn next_line(&mut self) -> Option<Line> {
        while self.ready.is_empty() && !self.done {
            let mut raw = Vec::new();
            match self.raw.read(&mut raw) {
                Ok(Some(true)) => self.unwrap(raw),
                Ok(Some(false)) => self.skip(self.raw.number),
                Ok(None) => self.done = true,
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                }
            }
            if self.done {
                self.flush();
            }
        }
        self.ready.pop_front()
    }

    /// Puts a line back, to be read next.
    fn push_back(&mut self, line: Line) {
        self.ready.push_front(line);
    }

    /// The read error met, if any.
    fn finish(&mut self) -> Result<(), DumpError> {
        match self.error.take() {
            Some(source) => Err(DumpError::Io { offset: self.raw.bytes, source }),
            None => Ok(()),
        }
    }

    fn skip(&mut self, number: u64) {
        if self.skipped.0 == 0 {
            self.skipped.1 = number;
        }
        self.skipped.0 += 1;
    }

    /// Unwraps one raw line into the lines it holds.
    fn unwrap(&mut self, raw: Vec<u8>) {
        let number = self.raw.number;
        let trimmed = raw.trim_ascii();
        if trimmed.starts_with(b"{")
            && trimmed.ends_with(b"}")
            && let Ok(serde_json::Value::Object(record)) =
                serde_json::from_slice::<serde_json::Value>(trimmed)
        {
            if record.contains_key("Action") {
                if let Some(output) = record.get("Output").and_then(|o| o.as_str()) {
                    self.test_output(&record, output, number);
                }
                return;
            }
            if let Some(message) = json_message(&record, &mut self.message_field) {
                let message = message.strip_suffix('\n').unwrap_or(message);
                for line in message.split('\n') {
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    self.ready.push_back(Line::new(line.as_bytes().to_vec(), number, Wrap::Json));
                }
                if let Some(last) = self.ready.back_mut().filter(|_| message.contains('\n')) {
                    last.record_end = true;
                }
                return;
            }
        }
        if let Some((partial, text)) = cri_line(&raw) {
            let (joined, _) = self.cri_partial.get_or_insert_with(|| (Vec::new(), number));
            if joined.len() + text.len() > MAX_LINE {
                self.cri_partial = None;
                self.skip(number);
                return;
            }
            joined.extend_from_slice(text);
            if !partial {
                let (line, first) = self.cri_partial.take().unwrap_or_default();
                self.ready.push_back(Line::new(line, first, Wrap::Cri));
            }
            return;
        }
        self.ready.push_back(Line::new(raw, number, Wrap::Plain));
    }

    /// One `Output` field of a `go test -json` record: the lines it completes for its test.
    fn test_output(
        &mut self,
        record: &serde_json::Map<String, serde_json::Value>,
        output: &str,
        number: u64,
    ) {
        let package: Rc<str> = record.get("Package").and_then(|p| p.as_str()).unwrap_or("").into();
        let test = record
            .get("Test")
            .and_then(|t| t.as_str())
            .map(|t| self.tests.entry(t.to_owned()).or_insert_with(|| t.into()).clone());
        let (buffer, first) =
            self.pending.entry((package, test.clone())).or_insert_with(|| (Vec::new(), number));
        if buffer.is_empty() {
            *first = number;
        }
        if buffer.len() + output.len() > MAX_LINE {
            buffer.clear();
            self.skip(number);
            return;
        }
        buffer.extend_from_slice(output.as_bytes());
        while let Some(newline) = memchr::memchr(b'\n', buffer) {
            let line: Vec<u8> = buffer.drain(..=newline).take(newline).collect();
            let line = line.strip_suffix(b"\r").map(<[u8]>::to_vec).unwrap_or(line);
            let mut line = Line::new(line, *first, Wrap::TestOutput);
            line.test.clone_from(&test);
            self.ready.push_back(line);
            *first = number;
        }
    }

    /// At the end of the input: the `go test -json` output no newline ended.
    fn flush(&mut self) {
        for ((_, test), (rest, number)) in std::mem::take(&mut self.pending) {
            if !rest.is_empty() {
                let mut line = Line::new(rest, number, Wrap::TestOutput);
                line.test = test;
                self.ready.push_back(line);
            }
        }
    }
}

/// The message of a JSON log record: the field holding a goroutine header if any, else the field used so far,
/// else the first message-like field.
fn json_message<'r>(
    record: &'r serde_json::Map<String, serde_json::Value>,
    chosen: &mut Option<&'static str>,
) -> Option<&'r str> {
    let field = |name: &str| record.get(name).and_then(|v| v.as_str());
    let with_header = MESSAGE_FIELDS.iter().find(|name| {
        field(name).is_some_and(|text| text.split('\n').any(|l| dump_start(l.as_bytes()).is_some()))
    });
    if let Some(name) = with_header {
        *chosen = Some(name);
        return field(name);
    }
    if let Some(text) = chosen.and_then(field) {
        return Some(text);
    }
    MESSAGE_FIELDS.iter().find_map(|name| field(name))
}

/// A CRI (containerd, CRI-O) log line `2026-11-24T10:00:00.123Z stderr F text`: whether it is partial, and its text.
fn cri_line(raw: &[u8]) -> Option<(bool, &[u8])> {
    let mut parts = raw.splitn(4, |&b| b == b' ');
    let time = parts.next()?;
    let stream = parts.next()?;
    let tag = parts.next()?;
    let text = parts.next().unwrap_or_default();
    let timestamp = time.len() >= 20 && time[..4].iter().all(u8::is_ascii_digit) && time[4] == b'-';
    if !timestamp || !(stream == b"stdout" || stream == b"stderr") {
        return None;
    }
    match tag {
        b"F" => Some((false, text)),
        b"P" => Some((true, text)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_the_same_shape() {
        let prefix = b"2026-11-24T10:00:00.123Z app: ";
        assert_eq!(strip_prefix(b"2026-11-24T10:00:01.9Z app: x", prefix), Some(&b"x"[..]));
        assert_eq!(strip_prefix(b"Nov 24 10:00:00 h a[1]: y", b"Dec 24 10:00:00 h a[1]: "), Some(&b"y"[..]));
        assert_eq!(strip_prefix(b"other line", prefix), None);
        assert_eq!(strip_prefix(b"        \tx.go:1", b"        "), Some(&b"\tx.go:1"[..]));
    }

    fn extract(bytes: &[u8]) -> Vec<ExtractedDump> {
        let mut dumps = Vec::new();
        extract_dumps(&mut Log::new(bytes), |dump| {
            dumps.push(dump);
            Ok(())
        })
        .unwrap();
        dumps
    }

    #[test]
    fn dumps_behind_prefixes_and_json() {
        // Hand-made: the shapes of real logs, shortened.
        let log = b"2026-11-24 10:00:00.1 starting\n\
            2026-11-24 10:00:00.2 panic: boom\n\
            2026-11-24 10:00:00.2 \n\
            2026-11-24 10:00:00.2 goroutine 1 [running]:\n\
            2026-11-24 10:00:00.2 main.main()\n\
            2026-11-24 10:00:00.2 \t/app/main.go:9 +0x1d\n\
            2026-11-24 10:00:00.2 exit status 2\n\
            {\"level\":\"error\",\"stacks\":\"goroutine 7 [chan send]:\\nmain.f()\\n\\t/app/main.go:3 +0x1\\n\"}\n\
            2026-11-24T10:00:00.123Z stderr P goroutine 9 [sel\n\
            2026-11-24T10:00:00.123Z stderr F ect]:\n\
            2026-11-24T10:00:00.123Z stderr F main.g()\n\
            2026-11-24T10:00:00.123Z stderr F \t/app/main.go:4 +0x1\n";
        let dumps = extract(log);
        assert_eq!(dumps.len(), 3, "{dumps:?}");
        assert_eq!(dumps[0].line, 2);
        assert!(dumps[0].text.starts_with(b"panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n"));
        assert!(dumps[1].text.starts_with(b"goroutine 7 [chan send]:\nmain.f()\n\t/app/main.go:3"));
        assert_eq!(dumps[2].text, b"goroutine 9 [select]:\nmain.g()\n\t/app/main.go:4 +0x1\n");
    }

    #[test]
    fn lines_are_split_as_split_does() {
        for text in [&b""[..], b"\n", b"a", b"a\n", b"a\r\nb", b"a\n\nb\r\n", b"\r\n\r"] {
            // A reader that hands out one byte at a time: lines cross its buffer's edges.
            let mut lines = RawLines::new(io::BufReader::with_capacity(1, text));
            let mut ours = Vec::new();
            let mut line = Vec::new();
            while lines.read(&mut line).unwrap() == Some(true) {
                ours.push(line.clone());
            }
            let split: Vec<&[u8]> =
                text.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect();
            assert_eq!(ours, split, "{text:?}");
            assert_eq!(lines.bytes, text.len() as u64);
        }
    }

    #[test]
    fn race_reports_are_skipped() {
        let log = b"==================\nWARNING: DATA RACE\nWrite at 0x1 by goroutine 7:\n  main.f()\n\
            ==================\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n";
        let dumps = extract(log);
        assert_eq!(dumps.len(), 1);
        assert_eq!(dumps[0].line, 6);
    }
}
