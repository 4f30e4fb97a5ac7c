//! The live terminal UI: each target with a sparkline of its goroutines (and its memory, once a heap profile was
//! read), the selected target's memory verdict, its groups with their growth and level, and a details pane with
//! the explanation, the fix and the source lines.
//!
//! Drawing is a pure function of the live state and the view ([`render`]), so it is tested without a terminal.

use std::fmt::Write as _;
use std::io;
use std::time::Duration;

use goroscope_analyze::{Level, human_bytes};
use ratatui::Frame;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, TableState, Wrap};

use crate::live::{Live, LiveGroup, LiveState, LiveTarget};
use crate::{Alarm, EventKind, rfc3339};

/// How often the screen is drawn again when nothing is pressed.
const REFRESH: Duration = Duration::from_millis(250);

/// The pane the arrow keys move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    /// The target list.
    #[default]
    Targets,
    /// The selected target's groups.
    Groups,
}

/// What the person looking at the screen chose.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The selected target.
    pub target: usize,
    /// The selected group of that target.
    pub group: usize,
    /// Where the arrow keys go.
    pub focus: Focus,
    /// Lines the details pane is scrolled by.
    pub scroll: u16,
}

impl View {
    /// Applies a key; `false` when it asks to quit.
    pub fn key(&mut self, code: KeyCode, modifiers: KeyModifiers, state: &LiveState) -> bool {
        let groups = state.targets.get(self.target).map_or(0, |t| t.groups.len());
        match code {
            KeyCode::Char('q') | KeyCode::Esc => return false,
            KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => return false,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right | KeyCode::Enter => {
                self.focus = match (self.focus, code) {
                    (Focus::Targets, KeyCode::Left) | (Focus::Groups, KeyCode::Right | KeyCode::Enter) => {
                        self.focus
                    }
                    (Focus::Targets, _) => Focus::Groups,
                    (Focus::Groups, _) => Focus::Targets,
                };
            }
            KeyCode::Up | KeyCode::Char('k') => self.step(-1, state.targets.len(), groups),
            KeyCode::Down | KeyCode::Char('j') => self.step(1, state.targets.len(), groups),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            _ => {}
        }
        true
    }

    fn step(&mut self, by: isize, targets: usize, groups: usize) {
        let moved = |at: usize, len: usize| at.saturating_add_signed(by).min(len.saturating_sub(1));
        match self.focus {
            Focus::Targets => {
                let next = moved(self.target, targets);
                if next != self.target {
                    (self.target, self.group) = (next, 0);
                }
            }
            Focus::Groups => self.group = moved(self.group, groups),
        }
        self.scroll = 0;
    }
}

/// Shows the live state until the person quits or the watch ends; quitting stops the watch.
pub fn run(live: &Live) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let mut view = View::default();
    let result = (|| -> io::Result<()> {
        while !live.stopped() {
            let state = live.snapshot();
            terminal.draw(|frame| render(frame, &state, &view))?;
            if event::poll(REFRESH)?
                && let TermEvent::Key(key) = event::read()?
                && key.kind != KeyEventKind::Release
                && !view.key(key.code, key.modifiers, &state)
            {
                live.stop();
            }
        }
        Ok(())
    })();
    ratatui::try_restore()?;
    result
}

/// Draws the whole screen.
pub fn render(frame: &mut Frame<'_>, state: &LiveState, view: &View) {
    let [header, body, log] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(8), Constraint::Length(7)])
            .areas(frame.area());
    render_header(frame, header, state);
    let [left, right] = Layout::horizontal([Constraint::Percentage(34), Constraint::Min(30)]).areas(body);
    render_targets(frame, left, state, view);
    let target = state.targets.get(view.target.min(state.targets.len().saturating_sub(1)));
    let memory_lines = if target.is_some_and(|t| t.memory.is_some()) { 2 } else { 0 };
    let [spark, memory, groups, details] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(memory_lines),
        Constraint::Percentage(30),
        Constraint::Min(5),
    ])
    .areas(right);
    render_sparkline(frame, spark, target);
    if let Some(text) = target.and_then(memory_line) {
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), memory);
    }
    render_groups(frame, groups, target, view);
    let group = target.and_then(|t| t.groups.get(view.group.min(t.groups.len().saturating_sub(1))));
    let alarm = target.zip(group).and_then(|(t, g)| t.alarm_for(&g.group.fingerprint));
    render_details(frame, details, group.map(|g| (g, alarm)), view.scroll);
    render_events(frame, log, state);
}

