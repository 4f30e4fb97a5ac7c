//! Grouping goroutines and gathering the facts each verdict is built from.

use std::sync::Arc;

use goroscope_dump::{Format, FrameId, Goroutine, Snapshot, StackId, StateId, Sym, WaitReason};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::classify::{Blocking, classify};
use crate::code::CodeModel;
use crate::fold::{Grouping, fold, stack_fingerprint};
use crate::score::{Verdict, judge};
use crate::{
    Analysis, Creators, Evidence, Excerpt, FrameOut, Group, Level, Options, Site, SourceLines, Summary,
    WaitStats,
};

/// Frames that run one request or RPC: a goroutine with one of these on its stack serves a client.
const REQUEST_FRAMES: &[&str] = &[
    "net/http.(*conn).serve",
    "net/http.(*http2serverConn).runHandler",
    "golang.org/x/net/http2.(*serverConn).runHandler",
    "google.golang.org/grpc.(*Server).handleStream",
    "google.golang.org/grpc.(*Server).processUnaryRPC",
    "google.golang.org/grpc.(*Server).processStreamingRPC",
    "github.com/valyala/fasthttp.(*Server).serveConn",
];

/// Lines above a leak site read to see whether it sits in a loop.
const SOURCE_LINES_ABOVE: u32 = 6;

/// What the whole dump tells about every group.
pub(crate) struct World<'a> {
    pub(crate) snapshot: &'a Snapshot,
    pub(crate) code: CodeModel,
    /// Every interned string, shared by the groups that print it.
    names: Vec<Arc<str>>,
    /// Index of each goroutine that created another, by id.
    by_id: FxHashMap<u64, u32>,
    /// Functions on some live stack (for dumps without creator ids).
    on_stacks: FxHashSet<Sym>,
    /// Stacks that serve a request.
    request_stacks: FxHashSet<StackId>,
    /// Functions seen running inside a request, above its dispatch frame.
    request_functions: FxHashSet<Sym>,
    /// Goroutines reading an HTTP client response body.
    pub(crate) body_readers: u64,
    pub(crate) has_creator_ids: bool,
    /// The format names each goroutine (id, wait reason, creator); `debug=1` and the proto only count them.
    pub(crate) has_ids: bool,
    pub(crate) truncated: bool,
    /// How the program that printed the dump stopped, when that says something about its goroutines.
    pub(crate) ending: Ending,
}

/// How the program stopped, as far as the verdicts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Still running (a pprof dump), or a crash that says nothing about blocked goroutines.
    Other,
    /// The runtime found every goroutine asleep.
    Deadlock,
    /// A `go test` binary's timeout panic.
    TestTimeout,
}

