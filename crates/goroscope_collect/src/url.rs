//! pprof URLs: building them from what the user typed, redacting them for messages, following redirects.

use crate::CollectError;

/// The profiles goroscope fetches from `net/http/pprof`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// `/debug/pprof/goroutine`: every goroutine.
    Goroutine,
    /// `/debug/pprof/goroutineleak` (Go 1.26+ with `GOEXPERIMENT=goroutineleakprofile`): the goroutines the
    /// garbage collector proved blocked forever.
    GoroutineLeak,
    /// `/debug/pprof/heap`: memory in use by allocation stack; `debug=1` ends with `runtime.MemStats`.
    Heap,
    /// `/debug/pprof/allocs`: the same records, shown by `go tool pprof` as allocations.
    Allocs,
}

impl Profile {
    /// The profile's name in the URL path.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Goroutine => "goroutine",
            Profile::GoroutineLeak => "goroutineleak",
            Profile::Heap => "heap",
            Profile::Allocs => "allocs",
        }
    }

    /// Whether it is a heap profile (`heap` or `allocs`).
    pub fn is_heap(self) -> bool {
        matches!(self, Profile::Heap | Profile::Allocs)
    }

    fn from_name(name: &str) -> Option<Profile> {
        match name {
            "goroutine" => Some(Profile::Goroutine),
            "goroutineleak" => Some(Profile::GoroutineLeak),
            "heap" => Some(Profile::Heap),
            "allocs" => Some(Profile::Allocs),
            _ => None,
        }
    }
}

/// What an `http(s)://` argument points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A URL naming a profile and a `debug` level: fetched exactly as given.
    Explicit(String),
    /// A pprof base; the caller picks the debug level (and the profile, unless the URL named one).
    Base {
        /// Everything up to and including `/debug/pprof/`, e.g. `http://host:6060/debug/pprof/`.
        base: String,
        /// The profile named in the URL, if any.
        profile: Option<Profile>,
        /// The user's query parameters other than `debug`, without the `?` (often empty).
        query: String,
    },
}

impl Target {
    /// The URL to fetch: an explicit URL as is; for a base, `profile` (unless the URL named one) with
    /// `?debug=N` and the user's other query parameters.
    pub fn url(&self, profile: Profile, debug: u8) -> String {
        match self {
            Target::Explicit(url) => url.clone(),
            Target::Base { base, profile: named, query } => {
                let name = named.unwrap_or(profile).name();
                if query.is_empty() {
                    format!("{base}{name}?debug={debug}")
                } else {
                    format!("{base}{name}?debug={debug}&{query}")
                }
            }
        }
    }

    /// Whether the user's URL is used exactly as given.
    pub fn is_explicit(&self) -> bool {
        matches!(self, Target::Explicit(_))
    }
}

/// Reads an `http://` or `https://` argument.
///
/// - A base URL (`http://host:6060`, `http://host:6060/`, `http://host:6060/some/prefix/`) gets
///   `debug/pprof/` appended.
/// - A path containing `/debug/pprof/` keeps everything up to and including it as the base; what follows
///   may name `goroutine` or `goroutineleak` (anything else is an error). `.../debug/pprof` without the
///   final slash is the index too.
/// - A URL naming one of those profiles *and* carrying a `debug` parameter is [`Target::Explicit`].
///
/// Query parameters other than `debug` are kept, the fragment is dropped, user info (`user:pass@`) is kept
/// (it is sent as HTTP Basic auth by [`fetch`](crate::fetch)).
pub fn parse_http_target(target: &str) -> Result<Target, CollectError> {
    let parts = parse_absolute(target)?;
    let authority = match parts.userinfo {
        Some(userinfo) => format!("{userinfo}@{}", parts.host_port),
        None => parts.host_port.to_owned(),
    };
    let origin = format!("{}://{authority}", parts.scheme.to_ascii_lowercase());
    let (base_path, rest) = match parts.path.find("/debug/pprof/") {
        Some(at) => parts.path.split_at(at + "/debug/pprof/".len()),
        None => {
            let prefix = parts.path.strip_suffix("/debug/pprof").unwrap_or(parts.path);
            let prefix = prefix.trim_end_matches('/');
            return Ok(Target::Base {
                base: format!("{origin}{prefix}/debug/pprof/"),
                profile: None,
                query: query_without_debug(parts.query),
            });
        }
    };
    let base = format!("{origin}{base_path}");
    let profile = match rest {
        "" => None,
        name => Some(Profile::from_name(name).ok_or_else(|| CollectError::UnsupportedProfile {
            url: redact(target),
            name: name.to_owned(),
        })?),
    };
    let has_debug = parts.query.is_some_and(|q| q.split('&').any(|p| param_name(p) == "debug"));
    if profile.is_some() && has_debug {
        let mut url = format!("{base}{rest}");
        if let Some(query) = parts.query {
            url.push('?');
            url.push_str(query);
        }
        return Ok(Target::Explicit(url));
    }
    Ok(Target::Base { base, profile, query: query_without_debug(parts.query) })
}

