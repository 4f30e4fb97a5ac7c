//! The dashboard's own pages, rendered on the server. Every string that comes from a dump, a target or the
//! history goes through [`esc`] (element content and attribute values) or [`segment`] (links); the pages load
//! only the dashboard's own style sheet and script.

use std::fmt::Write as _;

use goroscope_analyze::{Group, Level};
use goroscope_report::{
    Chart, HistoryReport, Line, LineKind, XAxis, escape_html as esc, group_details, thousands as count,
};
use goroscope_watch::{LiveTarget, StoredEvent, StoredGroup, StoredPoint, TargetSummary, rfc3339};

use crate::state::Upload;
use crate::validate::{segment, target_href};

/// One page: its title, the path to it, what it polls to know when to refresh, and its content.
pub(crate) struct Page<'a> {
    pub(crate) title: &'a str,
    /// `(href, text)` links from the dashboard's front page down to this page (this page last, no link).
    pub(crate) crumbs: &'a [(String, String)],
    /// JSON URLs whose change means the live sections should be fetched again.
    pub(crate) poll: &'a [String],
    pub(crate) refresh_ms: u64,
    pub(crate) body: String,
}

impl Page<'_> {
    pub(crate) fn render(&self) -> String {
        let mut html = String::with_capacity(self.body.len() + 2048);
        let poll = self.poll.iter().map(|u| esc(u)).collect::<Vec<_>>().join(" ");
        let _ = write!(
            html,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <title>{} · goroscope</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n</head>\n\
             <body data-poll=\"{poll}\" data-refresh-ms=\"{}\">\n<header class=\"top\"><nav aria-label=\"Path\">",
            esc(self.title),
            self.refresh_ms
        );
        html.push_str("<a class=\"home\" href=\"/\">goroscope</a>");
        for (href, text) in self.crumbs {
            if href.is_empty() {
                let _ = write!(html, " <span>›</span> <strong>{}</strong>", esc(text));
            } else {
                let _ = write!(html, " <span>›</span> <a href=\"{}\">{}</a>", esc(href), esc(text));
            }
        }
        html.push_str("</nav><span id=\"live-status\" aria-live=\"polite\"></span></header>\n<main>\n");
        html.push_str(&self.body);
        html.push_str("</main>\n<script src=\"/static/app.js\"></script>\n</body>\n</html>\n");
        html
    }
}

/// A short page that says what went wrong and what to do.
pub(crate) fn problem(title: &str, message: &str, hint: Option<&str>) -> String {
    let mut body = format!("<section class=\"problem\"><h1>{}</h1>\n<p>{}</p>\n", esc(title), esc(message));
    if let Some(hint) = hint {
        let _ = writeln!(body, "<p class=\"hint\">{}</p>", esc(hint));
    }
    body.push_str("<p><a href=\"/\">Back to the dashboard</a></p></section>\n");
    Page { title, crumbs: &[], poll: &[], refresh_ms: 0, body }.render()
}

/// What the history says about the targets, for the front page.
pub(crate) enum Targets {
    /// No database file yet.
    NoHistory(String),
    /// The database could not be read.
    Unreadable(String),
    /// The targets, by name.
    Listed(Vec<TargetRow>),
}

/// A target in the history, with what the running watch knows of it (if this process watches it).
pub(crate) struct TargetRow {
    pub(crate) summary: TargetSummary,
    pub(crate) live: Option<LiveTarget>,
}

fn time(ms: Option<i64>) -> String {
    ms.map_or_else(|| "–".to_owned(), |ms| format!("<time>{}</time>", esc(&rfc3339(ms))))
}

/// A level as a badge; anything that is not a level is shown plain.
fn badge(level: &str) -> String {
    let class = match level {
        "certain" | "likely" | "possible" | "healthy" => level,
        _ => "unknown",
    };
    format!("<span class=\"badge {class}\">{}</span>", esc(level))
}

