//! Heap profiles (`/debug/pprof/heap` and `/debug/pprof/allocs`): the memory live and allocated per allocation
//! stack, and the `runtime.MemStats` that the `debug=1` text ends with.
//!
//! Both endpoints write the same records; they differ only in the sample type `go tool pprof` shows first. The
//! runtime samples one allocation per `MemProfileRate` bytes (512 KiB by default). The proto carries estimates
//! already scaled up to the whole heap; the `debug=1` text carries the raw sampled counts, which are scaled here
//! the same way (`runtime/pprof.scaleHeapSample`), so that both read as estimates of the whole heap and profiles
//! taken at different rates compare.

use std::io::BufRead;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::DumpError;
use crate::log::{MAX_LINE, RawLines};
use crate::model::{Format, Truncation, Warnings};

/// One heap profile.
#[derive(Debug, Clone)]
pub struct HeapProfile {
    /// Where it came from (path, `-`, URL), as the caller named it; `path:LINE` for one of several in a file.
    pub source: String,
    /// `debug=1` text or proto.
    pub format: Format,
    /// The sampling rate: on average one allocation is recorded per this many bytes (`runtime.MemProfileRate`).
    /// 0 when the profile does not say.
    pub rate: u64,
    /// When the profile was taken, in nanoseconds since the Unix epoch: from the proto, or a timestamp line
    /// before the profile in a file holding several.
    pub time_nanos: Option<i64>,
    /// Frames, shared by the samples' stacks.
    pub frames: Vec<HeapFrame>,
    /// One entry per allocation stack, in input order.
    pub samples: Vec<HeapSample>,
    /// The `runtime.MemStats` trailer of the `debug=1` text (the proto has none).
    pub memstats: Option<MemStats>,
    /// The program that wrote the profile, when the proto's mappings say.
    pub binary: Option<Binary>,
    /// Set when the profile looks cut short.
    pub truncated: Option<Truncation>,
    /// Lines that could not be understood.
    pub warnings: Warnings,
    /// Bytes read.
    pub bytes: u64,
}

/// One frame of an allocation stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct HeapFrame {
    /// Qualified function name.
    pub function: Arc<str>,
    /// File as printed (`?` when unknown).
    pub file: Arc<str>,
    /// Line number (0 when unknown).
    pub line: u32,
}

/// The memory of one allocation stack, estimated for the whole heap from the sampled allocations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeapSample {
    /// Indexes into [`HeapProfile::frames`], innermost (the allocating call) first.
    pub stack: Vec<u32>,
    /// Objects allocated here and not yet freed, as of the last completed garbage collection.
    pub inuse_objects: u64,
    /// Their bytes.
    pub inuse_bytes: u64,
    /// Objects allocated here since the program started.
    pub alloc_objects: u64,
    /// Their bytes.
    pub alloc_bytes: u64,
}

/// The executable that wrote a profile, from the proto's first mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binary {
    /// Its path on the machine it ran on.
    pub path: String,
    /// Its build id, when the profile records one.
    pub build_id: Option<String>,
}

/// The runtime's memory statistics as `debug=1` heap profiles print them (`# runtime.MemStats`), in bytes unless
/// said otherwise. See <https://pkg.go.dev/runtime#MemStats>.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemStats {
    /// Bytes of allocated heap objects.
    pub heap_alloc: u64,
    /// Cumulative bytes allocated since the start.
    pub total_alloc: u64,
    /// Memory obtained from the OS by the Go runtime, for every purpose.
    pub sys: u64,
    /// Cumulative heap objects allocated.
    pub mallocs: u64,
    /// Cumulative heap objects freed.
    pub frees: u64,
    /// Heap memory obtained from the OS.
    pub heap_sys: u64,
    /// Heap spans holding no object.
    pub heap_idle: u64,
    /// Heap spans holding at least one object.
    pub heap_inuse: u64,
    /// Heap memory returned to the OS.
    pub heap_released: u64,
    /// Allocated heap objects.
    pub heap_objects: u64,
    /// Goroutine stacks in use.
    pub stack_inuse: u64,
    /// Stack memory obtained from the OS.
    pub stack_sys: u64,
    /// Span structures in use.
    pub mspan_inuse: u64,
    /// Per-P caches in use.
    pub mcache_inuse: u64,
    /// Profiling bucket hash tables.
    pub buck_hash_sys: u64,
    /// Garbage collection metadata.
    pub gc_sys: u64,
    /// Other runtime allocations.
    pub other_sys: u64,
    /// The heap size the next collection aims at.
    pub next_gc: u64,
    /// When the last collection finished, in nanoseconds since the Unix epoch (0: none yet).
    pub last_gc: u64,
    /// Completed collections.
    pub num_gc: u64,
    /// The process's peak resident set size, printed where the runtime can ask the system (`getrusage` on
    /// Linux, macOS and the BSDs; Windows): absent elsewhere (Plan 9, WebAssembly).
    pub max_rss: Option<u64>,
}