impl<'a> World<'a> {
    fn new(snapshot: &'a Snapshot, code: CodeModel) -> World<'a> {
        // Only creators are ever looked up by id: index just those.
        let mut creator_ids: Vec<u64> =
            snapshot.goroutines.iter().filter_map(|g| g.creator_id).map(|c| c.get()).collect();
        creator_ids.sort_unstable();
        creator_ids.dedup();
        let mut by_id = FxHashMap::default();
        // Goroutines per stack, so that per-stack facts count goroutines without another pass.
        let mut per_stack = vec![0u64; snapshot.stack_count()];
        for (i, g) in snapshot.goroutines.iter().enumerate() {
            if creator_ids.binary_search(&g.id).is_ok() {
                by_id.insert(g.id, i as u32);
            }
            per_stack[g.stack.0 as usize] += u64::from(g.count);
        }
        let used_stacks: Vec<StackId> =
            (0..per_stack.len() as u32).filter(|&s| per_stack[s as usize] > 0).map(StackId).collect();
        let mut on_stacks = FxHashSet::default();
        let mut request_stacks = FxHashSet::default();
        let mut request_functions = FxHashSet::default();
        let mut body_readers = 0;
        for &stack in &used_stacks {
            let frames = snapshot.stack(stack);
            on_stacks.extend(frames.iter().map(|&f| snapshot.frame(f).function));
            if frames.iter().any(|&f| snapshot.function(f) == "net/http.(*bodyEOFSignal).Read") {
                body_readers += per_stack[stack.0 as usize];
            }
            if let Some(dispatch) =
                frames.iter().position(|&f| REQUEST_FRAMES.contains(&snapshot.function(f)))
            {
                request_stacks.insert(stack);
                request_functions.extend(frames[..dispatch].iter().map(|&f| snapshot.frame(f).function));
            }
        }
        World {
            snapshot,
            code,
            names: (0..snapshot.string_count() as u32).map(|s| Arc::from(snapshot.str(Sym(s)))).collect(),
            by_id,
            on_stacks,
            request_stacks,
            request_functions,
            body_readers,
            has_creator_ids: snapshot.has_creator_ids(),
            has_ids: snapshot.format.has_goroutine_details(),
            truncated: snapshot.truncated.is_some(),
            ending: match &snapshot.crash {
                Some(crash) if crash.is_global_deadlock() => Ending::Deadlock,
                Some(crash) if crash.message.starts_with("test timed out after") => Ending::TestTimeout,
                _ => Ending::Other,
            },
        }
    }
}

/// Everything known about one group, for the shape table and the scorer.
pub(crate) struct Facts<'a> {
    pub(crate) frames: &'a [FrameId],
    pub(crate) blocking: Blocking,
    pub(crate) count: u64,
    /// Member ids, sorted; empty when the format has no ids.
    pub(crate) ids: Vec<u64>,
    /// Index in `frames` of the leak site.
    pub(crate) site: Option<usize>,
    /// Whether the site is the program's own code.
    pub(crate) site_is_own: bool,
    pub(crate) created_by: Option<FrameId>,
    pub(crate) creators: Option<Creators>,
    /// Members whose creator goroutine has exited.
    pub(crate) creator_gone: u64,
    /// Members whose creator goroutine runs on, but no longer inside the function that started them.
    pub(crate) creator_returned: u64,
    /// Members created by a goroutine serving a request, or by a function that runs inside requests.
    pub(crate) request_created: u64,
    /// The members themselves serve a request (the block is inside a handler).
    pub(crate) in_request: bool,
    pub(crate) leaked: u64,
    pub(crate) minutes: Vec<u32>,
    pub(crate) includes_main: bool,
    /// Line of source at the leak site, and a few above it.
    pub(crate) site_text: Vec<String>,
    /// `Some(true)`: every member printed the same arguments (one shared channel, lock or object);
    /// `Some(false)`: every member printed different ones (an object per goroutine); `None`: no arguments.
    pub(crate) args_shared: Option<bool>,
    /// Members locked to their thread.
    pub(crate) locked: u64,
    /// Label sets printed in the members' headers, with counts.
    pub(crate) labels: Vec<(String, u64)>,
    /// The tests that started the members, most members first.
    pub(crate) tests: Vec<String>,
}

impl Facts<'_> {
    /// Ids in one tight run: started together (a pool) rather than one by one over time.
    pub(crate) fn created_together(&self) -> bool {
        let (Some(&first), Some(&last)) = (self.ids.first(), self.ids.last()) else {
            return false;
        };
        let span = (last - first).saturating_add(1);
        // A loop of `go` statements yields consecutive ids; allow a few others started meanwhile.
        self.count >= 2 && span <= self.count.saturating_add((self.count / 10).max(2))
    }

    pub(crate) fn has_function(&self, world: &World<'_>, names: &[&str]) -> bool {
        self.frames.iter().any(|&f| names.contains(&world.snapshot.function(f)))
    }

    /// The function at the leak site.
    pub(crate) fn site_function<'w>(&self, world: &World<'w>) -> Option<&'w str> {
        self.site.map(|i| world.snapshot.function(self.frames[i]))
    }

    pub(crate) fn max_minutes(&self) -> u32 {
        self.minutes.iter().copied().max().unwrap_or(0)
    }
}

