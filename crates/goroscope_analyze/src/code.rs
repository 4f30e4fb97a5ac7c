//! Whose code a frame is: the runtime's, the standard library's, or the program's own.

use goroscope_dump::{FrameId, Snapshot};

/// The package path of a qualified Go function name: `net/http.(*conn).serve` → `net/http`,
/// `main.main.func1` → `main`, `example.com/m/v2/pkg.F[...]` → `example.com/m/v2/pkg`.
pub fn package_of(function: &str) -> &str {
    let last_slash = function.rfind('/').map_or(0, |i| i + 1);
    match function[last_slash..].find('.') {
        Some(dot) => &function[..last_slash + dot],
        None => function,
    }
}

/// Who owns which code, decided once per frame of a snapshot: every group asks about the same few thousand
/// frames many times.
#[derive(Debug, Clone)]
pub(crate) struct CodeModel {
    /// [`kind`] bits of each frame, by frame id.
    kinds: Vec<u8>,
}

/// Bits of what a frame's code is.
mod kind {
    pub(super) const STD: u8 = 1;
    pub(super) const OWN: u8 = 1 << 1;
    pub(super) const PLUMBING: u8 = 1 << 2;
}

/// The rules the per-frame answers come from.
struct Rules<'a> {
    /// `GOROOT/src/` as printed in this dump, when a standard-library frame reveals it.
    goroot_src: Option<String>,
    own: &'a [String],
}

/// The top-level path elements of the Go distribution's packages (sorted), for dumps that print no GOROOT.
const STD_ROOTS: &[&str] = &[
    "archive",
    "arena",
    "bufio",
    "builtin",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "structs",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
    "vendor",
    "weak",
];

/// Packages whose frames only carry out a block: the leak site is never inside them.
const PLUMBING: &[&str] = &["runtime", "sync", "sync/atomic", "time", "context", "internal/", "runtime/"];

impl CodeModel {
    pub(crate) fn new(snapshot: &Snapshot, own: &[String]) -> CodeModel {
        let frames = (0..snapshot.frame_count()).map(|i| FrameId(i as u32));
        CodeModel::of_frames(frames.map(|f| (snapshot.function(f), snapshot.file(f))), own)
    }

    /// The model of frames given as (function, file) pairs, indexed as given: for profiles other than goroutine
    /// dumps.
    pub(crate) fn of_frames<'f>(
        frames: impl Iterator<Item = (&'f str, &'f str)> + Clone,
        own: &[String],
    ) -> CodeModel {
        let rules = Rules::new(frames.clone(), own);
        let kinds = frames
            .map(|(function, file)| {
                let std = rules.is_std(function, file);
                let mut bits = 0;
                if std {
                    bits |= kind::STD;
                }
                if rules.is_own(function, file, std) {
                    bits |= kind::OWN;
                }
                if std && is_plumbing(package_of(function)) {
                    bits |= kind::PLUMBING;
                }
                bits
            })
            .collect();
        CodeModel { kinds }
    }

    fn has(&self, frame: FrameId, bit: u8) -> bool {
        self.kinds.get(frame.0 as usize).is_some_and(|k| k & bit != 0)
    }

    /// Whether frame number `index` of [`CodeModel::of_frames`] is the program's own code.
    pub(crate) fn is_own_at(&self, index: usize) -> bool {
        self.has(FrameId(index as u32), kind::OWN)
    }

    /// Whether frame number `index` of [`CodeModel::of_frames`] is part of the Go distribution.
    pub(crate) fn is_std_at(&self, index: usize) -> bool {
        self.has(FrameId(index as u32), kind::STD)
    }

    /// Part of the Go distribution (runtime or standard library).
    pub(crate) fn is_std(&self, frame: FrameId) -> bool {
        self.has(frame, kind::STD)
    }

    /// The program's own code: outside the Go distribution and the module cache, or only `--own` packages when
    /// given.
    pub(crate) fn is_own(&self, frame: FrameId) -> bool {
        self.has(frame, kind::OWN)
    }

    /// Code that merely carries out a wait (runtime, sync, time, context, internal): never the leak site.
    pub(crate) fn is_plumbing(&self, frame: FrameId) -> bool {
        self.has(frame, kind::PLUMBING)
    }
}

