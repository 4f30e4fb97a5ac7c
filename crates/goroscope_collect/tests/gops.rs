//! The gops client against a fake agent (a `TcpListener` speaking the agent's protocol) and against the real
//! agent in testdata/go/gops-agent.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{DUMP, KillOnDrop, TempDir, go_build, serve_raw};
use goroscope_collect::{CollectError, GopsOptions, GopsTarget, fetch_gops, parse_gops_target};

fn opts() -> GopsOptions {
    GopsOptions { total_timeout: Duration::from_secs(10), ..GopsOptions::default() }
}

/// A fake agent: answers signal 0x1 with a dump, anything else with nothing, as the real one's handler does.
fn fake_agent(connections: usize) -> (SocketAddr, mpsc::Receiver<u8>) {
    let (tx, rx) = mpsc::channel();
    let addr = serve_raw(connections, move |mut stream| {
        let mut signal = [0u8; 1];
        if stream.read_exact(&mut signal).is_ok() {
            let _ = tx.send(signal[0]);
            if signal[0] == 0x1 {
                let _ = stream.write_all(DUMP.as_bytes());
            }
        }
    });
    (addr, rx)
}

#[test]
fn fetches_from_an_address() {
    let (addr, signals) = fake_agent(1);
    let target = parse_gops_target(&format!("gops://{addr}")).unwrap();
    assert_eq!(fetch_gops(&target, &opts()).unwrap(), DUMP.as_bytes());
    assert_eq!(signals.recv_timeout(Duration::from_secs(1)).unwrap(), 0x1);
}

#[test]
fn fetches_by_pid_through_the_port_file() {
    let (addr, _) = fake_agent(1);
    let dir = TempDir::new("gops");
    std::fs::write(dir.path().join("4242"), addr.port().to_string()).unwrap();
    let options = GopsOptions { config_dir: Some(dir.path().to_owned()), ..opts() };
    let target = parse_gops_target("pid:4242").unwrap();
    assert_eq!(fetch_gops(&target, &options).unwrap(), DUMP.as_bytes());
}

#[test]
fn no_port_file_says_where_it_looked() {
    let dir = TempDir::new("gops");
    let options = GopsOptions { config_dir: Some(dir.path().to_owned()), ..opts() };
    let err = fetch_gops(&GopsTarget::Pid(4243), &options).unwrap_err();
    assert!(matches!(err, CollectError::GopsNoAgent { pid: 4243, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("no gops agent for pid 4243") && msg.contains(&dir.path().display().to_string()),
        "{msg}"
    );
}

#[test]
fn stale_port_file_is_refused() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = TempDir::new("gops");
    std::fs::write(dir.path().join("4244"), format!("{port}\n")).unwrap();
    let options = GopsOptions { config_dir: Some(dir.path().to_owned()), ..opts() };
    let err = fetch_gops(&GopsTarget::Pid(4244), &options).unwrap_err();
    assert!(matches!(err, CollectError::GopsRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("stale port file"), "{err}");
}

#[test]
fn silent_agent_hits_the_total_timeout() {
    let addr = serve_raw(1, |mut stream| {
        let mut signal = [0u8; 1];
        let _ = stream.read_exact(&mut signal);
        std::thread::sleep(Duration::from_secs(5));
    });
    let options = GopsOptions { total_timeout: Duration::from_millis(300), ..opts() };
    let err = fetch_gops(&GopsTarget::Addr(addr.to_string()), &options).unwrap_err();
    assert!(matches!(err, CollectError::Timeout { .. }), "{err:?}");
}

#[test]
fn endless_agent_is_refused_at_the_cap() {
    let addr = serve_raw(1, |mut stream| {
        let mut signal = [0u8; 1];
        let _ = stream.read_exact(&mut signal);
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..1024 {
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let options = GopsOptions { max_bytes: 1 << 20, ..opts() };
    let err = fetch_gops(&GopsTarget::Addr(addr.to_string()), &options).unwrap_err();
    assert!(matches!(err, CollectError::TooLarge { .. }), "{err:?}");
}

/// The real agent: testdata/go/gops-agent, built with the machine's Go toolchain.
struct RealAgent {
    _child: KillOnDrop,
    addr: String,
    pid: u32,
}

fn start_real_agent(config_dir: &Path) -> RealAgent {
    let binary = go_build("testdata/go/gops-agent", &["-mod=vendor"], ".", "gops-agent");
    let mut child = Command::new(&binary)
        .arg("-config-dir")
        .arg(config_dir)
        .args(["-lifetime", "60s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut agent = RealAgent { _child: KillOnDrop(child), addr: String::new(), pid: 0 };
    // "gops 127.0.0.1:PORT pid PID", then "ready"; at most 30 lines within 60 s.
    for _ in 0..30 {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the gops agent did not print `ready` within 60 s");
        if let Some(rest) = line.strip_prefix("gops ") {
            let mut words = rest.split_whitespace();
            words.next().unwrap().clone_into(&mut agent.addr);
            agent.pid = words.nth(1).unwrap().parse().unwrap();
        } else if line.trim() == "ready" {
            break;
        }
    }
    assert!(!agent.addr.is_empty(), "the gops agent printed no address");
    agent
}

#[test]
fn real_gops_agent_by_pid_and_by_address() {
    let dir = TempDir::new("gops-real");
    let agent = start_real_agent(dir.path());
    let options = GopsOptions { config_dir: Some(dir.path().to_owned()), ..opts() };
    for target in [GopsTarget::Pid(agent.pid), parse_gops_target(&format!("gops://{}", agent.addr)).unwrap()]
    {
        let dump = fetch_gops(&target, &options).unwrap();
        let text = String::from_utf8(dump).unwrap();
        assert!(text.starts_with("goroutine "), "{target:?}: {}", &text[..text.len().min(200)]);
        assert!(text.contains("main.waitForOrder"), "{target:?}: the blocked workers are missing");
    }
}
