//! `goroscope test -- go test ./...`: runs a test command, passes its output through as it comes, then reports
//! the leaks in every goroutine dump it printed (test timeouts, panics, goleak failures, `-json` output), by the
//! test that started them. The exit code is 0 only when the command passed and the gate found nothing.

use std::io::{self, Read, Write};
use std::process::{Command, Stdio};
use std::thread;

use anyhow::Result;
use goroscope_analyze::gate;
use goroscope_dump::{ParseOptions, parse_log};
use goroscope_report::{InputReport, Report, TestRun};

use crate::Outcome;
use crate::args::{OutputFormat, TestArgs};
use crate::commands::check::gate_options;
use crate::commands::{Session, emit};

pub(crate) fn run(args: &TestArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let (options, _) = gate_options(&args.rules, &args.analysis.group, true, quiet)?;
    let session = Session::offline(&args.analysis, quiet);
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut command = Command::new(program);
    command.args(rest).stdin(Stdio::inherit()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if args.ancestors > 0 {
        command.env("GODEBUG", godebug(std::env::var("GODEBUG").ok(), args.ancestors));
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("goroscope: error: cannot run {program:?}: {e}");
            eprintln!("  hint: give the test command after `--`, e.g. `goroscope test -- go test ./...`");
            return Ok(Outcome::Error);
        }
    };
    // Machine-readable reports own standard output: the tests' output then goes to standard error.
    let report_on_stdout = args.output.format != OutputFormat::Table;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let out_copy = thread::spawn(move || tee(stdout, report_on_stdout));
    let err_copy = thread::spawn(move || tee(stderr, true));
    let status = child.wait()?;
    let captured = [out_copy.join().expect("copy thread")?, err_copy.join().expect("copy thread")?];

    let mut snapshots = Vec::new();
    for (name, bytes) in ["test stdout", "test stderr"].iter().zip(&captured) {
        match parse_log(name, bytes, &ParseOptions::default()) {
            Ok(found) => snapshots.extend(found),
            Err(e) => eprintln!("goroscope: warning: a goroutine dump in the {name} could not be read: {e}"),
        }
    }
    let mut analyses: Vec<_> = snapshots.iter().map(|s| session.analyse_snapshot(s)).collect();
    let result = gate(&mut analyses, &options);
    let inputs: Vec<InputReport> =
        snapshots.iter().zip(analyses).map(|(s, a)| InputReport::new(s, a)).collect();
    let run = TestRun::tally(args.command.clone(), status.code(), &inputs);
    let passed = status.success() && result.passed;
    let mut report = Report::new(inputs);
    report.test_run = Some(run);
    report.gate = Some(result);
    if !quiet && !report_on_stdout {
        println!();
    }
    emit(&report, &args.output, color, &session)?;
    Ok(match status.code() {
        None => Outcome::Error,
        Some(_) if passed => Outcome::Ran,
        Some(_) => Outcome::GateFailed,
    })
}

/// Copies a child's output to ours as it comes (standard output, or standard error when `to_stderr`), keeping
/// a copy to look for dumps in.
fn tee(mut from: impl Read, to_stderr: bool) -> io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => return Ok(kept),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buffer[..n];
        // A reader of ours that went away must not stop the tests: keep reading, stop writing.
        let _ = if to_stderr {
            io::stderr().lock().write_all(chunk)
        } else {
            io::stdout().lock().write_all(chunk).and_then(|()| io::stdout().flush())
        };
        kept.extend_from_slice(chunk);
    }
}

/// `GODEBUG` with `tracebackancestors=N` added, unless the user set it already.
fn godebug(existing: Option<String>, depth: u32) -> String {
    match existing.filter(|e| !e.trim().is_empty()) {
        Some(e) if e.contains("tracebackancestors=") => e,
        Some(e) => format!("{e},tracebackancestors={depth}"),
        None => format!("tracebackancestors={depth}"),
    }
}

#[cfg(test)]
mod tests {
    use super::godebug;

    #[test]
    fn ancestors_join_the_users_godebug() {
        assert_eq!(godebug(None, 10), "tracebackancestors=10");
        assert_eq!(godebug(Some("gctrace=1".into()), 5), "gctrace=1,tracebackancestors=5");
        assert_eq!(godebug(Some("tracebackancestors=2".into()), 5), "tracebackancestors=2");
    }
}
