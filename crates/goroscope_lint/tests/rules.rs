//! Every rule against its fixtures in `testdata/lint/<rule>/`: `bad.go` lines marked `// want CODE` get exactly
//! those findings, `good.go` gets none, the findings and fixes are snapshotted, the fixtures are valid Go, the
//! fixed fixtures still build and pass `go vet`, and linting a file's text finds what linting the file does.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use goroscope_lint::{DOC_SECTIONS, Finding, Module, Options, RULES, Rule, Severity, fix, lint, lint_source};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lint")
}

fn rule_dir(rule: &Rule) -> PathBuf {
    fixtures().join(rule.name.replace('-', "_"))
}

fn lint_with(rule: &'static Rule, path: &Path) -> Vec<Finding> {
    let options = Options { rules: vec![rule], all_dirs: true, ..Options::default() };
    let run = lint(&[path.to_owned()], &options).expect("lint runs");
    assert!(run.problems.is_empty(), "{}: {:?}", path.display(), run.problems);
    run.findings
}

/// The lines of `file` that end with `// want …CODE…`.
fn wanted_lines(file: &Path, code: &str) -> BTreeSet<u32> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.split("// want ").nth(1).is_some_and(|codes| codes.split_whitespace().any(|c| c == code))
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

fn render(findings: &[Finding], source: &str) -> String {
    let mut out = String::new();
    for f in findings {
        let name = f.path.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "{name}:{}:{} {} {}: {}",
            f.span.start.line,
            f.span.start.column,
            f.code,
            f.severity.as_str(),
            f.message
        )
        .unwrap();
        if let Some(function) = &f.function {
            writeln!(out, "    in {} (lines {}-{})", function.name, function.start_line, function.end_line)
                .unwrap();
        }
        for related in &f.related {
            writeln!(out, "    {}:{}: {}", related.span.start.line, related.span.start.column, related.label)
                .unwrap();
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix ({}): {}", if fix.safe { "safe" } else { "unsafe" }, fix.title).unwrap();
        }
    }
    let fixes: Vec<_> = findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    if !fixes.is_empty() {
        let (fixed, _) = fix::apply(source, &fixes);
        out.push('\n');
        out.push_str(&fix::unified_diff("bad.go", source, &fixed));
    }
    out
}

#[test]
fn every_rule_flags_exactly_the_wanted_lines_of_its_fixtures() {
    for rule in RULES {
        let dir = rule_dir(rule);
        let findings = lint_with(rule, &dir);
        let bad = dir.join("bad.go");
        let in_file = |name: &str| -> Vec<Finding> {
            findings.iter().filter(|f| f.path.file_name().is_some_and(|n| n == name)).cloned().collect()
        };
        let bad_findings = in_file("bad.go");
        let found: BTreeSet<u32> = bad_findings.iter().map(|f| f.span.start.line).collect();
        let wanted = wanted_lines(&bad, rule.code);
        assert!(!wanted.is_empty(), "{}: bad.go marks no line with `// want {}`", rule.code, rule.code);
        assert_eq!(
            found, wanted,
            "{} {}: lines flagged in bad.go (left) vs marked `// want` (right)",
            rule.code, rule.name
        );
        let good = in_file("good.go");
        assert!(good.is_empty(), "{} flags good.go:\n{}", rule.code, render(&good, ""));
        let source = std::fs::read_to_string(&bad).unwrap();
        insta::assert_snapshot!(format!("{}_{}", rule.code, rule.name), render(&bad_findings, &source));
    }
}

#[test]
fn linting_a_files_text_finds_what_linting_the_file_does() {
    let go_mod = fixtures().join("go.mod");
    let module = Module::parse(&go_mod, &std::fs::read_to_string(&go_mod).unwrap());
    for rule in RULES {
        let bad = rule_dir(rule).join("bad.go");
        let source = std::fs::read_to_string(&bad).unwrap();
        let from_text = lint_source(&bad, source.clone().into_bytes(), &module, &[rule]).expect("it parses");
        assert!(!from_text.is_empty(), "{}: nothing found in bad.go's text", rule.code);
        assert_eq!(render(&from_text, &source), render(&lint_with(rule, &bad), &source), "{}", rule.code);
    }
}

#[test]
fn every_rule_doc_has_every_section() {
    for rule in RULES {
        for section in DOC_SECTIONS {
            let body = rule.section(section);
            assert!(body.is_some(), "{} {}: the doc lacks a `## {section}` section", rule.code, rule.name);
            if matches!(section, "Example" | "Use instead") {
                assert!(
                    body.unwrap().contains("```go"),
                    "{}: `## {section}` has no Go code block",
                    rule.code
                );
            }
        }
        assert!(
            rule.code.starts_with("GL") && rule.code.len() == 5,
            "{}: codes are GL and three digits",
            rule.code
        );
    }
    let codes: BTreeSet<_> = RULES.iter().map(|r| r.code).collect();
    let names: BTreeSet<_> = RULES.iter().map(|r| r.name).collect();
    assert_eq!((codes.len(), names.len()), (RULES.len(), RULES.len()), "codes and names are unique");
}

