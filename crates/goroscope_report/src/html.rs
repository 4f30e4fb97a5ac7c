//! `--html FILE`: one self-contained page (styles, script and data inline; nothing fetched) with the summary and
//! each group: its explanation, fix, source, evidence, lint findings and stack, searchable and filterable, each
//! at a stable anchor (`#g-FINGERPRINT`). Every piece of dump text is escaped, and a Content-Security-Policy
//! allows only the page's own style and script, by their hashes, so text from a hostile dump cannot run.

use std::fmt::Write as _;
use std::io::{self, Write};

use std::collections::HashSet;

use base64::Engine as _;
use goroscope_analyze::{
    Change, Excerpt, GateResult, Group, Level, Memory, Outcome, RateUnit, Series, Summary, human_bytes,
};
use sha2::{Digest, Sha256};

use crate::chart::{Chart, sparkline};
use crate::flame::flame;
use crate::text::{duration, location, plural, rate, shown_state, signed, thousands, utc};
use crate::{DiffReport, HistoryReport, InputReport, Render, Report, TestRun};

/// The self-contained HTML page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Groups listed in full in one view, most severe and largest first; a dump with more is usually one stack
/// made distinct by its arguments, and the page would grow by about 4 KB for each.
const MAX_GROUPS: usize = 2000;

/// Frames of a stack shown before the rest are folded away.
const STACK_FRAMES: usize = 12;

impl Render for Html {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut page = Page { html: String::with_capacity(64 << 10), anchors: HashSet::new() };
        let title = match &report.history {
            Some(h) => h.target.clone(),
            None => report.inputs.iter().map(|i| i.source.as_str()).collect::<Vec<_>>().join(", "),
        };
        let _ = write!(
            page.html,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{}'; \
             script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>goroscope: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            csp_hash(STYLE),
            csp_hash(SCRIPT),
            escape(&title)
        );
        let _ = write!(
            page.html,
            "<header><h1>goroscope report</h1><p class=\"tool\">goroscope {}</p></header>\n\
             <nav class=\"filters\" aria-label=\"Filter groups\">\
             <input id=\"search\" type=\"search\" placeholder=\"Search functions, files, states, labels\" \
             aria-label=\"Search\">\
             <select id=\"level\" aria-label=\"Level\"><option value=\"\">every level</option>\
             <option value=\"suspect\" selected>suspects</option><option value=\"certain\">certain</option>\
             <option value=\"likely\">likely</option><option value=\"possible\">possible</option>\
             <option value=\"healthy\">healthy</option></select>\
             <span id=\"frame\" hidden>under <code id=\"frame-name\"></code> \
             <button id=\"frame-clear\" type=\"button\">show all</button></span>\
             <span id=\"shown\" aria-live=\"polite\"></span></nav>\n<main>\n",
            escape(report.tool.version)
        );
        if let Some(gate) = &report.gate {
            write_gate(&mut page.html, report, gate);
        }
        if let Some(run) = &report.test_run {
            write_test_run(&mut page.html, run);
        }
        if let Some(history) = &report.history {
            write_history(&mut page.html, history);
        }
        // The memory verdict answers the question heap profiles are given for: it comes first.
        if let Some(memory) = &report.memory {
            write_memory(&mut page.html, memory);
        }
        if let Some(diff) = &report.diff {
            page.diff(report, diff);
        } else if let Some(series) = &report.series {
            page.series(report, series);
        } else {
            for input in &report.inputs {
                page.input(report, input);
            }
        }
        let _ = write!(page.html, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
        out.write_all(page.html.as_bytes())
    }
}

/// The page being written, and the group anchors it has used (a group in two inputs gets a second anchor).
struct Page {
    html: String,
    anchors: HashSet<String>,
}

/// What a group's article says besides the group itself: how it changed or grew.
struct Heading {
    /// A line above the group's details.
    change: Option<(&'static str, String)>,
    /// A small chart of its counts.
    sparkline: Option<String>,
}

impl Page {
    fn input(&mut self, report: &Report, input: &InputReport) {
        let s = &input.analysis.summary;
        let _ = write!(
            self.html,
            "<section class=\"view\">\n<h2>{}</h2>\n<p class=\"summary\">{} in {} · {}</p>\n",
            escape(&input.source),
            plural(s.goroutines, "goroutine", "goroutines"),
            plural(s.groups, "group", "groups"),
            verdict(&input.analysis.summary),
        );
        write_notes(&mut self.html, input);
        let groups: Vec<(&Group, u64)> = input.analysis.groups.iter().map(|g| (g, g.count)).collect();
        self.groups(report, &groups, |_| Heading { change: None, sparkline: None });
        self.html.push_str("</section>\n");
    }

