//! Fetching pprof endpoints over HTTP(S).

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ureq::http::{Response, StatusCode, header};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector as _, DefaultConnector};
use ureq::{Agent, Body};

use crate::decompress::Capped;
use crate::headers::Header;
use crate::transport::{ResetsAreErrors, is_reset};
use crate::url::{UrlParts, parse_absolute, percent_decode, redact, resolve_location, same_origin};
use crate::{CollectError, tls};

/// How many body bytes of an error response are looked at.
const EXCERPT_READ: u64 = 1024;
/// How many characters of that are shown.
const EXCERPT_SHOWN: usize = 200;

/// How to fetch over HTTP(S).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// Time allowed to resolve the host and set up the connection (TCP and TLS). Default 5 s.
    pub connect_timeout: Duration,
    /// Time allowed for the whole fetch, redirects and body included. Default 30 s.
    pub total_timeout: Duration,
    /// The most body bytes read (after `Content-Encoding` decompression); more is an error. Default 1 GiB.
    pub max_bytes: u64,
    /// Extra headers, sent only to the URL's own origin (never across a redirect to another host).
    pub headers: Vec<Header>,
    /// A PEM bundle of CA certificates trusted in addition to the system's.
    pub cacert: Option<PathBuf>,
    /// Skip TLS certificate verification entirely (dangerous: for test set-ups only).
    pub insecure: bool,
    /// Redirects followed before giving up. Default 3.
    pub max_redirects: u32,
    /// The `User-Agent` header. Default `goroscope/VERSION`.
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(30),
            max_bytes: crate::Limits::default().max_bytes,
            headers: Vec::new(),
            cacert: None,
            insecure: false,
            max_redirects: 3,
            user_agent: concat!("goroscope/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A fetched response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The body, after `Content-Encoding` decompression. A gzipped body served without
    /// `Content-Encoding` (pprof's `debug=0` protobuf) is left as it is.
    pub body: Vec<u8>,
    /// The URL the body came from, after redirects, redacted.
    pub final_url: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
}

/// Fetches `url` once with `opts` (see [`HttpClient::fetch`]).
pub fn fetch(url: &str, opts: &HttpOptions) -> Result<Fetched, CollectError> {
    HttpClient::new(opts.clone()).fetch(url)
}

/// Fetches several URLs with the same options, reusing connections and the loaded TLS roots (for polling).
#[derive(Debug)]
pub struct HttpClient {
    opts: HttpOptions,
    plain: Agent,
    /// Built at the first `https://` URL, so that plain HTTP never loads certificates.
    https: OnceLock<Agent>,
}

impl HttpClient {
    /// A client with these options. Nothing is loaded or connected yet.
    pub fn new(opts: HttpOptions) -> HttpClient {
        let plain = agent(&opts, tls::trust_nothing());
        HttpClient { opts, plain, https: OnceLock::new() }
    }

    /// The options in use.
    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// Fetches `url` (`http://` or `https://`) with a `GET`.
    ///
    /// Redirects are followed up to [`HttpOptions::max_redirects`]; the extra headers and the URL's user info
    /// (sent as HTTP Basic auth) go only to the first URL's origin, or to its `https://` upgrade. The total
    /// timeout covers everything, the body included; the size cap counts body bytes after
    /// `Content-Encoding` decompression. Any status other than 2xx, and an HTML page, is an error.
    ///
    /// A proxy from the environment is used as ureq does by default: the first of `ALL_PROXY`,
    /// `HTTPS_PROXY` and `HTTP_PROXY` (or their lowercase forms), except for the hosts in `NO_PROXY`.
    pub fn fetch(&self, url: &str) -> Result<Fetched, CollectError> {
        let first = parse_absolute(url)?;
        let basic = first.userinfo.map(basic_auth);
        let deadline = Instant::now() + self.opts.total_timeout;
        let mut current = first.without_userinfo();
        let mut redirects = 0;
        loop {
            let parts = parse_absolute(&current)?;
            let credentials = same_origin(&first, &parts);
            // Messages name the URL as the user gave it (redacted), or the redirect's target.
            let shown = if redirects == 0 { redact(url) } else { redact(&current) };
            let ctx = Ctx { url: shown, host: parts.host(), opts: &self.opts };
            let response = self.send(&parts, credentials, basic.as_deref(), deadline, &ctx)?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .ok_or_else(|| bad_redirect(&ctx, "it has no Location header"))?
                    .to_str()
                    .map_err(|_| bad_redirect(&ctx, "its Location header is not ASCII"))?;
                let next = resolve_location(&parts, location).map_err(|reason| bad_redirect(&ctx, reason))?;
                redirects += 1;
                if redirects > self.opts.max_redirects {
                    return Err(CollectError::TooManyRedirects {
                        url: redact(url),
                        max: self.opts.max_redirects,
                        last: redact(&next),
                    });
                }
                current = next;
                continue;
            }
            let sent_credentials = credentials && (basic.is_some() || !self.opts.headers.is_empty());
            if !status.is_success() {
                return Err(status_error(response, &parts, sent_credentials, &ctx));
            }
            return read_success(response, &ctx);
        }
    }

    fn send(
        &self,
        parts: &UrlParts<'_>,
        credentials: bool,
        basic: Option<&str>,
        deadline: Instant,
        ctx: &Ctx<'_>,
    ) -> Result<Response<Body>, CollectError> {
        let agent = if parts.is_https() { self.https_agent()? } else { &self.plain };
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(CollectError::Timeout { url: ctx.url.clone(), timeout: self.opts.total_timeout });
        }
        let mut request = agent.get(parts.without_userinfo());
        if credentials {
            let mut has_authorization = false;
            for h in &self.opts.headers {
                has_authorization |= h.name.eq_ignore_ascii_case("authorization");
                request = request.header(h.name.as_str(), h.value.expose());
            }
            if let (Some(basic), false) = (basic, has_authorization) {
                request = request.header(header::AUTHORIZATION, basic);
            }
        }
        request.config().timeout_global(Some(remaining)).build().call().map_err(|e| map_ureq(e, ctx))
    }

    fn https_agent(&self) -> Result<&Agent, CollectError> {
        if let Some(agent) = self.https.get() {
            return Ok(agent);
        }
        let config = tls::https_config(self.opts.cacert.as_deref(), self.opts.insecure)?;
        let built = agent(&self.opts, config);
        Ok(self.https.get_or_init(|| built))
    }
}

