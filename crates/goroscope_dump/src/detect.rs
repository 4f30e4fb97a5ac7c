//! Which format an input is, from its first bytes, and the one entry point that reads any of them.

use std::io::{BufRead, BufReader, Cursor, Read};

use crate::chunk::{ParseOptions, not_a_dump, parse_reader};
use crate::counted::{count_header, parse_count, parse_count_text};
use crate::error::DumpError;
use crate::header::parse_header;
use crate::heap::{HeapProfile, heap_header, parse_heap_text};
use crate::log::{Log, MAX_LINE, extract_dumps};
use crate::model::Snapshot;
use crate::proto::{looks_like_proto, parse_proto};

/// The input formats, as detected or as forced with `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputFormat {
    /// Traceback text starting at a goroutine or crash line: `debug=2`, panics, SIGQUIT (streamed, parallel).
    Traceback,
    /// pprof `debug=1` text.
    CountText,
    /// pprof protobuf (`debug=0`), after decompression: a goroutine or a heap profile.
    Proto,
    /// A heap (or allocs) profile's `debug=1` text, ending with `runtime.MemStats`; several in a row in one file.
    HeapText,
    /// Anything else with goroutine dumps inside: logs with line prefixes, JSON log records, `go test` output
    /// plain or `-json`, goleak reports. Each dump found becomes one snapshot.
    Log,
}

/// How much of the input format detection looks at.
const HEAD: usize = 64 << 10;

/// A goroutine profile counts each distinct stack once, so even a huge service's is a few MB; a protobuf decodes
/// whole, so a larger one is refused rather than held in memory.
const MAX_PROTO: u64 = 64 << 20;

/// Lines that open a crash report before its first goroutine.
pub(crate) const CRASH_STARTS: &[&[u8]] = &[
    b"panic: ",
    b"fatal error: ",
    b"SIG",
    b"unexpected fault address",
    b"[signal ",
    b"runtime: ",
    b"unexpected signal",
    b"fatal: morestack",
];

/// Names the format of an input from its first bytes.
pub fn detect(head: &[u8]) -> InputFormat {
    let text = head.trim_ascii_start();
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if count_header(first_line).is_some() {
        return InputFormat::CountText;
    }
    if heap_header(first_line).is_some() || heap_after_timestamp(text) {
        return InputFormat::HeapText;
    }
    if looks_like_proto(head) && !is_mostly_text(head) {
        return InputFormat::Proto;
    }
    let first_line = first_line.strip_suffix(b"\r").unwrap_or(first_line);
    if parse_header(first_line).is_some() || CRASH_STARTS.iter().any(|s| first_line.starts_with(s)) {
        return InputFormat::Traceback;
    }
    InputFormat::Log
}

fn is_mostly_text(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(512)];
    let binary = sample.iter().filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b)).count();
    binary * 20 < sample.len()
}

/// What an input held: goroutine dumps or heap profiles.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Profile {
    /// A goroutine dump.
    Goroutines(Snapshot),
    /// A heap or allocs profile.
    Heap(HeapProfile),
}

/// Reads one input of goroutine dumps in any format: detects it (unless `format` is given) and parses it. A log
/// can hold several dumps, so this returns every snapshot found, in input order. A heap profile is an error
/// ([`DumpError::HeapProfile`]); [`parse_profiles`] reads both. Compressed input must be decompressed first.
pub fn parse_input(
    source: &str,
    reader: impl Read + Send,
    format: Option<InputFormat>,
    options: &ParseOptions<'_>,
) -> Result<Vec<Snapshot>, DumpError> {
    parse_profiles(source, reader, format, options)?
        .into_iter()
        .map(|profile| match profile {
            Profile::Goroutines(snapshot) => Ok(snapshot),
            Profile::Heap(_) => Err(DumpError::HeapProfile),
        })
        .collect()
}

