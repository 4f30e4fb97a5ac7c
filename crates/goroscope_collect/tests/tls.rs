//! HTTPS against a local rustls server whose certificate a test CA signed.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{DUMP, TempDir, TestPki, respond, serve_raw, serve_tls};
use goroscope_collect::{CollectError, HttpClient, HttpOptions, fetch};

fn opts() -> HttpOptions {
    HttpOptions { total_timeout: Duration::from_secs(10), ..HttpOptions::default() }
}

fn dump_server(pki: &TestPki, connections: usize) -> common::Server {
    serve_tls(connections, pki.server_config(), |_, out| respond(out, "200 OK", &[], DUMP.as_bytes()))
}

#[test]
fn verified_with_the_ca_given_by_cacert() {
    let pki = TestPki::new(&["127.0.0.1", "localhost"]);
    let dir = TempDir::new("tls");
    let server = dump_server(&pki, 2);
    let options = HttpOptions { cacert: Some(pki.write_ca(dir.path())), ..opts() };
    // One client, two fetches: the second reuses the loaded roots.
    let client = HttpClient::new(options);
    for _ in 0..2 {
        let got = client.fetch(&server.https_url("/debug/pprof/goroutine?debug=2")).unwrap();
        assert_eq!(got.body, DUMP.as_bytes());
    }
}

#[test]
fn unknown_ca_is_refused_with_the_flags_to_use() {
    let pki = TestPki::new(&["127.0.0.1"]);
    let server = dump_server(&pki, 1);
    let err = fetch(&server.https_url("/"), &opts()).unwrap_err();
    assert!(matches!(err, CollectError::TlsUnknownCa { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("--cacert FILE") && msg.contains("--insecure"), "{msg}");
}

#[test]
fn insecure_accepts_any_certificate() {
    let pki = TestPki::new(&["somewhere.else.test"]);
    let server = dump_server(&pki, 1);
    let got = fetch(&server.https_url("/"), &HttpOptions { insecure: true, ..opts() }).unwrap();
    assert_eq!(got.body, DUMP.as_bytes());
}

#[test]
fn certificate_for_another_name_is_a_hostname_error() {
    let pki = TestPki::new(&["somewhere.else.test"]);
    let dir = TempDir::new("tls");
    let server = dump_server(&pki, 1);
    let options = HttpOptions { cacert: Some(pki.write_ca(dir.path())), ..opts() };
    let err = fetch(&server.https_url("/"), &options).unwrap_err();
    assert!(matches!(&err, CollectError::TlsHostname { host, .. } if host == "127.0.0.1"), "{err:?}");
}

#[test]
fn https_to_a_plain_http_server() {
    // A plain HTTP server answers the TLS ClientHello with a 400, as Go's net/http does.
    let addr = serve_raw(1, |mut stream| {
        let mut hello = [0u8; 512];
        let _ = std::io::Read::read(&mut stream, &mut hello);
        let _ =
            stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    let err = fetch(
        &format!("https://{addr}/debug/pprof/goroutine?debug=2"),
        &HttpOptions { insecure: true, ..opts() },
    )
    .unwrap_err();
    assert!(matches!(err, CollectError::NotTls { .. }), "{err:?}");
    assert!(err.to_string().contains("use http:// instead of https://"), "{err}");
}