fn go(dir: &Path, args: &[&str]) {
    let output = Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("these tests need the `go` command on PATH (scripts/setup.sh installs it)");
    assert!(
        output.status.success(),
        "`go {}` in {} failed:\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Analyzers of `go vet` that flag the same mistakes as some rules; the positive fixtures of those rules would
/// otherwise fail vet on purpose.
const VET_FLAGS: &[&str] = &["vet", "-lostcancel=false", "-waitgroup=false", "./..."];

#[test]
fn fixtures_are_valid_go() {
    go(&fixtures(), VET_FLAGS);
    // A nested module: `go vet ./...` of the parent leaves it out.
    go(&fixtures().join("modern"), VET_FLAGS);
}

/// `testdata/lint/modern` declares Go 1.24, where timers and tickers nothing references are collected: there the
/// timer rules report only the lines marked `// want`, as info.
#[test]
fn timer_rules_follow_the_module_go_version() {
    let modern = fixtures().join("modern");
    let file = modern.join("timers/timers.go");
    for code in ["GL401", "GL402", "GL403"] {
        let rule = goroscope_lint::rule(code).expect("the timer rules exist");
        let findings = lint_with(rule, &modern);
        let found: BTreeSet<u32> = findings.iter().map(|f| f.span.start.line).collect();
        assert_eq!(found, wanted_lines(&file, code), "{code}: lines flagged in a Go 1.24 module vs marked");
        assert!(
            findings.iter().all(|f| f.severity == Severity::Info),
            "{code}: a Go 1.24 module gets info, not warnings:\n{}",
            render(&findings, "")
        );
    }
    assert!(!wanted_lines(&file, "GL401").is_empty(), "time.After in a loop is still shown as info");
}

#[test]
fn fixed_fixtures_build_and_pass_vet() {
    let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-fixed");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&fixtures(), &copy);
    let mut fixed_any = false;
    for rule in RULES {
        let bad = copy.join(rule.name.replace('-', "_")).join("bad.go");
        let before = lint_with(rule, &bad);
        let fixes: Vec<_> = before.iter().filter_map(|f| f.fix.as_ref()).collect();
        if fixes.is_empty() {
            continue;
        }
        let source = std::fs::read_to_string(&bad).unwrap();
        let (fixed, applied) = fix::apply(&source, &fixes);
        assert_eq!(applied, fixes.len(), "{}: some fixes overlap", rule.code);
        std::fs::write(&bad, fixed).unwrap();
        let after = lint_with(rule, &bad);
        assert_eq!(
            after.len(),
            before.len() - fixes.len(),
            "{}: the fixes did not remove their findings",
            rule.code
        );
        fixed_any = true;
    }
    assert!(fixed_any, "no rule offered a fix");
    go(&copy, &["build", "./..."]);
    go(&copy, VET_FLAGS);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// docs/rules.md is the rules' own documentation, gathered: it must match them. `GOROSCOPE_BLESS=1` rewrites it.
#[test]
fn the_rules_reference_matches_the_rules() {
    let mut doc = String::from(
        "# goroscope lint rules\n\n\
         Generated from the rules' sources (`crates/goroscope_lint/src/rules/`) by the test \
         `the_rules_reference_matches_the_rules`; `goroscope rule CODE` prints the same text. Preview rules run \
         only with `--preview`.\n\n| code | name | severity | finds |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        let preview = if rule.preview { " (preview)" } else { "" };
        writeln!(
            doc,
            "| [{code}](#{anchor}) | `{}` | {}{preview} | {} |",
            rule.name,
            rule.severity.as_str(),
            rule.summary,
            code = rule.code,
            anchor = format!("{}-{}", rule.code, rule.name).to_lowercase()
        )
        .unwrap();
    }
    for rule in RULES {
        writeln!(doc, "\n## {} {}\n", rule.code, rule.name).unwrap();
        for line in rule.doc().lines() {
            match line.strip_prefix("## ") {
                Some(heading) => writeln!(doc, "### {heading}").unwrap(),
                None => writeln!(doc, "{line}").unwrap(),
            }
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    if std::env::var_os("GOROSCOPE_BLESS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == doc,
        "docs/rules.md is out of date: run `GOROSCOPE_BLESS=1 cargo test -p goroscope_lint`"
    );
}