fn is_plumbing(package: &str) -> bool {
    PLUMBING.iter().any(|p| if p.ends_with('/') { package.starts_with(p) } else { package == *p })
}

impl<'a> Rules<'a> {
    fn new<'f>(mut frames: impl Iterator<Item = (&'f str, &'f str)>, own: &'a [String]) -> Rules<'a> {
        let goroot_src = frames.find_map(|(function, file)| {
            let package = package_of(function);
            if !matches!(package, "runtime" | "sync" | "net/http" | "net" | "time" | "os" | "runtime/pprof") {
                return None;
            }
            let at = file.rfind(&format!("/src/{package}/"))?;
            Some(file[..at + 5].to_owned())
        });
        Rules { goroot_src, own }
    }

    fn is_std(&self, function: &str, file: &str) -> bool {
        let package = package_of(function);
        if self.is_own_package(package) {
            return false;
        }
        if !package.contains('.') && !function.contains('.') {
            // `panic`, `non-Go function`, bare runtime names.
            return true;
        }
        let first = package.split('/').next().unwrap_or(package);
        if first.contains('.') || package == "main" {
            return false;
        }
        match &self.goroot_src {
            Some(root) => file.starts_with(root.as_str()) || file == "?" || file.starts_with('<'),
            // No GOROOT path in the dump (`-trimpath`): a module path without a dot (`module myapp`) must not pass
            // for the standard library, so go by the standard library's own top-level names.
            None => STD_ROOTS.binary_search(&first).is_ok(),
        }
    }

    fn is_own(&self, function: &str, file: &str, std: bool) -> bool {
        if self.own.is_empty() {
            !std && !is_dependency(file)
        } else {
            self.is_own_package(package_of(function))
        }
    }

    fn is_own_package(&self, package: &str) -> bool {
        self.own.iter().any(|prefix| {
            package == prefix
                || package.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// A file of a dependency: in the module cache (`…/pkg/mod/github.com/x/y@v1.2.3/z.go`, or `github.com/x/y@v1.2.3/z.go`
/// with `-trimpath`) or vendored.
pub(crate) fn is_dependency(file: &str) -> bool {
    let versioned =
        file.match_indices("@v").any(|(at, _)| file[at + 2..].starts_with(|c: char| c.is_ascii_digit()));
    versioned || file.contains("/vendor/") || file.starts_with("vendor/")
}

#[cfg(test)]
mod tests {
    use super::{is_dependency, package_of};

    #[test]
    fn std_roots_are_sorted() {
        assert!(super::STD_ROOTS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn dependencies() {
        assert!(is_dependency(
            "/root/go/pkg/mod/google.golang.org/grpc@v1.60.1/internal/transport/http2_client.go"
        ));
        assert!(is_dependency("github.com/lib/pq@v1.10.9/conn.go"));
        assert!(is_dependency("/src/app/vendor/github.com/lib/pq/conn.go"));
        assert!(!is_dependency("/src/app/store/db.go"));
        assert!(!is_dependency("/home/u@vm/app/main.go"));
    }

    #[test]
    fn packages() {
        assert_eq!(package_of("net/http.(*conn).serve"), "net/http");
        assert_eq!(package_of("main.main.func1"), "main");
        assert_eq!(package_of("github.com/a/b.(*T[...]).M"), "github.com/a/b");
        assert_eq!(package_of("main.f-range1"), "main");
        assert_eq!(package_of("panic"), "panic");
        assert_eq!(package_of("internal/poll.(*FD).Read"), "internal/poll");
    }
}
