//! `analyze --src`: run the lint rules on the packages where suspect groups are parked or were started, and tie
//! each finding to the group it explains: the blocking operation on the leak-site line, the `go` statement that
//! created the group, or the same function.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use std::cell::RefCell;

use goroscope_analyze::{Cause, FrameOut, Level, Site};
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

/// The retention rules and the memory cause each one shows.
const RETENTION_RULES: [(&str, Cause); 5] = [
    ("GL601", Cause::SubsliceRetention),
    ("GL602", Cause::SubsliceRetention),
    ("GL604", Cause::UnboundedCache),
    ("GL605", Cause::ClientPerCall),
    ("GL402", Cause::TimerNotStopped),
];

/// `analyze --src` with heap profiles: runs the retention rules on the packages of a growing heap site's stack,
/// and names the site's cause from a finding in one of the stack's functions (the allocating one, or a caller
/// that stores what it returned in a map). Each directory is linted once.
pub(crate) struct RetentionLinter<'a> {
    finder: &'a SourceFinder,
    by_dir: RefCell<HashMap<PathBuf, Vec<goroscope_lint::Finding>>>,
}

impl<'a> RetentionLinter<'a> {
    pub(crate) fn new(finder: &'a SourceFinder) -> RetentionLinter<'a> {
        RetentionLinter { finder, by_dir: RefCell::default() }
    }

    /// The cause a finding in the stack's own functions shows, innermost first, with the finding as evidence.
    pub(crate) fn classify(&self, frames: &[FrameOut]) -> Option<(Cause, String)> {
        for frame in frames.iter().filter(|f| f.own && f.line > 0) {
            let Some(file) = self.finder.locate(&frame.file) else { continue };
            let file = file.canonicalize().unwrap_or(file);
            let Some(dir) = file.parent().map(Path::to_owned) else { continue };
            let mut by_dir = self.by_dir.borrow_mut();
            let findings = by_dir.entry(dir.clone()).or_insert_with(|| retention_findings(&dir));
            // The frame's function, by gofmt's layout: from its `func` line to the next `}` at the margin. A
            // finding counts when any of its places (a map's insert, where a piece is stored) is inside it.
            let Some((start, end)) = self.function_around(&frame.file, frame.line) else { continue };
            let in_frame = findings.iter().find(|f| {
                f.path.canonicalize().is_ok_and(|p| p == file)
                    && std::iter::once(f.span.start.line)
                        .chain(f.related.iter().map(|r| r.span.start.line))
                        .any(|l| (start..=end).contains(&l))
            });
            if let Some(finding) = in_frame {
                let cause =
                    RETENTION_RULES.iter().find(|(code, _)| *code == finding.code).map(|(_, c)| *c)?;
                let evidence = format!(
                    "{} {} in {} ({}:{}): {}",
                    finding.code,
                    finding.rule,
                    frame.function,
                    frame.file.rsplit('/').next().unwrap_or(&frame.file),
                    finding.span.start.line,
                    finding.message
                );
                return Some((cause, evidence));
            }
        }
        None
    }
}

impl RetentionLinter<'_> {
    /// The lines of the function around `line` of a file as printed, by gofmt's layout.
    fn function_around(&self, printed: &str, line: u32) -> Option<(u32, u32)> {
        use goroscope_analyze::SourceLines as _;
        let start = (1..=line)
            .rev()
            .take(10_000)
            .find(|&n| self.finder.line(printed, n).is_some_and(|text| text.starts_with("func ")))?;
        let end = (line..line.saturating_add(10_000))
            .find(|&n| self.finder.line(printed, n).is_none_or(|text| text.starts_with('}')))?;
        Some((start, end))
    }
}

/// The retention rules' findings in one directory's package (none when it cannot be linted).
fn retention_findings(dir: &Path) -> Vec<goroscope_lint::Finding> {
    let rules: Vec<_> = goroscope_lint::RULES
        .iter()
        .filter(|r| RETENTION_RULES.iter().any(|(code, _)| *code == r.code))
        .copied()
        .collect();
    let options = goroscope_lint::Options { rules, ..goroscope_lint::Options::default() };
    goroscope_lint::lint(&[dir.to_owned()], &options).map(|run| run.findings).unwrap_or_default()
}