fn pane(title: String, focused: bool) -> Block<'static> {
    let style = if focused { Style::new().fg(Color::Cyan) } else { Style::new().fg(Color::DarkGray) };
    Block::new().borders(Borders::ALL).border_style(style).title(title)
}

fn level_style(level: Level) -> Style {
    match level {
        Level::Certain => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Level::Likely => Style::new().fg(Color::Red),
        Level::Possible => Style::new().fg(Color::Yellow),
        Level::Healthy => Style::new().fg(Color::Green),
    }
}

fn render_header(frame: &mut Frame<'_>, area: Rect, state: &LiveState) {
    let alarms: u64 = state.targets.iter().map(LiveTarget::alarm_count).sum();
    let history = state.store_path.as_deref().map_or("no history".to_owned(), |p| format!("history in {p}"));
    let line = Line::from(vec![
        Span::styled(" goroscope watch ", Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)),
        Span::raw(format!(" {} targets · ", state.targets.len())),
        Span::styled(
            format!("{alarms} alarms"),
            if alarms > 0 { Style::new().fg(Color::Red).add_modifier(Modifier::BOLD) } else { Style::new() },
        ),
        Span::raw(format!(" · {history}")),
        Span::styled(
            "   q quit · ↑↓ select · Tab pane · PgUp/PgDn details",
            Style::new().fg(Color::DarkGray),
        ),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// A sparkline in text, for a table cell: one block character per value, scaled from the lowest to the highest.
fn inline_sparkline(values: impl ExactSizeIterator<Item = u64> + Clone, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let skip = values.len().saturating_sub(width);
    let values = values.skip(skip);
    let (low, high) = values.clone().fold((u64::MAX, 0), |(l, h), v| (l.min(v), h.max(v)));
    values
        .map(|v| {
            let step = if high > low { (v - low) * 7 / (high - low) } else { 0 };
            BARS[step as usize]
        })
        .collect()
}

/// Bytes (per minute) in a few characters: `+3.1M`, `-12K`, `+2G`.
fn compact_bytes(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "+" };
    let mut v = value.abs();
    let mut unit = 0;
    while v >= 1024.0 && unit < 3 {
        v /= 1024.0;
        unit += 1;
    }
    let unit = ["", "K", "M", "G"][unit];
    if v >= 10.0 || unit.is_empty() { format!("{sign}{v:.0}{unit}") } else { format!("{sign}{v:.1}{unit}") }
}

/// The line under the selected target's chart: where its memory is, and the verdict over the heap profiles.
pub fn memory_line(t: &LiveTarget) -> Option<Line<'static>> {
    let memory = t.memory.as_ref()?;
    let mut now = match memory.memstats {
        Some(m) => format!(
            "Memory: Go runtime {} (heap {}, stacks {}, overhead {})",
            human_bytes(m.retained()),
            human_bytes(m.heap_inuse),
            human_bytes(m.stack_inuse),
            human_bytes(m.overhead())
        ),
        None => format!("Memory: heap about {} (no MemStats)", human_bytes(memory.profile_inuse)),
    };
    if let Some(rss) = memory.memstats.and_then(|m| m.max_rss) {
        let _ = write!(now, ", peak RSS {}", human_bytes(rss));
    }
    let bold = Style::new().add_modifier(Modifier::BOLD);
    Some(match &memory.verdict {
        Some(v) => {
            let style = if v.significant { bold.fg(Color::Red) } else { Style::new().fg(Color::Green) };
            Line::from(vec![
                Span::styled(now, bold),
                Span::raw(" · "),
                Span::styled(v.verdict.clone(), style),
            ])
        }
        None => Line::from(vec![
            Span::styled(now, bold),
            Span::styled(
                format!(" · a verdict from 3 heap profiles on ({} so far)", memory.profiles),
                Style::new().fg(Color::DarkGray),
            ),
        ]),
    })
}

