//! Memory: what heap profiles and their `runtime.MemStats` say about a process, and over a series, which part of
//! its growth is goroutine stacks, which is heap kept by named allocation sites (and by leaked goroutines), which
//! is the runtime's own overhead, and which lies outside the Go runtime altogether (cgo, C libraries, mappings).
//!
//! The split follows how Go accounts memory. `StackInuse` is goroutine stacks; `HeapInuse` is heap spans holding
//! objects, and the heap profile names the stacks that allocated the live objects (estimated from samples, as of
//! the last completed collection); `Sys - HeapReleased` is everything the runtime holds from the OS; the process's
//! peak RSS (`MaxRSS`) beyond that is memory the runtime does not own.

use std::fmt::Write as _;
use std::sync::Arc;

use goroscope_dump::{HeapProfile, HeapSample, MemStats};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::code::CodeModel;
use crate::fold::Fnv;
use crate::series::theil_sen;
use crate::{Analysis, Excerpt, FrameOut, Group, Level, Options, RateUnit, Series, Site, SourceLines};

/// Growth below this many bytes is noise whatever the process's size.
const MIN_GROWTH: u64 = 4 << 20;
/// Growth below this share of the process's memory at the start is noise.
const MIN_GROWTH_SHARE: f64 = 0.05;
/// A heap site's growth must be this many times its sampling noise to count.
const NOISE_FACTOR: f64 = 3.0;
/// Heap sites listed in a report.
const MAX_SITES: usize = 12;

/// Why memory grew (or where it is), as a report names it. Where a catalogue pattern explains it, the id is the
/// pattern's (`goroscope explain ID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// Leaked goroutines: their stacks and the heap their frames allocated and still reference.
    HeapHeldByGoroutines,
    /// Goroutine stacks, with no growing group to name.
    GoroutineStacks,
    /// A small subslice or substring keeps a large backing array alive.
    SubsliceRetention,
    /// A map used as a cache only grows.
    UnboundedCache,
    /// Tickers or timers that are never stopped.
    TimerNotStopped,
    /// Clients or connections made per call and never closed.
    ClientPerCall,
    /// Memory allocated at a site is kept by something that only grows.
    HeapSiteGrows,
    /// Heap growth no growing site accounts for: many small sites, sampling error, objects not yet collected.
    OtherHeap,
    /// The runtime's own memory: idle heap not yet returned to the OS, span and GC metadata, caches.
    RuntimeOverhead,
    /// Resident memory the Go runtime does not own: cgo, C libraries, memory-mapped files.
    OffHeapGrowth,
}

impl Cause {
    /// The kebab-case id, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::HeapHeldByGoroutines => "heap-held-by-goroutines",
            Cause::GoroutineStacks => "goroutine-stacks",
            Cause::SubsliceRetention => "subslice-retention",
            Cause::UnboundedCache => "unbounded-cache",
            Cause::TimerNotStopped => "timer-not-stopped",
            Cause::ClientPerCall => "client-per-call",
            Cause::HeapSiteGrows => "heap-site-grows",
            Cause::OtherHeap => "other-heap",
            Cause::RuntimeOverhead => "runtime-overhead",
            Cause::OffHeapGrowth => "off-heap-growth",
        }
    }

    /// Whether a person should act on it (rather than read it as context).
    pub fn actionable(self) -> bool {
        !matches!(self, Cause::OtherHeap | Cause::RuntimeOverhead | Cause::GoroutineStacks)
    }
}

/// One heap profile of the series.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryPoint {
    /// Where the profile came from.
    pub source: String,
    /// Seconds since the first profile, when known.
    pub seconds: Option<f64>,
    /// The profile's sampling rate in bytes (0: unknown).
    pub rate: u64,
    /// Heap in use by the profile's estimate, as of the last collection before it.
    pub profile_inuse_bytes: u64,
    /// The runtime's statistics, from a `debug=1` profile.
    pub memstats: Option<MemStats>,
}

/// Where a process's memory is, from its latest `MemStats`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Composition {
    /// Everything the runtime holds from the OS (`Sys - HeapReleased`).
    pub go_runtime: u64,
    /// Heap spans holding objects (`HeapInuse`).
    pub heap: u64,
    /// Goroutine stacks (`StackInuse`).
    pub stacks: u64,
    /// The rest of `go_runtime`: idle heap not yet returned, metadata, caches.
    pub overhead: u64,
    /// The process's peak resident memory, when printed.
    pub max_rss: Option<u64>,
    /// Goroutines, from the goroutine dump taken alongside.
    pub goroutines: Option<u64>,
    /// Average stack per goroutine.
    pub stack_per_goroutine: Option<u64>,
}

/// One allocation site (a distinct allocation stack) over the profiles.
#[derive(Debug, Clone, Serialize)]
pub struct HeapSite {
    /// Names the site from one profile to the next: 16 hex digits from the stack's functions and lines.
    pub fingerprint: String,
    /// The program's own frame that allocated (or the first frame above the runtime).
    pub site: Option<Site>,
    /// The stack, innermost first.
    pub frames: Vec<FrameOut>,
    /// Bytes in use in the latest profile (an estimate from the samples).
    pub inuse_bytes: u64,
    /// Objects in use in the latest profile.
    pub inuse_objects: u64,
    /// Bytes in use in each profile (0 where the site is absent).
    pub series: Vec<u64>,
    /// Last minus first.
    pub growth: i64,
    /// Fitted growth in bytes per minute (or per profile when times are unknown).
    pub rate: f64,
    /// Intervals in which it rose.
    pub rises: u32,
    /// Intervals in which it fell.
    pub falls: u32,
    /// Whether it grows beyond sampling noise and does not fall back: the sites a verdict names.
    pub growing: bool,
    /// What keeps the memory, as far as the profiles (and the source, when found) tell.
    pub cause: Cause,
    /// The goroutine group whose parked frames allocated it, for [`Cause::HeapHeldByGoroutines`].
    pub held_by: Option<String>,
    /// Why the cause was chosen.
    pub evidence: Vec<String>,
    /// Source around the site, when the file was found.
    pub source: Option<Excerpt>,
}

