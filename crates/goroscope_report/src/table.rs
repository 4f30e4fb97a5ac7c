//! The terminal report: a summary line, each suspect group in full, healthy groups one line each.

use std::fmt::Write as _;
use std::io::{self, Write};

use goroscope_analyze::{
    Change, Excerpt, GateResult, Group, GroupChange, GroupSeries, HeapSite, Level, Memory, Outcome, RateUnit,
    Series, human_bytes,
};
use owo_colors::{OwoColorize, Style};

use crate::html::signed_bytes;
use crate::text::{duration, location, plural, printable, rate, shown_state, signed, thousands};
use crate::{DiffReport, InputReport, LintReport, Render, RenderLint, Report, TestRun};

/// What the terminal report shows.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// ANSI colours.
    pub color: bool,
    /// Suspect groups shown in full; the rest get one line each. 0 shows all.
    pub top: usize,
    /// Show healthy groups in full too.
    pub all: bool,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions { color: false, top: 10, all: false }
    }
}

/// The human-readable report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Table {
    /// Display options.
    pub options: TableOptions,
}

/// Healthy groups listed one line each before the rest are counted.
const HEALTHY_LINES: usize = 15;
/// Frames of the stack shown under a group.
const STACK_FRAMES: usize = 8;

impl Render for Table {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let painter = Painter { color: self.options.color };
        // A diff or a series is the view of its inputs; otherwise each input in turn.
        if let Some(diff) = &report.diff {
            self.diff(report, diff, &painter, out)?;
        } else if let Some(series) = &report.series {
            self.series(report, series, &painter, out)?;
        } else {
            for (i, input) in report.inputs.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                self.input(report, input, &painter, out)?;
            }
        }
        if let Some(memory) = &report.memory {
            if !report.inputs.is_empty() {
                writeln!(out)?;
            }
            memory_section(memory, &painter, out)?;
        }
        if let Some(run) = &report.test_run {
            writeln!(out)?;
            test_summary(run, &painter, out)?;
        }
        if let Some(gate) = &report.gate {
            writeln!(out)?;
            gate_summary(report, gate, &painter, out)?;
        }
        Ok(())
    }
}

/// What `goroscope test` ran, how it ended, and the leaks per test.
fn test_summary(run: &TestRun, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let ended = match run.exit_code {
        Some(0) => p.paint("passed", Style::new().green()),
        Some(code) => p.paint(&format!("failed (exit {code})"), Style::new().red()),
        None => p.paint("killed by a signal", Style::new().red()),
    };
    writeln!(
        out,
        "{} {} {ended}; {} in its output",
        p.bold("tests:"),
        printable(&run.command.join(" ")),
        plural(run.dumps, "goroutine dump", "goroutine dumps")
    )?;
    for (test, groups, goroutines) in &run.leaks_by_test {
        let name = if test.is_empty() { "(no test known)" } else { test.as_str() };
        writeln!(
            out,
            "  {}  {}, {}",
            p.bold(&printable(name)),
            plural(*groups, "leak suspect", "leak suspects"),
            plural(*goroutines, "goroutine", "goroutines")
        )?;
    }
    Ok(())
}

/// `check: FAILED`, then each failing group and limit in a line, and what was accepted.
fn gate_summary(report: &Report, gate: &GateResult, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let count = |outcome: Outcome| gate.groups.iter().filter(|g| g.outcome == outcome).count() as u64;
    let (failed, ignored, baselined) =
        (count(Outcome::Fail), count(Outcome::Ignored), count(Outcome::Baselined));
    let verdict = if gate.passed {
        p.paint("PASSED", Style::new().green().bold())
    } else {
        p.paint("FAILED", Style::new().red().bold())
    };
    let mut parts =
        vec![format!("{} at {} or above", plural(failed, "group", "groups"), gate.fail_on.as_str())];
    if !gate.limits.is_empty() {
        parts.push(plural(gate.limits.len() as u64, "limit exceeded", "limits exceeded"));
    }
    if ignored > 0 {
        parts.push(format!("{ignored} ignored"));
    }
    if baselined > 0 {
        parts.push(format!("{baselined} accepted by the baseline"));
    }
    writeln!(out, "{} {verdict}: {}", p.bold("check:"), parts.join(", "))?;
    for limit in &gate.limits {
        writeln!(
            out,
            "  {} {}: {}",
            p.paint("✗", Style::new().red()),
            report.inputs[limit.input].source,
            limit.message
        )?;
    }
    for outcome in gate.groups.iter().filter(|g| g.outcome == Outcome::Fail) {
        let group = &report.inputs[outcome.input].analysis.groups[outcome.group];
        writeln!(out, "  {} {}", p.paint("✗", Style::new().red()), one_line(group, p))?;
    }
    Ok(())
}

