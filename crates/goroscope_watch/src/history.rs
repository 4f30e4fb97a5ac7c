//! What the history holds of one target, as the reports draw it: the total over time and the groups worth a
//! line of their own.

use goroscope_analyze::Level;
use goroscope_report::{GroupHistory, HistoryReport, MAX_LINES, TimePoint};

use crate::store::{Store, StoreError, StoredGroup, StoredPoint};

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