/// Analyses one snapshot.
pub fn analyze(snapshot: &Snapshot, options: &Options, source: Option<&dyn SourceLines>) -> Analysis {
    let world = World::new(snapshot, CodeModel::new(snapshot, &options.own_packages));
    // Group by (stack, creator, state): index by the dense stack id, then scan the few variants of each stack.
    let mut by_stack: Vec<Vec<(Option<FrameId>, StateId, usize)>> = vec![Vec::new(); snapshot.stack_count()];
    let mut members: Vec<Vec<u32>> = Vec::new();
    for (i, g) in snapshot.goroutines.iter().enumerate() {
        let variants = &mut by_stack[g.stack.0 as usize];
        let slot = match variants.iter().find(|(c, s, _)| *c == g.created_by && *s == g.state) {
            Some(&(_, _, slot)) => slot,
            None => {
                members.push(Vec::new());
                variants.push((g.created_by, g.state, members.len() - 1));
                members.len() - 1
            }
        };
        members[slot].push(i as u32);
    }
    let mut groups: Vec<Group> = members.iter().map(|m| build_group(&world, m, options, source)).collect();
    if options.grouping == Grouping::Exact {
        sort_groups(&mut groups);
    } else {
        groups = fold(snapshot, world.has_ids, &groups, &members, &options.grouping);
    }
    let mut summary =
        Summary { goroutines: snapshot.goroutine_count(), groups: groups.len() as u64, ..Summary::default() };
    for group in &groups {
        let slot = match group.level {
            Level::Certain => &mut summary.certain,
            Level::Likely => &mut summary.likely,
            Level::Possible => &mut summary.possible,
            Level::Healthy => &mut summary.healthy,
        };
        slot.groups += 1;
        slot.goroutines += group.count;
    }
    Analysis { grouping: options.grouping.to_string(), summary, groups, notes: notes(&world) }
}

/// Most severe first, then largest, then by place and ids, so that output is stable.
pub(crate) fn sort_groups(groups: &mut [Group]) {
    groups.sort_by(|a, b| {
        (a.level, std::cmp::Reverse(a.count), &a.leak_site.as_ref().map(|s| (&s.file, s.line)), a.id_range)
            .cmp(&(
                b.level,
                std::cmp::Reverse(b.count),
                &b.leak_site.as_ref().map(|s| (&s.file, s.line)),
                b.id_range,
            ))
    });
}

fn notes(world: &World<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    if !world.has_creator_ids && world.snapshot.goroutines.iter().any(|g| g.created_by.is_some()) {
        notes.push(
            "No `in goroutine N` after `created by` (Go before 1.21): whether a creator is still running is \
             judged by whether its function is on any live stack."
                .to_owned(),
        );
    }
    let snapshot = world.snapshot;
    match snapshot.format {
        Format::CountText => notes.push(
            "debug=1 counts goroutines per stack: no ids, wait reasons, wait times or creators, and the runtime \
             frames that name a channel wait are hidden. Verdicts rest on counts and frames (and on the source \
             line, with --src); fetch ?debug=2 for the full evidence."
                .to_owned(),
        ),
        Format::Proto => notes.push(
            "The proto profile counts goroutines per stack: no ids, wait reasons, wait times or creators. The \
             wait is read from the runtime frames; fetch ?debug=2 for the full evidence."
                .to_owned(),
        ),
        _ => {}
    }
    if snapshot.profile.as_deref() == Some("goroutineleak") {
        notes.push(format!(
            "This is Go's goroutineleak profile: the runtime proved that none of its {} goroutines can ever be \
             woken.",
            snapshot.goroutine_count()
        ));
    }
    if world.truncated {
        let missing = snapshot
            .expected_total
            .or(snapshot.total)
            .map(|total| total.saturating_sub(snapshot.goroutine_count()))
            .filter(|&missing| missing > 0);
        notes.push(match missing {
            Some(missing) => format!(
                "The dump is incomplete: {missing} goroutines are missing from it. A creator missing from it may \
                 simply have been cut off, so missing creators are not counted as evidence."
            ),
            None => "The dump is incomplete, so a creator missing from it may simply have been cut off: missing \
                     creators are not counted as evidence."
                .to_owned(),
        });
    }
    if world.ending == Ending::Deadlock {
        notes.push(
            "The runtime reported `all goroutines are asleep - deadlock!`: every blocked goroutine is stuck."
                .to_owned(),
        );
    }
    notes
}