/// One part of the growth.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// What it is.
    pub cause: Cause,
    /// Bytes it grew by (negative: shrank).
    pub bytes: i64,
    /// Its share of the growth, from 0 to 1 (0 for a part that shrank).
    pub share: f64,
    /// One line for people: what and where.
    pub title: String,
    /// The goroutine group, for goroutine parts.
    pub group: Option<String>,
    /// Indexes into [`Memory::sites`] of the heap sites in this part.
    pub sites: Vec<usize>,
    /// What to do about it.
    pub fix: String,
}

/// How a process's memory grew between its first and last profile, split by cause.
#[derive(Debug, Clone, Serialize)]
pub struct Growth {
    /// Seconds from the first profile to the last, when known.
    pub seconds: Option<f64>,
    /// What the total is measured by: `max_rss` (peak resident memory), `go_runtime` (`Sys - HeapReleased`) or
    /// `heap_profile` (proto profiles alone).
    pub measured_by: &'static str,
    /// Bytes the process grew by (the parts that grew, added up).
    pub total: u64,
    /// Fitted growth of the measure, in bytes per minute (or per profile).
    pub rate: f64,
    /// Whether the growth is more than noise: large enough, and (with three profiles or more) rising steadily.
    pub significant: bool,
    /// The parts, largest first.
    pub parts: Vec<Part>,
    /// The verdict in one sentence.
    pub verdict: String,
}

/// Everything the heap profiles of one process say.
#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    /// The profiles, oldest first.
    pub points: Vec<MemoryPoint>,
    /// What the sites' `rate` is measured in.
    pub unit: RateUnit,
    /// Where the memory is now, when a `debug=1` profile gave `MemStats`.
    pub composition: Option<Composition>,
    /// How it grew, with two profiles or more.
    pub growth: Option<Growth>,
    /// The sites that matter: the growing ones, then the largest; at most a dozen.
    pub sites: Vec<HeapSite>,
    /// Caveats about what these profiles can tell.
    pub notes: Vec<String>,
}

/// Profiles that cannot be read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MixError {
    /// A cumulative counter fell between two profiles: the process restarted, or they are of different processes.
    Restarted {
        /// The earlier profile.
        before: String,
        /// The later one.
        after: String,
        /// What fell, with the numbers.
        what: String,
    },
    /// The profiles (or the goroutine dumps beside them) come from different programs.
    DifferentPrograms {
        /// One input.
        first: String,
        /// The other.
        second: String,
        /// How they differ.
        what: String,
    },
}

impl std::fmt::Display for MixError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MixError::Restarted { before, after, what } => write!(
                f,
                "{before} and {after} are not of one run of one process: {what}; the process restarted between \
                 them, or they come from different processes"
            ),
            MixError::DifferentPrograms { first, second, what } => {
                write!(f, "{first} and {second} come from different programs: {what}")
            }
        }
    }
}

impl std::error::Error for MixError {}

impl MixError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            MixError::Restarted { .. } => {
                "give the profiles of one run of one process, oldest first; analyse each run apart"
            }
            MixError::DifferentPrograms { .. } => {
                "give heap profiles and goroutine dumps of the same process; analyse each service apart"
            }
        }
    }
}

/// Names what keeps a heap site's memory from the program's source (the CLI runs the retention lint rules on
/// the functions of the allocation stack): the cause and a sentence of evidence, or `None`.
pub type Retention<'a> = &'a dyn Fn(&[FrameOut]) -> Option<(Cause, String)>;

/// What the memory analysis reads besides the heap profiles.
#[derive(Clone, Copy, Default)]
pub struct MemoryContext<'a> {
    /// Each heap profile's time in seconds (any origin), when known.
    pub seconds: Option<&'a [f64]>,
    /// The goroutine dumps taken alongside, followed over time.
    pub series: Option<&'a Series>,
    /// The latest goroutine analysis.
    pub latest: Option<&'a Analysis>,
    /// What the source says keeps a growing site's memory.
    pub retention: Option<Retention<'a>>,
}

