//! Finds the source files a dump names, on this machine, also when the dump came from another one:
//! 1. at the printed path;
//! 2. by module path: `-trimpath` builds print `example.com/app/internal/db.go`, found through the `go.mod` that
//!    declares `module example.com/app`: in a `--src` directory, the repository, or any directory of the
//!    repository (a bounded walk, for repositories with several modules);
//! 3. in a `vendor/` directory, for dependencies;
//! 4. under the repository and `--src` directories by the longest matching path suffix of at least two elements
//!    (a build machine's `/build/ci/app/internal/db.go` → `internal/db.go`).
//!
//! The repository is the nearest directory with `.git` from the working directory upward (else the working
//! directory); SARIF paths are written relative to it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use goroscope_analyze::SourceLines;
use goroscope_report::Report;
use rustc_hash::FxHashMap;

/// Source files larger than this are not read.
const MAX_SOURCE_BYTES: u64 = 8 << 20;

pub(crate) struct SourceFinder {
    /// `--src` directories, then the repository.
    roots: Vec<PathBuf>,
    /// Module paths and their directories, from the `go.mod` files of the roots and, once a lookup needs them,
    /// of the repository's directories.
    modules: RefCell<Vec<(String, PathBuf)>>,
    walked: std::cell::Cell<bool>,
    repository: PathBuf,
    files: RefCell<FxHashMap<String, Option<Vec<String>>>>,
    located: RefCell<FxHashMap<String, Option<PathBuf>>>,
}

impl SourceFinder {
    pub(crate) fn new(src: Vec<PathBuf>) -> SourceFinder {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let repository = cwd.ancestors().find(|d| d.join(".git").exists()).unwrap_or(&cwd).to_owned();
        SourceFinder::with_repository(src, repository, &cwd)
    }

    fn with_repository(src: Vec<PathBuf>, repository: PathBuf, cwd: &Path) -> SourceFinder {
        let mut roots = src;
        roots.push(repository.clone());
        let mut modules = Vec::new();
        let go_mods = roots
            .iter()
            .map(|r| r.join("go.mod"))
            .chain(cwd.ancestors().map(|d| d.join("go.mod")).find(|p| p.is_file()));
        add_modules(&mut modules, go_mods);
        SourceFinder {
            roots,
            modules: RefCell::new(modules),
            walked: std::cell::Cell::new(false),
            repository,
            files: RefCell::default(),
            located: RefCell::default(),
        }
    }

    /// Adds the modules of every `go.mod` in the repository, once.
    fn walk_modules(&self) {
        if self.walked.replace(true) {
            return;
        }
        let mut found = Vec::new();
        go_mods_under(&self.repository, &mut found);
        add_modules(&mut self.modules.borrow_mut(), found);
    }

    fn by_module(&self, printed: &str) -> Option<PathBuf> {
        self.modules.borrow().iter().find_map(|(module, dir)| {
            let rest = printed.strip_prefix(module.as_str())?.strip_prefix('/')?;
            Some(dir.join(rest)).filter(|candidate| candidate.is_file())
        })
    }

    /// The local file for a path as printed in a dump, if it can be found.
    pub(crate) fn locate(&self, printed: &str) -> Option<PathBuf> {
        if let Some(found) = self.located.borrow().get(printed) {
            return found.clone();
        }
        let found = self.search(printed);
        self.located.borrow_mut().insert(printed.to_owned(), found.clone());
        found
    }

