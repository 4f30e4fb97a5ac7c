//! `goroscope serve` as a user runs it: the binary on 127.0.0.1 port 0, driven over HTTP. Uploads (raw,
//! multipart, gzip, junk, too large), hostile dump and history text, the token, and the live demo service
//! watched end to end through its real pprof endpoints.
#![cfg(feature = "serve")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{build, repo, wants};
use goroscope_watch::{GroupCount, NewSample, Store};

/// A running `goroscope serve`; killed when dropped.
struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    /// Standard error up to the `serving on` line, and a receiver for the rest.
    stderr: String,
    lines: mpsc::Receiver<String>,
}

impl Served {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything printed on standard error so far.
    fn stderr(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.stderr.push_str(&line);
            self.stderr.push('\n');
        }
        self.stderr.clone()
    }

    /// Standard error once it holds `needle` (waiting at most 30 s).
    fn stderr_with(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.stderr.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("no {needle:?} on standard error within 30 s:\n{}", self.stderr);
            };
            self.stderr.push_str(&line);
            self.stderr.push('\n');
        }
        self.stderr()
    }

    /// Stops it with SIGTERM and returns its exit code, within 15 s.
    fn terminate(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("running kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("goroscope serve did not stop within 15 s of SIGTERM");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `goroscope serve --bind 127.0.0.1:0 ARGS…` and waits (at most 30 s) for the line that says where.
fn serve(args: &[&str]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_goroscope"));
    command.arg("serve");
    if !args.contains(&"--bind") {
        command.args(["--bind", "127.0.0.1:0"]);
    }
    let mut child = command
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting goroscope serve");
    let (tx, lines) = mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = String::new();
    loop {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("goroscope serve printed no `serving on` line within 30 s; it printed:\n{stderr}");
        };
        stderr.push_str(&line);
        stderr.push('\n');
        if let Some(url) = line.strip_prefix("goroscope: serving on ") {
            let base = url.trim().trim_end_matches('/').replace("0.0.0.0", "127.0.0.1");
            return Served { child, base, stderr, lines };
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// A response: status, headers we look at, body.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<String>,
    policy: Option<String>,
    nosniff: bool,
    set_cookie: Option<String>,
    content_type: String,
    body: String,
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.expect("the request reached the server");
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (location, policy, set_cookie) =
        (header("location"), header("content-security-policy"), header("set-cookie"));
    let nosniff = header("x-content-type-options").as_deref() == Some("nosniff");
    let content_type = header("content-type").unwrap_or_default();
    let body = response.body_mut().with_config().limit(64 << 20).read_to_string().unwrap_or_default();
    Answer { status: response.status().as_u16(), location, policy, nosniff, set_cookie, content_type, body }
}

fn get(url: &str) -> Answer {
    answer(agent().get(url).call())
}

fn post(url: &str, content_type: Option<&str>, body: &[u8]) -> Answer {
    let mut request = agent().post(url);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    answer(request.send(body))
}

/// A multipart form carrying `bytes` as the file `name` in the field `dump`, as the upload form sends it.
fn form(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----goroscope-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"dump\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn demo_dump() -> Vec<u8> {
    std::fs::read(repo().join("examples/demo-dump.txt")).unwrap()
}

/// Checks that a report page names every leak planted in the demo service, at its file and line.
fn assert_names_the_planted_leaks(page: &str) {
    let planted = wants(&repo().join("examples/leaky-service"));
    assert_eq!(planted.len(), 7);
    for want in planted {
        let site = format!("/{}:{}", want.file.file_name().unwrap().to_str().unwrap(), want.line);
        assert!(page.contains(&site), "the page names {site} ({} {})", want.pattern, want.level);
    }
    // Uploads are analysed without local source, so the patterns that need it read differently; the verdicts
    // do not.
    assert!(page.contains("1 certain") && page.contains("6 likely"), "{page}");
}

#[test]
fn uploads_raw_multipart_and_gzip_show_the_suspects_and_bad_ones_say_why() {
    let dir = scratch("uploads");
    let db = dir.join("history.db");
    let mut served = serve(&["--db", db.to_str().unwrap(), "--max-upload", "256KiB"]);
    let dump = demo_dump();

    // Raw, as `curl --data-binary @demo-dump.txt` sends it.
    let raw =
        post(&served.url("/snapshots?name=demo-dump.txt"), Some("application/x-www-form-urlencoded"), &dump);
    assert_eq!(raw.status, 303, "{}", raw.body);
    let location = raw.location.expect("a redirect to the report");
    assert!(location.starts_with("/snapshots/"), "{location}");
    let page = get(&served.url(&location));
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert_names_the_planted_leaks(&page.body);
    assert!(page.body.contains("demo-dump.txt") && page.body.contains("289 goroutines"), "{}", page.body);

    // The form of the front page.
    let (content_type, body) = form("demo-dump.txt", &dump);
    let multipart = post(&served.url("/snapshots"), Some(&content_type), &body);
    assert_eq!(multipart.status, 303, "{}", multipart.body);
    assert_names_the_planted_leaks(&get(&served.url(&multipart.location.unwrap())).body);

    // gzip, decompressed on the way in.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&dump).unwrap();
    let (content_type, body) = form("demo-dump.txt.gz", &gz.finish().unwrap());
    let gzipped = post(&served.url("/snapshots"), Some(&content_type), &body);
    assert_eq!(gzipped.status, 303, "{}", gzipped.body);
    assert_names_the_planted_leaks(&get(&served.url(&gzipped.location.unwrap())).body);

    // The JSON API: the uploads, newest first, and the full JSON report of one.
    let list: serde_json::Value = serde_json::from_str(&get(&served.url("/api/snapshots")).body).unwrap();
    let uploads = list["snapshots"].as_array().unwrap();
    assert_eq!(uploads.len(), 3);
    assert_eq!(uploads[0]["name"], "demo-dump.txt.gz");
    assert_eq!(uploads[2]["suspect_groups"], 7);
    let report = get(&served.url(uploads[0]["report"].as_str().unwrap()));
    assert!(report.content_type.starts_with("application/json"));
    let report: serde_json::Value = serde_json::from_str(&report.body).unwrap();
    assert_eq!(report["inputs"][0]["summary"]["goroutines"], 289);
    let created = post(&served.url("/api/snapshots"), None, &dump);
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.body.contains("\"suspect_groups\":7"), "{}", created.body);

    // The front page lists them.
    let index = get(&served.url("/"));
    assert!(index.body.contains("demo-dump.txt.gz") && index.body.contains("/snapshots/"), "{}", index.body);
    assert!(index.body.contains("No history yet"), "no history is read: {}", index.body);

    // Junk, empty, truncated gzip and too large: a page that says what is wrong, never a crash.
    let junk = post(&served.url("/snapshots"), None, b"this is not a goroutine dump\n");
    assert_eq!(junk.status, 422);
    assert!(junk.body.contains("no goroutine found") && junk.body.contains("debug=2"), "{}", junk.body);
    let empty = post(&served.url("/snapshots"), None, b"");
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("empty"), "{}", empty.body);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&dump).unwrap();
    let mut cut = gz.finish().unwrap();
    cut.truncate(cut.len() / 2);
    let truncated = post(&served.url("/snapshots"), None, &cut);
    assert_eq!(truncated.status, 422);
    assert!(truncated.body.contains("corrupt or truncated"), "{}", truncated.body);
    let big = dump.repeat(3);
    let too_large = post(&served.url("/snapshots"), None, &big);
    assert_eq!(too_large.status, 413);
    assert!(
        too_large.body.contains("256 KiB") && too_large.body.contains("--max-upload"),
        "{}",
        too_large.body
    );
    let (content_type, body) = form("big.txt", &big);
    let too_large = post(&served.url("/snapshots"), Some(&content_type), &body);
    assert_eq!(too_large.status, 413, "{}", too_large.body);
    let api = post(&served.url("/api/snapshots"), None, b"junk\n");
    assert_eq!(api.status, 422);
    assert!(api.body.starts_with('{') && api.body.contains("\"error\""), "{}", api.body);

    // Still serving after all that, and it ends on SIGTERM.
    assert_eq!(get(&served.url("/")).status, 200);
    assert!(!served.stderr().contains("panicked"), "{}", served.stderr());
    assert_eq!(served.terminate(), Some(0));
}

