//! The polling loop: cheap counts every interval, an aggregated profile (`debug=1`) less often or as soon as
//! the count jumps, a full dump (`debug=2`) only after an alarm or an outage; every sample stored; the last few
//! profiles of each target judged with the same series analysis as `goroscope series`; a heap profile every
//! `--heap-interval`, its last few judged with the goroutine profiles of the same time for the memory verdict.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use goroscope_analyze::{
    Analysis, Blocking, Group, GroupSeries, Level, Options, Series, SourceLines, human_bytes, series,
};
use goroscope_collect::{HttpClient, Profile, parse_http_target, redact};
use goroscope_dump::{HeapProfile, ParseOptions, parse_input, parse_profiles};
use serde::Serialize;

use crate::live::{Live, LiveMemory, LiveTarget, top_groups};
use crate::memory::{MemoryVerdict, judge_latest_run};
use crate::source::{Cheap, Reading, TargetSpec, heap_url, parse_expvar, parse_metrics};
use crate::store::{GroupCount, MAX_HEAP_TEXT, NewHeap, NewSample, Store};

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// How often the cheap count is read (and the profile, for targets without a cheap source).
    pub interval: Duration,
    /// How often the aggregated profile is fetched when a cheap source gives the count.
    pub profile_interval: Duration,
    /// The shortest time between two full dumps of one target.
    pub detail_interval: Duration,
    /// How often the heap profile (`heap?debug=1&gc=1`) of a target with pprof is fetched; `None`: never. The
    /// last `window` of them are judged together for the memory verdict.
    pub heap_interval: Option<Duration>,
    /// Profiles judged together; a group that grew across them steadily raises an alarm.
    pub window: usize,
    /// The span of the long window: one profile every `long_window / LONG_POINTS` kept and judged the same
    /// way, for leaks too slow to show within `window` profiles.
    pub long_window: Duration,
    /// An alarm when a target's total passes this.
    pub limit: Option<u64>,
    /// An alarm when one group passes this.
    pub max_group: Option<u64>,
    /// The least growth of a group across the window that can raise a `steady-growth` alarm: less is pools
    /// filling and connections opening.
    pub min_growth: u64,
    /// Fetches in flight at once.
    pub concurrency: usize,
    /// The longest wait after repeated failures of one target.
    pub max_backoff: Duration,
    /// How profiles are analysed.
    pub analysis: Options,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            interval: Duration::from_secs(10),
            profile_interval: Duration::from_secs(60),
            detail_interval: Duration::from_secs(300),
            heap_interval: Some(Duration::from_secs(300)),
            window: 6,
            long_window: Duration::from_secs(3600),
            limit: None,
            max_group: None,
            min_growth: 10,
            concurrency: 8,
            max_backoff: Duration::from_secs(300),
            analysis: Options::default(),
        }
    }
}

/// Profiles kept in the long window.
pub const LONG_POINTS: usize = 12;

/// When the watch ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Never (until the process is stopped).
    Forever,
    /// At the first alarm.
    Leak,
    /// After this long.
    Elapsed(Duration),
}

/// Something that happened to a target, as printed and as written to `--events` (one JSON object per line).
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// RFC 3339 time.
    pub time: String,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The target's name.
    pub target: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventKind {
    /// A count was read.
    Sample {
        /// `metrics`, `expvar`, `debug1` or `debug2`.
        source: &'static str,
        /// Goroutines.
        total: u64,
        /// Time the fetch took.
        duration_ms: u64,
        /// Groups in the profile (profiles only).
        #[serde(skip_serializing_if = "Option::is_none")]
        groups: Option<usize>,
        /// Fitted growth of the total over the window, goroutines per minute (profiles only, from three on).
        #[serde(skip_serializing_if = "Option::is_none")]
        rate_per_minute: Option<f64>,
    },
    /// A group leaks, or a limit was passed.
    Alarm(Alarm),
    /// The target's process is not the one seen before: its series starts again.
    Restart {
        /// What showed it.
        reason: String,
    },
    /// A fetch failed.
    Down {
        /// Why.
        error: String,
        /// Failures in a row.
        failures: u32,
        /// When the next try is, in seconds.
        retry_in_s: f64,
    },
    /// The target answers again.
    Up {
        /// Failures before this success.
        after_failures: u32,
    },
    /// The history could not be written; the watch goes on.
    StoreError {
        /// Why.
        error: String,
    },
    /// A heap profile was read.
    HeapSample {
        /// Time the fetch took (the service collects garbage first).
        duration_ms: u64,
        /// Heap spans holding objects (`MemStats.HeapInuse`).
        #[serde(skip_serializing_if = "Option::is_none")]
        heap_inuse_bytes: Option<u64>,
        /// Memory the Go runtime holds from the OS (`Sys - HeapReleased`).
        #[serde(skip_serializing_if = "Option::is_none")]
        go_runtime_bytes: Option<u64>,
        /// The process's peak resident memory (`MaxRSS`, Go 1.20+).
        #[serde(skip_serializing_if = "Option::is_none")]
        max_rss_bytes: Option<u64>,
        /// Heap in use by the profile's own estimate.
        profile_inuse_bytes: u64,
        /// Heap profiles of this run in the window.
        profiles: usize,
        /// What was not recorded of it.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The target's memory grows: the verdict over the window of heap profiles, sent when it first names a
    /// leading part, and again when another part leads.
    Memory(MemoryVerdict),
    /// The heap profiles are not of one run (a cumulative counter fell): those before the restart are left out.
    MemoryReset {
        /// Why.
        reason: String,
    },
}

impl EventKind {
    /// Whether it is a routine reading (`sample`, `heap-sample`): what `-q` leaves out and the history does not
    /// keep as an event.
    pub fn is_sample(&self) -> bool {
        matches!(self, EventKind::Sample { .. } | EventKind::HeapSample { .. })
    }
}

/// An alarm about a group or a total.
#[derive(Debug, Clone, Serialize)]
pub struct Alarm {
    /// `steady-growth`, `certain`, `group-limit` or `total-limit`.
    pub reason: &'static str,
    /// The group's fingerprint (absent for `total-limit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The group's leak site, or the total.
    pub title: String,
    /// The group's level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The catalogue pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    /// Goroutines now.
    pub count: u64,
    /// Growth over the window.
    pub growth: i64,
    /// Fitted growth, goroutines per minute.
    pub rate_per_minute: f64,
    /// The evidence, as sentences.
    pub evidence: Vec<String>,
    /// How to fix it, from the catalogue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'static str>,
    /// The evidence about growth across profiles, which a full dump cannot replace.
    #[serde(skip)]
    over_time: Vec<String>,
}

/// How a watch ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Alarms raised.
    pub alarms: u64,
    /// Samples taken (failed ones included).
    pub samples: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetch {
    Cheap(Cheap),
    Profile,
    Detail,
    Heap,
}

impl Fetch {
    fn source(self) -> &'static str {
        match self {
            Fetch::Cheap(cheap) => cheap.name(),
            Fetch::Profile => "debug1",
            Fetch::Detail => "debug2",
            Fetch::Heap => "heap",
        }
    }
}

