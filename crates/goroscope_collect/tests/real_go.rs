//! Fetching from a real Go program's net/http/pprof: testdata/go/leaks/send-no-receiver, with the
//! harness's flags for tokens, required headers and TLS. Needs the Go toolchain.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use common::{KillOnDrop, TempDir, TestPki, go_build};
use goroscope_collect::{CollectError, Header, HttpOptions, Profile, fetch, pprof_url};

fn opts() -> HttpOptions {
    HttpOptions { total_timeout: Duration::from_secs(20), ..HttpOptions::default() }
}

/// The program, built once per test run.
fn program() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| go_build("testdata/go", &[], "./leaks/send-no-receiver", "send-no-receiver"))
}

/// A running program; killed when dropped.
struct Running {
    _child: KillOnDrop,
    _stdin: ChildStdin,
    /// `http(s)://127.0.0.1:PORT`
    base: String,
}

fn start(args: &[&str]) -> Running {
    let mut child = Command::new(program())
        .args(["-n", "3"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    // "pprof URL" then "ready"; at most 100 lines, each within 60 s.
    for _ in 0..100 {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the Go program did not print `ready` within 60 s");
        if let Some(url) = line.strip_prefix("pprof ") {
            base = Some(url.trim().to_owned());
        } else if line.trim() == "ready" {
            break;
        }
    }
    Running {
        _child: KillOnDrop(child),
        _stdin: stdin,
        base: base.expect("the Go program printed no `pprof URL` line"),
    }
}

#[test]
fn plain_endpoint() {
    let go = start(&[]);
    let got = fetch(&pprof_url(&go.base, Profile::Goroutine, 2).unwrap(), &opts()).unwrap();
    assert!(
        got.body.starts_with(b"goroutine "),
        "{}",
        String::from_utf8_lossy(&got.body[..got.body.len().min(200)])
    );
    assert!(got.content_type.is_some_and(|ct| ct.starts_with("text/plain")));

    // debug=0: a gzipped protobuf without Content-Encoding, left compressed for the caller.
    let got = fetch(&pprof_url(&go.base, Profile::Goroutine, 0).unwrap(), &opts()).unwrap();
    assert!(got.body.starts_with(&[0x1f, 0x8b]));
    assert_eq!(got.content_type.as_deref(), Some("application/octet-stream"));

    let err = fetch(&format!("{}/debug/pprof/", go.base), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::HtmlPage { .. }), "{err:?}");

    let err = fetch(&format!("{}/elsewhere/debug/pprof/goroutine?debug=1", go.base), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::NotFound { .. }), "{err:?}");

    // The leak profile exists only with GOEXPERIMENT=goroutineleakprofile (Go 1.26+).
    match fetch(&pprof_url(&go.base, Profile::GoroutineLeak, 1).unwrap(), &opts()) {
        Ok(got) => assert!(got.body.starts_with(b"goroutineleak profile: total ")),
        Err(err) => assert!(matches!(err, CollectError::UnknownProfile { .. }), "{err:?}"),
    }

    let https = go.base.replace("http://", "https://");
    let err = fetch(&https, &HttpOptions { insecure: true, ..opts() }).unwrap_err();
    assert!(matches!(err, CollectError::NotTls { .. }), "{err:?}");
}

#[test]
fn token_and_required_header() {
    let go = start(&["-token", "t0k3n", "-header-name", "X-Scope-OrgID", "-header-value", "team-a"]);
    let url = pprof_url(&go.base, Profile::Goroutine, 1).unwrap();

    let err = fetch(&url, &opts()).unwrap_err();
    assert!(
        matches!(&err, CollectError::Unauthorized { challenge: Some(c), sent_credentials: false, .. } if c == "Bearer"),
        "{err:?}"
    );

    let token_only = HttpOptions { headers: vec![Header::bearer("t0k3n").unwrap()], ..opts() };
    let err = fetch(&url, &token_only).unwrap_err();
    assert!(matches!(err, CollectError::Forbidden { sent_credentials: true, .. }), "{err:?}");

    let wrong = HttpOptions { headers: vec![Header::bearer("wrong").unwrap()], ..opts() };
    let err = fetch(&url, &wrong).unwrap_err();
    assert!(matches!(err, CollectError::Unauthorized { sent_credentials: true, .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("wrong"), "{err}");

    let both = HttpOptions {
        headers: vec![Header::bearer("t0k3n").unwrap(), Header::new("X-Scope-OrgID", "team-a").unwrap()],
        ..opts()
    };
    let got = fetch(&url, &both).unwrap();
    assert!(
        got.body.starts_with(b"goroutine profile: total "),
        "{}",
        String::from_utf8_lossy(&got.body[..40])
    );
}

#[test]
fn tls_endpoint() {
    let pki = TestPki::new(&["127.0.0.1"]);
    let dir = TempDir::new("go-tls");
    let cert = dir.path().join("server.pem");
    let key = dir.path().join("server.key");
    // The chain (leaf, then CA): the program's own clients trust what -tls-cert holds.
    std::fs::write(&cert, format!("{}{}", pki.cert_pem, pki.ca_pem)).unwrap();
    std::fs::write(&key, &pki.key_pem).unwrap();
    let go = start(&["-tls-cert", cert.to_str().unwrap(), "-tls-key", key.to_str().unwrap()]);
    assert!(go.base.starts_with("https://"), "{}", go.base);
    let url = pprof_url(&go.base, Profile::Goroutine, 2).unwrap();

    let trusted = HttpOptions { cacert: Some(pki.write_ca(dir.path())), ..opts() };
    assert!(fetch(&url, &trusted).unwrap().body.starts_with(b"goroutine "));

    let err = fetch(&url, &opts()).unwrap_err();
    assert!(matches!(err, CollectError::TlsUnknownCa { .. }), "{err:?}");

    assert!(fetch(&url, &HttpOptions { insecure: true, ..opts() }).unwrap().body.starts_with(b"goroutine "));

    let err = fetch(&url.replace("https://", "http://"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::ExpectsTls { .. }), "{err:?}");
}
