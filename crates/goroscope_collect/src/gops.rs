//! A client for the gops agent (`github.com/google/gops/agent`).
//!
//! The agent listens on a TCP port (127.0.0.1 by default) and writes that port, as decimal text, to the
//! file `<config dir>/<pid>`. A client connects, sends one signal byte and reads until the agent closes
//! the connection. For [`STACK_TRACE`] the agent answers with
//! `pprof.Lookup("goroutine").WriteTo(conn, 2)`: a `debug=2` goroutine dump.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::CollectError;
use crate::decompress::Capped;

/// The agent's signal for a goroutine dump (`signal.StackTrace`).
const STACK_TRACE: u8 = 0x1;

/// Where a gops agent is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GopsTarget {
    /// A local process; its agent's port is read from the gops config directory.
    Pid(u32),
    /// `host:port` of the agent.
    Addr(String),
}

/// Reads `pid:1234` or `gops://host:port` (e.g. `gops://127.0.0.1:41234`).
pub fn parse_gops_target(s: &str) -> Result<GopsTarget, CollectError> {
    let invalid = |reason| CollectError::GopsTarget { target: s.to_owned(), reason };
    if let Some(pid) = s.strip_prefix("pid:") {
        return match pid.trim().parse::<u32>() {
            Ok(pid) if pid > 0 => Ok(GopsTarget::Pid(pid)),
            _ => Err(invalid("the pid is not a positive number")),
        };
    }
    if let Some(addr) = s.strip_prefix("gops://") {
        let addr = addr.trim_end_matches('/');
        let port = if addr.starts_with('[') {
            addr.rsplit_once("]:").map(|(_, port)| port)
        } else {
            addr.rsplit_once(':').map(|(_, port)| port)
        };
        let Some(port) = port else { return Err(invalid("the address has no port")) };
        if addr.len() == port.len() + 1 {
            return Err(invalid("the address has no host"));
        }
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(invalid("the port is not a number from 1 to 65535"));
        }
        if addr.contains(['/', '?', '@', ' ']) {
            return Err(invalid("the address must be just HOST:PORT"));
        }
        return Ok(GopsTarget::Addr(addr.to_owned()));
    }
    Err(invalid("it starts with neither pid: nor gops://"))
}

/// How to talk to a gops agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GopsOptions {
    /// Time allowed to connect. Default 5 s.
    pub connect_timeout: Duration,
    /// Time allowed for the whole exchange. Default 30 s.
    pub total_timeout: Duration,
    /// The most bytes read; more is an error. Default 1 GiB.
    pub max_bytes: u64,
    /// The directory of the agents' port files; `None` looks it up like gops does (see
    /// [`gops_config_dir`]).
    pub config_dir: Option<PathBuf>,
}

impl Default for GopsOptions {
    fn default() -> Self {
        GopsOptions {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(30),
            max_bytes: crate::Limits::default().max_bytes,
            config_dir: None,
        }
    }
}

/// The gops config directory, found like gops' `internal.ConfigDir`: `$GOPS_CONFIG_DIR`, else Go's
/// `os.UserConfigDir()` + `/gops` (on Linux and BSDs `$XDG_CONFIG_HOME/gops` when that is an absolute
/// path, else `$HOME/.config/gops`; on macOS `$HOME/Library/Application Support/gops`; on Windows
/// `%AppData%\gops`), else `$HOME/.config/gops`.
pub fn gops_config_dir() -> Result<PathBuf, CollectError> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("GOPS_CONFIG_DIR") {
        return Ok(dir);
    }
    let user_config = if cfg!(windows) {
        var("AppData")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| home.join("Library").join("Application Support"))
    } else {
        match var("XDG_CONFIG_HOME") {
            Some(xdg) if xdg.is_absolute() => Some(xdg),
            // Go refuses a relative $XDG_CONFIG_HOME, and gops then falls back on the home directory.
            Some(_) => None,
            None => var("HOME").map(|home| home.join(".config")),
        }
    };
    match user_config {
        Some(dir) => Ok(dir.join("gops")),
        None => var("HOME").map(|home| home.join(".config").join("gops")).ok_or(CollectError::GopsConfigDir),
    }
}

/// The agent address of process `pid`, read from its port file in `config_dir`.
pub fn gops_agent_addr(config_dir: &Path, pid: u32) -> Result<SocketAddr, CollectError> {
    let path = config_dir.join(pid.to_string());
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(CollectError::GopsNoAgent { pid, dir: config_dir.to_owned() });
        }
        Err(source) => return Err(CollectError::GopsPortFile { path, source }),
    };
    let port = std::str::from_utf8(&text).ok().and_then(|t| t.trim().parse::<u16>().ok()).filter(|&p| p != 0);
    match port {
        // The agent listens on 127.0.0.1 unless told otherwise; the port file holds only the port.
        Some(port) => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
        None => Err(CollectError::GopsPortFileInvalid { path }),
    }
}

