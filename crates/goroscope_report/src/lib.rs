//! The report model shared by every output, and one renderer per format. Renderers write to a `Write` only.

mod chart;
mod explain;
mod flame;
mod github;
mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;
mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

use goroscope_analyze::{
    Analysis, CATALOGUE, Diff, GateResult, Group, Level, Memory, Outcome, Pattern, SCHEMA_VERSION, Series,
};
use goroscope_dump::{Crash, Format, RunningTest, Snapshot, Truncation, Warnings};
use serde::Serialize;

pub use chart::{Chart, Line, LineKind, MAX_LINES, Values, XAxis, sparkline};
pub use explain::{Explained, write_catalogue, write_pattern};
pub use github::Github;
pub use html::{Html, group_details};
pub use json::Json;
pub use junit::Junit;
pub use markdown::Markdown;
pub use sarif::Sarif;
pub use table::{Table, TableOptions};
pub use text::{group_title, thousands};

/// Escapes text for HTML element content and attribute values, as the HTML report does: the one escaping
/// function of every page that shows dump text.
pub fn escape_html(text: &str) -> String {
    html::escape(text)
}

/// Everything one run found, across its inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of this JSON layout; bumped on any incompatible change.
    pub schema_version: u32,
    /// The program that wrote the report.
    pub tool: Tool,
    /// One entry per input, in command-line order.
    pub inputs: Vec<InputReport>,
    /// `goroscope diff`: how the groups changed from the first input to the second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffReport>,
    /// `goroscope series`: the inputs followed over time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
    /// Heap profiles among the inputs: where the memory is and, over several, why it grew.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// `goroscope test`: the command run and how it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_run: Option<TestRun>,
    /// `goroscope check`: what passed and what failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateResult>,
    /// The catalogue entries that the groups refer to, by id.
    pub patterns: Vec<Pattern>,
    /// `--src`: lint findings in the source of suspect groups, tied to the group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lint_links: Vec<LintLink>,
    /// `goroscope history show --html`: what `watch` recorded of one target. Drawn in the HTML page only: the
    /// history's own JSON is `goroscope history export`.
    #[serde(skip)]
    pub history: Option<HistoryReport>,
}

/// A watched target's recorded counts: its total and its largest groups over time.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryReport {
    /// The target's name.
    pub target: String,
    /// Its URL, credentials redacted.
    pub url: String,
    /// The total at each successful sample, oldest first.
    pub totals: Vec<TimePoint>,
    /// The groups with the most goroutines in the latest profile, each with its counts over time.
    pub groups: Vec<GroupHistory>,
}

/// One recorded count.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TimePoint {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The run of the process it belongs to; a change means the process restarted.
    pub epoch: Option<i64>,
    /// Goroutines.
    pub count: u64,
}

/// One group's recorded counts.
#[derive(Debug, Clone, Serialize)]
pub struct GroupHistory {
    /// The group's fingerprint.
    pub fingerprint: String,
    /// Function and line of its leak site.
    pub title: String,
    /// Its latest level.
    pub level: Level,
    /// Its counts, oldest first.
    pub points: Vec<TimePoint>,
}

/// A lint finding that explains a suspect group from the source.
#[derive(Debug, Clone, Serialize)]
pub struct LintLink {
    /// The group's fingerprint.
    pub group: String,
    /// How the finding matches the group.
    pub link: LinkKind,
    /// The finding.
    pub finding: goroscope_lint::Finding,
}

/// How a finding matches a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// The finding's blocking operation is the line the goroutines are parked on.
    LeakSite,
    /// The finding names the `go` statement that created the goroutines.
    GoStatement,
    /// The finding is in the function the goroutines are parked in.
    SameFunction,
}

impl LinkKind {
    /// Words for the terminal.
    pub fn describe(self) -> &'static str {
        match self {
            LinkKind::LeakSite => "at the leak site",
            LinkKind::GoStatement => "at the go statement that started them",
            LinkKind::SameFunction => "in the same function",
        }
    }
}

/// Two inputs compared.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// The earlier input, as named on the command line.
    pub before_source: String,
    /// The later input.
    pub after_source: String,
    /// Reasons to doubt the comparison (the snapshots look like different processes).
    pub warnings: Vec<String>,
    /// The changes.
    #[serde(flatten)]
    pub diff: Diff,
}

