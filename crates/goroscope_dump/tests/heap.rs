//! Heap profiles: the `debug=1` text with its `MemStats` trailer and the proto tell the same allocation sites with
//! the same estimates; several profiles in one file; cut profiles; other profiles refused. Fixtures in
//! `tests/heap/` were written by `tests/heap/main.go.txt` (Go 1.26, one process: text, then proto, then allocs).

mod fixtures;

use std::path::{Path, PathBuf};

use fixtures::read;
use goroscope_dump::{
    DumpError, Format, HeapProfile, InputFormat, ParseOptions, Profile, detect, parse_input, parse_profiles,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/heap").join(name)
}

fn profiles(source: &str, bytes: &[u8]) -> Result<Vec<Profile>, DumpError> {
    parse_profiles(source, bytes, None, &ParseOptions::default())
}

fn heap(source: &str, bytes: &[u8]) -> HeapProfile {
    let mut all = profiles(source, bytes).unwrap();
    assert_eq!(all.len(), 1, "{source}");
    match all.remove(0) {
        Profile::Heap(heap) => heap,
        Profile::Goroutines(_) => panic!("{source} read as a goroutine dump"),
    }
}

/// The sample allocated by `main.grow`, as (in-use bytes, in-use objects, the stack's functions and lines).
fn grow_site(heap: &HeapProfile) -> (u64, u64, Vec<(String, u32)>) {
    let sample = heap
        .samples
        .iter()
        .find(|s| heap.stack(s).next().is_some_and(|f| &*f.function == "main.grow"))
        .unwrap_or_else(|| panic!("{}: no main.grow sample", heap.source));
    let frames = heap.stack(sample).map(|f| (f.function.to_string(), f.line)).collect();
    (sample.inuse_bytes, sample.inuse_objects, frames)
}

#[test]
fn text_and_proto_of_one_process_agree() {
    let text = heap("text", &read(&fixture("retained-go1.26.txt")));
    let proto = heap("proto", &read(&fixture("retained-go1.26.pb.gz")));
    let allocs = heap("allocs", &read(&fixture("retained-allocs-go1.26.pb.gz")));
    assert_eq!((text.format, proto.format), (Format::CountText, Format::Proto));
    for h in [&text, &proto, &allocs] {
        assert_eq!(h.rate, 512 * 1024, "{}: the default MemProfileRate", h.source);
        assert_eq!(h.warnings.count, 0, "{}: {:?}", h.source, h.warnings.examples);
        assert!(h.truncated.is_none(), "{}: {:?}", h.source, h.truncated);
    }
    // 41 of the 50 one-MiB buffers were sampled; scaled by 1/(1-e^-2) that estimates 49.7 MB (50 MiB kept).
    let (text_bytes, text_objects, text_frames) = grow_site(&text);
    assert_eq!(text_objects, 47);
    assert!((49_000_000..50_500_000).contains(&text_bytes), "{text_bytes}");
    for other in [&proto, &allocs] {
        let (bytes, objects, frames) = grow_site(other);
        assert_eq!((bytes, objects), (text_bytes, text_objects), "{}", other.source);
        assert_eq!(frames, text_frames, "{}", other.source);
    }
    assert_eq!(text_frames[..2], [("main.grow".to_owned(), 13), ("main.main".to_owned(), 19)]);
    // Only the text carries MemStats; only the proto a time and the binary.
    let stats = text.memstats.expect("the text's MemStats trailer");
    assert_eq!(
        (stats.heap_inuse, stats.stack_inuse, stats.sys, stats.num_gc),
        (52_781_056, 327_680, 62_556_440, 5)
    );
    assert_eq!(stats.max_rss, Some(22_843_392));
    assert_eq!(stats.retained(), 62_556_440 - 5_398_528);
    assert!(proto.memstats.is_none() && proto.time_nanos.is_some() && text.time_nanos.is_none());
    assert!(proto.binary.as_ref().is_some_and(|b| b.path.ends_with("heapt")), "{:?}", proto.binary);
}

