//! The goroscope dashboard: a local web server (axum) that analyses uploaded goroutine dumps and shows the
//! history `goroscope watch` records: each target's goroutines over time, its groups, a group's count over time
//! and its explanation, and the full report of the latest profile, refreshed live.
//!
//! Security model: it listens on the loopback interface unless told otherwise, and then answers only to this
//! machine's host names (no DNS rebinding); anywhere else it needs a token (a bearer header, or `?token=` once,
//! which becomes an `HttpOnly`, `SameSite=Strict` cookie). Uploads are capped in size and time and analysed
//! a few at a time; no uploaded dump makes it read a local file. Every piece of dump text is escaped, and a
//! Content-Security-Policy allows only the dashboard's own script and style (and, on a full report, the
//! report's own inline ones by hash).

mod analyse;
mod auth;
mod pages;
mod routes;
mod server;
mod state;
mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use goroscope_analyze::Options;
use goroscope_collect::Limits;
use goroscope_dump::InputFormat;
use goroscope_watch::Live;

pub use analyse::SourceFactory;
pub use auth::{MIN_TOKEN_LEN, Token, TokenError, is_loopback};
pub use server::Server;

/// The default cap on one upload.
pub const DEFAULT_MAX_UPLOAD: u64 = 256 << 20;

/// How the dashboard serves.
pub struct ServeOptions {
    /// The history database to read (the one `goroscope watch` writes); `None` serves uploads only.
    pub db: Option<PathBuf>,
    /// Required to use the dashboard; needed when it listens beyond the loopback interface.
    pub token: Option<Token>,
    /// The largest upload accepted, before decompression.
    pub max_upload: u64,
    /// The cap after decompression.
    pub limits: Limits,
    /// An upload's body must arrive within this.
    pub upload_timeout: Duration,
    /// Uploads kept in memory; the oldest goes first.
    pub uploads_kept: usize,
    /// How dumps are analysed (as the watch analyses its profiles, so fingerprints match the history's).
    pub analysis: Options,
    /// The input format, instead of detecting it.
    pub input_format: Option<InputFormat>,
    /// Parser threads per analysis; 0 uses every core.
    pub threads: usize,
    /// Finds source lines for the profiles of watched targets (never for uploads).
    pub source: Option<SourceFactory>,
    /// The state of the watch this process runs, if any: whether each target answers, its growth.
    pub live: Option<Live>,
    /// How often pages look for new samples.
    pub refresh: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            db: None,
            token: None,
            max_upload: DEFAULT_MAX_UPLOAD,
            limits: Limits::default(),
            upload_timeout: Duration::from_secs(300),
            uploads_kept: 20,
            analysis: Options::default(),
            input_format: None,
            threads: 0,
            source: None,
            live: None,
            refresh: Duration::from_secs(5),
        }
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("db", &self.db)
            .field("token", &self.token)
            .field("max_upload", &self.max_upload)
            .field("uploads_kept", &self.uploads_kept)
            .finish_non_exhaustive()
    }
}

/// Why the dashboard cannot serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address does not resolve.
    #[error("{addr} is not an address to listen on ({error}); write it as HOST:PORT, e.g. 127.0.0.1:7070")]
    Address {
        /// As given.
        addr: String,
        /// Why (in the message).
        error: std::io::Error,
    },
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {error} (another server on that port? port 0 picks a free one)")]
    Bind {
        /// As given.
        addr: String,
        /// Why (in the message).
        error: std::io::Error,
    },
    /// Listening beyond this machine without a token.
    #[error(
        "listening on {addr}, beyond this machine, needs a token (--token-file FILE, or one is generated)"
    )]
    TokenRequired {
        /// The bound address.
        addr: SocketAddr,
    },
    /// The async runtime could not start.
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

#[cfg(test)]
mod tests;