fn build_group(
    world: &World<'_>,
    members: &[u32],
    options: &Options,
    source: Option<&dyn SourceLines>,
) -> Group {
    let snapshot = world.snapshot;
    let first = &snapshot.goroutines[members[0] as usize];
    let frames = snapshot.stack(first.stack);
    let state = snapshot.state(first.state);
    let site = leak_site(world, frames);
    let blocking = classify(snapshot, WaitReason::from_status(state), frames, site);
    let mut facts = gather(world, members, frames, site, blocking, source);
    // Formats without wait reasons: the statement at the leak site may still name the wait.
    let from_source = (blocking == Blocking::Unknown)
        .then(|| facts.site_text.first().and_then(|line| crate::classify::from_source_line(line)))
        .flatten();
    if let Some(read) = from_source {
        facts.blocking = read;
    }
    let Verdict { level, pattern, shape, mut evidence } = judge(world, &facts);
    if from_source.is_some() {
        evidence.push(Evidence {
            code: "wait-from-source",
            text: format!(
                "the dump does not name the wait; the source line at the leak site reads as a {}",
                facts.blocking.describe()
            ),
            weight: 0,
        });
    }

    let site = |f: FrameId| {
        let frame = snapshot.frame(f);
        Site {
            function: Arc::clone(&world.names[frame.function.0 as usize]),
            file: Arc::clone(&world.names[frame.file.0 as usize]),
            line: frame.line,
        }
    };
    let leak_site = facts.site.map(|i| site(frames[i]));
    let leak_source = match (&leak_site, source) {
        (Some(s), Some(source)) => excerpt(source, s, options.context_lines),
        _ => None,
    };
    let created_by = facts.created_by.map(site);
    // The `go` statement, with a line on each side: enough to see what was handed to the goroutine.
    let creation_source = match (&created_by, source) {
        (Some(s), Some(source)) => excerpt(source, s, options.context_lines.min(1)),
        _ => None,
    };
    let wait_minutes = (!facts.minutes.is_empty()).then(|| {
        let mut sorted = facts.minutes.clone();
        sorted.sort_unstable();
        WaitStats {
            with_minutes: sorted.len() as u64,
            min: sorted[0],
            median: sorted[sorted.len() / 2],
            max: sorted[sorted.len() - 1],
        }
    });
    Group {
        fingerprint: stack_fingerprint(snapshot, frames),
        stacks: 1,
        count: facts.count,
        level,
        state: state.to_owned(),
        blocking: facts.blocking,
        wait_minutes,
        leak_site,
        created_by,
        creators: facts.creators,
        pattern,
        shape,
        evidence,
        sample_ids: facts.ids.iter().take(5).copied().collect(),
        id_range: (facts.ids.first().copied().unwrap_or(0), facts.ids.last().copied().unwrap_or(0)),
        leaked: facts.leaked,
        locked_to_thread: facts.locked,
        labels: facts.labels,
        tests: facts.tests,
        frames: frames
            .iter()
            .map(|&f| {
                let Site { function, file, line } = site(f);
                FrameOut { function, file, line, own: world.code.is_own(f) }
            })
            .collect(),
        source: leak_source,
        creation_source,
    }
}

