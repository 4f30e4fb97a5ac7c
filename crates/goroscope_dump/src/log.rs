//! Goroutine dumps inside logs: whatever each line is prefixed with (timestamps, Kubernetes `stderr F`, syslog),
//! JSON log records (Docker's `log`, a structured logger's message or stack field), `go test` output plain or
//! `-json`, and goleak reports. Race detector reports and other lines between dumps are skipped.

use std::borrow::Cow;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::InputFormat;
use crate::counted::count_header;
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
struct Line<'a> {
    text: Cow<'a, [u8]>,
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

impl<'a> Line<'a> {
    fn new(text: Cow<'a, [u8]>, number: u64, wrap: Wrap) -> Line<'a> {
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

/// Finds every goroutine dump in a log, in order.
pub(crate) fn extract_dumps(bytes: &[u8]) -> Vec<ExtractedDump> {
    let lines = unwrap_lines(bytes);
    let mut dumps = Vec::new();
    // Tests running at this point of a plain `go test -v` log, innermost last.
    let mut running: Vec<Rc<str>> = Vec::new();
    // The test whose `--- FAIL:` line came last, while the indented log output under it goes on: plain
    // `go test` prints a test's log (goleak's report among it) after its result line.
    let mut ended: Option<Rc<str>> = None;
    let mut i = 0;
    let mut previous_end = 0;
    while i < lines.len() {
        let line = &lines[i];
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
            i = skip_race_report(&lines, i);
            continue;
        }
        let Some((prefix, format)) = dump_start(&line.text) else {
            i += 1;
            continue;
        };
        let prefix = prefix.to_vec();
        let start = prologue_start(&lines, i, previous_end, &prefix);
        let leak_report = (start.saturating_sub(3)..i)
            .any(|j| memchr::memmem::find(&lines[j].text, b"found unexpected goroutines").is_some());
        let mut text = Vec::new();
        for line in &lines[start..i] {
            if let Some(stripped) = strip_prefix(&line.text, &prefix) {
                text.extend_from_slice(stripped);
                text.push(b'\n');
            }
        }
        let end = match format {
            InputFormat::CountText => take_count_text(&lines, i, &prefix, &mut text),
            _ => take_traceback(&lines, i, &prefix, &mut text),
        };
        // `go test -json` names the test of every line; a line it does not name is the package's own output
        // (goleak's `VerifyTestMain`), whatever other packages run meanwhile.
        let plain = lines[i].wrap != Wrap::TestOutput;
        let test = lines[i].test.clone().or_else(|| {
            (leak_report && plain).then(|| running.last().cloned().or_else(|| ended.clone())).flatten()
        });
        dumps.push(ExtractedDump {
            text,
            line: lines[start].number,
            format,
            test: test.map(|t| t.to_string()),
            leak_report,
        });
        previous_end = end;
        i = end.max(i + 1);
    }
    dumps
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

/// The index after a race report that starts at `start` (bounded: a report without its closing line ends at the
/// next goroutine header).
fn skip_race_report(lines: &[Line<'_>], start: usize) -> usize {
    for (offset, line) in lines[start + 1..].iter().enumerate() {
        if is_race_delimiter(&line.text) {
            return start + offset + 2;
        }
        if line.text.starts_with(b"goroutine ") && parse_header(&line.text).is_some() {
            return start + offset + 1;
        }
    }
    lines.len()
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

/// The first line of the crash report that a dump starting at `header` belongs to: the nearest `panic:`,
/// `fatal error:` or signal line above it with the same prefix, or the header itself.
fn prologue_start(lines: &[Line<'_>], header: usize, floor: usize, prefix: &[u8]) -> usize {
    let lowest = header.saturating_sub(PROLOGUE_LINES).max(floor);
    for j in (lowest..header).rev() {
        let Some(text) = strip_prefix(&lines[j].text, prefix) else {
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

/// Appends the lines of a traceback that starts at `start`; returns the index after its last line.
fn take_traceback(lines: &[Line<'_>], start: usize, prefix: &[u8], text: &mut Vec<u8>) -> usize {
    let mut after_blank = false;
    let mut end = start;
    for (index, line) in lines.iter().enumerate().skip(start) {
        if line.wrap != lines[start].wrap || (index > start && lines[index - 1].record_end) {
            break;
        }
        let Some(stripped) = strip_prefix(&line.text, prefix) else {
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
            end = index + 1;
            continue;
        }
        if trimmed.trim_ascii_start() == b"]" {
            // The end of a goleak report.
            end = index + 1;
            break;
        }
        if trimmed.is_empty() {
            after_blank = true;
            text.push(b'\n');
            end = index + 1;
            continue;
        }
        let belongs = if after_blank {
            parse_header(trimmed).is_some() || is_trailer(trimmed)
        } else {
            parse_header(trimmed).is_some() || is_record_line(trimmed) || is_trailer(trimmed)
        };
        if !belongs {
            break;
        }
        after_blank = false;
        text.extend_from_slice(stripped);
        text.push(b'\n');
        end = index + 1;
    }
    end
}

/// Appends the lines of a `debug=1` profile that starts at `start`; returns the index after its last line.
fn take_count_text(lines: &[Line<'_>], start: usize, prefix: &[u8], text: &mut Vec<u8>) -> usize {
    let mut end = start;
    for (index, line) in lines.iter().enumerate().skip(start) {
        let Some(stripped) = strip_prefix(&line.text, prefix) else {
            break;
        };
        let record = index == start
            || stripped.is_empty()
            || stripped.starts_with(b"#")
            || stripped.split(|&b| b == b' ').nth(1) == Some(b"@");
        if !record {
            break;
        }
        text.extend_from_slice(stripped);
        text.push(b'\n');
        end = index + 1;
    }
    end
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

/// The log's lines with their wrapping removed: JSON records give their message field (which may hold several
/// lines), `go test -json` its `Output` fields joined per test, CRI lines their text with partial lines joined.
fn unwrap_lines(bytes: &[u8]) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    // `go test -json` output not yet ended by a newline, per (package, test).
    let mut pending: FxHashMap<TestStream, (Vec<u8>, u64)> = FxHashMap::default();
    let mut tests: FxHashMap<String, Rc<str>> = FxHashMap::default();
    let mut cri_partial: Option<(Vec<u8>, u64)> = None;
    let mut message_field: Option<&'static str> = None;
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = index as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let trimmed = raw.trim_ascii();
        if trimmed.starts_with(b"{")
            && trimmed.ends_with(b"}")
            && let Ok(serde_json::Value::Object(record)) =
                serde_json::from_slice::<serde_json::Value>(trimmed)
        {
            if record.contains_key("Action") {
                let Some(output) = record.get("Output").and_then(|o| o.as_str()) else {
                    continue;
                };
                let package: Rc<str> = record.get("Package").and_then(|p| p.as_str()).unwrap_or("").into();
                let test = record
                    .get("Test")
                    .and_then(|t| t.as_str())
                    .map(|t| tests.entry(t.to_owned()).or_insert_with(|| t.into()).clone());
                let (buffer, first) =
                    pending.entry((package, test.clone())).or_insert_with(|| (Vec::new(), number));
                if buffer.is_empty() {
                    *first = number;
                }
                buffer.extend_from_slice(output.as_bytes());
                while let Some(newline) = memchr::memchr(b'\n', buffer) {
                    let line: Vec<u8> = buffer.drain(..=newline).take(newline).collect();
                    let line = line.strip_suffix(b"\r").map(<[u8]>::to_vec).unwrap_or(line);
                    let mut line = Line::new(Cow::Owned(line), *first, Wrap::TestOutput);
                    line.test.clone_from(&test);
                    out.push(line);
                    *first = number;
                }
                continue;
            }
            if let Some(message) = json_message(&record, &mut message_field) {
                let message = message.strip_suffix('\n').unwrap_or(message);
                for line in message.split('\n') {
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    out.push(Line::new(Cow::Owned(line.as_bytes().to_vec()), number, Wrap::Json));
                }
                if let Some(last) = out.last_mut().filter(|_| message.contains('\n')) {
                    last.record_end = true;
                }
                continue;
            }
        }
        if let Some((partial, text)) = cri_line(raw) {
            cri_partial.get_or_insert_with(|| (Vec::new(), number)).0.extend_from_slice(text);
            if !partial {
                let (line, first) = cri_partial.take().unwrap_or_default();
                out.push(Line::new(Cow::Owned(line), first, Wrap::Cri));
            }
            continue;
        }
        out.push(Line::new(Cow::Borrowed(raw), number, Wrap::Plain));
    }
    for ((_, test), (rest, number)) in pending {
        if !rest.is_empty() {
            let mut line = Line::new(Cow::Owned(rest), number, Wrap::TestOutput);
            line.test = test;
            out.push(line);
        }
    }
    out
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
        let dumps = extract_dumps(log);
        assert_eq!(dumps.len(), 3, "{dumps:?}");
        assert_eq!(dumps[0].line, 2);
        assert!(dumps[0].text.starts_with(b"panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n"));
        assert!(dumps[1].text.starts_with(b"goroutine 7 [chan send]:\nmain.f()\n\t/app/main.go:3"));
        assert_eq!(dumps[2].text, b"goroutine 9 [select]:\nmain.g()\n\t/app/main.go:4 +0x1\n");
    }

    #[test]
    fn race_reports_are_skipped() {
        let log = b"==================\nWARNING: DATA RACE\nWrite at 0x1 by goroutine 7:\n  main.f()\n\
            ==================\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n";
        let dumps = extract_dumps(log);
        assert_eq!(dumps.len(), 1);
        assert_eq!(dumps[0].line, 6);
    }
}
