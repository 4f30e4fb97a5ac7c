//! The one error type of the crate.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while collecting a dump.
///
/// Every message says what happened and what to try next. URLs in messages are always redacted (see
/// [`redact`](crate::redact)) and header values never appear.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// More bytes than the configured cap: a decompression bomb, an endless body or a really big dump.
    #[error("{what} exceeds {limit} bytes (--max-size); {hint}")]
    TooLarge {
        /// What was being read, e.g. "the decompressed input" or "the response from URL".
        what: String,
        /// The cap in bytes.
        limit: u64,
        /// What to do about it.
        hint: &'static str,
    },
    /// A gzip or zstd stream could not be decoded.
    #[error(
        "the {format} data is corrupt or truncated ({source}); check that the input is complete, \
         e.g. with `{format} -t FILE`"
    )]
    Decompress {
        /// `gzip` or `zstd`.
        format: &'static str,
        /// The decoder's own error.
        source: io::Error,
    },
    /// Reading the input failed.
    #[error("reading {what} failed: {source}; check that it exists and is readable")]
    Io {
        /// What was being read.
        what: String,
        /// The underlying error.
        source: io::Error,
    },

    /// A URL that cannot be used.
    #[error(
        "invalid URL {url}: {reason}; write it as http://HOST:PORT or as a full pprof URL such as \
         http://HOST:PORT/debug/pprof/goroutine?debug=2"
    )]
    InvalidUrl {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A URL scheme other than http and https.
    #[error("unsupported URL scheme `{scheme}` in {url}: use http:// or https://")]
    UnsupportedScheme {
        /// The URL, redacted.
        url: String,
        /// The scheme found.
        scheme: String,
    },
    /// The URL names a pprof profile that is not a goroutine profile.
    #[error(
        "{url} names the pprof profile `{name}`, which goroscope does not read; use .../debug/pprof/goroutine \
         (or goroutineleak, heap, allocs), or just the service's base URL"
    )]
    UnsupportedProfile {
        /// The URL, redacted.
        url: String,
        /// The profile name found in the path.
        name: String,
    },

    /// The environment variable meant to hold headers is not set.
    #[error(
        "the environment variable {var} is not set; export it with a bearer token or `Name: value` \
         lines, or use --header-file FILE"
    )]
    HeaderEnvMissing {
        /// The variable's name.
        var: String,
    },
    /// The environment variable meant to hold headers is not valid Unicode.
    #[error("the environment variable {var} is not valid UTF-8; put plain text `Name: value` lines in it")]
    HeaderEnvNotUnicode {
        /// The variable's name.
        var: String,
    },
    /// The header file cannot be read.
    #[error("cannot read the header file {}: {source}; check the path given to --header-file", path.display())]
    HeaderFileRead {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The header source holds nothing usable.
    #[error("{origin} holds no header; put a bearer token or `Name: value` lines in it")]
    HeaderEmpty {
        /// Where the headers came from, e.g. "the environment variable TOKEN".
        origin: String,
    },
    /// A line of a header source is not a header. The line itself is never shown: it may be a secret.
    #[error("line {line} of {origin}: {reason}; write one `Name: value` per line, or a single bearer token")]
    HeaderSyntax {
        /// Where the headers came from.
        origin: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: &'static str,
    },

    /// The `--cacert` file cannot be read.
    #[error("cannot read the CA bundle {}: {source}; check the path given to --cacert", path.display())]
    CaCertRead {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The `--cacert` file holds no certificate.
    #[error(
        "the CA bundle {} holds no usable certificate ({detail}); pass a PEM file with \
         -----BEGIN CERTIFICATE----- blocks",
        path.display()
    )]
    CaCertInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The system offers no trusted root certificate and no `--cacert` was given.
    #[error(
        "no trusted CA certificates found on this system ({detail}); install the ca-certificates package, \
         set SSL_CERT_FILE, or pass --cacert FILE"
    )]
    NoRootCerts {
        /// What the certificate loader reported.
        detail: String,
    },

    /// The host name does not resolve.
    #[error("cannot resolve the host `{host}` of {url}; check the host name (typo, VPN, /etc/hosts?)")]
    Dns {
        /// The URL, redacted.
        url: String,
        /// The host name.
        host: String,
    },
    /// Nothing listens on the port.
    #[error("connection refused by {url}: is the service running and listening on that port?")]
    ConnectionRefused {
        /// The URL, redacted.
        url: String,
    },
    /// The connection (DNS, TCP and TLS set-up) took longer than the connect timeout.
    #[error(
        "could not connect to {url} within {}: the host may be down or a firewall drops the packets; \
         check the address, or raise --connect-timeout",
        Secs(*timeout)
    )]
    ConnectTimeout {
        /// The URL, redacted.
        url: String,
        /// The connect timeout.
        timeout: Duration,
    },
    /// The whole exchange took longer than the total timeout.
    #[error(
        "the server at {url} took longer than {} to answer; raise --timeout (a debug=2 dump of many \
         goroutines can take a while)",
        Secs(*timeout)
    )]
    Timeout {
        /// The URL, redacted.
        url: String,
        /// The total timeout.
        timeout: Duration,
    },
    /// The connection broke.
    #[error("the connection to {url} failed: {detail}; check that the address points at the service")]
    Connection {
        /// The URL, redacted.
        url: String,
        /// The underlying error.
        detail: String,
    },
    /// The connection broke while the body came: what arrived is only part of it.
    #[error(
        "the connection to {url} broke after {received} bytes of the response, before the whole response arrived \
         ({detail}); the service or a proxy in front of it ended it early: try again, and check the service's logs"
    )]
    Cut {
        /// The URL, redacted.
        url: String,
        /// Body bytes received before the break.
        received: u64,
        /// How it broke: reset or closed by the server.
        detail: &'static str,
    },
    /// The server's answer is not HTTP.
    #[error(
        "{url} did not answer with valid HTTP ({detail}); check the port, and use https:// if the \
         service speaks TLS"
    )]
    Protocol {
        /// The URL, redacted.
        url: String,
        /// The parser's complaint.
        detail: String,
    },

    /// The server's certificate is signed by an authority we do not trust.
    #[error(
        "the TLS certificate of {url} is not signed by a trusted authority; pass --cacert FILE with the \
         CA certificate (PEM) or, at your own risk, --insecure"
    )]
    TlsUnknownCa {
        /// The URL, redacted.
        url: String,
    },
    /// The server's certificate does not name the host we connected to.
    #[error(
        "the TLS certificate of {url} is not valid for `{host}`; connect with a name the certificate \
         lists or, at your own risk, pass --insecure"
    )]
    TlsHostname {
        /// The URL, redacted.
        url: String,
        /// The host we connected to.
        host: String,
    },
    /// The server's certificate was rejected for another reason (expired, revoked, wrong usage…).
    #[error(
        "the TLS certificate of {url} was rejected ({detail}); fix the server's certificate or, at your own risk, pass --insecure"
    )]
    TlsCertificate {
        /// The URL, redacted.
        url: String,
        /// Why it was rejected.
        detail: String,
    },
    /// An `https://` URL, but the server speaks plain HTTP.
    #[error("{url} does not speak TLS (the server answered in plain text); use http:// instead of https://")]
    NotTls {
        /// The URL, redacted.
        url: String,
    },
    /// An `http://` URL, but the server expects TLS.
    #[error(
        "{url} expects TLS (the server says it got plain HTTP on a TLS port); use https:// instead of http://"
    )]
    ExpectsTls {
        /// The URL, redacted.
        url: String,
    },
    /// Another TLS failure.
    #[error(
        "the TLS handshake with {url} failed ({detail}); check that the server speaks TLS 1.2 or 1.3 on \
         that port"
    )]
    Tls {
        /// The URL, redacted.
        url: String,
        /// The TLS library's complaint.
        detail: String,
    },

    /// HTTP 401.
    #[error("{url} answered 401 Unauthorized{}: {}", Challenge(challenge.as_deref()), auth_hint(*sent_credentials))]
    Unauthorized {
        /// The URL, redacted.
        url: String,
        /// The `WWW-Authenticate` header, sanitised.
        challenge: Option<String>,
        /// Whether an `Authorization` or custom header was sent to this URL.
        sent_credentials: bool,
    },
    /// HTTP 403.
    #[error("{url} answered 403 Forbidden: {}", forbidden_hint(*sent_credentials))]
    Forbidden {
        /// The URL, redacted.
        url: String,
        /// Whether an `Authorization` or custom header was sent to this URL.
        sent_credentials: bool,
    },
    /// HTTP 404.
    #[error(
        "{url} answered 404 Not Found: is net/http/pprof enabled? import _ \"net/http/pprof\" and check the \
         path (the default is /debug/pprof/)"
    )]
    NotFound {
        /// The URL, redacted.
        url: String,
    },
    /// HTTP 404 with Go's "Unknown profile": pprof is there, the profile is not.
    #[error(
        "{url}: the Go process does not offer this profile (\"Unknown profile\"); goroutineleak needs Go 1.26+ \
         built with GOEXPERIMENT=goroutineleakprofile, otherwise use the goroutine profile"
    )]
    UnknownProfile {
        /// The URL, redacted.
        url: String,
    },
    /// Any other HTTP error status.
    #[error("{url} answered HTTP {status}{}; check the server's logs", Excerpt(excerpt))]
    HttpStatus {
        /// The URL, redacted.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body, on one line, at most about 200 bytes.
        excerpt: String,
    },
    /// More redirects than allowed.
    #[error(
        "{url} redirected more than {max} times (last to {last}); check the URL, or the proxy in front of \
         the service"
    )]
    TooManyRedirects {
        /// The URL first asked for, redacted.
        url: String,
        /// The redirect limit.
        max: u32,
        /// The last location, redacted.
        last: String,
    },
    /// A redirect that cannot be followed.
    #[error("{url} answered with a redirect that cannot be followed: {reason}; fetch the final URL directly")]
    BadRedirect {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An HTML page where a profile was expected.
    #[error(
        "got an HTML page from {url}, not a goroutine profile: is this the pprof index or a login page? \
         pass the service's base URL or .../debug/pprof/goroutine?debug=2"
    )]
    HtmlPage {
        /// The URL, redacted.
        url: String,
    },
    /// The request failed in another way.
    #[error("the request to {url} failed: {detail}")]
    Http {
        /// The URL, redacted.
        url: String,
        /// The HTTP library's complaint.
        detail: String,
    },

    /// A gops target that cannot be parsed.
    #[error("invalid gops target `{target}`: {reason}; write pid:PID or gops://HOST:PORT")]
    GopsTarget {
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The gops configuration directory cannot be found.
    #[error(
        "cannot locate the gops config directory: neither $GOPS_CONFIG_DIR, $XDG_CONFIG_HOME nor $HOME is \
         usable; set GOPS_CONFIG_DIR to the agent's directory"
    )]
    GopsConfigDir,
    /// No port file for the process.
    #[error(
        "no gops agent for pid {pid}: is github.com/google/gops/agent started in that process? looked in {} \
         (set GOPS_CONFIG_DIR if the agent uses another directory)",
        dir.display()
    )]
    GopsNoAgent {
        /// The process id.
        pid: u32,
        /// The directory searched.
        dir: PathBuf,
    },
    /// The port file cannot be read.
    #[error("cannot read the gops port file {}: {source}; check its permissions", path.display())]
    GopsPortFile {
        /// The port file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The port file does not hold a port number.
    #[error(
        "the gops port file {} does not hold a port number; remove the stale file or restart the agent",
        path.display()
    )]
    GopsPortFileInvalid {
        /// The port file.
        path: PathBuf,
    },
    /// Nothing listens on the gops agent's port.
    #[error(
        "connection refused by the gops agent at {addr}: the process may have exited and left a stale port \
         file, or the agent was closed; check that the process runs"
    )]
    GopsRefused {
        /// `host:port`.
        addr: String,
    },
}

