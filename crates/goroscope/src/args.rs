//! Command-line arguments. Help text lives in the doc comments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use goroscope_analyze::{Grouping, IgnoreRule, Level, Options};
use goroscope_collect::{GopsOptions, HttpOptions, Limits};
use goroscope_dump::InputFormat;
use goroscope_watch::{Until, WatchOptions};

/// Find, explain and prevent goroutine leaks in Go programs.
#[derive(Debug, Parser)]
#[command(name = "goroscope", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
    /// Print nothing but errors (and the report itself).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Group the goroutines of one or more dumps by stack and explain every leak suspect.
    Analyze(AnalyzeArgs),
    /// Compare two dumps of one process: groups new, grown, shrunk and gone, and the suspects among the grown.
    Diff(DiffArgs),
    /// The CI gate: exit 1 when leaks or limits fail the build (settings from goroscope.toml, found upward).
    Check(CheckArgs),
    /// Follow several dumps of one process over time: growth per group, leak rate, time to a limit.
    Series(SeriesArgs),
    /// Print a leak pattern of the catalogue: why it blocks, how to confirm it, the fix. Without PATTERN, list
    /// them all.
    Explain(ExplainArgs),
    /// Run a test command (`goroscope test -- go test ./...`), pass its output through, and report the goroutine
    /// leaks in the dumps it prints (timeouts, panics, goleak failures), by the test that leaked them.
    Test(TestArgs),
    /// Follow live services: cheap goroutine counts often, profiles less often, full dumps when a group grows;
    /// alarm on steady growth; keep the history in SQLite.
    Watch(WatchArgs),
    /// What `watch` recorded: targets, a group's series, exports, pruning.
    History(HistoryArgs),
    /// A local web dashboard: upload dumps, browse the history `watch` records, and watch targets live
    /// (each target's timeline, its groups, a group's explanation and fix).
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
    /// Find goroutine-leak patterns in Go source: unreceived sends, locks held on return, lost cancels, tickers
    /// never stopped… Exit 1 on findings; `--fix` applies the mechanical fixes.
    Lint(LintArgs),
    /// Print a lint rule's documentation: what it finds, why it leaks, an example, the fix, its known limits.
    Rule(LintRuleArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// A report for people, most severe first.
    Table,
    /// Versioned JSON (see docs/json.md).
    Json,
    /// A summary for a CI step or a pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for code scanning: each suspect at its leak site.
    Sarif,
    /// `JUnit` XML: one test case per group.
    Junit,
    /// One self-contained HTML page: searchable groups with explanations, fixes and source.
    Html,
}

/// `--input-format`: the names users know from pprof URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormatArg {
    /// Detect from the content.
    Auto,
    /// Traceback text: pprof `debug=2`, panics, SIGQUIT, `fatal error` reports.
    #[value(alias = "traceback")]
    Debug2,
    /// pprof `debug=1`: counts per stack, with labels.
    Debug1,
    /// pprof `debug=0` protobuf (gzipped or not).
    #[value(alias = "debug0", alias = "pb")]
    Proto,
    /// Logs with dumps inside: line prefixes, JSON records, `go test` (plain or `-json`), goleak reports.
    Log,
}

