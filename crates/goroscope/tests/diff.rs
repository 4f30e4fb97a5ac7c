//! `goroscope diff` on snapshots of real Go programs taken through their pprof endpoints: a leak grows between
//! them, in one format or across formats, and a restart is noticed.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{fetch, goroscope, pattern_programs, start};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves what the service serves at `path` (e.g. `/debug/pprof/goroutine?debug=2`) into `file`.
fn save(base: &str, path: &str, file: &Path) -> String {
    std::fs::write(file, fetch(&format!("{base}{path}"))).unwrap();
    file.to_str().unwrap().to_owned()
}

/// Triggers the send-no-receiver leak `n` more times: each request leaves one goroutine sending for ever. The
/// handler answers 504 (the lookup timed out), which is the point.
fn leak_more(base: &str, n: usize) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    for i in 0..n {
        let response = agent.get(&format!("{base}/quote?sku=MORE-{i}")).call().unwrap();
        assert_eq!(response.status(), 504);
    }
    // The lookup sleeps 50 ms before it blocks on its send.
    std::thread::sleep(Duration::from_millis(300));
}

fn diff_json(before: &str, after: &str) -> serde_json::Value {
    let (code, stdout, stderr) = goroscope(&["diff", before, after, "--format", "json"], None);
    assert_eq!(code, 0, "goroscope diff failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// The change of the group stuck at the leaking send, found by its leak site.
fn quote_change(report: &serde_json::Value) -> serde_json::Value {
    report["diff"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["group"]["leak_site"]["function"].as_str().is_some_and(|f| f.starts_with("main.handleQuote"))
        })
        .unwrap_or_else(|| panic!("no change at main.handleQuote in {:#}", report["diff"]))
        .clone()
}

#[test]
fn a_leak_that_grows_between_two_dumps_is_named_with_its_growth() {
    let program = start(&pattern_programs().join("send-no-receiver"), &["-n", "5"]);
    let dir = scratch("grows");
    let before = save(&program.base, "/debug/pprof/goroutine?debug=2", &dir.join("before.txt"));
    leak_more(&program.base, 20);
    let after = save(&program.base, "/debug/pprof/goroutine?debug=2", &dir.join("after.txt"));

    let report = diff_json(&before, &after);
    let change = quote_change(&report);
    assert_eq!(change["change"], "grown", "{change:#}");
    assert_eq!((change["before"].as_u64(), change["after"].as_u64()), (Some(5), Some(25)), "{change:#}");
    assert_eq!(change["group"]["level"], "likely");
    assert_eq!(change["group"]["pattern"], "send-no-receiver");
    let codes: Vec<&str> =
        change["group"]["evidence"].as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
    assert!(codes.contains(&"grew"), "{codes:?}");
    // The suspects among the grown come first.
    assert_eq!(report["diff"]["changes"][0], change);
    assert!(report["diff"]["warnings"].as_array().unwrap().is_empty(), "{:#}", report["diff"]["warnings"]);

    // The table says the same for people.
    let (code, table, _) = goroscope(&["diff", &before, &after, "--color", "never"], None);
    assert_eq!(code, 0);
    assert!(table.contains("GROWN +20 (5 → 25)"), "{table}");
    assert!(table.contains("grew from 5 to 25 goroutines"), "{table}");
}

#[test]
fn a_debug1_profile_compares_with_a_later_debug2_dump() {
    let program = start(&pattern_programs().join("send-no-receiver"), &["-n", "4"]);
    let dir = scratch("formats");
    let before = save(&program.base, "/debug/pprof/goroutine?debug=1", &dir.join("before-debug1.txt"));
    leak_more(&program.base, 8);
    let after = save(&program.base, "/debug/pprof/goroutine?debug=2", &dir.join("after-debug2.txt"));

    let report = diff_json(&before, &after);
    let change = quote_change(&report);
    assert_eq!((change["before"].as_u64(), change["after"].as_u64()), (Some(4), Some(12)), "{change:#}");
    assert_eq!(change["change"], "grown");
    // The server's own goroutines match across the formats: nothing else appears or vanishes in bulk.
    let counts = &report["diff"]["counts"];
    assert!(counts["new"].as_u64().unwrap() <= 3 && counts["gone"].as_u64().unwrap() <= 3, "{counts:#}");
}

#[test]
fn snapshots_of_two_processes_are_called_out() {
    // Enough requests that goroutine ids run past what a restarted process reaches.
    let first = start(&pattern_programs().join("send-no-receiver"), &["-n", "700"]);
    let dir = scratch("restart");
    let before = save(&first.base, "/debug/pprof/goroutine?debug=2", &dir.join("before.txt"));
    drop(first);
    let second = start(&pattern_programs().join("send-no-receiver"), &["-n", "5"]);
    let after = save(&second.base, "/debug/pprof/goroutine?debug=2", &dir.join("after.txt"));

    let report = diff_json(&before, &after);
    let warnings = report["diff"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains("two processes")),
        "no restart warning in {warnings:#?}"
    );
    let change = quote_change(&report);
    assert_eq!(change["change"], "shrunk");
}