impl MemStats {
    /// Memory the Go runtime holds from the OS and has not given back: its part of the process's resident
    /// memory, at most.
    pub fn retained(&self) -> u64 {
        self.sys.saturating_sub(self.heap_released)
    }

    /// What the runtime spends on itself and keeps in reserve: retained memory that is neither heap in use nor
    /// stacks in use (idle heap not yet returned, span and GC metadata, caches).
    pub fn overhead(&self) -> u64 {
        self.retained().saturating_sub(self.heap_inuse).saturating_sub(self.stack_inuse)
    }
}

impl HeapProfile {
    /// Bytes in use over all samples.
    pub fn inuse_bytes(&self) -> u64 {
        self.samples.iter().map(|s| s.inuse_bytes).fold(0, u64::saturating_add)
    }

    /// The frames of a sample's stack, innermost first.
    pub fn stack<'a>(&'a self, sample: &'a HeapSample) -> impl Iterator<Item = &'a HeapFrame> + 'a {
        sample.stack.iter().filter_map(|&i| self.frames.get(i as usize))
    }
}

/// Builds a profile: interns frames and strings.
#[derive(Default)]
pub(crate) struct HeapBuilder {
    frames: Vec<HeapFrame>,
    frame_ids: FxHashMap<HeapFrame, u32>,
    strings: FxHashMap<Box<[u8]>, Arc<str>>,
    pub(crate) samples: Vec<HeapSample>,
    pub(crate) warnings: Warnings,
}

impl HeapBuilder {
    fn string(&mut self, bytes: &[u8]) -> Arc<str> {
        if let Some(s) = self.strings.get(bytes) {
            return s.clone();
        }
        let s: Arc<str> = String::from_utf8_lossy(bytes).into();
        self.strings.insert(bytes.into(), s.clone());
        s
    }

    pub(crate) fn frame(&mut self, function: &[u8], file: &[u8], line: u32) -> u32 {
        let frame = HeapFrame { function: self.string(function), file: self.string(file), line };
        if let Some(&id) = self.frame_ids.get(&frame) {
            return id;
        }
        let id = u32::try_from(self.frames.len()).unwrap_or(u32::MAX);
        self.frames.push(frame.clone());
        self.frame_ids.insert(frame, id);
        id
    }

    pub(crate) fn finish(self, source: &str, format: Format, bytes: u64, rate: u64) -> HeapProfile {
        HeapProfile {
            source: source.to_owned(),
            format,
            rate,
            time_nanos: None,
            frames: self.frames,
            samples: self.samples,
            memstats: None,
            binary: None,
            truncated: None,
            warnings: self.warnings,
            bytes,
        }
    }
}

/// Go's estimate of the whole heap from sampled counts (`runtime/pprof.scaleHeapSample`): an allocation of
/// `size` bytes is sampled with probability `1 - exp(-size/rate)`.
pub(crate) fn scale(count: u64, size: u64, rate: u64) -> (u64, u64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let average = size as f64 / count as f64;
    let factor = 1.0 / (1.0 - (-average / rate as f64).exp());
    // Saturating float-to-int casts: absurd counts stay absurd, never wrap.
    ((count as f64 * factor) as u64, (size as f64 * factor) as u64)
}

