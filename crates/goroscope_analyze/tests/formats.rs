//! Verdicts on every pprof form of one process (testdata/dumps/formats): the counted forms find the same groups
//! with the wait read from their frames or source lines, and Go's goroutineleak profile makes its goroutines
//! certain leaks.

mod common;

use std::io::Read;
use std::path::Path;

use common::Disk;
use goroscope_analyze::{Analysis, Blocking, Level, Options, SourceLines, analyze};
use goroscope_dump::{ParseOptions, parse_input};

fn run(name: &str, source: Option<&dyn SourceLines>) -> Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/dumps/formats").join(name);
    let mut bytes = std::fs::read(&path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
        bytes = out;
    }
    let snapshot = parse_input(name, &bytes[..], None, &ParseOptions::default()).unwrap().remove(0);
    analyze(&snapshot, &Options { context_lines: 3, ..Options::default() }, source)
}

/// (count, blocking, level) of the program's groups, largest first.
fn program_groups(analysis: &Analysis) -> Vec<(u64, Blocking, Level)> {
    let mut groups: Vec<_> = analysis
        .groups
        .iter()
        .filter(|g| g.leak_site.as_ref().is_some_and(|s| s.function.starts_with("main.")))
        .map(|g| (g.count, g.blocking, g.level))
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.0));
    groups
}

fn blockings(analysis: &Analysis) -> Vec<(u64, Blocking)> {
    program_groups(analysis).into_iter().map(|(n, b, _)| (n, b)).collect()
}

const EXPECTED: [(u64, Blocking); 7] = [
    (40, Blocking::ChanSend),
    (30, Blocking::ChanReceive),
    (20, Blocking::Select),
    (12, Blocking::Mutex),
    (8, Blocking::WaitGroup),
    (5, Blocking::Sleep),
    (2, Blocking::ChanReceive),
];

#[test]
fn the_proto_names_every_wait_from_its_runtime_frames() {
    assert_eq!(blockings(&run("goroutine_debug0.pb.gz", None)), EXPECTED);
}

#[test]
fn debug1_names_library_waits_and_reads_channel_waits_from_the_source() {
    // Without source, the hidden runtime frames leave channel waits unknown.
    let blind = blockings(&run("goroutine_debug1.txt", None));
    let expected_blind: Vec<(u64, Blocking)> = EXPECTED
        .iter()
        .map(|&(n, b)| {
            (
                n,
                if matches!(b, Blocking::ChanSend | Blocking::ChanReceive | Blocking::Select) {
                    Blocking::Unknown
                } else {
                    b
                },
            )
        })
        .collect();
    assert_eq!(blind, expected_blind);
    let analysis = run("goroutine_debug1.txt", Some(&Disk));
    assert_eq!(blockings(&analysis), EXPECTED);
    assert!(analysis.notes.iter().any(|n| n.contains("debug=1")), "{:?}", analysis.notes);
    let labelled = analysis.groups.iter().find(|g| g.count == 40).unwrap();
    assert_eq!(labelled.labels, [(r#"{"handler":"/upload", "tenant":"acme"}"#.to_owned(), 40)]);
    assert!(labelled.sample_ids.is_empty(), "no ids in debug=1");
}

#[test]
fn the_leak_profile_is_certain_in_every_form() {
    for name in ["goroutineleak_debug1.txt", "goroutineleak_debug0.pb.gz", "goroutineleak_debug2.txt"] {
        let analysis = run(name, Some(&Disk));
        let certain: Vec<u64> = program_groups(&analysis)
            .into_iter()
            .filter(|&(_, _, level)| level == Level::Certain)
            .map(|(n, _, _)| n)
            .collect();
        assert_eq!(certain, [40, 30, 20, 12, 8], "{name}");
        let group = analysis.groups.iter().find(|g| g.count == 40).unwrap();
        assert_eq!(group.evidence[0].code, "runtime-leak-detector", "{name}");
        assert!(group.evidence[0].text.contains("nothing can wake"), "{name}");
    }
}

#[test]
fn without_ids_no_evidence_is_read_from_ids() {
    for name in ["goroutine_debug1.txt", "goroutine_debug0.pb.gz"] {
        let analysis = run(name, Some(&Disk));
        for group in &analysis.groups {
            assert_eq!(group.id_range, (0, 0), "{name}");
            assert!(group.shape != Some("started-once") || group.count == 1, "{name}: {group:?}");
            assert!(group.evidence.iter().all(|e| !e.text.contains("ids ")), "{name}: {:?}", group.evidence);
        }
    }
}

#[test]
fn a_cut_dump_says_how_many_goroutines_are_missing_when_the_total_is_known() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/dumps/formats/goroutine_debug2.txt");
    let bytes = std::fs::read(path).unwrap();
    let cut = &bytes[..bytes.len() / 2];
    let mut snapshot = parse_input("cut", cut, None, &ParseOptions::default()).unwrap().remove(0);
    assert!(snapshot.truncated.is_some());
    let kept = snapshot.goroutine_count();
    // What a live fetch learns from the service's debug=1 total.
    snapshot.expected_total = Some(122);
    let analysis = analyze(&snapshot, &Options::default(), None);
    let note =
        analysis.notes.iter().find(|n| n.contains("missing")).expect("a note on the missing goroutines");
    assert!(note.contains(&format!("{} goroutines are missing", 122 - kept)), "{note}");
}
