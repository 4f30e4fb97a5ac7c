//! Small test servers on 127.0.0.1:0, plain and TLS, each serving a fixed number of connections within a
//! fixed time; temporary directories; a test CA.
#![allow(dead_code, unreachable_pub)]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a test server waits for its connections before giving up.
const ACCEPT_WINDOW: Duration = Duration::from_secs(20);
/// How long a test server waits for a request's bytes.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A running test server.
pub struct Server {
    pub addr: SocketAddr,
    /// Every request read, in order.
    pub requests: mpsc::Receiver<Request>,
}

impl Server {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `https://127.0.0.1:PORT` + `path`.
    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// The requests received so far (waiting at most a second for the first one).
    pub fn received(&self) -> Vec<Request> {
        let mut all = Vec::new();
        if let Ok(first) = self.requests.recv_timeout(Duration::from_secs(1)) {
            all.push(first);
            all.extend(self.requests.try_iter());
        }
        all
    }
}

/// Serves `connections` raw connections with `handler`, in a thread, for at most [`ACCEPT_WINDOW`].
pub fn serve_raw<F>(connections: usize, mut handler: F) -> SocketAddr
where
    F: FnMut(TcpStream) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        let deadline = Instant::now() + ACCEPT_WINDOW;
        let mut served = 0;
        while served < connections && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
                    stream.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
                    served += 1;
                    handler(stream);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(5));
                }
                Err(_) => break,
            }
        }
    });
    addr
}

/// Serves `connections` HTTP connections: reads one request from each, records it, and lets `handler` write
/// the response (responses should say `Connection: close`).
pub fn serve<F>(connections: usize, mut handler: F) -> Server
where
    F: FnMut(&Request, &mut dyn Write) + Send + 'static,
{
    let (tx, requests) = mpsc::channel();
    let addr = serve_raw(connections, move |mut stream| {
        if let Some(request) = read_request(&mut stream) {
            let _ = tx.send(request.clone());
            handler(&request, &mut stream);
            let _ = stream.flush();
        }
    });
    Server { addr, requests }
}

/// Like [`serve`], over TLS with `config`. Connections whose handshake fails are counted but not handled.
pub fn serve_tls<F>(connections: usize, config: Arc<rustls::ServerConfig>, mut handler: F) -> Server
where
    F: FnMut(&Request, &mut dyn Write) + Send + 'static,
{
    let (tx, requests) = mpsc::channel();
    let addr = serve_raw(connections, move |stream| {
        let Ok(conn) = rustls::ServerConnection::new(config.clone()) else { return };
        let mut tls = rustls::StreamOwned::new(conn, stream);
        if let Some(request) = read_request(&mut tls) {
            let _ = tx.send(request.clone());
            handler(&request, &mut tls);
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    Server { addr, requests }
}

/// Reads a request head (at most 64 KiB); `None` if the peer does not send one.
pub fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 64 * 1024 {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Request { method, target, headers })
}

/// Writes a complete response with `Content-Length` and `Connection: close`.
pub fn respond(out: &mut dyn Write, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
}

/// A text dump as `net/http/pprof` serves it for `debug=2` (hand-written: only its shape matters here).
pub const DUMP: &str = "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x1d\n";

/// A serial number for temporary names.
fn serial() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("goroscope-collect-{tag}-{}-{}", std::process::id(), serial()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A test certificate authority and one server certificate it signed.
pub struct TestPki {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The server's certificate chain (leaf, then CA), DER.
    pub chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// The server's key, PKCS#8 DER.
    pub key: Vec<u8>,
    /// The server's certificate and key, PEM (for Go servers).
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestPki {
    /// A CA and a server certificate valid for `names` (DNS names or IP addresses).
    pub fn new(names: &[&str]) -> TestPki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "goroscope test CA");
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf_params =
            rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
        leaf_params.distinguished_name.push(rcgen::DnType::CommonName, names[0]);
        leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        TestPki {
            ca_pem: ca_cert.pem(),
            chain: vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            key: leaf_key.serialize_der(),
            cert_pem: leaf_cert.pem(),
            key_pem: leaf_key.serialize_pem(),
        }
    }

    /// A rustls server configuration with this certificate.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.key.clone().into());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .unwrap();
        Arc::new(config)
    }

    /// Writes the CA certificate to `dir/ca.pem` and returns the path.
    pub fn write_ca(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }
}

/// A child process, killed and reaped when dropped.
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `go build [args] -o CARGO_TARGET_TMPDIR/<output> <package>` in `module` (relative to the repository root),
/// failing loudly when Go is missing: these tests exist to run real Go programs.
pub(crate) fn go_build(module: &str, args: &[&str], package: &str, output: &str) -> PathBuf {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(module);
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join(output);
    let status = Command::new("go")
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(&binary)
        .arg(package)
        .current_dir(&module)
        .env("GOTOOLCHAIN", "local")
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "the Go toolchain is required: these tests build and run {} ({e}). Install Go 1.25 or later \
                 and put `go` on PATH.",
                module.display()
            )
        });
    assert!(status.success(), "go build failed in {}", module.display());
    binary
}