    /// `goroscope diff`: the totals and counts of changes, then every group with how it changed.
    fn diff(&mut self, report: &Report, d: &DiffReport) {
        let c = d.diff.counts;
        let _ = write!(
            self.html,
            "<section class=\"view\">\n<h2>{} → {}</h2>\n<p class=\"summary\">{} → {} ({}) · groups: \
             {} new, {} grown, {} shrunk, {} gone, {} unchanged</p>\n",
            escape(&d.before_source),
            escape(&d.after_source),
            plural(d.diff.before, "goroutine", "goroutines"),
            thousands(d.diff.after),
            signed(i128::from(d.diff.after) - i128::from(d.diff.before)),
            c.new,
            c.grown,
            c.shrunk,
            c.gone,
            c.same
        );
        for warning in &d.warnings {
            let _ = writeln!(self.html, "<p class=\"warning\">{}</p>", escape(warning));
        }
        for input in &report.inputs {
            write_notes(&mut self.html, input);
        }
        let groups: Vec<(&Group, u64)> = d.diff.changes.iter().map(|c| (&c.group, c.after)).collect();
        self.groups(report, &groups, |i| {
            let c = &d.diff.changes[i];
            let word = match c.change {
                Change::New => "new",
                Change::Grown => "grown",
                Change::Shrunk => "shrunk",
                Change::Gone => "gone",
                Change::Same => "unchanged",
            };
            Heading {
                change: Some((
                    word,
                    format!(
                        "{word} {} ({} → {})",
                        signed(i128::from(c.delta)),
                        thousands(c.before),
                        thousands(c.after)
                    ),
                )),
                sparkline: None,
            }
        });
        self.html.push_str("</section>\n");
    }

    /// `goroscope series`: the chart of the total and the growing groups, then every group with its growth.
    fn series(&mut self, report: &Report, s: &Series) {
        let span =
            s.points.last().and_then(|p| p.seconds).map(|secs| format!(" over {}", duration(secs / 60.0)));
        let _ = write!(
            self.html,
            "<section class=\"view\">\n<h2>Series of {} snapshots{}</h2>\n<p class=\"summary\">{} → {} \
             goroutines · leak rate {} (Theil–Sen fit){}</p>\n",
            s.points.len(),
            span.unwrap_or_default(),
            thousands(s.points.first().map_or(0, |p| p.total)),
            thousands(s.points.last().map_or(0, |p| p.total)),
            rate(s.rate, s.unit),
            match (s.limit, s.until_limit) {
                (Some(limit), Some(until)) => format!(
                    " · {} goroutines in {}",
                    thousands(limit),
                    match s.unit {
                        RateUnit::PerMinute => duration(until),
                        RateUnit::PerSnapshot => format!("{until:.0} more snapshots"),
                    }
                ),
                (Some(limit), None) => format!(" · not growing towards {}", thousands(limit)),
                _ => String::new(),
            }
        );
        let _ = writeln!(self.html, "<figure class=\"chart\">{}</figure>", Chart::of_series(s).svg());
        for input in &report.inputs {
            write_notes(&mut self.html, input);
        }
        let groups: Vec<(&Group, u64)> =
            s.groups.iter().map(|g| (&g.group, g.counts.last().copied().unwrap_or(0))).collect();
        self.groups(report, &groups, |i| {
            let g = &s.groups[i];
            let share = g.share.map(|s| format!(" · {:.0}% of the growth", s * 100.0)).unwrap_or_default();
            Heading {
                change: Some((
                    if g.growth > 0 { "grown" } else { "unchanged" },
                    format!("{}{share} · {}", signed(i128::from(g.growth)), rate(g.rate, s.unit)),
                )),
                sparkline: Some(sparkline(&g.counts)),
            }
        });
        self.html.push_str("</section>\n");
    }