/// Analyses heap profiles of one process, oldest first: where its memory is, and with several, how it grew and
/// why. Refuses profiles that are not of one run of one program.
pub fn memory(
    heaps: &[HeapProfile],
    context: MemoryContext<'_>,
    options: &Options,
    source: Option<&dyn SourceLines>,
) -> Result<Memory, MixError> {
    check_one_run(heaps)?;
    let n = heaps.len();
    let origin = context.seconds.and_then(|s| s.first().copied()).unwrap_or(0.0);
    let xs: Vec<f64> = match context.seconds {
        Some(s) => s.iter().map(|t| (t - origin) / 60.0).collect(),
        None => (0..n).map(|i| i as f64).collect(),
    };
    let unit = if context.seconds.is_some() { RateUnit::PerMinute } else { RateUnit::PerSnapshot };
    let points: Vec<MemoryPoint> = heaps
        .iter()
        .enumerate()
        .map(|(i, h)| MemoryPoint {
            source: h.source.clone(),
            seconds: context.seconds.map(|s| s[i] - origin),
            rate: h.rate,
            profile_inuse_bytes: h.inuse_bytes(),
            memstats: h.memstats,
        })
        .collect();
    let mut notes = Vec::new();
    let mut sites = follow_sites(heaps, &xs, options, source);
    let groups = suspect_groups(context);
    for site in &mut sites {
        classify(site, &groups, source, context.retention);
    }
    promote_map_functions(&mut sites);
    let goroutines = context.latest.map(|a| a.summary.goroutines);
    let composition = points.iter().rev().find_map(|p| p.memstats).map(|m| composition(&m, goroutines));
    let growth = (n >= 2).then(|| growth(&points, &xs, &mut notes));
    sites.sort_by(|a, b| {
        b.growing
            .cmp(&a.growing)
            .then(b.growth.max(0).cmp(&a.growth.max(0)))
            .then(b.inuse_bytes.cmp(&a.inuse_bytes))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    sites.truncate(MAX_SITES);
    let growth = growth.map(|g| with_parts(g, &sites, context.series, &points));
    rate_notes(heaps, &mut notes);
    for heap in heaps {
        if let Some(cut) = &heap.truncated {
            notes.push(format!("{} is cut short ({}): its numbers are incomplete", heap.source, cut.reason));
        }
        if heap.warnings.count > 0 {
            notes.push(format!(
                "{}: {} lines not understood{}",
                heap.source,
                heap.warnings.count,
                heap.warnings.examples.first().map_or_else(String::new, |e| format!(" (first: {e})"))
            ));
        }
    }
    if heaps.iter().all(|h| h.memstats.is_none()) {
        notes.push(
            "no profile carries runtime.MemStats (fetch /debug/pprof/heap?debug=1): goroutine stacks, runtime \
             overhead and memory outside the Go heap cannot be told apart"
                .to_owned(),
        );
    }
    if n >= 2 && points.iter().any(|p| p.memstats.is_some_and(|m| m.max_rss.is_none())) {
        notes.push(
            "the profiles do not print MaxRSS (a system where the runtime cannot ask for it): memory outside the Go runtime \
             cannot be seen"
                .to_owned(),
        );
    }
    Ok(Memory { points, unit, composition, growth, sites, notes })
}

impl Memory {
    /// The causes the report names: of the growing sites and the parts of the growth.
    pub fn causes(&self) -> impl Iterator<Item = Cause> + '_ {
        let parts = self.growth.iter().flat_map(|g| g.parts.iter().map(|p| p.cause));
        self.sites.iter().filter(|s| s.growing).map(|s| s.cause).chain(parts)
    }
}

/// Cumulative counters never fall within one run of one process: a fall means a restart or another process.
fn check_one_run(heaps: &[HeapProfile]) -> Result<(), MixError> {
    for pair in heaps.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if let (Some(x), Some(y)) = (&a.binary, &b.binary)
            && x.build_id.is_some()
            && x.build_id != y.build_id
        {
            return Err(MixError::DifferentPrograms {
                first: a.source.clone(),
                second: b.source.clone(),
                what: format!(
                    "their executables' build ids differ ({} and {})",
                    x.build_id.as_deref().unwrap_or("none"),
                    y.build_id.as_deref().unwrap_or("none")
                ),
            });
        }
        if let (Some(x), Some(y)) = (&a.memstats, &b.memstats) {
            for (name, before, after) in [
                ("TotalAlloc", x.total_alloc, y.total_alloc),
                ("Mallocs", x.mallocs, y.mallocs),
                ("NumGC", x.num_gc, y.num_gc),
            ] {
                if after < before {
                    return Err(MixError::Restarted {
                        before: a.source.clone(),
                        after: b.source.clone(),
                        what: format!(
                            "MemStats.{name} fell from {before} to {after}, and it only ever grows"
                        ),
                    });
                }
            }
        }
        // Allocations per stack only ever grow too; estimates of one stack move a little with the sizes sampled.
        // Records whose printed frames are the same (they differ in hidden runtime frames) are added up.
        let (earlier, later) = (allocated_by_stack(a), allocated_by_stack(b));
        let fell = later.iter().find_map(|(key, &after)| {
            let before = *earlier.get(key)?;
            (after + (before / 10).max(1 << 20) < before).then_some((before, after))
        });
        if let Some((before, after)) = fell {
            return Err(MixError::Restarted {
                before: a.source.clone(),
                after: b.source.clone(),
                what: format!(
                    "the bytes ever allocated at one stack fell from {} to {}, and they only ever grow",
                    human_bytes(before),
                    human_bytes(after)
                ),
            });
        }
    }
    Ok(())
}

/// Checks that a goroutine dump and a heap profile are of one program. A program's `main` package is one
/// directory, so the files of the `main` frames each shows must be in the same one; and the packages of the
/// program's own code (outside the Go distribution) must meet. `frames` are the dump's (function, file) pairs.
pub fn check_same_program(
    heap: &HeapProfile,
    goroutine_source: &str,
    frames: &[(&str, &str)],
) -> Result<(), MixError> {
    let refuse = |what: String| MixError::DifferentPrograms {
        first: heap.source.clone(),
        second: goroutine_source.to_owned(),
        what,
    };
    let heap_frames: Vec<(&str, &str)> = heap.frames.iter().map(|f| (&*f.function, &*f.file)).collect();
    let (heap_main, dump_main) = (main_directories(&heap_frames), main_directories(frames));
    if !heap_main.is_empty() && !dump_main.is_empty() && !heap_main.iter().any(|d| dump_main.contains(d)) {
        return Err(refuse(format!(
            "the heap profile's main package is in {} and the goroutine dump's in {}",
            heap_main.join(", "),
            dump_main.join(", ")
        )));
    }
    let (in_heap, in_dump) = (own_packages(&heap_frames), own_packages(frames));
    if !in_heap.is_empty() && !in_dump.is_empty() && !in_heap.iter().any(|p| in_dump.contains(p)) {
        let show = |p: &[&str]| p.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        return Err(refuse(format!(
            "the heap profile's code is in {} and the goroutine dump's in {}, with no package in common",
            show(&in_heap),
            show(&in_dump)
        )));
    }
    Ok(())
}

