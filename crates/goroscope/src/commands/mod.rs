//! One module per subcommand, and what they share: reading and analysing inputs, writing the report.

pub(crate) mod analyze;
pub(crate) mod check;
pub(crate) mod diff;
pub(crate) mod explain;
pub(crate) mod history;
pub(crate) mod lint;
pub(crate) mod rule;
pub(crate) mod series;
#[cfg(feature = "serve")]
pub(crate) mod serve;
pub(crate) mod test;
pub(crate) mod watch;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use goroscope_analyze::{Analysis, Memory, MemoryContext, MixError, Options, analyze, memory, series};
use goroscope_dump::{HeapProfile, Profile, Snapshot};
use goroscope_report::{Html, Json, Junit, Markdown, Render, Report, Sarif, Table, TableOptions};

use crate::args::{AnalysisArgs, CollectArgs, OutputArgs, OutputFormat};
use crate::inputs::{self, Reading};
use crate::source::SourceFinder;

/// What every command that reads dumps needs: how to read them and how to analyse them.
pub(crate) struct Session {
    options: Options,
    /// `--src` was given: lint the source that dumps and profiles point at.
    lint_source: bool,
    finder: SourceFinder,
    reading: Reading,
}

impl Session {
    pub(crate) fn new(analysis: &AnalysisArgs, collect: &CollectArgs, quiet: bool) -> Result<Session> {
        Ok(Session {
            options: analysis.options(),
            lint_source: !analysis.src.is_empty(),
            finder: SourceFinder::new(analysis.src.clone()),
            reading: Reading {
                format: analysis.input_format.into(),
                http: goroscope_collect::HttpClient::new(collect.http_options()?),
                gops: collect.gops_options(),
                limits: collect.limits(),
                cheap: collect.cheap,
                memory: false,
                threads: analysis.threads,
                quiet,
            },
        })
    }

    /// A session for input that is already in memory (`goroscope test`): nothing is fetched.
    pub(crate) fn offline(analysis: &AnalysisArgs, quiet: bool) -> Session {
        Session {
            options: analysis.options(),
            lint_source: !analysis.src.is_empty(),
            finder: SourceFinder::new(analysis.src.clone()),
            reading: Reading {
                format: None,
                http: goroscope_collect::HttpClient::new(goroscope_collect::HttpOptions::default()),
                gops: goroscope_collect::GopsOptions::default(),
                limits: goroscope_collect::Limits::default(),
                cheap: false,
                memory: false,
                threads: analysis.threads,
                quiet,
            },
        }
    }

    /// Analyses a snapshot already read.
    pub(crate) fn analyse_snapshot(&self, snapshot: &Snapshot) -> Analysis {
        analyze(snapshot, &self.options, Some(&self.finder))
    }

    /// Reads one named input and analyses each of its snapshots (a log can hold several), handing each pair to
    /// `each` so that a large snapshot can be dropped as soon as it is analysed. A failure is reported on
    /// standard error and returns `false`.
    pub(crate) fn analyse(&self, name: &str, mut each: impl FnMut(Snapshot, Analysis)) -> bool {
        match inputs::read(name, &self.reading) {
            Ok(snapshots) => {
                for snapshot in snapshots {
                    let analysis = self.analyse_snapshot(&snapshot);
                    each(snapshot, analysis);
                }
                true
            }
            Err(err) => {
                err.report(name);
                false
            }
        }
    }
}

impl Session {
    /// Reads one input of goroutine dumps or heap profiles: each goroutine snapshot is analysed and handed to
    /// `each` (with the time it was taken, when known); each heap profile is added to `heaps`. A failure is
    /// reported on standard error and returns `false`.
    pub(crate) fn analyse_profiles(
        &self,
        name: &str,
        mut each: impl FnMut(Snapshot, Analysis, Option<f64>),
        heaps: &mut Heaps,
    ) -> bool {
        match inputs::read_profiles(name, &self.reading) {
            Ok(profiles) => {
                let modified = modified_seconds(name);
                let several = profiles.len() > 1;
                for profile in profiles {
                    match profile {
                        Profile::Goroutines(snapshot) => {
                            let time = time_of(snapshot.time_nanos, modified, several);
                            heaps.note_program(&snapshot);
                            let analysis = self.analyse_snapshot(&snapshot);
                            each(snapshot, analysis, time);
                        }
                        Profile::Heap(heap) => {
                            heaps.times.push(time_of(heap.time_nanos, modified, several));
                            heaps.profiles.push(heap);
                        }
                    }
                }
                true
            }
            Err(err) => {
                err.report(name);
                false
            }
        }
    }

    /// Fetches the heap profile too from live services.
    pub(crate) fn with_memory(mut self, memory: bool) -> Session {
        self.reading.memory = memory;
        self
    }