    /// The flame graph of `groups` (each weighted by its count in the view), then each group's article.
    fn groups(&mut self, report: &Report, groups: &[(&Group, u64)], heading: impl Fn(usize) -> Heading) {
        let flame = flame(groups);
        if let Some(f) = &flame {
            let _ = writeln!(
                self.html,
                "<details class=\"flame\" open><summary>Flame graph: each box a function, as wide as the \
                 goroutines under it; warm boxes hold only leak suspects. Click one to list its groups.\
                 </summary>{}</details>",
                f.svg
            );
        }
        for (i, (g, _)) in groups.iter().enumerate().take(MAX_GROUPS) {
            let position = flame.as_ref().map(|f| f.positions[i]);
            self.group(report, g, position, &heading(i));
        }
        if let Some(rest) = groups.get(MAX_GROUPS..).filter(|rest| !rest.is_empty()) {
            let goroutines: u64 = rest.iter().map(|(_, count)| count).sum();
            let _ = writeln!(
                self.html,
                "<p class=\"note\">{} more groups ({}) are in the flame graph but not listed here, to keep the page \
                 small; the JSON report (<code>--format json</code>) has every group.</p>",
                thousands(rest.len() as u64),
                plural(goroutines, "goroutine", "goroutines")
            );
        }
    }
}
/// `'sha256-…'` of an inline style or script, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// Text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `2 certain (1,200 goroutines), 1 likely (3 goroutines)`, or that there are no suspects.
fn verdict(s: &Summary) -> String {
    let mut verdict = Vec::new();
    for level in [Level::Certain, Level::Likely, Level::Possible] {
        let c = s.at(level);
        if c.groups > 0 {
            verdict.push(format!(
                "<span class=\"badge {0}\">{1} {0}</span> ({2})",
                level.as_str(),
                c.groups,
                plural(c.goroutines, "goroutine", "goroutines")
            ));
        }
    }
    if verdict.is_empty() { "no leak suspects".to_owned() } else { verdict.join(", ") }
}

/// Whether the input was cut short, and the analysis' notes.
fn write_notes(page: &mut String, input: &InputReport) {
    if let Some(t) = &input.truncated {
        let _ = writeln!(
            page,
            "<p class=\"warning\">{} is truncated: {}</p>",
            escape(&input.source),
            escape(&t.reason)
        );
    }
    for note in &input.analysis.notes {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(note));
    }
}

/// `goroscope check`: passed or failed, and why.
fn write_gate(page: &mut String, report: &Report, gate: &GateResult) {
    let failed = gate.groups.iter().filter(|g| g.outcome == Outcome::Fail).count() as u64;
    let (class, word) = if gate.passed { ("passed", "passed") } else { ("failed", "failed") };
    let _ = write!(
        page,
        "<section class=\"gate {class}\"><h2>check {word}</h2><p>{} at {} or above</p>",
        plural(failed, "group", "groups"),
        gate.fail_on.as_str()
    );
    if !gate.limits.is_empty() {
        page.push_str("<ul>");
        for limit in &gate.limits {
            let _ = write!(
                page,
                "<li>{}: {}</li>",
                escape(&report.inputs[limit.input].source),
                escape(&limit.message)
            );
        }
        page.push_str("</ul>");
    }
    page.push_str("</section>\n");
}

/// `goroscope test`: the command, how it ended, and the suspects per test.
fn write_test_run(page: &mut String, run: &TestRun) {
    let ended = match run.exit_code {
        Some(0) => "passed".to_owned(),
        Some(code) => format!("failed (exit {code})"),
        None => "killed by a signal".to_owned(),
    };
    let _ = write!(
        page,
        "<section class=\"test-run\"><h2>Tests</h2><p><code>{}</code> {ended}; {} in its output</p>",
        escape(&run.command.join(" ")),
        plural(run.dumps, "goroutine dump", "goroutine dumps")
    );
    if !run.leaks_by_test.is_empty() {
        page.push_str(
            "<table><thead><tr><th>Test</th><th>Suspects</th><th>Goroutines</th></tr></thead><tbody>",
        );
        for (test, groups, goroutines) in &run.leaks_by_test {
            let name = if test.is_empty() { "(no test known)" } else { test.as_str() };
            let _ = write!(
                page,
                "<tr><td><code>{}</code></td><td>{groups}</td><td>{}</td></tr>",
                escape(name),
                thousands(*goroutines)
            );
        }
        page.push_str("</tbody></table>");
    }
    page.push_str("</section>\n");
}