fn status(live: Option<&LiveTarget>) -> String {
    match live.and_then(|l| l.up) {
        Some(true) => "<span class=\"up\">● answering</span>".to_owned(),
        Some(false) => {
            let why = live.and_then(|l| l.last_error.as_deref()).unwrap_or("unreachable");
            format!("<span class=\"down\" title=\"{0}\">✗ {0}</span>", esc(why))
        }
        None if live.is_some() => "<span class=\"pending\">… not sampled yet</span>".to_owned(),
        None => "<span class=\"pending\">not watched by this server</span>".to_owned(),
    }
}

/// The front page: the upload form, the watched targets, the recent uploads. `base` is the address the
/// browser used (`http://HOST:PORT`), for the command line shown.
pub(crate) fn index(
    targets: &Targets,
    uploads: &[std::sync::Arc<Upload>],
    max_upload: u64,
    token: bool,
    base: &str,
) -> String {
    let mut body = upload_form(max_upload, token, base);
    body.push_str("<section id=\"targets\" data-live><h2>Watched targets</h2>\n");
    match targets {
        Targets::NoHistory(path) => {
            let _ = writeln!(
                body,
                "<p class=\"empty\">No history yet in <code>{}</code>. Give <code>goroscope serve</code> \
                 targets to watch (<code>goroscope serve http://127.0.0.1:6060</code>), or run \
                 <code>goroscope watch</code> with the same <code>--db</code>.</p>",
                esc(path)
            );
        }
        Targets::Unreadable(error) => {
            let _ = writeln!(body, "<p class=\"warning\">The history cannot be read: {}</p>", esc(error));
        }
        Targets::Listed(rows) if rows.is_empty() => {
            body.push_str("<p class=\"empty\">The history holds no targets yet.</p>\n");
        }
        Targets::Listed(rows) => body.push_str(&targets_table(rows)),
    }
    body.push_str("</section>\n<section id=\"uploads\" data-live><h2>Recent uploads</h2>\n");
    body.push_str(&uploads_table(uploads));
    body.push_str("</section>\n");
    body
}

fn upload_form(max_upload: u64, token: bool, base: &str) -> String {
    let auth = if token { " -H \"Authorization: Bearer $GOROSCOPE_TOKEN\"" } else { "" };
    format!(
        "<section id=\"upload\"><h1>Analyse a goroutine dump</h1>\n\
         <form id=\"upload-form\" method=\"post\" action=\"/snapshots\" enctype=\"multipart/form-data\">\n\
         <div class=\"drop\" id=\"drop\" data-max=\"{max_upload}\">\
         <p>Drop a dump here, or <label class=\"file\">choose a file\
         <input id=\"dump-file\" type=\"file\" name=\"dump\" required></label> \
         <button type=\"submit\">Analyse</button></p>\
         <p class=\"hint\">pprof <code>debug=2</code> or <code>debug=1</code> text, pprof protobuf, panics and \
         SIGQUIT dumps, logs holding them; gzip or zstd compressed; up to {}.</p>\
         <p id=\"drop-status\" class=\"hint\" aria-live=\"polite\"></p></div>\n</form>\n\
         <p class=\"hint\">From a shell: <code>curl{auth} --data-binary @dump.txt {}/snapshots</code></p>\n\
         </section>\n",
        size(max_upload),
        esc(base),
    )
}

fn targets_table(rows: &[TargetRow]) -> String {
    let mut html = String::from(
        "<table class=\"targets\"><thead><tr><th>target</th><th class=\"n\">goroutines</th>\
         <th class=\"n\">growth/min</th><th>status</th><th class=\"n\">samples</th>\
         <th class=\"n\">errors</th><th class=\"n\">restarts</th><th>last sample</th><th>URL</th>\
         </tr></thead>\n<tbody>\n",
    );
    for row in rows {
        let s = &row.summary;
        let total = row.live.as_ref().and_then(|l| l.total).or(s.last_total);
        let rate = row
            .live
            .as_ref()
            .and_then(|l| l.rate_per_minute)
            .map_or_else(|| "–".to_owned(), |r| format!("{r:+.1}"));
        let _ = writeln!(
            html,
            "<tr><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{rate}</td>\
             <td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>\
             <td><code>{}</code></td></tr>",
            esc(&target_href(&s.name)),
            esc(&s.name),
            total.map_or_else(|| "–".to_owned(), count),
            status(row.live.as_ref()),
            count(s.samples),
            count(s.errors),
            count(s.epochs.saturating_sub(1)),
            time(s.last_ms),
            esc(&s.url),
        );
    }
    html.push_str("</tbody></table>\n");
    html
}