impl From<InputFormatArg> for Option<InputFormat> {
    fn from(arg: InputFormatArg) -> Self {
        match arg {
            InputFormatArg::Auto => None,
            InputFormatArg::Debug2 => Some(InputFormat::Traceback),
            InputFormatArg::Debug1 => Some(InputFormat::CountText),
            InputFormatArg::Proto => Some(InputFormat::Proto),
            InputFormatArg::Log => Some(InputFormat::Log),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Goroutine dumps: files (pprof debug=2, debug=1 or proto output, panic or SIGQUIT tracebacks, logs and
    /// `go test` output holding them; `.gz` and `.zst` are decompressed), `-` for standard input, a live
    /// service (`http://host:6060` or any pprof URL), or a gops agent (`pid:1234`, `gops://host:port`). Heap
    /// profiles (`/debug/pprof/heap` or `allocs`, proto or debug=1) of the same process, oldest first, add
    /// where its memory is and why it grew.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<String>,
    #[command(flatten)]
    pub(crate) memory: MemoryArgs,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}

/// Memory of live services: shared by `analyze` and `series`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Memory")]
pub(crate) struct MemoryArgs {
    /// Live services: fetch the heap profile too (`/debug/pprof/heap?debug=1&gc=1`, which runs a collection
    /// first), to say how much of the memory is goroutines, which heap sites, and what lies outside the Go heap.
    #[arg(long)]
    pub(crate) memory: bool,
    /// Live services: take this many snapshots, --every apart, and follow them over time; with --memory, split
    /// the memory growth by cause. The report shows the last snapshot's goroutines.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000), value_name = "N")]
    pub(crate) samples: u32,
    /// Time between --samples.
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) every: Duration,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier dump (any input `analyze` takes; formats may differ, e.g. a debug=1 before a debug=2).
    #[arg(value_name = "BEFORE")]
    pub(crate) before: String,
    /// The later dump.
    #[arg(value_name = "AFTER")]
    pub(crate) after: String,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Dumps to check (any input `analyze` takes). Not needed with --before and --after.
    #[arg(value_name = "INPUT", required_unless_present = "after")]
    pub(crate) inputs: Vec<String>,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SeriesArgs {
    /// Dumps of one process, oldest first (files, or one log holding several dumps in order).
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<String>,
    /// Time between consecutive dumps (`30s`, `5m`). Default: the proto profiles' own times, else the files'
    /// modification times, else rates per snapshot.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) interval: Option<Duration>,
    /// Project when the total reaches this many goroutines.
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<u64>,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}

/// `goroscope lint --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LintFormat {
    /// Each finding with its source lines, then counts per rule.
    Table,
    /// Versioned JSON (see docs/json.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations (`::error file=…`).
    Github,
}

// Each flag is an independent switch, as in ruff's command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Go files and directories, walked recursively (`./...` as with the go command). Default: `.`.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Rules to run: codes (`GL001`), code prefixes (`GL2`), names (`unreceived-send`) or `ALL`; comma-separated
    /// or repeated. Replaces `select` of goroscope.toml.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub(crate) select: Vec<String>,
    /// Rules not to run (same forms as --select). Added to `ignore` of goroscope.toml.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub(crate) ignore: Vec<String>,
    /// Also run the preview rules (not yet precise enough to run by default).
    #[arg(long)]
    pub(crate) preview: bool,
    /// Output format on standard output.
    #[arg(long, short = 'f', value_enum, default_value_t = LintFormat::Table)]
    pub(crate) format: LintFormat,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Also write SARIF 2.1.0 to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) sarif: Option<PathBuf>,
    /// Apply the safe fixes to the files, then report what is left.
    #[arg(long)]
    pub(crate) fix: bool,
    /// With --fix or --diff, also the fixes that may change behaviour (e.g. a deferred unlock holds the lock
    /// until the function returns).
    #[arg(long)]
    pub(crate) unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of applying them; exit 1 when there is one.
    #[arg(long, conflicts_with = "fix")]
    pub(crate) diff: bool,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub(crate) exit_zero: bool,
    /// Paths not to lint: gitignore-style globs relative to each directory given (repeatable). Added to
    /// `exclude` of goroscope.toml.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Also lint `vendor/` and `testdata/` directories (files named on the command line are always linted).
    #[arg(long)]
    pub(crate) all_dirs: bool,
    /// Files larger than this are reported and skipped.
    #[arg(long, default_value = "8MiB", value_parser = parse_size, value_name = "SIZE")]
    pub(crate) max_file_size: u64,
    /// Read settings from this file instead of the nearest goroscope.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Ignore any goroscope.toml.
    #[arg(long)]
    pub(crate) no_config: bool,
    /// Worker threads; 0 uses every core.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub(crate) threads: usize,
}