/// Where the memory is, the verdict on its growth with each part and its fix, and the heap sites.
fn memory_section(m: &Memory, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let span = match m.points.last().and_then(|pt| pt.seconds) {
        Some(s) if m.points.len() > 1 => format!(" over {}", duration(s / 60.0)),
        _ => String::new(),
    };
    let what = plural(m.points.len() as u64, "heap profile", "heap profiles");
    writeln!(out, "{}  {what}{span}", p.bold("memory"))?;
    let label = |name: &str| p.dim(&format!("  {name:<9}"));
    if let Some(c) = &m.composition {
        let mut now = format!(
            "Go runtime {} = heap {} + stacks {} + overhead {}",
            human_bytes(c.go_runtime),
            human_bytes(c.heap),
            human_bytes(c.stacks),
            human_bytes(c.overhead)
        );
        if let (Some(g), Some(per)) = (c.goroutines, c.stack_per_goroutine) {
            let _ = write!(now, " ({} goroutines, {} of stack each)", thousands(g), human_bytes(per));
        }
        if let Some(rss) = c.max_rss {
            let _ = write!(now, "; peak RSS {}", human_bytes(rss));
        }
        writeln!(out, "{}{now}", label("now"))?;
    }
    if let Some(g) = &m.growth {
        let style = if g.significant { Style::new().yellow().bold() } else { Style::new().green() };
        writeln!(out, "{}{}", label("verdict"), p.paint(&g.verdict, style))?;
        if g.significant {
            for part in &g.parts {
                let pct = format!("{:>3.0}%", part.share * 100.0);
                let bytes = format!("{:>9}", signed_bytes(part.bytes));
                writeln!(out, "{}{pct} {bytes}  {}  {}", label(""), p.bold(part.cause.as_str()), part.title)?;
                if part.cause.actionable() {
                    writeln!(out, "{}           {}", label(""), p.dim(&format!("fix: {}", part.fix)))?;
                }
            }
        }
    }
    let shown: Vec<&HeapSite> = m
        .sites
        .iter()
        .filter(|s| s.growing || m.growth.is_none())
        .take(if m.growth.is_some() { 8 } else { 5 })
        .collect();
    if !shown.is_empty() {
        let heading = if m.growth.is_some() { "growing heap sites" } else { "largest heap sites" };
        writeln!(out, "{}{}", label("heap"), p.dim(heading))?;
    }
    for site in shown {
        let where_ = site
            .site
            .as_ref()
            .map_or_else(|| "?".to_owned(), |s| format!("{} {}:{}", s.function, s.file, s.line));
        let growth = if m.points.len() > 1 {
            format!(
                "  {} ({})",
                signed_bytes(site.growth),
                site.series.iter().map(|&b| human_bytes(b)).collect::<Vec<_>>().join(" → ")
            )
        } else {
            String::new()
        };
        let cause = if site.growing { format!("  [{}]", site.cause.as_str()) } else { String::new() };
        writeln!(out, "{}{:>9} in use{growth}{cause}", label(""), human_bytes(site.inuse_bytes))?;
        writeln!(out, "{}  {}", label(""), printable(&where_))?;
        for evidence in &site.evidence {
            writeln!(out, "{}  {}", label(""), p.dim(evidence))?;
        }
        if site.growing
            && let Some(excerpt) = &site.source
        {
            write_excerpt(out, "", excerpt, p)?;
        }
    }
    for note in &m.notes {
        writeln!(out, "{}{}", label("note"), p.dim(note))?;
    }
    Ok(())
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color { text.style(style).to_string() } else { text.to_owned() }
    }
    fn level(&self, level: Level) -> String {
        let style = match level {
            Level::Certain => Style::new().red().bold(),
            Level::Likely => Style::new().yellow().bold(),
            Level::Possible => Style::new().cyan().bold(),
            Level::Healthy => Style::new().green(),
        };
        self.paint(&level.as_str().to_uppercase(), style)
    }
    fn dim(&self, text: &str) -> String {
        self.paint(text, Style::new().dimmed())
    }
    fn bold(&self, text: &str) -> String {
        self.paint(text, Style::new().bold())
    }
}