fn uploads_table(uploads: &[std::sync::Arc<Upload>]) -> String {
    if uploads.is_empty() {
        return "<p class=\"empty\">None yet: uploads are kept in memory while the server runs.</p>\n"
            .to_owned();
    }
    let mut html = String::from(
        "<table class=\"uploads\"><thead><tr><th>dump</th><th>uploaded</th><th class=\"n\">size</th>\
         <th class=\"n\">goroutines</th><th class=\"n\">groups</th><th>suspects</th></tr></thead>\n<tbody>\n",
    );
    for upload in uploads {
        let (mut goroutines, mut groups) = (0, 0);
        let mut levels = [0u64; 3];
        for input in &upload.report.inputs {
            let s = &input.analysis.summary;
            goroutines += s.goroutines;
            groups += s.groups;
            for (i, level) in [Level::Certain, Level::Likely, Level::Possible].into_iter().enumerate() {
                levels[i] += s.at(level).groups;
            }
        }
        let suspects: Vec<String> = ["certain", "likely", "possible"]
            .iter()
            .zip(levels)
            .filter(|(_, n)| *n > 0)
            .map(|(level, n)| format!("{n} {}", badge(level)))
            .collect();
        let suspects = if suspects.is_empty() { "none".to_owned() } else { suspects.join(" ") };
        let _ = writeln!(
            html,
            "<tr><td><a href=\"/snapshots/{}\">{}</a></td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{suspects}</td></tr>",
            esc(&upload.id),
            esc(&upload.name),
            time(Some(upload.at_ms)),
            size(upload.bytes),
            count(goroutines),
            count(groups),
        );
    }
    html.push_str("</tbody></table>\n");
    html
}

/// `256 MiB`, `1.5 KiB`, `12 bytes`.
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{} {}", value.round(), UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Severity order of a stored level: certain first.
fn rank(level: &str) -> u8 {
    match level {
        "certain" => 0,
        "likely" => 1,
        "possible" => 2,
        "healthy" => 3,
        _ => 4,
    }
}

/// Points shown in the table under a chart, newest first.
const POINTS_SHOWN: usize = 30;
/// Events shown on a target's page.
pub(crate) const EVENTS_SHOWN: usize = 20;

/// What a target's page shows.
pub(crate) struct TargetPage<'a> {
    pub(crate) row: &'a TargetRow,
    /// The total and the telling groups over time, drawn as a chart.
    pub(crate) history: Option<&'a HistoryReport>,
    pub(crate) totals: &'a [StoredPoint],
    pub(crate) groups: &'a [StoredGroup],
    pub(crate) events: &'a [StoredEvent],
    pub(crate) has_snapshot: bool,
}

