//! Collects goroutine dumps, bounded in size and time.
//!
//! - **Compressed input**: [`open_decompressed`] sniffs gzip and zstd and caps the decompressed size
//!   ([`Limits`]), so a decompression bomb ends in a clear [`CollectError::TooLarge`].
//! - **HTTP(S)**: [`parse_http_target`] and [`pprof_url`] turn what the user typed into a pprof URL;
//!   [`fetch`] (or an [`HttpClient`] for repeated fetches) gets it with connect and total timeouts, a
//!   size cap, extra headers from [`headers_from_env`] / [`headers_from_file`] kept secret, Basic auth
//!   from URL user info, TLS verified against the system roots plus `--cacert`, and redirects that never
//!   carry credentials to another host.
//! - **gops**: [`fetch_gops`] asks a `github.com/google/gops/agent` for a `debug=2` dump, by pid (through
//!   the agent's port file) or by address ([`parse_gops_target`]).
//!
//! Every failure is a [`CollectError`] whose message says what happened and what to do; URLs in messages
//! are [`redact`]ed and header values are never shown. The crate only reads: detecting the dump's format
//! and parsing it is `goroscope_dump`'s job.

mod decompress;
mod error;
mod gops;
mod headers;
mod http;
mod tls;
mod transport;
mod url;

pub use decompress::{Compression, Limits, open_decompressed};
pub use error::CollectError;
pub use gops::{GopsOptions, GopsTarget, fetch_gops, gops_agent_addr, gops_config_dir, parse_gops_target};
pub use headers::{Header, Secret, headers_from_env, headers_from_file};
pub use http::{Fetched, HttpClient, HttpOptions, fetch};
pub use url::{Profile, Target, parse_http_target, pprof_url, redact};