    fn search(&self, printed: &str) -> Option<PathBuf> {
        let direct = Path::new(printed);
        // The dump names the files, and it may come from a hostile service: only Go source (`.go`, as the go tool
        // spells it) is ever read, so that no other file of this machine (a key, a config) can end up in a report
        // as a source excerpt.
        if direct.extension().is_none_or(|e| e != "go") {
            return None;
        }
        if direct.is_absolute() && direct.is_file() {
            return Some(direct.to_owned());
        }
        if let Some(found) = self.by_module(printed) {
            return Some(found);
        }
        // A relative path that no known module explains: look for more modules in the repository.
        if !direct.is_absolute() && !self.walked.get() {
            self.walk_modules();
            if let Some(found) = self.by_module(printed) {
                return Some(found);
            }
        }
        let parts: Vec<&str> = printed.split('/').filter(|p| !p.is_empty()).collect();
        for root in &self.roots {
            let vendored = parts.iter().fold(root.join("vendor"), |path, part| path.join(part));
            if !direct.is_absolute() && vendored.is_file() {
                return Some(vendored);
            }
        }
        // A file name alone matches too many files to be trusted.
        for start in 0..parts.len().saturating_sub(1) {
            for root in &self.roots {
                let candidate = parts[start..].iter().fold(root.clone(), |path, part| path.join(part));
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
        }
        None
    }

    fn load(&self, printed: &str) -> Option<Vec<String>> {
        let path = self.locate(printed)?;
        if std::fs::metadata(&path).ok()?.len() > MAX_SOURCE_BYTES {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        Some(String::from_utf8_lossy(&bytes).lines().map(|l| l.replace('\t', "    ")).collect())
    }

    /// The leak sites of `report` that are files of the repository, as paths relative to it (for SARIF).
    pub(crate) fn repository_paths(&self, report: &Report) -> BTreeMap<String, String> {
        let mut paths = BTreeMap::new();
        for site in report.groups().filter_map(|g| g.leak_site.as_ref()) {
            if paths.contains_key(&*site.file) {
                continue;
            }
            let relative = self.locate(&site.file).and_then(|found| {
                let found = found.canonicalize().ok()?;
                let root = self.repository.canonicalize().ok()?;
                let relative = found.strip_prefix(root).ok()?;
                Some(relative.to_str()?.replace('\\', "/"))
            });
            if let Some(relative) = relative {
                paths.insert(site.file.to_string(), relative);
            }
        }
        paths
    }
}

/// Adds the modules the `go_mods` declare (the first directory of a module path wins), longest path first so
/// that `example.com/app/tools` is tried before `example.com/app`.
fn add_modules(modules: &mut Vec<(String, PathBuf)>, go_mods: impl IntoIterator<Item = PathBuf>) {
    for go_mod in go_mods {
        if let (Some(module), Some(dir)) = (module_path(&go_mod), go_mod.parent())
            && !modules.iter().any(|(m, _)| *m == module)
        {
            modules.push((module, dir.to_owned()));
        }
    }
    modules.sort_by_key(|(module, _)| std::cmp::Reverse(module.len()));
}

/// Directories looked at for `go.mod` files, at most, and how deep.
const WALK_DIRECTORIES: usize = 5000;
const WALK_DEPTH: usize = 8;

/// The `go.mod` files under `root`, skipping hidden directories, `vendor`, `node_modules` and `target`.
fn go_mods_under(root: &Path, found: &mut Vec<PathBuf>) {
    let mut queue = std::collections::VecDeque::from([(root.to_owned(), 0)]);
    let mut visited = 0;
    while let Some((dir, depth)) = queue.pop_front() {
        visited += 1;
        if visited > WALK_DIRECTORIES {
            return;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_file() && name == "go.mod" {
                found.push(entry.path());
            } else if kind.is_dir()
                && depth < WALK_DEPTH
                && !name.starts_with('.')
                && !matches!(&*name, "vendor" | "node_modules" | "target")
            {
                queue.push_back((entry.path(), depth + 1));
            }
        }
    }
}

/// The `module` path declared by a `go.mod` file.
fn module_path(go_mod: &Path) -> Option<String> {
    let text = std::fs::read_to_string(go_mod).ok()?;
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("module")?;
        let path = rest.split("//").next()?.trim().trim_matches('"');
        (!path.is_empty() && rest.starts_with([' ', '\t'])).then(|| path.to_owned())
    })
}

impl SourceLines for SourceFinder {
    fn line(&self, file: &str, line: u32) -> Option<String> {
        let mut files = self.files.borrow_mut();
        if !files.contains_key(file) {
            let loaded = self.load(file);
            files.insert(file.to_owned(), loaded);
        }
        files[file].as_ref()?.get((line as usize).checked_sub(1)?).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch repository: `go.mod` declaring `example.com/shop`, `internal/store/db.go`, a vendored
    /// dependency, and a `main.go` that a file name alone must not match.
    fn scratch(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("goroscope-src-{name}-{}", std::process::id()));
        let write = |relative: &str, text: &str| {
            let path = root.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("go.mod", "module example.com/shop // the shop\n\ngo 1.22\n");
        write("internal/store/db.go", "package store\n\nfunc f() {\n\tch <- 1\n}\n");
        write("vendor/github.com/lib/pq/conn.go", "package pq\n");
        write("main.go", "package main\n");
        write("tools/gen/go.mod", "module example.com/gen\n");
        write("tools/gen/gen.go", "package gen\n");
        root
    }

    #[test]
    fn finds_files_from_other_machines_and_trimpath_builds() {
        let root = scratch("finds");
        let finder = SourceFinder::with_repository(Vec::new(), root.clone(), &root);
        // A build machine's absolute path, by suffix.
        assert_eq!(finder.line("/build/ci/app/internal/store/db.go", 4).as_deref(), Some("    ch <- 1"));
        // -trimpath: the module path from go.mod.
        assert_eq!(finder.line("example.com/shop/internal/store/db.go", 1).as_deref(), Some("package store"));
        // A vendored dependency printed by its module path.
        assert_eq!(finder.line("github.com/lib/pq/conn.go", 1).as_deref(), Some("package pq"));
        // A second module deeper in the repository.
        assert_eq!(finder.line("example.com/gen/gen.go", 1).as_deref(), Some("package gen"));
        // A bare file name is not enough.
        assert_eq!(finder.line("/elsewhere/main.go", 1), None);
        assert_eq!(finder.line("/nowhere/else.go", 1), None);
        assert_eq!(finder.line("/build/ci/app/internal/store/db.go", 99), None);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn files_other_than_go_source_are_never_read() {
        let root = scratch("not-go");
        std::fs::write(root.join("id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
        std::fs::write(root.join("settings.conf"), "password = hunter2\n").unwrap();
        let finder = SourceFinder::with_repository(Vec::new(), root.clone(), &root);
        for printed in [root.join("id_ed25519"), root.join("settings.conf")] {
            let printed = printed.to_str().unwrap();
            assert_eq!(finder.line(printed, 1), None, "{printed}");
            assert_eq!(finder.locate(printed), None, "{printed}");
        }
        assert_eq!(finder.line(root.join("main.go").to_str().unwrap(), 1).as_deref(), Some("package main"));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn module_paths() {
        let root = scratch("modules");
        assert_eq!(module_path(&root.join("go.mod")).as_deref(), Some("example.com/shop"));
        assert_eq!(module_path(&root.join("main.go")), None);
        std::fs::remove_dir_all(root).unwrap();
    }
}
