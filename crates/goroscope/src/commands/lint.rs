//! `goroscope lint PATH…`: run the lint rules, show or apply their fixes, report in the chosen format.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use goroscope_lint::{Finding, Fix, LintRun, Options, Severity, fix, lint, select_rules};
use goroscope_report::{Github, Json, LintReport, RenderLint, Sarif, Table, TableOptions};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Outcome;
use crate::args::{LintArgs, LintFormat};
use crate::config::Config;

/// Passes of `--fix`: a fix that overlaps another waits for the next pass.
const FIX_PASSES: usize = 4;

pub(crate) fn run(args: &LintArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let config = Config::load(args.config.as_deref(), args.no_config)?;
    if let (Some(path), false) = (&config.path, quiet) {
        eprintln!("goroscope: using {}", path.display());
    }
    let settings = &config.lint;
    let select = if args.select.is_empty() {
        settings.select.clone().unwrap_or_default()
    } else {
        args.select.clone()
    };
    let ignore = [settings.ignore.as_slice(), args.ignore.as_slice()].concat();
    let rules = select_rules(&select, &ignore, args.preview || settings.preview)?;
    let options = Options {
        rules: rules.clone(),
        all_dirs: args.all_dirs || settings.all_dirs,
        exclude: [settings.exclude.as_slice(), args.exclude.as_slice()].concat(),
        max_file_size: args.max_file_size,
        threads: args.threads,
        progress: None,
    };
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let per_file = PerFileIgnores::new(&config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("starting worker threads")?;
    let lint_once = || -> Result<LintRun> {
        let mut run = with_progress(&options, quiet, |options| pool.install(|| lint(&paths, options)))?;
        per_file.apply(&mut run.findings);
        Ok(run)
    };

    let mut run = lint_once()?;
    if run.files == 0 {
        report_problems(&run);
        let named = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
        eprintln!("goroscope: error: no Go file could be linted in {named}");
        eprintln!(
            "  hint: name Go files or directories holding them (vendor/ and testdata/ need --all-dirs)"
        );
        return Ok(Outcome::Error);
    }
    if args.diff {
        report_problems(&run);
        return show_diffs(&run, args.unsafe_fixes);
    }
    let mut fixed = 0;
    if args.fix {
        for _ in 0..FIX_PASSES {
            let applied = apply_fixes(&run, args.unsafe_fixes)?;
            if applied == 0 {
                break;
            }
            fixed += applied;
            run = lint_once()?;
        }
    }
    report_problems(&run);
    let failing = run.findings.iter().any(|f| f.severity <= Severity::Warning);
    let report = LintReport::new(run, rules, fixed);
    if let Some(path) = &args.json {
        write_file(path, |out| Json.render_lint(&report, out))?;
    }
    if let Some(path) = &args.sarif {
        write_file(path, |out| Sarif::default().render_lint(&report, out))?;
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let table = Table { options: TableOptions { color, ..TableOptions::default() } };
    let renderer: &dyn RenderLint = match args.format {
        LintFormat::Table => &table,
        LintFormat::Json => &Json,
        LintFormat::Sarif => &Sarif::default(),
        LintFormat::Github => &Github,
    };
    renderer
        .render_lint(&report, &mut out)
        .and_then(|()| out.flush())
        .context("writing to standard output")?;
    Ok(if failing && !args.exit_zero { Outcome::GateFailed } else { Outcome::Ran })
}

/// Runs `lint` with a spinner counting the files read, on standard error when it is a terminal, once the run
/// has taken a moment.
fn with_progress<T>(options: &Options, quiet: bool, lint: impl FnOnce(&Options) -> T) -> T {
    if quiet || !io::stderr().is_terminal() {
        return lint(options);
    }
    let counter = Arc::new(AtomicUsize::new(0));
    let options = Options { progress: Some(Arc::clone(&counter)), ..options.clone() };
    let done = Arc::new(AtomicBool::new(false));
    let spinner = {
        let (counter, done) = (Arc::clone(&counter), Arc::clone(&done));
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if started.elapsed() < Duration::from_millis(500) {
                    continue;
                }
                let bar = bar.get_or_insert_with(|| {
                    let style = ProgressStyle::with_template("{spinner} linting: {msg} files read");
                    style.map_or_else(
                        |_| ProgressBar::new_spinner(),
                        |s| ProgressBar::new_spinner().with_style(s),
                    )
                });
                bar.set_message(counter.load(Ordering::Relaxed).to_string());
                bar.tick();
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        })
    };
    let result = lint(&options);
    done.store(true, Ordering::Relaxed);
    let _ = spinner.join();
    result
}

