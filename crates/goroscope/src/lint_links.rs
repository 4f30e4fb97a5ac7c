//! `analyze --src`: run the lint rules on the packages where suspect groups are parked or were started, and tie
//! each finding to the group it explains: the blocking operation on the leak-site line, the `go` statement that
//! created the group, or the same function.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use goroscope_analyze::{Level, Site};
use goroscope_report::{LinkKind, LintLink, Report};

use crate::source::SourceFinder;

/// Findings shown per group.
const LINKS_PER_GROUP: usize = 3;

/// A suspect group's places in local files.
struct Placed {
    group: String,
    leak_site: Option<(PathBuf, u32)>,
    creator: Option<(PathBuf, u32)>,
}

pub(crate) fn link(report: &mut Report, finder: &SourceFinder) {
    let mut canonical: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut place = |site: Option<&Site>| -> Option<(PathBuf, u32)> {
        let site = site.filter(|s| s.line > 0)?;
        let local = finder.locate(&site.file)?;
        let resolved =
            canonical.entry(local.clone()).or_insert_with(|| local.canonicalize().unwrap_or(local));
        Some((resolved.clone(), site.line))
    };
    let placed: Vec<Placed> = report
        .groups()
        .filter(|g| g.level != Level::Healthy)
        .map(|g| Placed {
            group: g.fingerprint.clone(),
            leak_site: place(g.leak_site.as_ref()),
            creator: place(g.created_by.as_ref()),
        })
        .collect();
    let dirs: BTreeSet<PathBuf> = placed
        .iter()
        .flat_map(|p| [&p.leak_site, &p.creator])
        .flatten()
        .filter_map(|(file, _)| file.parent().map(Path::to_owned))
        .collect();
    if dirs.is_empty() {
        return;
    }
    let dirs: Vec<PathBuf> = dirs.into_iter().collect();
    // Preview rules too: the dump has already shown the leak, so a finding here explains rather than alarms.
    let options = goroscope_lint::Options {
        rules: goroscope_lint::RULES.to_vec(),
        ..goroscope_lint::Options::default()
    };
    let Ok(run) = goroscope_lint::lint(&dirs, &options) else { return };
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).unwrap_or_default();
    let mut links = Vec::new();
    for p in &placed {
        let mut found: Vec<LintLink> = run
            .findings
            .iter()
            .filter_map(|f| {
                let file = f.path.canonicalize().unwrap_or_else(|_| f.path.clone());
                let lines =
                    || std::iter::once(f.span.start.line).chain(f.related.iter().map(|r| r.span.start.line));
                let at = |place: &Option<(PathBuf, u32)>| {
                    place.as_ref().is_some_and(|(path, line)| *path == file && lines().any(|l| l == *line))
                };
                let link = if at(&p.leak_site) {
                    LinkKind::LeakSite
                } else if at(&p.creator) {
                    LinkKind::GoStatement
                } else if p.leak_site.as_ref().is_some_and(|(path, line)| {
                    *path == file
                        && f.function
                            .as_ref()
                            .is_some_and(|func| (func.start_line..=func.end_line).contains(line))
                }) {
                    LinkKind::SameFunction
                } else {
                    return None;
                };
                let mut finding = f.clone();
                if let Ok(relative) = finding.path.strip_prefix(&cwd) {
                    finding.path = relative.to_owned();
                }
                Some(LintLink { group: p.group.clone(), link, finding })
            })
            .collect();
        found.sort_by_key(|l| l.link);
        found.truncate(LINKS_PER_GROUP);
        links.extend(found);
    }
    report.lint_links = links;
}
