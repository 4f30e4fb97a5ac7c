//! Line charts of goroutine counts over time, drawn as SVG: the total and the groups that grow, with the limit
//! and process restarts marked. The SVG styles itself with presentation attributes (text and axes take the
//! page's `currentColor`), so it needs no stylesheet and works under a strict Content-Security-Policy, in the
//! report and in the dashboard alike.

use std::fmt::Write as _;

use goroscope_analyze::{Level, Memory, RateUnit, Series};

use crate::html::escape;
use crate::text::{civil, group_title, thousands};
use crate::{HistoryReport, TimePoint};

/// A chart: lines of counts against time or snapshot number.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Said above the plot.
    pub title: String,
    /// What the x values are.
    pub x: XAxis,
    /// The lines, drawn in order (the first on the bottom); at most [`MAX_LINES`] are drawn.
    pub lines: Vec<Line>,
    /// A goroutine limit to draw as a dashed line.
    pub limit: Option<u64>,
    /// x values where the process restarted.
    pub restarts: Vec<f64>,
    /// What the y values are.
    pub values: Values,
}

/// What a chart's y values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Values {
    /// Goroutines.
    #[default]
    Count,
    /// Bytes of memory.
    Bytes,
}

impl Values {
    fn text(self, value: u64) -> String {
        match self {
            Values::Count => thousands(value),
            Values::Bytes => goroscope_analyze::human_bytes(value),
        }
    }
}

/// What the x values of a chart are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Seconds since the first snapshot.
    Elapsed,
    /// Milliseconds since the Unix epoch, labelled in UTC.
    Clock,
    /// The snapshot's number, from 0.
    Snapshot,
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// The legend's text.
    pub label: String,
    /// Where the legend entry links to (a group's anchor or page).
    pub href: Option<String>,
    /// The total, or a group at a level.
    pub kind: LineKind,
    /// (x, count), in x order.
    pub points: Vec<(f64, u64)>,
}

/// What a line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Every goroutine.
    Total,
    /// One group, at its level.
    Group(Level),
}

/// Lines drawn; the rest are left out (the caller orders them by interest).
pub const MAX_LINES: usize = 9;
/// Points of a line above which it is thinned to the lowest and highest count per pixel column.
const MAX_POINTS: usize = 800;
/// Points of a line up to which each point is marked with its own tooltip.
const MARKED_POINTS: usize = 60;

const WIDTH: f64 = 760.0;
const PLOT_TOP: f64 = 30.0;
const PLOT_HEIGHT: f64 = 200.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 20.0;
const LEGEND_ROW: f64 = 18.0;
/// Where the legend starts, below the x axis' labels.
const LEGEND_TOP: f64 = PLOT_TOP + PLOT_HEIGHT + 26.0;
/// Group colours, mid-tones readable on light and dark pages alike.
const PALETTE: [&str; 8] =
    ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

impl Chart {
    /// Memory over the heap profiles: the process's peak RSS, what the Go runtime holds, the heap in use, the
    /// goroutine stacks, and the growing heap sites.
    pub fn of_memory(m: &Memory) -> Chart {
        let xs: Vec<f64> = match m.unit {
            RateUnit::PerMinute => m.points.iter().map(|p| p.seconds.unwrap_or(0.0)).collect(),
            RateUnit::PerSnapshot => (0..m.points.len()).map(|i| i as f64).collect(),
        };
        let stat = |label: &str,
                    kind: LineKind,
                    f: fn(&goroscope_dump::MemStats) -> Option<u64>|
         -> Option<Line> {
            let points: Vec<(f64, u64)> =
                xs.iter().zip(&m.points).filter_map(|(&x, p)| Some((x, f(p.memstats.as_ref()?)?))).collect();
            (points.len() > 1).then(|| Line { label: label.to_owned(), href: None, kind, points })
        };
        let mut lines: Vec<Line> = [
            stat("peak RSS", LineKind::Total, |s| s.max_rss),
            stat("Go runtime (Sys − HeapReleased)", LineKind::Group(Level::Healthy), |s| {
                Some(s.retained())
            }),
            stat("heap in use", LineKind::Group(Level::Possible), |s| Some(s.heap_inuse)),
            stat("goroutine stacks", LineKind::Group(Level::Likely), |s| Some(s.stack_inuse)),
        ]
        .into_iter()
        .flatten()
        .collect();
        for site in m.sites.iter().filter(|s| s.growing).take(MAX_LINES.saturating_sub(lines.len())) {
            let name =
                site.site.as_ref().map_or_else(|| "?".to_owned(), |s| format!("{}:{}", s.function, s.line));
            lines.push(Line {
                label: format!("{name} ({})", site.cause.as_str()),
                href: None,
                kind: LineKind::Group(Level::Certain),
                points: xs.iter().copied().zip(site.series.iter().copied()).collect(),
            });
        }
        Chart {
            title: "Memory over the heap profiles".to_owned(),
            x: if m.unit == RateUnit::PerMinute { XAxis::Elapsed } else { XAxis::Snapshot },
            lines,
            limit: None,
            restarts: Vec::new(),
            values: Values::Bytes,
        }
    }

