//! `goroscope explain`: every pattern a report names can be looked up.

mod common;

use common::goroscope;

#[test]
fn every_pattern_in_a_report_can_be_explained() {
    let (code, list, _) = goroscope(&["explain", "--color", "never"], None);
    assert_eq!(code, 0);
    let (_, report, _) = goroscope(&["analyze", "examples/demo-dump.txt", "--format", "json"], None);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    for pattern in report["patterns"].as_array().unwrap() {
        let id = pattern["id"].as_str().unwrap();
        assert!(list.contains(id), "{id} listed");
        let (code, text, stderr) = goroscope(&["explain", id, "--color", "never"], None);
        assert_eq!(code, 0, "{stderr}");
        for part in ["Why it blocks", "How to confirm", "Fix", "Example that leaks", "Fixed", "References"] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(text.contains(pattern["title"].as_str().unwrap()));
        let (_, json, _) = goroscope(&["explain", id, "--json"], None);
        let mut entry: serde_json::Value = serde_json::from_str(&json).unwrap();
        let example = entry.as_object_mut().unwrap().remove("example").expect("the Go example");
        for file in ["leaks", "fixed"] {
            assert!(example[file].as_str().unwrap().starts_with("package "), "a whole Go file: {example}");
        }
        assert_eq!(entry, *pattern, "otherwise the same entry as in reports");
    }
}

#[test]
fn an_unknown_pattern_is_an_error_with_suggestions() {
    let (code, stdout, stderr) = goroscope(&["explain", "channel"], None);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("no pattern \"channel\"") && stderr.contains("nil-channel"), "{stderr}");
    let (code, _, stderr) = goroscope(&["explain", "zzz"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("`goroscope explain` lists every pattern"), "{stderr}");
}

#[test]
fn every_catalogue_entry_can_be_explained_whole_including_the_memory_patterns() {
    let (code, json, stderr) = goroscope(&["explain", "--json"], None);
    assert_eq!(code, 0, "{stderr}");
    let all: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = all.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let memory_ids = [
        "heap-held-by-goroutines",
        "subslice-retention",
        "unbounded-cache",
        "timer-not-stopped",
        "heap-site-grows",
        "off-heap-growth",
    ];
    for memory in memory_ids {
        assert!(ids.contains(&memory), "{memory} in {ids:?}");
    }
    for entry in &all {
        let id = entry["id"].as_str().unwrap();
        let (code, text, stderr) = goroscope(&["explain", id, "--color", "never"], None);
        assert_eq!(code, 0, "{stderr}");
        let why = if memory_ids.contains(&id) { "Why it grows" } else { "Why it blocks" };
        for part in [why, "How to confirm", "Fix", "Example that leaks", "Fixed", "References"] {
            assert!(text.contains(part), "{id}: {part} in {text}");
        }
        assert!(text.contains("// leaks") && text.contains("// fixed"), "{id}: {text}");
        assert!(
            !text.contains("\n    import") && !text.contains("#include"),
            "{id}: no imports, no cgo preamble"
        );
        for file in ["leaks", "fixed"] {
            assert!(
                entry["example"][file].as_str().unwrap().starts_with("package "),
                "{id}: a whole Go file"
            );
        }
    }
}