/// Heap profiles: where the memory is, the chart of its growth, the verdict with each part and its fix, and the
/// heap sites that grow with their source.
fn write_memory(page: &mut String, m: &Memory) {
    let _ = write!(
        page,
        "<section class=\"memory\" id=\"memory\"><h2>Memory</h2><p class=\"summary\">{}</p>",
        plural(m.points.len() as u64, "heap profile", "heap profiles")
    );
    if let Some(c) = &m.composition {
        let rss = c.max_rss.map_or_else(String::new, |r| format!("; peak RSS {}", human_bytes(r)));
        let _ = write!(
            page,
            "<p>Now: the Go runtime holds {} = heap {} + goroutine stacks {} + overhead {}{rss}.</p>",
            human_bytes(c.go_runtime),
            human_bytes(c.heap),
            human_bytes(c.stacks),
            human_bytes(c.overhead)
        );
    }
    if m.points.len() > 1 {
        let _ = write!(page, "<figure class=\"chart\">{}</figure>", Chart::of_memory(m).svg());
    }
    if let Some(g) = &m.growth {
        let class = if g.significant { "verdict grows" } else { "verdict steady" };
        let _ = write!(page, "<p class=\"{class}\"><strong>{}</strong></p>", escape(&g.verdict));
        if g.significant && !g.parts.is_empty() {
            page.push_str(
                "<table><thead><tr><th>Share</th><th>Growth</th><th>Cause</th><th>What</th><th>Fix</th></tr>\
                 </thead><tbody>",
            );
            for part in &g.parts {
                // A goroutine part links to its group's article.
                let what = match &part.group {
                    Some(fp) => format!("<a href=\"#g-{}\">{}</a>", escape(fp), escape(&part.title)),
                    None => escape(&part.title),
                };
                let _ = write!(
                    page,
                    "<tr><td>{:.0}%</td><td>{}</td><td><code>{}</code></td><td>{what}</td><td>{}</td></tr>",
                    part.share * 100.0,
                    escape(&signed_bytes(part.bytes)),
                    part.cause.as_str(),
                    markdown(&part.fix)
                );
            }
            page.push_str("</tbody></table>");
        }
    }
    let growing = m.growth.is_some();
    for site in m.sites.iter().filter(|s| s.growing || !growing).take(8) {
        let title = site
            .site
            .as_ref()
            .map_or_else(|| "?".to_owned(), |s| format!("{} {}:{}", s.function, s.file, s.line));
        let _ = write!(page, "<article class=\"site\"><h3><code>{}</code></h3><dl>", escape(&title));
        row(page, "In use", &escape(&human_bytes(site.inuse_bytes)));
        if m.points.len() > 1 {
            let steps: Vec<String> = site.series.iter().map(|&b| human_bytes(b)).collect();
            row(page, "Growth", &escape(&format!("{} ({})", signed_bytes(site.growth), steps.join(" → "))));
        }
        if site.growing {
            row(page, "Cause", &format!("<code>{}</code>", site.cause.as_str()));
        }
        if !site.evidence.is_empty() {
            let mut items = String::new();
            for e in &site.evidence {
                let _ = write!(items, "<li>{}</li>", escape(e));
            }
            row(page, "Evidence", &format!("<ul>{items}</ul>"));
        }
        let mut frames = String::new();
        for f in site.frames.iter().take(12) {
            let _ = write!(
                frames,
                "<li><code>{}</code> {}:{}</li>",
                escape(&f.function),
                escape(&f.file),
                f.line
            );
        }
        row(page, "Stack", &format!("<ol>{frames}</ol>"));
        page.push_str("</dl>");
        if let Some(excerpt) = &site.source {
            write_excerpt(page, "Allocated at", excerpt);
        }
        page.push_str("</article>\n");
    }
    for note in &m.notes {
        let _ = write!(page, "<p class=\"note\">{}</p>", escape(note));
    }
    page.push_str("</section>\n");
}

/// `+48 MiB`, `-3.0 MiB`.
pub(crate) fn signed_bytes(bytes: i64) -> String {
    let sign = if bytes < 0 { "-" } else { "+" };
    format!("{sign}{}", human_bytes(bytes.unsigned_abs()))
}