fn agent(opts: &HttpOptions, tls: ureq::tls::TlsConfig) -> Agent {
    let config = Agent::config_builder()
        .http_status_as_error(false)
        // Redirects are followed by `HttpClient::fetch`, which decides which headers go along.
        .max_redirects(0)
        .timeout_resolve(Some(opts.connect_timeout))
        .timeout_connect(Some(opts.connect_timeout))
        .user_agent(opts.user_agent.as_str())
        .tls_config(tls)
        .build();
    let connector = DefaultConnector::new().chain(ResetsAreErrors);
    Agent::with_parts(config, connector, DefaultResolver::default())
}

/// `Basic base64(user:password)` from URL user info.
fn basic_auth(userinfo: &str) -> String {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let pair = format!("{}:{}", percent_decode(user), percent_decode(password));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// What error messages need to know about the request.
struct Ctx<'a> {
    /// Redacted.
    url: String,
    host: String,
    opts: &'a HttpOptions,
}

fn bad_redirect(ctx: &Ctx<'_>, reason: &str) -> CollectError {
    CollectError::BadRedirect { url: ctx.url.clone(), reason: reason.to_owned() }
}

/// Reads a 2xx body under the cap and refuses HTML.
fn read_success(response: Response<Body>, ctx: &Ctx<'_>) -> Result<Fetched, CollectError> {
    let max = ctx.opts.max_bytes;
    let too_large = || CollectError::TooLarge {
        what: format!("the response from {}", ctx.url),
        limit: max,
        hint: "raise --max-size, or use --cheap (debug=1) for a smaller dump",
    };
    let content_type =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let encoded = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    let declared = response.body().content_length();
    if let (Some(length), false) = (declared, encoded)
        && length > max
    {
        return Err(too_large());
    }
    let reader = response.into_body().into_reader();
    let mut capped = Capped::new(reader, max, String::new(), "");
    // Trust a declared length for the first allocation only up to 64 MiB.
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(max).min(64 << 20) as usize);
    if let Err(e) = capped.read_to_end(&mut body) {
        return Err(if is_too_large(&e) {
            too_large()
        } else if is_reset(&e) || e.kind() == io::ErrorKind::UnexpectedEof {
            let detail = if is_reset(&e) { "the server reset it" } else { "the server closed it" };
            CollectError::Cut { url: ctx.url.clone(), received: body.len() as u64, detail }
        } else {
            map_io(e, ctx)
        });
    }
    if is_html(content_type.as_deref(), &body) {
        return Err(CollectError::HtmlPage { url: ctx.url.clone() });
    }
    Ok(Fetched { body, final_url: ctx.url.clone(), content_type })
}

fn is_too_large(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<CollectError>())
        .is_some_and(|c| matches!(c, CollectError::TooLarge { .. }))
}

fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("text/html")) {
        return true;
    }
    let start = body.trim_ascii_start();
    let head = &start[..start.len().min(16)];
    let head = head.to_ascii_lowercase();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// The error for a non-2xx, non-redirect response.
fn status_error(
    response: Response<Body>,
    parts: &UrlParts<'_>,
    sent_credentials: bool,
    ctx: &Ctx<'_>,
) -> CollectError {
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| one_line(&String::from_utf8_lossy(v.as_bytes()), EXCERPT_SHOWN));
    let mut head = Vec::new();
    // A failure to read the error body only costs the excerpt.
    let _ = response.into_body().into_reader().take(EXCERPT_READ).read_to_end(&mut head);
    let text = String::from_utf8_lossy(&head);
    let url = ctx.url.clone();
    match status {
        400 if !parts.is_https() && expects_tls(&text) => CollectError::ExpectsTls { url },
        401 => CollectError::Unauthorized { url, challenge, sent_credentials },
        403 => CollectError::Forbidden { url, sent_credentials },
        404 if text.contains("Unknown profile") => CollectError::UnknownProfile { url },
        404 => CollectError::NotFound { url },
        _ => {
            let plain = if is_html(None, &head) { strip_tags(&text) } else { text.into_owned() };
            CollectError::HttpStatus { url, status, excerpt: one_line(&plain, EXCERPT_SHOWN) }
        }
    }
}

