//! Builds and runs the repository's real Go programs, fetches their pprof endpoints and runs goroscope.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub mod schemas;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Fails loudly when Go is missing: these tests exist to run real Go programs.
pub fn require_go() {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| match Command::new("go").arg("version").output() {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "the Go toolchain is required: these tests build and run real Go programs (testdata/go, examples/). \
             Install Go 1.25 or later and put `go` on PATH."
        ),
    });
}

/// Builds every `main` package under `module_dir` matching `pattern` into one directory, once per test run.
pub fn build(module_dir: &Path, pattern: &str) -> PathBuf {
    require_go();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-bin").join(module_dir.file_name().unwrap());
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(pattern)
        .current_dir(module_dir)
        .env("GOTOOLCHAIN", "local")
        .status()
        .expect("running go build");
    assert!(status.success(), "go build {pattern} failed in {}", module_dir.display());
    out
}

/// All pattern programs of testdata/go, built once.
pub fn pattern_programs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build(&repo().join("testdata/go"), "./..."))
}

/// A running Go program; killed when dropped.
pub struct Running {
    child: Child,
    _stdin: ChildStdin,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Running {
    /// `127.0.0.1:PORT`: the name `goroscope watch` gives the target.
    #[allow(dead_code)]
    pub fn name(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a program and waits (at most 60 s) for its `pprof URL` and `ready` lines.
pub fn start(binary: &Path, args: &[&str]) -> Running {
    let mut child = Command::new(binary)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{} did not print `ready` within 60 s", binary.display()));
        if let Some(url) = line.strip_prefix("pprof ") {
            base = Some(url.trim().to_owned());
        } else if line.trim() == "ready" {
            break;
        }
    }
    Running { child, _stdin: stdin, base: base.expect("program printed no `pprof URL` line") }
}

/// Fetches a URL over HTTP with bounded time.
pub fn fetch(url: &str) -> String {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(30))).build().into();
    agent.get(url).call().unwrap_or_else(|e| panic!("GET {url}: {e}")).body_mut().read_to_string().unwrap()
}

/// Runs the goroscope binary with `args` and returns (exit code, stdout, stderr).
pub fn goroscope(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    goroscope_with(args, stdin, &[])
}

/// [`goroscope`], with `envs` added to its environment.
pub fn goroscope_with(args: &[&str], stdin: Option<&[u8]>, envs: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_goroscope"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(repo())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Analyses a dump file with `goroscope analyze --format json` and returns the first input's JSON.
pub fn analyze_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["analyze", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = goroscope(&args, None);
    assert_eq!(code, 0, "goroscope failed: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    report["inputs"][0].clone()
}

/// A planted leak: `// want leak: <pattern> <level>` on a source line.
#[derive(Debug, Clone)]
pub struct Want {
    pub file: PathBuf,
    pub line: u32,
    pub pattern: String,
    pub level: String,
}

/// Every `want leak` marker in the Go files under `dir`.
pub fn wants(dir: &Path) -> Vec<Want> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(wants(&path));
        } else if path.extension().is_some_and(|e| e == "go") {
            for (i, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
                if let Some(spec) = line.split("// want leak: ").nth(1) {
                    let mut words = spec.split_whitespace();
                    found.push(Want {
                        file: path.clone(),
                        line: i as u32 + 1,
                        pattern: words.next().unwrap().to_owned(),
                        level: words.next().unwrap().to_owned(),
                    });
                }
            }
        }
    }
    found
}

/// One-line summaries of the groups, for assertion messages.
pub fn describe(input: &serde_json::Value) -> String {
    input["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{} {} x{} [{}] at {}:{} pattern={} shape={} evidence={}",
                g["level"],
                g["blocking"],
                g["count"],
                g["state"],
                g["leak_site"]["function"],
                g["leak_site"]["line"],
                g["pattern"],
                g["shape"],
                g["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["code"].as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fresh, empty scratch directory `CARGO_TARGET_TMPDIR/<group>/<name>`.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(group).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The events of a `--events` file, one JSON object per line; a last line cut short (by a kill) is left out.
pub fn events(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// The events of `kind` (`sample`, `down`, `alarm`…) about `target`.
pub fn of<'a>(events: &'a [serde_json::Value], target: &str, kind: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["target"] == target && e["event"] == kind).collect()
}

/// goroscope running in the background (`watch` with its exporter, `serve`): killed when dropped.
pub struct Background {
    pub child: Child,
    /// The address it said it listens at.
    pub url: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Background {
    /// Its standard output so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Its standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `pipe` to its end into `into`, line by line, handing each line to `each` too; reading to the end keeps the
/// writer from ever writing to a closed pipe.
fn drain(
    pipe: impl std::io::Read + Send + 'static,
    into: &Arc<Mutex<String>>,
    each: impl Fn(&str) + Send + 'static,
) {
    let into = Arc::clone(into);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            each(&line);
            let mut text = into.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
}

/// Runs `goroscope ARGS…` in the background, in the repository, with `envs` added to its environment, and waits
/// (at most 30 s) for the line of standard error that starts with `ready`: what follows it is the address.
pub fn background(args: &[&str], envs: &[(&str, &str)], ready: &'static str) -> Background {
    let mut child = Command::new(env!("CARGO_BIN_EXE_goroscope"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, stderr) = (Arc::default(), Arc::default());
    drain(child.stdout.take().unwrap(), &stdout, |_| {});
    let (tx, rx) = mpsc::channel();
    drain(child.stderr.take().unwrap(), &stderr, move |line| {
        if let Some(url) = line.strip_prefix(ready) {
            let _ = tx.send(url.trim().to_owned());
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(30));
    let running = Background { child, url: url.clone().unwrap_or_default(), stdout, stderr };
    assert!(url.is_ok(), "goroscope {args:?} printed no {ready:?} line within 30 s: {}", running.stderr());
    running
}

/// Runs `goroscope watch ARGS… --listen 127.0.0.1:0 --color never` in the background, with `envs` added to its
/// environment; its `url` is its exporter's.
pub fn watch_with_exporter(args: &[&str], envs: &[(&str, &str)]) -> Background {
    let mut all = vec!["watch"];
    all.extend_from_slice(args);
    all.extend(["--listen", "127.0.0.1:0", "--color", "never"]);
    background(&all, envs, "goroscope: metrics at ")
}

/// Starts the demo service (examples/leaky-service) on 127.0.0.1, port 0, and waits (at most 60 s) for the line
/// that says where it listens.
pub fn demo_service() -> Running {
    let bin = build(&repo().join("examples/leaky-service"), ".");
    let mut child = Command::new(bin.join("leakyservice"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting the demo service");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    match line.trim().strip_prefix("pprof ") {
        Some(base) => Running { child, _stdin: stdin, base: base.to_owned() },
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo service printed no `pprof URL` line within 60 s: {line:?}");
        }
    }
}
