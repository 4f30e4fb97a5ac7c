//! `goroscope lint` and `goroscope rule` end to end: output formats (SARIF checked against its schema), fixes
//! applied and shown, suppression comments, goroscope.toml, and bad input that is reported while the run goes on.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::repo;

/// A fresh copy of the unreceived-send fixtures as a module of its own, in a scratch directory.
fn project(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lint-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("send")).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/project\n\ngo 1.22\n").unwrap();
    for file in ["bad.go", "good.go"] {
        let source =
            std::fs::read_to_string(repo().join("testdata/lint/unreceived_send").join(file)).unwrap();
        std::fs::write(
            dir.join("send").join(file),
            source.replace("package unreceived_send", "package send"),
        )
        .unwrap();
    }
    dir
}

/// Runs goroscope in `dir`; (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_goroscope")).args(args).current_dir(dir).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn wanted_count(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("send/bad.go")).unwrap().matches("// want GL001").count()
}

#[test]
fn findings_fail_the_run_and_show_the_source_and_the_fix() {
    let dir = project("table");
    let (code, stdout, stderr) = run_in(&dir, &["lint", "./..."]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("send/bad.go:17:3: GL001 [*] goroutine sends on unbuffered channel `ch`"),
        "{stdout}"
    );
    assert!(stdout.contains("17 │         ch <- compute() // want GL001"), "{stdout}");
    assert!(stdout.contains("= 16:2: goroutine started here"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Found {} findings in 1 file (2 files linted in 1 package).",
            wanted_count(&dir)
        )),
        "{stdout}"
    );
    assert!(stdout.contains("fixable with `--fix`"), "{stdout}");
    assert!(!stdout.contains("good.go"), "{stdout}");
    let (code, _, _) = run_in(&dir, &["lint", "--exit-zero", "."]);
    assert_eq!(code, 0);
    let (code, stdout, _) = run_in(&dir, &["lint", "send/good.go"]);
    assert_eq!((code, stdout.trim()), (0, "No findings (1 file linted in 1 package)."));
}

#[test]
fn json_sarif_and_github_outputs() {
    let dir = project("formats");
    let sarif = dir.join("lint.sarif");
    let (code, stdout, stderr) =
        run_in(&dir, &["lint", "-f", "json", "--sarif", sarif.to_str().unwrap(), "."]);
    assert_eq!(code, 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["summary"]["files"], 2);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), wanted_count(&dir));
    let first = &findings[0];
    assert_eq!((first["code"].as_str(), first["rule"].as_str()), (Some("GL001"), Some("unreceived-send")));
    assert_eq!(first["span"]["start"], serde_json::json!({"line": 17, "column": 3}));
    assert_eq!(first["function"]["name"], "fetchWithContext.func1");
    assert_eq!(first["related"][0]["label"], "goroutine started here");
    assert_eq!(first["fix"]["edits"][0]["replacement"], ", 1");

    common::schemas::assert_valid_sarif(&sarif);
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let run = &sarif["runs"][0];
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().iter().any(|r| r["id"] == "GL001"
        && r["help"]["markdown"].as_str().unwrap().contains("## Use instead")));
    let result = &run["results"][0];
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "send/bad.go");
    assert_eq!(result["relatedLocations"][0]["message"]["text"], "goroutine started here");
    assert_eq!(result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"], ", 1");

    let (_, stdout, _) = run_in(&dir, &["lint", "--format", "github", "send"]);
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with("::error title=GL001 unreceived-send,file=send/bad.go,line=17,col=3,"),
        "{first}"
    );
}