/// The URL of `profile` at `debug` level for a target as the user typed it (see [`parse_http_target`]);
/// an explicit URL is returned as is.
pub fn pprof_url(target: &str, profile: Profile, debug: u8) -> Result<String, CollectError> {
    Ok(parse_http_target(target)?.url(profile, debug))
}

/// A URL fit for messages: user info becomes `***@` and the values of query (and fragment) parameters whose
/// name looks secret (`token`, `access_token`, `key`, `api_key`, `password`, `secret`, `sig`,
/// `signature`, …) become `***`. Works on anything, URL or not.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some(at) = rest.rfind('@')
        && cut_inside_userinfo(&rest[..at])
    {
        return redact(&format!("{scheme}://***@{}", &rest[at + 1..]));
    }
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = String::with_capacity(url.len());
    match before_query.split_once("://") {
        Some((scheme, rest)) => {
            out.push_str(scheme);
            out.push_str("://");
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((_, host)) => {
                    out.push_str("***@");
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            out.push_str(path);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        out.push_str(&redact_params(query));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&redact_params(fragment));
    }
    out
}

/// Whether `before_at`, what comes after `scheme://` and before the last `@`, is user info holding a `/`, `?` or
/// `#` that was not percent-encoded (a pasted token): the authority then seems to end inside it, at a port that
/// is no number (`user:se/cret@host`).
fn cut_inside_userinfo(before_at: &str) -> bool {
    let Some(end) = before_at.find(['/', '?', '#']) else { return false };
    let first = &before_at[..end];
    !first.contains('@') && split_host_port(first).1.is_some_and(|port| port.parse::<u16>().is_err())
}

fn redact_params(params: &str) -> String {
    params
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, _)) if looks_secret(name) => format!("{name}=***"),
            _ => param.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether a parameter name looks like it carries a secret.
fn looks_secret(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "token",
        "key",
        "apikey",
        "password",
        "passwd",
        "pwd",
        "secret",
        "sig",
        "signature",
        "auth",
        "credential",
        "credentials",
        "jwt",
        "session",
        "sessionid",
    ];
    let name = percent_decode(name).to_ascii_lowercase();
    name.contains("token")
        || name.contains("secret")
        || name.contains("password")
        || name.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| WORDS.contains(&word))
}

fn param_name(param: &str) -> &str {
    param.split_once('=').map_or(param, |(name, _)| name)
}

fn query_without_debug(query: Option<&str>) -> String {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && param_name(p) != "debug")
        .collect::<Vec<_>>()
        .join("&")
}

/// The parts of an absolute `http(s)` URL (fragment dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    pub(crate) scheme: &'a str,
    pub(crate) userinfo: Option<&'a str>,
    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    pub(crate) host_port: &'a str,
    /// Starts with `/`, or is empty.
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
}

impl UrlParts<'_> {
    /// The host without port (IPv6 literals keep their brackets), lowercase.
    pub(crate) fn host(&self) -> String {
        split_host_port(self.host_port).0.to_ascii_lowercase()
    }

    /// The port, explicit or the scheme's default.
    pub(crate) fn port(&self) -> u16 {
        match split_host_port(self.host_port).1.and_then(|p| p.parse().ok()) {
            Some(port) => port,
            None if self.scheme.eq_ignore_ascii_case("https") => 443,
            None => 80,
        }
    }

    pub(crate) fn is_https(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("https")
    }

    /// The URL without user info and fragment.
    pub(crate) fn without_userinfo(&self) -> String {
        let mut url = format!("{}://{}{}", self.scheme.to_ascii_lowercase(), self.host_port, self.path);
        if let Some(query) = self.query {
            url.push('?');
            url.push_str(query);
        }
        url
    }
}

fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(end) => {
                let (host, rest) = host_port.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (host_port, None),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    }
}

/// Splits and checks an absolute `http(s)` URL.
pub(crate) fn parse_absolute(url: &str) -> Result<UrlParts<'_>, CollectError> {
    let invalid = |reason| CollectError::InvalidUrl { url: redact(url), reason };
    if let Some((_, rest)) = url.split_once("://")
        && let Some(at) = rest.rfind('@')
        && cut_inside_userinfo(&rest[..at])
    {
        return Err(invalid("a `/`, `?` or `#` in its user info must be percent-encoded (%2F, %3F, %23)"));
    }
    let url_no_fragment = url.split_once('#').map_or(url, |(u, _)| u);
    let Some((scheme, rest)) = url_no_fragment.split_once("://") else {
        return Err(invalid("it has no scheme"));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(CollectError::UnsupportedScheme { url: redact(url), scheme: scheme.to_owned() });
    }
    if rest.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return Err(invalid("it contains spaces or control characters"));
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let (path, query) = match after.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (after, None),
    };
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port);
    if host.is_empty() || host == "[]" {
        return Err(invalid("it has no host"));
    }
    if host.starts_with('[') && !host.ends_with(']') {
        return Err(invalid("an IPv6 address lacks its closing `]`"));
    }
    if let Some(port) = port
        && (port.is_empty() || port.parse::<u16>().is_err())
    {
        return Err(invalid("the port is not a number from 0 to 65535"));
    }
    Ok(UrlParts { scheme, userinfo, host_port, path, query })
}