/// Go's TLS server and nginx answer plain HTTP on a TLS port with a 400 saying so.
fn expects_tls(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("http request to an https server")
        || body.contains("plain http request was sent to https port")
}

/// Text on one line: control characters become spaces, runs of white space one space, at most `max` chars.
fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// Drops `<…>` tags (and the content of `<style>`/`<script>` blocks) from an HTML excerpt.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let lower = tag.get(..8).unwrap_or(tag).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<style") {
            "</style>"
        } else if lower.starts_with("<script") {
            "</script>"
        } else {
            ">"
        };
        rest = match tag.find(skip_to) {
            Some(end) => &tag[end + skip_to.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn map_ureq(err: ureq::Error, ctx: &Ctx<'_>) -> CollectError {
    let url = ctx.url.clone();
    match err {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            CollectError::ConnectTimeout { url, timeout: ctx.opts.connect_timeout }
        }
        ureq::Error::Timeout(_) => CollectError::Timeout { url, timeout: ctx.opts.total_timeout },
        ureq::Error::HostNotFound => CollectError::Dns { url, host: ctx.host.clone() },
        ureq::Error::Rustls(e) => map_tls(&e, ctx),
        ureq::Error::Io(e) => map_io(e, ctx),
        ureq::Error::Protocol(e) => CollectError::Protocol { url, detail: e.to_string() },
        ureq::Error::LargeResponseHeader(size, limit) => CollectError::Protocol {
            url,
            detail: format!("the response headers are larger than {limit} bytes ({size})"),
        },
        ureq::Error::Decompress(format, source) => CollectError::Decompress { format, source },
        ureq::Error::BadUri(_) => CollectError::InvalidUrl { url, reason: "the HTTP library cannot use it" },
        ureq::Error::Tls(detail) => CollectError::Tls { url, detail: detail.to_owned() },
        other => CollectError::Http { url, detail: other.to_string() },
    }
}

fn map_io(err: io::Error, ctx: &Ctx<'_>) -> CollectError {
    if let Some(tls) = err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return map_tls(tls, ctx);
    }
    if err.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        return map_ureq(ureq::Error::from(err), ctx);
    }
    if err.get_ref().is_some_and(|inner| inner.is::<CollectError>()) {
        return CollectError::from_read_error(err, "");
    }
    let url = ctx.url.clone();
    match err.kind() {
        io::ErrorKind::ConnectionRefused => CollectError::ConnectionRefused { url },
        io::ErrorKind::TimedOut => CollectError::ConnectTimeout { url, timeout: ctx.opts.connect_timeout },
        _ if err.to_string().contains("failed to lookup address") => {
            CollectError::Dns { url, host: ctx.host.clone() }
        }
        _ if is_reset(&err) || err.kind() == io::ErrorKind::UnexpectedEof => CollectError::Connection {
            url,
            detail: format!("the server closed the connection early ({err})"),
        },
        _ => CollectError::Connection { url, detail: err.to_string() },
    }
}

fn map_tls(err: &rustls::Error, ctx: &Ctx<'_>) -> CollectError {
    use rustls::{CertificateError, Error as E};
    let url = ctx.url.clone();
    match err {
        E::InvalidCertificate(CertificateError::UnknownIssuer) => CollectError::TlsUnknownCa { url },
        E::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => CollectError::TlsHostname { url, host: ctx.host.clone() },
        E::InvalidCertificate(other) => CollectError::TlsCertificate { url, detail: format!("{other:?}") },
        // The first bytes of the answer are no TLS record: typically `HTTP/1.1 400 …` from a plain server.
        E::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => CollectError::NotTls { url },
        other => CollectError::Tls { url, detail: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_decodes_userinfo() {
        assert_eq!(basic_auth("user:pass"), "Basic dXNlcjpwYXNz");
        assert_eq!(
            basic_auth("us%40er:p%3Ass"),
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("us@er:p:ss"))
        );
        assert_eq!(basic_auth("user"), "Basic dXNlcjo=");
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(one_line("a\r\n\tb\u{0}c  d", 200), "a b c d");
        assert_eq!(one_line(&"x".repeat(300), 200).chars().count(), 201);
        assert_eq!(
            one_line(&strip_tags("<html><style>p{}</style><h1>Oops</h1><p>bad gateway</p></html>"), 200),
            "Oops bad gateway"
        );
    }

    #[test]
    fn html_is_recognised() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(is_html(None, b"\n  <!DOCTYPE html><html>"));
        assert!(is_html(None, b"<HTML>"));
        assert!(!is_html(Some("text/plain"), b"goroutine 1 [running]:"));
        assert!(!is_html(Some("application/octet-stream"), &[0x1f, 0x8b]));
    }
}
