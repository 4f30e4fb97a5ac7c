//! The catalogue's Go examples: one pair per pattern, each vetted by the Go toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

use goroscope_analyze::{CATALOGUE, Example};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue")
}

/// Runs a Go tool in the examples module; fails loudly when Go is missing.
fn go(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).current_dir(examples_dir()).output().unwrap_or_else(|e| {
        panic!(
            "`{tool}` could not run ({e}): the Go toolchain (1.25 or later) is required to vet the catalogue's \
             examples. Install Go and put it on PATH."
        )
    });
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{tool} {args:?} failed:\n{text}");
    text
}

#[test]
fn every_example_is_vetted_and_formatted_go() {
    go("go", &["vet", "./..."]);
    let unformatted = go("gofmt", &["-l", "."]);
    assert!(unformatted.trim().is_empty(), "gofmt -l lists:\n{unformatted}");
}

#[test]
fn every_pattern_has_its_own_pair_with_the_lines_marked() {
    for pattern in CATALOGUE {
        let dir = examples_dir().join(pattern.id.as_str());
        let Example { leaks, fixed } = pattern.example;
        assert_eq!(std::fs::read_to_string(dir.join("leaks/example.go")).unwrap(), leaks, "{:?}", pattern.id);
        assert_eq!(std::fs::read_to_string(dir.join("fixed/example.go")).unwrap(), fixed, "{:?}", pattern.id);
        assert!(leaks.contains("// leaks"), "{:?} marks the line that leaks", pattern.id);
        assert!(fixed.contains("// fixed:") && !fixed.contains("// leaks"), "{:?} marks the fix", pattern.id);
        for file in [leaks, fixed] {
            let body = Example::body(file);
            assert!(
                body.starts_with("func ")
                    || body.starts_with("type ")
                    || body.starts_with("//")
                    || body.starts_with("var "),
                "{:?}: {body}",
                pattern.id
            );
            assert!(!body.contains("\nimport"), "{:?}", pattern.id);
        }
        assert!(!pattern.references.is_empty(), "{:?}", pattern.id);
        assert!(pattern.references.iter().all(|r| r.starts_with("https://")), "{:?}", pattern.id);
    }
    let dirs = std::fs::read_dir(examples_dir())
        .unwrap()
        .filter_map(|entry| entry.ok().filter(|e| e.path().is_dir()))
        .count();
    assert_eq!(dirs, CATALOGUE.len(), "one directory per pattern and no more");
}