/// `heap profile: 4: 266528 [123: 11284472] @ heap/1048576` → the four totals and the printed rate.
pub(crate) fn heap_header(line: &[u8]) -> Option<([u64; 4], u64)> {
    let rest = line.trim_ascii_end().strip_prefix(b"heap profile: ")?;
    let (counts, rate) = split_at_marker(rest)?;
    let rate = crate::header::parse_u64(rate.strip_prefix(b"heap/")?)?;
    Some((counts, rate))
}

/// `1: 262144 [4: 376832] @ 0x28d9f 0x2a201` → the four counts.
fn record_counts(line: &[u8]) -> Option<[u64; 4]> {
    let (counts, addresses) = split_at_marker(line)?;
    addresses.split(|&b| b == b' ').filter(|w| !w.is_empty()).all(|w| w.starts_with(b"0x")).then_some(counts)
}

/// `A: B [C: D] @ REST` → ([A, B, C, D], REST).
fn split_at_marker(line: &[u8]) -> Option<([u64; 4], &[u8])> {
    let at = memchr::memmem::find(line, b" @")?;
    let (counts, rest) = (&line[..at], line[at + 2..].trim_ascii_start());
    let text = std::str::from_utf8(counts).ok()?;
    let (inuse, alloc) = text.split_once(" [")?;
    let alloc = alloc.strip_suffix(']')?;
    let pair = |s: &str| -> Option<(u64, u64)> {
        let (a, b) = s.split_once(": ")?;
        Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
    };
    let ((a, b), (c, d)) = (pair(inuse)?, pair(alloc)?);
    Some(([a, b, c, d], rest))
}

/// One profile being read from text.
struct Reading {
    builder: HeapBuilder,
    /// The printed rate is twice `MemProfileRate`, for old pprof's sake.
    rate: u64,
    header_inuse_bytes: u64,
    /// The records' raw in-use bytes, summed as read.
    raw_inuse_bytes: u64,
    /// The counts of the record being read.
    record: Option<[u64; 4]>,
    frames: Vec<u32>,
    memstats: FxHashMap<String, String>,
    in_trailer: bool,
    time_nanos: Option<i64>,
    first_line: u64,
    bytes_at_start: u64,
}

impl Reading {
    /// Reads one line of the profile (after its header); a timestamp line after the trailer is returned as the
    /// time of the next profile.
    fn take_line(&mut self, lineno: u64, text: &[u8]) -> Option<i64> {
        if self.in_trailer {
            if let Some(rest) = text.strip_prefix(b"# ")
                && let Some((key, value)) = std::str::from_utf8(rest).ok().and_then(|s| s.split_once(" = "))
            {
                self.memstats.insert(key.to_owned(), value.to_owned());
                return None;
            }
            // Past the trailer: a timestamp for the next profile, or anything else between profiles.
            let time = timestamp(text);
            if time.is_none() && !text.trim_ascii().is_empty() {
                self.builder.warnings.push(lineno, || {
                    format!("unexpected line after the MemStats trailer {:?}", crate::text::excerpt(text))
                });
            }
            return time;
        }
        if text.is_empty() {
            self.close_record();
        } else if text == b"# runtime.MemStats" {
            self.close_record();
            self.in_trailer = true;
        } else if let Some(rest) = text.strip_prefix(b"#\t") {
            if self.record.is_none() {
                self.builder.warnings.push(lineno, || "a frame line outside a record".to_owned());
            } else {
                let frame = heap_frame(&mut self.builder, rest);
                self.frames.push(frame);
            }
        } else if let Some(counts) = record_counts(text) {
            self.close_record();
            self.record = Some(counts);
        } else {
            self.builder
                .warnings
                .push(lineno, || format!("unexpected line {:?}", crate::text::excerpt(text)));
        }
        None
    }

    fn close_record(&mut self) {
        if let Some([inuse_objects, inuse_bytes, alloc_objects, alloc_bytes]) = self.record.take() {
            self.raw_inuse_bytes = self.raw_inuse_bytes.saturating_add(inuse_bytes);
            let (inuse_objects, inuse_bytes) = scale(inuse_objects, inuse_bytes, self.rate);
            let (alloc_objects, alloc_bytes) = scale(alloc_objects, alloc_bytes, self.rate);
            self.builder.samples.push(HeapSample {
                stack: std::mem::take(&mut self.frames),
                inuse_objects,
                inuse_bytes,
                alloc_objects,
                alloc_bytes,
            });
        }
        self.frames.clear();
    }
}