fn gather<'a>(
    world: &World<'_>,
    members: &[u32],
    frames: &'a [FrameId],
    site: Option<usize>,
    blocking: Blocking,
    source: Option<&dyn SourceLines>,
) -> Facts<'a> {
    let snapshot = world.snapshot;
    let first = &snapshot.goroutines[members[0] as usize];
    let created_by = first.created_by;
    let mut creators = CreatorTally::default();
    let creation_site = created_by.map(|f| CreationSite::new(world, f));
    let (mut leaked, mut ids, mut minutes) = (0, Vec::with_capacity(members.len()), Vec::new());
    let (mut locked, mut labels, mut count) = (0, FxHashMap::<&str, u64>::default(), 0);
    let mut tests = TestFinder::default();
    let mut test_counts: FxHashMap<&str, u64> = FxHashMap::default();
    for &i in members {
        let g = &snapshot.goroutines[i as usize];
        let n = u64::from(g.count);
        count += n;
        if let Some(test) = tests.of(world, g) {
            *test_counts.entry(test).or_default() += n;
        }
        if world.has_ids {
            ids.push(g.id);
        }
        if let Some(m) = g.wait_minutes {
            minutes.push(m.get());
        }
        if g.leaked() {
            leaked += n;
        }
        if g.locked_to_thread() {
            locked += n;
        }
        if let Some(set) = g.extra.as_ref().and_then(|e| e.labels.as_deref()) {
            *labels.entry(set).or_default() += n;
        }
        if let Some(site) = &creation_site {
            creators.count(world, site, g);
        }
    }
    ids.sort_unstable();
    let mut args: Vec<u64> = members.iter().map(|&i| snapshot.goroutines[i as usize].args_hash).collect();
    args.sort_unstable();
    args.dedup();
    let args_shared = if args.contains(&0) || count < 2 {
        None
    } else if args.len() == 1 {
        Some(true)
    } else if args.len() == members.len() {
        Some(false)
    } else {
        None
    };
    let CreatorTally { gone, returned, request_created, ids: creator_ids, .. } = creators;
    let creators = (!creator_ids.is_empty()).then(|| Creators {
        distinct: creator_ids.len() as u64,
        alive: creator_ids.keys().filter(|id| world.by_id.contains_key(id)).count() as u64,
    });
    let site_is_own = site.is_some_and(|i| world.code.is_own(frames[i]));
    let site_text = match (site, source) {
        (Some(i), Some(source)) => {
            let frame = snapshot.frame(frames[i]);
            let file = snapshot.str(frame.file);
            (0..=SOURCE_LINES_ABOVE)
                .filter_map(|back| frame.line.checked_sub(back).filter(|&l| l > 0))
                .filter_map(|l| source.line(file, l))
                .collect()
        }
        _ => Vec::new(),
    };
    Facts {
        frames,
        blocking,
        count,
        ids,
        site,
        site_is_own,
        created_by,
        creators,
        creator_gone: gone,
        creator_returned: returned,
        request_created,
        in_request: world.request_stacks.contains(&first.stack),
        leaked,
        minutes,
        includes_main: if world.has_ids {
            members.iter().any(|&i| snapshot.goroutines[i as usize].id == 1)
        } else {
            frames.iter().any(|&f| snapshot.function(f) == "runtime.main")
        },
        site_text,
        args_shared,
        locked,
        labels: top_label_sets(labels),
        tests: {
            let mut found: Vec<(&str, u64)> = test_counts.into_iter().collect();
            found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            found.into_iter().map(|(t, _)| t.to_owned()).collect()
        },
    }
}

/// Finds the test that started a goroutine, remembering what it found for each stack and creator.
#[derive(Default)]
struct TestFinder<'a> {
    by_stack: FxHashMap<(StackId, Option<FrameId>), Option<&'a str>>,
    by_creator: FxHashMap<u64, Option<&'a str>>,
}

/// Creators followed up a `created by … in goroutine N` chain, at most.
const CREATOR_CHAIN: usize = 32;