/// A target's page: the total over time, its groups, its alarms and events.
pub(crate) fn target(page: &TargetPage<'_>) -> String {
    let s = &page.row.summary;
    let href = target_href(&s.name);
    let mut body = String::new();
    let _ = write!(
        body,
        "<section id=\"summary\" data-live><h1>{}</h1>\n<p class=\"meta\"><code>{}</code> · {} · {} samples \
         ({} failed) · {} restarts · first {} · last {}</p>\n",
        esc(&s.name),
        esc(&s.url),
        status(page.row.live.as_ref()),
        count(s.samples),
        count(s.errors),
        count(s.epochs.saturating_sub(1)),
        time(s.first_ms),
        time(s.last_ms),
    );
    if page.has_snapshot {
        let _ = writeln!(
            body,
            "<p><a class=\"button\" href=\"{}/latest\">Full report of the latest profile</a></p>",
            esc(&href)
        );
    }
    body.push_str("</section>\n<section id=\"timeline\" data-live><h2>Goroutines over time</h2>\n");
    if let Some(history) = page.history.filter(|h| !h.totals.is_empty()) {
        let _ = writeln!(body, "<figure class=\"chart\">{}</figure>", history_chart(history, &href).svg());
    }
    body.push_str(&series_view(page.totals, "goroutines"));
    body.push_str("</section>\n<section id=\"groups\" data-live><h2>Groups</h2>\n");
    if page.groups.is_empty() {
        body.push_str("<p class=\"empty\">No profile recorded yet: groups come from pprof profiles.</p>\n");
    } else {
        // A group missing from the latest profile is gone: its count there is 0.
        let latest = page.groups.iter().map(|g| g.last_ms).max().unwrap_or(0);
        let now = |g: &StoredGroup| if g.last_ms < latest { 0 } else { g.last_count };
        let mut groups: Vec<&StoredGroup> = page.groups.iter().collect();
        groups.sort_by(|a, b| {
            (now(a) == 0)
                .cmp(&(now(b) == 0))
                .then(rank(&a.level).cmp(&rank(&b.level)))
                .then(now(b).cmp(&now(a)))
                .then(b.last_count.cmp(&a.last_count))
        });
        body.push_str(
            "<table class=\"groups\"><thead><tr><th>level</th><th class=\"n\">goroutines</th><th>pattern</th>\
             <th>group</th><th>fingerprint</th><th>first seen</th><th>last seen</th></tr></thead>\n<tbody>\n",
        );
        for g in groups {
            let link = format!("{href}/groups/{}", segment(&g.fingerprint));
            let (class, shown) = if now(g) == 0 && g.last_count > 0 {
                (" class=\"gone\"", format!("0 <span class=\"meta\">(was {})</span>", count(g.last_count)))
            } else {
                ("", count(now(g)))
            };
            let _ = writeln!(
                body,
                "<tr{class} data-fingerprint=\"{}\"><td>{}</td><td class=\"n\">{shown}</td><td>{}</td>\
                 <td><a href=\"{}\"><code>{}</code></a></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&g.fingerprint),
                badge(&g.level),
                g.pattern.as_deref().map_or_else(|| "–".to_owned(), esc),
                esc(&link),
                esc(&g.title),
                esc(&g.fingerprint),
                time(Some(g.first_ms)),
                time(Some(g.last_ms)),
            );
        }
        body.push_str("</tbody></table>\n");
    }
    body.push_str("</section>\n<section id=\"events\" data-live><h2>Alarms and events</h2>\n");
    body.push_str(&events(page.events, &href));
    body.push_str("</section>\n");
    body
}

/// A series as a table of its latest points, newest first, restarts marked.
fn series_view(points: &[StoredPoint], what: &str) -> String {
    let mut html = String::new();
    let Some(last) = points.last() else {
        return "<p class=\"empty\">No samples yet.</p>\n".to_owned();
    };
    let (min, max) = points.iter().fold((u64::MAX, 0), |(lo, hi), p| (lo.min(p.count), hi.max(p.count)));
    let _ = writeln!(
        html,
        "<p class=\"meta\"><strong class=\"now\">{}</strong> {what} now · {} points from {} to {} · lowest {} · \
         highest {}</p>",
        count(last.count),
        count(points.len() as u64),
        time(points.first().map(|p| p.at_ms)),
        time(Some(last.at_ms)),
        count(min),
        count(max),
    );
    let shown = points.len().min(POINTS_SHOWN);
    let _ = write!(
        html,
        "<details class=\"points\"><summary>the latest {shown} samples</summary>\
         <table class=\"points\"><thead><tr><th>time</th><th class=\"n\">count</th><th class=\"n\">change</th>\
         <th>source</th></tr></thead>\n<tbody>\n",
    );
    let start = points.len() - shown;
    for i in (start..points.len()).rev() {
        let p = &points[i];
        let previous = i.checked_sub(1).map(|j| &points[j]);
        let restarted = previous.is_some_and(|q| q.epoch != p.epoch);
        let change = match previous {
            Some(q) if !restarted => format!("{:+}", p.count as i64 - q.count as i64),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{change}</td><td>{}</td></tr>",
            time(Some(p.at_ms)),
            count(p.count),
            esc(&p.source),
        );
        if restarted {
            html.push_str(
                "<tr class=\"restart\"><td colspan=\"4\">a new run: the process restarted, or the watch began \
                 again</td></tr>\n",
            );
        }
    }
    html.push_str("</tbody></table></details>\n");
    html
}

