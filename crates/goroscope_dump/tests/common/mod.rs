//! What the parser tests compare: a snapshot as text. Also included by the fuzz targets (`fuzz/src/lib.rs`), which
//! compare parses the same way.

use goroscope_dump::Snapshot;

/// The snapshot as text: every goroutine with its state, annotations, frames and creator, in input order.
pub(crate) fn canonical(s: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = s
        .goroutines
        .iter()
        .map(|g| {
            let frames: Vec<String> = s
                .stack(g.stack)
                .iter()
                .map(|&f| format!("{} {}:{}", s.function(f), s.file(f), s.frame(f).line))
                .collect();
            let created =
                g.created_by.map(|f| format!("{} {}:{}", s.function(f), s.file(f), s.frame(f).line));
            format!(
                "{} [{}] {:?} locked={} leaked={} elided={} args={:x} creator={:?} {:?} {:?} {frames:?}",
                g.id,
                s.state(g.state),
                g.wait_minutes,
                g.locked_to_thread(),
                g.leaked(),
                g.frames_elided(),
                g.args_hash,
                g.creator_id,
                created,
                g.extra.as_ref().map(|e| (
                    e.labels.clone(),
                    e.bubble,
                    e.ancestors.len(),
                    e.unknown_annotations.clone()
                )),
            )
        })
        .collect();
    out.push(format!("crash={:?} truncated={:?} warnings={:?}", s.crash, s.truncated, s.warnings));
    out
}