/// `goroscope history show --html`: the target's total and its largest groups over time.
fn write_history(page: &mut String, h: &HistoryReport) {
    let (first, last) = (h.totals.first(), h.totals.last());
    let _ = writeln!(
        page,
        "<section class=\"history\"><h2>{}</h2><p class=\"summary\"><code>{}</code> · {} from {} to {}</p>\
         <figure class=\"chart\">{}</figure></section>",
        escape(&h.target),
        escape(&h.url),
        plural(h.totals.len() as u64, "sample", "samples"),
        first.map_or_else(|| "-".to_owned(), |p| utc(p.at_ms)),
        last.map_or_else(|| "-".to_owned(), |p| utc(p.at_ms)),
        Chart::of_history(h).svg()
    );
}

impl Page {
    fn group(&mut self, report: &Report, g: &Group, position: Option<usize>, heading: &Heading) {
        // The first showing of a group has its plain anchor; later ones (the same group in another input)
        // the first free `g-FP-N`.
        let mut anchor = format!("g-{}", g.fingerprint);
        let mut n = 1;
        while !self.anchors.insert(anchor.clone()) {
            n += 1;
            anchor = format!("g-{}-{n}", g.fingerprint);
        }
        write_group(&mut self.html, report, g, &anchor, position, heading);
    }
}

fn write_group(
    page: &mut String,
    report: &Report,
    g: &Group,
    anchor: &str,
    position: Option<usize>,
    heading: &Heading,
) {
    let level = g.level.as_str();
    let state = shown_state(g);
    let mut search = String::new();
    for f in &g.frames {
        let _ = write!(search, "{} {} ", f.function, f.file);
    }
    for (labels, _) in &g.labels {
        let _ = write!(search, "{labels} ");
    }
    let _ = write!(search, "{state} {level}");
    let _ = write!(
        page,
        "<article class=\"group {level}\" id=\"{anchor}\" data-level=\"{level}\" data-search=\"{search}\"{pos}>\n\
         <h3><a class=\"anchor\" href=\"#{anchor}\">#</a> <span class=\"badge {level}\">{level}</span> \
         {count} <span class=\"state\">[{state}]</span>{sparkline}</h3>\n",
        anchor = escape(anchor),
        search = escape(&search.to_lowercase()),
        pos = position.map(|p| format!(" data-pos=\"{p}\"")).unwrap_or_default(),
        count = plural(g.count, "goroutine", "goroutines"),
        state = escape(&state),
        sparkline = heading.sparkline.as_deref().unwrap_or_default(),
    );
    if let Some((class, text)) = &heading.change {
        let _ = writeln!(page, "<p class=\"change {class}\">{}</p>", escape(text));
    }
    let lint: Vec<String> = report
        .lint_links
        .iter()
        .filter(|l| l.group == g.fingerprint)
        .map(|link| {
            let f = &link.finding;
            format!(
                "<strong>{} {}</strong> {}:{} ({}): {}",
                escape(f.code),
                escape(f.rule),
                escape(&f.path.display().to_string()),
                f.span.start.line,
                link.link.describe(),
                escape(&f.message)
            )
        })
        .collect();
    write_details(page, g, &lint);
    page.push_str("</article>\n");
}

/// A group's details as HTML, every piece of dump text escaped: where it waits, who started it, its labels,
/// the catalogue's explanation, the evidence, the fix, the source excerpts and the stack. For pages that show
/// one group (the dashboard's group page).
pub fn group_details(g: &Group) -> String {
    let mut page = String::with_capacity(8 << 10);
    write_details(&mut page, g, &[]);
    page
}