impl<'a> TestFinder<'a> {
    /// The test on the goroutine's own stack or at its `go` statement; else on the stack of its creator, of its
    /// creator's creator and so on (a helper goroutine the test started, also under `t.Parallel`); else on the
    /// stacks `GODEBUG=tracebackancestors` recorded when the creators have exited.
    fn of(&mut self, world: &World<'a>, g: &Goroutine) -> Option<&'a str> {
        let snapshot = world.snapshot;
        if let Some(test) = self.on_stack(snapshot, g.stack, g.created_by) {
            return Some(test);
        }
        if let Some(test) = g.creator_id.and_then(|c| self.up_the_creators(world, c.get())) {
            return Some(test);
        }
        let ancestors = g.extra.as_ref().map(|e| e.ancestors.as_slice()).unwrap_or_default();
        ancestors
            .iter()
            .find_map(|&(_, stack, creator)| self.on_stack(snapshot, stack, creator))
            // goleak's `VerifyNone` reports what outlived the test it ran in.
            .or_else(|| snapshot.test.as_deref().filter(|_| snapshot.leak_report).map(top_level))
    }

    fn on_stack(
        &mut self,
        snapshot: &'a Snapshot,
        stack: StackId,
        created_by: Option<FrameId>,
    ) -> Option<&'a str> {
        *self
            .by_stack
            .entry((stack, created_by))
            .or_insert_with(|| first_test(snapshot, snapshot.stack(stack).iter().chain(&created_by)))
    }

    fn up_the_creators(&mut self, world: &World<'a>, id: u64) -> Option<&'a str> {
        if let Some(&known) = self.by_creator.get(&id) {
            return known;
        }
        let mut found = None;
        let mut next = Some(id);
        for _ in 0..CREATOR_CHAIN {
            let Some(&at) = next.and_then(|id| world.by_id.get(&id)) else { break };
            let creator = &world.snapshot.goroutines[at as usize];
            found = self.on_stack(world.snapshot, creator.stack, creator.created_by);
            if found.is_some() {
                break;
            }
            next = creator.creator_id.map(|c| c.get());
        }
        self.by_creator.insert(id, found);
        found
    }
}

/// What the creators of a group's members tell, counted member by member.
#[derive(Default)]
struct CreatorTally {
    /// Members whose creator goroutine has exited.
    gone: u64,
    /// Members whose creator runs on outside the function that started them.
    returned: u64,
    /// Members started by a goroutine serving a request, or by a function that runs inside requests.
    request_created: u64,
    /// Distinct creator goroutine ids, with whether each has outlived-the-`go` and request facts.
    ids: FxHashMap<u64, (Creator, bool)>,
    /// The creator of the previous member and its facts.
    last: Option<(u64, (Creator, bool))>,
}

/// The `go` statement a group's members share (the group key includes it), judged once per group.
struct CreationSite {
    function: Sym,
    /// The program's own code: its function is expected to stay on the creator's stack while the work lasts.
    own: bool,
    runs_in_requests: bool,
}

impl CreationSite {
    fn new(world: &World<'_>, created_by: FrameId) -> CreationSite {
        let function = world.snapshot.frame(created_by).function;
        CreationSite {
            function,
            own: world.code.is_own(created_by),
            runs_in_requests: world.request_functions.contains(&function),
        }
    }
}

impl CreatorTally {
    fn count(&mut self, world: &World<'_>, site: &CreationSite, g: &Goroutine) {
        let snapshot = world.snapshot;
        let facts = match g.creator_id {
            // Members often share their creator with the one before: skip the lookup.
            Some(creator) if self.last.is_some_and(|(id, _)| id == creator.get()) => self.last.unwrap().1,
            Some(creator) => {
                *self.ids.entry(creator.get()).or_insert_with(|| match world.by_id.get(&creator.get()) {
                    Some(&at) => {
                        let creator_stack = snapshot.goroutines[at as usize].stack;
                        // A library helper (errgroup.Go, WaitGroup.Go) returns at once by design: only the program's own
                        // functions are expected to stay on the creator's stack.
                        let still_inside = !site.own
                            || snapshot
                                .stack(creator_stack)
                                .iter()
                                .any(|&f| snapshot.frame(f).function == site.function);
                        let request = world.request_stacks.contains(&creator_stack) || site.runs_in_requests;
                        (if still_inside { Creator::Inside } else { Creator::Returned }, request)
                    }
                    // A creator cut off by truncation is not evidence.
                    None if world.truncated => (Creator::Inside, site.runs_in_requests),
                    None => (Creator::Gone, site.runs_in_requests),
                })
            }
            // Before Go 1.21: judge by whether the creating function (if it is the program's own) runs anywhere.
            None if !world.has_creator_ids => {
                let returned = site.own && !world.on_stacks.contains(&site.function);
                (if returned { Creator::Returned } else { Creator::Inside }, site.runs_in_requests)
            }
            None => (Creator::Inside, false),
        };
        if let Some(creator) = g.creator_id {
            self.last = Some((creator.get(), facts));
        }
        let n = u64::from(g.count);
        match facts.0 {
            Creator::Gone => self.gone += n,
            Creator::Returned => self.returned += n,
            Creator::Inside => {}
        }
        self.request_created += n * u64::from(facts.1);
    }
}

/// Where a member's creator is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Creator {
    /// Still inside the function that started it.
    Inside,
    /// Running, but that function has returned.
    Returned,
    /// Exited.
    Gone,
}

