//! `goroscope watch URL… | --targets FILE`: follow live services, alarm on steady growth, keep the history.

use std::fs::OpenOptions;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use goroscope_analyze::SourceLines;
use goroscope_collect::{HttpClient, parse_http_target, redact};
use goroscope_watch::{Event, Exporter, Live, Outputs, Store, TargetSpec, Until, watch, write_event};
use serde::Deserialize;

use crate::Outcome;
use crate::args::{DbArgs, StoreArgs, TargetArgs, WatchArgs};
use crate::source::SourceFinder;

/// A targets file: `[[target]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    target: Vec<TargetSpec>,
}

pub(crate) fn run(args: &WatchArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let targets = targets(&args.targets)?;
    if targets.is_empty() {
        bail!("nothing to watch: give URLs (`goroscope watch http://127.0.0.1:6060`) or --targets FILE");
    }
    let mut store = if args.no_db { None } else { Some(open_store(&args.store)?) };
    let options = args.poll.options(&args.analysis);
    let json_to_stdout = args.events.as_deref() == Some(Path::new("-"));
    let mut events_file = match &args.events {
        Some(path) if !json_to_stdout => Some(open_events(path)?),
        _ => None,
    };
    if !quiet && !json_to_stdout {
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        let db =
            store.as_ref().map_or("no history".to_owned(), |s| format!("history in {}", s.path().display()));
        eprintln!("goroscope: watching {} ({db})", names.join(", "));
    }
    let client = HttpClient::new(args.collect.http_options()?);
    let until = args.until.unwrap_or(Until::Forever);
    let tui = !args.no_tui && !json_to_stdout && io::stdout().is_terminal() && io::stdin().is_terminal();
    // The terminal UI draws on standard output from its own thread: this one must not hold the lock.
    let mut stdout = (!tui).then(|| io::stdout().lock());
    let mut write_failed = None;
    let mut sink = |event: &Event| {
        let result = (|| -> io::Result<()> {
            if let Some(file) = events_file.as_mut() {
                serde_json::to_writer(&mut *file, event)?;
                file.write_all(b"\n")?;
                file.flush()?;
            }
            let Some(stdout) = stdout.as_mut() else { return Ok(()) };
            if json_to_stdout {
                serde_json::to_writer(&mut *stdout, event)?;
                stdout.write_all(b"\n")?;
            } else if !(quiet && event.kind.is_sample()) {
                write_event(stdout, event, color)?;
            }
            stdout.flush()
        })();
        if let Err(e) = result
            && write_failed.is_none()
        {
            write_failed = Some(e);
        }
    };
    let live = Live::new();
    let exporter = match &args.listen {
        Some(addr) => {
            let exporter = Exporter::start(addr, live.clone(), args.metrics_groups as usize)?;
            if !quiet && !json_to_stdout {
                eprintln!("goroscope: metrics at http://{}/metrics", exporter.addr());
            }
            Some(exporter)
        }
        None => None,
    };
    let finder = (args.analysis.context > 0).then(|| SourceFinder::new(args.analysis.src.clone()));
    let screen = tui.then(|| {
        let live = live.clone();
        std::thread::spawn(move || {
            let result = goroscope_watch::tui::run(&live);
            // Quitting, or a terminal that cannot be drawn on, ends the watch.
            live.stop();
            result
        })
    });
    let outputs = Outputs {
        store: store.as_mut(),
        live,
        source: finder.as_ref().map(|f| f as &dyn SourceLines),
        sink: &mut sink,
    };
    let summary = watch(targets, &options, client, until, outputs);
    drop(exporter);
    if let Some(screen) = screen {
        match screen.join() {
            Ok(result) => result.context("drawing the terminal UI (use --no-tui for log lines)")?,
            Err(_) => bail!("the terminal UI failed (use --no-tui for log lines)"),
        }
        if !quiet {
            eprintln!("goroscope: {} samples, {} alarms", summary.samples, summary.alarms);
        }
    }
    if let Some(e) = write_failed
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing events");
    }
    Ok(if summary.alarms > 0 && until != Until::Forever { Outcome::GateFailed } else { Outcome::Ran })
}

/// The targets of the command line and the targets file, checked (none is not an error here).
pub(crate) fn targets(args: &TargetArgs) -> Result<Vec<TargetSpec>> {
    // URLs of one host and port are one service's sources: `http://h:6060 http://h:6060/metrics`.
    let mut targets: Vec<TargetSpec> = Vec::new();
    for url in &args.urls {
        let spec = TargetSpec::from_url(url);
        let merged = targets.iter_mut().find(|t| t.name == spec.name).is_some_and(|same| same.merge(&spec));
        if !merged {
            targets.push(spec);
        }
    }
    if let Some(path) = &args.targets {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the targets file {}", path.display()))?;
        let file: TargetsFile = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        targets.extend(file.target);
    }
    let mut names = std::collections::HashSet::new();
    for target in &targets {
        target.validate().map_err(anyhow::Error::msg)?;
        for url in [&target.pprof, &target.metrics, &target.expvar].into_iter().flatten() {
            if !url.starts_with("http://") && !url.starts_with("https://") {
                bail!("target {:?}: {} is not an http:// or https:// URL", target.name, redact(url));
            }
        }
        if let Some(pprof) = &target.pprof {
            parse_http_target(pprof).with_context(|| format!("target {:?}", target.name))?;
        }
        if !names.insert(target.name.as_str()) {
            bail!("two targets are named {:?}: give each a name of its own in the targets file", target.name);
        }
    }
    Ok(targets)
}

/// Opens the history, creating its directory, capped at `--max-db-size`.
pub(crate) fn open_store(args: &StoreArgs) -> Result<Store> {
    let path = db_path(&args.db)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = Store::open(&path)?;
    if let Some(bytes) = args.max_db_size {
        store.limit_size(bytes)?;
    }
    Ok(store)
}

/// Opens `--events FILE` for appending.
fn open_events(path: &Path) -> Result<std::fs::File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the events file {}", path.display()))
}

/// `--db`, or goroscope/history.db in the user's data directory.
pub(crate) fn db_path(db: &DbArgs) -> Result<PathBuf> {
    if let Some(path) = &db.db {
        return Ok(path.clone());
    }
    let Some(dir) = dirs::data_dir() else {
        bail!("no data directory is known for this user (HOME unset?): give the database with --db FILE");
    };
    Ok(dir.join("goroscope").join("history.db"))
}
