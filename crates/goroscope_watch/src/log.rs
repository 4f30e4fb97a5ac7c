//! Events as log lines, for people reading a terminal or a log file.

use std::fmt::Write as _;
use std::io::{self, Write};

use goroscope_analyze::human_bytes;
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
        EventKind::HeapSample {
            duration_ms,
            heap_inuse_bytes,
            go_runtime_bytes,
            max_rss_bytes,
            profile_inuse_bytes,
            profiles,
            note,
        } => {
            let mut text = match heap_inuse_bytes {
                Some(heap) => format!("heap {} in use", human_bytes(*heap)),
                None => format!("heap about {} in use (no MemStats)", human_bytes(*profile_inuse_bytes)),
            };
            if let Some(runtime) = go_runtime_bytes {
                let _ = write!(text, ", Go runtime {}", human_bytes(*runtime));
            }
            if let Some(rss) = max_rss_bytes {
                let _ = write!(text, ", peak RSS {}", human_bytes(*rss));
            }
            let note = note.as_deref().map(|n| format!("; {n}")).unwrap_or_default();
            writeln!(out, "{head} {text} ({profiles} heap profiles; heap, {duration_ms} ms){note}")
        }
        EventKind::Memory(memory) => {
            let rate = memory
                .rate_bytes_per_minute
                .map(|r| format!(" ({}{}/min)", if r < 0.0 { "-" } else { "+" }, human_bytes(r.abs() as u64)))
                .unwrap_or_default();
            writeln!(out, "{head} {}{rate}: {}", paint("MEMORY", Style::new().red().bold()), memory.verdict)?;
            for part in memory.parts.iter().filter(|p| p.share > 0.0) {
                writeln!(out, "    - {:.0}% {} [{}]", part.share * 100.0, part.title, part.cause)?;
            }
            if let Some(leading) = memory.leading() {
                writeln!(out, "    fix: {}", leading.fix)?;
            }
            Ok(())
        }
        EventKind::MemoryReset { reason } => {
            writeln!(out, "{head} {}: {reason}", paint("memory series starts again", Style::new().yellow()))
        }
    }
}
