//! HTTP fetching against real local servers: every failure mode maps to its own error.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use common::{DUMP, respond, serve, serve_raw};
use goroscope_collect::{CollectError, Header, HttpOptions, fetch, headers_from_env};

fn opts() -> HttpOptions {
    HttpOptions { total_timeout: Duration::from_secs(10), ..HttpOptions::default() }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// `members` gzip members of 1 MiB of zeros each: about 1 KiB per MiB.
fn gzip_bomb(members: usize) -> Vec<u8> {
    gzip(&vec![0u8; 1 << 20]).repeat(members)
}

#[test]
fn fetches_a_dump_and_reports_the_content_type() {
    let server = serve(1, |_, out| {
        respond(out, "200 OK", &[("Content-Type", "text/plain; charset=utf-8")], DUMP.as_bytes());
    });
    let got = fetch(&server.url("/debug/pprof/goroutine?debug=2"), &opts()).unwrap();
    assert_eq!(got.body, DUMP.as_bytes());
    assert_eq!(got.content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(got.final_url, server.url("/debug/pprof/goroutine?debug=2"));
    let request = &server.received()[0];
    assert_eq!((request.method.as_str(), request.target.as_str()), ("GET", "/debug/pprof/goroutine?debug=2"));
    assert!(request.header("user-agent").is_some_and(|ua| ua.starts_with("goroscope/")), "{request:?}");
}

#[test]
fn refused_port() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // The listener is dropped: nothing listens on the port any more.
    let err = fetch(&format!("http://127.0.0.1:{port}/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::ConnectionRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("is the service running and listening on that port?"), "{err}");
}

#[test]
fn dns_failure() {
    let err = fetch("http://nonexistent.invalid/debug/pprof/goroutine?debug=1", &opts()).unwrap_err();
    assert!(matches!(&err, CollectError::Dns { host, .. } if host == "nonexistent.invalid"), "{err:?}");
    assert!(err.to_string().contains("check the host name"), "{err}");
}

#[test]
fn server_that_never_answers_hits_the_total_timeout() {
    let server = serve(1, |_, _| thread::sleep(Duration::from_secs(5)));
    let options = HttpOptions { total_timeout: Duration::from_millis(300), ..opts() };
    let err = fetch(&server.url("/"), &options).unwrap_err();
    assert!(matches!(err, CollectError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string().contains("took longer than 300 ms") && err.to_string().contains("--timeout"),
        "{err}"
    );
}

#[test]
fn body_that_trickles_hits_the_total_timeout() {
    let server = serve(1, |_, out| {
        let _ =
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\ngoroutine 1");
        let _ = out.flush();
        thread::sleep(Duration::from_secs(5));
    });
    let options = HttpOptions { total_timeout: Duration::from_millis(500), ..opts() };
    let err = fetch(&server.url("/"), &options).unwrap_err();
    assert!(matches!(err, CollectError::Timeout { .. }), "{err:?}");
}

#[test]
fn endless_body_is_refused_at_the_cap() {
    let server = serve(1, |_, out| {
        let _ = out.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        // At most 64 MiB; the client stops reading long before.
        for _ in 0..1024 {
            if out.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let options = HttpOptions { max_bytes: 1 << 20, ..opts() };
    let err = fetch(&server.url("/debug/pprof/goroutine?debug=2"), &options).unwrap_err();
    assert!(matches!(err, CollectError::TooLarge { limit: 1_048_576, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("exceeds 1048576 bytes (--max-size)") && msg.contains("--cheap (debug=1)"), "{msg}");
}

#[test]
fn declared_length_over_the_cap_is_refused_before_reading() {
    let server = serve(1, |_, out| {
        let _ =
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\nx");
    });
    let options = HttpOptions { max_bytes: 1 << 20, ..opts() };
    let err = fetch(&server.url("/"), &options).unwrap_err();
    assert!(matches!(err, CollectError::TooLarge { .. }), "{err:?}");
}

#[test]
fn gzip_content_encoding_is_decoded_and_capped() {
    let small = gzip(DUMP.as_bytes());
    let server = serve(1, move |_, out| respond(out, "200 OK", &[("Content-Encoding", "gzip")], &small));
    let got = fetch(&server.url("/"), &opts()).unwrap();
    assert_eq!(got.body, DUMP.as_bytes());
    assert!(server.received()[0].header("accept-encoding").is_some_and(|v| v.contains("gzip")));

    // 64 MiB of zeros in about 64 KiB.
    let bomb = gzip_bomb(64);
    let server = serve(1, move |_, out| respond(out, "200 OK", &[("Content-Encoding", "gzip")], &bomb));
    let options = HttpOptions { max_bytes: 4 << 20, ..opts() };
    let err = fetch(&server.url("/"), &options).unwrap_err();
    assert!(matches!(err, CollectError::TooLarge { limit: 4_194_304, .. }), "{err:?}");
}

#[test]
fn gzipped_proto_without_content_encoding_is_left_compressed() {
    // pprof's debug=0 answer: a gzipped protobuf served as application/octet-stream.
    let body = gzip(b"\x0a\x04fake");
    let served = body.clone();
    let server = serve(1, move |_, out| {
        respond(out, "200 OK", &[("Content-Type", "application/octet-stream")], &served);
    });
    let got = fetch(&server.url("/debug/pprof/goroutine?debug=0"), &opts()).unwrap();
    assert_eq!(got.body, body);
    assert_eq!(got.content_type.as_deref(), Some("application/octet-stream"));
}

#[test]
fn unauthorized_names_the_challenge_and_the_flags() {
    let server = serve(1, |_, out| {
        respond(out, "401 Unauthorized", &[("WWW-Authenticate", "Bearer realm=\"pprof\"")], b"no token\n");
    });
    let err = fetch(&server.url("/debug/pprof/goroutine?debug=2"), &opts()).unwrap_err();
    assert!(
        matches!(&err, CollectError::Unauthorized { challenge: Some(c), sent_credentials: false, .. }
            if c == "Bearer realm=\"pprof\""),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("--header-env VAR or --header-file FILE") && msg.contains("WWW-Authenticate"),
        "{msg}"
    );
}

#[test]
fn rejected_token_is_reported_as_rejected_without_showing_it() {
    let server = serve(1, |_, out| respond(out, "401 Unauthorized", &[], b""));
    let options = HttpOptions { headers: vec![Header::bearer("s3cr3t-t0ken").unwrap()], ..opts() };
    let err = fetch(&server.url("/"), &options).unwrap_err();
    assert!(matches!(err, CollectError::Unauthorized { sent_credentials: true, .. }), "{err:?}");
    assert_eq!(server.received()[0].header("authorization"), Some("Bearer s3cr3t-t0ken"));
    let shown = format!("{err} {err:?} {options:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
}

#[test]
fn forbidden() {
    let server = serve(1, |_, out| respond(out, "403 Forbidden", &[], b"forbidden\n"));
    let err = fetch(&server.url("/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::Forbidden { sent_credentials: false, .. }), "{err:?}");
    assert!(err.to_string().contains("credentials or a required header are missing"), "{err}");
}

#[test]
fn not_found_suggests_net_http_pprof() {
    let server = serve(1, |_, out| respond(out, "404 Not Found", &[], b"404 page not found\n"));
    let err = fetch(&server.url("/debug/pprof/goroutine?debug=2"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("import _ \"net/http/pprof\""), "{err}");

    let server = serve(1, |_, out| respond(out, "404 Not Found", &[], b"Unknown profile\n"));
    let err = fetch(&server.url("/debug/pprof/goroutineleak?debug=1"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::UnknownProfile { .. }), "{err:?}");
}

#[test]
fn server_error_shows_a_sanitised_excerpt() {
    let body = format!("internal error:\r\n\tdatabase \u{1b}[31mdown\u{1b}[0m\n{}", "x".repeat(1000));
    let server = serve(1, move |_, out| respond(out, "500 Internal Server Error", &[], body.as_bytes()));
    let err = fetch(&server.url("/"), &opts()).unwrap_err();
    let CollectError::HttpStatus { status, excerpt, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*status, 500);
    assert!(excerpt.starts_with("internal error: database [31mdown [0m xxx"), "{excerpt}");
    assert!(excerpt.chars().count() <= 201 && !excerpt.contains(['\n', '\r', '\u{1b}']), "{excerpt}");
    assert!(err.to_string().contains("answered HTTP 500"), "{err}");
}

#[test]
fn html_page_is_not_a_profile() {
    let server = serve(1, |_, out| {
        respond(
            out,
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            b"<html><body>pprof</body></html>",
        );
    });
    let err = fetch(&server.url("/debug/pprof/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::HtmlPage { .. }), "{err:?}");
    assert!(err.to_string().contains("is this the pprof index or a login page?"), "{err}");

    // A login page served as text/plain is recognised by its first bytes.
    let server = serve(1, |_, out| respond(out, "200 OK", &[], b"\n<!DOCTYPE html>\n<title>Sign in</title>"));
    let err = fetch(&server.url("/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::HtmlPage { .. }), "{err:?}");
}

#[test]
fn redirect_loop_stops_at_the_limit() {
    let server = serve(10, |_, out| respond(out, "302 Found", &[("Location", "/again")], b""));
    let err = fetch(&server.url("/start"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::TooManyRedirects { max: 3, .. }), "{err:?}");
    // The first request and three redirects.
    assert_eq!(server.received().len(), 4);
}

#[test]
fn one_redirect_on_the_same_origin_keeps_the_headers() {
    let server = serve(2, |request, out| {
        if request.target.starts_with("/old") {
            respond(out, "301 Moved Permanently", &[("Location", "/debug/pprof/goroutine?debug=2")], b"");
        } else {
            respond(out, "200 OK", &[], DUMP.as_bytes());
        }
    });
    let options = HttpOptions { headers: vec![Header::new("X-Api-Key", "k3y").unwrap()], ..opts() };
    let got = fetch(&server.url("/old"), &options).unwrap();
    assert_eq!(got.body, DUMP.as_bytes());
    assert_eq!(got.final_url, server.url("/debug/pprof/goroutine?debug=2"));
    let requests = server.received();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.header("x-api-key") == Some("k3y")), "{requests:?}");
}

#[test]
fn redirect_to_another_origin_drops_credentials() {
    let other = serve(1, |_, out| respond(out, "200 OK", &[], DUMP.as_bytes()));
    let location = other.url("/debug/pprof/goroutine?debug=2");
    let first =
        serve(1, move |_, out| respond(out, "307 Temporary Redirect", &[("Location", &location)], b""));
    let options = HttpOptions {
        headers: vec![Header::bearer("s3cr3t").unwrap(), Header::new("X-Api-Key", "k3y").unwrap()],
        ..opts()
    };
    let url = first.url("/").replace("http://", "http://alice:pw@");
    let got = fetch(&url, &options).unwrap();
    assert_eq!(got.body, DUMP.as_bytes());
    let sent = &first.received()[0];
    assert_eq!(sent.header("authorization"), Some("Bearer s3cr3t"));
    assert_eq!(sent.header("x-api-key"), Some("k3y"));
    let forwarded = &other.received()[0];
    assert_eq!(forwarded.header("authorization"), None, "{forwarded:?}");
    assert_eq!(forwarded.header("x-api-key"), None, "{forwarded:?}");
}

#[test]
fn url_credentials_go_as_basic_auth_and_never_into_messages() {
    let server = serve(1, |_, out| respond(out, "500 Internal Server Error", &[], b"boom"));
    let url = server
        .url("/debug/pprof/goroutine?debug=2&token=qu3ry-s3cr3t")
        .replace("http://", "http://alice:s3cr3t@");
    let err = fetch(&url, &opts()).unwrap_err();
    // alice:s3cr3t
    assert_eq!(server.received()[0].header("authorization"), Some("Basic YWxpY2U6czNjcjN0"));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("s3cr3t") && !shown.contains("alice"), "{shown}");
    assert!(shown.contains("http://***@127.0.0.1") && shown.contains("token=***"), "{shown}");
}

#[test]
fn bearer_token_from_the_environment() {
    const VAR: &str = "GOROSCOPE_COLLECT_TEST_TOKEN";
    // Tests share one environment and setting variables is unsafe: run this test again in a child process
    // that has the variable, and check it there.
    if std::env::var_os(VAR).is_none() {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["bearer_token_from_the_environment", "--exact", "--nocapture", "--test-threads=1"])
            .env(VAR, "s3cr3t-from-env\n")
            .status()
            .unwrap();
        assert!(status.success(), "the child test failed");
        return;
    }
    let headers = headers_from_env(VAR).unwrap();
    assert_eq!(headers.len(), 1);
    assert_eq!(format!("{}", headers[0]), "Authorization: ***");
    let server = serve(1, |_, out| respond(out, "403 Forbidden", &[], b""));
    let options = HttpOptions { headers, ..opts() };
    let err = fetch(&server.url("/"), &options).unwrap_err();
    assert_eq!(server.received()[0].header("authorization"), Some("Bearer s3cr3t-from-env"));
    assert!(matches!(err, CollectError::Forbidden { sent_credentials: true, .. }), "{err:?}");
    let shown = format!("{err} {err:?} {options:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
}

#[test]
fn header_env_errors() {
    let err = headers_from_env("GOROSCOPE_COLLECT_TEST_SURELY_UNSET_VAR").unwrap_err();
    assert!(matches!(err, CollectError::HeaderEnvMissing { .. }), "{err:?}");
    // PATH is always set, and is not a header: the error must not echo its value.
    if let Ok(path) = std::env::var("PATH")
        && let Err(err) = headers_from_env("PATH")
    {
        let shown = format!("{err} {err:?}");
        assert!(path.len() < 4 || !shown.contains(&path), "{shown}");
    }
}

#[test]
fn header_file() {
    let dir = common::TempDir::new("headers");
    let path = dir.path().join("headers");
    std::fs::write(&path, "# for the staging proxy\nAuthorization: Bearer abc\nX-Scope-OrgID: team-a\n")
        .unwrap();
    let headers = goroscope_collect::headers_from_file(&path).unwrap();
    let names: Vec<_> = headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["Authorization", "X-Scope-OrgID"]);
    let err = goroscope_collect::headers_from_file(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(err, CollectError::HeaderFileRead { .. }), "{err:?}");
    assert!(err.to_string().contains("--header-file"), "{err}");
}

#[test]
fn http_to_a_tls_port_says_use_https() {
    // What Go's crypto/tls server answers to plain HTTP (hand-written reply, as net/http sends it).
    let addr = serve_raw(1, |mut stream| {
        let _ = common::read_request(&mut stream);
        let _ = stream
            .write_all(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
    });
    let err = fetch(&format!("http://{addr}/debug/pprof/goroutine?debug=2"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::ExpectsTls { .. }), "{err:?}");
    assert!(err.to_string().contains("use https://"), "{err}");
}

#[test]
fn garbage_answer_is_a_protocol_error() {
    let addr = serve_raw(1, |mut stream| {
        let _ = common::read_request(&mut stream);
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
    });
    let err = fetch(&format!("http://{addr}/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::Protocol { .. } | CollectError::Connection { .. }), "{err:?}");
}

#[test]
fn redirect_without_location_or_to_another_scheme() {
    let server = serve(1, |_, out| respond(out, "302 Found", &[], b""));
    let err = fetch(&server.url("/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::BadRedirect { .. }), "{err:?}");
    let server = serve(1, |_, out| respond(out, "302 Found", &[("Location", "ftp://files/x")], b""));
    let err = fetch(&server.url("/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::BadRedirect { .. }), "{err:?}");
}

#[test]
fn fetch_is_bounded_even_when_the_server_accepts_nothing() {
    // A listener that never accepts: the connection completes in the kernel, the request gets no answer.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let options = HttpOptions { total_timeout: Duration::from_millis(300), ..opts() };
    let err = fetch(&url, &options).unwrap_err();
    assert!(matches!(err, CollectError::Timeout { .. }), "{err:?}");
    drop(listener);
}
