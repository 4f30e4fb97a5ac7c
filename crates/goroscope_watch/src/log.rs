//! Events as log lines, for people reading a terminal or a log file.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::{Event, EventKind};

/// One event as a log line.
pub fn write_event(out: &mut dyn Write, event: &Event, color: bool) -> io::Result<()> {
    let paint =
        |text: &str, style: Style| if color { text.style(style).to_string() } else { text.to_owned() };
    let head = format!("{} {}", event.time, paint(&event.target, Style::new().bold()));
    match &event.kind {
        EventKind::Sample { source, total, duration_ms, groups, rate_per_minute } => {
            let groups = groups.map(|g| format!(" in {g} groups")).unwrap_or_default();
            let rate = rate_per_minute.map(|r| format!(", {r:+.1}/min")).unwrap_or_default();
            writeln!(out, "{head} {total} goroutines{groups}{rate} ({source}, {duration_ms} ms)")
        }
        EventKind::Alarm(alarm) => {
            let level = alarm.level.map(|l| format!("{} ", l.as_str())).unwrap_or_default();
            let pattern = alarm.pattern.map(|p| format!(" [{p}]")).unwrap_or_default();
            writeln!(
                out,
                "{head} {} {level}{}: {} goroutines, {:+} in the window, {:+.1}/min{pattern}",
                paint("ALARM", Style::new().red().bold()),
                alarm.reason,
                alarm.count,
                alarm.growth,
                alarm.rate_per_minute,
            )?;
            writeln!(out, "    at {}", alarm.title)?;
            for evidence in &alarm.evidence {
                writeln!(out, "    - {evidence}")?;
            }
            if let Some(fix) = alarm.fix {
                writeln!(out, "    fix: {fix}")?;
            }
            Ok(())
        }
        EventKind::Restart { reason } => {
            writeln!(
                out,
                "{head} {}: {reason}; its series starts again",
                paint("restarted", Style::new().yellow())
            )
        }
        EventKind::Down { error, failures, retry_in_s } => writeln!(
            out,
            "{head} {} ({failures} in a row; next try in {retry_in_s:.0} s): {error}",
            paint("unreachable", Style::new().yellow())
        ),
        EventKind::Up { after_failures } => {
            writeln!(out, "{head} answers again after {after_failures} failed tries")
        }
        EventKind::StoreError { error } => writeln!(
            out,
            "{head} {}: {error}; the watch goes on without recording",
            paint("history not written", Style::new().red())
        ),
    }
}
