//! Grouping, classification, leak scoring and explanations for goroutine dumps. Pure functions: no I/O.
//!
//! [`analyze`] groups goroutines with identical stacks, finds where each group is stuck in the program's own
//! code, classifies the blocking operation, recognises known healthy shapes and scores the rest
//! `certain / likely / possible / healthy` with the evidence listed, attaching the catalogue pattern that
//! explains it.

mod catalogue;
mod classify;
mod code;
mod diff;
mod fold;
mod gate;
mod group;
mod memory;
mod score;
mod series;
mod shapes;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use catalogue::{CATALOGUE, Example, Pattern, PatternId};
pub use classify::Blocking;
pub use code::package_of;
pub use diff::{Change, ChangeCounts, Diff, GroupChange, diff, process_warnings};
pub use fold::Grouping;
pub use gate::{
    Baseline, BaselineGroup, GateOptions, GateResult, GroupOutcome, IgnoreRule, LimitFailure, Outcome, gate,
};
pub use group::analyze;
pub use memory::{
    Cause, Composition, Growth, HeapSite, Memory, MemoryContext, MemoryPoint, MixError, Part, Retention,
    check_same_program, fix_for, human_bytes, memory,
};
pub use series::{GroupSeries, Point, RateUnit, Series, series, strictly_increasing};

/// Minutes for people: `45 s`, `12 min`, `3 h 20 min`, `2.5 days`.
pub fn duration(minutes: f64) -> String {
    if minutes < 1.0 {
        format!("{:.0} s", minutes * 60.0)
    } else if minutes < 60.0 {
        format!("{minutes:.0} min")
    } else if minutes < 48.0 * 60.0 {
        format!("{} h {} min", (minutes / 60.0).floor(), (minutes % 60.0).round())
    } else {
        format!("{:.1} days", minutes / (24.0 * 60.0))
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Version of the JSON schema of [`Analysis`] (documented in docs/json.md).
pub const SCHEMA_VERSION: u32 = 1;

/// How to analyse.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Package path prefixes that are the program's own code. Empty: every package outside the Go distribution.
    pub own_packages: Vec<String>,
    /// Lines of source shown on each side of the leak site.
    pub context_lines: u32,
    /// How goroutines are put together into groups.
    pub grouping: Grouping,
}

/// Access to source lines, so an analysis can quote and read the code at a leak site without doing I/O itself.
pub trait SourceLines {
    /// Line `line` (1-based) of `file` as printed in the dump, if the file can be found.
    fn line(&self, file: &str, line: u32) -> Option<String>;
}

/// How sure we are that a group leaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Proven: it can never be woken.
    Certain,
    /// Strong evidence.
    Likely,
    /// Some evidence; look at it.
    Possible,
    /// A known healthy shape, or nothing suspicious.
    Healthy,
}

impl Level {
    /// All levels, most severe first.
    pub const ALL: [Level; 4] = [Level::Certain, Level::Likely, Level::Possible, Level::Healthy];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Certain => "certain",
            Level::Likely => "likely",
            Level::Possible => "possible",
            Level::Healthy => "healthy",
        }
    }
}

/// One reason for (positive weight) or against (negative weight) a leak verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Stable code, e.g. `outlived-creator`.
    pub code: &'static str,
    /// A sentence for people.
    pub text: String,
    /// Contribution to the score.
    pub weight: i32,
}

/// A place in the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// Qualified function name.
    pub function: Arc<str>,
    /// File as printed in the dump.
    pub file: Arc<str>,
    /// Line number.
    pub line: u32,
}

/// One frame of a group's stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameOut {
    /// Qualified function name (shared by every group that shows the frame).
    pub function: Arc<str>,
    /// File as printed in the dump.
    pub file: Arc<str>,
    /// Line number.
    pub line: u32,
    /// Whether the frame is the program's own code.
    pub own: bool,
}

/// Minimum, median and maximum of the printed wait times, over the goroutines that printed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WaitStats {
    /// Goroutines that printed a wait time (Go prints it from one minute on).
    pub with_minutes: u64,
    /// Shortest wait.
    pub min: u32,
    /// Median wait.
    pub median: u32,
    /// Longest wait.
    pub max: u32,
}

