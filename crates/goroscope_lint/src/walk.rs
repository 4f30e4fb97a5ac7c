//! Which files to lint: the paths given, directories walked in parallel with `.gitignore` respected, `vendor/`,
//! `testdata/` and directories Go itself ignores (`_x`, `.x`) left out unless asked for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

use crate::{LintError, Options, Problem};

/// The Go files to lint, by directory (one directory is one package), and the problems met finding them.
pub(crate) fn packages(
    paths: &[PathBuf],
    options: &Options,
    problems: &mut Vec<Problem>,
) -> Result<BTreeMap<PathBuf, Vec<PathBuf>>, LintError> {
    let mut files = Vec::new();
    for path in paths {
        // `./...` and `dir/...` as in the go command; a directory is always walked recursively.
        let path = match path.to_str().and_then(|p| p.strip_suffix("...")) {
            Some(prefix) => {
                let prefix = prefix.trim_end_matches('/');
                PathBuf::from(if prefix.is_empty() { "." } else { prefix })
            }
            None => path.clone(),
        };
        match std::fs::metadata(&path) {
            Err(error) => problems.push(Problem::new(&path, format!("cannot read it: {error}"))),
            Ok(meta) if meta.is_dir() => files.extend(walk_dir(&path, options, problems)?),
            Ok(_) if path.extension().is_some_and(|e| e == "go") => files.push(path),
            Ok(_) => problems.push(Problem::new(&path, "not a Go file (no .go extension); skipped")),
        }
    }
    files.sort();
    files.dedup();
    let mut packages: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in files {
        let dir = file.parent().map(Path::to_owned).unwrap_or_default();
        packages.entry(dir).or_default().push(file);
    }
    Ok(packages)
}

fn walk_dir(root: &Path, options: &Options, problems: &mut Vec<Problem>) -> Result<Vec<PathBuf>, LintError> {
    let mut overrides = OverrideBuilder::new(root);
    for glob in &options.exclude {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| LintError::BadExclude { glob: glob.clone(), message: e.to_string() })?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| LintError::BadExclude { glob: options.exclude.join(", "), message: e.to_string() })?;
    let all_dirs = options.all_dirs;
    let walker = WalkBuilder::new(root)
        .follow_links(true)
        .overrides(overrides)
        .threads(options.threads)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name().to_string_lossy();
            entry.depth() == 0
                || !is_dir
                || (!name.starts_with(['.', '_']) && (all_dirs || (name != "vendor" && name != "testdata")))
        })
        .build_parallel();
    let found = Mutex::new((Vec::new(), Vec::new()));
    walker.run(|| {
        let found = &found;
        Box::new(move |entry| {
            let mut found = found.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && entry.path().extension().is_some_and(|e| e == "go") {
                        // `./x.go` is shown as `x.go`.
                        let path = entry.into_path();
                        found.0.push(path.strip_prefix(".").map(Path::to_owned).unwrap_or(path));
                    }
                }
                Err(error) => {
                    let path = walk_error_path(&error).unwrap_or(root).to_owned();
                    found.1.push(Problem::new(&path, walk_error_message(&error)));
                }
            }
            WalkState::Continue
        })
    });
    let (files, walk_problems) = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    problems.extend(walk_problems);
    Ok(files)
}

fn walk_error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn walk_error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => walk_error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to {}; not followed", ancestor.display())
        }
        ignore::Error::Io(io) => format!("cannot read it: {io}"),
        other => other.to_string(),
    }
}
