//! What the handlers share: the options, the uploads kept in memory, the reports of the history's latest
//! profiles, and the bounds on concurrent work.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use goroscope_report::Report;
use goroscope_watch::Live;
use tokio::sync::Semaphore;

use crate::analyse::{Analyser, SourceFactory};
use crate::auth::Token;

/// Shared by every handler.
pub(crate) struct State {
    pub(crate) token: Option<Token>,
    /// No token: answer only to loopback host names.
    pub(crate) local_only: bool,
    pub(crate) db: Option<PathBuf>,
    pub(crate) live: Option<Live>,
    pub(crate) analyser: Analyser,
    pub(crate) source: Option<SourceFactory>,
    pub(crate) max_upload: u64,
    pub(crate) upload_timeout: Duration,
    pub(crate) refresh: Duration,
    pub(crate) uploads: Uploads,
    pub(crate) latest: LatestReports,
    /// Uploads read and analysed at once: each may hold `max_upload` bytes and the parse of them.
    pub(crate) uploading: Semaphore,
    /// Stored profiles analysed at once (one: pages wait for the report the first of them asked for).
    pub(crate) analysing: Semaphore,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update is a push or a pop: a panic elsewhere cannot leave the list half-changed.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One uploaded dump and its report.
pub(crate) struct Upload {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) at_ms: i64,
    pub(crate) bytes: u64,
    pub(crate) report: Report,
}

/// The last uploads, newest last; the oldest goes when a new one would pass the bound.
pub(crate) struct Uploads {
    kept: usize,
    items: Mutex<VecDeque<Arc<Upload>>>,
}

impl Uploads {
    pub(crate) fn new(kept: usize) -> Uploads {
        Uploads { kept: kept.max(1), items: Mutex::new(VecDeque::new()) }
    }

    pub(crate) fn add(&self, upload: Upload) -> Arc<Upload> {
        let upload = Arc::new(upload);
        let mut items = lock(&self.items);
        while items.len() >= self.kept {
            items.pop_front();
        }
        items.push_back(Arc::clone(&upload));
        upload
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Upload>> {
        lock(&self.items).iter().find(|u| u.id == id).cloned()
    }

    /// Newest first.
    pub(crate) fn list(&self) -> Vec<Arc<Upload>> {
        lock(&self.items).iter().rev().cloned().collect()
    }
}

/// Reports of the latest stored profile of a few targets, so that a page refreshed every few seconds does not
/// parse the same profile again.
pub(crate) struct LatestReports {
    items: Mutex<VecDeque<(String, i64, Arc<Report>)>>,
}

/// Targets whose latest report is kept.
const LATEST_KEPT: usize = 8;

impl LatestReports {
    pub(crate) fn new() -> LatestReports {
        LatestReports { items: Mutex::new(VecDeque::new()) }
    }

    pub(crate) fn get(&self, target: &str, at_ms: i64) -> Option<Arc<Report>> {
        lock(&self.items).iter().find(|(t, at, _)| t == target && *at == at_ms).map(|(_, _, r)| Arc::clone(r))
    }

    pub(crate) fn put(&self, target: &str, at_ms: i64, report: Arc<Report>) {
        let mut items = lock(&self.items);
        items.retain(|(t, _, _)| t != target);
        while items.len() >= LATEST_KEPT {
            items.pop_front();
        }
        items.push_back((target.to_owned(), at_ms, report));
    }
}

/// A new upload id: 64 random bits as 16 hex digits (ids are not handed out in an order that could be walked).
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // The system's random source failed: fall back on the clock, which is unique enough for an id.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes = nanos.to_le_bytes();
    }
    format!("{:016x}", u64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(id: &str) -> Upload {
        Upload { id: id.to_owned(), name: id.to_owned(), at_ms: 0, bytes: 0, report: Report::new(Vec::new()) }
    }

    #[test]
    fn uploads_are_bounded_and_listed_newest_first() {
        let uploads = Uploads::new(2);
        for id in ["a", "b", "c"] {
            uploads.add(upload(id));
        }
        assert!(uploads.get("a").is_none(), "the oldest went");
        assert_eq!(uploads.list().iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["c", "b"]);
    }

    #[test]
    fn ids_are_sixteen_hex_digits() {
        let (a, b) = (new_id(), new_id());
        assert!(crate::validate::upload_id(&a).is_some(), "{a}");
        assert_ne!(a, b);
    }
}
