//! Who may use the dashboard: a token when it listens beyond the loopback interface (or when one is given), the
//! host names a loopback-only dashboard answers to, and where state-changing requests may come from.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The cookie that carries a browser's session once it has shown the token.
pub(crate) const SESSION_COOKIE: &str = "goroscope_session";

/// The shortest token accepted from a file.
pub const MIN_TOKEN_LEN: usize = 16;

/// The secret a client shows to use the dashboard. Its `Debug` form hides it; [`Token::reveal`] is for the one
/// line that tells the user.
#[derive(Clone)]
pub struct Token(String);

/// Why a token cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token file cannot be read.
    #[error("cannot read the token file {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (in the message).
        error: std::io::Error,
    },
    /// The token is too short to be a secret, or holds spaces or control characters.
    #[error(
        "the token {where_} must be at least {MIN_TOKEN_LEN} characters without spaces or control characters \
         (e.g. `openssl rand -hex 32 > FILE`)"
    )]
    Weak {
        /// Where it came from.
        where_: String,
    },
    /// The system's random source failed.
    #[error("cannot generate a token: the system's random source failed ({0})")]
    Random(String),
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// A token from text: surrounding whitespace trimmed; at least [`MIN_TOKEN_LEN`] characters, none of them
    /// whitespace or control characters (they could not travel in a header or a URL unchanged).
    pub fn new(text: &str, where_: &str) -> Result<Token, TokenError> {
        let text = text.trim();
        if text.chars().count() < MIN_TOKEN_LEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TokenError::Weak { where_: where_.to_owned() });
        }
        Ok(Token(text.to_owned()))
    }

    /// The token in a file (its first line; a trailing newline is fine).
    pub fn from_file(path: &Path) -> Result<Token, TokenError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| TokenError::Read { path: path.to_owned(), error })?;
        Token::new(&text, &format!("in {}", path.display()))
    }

    /// A new random token: 128 bits from the system's random source, as 32 hex digits.
    pub fn generate() -> Result<Token, TokenError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
        Ok(Token(hex(&bytes)))
    }

    /// The token itself, to print once for the user.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is the token, in time that does not depend on where they differ: both are hashed
    /// and the digests compared in constant time, so neither the content nor the length leaks.
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let (a, b) = (Sha256::digest(self.0.as_bytes()), Sha256::digest(candidate.as_bytes()));
        bool::from(a.ct_eq(&b))
    }

    /// The session cookie's value: derived from the token, so the token itself is never stored in a browser.
    pub(crate) fn session(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"goroscope-session\0");
        hasher.update(self.0.as_bytes());
        hex(&hasher.finalize())
    }

    /// Whether `candidate` is the session cookie's value (constant time, as [`Token::matches`]).
    pub(crate) fn session_matches(&self, candidate: &str) -> bool {
        let expected = self.session();
        let (a, b) = (Sha256::digest(expected.as_bytes()), Sha256::digest(candidate.as_bytes()));
        bool::from(a.ct_eq(&b))
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Whether an address reaches only this machine: `127.0.0.0/8`, `::1`, or an IPv4-mapped loopback address.
/// The unspecified addresses (`0.0.0.0`, `::`) listen on every interface, so they are not.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Whether a `Host` header names this machine: `localhost` (or a name under `.localhost`) or a loopback
/// address, with any port. A dashboard on the loopback interface without a token answers only to these, so
/// a web page whose own name was pointed at 127.0.0.1 (DNS rebinding) cannot read it.
pub(crate) fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:port`
        Some(rest) => match rest.split_once(']') {
            Some((inside, port)) if port.is_empty() || is_port(port) => inside,
            _ => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        },
    };
    let name = name.to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(is_loopback)
}

fn is_port(text: &str) -> bool {
    text.strip_prefix(':').unwrap_or(text).parse::<u16>().is_ok() && !text.is_empty()
}

/// Whether a request that changes state (an upload) comes from the dashboard's own pages or from a client that
/// is not a browser. A browser says where a request comes from in `Sec-Fetch-Site`, which no page can set: only
/// `same-origin` (and `none`, the user's own doing) pass; a browser too old to send it sends `Origin` with a
/// cross-origin post, and that must name this very host. A `SameSite` cookie alone would not do: another port of
/// the same host, or another name under the same domain, is the same site.
pub(crate) fn same_origin(origin: Option<&str>, fetch_site: Option<&str>, host: Option<&str>) -> bool {
    if let Some(site) = fetch_site {
        return matches!(site, "same-origin" | "none");
    }
    match (origin, host) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
        }
        (Some(_), None) => false,
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub(crate) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// The bearer token of an `Authorization` header.
pub(crate) fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Takes `token=` out of a query string: the token, and the query without it (`None` when nothing is left).
pub(crate) fn split_token(query: &str) -> (Option<String>, Option<String>) {
    let mut token = None;
    let mut rest = form_urlencoded::Serializer::new(String::new());
    let mut kept = 0;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key == "token" {
            token = Some(value.into_owned());
        } else {
            rest.append_pair(&key, &value);
            kept += 1;
        }
    }
    (token, (kept > 0).then(|| rest.finish()))
}

/// Where to send a browser after it showed `?token=`: the same path without the token, never another site
/// (`//host` would be one).
pub(crate) fn clean_location(path: &str, rest: Option<&str>) -> String {
    let path = if path.starts_with('/') && !path.starts_with("//") { path } else { "/" };
    match rest {
        Some(rest) => format!("{path}?{rest}"),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_matches_itself_only() {
        let token = Token::new("  0123456789abcdef0123\n", "here").unwrap();
        assert!(token.matches("0123456789abcdef0123"));
        assert!(!token.matches("0123456789abcdef012"));
        assert!(!token.matches("0123456789abcdef01234"));
        assert!(!token.matches(""));
        assert!(token.session_matches(&token.session()));
        assert!(!token.session_matches("0123456789abcdef0123"), "the cookie is not the token");
        assert!(!token.session().contains(token.reveal()));
        assert_eq!(format!("{token:?}"), "Token(…)");
    }

    #[test]
    fn weak_tokens_are_refused() {
        assert!(Token::new("short", "x").is_err());
        assert!(Token::new("0123456789 abcdef0123", "x").is_err());
        assert!(Token::new("0123456789\u{7}abcdef0123", "x").is_err());
        let err = Token::new("", "in /tmp/t").unwrap_err().to_string();
        assert!(err.contains("in /tmp/t") && err.contains("16"), "{err}");
    }

    #[test]
    fn generated_tokens_are_long_and_differ() {
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        assert_eq!(a.reveal().len(), 32);
        assert!(a.reveal().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.reveal(), b.reveal());
    }

    #[test]
    fn loopback_addresses() {
        for ip in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(is_loopback(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "::ffff:10.0.0.1", "fe80::1"] {
            assert!(!is_loopback(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn local_host_headers() {
        for host in ["127.0.0.1:7070", "localhost:7070", "LOCALHOST", "[::1]:80", "[::1]", "a.localhost:1"] {
            assert!(is_local_host(host), "{host}");
        }
        for host in ["evil.example:7070", "127.0.0.1.evil.example", "localhost.evil:1", "[::2]:1", "x:y", ""]
        {
            assert!(!is_local_host(host), "{host}");
        }
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let host = Some("127.0.0.1:7070");
        assert!(same_origin(None, None, host), "curl");
        assert!(same_origin(Some("http://127.0.0.1:7070"), Some("same-origin"), host));
        assert!(!same_origin(Some("http://evil.example"), None, host));
        assert!(!same_origin(Some("null"), None, host));
        assert!(!same_origin(None, Some("cross-site"), host));
        assert!(!same_origin(None, Some("same-site"), host), "another port or name of the same site");
        assert!(!same_origin(Some("http://127.0.0.1:8080"), None, host), "another port");
        // Behind a proxy that rewrites Host, the browser's own word still counts.
        assert!(same_origin(Some("https://dash.example"), Some("same-origin"), host));
    }

    #[test]
    fn headers_cookies_and_queries() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(cookie("a=1; goroscope_session=xyz; b=2", SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie("a=1", SESSION_COOKIE), None);
        assert_eq!(split_token("token=abc"), (Some("abc".into()), None));
        assert_eq!(split_token("a=1&token=a%2Bb&c=x+y"), (Some("a+b".into()), Some("a=1&c=x+y".into())));
        assert_eq!(split_token("a=1"), (None, Some("a=1".into())));
        assert_eq!(clean_location("/targets/x", None), "/targets/x");
        assert_eq!(clean_location("/", Some("a=1")), "/?a=1");
        assert_eq!(clean_location("//evil.example/", None), "/");
    }
}
