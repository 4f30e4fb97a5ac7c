//! Dumps inside real logs (testdata/logs, see its README): every dump found, in order, with its goroutines, and
//! nothing taken from lines that are not a dump.

use std::path::{Path, PathBuf};

use goroscope_dump::{InputFormat, ParseOptions, Snapshot, detect, parse_input};

fn logs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/logs")
}

fn parse(name: &str) -> Vec<Snapshot> {
    let bytes = std::fs::read(logs().join(name)).unwrap();
    assert_eq!(detect(&bytes), InputFormat::Log, "{name}");
    let snapshots = parse_input(name, &bytes[..], None, &ParseOptions::default()).unwrap();
    for s in &snapshots {
        assert_eq!(s.warnings.count, 0, "{name}: {:?}", s.warnings.examples);
        assert!(s.truncated.is_none(), "{name}: {:?}", s.truncated);
    }
    snapshots
}

fn counts(snapshots: &[Snapshot]) -> Vec<usize> {
    snapshots.iter().map(|s| s.goroutine_count() as usize).collect()
}

#[test]
fn every_log_gives_its_dumps() {
    let expected: &[(&str, &[usize])] = &[
        ("gotest-timeout.log", &[6]),
        ("gotest-timeout-go1.20.log", &[6]),
        ("gotest-timeout-go1.19.log", &[6]),
        ("gotest-timeout.json.log", &[6]),
        ("goleak.log", &[3, 1]),
        ("goleak.json.log", &[3, 1]),
        ("race-and-timeout.log", &[4]),
        ("crash-k8s.log", &[11]),
        ("crash-docker.log", &[11]),
        ("crash-syslog.log", &[11]),
        ("crash-json.log", &[11]),
        ("sigquit-k8s.log", &[16]),
        ("two-dumps.log", &[4, 8]),
        ("zap-stack.log", &[6]),
    ];
    for (name, want) in expected {
        assert_eq!(counts(&parse(name)), *want, "{name}");
    }
}

#[test]
fn crashes_keep_their_message_behind_any_wrapping() {
    let reference = parse("crash-syslog.log");
    let message = reference[0].crash.as_ref().expect("a crash").message.clone();
    for name in ["crash-k8s.log", "crash-docker.log", "crash-json.log"] {
        let snapshots = parse(name);
        assert_eq!(snapshots[0].crash.as_ref().map(|c| &c.message), Some(&message), "{name}");
        assert_eq!(snapshots[0].stack_count(), reference[0].stack_count(), "{name}");
    }
}

#[test]
fn test_timeouts_name_the_running_tests() {
    for name in ["gotest-timeout.log", "gotest-timeout-go1.20.log", "gotest-timeout.json.log"] {
        let snapshot = &parse(name)[0];
        let running: Vec<(&str, &str)> =
            snapshot.running_tests.iter().map(|t| (t.name.as_str(), t.elapsed.as_str())).collect();
        assert_eq!(running, [("TestHangs", "5s"), ("TestHangs/slow", "5s")], "{name}");
        assert!(snapshot.crash.as_ref().is_some_and(|c| c.message.starts_with("test timed out")), "{name}");
    }
    assert!(parse("gotest-timeout-go1.19.log")[0].running_tests.is_empty());
    let race = &parse("race-and-timeout.log")[0];
    assert_eq!(race.running_tests.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["TestRaceThenHang"]);
}

#[test]
fn goleak_reports_are_marked_and_tied_to_their_test() {
    for name in ["goleak.log", "goleak.json.log"] {
        let snapshots = parse(name);
        assert!(snapshots.iter().all(|s| s.leak_report), "{name}");
        // VerifyNone reports inside its test; VerifyTestMain after all of them.
        assert_eq!(snapshots[0].test.as_deref(), Some("TestLeaks"), "{name}");
        assert_eq!(snapshots[1].test, None, "{name}");
        assert_eq!(snapshots[0].state(snapshots[0].goroutines[0].state), "chan receive", "{name}");
    }
}