    /// The series' total and its growing groups (most growth first), each linking to its group's anchor.
    pub fn of_series(series: &Series) -> Chart {
        let xs: Vec<f64> = match series.unit {
            RateUnit::PerMinute => series.points.iter().map(|p| p.seconds.unwrap_or(0.0)).collect(),
            RateUnit::PerSnapshot => (0..series.points.len()).map(|i| i as f64).collect(),
        };
        let mut lines = vec![Line {
            label: "all goroutines".to_owned(),
            href: None,
            kind: LineKind::Total,
            points: xs.iter().zip(&series.points).map(|(&x, p)| (x, p.total)).collect(),
        }];
        // The suspects that grew; healthy groups only when no suspect grew.
        let growing = |healthy: bool| {
            series.groups.iter().filter(move |g| g.growth > 0 && (g.group.level == Level::Healthy) == healthy)
        };
        let shown: Vec<_> =
            if growing(false).next().is_some() { growing(false).collect() } else { growing(true).collect() };
        for g in shown.into_iter().take(MAX_LINES - 1) {
            lines.push(Line {
                label: group_title(&g.group),
                href: Some(format!("#g-{}", g.group.fingerprint)),
                kind: LineKind::Group(g.group.level),
                points: xs.iter().copied().zip(g.counts.iter().copied()).collect(),
            });
        }
        Chart {
            title: "Goroutines over the series".to_owned(),
            x: if series.unit == RateUnit::PerMinute { XAxis::Elapsed } else { XAxis::Snapshot },
            lines,
            limit: series.limit,
            restarts: Vec::new(),
            values: Values::Count,
        }
    }

    /// A watched target's recorded total and groups against the clock, with its restarts marked.
    pub fn of_history(history: &HistoryReport) -> Chart {
        let point = |p: &TimePoint| (p.at_ms as f64, p.count);
        let mut lines = vec![Line {
            label: "all goroutines".to_owned(),
            href: None,
            kind: LineKind::Total,
            points: history.totals.iter().map(point).collect(),
        }];
        lines.extend(history.groups.iter().take(MAX_LINES - 1).map(|g| Line {
            label: g.title.clone(),
            href: Some(format!("#g-{}", g.fingerprint)),
            kind: LineKind::Group(g.level),
            points: g.points.iter().map(point).collect(),
        }));
        let restarts = history
            .totals
            .windows(2)
            .filter(|w| w[0].epoch.is_some() && w[1].epoch.is_some() && w[0].epoch != w[1].epoch)
            .map(|w| w[1].at_ms as f64)
            .collect();
        Chart {
            title: format!("Goroutines of {}", history.target),
            x: XAxis::Clock,
            lines,
            limit: None,
            restarts,
            values: Values::Count,
        }
    }

    /// The chart as an `<svg>` element, sized by its `viewBox` to the width of its container.
    pub fn svg(&self) -> String {
        let lines: Vec<&Line> = self.lines.iter().filter(|l| !l.points.is_empty()).take(MAX_LINES).collect();
        let legend_height = LEGEND_ROW * lines.len() as f64 + 8.0;
        let height = LEGEND_TOP + legend_height;
        let mut svg = String::with_capacity(8 << 10);
        let _ = write!(
            svg,
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{title}\" \
             xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\
             <title>{title}</title>\
             <text x=\"{LEFT}\" y=\"16\" fill=\"currentColor\" font-weight=\"600\">{title}</text>",
            title = escape(&self.title)
        );
        let Some(scale) = Scale::of(&lines, self.limit) else {
            svg.push_str("</svg>");
            return svg;
        };
        self.axes(&scale, &mut svg);
        for (i, line) in lines.iter().enumerate() {
            let colour = colour(line.kind, i);
            plot(line, &scale, (self.x, self.values), colour, &mut svg);
        }
        for (i, line) in lines.iter().enumerate() {
            legend(
                line,
                colour(line.kind, i),
                LEGEND_TOP + LEGEND_ROW * (i + 1) as f64,
                self.values,
                &mut svg,
            );
        }
        svg.push_str("</svg>");
        svg
    }