/// Reads one input of goroutine dumps or heap profiles, in any format, in input order.
pub fn parse_profiles(
    source: &str,
    mut reader: impl Read + Send,
    format: Option<InputFormat>,
    options: &ParseOptions<'_>,
) -> Result<Vec<Profile>, DumpError> {
    let mut head = Vec::with_capacity(HEAD);
    (&mut reader)
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|source| DumpError::Io { offset: 0, source })?;
    if head.trim_ascii().is_empty() {
        return Err(DumpError::Empty);
    }
    if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(not_a_dump(head.len() as u64, &head));
    }
    let format = format.unwrap_or_else(|| detect(&head));
    let goroutines = |snapshots: Vec<Snapshot>| snapshots.into_iter().map(Profile::Goroutines).collect();
    match format {
        InputFormat::Traceback => {
            Ok(vec![Profile::Goroutines(parse_reader(source, Cursor::new(head).chain(reader), options)?)])
        }
        InputFormat::CountText => {
            let reader = BufReader::with_capacity(1 << 16, Cursor::new(head).chain(reader));
            Ok(vec![Profile::Goroutines(parse_count(source, reader)?)])
        }
        InputFormat::HeapText => {
            let reader = BufReader::with_capacity(1 << 16, Cursor::new(head).chain(reader));
            Ok(parse_heap_text(source, reader)?.into_iter().map(Profile::Heap).collect())
        }
        InputFormat::Proto => {
            // A protobuf message decodes whole; a gzipped one arrives capped by the decompression limit.
            let offset = head.len() as u64;
            let mut bytes = head;
            reader
                .take(MAX_PROTO + 1 - offset)
                .read_to_end(&mut bytes)
                .map_err(|source| DumpError::Io { offset, source })?;
            if bytes.len() as u64 > MAX_PROTO {
                return Err(DumpError::BadProto {
                    problem: format!(
                        "it is larger than {} MiB, far more than a goroutine or heap profile holds (they count \
                         each distinct stack once)",
                        MAX_PROTO >> 20
                    ),
                });
            }
            Ok(vec![parse_proto(source, &bytes)?])
        }
        InputFormat::Log => {
            let mut log = Log::new(BufReader::with_capacity(1 << 16, Cursor::new(head).chain(reader)));
            let snapshots = log_snapshots(source, &mut log, options)?;
            if snapshots.is_empty() {
                return Err(not_a_dump(log.raw.bytes, &log.raw.sniff));
            }
            Ok(goroutines(snapshots))
        }
    }
}

/// A file of heap profiles that starts with the timestamp of the first.
fn heap_after_timestamp(text: &[u8]) -> bool {
    let mut lines = text.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next().unwrap_or_default();
    crate::heap::timestamp(first).is_some() && lines.next().is_some_and(|l| heap_header(l).is_some())
}

/// Every goroutine dump in a log (`go test` output, a crash among log lines, goleak reports), in order; none when
/// the log holds no dump. Snapshots are named `source:LINE` when there are several or the first starts past line 1.
pub fn parse_log(source: &str, bytes: &[u8], options: &ParseOptions<'_>) -> Result<Vec<Snapshot>, DumpError> {
    log_snapshots(source, &mut Log::new(bytes), options)
}

/// The dumps of a log read line by line, each parsed as soon as it is read.
fn log_snapshots<R: BufRead>(
    source: &str,
    log: &mut Log<R>,
    options: &ParseOptions<'_>,
) -> Result<Vec<Snapshot>, DumpError> {
    let mut snapshots = Vec::new();
    let mut lines = Vec::new();
    extract_dumps(log, |dump| {
        let mut snapshot = match dump.format {
            InputFormat::CountText => parse_count_text(source, &dump.text)?,
            _ => crate::parse_bytes(source, &dump.text, options)?,
        };
        snapshot.test = dump.test;
        snapshot.leak_report = dump.leak_report;
        snapshots.push(snapshot);
        lines.push(dump.line);
        Ok(())
    })?;
    let many = snapshots.len() > 1;
    for (snapshot, line) in snapshots.iter_mut().zip(lines) {
        if many || line > 1 {
            snapshot.source = format!("{source}:{line}");
        }
    }
    let (skipped, first) = log.skipped;
    if skipped > 0
        && let Some(snapshot) = snapshots.first_mut()
    {
        snapshot.warnings.push(first, || {
            format!("skipped {skipped} log lines longer than {} MiB (the first here)", MAX_LINE >> 20)
        });
    }
    Ok(snapshots)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::{InputFormat, MAX_PROTO, parse_input};
    use crate::{DumpError, ParseOptions};

    #[test]
    fn a_proto_larger_than_any_goroutine_profile_is_refused_without_reading_it_all() {
        // Binary bytes without end, taken for a protobuf as --input-format proto says.
        let endless = std::io::repeat(0x08).take(u64::MAX);
        let options = ParseOptions { threads: 1, ..ParseOptions::default() };
        let error = parse_input("big.pb", endless, Some(InputFormat::Proto), &options).unwrap_err();
        assert!(matches!(&error, DumpError::BadProto { problem } if problem.contains("larger than 64 MiB")));
        assert_eq!(MAX_PROTO, 64 << 20);
    }
}
