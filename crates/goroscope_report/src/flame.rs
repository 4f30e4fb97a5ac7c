//! The goroutine flame graph, drawn as an icicle: each row a stack depth with the goroutines' first function on
//! top, each box as wide as the goroutines whose stacks pass through it. Boxes under which every goroutine is a
//! leak suspect are warm, the rest cool.
//!
//! The groups are ordered by their stacks read from the root, so the groups under any box are a contiguous run
//! of that order: a box carries its run as `data-r="first end"`, each group its place as `data-pos`, and the
//! page's script needs nothing else to tie a box to its groups and a group to its boxes.

use std::fmt::Write as _;

use goroscope_analyze::{Group, Level};

use crate::html::escape;
use crate::text::thousands;

/// The flame graph of one input's groups.
pub(crate) struct Flame {
    /// The `<svg>` element.
    pub(crate) svg: String,
    /// Each group's place in the stack order, by the group's index.
    pub(crate) positions: Vec<usize>,
}

const WIDTH: f64 = 1000.0;
const ROW: f64 = 17.0;
/// Rows drawn; deeper frames are summed into the deepest row's boxes.
const MAX_ROWS: usize = 64;
/// Boxes narrower than this (in the 1000-unit-wide drawing) are left out, with everything under them.
const MIN_WIDTH: f64 = 0.6;
/// Average glyph width at the drawing's font size, to cut labels that would not fit.
const GLYPH: f64 = 6.6;

/// The flame graph of `groups`, or `None` when no group has a frame.
/// Each group is weighed by the count given with it (its count in the view: after a diff, or at the end of a
/// series).
pub(crate) fn flame(groups: &[(&Group, u64)]) -> Option<Flame> {
    if groups.iter().all(|(g, _)| g.frames.is_empty()) {
        return None;
    }
    let keys: Vec<Vec<&str>> =
        groups.iter().map(|(g, _)| g.frames.iter().rev().map(|f| &*f.function).collect()).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let mut positions = vec![0; groups.len()];
    for (pos, &index) in order.iter().enumerate() {
        positions[index] = pos;
    }
    // starts[k]: goroutines of the groups before place k.
    let mut starts = Vec::with_capacity(order.len() + 1);
    let mut suspect_starts = Vec::with_capacity(order.len() + 1);
    let (mut sum, mut suspect_sum) = (0u64, 0u64);
    for &index in &order {
        starts.push(sum);
        suspect_starts.push(suspect_sum);
        let (group, count) = groups[index];
        // A group without frames has no box to be under.
        let count = if group.frames.is_empty() { 0 } else { count };
        sum += count;
        if group.level != Level::Healthy {
            suspect_sum += count;
        }
    }
    starts.push(sum);
    suspect_starts.push(suspect_sum);
    if sum == 0 {
        return None;
    }
    let drawing =
        Drawing { groups, order: &order, starts: &starts, suspect_starts: &suspect_starts, total: sum };
    let mut body = String::with_capacity(32 << 10);
    let rows = drawing.boxes(0, 0, order.len(), &mut body);
    let height = ROW * rows as f64 + 2.0;
    let mut svg = String::with_capacity(body.len() + 512);
    let _ = write!(
        svg,
        "<svg class=\"flame\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\" \
         font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\" font-size=\"11\" \
         role=\"img\" aria-label=\"Flame graph of {} goroutines\">{body}</svg>",
        thousands(sum)
    );
    Some(Flame { svg, positions })
}

struct Drawing<'a> {
    groups: &'a [(&'a Group, u64)],
    order: &'a [usize],
    starts: &'a [u64],
    suspect_starts: &'a [u64],
    total: u64,
}

impl Drawing<'_> {
    /// The frame at `depth` from the root of the group at place `pos`.
    fn function(&self, pos: usize, depth: usize) -> Option<&str> {
        let frames = &self.groups[self.order[pos]].0.frames;
        frames.len().checked_sub(depth + 1).map(|i| &*frames[i].function)
    }

    /// Draws the boxes at `depth` for the places `first..end` (which share every frame above), and those under
    /// them; returns the rows used.
    fn boxes(&self, depth: usize, first: usize, end: usize, svg: &mut String) -> usize {
        if depth >= MAX_ROWS {
            return depth;
        }
        let mut rows = depth;
        let mut pos = first;
        while pos < end {
            let Some(function) = self.function(pos, depth) else {
                // This group's stack ends above; shorter stacks sort first.
                pos += 1;
                continue;
            };
            let mut run_end = pos + 1;
            while run_end < end && self.function(run_end, depth) == Some(function) {
                run_end += 1;
            }
            let count = self.starts[run_end] - self.starts[pos];
            let width = count as f64 / self.total as f64 * WIDTH;
            if width >= MIN_WIDTH {
                self.draw(depth, pos, run_end, function, count, svg);
                rows = rows.max(self.boxes(depth + 1, pos, run_end, svg)).max(depth + 1);
            }
            pos = run_end;
        }
        rows
    }

    fn draw(&self, depth: usize, first: usize, end: usize, function: &str, count: u64, svg: &mut String) {
        let x = self.starts[first] as f64 / self.total as f64 * WIDTH;
        let width = count as f64 / self.total as f64 * WIDTH;
        let y = depth as f64 * ROW;
        let suspects = self.suspect_starts[end] - self.suspect_starts[first];
        let frames = &self.groups[self.order[first]].0.frames;
        let own = frames.len().checked_sub(depth + 1).is_some_and(|i| frames[i].own);
        let fill = fill(function, suspects == count, own);
        let groups = end - first;
        let share = count as f64 * 100.0 / self.total as f64;
        let deeper = if depth + 1 == MAX_ROWS { " (deeper frames not drawn)" } else { "" };
        let _ = write!(
            svg,
            "<g data-r=\"{first} {end}\"><title>{}\n{} goroutines ({share:.1}%) in {groups} {}{}{deeper}</title>\
             <rect x=\"{x:.2}\" y=\"{y}\" width=\"{w:.2}\" height=\"{h}\" fill=\"{fill}\" rx=\"1.5\"/>",
            escape(function),
            thousands(count),
            if groups == 1 { "group" } else { "groups" },
            if suspects > 0 { format!(", {} of them suspects", thousands(suspects)) } else { String::new() },
            w = (width - 0.4).max(0.2),
            h = ROW - 1.0,
        );
        let fits = ((width - 6.0) / GLYPH).floor();
        if fits >= 3.0 {
            let short = short_name(function);
            let label: String = if short.chars().count() as f64 <= fits {
                short.to_owned()
            } else {
                short.chars().take(fits as usize - 1).chain(['…']).collect()
            };
            let _ = write!(
                svg,
                "<text x=\"{tx:.2}\" y=\"{ty}\" fill=\"#1a1a1a\">{}</text>",
                escape(&label),
                tx = x + 3.0,
                ty = y + 12.0
            );
        }
        svg.push_str("</g>");
    }
}