    fn axes(&self, scale: &Scale, svg: &mut String) {
        let bottom = PLOT_TOP + PLOT_HEIGHT;
        for tick in nice_ticks(0.0, scale.y_max, 5) {
            let y = scale.y(tick);
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{right:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"currentColor\" \
                 stroke-opacity=\"0.15\"/><text x=\"{lx}\" y=\"{ty:.1}\" fill=\"currentColor\" \
                 text-anchor=\"end\" opacity=\"0.75\">{label}</text>",
                right = WIDTH - RIGHT,
                lx = LEFT - 6.0,
                ty = y + 4.0,
                label = self.values.text(tick as u64)
            );
        }
        for (x, label) in x_ticks(self.x, scale.x_min, scale.x_max) {
            let px = scale.x(x);
            let _ = write!(
                svg,
                "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{bottom}\" y2=\"{tb}\" stroke=\"currentColor\" \
                 stroke-opacity=\"0.4\"/><text x=\"{px:.1}\" y=\"{ty}\" fill=\"currentColor\" \
                 text-anchor=\"middle\" opacity=\"0.75\">{label}</text>",
                tb = bottom + 4.0,
                ty = bottom + 18.0,
            );
        }
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{right}\" y1=\"{bottom}\" y2=\"{bottom}\" stroke=\"currentColor\" \
             stroke-opacity=\"0.5\"/>",
            right = WIDTH - RIGHT
        );
        if let Some(limit) = self.limit.filter(|&l| l as f64 <= scale.y_max) {
            let y = scale.y(limit as f64);
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d62728\" \
                 stroke-dasharray=\"6 4\"/><text x=\"{right}\" y=\"{ty:.1}\" fill=\"#d62728\" \
                 text-anchor=\"end\">limit {label}</text>",
                right = WIDTH - RIGHT,
                ty = y - 4.0,
                label = self.values.text(limit)
            );
        }
        for &restart in &self.restarts {
            let px = scale.x(restart);
            let _ = write!(
                svg,
                "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{PLOT_TOP}\" y2=\"{bottom}\" stroke=\"currentColor\" \
                 stroke-opacity=\"0.5\" stroke-dasharray=\"2 3\"><title>process restarted</title></line>",
            );
        }
    }
}

/// A small line of `counts`, one per snapshot, for next to a group's name.
pub fn sparkline(counts: &[u64]) -> String {
    const W: f64 = 120.0;
    const H: f64 = 22.0;
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if counts.len() > 1 { W / (counts.len() - 1) as f64 } else { 0.0 };
    let mut path = String::new();
    for (i, &c) in counts.iter().enumerate() {
        let _ = write!(
            path,
            "{}{:.1},{:.1}",
            if i == 0 { 'M' } else { 'L' },
            i as f64 * step,
            H - 1.0 - c as f64 / top * (H - 2.0)
        );
    }
    let counts_text: Vec<String> = counts.iter().map(|&c| thousands(c)).collect();
    format!(
        "<svg class=\"sparkline\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title><path d=\"{path}\" fill=\"none\" \
         stroke=\"currentColor\" stroke-width=\"1.5\"/></svg>",
        counts_text.join(" → ")
    )
}

/// Maps data to the plot's pixels.
struct Scale {
    x_min: f64,
    x_max: f64,
    y_max: f64,
}