#[test]
fn fix_applies_the_fixes_and_the_result_builds() {
    common::require_go();
    let dir = project("fix");
    let before = std::fs::read_to_string(dir.join("send/bad.go")).unwrap();
    let (code, diff, stderr) = run_in(&dir, &["lint", "--diff", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert!(diff.contains("--- a/send/bad.go") && diff.contains("+\tch := make(chan result, 1)"), "{diff}");
    assert_eq!(std::fs::read_to_string(dir.join("send/bad.go")).unwrap(), before, "--diff changes nothing");

    let (code, stdout, stderr) = run_in(&dir, &["lint", "--fix", "."]);
    assert_eq!(code, 1, "one finding has no fix: {stdout}{stderr}");
    assert!(stdout.contains("Fixed 5 findings."), "{stdout}");
    assert!(stdout.contains("Found 1 finding in 1 file"), "{stdout}");
    let after = std::fs::read_to_string(dir.join("send/bad.go")).unwrap();
    assert!(after.contains("results := make(chan result, 1)"), "{after}");
    let build = Command::new("go").args(["vet", "./..."]).current_dir(&dir).output().unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let (_, diff, _) = run_in(&dir, &["lint", "--diff", "."]);
    assert!(diff.is_empty(), "nothing left to fix: {diff}");
}

#[test]
fn suppression_comments_and_configuration() {
    let dir = project("suppress");
    let bad = dir.join("send/bad.go");
    let source = std::fs::read_to_string(&bad).unwrap();
    let source = source
        .replace(
            "\t\tch <- compute() // want GL001",
            "\t\tch <- compute() //goroscope:ignore GL001 the caller always waits",
        )
        .replace(
            "// Nobody ever receives.\n",
            "// Nobody ever receives.\n//goroscope:ignore unreceived-send errors are dropped on purpose\n",
        );
    std::fs::write(&bad, source).unwrap();
    let (_, stdout, _) = run_in(&dir, &["lint", "-f", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let lines: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["span"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        [31, 45, 67],
        "lines 17 and 85 (the same text) and the whole of fireAndForget are suppressed"
    );

    std::fs::write(dir.join("goroscope.toml"), "[lint]\nignore = [\"GL001\"]\n").unwrap();
    let (code, stdout, stderr) = run_in(&dir, &["lint", "."]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stderr.contains("using") && stdout.starts_with("No findings"), "{stdout}{stderr}");
    std::fs::write(dir.join("goroscope.toml"), "[lint.per-file-ignores]\n\"send/bad.go\" = [\"GL0\"]\n")
        .unwrap();
    let (code, _, _) = run_in(&dir, &["lint", "."]);
    assert_eq!(code, 0);
    let (code, _, _) = run_in(&dir, &["lint", "--no-config", "."]);
    assert_eq!(code, 1);
    std::fs::write(dir.join("goroscope.toml"), "[lint]\nselect = [\"GL9\"]\n").unwrap();
    let (code, _, stderr) = run_in(&dir, &["lint", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown rule `GL9`") && stderr.contains("goroscope rule --all"), "{stderr}");
}

#[test]
fn bad_files_are_reported_and_the_run_goes_on() {
    let dir = project("bad-input");
    std::fs::write(dir.join("send/broken.go"), "package send\n\nfunc broken( {\n").unwrap();
    std::fs::write(dir.join("send/notes.txt"), "not go").unwrap();
    std::fs::write(dir.join("send/big.go"), format!("package send\n\nvar big = `{}`\n", "x".repeat(2 << 20)))
        .unwrap();
    std::fs::write(
        dir.join("send/gen.go"),
        "// Code generated by hand for a test. DO NOT EDIT.\n\npackage send\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/nonexistent/file.go", dir.join("send/dangling.go")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("send/loop")).unwrap();
    std::fs::create_dir_all(dir.join("vendor/x")).unwrap();
    std::fs::write(dir.join("vendor/x/x.go"), "package x\n\nfunc broken( {\n").unwrap();
    let (code, stdout, stderr) =
        run_in(&dir, &["lint", "--max-file-size", "1MiB", ".", "send/notes.txt", "missing.go"]);
    assert_eq!(code, 1, "the findings in bad.go still fail the run: {stderr}");
    assert!(stdout.contains(&format!("Found {} findings", wanted_count(&dir))), "{stdout}");
    for expected in [
        "send/broken.go: syntax error at line 3",
        "send/notes.txt: not a Go file",
        "send/big.go: skipped: ",
        "--max-file-size",
        "dangling.go: cannot read it",
        "symbolic link loop",
        "missing.go: cannot read it",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
    assert!(
        !stderr.contains("vendor") && !stderr.contains("gen.go"),
        "vendor/ and generated files are left out: {stderr}"
    );
    let (code, _, stderr) = run_in(&dir, &["lint", "--all-dirs", "vendor"]);
    assert_eq!(code, 2, "nothing could be linted: {stderr}");
    assert!(
        stderr.contains("vendor/x/x.go: syntax error") && stderr.contains("no Go file could be linted"),
        "{stderr}"
    );
    let (code, _, stderr) = run_in(&dir, &["lint", "--select", "NOPE", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown rule `NOPE`"), "{stderr}");
}

#[test]
fn rule_prints_the_documentation() {
    let (code, stdout, _) = common::goroscope(&["rule", "GL001"], None);
    assert_eq!(code, 0);
    for heading in goroscope_lint::DOC_SECTIONS {
        assert!(stdout.contains(&format!("\n{heading}\n")), "{heading} missing:\n{stdout}");
    }
    let (_, by_name, _) = common::goroscope(&["rule", "unreceived-send"], None);
    assert_eq!(by_name, stdout);
    let (code, list, _) = common::goroscope(&["rule", "--all"], None);
    assert_eq!(code, 0);
    assert!(list.lines().any(|l| l.starts_with("GL001  unreceived-send")), "{list}");
    let (code, json, _) = common::goroscope(&["rule", "--all", "--json"], None);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rules.as_array().unwrap().len(), goroscope_lint::RULES.len());
    let (code, _, stderr) = common::goroscope(&["rule", "GL999"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("goroscope rule --all"), "{stderr}");
}

/// `analyze --src` ties the leak found at run time to the lint finding on the same line, for the dumps the
/// pattern programs of testdata/go/leaks gave through their pprof endpoints.
#[test]
fn analyze_with_src_links_runtime_leaks_to_findings() {
    let expected = [
        ("send-no-receiver", "GL001", "leak_site"),
        ("receive-never-sent", "GL002", "leak_site"),
        ("range-never-closed", "GL004", "leak_site"),
        ("lock-never-released", "GL201", "leak_site"),
        ("loop-without-exit", "GL101", "go_statement"),
    ];
    for (program, code, link) in expected {
        let dump = format!("testdata/dumps/programs/leaks-{program}.txt");
        let (status, stdout, stderr) =
            common::goroscope(&["analyze", &dump, "--src", "testdata/go", "--format", "json"], None);
        assert_eq!(status, 0, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let links = report["lint_links"].as_array().unwrap_or_else(|| panic!("{program}: no lint links"));
        let suspect = report["inputs"][0]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["level"] != "healthy")
            .unwrap_or_else(|| panic!("{program}: no suspect"));
        let linked = links.iter().find(|l| l["group"] == suspect["fingerprint"]).unwrap();
        assert_eq!(
            (linked["finding"]["code"].as_str(), linked["link"].as_str()),
            (Some(code), Some(link)),
            "{program}"
        );
        // The dump names the file by the absolute path it was built at; --src finds it by suffix when that path
        // is not on this machine.
        let path = linked["finding"]["path"].as_str().unwrap();
        assert!(path.ends_with(&format!("testdata/go/leaks/{program}/main.go")), "{path}");
        let (_, table, _) = common::goroscope(&["analyze", &dump, "--src", "testdata/go"], None);
        assert!(table.contains(&format!("lint     {code} ")), "{table}");
    }
    for healthy in ["healthy-worker-pool", "healthy-http-under-load"] {
        let dump = format!("testdata/dumps/programs/{healthy}.txt");
        let (_, stdout, _) =
            common::goroscope(&["analyze", &dump, "--src", "testdata/go", "--format", "json"], None);
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(report.get("lint_links").is_none(), "{healthy}: {}", report["lint_links"]);
    }
}

/// The programs of testdata/go and the demo service, which leak in the catalogue's patterns through real
/// endpoints, are caught before they run by the rule for their pattern; the healthy programs get no finding.
#[test]
fn the_leaking_programs_are_flagged_and_the_healthy_ones_are_not() {
    let (code, stdout, stderr) = common::goroscope(
        &[
            "lint",
            "--all-dirs",
            "--preview",
            "-f",
            "json",
            "testdata/go/leaks",
            "testdata/go/healthy",
            "testdata/go/formats",
            "examples/leaky-service",
        ],
        None,
    );
    assert_eq!(code, 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["path"].as_str().unwrap(),
                f["span"]["start"]["line"],
                f["code"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    assert!(found.iter().all(|f| !f.contains("/healthy/")), "{found:#?}");
    // Each is the line of the leak (or the loop or lock behind it) that the program's `// want leak:` marks.
    let expected = [
        "examples/leaky-service/inventory.go:67 GL201",
        "examples/leaky-service/orders.go:190 GL204",
        "examples/leaky-service/orders.go:79 GL001",
        "examples/leaky-service/shipping.go:35 GL101",
        "testdata/go/formats/main.go:106 GL001",
        "testdata/go/formats/main.go:132 GL002",
        "testdata/go/formats/main.go:176 GL201",
        "testdata/go/formats/main.go:223 GL101",
        "testdata/go/leaks/body-not-closed/main.go:16 GL501",
        "testdata/go/leaks/lock-never-released/main.go:31 GL201",
        "testdata/go/leaks/loop-without-exit/main.go:29 GL101",
        "testdata/go/leaks/range-never-closed/main.go:32 GL004",
        "testdata/go/leaks/receive-never-sent/main.go:30 GL002",
        "testdata/go/leaks/send-no-receiver/main.go:28 GL001",
        "testdata/go/leaks/waitgroup-mismatch/main.go:38 GL204",
    ];
    assert_eq!(found, expected);
}
