//! Streaming and parallel parsing: read a batch, cut it at goroutine headers, parse the pieces in parallel,
//! merge them in input order. Memory is bounded by the batch size plus the unique stacks.

use std::io::{ErrorKind, Read};

use rayon::prelude::*;

use crate::error::DumpError;
use crate::header::parse_header;
use crate::model::{Format, Snapshot, Tables, Truncation, Warnings};
use crate::text::{ChunkResult, Tail, excerpt, parse_chunk};

/// How to parse.
#[derive(Clone, Copy)]
pub struct ParseOptions<'a> {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Target size of the pieces parsed in parallel.
    pub chunk_size: usize,
    /// Called with the number of bytes read so far, after each batch.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl Default for ParseOptions<'_> {
    fn default() -> Self {
        ParseOptions { threads: 0, chunk_size: 2 << 20, progress: None }
    }
}

impl std::fmt::Debug for ParseOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseOptions")
            .field("threads", &self.threads)
            .field("chunk_size", &self.chunk_size)
            .finish()
    }
}

/// The smallest batch: larger than any goroutine record the runtime prints (at most 100 frames, plus ancestors).
const MIN_BATCH: usize = 1 << 20;

/// The largest batch, whatever the thread count and piece size.
const MAX_BATCH: usize = 64 << 20;

/// The runtime's cap on `debug=2` output (FORMATS.md §6).
const DEBUG2_CAP: u64 = 64 << 20;

/// Parses a whole dump held in memory.
pub fn parse_bytes(source: &str, bytes: &[u8], options: &ParseOptions<'_>) -> Result<Snapshot, DumpError> {
    parse_reader(source, bytes, options)
}

/// Parses a dump from a reader, streaming.
pub fn parse_reader(
    source: &str,
    reader: impl Read + Send,
    options: &ParseOptions<'_>,
) -> Result<Snapshot, DumpError> {
    // More threads than cores only add memory (each has a batch share in flight).
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = if options.threads == 0 { cores } else { options.threads.min(cores * 4) };
    let chunk_size = options.chunk_size.clamp(1 << 10, MAX_BATCH);
    // Bytes read at a time; a line longer than this is skipped rather than buffered.
    let batch = chunk_size.saturating_mul(threads.max(1) * 2).clamp(MIN_BATCH, MAX_BATCH);
    let pool =
        (threads > 1).then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok()).flatten();

    let mut merged = Merged::default();
    let mut input = Input { reader, batch, read: 0, eof: false, sniff: Vec::new() };
    let mut buf: Vec<u8> = Vec::with_capacity(batch);
    let mut next: Vec<u8> = Vec::with_capacity(batch);
    input.fill(&mut buf)?;
    loop {
        if buf.is_empty() && input.eof {
            break;
        }
        let cut = if input.eof {
            buf.len()
        } else if let Some(header) = last_header_start(&buf) {
            header
        } else if let Some(newline) = memchr::memrchr(b'\n', &buf) {
            // The record that starts the batch is split unless a blank line ended it before the cut.
            let whole = &buf[..=newline];
            let ended =
                memchr::memmem::find(whole, b"\n\n").or_else(|| memchr::memmem::find(whole, b"\n\r\n"));
            if is_header_at(&buf, 0) && ended.is_none() {
                let line = merged.lines + 1;
                merged.warnings.push(line, || {
                    format!(
                        "a goroutine record longer than {} KiB was split; some of its frames are lost",
                        batch >> 10
                    )
                });
            }
            newline + 1
        } else {
            // One line fills the whole batch: skip it instead of holding it.
            merged.lines += 1;
            let line = merged.lines;
            merged.warnings.push(line, || format!("skipped a line longer than {} KiB", batch >> 10));
            buf.clear();
            input.skip_line(&mut buf)?;
            continue;
        };
        // Read the next batch while this one is parsed.
        next.clear();
        next.extend_from_slice(&buf[cut..]);
        let pieces = split_pieces(&buf[..cut], chunk_size);
        let parse_pieces = || -> Vec<ChunkResult> {
            match &pool {
                Some(pool) => pool.install(|| pieces.par_iter().map(|p| parse_chunk(p)).collect()),
                None => pieces.iter().map(|p| parse_chunk(p)).collect(),
            }
        };
        let (results, filled) = match &pool {
            Some(pool) => pool.join(parse_pieces, || input.fill(&mut next)),
            None => (parse_pieces(), input.fill(&mut next)),
        };
        for result in results {
            merged.absorb(result);
        }
        filled?;
        std::mem::swap(&mut buf, &mut next);
        if let Some(progress) = options.progress {
            progress(input.read - buf.len() as u64);
        }
    }
    merged.finish(source, input.read, &input.sniff)
}

/// The input being read in batches.
struct Input<R> {
    reader: R,
    batch: usize,
    read: u64,
    eof: bool,
    /// The first bytes, to name the format of an input that is not a dump.
    sniff: Vec<u8>,
}

impl<R: Read> Input<R> {
    /// Reads until `buf` holds a batch or the input ends.
    fn fill(&mut self, buf: &mut Vec<u8>) -> Result<(), DumpError> {
        while buf.len() < self.batch && !self.eof {
            let start = buf.len();
            let want = (self.batch - start) as u64;
            // `read_to_end` reads into spare capacity without zeroing it first.
            let n = loop {
                match self.reader.by_ref().take(want).read_to_end(buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(source) => {
                        return Err(DumpError::Io { offset: self.read, source });
                    }
                }
            };
            if self.sniff.len() < 512 {
                let take = n.min(512 - self.sniff.len());
                self.sniff.extend_from_slice(&buf[start..start + take]);
            }
            self.read += n as u64;
            self.eof = n == 0;
        }
        Ok(())
    }