/// The goroutines that created a group's members, when the dump names them (Go 1.21+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Creators {
    /// Distinct creator goroutines.
    pub distinct: u64,
    /// How many of them are still in the dump.
    pub alive: u64,
}

/// Lines of source around a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    /// The file, as printed in the dump.
    pub file: String,
    /// Number of the first line in `lines`.
    pub first_line: u32,
    /// The line the goroutines are stuck on.
    pub marked_line: u32,
    /// The text of the lines.
    pub lines: Vec<String>,
}

/// Goroutines with the same stack, creator and state (or, with a coarser [`Grouping`], the same site, creator or
/// label), and the verdict on them.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Names the group from one snapshot to the next: 16 hex digits, the same for the same stack whatever the
    /// goroutine ids, arguments, line numbers, build machine or dump format (see docs/json.md).
    pub fingerprint: String,
    /// Distinct stacks in the group: 1 unless a coarser grouping put several together.
    pub stacks: u64,
    /// Goroutines in the group.
    pub count: u64,
    /// The verdict.
    pub level: Level,
    /// The wait reason or status, as printed.
    pub state: String,
    /// The blocking operation.
    pub blocking: Blocking,
    /// Printed wait times.
    pub wait_minutes: Option<WaitStats>,
    /// Where the group is stuck in the program's own code (or the first library frame above the runtime).
    pub leak_site: Option<Site>,
    /// The `go` statement that started these goroutines.
    pub created_by: Option<Site>,
    /// Who ran that statement.
    pub creators: Option<Creators>,
    /// The explanation from the catalogue, for suspects.
    pub pattern: Option<PatternId>,
    /// The known healthy shape this group matches.
    pub shape: Option<&'static str>,
    /// Reasons for the verdict.
    pub evidence: Vec<Evidence>,
    /// A few goroutine ids (lowest first).
    pub sample_ids: Vec<u64>,
    /// Lowest and highest goroutine id.
    pub id_range: (u64, u64),
    /// Goroutines marked ` (leaked)` by the Go 1.26+ runtime.
    pub leaked: u64,
    /// Goroutines locked to their thread.
    pub locked_to_thread: u64,
    /// pprof labels printed in the headers (Go 1.26+), most common first, with how many members carry each set;
    /// at most five sets.
    pub labels: Vec<(String, u64)>,
    /// The tests that started the members (`TestX` in a `_test.go` file, as top-level names), most members
    /// first: found on their stack or `go` statement, up the chain of their creators, or in the ancestors
    /// `GODEBUG=tracebackancestors` records.
    pub tests: Vec<String>,
    /// The stack, innermost first.
    pub frames: Vec<FrameOut>,
    /// Source around the leak site, when the file was found.
    pub source: Option<Excerpt>,
    /// Source around the `go` statement that created the goroutines, when the file was found.
    pub creation_source: Option<Excerpt>,
}

/// Count of groups and goroutines at one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCount {
    /// Groups at this level.
    pub groups: u64,
    /// Goroutines in them.
    pub goroutines: u64,
}

/// Totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Goroutines analysed.
    pub goroutines: u64,
    /// Groups found.
    pub groups: u64,
    /// Certain leaks.
    pub certain: LevelCount,
    /// Likely leaks.
    pub likely: LevelCount,
    /// Possible leaks.
    pub possible: LevelCount,
    /// Healthy groups.
    pub healthy: LevelCount,
}

impl Summary {
    /// The count at one level.
    pub fn at(&self, level: Level) -> LevelCount {
        match level {
            Level::Certain => self.certain,
            Level::Likely => self.likely,
            Level::Possible => self.possible,
            Level::Healthy => self.healthy,
        }
    }
}

/// The result of analysing one snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// How goroutines were grouped: `exact`, `site`, `creator`, `label` or `label:KEY`.
    pub grouping: String,
    /// Totals.
    pub summary: Summary,
    /// Groups, most severe first, then largest first.
    pub groups: Vec<Group>,
    /// Caveats about what this dump can tell.
    pub notes: Vec<String>,
}
