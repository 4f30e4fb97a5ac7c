//! pprof `debug=0` profiles (FORMATS.md §4): a `perftools.profiles.Profile` message, already decompressed.

use std::cell::Cell;

use prost::Message;
use rustc_hash::FxHashMap;

use crate::counted::Counted;
use crate::error::DumpError;
use crate::heap::{Binary, HeapBuilder, HeapProfile, HeapSample};
use crate::model::{Frame, Snapshot};
use crate::{Format, labels};

/// The messages generated from `proto/profile.proto` by `scripts/gen-proto.sh`.
#[allow(clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
mod generated {
    include!("proto/perftools.profiles.rs");
}

use generated::Profile;

/// Parses a decoded-from-gzip pprof profile: a goroutine profile or a heap profile, by its sample types.
pub(crate) fn parse_proto(source: &str, bytes: &[u8]) -> Result<crate::Profile, DumpError> {
    let profile = Profile::decode(bytes).map_err(|e| DumpError::BadProto { problem: e.to_string() })?;
    match profile_kind(&profile)? {
        Kind::Goroutine(name) => {
            Ok(crate::Profile::Goroutines(goroutine_profile(source, bytes, &profile, name)))
        }
        Kind::Heap(columns) => Ok(crate::Profile::Heap(heap_profile(source, bytes, &profile, columns))),
    }
}

/// The strings of a profile by index, `?` past the end of the table, counting such references.
struct Strings<'a> {
    table: &'a [Vec<u8>],
    /// References past the end (Go writes the table last, so a profile cut short has them): how many, and the
    /// first.
    past_end: Cell<(u64, i64)>,
}

impl<'a> Strings<'a> {
    fn new(table: &'a [Vec<u8>]) -> Strings<'a> {
        Strings { table, past_end: Cell::new((0, 0)) }
    }

    fn get(&self, index: i64) -> &'a [u8] {
        usize::try_from(index).ok().and_then(|i| self.table.get(i)).map_or_else(
            || {
                let (count, first) = self.past_end.get();
                self.past_end.set((count + 1, if count == 0 { index } else { first }));
                &b"?"[..]
            },
            Vec::as_slice,
        )
    }

    /// The truncation the references past the end mean, if any.
    fn truncation(&self) -> Option<crate::Truncation> {
        let (count, first) = self.past_end.get();
        (count > 0).then(|| crate::Truncation {
            reason: format!(
                "{count} names refer to strings past the end of the string table ({} strings; the first is string \
                 {first}), read as `?`: the profile is cut short or corrupt",
                self.table.len()
            ),
        })
    }
}

/// The functions of a profile by id, warning about duplicates.
fn functions_by_id<'a>(
    profile: &'a Profile,
    warnings: &mut crate::Warnings,
) -> FxHashMap<u64, &'a generated::Function> {
    let mut functions: FxHashMap<u64, &generated::Function> = FxHashMap::default();
    for function in &profile.function {
        if functions.insert(function.id, function).is_some() {
            warnings.note(|| format!("function id {} is defined twice; the last is used", function.id));
        }
    }
    functions
}

/// The frames of each location by id (a location holds several when calls were inlined), warning about
/// duplicates. `frame` makes one frame from a function name, a file and a line.
fn frames_by_location<F: Copy>(
    profile: &Profile,
    strings: &Strings<'_>,
    warnings: &mut crate::Warnings,
    mut frame: impl FnMut(&[u8], &[u8], u32) -> F,
) -> FxHashMap<u64, Vec<F>> {
    let functions = functions_by_id(profile, warnings);
    let mut locations: FxHashMap<u64, Vec<F>> = FxHashMap::default();
    for location in &profile.location {
        let mut frames: Vec<F> = location
            .line
            .iter()
            .map(|line| {
                let (name, file) = functions
                    .get(&line.function_id)
                    .map_or((&b"?"[..], &b"?"[..]), |f| (strings.get(f.name), strings.get(f.filename)));
                let file = if file.is_empty() { &b"?"[..] } else { file };
                frame(&generic_shapes_elided(name), file, u32::try_from(line.line).unwrap_or(0))
            })
            .collect();
        if frames.is_empty() {
            // An unsymbolised address: name it by its pc, as `debug=1` does.
            frames.push(frame(format!("{:#x}", location.address).as_bytes(), b"?", 0));
        }
        if locations.insert(location.id, frames).is_some() {
            warnings.note(|| format!("location id {} is defined twice; the last is used", location.id));
        }
    }
    locations
}