const EVIL: &str = "<script>alert(1)</script>";
const EVIL_ATTR: &str = "\"><img src=x onerror=alert(1)>";

fn assert_escaped(what: &str, page: &str) {
    assert!(
        !page.contains(EVIL) && !page.contains("<img src=x"),
        "{what} holds raw markup from the dump:\n{page}"
    );
}

#[test]
fn hostile_dump_and_history_text_is_escaped_and_the_policy_is_sent() {
    let dir = scratch("hostile");
    // A history whose target, group and alarm carry markup, as a watched service could make them.
    let db = dir.join("history.db");
    {
        let mut store = Store::open(&db).unwrap();
        let name = format!("api{EVIL}{EVIL_ATTR}");
        let target = store.target(&name, &format!("http://127.0.0.1:1/{EVIL_ATTR}"), 1000).unwrap();
        let title = format!("main.{EVIL} ({EVIL_ATTR}.go:10)");
        for (at, count) in [(1000, 3), (2000, 5)] {
            let groups = vec![GroupCount {
                fingerprint: "0123456789abcdef",
                count,
                title: &title,
                level: "likely",
                pattern: Some(EVIL_ATTR),
            }];
            let sample = NewSample {
                target,
                at_ms: at,
                source: "debug1",
                total: Some(count),
                groups,
                snapshot: Some(
                    b"goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\t/src/main.go:1\n",
                ),
                ..NewSample::default()
            };
            store.record(&sample).unwrap();
        }
        let alarm = serde_json::json!({"event": "alarm", "reason": EVIL, "title": title, "fingerprint":
            "0123456789abcdef", "level": EVIL_ATTR, "pattern": EVIL, "count": 5, "evidence": [EVIL], "fix": EVIL_ATTR});
        store.record_event(target, 2000, "alarm", &alarm.to_string()).unwrap();
    }
    let served = serve(&["--db", db.to_str().unwrap()]);

    let hostile = format!(
        "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:5 +0x1d\n\n\
         goroutine 7 [chan receive labels:{{\"tenant\": \"{EVIL}\", \"x\": \"\\\"><img src=x onerror=alert(1)>\"}}]:\n\
         main.{EVIL}(...)\n\t/src/{EVIL_ATTR}.go:10 +0x1d\n\
         created by main.{EVIL_ATTR} in goroutine 1\n\t/src/main.go:4 +0x25\n"
    );
    let upload =
        post(&served.url(&format!("/snapshots?name={}", "%3Cscript%3Ex.txt")), None, hostile.as_bytes());
    assert_eq!(upload.status, 303, "{}", upload.body);
    let report = get(&served.url(&upload.location.unwrap()));
    assert_eq!(report.status, 200);
    assert!(report.body.contains("main.&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", report.body);
    assert!(report.body.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), "{}", report.body);
    assert_escaped("the report of the upload", &report.body);
    let policy = report.policy.expect("a Content-Security-Policy header");
    assert!(policy.starts_with("default-src 'none'") && policy.contains("script-src 'sha256-"), "{policy}");
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'self'"), "{policy}");
    assert!(report.nosniff);

    let index = get(&served.url("/"));
    assert_escaped("the front page", &index.body);
    assert!(index.body.contains("&lt;script&gt;x.txt"), "{}", index.body);
    let name = format!("api{EVIL}{EVIL_ATTR}");
    let encoded: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    assert!(
        index.body.contains(&format!("/targets/{encoded}")),
        "the link is percent-encoded: {}",
        index.body
    );
    for path in [
        format!("/targets/{encoded}"),
        format!("/targets/{encoded}/groups/01234567"),
        format!("/targets/{encoded}/latest"),
    ] {
        let page = get(&served.url(&path));
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert_escaped(&path, &page.body);
        assert!(page.body.contains("&lt;script&gt;"), "{path} shows the text, escaped");
        let policy = page.policy.expect("a Content-Security-Policy header");
        assert!(policy.starts_with("default-src 'none'") && !policy.contains("unsafe"), "{path}: {policy}");
        assert!(page.nosniff, "{path}");
    }
    let own = get(&served.url(&format!("/targets/{encoded}")));
    assert!(
        own.policy.unwrap().contains("script-src 'self'"),
        "the dashboard's pages load only its own script"
    );
    assert!(!own.body.contains("<script>") && !own.body.contains(" style="), "no inline script or style");
    let api = get(&served.url(&format!("/api/targets/{encoded}")));
    assert!(api.content_type.starts_with("application/json") && api.nosniff, "{api:?}");
}

