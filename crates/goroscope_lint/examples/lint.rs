//! Prints the findings of the lint rules on some paths, one per line, for a quick look at real code:
//! `cargo run -p goroscope_lint --release --example lint -- [--select CODE,…] [--preview] PATH…`.
//! The `goroscope lint` command is the real interface.

use std::path::PathBuf;

fn main() {
    let mut select = Vec::new();
    let mut preview = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--select" => select.extend(args.next().unwrap_or_default().split(',').map(str::to_owned)),
            "--preview" => preview = true,
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    let rules = match goroscope_lint::select_rules(&select, &[], preview) {
        Ok(rules) => rules,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    let options = goroscope_lint::Options { rules, ..goroscope_lint::Options::default() };
    let run = match goroscope_lint::lint(&paths, &options) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    for f in &run.findings {
        println!(
            "{}:{}:{}: {} {}",
            f.path.display(),
            f.span.start.line,
            f.span.start.column,
            f.code,
            f.message
        );
    }
    for p in &run.problems {
        eprintln!("problem: {}: {}", p.path.display(), p.message);
    }
    eprintln!(
        "{} findings in {} files ({} packages, {} generated skipped)",
        run.findings.len(),
        run.files,
        run.packages,
        run.generated
    );
}