/// The directories of the files of `main` package frames.
fn main_directories<'a>(frames: &[(&'a str, &'a str)]) -> Vec<&'a str> {
    let mut dirs: Vec<&str> = frames
        .iter()
        .filter(|(function, file)| crate::code::package_of(function) == "main" && file.contains('/'))
        .filter_map(|(_, file)| file.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs
}

/// Packages outside the Go distribution (their path starts with a domain) that frames show.
fn own_packages<'a>(frames: &[(&'a str, &'a str)]) -> Vec<&'a str> {
    let mut packages: Vec<&str> = frames
        .iter()
        .map(|(function, _)| crate::code::package_of(function))
        .filter(|p| p.split('/').next().is_some_and(|first| first.contains('.')))
        .collect();
    packages.sort_unstable();
    packages.dedup();
    packages
}

/// Bytes ever allocated per printed stack.
fn allocated_by_stack(heap: &HeapProfile) -> FxHashMap<Vec<(&str, u32)>, u64> {
    let mut by_stack: FxHashMap<Vec<(&str, u32)>, u64> = FxHashMap::default();
    for sample in &heap.samples {
        let total = by_stack.entry(stack_key(heap, sample)).or_default();
        *total = total.saturating_add(sample.alloc_bytes);
    }
    by_stack
}

/// A sample's stack as (function, line) pairs: the key of a site across profiles of one process.
fn stack_key<'a>(heap: &'a HeapProfile, sample: &'a HeapSample) -> Vec<(&'a str, u32)> {
    heap.stack(sample).map(|f| (&*f.function, f.line)).collect()
}

/// Each distinct allocation stack over the profiles, with its bytes in use in each and how they move.
fn follow_sites(
    heaps: &[HeapProfile],
    xs: &[f64],
    options: &Options,
    source: Option<&dyn SourceLines>,
) -> Vec<HeapSite> {
    let n = heaps.len();
    let mut index: FxHashMap<Vec<(&str, u32)>, usize> = FxHashMap::default();
    let mut found: Vec<(usize, &HeapSample, Vec<u64>, Vec<u64>)> = Vec::new();
    for (i, heap) in heaps.iter().enumerate() {
        for sample in &heap.samples {
            let key = stack_key(heap, sample);
            let slot = *index.entry(key).or_insert_with(|| {
                found.push((i, sample, vec![0; n], vec![0; n]));
                found.len() - 1
            });
            // Records whose printed frames are the same (they differ in hidden runtime frames) are one site.
            found[slot].2[i] = found[slot].2[i].saturating_add(sample.inuse_bytes);
            found[slot].3[i] = found[slot].3[i].saturating_add(sample.inuse_objects);
            // Show the latest profile's stack and counts.
            if found[slot].0 <= i {
                found[slot].0 = i;
                found[slot].1 = sample;
            }
        }
    }
    found
        .into_iter()
        .filter(|(_, _, series, _)| series.iter().any(|&b| b > 0))
        .map(|(i, sample, series, objects)| {
            let mut site = site_of(&heaps[i], sample, series, xs, heaps, options, source);
            site.inuse_objects = objects.last().copied().unwrap_or(0);
            site
        })
        .collect()
}

fn site_of(
    heap: &HeapProfile,
    sample: &HeapSample,
    series: Vec<u64>,
    xs: &[f64],
    heaps: &[HeapProfile],
    options: &Options,
    source: Option<&dyn SourceLines>,
) -> HeapSite {
    let frames: Vec<_> = heap.stack(sample).collect();
    let code = CodeModel::of_frames(frames.iter().map(|f| (&*f.function, &*f.file)), &options.own_packages);
    let site_index = (0..frames.len())
        .find(|&i| code.is_own_at(i))
        .or_else(|| (0..frames.len()).find(|&i| !code.is_std_at(i)))
        .or_else(|| (!frames.is_empty()).then_some(0));
    let site = site_index.map(|i| Site {
        function: frames[i].function.clone(),
        file: frames[i].file.clone(),
        line: frames[i].line,
    });
    let mut hash = Fnv::new("heap");
    for frame in &frames {
        hash.field(&frame.function);
        hash.field(&frame.line.to_string());
    }
    let ys: Vec<f64> = series.iter().map(|&b| b as f64).collect();
    let rate = theil_sen(xs, &ys);
    let (first, last) = (series[0], series[series.len() - 1]);
    let growth = crate::diff::signed(last, first);
    let rises = series.windows(2).filter(|w| w[1] > w[0]).count() as u32;
    let falls = series.windows(2).filter(|w| w[1] < w[0]).count() as u32;
    let sampling = heaps.iter().map(|h| h.rate).max().unwrap_or(0);
    let average = sample.inuse_bytes.checked_div(sample.inuse_objects).unwrap_or(0);
    let noise = NOISE_FACTOR * sampling_noise(first.max(last), average, sampling);
    let steady = series.len() < 3
        || (falls * 3 <= rises && rises * 2 >= (series.len() - 1) as u32 && keeps_growing(&series));
    let growing = growth > 0 && (growth as f64) > noise && growth as u64 >= (1 << 20) && steady;
    let excerpt = match (source, &site) {
        (Some(source), Some(site)) => crate::group::excerpt(source, site, options.context_lines),
        _ => None,
    };
    HeapSite {
        fingerprint: hash.finish(),
        site,
        frames: frames
            .iter()
            .enumerate()
            .map(|(i, f)| FrameOut {
                function: f.function.clone(),
                file: f.file.clone(),
                line: f.line,
                own: code.is_own_at(i),
            })
            .collect(),
        inuse_bytes: last,
        inuse_objects: sample.inuse_objects,
        series,
        growth,
        rate,
        rises,
        falls,
        growing,
        cause: Cause::HeapSiteGrows,
        held_by: None,
        evidence: Vec::new(),
        source: excerpt,
    }
}