/// A test command run by `goroscope test`.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    /// The command, as given.
    pub command: Vec<String>,
    /// Its exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
    /// Goroutine dumps found in its output.
    pub dumps: u64,
    /// Leak suspects per test: (test, groups, goroutines), most goroutines first. Groups no test is known to
    /// have started are under `""`.
    pub leaks_by_test: Vec<(String, u64, u64)>,
}

impl TestRun {
    /// Counts the suspects of `inputs` per test that started them.
    pub fn tally(command: Vec<String>, exit_code: Option<i32>, inputs: &[InputReport]) -> TestRun {
        let mut by_test: std::collections::BTreeMap<String, (u64, u64)> = std::collections::BTreeMap::new();
        for input in inputs {
            for g in input.analysis.groups.iter().filter(|g| g.level != goroscope_analyze::Level::Healthy) {
                // The test the most members came from; else the test whose output held the dump (goleak).
                let test = g.tests.first().or(input.test.as_ref()).cloned().unwrap_or_default();
                let entry = by_test.entry(test).or_default();
                entry.0 += 1;
                entry.1 += g.count;
            }
        }
        let mut leaks_by_test: Vec<(String, u64, u64)> =
            by_test.into_iter().map(|(t, (g, n))| (t, g, n)).collect();
        leaks_by_test.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        TestRun { command, exit_code, dumps: inputs.len() as u64, leaks_by_test }
    }
}

/// Name and version of the program.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `goroscope`
    pub name: &'static str,
    /// The package version.
    pub version: &'static str,
}

/// One analysed input.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// Where it came from, as named on the command line.
    pub source: String,
    /// The detected format.
    pub format: Format,
    /// The pprof profile (`goroutine`, `goroutineleak`) for `debug=1` and proto input.
    pub profile: Option<String>,
    /// Goroutines the input says exist (`debug=1`'s `total`, the proto's counts, a live service's `debug=1`).
    pub total: Option<u64>,
    /// The test whose output held the dump, when a `go test` log says.
    pub test: Option<String>,
    /// Tests still running when `go test` timed out (Go 1.21+ prints them).
    pub running_tests: Vec<RunningTest>,
    /// The dump is goleak's `found unexpected goroutines` report.
    pub leak_report: bool,
    /// Bytes read.
    pub bytes: u64,
    /// Unique stacks in the input.
    pub unique_stacks: u64,
    /// The crash that printed the dump, if any.
    pub crash: Option<Crash>,
    /// Set when the dump looks cut short.
    pub truncated: Option<Truncation>,
    /// Lines that could not be understood.
    pub warnings: Warnings,
    /// The verdicts.
    #[serde(flatten)]
    pub analysis: Analysis,
}

impl InputReport {
    /// Joins a snapshot with its analysis.
    pub fn new(snapshot: &Snapshot, analysis: Analysis) -> InputReport {
        InputReport {
            source: snapshot.source.clone(),
            format: snapshot.format,
            profile: snapshot.profile.clone(),
            total: snapshot.expected_total.or(snapshot.total),
            test: snapshot.test.clone(),
            running_tests: snapshot.running_tests.clone(),
            leak_report: snapshot.leak_report,
            bytes: snapshot.bytes,
            unique_stacks: snapshot.stack_count() as u64,
            crash: snapshot.crash.clone(),
            truncated: snapshot.truncated.clone(),
            warnings: snapshot.warnings.clone(),
            analysis,
        }
    }
}

