//! What the history holds of one target, as the reports draw it: the total over time, the groups worth a line of
//! their own, and the memory its heap profiles show.

use goroscope_analyze::{Analysis, Level, Memory, Options, SourceLines, analyze, memory};
use goroscope_dump::{HeapProfile, ParseOptions, Profile, parse_input, parse_profiles};
use goroscope_report::{GroupHistory, HistoryReport, MAX_LINES, TimePoint};

use crate::memory::judge_latest_run;
use crate::rfc3339;
use crate::store::{Store, StoreError, StoredGroup, StoredPoint};

/// Heap profiles a page judges: the latest this many whose text was recorded.
pub const HISTORY_HEAPS: usize = 60;

/// Lines of a history chart besides the total: the largest groups, suspects first.
pub const CHART_GROUPS: usize = MAX_LINES - 1;

/// Growth from which a healthy group is drawn.
const HEALTHY_GROWTH: u64 = 10;

/// The target's recorded total and its [`CHART_GROUPS`] most telling groups over time: suspects first, then the
/// largest; a healthy group only when it grew by [`HEALTHY_GROWTH`] or more. `None` for a target the history does not hold.
pub fn history_report(store: &Store, target: &str) -> Result<Option<HistoryReport>, StoreError> {
    let Some(groups) = store.groups(target)? else { return Ok(None) };
    let point = |p: &StoredPoint| TimePoint { at_ms: p.at_ms, epoch: p.epoch, count: p.count };
    let totals = store.totals(target)?.unwrap_or_default();
    let url = store.targets()?.into_iter().find(|t| t.name == target).map(|t| t.url).unwrap_or_default();
    let mut chosen: Vec<&StoredGroup> = groups.iter().collect();
    // Suspects first, then the largest.
    chosen.sort_by_key(|g| (g.level == "healthy", std::cmp::Reverse(g.last_count)));
    let mut group_lines = Vec::new();
    for g in chosen {
        if group_lines.len() == CHART_GROUPS {
            break;
        }
        if let Some((_, points)) = store.group_series(target, &g.fingerprint)? {
            // A healthy group earns a line only by growing enough to see: the goroutine fetching the profile
            // and a connection or two coming and going do not.
            let first = points.first().map_or(0, |p| p.count);
            let grew = points.last().map_or(0, |p| p.count).saturating_sub(first) >= HEALTHY_GROWTH;
            if g.level == "healthy" && !grew {
                continue;
            }
            group_lines.push(GroupHistory {
                fingerprint: g.fingerprint.clone(),
                title: g.title.clone(),
                level: Level::ALL.into_iter().find(|l| l.as_str() == g.level).unwrap_or(Level::Healthy),
                points: points.iter().map(point).collect(),
            });
        }
    }
    Ok(Some(HistoryReport {
        target: target.to_owned(),
        url,
        totals: totals.iter().map(point).collect(),
        groups: group_lines,
    }))
}

/// The memory section of a target's page, from the history.
#[derive(Debug)]
pub struct HistoryMemory {
    /// What the heap profiles say.
    pub memory: Memory,
    /// Heap profiles read (of the latest [`HISTORY_HEAPS`] with text).
    pub read: usize,
    /// Of those, the ones of earlier runs of the process, left out.
    pub left_out: usize,
    /// Stored texts that could not be read as heap profiles.
    pub unreadable: usize,
}

/// What the latest [`HISTORY_HEAPS`] heap profiles recorded of `target` say, as the watch judged them: the
/// profiles of its latest run (the latest epoch, and after the last fall of a cumulative counter), beside the
/// goroutine profiles recorded with them (for each heap profile, the latest one taken at or before it). `None`
/// when no heap profile text is recorded, or for an unknown target.
pub fn history_memory(
    store: &Store,
    target: &str,
    options: &Options,
    source: Option<&dyn SourceLines>,
) -> Result<Option<HistoryMemory>, StoreError> {
    let Some(mut stored) = store.heap_samples(target, HISTORY_HEAPS, true)? else { return Ok(None) };
    let read = stored.len();
    let Some(epoch) = stored.last().map(|h| h.epoch) else { return Ok(None) };
    stored.retain(|h| h.epoch == epoch);
    let mut left_out = read - stored.len();
    let parse = ParseOptions::default();
    let mut heaps: Vec<HeapProfile> = Vec::new();
    let mut times = Vec::new();
    for h in &stored {
        // Named by its time, as the watch names them.
        let name = format!("{target} heap at {}", rfc3339(h.at_ms));
        let text = h.text.as_deref().unwrap_or_default();
        let profile = parse_profiles(&name, text, None, &parse).ok().and_then(|profiles| {
            profiles.into_iter().find_map(|p| match p {
                Profile::Heap(heap) => Some(heap),
                Profile::Goroutines(_) => None,
            })
        });
        if let Some(mut heap) = profile {
            heap.time_nanos = Some(h.at_ms.saturating_mul(1_000_000));
            heaps.push(heap);
            times.push(h.at_ms as f64 / 1000.0);
        }
    }
    let unreadable = stored.len() - heaps.len();
    if heaps.is_empty() {
        return Ok(None);
    }
    let mut analyses: Vec<Analysis> = Vec::new();
    let mut analysis_times = Vec::new();
    let mut last_at = None;
    for h in &stored {
        let Some((at_ms, bytes)) = store.snapshot_before(target, h.at_ms)? else { continue };
        if last_at == Some(at_ms) {
            continue;
        }
        last_at = Some(at_ms);
        let name = format!("{target} at {}", rfc3339(at_ms));
        if let Some(snapshot) =
            parse_input(&name, &bytes[..], None, &parse).ok().and_then(|s| s.into_iter().last())
        {
            analyses.push(analyze(&snapshot, options, source));
            analysis_times.push(at_ms as f64 / 1000.0);
        }
    }
    let memory = match judge_latest_run(&heaps, &times, &analyses, &analysis_times, options, source) {
        Ok(judged) => {
            left_out += judged.left_out;
            judged.memory
        }
        Err(_) => {
            // Profiles that cannot be read together even from a restart on: the latest alone.
            left_out += heaps.len() - 1;
            let last = heaps.len() - 1;
            match memory(&heaps[last..], goroscope_analyze::MemoryContext::default(), options, source) {
                Ok(memory) => memory,
                Err(_) => return Ok(None),
            }
        }
    };
    Ok(Some(HistoryMemory { memory, read, left_out, unreadable }))
}
