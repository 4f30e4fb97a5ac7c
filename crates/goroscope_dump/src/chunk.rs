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
        ParseOptions {
            threads: 0,
            chunk_size: 4 << 20,
            progress: None,
        }
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

/// The runtime's cap on `debug=2` output (FORMATS.md §6).
const DEBUG2_CAP: u64 = 64 << 20;

/// Parses a whole dump held in memory.
pub fn parse_bytes(source: &str, bytes: &[u8], options: &ParseOptions<'_>) -> Result<Snapshot, DumpError> {
    parse_reader(source, bytes, options)
}

/// Parses a dump from a reader, streaming.
pub fn parse_reader(
    source: &str,
    mut reader: impl Read,
    options: &ParseOptions<'_>,
) -> Result<Snapshot, DumpError> {
    let threads = if options.threads == 0 {
        rayon::current_num_threads()
    } else {
        options.threads
    };
    let chunk_size = options.chunk_size.max(1 << 10);
    // Bytes read at a time; a line longer than this is skipped rather than buffered.
    let batch = chunk_size * threads.max(1) * 2;
    let pool = (threads > 1)
        .then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok())
        .flatten();

    let mut merged = Merged::default();
    let mut buf: Vec<u8> = Vec::with_capacity(batch);
    let mut sniff: Vec<u8> = Vec::new();
    let mut read_total: u64 = 0;
    let mut eof = false;
    let mut skipping_long_line = false;
    loop {
        while buf.len() < batch && !eof {
            let n = read_some(&mut reader, &mut buf, batch, read_total)?;
            if sniff.len() < 512 {
                let take = n.min(512 - sniff.len());
                sniff.extend_from_slice(&buf[buf.len() - n..buf.len() - n + take]);
            }
            read_total += n as u64;
            eof = n == 0;
        }
        if skipping_long_line {
            match memchr::memchr(b'\n', &buf) {
                Some(end) => {
                    buf.drain(..=end);
                    skipping_long_line = false;
                }
                None => {
                    buf.clear();
                    if eof {
                        break;
                    }
                    continue;
                }
            }
        }
        if buf.is_empty() {
            break;
        }
        let cut = if eof {
            buf.len()
        } else if let Some(header) = last_header_start(&buf) {
            header
        } else if let Some(newline) = memchr::memrchr(b'\n', &buf) {
            newline + 1
        } else {
            // One line fills the whole batch: skip it instead of holding it.
            let line = merged.lines + 1;
            merged
                .warnings
                .push(line, || format!("skipped a line longer than {} KiB", batch >> 10));
            merged.lines += 1;
            buf.clear();
            skipping_long_line = true;
            continue;
        };
        let pieces = split_pieces(&buf[..cut], chunk_size);
        let results: Vec<ChunkResult> = match &pool {
            Some(pool) => pool.install(|| pieces.par_iter().map(|p| parse_chunk(p)).collect()),
            None => pieces.iter().map(|p| parse_chunk(p)).collect(),
        };
        for result in results {
            merged.absorb(result);
        }
        buf.drain(..cut);
        if let Some(progress) = options.progress {
            progress(read_total - buf.len() as u64);
        }
    }
    merged.finish(source, read_total, &sniff)
}

/// Reads once into the spare room of `buf`, retrying on interrupts.
fn read_some(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    batch: usize,
    offset: u64,
) -> Result<usize, DumpError> {
    let start = buf.len();
    let want = (batch - start).max(64 << 10);
    buf.resize(start + want, 0);
    loop {
        match reader.read(&mut buf[start..]) {
            Ok(n) => {
                buf.truncate(start + n);
                return Ok(n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(source) => {
                buf.truncate(start);
                return Err(DumpError::Io { offset, source });
            }
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
            Some(Truncation {
                reason: format!("the dump ends in the middle of goroutine {id}"),
            })
        } else {
            None
        };
        Ok(Snapshot {
            source: source.to_owned(),
            format: Format::Traceback,
            crash: self.crash,
            truncated,
            warnings: self.warnings,
            bytes,
            goroutines: self.goroutines,
            strings: self.tables.strings,
            frames: self.tables.frames,
            stacks: self.tables.stacks,
            states: self.tables.states,
        })
    }
}

/// The error for an input with no goroutine in it, naming what it looks like.
fn not_a_dump(bytes: u64, sniff: &[u8]) -> DumpError {
    let trimmed = sniff.trim_ascii_start();
    if trimmed.is_empty() {
        return DumpError::Empty;
    }
    if sniff.starts_with(&[0x1f, 0x8b]) {
        return DumpError::UnsupportedFormat {
            what: "gzip-compressed data (a pprof debug=0 profile or a .gz file)",
            hint: "decompress it, or fetch the text dump: /debug/pprof/goroutine?debug=2",
        };
    }
    if trimmed.starts_with(b"goroutine profile: total ")
        || trimmed.starts_with(b"goroutineleak profile: total ")
    {
        return DumpError::UnsupportedFormat {
            what: "a debug=1 goroutine profile (counts per stack, no wait states)",
            hint: "fetch /debug/pprof/goroutine?debug=2 for wait states, wait times and creators",
        };
    }
    if trimmed.starts_with(b"<!DOCTYPE") || trimmed.starts_with(b"<html") || trimmed.starts_with(b"<HTML") {
        return DumpError::UnsupportedFormat {
            what: "an HTML page",
            hint: "the URL served a web page: add ?debug=2 to the goroutine profile URL",
        };
    }
    let first_line = trimmed.split(|&b| b == b'\n').next().unwrap_or_default();
    DumpError::NotADump {
        bytes,
        excerpt: excerpt(first_line),
    }
}