#[derive(Debug, Args)]
pub(crate) struct LintRuleArgs {
    /// A rule code (`GL001`) or name (`unreceived-send`).
    #[arg(value_name = "CODE", required_unless_present = "all")]
    pub(crate) code: Option<String>,
    /// List every rule: code, name, whether it is in preview, what it finds.
    #[arg(long, conflicts_with = "code")]
    pub(crate) all: bool,
    /// Print as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// A pattern id as reports show it, e.g. `send-no-receiver`.
    #[arg(value_name = "PATTERN")]
    pub(crate) pattern: Option<String>,
    /// Print the entry (or the catalogue) as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// The command to run and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
    /// Depth of `GODEBUG=tracebackancestors` set for the command, so that a leaked goroutine whose creator has
    /// exited still leads back to its test; 0 leaves GODEBUG alone.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) ancestors: u32,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// The gate of `check`: its rules, baselines and the before/after comparison.
#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Record every group found as accepted, into this file, and pass.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline", help_heading = "Gate")]
    pub(crate) write_baseline: Option<PathBuf>,
    /// A dump taken before the tests: its groups are accepted, and the total may grow by --tolerance at most.
    #[arg(
        long,
        value_name = "INPUT",
        requires = "after",
        conflicts_with_all = ["baseline", "write_baseline"],
        help_heading = "Gate"
    )]
    pub(crate) before: Option<String>,
    /// The dump taken after the tests, checked against --before.
    #[arg(long, value_name = "INPUT", requires = "before", help_heading = "Gate")]
    pub(crate) after: Option<String>,
    /// Goroutines the total may grow by between --before and --after [default: 0].
    #[arg(long, value_name = "N", help_heading = "Gate")]
    pub(crate) tolerance: Option<u64>,
}

/// What fails a build: shared by `check` and `test`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Gate")]
pub(crate) struct RuleArgs {
    /// Fail on groups at this level or more severe [default: likely, or goroscope.toml's].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub(crate) fail_on: Option<FailOn>,
    /// Fail when an input holds more goroutines than this.
    #[arg(long, value_name = "N")]
    pub(crate) max_goroutines: Option<u64>,
    /// Fail when one group holds more goroutines than this, whatever its level.
    #[arg(long, value_name = "N")]
    pub(crate) max_group: Option<u64>,
    /// Accept matching groups (repeatable): `top=FUNC`, `any=FUNC`, `creator=FUNC`, `state=STATE`,
    /// `label=KEY[=VALUE]`; FUNC may end in `*`. Added to goroscope.toml's `[[ignore]]` rules.
    #[arg(long, value_name = "RULE", value_parser = IgnoreRule::parse)]
    pub(crate) ignore: Vec<IgnoreRule>,
    /// Accept the groups recorded in this baseline up to their counts: only new or grown groups fail.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Read settings from this file instead of the nearest goroscope.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Ignore any goroscope.toml.
    #[arg(long)]
    pub(crate) no_config: bool,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Only proven leaks.
    Certain,
    /// Proven and likely leaks.
    Likely,
    /// Every suspect.
    Possible,
}

impl From<FailOn> for Level {
    fn from(f: FailOn) -> Level {
        match f {
            FailOn::Certain => Level::Certain,
            FailOn::Likely => Level::Likely,
            FailOn::Possible => Level::Possible,
        }
    }
}

/// How inputs are read and analysed: shared by every command that reads dumps.
#[derive(Debug, Args)]
pub(crate) struct AnalysisArgs {
    /// The input format, instead of detecting it from the content.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, value_name = "FORMAT")]
    pub(crate) input_format: InputFormatArg,
    /// How goroutines are grouped: `exact` (identical stacks), `site` (the same leak site), `creator` (the same
    /// `go` statement), `label` (the same pprof labels) or `label:KEY` (the same value of one label).
    #[arg(long, default_value = "exact", value_parser = Grouping::parse, value_name = "LEVEL")]
    pub(crate) group: Grouping,
    /// Package path prefix of your own code (repeatable); the leak site is the first frame in it. Default: any
    /// package outside the Go distribution.
    #[arg(long = "own", value_name = "PKG")]
    pub(crate) own: Vec<String>,
    /// Directory to look for the source files named in the dump (repeatable). Files that exist at the printed
    /// path are found without it.
    #[arg(long = "src", value_name = "DIR")]
    pub(crate) src: Vec<PathBuf>,
    /// Lines of source shown on each side of a leak site; 0 turns source excerpts off.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub(crate) context: u32,
    /// Parser threads; 0 uses every core.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub(crate) threads: usize,
}

