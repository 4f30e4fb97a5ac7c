//! Goroutine-leak lint rules for Go source, on tree-sitter-go.
//!
//! [`lint`] walks the paths given (in parallel, `.gitignore` respected), parses every Go file, runs the selected
//! [`RULES`] in one tree walk per file and returns the [`Finding`]s, each with the blocking operation, the `go`
//! statement involved and, where the fix is mechanical, the edits ([`fix`]). Files that cannot be read or parsed
//! are reported as [`Problem`]s and the run goes on. This crate reads source files and never writes.

mod channels;
mod context;
mod engine;
mod finding;
pub mod fix;
mod module;
mod rule;
mod rules;
mod suppress;
mod syntax;
mod waitgroup;
mod walk;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

pub use finding::{Edit, Finding, Fix, FunctionRef, Position, Related, Severity, Span};
pub use module::{GoVersion, Module};
pub use rule::{DOC_SECTIONS, Rule};
pub use rules::RULES;

/// Version of the JSON layout of `goroscope lint --format json` (documented in docs/json.md).
pub const SCHEMA_VERSION: u32 = 1;

/// How to lint.
#[derive(Debug, Clone)]
pub struct Options {
    /// The rules to run (see [`select_rules`]).
    pub rules: Vec<&'static Rule>,
    /// Also walk `vendor/` and `testdata/` directories.
    pub all_dirs: bool,
    /// Globs (gitignore syntax, relative to each directory given) of paths not to lint.
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are reported and skipped.
    pub max_file_size: u64,
    /// Threads for walking; 0 picks one per core.
    pub threads: usize,
    /// Counts the files read so far, for a progress display.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rules: RULES.iter().copied().filter(|r| !r.preview).collect(),
            all_dirs: false,
            exclude: Vec::new(),
            max_file_size: 8 << 20,
            threads: 0,
            progress: None,
        }
    }
}

/// A file that could not be linted, or a path that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file or directory.
    pub path: PathBuf,
    /// What happened and, when there is one, what to do.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: &Path, message: impl Into<String>) -> Problem {
        Problem { path: path.to_owned(), message: message.into() }
    }
}

/// Errors that stop a lint run before it starts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    /// `--select`/`--ignore` named no rule.
    #[error(
        "unknown rule `{selector}`: not a code, a code prefix, a rule name or ALL (`goroscope rule --all` lists them)"
    )]
    UnknownRule {
        /// What was given.
        selector: String,
    },
    /// An `--exclude` glob does not parse.
    #[error("bad exclude pattern `{glob}`: {message}")]
    BadExclude {
        /// The glob.
        glob: String,
        /// Why.
        message: String,
    },
}

/// What a run found.
#[derive(Debug, Default, Serialize)]
pub struct LintRun {
    /// Findings, by file, line and column.
    pub findings: Vec<Finding>,
    /// Files and paths that could not be linted.
    pub problems: Vec<Problem>,
    /// Files linted.
    pub files: usize,
    /// Generated files (`// Code generated … DO NOT EDIT.`) left out.
    pub generated: usize,
    /// Directories (packages) linted.
    pub packages: usize,
}

/// Lints Go files and directories.
pub fn lint(paths: &[PathBuf], options: &Options) -> Result<LintRun, LintError> {
    let mut problems = Vec::new();
    let packages = walk::packages(paths, options, &mut problems)?;
    let dispatch = engine::Dispatch::new(&options.rules);
    let mut modules = engine::Modules::default();
    let work: Vec<(Vec<PathBuf>, Module)> =
        packages.into_iter().map(|(dir, files)| (files, modules.for_dir(&dir))).collect();
    let outcome = work
        .par_iter()
        .map(|(files, module)| engine::lint_package(files, module, &dispatch, options))
        .reduce(engine::Outcome::default, engine::Outcome::merge);
    problems.extend(outcome.problems);
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    let mut findings = outcome.findings;
    findings.sort_by(|a, b| (&a.path, a.span.start, a.code).cmp(&(&b.path, b.span.start, b.code)));
    Ok(LintRun {
        findings,
        problems,
        files: outcome.linted,
        generated: outcome.generated,
        packages: work.len(),
    })
}

/// Lints one Go file held in memory as a package of its own: the same parsing, rules and suppressions as
/// [`lint`], without the walk, the size limit or the `go.mod` lookup (`module` stands for it). `path` only names
/// the file in the findings. A generated file gives no findings; a syntax error gives the [`Problem`] that
/// [`lint`] would report.
pub fn lint_source(
    path: &Path,
    source: Vec<u8>,
    module: &Module,
    rules: &[&'static Rule],
) -> Result<Vec<Finding>, Problem> {
    let Some(file) = engine::parse_file(path, source)? else {
        return Ok(Vec::new());
    };
    let files = [file];
    let package = context::Package::new(&files);
    Ok(engine::check_file(&files[0], &package, module, &engine::Dispatch::new(rules)))
}

/// The rule with this code or name.
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The rules chosen by `--select` and `--ignore`, each a code (`GL001`), a code prefix (`GL0`, `GL`), a rule name
/// or `ALL`. An empty `select` means every stable rule; preview rules join only with `preview`.
pub fn select_rules(
    select: &[String],
    ignore: &[String],
    preview: bool,
) -> Result<Vec<&'static Rule>, LintError> {
    let matching = |selector: &str| -> Result<Vec<&'static Rule>, LintError> {
        let upper = selector.to_ascii_uppercase();
        let found: Vec<_> = RULES
            .iter()
            .copied()
            .filter(|r| upper == "ALL" || r.code.starts_with(&upper) || r.name == selector)
            .collect();
        if found.is_empty() {
            Err(LintError::UnknownRule { selector: selector.to_owned() })
        } else {
            Ok(found)
        }
    };
    let mut chosen: Vec<&'static Rule> = if select.is_empty() {
        RULES.to_vec()
    } else {
        let mut chosen = Vec::new();
        for selector in select {
            chosen.extend(matching(selector)?);
        }
        chosen
    };
    for selector in ignore {
        let ignored = matching(selector)?;
        chosen.retain(|r| !ignored.contains(r));
    }
    // A preview rule named by its full code runs without --preview; prefixes do not pull preview rules in.
    chosen.retain(|r| preview || !r.preview || select.iter().any(|s| s.eq_ignore_ascii_case(r.code)));
    chosen.sort_by_key(|r| r.code);
    chosen.dedup();
    Ok(chosen)
}