impl CollectError {
    /// Turns an error from a reader of this crate (see [`open_decompressed`](crate::open_decompressed)) back
    /// into a [`CollectError`]: a wrapped [`CollectError`] (such as [`CollectError::TooLarge`]) is
    /// unwrapped, anything else becomes [`CollectError::Io`] about `what`.
    pub fn from_read_error(err: io::Error, what: impl Into<String>) -> Self {
        if err.get_ref().is_some_and(|inner| inner.is::<CollectError>()) {
            if let Some(inner) = err.into_inner() {
                match inner.downcast::<CollectError>() {
                    Ok(collect) => return *collect,
                    Err(other) => {
                        return CollectError::Io { what: what.into(), source: io::Error::other(other) };
                    }
                }
            }
            // `get_ref` said there is an inner error, so this is not reached; keep a sane value anyway.
            return CollectError::Io { what: what.into(), source: io::Error::other("unknown error") };
        }
        CollectError::Io { what: what.into(), source: err }
    }

    /// Wraps the error into an [`io::Error`] that [`CollectError::from_read_error`] unwraps again.
    pub(crate) fn into_io(self) -> io::Error {
        let kind = match self {
            CollectError::TooLarge { .. } => io::ErrorKind::FileTooLarge,
            CollectError::Decompress { .. } => io::ErrorKind::InvalidData,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

/// A duration for messages: "5 s", "300 ms", "1.5 s".
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{} s", d.as_secs())
        } else if d < Duration::from_secs(1) {
            write!(f, "{} ms", d.as_millis())
        } else {
            write!(f, "{:.1} s", d.as_secs_f64())
        }
    }
}

