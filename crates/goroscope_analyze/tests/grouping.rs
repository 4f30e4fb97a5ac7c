//! Grouping levels and fingerprints on real dumps: `testdata/dumps/formats` holds one process in every pprof
//! form (see its README for the groups), `examples/demo-dump.txt` the demo service.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use goroscope_analyze::{Analysis, Grouping, Level, Options, analyze};
use goroscope_dump::{ParseOptions, parse_input};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn analysed(path: &str, grouping: Grouping) -> Analysis {
    let mut bytes = std::fs::read(repo().join(path)).unwrap();
    if Path::new(path).extension().is_some_and(|e| e.eq_ignore_ascii_case("gz")) {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain).unwrap();
        bytes = plain;
    }
    let snapshot = parse_input(path, &bytes[..], None, &ParseOptions::default()).unwrap().remove(0);
    analyze(&snapshot, &Options { grouping, ..Options::default() }, None)
}

/// Goroutines per fingerprint, for the groups of the program's own code.
fn own_counts(analysis: &Analysis) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for g in &analysis.groups {
        if g.leak_site.as_ref().is_some_and(|s| s.function.starts_with("main.")) {
            *counts.entry(g.fingerprint.clone()).or_default() += g.count;
        }
    }
    counts
}

#[test]
fn one_stack_has_one_fingerprint_in_every_format() {
    let debug2 = own_counts(&analysed("testdata/dumps/formats/goroutine_debug2.txt", Grouping::Exact));
    let debug1 = own_counts(&analysed("testdata/dumps/formats/goroutine_debug1.txt", Grouping::Exact));
    let proto = own_counts(&analysed("testdata/dumps/formats/goroutine_debug0.pb.gz", Grouping::Exact));
    let sizes: Vec<u64> = debug2.values().copied().collect();
    for n in [40, 30, 20, 12, 8, 5, 2] {
        assert!(sizes.contains(&n), "a group of {n} in {debug2:?}");
    }
    assert_eq!(debug1, debug2);
    assert_eq!(proto, debug2);
    for fingerprint in debug2.keys() {
        assert!(
            fingerprint.len() == 16 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
            "{fingerprint}"
        );
    }
}

#[test]
fn fingerprints_ignore_ids_arguments_and_lines() {
    // Hand-edited edge case (labelled): the same goroutine twice, with other ids, arguments, pc offsets and a line
    // shifted by an edit above it; and once more at another function.
    let dump = |id: u32, arg: &str, line: u32, function: &str| {
        format!(
            "goroutine {id} [chan send]:\nmain.{function}({arg})\n\t/src/app/work.go:{line} +0x{id:x}\n\
             created by main.start in goroutine 1\n\t/src/app/main.go:9 +0x1f\n\n"
        )
    };
    let fingerprint = |text: &str| {
        let snapshot =
            parse_input("edge", text.as_bytes(), None, &ParseOptions::default()).unwrap().remove(0);
        analyze(&snapshot, &Options::default(), None).groups[0].fingerprint.clone()
    };
    let a = fingerprint(&dump(7, "0xc000010000", 42, "send"));
    assert_eq!(a, fingerprint(&dump(9031, "0xc0004a2000", 45, "send")));
    assert_ne!(a, fingerprint(&dump(7, "0xc000010000", 42, "receive")));
}

#[test]
fn coarser_levels_fold_groups_and_keep_every_goroutine() {
    let path = "examples/demo-dump.txt";
    let exact = analysed(path, Grouping::Exact);
    for grouping in [Grouping::Site, Grouping::Creator, Grouping::Label(None)] {
        let folded = analysed(path, grouping.clone());
        assert_eq!(folded.grouping, grouping.to_string());
        assert!(folded.groups.len() <= exact.groups.len(), "{grouping}");
        let total: u64 = folded.groups.iter().map(|g| g.count).sum();
        assert_eq!(total, exact.summary.goroutines, "{grouping}: every goroutine stays in one group");
        assert_eq!(folded.summary.goroutines, exact.summary.goroutines);
        let stacks: u64 = folded.groups.iter().map(|g| g.stacks).sum();
        assert_eq!(stacks as usize, exact.groups.len(), "{grouping}: each exact group lands in one fold");
        // The shown verdict is the most severe of the folded stacks.
        for g in folded.groups.iter().filter(|g| g.stacks > 1) {
            assert!(g.evidence.iter().any(|e| e.code == "folded"), "{grouping}");
        }
    }
    let site = analysed(path, Grouping::Site);
    assert!(site.groups.len() < exact.groups.len(), "the demo has stacks that meet at one leak site");
    let worst = |a: &Analysis| a.groups.iter().map(|g| g.level).min().unwrap_or(Level::Healthy);
    assert_eq!(worst(&site), worst(&exact));
}

#[test]
fn label_grouping_splits_by_the_value_of_one_key() {
    let path = "testdata/dumps/formats/goroutine_debug1.txt";
    let by_tenant = analysed(path, Grouping::Label(Some("tenant".to_owned())));
    let sizes: BTreeMap<String, u64> = by_tenant
        .groups
        .iter()
        .map(|g| (g.labels.first().map(|(set, _)| set.clone()).unwrap_or_default(), g.count))
        .collect();
    // acme: /upload (40) and /replicate (8); globex: /download (30); the rest carry no tenant.
    let acme: u64 = by_tenant
        .groups
        .iter()
        .filter(|g| g.labels.iter().any(|(s, _)| s.contains("acme")))
        .map(|g| g.count)
        .sum();
    assert_eq!(acme, 48, "{sizes:?}");
    assert_eq!(
        by_tenant.groups.iter().filter(|g| g.labels.iter().any(|(s, _)| s.contains("acme"))).count(),
        1
    );
    let globex =
        by_tenant.groups.iter().find(|g| g.labels.iter().any(|(s, _)| s.contains("globex"))).unwrap();
    assert_eq!(globex.count, 30);
    let total: u64 = by_tenant.groups.iter().map(|g| g.count).sum();
    assert_eq!(total, 122);
}
