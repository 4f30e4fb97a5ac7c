//! Two snapshots compared group by group: what is new, what grew, what shrank and what is gone. Growth is the
//! strongest evidence of a leak, so grown groups are judged again with it.

use goroscope_dump::Snapshot;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::score::pattern_of;
use crate::{Analysis, Evidence, Group, Level};

/// How a group changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only in the later snapshot.
    New,
    /// More goroutines than before.
    Grown,
    /// Fewer goroutines than before.
    Shrunk,
    /// Only in the earlier snapshot.
    Gone,
    /// As many as before.
    Same,
}

/// One group's change.
#[derive(Debug, Clone, Serialize)]
pub struct GroupChange {
    /// What happened to it.
    pub change: Change,
    /// Goroutines before.
    pub before: u64,
    /// Goroutines after.
    pub after: u64,
    /// `after - before`.
    pub delta: i64,
    /// The group as it is in the later snapshot (for a gone group, as it was), judged again with its growth.
    pub group: Group,
}

/// Counts of groups per change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    /// New groups.
    pub new: u64,
    /// Grown groups.
    pub grown: u64,
    /// Shrunk groups.
    pub shrunk: u64,
    /// Gone groups.
    pub gone: u64,
    /// Unchanged groups.
    pub same: u64,
}

/// The comparison of two analyses.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Goroutines in the earlier snapshot.
    pub before: u64,
    /// Goroutines in the later snapshot.
    pub after: u64,
    /// Groups per change.
    pub counts: ChangeCounts,
    /// Every group of either snapshot: suspects among the new and grown first (most severe, then largest
    /// growth), then the other new and grown, the shrunk, the gone and the unchanged.
    pub changes: Vec<GroupChange>,
}

/// Growth from which one snapshot pair is strong evidence: at least this many more goroutines…
const STRONG_GROWTH: u64 = 10;

/// Compares two analyses of one process, matching groups by fingerprint (groups that share one are added up, so a
/// `debug=1` profile compares with a `debug=2` dump).
pub fn diff(before: &Analysis, after: &Analysis) -> Diff {
    let earlier = by_fingerprint(before);
    let later = by_fingerprint(after);
    let mut changes = Vec::with_capacity(later.len() + earlier.len());
    let mut counts = ChangeCounts::default();
    for (fingerprint, (count, group)) in &later {
        let was = earlier.get(fingerprint).map_or(0, |(n, _)| *n);
        let change = match was {
            0 => Change::New,
            was if *count > was => Change::Grown,
            was if *count < was => Change::Shrunk,
            _ => Change::Same,
        };
        let mut group = (*group).clone();
        group.count = *count;
        if matches!(change, Change::New | Change::Grown) {
            judge_growth(&mut group, was, *count);
        }
        changes.push(GroupChange { change, before: was, after: *count, delta: signed(*count, was), group });
    }
    for (fingerprint, (count, group)) in &earlier {
        if !later.contains_key(fingerprint) {
            let mut group = (*group).clone();
            group.count = *count;
            changes.push(GroupChange {
                change: Change::Gone,
                before: *count,
                after: 0,
                delta: signed(0, *count),
                group,
            });
        }
    }
    for c in &changes {
        *match c.change {
            Change::New => &mut counts.new,
            Change::Grown => &mut counts.grown,
            Change::Shrunk => &mut counts.shrunk,
            Change::Gone => &mut counts.gone,
            Change::Same => &mut counts.same,
        } += 1;
    }
    changes.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(b.delta.cmp(&a.delta))
            .then(b.after.cmp(&a.after))
            .then(a.group.fingerprint.cmp(&b.group.fingerprint))
    });
    Diff { before: before.summary.goroutines, after: after.summary.goroutines, counts, changes }
}

/// Sort key: suspects that appeared or grew, by level; then the rest by kind of change.
fn rank(c: &GroupChange) -> (u8, Level) {
    let growing = matches!(c.change, Change::New | Change::Grown);
    match (growing, c.group.level) {
        (true, level) if level != Level::Healthy => (0, level),
        (true, _) => (1, Level::Healthy),
        (false, _) => (2 + c.change as u8, c.group.level),
    }
}

pub(crate) fn signed(after: u64, before: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX).saturating_sub(i64::try_from(before).unwrap_or(i64::MAX))
}

/// Groups of an analysis by fingerprint, adding up the counts of groups that share one; the group shown is the
/// most severe (then the largest).
fn by_fingerprint(analysis: &Analysis) -> FxHashMap<&str, (u64, &Group)> {
    let mut map: FxHashMap<&str, (u64, &Group)> = FxHashMap::default();
    for group in &analysis.groups {
        map.entry(&group.fingerprint)
            .and_modify(|(count, shown)| {
                *count += group.count;
                if (group.level, std::cmp::Reverse(group.count))
                    < (shown.level, std::cmp::Reverse(shown.count))
                {
                    *shown = group;
                }
            })
            .or_insert((group.count, group));
    }
    map
}

