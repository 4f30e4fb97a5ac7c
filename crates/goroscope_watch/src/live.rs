//! What the watch knows now, shared with the terminal UI and the metrics exporter while the watch runs.
//!
//! Everything kept here is bounded: a fixed number of totals, groups and events per target, so a watch of many
//! targets for days holds the same memory as after its first minutes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use goroscope_analyze::{Group, Level};
use goroscope_dump::MemStats;

use crate::{Alarm, Event, MemoryVerdict};

/// Totals kept per target, for the sparklines.
pub const TOTALS_KEPT: usize = 240;
/// Groups kept per target: the most severe and largest of the last profile.
pub const GROUPS_KEPT: usize = 50;
/// Recent events kept, across targets.
pub const EVENTS_KEPT: usize = 200;
/// Upper bounds, in seconds, of the fetch-duration histogram.
pub const DURATION_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A handle on the live state; clones share it. The watch writes, readers take snapshots.
#[derive(Debug, Clone, Default)]
pub struct Live {
    state: Arc<Mutex<LiveState>>,
    stop: Arc<AtomicBool>,
}

impl Live {
    /// An empty state.
    pub fn new() -> Live {
        Live::default()
    }

    /// A copy of the state as it is now.
    pub fn snapshot(&self) -> LiveState {
        self.lock().clone()
    }

    /// Asks the watch to end (from a reader), or tells readers that it ended (from the watch).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether [`Live::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, LiveState> {
        // A reader that panicked while holding the lock leaves a state that is still whole: every update is a
        // handful of field writes.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The watch's state.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// The targets, in the order given.
    pub targets: Vec<LiveTarget>,
    /// The latest events, oldest first.
    pub events: VecDeque<Event>,
    /// Writes to the history that failed.
    pub store_errors: u64,
    /// Where the history is written, if anywhere.
    pub store_path: Option<String>,
}

/// Appends `item`, dropping the oldest so that at most `keep` stay.
fn push_bounded<T>(items: &mut VecDeque<T>, item: T, keep: usize) {
    if items.len() >= keep {
        items.pop_front();
    }
    items.push_back(item);
}

impl LiveState {
    pub(crate) fn push_event(&mut self, event: &Event) {
        push_bounded(&mut self.events, event.clone(), EVENTS_KEPT);
    }
}

/// One target.
#[derive(Debug, Clone, Default)]
pub struct LiveTarget {
    /// Its name.
    pub name: String,
    /// Its main URL, credentials removed.
    pub url: String,
    /// Whether the last fetch succeeded; `None` before the first one ended.
    pub up: Option<bool>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Goroutines at the last sample.
    pub total: Option<u64>,
    /// `(milliseconds since the Unix epoch, goroutines)` of the last samples, oldest first.
    pub totals: VecDeque<(i64, u64)>,
    /// Fitted growth of the total over the window of profiles, goroutines per minute.
    pub rate_per_minute: Option<f64>,
    /// Goroutines in the last profile.
    pub profile_total: Option<u64>,
    /// Groups in the last profile.
    pub group_count: usize,
    /// The most severe and largest of them (at most [`GROUPS_KEPT`]), most severe first.
    pub groups: Vec<LiveGroup>,
    /// Restarts of the target's process seen.
    pub restarts: u64,
    /// Alarms raised, by reason.
    pub alarms: BTreeMap<&'static str, u64>,
    /// The latest alarms about groups, oldest first (at most [`GROUPS_KEPT`]).
    pub group_alarms: VecDeque<Alarm>,
    /// Fetches, by source (`metrics`, `expvar`, `debug1`, `debug2`, `heap`).
    pub fetches: BTreeMap<&'static str, Fetches>,
    /// What the heap profiles say, once one was read.
    pub memory: Option<LiveMemory>,
}

/// A target's memory: its last heap profile and the verdict over the window of them.
#[derive(Debug, Clone, Default)]
pub struct LiveMemory {
    /// The runtime's statistics in the last heap profile.
    pub memstats: Option<MemStats>,
    /// Heap in use by the last profile's own estimate.
    pub profile_inuse: u64,
    /// Heap profiles of this run in the window.
    pub profiles: usize,
    /// The verdict over them, from three on.
    pub verdict: Option<MemoryVerdict>,
}

impl LiveTarget {
    pub(crate) fn new(name: &str, url: &str) -> LiveTarget {
        LiveTarget { name: name.to_owned(), url: url.to_owned(), ..LiveTarget::default() }
    }

    pub(crate) fn push_total(&mut self, at_ms: i64, total: u64) {
        self.total = Some(total);
        push_bounded(&mut self.totals, (at_ms, total), TOTALS_KEPT);
    }

    /// The latest alarm about the group with this fingerprint.
    pub fn alarm_for(&self, fingerprint: &str) -> Option<&Alarm> {
        self.group_alarms.iter().rev().find(|a| a.fingerprint.as_deref() == Some(fingerprint))
    }