struct Job {
    target: usize,
    fetch: Fetch,
    url: String,
}

struct Done {
    target: usize,
    fetch: Fetch,
    result: Result<Vec<u8>, String>,
    duration: Duration,
    at_ms: i64,
}

/// What identifies one run of a target's process.
#[derive(Debug, Clone, Default)]
struct Marks {
    process_start: Option<f64>,
    identity: Option<String>,
    lifetime_counter: Option<f64>,
    max_goroutine_id: Option<u64>,
}

impl Marks {
    /// Why `next` cannot come from the same process as `self`, if it cannot.
    fn restart(&self, next: &Marks) -> Option<String> {
        if let (Some(a), Some(b)) = (&self.identity, &next.identity)
            && a != b
        {
            return Some(format!("another process answers: command line {a:?} became {b:?}"));
        }
        if let (Some(a), Some(b)) = (self.process_start, next.process_start)
            && (a - b).abs() > 1.0
        {
            return Some(format!("the process start time changed from {a:.0} to {b:.0}"));
        }
        if let (Some(a), Some(b)) = (self.lifetime_counter, next.lifetime_counter)
            && b < a
        {
            return Some(format!("the allocation counter went back from {a:.0} to {b:.0}"));
        }
        // Each P hands out ids from its own batch of 16, and the newest goroutine may have exited, so the highest
        // id can dip a little within one process; a new process starts again from 1.
        if let (Some(a), Some(b)) = (self.max_goroutine_id, next.max_goroutine_id)
            && b < a / 2
            && a - b > 64
        {
            return Some(format!("goroutine ids started again: the highest went from {a} to {b}"));
        }
        None
    }

    fn update(&mut self, next: Marks) {
        self.process_start = next.process_start.or(self.process_start);
        self.identity = next.identity.or(self.identity.take());
        self.lifetime_counter = next.lifetime_counter.or(self.lifetime_counter);
        self.max_goroutine_id = next.max_goroutine_id.or(self.max_goroutine_id);
    }
}

/// The last few of something taken over time, oldest first, with their times in seconds since the Unix epoch.
struct Timed<T> {
    items: VecDeque<T>,
    times: VecDeque<f64>,
}

impl<T> Default for Timed<T> {
    fn default() -> Self {
        Timed { items: VecDeque::new(), times: VecDeque::new() }
    }
}

impl<T> Timed<T> {
    /// Adds one, keeping the last `keep`.
    fn push(&mut self, item: T, at: f64, keep: usize) {
        self.items.push_back(item);
        self.times.push_back(at);
        self.drop_oldest(self.items.len().saturating_sub(keep));
    }

    /// Leaves out the oldest `n`.
    fn drop_oldest(&mut self, n: usize) {
        let n = n.min(self.items.len());
        self.items.drain(..n);
        self.times.drain(..n);
    }
}

/// Goroutine profiles of one epoch.
type Profiles = Timed<Analysis>;

impl Profiles {
    fn last(&self) -> Option<&Analysis> {
        self.items.back()
    }

    /// The series of the profiles kept, as `goroscope series` builds it.
    fn series(&mut self, limit: Option<u64>) -> Series {
        let times: Vec<f64> = self.times.iter().copied().collect();
        series(self.items.make_contiguous(), Some(&times), limit)
    }
}

/// Heap profiles of one run.
#[derive(Default)]
struct HeapWindow {
    profiles: Timed<HeapProfile>,
    /// The leading part of the last `memory` event sent (its [`crate::MemoryPart::key`]).
    leading: Option<String>,
}

impl HeapWindow {
    /// Leaves out the oldest `n` profiles: those of an earlier run. Growth in the new run is news again.
    fn restart(&mut self, n: usize) {
        self.profiles.drop_oldest(n);
        self.leading = None;
    }
}

// The flags are independent parts of one target's polling state.
#[allow(clippy::struct_excessive_bools)]
struct TargetState {
    /// Its place in the target list (and in the live state).
    index: usize,
    spec: TargetSpec,
    shown_url: String,
    row: Option<i64>,
    epoch: Option<i64>,
    marks: Marks,
    busy: bool,
    failures: u32,
    /// After an outage, the next profile is a full dump, whose goroutine ids tell whether the process restarted.
    check_identity: bool,
    next_cheap: Instant,
    next_profile: Instant,
    detail_wanted: bool,
    last_detail: Option<Instant>,
    last_profile_total: Option<u64>,
    /// The last profiles of this epoch.
    window: Profiles,
    /// Profiles of this epoch spread over the long window.
    long: Profiles,
    alarmed: HashSet<String>,
    total_alarmed: bool,
    /// Alarms held back until the full dump that explains them arrives.
    pending: Vec<Alarm>,
    /// Where the heap profile comes from, when it is sampled.
    heap_url: Option<String>,
    next_heap: Instant,
    /// The last heap profiles of this run.
    heaps: HeapWindow,
}

