//! The history: an `SQLite` database in WAL mode, its schema versioned by `PRAGMA user_version` and migrated
//! forward in one transaction per step.
//!
//! Every sample is written in one transaction with its group counts and snapshot, so a crash (even `kill -9`)
//! leaves each sample either whole or absent.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use goroscope_dump::MemStats;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params, params_from_iter};
use serde::Serialize;

/// Schema migrations, in order: `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE target (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    -- One run of a target's process: a restart starts a new epoch, so series never span two processes.
    CREATE TABLE epoch (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES target(id) ON DELETE CASCADE,
        seen_ms INTEGER NOT NULL,
        process_start REAL,
        identity TEXT,
        reason TEXT NOT NULL
    );
    CREATE TABLE sample (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES target(id) ON DELETE CASCADE,
        epoch_id INTEGER REFERENCES epoch(id) ON DELETE CASCADE,
        at_ms INTEGER NOT NULL,
        source TEXT NOT NULL,
        total INTEGER,
        duration_ms INTEGER NOT NULL,
        error TEXT
    );
    CREATE INDEX sample_by_target ON sample(target_id, at_ms);
    CREATE TABLE grp (
        target_id INTEGER NOT NULL REFERENCES target(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        title TEXT NOT NULL,
        level TEXT NOT NULL,
        pattern TEXT,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (target_id, fingerprint)
    ) WITHOUT ROWID;
    CREATE TABLE group_count (
        sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (sample_id, fingerprint)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot (
        sample_id INTEGER PRIMARY KEY REFERENCES sample(id) ON DELETE CASCADE,
        gzip BLOB NOT NULL
    );
    CREATE TABLE event (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES target(id) ON DELETE CASCADE,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        json TEXT NOT NULL
    );
    CREATE INDEX event_by_target ON event(target_id, at_ms);
",
    "
    -- A heap profile (`heap?debug=1`): its sample row (source `heap`) gives the target, time and epoch. The
    -- MemStats columns are NULL when the profile had no MemStats trailer; gzip is NULL when the text was over
    -- the cap (text_bytes says how large it was).
    CREATE TABLE heap_sample (
        sample_id INTEGER PRIMARY KEY REFERENCES sample(id) ON DELETE CASCADE,
        rate INTEGER NOT NULL,
        profile_inuse INTEGER NOT NULL,
        heap_alloc INTEGER,
        total_alloc INTEGER,
        sys INTEGER,
        mallocs INTEGER,
        frees INTEGER,
        heap_sys INTEGER,
        heap_idle INTEGER,
        heap_inuse INTEGER,
        heap_released INTEGER,
        heap_objects INTEGER,
        stack_inuse INTEGER,
        stack_sys INTEGER,
        mspan_inuse INTEGER,
        mcache_inuse INTEGER,
        buck_hash_sys INTEGER,
        gc_sys INTEGER,
        other_sys INTEGER,
        next_gc INTEGER,
        last_gc INTEGER,
        num_gc INTEGER,
        max_rss INTEGER,
        text_bytes INTEGER NOT NULL,
        gzip BLOB
    );
",
];

/// The `MemStats` columns of `heap_sample`, in the order of [`memstats_values`].
const MEMSTATS_COLUMNS: [&str; 21] = [
    "heap_alloc",
    "total_alloc",
    "sys",
    "mallocs",
    "frees",
    "heap_sys",
    "heap_idle",
    "heap_inuse",
    "heap_released",
    "heap_objects",
    "stack_inuse",
    "stack_sys",
    "mspan_inuse",
    "mcache_inuse",
    "buck_hash_sys",
    "gc_sys",
    "other_sys",
    "next_gc",
    "last_gc",
    "num_gc",
    "max_rss",
];

/// Heap profile texts larger than this are not stored (their `MemStats` are).
pub const MAX_HEAP_TEXT: usize = 4 << 20;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// What went wrong with the history database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds a write lock for longer than the busy timeout.
    #[error(
        "{path} is locked by another process (another `goroscope watch` on the same database?); stop it or \
         give this one its own --db"
    )]
    Locked { path: PathBuf },
    /// The file or its directory cannot be written.
    #[error("{path} is read-only: give --db a file in a directory you can write to")]
    ReadOnly { path: PathBuf },
    /// The disk is full, or the file reached `--max-db-size`.
    #[error(
        "{path} is full (the disk, or --max-db-size): free some space, prune old history (`goroscope history \
         prune --older-than 7d`) or raise --max-db-size"
    )]
    Full { path: PathBuf },
    /// The file is not an `SQLite` database.
    #[error("{path} is not a goroscope history database (not SQLite, or damaged)")]
    NotADatabase { path: PathBuf },
    /// The database was written by a newer goroscope.
    #[error("{path} has schema version {found}, newer than this goroscope's {supported}: upgrade goroscope")]
    Newer { path: PathBuf, found: i64, supported: i64 },
    /// The file does not exist (reading only).
    #[error("{path} does not exist: `goroscope watch` creates it (see --db)")]
    Missing { path: PathBuf },
    /// Anything else `SQLite` reports.
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// The history database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The schema version of the file: [`SCHEMA_VERSION`] once opened for writing; an older one may be read.
    version: i64,
}