impl Report {
    /// A report over analysed inputs, carrying the catalogue entries they use.
    pub fn new(inputs: Vec<InputReport>) -> Report {
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "goroscope", version: env!("CARGO_PKG_VERSION") },
            inputs,
            diff: None,
            series: None,
            memory: None,
            test_run: None,
            gate: None,
            lint_links: Vec::new(),
            patterns: Vec::new(),
            history: None,
        };
        report.collect_patterns();
        report
    }

    /// A report of two inputs and how their groups changed.
    pub fn with_diff(inputs: Vec<InputReport>, diff: DiffReport) -> Report {
        let mut report = Report::new(inputs);
        report.diff = Some(diff);
        report.collect_patterns();
        report
    }

    /// The gate's outcome for group `group` of input `input`, when a gate ran.
    pub fn outcome(&self, input: usize, group: usize) -> Option<&goroscope_analyze::GroupOutcome> {
        self.gate.as_ref()?.groups.iter().find(|o| o.input == input && o.group == group)
    }

    /// Whether a group fails: by the gate when one ran, otherwise when it is at least a likely leak.
    pub fn fails(&self, input: usize, group: usize) -> bool {
        match self.outcome(input, group) {
            Some(outcome) => outcome.outcome == Outcome::Fail,
            None => self.inputs[input].analysis.groups[group].level <= goroscope_analyze::Level::Likely,
        }
    }

    /// A report of inputs followed over time.
    pub fn with_series(inputs: Vec<InputReport>, series: Series) -> Report {
        let mut report = Report::new(inputs);
        report.series = Some(series);
        report.collect_patterns();
        report
    }

    /// Every group in the report, from every input, the diff and the series.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        let diffed = self.diff.iter().flat_map(|d| d.diff.changes.iter().map(|c| &c.group));
        let followed = self.series.iter().flat_map(|s| s.groups.iter().map(|g| &g.group));
        self.inputs.iter().flat_map(|i| &i.analysis.groups).chain(diffed).chain(followed)
    }

    /// Adds what the heap profiles say.
    #[must_use]
    pub fn with_memory(mut self, memory: Memory) -> Report {
        self.memory = Some(memory);
        self.collect_patterns();
        self
    }

    fn collect_patterns(&mut self) {
        // Memory causes that a catalogue entry explains carry its id.
        let causes: Vec<&str> = self.memory.iter().flat_map(|m| m.causes()).map(|c| c.as_str()).collect();
        self.patterns = CATALOGUE
            .iter()
            .filter(|p| self.groups().any(|g| g.pattern == Some(p.id)) || causes.contains(&p.id.as_str()))
            .copied()
            .collect();
    }
}

/// An output format.
pub trait Render {
    /// Writes the report.
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// What `goroscope lint` found, for every lint output format.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    /// Version of this JSON layout ([`goroscope_lint::SCHEMA_VERSION`]); bumped on any incompatible change.
    pub schema_version: u32,
    /// The program that wrote the report.
    pub tool: Tool,
    /// Counts.
    pub summary: LintSummary,
    /// Findings by file, line and column.
    pub findings: Vec<goroscope_lint::Finding>,
    /// Files and paths that could not be linted.
    pub problems: Vec<goroscope_lint::Problem>,
    /// The rules that ran (SARIF describes them).
    #[serde(skip)]
    pub rules: Vec<&'static goroscope_lint::Rule>,
}

/// The counts of a lint run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LintSummary {
    /// Files linted.
    pub files: usize,
    /// Directories (packages) linted.
    pub packages: usize,
    /// Generated files left out.
    pub generated: usize,
    /// Findings left.
    pub findings: usize,
    /// Findings with a safe fix (`--fix` applies them).
    pub fixable: usize,
    /// Findings with a fix that may change behaviour (`--fix --unsafe-fixes` applies them).
    pub unsafe_fixable: usize,
    /// Fixes applied by this run (`--fix`).
    pub fixed: usize,
    /// Findings per rule code.
    pub by_rule: BTreeMap<&'static str, usize>,
}

impl LintReport {
    /// The report of a run; `fixed` counts the fixes `--fix` applied before it.
    pub fn new(
        run: goroscope_lint::LintRun,
        rules: Vec<&'static goroscope_lint::Rule>,
        fixed: usize,
    ) -> LintReport {
        let mut by_rule = BTreeMap::new();
        for finding in &run.findings {
            *by_rule.entry(finding.code).or_default() += 1;
        }
        let fixable = |safe: bool| {
            run.findings.iter().filter(|f| f.fix.as_ref().is_some_and(|x| x.safe == safe)).count()
        };
        LintReport {
            schema_version: goroscope_lint::SCHEMA_VERSION,
            tool: Tool { name: "goroscope", version: env!("CARGO_PKG_VERSION") },
            summary: LintSummary {
                files: run.files,
                packages: run.packages,
                generated: run.generated,
                findings: run.findings.len(),
                fixable: fixable(true),
                unsafe_fixable: fixable(false),
                fixed,
                by_rule,
            },
            findings: run.findings,
            problems: run.problems,
            rules,
        }
    }
}

/// A lint output format.
pub trait RenderLint {
    /// Writes the lint report.
    fn render_lint(&self, report: &LintReport, out: &mut dyn Write) -> io::Result<()>;
}
