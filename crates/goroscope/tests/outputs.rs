//! SARIF and `JUnit` outputs are valid against the published schemas (vendored in testdata/schemas), for every
//! kind of report: suspects, suppressions by ignore rules and baselines, diffs, series, test runs and clean runs.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::schemas::{assert_valid_junit, assert_valid_sarif};
use common::{goroscope, repo};

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("outputs");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs goroscope with `args` plus `--sarif` and `--junit` files, checks the exit code, validates both files
/// and returns the SARIF.
fn validate(name: &str, args: &[&str], want_code: i32) -> serde_json::Value {
    let sarif = out_dir().join(format!("{name}.sarif"));
    let junit = out_dir().join(format!("{name}.xml"));
    let mut all = args.to_vec();
    all.extend(["-q", "--sarif", sarif.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    let (code, _, stderr) = goroscope(&all, None);
    assert_eq!(code, want_code, "{name}: {stderr}");
    assert_valid_sarif(&sarif);
    assert_valid_junit(&junit);
    serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap()
}

fn results(sarif: &serde_json::Value) -> &Vec<serde_json::Value> {
    sarif["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn suspects_with_source_are_valid() {
    let sarif = validate("demo", &["check", "examples/demo-dump.txt", "--src", "examples/leaky-service"], 1);
    assert!(!results(&sarif).is_empty());
}

#[test]
fn every_leak_pattern_program_is_valid() {
    for entry in std::fs::read_dir(repo().join("testdata/dumps/programs")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let (code, _, _) = goroscope(&["check", path.to_str().unwrap(), "-q"], None);
        assert_eq!(
            code,
            i32::from(name.starts_with("leaks-")),
            "{name}: leaks fail the gate, healthy programs pass"
        );
        validate(&name, &["check", path.to_str().unwrap()], code);
    }
}

#[test]
fn suppressions_by_ignore_rules_and_baselines_are_valid() {
    let sarif = validate("ignored", &["check", "examples/demo-dump.txt", "--ignore", "any=main.*"], 0);
    assert!(results(&sarif).iter().any(|r| r["suppressions"].as_array().is_some_and(|s| !s.is_empty())));

    let baseline = out_dir().join("baseline.json");
    let (code, _, stderr) = goroscope(
        &["check", "testdata/series/round1.txt", "--write-baseline", baseline.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    validate(
        "baselined",
        &["check", "testdata/series/round3.txt", "--baseline", baseline.to_str().unwrap()],
        1,
    );
}

#[test]
fn diffs_series_and_before_after_are_valid() {
    validate("diff", &["diff", "testdata/series/round0.txt", "testdata/series/round3.txt"], 0);
    validate(
        "series",
        &[
            "series",
            "testdata/series/round0.txt",
            "testdata/series/round1.txt",
            "testdata/series/round2.txt",
            "testdata/series/round3.txt",
        ],
        0,
    );
    validate(
        "before-after",
        &["check", "--before", "testdata/series/round0.txt", "--after", "testdata/series/round3.txt"],
        1,
    );
}

#[test]
fn go_test_logs_are_valid() {
    for log in ["goleak.log", "goleak.json.log", "timeout.log", "ancestors.log"] {
        let path = format!("testdata/gotest/captured/{log}");
        let (code, _, _) = goroscope(&["check", &path, "-q"], None);
        validate(log, &["check", &path], code);
    }
}

#[test]
fn the_validators_reject_what_the_schemas_forbid() {
    let mut sarif = validate("demo-again", &["check", "examples/demo-dump.txt"], 1);
    sarif["runs"][0]["results"][0]["level"] = "fatal".into();
    sarif["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "not a uri".into();
    let errors = common::schemas::sarif_errors(&sarif);
    assert!(errors.iter().any(|e| e.contains("/level")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("/helpUri")), "{errors:?}");

    let junit = out_dir().join("demo-again.xml");
    let text = std::fs::read_to_string(&junit).unwrap();
    let broken = out_dir().join("broken.xml");
    std::fs::write(&broken, text.replacen("<testsuites name=", "<testsuites skipped=\"0\" name=", 1))
        .unwrap();
    let errors = common::schemas::junit_errors(&broken).expect("skipped is not an attribute of testsuites");
    assert!(errors.contains("skipped"), "{errors}");
}

/// `--html FILE`: one self-contained page, every group at its anchor, text from the dump escaped, and a policy
/// that lets only the page's own style and script run.
#[test]
fn html_report_is_self_contained_and_escapes_the_dump() {
    let (_, html) = html_page(
        "demo",
        &["analyze", "examples/demo-dump.txt", "--src", "examples/leaky-service", "-q"],
        None,
    );
    assert!(html.contains("Content-Security-Policy") && html.contains("script-src 'sha256-"), "no policy");
    for fetching in ["<link", "<img", "<iframe", " src=", "url(", "@import"] {
        assert!(!html.contains(fetching), "the page fetches nothing, yet has {fetching}");
    }
    assert!(html.contains("main.(*service).publish") && html.contains("operation on a nil channel"));
    assert!(html.contains("GL001 unreceived-send"), "lint links are shown");
    let anchors = html.matches("<article class=\"group").count();
    assert_eq!(anchors, html.matches(" id=\"g-").count());
    // The flame graph: one box per function and depth, each group placed in its order.
    assert_eq!(html.matches("<svg class=\"flame\"").count(), 1);
    assert_eq!(anchors, html.matches(" data-pos=\"").count(), "every group has its place in the flame graph");
    assert!(html.contains("<g data-r=\"") && html.contains("<title>main.(*service).publish\n30 goroutines"));

    // A dump whose function names and labels carry markup (hand-made: no Go program can be asked to name a
    // function like this, but a goroutine label can hold anything).
    let hostile = "goroutine 1 [chan receive, 5 minutes]:\n\
                   main.<script>alert(1)</script>(...)\n\
                   \t/src/\"><img src=x onerror=alert(2)>.go:10 +0x1\n\
                   created by main.main in goroutine 1\n\t/src/main.go:5 +0x2\n";
    let (_, html) = html_page("hostile", &["analyze", "-", "-q"], Some(hostile.as_bytes()));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(!html.contains("<script>alert") && !html.contains("<img"), "markup from the dump is escaped");
    assert_eq!(html.matches("<script>").count(), 1, "only the page's own script");
}

#[test]
fn html_of_a_series_charts_the_total_and_each_growing_group() {
    let rounds: Vec<String> = (0..4).map(|r| format!("testdata/series/round{r}.txt")).collect();
    let mut args = vec!["series", "--interval", "30s", "-q", "--format", "json"];
    args.extend(rounds.iter().map(String::as_str));
    let (json, html) = html_page("series", &args, None);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("Series of 4 snapshots over 2 min"));
    // A legend entry, linked to its group, for each growing suspect, and none for healthy groups while
    // suspects grow; a sparkline in each group's heading.
    for g in report["series"]["groups"].as_array().unwrap() {
        let fingerprint = g["group"]["fingerprint"].as_str().unwrap();
        let charted = g["growth"].as_i64() > Some(0) && g["group"]["level"] != "healthy";
        assert_eq!(html.contains(&format!("<a href=\"#g-{fingerprint}\">")), charted, "legend for {g}");
        assert!(html.contains(&format!("id=\"g-{fingerprint}\"")));
    }
    let groups = report["series"]["groups"].as_array().unwrap().len();
    assert_eq!(html.matches("<svg class=\"sparkline\"").count(), groups);
    assert!(html.contains("<title>5 → 10 → 15 → 20</title>"), "the leaked quotes' counts");
    assert!(html.contains("<p class=\"change grown\">+15 · "), "growth is said in the heading");
}

#[test]
fn html_of_a_diff_says_how_each_group_changed() {
    let (_, html) =
        html_page("diff", &["diff", "testdata/series/round0.txt", "testdata/series/round3.txt", "-q"], None);
    assert!(html.contains("testdata/series/round0.txt → testdata/series/round3.txt"), "{html}");
    assert!(html.contains("<p class=\"change grown\">grown +15 (5 → 20)</p>"), "{html}");
    assert!(html.contains("<svg class=\"flame\""));
}

#[test]
fn html_lists_at_most_two_thousand_groups_and_says_what_it_left_out() {
    // Synthetic: 2,100 goroutines, each in a function of its own, so each is a group.
    let mut dump = String::new();
    for i in 0..2_100 {
        let _ = write!(
            dump,
            "goroutine {} [chan receive]:\nmain.f{i}()\n\t/src/main.go:{} +0x1\n\
             created by main.main in goroutine 1\n\t/src/main.go:5 +0x2\n\n",
            i + 2,
            i + 10
        );
    }
    let (_, html) = html_page("many", &["analyze", "-", "-q"], Some(dump.as_bytes()));
    assert_eq!(html.matches("<article class=\"group").count(), 2_000);
    assert!(
        html.contains("100 more groups (100 goroutines) are in the flame graph but not listed"),
        "the page says what it left out"
    );
}

/// Runs goroscope with `args` and `--html FILE`, and returns its standard output and the page.
fn html_page(name: &str, args: &[&str], stdin: Option<&[u8]>) -> (String, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join(format!("{name}.html"));
    let mut args = args.to_vec();
    args.extend(["--html", page.to_str().unwrap()]);
    let (code, stdout, stderr) = common::goroscope(&args, stdin);
    assert!(code <= 1, "{stderr}");
    (stdout, std::fs::read_to_string(&page).unwrap())
}

#[test]
fn html_anchors_stay_unique_when_inputs_share_groups() {
    let round = "testdata/series/round0.txt";
    let (_, html) = html_page("thrice", &["analyze", round, round, round, "-q"], None);
    let ids: Vec<&str> =
        html.split(" id=\"g-").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), html.matches("<article class=\"group").count());
    assert_eq!(unique.len(), ids.len(), "every group has an anchor of its own: {ids:?}");
}
