//! Several snapshots of one process in time order: how each group grows, the leak rate with a fit that a few odd
//! samples cannot swing, when the total reaches a limit, and which groups explain the growth.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::diff::{judge_growth, signed};
use crate::{Analysis, Evidence, Group, Level};

/// One snapshot of the series.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Seconds since the first snapshot, when known.
    pub seconds: Option<f64>,
    /// Goroutines in the snapshot.
    pub total: u64,
}

/// What the rates are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateUnit {
    /// Goroutines per minute (the snapshots' times are known).
    PerMinute,
    /// Goroutines per snapshot (times unknown).
    PerSnapshot,
}

/// One group over the series.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSeries {
    /// Goroutines in each snapshot (0 where the group is absent).
    pub counts: Vec<u64>,
    /// The fitted growth rate, in the series' unit.
    pub rate: f64,
    /// Last count minus first.
    pub growth: i64,
    /// This group's part of the growth of the total, from 0 to 1, when the total grew.
    pub share: Option<f64>,
    /// Intervals in which the group grew, and in which it shrank.
    pub rises: u32,
    /// Intervals in which it shrank.
    pub falls: u32,
    /// The group in the last snapshot it appears in, judged again with its growth.
    pub group: Group,
}

/// The series.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// The snapshots.
    pub points: Vec<Point>,
    /// What `rate` fields are measured in.
    pub unit: RateUnit,
    /// The fitted growth rate of the total.
    pub rate: f64,
    /// The limit asked for (`--limit`).
    pub limit: Option<u64>,
    /// Minutes (or snapshots, per `unit`) until the total reaches the limit at the fitted rate, when it grows and
    /// has not reached it yet.
    pub until_limit: Option<f64>,
    /// Every group: the growing ones first, largest growth first.
    pub groups: Vec<GroupSeries>,
}

/// Whether each time is later than the one before: only then do the times give rates per minute.
pub fn strictly_increasing(times: &[f64]) -> bool {
    times.windows(2).all(|w| w[1] > w[0])
}

/// Builds the series of `analyses` (oldest first). `seconds` gives each snapshot's time (any origin) when known.
pub fn series(analyses: &[Analysis], seconds: Option<&[f64]>, limit: Option<u64>) -> Series {
    let n = analyses.len();
    let origin = seconds.and_then(|s| s.first().copied()).unwrap_or(0.0);
    let xs: Vec<f64> = match seconds {
        Some(s) => s.iter().map(|t| (t - origin) / 60.0).collect(),
        None => (0..n).map(|i| i as f64).collect(),
    };
    let unit = if seconds.is_some() { RateUnit::PerMinute } else { RateUnit::PerSnapshot };
    let points: Vec<Point> = analyses
        .iter()
        .enumerate()
        .map(|(i, a)| Point { seconds: seconds.map(|s| s[i] - origin), total: a.summary.goroutines })
        .collect();
    let totals: Vec<f64> = points.iter().map(|p| p.total as f64).collect();
    let rate = theil_sen(&xs, &totals);
    let total_growth = signed(points.last().map_or(0, |p| p.total), points.first().map_or(0, |p| p.total));

    // Counts per fingerprint per snapshot, and the latest group seen for each.
    let mut counts: FxHashMap<&str, Vec<u64>> = FxHashMap::default();
    let mut latest: FxHashMap<&str, (usize, &Group)> = FxHashMap::default();
    for (i, analysis) in analyses.iter().enumerate() {
        for group in &analysis.groups {
            counts.entry(&group.fingerprint).or_insert_with(|| vec![0; n])[i] += group.count;
            // The group as last seen; of several sharing a fingerprint there, the most severe, then the largest.
            let shown = latest.entry(&group.fingerprint).or_insert((i, group));
            let severer = (group.level, std::cmp::Reverse(group.count))
                < (shown.1.level, std::cmp::Reverse(shown.1.count));
            if shown.0 < i || severer {
                *shown = (i, group);
            }
        }
    }
    let mut groups: Vec<GroupSeries> = counts
        .into_iter()
        .map(|(fingerprint, counts)| {
            let ys: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
            let rate = theil_sen(&xs, &ys);
            let growth = signed(counts.last().copied().unwrap_or(0), counts.first().copied().unwrap_or(0));
            let rises = counts.windows(2).filter(|w| w[1] > w[0]).count() as u32;
            let falls = counts.windows(2).filter(|w| w[1] < w[0]).count() as u32;
            let mut group = latest[fingerprint].1.clone();
            group.count = *counts.last().unwrap_or(&0);
            judge_series(&mut group, &counts, rises, falls, rate, unit);
            let share = (total_growth > 0 && growth > 0).then(|| growth as f64 / total_growth as f64);
            GroupSeries { counts, rate, growth, share, rises, falls, group }
        })
        .collect();
    groups.sort_by(|a, b| {
        (b.growth > 0)
            .cmp(&(a.growth > 0))
            .then(a.group.level.cmp(&b.group.level).then(b.growth.cmp(&a.growth)))
            .then(a.group.fingerprint.cmp(&b.group.fingerprint))
    });
    let last = points.last().map_or(0, |p| p.total);
    let until_limit = limit.filter(|&l| rate > 0.0 && l > last).map(|l| (l - last) as f64 / rate);
    Series { points, unit, rate, limit, until_limit, groups }
}