impl TargetState {
    fn new(index: usize, spec: TargetSpec, now: Instant, opts: &WatchOptions) -> TargetState {
        let shown_url = redact(spec.pprof.as_deref().or(spec.cheap().map(|c| c.1)).unwrap_or(""));
        // A target whose URL names a heap profile is refused before the watch ([`TargetSpec::validate`]).
        let heap_url = opts.heap_interval.and(spec.pprof.as_deref()).and_then(|p| heap_url(p).ok());
        TargetState {
            index,
            spec,
            shown_url,
            row: None,
            epoch: None,
            marks: Marks::default(),
            busy: false,
            failures: 0,
            check_identity: true,
            next_cheap: now,
            next_profile: now,
            detail_wanted: false,
            last_detail: None,
            last_profile_total: None,
            window: Profiles::default(),
            long: Profiles::default(),
            alarmed: HashSet::new(),
            total_alarmed: false,
            pending: Vec::new(),
            heap_url,
            next_heap: now,
            heaps: HeapWindow::default(),
        }
    }

    /// The goroutine analyses of this run kept in both windows, oldest first, with their times: from the last
    /// one taken at or before the first heap profile of the window on.
    fn goroutine_profiles(&self) -> (Vec<Analysis>, Vec<f64>) {
        let long = self.long.times.iter().copied().zip(&self.long.items);
        let short = self.window.times.iter().copied().zip(&self.window.items);
        let mut all: Vec<(f64, &Analysis)> = long.chain(short).collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        // A profile kept in both windows is one profile.
        all.dedup_by(|a, b| a.0.total_cmp(&b.0).is_eq());
        let from = self.heaps.profiles.times.front().copied().unwrap_or(f64::INFINITY);
        let first = all.iter().rposition(|(t, _)| *t <= from).unwrap_or(0);
        all[first..].iter().map(|&(t, a)| (a.clone(), t)).unzip()
    }

    /// The next fetch due at `now`, if any.
    fn due(&self, now: Instant, opts: &WatchOptions) -> Option<(Fetch, String)> {
        if self.busy {
            return None;
        }
        let pprof = self.spec.pprof.as_deref();
        let profile_url = |fetch: Fetch, debug: u8| {
            let target = parse_http_target(pprof?).ok()?;
            Some((fetch, target.url(Profile::Goroutine, debug)))
        };
        if pprof.is_some()
            && self.detail_wanted
            && self.last_detail.is_none_or(|at| now.duration_since(at) >= opts.detail_interval)
        {
            return profile_url(Fetch::Detail, 2);
        }
        if pprof.is_some() && now >= self.next_profile {
            return if self.check_identity {
                profile_url(Fetch::Detail, 2)
            } else {
                profile_url(Fetch::Profile, 1)
            };
        }
        if let Some(url) = &self.heap_url
            && now >= self.next_heap
        {
            return Some((Fetch::Heap, url.clone()));
        }
        match self.spec.cheap() {
            Some((cheap, url)) if now >= self.next_cheap => Some((Fetch::Cheap(cheap), url.to_owned())),
            _ => None,
        }
    }

    fn next_due(&self) -> Instant {
        let due = if self.spec.pprof.is_some() && self.spec.cheap().is_none() {
            self.next_profile
        } else if self.spec.pprof.is_some() {
            self.next_cheap.min(self.next_profile)
        } else {
            self.next_cheap
        };
        if self.heap_url.is_some() { due.min(self.next_heap) } else { due }
    }
}

/// What a watch writes to and reads from, besides the targets.
pub struct Outputs<'a> {
    /// The history, when one is kept.
    pub store: Option<&'a mut Store>,
    /// The state the terminal UI and the exporter show; [`Live::stop`] on it ends the watch.
    pub live: Live,
    /// Where source excerpts of the groups come from.
    pub source: Option<&'a dyn SourceLines>,
    /// Receives every event.
    pub sink: &'a mut dyn FnMut(&Event),
}