impl AnalysisArgs {
    pub(crate) fn options(&self) -> Options {
        Options { own_packages: self.own.clone(), context_lines: self.context, grouping: self.group.clone() }
    }
}

/// What is written where: shared by every command that reports groups.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Output format on standard output.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Also write SARIF 2.1.0 to this file (paths relative to the repository root, for code scanning).
    #[arg(long, value_name = "FILE")]
    pub(crate) sarif: Option<PathBuf>,
    /// Also write `JUnit` XML to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Also write the Markdown summary to this file (e.g. `"$GITHUB_STEP_SUMMARY"`).
    #[arg(long, value_name = "FILE")]
    pub(crate) markdown: Option<PathBuf>,
    /// Also write a self-contained HTML page to this file (opens offline; nothing is fetched).
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Suspect groups shown in full (the rest get one line each); 0 shows all.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) top: usize,
    /// Show healthy groups in full too.
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    pub(crate) targets: TargetArgs,
    #[command(flatten)]
    pub(crate) poll: PollArgs,
    /// Stop at the first alarm (`leak`, exit 1), or after a time (`10m`; exit 1 if an alarm was raised).
    #[arg(long, value_parser = parse_until, value_name = "leak|DURATION")]
    pub(crate) until: Option<Until>,
    /// Write every event as a JSON line to this file (`-` for standard output instead of the log lines).
    #[arg(long, value_name = "FILE")]
    pub(crate) events: Option<PathBuf>,
    /// Print log lines even when standard output is a terminal, instead of the live terminal UI.
    #[arg(long)]
    pub(crate) no_tui: bool,
    /// Serve Prometheus metrics (OpenMetrics) at `http://ADDR/metrics`, e.g. `127.0.0.1:9464`; port 0 picks one.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<String>,
    /// Groups per target exported one by one in the metrics (the alarmed, most severe and largest).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=50), value_name = "N")]
    pub(crate) metrics_groups: u64,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Keep no history (no database).
    #[arg(long, conflicts_with = "db")]
    pub(crate) no_db: bool,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}

#[cfg(feature = "serve")]
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) targets: TargetArgs,
    /// Address to listen on (`HOST:PORT`; port 0 picks a free one). Beyond the loopback interface a token is
    /// required: from --token-file, or generated and printed once.
    #[arg(long, default_value = "127.0.0.1:7070", value_name = "ADDR")]
    pub(crate) bind: String,
    /// File holding the token clients must show (`Authorization: Bearer TOKEN`, or `?token=` once in a
    /// browser); at least 16 characters. Never printed.
    #[arg(long, value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// The largest upload accepted (before decompression; --max-size caps what it decompresses to).
    #[arg(long, default_value = "256MiB", value_parser = parse_size, value_name = "SIZE")]
    pub(crate) max_upload: u64,
    #[command(flatten)]
    pub(crate) poll: PollArgs,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    #[command(flatten)]
    pub(crate) analysis: AnalysisArgs,
    #[command(flatten)]
    pub(crate) collect: CollectArgs,
}

/// What to watch: shared by `watch` and `serve`.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// Services to watch: a pprof base URL (`http://host:6060`), a Prometheus `/metrics` URL or an expvar
    /// `/debug/vars` URL. URLs of one host and port are one target; use --targets to name and combine sources.
    #[arg(value_name = "URL")]
    pub(crate) urls: Vec<String>,
    /// A TOML file of targets: `[[target]]` tables with `name`, `pprof`, `metrics`, `expvar`, `expvar_key`.
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: Option<PathBuf>,
}