/// The history's chart, its group lines linking to the groups' pages.
fn history_chart(history: &HistoryReport, target_href: &str) -> Chart {
    let mut chart = Chart::of_history(history);
    for line in &mut chart.lines {
        if let Some(fingerprint) = line.href.as_deref().and_then(|h| h.strip_prefix("#g-")) {
            line.href = Some(format!("{target_href}/groups/{}", segment(fingerprint)));
        }
    }
    chart
}

/// One group's count over time, with the target's new runs marked.
fn group_chart(target: &str, group: &StoredGroup, points: &[StoredPoint]) -> Chart {
    let level = Level::ALL.into_iter().find(|l| l.as_str() == group.level).unwrap_or(Level::Healthy);
    let restarts = points
        .windows(2)
        .filter(|w| w[0].epoch.is_some() && w[1].epoch.is_some() && w[0].epoch != w[1].epoch)
        .map(|w| w[1].at_ms as f64)
        .collect();
    Chart {
        title: format!("Goroutines of this group on {target}"),
        x: XAxis::Clock,
        lines: vec![Line {
            label: group.title.clone(),
            href: None,
            kind: LineKind::Group(level),
            points: points.iter().map(|p| (p.at_ms as f64, p.count)).collect(),
        }],
        limit: None,
        restarts,
        values: goroscope_report::Values::Count,
    }
}

/// Alarms, restarts and outages, newest first; alarms about groups link to them.
fn events(events: &[StoredEvent], target_href: &str) -> String {
    if events.is_empty() {
        return "<p class=\"empty\">No alarms, restarts or outages recorded.</p>\n".to_owned();
    }
    let mut html = String::from("<ul class=\"events\">\n");
    for e in events {
        let json: serde_json::Value = serde_json::from_str(&e.json).unwrap_or_default();
        let text = |key: &str| json[key].as_str().unwrap_or_default().to_owned();
        let what = match e.kind.as_str() {
            "alarm" => {
                let mut line = format!(
                    "<strong class=\"alarm\">alarm</strong> {} {}: {} goroutines",
                    json["level"].as_str().map(badge).unwrap_or_default(),
                    esc(&text("reason")),
                    json["count"].as_u64().unwrap_or(0),
                );
                let title = text("title");
                match json["fingerprint"].as_str().and_then(crate::validate::fingerprint) {
                    Some(fp) => {
                        let _ = write!(
                            line,
                            " at <a href=\"{}\"><code>{}</code></a>",
                            esc(&format!("{target_href}/groups/{}", segment(fp))),
                            esc(&title)
                        );
                    }
                    None => {
                        let _ = write!(line, " ({})", esc(&title));
                    }
                }
                if let Some(pattern) = json["pattern"].as_str() {
                    let _ = write!(line, " [{}]", esc(pattern));
                }
                line
            }
            "restart" => format!("<strong>restart</strong>: {}", esc(&text("reason"))),
            "down" => format!("<strong class=\"down\">down</strong>: {}", esc(&text("error"))),
            "up" => "<strong class=\"up\">up</strong> again".to_owned(),
            other => format!("<strong>{}</strong>", esc(other)),
        };
        let _ = writeln!(html, "<li>{} {what}</li>", time(Some(e.at_ms)));
    }
    html.push_str("</ul>\n");
    html
}