/// Parses `debug=1` heap text read line by line. A file may hold several profiles one after the other (a loop
/// of `curl` appending to a file); a line holding only a UTC timestamp before a profile gives its time. Each
/// profile is named `source:LINE` when there are several.
pub(crate) fn parse_heap_text(source: &str, reader: impl BufRead) -> Result<Vec<HeapProfile>, DumpError> {
    let mut lines = RawLines::new(reader);
    let mut line = Vec::new();
    let io = |lines: &RawLines<_>, source| DumpError::Io { offset: lines.bytes, source };
    let mut done: Vec<HeapProfile> = Vec::new();
    let mut current: Option<Reading> = None;
    let mut pending_time: Option<i64> = None;
    let mut stray = Warnings::default();
    loop {
        let line_start = lines.bytes;
        let Some(read) = lines.read(&mut line).map_err(|e| io(&lines, e))? else { break };
        let lineno = lines.number;
        let target = current.as_mut().map_or(&mut stray, |r| &mut r.builder.warnings);
        if !read {
            target.push(lineno, || format!("skipped a line longer than {} MiB", MAX_LINE >> 20));
            continue;
        }
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        if let Some((totals, printed_rate)) = heap_header(text) {
            if let Some(reading) = current.take() {
                done.push(finish(reading, line_start, None));
            }
            current = Some(Reading {
                builder: HeapBuilder::default(),
                rate: printed_rate / 2,
                header_inuse_bytes: totals[1],
                raw_inuse_bytes: 0,
                record: None,
                frames: Vec::new(),
                memstats: FxHashMap::default(),
                in_trailer: false,
                time_nanos: pending_time.take(),
                first_line: lineno,
                bytes_at_start: line_start,
            });
            continue;
        }
        match current.as_mut() {
            Some(reading) => {
                if let Some(time) = reading.take_line(lineno, text) {
                    pending_time = Some(time);
                }
            }
            None => match timestamp(text) {
                Some(t) => pending_time = Some(t),
                None if text.trim_ascii().is_empty() => {}
                None => stray.push(lineno, || format!("unexpected line {:?}", crate::text::excerpt(text))),
            },
        }
    }
    let ended_mid_line = !lines.last.ends_with(b"\n");
    let Some(mut reading) = current else {
        return Err(DumpError::Malformed {
            what: "heap profile",
            line: 1,
            problem: format!(
                "expected `heap profile: N: N [N: N] @ heap/N`, found {:?}",
                crate::text::excerpt(&lines.sniff)
            ),
        });
    };
    let cut = if ended_mid_line {
        Some("in the middle of a line")
    } else if reading.record.is_some() || !reading.in_trailer {
        Some("before its `# runtime.MemStats` trailer")
    } else {
        None
    };
    reading.close_record();
    done.push(finish(reading, lines.bytes, cut));
    if stray.count > 0
        && let Some(first) = done.first_mut()
    {
        first.warnings.absorb(stray, 0);
    }
    if done.len() > 1 {
        for profile in &mut done {
            let line = profile.source.clone();
            profile.source = format!("{source}:{line}");
        }
    } else if let Some(profile) = done.first_mut() {
        source.clone_into(&mut profile.source);
    }
    Ok(done)
}

/// Ends one profile of the text: its trailer read into [`MemStats`], its truncation judged.
fn finish(reading: Reading, end: u64, cut: Option<&str>) -> HeapProfile {
    let Reading {
        builder,
        rate,
        header_inuse_bytes,
        raw_inuse_bytes,
        memstats,
        in_trailer,
        time_nanos,
        first_line,
        bytes_at_start,
        ..
    } = reading;
    let mut profile = builder.finish("", Format::CountText, end.saturating_sub(bytes_at_start), rate);
    // Kept as the line number until the caller names the profile.
    profile.source = first_line.to_string();
    profile.time_nanos = time_nanos;
    let (stats, missing) = read_memstats(&memstats);
    let mut reasons: Vec<String> = Vec::new();
    if let Some(cut) = cut {
        reasons.push(format!("the profile ends {cut}"));
    } else if raw_inuse_bytes < header_inuse_bytes {
        // The header's in-use bytes are the records' sum: fewer in the records means some were lost.
        reasons.push(format!(
            "its records hold {raw_inuse_bytes} of the {header_inuse_bytes} sampled bytes in use its header \
             announces: records are missing"
        ));
    } else if in_trailer && !missing.is_empty() {
        reasons.push(format!("its `# runtime.MemStats` trailer lacks {}", missing.join(", ")));
    }
    profile.memstats = in_trailer.then_some(stats).filter(|_| missing.is_empty());
    if !reasons.is_empty() {
        profile.truncated = Some(Truncation { reason: reasons.join("; ") });
    }
    profile
}