impl Table {
    fn input(
        &self,
        report: &Report,
        input: &InputReport,
        p: &Painter,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let s = &input.analysis.summary;
        let mut counts = Vec::new();
        for level in [Level::Certain, Level::Likely, Level::Possible] {
            let c = s.at(level);
            if c.groups > 0 {
                counts.push(format!(
                    "{} {} ({})",
                    c.groups,
                    p.level(level).to_lowercase(),
                    plural(c.goroutines, "goroutine", "goroutines")
                ));
            }
        }
        let verdict = if counts.is_empty() { "no leak suspects".to_owned() } else { counts.join(", ") };
        writeln!(
            out,
            "{}: {} in {} · {}",
            p.bold(&input.source),
            plural(s.goroutines, "goroutine", "goroutines"),
            plural(s.groups, "group", "groups"),
            verdict
        )?;
        if let Some(from) = origin(input) {
            writeln!(out, "  {} {from}", p.dim("input:"))?;
        }
        if let Some(crash) = &input.crash {
            writeln!(out, "  crash: {}", printable(&crash.message))?;
        }
        if !input.running_tests.is_empty() {
            let tests: Vec<String> = input
                .running_tests
                .iter()
                .map(|t| format!("{} ({})", printable(&t.name), t.elapsed))
                .collect();
            writeln!(out, "  running tests: {}", tests.join(", "))?;
        }
        if let Some(t) = &input.truncated {
            writeln!(out, "  {} {}", p.paint("truncated:", Style::new().yellow()), t.reason)?;
        }
        if input.warnings.count > 0 {
            // Not all are lines (a skipped long line, a proto's missing location).
            let (count, example) = (input.warnings.count, &input.warnings.examples[0]);
            let what = if count == 1 {
                "1 problem reading the input:".to_owned()
            } else {
                format!("{count} problems reading the input, e.g.")
            };
            writeln!(out, "  {} {what} {example}", p.paint("warning:", Style::new().yellow()))?;
        }
        for note in &input.analysis.notes {
            writeln!(out, "  {} {note}", p.dim("note:"))?;
        }

        let (suspects, healthy): (Vec<&Group>, Vec<&Group>) =
            input.analysis.groups.iter().partition(|g| g.level != Level::Healthy);
        let full = if self.options.top == 0 { suspects.len() } else { self.options.top.min(suspects.len()) };
        for group in &suspects[..full] {
            writeln!(out)?;
            full_group(report, group, p, out)?;
        }
        if full < suspects.len() {
            writeln!(out)?;
            writeln!(out, "{} more suspect groups (--top 0 shows all in full):", suspects.len() - full)?;
            for group in &suspects[full..] {
                writeln!(out, "  {}", one_line(group, p))?;
            }
        }
        if healthy.is_empty() {
            return Ok(());
        }
        writeln!(out)?;
        if self.options.all {
            for group in &healthy {
                full_group(report, group, p, out)?;
                writeln!(out)?;
            }
            return Ok(());
        }
        let goroutines: u64 = healthy.iter().map(|g| g.count).sum();
        writeln!(
            out,
            "{} {} with {} (--all shows them in full):",
            p.level(Level::Healthy),
            plural(healthy.len() as u64, "group", "groups"),
            plural(goroutines, "goroutine", "goroutines")
        )?;
        for group in healthy.iter().take(HEALTHY_LINES) {
            writeln!(out, "  {}", one_line(group, p))?;
        }
        if healthy.len() > HEALTHY_LINES {
            writeln!(out, "  … and {} more", healthy.len() - HEALTHY_LINES)?;
        }
        Ok(())
    }
}

