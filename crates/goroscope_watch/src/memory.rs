//! Memory over a watch: a target's recent heap profiles judged together with the goroutine profiles taken over
//! the same time, by the same analysis as `goroscope analyze --memory --samples N`.

use goroscope_analyze::{
    Analysis, Memory, MemoryContext, MixError, Options, RateUnit, SourceLines, memory, series,
};
use goroscope_dump::HeapProfile;
use serde::Serialize;

/// What the memory analysis of a window of heap profiles says, as the `memory` event carries it and the live
/// state shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemoryVerdict {
    /// The verdict in one sentence.
    pub verdict: String,
    /// Whether the growth is more than noise: large enough, and rising steadily.
    pub significant: bool,
    /// Bytes the process grew by across the window.
    pub total_bytes: u64,
    /// Fitted growth in bytes per minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_bytes_per_minute: Option<f64>,
    /// What the total is measured by: `max_rss`, `go_runtime` or `heap_profile`.
    pub measured_by: &'static str,
    /// Seconds from the first heap profile of the window to the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Heap profiles judged.
    pub profiles: usize,
    /// The parts of the growth, largest first.
    pub parts: Vec<MemoryPart>,
}

/// One part of the growth.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemoryPart {
    /// What it is: `heap-site-grows`, `heap-held-by-goroutines`, `off-heap-growth`… (as in the JSON report).
    pub cause: &'static str,
    /// Bytes it grew by (negative: shrank).
    pub bytes: i64,
    /// Its share of the growth, from 0 to 1.
    pub share: f64,
    /// What and where, in one line.
    pub title: String,
    /// What to do about it.
    pub fix: String,
    /// Names the part from one analysis to the next: its cause, and its goroutine group or first heap site.
    #[serde(skip)]
    pub key: String,
}

impl MemoryVerdict {
    /// The verdict of a memory analysis over two profiles or more.
    pub fn of(memory: &Memory) -> Option<MemoryVerdict> {
        let growth = memory.growth.as_ref()?;
        Some(MemoryVerdict {
            verdict: growth.verdict.clone(),
            significant: growth.significant,
            total_bytes: growth.total,
            rate_bytes_per_minute: (memory.unit == RateUnit::PerMinute).then_some(growth.rate),
            measured_by: growth.measured_by,
            seconds: growth.seconds,
            profiles: memory.points.len(),
            parts: growth
                .parts
                .iter()
                .map(|p| {
                    let site = p.sites.first().and_then(|&i| memory.sites.get(i)).map(|s| &*s.fingerprint);
                    MemoryPart {
                        cause: p.cause.as_str(),
                        bytes: p.bytes,
                        share: p.share,
                        title: p.title.clone(),
                        fix: p.fix.clone(),
                        key: format!("{}/{}", p.cause.as_str(), p.group.as_deref().or(site).unwrap_or("")),
                    }
                })
                .collect(),
        })
    }

    /// The part with the largest share of the growth.
    pub fn leading(&self) -> Option<&MemoryPart> {
        self.parts.iter().filter(|p| p.share > 0.0).max_by(|a, b| a.share.total_cmp(&b.share))
    }
}

/// A memory analysis of the latest run of a process.
#[derive(Debug)]
pub struct Judged {
    /// The analysis of the profiles kept.
    pub memory: Memory,
    /// The oldest profiles left out because a later one is of another run.
    pub left_out: usize,
    /// Why they were left out.
    pub restart: Option<MixError>,
}

/// Analyses heap profiles of one target, oldest first, with their times in seconds since the Unix epoch, beside
/// the goroutine analyses of the same target (oldest first, with their times). Profiles of an earlier run of the
/// process (a cumulative counter fell after them) are left out; the goroutine profiles used start at the last
/// one taken at or before the first heap profile kept.
///
/// Each heap profile's `source` must name it alone: a refusal names the profile it starts again from.
pub fn judge_latest_run(
    heaps: &[HeapProfile],
    heap_times: &[f64],
    goroutines: &[Analysis],
    goroutine_times: &[f64],
    options: &Options,
    source: Option<&dyn SourceLines>,
) -> Result<Judged, MixError> {
    let mut start = 0;
    let mut restart = None;
    loop {
        let from = heap_times.get(start).copied().unwrap_or(f64::INFINITY);
        let first = goroutine_times.iter().rposition(|&t| t <= from).unwrap_or(0);
        let (analyses, times) = (&goroutines[first.min(goroutines.len())..], &goroutine_times[first..]);
        let times = increasing(times);
        let followed = (analyses.len() >= 2).then(|| series(analyses, times, None));
        // Fields the context gains (what the source says keeps a site's memory) stay at their defaults.
        #[allow(clippy::needless_update)]
        let context = MemoryContext {
            seconds: increasing(&heap_times[start..]),
            series: followed.as_ref(),
            latest: analyses.last(),
            ..MemoryContext::default()
        };
        match memory(&heaps[start..], context, options, source) {
            Ok(memory) => return Ok(Judged { memory, left_out: start, restart }),
            Err(error) => {
                let later = match &error {
                    MixError::Restarted { after, .. } => after,
                    MixError::DifferentPrograms { second, .. } => second,
                };
                // Each step drops at least one profile, so this ends.
                match heaps[start..].iter().rposition(|h| &h.source == later) {
                    Some(at) if at > 0 => {
                        start += at;
                        restart = Some(error);
                    }
                    _ => return Err(error),
                }
            }
        }
    }
}

