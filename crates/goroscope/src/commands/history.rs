//! `goroscope history`: what `watch` recorded.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use goroscope_analyze::{Options, analyze};
use goroscope_dump::{ParseOptions, parse_input};
use goroscope_report::{Html, InputReport, Report};
use goroscope_watch::{Store, StoredPoint, history_memory, history_report, rfc3339};

use crate::Outcome;
use crate::args::{ExportFormat, HistoryArgs, HistoryCommand};
use crate::commands::watch::db_path;
use crate::commands::write_file;
use crate::source::SourceFinder;

pub(crate) fn run(args: &HistoryArgs) -> Result<Outcome> {
    let path = db_path(&args.db)?;
    let mut out = BufWriter::new(io::stdout().lock());
    match &args.command {
        HistoryCommand::Targets { json } => list_targets(&mut out, &Store::open_read_only(&path)?, *json)?,
        HistoryCommand::Show { target, fingerprint: None, json, html, src } => {
            let store = Store::open_read_only(&path)?;
            let Some(groups) = store.groups(target)? else { return unknown(&store, target) };
            if let Some(html) = html {
                write_html(&store, target, src, html)?;
            }
            if *json {
                serde_json::to_writer_pretty(&mut out, &groups)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{:<16}  {:>8}  {:<8}  {:<20}  GROUP",
                    "FINGERPRINT", "COUNT", "LEVEL", "PATTERN"
                )?;
                for g in &groups {
                    let pattern = g.pattern.as_deref().unwrap_or("-");
                    writeln!(
                        out,
                        "{:<16}  {:>8}  {:<8}  {:<20}  {}",
                        g.fingerprint, g.last_count, g.level, pattern, g.title
                    )?;
                }
            }
        }
        HistoryCommand::Show { target, fingerprint: Some(fingerprint), json, .. } => {
            let store = Store::open_read_only(&path)?;
            let Some((group, points)) = store.group_series(target, fingerprint)? else {
                return no_group(&store, target, fingerprint);
            };
            if *json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &serde_json::json!({ "group": group, "points": points }),
                )?;
                writeln!(out)?;
            } else {
                writeln!(out, "{} ({}, {})", group.title, group.level, group.fingerprint)?;
                write_points(&mut out, &points)?;
            }
        }
        HistoryCommand::Export { target, group, format } => {
            let store = Store::open_read_only(&path)?;
            let points = match group {
                None => match store.totals(target)? {
                    Some(points) => points,
                    None => return unknown(&store, target),
                },
                Some(fingerprint) => match store.group_series(target, fingerprint)? {
                    Some((_, points)) => points,
                    None => return no_group(&store, target, fingerprint),
                },
            };
            match format {
                ExportFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &points)?;
                    writeln!(out)?;
                }
                ExportFormat::Csv => {
                    writeln!(out, "time,at_ms,epoch,source,count")?;
                    for p in &points {
                        let epoch = p.epoch.map(|e| e.to_string()).unwrap_or_default();
                        writeln!(out, "{},{},{epoch},{},{}", rfc3339(p.at_ms), p.at_ms, p.source, p.count)?;
                    }
                }
            }
        }
        HistoryCommand::Prune { older_than } => {
            let mut store = Store::open(&path)?;
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
            let before = now.saturating_sub(*older_than).as_millis() as i64;
            let deleted = store.prune(before)?;
            writeln!(out, "deleted {deleted} samples from before {}", rfc3339(before))?;
        }
    }
    out.flush()?;
    Ok(Outcome::Ran)
}

/// The HTML page of a target: its total and largest groups over time, then the latest stored profile analysed,
/// and the memory its latest recorded heap profiles show.
fn write_html(store: &Store, target: &str, src: &[PathBuf], path: &Path) -> Result<()> {
    let mut inputs = Vec::new();
    let finder = SourceFinder::new(src.to_vec());
    if let Some((at_ms, bytes)) = store.latest_snapshot(target)? {
        let name = format!("{target} at {}", rfc3339(at_ms));
        let snapshots = parse_input(&name, io::Cursor::new(bytes), None, &ParseOptions::default())
            .with_context(|| format!("reading the latest profile of {target} from the history"))?;
        for snapshot in snapshots {
            let analysis = analyze(&snapshot, &Options::default(), Some(&finder));
            inputs.push(InputReport::new(&snapshot, analysis));
        }
    }
    let mut report = Report::new(inputs);
    report.history = history_report(store, target)?;
    if let Some(found) = history_memory(store, target, &Options::default(), Some(&finder))? {
        if found.left_out > 0 || found.unreadable > 0 {
            eprintln!(
                "goroscope: note: the memory section judges {} of the latest {} heap profiles recorded: {} of \
                 earlier runs of the process, {} unreadable",
                found.read - found.left_out - found.unreadable,
                found.read,
                found.left_out,
                found.unreadable
            );
        }
        report = report.with_memory(found.memory);
    }
    write_file(path, &Html, &report)
}

fn list_targets(out: &mut dyn Write, store: &Store, json: bool) -> Result<()> {
    let targets = store.targets()?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &targets)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<24} {:>8} {:>7} {:>8} {:>10}  {:<24}  {:<24}  URL",
            "TARGET", "SAMPLES", "ERRORS", "RESTARTS", "LAST TOTAL", "FIRST", "LAST"
        )?;
        for t in &targets {
            let time = |ms: Option<i64>| ms.map_or("-".to_owned(), rfc3339);
            let last = t.last_total.map_or("-".to_owned(), |n| n.to_string());
            writeln!(
                out,
                "{:<24} {:>8} {:>7} {:>8} {:>10}  {:<24}  {:<24}  {}",
                t.name,
                t.samples,
                t.errors,
                t.epochs.saturating_sub(1),
                last,
                time(t.first_ms),
                time(t.last_ms),
                t.url
            )?;
        }
    }
    Ok(())
}

fn write_points(out: &mut dyn Write, points: &[StoredPoint]) -> io::Result<()> {
    let mut epoch = None;
    for p in points {
        if epoch.is_some() && epoch != p.epoch {
            writeln!(out, "  -- restarted --")?;
        }
        epoch = p.epoch;
        writeln!(out, "  {}  {:>8}", rfc3339(p.at_ms), p.count)?;
    }
    Ok(())
}

fn unknown(store: &Store, target: &str) -> Result<Outcome> {
    let names: Vec<String> = store.targets()?.into_iter().map(|t| t.name).collect();
    if names.is_empty() {
        bail!("no target {target:?}: {} holds no targets yet", store.path().display());
    }
    bail!("no target {target:?} in {}; it has: {}", store.path().display(), names.join(", "))
}

fn no_group(store: &Store, target: &str, fingerprint: &str) -> Result<Outcome> {
    if store.groups(target)?.is_none() {
        return unknown(store, target);
    }
    bail!(
        "no single group of {target:?} has a fingerprint starting {fingerprint:?} (none, or several): \
         `goroscope history show {target}` lists them"
    )
}