/// The standard error of a heap profile's estimate of `bytes` held in objects of `size` bytes, sampled at `rate`:
/// each object is sampled with probability p = 1 − e^(−size/rate), so the estimate is off by about
/// √(bytes · size · (1 − p) / p). That is √(bytes · rate) for objects far smaller than the rate, and nothing for
/// objects far larger (they are always sampled).
fn sampling_noise(bytes: u64, size: u64, rate: u64) -> f64 {
    if rate <= 1 || size == 0 {
        return if rate <= 1 { 0.0 } else { (bytes as f64 * rate as f64).sqrt() };
    }
    let p = 1.0 - (-(size as f64) / rate as f64).exp();
    (bytes as f64 * size as f64 * (1.0 - p) / p).sqrt()
}

/// Whether a series with three points or more still grows in its later half by at least a quarter of its whole
/// growth: a leak grows throughout, while warming up (pools, caches filling to their bound, the heap reaching its
/// collection target) grows early and then levels off.
fn keeps_growing(values: &[u64]) -> bool {
    let (Some(&first), Some(&last)) = (values.first(), values.last()) else { return false };
    if values.len() < 3 || last <= first {
        return values.len() < 3 && last > first;
    }
    // The middle of the intervals: with 4 points, the last two of the three.
    let middle = values[(values.len() - 1) / 2];
    last.saturating_sub(middle) * 4 >= last - first
}

/// The goroutine groups that can hold memory: those that grew over the series, else the suspects of the latest
/// dump; with their frames from the root to the frame they are parked in.
fn suspect_groups(context: MemoryContext<'_>) -> Vec<&Group> {
    match (context.series, context.latest) {
        (Some(series), _) => series.groups.iter().filter(|g| g.growth > 0).map(|g| &g.group).collect(),
        (None, Some(latest)) => latest.groups.iter().filter(|g| g.level <= Level::Possible).collect(),
        (None, None) => Vec::new(),
    }
}

/// The frames a parked goroutine still runs, root first: from its start function to the frame of its leak site.
/// Those frames' locals are live, so what they allocated is kept.
fn live_frames(group: &Group) -> Option<Vec<&str>> {
    let site = group.leak_site.as_ref()?;
    let at = group.frames.iter().position(|f| f.function == site.function && f.line == site.line)?;
    Some(group.frames[at..].iter().rev().map(|f| &*f.function).collect())
}

/// Decides what keeps a site's memory: the goroutines parked in the frames that allocated it; a retention pattern
/// the source shows in a function of the allocation stack; a timer; a map that grows (the allocation is a map
/// assignment); otherwise something that only grows.
fn classify(
    site: &mut HeapSite,
    groups: &[&Group],
    source: Option<&dyn SourceLines>,
    retention: Option<Retention<'_>>,
) {
    // The allocation stack, root first, without the runtime frames that start every goroutine.
    let root_first: Vec<&str> = site
        .frames
        .iter()
        .rev()
        .map(|f| &*f.function)
        .skip_while(|f| matches!(*f, "runtime.goexit" | "runtime.main"))
        .collect();
    for group in groups {
        let Some(live) = live_frames(group) else { continue };
        let live: Vec<&str> =
            live.into_iter().skip_while(|f| matches!(*f, "runtime.goexit" | "runtime.main")).collect();
        if !live.is_empty() && root_first.starts_with(&live) {
            site.cause = Cause::HeapHeldByGoroutines;
            site.held_by = Some(group.fingerprint.clone());
            let parked =
                group.leak_site.as_ref().map_or_else(String::new, |s| format!(" at {}", short_site(s)));
            site.evidence.push(format!(
                "allocated in the frames of {} goroutines parked{parked} ({}), which are still live",
                group.count,
                group.blocking.describe()
            ));
            return;
        }
    }
    if site.growing
        && let Some((cause, evidence)) = retention.and_then(|r| r(&site.frames))
    {
        site.cause = cause;
        site.evidence.push(evidence);
        return;
    }
    let allocator = site.frames.first().map(|f| &*f.function).unwrap_or_default();
    if matches!(allocator, "time.NewTicker" | "time.NewTimer" | "time.AfterFunc" | "time.Tick" | "time.After")
        || allocator.starts_with("time.newTimer")
    {
        site.cause = Cause::TimerNotStopped;
        site.evidence
            .push(format!("allocated by {allocator}: timers that are never stopped stay referenced"));
        return;
    }
    let line = match (source, &site.site) {
        (Some(source), Some(s)) => source.line(&s.file, s.line),
        _ => None,
    };
    if let Some(line) = line
        && is_index_assignment(&line)
    {
        site.cause = Cause::UnboundedCache;
        site.evidence.push(format!("allocated by the assignment `{}`: a map that grows", line.trim()));
    }
}

/// Sites in a function whose map grows keep their memory in that map too: the values put into it.
fn promote_map_functions(sites: &mut [HeapSite]) {
    let functions: Vec<Arc<str>> = sites
        .iter()
        .filter(|s| s.growing && s.cause == Cause::UnboundedCache)
        .filter_map(|s| s.site.as_ref().map(|s| s.function.clone()))
        .collect();
    for site in sites.iter_mut().filter(|s| s.growing && s.cause == Cause::HeapSiteGrows) {
        if let Some(function) = site.site.as_ref().map(|s| &s.function)
            && functions.contains(function)
        {
            site.cause = Cause::UnboundedCache;
            site.evidence.push(format!("allocated in {function}, whose map assignment grows with it"));
        }
    }
}