/// What a group's page shows.
pub(crate) struct GroupPage<'a> {
    pub(crate) target: &'a str,
    pub(crate) group: &'a StoredGroup,
    pub(crate) points: &'a [StoredPoint],
    /// The group in the latest stored profile, with that profile's time; `None` when no profile is stored or
    /// the group is not in it.
    pub(crate) analysed: Option<(&'a Group, i64)>,
    pub(crate) latest_at: Option<i64>,
    /// Why the latest stored profile could not be analysed.
    pub(crate) analysis_error: Option<&'a str>,
    pub(crate) alarm: Option<&'a StoredEvent>,
}

/// A group's page: its count over time and its analysis from the latest stored profile.
pub(crate) fn group(page: &GroupPage<'_>) -> String {
    let g = page.group;
    let href = target_href(page.target);
    let mut body = String::new();
    let _ = write!(
        body,
        "<section id=\"group-summary\" data-live><h1>{} <code>{}</code></h1>\n<p class=\"meta\">{} · {} \
         goroutines in the latest profile · pattern {} · fingerprint <code>{}</code> · first seen {} · last seen \
         {}</p>\n</section>\n",
        badge(&g.level),
        esc(&g.title),
        esc(page.target),
        count(g.last_count),
        g.pattern.as_deref().map_or_else(|| "–".to_owned(), esc),
        esc(&g.fingerprint),
        time(Some(g.first_ms)),
        time(Some(g.last_ms)),
    );
    body.push_str("<section id=\"series\" data-live><h2>Goroutines in this group over time</h2>\n");
    if !page.points.is_empty() {
        let chart = group_chart(page.target, g, page.points);
        let _ = writeln!(body, "<figure class=\"chart\">{}</figure>", chart.svg());
    }
    body.push_str(&series_view(page.points, "goroutines"));
    body.push_str("</section>\n");
    if let Some(alarm) = page.alarm {
        body.push_str("<section id=\"alarm\" data-live><h2>Latest alarm</h2>\n");
        body.push_str(&alarm_view(alarm));
        body.push_str("</section>\n");
    }
    body.push_str("<section id=\"analysis\" data-live><h2>Analysis</h2>\n");
    match (page.analysed, page.latest_at) {
        (Some((group, at)), _) => {
            let _ = writeln!(
                body,
                "<p class=\"meta\">From the latest stored profile, taken {} (<a href=\"{}/latest\">full \
                 report</a>).</p>",
                time(Some(at)),
                esc(&href)
            );
            body.push_str(&group_view(group));
        }
        (None, Some(at)) => {
            let _ = writeln!(
                body,
                "<p class=\"empty\">The latest stored profile, taken {}, holds no goroutine of this group \
                 (<a href=\"{}/latest\">full report</a>).</p>",
                time(Some(at)),
                esc(&href)
            );
        }
        (None, None) => match page.analysis_error {
            Some(error) => {
                let _ = writeln!(
                    body,
                    "<p class=\"warning\">The latest stored profile cannot be analysed: {}</p>",
                    esc(error)
                );
            }
            None => body.push_str("<p class=\"empty\">No profile of this target is stored.</p>\n"),
        },
    }
    body.push_str("</section>\n");
    body
}

fn alarm_view(event: &StoredEvent) -> String {
    let json: serde_json::Value = serde_json::from_str(&event.json).unwrap_or_default();
    let mut html = format!(
        "<p>{} <strong>{}</strong>: {} goroutines, {:+} in the window, {:+.1}/min</p>\n",
        time(Some(event.at_ms)),
        esc(json["reason"].as_str().unwrap_or_default()),
        json["count"].as_u64().unwrap_or(0),
        json["growth"].as_i64().unwrap_or(0),
        json["rate_per_minute"].as_f64().unwrap_or(0.0),
    );
    if let Some(evidence) = json["evidence"].as_array().filter(|e| !e.is_empty()) {
        html.push_str("<ul class=\"evidence\">");
        for e in evidence {
            let _ = write!(html, "<li>{}</li>", esc(e.as_str().unwrap_or_default()));
        }
        html.push_str("</ul>\n");
    }
    if let Some(fix) = json["fix"].as_str() {
        let _ = writeln!(html, "<p><strong>fix</strong> {}</p>", esc(fix));
    }
    html
}