/// Watches `targets` until `until` (or until [`Live::stop`]), recording into the store when there is one and
/// handing every event to the sink.
pub fn watch(
    targets: Vec<TargetSpec>,
    opts: &WatchOptions,
    client: HttpClient,
    until: Until,
    outputs: Outputs<'_>,
) -> Summary {
    let started = Instant::now();
    let mut states: Vec<TargetState> =
        targets.into_iter().enumerate().map(|(i, spec)| TargetState::new(i, spec, started, opts)).collect();
    {
        let mut live = outputs.live.lock();
        live.targets = states.iter().map(|s| LiveTarget::new(&s.spec.name, &s.shown_url)).collect();
        live.store_path = outputs.store.as_deref().map(|s| s.path().display().to_string());
    }
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let client = Arc::new(client);
    for _ in 0..opts.concurrency.clamp(1, 64).min(states.len().max(1)) {
        let (jobs, done, client) = (Arc::clone(&jobs_rx), done_tx.clone(), Arc::clone(&client));
        thread::spawn(move || {
            loop {
                // The lock is held only to take one job; fetches run in parallel.
                let job = match jobs.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                let begun = Instant::now();
                let result = client.fetch(&job.url).map(|f| f.body).map_err(|e| e.to_string());
                let done_job = Done {
                    target: job.target,
                    fetch: job.fetch,
                    result,
                    duration: begun.elapsed(),
                    at_ms: now_ms(),
                };
                if done.send(done_job).is_err() {
                    return;
                }
            }
        });
    }
    drop(done_tx);

    let Outputs { store, live, source, sink } = outputs;
    let mut watcher =
        Watcher { opts, store, live, source, sink, summary: Summary::default(), last_store_error: None };
    loop {
        let now = Instant::now();
        let deadline = match until {
            Until::Elapsed(d) => Some(started + d),
            _ => None,
        };
        // At the first alarm, `--until leak` still waits for the full dump that explains it.
        let explained = states.iter().all(|s| s.pending.is_empty());
        if deadline.is_some_and(|d| now >= d)
            || watcher.live.stopped()
            || (until == Until::Leak && watcher.summary.alarms > 0 && explained)
        {
            break;
        }
        for (index, state) in states.iter_mut().enumerate() {
            if let Some((fetch, url)) = state.due(now, opts) {
                state.busy = true;
                if jobs_tx.send(Job { target: index, fetch, url }).is_err() {
                    return watcher.summary;
                }
            }
        }
        let next = states.iter().filter(|s| !s.busy).map(TargetState::next_due).min();
        let mut wait = next.map_or(Duration::from_secs(1), |n| n.saturating_duration_since(now));
        if let Some(d) = deadline {
            wait = wait.min(d.saturating_duration_since(now));
        }
        // Short enough that a stop asked by a reader is seen at once.
        match done_rx.recv_timeout(wait.min(Duration::from_millis(200))) {
            Ok(done) => {
                let state = &mut states[done.target];
                state.busy = false;
                watcher.handle(state, done);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // Alarms still waiting for their dump when the watch ends go out as they are.
    for state in &mut states {
        for alarm in std::mem::take(&mut state.pending) {
            watcher.emit(state, now_ms(), EventKind::Alarm(alarm));
        }
    }
    watcher.live.stop();
    watcher.summary
}

struct Watcher<'a, 's> {
    opts: &'a WatchOptions,
    store: Option<&'s mut Store>,
    live: Live,
    source: Option<&'s dyn SourceLines>,
    sink: &'s mut dyn FnMut(&Event),
    summary: Summary,
    last_store_error: Option<String>,
}

impl Watcher<'_, '_> {
    fn emit(&mut self, state: &TargetState, at_ms: i64, kind: EventKind) {
        let event = Event { time: rfc3339(at_ms), at_ms, target: state.spec.name.clone(), kind };
        if !event.kind.is_sample()
            && !matches!(event.kind, EventKind::StoreError { .. })
            && let (Some(store), Some(row)) = (self.store.as_deref_mut(), state.row)
        {
            let kind = serde_json::to_value(&event.kind).ok();
            let name = kind.as_ref().and_then(|k| k["event"].as_str()).unwrap_or("event").to_owned();
            let json = serde_json::to_string(&event).unwrap_or_default();
            if let Err(e) = store.record_event(row, at_ms, &name, &json) {
                self.store_failed(state, at_ms, &e.to_string());
            }
        }
        {
            let mut live = self.live.lock();
            let target = &mut live.targets[state.index];
            match &event.kind {
                EventKind::Alarm(alarm) => target.record_alarm(alarm),
                EventKind::Restart { .. } => target.restarts += 1,
                _ => {}
            }
            live.push_event(&event);
        }
        (self.sink)(&event);
    }

    /// Reports a store error once until a write succeeds again.
    fn store_failed(&mut self, state: &TargetState, at_ms: i64, error: &str) {
        self.live.lock().store_errors += 1;
        if self.last_store_error.as_deref() != Some(error) {
            self.last_store_error = Some(error.to_owned());
            let event = Event {
                time: rfc3339(at_ms),
                at_ms,
                target: state.spec.name.clone(),
                kind: EventKind::StoreError { error: error.to_owned() },
            };
            self.live.lock().push_event(&event);
            (self.sink)(&event);
        }
    }

    fn handle(&mut self, state: &mut TargetState, mut done: Done) {
        self.summary.samples += 1;
        let now = Instant::now();
        self.ensure_rows(state, done.at_ms);
        let body = match std::mem::replace(&mut done.result, Ok(Vec::new())) {
            Ok(body) => body,
            Err(error) => {
                self.observe_fetch(state, &done, false);
                return self.failed(state, &done, now, error);
            }
        };
        let outcome = match done.fetch {
            Fetch::Cheap(cheap) => self.cheap(state, &done, cheap, &body, now),
            Fetch::Profile | Fetch::Detail => self.profile(state, &done, &body, now),
            Fetch::Heap => self.heap(state, &done, &body, now),
        };
        self.observe_fetch(state, &done, outcome.is_ok());
        if let Err(error) = outcome {
            self.failed(state, &done, now, error);
        }
    }

    fn observe_fetch(&self, state: &TargetState, done: &Done, ok: bool) {
        let mut live = self.live.lock();
        let fetches = live.targets[state.index].fetches.entry(done.fetch.source()).or_default();
        fetches.observe(done.duration.as_secs_f64(), ok);
    }

    fn ensure_rows(&mut self, state: &mut TargetState, at_ms: i64) {
        if state.row.is_some() {
            return;
        }
        let Some(store) = self.store.as_deref_mut() else { return };
        let row = store.target(&state.spec.name, &state.shown_url, at_ms);
        match row {
            Ok(row) => state.row = Some(row),
            Err(e) => self.store_failed(state, at_ms, &e.to_string()),
        }
    }

    fn failed(&mut self, state: &mut TargetState, done: &Done, now: Instant, error: String) {
        state.failures += 1;
        state.check_identity = true;
        {
            let mut live = self.live.lock();
            let target = &mut live.targets[state.index];
            target.up = Some(false);
            target.last_error = Some(error.clone());
        }
        let backoff =
            self.opts.interval.saturating_mul(1 << (state.failures - 1).min(16)).min(self.opts.max_backoff);
        state.next_cheap = now + backoff;
        state.next_profile = now + backoff;
        // A heap profile that failed is tried again at its next time; none is fetched from a target that is down.
        let heap_wait = if done.fetch == Fetch::Heap {
            backoff.max(self.opts.heap_interval.unwrap_or(backoff))
        } else {
            backoff
        };
        state.next_heap = state.next_heap.max(now + heap_wait);
        self.store_sample(state, done, NewSample { error: Some(error.clone()), ..NewSample::default() });
        self.emit(
            state,
            done.at_ms,
            EventKind::Down { error, failures: state.failures, retry_in_s: backoff.as_secs_f64() },
        );
        // The dump that was to explain them did not come: the alarms go out as they are.
        if done.fetch == Fetch::Detail {
            state.detail_wanted = false;
            for alarm in std::mem::take(&mut state.pending) {
                self.emit(state, done.at_ms, EventKind::Alarm(alarm));
            }
        }
    }

    fn succeeded(&mut self, state: &mut TargetState, at_ms: i64) {
        self.live.lock().targets[state.index].up = Some(true);
        if state.failures > 0 {
            let after_failures = std::mem::take(&mut state.failures);
            self.emit(state, at_ms, EventKind::Up { after_failures });
        }
    }

    /// Starts a new epoch when `marks` show another process, or when there is none yet.
    fn check_epoch(&mut self, state: &mut TargetState, at_ms: i64, marks: Marks) {
        let restart = state.epoch.and_then(|_| state.marks.restart(&marks));
        if state.epoch.is_some() && restart.is_none() {
            state.marks.update(marks);
            return;
        }
        let reason = restart.clone().unwrap_or_else(|| "first seen".to_owned());
        if restart.is_some() {
            state.marks = Marks::default();
            state.window = Profiles::default();
            state.long = Profiles::default();
            state.alarmed.clear();
            state.total_alarmed = false;
            state.last_profile_total = None;
            state.heaps = HeapWindow::default();
            if let Some(memory) = &mut self.live.lock().targets[state.index].memory {
                memory.verdict = None;
                memory.profiles = 0;
            }
        }
        state.marks.update(marks);
        if let (Some(store), Some(row)) = (self.store.as_deref_mut(), state.row) {
            match store.new_epoch(
                row,
                at_ms,
                state.marks.process_start,
                state.marks.identity.as_deref(),
                &reason,
            ) {
                Ok(epoch) => state.epoch = Some(epoch),
                Err(e) => {
                    state.epoch = Some(-1);
                    self.store_failed(state, at_ms, &e.to_string());
                }
            }
        } else {
            // Without a store, epochs are only counted.
            state.epoch = Some(state.epoch.unwrap_or(0) + 1);
        }
        if let Some(reason) = restart {
            self.emit(state, at_ms, EventKind::Restart { reason });
        }
    }

    /// Records what `sample` holds of a fetch (its total, groups, snapshot, heap profile or error) as a sample
    /// of the target's current epoch.
    fn store_sample(&mut self, state: &TargetState, done: &Done, sample: NewSample<'_>) {
        let (Some(store), Some(row)) = (self.store.as_deref_mut(), state.row) else { return };
        let sample = NewSample {
            target: row,
            epoch: state.epoch.filter(|e| *e > 0),
            at_ms: done.at_ms,
            source: done.fetch.source(),
            duration: done.duration,
            ..sample
        };
        match store.record(&sample) {
            Ok(_) => self.last_store_error = None,
            Err(e) => self.store_failed(state, done.at_ms, &e.to_string()),
        }
    }

    fn cheap(
        &mut self,
        state: &mut TargetState,
        done: &Done,
        cheap: Cheap,
        body: &[u8],
        now: Instant,
    ) -> Result<(), String> {
        let reading: Reading = match cheap {
            Cheap::Metrics => parse_metrics(body)?,
            Cheap::Expvar => parse_expvar(body, state.spec.expvar_key.as_deref().unwrap_or("goroutines"))?,
        };
        self.succeeded(state, done.at_ms);
        let marks = Marks {
            process_start: reading.process_start,
            identity: reading.identity.clone(),
            lifetime_counter: reading.lifetime_counter,
            max_goroutine_id: None,
        };
        self.check_epoch(state, done.at_ms, marks);
        state.next_cheap = now + self.opts.interval;
        // A jump in the count brings the next profile forward.
        if let Some(last) = state.last_profile_total
            && reading.total >= last + (last / 10).max(10)
        {
            state.next_profile = state.next_profile.min(now);
        }
        self.check_total(state, done.at_ms, reading.total);
        self.live.lock().targets[state.index].push_total(done.at_ms, reading.total);
        self.store_sample(state, done, NewSample { total: Some(reading.total), ..NewSample::default() });
        let duration_ms = done.duration.as_millis() as u64;
        let kind = EventKind::Sample {
            source: cheap.name(),
            total: reading.total,
            duration_ms,
            groups: None,
            rate_per_minute: None,
        };
        self.emit(state, done.at_ms, kind);
        Ok(())
    }

    /// Raises the `--limit` alarm, once per epoch, when `total` passes it.
    fn check_total(&mut self, state: &mut TargetState, at_ms: i64, total: u64) {
        let Some(limit) = self.opts.limit.filter(|&l| total > l && !state.total_alarmed) else { return };
        state.total_alarmed = true;
        self.summary.alarms += 1;
        let alarm = Alarm {
            reason: "total-limit",
            fingerprint: None,
            title: format!("{total} goroutines, over the limit of {limit}"),
            level: None,
            pattern: None,
            count: total,
            growth: 0,
            rate_per_minute: 0.0,
            evidence: Vec::new(),
            fix: None,
            over_time: Vec::new(),
        };
        self.emit(state, at_ms, EventKind::Alarm(alarm));
    }

    fn profile(
        &mut self,
        state: &mut TargetState,
        done: &Done,
        body: &[u8],
        now: Instant,
    ) -> Result<(), String> {
        let options = ParseOptions { threads: 1, ..ParseOptions::default() };
        let snapshot = parse_input(&state.shown_url, body, None, &options)
            .map_err(|e| format!("not a goroutine profile: {e}"))?
            .into_iter()
            .next()
            .ok_or_else(|| "the response holds no goroutine profile".to_owned())?;
        self.succeeded(state, done.at_ms);
        let max_goroutine_id =
            (done.fetch == Fetch::Detail).then(|| snapshot.goroutines.iter().map(|g| g.id).max()).flatten();
        self.check_epoch(state, done.at_ms, Marks { max_goroutine_id, ..Marks::default() });
        if done.fetch == Fetch::Detail {
            state.check_identity = false;
            if std::mem::take(&mut state.detail_wanted) {
                state.last_detail = Some(now);
            }
        }
        let interval =
            if state.spec.cheap().is_some() { self.opts.profile_interval } else { self.opts.interval };
        state.next_profile = now + interval;

        let analysis = goroscope_analyze::analyze(&snapshot, &self.opts.analysis, self.source);
        if done.fetch == Fetch::Detail {
            for alarm in std::mem::take(&mut state.pending) {
                self.send_explained(state, done.at_ms, alarm, &analysis);
            }
        }
        let total = analysis.summary.goroutines;
        state.last_profile_total = Some(total);
        let titles: Vec<String> = analysis.groups.iter().map(goroscope_report::group_title).collect();
        let groups: Vec<GroupCount<'_>> = analysis
            .groups
            .iter()
            .zip(&titles)
            .map(|(g, title)| GroupCount {
                fingerprint: &g.fingerprint,
                count: g.count,
                title,
                level: g.level.as_str(),
                pattern: g.pattern.map(|p| p.as_str()),
            })
            .collect();
        let group_count = analysis.groups.len();
        let sample = NewSample { total: Some(total), groups, snapshot: Some(body), ..NewSample::default() };
        self.store_sample(state, done, sample);
        drop(titles);

        let at = done.at_ms as f64 / 1000.0;
        let spacing = self.opts.long_window.as_secs_f64() / LONG_POINTS as f64;
        if state.long.times.back().is_none_or(|last| at - last >= spacing) {
            state.long.push(analysis.clone(), at, LONG_POINTS + 1);
        }
        state.window.push(analysis, at, self.opts.window.max(3));
        let rate = self.judge(state, done.at_ms, done.fetch == Fetch::Detail);
        {
            let mut live = self.live.lock();
            let target = &mut live.targets[state.index];
            target.push_total(done.at_ms, total);
            target.rate_per_minute = rate;
            target.profile_total = Some(total);
            target.group_count = group_count;
        }
        let duration_ms = done.duration.as_millis() as u64;
        let kind = EventKind::Sample {
            source: done.fetch.source(),
            total,
            duration_ms,
            groups: Some(group_count),
            rate_per_minute: rate,
        };
        self.emit(state, done.at_ms, kind);
        Ok(())
    }

    /// A heap profile: recorded, added to the target's window, and judged with the goroutine profiles of the
    /// same time once the window holds three.
    fn heap(
        &mut self,
        state: &mut TargetState,
        done: &Done,
        body: &[u8],
        now: Instant,
    ) -> Result<(), String> {
        // Named by its time: a refusal to read two profiles together names the one the series starts again from.
        let source = format!("{} heap at {}", state.spec.name, rfc3339(done.at_ms));
        let options = ParseOptions { threads: 1, ..ParseOptions::default() };
        let mut heap = parse_profiles(&source, body, None, &options)
            .map_err(|e| format!("not a heap profile: {e}"))?
            .into_iter()
            .find_map(|p| match p {
                goroscope_dump::Profile::Heap(heap) => Some(heap),
                goroscope_dump::Profile::Goroutines(_) => None,
            })
            .ok_or_else(|| "the response holds no heap profile".to_owned())?;
        self.succeeded(state, done.at_ms);
        if let Some(every) = self.opts.heap_interval {
            state.next_heap = now + every;
        }
        heap.time_nanos = Some(done.at_ms.saturating_mul(1_000_000));
        let (memstats, profile_inuse) = (heap.memstats, heap.inuse_bytes());
        let note = (self.store.is_some() && body.len() > MAX_HEAP_TEXT).then(|| {
            format!(
                "its text ({}) is over {} and was not recorded; its MemStats were",
                human_bytes(body.len() as u64),
                human_bytes(MAX_HEAP_TEXT as u64)
            )
        });
        let record = NewHeap { rate: heap.rate, profile_inuse, memstats, text: body };
        self.store_sample(state, done, NewSample { heap: Some(record), ..NewSample::default() });
        state.heaps.profiles.push(heap, done.at_ms as f64 / 1000.0, self.opts.window.max(3));

        let (verdict, events) = self.judge_memory(state);
        {
            let mut live = self.live.lock();
            let memory = live.targets[state.index].memory.get_or_insert_with(LiveMemory::default);
            memory.memstats = memstats;
            memory.profile_inuse = profile_inuse;
            memory.profiles = state.heaps.profiles.items.len();
            memory.verdict = verdict;
        }
        let kind = EventKind::HeapSample {
            duration_ms: done.duration.as_millis() as u64,
            heap_inuse_bytes: memstats.map(|m| m.heap_inuse),
            go_runtime_bytes: memstats.map(|m| m.retained()),
            max_rss_bytes: memstats.and_then(|m| m.max_rss),
            profile_inuse_bytes: profile_inuse,
            profiles: state.heaps.profiles.items.len(),
            note,
        };
        self.emit(state, done.at_ms, kind);
        for kind in events {
            self.emit(state, done.at_ms, kind);
        }
        Ok(())
    }

    /// Judges the target's heap profiles with its goroutine profiles of the same time. Profiles of an earlier
    /// run are dropped (a `memory-reset` event). With three profiles or more of one run, returns the verdict,
    /// and a `memory` event when the growth is significant and led by another part than the last one sent.
    fn judge_memory(&self, state: &mut TargetState) -> (Option<MemoryVerdict>, Vec<EventKind>) {
        let mut events = Vec::new();
        if state.heaps.profiles.items.len() < 2 {
            return (None, events);
        }
        let (analyses, goroutine_times) = state.goroutine_profiles();
        let times: Vec<f64> = state.heaps.profiles.times.iter().copied().collect();
        let heaps = state.heaps.profiles.items.make_contiguous();
        let judged =
            judge_latest_run(heaps, &times, &analyses, &goroutine_times, &self.opts.analysis, self.source);
        let judged = match judged {
            Ok(judged) => judged,
            Err(error) => {
                // Profiles that cannot be read together at all: the series starts again from the latest.
                state.heaps.restart(state.heaps.profiles.items.len() - 1);
                events.push(EventKind::MemoryReset { reason: format!("{error}; {}", error.hint()) });
                return (None, events);
            }
        };
        if let Some(restart) = &judged.restart {
            state.heaps.restart(judged.left_out);
            let before = match judged.left_out {
                1 => "the heap profile".to_owned(),
                n => format!("the {n} heap profiles"),
            };
            let reason = format!("{restart}; its memory is judged again without {before} before it");
            events.push(EventKind::MemoryReset { reason });
        }
        if state.heaps.profiles.items.len() < 3 {
            return (None, events);
        }
        let Some(verdict) = MemoryVerdict::of(&judged.memory) else { return (None, events) };
        if verdict.significant
            && let Some(leading) = verdict.leading()
            && state.heaps.leading.as_deref() != Some(leading.key.as_str())
        {
            state.heaps.leading = Some(leading.key.clone());
            events.push(EventKind::Memory(verdict.clone()));
        }
        (Some(verdict), events)
    }

    /// Judges the window; raises the alarms it calls for. Returns the total's fitted rate per minute.
    fn judge(&mut self, state: &mut TargetState, at_ms: i64, from_detail: bool) -> Option<f64> {
        let last_total = state.window.last().map_or(0, |a| a.summary.goroutines);
        self.check_total(state, at_ms, last_total);
        let max_group = self.opts.max_group;
        let mut alarms = self.long_alarms(state);
        if state.window.items.len() < 3 {
            // Too few profiles for a trend: only what one profile proves, and the limits.
            for g in state.window.last().map(|a| a.groups.as_slice()).unwrap_or_default() {
                let reason = if g.level == Level::Certain {
                    Some("certain")
                } else if max_group.is_some_and(|m| g.count > m) {
                    Some("group-limit")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    alarms.push(alarm(reason, g, 0, 0.0));
                }
            }
        } else {
            let series = state.window.series(self.opts.limit);
            for g in &series.groups {
                let reason = if g.group.level == Level::Certain && g.group.count > 0 {
                    Some("certain")
                } else if self.grows_steadily(g) {
                    Some("steady-growth")
                } else if max_group.is_some_and(|m| g.group.count > m) {
                    Some("group-limit")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    alarms.push(alarm(reason, &g.group, g.growth, g.rate));
                }
            }
            self.raise(state, at_ms, alarms, from_detail);
            let present = series.groups.iter().filter(|g| g.counts.last().is_some_and(|&c| c > 0));
            self.show_groups(state, present.map(|g| (&g.group, g.growth, g.rate)));
            return Some(series.rate);
        }
        self.raise(state, at_ms, alarms, from_detail);
        let last = state.window.last().map(|a| a.groups.as_slice()).unwrap_or_default();
        self.show_groups(state, last.iter().map(|g| (g, 0, 0.0)));
        None
    }

    /// Puts the groups to show, `(group, growth, rate)`, in the live state, marking those an alarm that went out
    /// names (not those waiting for their dump, nor those it dismissed).
    fn show_groups<'g>(&self, state: &TargetState, groups: impl Iterator<Item = (&'g Group, i64, f64)>) {
        let mut live = self.live.lock();
        let target = &mut live.targets[state.index];
        let alarmed: HashSet<&str> =
            target.group_alarms.iter().filter_map(|a| a.fingerprint.as_deref()).collect();
        target.groups = top_groups(groups, &alarmed);
    }

    /// Whether a group of a series grew like a leak: steadily, by at least `--min-growth`, and still at the last
    /// profile (a pool that filled up is not), to a `likely` verdict or worse.
    fn grows_steadily(&self, g: &GroupSeries) -> bool {
        g.counts.windows(2).last().is_some_and(|w| w[1] > w[0])
            && g.growth >= self.opts.min_growth as i64
            && g.group.evidence.iter().any(|e| e.code == "steady-growth")
            && g.group.level <= Level::Likely
    }

    /// Growth alarms from the long window, once it spans a quarter of its length: leaks too slow to grow by
    /// `--min-growth` within the short window.
    fn long_alarms(&self, state: &mut TargetState) -> Vec<Alarm> {
        if state.long.items.len() < LONG_POINTS / 4 + 1 {
            return Vec::new();
        }
        state
            .long
            .series(None)
            .groups
            .iter()
            .filter(|g| self.grows_steadily(g))
            .map(|g| alarm("steady-growth", &g.group, g.growth, g.rate))
            .collect()
    }

    /// Raises new alarms. Alarms about a group are explained by a full dump, whose wait reasons, wait times
    /// and creators tell more than a `debug=1` profile: the one just judged, or else the next one, fetched as
    /// soon as `--detail-interval` allows (they wait for it). Without pprof they go out as they are.
    fn raise(&mut self, state: &mut TargetState, at_ms: i64, alarms: Vec<Alarm>, from_detail: bool) {
        for alarm in alarms {
            let key = format!("{}/{}", alarm.reason, alarm.fingerprint.as_deref().unwrap_or(""));
            if !state.alarmed.insert(key) {
                continue;
            }
            self.summary.alarms += 1;
            if from_detail && let Some(detail) = state.window.last() {
                self.send_explained(state, at_ms, alarm, detail);
            } else if state.spec.pprof.is_some() && alarm.fingerprint.is_some() {
                state.detail_wanted = true;
                state.pending.push(alarm);
            } else {
                self.emit(state, at_ms, EventKind::Alarm(alarm));
            }
        }
    }

    /// Sends an alarm out with what the full dump `detail` says of its group, or drops it when the dump shows
    /// goroutines that end by themselves ([`explain`]).
    fn send_explained(&mut self, state: &TargetState, at_ms: i64, alarm: Alarm, detail: &Analysis) {
        match explain(alarm, detail) {
            Some(alarm) => self.emit(state, at_ms, EventKind::Alarm(alarm)),
            // Dismissed: it stays marked, so chance growth of the same group does not alarm again.
            None => self.summary.alarms -= 1,
        }
    }
}

fn alarm(reason: &'static str, g: &goroscope_analyze::Group, growth: i64, rate: f64) -> Alarm {
    Alarm {
        reason,
        fingerprint: Some(g.fingerprint.clone()),
        title: goroscope_report::group_title(g),
        level: Some(g.level),
        pattern: g.pattern.map(|p| p.as_str()),
        count: g.count,
        growth,
        rate_per_minute: rate,
        evidence: g.evidence.iter().map(|e| e.text.clone()).collect(),
        fix: g.pattern.map(|p| p.pattern().fix),
        over_time: g
            .evidence
            .iter()
            .filter(|e| matches!(e.code, "grew" | "steady-growth" | "fluctuates"))
            .map(|e| e.text.clone())
            .collect(),
    }
}

/// The alarm with what the full dump says of its group: the more severe level, the pattern its wait reason
/// shows, and that dump's evidence ahead of the growth.
///
/// `None` dismisses a growth alarm when the dump shows that its goroutines end by themselves: none of them is
/// left, or they are running or in a timed sleep with no more than some evidence against them (a sleep in a
/// loop is strong evidence). More of those is more work in flight, not goroutines that stay; short-lived ones
/// rise for a few profiles in a row by chance.
fn explain(mut alarm: Alarm, detail: &Analysis) -> Option<Alarm> {
    let growth = alarm.reason == "steady-growth";
    let Some(group) = detail
        .groups
        .iter()
        .filter(|g| Some(&g.fingerprint) == alarm.fingerprint.as_ref())
        .max_by_key(|g| (std::cmp::Reverse(g.level), g.count))
    else {
        // Leaked goroutines never all go away.
        return (!growth).then_some(alarm);
    };
    let ends_by_itself = matches!(group.blocking, Blocking::Sleep | Blocking::Running | Blocking::Runnable);
    if group.level >= Level::Possible && ends_by_itself && growth {
        return None;
    }
    alarm.level = alarm.level.map(|l| l.min(group.level)).or(Some(group.level));
    alarm.pattern = group.pattern.map(|p| p.as_str()).or(alarm.pattern);
    alarm.fix = group.pattern.map(|p| p.pattern().fix).or(alarm.fix);
    alarm.title = goroscope_report::group_title(group);
    // The full dump tells more of what the goroutines wait on than the profile did; the growth stays.
    alarm.evidence =
        group.evidence.iter().map(|e| e.text.clone()).chain(alarm.over_time.iter().cloned()).collect();
    alarm.count = alarm.count.max(group.count);
    Some(alarm)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// `2026-11-24T10:00:00.123Z`.
pub fn rfc3339(at_ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(at_ms.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_process_shows_in_any_mark_it_has() {
        let before = Marks {
            process_start: Some(100.0),
            identity: Some("/bin/a".into()),
            lifetime_counter: Some(500.0),
            max_goroutine_id: Some(9000),
        };
        assert!(before.restart(&Marks::default()).is_none(), "nothing known: same process");
        let same = Marks { process_start: Some(100.4), lifetime_counter: Some(900.0), ..Marks::default() };
        assert!(before.restart(&same).is_none());
        let started = Marks { process_start: Some(200.0), ..Marks::default() };
        assert!(before.restart(&started).unwrap().contains("start time"));
        let other = Marks { identity: Some("/bin/b".into()), ..Marks::default() };
        assert!(before.restart(&other).unwrap().contains("another process"));
        let counter = Marks { lifetime_counter: Some(10.0), ..Marks::default() };
        assert!(before.restart(&counter).unwrap().contains("allocation counter"));
        let ids = Marks { max_goroutine_id: Some(40), ..Marks::default() };
        assert!(before.restart(&ids).unwrap().contains("goroutine ids"));
        let dip = Marks { max_goroutine_id: Some(8990), ..Marks::default() };
        assert!(before.restart(&dip).is_none(), "ids come from per-P batches");
    }

    #[test]
    fn a_restart_between_heap_profiles_starts_the_memory_series_again() {
        let opts = WatchOptions { window: 4, ..WatchOptions::default() };
        let live = Live::new();
        live.lock().targets.push(LiveTarget::new("api", "http://h:1"));
        let mut sink = |_: &Event| {};
        let watcher = Watcher {
            opts: &opts,
            store: None,
            live,
            source: None,
            sink: &mut sink,
            summary: Summary::default(),
            last_store_error: None,
        };
        let mut state = TargetState::new(0, TargetSpec::from_url("http://h:1"), Instant::now(), &opts);
        assert_eq!(state.heap_url.as_deref(), Some("http://h:1/debug/pprof/heap?debug=1&gc=1"));
        let mut at = 1000.0;
        let mut add = |state: &mut TargetState, mib: u64, allocs: u64| {
            at += 60.0;
            let name = format!("p{at}");
            state.heaps.profiles.push(crate::memory::tests::heap(&name, mib, allocs), at, opts.window);
            watcher.judge_memory(state)
        };
        let kinds = |events: &[EventKind]| -> Vec<String> {
            events
                .iter()
                .map(|e| serde_json::to_value(e).unwrap()["event"].as_str().unwrap().to_owned())
                .collect()
        };

        let (verdict, events) = add(&mut state, 8, 10);
        assert!(verdict.is_none() && events.is_empty());
        let (verdict, events) = add(&mut state, 16, 20);
        assert!(verdict.is_none() && events.is_empty(), "two profiles are a change, not a trend");
        let (verdict, events) = add(&mut state, 24, 30);
        assert!(verdict.unwrap().significant);
        assert_eq!(kinds(&events), ["memory"]);
        for (mib, allocs) in [(32, 40), (40, 50)] {
            let (_, events) = add(&mut state, mib, allocs);
            assert!(events.is_empty(), "the same leading part is not sent again: {events:?}");
        }
        assert_eq!(state.heaps.profiles.items.len(), 4, "the window keeps --window profiles");

        // The process restarted: every counter starts again.
        let (verdict, events) = add(&mut state, 8, 5);
        assert!(verdict.is_none());
        assert_eq!(kinds(&events), ["memory-reset"]);
        let EventKind::MemoryReset { reason } = &events[0] else { unreachable!() };
        assert!(reason.contains("fell from") && reason.contains("the 3 heap profiles before"), "{reason}");
        assert_eq!(state.heaps.profiles.items.len(), 1, "the profiles of the earlier run are dropped");

        add(&mut state, 16, 12);
        let (verdict, events) = add(&mut state, 24, 19);
        assert_eq!(verdict.unwrap().profiles, 3);
        assert_eq!(kinds(&events), ["memory"], "growth in the new run is news again");
    }

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
    }
}