    pub(crate) fn record_alarm(&mut self, alarm: &Alarm) {
        *self.alarms.entry(alarm.reason).or_default() += 1;
        if alarm.fingerprint.is_none() {
            return;
        }
        push_bounded(&mut self.group_alarms, alarm.clone(), GROUPS_KEPT);
        for group in &mut self.groups {
            group.alarmed |= alarm.fingerprint.as_ref() == Some(&group.group.fingerprint);
        }
    }

    /// Alarms raised, all reasons.
    pub fn alarm_count(&self) -> u64 {
        self.alarms.values().sum()
    }
}

/// A group of the last profile, with its growth over the window.
#[derive(Debug, Clone)]
pub struct LiveGroup {
    /// The group, as analysed (with source excerpts when the files were found).
    pub group: Group,
    /// Growth over the window (0 before there are three profiles).
    pub growth: i64,
    /// Fitted growth, goroutines per minute.
    pub rate_per_minute: f64,
    /// Whether an alarm names it.
    pub alarmed: bool,
}

/// The [`GROUPS_KEPT`] groups to show, from `(group, growth, rate)`: alarmed ones first, then by level, then the
/// largest growth and count. Only those are copied.
pub(crate) fn top_groups<'g>(
    candidates: impl Iterator<Item = (&'g Group, i64, f64)>,
    alarmed: &HashSet<&str>,
) -> Vec<LiveGroup> {
    let mut ranked: Vec<_> = candidates
        .map(|(group, growth, rate)| {
            let alarmed = alarmed.contains(group.fingerprint.as_str());
            let key = (!alarmed, group.level, Reverse((growth.max(0), group.count)), &group.fingerprint);
            (key, group, growth, rate, alarmed)
        })
        .collect();
    ranked.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    ranked
        .into_iter()
        .take(GROUPS_KEPT)
        .map(|(_, group, growth, rate_per_minute, alarmed)| LiveGroup {
            group: group.clone(),
            growth,
            rate_per_minute,
            alarmed,
        })
        .collect()
}

/// Fetches of one kind from one target.
#[derive(Debug, Clone, Default)]
pub struct Fetches {
    /// Fetches that gave a usable answer.
    pub ok: u64,
    /// Fetches that failed, or whose answer could not be read.
    pub errors: u64,
    /// Total time the fetches took, in seconds.
    pub seconds: f64,
    /// Fetches per duration bucket ([`DURATION_BUCKETS`], then one for longer ones); not cumulative.
    pub buckets: [u64; DURATION_BUCKETS.len() + 1],
}

impl Fetches {
    pub(crate) fn observe(&mut self, seconds: f64, ok: bool) {
        if ok {
            self.ok += 1;
        } else {
            self.errors += 1;
        }
        self.seconds += seconds;
        let bucket = DURATION_BUCKETS.iter().position(|&b| seconds <= b).unwrap_or(DURATION_BUCKETS.len());
        self.buckets[bucket] += 1;
    }
}

/// A level as a number for metrics and sorting: 3 certain, 2 likely, 1 possible, 0 healthy.
pub fn severity(level: Level) -> u8 {
    match level {
        Level::Certain => 3,
        Level::Likely => 2,
        Level::Possible => 1,
        Level::Healthy => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_durations_fall_in_their_bucket() {
        let mut fetches = Fetches::default();
        fetches.observe(0.004, true);
        fetches.observe(0.3, false);
        fetches.observe(60.0, false);
        assert_eq!((fetches.ok, fetches.errors), (1, 2));
        assert_eq!(fetches.buckets[0], 1);
        assert_eq!(fetches.buckets[6], 1, "0.3 s is at most 0.5 s");
        assert_eq!(fetches.buckets[DURATION_BUCKETS.len()], 1, "longer than the last bound");
        assert!((fetches.seconds - 60.304).abs() < 1e-9);
    }

    #[test]
    fn totals_and_events_stay_bounded() {
        let mut target = LiveTarget::new("t", "http://h");
        for i in 0..(TOTALS_KEPT as u64 * 3) {
            target.push_total(i as i64, i);
        }
        assert_eq!(target.totals.len(), TOTALS_KEPT);
        assert_eq!(target.totals.back(), Some(&(TOTALS_KEPT as i64 * 3 - 1, TOTALS_KEPT as u64 * 3 - 1)));
        let mut state = LiveState::default();
        let event = Event {
            time: String::new(),
            at_ms: 0,
            target: "t".into(),
            kind: crate::EventKind::Up { after_failures: 1 },
        };
        for _ in 0..EVENTS_KEPT + 5 {
            state.push_event(&event);
        }
        assert_eq!(state.events.len(), EVENTS_KEPT);
    }
}