    /// Discards input up to and including the next line end, then refills `buf` after it.
    fn skip_line(&mut self, buf: &mut Vec<u8>) -> Result<(), DumpError> {
        loop {
            self.fill(buf)?;
            if let Some(end) = memchr::memchr(b'\n', buf) {
                buf.drain(..=end);
                return self.fill(buf);
            }
            if self.eof {
                buf.clear();
                return Ok(());
            }
            buf.clear();
        }
    }
}

/// Offset of the last goroutine header line that does not start the buffer.
fn last_header_start(buf: &[u8]) -> Option<usize> {
    let finder = memchr::memmem::FinderRev::new(b"\ngoroutine ");
    let mut end = buf.len();
    while let Some(at) = finder.rfind(&buf[..end]) {
        let start = at + 1;
        if is_header_at(buf, start) {
            return Some(start);
        }
        end = at;
    }
    None
}

/// Offset of the first goroutine header line starting at or after `from`.
fn next_header_start(buf: &[u8], from: usize) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(b"\ngoroutine ");
    let mut pos = from.saturating_sub(1);
    while let Some(at) = finder.find(&buf[pos..]) {
        let start = pos + at + 1;
        if is_header_at(buf, start) {
            return Some(start);
        }
        pos = start;
    }
    None
}

fn is_header_at(buf: &[u8], start: usize) -> bool {
    let rest = &buf[start..];
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let line = &rest[..end];
    parse_header(line.strip_suffix(b"\r").unwrap_or(line)).is_some()
}

/// Cuts a run of whole records into pieces of about `size` bytes, each starting at a header.
fn split_pieces(buf: &[u8], size: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < buf.len() {
        let end = if buf.len() - start <= size {
            buf.len()
        } else {
            next_header_start(buf, start + size).unwrap_or(buf.len())
        };
        pieces.push(&buf[start..end]);
        start = end;
    }
    pieces
}

/// The whole input so far.
#[derive(Default)]
struct Merged {
    tables: Tables,
    goroutines: Vec<crate::model::Goroutine>,
    warnings: Warnings,
    crash: Option<crate::model::Crash>,
    running_tests: Vec<crate::model::RunningTest>,
    lines: u64,
    tail: Tail,
}

impl Merged {
    fn absorb(&mut self, result: ChunkResult) {
        let remap = self.tables.absorb(&result.tables);
        self.goroutines.reserve(result.goroutines.len());
        for mut goroutine in result.goroutines {
            remap.goroutine(&mut goroutine);
            self.goroutines.push(goroutine);
        }
        self.warnings.absorb(result.warnings, self.lines);
        self.lines += result.lines;
        if self.crash.is_none() {
            self.crash = result.crash;
        }
        self.running_tests.extend(result.running_tests);
        self.tail = result.tail;
    }

    fn finish(self, source: &str, bytes: u64, sniff: &[u8]) -> Result<Snapshot, DumpError> {
        if self.goroutines.is_empty() {
            return Err(not_a_dump(bytes, sniff));
        }
        let truncated = if bytes == DEBUG2_CAP {
            Some(Truncation {
                reason: "the dump is exactly 64 MiB, the Go runtime's cap for debug=2 output: goroutines after the cut \
                         are missing (debug=1 and debug=0 have no cap)"
                    .to_owned(),
            })
        } else if let Tail::MidRecord { id } = self.tail {
            Some(Truncation { reason: format!("the dump ends in the middle of goroutine {id}") })
        } else {
            None
        };
        let mut snapshot =
            Snapshot::new(source, Format::Traceback, bytes, self.tables, self.goroutines, self.warnings);
        snapshot.crash = self.crash;
        snapshot.truncated = truncated;
        snapshot.running_tests = self.running_tests;
        Ok(snapshot)
    }
}

/// The error for an input with no goroutine in it, naming what it looks like.
pub(crate) fn not_a_dump(bytes: u64, sniff: &[u8]) -> DumpError {
    let trimmed = sniff.trim_ascii_start();
    if trimmed.is_empty() {
        return DumpError::Empty;
    }
    if sniff.starts_with(&[0x1f, 0x8b]) {
        return DumpError::UnsupportedFormat {
            what: "gzip-compressed data (a pprof debug=0 profile or a .gz file)",
            hint: "let goroscope detect the format (it decompresses .gz and .zst input itself), or decompress it first",
        };
    }
    if trimmed.starts_with(b"goroutine profile: total ")
        || trimmed.starts_with(b"goroutineleak profile: total ")
    {
        return DumpError::UnsupportedFormat {
            what: "a debug=1 goroutine profile read as a traceback",
            hint: "drop --input-format to let goroscope detect it, or pass --input-format debug1",
        };
    }
    if trimmed.starts_with(b"<!DOCTYPE") || trimmed.starts_with(b"<html") || trimmed.starts_with(b"<HTML") {
        return DumpError::UnsupportedFormat {
            what: "an HTML page",
            hint: "the URL served a web page: add ?debug=2 to the goroutine profile URL",
        };
    }
    if trimmed.starts_with(b"{\"Time\":") || trimmed.starts_with(b"{\"Action\":") {
        return DumpError::UnsupportedFormat {
            what: "`go test -json` output read as a traceback",
            hint: "drop --input-format to let goroscope detect it, or pass --input-format log",
        };
    }
    let first_line = trimmed.split(|&b| b == b'\n').next().unwrap_or_default();
    DumpError::NotADump { bytes, excerpt: excerpt(first_line) }
}