/// A group from an analysis: its verdict, then its details as the report shows them.
fn group_view(g: &Group) -> String {
    let state = if g.state == "unknown" { g.blocking.describe().to_owned() } else { g.state.clone() };
    format!(
        "<p class=\"verdict\">{} {} goroutines [{}]</p>\n{}",
        badge(g.level.as_str()),
        count(g.count),
        esc(&state),
        group_details(g)
    )
}

/// The link bar put at the top of a full report page served by the dashboard. The report's own policy allows
/// no style or script but its own, so this is plain markup, laid out by the report's own rules for a header.
pub(crate) fn report_nav(crumbs: &[(String, String)]) -> String {
    let mut nav = String::from(
        "<header class=\"dashboard\"><nav aria-label=\"Dashboard\"><a href=\"/\">goroscope dashboard</a>",
    );
    for (href, text) in crumbs {
        if href.is_empty() {
            let _ = write!(nav, " › {}", esc(text));
        } else {
            let _ = write!(nav, " › <a href=\"{}\">{}</a>", esc(href), esc(text));
        }
    }
    nav.push_str("</nav></header>\n");
    nav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts() {
        assert_eq!(size(256 << 20), "256 MiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(12), "12 bytes");
    }

    #[test]
    fn hostile_history_text_is_escaped_everywhere_it_shows() {
        let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
        let summary = TargetSummary {
            name: evil.to_owned(),
            url: evil.to_owned(),
            samples: 2,
            errors: 0,
            epochs: 1,
            first_ms: Some(0),
            last_ms: Some(1),
            last_total: Some(3),
        };
        let row = TargetRow { summary, live: None };
        let point = StoredPoint { at_ms: 1, epoch: Some(1), source: evil.to_owned(), count: 3 };
        let stored = StoredGroup {
            fingerprint: "0123456789abcdef".to_owned(),
            title: evil.to_owned(),
            level: evil.to_owned(),
            pattern: Some(evil.to_owned()),
            first_ms: 0,
            last_ms: 1,
            last_count: 3,
        };
        let alarm = StoredEvent {
            at_ms: 1,
            kind: "alarm".to_owned(),
            json: serde_json::json!({"reason": evil, "title": evil, "fingerprint": evil, "level": evil,
                "pattern": evil, "evidence": [evil], "fix": evil})
            .to_string(),
        };
        let history = HistoryReport {
            target: evil.to_owned(),
            url: evil.to_owned(),
            totals: vec![goroscope_report::TimePoint { at_ms: 1, epoch: Some(1), count: 3 }],
            groups: vec![goroscope_report::GroupHistory {
                fingerprint: evil.to_owned(),
                title: evil.to_owned(),
                level: Level::Likely,
                points: vec![goroscope_report::TimePoint { at_ms: 1, epoch: Some(1), count: 3 }],
            }],
        };
        let pages = [
            index(
                &Targets::Listed(vec![TargetRow { summary: row.summary.clone(), live: None }]),
                &[],
                1,
                false,
                evil,
            ),
            target(&TargetPage {
                row: &row,
                history: Some(&history),
                totals: std::slice::from_ref(&point),
                groups: std::slice::from_ref(&stored),
                events: std::slice::from_ref(&alarm),
                has_snapshot: true,
            }),
            group(&GroupPage {
                target: evil,
                group: &stored,
                points: std::slice::from_ref(&point),
                analysed: None,
                latest_at: None,
                analysis_error: Some(evil),
                alarm: Some(&alarm),
            }),
            problem(evil, evil, Some(evil)),
            Page {
                title: evil,
                crumbs: &[(evil.to_owned(), evil.to_owned())],
                poll: &[],
                refresh_ms: 0,
                body: String::new(),
            }
            .render(),
            report_nav(&[(evil.to_owned(), evil.to_owned())]),
        ];
        for page in pages {
            assert!(!page.contains("<script>alert") && !page.contains("<img"), "{page}");
        }
    }
}
