//! The counted formats, `debug=1` text (FORMATS.md §3) and the proto (§4): goroutines counted per stack and
//! label set. Each record becomes one goroutine entry with id 0, an unknown state and the record's count, so the
//! analysis sees the same model as for a traceback and simply finds no ids, wait reasons, wait times or creators.

use std::io::BufRead;

use crate::error::DumpError;
use crate::log::{MAX_LINE, RawLines};
use crate::model::{FrameId, Goroutine, GoroutineExtra, Snapshot, Tables, UNKNOWN_STATE, Warnings, flag};
use crate::{Format, labels};

/// More goroutines than any process holds: counts beyond this are not analysed, with a warning.
const MAX_GOROUTINES: u64 = 1 << 25;

/// A counted profile being built.
pub(crate) struct Counted {
    pub(crate) tables: Tables,
    pub(crate) warnings: Warnings,
    goroutines: Vec<Goroutine>,
    /// Goroutines kept in `goroutines`, at most [`MAX_GOROUTINES`].
    kept: u64,
    /// The profile is `goroutineleak`: every goroutine counted is one the runtime proved leaked.
    leak_profile: bool,
    total: u64,
}

impl Counted {
    pub(crate) fn new(profile: &str) -> Counted {
        Counted {
            tables: Tables::default(),
            warnings: Warnings::default(),
            goroutines: Vec::new(),
            kept: 0,
            leak_profile: profile == "goroutineleak",
            total: 0,
        }
    }

    /// Adds `count` goroutines standing on `frames` (innermost first) with the given pprof labels, read at `line`
    /// (none in the proto).
    pub(crate) fn add(&mut self, line: Option<u64>, frames: &[FrameId], labels: Option<String>, count: u64) {
        let stack = self.tables.stack(frames);
        let state = self.tables.state(UNKNOWN_STATE.as_bytes());
        self.total = self.total.saturating_add(count);
        let room = MAX_GOROUTINES - self.kept;
        if count > room {
            let what = || {
                format!("counts add up to more than {MAX_GOROUTINES} goroutines; only that many are analysed")
            };
            match line {
                Some(line) => self.warnings.push(line, what),
                None => self.warnings.note(what),
            }
        }
        let keep = count.min(room);
        if keep == 0 {
            return;
        }
        self.kept += keep;
        let extra =
            labels.map(|labels| Box::new(GoroutineExtra { labels: Some(labels), ..Default::default() }));
        self.goroutines.push(Goroutine {
            id: 0,
            creator_id: None,
            created_by: None,
            extra,
            stack,
            state,
            wait_minutes: None,
            args_hash: 0,
            // At most MAX_GOROUTINES, which fits.
            count: u32::try_from(keep).unwrap_or(u32::MAX),
            flags: if self.leak_profile { flag::LEAKED } else { 0 },
        });
    }

    pub(crate) fn finish(
        self,
        source: &str,
        format: Format,
        bytes: u64,
        profile: String,
        time_nanos: Option<i64>,
    ) -> Snapshot {
        let mut snapshot = Snapshot::new(source, format, bytes, self.tables, self.goroutines, self.warnings);
        snapshot.profile = Some(profile);
        snapshot.total = Some(self.total);
        snapshot.time_nanos = time_nanos;
        snapshot
    }
}

/// Parses `debug=1` text held in memory.
pub(crate) fn parse_count_text(source: &str, bytes: &[u8]) -> Result<Snapshot, DumpError> {
    parse_count(source, bytes)
}