/// [`group_details`], with rows of lint findings (HTML) after the fix.
fn write_details(page: &mut String, g: &Group, lint: &[String]) {
    page.push_str("<dl class=\"details\">\n");
    if let Some(site) = &g.leak_site {
        row(
            page,
            "at",
            &format!("<code>{}</code> {}", escape(&site.function), escape(&location(&site.file, site.line))),
        );
    }
    if let Some(by) = &g.created_by {
        let creators = g.creators.map_or_else(String::new, |c| {
            format!(
                " (from {}, {} still running)",
                plural(c.distinct, "goroutine", "goroutines"),
                thousands(c.alive)
            )
        });
        row(
            page,
            "created",
            &format!(
                "<code>{}</code> {}{creators}",
                escape(&by.function),
                escape(&location(&by.file, by.line))
            ),
        );
    }
    if let Some(w) = g.wait_minutes {
        row(page, "waiting", &format!("{}–{} minutes (median {})", w.min, w.max, w.median));
    }
    if !g.labels.is_empty() {
        let sets: Vec<String> =
            g.labels.iter().map(|(set, n)| format!("<code>{}</code> ×{n}", escape(set))).collect();
        row(page, "labels", &sets.join(", "));
    }
    let pattern = g.pattern.map(|id| id.pattern());
    if let Some(p) = pattern {
        row(page, "pattern", &format!("<strong>{}</strong> ({})", escape(p.title), escape(p.id.as_str())));
        row(page, "why", &markdown(p.why));
        row(page, "confirm", &markdown(p.confirm));
    }
    if let Some(shape) = g.shape {
        row(page, "shape", &escape(shape));
    }
    if !g.evidence.is_empty() {
        row(page, "evidence", &evidence(g));
    }
    if let Some(p) = pattern {
        row(page, "fix", &markdown(p.fix));
    }
    for finding in lint {
        row(page, "lint", finding);
    }
    page.push_str("</dl>\n");
    if let Some(excerpt) = &g.source {
        write_excerpt(page, "source", excerpt);
    }
    if let Some(excerpt) = &g.creation_source {
        write_excerpt(page, "started", excerpt);
    }
    write_stack(page, g);
}

/// The evidence as a list, each item marked for or against a leak.
fn evidence(g: &Group) -> String {
    let mut items = String::from("<ul class=\"evidence\">");
    for e in &g.evidence {
        let sign = match e.weight {
            w if w > 0 => "plus",
            w if w < 0 => "minus",
            _ => "neutral",
        };
        let _ = write!(items, "<li class=\"{sign}\">{}</li>", escape(&e.text));
    }
    items.push_str("</ul>");
    items
}

/// The stack, folded: the program's own frames stand out.
fn write_stack(page: &mut String, g: &Group) {
    if g.frames.is_empty() {
        return;
    }
    let _ = write!(
        page,
        "<details class=\"stack\"><summary>stack, {}</summary><ol>",
        plural(g.frames.len() as u64, "frame", "frames")
    );
    for f in g.frames.iter().take(STACK_FRAMES) {
        let class = if f.own { "own" } else { "lib" };
        let _ = write!(
            page,
            "<li class=\"{class}\"><code>{}</code> {}</li>",
            escape(&f.function),
            escape(&location(&f.file, f.line))
        );
    }
    if g.frames.len() > STACK_FRAMES {
        let more = plural((g.frames.len() - STACK_FRAMES) as u64, "more frame", "more frames");
        let _ = write!(page, "<li class=\"lib\">… {more}</li>");
    }
    page.push_str("</ol></details>\n");
}

/// The catalogue's Markdown text, of which only code spans are used, as HTML.
fn markdown(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_owned() })
        .collect()
}

fn row(page: &mut String, term: &str, html: &str) {
    let _ = writeln!(page, "<dt>{term}</dt><dd>{html}</dd>");
}

fn write_excerpt(page: &mut String, title: &str, excerpt: &Excerpt) {
    let _ = write!(
        page,
        "<figure class=\"source\"><figcaption>{title}: {}</figcaption><pre>",
        escape(&excerpt.file)
    );
    for (i, line) in excerpt.lines.iter().enumerate() {
        let number = excerpt.first_line + i as u32;
        let class = if number == excerpt.marked_line { " class=\"marked\"" } else { "" };
        // Each line is a block already: a newline too would double the spacing.
        let _ = write!(page, "<span{class}><i>{number}</i>{}</span>", escape(line));
    }
    page.push_str("</pre></figure>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_elements_and_attributes() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("\"><img src=x onerror='a'>"), "&quot;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;");
        assert_eq!(escape("a&b\u{1b}[31m"), "a&amp;b\\u{1b}[31m");
    }

    #[test]
    fn code_spans_of_the_catalogue_become_code() {
        assert_eq!(markdown("use `close(ch)` <now>"), "use <code>close(ch)</code> &lt;now&gt;");
    }

    #[test]
    fn the_policy_hashes_are_those_of_the_inline_style_and_script() {
        // echo -n "" | openssl dgst -sha256 -binary | base64
        assert_eq!(csp_hash(""), "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert!(!SCRIPT.contains("innerHTML"), "the script builds no markup from data");
    }
}