impl Table {
    /// `goroscope diff`: totals, then the new and grown suspects in full, then every other change in a line.
    fn diff(&self, report: &Report, d: &DiffReport, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
        let delta = i128::from(d.diff.after) - i128::from(d.diff.before);
        writeln!(
            out,
            "{} → {}: {} → {} ({})",
            p.bold(&printable(&d.before_source)),
            p.bold(&printable(&d.after_source)),
            plural(d.diff.before, "goroutine", "goroutines"),
            thousands(d.diff.after),
            signed(delta)
        )?;
        let c = d.diff.counts;
        writeln!(
            out,
            "  groups: {} new, {} grown, {} shrunk, {} gone, {} unchanged",
            c.new, c.grown, c.shrunk, c.gone, c.same
        )?;
        for warning in &d.warnings {
            writeln!(out, "  {} {warning}", p.paint("warning:", Style::new().yellow()))?;
        }
        for input in &report.inputs {
            if let Some(t) = &input.truncated {
                writeln!(
                    out,
                    "  {} {}: {}",
                    p.paint("truncated:", Style::new().yellow()),
                    input.source,
                    t.reason
                )?;
            }
        }
        let growing = |c: &&GroupChange| matches!(c.change, Change::New | Change::Grown);
        let (suspects, rest): (Vec<&GroupChange>, Vec<&GroupChange>) =
            d.diff.changes.iter().partition(|c| growing(c) && c.group.level != Level::Healthy);
        let full = if self.options.top == 0 { suspects.len() } else { self.options.top.min(suspects.len()) };
        for change in &suspects[..full] {
            writeln!(out)?;
            writeln!(out, "{}", change_line(change, p))?;
            full_group(report, &change.group, p, out)?;
        }
        let listed: Vec<&&GroupChange> = suspects[full..]
            .iter()
            .chain(rest.iter().filter(|c| c.change != Change::Same || self.options.all))
            .collect();
        if !listed.is_empty() {
            writeln!(out)?;
            for change in listed {
                writeln!(out, "  {:<26} {}", change_line(change, p), one_line(&change.group, p))?;
            }
        }
        Ok(())
    }
}

impl Table {
    /// `goroscope series`: the totals over time, the rate and the projection, then the growing groups in full.
    fn series(&self, report: &Report, s: &Series, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
        let span =
            s.points.last().and_then(|l| l.seconds).map(|secs| format!(" over {}", duration(secs / 60.0)));
        let totals: Vec<String> = s.points.iter().map(|pt| thousands(pt.total)).collect();
        writeln!(
            out,
            "{} of {} dumps{}: {} goroutines",
            p.bold("series"),
            s.points.len(),
            span.unwrap_or_default(),
            counts_line(&totals)
        )?;
        writeln!(out, "  {} {} (Theil–Sen fit)", p.dim("leak rate:"), rate(s.rate, s.unit))?;
        match (s.limit, s.until_limit) {
            (Some(limit), Some(until)) => writeln!(
                out,
                "  {} {} goroutines in {}",
                p.dim("at this rate:"),
                thousands(limit),
                match s.unit {
                    RateUnit::PerMinute => duration(until),
                    RateUnit::PerSnapshot => format!("{until:.0} more snapshots"),
                }
            )?,
            (Some(limit), None) => {
                writeln!(out, "  {} not growing towards {}", p.dim("limit:"), thousands(limit))?;
            }
            _ => {}
        }
        let (growing, rest): (Vec<&GroupSeries>, Vec<&GroupSeries>) =
            s.groups.iter().partition(|g| g.growth > 0 && g.group.level != Level::Healthy);
        let full = if self.options.top == 0 { growing.len() } else { self.options.top.min(growing.len()) };
        for g in &growing[..full] {
            writeln!(out)?;
            writeln!(out, "{}", series_line(g, s.unit, p))?;
            full_group(report, &g.group, p, out)?;
        }
        let listed: Vec<&&GroupSeries> =
            growing[full..].iter().chain(rest.iter().filter(|g| g.growth != 0 || self.options.all)).collect();
        if !listed.is_empty() {
            writeln!(out)?;
            for g in listed {
                writeln!(out, "  {}  {}", series_line(g, s.unit, p), one_line(&g.group, p))?;
            }
        }
        Ok(())
    }
}

