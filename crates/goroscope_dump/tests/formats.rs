//! Every pprof form of one process tells the same groups; format detection; labels and leak proofs joined
//! across forms. Fixtures: testdata/dumps/formats (one process, every endpoint) and testdata/dumps/go1.*.

mod fixtures;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fixtures::read;
use goroscope_dump::{
    Format, InputFormat, ParseOptions, Snapshot, adopt_labels, adopt_leaks, detect, parse_input,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parse(path: &Path) -> Snapshot {
    let mut snapshots =
        parse_input(&path.display().to_string(), &read(path)[..], None, &ParseOptions::default()).unwrap();
    assert_eq!(snapshots.len(), 1, "{}", path.display());
    let snapshot = snapshots.remove(0);
    assert_eq!(snapshot.warnings.count, 0, "{}: {:?}", path.display(), snapshot.warnings.examples);
    snapshot
}

/// The program's own stacks (those with a `main.` frame, but not the request being served) as function names
/// from the first `main.` frame on, with how many goroutines stand on each, and their labels.
fn program_groups(s: &Snapshot) -> BTreeMap<(Vec<String>, Option<String>), u64> {
    let mut groups = BTreeMap::new();
    for g in &s.goroutines {
        // Tracebacks hide runtime frames below the program's (`runtime.main`); the counted forms do not. Deep
        // stacks are cut at different depths.
        let functions: Vec<&str> =
            s.stack(g.stack).iter().map(|&f| s.function(f)).filter(|f| !f.starts_with("runtime.")).collect();
        let Some(first) = functions.iter().position(|f| f.starts_with("main.")) else {
            continue;
        };
        if functions.iter().any(|f| f.starts_with("runtime/pprof.") || f.starts_with("net/http.")) {
            continue;
        }
        let key: Vec<String> = functions[first..].iter().take(16).map(|f| (*f).to_owned()).collect();
        let labels = g.extra.as_ref().and_then(|e| e.labels.clone());
        *groups.entry((key, labels)).or_default() += u64::from(g.count);
    }
    groups
}

fn formats_dir() -> PathBuf {
    repo().join("testdata/dumps/formats")
}

#[test]
fn every_fixture_is_detected_as_its_format() {
    let mut seen = 0;
    for dir in std::fs::read_dir(repo().join("testdata/dumps")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let expected = if name.ends_with(".pb.gz") {
                InputFormat::Proto
            } else if name.contains("debug1") {
                InputFormat::CountText
            } else if name.contains("json") || read(&path).starts_with(b"--- FAIL") {
                // `go test` output: the dump follows test result lines.
                InputFormat::Log
            } else if path.extension().is_some_and(|e| e == "txt") {
                InputFormat::Traceback
            } else {
                continue;
            };
            assert_eq!(detect(&read(&path)), expected, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen > 100, "only {seen} fixtures");
}

#[test]
fn one_process_every_form_the_same_groups() {
    let dir = formats_dir();
    let debug2 = parse(&dir.join("goroutine_debug2.txt"));
    let debug1 = parse(&dir.join("goroutine_debug1.txt"));
    let proto = parse(&dir.join("goroutine_debug0.pb.gz"));
    assert_eq!((debug1.format, proto.format), (Format::CountText, Format::Proto));
    assert_eq!(debug1.total, Some(122));
    assert_eq!(proto.total, Some(122));
    assert_eq!(debug1.goroutine_count(), 122);
    assert_eq!(proto.goroutine_count(), 122);
    assert_eq!(debug2.goroutines.len(), 122);
    // The counted forms keep one entry per record, not one per goroutine: a profile of a million goroutines
    // costs as much memory as its few thousand stacks.
    let records = std::fs::read_to_string(dir.join("goroutine_debug1.txt")).unwrap().matches(" @ 0x").count();
    assert_eq!(debug1.goroutines.len(), records);
    assert!(
        records < 122 && proto.goroutines.len() < 122,
        "{records} records, {} samples",
        proto.goroutines.len()
    );

    // debug=2 prints no labels here: compare stacks alone first, then the labels of the counted forms.
    let unlabelled = |s: &Snapshot| -> BTreeMap<Vec<String>, u64> {
        let mut out = BTreeMap::new();
        for ((key, _), n) in program_groups(s) {
            *out.entry(key).or_default() += n;
        }
        out
    };
    let reference = unlabelled(&debug2);
    let counts: Vec<u64> = reference.values().copied().collect();
    for n in [40, 30, 20, 12, 8, 5, 2] {
        assert!(counts.contains(&n), "a group of {n} in {reference:?}");
    }
    assert_eq!(unlabelled(&debug1), reference);
    assert_eq!(unlabelled(&proto), reference);
    assert_eq!(program_groups(&debug1), program_groups(&proto));
}

#[test]
fn the_leak_profile_in_every_form_proves_the_same_goroutines() {
    let dir = formats_dir();
    for name in ["goroutineleak_debug1.txt", "goroutineleak_debug0.pb.gz"] {
        let leaks = parse(&dir.join(name));
        assert_eq!(leaks.profile.as_deref(), Some("goroutineleak"), "{name}");
        assert_eq!(leaks.goroutine_count(), 110, "{name}");
        assert!(leaks.goroutines.iter().all(goroscope_dump::Goroutine::leaked), "{name}");
    }
    for name in ["goroutineleak_debug2.txt", "goroutine_debug2_after_leak.txt"] {
        let marked = parse(&dir.join(name));
        assert_eq!(marked.goroutines.iter().filter(|g| g.leaked()).count(), 110, "{name}");
    }
}

#[test]
fn labels_and_leak_proofs_join_onto_the_detailed_dump() {
    let dir = formats_dir();
    let mut debug2 = parse(&dir.join("goroutine_debug2.txt"));
    assert!(debug2.goroutines.iter().all(|g| !g.leaked()));
    let debug1 = parse(&dir.join("goroutine_debug1.txt"));
    let given = adopt_labels(&mut debug2, &debug1);
    assert_eq!(given, 40 + 30 + 20 + 8 + 2);
    assert_eq!(program_groups(&debug2), program_groups(&debug1));

    let leaks = parse(&dir.join("goroutineleak_debug0.pb.gz"));
    assert_eq!(adopt_leaks(&mut debug2, &leaks), 110);
    let leaked: Vec<&str> =
        debug2.goroutines.iter().filter(|g| g.leaked()).map(|g| debug2.state(g.state)).collect();
    assert_eq!(leaked.len(), 110);
    assert!(!leaked.contains(&"sleep"));
}

/// Each Go version's `debug=1` and proto captures of the `forms` program show the same program stacks as its
/// `debug=2` capture (separate runs of a program that starts the same goroutines every time): function names,
/// inlined frames and generic instantiations read alike in every form.
#[test]
fn every_go_version_counted_forms_match_the_traceback() {
    let mut versions = 0;
    for dir in std::fs::read_dir(repo().join("testdata/dumps")).unwrap() {
        let dir = dir.unwrap().path();
        let (debug1, proto) = (dir.join("debug1.txt"), dir.join("debug0.pb.gz"));
        if !dir.file_name().unwrap().to_str().unwrap().starts_with("go1.") || !debug1.exists() {
            continue;
        }
        versions += 1;
        // The stacks, not their counts: the `debug2` capture of 1.26 waits for wait times to show and starts one
        // more receiver meanwhile.
        let stacks = |s: &Snapshot| -> std::collections::BTreeSet<Vec<String>> {
            program_groups(s).into_keys().map(|(key, _)| key).collect()
        };
        let reference = stacks(&parse(&dir.join("debug2.txt")));
        assert_eq!(stacks(&parse(&debug1)), reference, "{}", debug1.display());
        if proto.exists() {
            assert_eq!(stacks(&parse(&proto)), reference, "{}", proto.display());
        }
    }
    assert!(versions >= 10, "debug=1 captures for {versions} Go versions");
}

#[test]
fn broken_counted_profiles_are_refused_or_flagged_never_a_panic() {
    let dir = formats_dir();
    let proto = read(&dir.join("goroutine_debug0.pb.gz"));
    for cut in [1, 7, proto.len() / 3, proto.len() / 2, proto.len() - 1] {
        match parse_input("cut.pb", &proto[..cut], Some(InputFormat::Proto), &ParseOptions::default()) {
            Err(e) => assert!(e.to_string().contains("pprof profile"), "{cut}: {e}"),
            Ok(s) => assert!(s[0].goroutine_count() < 122, "{cut}"),
        }
    }
    // Every single-byte corruption: an error or a snapshot, never a panic.
    for at in (0..proto.len()).step_by(7) {
        let mut bytes = proto.clone();
        bytes[at] ^= 0xa5;
        let _ = parse_input("mutated.pb", &bytes[..], Some(InputFormat::Proto), &ParseOptions::default());
    }
    let debug1 = read(&dir.join("goroutine_debug1.txt"));
    let cut = &debug1[..debug1.len() / 2];
    let snapshot = &parse_input("cut.txt", cut, None, &ParseOptions::default()).unwrap()[0];
    assert!(
        snapshot.truncated.as_ref().is_some_and(|t| t.reason.contains("of the 122")),
        "{:?}",
        snapshot.truncated
    );
    assert_eq!(snapshot.total, Some(122));
}
