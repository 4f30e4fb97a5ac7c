//! Bad input: a clear one-line message and exit 2 where nothing could be analysed; never a panic.

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::{goroscope, repo};

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-input");
    std::fs::create_dir_all(&path).unwrap();
    let path = path.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(path: &std::path::Path) -> (i32, String, String) {
    goroscope(&["analyze", path.to_str().unwrap(), "--color", "never"], None)
}

fn assert_refused(path: &std::path::Path, message: &str) {
    let (code, stdout, stderr) = run(path);
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert!(stderr.contains(message), "expected {message:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn demo() -> Vec<u8> {
    std::fs::read(repo().join("examples/demo-dump.txt")).unwrap()
}

#[test]
fn empty_and_blank_inputs() {
    assert_refused(&temp("empty.txt", b""), "the input is empty");
    assert_refused(&temp("blank.txt", b"\n\n   \n"), "the input is empty");
}

#[test]
fn binary_junk() {
    let junk: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert_refused(&temp("junk.bin", &junk), "no goroutine found");
}

#[test]
fn files_that_are_not_dumps() {
    assert_refused(&repo().join("README.md"), "no goroutine found");
    assert_refused(&temp("profile.pb.gz", &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, 1, 2, 3]), "gzip");
    assert_refused(&temp("page.html", b"<!DOCTYPE html><html><body>404</body></html>"), "HTML");
}

#[test]
fn missing_files_and_directories() {
    assert_refused(&repo().join("no-such-dump.txt"), "cannot open");
    assert_refused(&repo().join("examples"), "is a directory");
}

#[test]
fn a_dump_cut_mid_goroutine_is_analysed_and_reported_truncated() {
    let dump = demo();
    let cut = &dump[..dump.len() * 2 / 3];
    let (code, stdout, stderr) = run(&temp("cut.txt", cut));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("truncated: the dump ends in the middle of goroutine"), "{stdout}");
    let (_, json, _) = goroscope(&["analyze", temp("cut.txt", cut).to_str().unwrap(), "-f", "json"], None);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(report["inputs"][0]["truncated"]["reason"].as_str().unwrap().contains("middle of goroutine"));
    assert!(report["inputs"][0]["summary"]["goroutines"].as_u64().unwrap() > 100);
}

#[test]
fn a_dump_of_exactly_64_mib_is_the_runtime_cap() {
    let mut dump = demo();
    let unit = dump.clone();
    while dump.len() < 64 << 20 {
        dump.extend_from_slice(b"\n\n");
        dump.extend_from_slice(&unit);
    }
    dump.truncate(64 << 20);
    let (code, stdout, _) = run(&temp("cap.txt", &dump));
    assert_eq!(code, 0);
    assert!(stdout.contains("exactly 64 MiB"), "{}", &stdout[..400.min(stdout.len())]);
}

#[test]
fn a_huge_line_is_skipped_with_a_warning() {
    let mut dump = demo();
    let mut huge = vec![b'x'; 100 << 20];
    huge.extend_from_slice(b"(0x1)"); // looks like a frame line once cut
    huge.push(b'\n');
    // Inside the dump, after its first record: the input is still detected as a traceback.
    let after_first_record = dump.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    dump.splice(after_first_record..after_first_record, huge);
    let (code, stdout, stderr) = run(&temp("huge-line.txt", &dump));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("289 goroutines"), "{}", &stdout[..300.min(stdout.len())]);
    assert!(
        stdout.contains("warning:") && stdout.contains("longer than"),
        "{}",
        &stdout[..600.min(stdout.len())]
    );
}

#[test]
fn invalid_utf8_in_paths_is_kept_lossily() {
    let dump = b"goroutine 7 [chan send]:\nmain.f(0x1)\n\t/tmp/\xff\xfe/main.go:12 +0x2c\ncreated by main.main in goroutine 1\n\t/tmp/\xff\xfe/main.go:20 +0x45\n";
    let (code, stdout, stderr) =
        goroscope(&["analyze", temp("utf8.txt", dump).to_str().unwrap(), "-f", "json"], None);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["inputs"][0]["groups"][0]["leak_site"]["file"], "/tmp/\u{fffd}\u{fffd}/main.go");
}

#[test]
fn one_bad_input_does_not_stop_the_others() {
    let good = repo().join("examples/demo-dump.txt");
    let (code, stdout, stderr) =
        goroscope(&["analyze", "no-such-file.txt", good.to_str().unwrap(), "--color", "never"], None);
    assert_eq!(code, 2, "the final code says an input failed");
    assert!(stderr.contains("no-such-file.txt: cannot open"), "{stderr}");
    assert!(stdout.contains("289 goroutines"), "the good input is still reported");
}

#[test]
fn bad_flags_exit_2_with_usage() {
    let (code, _, stderr) = goroscope(&["analyze", "--format", "xml", "x"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'xml'"), "{stderr}");
    let (code, _, stderr) = goroscope(&["analyze"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("required"), "{stderr}");
}

#[test]
fn a_closed_pipe_exits_quietly() {
    let out =
        run_into_closed_pipe(&["analyze", "examples/demo-dump.txt", "--all", "--top", "0", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn junk_between_and_inside_records_is_counted_not_fatal() {
    // Hand-made edge case: noise lines around and inside otherwise real records.
    let mut dump = Vec::new();
    dump.extend_from_slice(b"2026-11-24T10:00:00Z some log line\n=== RUN   TestX\n\n");
    dump.extend_from_slice(&demo());
    dump.extend_from_slice(b"\n\nexit status 2\nFAIL\texample.com/pkg\t600.123s\n");
    let mut out = std::fs::File::create(temp("noisy.txt", b"")).unwrap();
    out.write_all(&dump).unwrap();
    drop(out);
    let (code, stdout, _) = run(&temp_path("noisy.txt"));
    assert_eq!(code, 0);
    assert!(stdout.contains("289 goroutines"), "{stdout}");
}

fn temp_path(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-input").join(name)
}

#[test]
fn escape_sequences_in_a_dump_do_not_reach_the_terminal() {
    // Hand-made edge case (labelled): control characters in a panic message and a frame.
    let dump =
        b"panic: evil \x1b[2J clear\n\ngoroutine 7 [chan send]:\nmain.f\x1b[31m(0x1)\n\t/x/m.go:12 +0x2c\n";
    let (code, stdout, _) =
        goroscope(&["analyze", temp("escapes.txt", dump).to_str().unwrap(), "--all"], None);
    assert_eq!(code, 0);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("evil \\u{1b}[2J clear"), "{stdout}");
}

#[test]
fn a_closed_pipe_still_reports_a_failed_input() {
    let out = run_into_closed_pipe(&[
        "analyze",
        "no-such-dump.txt",
        "examples/demo-dump.txt",
        "--all",
        "--top",
        "0",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Runs goroscope with its standard output closed before it writes anything.
fn run_into_closed_pipe(args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_goroscope"))
        .args(args)
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}
