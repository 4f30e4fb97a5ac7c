//! Grouping levels coarser than identical stacks, and the fingerprints that name a group from one snapshot to the
//! next.

use std::fmt;

use goroscope_dump::{FrameId, Snapshot, label_value};
use rustc_hash::FxHashMap;

use crate::{Evidence, Group, Site};

/// How goroutines are put together into groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Grouping {
    /// Identical stacks, creator and state (ids, arguments and pc offsets ignored).
    #[default]
    Exact,
    /// The same leak site: the line the goroutines are stuck on, whatever called it.
    Site,
    /// Started by the same `go` statement.
    Creator,
    /// The same pprof label set, or with a key, the same value of that label.
    Label(Option<String>),
}

impl Grouping {
    /// Reads `exact`, `site`, `creator`, `label` or `label:KEY`.
    ///
    /// # Errors
    /// A message naming the accepted values.
    pub fn parse(text: &str) -> Result<Grouping, String> {
        match text {
            "exact" => Ok(Grouping::Exact),
            "site" => Ok(Grouping::Site),
            "creator" => Ok(Grouping::Creator),
            "label" => Ok(Grouping::Label(None)),
            _ => match text.strip_prefix("label:") {
                Some(key) if !key.is_empty() => Ok(Grouping::Label(Some(key.to_owned()))),
                _ => Err(format!(
                    "unknown grouping {text:?}: use exact, site, creator, label or label:KEY (one pprof label)"
                )),
            },
        }
    }
}

impl fmt::Display for Grouping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grouping::Exact => f.write_str("exact"),
            Grouping::Site => f.write_str("site"),
            Grouping::Creator => f.write_str("creator"),
            Grouping::Label(None) => f.write_str("label"),
            Grouping::Label(Some(key)) => write!(f, "label:{key}"),
        }
    }
}

/// Frames named in a fingerprint: as many as tell stacks apart, as few as every format prints alike.
const FINGERPRINT_FRAMES: usize = 16;

