//! Finds the source files a dump names, on this machine: at the printed path, or under a `--src` directory by
//! the longest matching path suffix (dumps from another machine, `-trimpath` builds, module paths).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use goroscope_analyze::SourceLines;
use rustc_hash::FxHashMap;

/// Source files larger than this are not read.
const MAX_SOURCE_BYTES: u64 = 8 << 20;

pub(crate) struct SourceFinder {
    roots: Vec<PathBuf>,
    files: RefCell<FxHashMap<String, Option<Vec<String>>>>,
}

impl SourceFinder {
    pub(crate) fn new(roots: Vec<PathBuf>) -> SourceFinder {
        SourceFinder { roots, files: RefCell::default() }
    }

    fn locate(&self, printed: &str) -> Option<PathBuf> {
        let direct = Path::new(printed);
        if direct.is_absolute() && direct.is_file() {
            return Some(direct.to_owned());
        }
        let parts: Vec<&str> = printed.split('/').filter(|p| !p.is_empty()).collect();
        for root in &self.roots {
            for start in 0..parts.len() {
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

    #[test]
    fn finds_files_by_suffix_under_a_root() {
        let root = std::env::temp_dir().join(format!("goroscope-src-{}", std::process::id()));
        std::fs::create_dir_all(root.join("internal/store")).unwrap();
        std::fs::write(root.join("internal/store/db.go"), "package store\n\nfunc f() {\n\tch <- 1\n}\n")
            .unwrap();
        let finder = SourceFinder::new(vec![root.clone()]);
        assert_eq!(finder.line("/build/ci/app/internal/store/db.go", 4).as_deref(), Some("    ch <- 1"));
        assert_eq!(finder.line("example.com/app/internal/store/db.go", 1).as_deref(), Some("package store"));
        assert_eq!(finder.line("/nowhere/else.go", 1), None);
        assert_eq!(finder.line("/build/ci/app/internal/store/db.go", 99), None);
        std::fs::remove_dir_all(root).unwrap();
    }
}
