//! Joining a live service's profiles: `debug=2` names every goroutine but (before Go 1.27) prints no labels and
//! marks leaks only after a goroutineleak cycle; `debug=1` and the goroutineleak profile count goroutines per
//! stack with their labels. Matching stacks carries labels and leak proofs over to the detailed goroutines.

use rustc_hash::FxHashMap;

use crate::model::{GoroutineExtra, Snapshot, StackId, flag};

/// Frames compared: enough to tell stacks apart, few enough that a deep stack cut at a different depth by each
/// format still matches.
const KEY_FRAMES: usize = 16;

/// A stack as every format prints it: (function, file, line) of its frames outside the runtime. `debug=1` hides
/// the leading runtime frames, tracebacks the trailing ones (`runtime.main`).
type StackKey = Vec<(String, String, u32)>;

fn key(snapshot: &Snapshot, stack: StackId) -> StackKey {
    snapshot
        .stack(stack)
        .iter()
        .map(|&f| snapshot.frame(f))
        .filter(|frame| {
            let function = snapshot.str(frame.function);
            !function.starts_with("runtime.") && !function.starts_with("internal/runtime/")
        })
        .take(KEY_FRAMES)
        .map(|frame| {
            (snapshot.str(frame.function).to_owned(), snapshot.str(frame.file).to_owned(), frame.line)
        })
        .collect()
}

/// Members of `detailed` per stack key, as goroutine indexes.
fn members_by_key(detailed: &Snapshot) -> FxHashMap<StackKey, Vec<usize>> {
    let mut keys: FxHashMap<StackId, StackKey> = FxHashMap::default();
    let mut members: FxHashMap<StackKey, Vec<usize>> = FxHashMap::default();
    for (i, g) in detailed.goroutines.iter().enumerate() {
        let key = keys.entry(g.stack).or_insert_with(|| key(detailed, g.stack)).clone();
        members.entry(key).or_default().push(i);
    }
    members
}

/// Counted goroutines per (stack key, labels).
fn counted_by_key(counted: &Snapshot) -> FxHashMap<(StackKey, Option<&str>), u64> {
    let mut keys: FxHashMap<StackId, StackKey> = FxHashMap::default();
    let mut counts: FxHashMap<(StackKey, Option<&str>), u64> = FxHashMap::default();
    for g in &counted.goroutines {
        let key = keys.entry(g.stack).or_insert_with(|| key(counted, g.stack)).clone();
        let labels = g.extra.as_ref().and_then(|e| e.labels.as_deref());
        *counts.entry((key, labels)).or_default() += u64::from(g.count);
    }
    counts
}

/// Gives goroutines of `detailed` that print no labels the label sets `counted` (a `debug=1` or proto profile of
/// the same process) counts on their stack. Within one stack the sets are handed out in turn, so the group's
/// label distribution is right even though which goroutine holds which set is not known. Returns how many
/// goroutines got labels.
pub fn adopt_labels(detailed: &mut Snapshot, counted: &Snapshot) -> u64 {
    let members = members_by_key(detailed);
    let mut given = 0;
    let mut counts: Vec<_> = counted_by_key(counted).into_iter().collect();
    counts.sort_unstable();
    let mut next: FxHashMap<&StackKey, usize> = FxHashMap::default();
    for ((key, labels), count) in &counts {
        let (Some(labels), Some(indexes)) = (labels, members.get(key)) else {
            continue;
        };
        let start = next.entry(key).or_default();
        let mut remaining = *count;
        while remaining > 0 && *start < indexes.len() {
            let g = &mut detailed.goroutines[indexes[*start]];
            *start += 1;
            let extra = g.extra.get_or_insert_with(Box::<GoroutineExtra>::default);
            if extra.labels.is_none() {
                extra.labels = Some((*labels).to_owned());
                given += 1;
                remaining -= 1;
            }
        }
    }
    given
}

/// Marks as leaked the goroutines of `detailed` on the stacks that `leaks` (Go's goroutineleak profile of the
/// same process) counts, as many per stack as it counts, counting those the runtime already marked. Returns how
/// many goroutines are marked in all.
pub fn adopt_leaks(detailed: &mut Snapshot, leaks: &Snapshot) -> u64 {
    let members = members_by_key(detailed);
    let mut per_key: FxHashMap<StackKey, u64> = FxHashMap::default();
    for ((key, _), count) in counted_by_key(leaks) {
        *per_key.entry(key).or_default() += count;
    }
    let mut marked = 0;
    for (key, count) in per_key {
        let Some(indexes) = members.get(&key) else {
            continue;
        };
        let already = indexes.iter().filter(|&&i| detailed.goroutines[i].leaked()).count() as u64;
        let mut missing = count.saturating_sub(already);
        for &i in indexes {
            if missing == 0 {
                break;
            }
            let g = &mut detailed.goroutines[i];
            if !g.leaked() {
                g.flags |= flag::LEAKED;
                missing -= 1;
            }
        }
        marked += count.min(indexes.len() as u64);
    }
    marked
}
