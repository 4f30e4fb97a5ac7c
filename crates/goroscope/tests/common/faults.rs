//! Servers on 127.0.0.1 that fail the way networks and services do: nothing listening, a connection accepted and
//! never answered, headers and then nothing, a body without end, a body one byte at a time, redirects in a loop, a
//! body cut by a reset or by a plain close, a certificate that must be refused. Each answers every connection in a
//! thread of its own, at most [`MAX_CONNECTIONS`] of them and for at most [`LIFETIME`], and stops when dropped.
//!
//! Include it with `#[path = "common/faults.rs"] mod faults;`.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// The test PKI of goroscope_collect's tests, shared rather than written twice.
#[path = "../../../goroscope_collect/tests/common/mod.rs"]
mod collect;

pub use collect::TestPki;

/// Connections one server answers before it stops accepting.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a server lives at most, dropped or not.
pub const LIFETIME: Duration = Duration::from_secs(120);
/// How often a server that holds a connection looks whether it should stop.
const TICK: Duration = Duration::from_millis(50);
/// The gap between two bytes of a trickled body.
const TRICKLE_GAP: Duration = Duration::from_millis(200);
/// The most an endless body sends before the server gives up on the client stopping it.
const ENDLESS_CAP: u64 = 2 << 30;

/// One way of failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing listens on the port.
    Refused,
    /// The connection is accepted, the request read, and no byte ever comes back.
    Silent,
    /// The status line and headers (with a `Content-Length`) come, then nothing.
    StallAfterHeaders,
    /// A `200 OK` whose chunked body never ends.
    EndlessBody,
    /// A chunked body of one byte every [`TRICKLE_GAP`], for ever.
    Trickle,
    /// Every request is redirected to itself.
    RedirectLoop,
    /// Half the body of a `Content-Length` response, then a reset (`SO_LINGER` 0 and close).
    ResetMidBody,
    /// Half of a body framed by the end of the connection (no length, not chunked), then a reset.
    ResetMidUnframedBody,
    /// Half the body of a `Content-Length` response, then a plain close.
    CutLengthBody,
    /// Some chunks of a chunked body, then a plain close without the last chunk.
    CutChunkedBody,
    /// TLS with a self-signed certificate.
    UntrustedCertificate,
    /// TLS with a certificate for another host, signed by the CA given with [`FaultServer::cacert`].
    WrongHostCertificate,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 12] = [
        Fault::Refused,
        Fault::Silent,
        Fault::StallAfterHeaders,
        Fault::EndlessBody,
        Fault::Trickle,
        Fault::RedirectLoop,
        Fault::ResetMidBody,
        Fault::ResetMidUnframedBody,
        Fault::CutLengthBody,
        Fault::CutChunkedBody,
        Fault::UntrustedCertificate,
        Fault::WrongHostCertificate,
    ];

    /// A short name, for target names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Refused => "refused",
            Fault::Silent => "silent",
            Fault::StallAfterHeaders => "stall-after-headers",
            Fault::EndlessBody => "endless-body",
            Fault::Trickle => "trickle",
            Fault::RedirectLoop => "redirect-loop",
            Fault::ResetMidBody => "reset-mid-body",
            Fault::ResetMidUnframedBody => "reset-mid-unframed-body",
            Fault::CutLengthBody => "cut-length-body",
            Fault::CutChunkedBody => "cut-chunked-body",
            Fault::UntrustedCertificate => "untrusted-certificate",
            Fault::WrongHostCertificate => "wrong-host-certificate",
        }
    }

    fn is_tls(self) -> bool {
        matches!(self, Fault::UntrustedCertificate | Fault::WrongHostCertificate)
    }
}

/// A running fault server; it stops accepting, and lets go of the connections it holds, when dropped.
pub struct FaultServer {
    pub fault: Fault,
    /// `http://127.0.0.1:PORT`, or `https://` for the certificate faults.
    pub url: String,
    /// The CA to pass with `--cacert` (the wrong-host fault's, so that only the host name is wrong).
    pub cacert: Option<PathBuf>,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    // Keeps the CA file until the server goes.
    _dir: Option<collect::TempDir>,
}

impl FaultServer {
    /// `127.0.0.1:PORT`: the name `goroscope watch` gives the target.
    pub fn name(&self) -> String {
        self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest).to_owned()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A real `debug=2` dump, as a Go program's `net/http/pprof` serves it: what the faults send parts of.
pub fn dump() -> &'static [u8] {
    static DUMP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    DUMP.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/dumps/formats/goroutine_debug2.txt");
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    })
}

/// The first half of [`dump`], cut in the middle of a line.
fn half() -> &'static [u8] {
    let dump = dump();
    let mut cut = dump.len() / 2;
    while dump[cut - 1] == b'\n' || dump[cut] == b'\n' {
        cut += 1;
    }
    &dump[..cut]
}