impl Scale {
    /// `None` when no line has a point.
    fn of(lines: &[&Line], limit: Option<u64>) -> Option<Scale> {
        let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let x_min = xs.clone().fold(f64::INFINITY, f64::min);
        let x_max = xs.fold(f64::NEG_INFINITY, f64::max);
        if !x_min.is_finite() {
            return None;
        }
        let top = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).max().unwrap_or(0);
        // The limit is drawn when it is near enough to the counts to read them both.
        let top = match limit {
            Some(l) if l <= top.saturating_mul(3) => top.max(l),
            _ => top,
        };
        let y_max = nice_ticks(0.0, (top as f64).max(1.0), 5).last().copied().unwrap_or(1.0);
        Some(Scale { x_min, x_max: if x_max > x_min { x_max } else { x_min + 1.0 }, y_max })
    }

    fn x(&self, x: f64) -> f64 {
        LEFT + (x - self.x_min) / (self.x_max - self.x_min) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, y: f64) -> f64 {
        PLOT_TOP + PLOT_HEIGHT - y / self.y_max * PLOT_HEIGHT
    }
}

fn colour(kind: LineKind, index: usize) -> &'static str {
    match kind {
        LineKind::Total => "currentColor",
        LineKind::Group(_) => PALETTE[index.saturating_sub(1) % PALETTE.len()],
    }
}

/// The line's path, and a marker with a tooltip on each point when there are few.
fn plot(line: &Line, scale: &Scale, (axis, values): (XAxis, Values), colour: &str, svg: &mut String) {
    let points = thin(&line.points, scale);
    let width = if line.kind == LineKind::Total { 2.5 } else { 1.75 };
    let _ = write!(svg, "<path fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" d=\"");
    for (i, &(x, y)) in points.iter().enumerate() {
        let _ = write!(svg, "{}{:.1},{:.1}", if i == 0 { 'M' } else { 'L' }, scale.x(x), scale.y(y as f64));
    }
    let _ = write!(svg, "\"><title>{}</title></path>", escape(&line.label));
    if line.points.len() <= MARKED_POINTS {
        for &(x, y) in &line.points {
            let _ = write!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{}: {} at {}</title></circle>",
                scale.x(x),
                scale.y(y as f64),
                escape(&line.label),
                values.text(y),
                x_label(axis, x, 0.0)
            );
        }
    }
}

/// At most [`MAX_POINTS`] points: per pixel column, the lowest and the highest count in their order, so that
/// no spike or dip disappears.
fn thin(points: &[(f64, u64)], scale: &Scale) -> Vec<(f64, u64)> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let columns = (MAX_POINTS / 2) as f64;
    let column = |x: f64| ((x - scale.x_min) / (scale.x_max - scale.x_min) * columns) as usize;
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    let mut start = 0;
    while start < points.len() {
        let here = column(points[start].0);
        let mut end = start + 1;
        while end < points.len() && column(points[end].0) == here {
            end += 1;
        }
        let bucket = &points[start..end];
        let low = bucket.iter().enumerate().min_by_key(|(_, p)| p.1).map_or(0, |(i, _)| i);
        let high = bucket.iter().enumerate().max_by_key(|(_, p)| p.1).map_or(0, |(i, _)| i);
        out.push(bucket[low.min(high)]);
        if low != high {
            out.push(bucket[low.max(high)]);
        }
        start = end;
    }
    out
}

fn legend(line: &Line, colour: &str, y: f64, values: Values, svg: &mut String) {
    let last = line.points.last().map_or(0, |p| p.1);
    let first = line.points.first().map_or(0, |p| p.1);
    let label: String = line.label.chars().take(90).collect();
    let entry = format!(
        "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"3\"/>\
         <text x=\"{tx}\" y=\"{y:.1}\" fill=\"currentColor\">{label} <tspan opacity=\"0.7\">{first} → {last}\
         </tspan></text>",
        x2 = LEFT + 18.0,
        ly = y - 4.0,
        tx = LEFT + 24.0,
        label = escape(&label),
        first = values.text(first),
        last = values.text(last),
    );
    match &line.href {
        Some(href) => {
            let _ = write!(svg, "<a href=\"{}\">{entry}</a>", escape(href));
        }
        None => svg.push_str(&entry),
    }
}

/// Round tick values from `low` to at least `high`, about `count` of them.
fn nice_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    let span = (high - low).max(f64::MIN_POSITIVE);
    let raw = span / count as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(magnitude);
    let step = step.max(1.0);
    let mut ticks = Vec::new();
    let mut t = (low / step).floor() * step;
    while t < high + step && ticks.len() <= count * 3 {
        ticks.push(t);
        if t >= high {
            break;
        }
        t += step;
    }
    ticks
}