#[test]
fn heap_profiles_are_detected_and_refused_where_goroutines_are_wanted() {
    let text = read(&fixture("retained-go1.26.txt"));
    assert_eq!(detect(&text), InputFormat::HeapText);
    for bytes in [text, read(&fixture("retained-go1.26.pb.gz"))] {
        let error = parse_input("heap", &bytes[..], None, &ParseOptions::default()).unwrap_err();
        assert!(matches!(error, DumpError::HeapProfile), "{error}");
        assert!(error.hint().is_some_and(|h| h.contains("goroscope analyze")));
    }
}

#[test]
fn several_profiles_in_one_file_each_with_its_timestamp() {
    let one = String::from_utf8(read(&fixture("retained-go1.26.txt"))).unwrap();
    let log = format!("2026-11-25T10:00:00Z\n{one}2026-11-25T10:00:30.5Z\n{one}\n");
    assert_eq!(detect(log.as_bytes()), InputFormat::HeapText);
    let all = profiles("series.txt", log.as_bytes()).unwrap();
    let heaps: Vec<&HeapProfile> = all
        .iter()
        .map(|p| match p {
            Profile::Heap(h) => h,
            Profile::Goroutines(_) => panic!("not a heap"),
        })
        .collect();
    assert_eq!(heaps.len(), 2);
    let lines = one.lines().count();
    assert_eq!(heaps[0].source, "series.txt:2");
    assert_eq!(heaps[1].source, format!("series.txt:{}", lines + 3));
    let (t0, t1) = (heaps[0].time_nanos.unwrap(), heaps[1].time_nanos.unwrap());
    assert_eq!(t1 - t0, 30_500_000_000);
    for h in heaps {
        assert!(
            h.truncated.is_none() && h.warnings.count == 0,
            "{}: {:?} {:?}",
            h.source,
            h.truncated,
            h.warnings
        );
        assert!(h.memstats.is_some());
    }
}

#[test]
fn a_profile_cut_anywhere_is_an_error_or_says_it_is_truncated() {
    let text = read(&fixture("retained-go1.26.txt"));
    // MaxRSS is optional (older Go, other systems): a cut right after the line before it cannot be seen.
    let complete_from = memchr_last(&text, b"# DebugGC = false\n");
    for end in 1..complete_from {
        match profiles("cut", &text[..end]) {
            Err(_) => {}
            Ok(all) => {
                let [Profile::Heap(h)] = &all[..] else { panic!("cut at {end}: {} profiles", all.len()) };
                assert!(h.truncated.is_some(), "cut at {end} of {} not reported", text.len());
                if end < text.len() - 400 {
                    assert!(h.memstats.is_none(), "cut at {end}: a partial trailer taken for MemStats");
                }
            }
        }
    }
}

fn memchr_last(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).rposition(|w| w == needle).unwrap() + needle.len()
}

/// Hand-made: a proto whose sample types are `samples/count` and `cpu/nanoseconds`, as a CPU profile has.
#[test]
fn other_profiles_are_refused_with_their_sample_types() {
    let mut bytes = Vec::new();
    for (type_index, unit_index) in [(1u8, 2u8), (3, 4)] {
        bytes.extend_from_slice(&[0x0a, 0x04, 0x08, type_index, 0x10, unit_index]);
    }
    for s in ["", "samples", "count", "cpu", "nanoseconds"] {
        bytes.extend_from_slice(&[0x32, s.len() as u8]);
        bytes.extend_from_slice(s.as_bytes());
    }
    let error =
        parse_profiles("cpu.pb", &bytes[..], Some(InputFormat::Proto), &ParseOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("samples/count, cpu/nanoseconds profile"), "{message}");
    assert!(error.hint().is_some_and(|h| h.contains("/debug/pprof/heap")));
}
