//! What `go.mod` says about the code being linted: the module path and the Go version, which gates rules whose
//! meaning changed between releases (timers are collected when unreferenced since Go 1.23).

use std::path::{Path, PathBuf};

use serde::Serialize;

/// A Go language version from a `go` directive: `1.21`, `1.22.3`, `1.23rc1` (the release candidate counts as
/// its release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GoVersion {
    /// Always 1 so far.
    pub major: u16,
    /// The minor release.
    pub minor: u16,
}

impl GoVersion {
    /// Go 1.`minor`.
    pub const fn new(minor: u16) -> GoVersion {
        GoVersion { major: 1, minor }
    }

    /// Parses `1.21`, `1.21.0`, `go1.21`, `1.23rc1`.
    pub fn parse(text: &str) -> Option<GoVersion> {
        let text = text.trim().trim_start_matches("go");
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text = parts.next()?;
        let digits = minor_text.find(|c: char| !c.is_ascii_digit()).unwrap_or(minor_text.len());
        let minor = minor_text[..digits].parse().ok()?;
        Some(GoVersion { major, minor })
    }
}

impl std::fmt::Display for GoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The module a package belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Module {
    /// The `go.mod` file, when one was found.
    pub go_mod: Option<PathBuf>,
    /// The `module` path.
    pub path: Option<String>,
    /// The `go` directive. Without one, rules assume the oldest behaviour (Go before 1.21 had no directive
    /// requirement, and old modules are where version-dependent leaks still happen).
    pub go_version: Option<GoVersion>,
}

impl Module {
    /// Reads the `module` and `go` directives of a `go.mod` file's text; everything else is ignored.
    pub fn parse(go_mod: &Path, text: &str) -> Module {
        let mut module = Module { go_mod: Some(go_mod.to_owned()), ..Module::default() };
        for line in text.lines() {
            let line = line.split("//").next().unwrap_or_default().trim();
            if let Some(rest) = line.strip_prefix("module ") {
                module.path = Some(rest.trim().trim_matches('"').to_owned());
            } else if let Some(rest) = line.strip_prefix("go ") {
                module.go_version = GoVersion::parse(rest);
            }
        }
        module
    }

    /// Whether the module's Go version is at least 1.`minor`; false when unknown.
    pub fn go_at_least(&self, minor: u16) -> bool {
        self.go_version.is_some_and(|v| v >= GoVersion::new(minor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_module_path_and_go_version() {
        let module = Module::parse(
            Path::new("go.mod"),
            "// comment\nmodule example.com/app // trailing\n\ngo 1.22.3\n\ntoolchain go1.23.1\nrequire (\n\tx v1\n)\n",
        );
        assert_eq!(module.path.as_deref(), Some("example.com/app"));
        assert_eq!(module.go_version, Some(GoVersion::new(22)));
        assert!(module.go_at_least(22));
        assert!(!module.go_at_least(23));
    }

    #[test]
    fn versions_parse_in_every_spelling() {
        assert_eq!(GoVersion::parse("1.21"), Some(GoVersion::new(21)));
        assert_eq!(GoVersion::parse("go1.23rc1"), Some(GoVersion::new(23)));
        assert_eq!(GoVersion::parse("1"), None);
        assert_eq!(GoVersion::parse("x.y"), None);
        assert!(!Module::default().go_at_least(1));
    }
}