/// A sample to record.
#[derive(Debug, Clone, Default)]
pub struct NewSample<'a> {
    /// The target's row id ([`Store::target`]).
    pub target: i64,
    /// The epoch (process run) it belongs to, when known.
    pub epoch: Option<i64>,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Where the count came from: `metrics`, `expvar`, `debug1`, `debug2`.
    pub source: &'a str,
    /// Goroutines in the target; `None` when the fetch failed.
    pub total: Option<u64>,
    /// How long the fetch took.
    pub duration: Duration,
    /// The error, when the fetch failed.
    pub error: Option<String>,
    /// Goroutines per group, when a profile was fetched.
    pub groups: Vec<GroupCount<'a>>,
    /// The profile's bytes, stored gzipped.
    pub snapshot: Option<&'a [u8]>,
    /// A heap profile's numbers and text (source `heap`).
    pub heap: Option<NewHeap<'a>>,
}

/// A heap profile to record with its sample.
#[derive(Debug, Clone, Default)]
pub struct NewHeap<'a> {
    /// The profile's sampling rate in bytes.
    pub rate: u64,
    /// Heap in use by the profile's own estimate.
    pub profile_inuse: u64,
    /// The `runtime.MemStats` trailer, when the profile had one.
    pub memstats: Option<MemStats>,
    /// The profile's text, stored gzipped unless it is over [`MAX_HEAP_TEXT`].
    pub text: &'a [u8],
}

/// A heap profile read back.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredHeap {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The process run.
    pub epoch: Option<i64>,
    /// The profile's sampling rate in bytes.
    pub rate: u64,
    /// Heap in use by the profile's own estimate.
    pub profile_inuse: u64,
    /// The `runtime.MemStats` trailer, when the profile had one.
    pub memstats: Option<MemStats>,
    /// The size of the profile's text.
    pub text_bytes: u64,
    /// The text, when it was stored and asked for.
    #[serde(skip)]
    pub text: Option<Vec<u8>>,
}

/// One group's count in a sample, and what it looks like (kept per target, latest wins).
#[derive(Debug, Clone)]
pub struct GroupCount<'a> {
    /// Stable fingerprint of the stack.
    pub fingerprint: &'a str,
    /// Goroutines.
    pub count: u64,
    /// Function and line of the leak site, or of the top frame.
    pub title: &'a str,
    /// `certain`, `likely`, `possible` or `healthy`.
    pub level: &'a str,
    /// The catalogue pattern.
    pub pattern: Option<&'a str>,
}

/// A target and what the history holds of it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetSummary {
    /// Its name.
    pub name: String,
    /// Its URL, redacted.
    pub url: String,
    /// Samples stored, failed ones included.
    pub samples: u64,
    /// Failed samples.
    pub errors: u64,
    /// Runs of the process seen.
    pub epochs: u64,
    /// The first and the last sample's time (ms since the Unix epoch).
    pub first_ms: Option<i64>,
    /// The last sample's time.
    pub last_ms: Option<i64>,
    /// The last successful total.
    pub last_total: Option<u64>,
}

/// One point of a series read back.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredPoint {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The process run.
    pub epoch: Option<i64>,
    /// Where the count came from.
    pub source: String,
    /// Goroutines.
    pub count: u64,
}

/// An event recorded about a target (alarms, restarts, outages).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredEvent {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// `alarm`, `restart`, `down` or `up`.
    pub kind: String,
    /// The event as `--events` writes it: one JSON object.
    pub json: String,
}