/// A goroutine profile's goroutines, counted per stack and label set.
fn goroutine_profile(source: &str, bytes: &[u8], profile: &Profile, name: String) -> Snapshot {
    let strings = Strings::new(&profile.string_table);
    let text = |index: i64| strings.get(index);
    let mut out = Counted::new(&name);
    let mut warnings = std::mem::take(&mut out.warnings);
    let tables = &mut out.tables;
    let locations = frames_by_location(profile, &strings, &mut warnings, |function, file, line| {
        let (function, file) = (tables.sym(function), tables.sym(file));
        tables.frame(Frame { function, file, line })
    });
    out.warnings = warnings;
    let goexit = out.tables.sym(b"runtime.goexit");
    let mut frames = Vec::new();
    for (index, sample) in profile.sample.iter().enumerate() {
        frames.clear();
        for id in &sample.location_id {
            match locations.get(id) {
                Some(location) => frames.extend_from_slice(location),
                None => out.warnings.note(|| format!("sample {index} names a missing location {id}")),
            }
        }
        // Tracebacks stop above `runtime.goexit`; so does the model.
        while frames.last().is_some_and(|&f| out.tables.frames[f.0 as usize].function == goexit) {
            frames.pop();
        }
        let count = sample.value.first().copied().unwrap_or(0);
        let Ok(count) = u64::try_from(count) else {
            out.warnings.note(|| format!("sample {index} has a negative count {count}"));
            continue;
        };
        let pairs: Vec<(String, String)> = sample
            .label
            .iter()
            // Numeric labels are not pprof labels; a string label with an empty value has `str` 0 too.
            .filter(|l| l.str != 0 || (l.num == 0 && l.num_unit == 0))
            .map(|l| {
                (
                    String::from_utf8_lossy(text(l.key)).into_owned(),
                    String::from_utf8_lossy(text(l.str)).into_owned(),
                )
            })
            .collect();
        let labels = (!pairs.is_empty())
            .then(|| labels::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        out.add(None, &frames, labels, count);
    }
    let time = (profile.time_nanos != 0).then_some(profile.time_nanos);
    let mut snapshot = out.finish(source, Format::Proto, bytes.len() as u64, name, time);
    snapshot.truncated = strings.truncation();
    snapshot
}

/// Where each heap column is in a sample's values.
#[derive(Debug, Clone, Copy)]
struct HeapColumns {
    alloc_objects: Option<usize>,
    alloc_space: Option<usize>,
    inuse_objects: usize,
    inuse_space: usize,
}

/// A heap (or allocs) profile: its samples are already scaled to estimates of the whole heap.
fn heap_profile(source: &str, bytes: &[u8], profile: &Profile, columns: HeapColumns) -> HeapProfile {
    let strings = Strings::new(&profile.string_table);
    let mut builder = HeapBuilder::default();
    let mut warnings = std::mem::take(&mut builder.warnings);
    let locations = frames_by_location(profile, &strings, &mut warnings, |function, file, line| {
        builder.frame(function, file, line)
    });
    builder.warnings = warnings;
    for (index, sample) in profile.sample.iter().enumerate() {
        let mut stack = Vec::new();
        for id in &sample.location_id {
            match locations.get(id) {
                Some(location) => stack.extend_from_slice(location),
                None => builder.warnings.note(|| format!("sample {index} names a missing location {id}")),
            }
        }
        let value = |column: Option<usize>| -> u64 {
            column.and_then(|c| sample.value.get(c)).map_or(0, |&v| u64::try_from(v).unwrap_or(0))
        };
        if sample.value.iter().any(|&v| v < 0) {
            builder.warnings.note(|| format!("sample {index} has a negative value, read as 0"));
        }
        builder.samples.push(HeapSample {
            stack,
            inuse_objects: value(Some(columns.inuse_objects)),
            inuse_bytes: value(Some(columns.inuse_space)),
            alloc_objects: value(columns.alloc_objects),
            alloc_bytes: value(columns.alloc_space),
        });
    }
    let rate = u64::try_from(profile.period).unwrap_or(0);
    let mut heap = builder.finish(source, Format::Proto, bytes.len() as u64, rate);
    heap.time_nanos = (profile.time_nanos != 0).then_some(profile.time_nanos);
    heap.binary = profile.mapping.first().map(|m| Binary {
        path: String::from_utf8_lossy(strings.get(m.filename)).into_owned(),
        build_id: Some(String::from_utf8_lossy(strings.get(m.build_id)).into_owned())
            .filter(|b| !b.is_empty()),
    });
    heap.truncated = strings.truncation();
    heap
}

/// What a profile is, by its sample types.
enum Kind {
    /// `goroutine` or `goroutineleak`.
    Goroutine(String),
    /// `heap` or `allocs`: the same four columns.
    Heap(HeapColumns),
}

/// The profile's kind from its sample types: a goroutine profile (`goroutine/count`, `goroutineleak/count`) or a
/// heap profile (`inuse_space/bytes` and `inuse_objects/count`, usually with the `alloc_` pair); an error for any
/// other profile.
fn profile_kind(profile: &Profile) -> Result<Kind, DumpError> {
    let strings = &profile.string_table;
    let text = |index: i64| usize::try_from(index).ok().and_then(|i| strings.get(i)).map(Vec::as_slice);
    if profile.sample_type.is_empty() {
        if profile.sample.is_empty() && strings.is_empty() {
            return Err(DumpError::BadProto { problem: "it holds no sample type and no strings".to_owned() });
        }
        return Err(DumpError::NotGoroutineProfile { kind: "untyped".to_owned() });
    }
    let mut types = Vec::new();
    for kind in &profile.sample_type {
        let (Some(name), Some(unit)) = (text(kind.r#type), text(kind.unit)) else {
            return Err(DumpError::BadProto {
                problem: format!(
                    "its sample type names strings {} and {}, and its string table holds {}: it is cut short or \
                     corrupt",
                    kind.r#type,
                    kind.unit,
                    strings.len()
                ),
            });
        };
        types.push((name, unit));
    }
    if let Some(&(name @ (b"goroutine" | b"goroutineleak"), b"count")) = types.first() {
        return Ok(Kind::Goroutine(String::from_utf8_lossy(name).into_owned()));
    }
    let column = |wanted: (&[u8], &[u8])| types.iter().position(|&t| t == wanted);
    if let (Some(inuse_objects), Some(inuse_space)) =
        (column((b"inuse_objects", b"count")), column((b"inuse_space", b"bytes")))
    {
        return Ok(Kind::Heap(HeapColumns {
            alloc_objects: column((b"alloc_objects", b"count")),
            alloc_space: column((b"alloc_space", b"bytes")),
            inuse_objects,
            inuse_space,
        }));
    }
    Err(DumpError::NotGoroutineProfile {
        kind: types
            .iter()
            .map(|(name, unit)| {
                format!("{}/{}", String::from_utf8_lossy(name), String::from_utf8_lossy(unit))
            })
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// `main.F[go.shape.int]` → `main.F[...]`: tracebacks and `debug=1` print type arguments elided; the proto names
/// the instantiation (Go 1.21+).
fn generic_shapes_elided(name: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(open) = memchr::memchr(b'[', name) else {
        return name.into();
    };
    let mut out = name[..open].to_vec();
    let mut depth = 0usize;
    for &b in &name[open..] {
        match b {
            b'[' => {
                if depth == 0 {
                    out.extend_from_slice(b"[...]");
                }
                depth += 1;
            }
            b']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(b),
            _ => {}
        }
    }
    out.into()
}

/// Whether `bytes` plausibly starts a pprof profile message (not gzipped): field 1 (`sample_type`) or another
/// low-numbered field with a valid wire type, then enough of a message to decode. Used for sniffing only.
pub(crate) fn looks_like_proto(bytes: &[u8]) -> bool {
    // Go writes `sample_type` first: tag 0x0a, a short length, then ValueType's field 1 (0x08).
    matches!(bytes, [0x0a, len, 0x08, ..] if *len < 0x80)
        || (bytes.first().is_some_and(|&b| matches!(b >> 3, 1..=14) && matches!(b & 7, 0 | 2))
            && bytes.iter().take(64).any(|&b| b < 0x09))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_names_match_tracebacks() {
        assert_eq!(&*generic_shapes_elided(b"main.F[go.shape.int]"), b"main.F[...]");
        assert_eq!(
            &*generic_shapes_elided(b"main.(*List[go.shape.struct { X []int }]).Push"),
            b"main.(*List[...]).Push"
        );
        assert_eq!(&*generic_shapes_elided(b"main.main.func1"), b"main.main.func1");
    }
}
