//! Which test leaked each group, on the real `go test` output in testdata/gotest/captured (see the README there
//! for the packages and the expected attributions): up the creator chain, through `t.Parallel` subtests and
//! helper goroutines, through `GODEBUG=tracebackancestors` when creators have exited, and from where goleak's
//! report appears.

use std::collections::BTreeSet;
use std::path::Path;

use goroscope_analyze::{Level, Options, analyze};
use goroscope_dump::{ParseOptions, parse_log};

/// (leak-site function suffix, tests named) of every suspect in every dump of a captured log.
fn attributions(log: &str) -> BTreeSet<(String, Vec<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/gotest/captured").join(log);
    let bytes = std::fs::read(&path).unwrap();
    let mut found = BTreeSet::new();
    for snapshot in parse_log(log, &bytes, &ParseOptions::default()).unwrap() {
        for g in analyze(&snapshot, &Options::default(), None)
            .groups
            .into_iter()
            .filter(|g| g.level != Level::Healthy)
        {
            let site = g.leak_site.map(|s| s.function.rsplit('/').next().unwrap_or_default().to_owned());
            found.insert((site.unwrap_or_default(), g.tests));
        }
    }
    found
}

fn expect(pairs: &[(&str, &[&str])]) -> BTreeSet<(String, Vec<String>)> {
    pairs
        .iter()
        .map(|(site, tests)| ((*site).to_owned(), tests.iter().map(|t| (*t).to_owned()).collect()))
        .collect()
}

#[test]
fn a_timeout_dump_names_the_tests_up_the_creator_chains() {
    let want = expect(&[
        // The helper goroutine that started the workers has exited: without ancestors, no test can be named.
        ("timeout.worker", &[]),
        // Started by parallel subtests' bodies, and by a goroutine such a body started.
        ("timeout.supervise", &["TestParallelNested"]),
        ("timeout.heartbeat", &["TestParallelNested"]),
        ("timeout.collect", &["TestHangs"]),
        ("timeout.lookup", &["TestHangs"]),
        ("timeout.TestHangs", &["TestHangs"]),
    ]);
    assert_eq!(attributions("timeout.log"), want);
    assert_eq!(attributions("timeout.json.log"), want);
}

#[test]
fn ancestors_lead_back_to_the_test_when_creators_have_exited() {
    let with = attributions("timeout-ancestors.log");
    assert!(with.contains(&("timeout.worker".to_owned(), vec!["TestStartsWorkers".to_owned()])), "{with:?}");
    assert_eq!(
        attributions("ancestors.log"),
        expect(&[("ancestors.poll", &["TestLaunches"]), ("ancestors.TestHangs", &["TestHangs"])])
    );
    assert_eq!(
        attributions("ancestors-noancestors.log"),
        expect(&[("ancestors.poll", &[]), ("ancestors.TestHangs", &["TestHangs"])])
    );
}

#[test]
fn goleak_reports_name_the_test_they_ran_in() {
    let want = expect(&[
        // VerifyNone in TestLeaks: the report sits in that test's output.
        ("goleaked.(*cache).janitor", &["TestLeaks"]),
        ("goleaked.TestLeaks.func1", &["TestLeaks"]),
        // VerifyTestMain: reported for the package; the `go` statements are in the tests.
        ("goleakmain.(*watcher).loop", &["TestStartsWatcher"]),
        ("goleakmain.retry", &["TestRetries"]),
    ]);
    assert_eq!(attributions("goleak.log"), want);
    assert_eq!(attributions("goleak.json.log"), want);
}

#[test]
fn a_clean_run_holds_no_dump() {
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/gotest/captured/clean.log"));
    assert!(parse_log("clean.log", &bytes.unwrap(), &ParseOptions::default()).unwrap().is_empty());
}
