//! The parse-only baseline of `scripts/bench-lint.sh`: walks, reads and parses the Go files that `goroscope lint`
//! would lint, with no rule selected, and prints what it read:
//! `cargo run -p goroscope_lint --release --example parse_only -- PATH…`.
//!
//! This is the whole example: [`goroscope_lint::lint`] with an empty rule list. The engine still walks the paths
//! (same filters: `.gitignore`, `vendor/`, `testdata/`, generated files), reads and parses every file and reports
//! syntax errors as it does for `goroscope lint`; with no rules its dispatch table is empty, so what is left per file
//! is one cursor walk over the tree that dispatches nothing and collects `//goroscope:ignore` comments. The
//! difference between `goroscope lint` and this is the cost of the rules, plus the command's configuration lookup and
//! output.

use std::path::PathBuf;

fn main() {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let options = goroscope_lint::Options { rules: vec![], ..goroscope_lint::Options::default() };
    let run = match goroscope_lint::lint(&paths, &options) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    assert!(run.findings.is_empty(), "no rule ran, yet there are findings");
    println!(
        "{} files parsed in {} packages, {} generated skipped, {} problems",
        run.files,
        run.packages,
        run.generated,
        run.problems.len()
    );
}