/// `cache[key] = value` (not `:=`, not a comparison): a map (or slice element) assignment.
fn is_index_assignment(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or(line).trim();
    let Some(close) = code.find("] =") else { return false };
    let target = &code[..close];
    let Some(open) = target.find('[') else { return false };
    let name = &target[..open];
    !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !code[close + 3..].starts_with('=')
}

fn composition(m: &MemStats, goroutines: Option<u64>) -> Composition {
    Composition {
        go_runtime: m.retained(),
        heap: m.heap_inuse,
        stacks: m.stack_inuse,
        overhead: m.overhead(),
        max_rss: m.max_rss,
        goroutines,
        stack_per_goroutine: goroutines.filter(|&g| g > 0).map(|g| m.stack_inuse / g),
    }
}

/// The measured total growth and whether it is more than noise. The parts are added by [`with_parts`] once the
/// sites are classified and ranked.
fn growth(points: &[MemoryPoint], xs: &[f64], notes: &mut Vec<String>) -> Growth {
    let stats: Vec<(usize, MemStats)> =
        points.iter().enumerate().filter_map(|(i, p)| p.memstats.map(|m| (i, m))).collect();
    let with_rss = stats.len() >= 2 && stats.iter().all(|(_, m)| m.max_rss.is_some());
    let (measured_by, values): (&'static str, Vec<(usize, u64)>) = if with_rss {
        // The larger of the peak and the runtime's own: untouched heap pages count in Sys and not in RSS.
        let values = stats.iter().map(|&(i, m)| (i, m.max_rss.unwrap_or(0).max(m.retained()))).collect();
        ("max_rss", values)
    } else if stats.len() >= 2 {
        ("go_runtime", stats.iter().map(|&(i, m)| (i, m.retained())).collect())
    } else {
        ("heap_profile", points.iter().enumerate().map(|(i, p)| (i, p.profile_inuse_bytes)).collect())
    };
    let first = values.first().map_or(0, |v| v.1);
    let last = values.last().map_or(0, |v| v.1);
    let fx: Vec<f64> = values.iter().map(|&(i, _)| xs[i]).collect();
    let fy: Vec<f64> = values.iter().map(|&(_, v)| v as f64).collect();
    let rate = theil_sen(&fx, &fy);
    let grown = last.saturating_sub(first);
    // Whether it is a leak is judged on what stays: peaks of garbage between collections raise the peak RSS
    // and the runtime's reserve for good, and are not leaks.
    let live: Vec<u64> = if stats.len() >= 2 {
        stats.iter().map(|(_, m)| live_memory(m)).collect()
    } else {
        points.iter().map(|p| p.profile_inuse_bytes).collect()
    };
    let (live_first, live_last) = (live.first().copied().unwrap_or(0), live.last().copied().unwrap_or(0));
    let live_grown = live_last.saturating_sub(live_first);
    let big =
        live_grown >= MIN_GROWTH && live_grown as f64 >= MIN_GROWTH_SHARE * first.max(live_first) as f64;
    let rises = live.windows(2).filter(|w| w[1] > w[0]).count();
    let intervals = live.len().saturating_sub(1);
    let steady = live.len() < 3 || (rises * 2 >= intervals && keeps_growing(&live));
    if values.len() == 2 && big {
        notes.push(
            "two profiles show a change, not a trend: take three or more (e.g. a minute apart) to tell a leak from \
             load"
                .to_owned(),
        );
    }
    if measured_by == "max_rss" {
        notes.push(
            "MaxRSS is the peak resident memory since the process started; growth below an earlier peak does not \
             show in it"
                .to_owned(),
        );
    }
    Growth {
        seconds: points.last().and_then(|p| p.seconds),
        measured_by,
        total: grown,
        rate,
        significant: big && steady,
        parts: Vec::new(),
        verdict: String::new(),
    }
}

/// Memory that stays after a collection: the heap in use, goroutine stacks, and the peak RSS beyond all the Go
/// runtime ever obtained (`Sys` bounds the runtime's own peak, so the rest is memory it does not own).
fn live_memory(m: &MemStats) -> u64 {
    m.heap_inuse.saturating_add(m.stack_inuse).saturating_add(outside_go(m))
}

/// Resident memory beyond everything the Go runtime obtained from the OS: a lower bound of what it does not own.
fn outside_go(m: &MemStats) -> u64 {
    m.max_rss.unwrap_or(0).saturating_sub(m.sys)
}