/// Starts a server with `fault`.
pub fn start(fault: Fault) -> FaultServer {
    let stop = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(AtomicUsize::new(0));
    if fault == Fault::Refused {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // The listener is gone: nothing listens on the port any more.
        let url = format!("http://127.0.0.1:{port}");
        return FaultServer { fault, url, cacert: None, accepted, stop, _dir: None };
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (tls, cacert, dir) = match fault {
        Fault::UntrustedCertificate => (Some(self_signed()), None, None),
        Fault::WrongHostCertificate => {
            let pki = TestPki::new(&["wrong-host.example"]);
            let dir = collect::TempDir::new("wrong-host-ca");
            let ca = pki.write_ca(dir.path());
            (Some(pki.server_config()), Some(ca), Some(dir))
        }
        _ => (None, None, None),
    };
    let scheme = if fault.is_tls() { "https" } else { "http" };
    let (flag, count) = (Arc::clone(&stop), Arc::clone(&accepted));
    thread::spawn(move || {
        let deadline = Instant::now() + LIFETIME;
        while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    if count.fetch_add(1, Ordering::Relaxed) >= MAX_CONNECTIONS {
                        break;
                    }
                    let (flag, tls) = (Arc::clone(&flag), tls.clone());
                    thread::spawn(move || {
                        let held = Held { stop: flag, deadline };
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                        match tls {
                            Some(config) => refuse_tls(stream, config),
                            None => answer(fault, stream, &held),
                        }
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(5));
                }
                Err(_) => break,
            }
        }
    });
    FaultServer { fault, url: format!("{scheme}://{addr}"), cacert, accepted, stop, _dir: dir }
}

/// A server configuration with a certificate for 127.0.0.1 that signs itself.
fn self_signed() -> Arc<rustls::ServerConfig> {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
    Arc::new(config)
}

/// When a connection held open is to be let go.
struct Held {
    stop: Arc<AtomicBool>,
    deadline: Instant,
}

impl Held {
    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    /// Waits until the server stops.
    fn hold(&self) {
        while !self.over() {
            thread::sleep(TICK);
        }
    }
}

/// Reads a request's head (at most 64 KiB); its target, or `None` if none came.
fn read_target(stream: &mut TcpStream) -> Option<String> {
    collect::read_request(stream).map(|r| r.target)
}

fn answer(fault: Fault, mut stream: TcpStream, held: &Held) {
    let Some(target) = read_target(&mut stream) else { return };
    let full = dump().len();
    let head = |framing: &str| {
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n{framing}\r\n")
    };
    match fault {
        Fault::Silent => held.hold(),
        Fault::StallAfterHeaders => {
            let _ = stream.write_all(head(&format!("Content-Length: {full}\r\n")).as_bytes());
            held.hold();
        }
        Fault::EndlessBody => {
            let _ = stream.write_all(head("Transfer-Encoding: chunked\r\n").as_bytes());
            let chunk = [format!("{full:x}\r\n").as_bytes(), dump(), b"\r\n"].concat();
            let mut sent = 0;
            while !held.over() && sent < ENDLESS_CAP && stream.write_all(&chunk).is_ok() {
                sent += chunk.len() as u64;
            }
        }
        Fault::Trickle => {
            let _ = stream.write_all(head("Transfer-Encoding: chunked\r\n").as_bytes());
            for &byte in dump().iter().cycle() {
                if held.over() || stream.write_all(&[b'1', b'\r', b'\n', byte, b'\r', b'\n']).is_err() {
                    break;
                }
                thread::sleep(TRICKLE_GAP);
            }
        }
        Fault::RedirectLoop => {
            let response = format!(
                "HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(response.as_bytes());
        }
        Fault::ResetMidBody | Fault::ResetMidUnframedBody => {
            let framing = if fault == Fault::ResetMidBody {
                format!("Content-Length: {full}\r\n")
            } else {
                "Connection: close\r\n".to_owned()
            };
            let _ = stream.write_all(head(&framing).as_bytes());
            let _ = stream.write_all(half());
            let _ = stream.flush();
            // Long enough for the half to reach the client: a reset throws away what is still to be sent.
            thread::sleep(Duration::from_millis(200));
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Fault::CutLengthBody => {
            let _ = stream.write_all(head(&format!("Content-Length: {full}\r\n")).as_bytes());
            let _ = stream.write_all(half());
            let _ = stream.shutdown(Shutdown::Both);
        }
        Fault::CutChunkedBody => {
            let _ = stream.write_all(head("Transfer-Encoding: chunked\r\n").as_bytes());
            for piece in half().chunks(4096) {
                let _ = stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes());
                let _ = stream.write_all(piece);
                let _ = stream.write_all(b"\r\n");
            }
            let _ = stream.shutdown(Shutdown::Both);
        }
        Fault::Refused | Fault::UntrustedCertificate | Fault::WrongHostCertificate => {}
    }
}

/// Offers the certificate; the client must refuse it, so the handshake fails and nothing else is read.
fn refuse_tls(stream: TcpStream, config: Arc<rustls::ServerConfig>) {
    let Ok(conn) = rustls::ServerConnection::new(config) else { return };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut buf = [0u8; 4096];
    // A client that accepted the certificate would send a request: answer it with a dump, so that accepting
    // shows in the test as a report where an error was due.
    if matches!(tls.read(&mut buf), Ok(n) if n > 0) {
        let response = [
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", dump().len())
                .as_bytes(),
            dump(),
        ]
        .concat();
        let _ = tls.write_all(&response);
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }
}