/// How often targets are polled and what raises an alarm: shared by `watch` and `serve`.
#[derive(Debug, Args)]
pub(crate) struct PollArgs {
    /// How often the cheap count is read (and the profile, for targets with pprof alone).
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) interval: Duration,
    /// How often the `debug=1` profile is fetched when a cheap source gives the count (sooner when it jumps).
    #[arg(long, default_value = "1m", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) profile_interval: Duration,
    /// The shortest time between two full `debug=2` dumps of one target (fetched after an alarm or an outage).
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) detail_interval: Duration,
    /// How often the heap profile (`heap?debug=1&gc=1`: the service collects garbage first) of a target with
    /// pprof is fetched, the first soon after start; its last --window are judged for the memory verdict.
    /// `0` or `off`: never.
    #[arg(long, default_value = "5m", value_parser = parse_interval_or_off, value_name = "DURATION|off")]
    pub(crate) heap_interval: Duration,
    /// Profiles judged together: a group that grows steadily across them raises an alarm (at least 3).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(3..=1000), value_name = "K")]
    pub(crate) window: u64,
    /// A longer window for slow leaks: one profile every DURATION/12 is kept and judged like --window.
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) long_window: Duration,
    /// The least growth of a group across the window that raises a steady-growth alarm; smaller growth is pools
    /// filling and connections opening (lower it to catch slow leaks sooner, or use --max-group).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) min_growth: u64,
    /// Alarm when a target holds more goroutines than this.
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<u64>,
    /// Alarm when one group holds more goroutines than this.
    #[arg(long, value_name = "N")]
    pub(crate) max_group: Option<u64>,
    /// Fetches in flight at once, across all targets.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub(crate) concurrency: usize,
}

impl PollArgs {
    /// The watch's options, with profiles analysed as `analysis` says.
    pub(crate) fn options(&self, analysis: &AnalysisArgs) -> WatchOptions {
        WatchOptions {
            interval: self.interval,
            profile_interval: self.profile_interval,
            detail_interval: self.detail_interval,
            heap_interval: (!self.heap_interval.is_zero()).then_some(self.heap_interval),
            window: self.window as usize,
            long_window: self.long_window,
            limit: self.limit,
            max_group: self.max_group,
            min_growth: self.min_growth,
            concurrency: self.concurrency,
            analysis: analysis.options(),
            ..WatchOptions::default()
        }
    }
}

/// Where the history is written: shared by `watch` and `serve`.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// The largest the history database may grow (`512MiB`); past it, samples are reported but not recorded.
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub(crate) max_db_size: Option<u64>,
}