struct Challenge<'a>(Option<&'a str>);

impl fmt::Display for Challenge<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) if !c.is_empty() => write!(f, " (WWW-Authenticate: {c})"),
            _ => Ok(()),
        }
    }
}

struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { Ok(()) } else { write!(f, ": \"{}\"", self.0) }
    }
}

fn auth_hint(sent_credentials: bool) -> &'static str {
    if sent_credentials {
        "the credentials sent were rejected; check the token given with --header-env or --header-file"
    } else {
        "the endpoint needs credentials: pass a bearer token with --header-env VAR or --header-file FILE"
    }
}

fn forbidden_hint(sent_credentials: bool) -> &'static str {
    if sent_credentials {
        "the credentials sent were rejected or lack access; check the token and any header the proxy requires"
    } else {
        "credentials or a required header are missing; pass them with --header-env VAR or --header-file FILE"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(Secs(Duration::from_secs(30)).to_string(), "30 s");
        assert_eq!(Secs(Duration::from_millis(300)).to_string(), "300 ms");
        assert_eq!(Secs(Duration::from_millis(1500)).to_string(), "1.5 s");
    }

    #[test]
    fn wrapped_errors_round_trip() {
        let io = CollectError::TooLarge { what: "x".into(), limit: 3, hint: "h" }.into_io();
        assert_eq!(io.kind(), io::ErrorKind::FileTooLarge);
        let back = CollectError::from_read_error(io, "the input");
        assert!(matches!(back, CollectError::TooLarge { limit: 3, .. }), "{back:?}");
        let plain = CollectError::from_read_error(io::Error::other("boom"), "the input");
        assert!(matches!(plain, CollectError::Io { .. }), "{plain:?}");
        assert!(plain.to_string().contains("reading the input failed: boom"));
    }
}