/// `+1,600 (100 → 300 → 900 → 1,700) · 96% of the growth · +533.3/min`.
fn series_line(g: &GroupSeries, unit: RateUnit, p: &Painter) -> String {
    let counts: Vec<String> = g.counts.iter().map(|&c| thousands(c)).collect();
    let share = g.share.map(|s| format!(" · {:.0}% of the growth", s * 100.0)).unwrap_or_default();
    format!(
        "{} ({}){share} · {}",
        p.bold(&signed(i128::from(g.growth))),
        counts_line(&counts),
        rate(g.rate, unit)
    )
}

/// `a → b → c`, eliding the middle of long series.
fn counts_line(counts: &[String]) -> String {
    if counts.len() <= 8 {
        return counts.join(" → ");
    }
    format!("{} → … → {}", counts[..3].join(" → "), counts[counts.len() - 3..].join(" → "))
}

/// `GROWN +4,000 (1,000 → 5,000)`.
fn change_line(c: &GroupChange, p: &Painter) -> String {
    let name = match c.change {
        Change::New => "NEW",
        Change::Grown => "GROWN",
        Change::Shrunk => "SHRUNK",
        Change::Gone => "GONE",
        Change::Same => "SAME",
    };
    format!(
        "{} {} ({} → {})",
        p.bold(name),
        signed(i128::from(c.delta)),
        thousands(c.before),
        thousands(c.after)
    )
}

/// One group in full: headline, where, why, evidence, fix, source and stack.
fn full_group(report: &Report, g: &Group, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", headline(g, p))?;
    let label = |name: &str| p.dim(&format!("  {name:<9}"));
    if let Some(site) = &g.leak_site {
        writeln!(
            out,
            "{}{}  {}",
            label("at"),
            p.bold(&printable(&site.function)),
            location(&site.file, site.line)
        )?;
    }
    if let Some(by) = &g.created_by {
        let creators = g.creators.map_or_else(String::new, |c| {
            format!("  (from {}, {} still running)", plural(c.distinct, "goroutine", "goroutines"), c.alive)
        });
        writeln!(
            out,
            "{}{}  {}{creators}",
            label("created"),
            printable(&by.function),
            location(&by.file, by.line)
        )?;
    }
    if !g.tests.is_empty() {
        writeln!(out, "{}{}", label("test"), printable(&g.tests.join(", ")))?;
    }
    if !g.labels.is_empty() {
        let sets: Vec<String> = g.labels.iter().map(|(set, n)| format!("{} ×{n}", printable(set))).collect();
        writeln!(out, "{}{}", label("labels"), sets.join(", "))?;
    }
    let pattern = g.pattern.and_then(|id| report.patterns.iter().find(|p| p.id == id));
    if let Some(pattern) = pattern {
        writeln!(out, "{}{} ({})", label("pattern"), p.bold(pattern.title), pattern.id.as_str())?;
        wrap(out, &label("why"), pattern.why)?;
    }
    if let Some(shape) = g.shape {
        writeln!(out, "{}{shape}", label("shape"))?;
    }
    for (i, e) in g.evidence.iter().enumerate() {
        let sign = match e.weight {
            w if w > 0 => "+",
            w if w < 0 => "−",
            _ => "·",
        };
        writeln!(out, "{}{sign} {}", label(if i == 0 { "evidence" } else { "" }), e.text)?;
    }
    if let Some(pattern) = pattern {
        wrap(out, &label("fix"), pattern.fix)?;
    }
    for link in report.lint_links.iter().filter(|l| l.group == g.fingerprint) {
        let f = &link.finding;
        writeln!(
            out,
            "{}{} {} {}:{} ({})",
            label("lint"),
            p.bold(f.code),
            f.rule,
            f.path.display(),
            f.span.start.line,
            link.link.describe()
        )?;
        wrap(out, &label(""), &printable(&f.message))?;
        if let Some(fix) = &f.fix {
            let how = if fix.safe { "--fix" } else { "--fix --unsafe-fixes" };
            writeln!(out, "{}{} (goroscope lint {how})", label(""), printable(&fix.title))?;
        }
    }
    if let Some(excerpt) = &g.source {
        write_excerpt(out, "source", excerpt, p)?;
    }
    if let Some(excerpt) = &g.creation_source {
        write_excerpt(out, "started", excerpt, p)?;
    }
    for (i, f) in g.frames.iter().take(STACK_FRAMES).enumerate() {
        let text = format!("{} {}", printable(&f.function), location(&f.file, f.line));
        writeln!(
            out,
            "{}{}",
            label(if i == 0 { "stack" } else { "" }),
            if f.own { text } else { p.dim(&text) }
        )?;
    }
    if g.frames.len() > STACK_FRAMES {
        writeln!(
            out,
            "{}… {}",
            label(""),
            plural((g.frames.len() - STACK_FRAMES) as u64, "more frame", "more frames")
        )?;
    }
    Ok(())
}