/// A group as the history knows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredGroup {
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Function and line.
    pub title: String,
    /// Latest level.
    pub level: String,
    /// Catalogue pattern.
    pub pattern: Option<String>,
    /// First and last time seen (ms since the Unix epoch).
    pub first_ms: i64,
    /// Last time seen.
    pub last_ms: i64,
    /// Goroutines in the latest profile that had it.
    pub last_count: u64,
}

impl Store {
    /// Opens (creating if needed) the database at `path` for writing: WAL mode, foreign keys on, migrated to
    /// the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        let mut store = Store { conn, path: path.to_owned(), version: SCHEMA_VERSION };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing database for reading only.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing { path: path.to_owned() });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| classify(path, e))?;
        let mut store = Store { conn, path: path.to_owned(), version: 0 };
        store.conn.busy_timeout(Duration::from_secs(5)).map_err(|e| store.error(e))?;
        let version = store.version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < 1 {
            // An empty file, or none of ours.
            return Err(StoreError::NotADatabase { path: path.to_owned() });
        }
        // An older schema is read as it is (the next watch on it migrates it): what it lacks reads as empty.
        store.version = version;
        Ok(store)
    }

    /// Caps the file at about `bytes` (at least its present size): writes past it fail with
    /// [`StoreError::Full`], as on a full disk.
    pub fn limit_size(&self, bytes: u64) -> Result<(), StoreError> {
        let page: i64 =
            self.conn.query_row("PRAGMA page_size", [], |row| row.get(0)).map_err(|e| self.error(e))?;
        let pages = (bytes / page.max(512) as u64).max(1);
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(|e| self.error(e))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    fn configure(&mut self) -> Result<(), StoreError> {
        // Short: while another writer holds the lock, the watch drops a sample rather than stall every target.
        self.conn.busy_timeout(Duration::from_secs(1)).map_err(|e| self.error(e))?;
        // WAL: readers (`goroscope history`) never block the writer. NORMAL sync in WAL mode keeps every
        // committed transaction through a crash of this process; only a power loss may drop the last ones.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::ReadOnly { path: self.path.clone() });
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| self.error(e))
    }

    fn version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(|e| self.error(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version = self.version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(|e| classify(&self.path, e))?;
            tx.execute_batch(sql).map_err(|e| classify(&self.path, e))?;
            tx.pragma_update(None, "user_version", step as i64 + 1).map_err(|e| classify(&self.path, e))?;
            tx.commit().map_err(|e| classify(&self.path, e))?;
        }
        Ok(())
    }

    /// The row id of the target called `name`, created if new; its URL is updated.
    pub fn target(&mut self, name: &str, url: &str, now_ms: i64) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO target (name, url, created_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET url = excluded.url RETURNING id",
                params![name, url, now_ms],
                |row| row.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Starts a new epoch (process run) of `target`.
    pub fn new_epoch(
        &mut self,
        target: i64,
        seen_ms: i64,
        process_start: Option<f64>,
        identity: Option<&str>,
        reason: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO epoch (target_id, seen_ms, process_start, identity, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![target, seen_ms, process_start, identity, reason],
                |row| row.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Records a sample with its group counts and snapshot (or heap profile), in one transaction.
    pub fn record(&mut self, sample: &NewSample<'_>) -> Result<i64, StoreError> {
        let snapshot = sample.snapshot.map(gzip);
        let heap_text = sample.heap.as_ref().filter(|h| h.text.len() <= MAX_HEAP_TEXT).map(|h| gzip(h.text));
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO sample (target_id, epoch_id, at_ms, source, total, duration_ms, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![
                    sample.target,
                    sample.epoch,
                    sample.at_ms,
                    sample.source,
                    sample.total.map(|t| t as i64),
                    sample.duration.as_millis() as i64,
                    sample.error
                ],
                |row| row.get(0),
            )
            .map_err(err)?;
        {
            let mut count = tx
                .prepare_cached(
                    "INSERT INTO group_count (sample_id, fingerprint, count) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO UPDATE SET count = count + excluded.count",
                )
                .map_err(err)?;
            let mut group = tx
                .prepare_cached(
                    "INSERT INTO grp (target_id, fingerprint, title, level, pattern, first_ms, last_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                     ON CONFLICT DO UPDATE SET title = excluded.title, level = excluded.level,
                         pattern = excluded.pattern, last_ms = excluded.last_ms",
                )
                .map_err(err)?;
            for g in &sample.groups {
                count.execute(params![id, g.fingerprint, g.count as i64]).map_err(err)?;
                group
                    .execute(params![sample.target, g.fingerprint, g.title, g.level, g.pattern, sample.at_ms])
                    .map_err(err)?;
            }
        }
        if let Some(gzip) = snapshot {
            tx.execute("INSERT INTO snapshot (sample_id, gzip) VALUES (?1, ?2)", params![id, gzip])
                .map_err(err)?;
        }
        if let Some(heap) = &sample.heap {
            let sql = format!(
                "INSERT INTO heap_sample (sample_id, rate, profile_inuse, text_bytes, gzip, {}) VALUES (?1, ?2, ?3, \
                 ?4, ?5, {})",
                MEMSTATS_COLUMNS.join(", "),
                (6..6 + MEMSTATS_COLUMNS.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
            );
            let head: [rusqlite::types::Value; 5] = [
                id.into(),
                to_i64(heap.rate).into(),
                to_i64(heap.profile_inuse).into(),
                to_i64(heap.text.len() as u64).into(),
                heap_text.map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Blob),
            ];
            let stats = memstats_values(heap.memstats.as_ref())
                .map(|v| v.map_or(rusqlite::types::Value::Null, Into::into));
            tx.execute(&sql, params_from_iter(head.into_iter().chain(stats))).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Records an event (a JSON object) about `target`.
    pub fn record_event(
        &mut self,
        target: i64,
        at_ms: i64,
        kind: &str,
        json: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO event (target_id, at_ms, kind, json) VALUES (?1, ?2, ?3, ?4)",
                params![target, at_ms, kind, json],
            )
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Every target, by name.
    pub fn targets(&self) -> Result<Vec<TargetSummary>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT t.name, t.url,
                    (SELECT count(*) FROM sample s WHERE s.target_id = t.id),
                    (SELECT count(*) FROM sample s WHERE s.target_id = t.id AND s.error IS NOT NULL),
                    (SELECT count(*) FROM epoch e WHERE e.target_id = t.id),
                    (SELECT min(at_ms) FROM sample s WHERE s.target_id = t.id),
                    (SELECT max(at_ms) FROM sample s WHERE s.target_id = t.id),
                    (SELECT total FROM sample s WHERE s.target_id = t.id AND s.total IS NOT NULL
                        ORDER BY at_ms DESC, id DESC LIMIT 1)
                 FROM target t ORDER BY t.name",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(TargetSummary {
                    name: row.get(0)?,
                    url: row.get(1)?,
                    samples: row.get::<_, i64>(2)? as u64,
                    errors: row.get::<_, i64>(3)? as u64,
                    epochs: row.get::<_, i64>(4)? as u64,
                    first_ms: row.get(5)?,
                    last_ms: row.get(6)?,
                    last_total: row.get::<_, Option<i64>>(7)?.map(|t| t as u64),
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    fn target_id(&self, name: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT id FROM target WHERE name = ?1", [name], |row| row.get(0))
            .optional()
            .map_err(|e| self.error(e))
    }

    /// The total goroutines of `target` over time (successful samples, oldest first); `None` for an unknown
    /// target.
    pub fn totals(&self, target: &str) -> Result<Option<Vec<StoredPoint>>, StoreError> {
        let Some(id) = self.target_id(target)? else { return Ok(None) };
        self.points(
            "SELECT at_ms, epoch_id, source, total FROM sample
             WHERE target_id = ?1 AND total IS NOT NULL ORDER BY at_ms, id",
            params![id],
        )
        .map(Some)
    }

    /// One group's count in every profile of `target` (0 where a profile lacked it); `None` for an unknown
    /// target. `fingerprint` may be a unique prefix.
    pub fn group_series(
        &self,
        target: &str,
        fingerprint: &str,
    ) -> Result<Option<(StoredGroup, Vec<StoredPoint>)>, StoreError> {
        let Some(id) = self.target_id(target)? else { return Ok(None) };
        let Some(group) = self.groups(target)?.and_then(|groups| {
            let mut matching = groups.into_iter().filter(|g| g.fingerprint.starts_with(fingerprint));
            let first = matching.next()?;
            matching.next().is_none().then_some(first)
        }) else {
            return Ok(None);
        };
        let points = self.points(
            "SELECT s.at_ms, s.epoch_id, s.source, coalesce(c.count, 0) FROM sample s
             LEFT JOIN group_count c ON c.sample_id = s.id AND c.fingerprint = ?2
             WHERE s.target_id = ?1 AND s.source IN ('debug1', 'debug2', 'proto') AND s.total IS NOT NULL
             ORDER BY s.at_ms, s.id",
            params![id, group.fingerprint],
        )?;
        Ok(Some((group, points)))
    }

    fn points(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredPoint>, StoreError> {
        let mut statement = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(params, |row| {
                Ok(StoredPoint {
                    at_ms: row.get(0)?,
                    epoch: row.get(1)?,
                    source: row.get(2)?,
                    count: row.get::<_, i64>(3)? as u64,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// The groups of `target`, largest last count first; `None` for an unknown target.
    pub fn groups(&self, target: &str) -> Result<Option<Vec<StoredGroup>>, StoreError> {
        let Some(id) = self.target_id(target)? else { return Ok(None) };
        let mut statement = self
            .conn
            .prepare(
                "SELECT g.fingerprint, g.title, g.level, g.pattern, g.first_ms, g.last_ms,
                    coalesce((SELECT c.count FROM group_count c JOIN sample s ON s.id = c.sample_id
                        WHERE s.target_id = g.target_id AND c.fingerprint = g.fingerprint
                        ORDER BY s.at_ms DESC, s.id DESC LIMIT 1), 0) AS last_count
                 FROM grp g WHERE g.target_id = ?1 ORDER BY last_count DESC, g.fingerprint",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([id], |row| {
                Ok(StoredGroup {
                    fingerprint: row.get(0)?,
                    title: row.get(1)?,
                    level: row.get(2)?,
                    pattern: row.get(3)?,
                    first_ms: row.get(4)?,
                    last_ms: row.get(5)?,
                    last_count: row.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map(Some).map_err(|e| self.error(e))
    }

    /// The latest `limit` events of `target`, newest first; `None` for an unknown target.
    pub fn events(&self, target: &str, limit: usize) -> Result<Option<Vec<StoredEvent>>, StoreError> {
        let Some(id) = self.target_id(target)? else { return Ok(None) };
        let mut statement = self
            .conn
            .prepare(
                "SELECT at_ms, kind, json FROM event WHERE target_id = ?1 ORDER BY at_ms DESC, id DESC LIMIT ?2",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(params![id, limit as i64], |row| {
                Ok(StoredEvent { at_ms: row.get(0)?, kind: row.get(1)?, json: row.get(2)? })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map(Some).map_err(|e| self.error(e))
    }

    /// The latest stored snapshot of `target` (decompressed), with its time.
    pub fn latest_snapshot(&self, target: &str) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        self.snapshot_before(target, i64::MAX)
    }

    /// The latest stored snapshot of `target` taken at `at_ms` or before (decompressed), with its time.
    pub fn snapshot_before(&self, target: &str, at_ms: i64) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let Some(id) = self.target_id(target)? else { return Ok(None) };
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT s.at_ms, n.gzip FROM snapshot n JOIN sample s ON s.id = n.sample_id
                 WHERE s.target_id = ?1 AND s.at_ms <= ?2 ORDER BY s.at_ms DESC, s.id DESC LIMIT 1",
                params![id, at_ms],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.error(e))?;
        Ok(row.map(|(at, gz)| (at, gunzip(&gz))))
    }

    /// The latest `limit` heap profiles of `target`, oldest first; with `text`, only those whose text was
    /// stored, with it (decompressed). `None` for an unknown target; none from a database written before heap
    /// profiles were recorded.
    pub fn heap_samples(
        &self,
        target: &str,
        limit: usize,
        text: bool,
    ) -> Result<Option<Vec<StoredHeap>>, StoreError> {
        let Some(id) = self.target_id(target)? else { return Ok(None) };
        if self.version < 2 {
            return Ok(Some(Vec::new()));
        }
        let sql = format!(
            "SELECT s.at_ms, s.epoch_id, h.rate, h.profile_inuse, h.text_bytes, {}, {} FROM heap_sample h
             JOIN sample s ON s.id = h.sample_id
             WHERE s.target_id = ?1 {} ORDER BY s.at_ms DESC, s.id DESC LIMIT ?2",
            if text { "h.gzip" } else { "NULL" },
            MEMSTATS_COLUMNS.map(|c| format!("h.{c}")).join(", "),
            if text { "AND h.gzip IS NOT NULL" } else { "" }
        );
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(params![id, limit as i64], |row| {
                let gz: Option<Vec<u8>> = row.get(5)?;
                let mut values = [None; MEMSTATS_COLUMNS.len()];
                for (i, value) in values.iter_mut().enumerate() {
                    *value = row.get::<_, Option<i64>>(6 + i)?.map(|v| v as u64);
                }
                Ok(StoredHeap {
                    at_ms: row.get(0)?,
                    epoch: row.get(1)?,
                    rate: row.get::<_, i64>(2)? as u64,
                    profile_inuse: row.get::<_, i64>(3)? as u64,
                    text_bytes: row.get::<_, i64>(4)? as u64,
                    memstats: memstats_from(&values),
                    text: gz.map(|gz| gunzip(&gz)),
                })
            })
            .map_err(|e| self.error(e))?;
        let mut heaps: Vec<StoredHeap> = rows.collect::<Result<_, _>>().map_err(|e| self.error(e))?;
        heaps.reverse();
        Ok(Some(heaps))
    }

    /// Deletes samples (with their counts and snapshots) and events older than `before_ms`, then groups no
    /// sample mentions and epochs with no samples. Returns the samples deleted.
    pub fn prune(&mut self, before_ms: i64) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let deleted = tx.execute("DELETE FROM sample WHERE at_ms < ?1", [before_ms]).map_err(err)?;
        tx.execute("DELETE FROM event WHERE at_ms < ?1", [before_ms]).map_err(err)?;
        tx.execute("DELETE FROM grp WHERE last_ms < ?1", [before_ms]).map_err(err)?;
        tx.execute(
            "DELETE FROM epoch WHERE seen_ms < ?1 AND NOT EXISTS (SELECT 1 FROM sample s WHERE s.epoch_id = epoch.id)",
            [before_ms],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        // Give the space back to the file system.
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;").map_err(|e| self.error(e))?;
        Ok(deleted as u64)
    }
}

/// Decompresses what [`gzip`] wrote; a damaged blob yields what could be read.
fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    let _ = GzDecoder::new(gz).read_to_end(&mut body);
    body
}

/// `SQLite` integers are signed: counters past `i64::MAX` (never seen) are stored as that.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The values of [`MEMSTATS_COLUMNS`]; all `None` without `MemStats`.
fn memstats_values(m: Option<&MemStats>) -> [Option<i64>; MEMSTATS_COLUMNS.len()] {
    let mut values = [None; MEMSTATS_COLUMNS.len()];
    let Some(m) = m else { return values };
    let counters = [
        m.heap_alloc,
        m.total_alloc,
        m.sys,
        m.mallocs,
        m.frees,
        m.heap_sys,
        m.heap_idle,
        m.heap_inuse,
        m.heap_released,
        m.heap_objects,
        m.stack_inuse,
        m.stack_sys,
        m.mspan_inuse,
        m.mcache_inuse,
        m.buck_hash_sys,
        m.gc_sys,
        m.other_sys,
        m.next_gc,
        m.last_gc,
        m.num_gc,
    ];
    for (slot, value) in values.iter_mut().zip(counters) {
        *slot = Some(to_i64(value));
    }
    values[MEMSTATS_COLUMNS.len() - 1] = m.max_rss.map(to_i64);
    values
}

/// `MemStats` from the values of [`MEMSTATS_COLUMNS`]; `None` when they are absent.
fn memstats_from(v: &[Option<u64>; MEMSTATS_COLUMNS.len()]) -> Option<MemStats> {
    let get = |i: usize| v[i];
    Some(MemStats {
        heap_alloc: get(0)?,
        total_alloc: get(1)?,
        sys: get(2)?,
        mallocs: get(3)?,
        frees: get(4)?,
        heap_sys: get(5)?,
        heap_idle: get(6)?,
        heap_inuse: get(7)?,
        heap_released: get(8)?,
        heap_objects: get(9)?,
        stack_inuse: get(10)?,
        stack_sys: get(11)?,
        mspan_inuse: get(12)?,
        mcache_inuse: get(13)?,
        buck_hash_sys: get(14)?,
        gc_sys: get(15)?,
        other_sys: get(16)?,
        next_gc: get(17)?,
        last_gc: get(18)?,
        num_gc: get(19)?,
        max_rss: get(20),
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 8), Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Turns `SQLite`'s error codes into the errors a user can act on.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly { path }
        }
        Some(ErrorCode::DiskFull) => StoreError::Full { path },
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path },
        _ => StoreError::Sqlite { path, source: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("goroscope-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("history.db")
    }

    fn sample(target: i64, at_ms: i64, groups: Vec<GroupCount<'_>>) -> NewSample<'_> {
        let total = groups.iter().map(|g| g.count).sum();
        NewSample { target, at_ms, source: "debug1", total: Some(total), groups, ..NewSample::default() }
    }

    fn group(fingerprint: &str, count: u64) -> GroupCount<'_> {
        GroupCount { fingerprint, count, title: "main.f (main.go:1)", level: "possible", pattern: None }
    }

    #[test]
    fn samples_round_trip_and_series_fill_absent_groups_with_zero() {
        let path = temp("round-trip");
        let mut store = Store::open(&path).unwrap();
        let t = store.target("api", "http://127.0.0.1:1", 0).unwrap();
        assert_eq!(store.target("api", "http://127.0.0.1:2", 5).unwrap(), t, "the same target");
        let epoch = store.new_epoch(t, 0, Some(1.5), Some("/bin/api"), "first").unwrap();
        for (at, counts) in
            [(1000, vec![("aa", 3), ("bb", 1)]), (2000, vec![("aa", 5)]), (3000, vec![("aa", 9)])]
        {
            let groups = counts.iter().map(|&(f, c)| group(f, c)).collect();
            let mut s = sample(t, at, groups);
            s.epoch = Some(epoch);
            s.snapshot = Some(b"goroutine profile: total 9\n");
            store.record(&s).unwrap();
        }
        store
            .record(&NewSample {
                target: t,
                at_ms: 4000,
                source: "metrics",
                error: Some("refused".into()),
                ..NewSample::default()
            })
            .unwrap();
        let reader = Store::open_read_only(&path).unwrap();
        let summary = &reader.targets().unwrap()[0];
        assert_eq!((summary.samples, summary.errors, summary.epochs), (4, 1, 1));
        assert_eq!((summary.last_total, summary.url.as_str()), (Some(9), "http://127.0.0.1:2"));
        let (g, points) = reader.group_series("api", "b").unwrap().unwrap();
        assert_eq!(g.fingerprint, "bb");
        assert_eq!(points.iter().map(|p| p.count).collect::<Vec<_>>(), [1, 0, 0]);
        let groups = reader.groups("api").unwrap().unwrap();
        assert_eq!((groups[0].fingerprint.as_str(), groups[0].last_count), ("aa", 9));
        assert_eq!(
            reader.latest_snapshot("api").unwrap().unwrap(),
            (3000, b"goroutine profile: total 9\n".to_vec())
        );
        assert!(reader.totals("nope").unwrap().is_none());
        assert_eq!(reader.totals("api").unwrap().unwrap().len(), 3);
    }

    #[test]
    fn heap_profiles_round_trip_with_their_memstats_and_a_text_over_the_cap_is_not_kept() {
        let path = temp("heap");
        let mut store = Store::open(&path).unwrap();
        let t = store.target("api", "u", 0).unwrap();
        let stats = MemStats {
            heap_inuse: 5 << 20,
            total_alloc: 9 << 20,
            last_gc: 1_795_000_000_000_000_000,
            max_rss: Some(30 << 20),
            ..MemStats::default()
        };
        let text = b"heap profile: 1: 2 [3: 4] @ heap/524288\n";
        let huge = vec![b'x'; MAX_HEAP_TEXT + 1];
        for (at_ms, memstats, text) in [(1000, Some(stats), &text[..]), (2000, None, &huge[..])] {
            let heap = NewHeap { rate: 524_288, profile_inuse: 7, memstats, text };
            store
                .record(&NewSample {
                    target: t,
                    at_ms,
                    source: "heap",
                    heap: Some(heap),
                    ..NewSample::default()
                })
                .unwrap();
        }
        let mut goroutines = sample(t, 1500, vec![group("aa", 1)]);
        goroutines.snapshot = Some(b"goroutine profile: total 1\n");
        store.record(&goroutines).unwrap();

        let all = store.heap_samples("api", 10, false).unwrap().unwrap();
        assert_eq!(
            all.iter().map(|h| (h.at_ms, h.text_bytes)).collect::<Vec<_>>(),
            [(1000, text.len() as u64), (2000, huge.len() as u64)]
        );
        assert_eq!((all[0].memstats, all[1].memstats), (Some(stats), None));
        assert!(all.iter().all(|h| h.text.is_none() && h.rate == 524_288 && h.profile_inuse == 7));
        let with_text = store.heap_samples("api", 10, true).unwrap().unwrap();
        assert_eq!(with_text.len(), 1, "the text over the cap is not kept");
        assert_eq!(with_text[0].text.as_deref(), Some(&text[..]));
        assert_eq!(store.heap_samples("api", 1, false).unwrap().unwrap()[0].at_ms, 2000, "the latest");
        assert!(store.heap_samples("nope", 1, false).unwrap().is_none());
        assert!(store.snapshot_before("api", 1499).unwrap().is_none());
        assert_eq!(store.snapshot_before("api", 1600).unwrap().unwrap().0, 1500);
        assert_eq!(store.totals("api").unwrap().unwrap().len(), 1, "heap samples have no goroutine total");

        assert_eq!(store.prune(1200).unwrap(), 1);
        let left = store.heap_samples("api", 10, false).unwrap().unwrap();
        assert_eq!(left.iter().map(|h| h.at_ms).collect::<Vec<_>>(), [2000], "pruned with its sample");
    }

    #[test]
    fn a_database_of_an_older_schema_is_read_as_it_is_and_migrated_by_the_next_writer() {
        let path = temp("older");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute("INSERT INTO target (name, url, created_ms) VALUES ('api', 'u', 0)", []).unwrap();
        }
        let reader = Store::open_read_only(&path).unwrap();
        assert_eq!(reader.heap_samples("api", 10, true).unwrap(), Some(Vec::new()));
        assert_eq!(reader.targets().unwrap().len(), 1);
        drop(reader);
        let mut writer = Store::open(&path).unwrap();
        assert_eq!(writer.version().unwrap(), SCHEMA_VERSION);
        let t = writer.target("api", "u", 0).unwrap();
        let heap = NewHeap { text: b"x", ..NewHeap::default() };
        writer
            .record(&NewSample { target: t, source: "heap", heap: Some(heap), ..NewSample::default() })
            .unwrap();
        assert_eq!(
            Store::open_read_only(&path).unwrap().heap_samples("api", 10, true).unwrap().unwrap().len(),
            1
        );
    }

    #[test]
    fn prune_drops_old_samples_and_what_only_they_mention() {
        let path = temp("prune");
        let mut store = Store::open(&path).unwrap();
        let t = store.target("api", "u", 0).unwrap();
        store.record(&sample(t, 1000, vec![group("old", 1)])).unwrap();
        store.record(&sample(t, 5000, vec![group("new", 2)])).unwrap();
        store.record_event(t, 1000, "alarm", "{}").unwrap();
        store.record_event(t, 6000, "restart", "{\"reason\":\"r\"}").unwrap();
        let events = store.events("api", 10).unwrap().unwrap();
        assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["restart", "alarm"]);
        assert_eq!(store.events("api", 1).unwrap().unwrap().len(), 1);
        assert!(store.events("nope", 1).unwrap().is_none());
        assert_eq!(store.prune(2000).unwrap(), 1);
        assert_eq!(store.events("api", 10).unwrap().unwrap().len(), 1);
        let groups = store.groups("api").unwrap().unwrap();
        assert_eq!(groups.iter().map(|g| g.fingerprint.as_str()).collect::<Vec<_>>(), ["new"]);
        assert_eq!(store.totals("api").unwrap().unwrap().len(), 1);
    }

    #[test]
    fn newer_schemas_junk_files_and_missing_files_are_refused_with_reasons() {
        let path = temp("newer");
        let store = Store::open(&path).unwrap();
        store.conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        drop(store);
        assert!(matches!(Store::open(&path), Err(StoreError::Newer { .. })));
        assert!(matches!(Store::open_read_only(&path), Err(StoreError::Newer { .. })));

        let junk = temp("junk");
        std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
        let err = Store::open(&junk).unwrap_err();
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
        assert!(err.to_string().contains("not a goroscope history database"));

        let missing = temp("missing").with_file_name("absent.db");
        assert!(matches!(Store::open_read_only(&missing), Err(StoreError::Missing { .. })));
    }

    #[test]
    fn a_second_writer_waits_for_the_first_and_reports_a_lock() {
        let path = temp("locked");
        let mut first = Store::open(&path).unwrap();
        let t = first.target("api", "u", 0).unwrap();
        first.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let mut second = Store::open(&path).unwrap();
        second.conn.busy_timeout(Duration::from_millis(50)).unwrap();
        let err = second.record(&sample(t, 1, vec![])).unwrap_err();
        assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
        first.conn.execute_batch("COMMIT").unwrap();
        second.record(&sample(t, 1, vec![])).unwrap();
    }
}