/// Steps between time ticks, in seconds.
const TIME_STEPS: [f64; 18] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0,
    21600.0, 43200.0, 86400.0,
];

/// About six ticks along x, at round times or snapshot numbers.
fn x_ticks(axis: XAxis, min: f64, max: f64) -> Vec<(f64, String)> {
    let span = max - min;
    let (scale, first) = match axis {
        XAxis::Clock => (1000.0, min),
        XAxis::Elapsed | XAxis::Snapshot => (1.0, min),
    };
    let seconds = span / scale;
    let step = match axis {
        XAxis::Snapshot => nice_ticks(0.0, span.max(1.0), 6).get(1).copied().unwrap_or(1.0),
        XAxis::Elapsed | XAxis::Clock => {
            let wanted = seconds / 6.0;
            let days = (wanted / 86400.0).ceil() * 86400.0;
            TIME_STEPS.iter().copied().find(|s| *s >= wanted).unwrap_or(days) * scale
        }
    };
    let mut ticks = Vec::new();
    let mut t = (first / step).ceil() * step;
    while t <= max + step * 1e-9 && ticks.len() < 40 {
        ticks.push((t, x_label(axis, t, span)));
        t += step;
    }
    ticks
}

/// An x value for people: `90 s`, `12 min`, `3 h`, `#4`, or a UTC clock time.
fn x_label(axis: XAxis, x: f64, span: f64) -> String {
    match axis {
        XAxis::Snapshot => format!("#{}", x as u64 + 1),
        XAxis::Elapsed => {
            if x < 120.0 {
                format!("{x:.0} s")
            } else if x < 7200.0 {
                format!("{:.0} min", x / 60.0)
            } else {
                format!("{:.1} h", x / 3600.0)
            }
        }
        XAxis::Clock => {
            let secs = (x / 1000.0).floor() as i64;
            let (day, time) = (secs.div_euclid(86400), secs.rem_euclid(86400));
            let clock = if span > 0.0 && span < 600_000.0 {
                format!("{:02}:{:02}:{:02}", time / 3600, time / 60 % 60, time % 60)
            } else {
                format!("{:02}:{:02}", time / 3600, time / 60 % 60)
            };
            if span > 86_400_000.0 {
                let (_, month, date) = civil(day);
                format!("{month:02}-{date:02} {clock}")
            } else {
                clock
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(points: Vec<(f64, u64)>, x: XAxis) -> Chart {
        Chart {
            title: "t".to_owned(),
            x,
            lines: vec![Line { label: "all".to_owned(), href: None, kind: LineKind::Total, points }],
            limit: None,
            restarts: Vec::new(),
            values: Values::Count,
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 930.0, 5), vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 1.0]);
        let labels: Vec<String> = x_ticks(XAxis::Elapsed, 0.0, 600.0).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0 s", "2 min", "4 min", "6 min", "8 min", "10 min"]);
    }

    #[test]
    fn clock_labels_are_utc() {
        // 2026-11-24T13:05:00Z
        let ms = 1_795_525_500_000.0;
        assert_eq!(x_label(XAxis::Clock, ms, 3_600_000.0), "13:05");
        assert_eq!(x_label(XAxis::Clock, ms, 3.0 * 86_400_000.0), "11-24 13:05");
    }

    #[test]
    fn long_lines_are_thinned_without_losing_spikes() {
        let mut points: Vec<(f64, u64)> = (0..100_000).map(|i| (f64::from(i), 10)).collect();
        points[54_321].1 = 5_000;
        let svg = chart(points, XAxis::Elapsed).svg();
        assert!(svg.len() < 64 << 10, "{} bytes", svg.len());
        // The spike reaches the top of the plot: y = PLOT_TOP.
        assert!(svg.contains(&format!(",{PLOT_TOP:.1}")), "{svg}");
    }

    #[test]
    fn labels_are_escaped_and_an_empty_chart_is_still_an_svg() {
        let mut c = chart(vec![(0.0, 1), (1.0, 2)], XAxis::Snapshot);
        c.lines[0].label = "<script>x</script>".to_owned();
        let svg = c.svg();
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert!(chart(Vec::new(), XAxis::Snapshot).svg().ends_with("</svg>"));
    }
}