fn report_problems(run: &LintRun) {
    for problem in &run.problems {
        eprintln!("goroscope: warning: {}: {}", problem.path.display(), problem.message);
    }
}

fn write_file(path: &Path, render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    render(&mut out).and_then(|()| out.flush()).with_context(|| format!("writing {}", path.display()))
}

/// The fixes to apply, by file.
fn fixes_by_file(run: &LintRun, unsafe_fixes: bool) -> BTreeMap<&Path, Vec<&Fix>> {
    let mut by_file: BTreeMap<&Path, Vec<&Fix>> = BTreeMap::new();
    for finding in &run.findings {
        if let Some(fix) = finding.fix.as_ref().filter(|f| f.safe || unsafe_fixes) {
            by_file.entry(&finding.path).or_default().push(fix);
        }
    }
    by_file
}

/// The file's text and the text with the fixes applied.
fn fixed_text(path: &Path, fixes: &[&Fix]) -> Result<(String, String, usize)> {
    let before = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (after, applied) = fix::apply(&before, fixes);
    Ok((before, after, applied))
}

fn show_diffs(run: &LintRun, unsafe_fixes: bool) -> Result<Outcome> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut changed = 0;
    for (path, fixes) in fixes_by_file(run, unsafe_fixes) {
        let (before, after, applied) = fixed_text(path, &fixes)?;
        if applied > 0 {
            changed += applied;
            out.write_all(fix::unified_diff(&path.to_string_lossy(), &before, &after).as_bytes())?;
        }
    }
    out.flush().context("writing to standard output")?;
    let unfixable =
        run.findings.iter().filter(|f| f.fix.as_ref().is_none_or(|x| !x.safe && !unsafe_fixes)).count();
    eprintln!(
        "goroscope: {changed} fix{} shown; {unfixable} finding{} without one{}",
        if changed == 1 { "" } else { "es" },
        if unfixable == 1 { "" } else { "s" },
        if unsafe_fixes { "" } else { " (--unsafe-fixes shows the fixes that may change behaviour)" }
    );
    Ok(if changed > 0 { Outcome::GateFailed } else { Outcome::Ran })
}

/// Writes the fixed files (each through a temporary file renamed over it) and returns the fixes applied.
fn apply_fixes(run: &LintRun, unsafe_fixes: bool) -> Result<usize> {
    let mut total = 0;
    for (path, fixes) in fixes_by_file(run, unsafe_fixes) {
        let (_, after, applied) = fixed_text(path, &fixes)?;
        if applied == 0 {
            continue;
        }
        let temporary = path.with_extension("go.goroscope-fix");
        std::fs::write(&temporary, after)
            .and_then(|()| std::fs::rename(&temporary, path))
            .with_context(|| format!("cannot write the fixed {}", path.display()))?;
        total += applied;
    }
    Ok(total)
}

/// `[lint.per-file-ignores]`: codes not reported in the files a glob matches, globs relative to the
/// configuration file's directory.
struct PerFileIgnores {
    base: PathBuf,
    globs: GlobSet,
    codes: Vec<Vec<String>>,
}

impl PerFileIgnores {
    fn new(config: &Config) -> Result<PerFileIgnores> {
        let mut builder = GlobSetBuilder::new();
        let mut codes = Vec::new();
        for (glob, listed) in &config.lint.per_file_ignores {
            let compiled =
                Glob::new(glob).with_context(|| format!("[lint.per-file-ignores]: bad glob {glob:?}"))?;
            for code in listed {
                if goroscope_lint::rule(code).is_none()
                    && !goroscope_lint::RULES.iter().any(|r| r.code.starts_with(code.as_str()))
                {
                    bail!(
                        "[lint.per-file-ignores] {glob:?}: unknown rule {code:?} (`goroscope rule --all` lists them)"
                    );
                }
            }
            builder.add(compiled);
            codes.push(listed.clone());
        }
        let base = config.path.as_deref().and_then(Path::parent).map(Path::to_owned).unwrap_or_default();
        Ok(PerFileIgnores { base, globs: builder.build()?, codes })
    }

    fn apply(&self, findings: &mut Vec<Finding>) {
        if self.codes.is_empty() {
            return;
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        findings.retain(|f| {
            let absolute = cwd.join(&f.path);
            let relative = absolute.strip_prefix(&self.base).unwrap_or(&f.path);
            let ignored = self.globs.matches(relative).into_iter().chain(self.globs.matches(&f.path));
            !ignored
                .into_iter()
                .any(|i| self.codes[i].iter().any(|c| f.code.starts_with(c.as_str()) || f.rule == c.as_str()))
        });
    }
}