#[test]
fn the_token_guards_every_route_and_is_never_shown() {
    let dir = scratch("token");
    let token = "tok-0123456789abcdef-secret";
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let db = dir.join("history.db");
    let mut served = serve(&["--db", db.to_str().unwrap(), "--token-file", token_file.to_str().unwrap()]);
    let mut bodies = Vec::new();

    for path in ["/", "/api/targets", "/static/app.js", "/snapshots/0123456789abcdef", "/targets/x"] {
        let refused = get(&served.url(path));
        assert_eq!(refused.status, 401, "{path}");
        bodies.push(refused.body);
    }
    let refused = post(&served.url("/snapshots"), None, &demo_dump());
    assert_eq!(refused.status, 401);
    let wrong = answer(
        agent().get(&served.url("/")).header("Authorization", "Bearer tok-0123456789abcdef-secreT").call(),
    );
    assert_eq!(wrong.status, 401);

    let bearer = answer(
        agent().get(&served.url("/api/targets")).header("Authorization", format!("Bearer {token}")).call(),
    );
    assert_eq!(bearer.status, 200);
    bodies.push(bearer.body);
    let upload = answer(
        agent()
            .post(&served.url("/snapshots"))
            .header("Authorization", format!("Bearer {token}"))
            .send(&demo_dump()),
    );
    assert_eq!(upload.status, 303);
    let location = upload.location.unwrap();

    // A browser: `?token=` once, then the cookie; the address loses the token.
    let first = get(&served.url(&format!("{location}?token={token}")));
    assert_eq!(first.status, 303);
    assert_eq!(first.location.as_deref(), Some(location.as_str()));
    let cookie = first.set_cookie.expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(token));
    bodies.push(first.body);
    let session = cookie.split(';').next().unwrap().to_owned();
    let page = answer(agent().get(&served.url(&location)).header("Cookie", &session).call());
    assert_eq!(page.status, 200);
    assert_names_the_planted_leaks(&page.body);
    bodies.push(page.body);
    let index = answer(agent().get(&served.url("/")).header("Cookie", &session).call());
    assert_eq!(index.status, 200);
    assert!(index.body.contains("$GOROSCOPE_TOKEN"), "the command shown names the token, not its value");
    bodies.push(index.body);

    for body in &bodies {
        assert!(!body.contains(token), "a response shows the token: {body}");
    }
    assert!(!served.stderr().contains(token), "a token from a file is never printed: {}", served.stderr());

    // Beyond the loopback interface without --token-file: one is generated and printed once.
    let mut open = serve(&["--db", db.to_str().unwrap(), "--bind", "0.0.0.0:0"]);
    let printed = open.stderr_with("?token=");
    let link =
        printed.lines().find(|l| l.contains("?token=")).expect("the generated token is printed").trim();
    let generated = link.split("?token=").nth(1).unwrap().to_owned();
    assert_eq!(generated.len(), 32, "{printed}");
    assert_eq!(get(&open.url("/")).status, 401);
    let with = get(&open.url(&format!("/?token={generated}")));
    assert_eq!(with.status, 303);
    assert!(with.set_cookie.is_some());
    let page =
        answer(agent().get(&open.url("/")).header("Authorization", format!("Bearer {generated}")).call());
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(&generated));
    assert_eq!(open.stderr().matches(&generated).count(), 1, "printed once");
}

