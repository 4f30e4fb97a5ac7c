//! The demo service: the shipped dump and a live run both name every planted leak, and nothing else.

mod common;

use std::path::Path;

use common::{analyze_json, build, describe, goroscope, repo, wants};

/// Checks that the suspects are exactly the `want leak` markers of the demo service.
fn assert_planted_leaks(input: &serde_json::Value) {
    if let Err(problem) = check_planted_leaks(input) {
        panic!("{problem}");
    }
}

fn check_planted_leaks(input: &serde_json::Value) -> Result<(), String> {
    let planted = wants(&repo().join("examples/leaky-service"));
    assert_eq!(planted.len(), 7, "the demo plants seven leaks");
    let groups = input["groups"].as_array().unwrap();
    for want in &planted {
        let file_name = want.file.file_name().unwrap().to_str().unwrap();
        let hit = groups.iter().find(|g| {
            g["leak_site"]["file"].as_str().is_some_and(|f| f.ends_with(&format!("/{file_name}")))
                && g["leak_site"]["line"] == want.line
        });
        let Some(hit) = hit else {
            return Err(format!("no group at {file_name}:{}; groups:\n{}", want.line, describe(input)));
        };
        if hit["pattern"] != want.pattern.as_str() || hit["level"] != want.level.as_str() {
            return Err(format!(
                "{file_name}:{}: got {} {}, want {} {}",
                want.line, hit["level"], hit["pattern"], want.level, want.pattern
            ));
        }
    }
    let suspects = groups.iter().filter(|g| g["level"] != "healthy").count();
    if suspects != planted.len() {
        return Err(format!("only the planted leaks are suspects:\n{}", describe(input)));
    }
    Ok(())
}

#[test]
fn shipped_demo_dump_names_every_planted_leak() {
    // Captured with -trimpath: the source is found under --src by path suffix.
    let src = repo().join("examples/leaky-service");
    let input = analyze_json(&repo().join("examples/demo-dump.txt"), &["--src", src.to_str().unwrap()]);
    assert_planted_leaks(&input);
}

#[test]
fn live_demo_service_names_every_planted_leak() {
    let bin = build(&repo().join("examples/leaky-service"), ".");
    // The service dumps itself while its own load runs; on a busy machine a planted group can be caught
    // mid-transition, so a second capture is allowed. Both must be wrong for the test to fail.
    let mut problems = Vec::new();
    for attempt in 1..=2 {
        let dump = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("live-demo-dump-{attempt}.txt"));
        let status = std::process::Command::new(bin.join("leakyservice"))
            .args(["-drive", "12", "-dump"])
            .arg(&dump)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("running the demo service");
        assert!(status.success(), "the demo service's drive mode failed");
        match check_planted_leaks(&analyze_json(&dump, &[])) {
            Ok(()) => return,
            Err(problem) => problems.push(format!("capture {attempt}: {problem}")),
        }
    }
    panic!("{}", problems.join("\n\n"));
}

#[test]
fn terminal_report_of_the_demo_dump() {
    let (code, stdout, stderr) = goroscope(
        &["analyze", "examples/demo-dump.txt", "--src", "examples/leaky-service", "--color", "never"],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_report_of_the_demo_dump() {
    let (code, stdout, stderr) = goroscope(
        &["analyze", "examples/demo-dump.txt", "--src", "examples/leaky-service", "--format", "json"],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let mut report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    report["tool"]["version"] = "[version]".into();
    insta::assert_json_snapshot!(report);
}

/// `goroscope check` on the demo dump in one output format.
fn check_demo(format: &str) -> String {
    let (code, stdout, stderr) = goroscope(
        &["check", "examples/demo-dump.txt", "--src", "examples/leaky-service", "--format", format, "-q"],
        None,
    );
    assert_eq!(code, 1, "the demo's leaks fail the gate: {stderr}");
    stdout
}

#[test]
fn markdown_summary_of_the_demo_dump() {
    insta::assert_snapshot!(check_demo("markdown"));
}

#[test]
fn sarif_of_the_demo_dump() {
    let mut sarif: serde_json::Value = serde_json::from_str(&check_demo("sarif")).unwrap();
    sarif["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
    insta::assert_json_snapshot!(sarif);
}

#[test]
fn junit_of_the_demo_dump() {
    insta::assert_snapshot!(check_demo("junit"));
}

#[test]
fn json_file_and_table_in_one_run() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("both.json");
    let (code, stdout, _) = goroscope(
        &["analyze", "examples/demo-dump.txt", "--json", out.to_str().unwrap(), "--color", "never"],
        None,
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("CERTAIN  30 goroutines"));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["inputs"][0]["summary"]["certain"]["groups"], 1);
}

#[test]
fn top_and_all_control_what_is_shown_in_full() {
    let (_, stdout, _) =
        goroscope(&["analyze", "examples/demo-dump.txt", "--top", "2", "--color", "never"], None);
    assert_eq!(stdout.matches("\n  evidence ").count(), 2, "{stdout}");
    assert!(stdout.contains("5 more suspect groups (--top 0 shows all in full):"));
    let (_, all, _) =
        goroscope(&["analyze", "examples/demo-dump.txt", "--all", "--top", "0", "--color", "never"], None);
    assert!(all.contains("shape    accept-loop") && all.contains("· a listener's accept loop"), "{all}");
}

#[test]
fn standard_input_and_colour() {
    let dump = std::fs::read(repo().join("examples/demo-dump.txt")).unwrap();
    let (code, stdout, _) = goroscope(&["analyze", "-", "--color", "always"], Some(&dump));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("\u{1b}[1m-\u{1b}[0m: 289 goroutines"), "{}", &stdout[..80]);
    let (_, plain, _) = goroscope(&["analyze", "-"], Some(&dump));
    assert!(!plain.contains('\u{1b}'), "no colour when standard output is not a terminal");
}

#[test]
fn series_of_the_demo_service_driven_in_rounds() {
    // testdata/series/capture.sh: four dumps, five leaked quotes and three endless pollers more in each.
    let rounds: Vec<String> = (0..4).map(|r| format!("testdata/series/round{r}.txt")).collect();
    let mut args = vec![
        "series",
        "--interval",
        "30s",
        "--group",
        "site",
        "--src",
        "examples/leaky-service",
        "--color",
        "never",
    ];
    args.extend(rounds.iter().map(String::as_str));
    let (code, stdout, stderr) = goroscope(&args, None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("+15 (5 → 10 → 15 → 20)"), "{stdout}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn diff_of_one_process_in_two_formats() {
    let (code, stdout, stderr) = goroscope(
        &[
            "diff",
            "testdata/dumps/formats/goroutine_debug1.txt",
            "testdata/dumps/formats/goroutine_debug2.txt",
            "--color",
            "never",
            "--all",
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}