/// Splits the growth into parts and writes the verdict.
fn with_parts(mut g: Growth, sites: &[HeapSite], series: Option<&Series>, points: &[MemoryPoint]) -> Growth {
    let stats: Vec<MemStats> = points.iter().filter_map(|p| p.memstats).collect();
    let delta = |f: fn(&MemStats) -> u64| -> i64 {
        match (stats.first(), stats.last()) {
            (Some(a), Some(b)) if stats.len() >= 2 => crate::diff::signed(f(b), f(a)),
            _ => 0,
        }
    };
    let mut parts = goroutine_parts(sites, series, delta(|m| m.stack_inuse));
    // Sites at one line of the program's code with one cause are one part (their stacks differ below it).
    let mut by_line: Vec<(Cause, Option<&Site>, Vec<usize>)> = Vec::new();
    for (i, site) in sites.iter().enumerate().filter(|(_, s)| s.growing && s.held_by.is_none()) {
        match by_line.iter_mut().find(|(cause, at, _)| *cause == site.cause && *at == site.site.as_ref()) {
            Some((_, _, members)) => members.push(i),
            None => by_line.push((site.cause, site.site.as_ref(), vec![i])),
        }
    }
    for (cause, at, members) in by_line {
        let bytes: i64 = members.iter().map(|&i| sites[i].growth).sum();
        let where_ = at.map_or_else(|| "an unknown site".to_owned(), short_site);
        parts.push(Part {
            cause,
            bytes,
            share: 0.0,
            title: format!("{where_} retaining {} more", human_bytes(bytes.max(0) as u64)),
            group: None,
            sites: members,
            fix: fix_for(cause).to_owned(),
        });
    }
    let named_heap: i64 = parts.iter().flat_map(|p| &p.sites).map(|&i| sites[i].growth).sum();
    let heap_total = if stats.len() >= 2 {
        delta(|m| m.heap_inuse)
    } else {
        match (points.first(), points.last()) {
            (Some(a), Some(b)) => crate::diff::signed(b.profile_inuse_bytes, a.profile_inuse_bytes),
            _ => 0,
        }
    };
    let other_heap = heap_total - named_heap;
    if other_heap >= 1 << 20 {
        parts.push(Part {
            cause: Cause::OtherHeap,
            bytes: other_heap,
            share: 0.0,
            title: format!("{} of heap at no single growing site", human_bytes(other_heap as u64)),
            group: None,
            sites: Vec::new(),
            fix: fix_for(Cause::OtherHeap).to_owned(),
        });
    }
    if let (Some(a), Some(b)) = (stats.first(), stats.last())
        && stats.len() >= 2
    {
        parts.extend(runtime_parts(a, b, g.measured_by == "max_rss"));
    }
    let total: i64 = parts.iter().map(|p| p.bytes.max(0)).sum();
    for part in &mut parts {
        part.share = if total > 0 && part.bytes > 0 { part.bytes as f64 / total as f64 } else { 0.0 };
    }
    parts.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.title.cmp(&b.title)));
    g.total = g.total.max(total.max(0) as u64);
    g.verdict = verdict(&g, &parts);
    g.parts = parts;
    g
}

/// Goroutine groups that grew: each gets its share of the stacks' growth (by how many goroutines it added) and
/// the heap its parked frames hold; stack growth no group explains is a part of its own.
fn goroutine_parts(sites: &[HeapSite], series: Option<&Series>, stacks: i64) -> Vec<Part> {
    let grown: Vec<(&Group, i64)> = series
        .map(|s| s.groups.iter().filter(|gs| gs.growth > 0).map(|gs| (&gs.group, gs.growth)).collect())
        .unwrap_or_default();
    let goroutine_growth: i64 = grown.iter().map(|(_, n)| n).sum();
    let mut parts = Vec::new();
    let mut stacks_left = stacks;
    for (group, grew) in &grown {
        let held: Vec<usize> = (0..sites.len())
            .filter(|&i| sites[i].growing && sites[i].held_by.as_deref() == Some(&group.fingerprint))
            .collect();
        let heap: i64 = held.iter().map(|&i| sites[i].growth).sum();
        let stack_share =
            if goroutine_growth > 0 && stacks > 0 { stacks * grew / goroutine_growth } else { 0 };
        if heap <= 0 && stack_share < (1 << 20) {
            continue;
        }
        stacks_left -= stack_share;
        let at = group.leak_site.as_ref().map_or_else(|| "their stack".to_owned(), short_site);
        let holding = if heap > 0 {
            format!(
                ", holding {} of stacks and {} of heap they allocated",
                human_bytes(stack_share.max(0) as u64),
                human_bytes(heap as u64)
            )
        } else {
            String::new()
        };
        parts.push(Part {
            cause: Cause::HeapHeldByGoroutines,
            bytes: stack_share + heap,
            share: 0.0,
            title: format!(
                "{} more goroutines parked at {at} ({}){holding}",
                crate::thousands(*grew as u64),
                group.blocking.describe()
            ),
            group: Some(group.fingerprint.clone()),
            sites: held,
            fix: fix_for(Cause::HeapHeldByGoroutines).to_owned(),
        });
    }
    if stacks_left >= 1 << 20 {
        parts.push(Part {
            cause: Cause::GoroutineStacks,
            bytes: stacks_left,
            share: 0.0,
            title: format!("goroutine stacks grew by {}", human_bytes(stacks_left as u64)),
            group: None,
            sites: Vec::new(),
            fix: fix_for(Cause::GoroutineStacks).to_owned(),
        });
    }
    parts
}

/// The runtime's overhead and, with the peak RSS, memory outside the Go runtime, from the first and last
/// `MemStats`.
fn runtime_parts(a: &MemStats, b: &MemStats, with_rss: bool) -> Vec<Part> {
    let mut parts = Vec::new();
    let overhead = crate::diff::signed(b.overhead(), a.overhead());
    if overhead >= 1 << 20 {
        parts.push(Part {
            cause: Cause::RuntimeOverhead,
            bytes: overhead,
            share: 0.0,
            title: format!(
                "{} of runtime overhead (idle heap not yet returned, GC and span metadata)",
                human_bytes(overhead as u64)
            ),
            group: None,
            sites: Vec::new(),
            fix: fix_for(Cause::RuntimeOverhead).to_owned(),
        });
    }
    let off = crate::diff::signed(outside_go(b), outside_go(a));
    if with_rss && off >= MIN_GROWTH as i64 {
        parts.push(Part {
            cause: Cause::OffHeapGrowth,
            bytes: off,
            share: 0.0,
            title: format!(
                "{} outside the Go runtime: the process's peak RSS grew by {} while all the memory the Go runtime \
                 obtained grew by {}",
                human_bytes(off as u64),
                human_bytes(b.max_rss.unwrap_or(0).saturating_sub(a.max_rss.unwrap_or(0))),
                human_bytes(b.sys.saturating_sub(a.sys))
            ),
            group: None,
            sites: Vec::new(),
            fix: fix_for(Cause::OffHeapGrowth).to_owned(),
        });
    }
    parts
}