/// Source lines around the leak site, the blocking line marked, as `pprof list` shows them.
fn write_excerpt(out: &mut dyn Write, title: &str, excerpt: &Excerpt, p: &Painter) -> io::Result<()> {
    let label = |name: &str| p.dim(&format!("  {name:<9}"));
    let width = (excerpt.first_line as usize + excerpt.lines.len()).to_string().len();
    writeln!(out, "{}{}", label(title), printable(&excerpt.file))?;
    for (n, text) in (excerpt.first_line..).zip(&excerpt.lines) {
        let text = printable(text);
        let gutter = format!("{n:>width$}");
        if n == excerpt.marked_line {
            writeln!(
                out,
                "{}{} {} {}",
                label(""),
                p.paint("▶", Style::new().red()),
                p.bold(&gutter),
                p.bold(&text)
            )?;
        } else {
            writeln!(out, "{}  {} {}", label(""), p.dim(&gutter), text)?;
        }
    }
    Ok(())
}

/// `LIKELY  30 goroutines  [chan send] for 3–12 min (median 7)`.
fn headline(g: &Group, p: &Painter) -> String {
    let wait = match g.wait_minutes {
        Some(w) if w.min == w.max => format!(" for {} min", w.max),
        Some(w) => format!(" for {}–{} min (median {})", w.min, w.max, w.median),
        None => String::new(),
    };
    let leaked =
        if g.leaked > 0 { format!(" · {} proven leaked by the runtime", g.leaked) } else { String::new() };
    format!(
        "{}  {}  [{}]{wait}{leaked}",
        p.level(g.level),
        p.bold(&plural(g.count, "goroutine", "goroutines")),
        printable(&shown_state(g))
    )
}