/// The function without its package's directory: `net/http.(*conn).serve` → `http.(*conn).serve`.
fn short_name(function: &str) -> &str {
    let name_start = function.find('(').unwrap_or(function.len());
    function[..name_start].rfind('/').map_or(function, |slash| &function[slash + 1..])
}

/// Warm for boxes under which every goroutine is a suspect, cool otherwise; the program's own frames stronger
/// than the libraries'; the hue varied a little by name so neighbours differ.
fn fill(function: &str, suspect: bool, own: bool) -> String {
    let spread = function.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 24;
    let (hue, saturation) = if suspect { (2 + spread, 80) } else { (192 + spread, 45) };
    let lightness = if own { 66 } else { 80 };
    format!("hsl({hue},{saturation}%,{lightness}%)")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use goroscope_analyze::{Blocking, FrameOut};

    use super::*;

    fn group(count: u64, level: Level, stack_leaf_first: &[&str]) -> Group {
        Group {
            fingerprint: "0".repeat(16),
            stacks: 1,
            count,
            level,
            state: "chan receive".to_owned(),
            blocking: Blocking::ChanReceive,
            wait_minutes: None,
            leak_site: None,
            created_by: None,
            creators: None,
            pattern: None,
            shape: None,
            evidence: Vec::new(),
            sample_ids: Vec::new(),
            id_range: (1, 1),
            leaked: 0,
            locked_to_thread: 0,
            labels: Vec::new(),
            tests: Vec::new(),
            frames: stack_leaf_first
                .iter()
                .map(|f| FrameOut { function: Arc::from(*f), file: Arc::from("x.go"), line: 1, own: false })
                .collect(),
            source: None,
            creation_source: None,
        }
    }

    fn weighed(groups: &[Group]) -> Vec<(&Group, u64)> {
        groups.iter().map(|g| (g, g.count)).collect()
    }

    #[test]
    fn boxes_cover_the_runs_of_groups_that_share_a_frame() {
        let groups = [
            group(30, Level::Likely, &["runtime.gopark", "main.worker", "main.main"]),
            group(10, Level::Healthy, &["runtime.gopark", "main.serve"]),
            group(60, Level::Likely, &["runtime.chansend", "main.worker", "main.main"]),
        ];
        let f = flame(&weighed(&groups)).unwrap();
        // Root first: main.main < main.serve; under main.main and main.worker, chansend < gopark.
        assert_eq!(f.positions, [1, 2, 0]);
        assert!(f.svg.contains("<g data-r=\"0 2\"><title>main.main\n90 goroutines (90.0%) in 2 groups"));
        assert!(
            f.svg.contains("<g data-r=\"2 3\"><title>main.serve\n10 goroutines (10.0%) in 1 group</title>")
        );
        // Every goroutine under main.main is a suspect: warm; main.serve's are not: cool.
        assert!(f.svg.contains("data-r=\"0 2\"><title>main.main\n90 goroutines (90.0%) in 2 groups, 90 of"));
        let main_box = &f.svg[f.svg.find("data-r=\"0 2\"").unwrap()..];
        assert!(main_box[..300].contains("fill=\"hsl(") && !main_box[..300].contains("hsl(19"));
    }

    #[test]
    fn narrow_boxes_and_deep_stacks_are_bounded() {
        let deep: Vec<String> = (0..10_000).map(|i| format!("f{i}")).collect();
        let deep: Vec<&str> = deep.iter().map(String::as_str).collect();
        let mut groups = vec![group(1_000_000, Level::Healthy, &deep)];
        let tiny: Vec<String> = (0..5_000).map(|i| format!("main.tiny{i}")).collect();
        groups.extend(tiny.iter().map(|t| group(1, Level::Likely, &["runtime.gopark", t])));
        let f = flame(&weighed(&groups)).unwrap();
        // One box per row for the deep stack; each tiny group is too narrow to draw.
        assert_eq!(f.svg.matches("<rect").count(), MAX_ROWS);
        assert!(f.svg.contains("deeper frames not drawn"));
    }

    #[test]
    fn names_are_escaped_and_shortened() {
        assert_eq!(short_name("net/http.(*conn).serve"), "http.(*conn).serve");
        assert_eq!(short_name("example.com/a/b.(*T[...]).Run"), "b.(*T[...]).Run");
        let f = flame(&weighed(&[group(1, Level::Certain, &["main.<script>alert(1)</script>"])])).unwrap();
        assert!(!f.svg.contains("<script>"));
    }
}