/// "82% of the growth is …; 15% is …; the rest is runtime overhead."
fn verdict(g: &Growth, parts: &[Part]) -> String {
    let span = g.seconds.map_or_else(String::new, |s| format!(" in {}", crate::duration(s / 60.0)));
    if !g.significant {
        return format!(
            "memory is steady: it grew by {}{span}, within what load and collection timing explain",
            human_bytes(g.total)
        );
    }
    let mut said: Vec<String> = Vec::new();
    let mut rest = 1.0;
    for part in parts.iter().filter(|p| p.share > 0.0) {
        if said.len() == 3 || (part.share < 0.05 && !said.is_empty()) {
            break;
        }
        rest -= part.share;
        let pct = (part.share * 100.0).round();
        said.push(if said.is_empty() {
            format!("{pct}% of the growth is {}", part.title)
        } else {
            format!("{pct}% is {}", part.title)
        });
    }
    let mut text = format!("memory grew by {}{span}: {}", human_bytes(g.total), said.join("; "));
    if rest > 0.005 && !said.is_empty() {
        let _ = write!(text, "; the rest ({:.0}%) is spread over smaller parts", rest * 100.0);
    }
    text
}

/// The usual fix for a cause.
pub fn fix_for(cause: Cause) -> &'static str {
    match cause {
        Cause::HeapHeldByGoroutines => {
            "fix the goroutine leak: what the goroutines reference is freed with them"
        }
        Cause::GoroutineStacks => "find the goroutines that accumulate (goroutine dumps over time)",
        Cause::SubsliceRetention => {
            "copy the small piece before keeping it (`bytes.Clone`, `strings.Clone`, `copy`), so the large buffer \
             can be freed"
        }
        Cause::UnboundedCache => {
            "bound the map: evict old entries (an LRU with a size limit) or `delete` entries when they are done"
        }
        Cause::TimerNotStopped => "`defer t.Stop()` on every ticker and timer (or upgrade to Go 1.23+)",
        Cause::ClientPerCall => "create the client once and reuse it; close what is made per call",
        Cause::HeapSiteGrows => {
            "find what keeps these objects (a global slice or map, a channel buffer, a list that is never \
             trimmed) and bound it: `go tool pprof -base FIRST LAST`, then `list` the site's function"
        }
        Cause::OtherHeap => "compare the profiles with `go tool pprof -base FIRST LAST`",
        Cause::RuntimeOverhead => {
            "nothing to fix by itself: it follows the heap's peak and is returned to the OS over time"
        }
        Cause::OffHeapGrowth => {
            "look outside Go: cgo allocations (`C.malloc` without `C.free`), C libraries, memory-mapped files; \
             check with a native heap profiler (heaptrack, jemalloc's prof, valgrind massif) or /proc/PID/smaps"
        }
    }
}

/// Notes on sampling rates: profiles at different rates are compared as estimates of the whole heap.
fn rate_notes(heaps: &[HeapProfile], notes: &mut Vec<String>) {
    let mut rates: Vec<u64> = heaps.iter().map(|h| h.rate).collect();
    rates.sort_unstable();
    rates.dedup();
    if rates.len() > 1 {
        notes.push(format!(
            "the profiles were sampled at different rates ({}): each is scaled by its own rate to an estimate \
             of the whole heap, so they compare, but sites are only as precise as the coarsest rate",
            rates.iter().map(|&r| human_bytes(r)).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(off) = heaps.iter().find(|h| h.rate == 0 && h.samples.is_empty()) {
        notes.push(format!(
            "{} records no allocation: the program sets runtime.MemProfileRate = 0, so no heap site can be named",
            off.source
        ));
    }
}

/// `search.go:88`.
fn short_site(site: &Site) -> String {
    let file = site.file.rsplit('/').next().unwrap_or(&site.file);
    format!("{} ({file}:{})", site.function, site.line)
}

/// Bytes for people: `310 MiB`, `1.2 GiB`, `512 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::{human_bytes, is_index_assignment};

    #[test]
    fn index_assignments() {
        assert!(is_index_assignment("\tcache[key] = buf"));
        assert!(is_index_assignment("s.byID[id] = v // keep"));
        assert!(!is_index_assignment("if cache[key] == nil {"));
        assert!(!is_index_assignment("buf := make([]byte, n)"));
        assert!(!is_index_assignment("x := m[k]"));
    }

    #[test]
    fn sampling_noise_shrinks_for_objects_larger_than_the_rate() {
        let rate = 512 << 10;
        let small = super::sampling_noise(100 << 20, 64, rate);
        assert!((small - ((100u64 << 20) as f64 * rate as f64).sqrt()).abs() / small < 0.01);
        assert!(super::sampling_noise(100 << 20, 4 << 20, rate) < f64::from(1 << 20));
        assert!(super::sampling_noise(100 << 20, 0, rate) > 0.0);
        assert!(super::sampling_noise(100 << 20, 64, 1).abs() < f64::EPSILON);
    }

    #[test]
    fn bytes_for_people() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(310 << 20), "310 MiB");
        assert_eq!(human_bytes(1_288_490_188), "1.2 GiB");
    }
}