/// What the input was, when it is more than a plain traceback: the profile and format, the test, goleak.
fn origin(input: &InputReport) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(profile) = &input.profile {
        let total = input.total.map(|t| format!(", total {}", thousands(t))).unwrap_or_default();
        parts.push(format!("{profile} profile ({}{total})", input.format.name()));
    } else if let Some(total) = input.total {
        parts.push(format!("{} (the service reports {} goroutines)", input.format.name(), thousands(total)));
    }
    if let Some(test) = &input.test {
        parts.push(format!("output of {}", printable(test)));
    }
    if input.leak_report {
        parts.push("goleak: found unexpected goroutines".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn one_line(g: &Group, p: &Painter) -> String {
    let site = g.leak_site.as_ref().map_or_else(
        || "(no frames)".to_owned(),
        |s| format!("{} {}", printable(&s.function), location(&s.file, s.line)),
    );
    let why = g.evidence.first().map(|e| e.text.as_str()).unwrap_or_default();
    let level = if g.level == Level::Healthy { String::new() } else { format!("{} ", p.level(g.level)) };
    format!("{level}{:>7}  {:<14} {site}  {}", thousands(g.count), printable(&shown_state(g)), p.dim(why))
}

/// Writes `text` after `label`, wrapped at 100 columns with continuation lines indented under it.
fn wrap(out: &mut dyn Write, label: &str, text: &str) -> io::Result<()> {
    const WIDTH: usize = 88;
    let mut line = String::new();
    let mut first = true;
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > WIDTH {
            writeln!(out, "{}{line}", if first { label.to_owned() } else { " ".repeat(11) })?;
            first = false;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        writeln!(out, "{}{line}", if first { label.to_owned() } else { " ".repeat(11) })?;
    }
    Ok(())
}

/// `goroscope lint`: each finding with its source lines and the places involved, then counts per rule.
impl RenderLint for Table {
    fn render_lint(&self, report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
        let p = Painter { color: self.options.color };
        for f in &report.findings {
            lint_finding(f, &p, out)?;
        }
        let s = &report.summary;
        let linted = format!(
            "{} linted in {}",
            plural(s.files as u64, "file", "files"),
            plural(s.packages as u64, "package", "packages")
        );
        if s.fixed > 0 {
            writeln!(out, "Fixed {}.", plural(s.fixed as u64, "finding", "findings"))?;
        }
        if report.findings.is_empty() {
            return writeln!(out, "{} ({linted}).", p.paint("No findings", Style::new().green().bold()));
        }
        let files = report.findings.iter().map(|f| &f.path).collect::<std::collections::BTreeSet<_>>().len();
        writeln!(
            out,
            "Found {} in {} ({linted}).",
            p.bold(&plural(report.findings.len() as u64, "finding", "findings")),
            plural(files as u64, "file", "files"),
        )?;
        for (code, count) in &s.by_rule {
            let name = report.rules.iter().find(|r| r.code == *code).map_or("", |r| r.name);
            writeln!(out, "{count:>6}  {}  {name}", p.bold(code))?;
        }
        match (s.fixable, s.unsafe_fixable) {
            (0, 0) => Ok(()),
            (safe, 0) => writeln!(out, "[*] {safe} fixable with `--fix` (`--diff` shows the change)."),
            (safe, risky) => writeln!(
                out,
                "[*] {safe} fixable with `--fix`; {risky} more with `--fix --unsafe-fixes` (`--diff` shows the change)."
            ),
        }
    }
}

fn lint_finding(f: &goroscope_lint::Finding, p: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let style = match f.severity {
        goroscope_lint::Severity::Error => Style::new().red().bold(),
        goroscope_lint::Severity::Warning => Style::new().yellow().bold(),
        goroscope_lint::Severity::Info => Style::new().cyan().bold(),
    };
    let fixable = if f.fix.as_ref().is_some_and(|x| x.safe) { " [*]" } else { "" };
    writeln!(
        out,
        "{}:{}:{}: {}{fixable} {}",
        p.bold(&f.path.display().to_string()),
        f.span.start.line,
        f.span.start.column,
        p.paint(f.code, style),
        printable(&f.message),
    )?;
    let width = f.source.last().map_or(1, |(n, _)| n.to_string().len());
    let gutter = |n: &str| p.dim(&format!("{n:>width$} │"));
    writeln!(out, "{}", gutter(""))?;
    for (number, line) in &f.source {
        writeln!(out, "{} {}", gutter(&number.to_string()), printable(&expand_tabs(line)))?;
        if *number == f.span.start.line {
            let start = display_width(line, f.span.start.column);
            let end =
                if f.span.end.line == *number { display_width(line, f.span.end.column) } else { start + 1 };
            let carets = "^".repeat(end.saturating_sub(start).max(1));
            writeln!(out, "{} {}{}", gutter(""), " ".repeat(start), p.paint(&carets, style))?;
        }
    }
    writeln!(out, "{}", gutter(""))?;
    let pad = " ".repeat(width);
    for r in &f.related {
        writeln!(out, "{pad} = {}:{}: {}", r.span.start.line, r.span.start.column, printable(&r.label))?;
    }
    if let Some(fix) = &f.fix {
        let how = if fix.safe { "--fix" } else { "--fix --unsafe-fixes" };
        writeln!(out, "{pad} = {} {} ({how})", p.paint("fix:", Style::new().green()), printable(&fix.title))?;
    }
    writeln!(out, "{pad} = goroscope rule {}", f.code)?;
    writeln!(out)
}

/// Tabs as four spaces, as editors show Go code.
fn expand_tabs(line: &str) -> String {
    line.replace('\t', "    ")
}

/// Display columns before 1-based byte column `column` of `line`, tabs counted as four.
fn display_width(line: &str, column: u32) -> usize {
    let prefix = line.get(..(column as usize).saturating_sub(1).min(line.len())).unwrap_or(line);
    prefix.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}
