//! `goroscope check` and `goroscope test`: exit codes, ignore rules, goroscope.toml, baselines, before/after
//! against a real leaking program, a real `go test` run, and the bad inputs each can meet.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{fetch, goroscope, pattern_programs, repo, start};

const DEMO: &str = "examples/demo-dump.txt";
const HEALTHY: &str = "testdata/dumps/programs/healthy-worker-pool.txt";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gate").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs goroscope in `dir` (for goroscope.toml discovery).
fn goroscope_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_goroscope")).args(args).current_dir(dir).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Outcomes of the gate by leak-site function.
fn outcomes(report: &serde_json::Value) -> Vec<(String, String)> {
    report["gate"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let group = &report["inputs"][o["input"].as_u64().unwrap() as usize]["groups"]
                [o["group"].as_u64().unwrap() as usize];
            let site = group["leak_site"]["function"].as_str().unwrap_or("").to_owned();
            (site, o["outcome"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn leaks_fail_the_gate_and_a_healthy_dump_passes() {
    let (code, _, stderr) = goroscope(&["check", DEMO, "-q"], None);
    assert_eq!(code, 1, "{stderr}");
    let (code, stdout, stderr) = goroscope(&["check", HEALTHY, "-q"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("check: PASSED"), "{stdout}");
    // Limits fail whatever the levels.
    let (code, stdout, _) =
        goroscope(&["check", HEALTHY, "--max-goroutines", "3", "-q", "--color", "never"], None);
    assert_eq!(code, 1);
    assert!(stdout.contains("more than --max-goroutines 3"), "{stdout}");
    let (code, stdout, _) =
        goroscope(&["check", HEALTHY, "--max-group", "2", "-q", "--color", "never"], None);
    assert_eq!(code, 1);
    assert!(stdout.contains("more than --max-group 2"), "{stdout}");
}

#[test]
fn ignore_rules_accept_what_they_match() {
    let (_, stdout, _) = goroscope(&["check", DEMO, "--format", "json", "-q"], None);
    let before = outcomes(&json(&stdout));
    let failing: Vec<&str> = before.iter().filter(|(_, o)| o == "fail").map(|(s, _)| s.as_str()).collect();
    assert!(failing.contains(&"main.(*service).publish"), "{before:?}");

    let (code, stdout, _) = goroscope(
        &[
            "check",
            DEMO,
            "--format",
            "json",
            "-q",
            "--ignore",
            "top=main.(*service).publish",
            "--ignore",
            "any=main.(*service).handleAd*",
        ],
        None,
    );
    assert_eq!(code, 1, "other leaks still fail");
    let after = outcomes(&json(&stdout));
    let of = |site: &str| after.iter().find(|(s, _)| s == site).map(|(_, o)| o.as_str());
    assert_eq!(of("main.(*service).publish"), Some("ignored"));
    assert_eq!(of("main.(*service).handleAdjust"), Some("ignored"), "a prefix rule over the whole stack");
    assert_eq!(of("main.(*service).applyRows"), Some("fail"));

    let (code, _, stderr) = goroscope(&["check", DEMO, "--ignore", "stack=main.f"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("top=FUNC"), "{stderr}");
}

#[test]
fn goroscope_toml_is_found_upward_and_its_mistakes_are_placed() {
    let dir = scratch("config");
    let nested = dir.join("service/cmd");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        dir.join("goroscope.toml"),
        "[check]\nfail-on = \"certain\"\n\n[[ignore]]\ntop = \"main.(*service).publish\"\nreason = \"known\"\n",
    )
    .unwrap();
    let demo = repo().join(DEMO);
    let demo = demo.to_str().unwrap();
    // Only the certain group could fail, and the file's rule ignores it.
    let (code, stdout, stderr) = goroscope_in(&nested, &["check", demo, "--color", "never"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("goroscope.toml"), "says which file it used: {stderr}");
    assert!(stdout.contains("1 ignored"), "{stdout}");
    // The command line wins over the file.
    let (code, _, _) = goroscope_in(&nested, &["check", demo, "--fail-on", "likely", "-q"]);
    assert_eq!(code, 1);
    let (code, _, _) = goroscope_in(&nested, &["check", demo, "--no-config", "--fail-on", "certain", "-q"]);
    assert_eq!(code, 1, "without the file, the certain group fails");

    std::fs::write(dir.join("goroscope.toml"), "[check]\nfail-on = \"sometimes\"\n").unwrap();
    let (code, stdout, stderr) = goroscope_in(&nested, &["check", demo]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("goroscope.toml") && stderr.contains("line 2, column 11"), "{stderr}");
    std::fs::write(dir.join("goroscope.toml"), "[chek]\n").unwrap();
    let (code, _, stderr) = goroscope_in(&nested, &["check", demo]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 1") && stderr.contains("chek"), "{stderr}");
}

#[test]
fn a_baseline_accepts_todays_groups_and_fails_new_ones() {
    let dir = scratch("baseline");
    let baseline = dir.join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let (code, _, stderr) = goroscope(&["check", DEMO, "--write-baseline", baseline], None);
    assert_eq!(code, 0, "writing a baseline passes: {stderr}");
    assert!(stderr.contains("wrote"), "{stderr}");
    let (code, stdout, _) = goroscope(&["check", DEMO, "--baseline", baseline, "--color", "never"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("accepted by the baseline"), "{stdout}");

    // A dump with a leak the baseline does not know fails on it alone.
    let other = "testdata/dumps/programs/leaks-nil-channel.txt";
    let (code, stdout, _) =
        goroscope(&["check", other, "--baseline", baseline, "--format", "json", "-q"], None);
    assert_eq!(code, 1);
    let failed: Vec<(String, String)> =
        outcomes(&json(&stdout)).into_iter().filter(|(_, o)| o == "fail").collect();
    assert!(!failed.is_empty() && failed.iter().all(|(s, _)| s.starts_with("main.")), "{failed:?}");

    // Bad baselines are errors that say what to do.
    std::fs::write(dir.join("empty.json"), "").unwrap();
    let (code, _, stderr) =
        goroscope(&["check", DEMO, "--baseline", dir.join("empty.json").to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("is empty") && stderr.contains("--write-baseline"), "{stderr}");
    let (code, _, stderr) = goroscope(&["check", DEMO, "--baseline", baseline, "--group", "site"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("--group exact"), "{stderr}");
    std::fs::write(dir.join("junk.json"), "{\"not\": \"a baseline\"}").unwrap();
    let (code, _, stderr) =
        goroscope(&["check", DEMO, "--baseline", dir.join("junk.json").to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a goroscope baseline"), "{stderr}");
}

#[test]
fn before_and_after_a_test_run_names_what_it_left_behind() {
    let program = start(&pattern_programs().join("send-no-receiver"), &["-n", "2"]);
    let dir = scratch("before-after");
    let before = dir.join("before.txt");
    std::fs::write(&before, fetch(&format!("{}/debug/pprof/goroutine?debug=2", program.base))).unwrap();
    let before = before.to_str().unwrap();
    let live = format!("{}/debug/pprof/goroutine?debug=2", program.base);

    // Nothing happened in between: it passes.
    let (code, stdout, stderr) =
        goroscope(&["check", "--before", before, "--after", &live, "-q", "--tolerance", "2"], None);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // The "integration test": requests that each leave a goroutine behind.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    for i in 0..6 {
        agent.get(&format!("{}/quote?sku=IT-{i}", program.base)).call().unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let (code, stdout, _) = goroscope(
        &["check", "--before", before, "--after", &live, "--format", "json", "-q", "--tolerance", "2"],
        None,
    );
    assert_eq!(code, 1);
    let report = json(&stdout);
    let limits = report["gate"]["limits"].as_array().unwrap();
    assert!(limits.iter().any(|l| l["limit"] == "growth"), "{limits:?}");
    let failed: Vec<(String, String)> = outcomes(&report).into_iter().filter(|(_, o)| o == "fail").collect();
    assert_eq!(failed, [("main.handleQuote.func1".to_owned(), "fail".to_owned())]);
    assert!(report["diff"]["changes"].as_array().unwrap().iter().any(|c| c["change"] == "grown"));
}

/// Runs `goroscope test ARGS… -- go test GO_ARGS…` in testdata/gotest (see its README) and returns the exit code,
/// the JSON report and standard error.
/// Runs `goroscope test` on the suites in testdata/gotest; its SARIF and `JUnit` files are validated too.
fn goroscope_test(args: &[&str], go_args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    common::require_go();
    let name: String =
        args.iter().chain(go_args).flat_map(|a| a.chars()).filter(char::is_ascii_alphanumeric).collect();
    let dir = scratch(&format!("test-{name}"));
    let (sarif, junit) = (dir.join("report.sarif"), dir.join("report.xml"));
    let out = Command::new(env!("CARGO_BIN_EXE_goroscope"))
        .args(["test", "--format", "json"])
        .arg("--sarif")
        .arg(&sarif)
        .arg("--junit")
        .arg(&junit)
        .args(args)
        .args(["--", "go", "test", "-count=1"])
        .args(go_args)
        .current_dir(repo().join("testdata/gotest"))
        .env("GOFLAGS", "-mod=vendor")
        .env("GOTOOLCHAIN", "local")
        .env_remove("GODEBUG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    common::schemas::assert_valid_sarif(&sarif);
    common::schemas::assert_valid_junit(&junit);
    (out.status.code(), json(&String::from_utf8_lossy(&out.stdout)), stderr)
}

/// Tests named in `leaks_by_test`.
fn leaking_tests(report: &serde_json::Value) -> Vec<String> {
    let mut tests: Vec<String> = report["test_run"]["leaks_by_test"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry[0].as_str().unwrap().to_owned())
        .collect();
    tests.sort();
    tests
}

#[test]
fn goroscope_test_names_the_tests_that_leaked() {
    let (code, report, stderr) =
        goroscope_test(&[], &["-timeout", "10s", "./timeout/", "./goleaked/", "./goleakmain/", "./clean/"]);
    assert_eq!(code, Some(1), "the tests time out and leak: {stderr}");
    // The tests' own output moves to standard error when the report is JSON.
    assert!(
        stderr.contains("panic: test timed out") && stderr.contains("found unexpected goroutines"),
        "{stderr}"
    );
    assert_eq!(report["test_run"]["exit_code"], 1);
    assert_eq!(report["gate"]["passed"], false);
    // With the ancestors goroscope asks for, even the workers whose helper goroutine exited lead to their test.
    assert_eq!(
        leaking_tests(&report),
        [
            "TestHangs",
            "TestLeaks",
            "TestParallelNested",
            "TestRetries",
            "TestStartsWatcher",
            "TestStartsWorkers"
        ]
    );
}

#[test]
fn goroscope_test_passes_clean_tests_and_can_leave_godebug_alone() {
    let (code, report, stderr) = goroscope_test(&[], &["./clean/"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(report["test_run"]["dumps"], 0);
    assert_eq!(report["gate"]["passed"], true);

    // Without tracebackancestors the orphaned workers cannot be tied to a test.
    let (code, report, stderr) = goroscope_test(&["--ancestors", "0"], &["-timeout", "5s", "./timeout/"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(leaking_tests(&report).contains(&String::new()), "{:?}", leaking_tests(&report));
    assert!(!leaking_tests(&report).contains(&"TestStartsWorkers".to_owned()));
}

#[test]
fn goroscope_test_with_a_command_that_cannot_start() {
    let (code, stdout, stderr) = goroscope(&["test", "--", "no-such-test-runner-here", "./..."], None);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("cannot run \"no-such-test-runner-here\""), "{stderr}");
    assert!(stderr.contains("goroscope test -- go test"), "{stderr}");
    let (code, _, stderr) = goroscope(&["test"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("COMMAND"), "{stderr}");
}