fn render_targets(frame: &mut Frame<'_>, area: Rect, state: &LiveState, view: &View) {
    let rows = state.targets.iter().map(|t| {
        let (mark, style) = match t.up {
            _ if t.alarm_count() > 0 => ("!", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
            Some(true) => ("●", Style::new().fg(Color::Green)),
            Some(false) => ("✗", Style::new().fg(Color::Red)),
            None => ("…", Style::new().fg(Color::DarkGray)),
        };
        let total = t.total.map_or("-".to_owned(), |n| n.to_string());
        let rate = t.rate_per_minute.map_or(String::new(), |r| format!("{r:+.0}/m"));
        let trend = inline_sparkline(t.totals.iter().map(|p| p.1), 12);
        let Some(memory) = &t.memory else {
            return Row::new(vec![
                Cell::from(mark).style(style),
                Cell::from(t.name.clone()),
                Cell::from(total),
                Cell::from(rate),
                Cell::from(trend),
            ]);
        };
        // A second line: the memory the runtime holds, its growth per minute and whether it grows, once judged.
        let held = memory.memstats.map_or(memory.profile_inuse, |m| m.retained());
        let verdict = memory.verdict.as_ref();
        let growth = verdict.and_then(|v| v.rate_bytes_per_minute).map(|r| format!("{}/m", compact_bytes(r)));
        let grows = verdict.is_some_and(|v| v.significant);
        let judged = if grows {
            "grows"
        } else if verdict.is_some() {
            "steady"
        } else {
            ""
        };
        let below = Style::new().fg(if grows { Color::Red } else { Color::DarkGray });
        let two =
            |first: String, second: String| Text::from(vec![Line::raw(first), Line::styled(second, below)]);
        Row::new(vec![
            Cell::from(mark).style(style),
            Cell::from(two(t.name.clone(), format!("  mem {}", human_bytes(held)))),
            Cell::from(total),
            Cell::from(two(rate, growth.unwrap_or_default())),
            Cell::from(two(trend, judged.to_owned())),
        ])
        .height(2)
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(12),
    ];
    let header = ["", "target", "now", "growth", "trend"];
    let pane = pane("Targets".to_owned(), view.focus == Focus::Targets);
    render_table(frame, area, Table::new(rows, widths), &header, pane, Some(view.target));
}

/// A table with a bold header and its selected row highlighted, in a pane.
fn render_table(
    frame: &mut Frame<'_>,
    area: Rect,
    table: Table<'_>,
    header: &[&'static str],
    pane: Block<'static>,
    selected: Option<usize>,
) {
    let table = table
        .header(Row::new(header.to_vec()).style(Style::new().add_modifier(Modifier::BOLD)))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .block(pane);
    frame.render_stateful_widget(table, area, &mut TableState::default().with_selected(selected));
}

fn render_sparkline(frame: &mut Frame<'_>, area: Rect, target: Option<&LiveTarget>) {
    let Some(t) = target else {
        frame.render_widget(pane("No target".to_owned(), false), area);
        return;
    };
    let values: Vec<u64> = t.totals.iter().map(|p| p.1).collect();
    let shown = &values[values.len().saturating_sub(usize::from(area.width.saturating_sub(2)))..];
    let (low, high) = (shown.iter().min().copied().unwrap_or(0), shown.iter().max().copied().unwrap_or(0));
    let total = t.total.map_or("-".to_owned(), |n| n.to_string());
    let rate = t.rate_per_minute.map(|r| format!(", {r:+.1}/min")).unwrap_or_default();
    let restarts = if t.restarts > 0 { format!(", {} restarts", t.restarts) } else { String::new() };
    let mut title = format!(
        "{}: {total} goroutines{rate} (last {} samples: {low}…{high}){restarts}",
        t.name,
        shown.len()
    );
    if let (Some(false), Some(error)) = (t.up, &t.last_error) {
        title = format!("{}: unreachable: {error}", t.name);
    }
    // Bars from the lowest value, so that growth shows even on a large base.
    let lifted: Vec<u64> = shown.iter().map(|v| v - low + 1).collect();
    let sparkline = Sparkline::default()
        .data(&lifted)
        .style(Style::new().fg(if t.alarm_count() > 0 { Color::Red } else { Color::Cyan }))
        .block(pane(title, false));
    frame.render_widget(sparkline, area);
}

fn render_groups(frame: &mut Frame<'_>, area: Rect, target: Option<&LiveTarget>, view: &View) {
    let groups = target.map(|t| t.groups.as_slice()).unwrap_or_default();
    let rows = groups.iter().map(|g| {
        let group = &g.group;
        Row::new(vec![
            Cell::from(if g.alarmed { "!" } else { "" }).style(Style::new().fg(Color::Red)),
            Cell::from(group.level.as_str()).style(level_style(group.level)),
            Cell::from(group.count.to_string()),
            Cell::from(if g.growth == 0 { String::new() } else { format!("{:+}", g.growth) }),
            Cell::from(group.pattern.map_or("", |p| p.as_str())),
            Cell::from(goroscope_report::group_title(group)),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(20),
        Constraint::Min(20),
    ];
    let title = match target {
        Some(t) if t.group_count > groups.len() => format!("Groups ({} of {})", groups.len(), t.group_count),
        Some(t) if t.profile_total.is_some() => format!("Groups ({})", groups.len()),
        _ => "Groups (waiting for the first profile)".to_owned(),
    };
    let header = ["", "level", "count", "growth", "pattern", "where"];
    let pane = pane(title, view.focus == Focus::Groups);
    let selected = (!groups.is_empty()).then_some(view.group);
    render_table(frame, area, Table::new(rows, widths), &header, pane, selected);
}

/// The selected group: what it is, why it is suspect (from the alarm about it, which the full dump explained,
/// when there is one), the fix, and its source.
pub fn details(g: &LiveGroup, alarm: Option<&Alarm>) -> Text<'static> {
    let group = &g.group;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::styled(goroscope_report::group_title(group), bold)];
    let mut facts = vec![
        Span::styled(group.level.as_str(), level_style(group.level)),
        Span::raw(format!(" · {} goroutines · {}", group.count, group.state)),
    ];
    if let Some(pattern) = group.pattern {
        facts.push(Span::raw(format!(" · {}", pattern.as_str())));
    }
    if g.growth != 0 || g.rate_per_minute != 0.0 {
        facts.push(Span::raw(format!(" · {:+} in the window, {:+.1}/min", g.growth, g.rate_per_minute)));
    }
    lines.push(Line::from(facts));
    let evidence: Vec<&str> = match alarm {
        Some(alarm) => {
            let line = format!("ALARM {}: {:+} in the window at {}", alarm.reason, alarm.growth, alarm.title);
            lines.push(Line::styled(line, Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)));
            alarm.evidence.iter().map(String::as_str).collect()
        }
        None => group.evidence.iter().map(|e| e.text.as_str()).collect(),
    };
    if !evidence.is_empty() {
        lines.push(Line::styled("Why", bold));
        lines.extend(evidence.iter().map(|text| Line::raw(format!("  - {text}"))));
    }
    if let Some(fix) = alarm.and_then(|a| a.fix).or(group.pattern.map(|p| p.pattern().fix)) {
        lines.push(Line::from(vec![Span::styled("Fix ", bold), Span::raw(fix)]));
    }
    for (heading, excerpt) in [("Source", &group.source), ("Created at", &group.creation_source)] {
        let Some(excerpt) = excerpt else { continue };
        lines.push(Line::styled(format!("{heading} {}", excerpt.file), bold));
        for (n, text) in (excerpt.first_line..).zip(&excerpt.lines) {
            let marked = n == excerpt.marked_line;
            let line = format!("{} {n:>5} │ {text}", if marked { "▶" } else { " " });
            lines.push(if marked {
                Line::styled(line, Style::new().fg(Color::Yellow))
            } else {
                Line::raw(line)
            });
        }
    }
    if group.source.is_none() {
        // Without the files, the stack is the best pointer there is.
        lines.push(Line::styled("Stack", bold));
        for frame in group.frames.iter().take(12) {
            lines.push(Line::raw(format!("  {} ({}:{})", frame.function, frame.file, frame.line)));
        }
    }
    if let Some(created) = &group.created_by {
        lines.push(Line::raw(format!(
            "Started by the go statement in {} ({}:{})",
            created.function, created.file, created.line
        )));
    }
    Text::from(lines)
}

fn render_details(
    frame: &mut Frame<'_>,
    area: Rect,
    group: Option<(&LiveGroup, Option<&Alarm>)>,
    scroll: u16,
) {
    let text = group.map_or_else(
        || Text::raw("Select a group to see why it is there and how to fix it."),
        |(g, alarm)| details(g, alarm),
    );
    let paragraph = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(pane("Details".to_owned(), false));
    frame.render_widget(paragraph, area);
}

fn render_events(frame: &mut Frame<'_>, area: Rect, state: &LiveState) {
    let rows = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line<'_>> = state
        .events
        .iter()
        .filter(|e| !e.kind.is_sample())
        .rev()
        .take(rows)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|e| {
            let time = rfc3339(e.at_ms);
            let (text, style) = match &e.kind {
                EventKind::Alarm(a) => (
                    format!(
                        "ALARM {} {}: {} goroutines at {}",
                        a.level.map_or("", Level::as_str),
                        a.reason,
                        a.count,
                        a.title
                    ),
                    Style::new().fg(Color::Red),
                ),
                EventKind::Restart { reason } => {
                    (format!("restarted: {reason}"), Style::new().fg(Color::Yellow))
                }
                EventKind::Down { error, .. } => {
                    (format!("unreachable: {error}"), Style::new().fg(Color::Yellow))
                }
                EventKind::Up { after_failures } => {
                    (format!("answers again after {after_failures} failed tries"), Style::new())
                }
                EventKind::StoreError { error } => {
                    (format!("history not written: {error}"), Style::new().fg(Color::Red))
                }
                EventKind::Memory(m) => (format!("MEMORY {}", m.verdict), Style::new().fg(Color::Red)),
                EventKind::MemoryReset { reason } => {
                    (format!("memory series starts again: {reason}"), Style::new().fg(Color::Yellow))
                }
                EventKind::Sample { .. } | EventKind::HeapSample { .. } => (String::new(), Style::new()),
            };
            Line::from(vec![
                Span::styled(format!("{} ", &time[11..19]), Style::new().fg(Color::DarkGray)),
                Span::styled(format!("{} ", e.target), Style::new().add_modifier(Modifier::BOLD)),
                Span::styled(text, style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(pane("Events".to_owned(), false)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_sparklines_scale_from_the_lowest_to_the_highest_value() {
        assert_eq!(inline_sparkline([1u64, 5, 9].into_iter(), 12), "▁▄█");
        assert_eq!(inline_sparkline([7u64, 7].into_iter(), 12), "▁▁", "flat");
        assert_eq!(inline_sparkline((0u64..100).collect::<Vec<_>>().into_iter(), 4).chars().count(), 4);
        assert_eq!(inline_sparkline(std::iter::empty::<u64>().collect::<Vec<_>>().into_iter(), 4), "");
    }

    #[test]
    fn keys_move_within_the_focused_pane_and_q_quits() {
        let state = LiveState {
            targets: vec![LiveTarget::new("a", "http://a"), LiveTarget::new("b", "http://b")],
            ..LiveState::default()
        };
        let mut view = View::default();
        assert!(view.key(KeyCode::Down, KeyModifiers::NONE, &state));
        assert!(view.key(KeyCode::Down, KeyModifiers::NONE, &state));
        assert_eq!(view.target, 1, "stops at the last target");
        view.key(KeyCode::Tab, KeyModifiers::NONE, &state);
        assert_eq!(view.focus, Focus::Groups);
        view.key(KeyCode::Down, KeyModifiers::NONE, &state);
        assert_eq!(view.group, 0, "no groups to move to");
        view.key(KeyCode::Left, KeyModifiers::NONE, &state);
        assert_eq!(view.focus, Focus::Targets);
        view.key(KeyCode::PageDown, KeyModifiers::NONE, &state);
        assert_eq!(view.scroll, 10);
        assert!(!view.key(KeyCode::Char('q'), KeyModifiers::NONE, &state));
        assert!(!view.key(KeyCode::Char('c'), KeyModifiers::CONTROL, &state));
    }
}

#[cfg(test)]
mod render_tests {
    use goroscope_dump::{ParseOptions, parse_input};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::live::top_groups;

    /// A live state with one target whose groups come from a real captured dump.
    fn state() -> LiveState {
        let dump = include_bytes!("../../../testdata/series/round3.txt");
        let snapshot =
            parse_input("round3.txt", &dump[..], None, &ParseOptions::default()).unwrap().remove(0);
        let analysis = goroscope_analyze::analyze(&snapshot, &goroscope_analyze::Options::default(), None);
        let mut target = LiveTarget::new("api", "http://127.0.0.1:6060");
        for (i, total) in [120u64, 180, 260, 340].into_iter().enumerate() {
            target.push_total(i as i64 * 1000, total);
        }
        target.up = Some(true);
        target.profile_total = Some(analysis.summary.goroutines);
        target.group_count = analysis.groups.len();
        target.groups =
            top_groups(analysis.groups.iter().map(|g| (g, 3, 1.5)), &std::collections::HashSet::new());
        let memstats = goroscope_dump::MemStats {
            sys: 48 << 20,
            heap_inuse: 30 << 20,
            stack_inuse: 2 << 20,
            max_rss: Some(60 << 20),
            ..goroscope_dump::MemStats::default()
        };
        let verdict = crate::MemoryVerdict {
            verdict: "memory grew by 40 MiB in 5m: 92% of the growth is main.remember (main.go:30)".into(),
            significant: true,
            total_bytes: 40 << 20,
            rate_bytes_per_minute: Some(8.0 * 1024.0 * 1024.0),
            measured_by: "max_rss",
            seconds: Some(300.0),
            profiles: 6,
            parts: Vec::new(),
        };
        target.memory = Some(crate::LiveMemory {
            memstats: Some(memstats),
            profile_inuse: 29 << 20,
            profiles: 6,
            verdict: Some(verdict),
        });
        let mut down = LiveTarget::new("worker", "http://127.0.0.1:6061");
        down.up = Some(false);
        down.last_error = Some("connection refused".into());
        LiveState { targets: vec![target, down], ..LiveState::default() }
    }

    fn draw(state: &LiveState, view: &View, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| render(frame, state, view)).unwrap();
        let buffer = terminal.backend().buffer();
        buffer
            .content
            .chunks(usize::from(width))
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect()
    }

    #[test]
    fn the_screen_shows_targets_groups_and_the_selected_groups_details() {
        let state = state();
        let screen = draw(&state, &View { focus: Focus::Groups, ..View::default() }, 140, 45);
        let first = &state.targets[0].groups[0].group;
        assert!(screen.contains("api") && screen.contains("worker"), "{screen}");
        assert!(screen.contains("✗ worker"), "the unreachable target is marked:\n{screen}");
        let (shown, all) = (state.targets[0].groups.len(), state.targets[0].group_count);
        let title =
            if all > shown { format!("Groups ({shown} of {all})") } else { format!("Groups ({shown})") };
        assert!(screen.contains(&title), "{title}:\n{screen}");
        let site = goroscope_report::group_title(first);
        assert!(
            screen.contains(&site[..site.len().min(30)]),
            "the first group is listed and detailed:\n{screen}"
        );
        assert!(!first.evidence.is_empty() && screen.contains("Why"), "{screen}");
        assert!(screen.contains("Memory: Go runtime 48 MiB (heap 30 MiB, stacks 2.0 MiB"), "{screen}");
        assert!(screen.contains("memory grew by 40 MiB in 5m"), "the verdict under the chart:\n{screen}");
        assert!(screen.contains("mem 48 MiB") && screen.contains("+8.0M/m"), "{screen}");
        let selected_down = draw(&state, &View { target: 1, ..View::default() }, 140, 45);
        assert!(selected_down.contains("worker: unreachable: connection refused"), "{selected_down}");
        assert!(selected_down.contains("waiting for the first profile"), "{selected_down}");
    }

    #[test]
    fn any_terminal_size_is_drawn_without_panicking() {
        let state = state();
        for (width, height) in [(1, 1), (20, 5), (40, 12), (80, 24), (300, 100)] {
            for view in
                [View::default(), View { focus: Focus::Groups, group: 99, scroll: 500, ..View::default() }]
            {
                draw(&state, &view, width, height);
            }
        }
        draw(&LiveState::default(), &View::default(), 80, 24);
    }
}