/// The `MemStats` fields goroscope uses, and the names of those missing.
fn read_memstats(fields: &FxHashMap<String, String>) -> (MemStats, Vec<&'static str>) {
    let mut missing = Vec::new();
    let mut get = |key: &'static str| -> u64 {
        match fields.get(key).and_then(|v| v.trim().parse().ok()) {
            Some(v) => v,
            None => {
                missing.push(key);
                0
            }
        }
    };
    let mut stats = MemStats {
        heap_alloc: get("HeapAlloc"),
        total_alloc: get("TotalAlloc"),
        sys: get("Sys"),
        mallocs: get("Mallocs"),
        frees: get("Frees"),
        heap_sys: get("HeapSys"),
        heap_idle: get("HeapIdle"),
        heap_inuse: get("HeapInuse"),
        heap_released: get("HeapReleased"),
        heap_objects: get("HeapObjects"),
        buck_hash_sys: get("BuckHashSys"),
        gc_sys: get("GCSys"),
        other_sys: get("OtherSys"),
        next_gc: get("NextGC"),
        last_gc: get("LastGC"),
        num_gc: get("NumGC"),
        ..MemStats::default()
    };
    // `# Stack = inuse / sys`, and the same for MSpan and MCache.
    let mut pair = |key: &'static str| -> (u64, u64) {
        let parsed = fields.get(key).and_then(|v| {
            let (a, b) = v.split_once(" / ")?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        });
        parsed.unwrap_or_else(|| {
            missing.push(key);
            (0, 0)
        })
    };
    (stats.stack_inuse, stats.stack_sys) = pair("Stack");
    stats.mspan_inuse = pair("MSpan").0;
    stats.mcache_inuse = pair("MCache").0;
    stats.max_rss = fields.get("MaxRSS").and_then(|v| v.trim().parse().ok());
    // Printed last by every Go version (MaxRSS, when printed, follows it): without it the trailer was cut.
    if !fields.contains_key("DebugGC") {
        missing.push("DebugGC");
    }
    (stats, missing)
}

/// One `#\t0xPC\tfunc+0xOFF\tfile:line` line (columns padded with runs of tabs), or `#\t0xPC` alone.
fn heap_frame(builder: &mut HeapBuilder, rest: &[u8]) -> u32 {
    let mut columns = rest.split(|&b| b == b'\t').filter(|c| !c.is_empty());
    let pc = columns.next().unwrap_or_default();
    let (Some(function), Some(file_line)) = (columns.next(), columns.next()) else {
        return builder.frame(pc, b"?", 0);
    };
    let function = match memchr::memrchr(b'+', function) {
        Some(plus) if function[plus + 1..].starts_with(b"0x") => &function[..plus],
        _ => function,
    };
    let parsed = memchr::memrchr(b':', file_line).and_then(|colon| {
        let line = crate::header::parse_u64(file_line[colon + 1..].trim_ascii())?;
        Some((&file_line[..colon], u32::try_from(line).ok()?))
    });
    match parsed {
        Some((file, line)) => builder.frame(function, file, line),
        None => builder.frame(function, b"?", 0),
    }
}

/// A line holding only a UTC timestamp (`2026-11-25T10:00:00Z`, as `date -u +%FT%TZ` prints it; fractions of a
/// second allowed), in nanoseconds since the Unix epoch.
pub(crate) fn timestamp(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line.trim_ascii()).ok()?;
    if text.len() < 19 || !text.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let time = humantime::parse_rfc3339_weak(text).ok()?;
    let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_nanos()).ok()
}