/// `TestX` of `TestX/sub_case`.
fn top_level(test: &str) -> &str {
    test.split('/').next().unwrap_or(test)
}

/// The innermost test among `frames`: a function named `TestX` (or a closure inside one) in a `_test.go` file.
fn first_test<'s, 'f>(
    snapshot: &'s Snapshot,
    mut frames: impl Iterator<Item = &'f FrameId>,
) -> Option<&'s str> {
    frames.find_map(|&f| {
        let frame = snapshot.frame(f);
        if !snapshot.str(frame.file).ends_with("_test.go") {
            return None;
        }
        let function = snapshot.str(frame.function);
        let local = function.rsplit('/').next().unwrap_or(function);
        let name = local.split('.').nth(1)?;
        // `go test` runs `TestXxx` where Xxx does not start with a lower-case letter.
        name.strip_prefix("Test")
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_lowercase()))
            .then_some(name)
    })
}

/// Label sets with their counts, most common first (then by text), at most five.
pub(crate) fn top_label_sets<S: Into<String>>(counts: FxHashMap<S, u64>) -> Vec<(String, u64)> {
    let mut sets: Vec<(String, u64)> = counts.into_iter().map(|(l, n)| (l.into(), n)).collect();
    sets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sets.truncate(5);
    sets
}

/// The first frame of the program's own code; failing that, of a dependency; failing that, the first frame above
/// the wait machinery.
fn leak_site(world: &World<'_>, frames: &[FrameId]) -> Option<usize> {
    frames
        .iter()
        .position(|&f| world.code.is_own(f))
        .or_else(|| frames.iter().position(|&f| !world.code.is_std(f)))
        .or_else(|| frames.iter().position(|&f| !world.code.is_plumbing(f)))
}

pub(crate) fn excerpt(source: &dyn SourceLines, site: &Site, context: u32) -> Option<Excerpt> {
    if context == 0 || site.line == 0 {
        return None;
    }
    let marked = source.line(&site.file, site.line)?;
    let first_line = site.line.saturating_sub(context).max(1);
    let mut lines = Vec::new();
    for n in first_line..site.line {
        lines.push(source.line(&site.file, n)?);
    }
    lines.push(marked);
    for n in site.line + 1..=site.line + context {
        match source.line(&site.file, n) {
            Some(text) => lines.push(text),
            None => break,
        }
    }
    Some(Excerpt { file: site.file.to_string(), first_line, marked_line: site.line, lines })
}