/// Asks a gops agent for a goroutine dump (`debug=2` text) and returns it.
///
/// Connecting takes at most [`GopsOptions::connect_timeout`], the whole exchange at most
/// [`GopsOptions::total_timeout`]; more than [`GopsOptions::max_bytes`] is an error.
pub fn fetch_gops(target: &GopsTarget, opts: &GopsOptions) -> Result<Vec<u8>, CollectError> {
    let deadline = Instant::now() + opts.total_timeout;
    let (addrs, url) = match target {
        GopsTarget::Pid(pid) => {
            let dir = match &opts.config_dir {
                Some(dir) => dir.clone(),
                None => gops_config_dir()?,
            };
            let addr = gops_agent_addr(&dir, *pid)?;
            (vec![addr], format!("gops://{addr} (pid {pid})"))
        }
        GopsTarget::Addr(addr) => {
            let url = format!("gops://{addr}");
            let host = addr.rsplit_once(':').map_or(addr.as_str(), |(host, _)| host);
            let resolved: Vec<SocketAddr> = addr
                .to_socket_addrs()
                .map_err(|_| CollectError::Dns { url: url.clone(), host: host.to_owned() })?
                .collect();
            if resolved.is_empty() {
                return Err(CollectError::Dns { url, host: host.to_owned() });
            }
            (resolved, url)
        }
    };
    let mut stream = connect(&addrs, &url, opts)?;
    let timeout_error = || CollectError::Timeout { url: url.clone(), timeout: opts.total_timeout };
    let io_error = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timeout_error(),
        _ => CollectError::Connection { url: url.clone(), detail: e.to_string() },
    };
    stream.set_write_timeout(Some(remaining(deadline).ok_or_else(timeout_error)?)).map_err(io_error)?;
    stream.write_all(&[STACK_TRACE]).map_err(io_error)?;
    let mut capped = Capped::new(
        Deadlined { stream, deadline },
        opts.max_bytes,
        format!("the dump from {url}"),
        "raise --max-size if the process really has this many goroutines",
    );
    let mut dump = Vec::new();
    capped.read_to_end(&mut dump).map_err(|e| {
        if e.get_ref().is_some_and(|inner| inner.is::<CollectError>()) {
            CollectError::from_read_error(e, "")
        } else {
            io_error(e)
        }
    })?;
    if dump.is_empty() {
        return Err(CollectError::Connection {
            url,
            detail: "the agent closed the connection without sending a dump (is it a gops agent?)".to_owned(),
        });
    }
    Ok(dump)
}

fn connect(addrs: &[SocketAddr], url: &str, opts: &GopsOptions) -> Result<TcpStream, CollectError> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, opts.connect_timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    let addr = addrs.first().map(ToString::to_string).unwrap_or_default();
    Err(match last {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => CollectError::GopsRefused { addr },
        Some(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
            CollectError::ConnectTimeout { url: url.to_owned(), timeout: opts.connect_timeout }
        }
        Some(e) => CollectError::Connection { url: url.to_owned(), detail: e.to_string() },
        None => {
            CollectError::Connection { url: url.to_owned(), detail: "no address to connect to".to_owned() }
        }
    })
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// A stream whose reads fail with `TimedOut` once the deadline has passed.
struct Deadlined {
    stream: TcpStream,
    deadline: Instant,
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = remaining(self.deadline).ok_or_else(|| io::Error::from(io::ErrorKind::TimedOut))?;
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(parse_gops_target("pid:1234").unwrap(), GopsTarget::Pid(1234));
        assert_eq!(
            parse_gops_target("gops://127.0.0.1:4321").unwrap(),
            GopsTarget::Addr("127.0.0.1:4321".into())
        );
        assert_eq!(parse_gops_target("gops://[::1]:4321/").unwrap(), GopsTarget::Addr("[::1]:4321".into()));
        assert_eq!(
            parse_gops_target("gops://agent.local:1").unwrap(),
            GopsTarget::Addr("agent.local:1".into())
        );
        for bad in [
            "pid:",
            "pid:0",
            "pid:-1",
            "pid:x",
            "gops://host",
            "gops://:80",
            "gops://h:0",
            "gops://h:x",
            "h:1",
        ] {
            let err = parse_gops_target(bad).unwrap_err();
            assert!(matches!(err, CollectError::GopsTarget { .. }), "{bad}: {err:?}");
            assert!(err.to_string().contains("pid:PID or gops://HOST:PORT"), "{err}");
        }
    }

    #[test]
    fn port_files() {
        let dir = std::env::temp_dir().join(format!("goroscope-collect-gops-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("10"), "41234\n").unwrap();
        std::fs::write(dir.join("11"), "not a port").unwrap();
        assert_eq!(gops_agent_addr(&dir, 10).unwrap(), SocketAddr::from(([127, 0, 0, 1], 41234)));
        assert!(matches!(gops_agent_addr(&dir, 11), Err(CollectError::GopsPortFileInvalid { .. })));
        let err = gops_agent_addr(&dir, 12).unwrap_err();
        assert!(matches!(err, CollectError::GopsNoAgent { pid: 12, .. }), "{err:?}");
        assert!(err.to_string().contains("is github.com/google/gops/agent started"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