/// 64-bit FNV-1a: a hash whose value is fixed by its definition, so fingerprints stay the same across versions,
/// platforms and runs (the std hashers promise none of that).
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new(kind: &str) -> Fnv {
        let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
        hash.field(kind);
        hash
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A field ends with a NUL, so `("ab", "c")` and `("a", "bc")` differ.
    pub(crate) fn field(&mut self, text: &str) {
        self.write(text.as_bytes());
        self.write(&[0]);
    }

    pub(crate) fn finish(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The fingerprint of a stack: the functions outside the runtime, innermost first. Line numbers, files, pc
/// offsets, arguments and ids stay out, so it survives edits that shift lines, builds on other machines, and the
/// runtime frames that each format shows or hides (`debug=1` hides the leading ones, tracebacks the trailing
/// ones).
pub(crate) fn stack_fingerprint(snapshot: &Snapshot, frames: &[FrameId]) -> String {
    let mut hash = Fnv::new("exact");
    let functions = frames
        .iter()
        .map(|&f| snapshot.function(f))
        .filter(|f| !f.starts_with("runtime.") && !f.starts_with("internal/runtime/"))
        .take(FINGERPRINT_FRAMES);
    for function in functions {
        hash.field(function);
    }
    hash.finish()
}

/// What a coarser group gathers from each goroutine it takes.
#[derive(Default)]
struct Fold {
    count: u64,
    leaked: u64,
    locked: u64,
    ids: Vec<u64>,
    labels: FxHashMap<String, u64>,
    /// Goroutines contributed by each exact group, by its index.
    parts: FxHashMap<usize, u64>,
    /// Shortest and longest printed wait.
    minutes: Option<(u32, u32)>,
}

/// Folds exact groups into the coarser `grouping`. `members` are the goroutine indexes of each exact group, in the
/// order of `groups`. Each folded group shows its most severe part (the largest on a tie): that part's stack,
/// verdict and explanation, with the counts of the whole.
pub(crate) fn fold(
    snapshot: &Snapshot,
    has_ids: bool,
    groups: &[Group],
    members: &[Vec<u32>],
    grouping: &Grouping,
) -> Vec<Group> {
    let mut folds: FxHashMap<String, Fold> = FxHashMap::default();
    for (index, (group, members)) in groups.iter().zip(members).enumerate() {
        for &i in members {
            let g = &snapshot.goroutines[i as usize];
            let labels = g.extra.as_ref().and_then(|e| e.labels.as_deref());
            let key = match grouping {
                Grouping::Exact => group.fingerprint.clone(),
                Grouping::Site => site_key("site", group.leak_site.as_ref(), group),
                Grouping::Creator => site_key("creator", group.created_by.as_ref(), group),
                Grouping::Label(None) => format!("label\0{}", labels.unwrap_or_default()),
                Grouping::Label(Some(key)) => {
                    format!("label\0{}", labels.and_then(|set| label_value(set, key)).unwrap_or_default())
                }
            };
            let fold = folds.entry(key).or_default();
            let n = u64::from(g.count);
            fold.count += n;
            fold.leaked += if g.leaked() { n } else { 0 };
            fold.locked += if g.locked_to_thread() { n } else { 0 };
            if has_ids {
                fold.ids.push(g.id);
            }
            if let Some(set) = labels {
                *fold.labels.entry(set.to_owned()).or_default() += n;
            }
            if let Some(m) = g.wait_minutes {
                let m = m.get();
                fold.minutes = Some(fold.minutes.map_or((m, m), |(lo, hi)| (lo.min(m), hi.max(m))));
            }
            *fold.parts.entry(index).or_default() += n;
        }
    }
    let mut folded: Vec<Group> = folds
        .into_iter()
        .map(|(key, fold)| {
            let (&shown, _) = fold
                .parts
                .iter()
                .min_by_key(|&(&index, &n)| (groups[index].level, std::cmp::Reverse(n), index))
                .expect("a fold holds at least one goroutine");
            let mut group = groups[shown].clone();
            let parts = fold.parts.len() as u64;
            if parts > 1 {
                group.evidence.push(Evidence {
                    code: "folded",
                    text: format!(
                        "{parts} different stacks are grouped here (--group {grouping}); the verdict and stack \
                         shown are those of the most severe"
                    ),
                    weight: 0,
                });
            }
            if let (Some(wait), Some((lo, hi))) = (group.wait_minutes.as_mut(), fold.minutes) {
                wait.min = wait.min.min(lo);
                wait.max = wait.max.max(hi);
            }
            let mut ids = fold.ids;
            ids.sort_unstable();
            group.count = fold.count;
            group.leaked = fold.leaked;
            group.locked_to_thread = fold.locked;
            group.sample_ids = ids.iter().take(5).copied().collect();
            group.id_range = (ids.first().copied().unwrap_or(0), ids.last().copied().unwrap_or(0));
            group.labels = crate::group::top_label_sets(fold.labels);
            group.stacks = parts;
            group.fingerprint = if *grouping == Grouping::Exact { key } else { fold_fingerprint(&key) };
            group
        })
        .collect();
    crate::group::sort_groups(&mut folded);
    folded
}

/// The key of a group by one of its sites; a group without that site stays on its own.
fn site_key(kind: &str, site: Option<&Site>, group: &Group) -> String {
    match site {
        // The function alone, like the stack fingerprint: lines shift as code is edited.
        Some(site) => format!("{kind}\0{}", site.function),
        None => format!("{kind}\0\0{}", group.fingerprint),
    }
}

fn fold_fingerprint(key: &str) -> String {
    let mut hash = Fnv::new("fold");
    hash.field(key);
    hash.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groupings_read_and_print_alike() {
        for text in ["exact", "site", "creator", "label", "label:tenant"] {
            assert_eq!(Grouping::parse(text).unwrap().to_string(), text);
        }
        assert!(Grouping::parse("label:").unwrap_err().contains("label:KEY"));
        assert!(Grouping::parse("stack").is_err());
    }

    #[test]
    fn fnv_is_the_published_function() {
        // Test vectors of FNV-1a 64: "" and "a".
        let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
        assert_eq!(hash.finish(), "cbf29ce484222325");
        hash.write(b"a");
        assert_eq!(hash.finish(), "af63dc4c8601ec8c");
    }
}
