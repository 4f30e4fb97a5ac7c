//! pprof `debug=0` profiles (FORMATS.md §4): a `perftools.profiles.Profile` message, already decompressed.

use std::cell::Cell;

use prost::Message;
use rustc_hash::FxHashMap;

use crate::counted::Counted;
use crate::error::DumpError;
use crate::model::{Frame, FrameId, Snapshot};
use crate::{Format, labels};

/// The messages generated from `proto/profile.proto` by `scripts/gen-proto.sh`.
#[allow(clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
mod generated {
    include!("proto/perftools.profiles.rs");
}

use generated::Profile;

/// Parses a decoded-from-gzip pprof profile.
pub(crate) fn parse_proto(source: &str, bytes: &[u8]) -> Result<Snapshot, DumpError> {
    let profile = Profile::decode(bytes).map_err(|e| DumpError::BadProto { problem: e.to_string() })?;
    let strings = &profile.string_table;
    let get = |index: i64| usize::try_from(index).ok().and_then(|i| strings.get(i)).map(Vec::as_slice);
    // References past the end of the string table (Go writes it last, so a profile cut short has them): how many,
    // and the first. Read as `?`.
    let past_end = Cell::new((0u64, 0i64));
    let text = |index: i64| -> &[u8] {
        get(index).unwrap_or_else(|| {
            let (count, first) = past_end.get();
            past_end.set((count + 1, if count == 0 { index } else { first }));
            b"?"
        })
    };
    let name = profile_name(&profile)?;
    let mut out = Counted::new(&name);
    let mut functions: FxHashMap<u64, &generated::Function> = FxHashMap::default();
    for function in &profile.function {
        if functions.insert(function.id, function).is_some() {
            out.warnings.note(|| format!("function id {} is defined twice; the last is used", function.id));
        }
    }
    let mut locations: FxHashMap<u64, Vec<FrameId>> = FxHashMap::default();
    for location in &profile.location {
        let frames = location
            .line
            .iter()
            .map(|line| {
                let (name, file) = functions
                    .get(&line.function_id)
                    .map_or((&b"?"[..], &b"?"[..]), |f| (text(f.name), text(f.filename)));
                let function = out.tables.sym(&generic_shapes_elided(name));
                let file = out.tables.sym(if file.is_empty() { b"?" } else { file });
                out.tables.frame(Frame { function, file, line: u32::try_from(line.line).unwrap_or(0) })
            })
            .collect::<Vec<_>>();
        let frames = if frames.is_empty() {
            // An unsymbolised address: name it by its pc, as `debug=1` does.
            vec![out.tables.frame_without_file(format!("{:#x}", location.address).as_bytes())]
        } else {
            frames
        };
        if locations.insert(location.id, frames).is_some() {
            out.warnings.note(|| format!("location id {} is defined twice; the last is used", location.id));
        }
    }
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
    let (count, first) = past_end.get();
    if count > 0 {
        snapshot.truncated = Some(crate::Truncation {
            reason: format!(
                "{count} names refer to strings past the end of the string table ({} strings; the first is string \
                 {first}), read as `?`: the profile is cut short or corrupt",
                strings.len()
            ),
        });
    }
    Ok(snapshot)
}

/// The profile's name from its sample type: `goroutine` or `goroutineleak`; an error for any other profile.
fn profile_name(profile: &Profile) -> Result<String, DumpError> {
    let strings = &profile.string_table;
    let text = |index: i64| usize::try_from(index).ok().and_then(|i| strings.get(i)).map(Vec::as_slice);
    let Some(kind) = profile.sample_type.first() else {
        if profile.sample.is_empty() && strings.is_empty() {
            return Err(DumpError::BadProto { problem: "it holds no sample type and no strings".to_owned() });
        }
        return Err(DumpError::NotGoroutineProfile { kind: "untyped".to_owned() });
    };
    let (Some(name), Some(unit)) = (text(kind.r#type), text(kind.unit)) else {
        return Err(DumpError::BadProto {
            problem: format!(
                "its sample type names strings {} and {}, and its string table holds {}: it is cut short or corrupt",
                kind.r#type,
                kind.unit,
                strings.len()
            ),
        });
    };
    match (name, unit) {
        (b"goroutine" | b"goroutineleak", b"count") => Ok(String::from_utf8_lossy(name).into_owned()),
        _ => Err(DumpError::NotGoroutineProfile {
            kind: format!("{}/{}", String::from_utf8_lossy(name), String::from_utf8_lossy(unit)),
        }),
    }
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