/// Adds the growth from `before` to `after` goroutines to a group's evidence and raises its level when the
/// growth says more than one snapshot could: goroutines that only ever accumulate are what a leak is.
pub(crate) fn judge_growth(group: &mut Group, before: u64, after: u64) {
    let delta = after.saturating_sub(before);
    if delta == 0 {
        return;
    }
    let strong = delta >= STRONG_GROWTH && after >= before.saturating_mul(2);
    let weight = if strong { 2 } else { i32::from(delta >= 2) };
    let text = if before == 0 {
        format!("appeared between the snapshots: {after} goroutines that were not there before")
    } else {
        format!("grew from {before} to {after} goroutines between the snapshots (+{delta})")
    };
    group.evidence.push(Evidence { code: "grew", text, weight });
    // Growth says nothing about goroutines that do not wait on the program (a syscall, a network accept).
    let waits = group.blocking.can_block_forever()
        || matches!(group.blocking, crate::Blocking::Running | crate::Blocking::Runnable);
    if !waits || weight == 0 {
        return;
    }
    let raised = match (group.level, weight) {
        (Level::Healthy, _) => Level::Possible,
        (Level::Possible, 2) => Level::Likely,
        (level, _) => level,
    };
    if raised != group.level {
        group.level = raised;
        if group.pattern.is_none() {
            group.pattern = pattern_of(group.blocking, &site_text(group));
        }
        group.shape = None;
    }
}

/// The source line at a group's leak site and the lines above it, nearest first, from its excerpt.
fn site_text(group: &Group) -> Vec<String> {
    let Some(excerpt) = &group.source else {
        return Vec::new();
    };
    let upto = (excerpt.marked_line.saturating_sub(excerpt.first_line) as usize + 1).min(excerpt.lines.len());
    excerpt.lines[..upto].iter().rev().cloned().collect()
}

/// Goroutines found in both snapshots under one id with the same stack and printed arguments: how many kept their
/// arguments, and how many did not.
fn same_goroutines(before: &Snapshot, after: &Snapshot) -> (usize, usize) {
    let earlier: FxHashMap<u64, &goroscope_dump::Goroutine> =
        before.goroutines.iter().filter(|g| g.args_hash != 0).map(|g| (g.id, g)).collect();
    let (mut same, mut moved) = (0, 0);
    for g in after.goroutines.iter().filter(|g| g.args_hash != 0) {
        let Some(e) = earlier.get(&g.id) else { continue };
        let frames = |s: &Snapshot, g: &goroscope_dump::Goroutine| {
            s.stack(g.stack).iter().map(|&f| (s.function(f).to_owned(), s.frame(f).line)).collect::<Vec<_>>()
        };
        if frames(before, e) != frames(after, g) {
            continue;
        }
        if e.args_hash == g.args_hash {
            same += 1;
        } else {
            moved += 1;
        }
    }
    (same, moved)
}

/// Goroutine ids each P of the runtime takes ahead in a batch (`_GoidCacheBatch`, 16), times a generous
/// `GOMAXPROCS`: within this margin ids are not strictly in creation order.
const ID_SLACK: u64 = 16 * 64;

/// Warnings when two snapshots do not look like one process at two times:
/// - goroutines in the later one with ids that were already handed out when the earlier one was taken, yet
///   absent from it (ids only grow, so that takes a restart or another process);
/// - goroutines with the same id, stack and place in both whose arguments differ: one goroutine parked at one
///   call keeps its arguments, while a restarted program that hands out the same ids (deterministic start-up)
///   has its objects at other addresses;
/// - no stack in common at all.
pub fn process_warnings(before: &Snapshot, after: &Snapshot, a: &Analysis, b: &Analysis) -> Vec<String> {
    let mut warnings = Vec::new();
    if before.format.has_goroutine_details() && after.format.has_goroutine_details() {
        let known: FxHashSet<u64> = before.goroutines.iter().map(|g| g.id).collect();
        let max_before = known.iter().copied().max().unwrap_or(0);
        let (same, moved) = same_goroutines(before, after);
        if moved >= 3 && moved * 2 > same + moved {
            warnings.push(format!(
                "{moved} goroutines have the same id and stack in both snapshots but different arguments: one \
                 goroutine parked at one call keeps its arguments, so the snapshots look like two processes (or a \
                 restart) and the changes below compare different runs"
            ));
        }
        let old_ids: Vec<u64> = after
            .goroutines
            .iter()
            .map(|g| g.id)
            .filter(|&id| id > 0 && id + ID_SLACK < max_before)
            .collect();
        let unknown = old_ids.iter().filter(|id| !known.contains(id)).count();
        if unknown >= 5 && unknown * 5 >= old_ids.len() {
            warnings.push(format!(
                "{unknown} goroutines of the later snapshot have ids the earlier one had already handed out, yet are \
                 not in it: the snapshots look like two processes (or a restart), so the changes below compare \
                 different runs"
            ));
        }
    }
    warnings.dedup_by(|later, earlier| later.contains("two processes") && earlier.contains("two processes"));
    let earlier: FxHashSet<&str> = a.groups.iter().map(|g| g.fingerprint.as_str()).collect();
    let shared = b.groups.iter().filter(|g| earlier.contains(g.fingerprint.as_str())).count();
    if shared == 0 && a.groups.len() >= 3 && b.groups.len() >= 3 {
        warnings
            .push("the snapshots have no stack in common: they look like two different programs".to_owned());
    }
    warnings
}