/// The times when each is later than the one before.
fn increasing(times: &[f64]) -> Option<&[f64]> {
    goroscope_analyze::strictly_increasing(times).then_some(times)
}

#[cfg(test)]
pub(crate) mod tests {
    use goroscope_dump::{ParseOptions, Profile, parse_profiles};

    use super::*;

    /// A real `debug=1` heap profile (Go 1.26, the fixture of `goroscope_dump`), edited: `main.grow` holds `mib`
    /// MiB of the `allocs` MiB it ever allocated, and the runtime's numbers follow.
    pub(crate) fn heap(source: &str, mib: u64, allocs: u64) -> HeapProfile {
        let real = include_str!("../../goroscope_dump/tests/heap/retained-go1.26.txt");
        let edited: Vec<String> = real
            .lines()
            .map(|line| {
                let (key, _) = line.split_once(" = ").unwrap_or((line, ""));
                let value = match key {
                    "# TotalAlloc" => (allocs << 20) + 8000,
                    "# Mallocs" => allocs + 300,
                    "# NumGC" => allocs,
                    "# Alloc" | "# HeapAlloc" | "# HeapInuse" => (mib << 20) + (10 << 20),
                    "# HeapSys" => (mib << 20) + (16 << 20),
                    "# Sys" => (mib << 20) + (20 << 20),
                    "# MaxRSS" => (mib << 20) + (22 << 20),
                    _ if line.starts_with("heap profile: ") => {
                        let (all, ever) = ((mib << 20) + 112, (allocs << 20) + 112);
                        return format!(
                            "heap profile: {}: {all} [{}: {ever}] @ heap/1048576",
                            mib + 1,
                            allocs + 1
                        );
                    }
                    _ if line.starts_with("41: ") => {
                        let stack = line.split_once(" @ ").unwrap().1;
                        return format!("{mib}: {} [{allocs}: {}] @ {stack}", mib << 20, allocs << 20);
                    }
                    _ => return line.to_owned(),
                };
                format!("{key} = {value}")
            })
            .collect();
        let text = edited.join("\n") + "\n";
        let parsed = parse_profiles(source, text.as_bytes(), None, &ParseOptions::default()).unwrap();
        match parsed.into_iter().next() {
            Some(Profile::Heap(heap)) => heap,
            _ => panic!("not a heap profile"),
        }
    }

    #[test]
    fn profiles_before_a_restart_are_left_out_and_the_rest_judged() {
        // Growing by 8 MiB a profile, then a new process (every counter starts again), growing again.
        let heaps = vec![
            heap("a", 8, 10),
            heap("b", 16, 20),
            heap("c", 24, 30),
            heap("d", 8, 5),
            heap("e", 16, 12),
            heap("f", 24, 19),
            heap("g", 32, 26),
        ];
        let times: Vec<f64> = (0..heaps.len()).map(|i| 1000.0 + 60.0 * i as f64).collect();
        let judged = judge_latest_run(&heaps, &times, &[], &[], &Options::default(), None).unwrap();
        assert_eq!(judged.left_out, 3);
        let restart = judged.restart.unwrap().to_string();
        assert!(restart.contains("c and d are not of one run"), "{restart}");
        let verdict = MemoryVerdict::of(&judged.memory).unwrap();
        assert_eq!(verdict.profiles, 4);
        assert!(verdict.significant, "{verdict:?}");
        let leading = verdict.leading().unwrap();
        assert_eq!(leading.cause, "heap-site-grows", "{verdict:?}");
        assert!(leading.title.contains("main.grow"), "{verdict:?}");
        assert!(verdict.rate_bytes_per_minute.unwrap() > 7.0 * 1024.0 * 1024.0, "{verdict:?}");

        let one_run =
            judge_latest_run(&heaps[3..], &times[3..], &[], &[], &Options::default(), None).unwrap();
        assert_eq!((one_run.left_out, one_run.restart.is_none()), (0, true));
        assert_eq!(MemoryVerdict::of(&one_run.memory), Some(verdict));
    }

    #[test]
    fn a_steady_process_has_a_verdict_that_is_not_significant() {
        let heaps: Vec<HeapProfile> = (0..4).map(|i| heap(&format!("p{i}"), 16, 10 + i * 10)).collect();
        let times: Vec<f64> = (0..4).map(|i| f64::from(i) * 30.0).collect();
        let judged = judge_latest_run(&heaps, &times, &[], &[], &Options::default(), None).unwrap();
        let verdict = MemoryVerdict::of(&judged.memory).unwrap();
        assert!(!verdict.significant && verdict.verdict.starts_with("memory is steady"), "{verdict:?}");
        assert!(verdict.leading().is_none(), "{verdict:?}");
    }
}