/// Whether headers meant for `from` may be sent to `to`: same host, and the same scheme and port, or an
/// upgrade from http to https on the same host.
pub(crate) fn same_origin(from: &UrlParts<'_>, to: &UrlParts<'_>) -> bool {
    from.host() == to.host()
        && ((from.is_https() == to.is_https() && from.port() == to.port())
            || (!from.is_https() && to.is_https()))
}

/// Resolves a `Location` header against the URL it came from (which carries no user info).
pub(crate) fn resolve_location(base: &UrlParts<'_>, location: &str) -> Result<String, &'static str> {
    let location = location.trim();
    let location = location.split_once('#').map_or(location, |(l, _)| l);
    let scheme_end = location.find(':');
    let has_scheme = scheme_end.is_some_and(|end| {
        let scheme = &location[..end];
        scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !location[..end].contains('/')
    });
    let origin = format!("{}://{}", base.scheme.to_ascii_lowercase(), base.host_port);
    let resolved = if has_scheme {
        location.to_owned()
    } else if location.starts_with("//") {
        format!("{}:{location}", base.scheme.to_ascii_lowercase())
    } else if location.is_empty() {
        base.without_userinfo()
    } else if let Some(query) = location.strip_prefix('?') {
        format!("{origin}{}?{query}", if base.path.is_empty() { "/" } else { base.path })
    } else {
        let (path, query) = match location.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (location, None),
        };
        let path = if path.starts_with('/') {
            remove_dot_segments(path)
        } else {
            let dir = base.path.rfind('/').map_or("/", |slash| &base.path[..=slash]);
            remove_dot_segments(&format!("{dir}{path}"))
        };
        match query {
            Some(query) => format!("{origin}{path}?{query}"),
            None => format!("{origin}{path}"),
        }
    };
    match parse_absolute(&resolved) {
        Ok(parts) if parts.userinfo.is_some() => Err("the new location carries user credentials"),
        Ok(_) => Ok(resolved),
        Err(CollectError::UnsupportedScheme { .. }) => Err("the new location is not an http(s) URL"),
        Err(_) => Err("the new location is not a valid URL"),
    }
}

/// RFC 3986 section 5.2.4, for a path starting with `/`.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.into_iter().enumerate() {
        match segment {
            "." => {}
            ".." => {
                out.pop();
            }
            _ => out.push(segment),
        }
        if i == last && (segment == "." || segment == "..") {
            out.push("");
        }
    }
    format!("/{}", out.join("/"))
}