/// The demo service, serving: its first line says where.
struct Demo {
    child: Child,
    base: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo_service() -> Demo {
    let bin = build(&repo().join("examples/leaky-service"), ".");
    let mut child = Command::new(bin.join("leakyservice"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the demo service");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    let Some(base) = line.trim().strip_prefix("pprof ").map(str::to_owned) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the demo service printed no `pprof URL` line within 60 s: {line:?}");
    };
    Demo { child, base }
}

#[test]
fn a_watched_demo_service_shows_its_leaks_on_the_timeline_group_and_latest_pages() {
    let demo = demo_service();
    let leak = |round: u32| {
        let agent = agent();
        for i in 0..5 {
            agent.get(&format!("{}/quote?sku=R{round}-{i}", demo.base)).call().unwrap();
        }
        agent.post(&format!("{}/shipments/track?order=R{round}", demo.base)).send_empty().unwrap();
    };
    leak(0);
    let dir = scratch("live");
    let db = dir.join("history.db");
    let served = serve(&[&demo.base, "--interval", "1s", "--db", db.to_str().unwrap()]);
    let name = demo.base.trim_start_matches("http://").to_owned();
    let encoded = name.replace(':', "%3A");

    // Wait (at most 60 s) until the watch has recorded a few profiles, leaking more meanwhile.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut round = 1;
    let target = loop {
        let api = get(&served.url("/api/targets"));
        assert_eq!(api.status, 200, "{}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let target = json["targets"].as_array().unwrap().iter().find(|t| t["name"] == name.as_str()).cloned();
        if let Some(target) = target.filter(|t| t["samples"].as_u64() >= Some(4) && t["live"]["up"] == true) {
            break target;
        }
        assert!(Instant::now() < deadline, "no samples within 60 s: {json:#}");
        if round < 4 {
            leak(round);
            round += 1;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(target["last_total"].as_u64().unwrap() > 10, "{target:#}");
    assert_eq!(target["href"], format!("/targets/{encoded}"));

    let timeline = get(&served.url(&format!("/targets/{encoded}")));
    assert_eq!(timeline.status, 200, "{}", timeline.body);
    assert!(timeline.body.contains("<svg class=\"chart\""), "a chart of the total");
    for site in ["main.(*service).handleQuote.func1", "main.(*service).pollCarrier"] {
        assert!(timeline.body.contains(site), "the timeline lists {site}: {}", timeline.body);
    }
    assert!(timeline.body.contains("send-no-receiver"), "{}", timeline.body);

    let json: serde_json::Value =
        serde_json::from_str(&get(&served.url(&format!("/api/targets/{encoded}"))).body).unwrap();
    assert!(json["totals"].as_array().unwrap().len() >= 4, "{json:#}");
    let quote = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["title"].as_str().unwrap().contains("handleQuote.func1"))
        .unwrap_or_else(|| panic!("no handleQuote group: {json:#}"));
    let fingerprint = quote["fingerprint"].as_str().unwrap();
    assert!(quote["last_count"].as_u64().unwrap() >= 5, "{quote}");

    let group = get(&served.url(&format!("/targets/{encoded}/groups/{}", &fingerprint[..8])));
    assert_eq!(group.status, 200, "{}", group.body);
    assert!(group.body.contains("<svg class=\"chart\""), "a chart of the group");
    assert!(group.body.contains("send nobody receives") && group.body.contains("Give the channel a buffer"));
    assert!(group.body.contains("orders.go:79"), "the leak site: {}", group.body);
    let series: serde_json::Value =
        serde_json::from_str(&get(&served.url(&format!("/api/targets/{encoded}/groups/{fingerprint}"))).body)
            .unwrap();
    let counts: Vec<u64> =
        series["points"].as_array().unwrap().iter().map(|p| p["count"].as_u64().unwrap()).collect();
    assert!(counts.last() > counts.first(), "the leak grew: {counts:?}");

    let latest = get(&served.url(&format!("/targets/{encoded}/latest")));
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert!(
        latest.body.contains("handleQuote.func1") && latest.body.contains("pollCarrier"),
        "{}",
        latest.body
    );
    assert!(latest.body.contains("<svg class=\"chart\""), "the history above the profile");
    assert!(latest.policy.unwrap().contains("script-src 'sha256-"));

    assert_eq!(get(&served.url("/targets/nope")).status, 404);
    assert_eq!(get(&served.url(&format!("/targets/{encoded}/groups/ffffffff"))).status, 404);
    assert_eq!(served.terminate(), Some(0), "SIGTERM ends the server and its watch cleanly");
}

/// Headless Chromium, required: the dashboard's script is tested where it runs, under its real policy.
fn chromium() -> &'static str {
    let found =
        Command::new("chromium").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        found.is_ok_and(|s| s.success()),
        "headless Chromium is required: these tests open the dashboard in a browser. Install Debian's \
         `chromium` package (scripts/setup.sh does)."
    );
    "chromium"
}

/// Runs headless Chromium on `url` with `args` (at most 90 s) and returns its standard output.
fn browse(url: &str, args: &[&str]) -> String {
    let profile = scratch("chromium-profile");
    let mut child = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url} within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

#[test]
fn in_a_browser_the_pages_script_runs_under_the_policy_and_refreshes_live() {
    let demo = demo_service();
    let agent = agent();
    for i in 0..5 {
        agent.get(&format!("{}/quote?sku=B-{i}", demo.base)).call().unwrap();
    }
    let dir = scratch("browser");
    let db = dir.join("history.db");
    let served = serve(&[&demo.base, "--interval", "250ms", "--db", db.to_str().unwrap()]);
    let encoded = demo.base.trim_start_matches("http://").replace(':', "%3A");
    let deadline = Instant::now() + Duration::from_secs(60);
    // The target is in the history once its first sample is.
    while get(&served.url(&format!("/api/targets/{encoded}"))).status != 200 {
        assert!(Instant::now() < deadline, "no samples within 60 s");
        std::thread::sleep(Duration::from_millis(250));
    }
    let upload = post(&served.url("/snapshots?name=demo-dump.txt"), None, &demo_dump());
    assert_eq!(upload.status, 303);

    // Virtual time runs ahead of the clock, so the page polls many times while samples keep arriving; the
    // script marks each refresh of the live sections. A fast machine may finish before a sample lands: a few
    // tries.
    let page = served.url(&format!("/targets/{encoded}"));
    let mut dom = String::new();
    for budget in ["300000", "900000", "2000000"] {
        dom = browse(&page, &["--dump-dom", &format!("--virtual-time-budget={budget}")]);
        if dom.contains("data-refreshes=\"") {
            break;
        }
    }
    assert!(dom.contains("class=\"ok\">live ·"), "the script ran and its polls were allowed:\n{dom}");
    assert!(dom.contains("data-refreshes=\""), "the live sections were fetched again:\n{dom}");
    assert!(dom.contains("<svg class=\"chart\"") && dom.contains("handleQuote.func1"), "{dom}");
    assert!(dom.contains("title=\""), "times have their local form as a tooltip");

    // Screenshots to look at, next to the test binary's scratch files.
    let shots = scratch("screenshots");
    let upload_page = served.url(&upload.location.unwrap());
    for (name, url) in [("index", served.url("/")), ("target", page), ("upload", upload_page)] {
        let png = shots.join(format!("{name}.png"));
        browse(&url, &["--window-size=1300,1400", &format!("--screenshot={}", png.display())]);
        let size = std::fs::metadata(&png).map_or(0, |m| m.len());
        assert!(size > 10_000, "a screenshot of {name} ({size} bytes at {})", png.display());
    }
}