    /// What the heap profiles say, with the goroutine analyses taken alongside (oldest first, with their
    /// times); `None` without heap profiles. Profiles of different runs or programs are refused.
    pub(crate) fn memory(
        &self,
        heaps: &Heaps,
        analyses: &[Analysis],
        times: &[Option<f64>],
    ) -> Result<Option<Memory>, MixError> {
        if heaps.profiles.is_empty() {
            return Ok(None);
        }
        if let (Some(heap), Some((source, frames))) = (heaps.profiles.last(), &heaps.program) {
            let frames: Vec<(&str, &str)> =
                frames.iter().map(|(f, file)| (f.as_str(), file.as_str())).collect();
            goroscope_analyze::check_same_program(heap, source, &frames)?;
        }
        let seconds = increasing(&heaps.times);
        if seconds.is_none() && heaps.profiles.len() > 1 && !self.reading.quiet {
            eprintln!(
                "goroscope: note: the heap profiles' times are unknown or not increasing; rates are per profile"
            );
        }
        let followed = (analyses.len() >= 2).then(|| series(analyses, increasing(times).as_deref(), None));
        // With --src, the retention lint rules name what keeps a growing site's memory.
        let linter = crate::lint_links::RetentionLinter::new(&self.finder);
        let classify = |frames: &[goroscope_analyze::FrameOut]| linter.classify(frames);
        let context = MemoryContext {
            seconds: seconds.as_deref(),
            series: followed.as_ref(),
            latest: analyses.last(),
            retention: self.lint_source.then_some(&classify as goroscope_analyze::Retention<'_>),
        };
        memory(&heaps.profiles, context, &self.options, Some(&self.finder)).map(Some)
    }

    /// Reads one input that should be one snapshot; of a log with several dumps, the last one, with a note.
    pub(crate) fn analyse_last(&self, name: &str) -> Option<(Snapshot, Analysis)> {
        let mut found = Vec::new();
        if !self.analyse(name, |snapshot, analysis| found.push((snapshot, analysis))) {
            return None;
        }
        if found.len() > 1 && !self.reading.quiet {
            eprintln!("goroscope: note: {name} holds {} dumps; using its last one", found.len());
        }
        found.pop()
    }
}

/// Heap profiles read so far, with their times, and the program the goroutine dumps show.
#[derive(Default)]
pub(crate) struct Heaps {
    pub(crate) profiles: Vec<HeapProfile>,
    times: Vec<Option<f64>>,
    /// The first goroutine dump's source and frames (function, file), to check that the heap profiles are of
    /// its program.
    program: Option<(String, Vec<(String, String)>)>,
}

impl Heaps {
    fn note_program(&mut self, snapshot: &Snapshot) {
        if self.program.is_none() {
            let mut frames: Vec<(String, String)> = snapshot
                .frame_ids()
                .map(|f| (snapshot.function(f).to_owned(), snapshot.file(f).to_owned()))
                .collect();
            frames.sort_unstable();
            frames.dedup();
            self.program = Some((snapshot.source.clone(), frames));
        }
    }
}

/// Reports a refusal to read profiles together; the outcome for the command.
pub(crate) fn refuse_mix(error: &MixError) -> crate::Outcome {
    eprintln!("goroscope: error: {error}");
    eprintln!("  hint: {}", error.hint());
    crate::Outcome::Error
}

/// A file's modification time, in seconds since the Unix epoch.
pub(crate) fn modified_seconds(name: &str) -> Option<f64> {
    let modified = std::fs::metadata(name).and_then(|m| m.modified()).ok()?;
    Some(modified.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64())
}

/// A profile's time: its own, else its file's modification time when the file holds only it.
fn time_of(nanos: Option<i64>, modified: Option<f64>, several: bool) -> Option<f64> {
    nanos.map(|ns| ns as f64 / 1e9).or(modified.filter(|_| !several))
}

/// The times when every one is known and each is later than the one before.
pub(crate) fn increasing(times: &[Option<f64>]) -> Option<Vec<f64>> {
    times.iter().copied().collect::<Option<Vec<f64>>>().filter(|t| goroscope_analyze::strictly_increasing(t))
}

/// Writes the report as asked: each `--json`/`--sarif`/`--junit`/`--markdown FILE`, then the chosen format on
/// standard output. A reader that went away (`| head`) is not an error.
pub(crate) fn emit(report: &Report, output: &OutputArgs, color: bool, session: &Session) -> Result<()> {
    let sarif = || Sarif { paths: session.finder.repository_paths(report) };
    let files: [(&Option<PathBuf>, OutputFormat); 5] = [
        (&output.json, OutputFormat::Json),
        (&output.sarif, OutputFormat::Sarif),
        (&output.junit, OutputFormat::Junit),
        (&output.markdown, OutputFormat::Markdown),
        (&output.html, OutputFormat::Html),
    ];
    for (path, format) in files {
        let Some(path) = path else { continue };
        write_file(path, &*renderer(format, output, false, &sarif), report)?;
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let written =
        renderer(output.format, output, color, &sarif).render(report, &mut out).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the report to standard output"),
    }
}

/// Writes `report` to the file at `path` with `renderer`.
pub(crate) fn write_file(path: &Path, renderer: &dyn Render, report: &Report) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    renderer
        .render(report, &mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {}", path.display()))
}

fn renderer(
    format: OutputFormat,
    output: &OutputArgs,
    color: bool,
    sarif: &dyn Fn() -> Sarif,
) -> Box<dyn Render> {
    match format {
        OutputFormat::Table => {
            Box::new(Table { options: TableOptions { color, top: output.top, all: output.all } })
        }
        OutputFormat::Json => Box::new(Json),
        OutputFormat::Markdown => Box::new(Markdown),
        OutputFormat::Sarif => Box::new(sarif()),
        OutputFormat::Junit => Box::new(Junit),
        OutputFormat::Html => Box::new(Html),
    }
}