/// Decodes `%XX` escapes; invalid escapes and non-UTF-8 results are kept as they are, lossily.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(target: &str) -> (String, Option<Profile>, String) {
        match parse_http_target(target).unwrap() {
            Target::Base { base, profile, query } => (base, profile, query),
            Target::Explicit(url) => panic!("{target} gave explicit {url}"),
        }
    }

    #[test]
    fn base_urls_get_debug_pprof() {
        for target in
            ["http://host:6060", "http://host:6060/", "HTTP://host:6060/debug/pprof", "http://host:6060/#x"]
        {
            assert_eq!(
                base(target),
                ("http://host:6060/debug/pprof/".into(), None, String::new()),
                "{target}"
            );
        }
        assert_eq!(base("https://h/some/prefix").0, "https://h/some/prefix/debug/pprof/");
        assert_eq!(base("https://h/some/prefix/").0, "https://h/some/prefix/debug/pprof/");
        assert_eq!(base("http://h/debug/pprof/").0, "http://h/debug/pprof/");
        assert_eq!(base("http://[::1]:6060").0, "http://[::1]:6060/debug/pprof/");
    }

    #[test]
    fn explicit_urls_are_kept() {
        for url in [
            "http://h:6060/debug/pprof/goroutine?debug=1",
            "http://h:6060/x/debug/pprof/goroutineleak?debug=2&seconds=1",
            "https://u:p@h/debug/pprof/goroutine?a=b&debug=0",
        ] {
            assert_eq!(parse_http_target(url).unwrap(), Target::Explicit(url.into()));
            assert_eq!(pprof_url(url, Profile::Goroutine, 2).unwrap(), url);
        }
    }

    #[test]
    fn named_profile_without_debug_is_kept_but_debug_is_chosen() {
        let target = parse_http_target("http://h/debug/pprof/goroutineleak?x=1").unwrap();
        assert!(!target.is_explicit());
        assert_eq!(target.url(Profile::Goroutine, 2), "http://h/debug/pprof/goroutineleak?debug=2&x=1");
        assert_eq!(
            pprof_url("http://h:6060/?token=t&debug=9", Profile::Goroutine, 1).unwrap(),
            "http://h:6060/debug/pprof/goroutine?debug=1&token=t"
        );
        assert_eq!(
            pprof_url("http://h:6060/debug/pprof/?debug=1", Profile::GoroutineLeak, 2).unwrap(),
            "http://h:6060/debug/pprof/goroutineleak?debug=2"
        );
    }

    #[test]
    fn bad_targets() {
        assert!(matches!(parse_http_target("ftp://h/"), Err(CollectError::UnsupportedScheme { .. })));
        assert!(matches!(parse_http_target("host:6060"), Err(CollectError::InvalidUrl { .. })));
        assert!(matches!(parse_http_target("http://"), Err(CollectError::InvalidUrl { .. })));
        assert!(matches!(parse_http_target("http://h:99999/"), Err(CollectError::InvalidUrl { .. })));
        assert!(matches!(parse_http_target("http://h x/"), Err(CollectError::InvalidUrl { .. })));
        let err = parse_http_target("http://u:s3cr3t@h/debug/pprof/block?debug=1").unwrap_err();
        assert!(matches!(&err, CollectError::UnsupportedProfile { name, .. } if name == "block"), "{err:?}");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("http://user:pass@h:1/p?debug=2"), "http://***@h:1/p?debug=2");
        assert_eq!(redact("http://user@h/"), "http://***@h/");
        assert_eq!(
            redact(
                "https://h/x?token=a&debug=1&API_KEY=b&Signature=c&access_token=d&keep=e&X-Amz-Signature=f"
            ),
            "https://h/x?token=***&debug=1&API_KEY=***&Signature=***&access_token=***&keep=e&X-Amz-Signature=***"
        );
        assert_eq!(redact("https://h/#access_token=a&x=1"), "https://h/#access_token=***&x=1");
        assert_eq!(
            redact("https://h/?password=p&sig=s&secret=t&monkey=m"),
            "https://h/?password=***&sig=***&secret=***&monkey=m"
        );
        assert_eq!(redact("not a url?key=1"), "not a url?key=***");
        assert_eq!(redact("http://h/p@q"), "http://h/p@q");
        assert_eq!(redact("http://h:1/p@q"), "http://h:1/p@q");
    }

    #[test]
    fn a_password_with_unencoded_slash_question_mark_or_hash_is_redacted_and_refused() {
        for url in [
            "http://u:se/cr3t@h:1/p?debug=2",
            "http://u:se?cr3t@h:1/p?debug=2",
            "http://u:se#cr3t@h:1/p?debug=2",
        ] {
            assert_eq!(redact(url), "http://***@h:1/p?debug=2", "{url}");
            let err = parse_http_target(url).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("cr3t") && shown.contains("percent-encoded"), "{shown}");
        }
    }

    #[test]
    fn locations_resolve() {
        let parts = parse_absolute("http://h:1/a/b/c?q=1").unwrap();
        let cases = [
            ("https://other/x", "https://other/x"),
            ("//other:2/y", "http://other:2/y"),
            ("/z?debug=1", "http://h:1/z?debug=1"),
            ("d", "http://h:1/a/b/d"),
            ("../d/./e", "http://h:1/a/d/e"),
            ("../../../..", "http://h:1/"),
            ("?debug=2", "http://h:1/a/b/c?debug=2"),
            ("", "http://h:1/a/b/c?q=1"),
        ];
        for (location, want) in cases {
            assert_eq!(resolve_location(&parts, location).unwrap(), want, "{location}");
        }
        assert!(resolve_location(&parts, "ftp://x/").is_err());
        assert!(resolve_location(&parts, "http://u:p@x/").is_err());
    }

    #[test]
    fn origins() {
        let p = |s| parse_absolute(s).unwrap();
        assert!(same_origin(&p("http://H:80/a"), &p("http://h/b")));
        assert!(same_origin(&p("http://h:6060/a"), &p("https://h/b")));
        assert!(!same_origin(&p("https://h/a"), &p("http://h/b")));
        assert!(!same_origin(&p("http://h:1/a"), &p("http://h:2/b")));
        assert!(!same_origin(&p("http://h/a"), &p("http://other/b")));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b%3Ac%zz%4"), "a@b:c%zz%4");
    }
}