/// The history database.
#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    /// The history database [default: goroscope/history.db in the user's data directory].
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    #[command(subcommand)]
    pub(crate) command: HistoryCommand,
    #[command(flatten)]
    pub(crate) db: DbArgs,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum HistoryCommand {
    /// Every target recorded: samples, errors, restarts, the time span and the last total.
    Targets {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A target's groups, largest first; or, with a fingerprint (or a unique prefix), that group's series.
    Show {
        /// The target's name.
        target: String,
        /// A group fingerprint or a unique prefix of one.
        fingerprint: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Also write a self-contained HTML page: the target's total and largest groups over time, then the
        /// latest stored profile analysed, with its flame graph.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Where to find the service's source for the page's excerpts (repeatable).
        #[arg(long, value_name = "DIR", requires = "html")]
        src: Vec<PathBuf>,
    },
    /// A target's total (or, with --group, one group's count) over time as CSV or JSON.
    Export {
        /// The target's name.
        target: String,
        /// A group fingerprint or a unique prefix of one.
        #[arg(long, value_name = "FINGERPRINT")]
        group: Option<String>,
        /// The output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
    /// Delete what is older than a duration (`7d`, `12h`).
    Prune {
        /// Keep this much history.
        #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
        older_than: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    Csv,
    Json,
}

/// `leak` or a duration.
/// A duration, or `0` / `off` (a zero duration) for never.
fn parse_interval_or_off(text: &str) -> Result<Duration, String> {
    if text.trim().eq_ignore_ascii_case("off") || text.trim().parse::<f64>().is_ok_and(|v| v == 0.0) {
        return Ok(Duration::ZERO);
    }
    parse_duration(text).map_err(|e| format!("{e} (or `off`)"))
}

fn parse_until(text: &str) -> Result<Until, String> {
    if text.eq_ignore_ascii_case("leak") {
        return Ok(Until::Leak);
    }
    parse_duration(text).map(Until::Elapsed).map_err(|e| format!("expected `leak` or a duration: {e}"))
}

/// How live services and compressed inputs are read.
#[derive(Debug, Args)]
#[command(next_help_heading = "Live services")]
pub(crate) struct CollectArgs {
    /// Fetch `debug=1` (counts per stack and labels) instead of `debug=2`: cheaper for the service and never
    /// cut at 64 MiB, but without wait reasons, wait times or creators.
    #[arg(long)]
    pub(crate) cheap: bool,
    /// Environment variable holding a bearer token (`TOKEN` or `Bearer TOKEN`) or `Name: value` header lines.
    /// Never printed.
    #[arg(long, value_name = "VAR")]
    pub(crate) header_env: Option<String>,
    /// File holding `Name: value` header lines (or a bearer token alone). Never printed.
    #[arg(long, value_name = "FILE")]
    pub(crate) header_file: Option<PathBuf>,
    /// PEM file of certificate authorities to trust, in addition to the system's.
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
    /// Do not verify the server's TLS certificate (anyone on the path can read and change the dump).
    #[arg(long)]
    pub(crate) insecure: bool,
    /// Give up on a request after this long, body included (`30s`, `2m`, `1500ms`).
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) timeout: Duration,
    /// Give up connecting after this long.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) connect_timeout: Duration,
    /// Refuse responses and decompressed inputs larger than this (`512MiB`, `2GiB`, bytes) [default: 1GiB; for
    /// watch and serve, which poll unattended, 256MiB]
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub(crate) max_size: Option<u64>,
}

impl CollectArgs {
    /// A watcher polls many targets at once for days: a target that sends an endless body should cost a bounded
    /// buffer per fetch, and Go's largest dump (`debug=2`) stops at 64 MiB anyway.
    pub(crate) fn unattended(&mut self) {
        self.max_size.get_or_insert(256 << 20);
    }

    fn max_bytes(&self) -> u64 {
        self.max_size.unwrap_or(1 << 30)
    }

    pub(crate) fn http_options(&self) -> anyhow::Result<HttpOptions> {
        let mut headers = Vec::new();
        if let Some(var) = &self.header_env {
            headers.extend(goroscope_collect::headers_from_env(var)?);
        }
        if let Some(path) = &self.header_file {
            headers.extend(goroscope_collect::headers_from_file(path)?);
        }
        Ok(HttpOptions {
            connect_timeout: self.connect_timeout,
            total_timeout: self.timeout,
            max_bytes: self.max_bytes(),
            headers,
            cacert: self.cacert.clone(),
            insecure: self.insecure,
            ..HttpOptions::default()
        })
    }

    pub(crate) fn limits(&self) -> Limits {
        Limits { max_bytes: self.max_bytes() }
    }

    pub(crate) fn gops_options(&self) -> GopsOptions {
        GopsOptions {
            connect_timeout: self.connect_timeout,
            total_timeout: self.timeout,
            max_bytes: self.max_bytes(),
            ..GopsOptions::default()
        }
    }
}

/// `30s`, `2m`, `1500ms`, `1h`, or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 =
        number.parse().map_err(|_| format!("expected a duration such as 30s or 2m, got {text:?}"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        _ => return Err(format!("unknown unit {unit:?}: use ms, s, m, h or d")),
    };
    if !(seconds > 0.0 && seconds < 1e9) {
        return Err(format!("{text:?} is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `1GiB`, `512MiB`, `64k`, or plain bytes; K, M and G are powers of 1024 with or without `iB` / `B`.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 =
        number.parse().map_err(|_| format!("expected a size such as 512MiB or 2GiB, got {text:?}"))?;
    let shift = match unit.trim().to_ascii_lowercase().trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(format!("unknown unit {unit:?}: use KiB, MiB or GiB")),
    };
    value.checked_mul(1 << shift).filter(|&v| v > 0).ok_or_else(|| format!("{text:?} is not a usable size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("3d"), Ok(Duration::from_secs(3 * 86400)));
        assert!(parse_duration("3w").is_err());
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