/// Parses `debug=1` text read line by line: memory holds one line and the profile's distinct stacks, whatever
/// the input's size. A line longer than 64 MiB is skipped with a warning.
pub(crate) fn parse_count(source: &str, reader: impl BufRead) -> Result<Snapshot, DumpError> {
    let mut lines = RawLines::new(reader);
    let mut line = Vec::new();
    let io = |lines: &RawLines<_>, source| DumpError::Io { offset: lines.bytes, source };
    lines.read(&mut line).map_err(|e| io(&lines, e))?;
    let Some((profile, total)) = count_header(&line).map(|(p, t)| (p.to_owned(), t)) else {
        return Err(DumpError::Malformed {
            what: "debug=1 profile",
            line: 1,
            problem: format!(
                "expected `goroutine profile: total N`, found {:?}",
                crate::text::excerpt(&line)
            ),
        });
    };
    let mut out = Counted::new(&profile);
    let mut record: Option<(u64, Option<String>)> = None;
    let mut frames: Vec<FrameId> = Vec::new();
    let mut any_record = false;
    while let Some(read) = lines.read(&mut line).map_err(|e| io(&lines, e))? {
        let lineno = lines.number;
        if !read {
            out.warnings.push(lineno, || format!("skipped a line longer than {} MiB", MAX_LINE >> 20));
            continue;
        }
        let line = line.as_slice();
        if line.is_empty() {
            if let Some((count, labels)) = record.take() {
                out.add(Some(lineno), &frames, labels, count);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix(b"# labels: ") {
            match record.as_mut() {
                Some((_, labels)) => *labels = Some(labels::canonical(rest)),
                None => out.warnings.push(lineno, || "a labels line outside a record".to_owned()),
            }
        } else if let Some(rest) = line.strip_prefix(b"#\t") {
            if record.is_none() {
                out.warnings.push(lineno, || "a frame line outside a record".to_owned());
                continue;
            }
            frames.push(count_frame(&mut out.tables, rest));
        } else if let Some(count) = record_start(line) {
            if let Some((count, labels)) = record.take() {
                out.add(Some(lineno), &frames, labels, count);
            }
            frames.clear();
            record = Some((count, None));
            any_record = true;
        } else {
            out.warnings.push(lineno, || format!("unexpected line {:?}", crate::text::excerpt(line)));
        }
    }
    // The runtime ends every line and every record (with a blank line), and its records add up to the header's
    // total: a profile that does not was cut short.
    let ends = |end: &[u8]| lines.last.ends_with(end);
    let place = if !ends(b"\n") {
        Some("in the middle of a line")
    } else if any_record && !(ends(b"\n\n") || ends(b"\n\r\n")) {
        Some("in the middle of a record")
    } else {
        None
    };
    if let Some((count, labels)) = record.take() {
        out.add(Some(lines.number), &frames, labels, count);
    }
    let mut snapshot = out.finish(source, Format::CountText, lines.bytes, profile, None);
    // Every record's count, also those over the cap on goroutines analysed.
    let in_records = snapshot.total.unwrap_or(0);
    snapshot.total = Some(total);
    let counted = snapshot.goroutine_count();
    let place = place.or((in_records < total).then_some("between two records"));
    if let Some(place) = place {
        snapshot.truncated = Some(crate::Truncation {
            reason: format!(
                "the profile ends {place}; it counts {counted} of the {total} goroutines its header announces"
            ),
        });
    }
    Ok(snapshot)
}

/// `goroutine profile: total 25` → (`goroutine`, 25).
pub(crate) fn count_header(line: &[u8]) -> Option<(&str, u64)> {
    let line = std::str::from_utf8(line).ok()?;
    let (name, total) = line.trim_end().split_once(" profile: total ")?;
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    Some((name, total.parse().ok()?)).filter(|_| valid)
}

/// `2 @ 0x43e2ee 0x40826d` → 2.
fn record_start(line: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(line, b" @")?;
    let rest = &line[at + 2..];
    let addresses_only = rest.split(|&b| b == b' ').filter(|w| !w.is_empty()).all(|w| w.starts_with(b"0x"));
    crate::header::parse_u64(&line[..at]).filter(|_| addresses_only)
}

/// The tab-separated fields of `line`, skipping the empty ones that runs of tabs leave.
fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    memchr::memchr_iter(b'\t', line)
        .chain(std::iter::once(line.len()))
        .map(move |end| {
            let field = &line[start..end];
            start = end + 1;
            field
        })
        .filter(|f| !f.is_empty())
}

/// One `#\t0xPC\tfunc+0xOFF\tfile:line` line (columns padded with runs of tabs), or `#\t0xPC` alone.
fn count_frame(tables: &mut Tables, rest: &[u8]) -> FrameId {
    let mut columns = fields(rest);
    let pc = columns.next().unwrap_or_default();
    let (Some(function), Some(file_line)) = (columns.next(), columns.next()) else {
        return tables.frame_without_file(pc);
    };
    let function = match memchr::memrchr(b'+', function) {
        Some(plus) if function[plus + 1..].starts_with(b"0x") => &function[..plus],
        _ => function,
    };
    tables.frame_from_text(function, file_line).unwrap_or_else(|| tables.frame_without_file(function))
}