/// Growth over a series as evidence. A group that rises in most intervals and never falls is what a leak looks
/// like; one that goes up and down is load.
fn judge_series(group: &mut Group, counts: &[u64], rises: u32, falls: u32, rate: f64, unit: RateUnit) {
    let (first, last) = (counts.first().copied().unwrap_or(0), counts.last().copied().unwrap_or(0));
    if last <= first || counts.len() < 3 {
        if last > first {
            judge_growth(group, first, last);
        }
        return;
    }
    let intervals = (counts.len() - 1) as u32;
    let steady = falls == 0 && rises * 2 >= intervals;
    if steady {
        // Two snapshots' worth of evidence, at least, and then the steadiness on top.
        judge_growth(group, first, last);
        let per = match unit {
            RateUnit::PerMinute => "minute",
            RateUnit::PerSnapshot => "snapshot",
        };
        group.evidence.push(Evidence {
            code: "steady-growth",
            text: format!(
                "grew in {rises} of {intervals} intervals and never shrank: about {rate:.1} goroutines per {per}"
            ),
            weight: 1,
        });
        if group.blocking.can_block_forever() && group.level > Level::Likely && rises >= 3 {
            group.level = Level::Likely;
        }
    } else {
        group.evidence.push(Evidence {
            code: "fluctuates",
            text: format!(
                "rose in {rises} and fell in {falls} of {intervals} intervals: it follows load rather than only \
                 accumulating"
            ),
            weight: 0,
        });
    }
}

/// The Theil–Sen slope: the median of the slopes between every pair of points, so that a few outliers (a burst
/// of requests in one snapshot) do not swing it. 0 with fewer than two distinct x.
pub(crate) fn theil_sen(xs: &[f64], ys: &[f64]) -> f64 {
    // Pairs grow with the square of the points: thin long series evenly first.
    const MAX_POINTS: usize = 400;
    let step = xs.len().div_ceil(MAX_POINTS).max(1);
    let picked: Vec<(f64, f64)> = xs.iter().zip(ys).step_by(step).map(|(&x, &y)| (x, y)).collect();
    let mut slopes = Vec::with_capacity(picked.len() * picked.len() / 2);
    for (i, &(x1, y1)) in picked.iter().enumerate() {
        for &(x2, y2) in &picked[i + 1..] {
            if (x2 - x1).abs() > f64::EPSILON {
                slopes.push((y2 - y1) / (x2 - x1));
            }
        }
    }
    if slopes.is_empty() {
        return 0.0;
    }
    slopes.sort_by(f64::total_cmp);
    let mid = slopes.len() / 2;
    if slopes.len() % 2 == 1 { slopes[mid] } else { f64::midpoint(slopes[mid - 1], slopes[mid]) }
}

#[cfg(test)]
mod tests {
    use super::theil_sen;

    #[test]
    fn the_fit_ignores_outliers() {
        let xs: Vec<f64> = (0..10).map(f64::from).collect();
        let mut ys: Vec<f64> = xs.iter().map(|x| 3.0 * x + 5.0).collect();
        assert!((theil_sen(&xs, &ys) - 3.0).abs() < 1e-9);
        ys[4] = 500.0; // one burst
        ys[7] = -200.0;
        assert!((theil_sen(&xs, &ys) - 3.0).abs() < 1e-9);
        assert!(theil_sen(&[1.0], &[2.0]).abs() < f64::EPSILON);
        assert!(theil_sen(&[1.0, 1.0], &[2.0, 9.0]).abs() < f64::EPSILON);
    }
}
