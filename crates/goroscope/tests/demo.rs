//! The demo service: the shipped dump and a live run both name every planted leak, and nothing else.

mod common;

use std::path::Path;

use common::{analyze_json, build, describe, goroscope, repo, wants};

/// Checks that the suspects are exactly the `want leak` markers of the demo service.
fn assert_planted_leaks(input: &serde_json::Value) {
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
            panic!("no group at {file_name}:{}; groups:\n{}", want.line, describe(input));
        };
        assert_eq!(hit["pattern"], want.pattern.as_str(), "{file_name}:{}", want.line);
        assert_eq!(hit["level"], want.level.as_str(), "{file_name}:{}", want.line);
    }
    let suspects = groups.iter().filter(|g| g["level"] != "healthy").count();
    assert_eq!(suspects, planted.len(), "only the planted leaks are suspects:\n{}", describe(input));
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
    let dump = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live-demo-dump.txt");
    let status = std::process::Command::new(bin.join("leakyservice"))
        .args(["-drive", "12", "-dump"])
        .arg(&dump)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("running the demo service");
    assert!(status.success(), "the demo service's drive mode failed");
    assert_planted_leaks(&analyze_json(&dump, &[]));
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
