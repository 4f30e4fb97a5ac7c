//! A secret planted everywhere a user hands goroscope one: the credentials of a URL, a bearer token from
//! `--header-env`, a header in `--header-file`, the dashboard's `--token-file`; and a local file that a dump names.
//! Every command is run with them against the real demo service, and everything they leave is searched for the
//! secret: standard output and error, every file written, the exporter's metrics, the dashboard's pages and JSON,
//! and the raw bytes of the history database and its write-ahead log.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{background, demo_service, goroscope_with, scratch, watch_with_exporter};

/// The variable `--header-env` names.
const TOKEN_VAR: &str = "GOROSCOPE_SECRETS_TEST_TOKEN";

/// The secret and the places it was planted.
struct Planted {
    secret: String,
    /// The forms it could leak in besides itself: HTTP Basic credentials of the URL.
    encoded: Vec<String>,
    dir: PathBuf,
    header_file: PathBuf,
    token_file: PathBuf,
}

impl Planted {
    /// A new secret, planted in files under a scratch directory of its own, `test`.
    fn new(test: &str) -> Planted {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let secret = format!("Pl4nted-{}-{nanos}", std::process::id());
        let dir = scratch("secrets", &format!("{test}-planted"));
        let header_file = dir.join("headers");
        std::fs::write(&header_file, format!("# staging proxy\nX-Api-Key: {secret}\n")).unwrap();
        let token_file = dir.join("token");
        std::fs::write(&token_file, format!("{secret}\n")).unwrap();
        let encoded = vec![base64(format!("user:{secret}").as_bytes())];
        Planted { secret, encoded, dir, header_file, token_file }
    }

    /// `http://user:SECRET@HOST:PORT` for the base URL `http://HOST:PORT`.
    fn url(&self, base: &str) -> String {
        base.replacen("http://", &format!("http://user:{}@", self.secret), 1)
    }

    /// The options that carry the secret as headers.
    fn header_args(&self) -> [String; 4] {
        [
            "--header-env".into(),
            TOKEN_VAR.into(),
            "--header-file".into(),
            self.header_file.display().to_string(),
        ]
    }

    fn env(&self) -> [(&'static str, &str); 1] {
        [(TOKEN_VAR, self.secret.as_str())]
    }
}

/// Standard base64, for the Basic credentials a URL's user info becomes.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            let c = if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] } else { b'=' };
            out.push(c as char);
        }
    }
    out
}

/// Everything looked at: what it is, and its bytes.
#[derive(Default)]
struct Seen(Vec<(String, Vec<u8>)>);

impl Seen {
    fn add(&mut self, what: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0.push((what.into(), bytes.into()));
    }

    /// A file, which must exist.
    fn file(&mut self, path: &Path) {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
        self.add(path.display().to_string(), bytes);
    }

    /// A database and, when there is one, its write-ahead log.
    fn database(&mut self, db: &Path) {
        self.file(db);
        let wal = db.with_extension("db-wal");
        if let Ok(bytes) = std::fs::read(&wal) {
            self.add(wal.display().to_string(), bytes);
        }
    }

    /// A command's exit code (which must be one of `codes`), standard output and standard error.
    fn run(&mut self, what: &str, (code, stdout, stderr): (i32, String, String), codes: &[i32]) {
        assert!(codes.contains(&code), "{what}: exit {code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        self.add(format!("{what}: standard output"), stdout);
        self.add(format!("{what}: standard error"), stderr);
    }

    /// Fails naming every place that holds the secret.
    fn assert_clean(&self, planted: &Planted) {
        let needles: Vec<&str> = std::iter::once(planted.secret.as_str())
            .chain(planted.encoded.iter().map(String::as_str))
            .collect();
        let holds = |bytes: &[u8]| needles.iter().any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()));
        assert!(holds(&std::fs::read(&planted.header_file).unwrap()), "the search finds what was planted");
        let leaks: Vec<&str> =
            self.0.iter().filter(|(_, bytes)| holds(bytes)).map(|(what, _)| what.as_str()).collect();
        assert!(leaks.is_empty(), "the secret is in: {leaks:#?}");
        assert!(self.0.iter().any(|(_, b)| !b.is_empty()), "nothing was looked at");
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn analyze_and_check_show_no_secret_in_any_format_or_file() {
    let planted = Planted::new("analyze");
    let service = demo_service();
    let url = planted.url(&service.base);
    let mut seen = Seen::default();
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        let headers = planted.header_args();
        all.extend(headers.iter().map(String::as_str));
        goroscope_with(&all, None, &planted.env())
    };
    for format in ["table", "json", "markdown", "sarif", "junit", "html"] {
        seen.run(&format!("analyze --format {format}"), run(&["analyze", &url, "--format", format]), &[0]);
    }
    let files: Vec<(&str, PathBuf)> = ["json", "sarif", "html", "junit", "markdown"]
        .into_iter()
        .map(|kind| (kind, planted.dir.join(format!("report.{kind}"))))
        .collect();
    let mut args = vec!["analyze".to_owned(), url.clone(), "--cheap".to_owned()];
    for (kind, path) in &files {
        args.extend([format!("--{kind}"), path.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    seen.run("analyze with every file output", run(&args), &[0]);
    for (_, path) in &files {
        seen.file(path);
    }
    for format in ["table", "sarif"] {
        seen.run(&format!("check --format {format}"), run(&["check", &url, "--format", format]), &[0, 1]);
    }
    // Where it fails: the messages name the URL.
    let down =
        format!("http://user:{}@127.0.0.1:{}/?token={}", planted.secret, closed_port(), planted.secret);
    seen.run("analyze of a port nothing listens on", run(&["analyze", &down]), &[2]);
    // A password pasted with `/`, `?` and `#` in it, not percent-encoded: refused, and not shown.
    let pasted = format!("http://user:{}/a?b#c@127.0.0.1:{}", planted.secret, closed_port());
    seen.run("analyze of a pasted password", run(&["analyze", &pasted]), &[2]);
    for url in [pasted.clone(), format!("{pasted}/metrics")] {
        let args = ["watch", &url, "--interval", "200ms", "--until", "1s", "--no-db"];
        seen.run(&format!("watch of {url}"), run(&args), &[2]);
    }

    // A dump naming a local file that holds the secret: no excerpt of it in any output.
    let private = planted.dir.join("credentials.conf");
    std::fs::write(&private, format!("password = {}\n", planted.secret)).unwrap();
    let dump = planted.dir.join("hostile-dump.txt");
    std::fs::write(
        &dump,
        format!(
            "goroutine 7 [chan receive, 12 minutes]:\nmain.wait()\n\t{0}:1 +0x1d\ncreated by main.main in \
             goroutine 1\n\t{0}:1 +0x25\n",
            private.display()
        ),
    )
    .unwrap();
    let html = planted.dir.join("hostile.html");
    let dump_arg = dump.display().to_string();
    let html_arg = html.display().to_string();
    for format in ["table", "json"] {
        let args = ["analyze", &dump_arg, "--format", format, "--html", &html_arg, "--context", "5"];
        seen.run(&format!("analyze of a dump naming a local file ({format})"), run(&args), &[0]);
        seen.file(&html);
    }
    seen.assert_clean(&planted);
}

#[test]
fn watch_and_history_keep_no_secret_in_events_metrics_or_the_database() {
    let planted = Planted::new("watch");
    let service = demo_service();
    let dir = scratch("secrets", "watch");
    let (db, events) = (dir.join("history.db"), dir.join("events.jsonl"));
    let (db_arg, events_arg) = (db.display().to_string(), events.display().to_string());
    let down =
        format!("http://user:{}@127.0.0.1:{}/?token={}", planted.secret, closed_port(), planted.secret);
    let url = planted.url(&service.base);
    let headers = planted.header_args();
    let mut args = vec![url.as_str(), &down, "--interval", "500ms", "--until", "8s"];
    args.extend(["--db", &db_arg, "--events", &events_arg]);
    args.extend(headers.iter().map(String::as_str));
    let mut watch = watch_with_exporter(&args, &planted.env());
    let mut seen = Seen::default();
    // While it runs: the metrics, and the write-ahead log before the last connection folds it in.
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).build().into();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut scrapes = 0;
    while watch.child.try_wait().is_ok_and(|s| s.is_none()) && Instant::now() < deadline && scrapes < 40 {
        if let Ok(mut response) = agent.get(&watch.url).call() {
            seen.add(format!("metrics scrape {scrapes}"), response.body_mut().read_to_vec().unwrap());
            scrapes += 1;
        }
        if let Ok(bytes) = std::fs::read(db.with_extension("db-wal")) {
            seen.add(format!("the write-ahead log at scrape {scrapes}"), bytes);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let status = watch.child.wait().unwrap();
    assert!(status.success(), "{status}: {}", watch.stderr());
    assert!(scrapes >= 5, "the exporter answered {scrapes} times");
    seen.add("watch: standard output", watch.stdout());
    seen.add("watch: standard error", watch.stderr());
    seen.file(&events);
    seen.database(&db);
    let events_text = std::fs::read_to_string(&events).unwrap();
    assert!(events_text.contains("\"event\":\"sample\"") && events_text.contains("\"event\":\"down\""));

    let name = service.name();
    let page = dir.join("history.html");
    let page_arg = page.display().to_string();
    for (what, args) in [
        ("history targets", vec!["history", "--db", &db_arg, "targets", "--json"]),
        ("history export", vec!["history", "--db", &db_arg, "export", &name]),
        ("history show", vec!["history", "--db", &db_arg, "show", &name]),
        ("history show --html", vec!["history", "--db", &db_arg, "show", &name, "--html", &page_arg]),
    ] {
        seen.run(what, goroscope_with(&args, None, &[]), &[0]);
    }
    seen.file(&page);
    seen.database(&db);
    seen.assert_clean(&planted);
}

#[test]
fn serve_shows_no_secret_in_its_pages_json_or_log() {
    let planted = Planted::new("serve");
    let service = demo_service();
    let dir = scratch("secrets", "serve");
    let db = dir.join("history.db");
    let (db_arg, token_arg) = (db.display().to_string(), planted.token_file.display().to_string());
    let url = planted.url(&service.base);
    let down =
        format!("http://user:{}@127.0.0.1:{}/?token={}", planted.secret, closed_port(), planted.secret);
    let headers = planted.header_args();
    let mut args = vec!["serve", url.as_str(), &down, "--bind", "127.0.0.1:0", "--interval", "1s"];
    args.extend(["--db", &db_arg, "--token-file", &token_arg]);
    args.extend(headers.iter().map(String::as_str));
    let served = background(&args, &planted.env(), "goroscope: serving on ");
    let base = served.url.trim_end_matches('/').to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let bearer = format!("Bearer {}", planted.secret);
    let get = |path: &str| {
        let mut response =
            agent.get(&format!("{base}{path}")).header("Authorization", &bearer).call().expect("an answer");
        let status = response.status().as_u16();
        let cookie = response.headers().get("set-cookie").map(|v| v.as_bytes().to_vec()).unwrap_or_default();
        (status, response.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap(), cookie)
    };
    let name = service.name();
    let encoded = name.replace(':', "%3A");
    // Until the watch has stored a profile of the demo service (at most 60 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    let fingerprint = loop {
        let (status, body, _) = get(&format!("/api/targets/{encoded}"));
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if status == 200
            && let Some(fp) = json["groups"][0]["fingerprint"].as_str()
        {
            break fp.to_owned();
        }
        assert!(Instant::now() < deadline, "no group of {name} recorded within 60 s: {status}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let mut seen = Seen::default();
    for path in [
        "/".to_owned(),
        "/api/targets".to_owned(),
        "/api/snapshots".to_owned(),
        format!("/targets/{encoded}"),
        format!("/targets/{encoded}/latest"),
        format!("/targets/{encoded}/groups/{fingerprint}"),
        format!("/api/targets/{encoded}"),
        format!("/api/targets/{encoded}/groups/{fingerprint}"),
        "/static/app.js".to_owned(),
        "/no/such/page".to_owned(),
    ] {
        let (status, body, cookie) = get(&path);
        assert!(matches!(status, 200 | 404), "{path}: {status}");
        seen.add(format!("GET {path}"), body);
        seen.add(format!("GET {path}: cookie"), cookie);
    }
    // The browser's way in: `?token=` once, then the cookie.
    let response = agent.get(&format!("{base}/?token={}", planted.secret)).call().unwrap();
    assert_eq!(response.status().as_u16(), 303);
    for name in ["location", "set-cookie"] {
        let value = response.headers().get(name).map(|v| v.as_bytes().to_vec()).unwrap_or_default();
        seen.add(format!("?token=: {name}"), value);
    }
    let refused = agent.get(&format!("{base}/api/targets")).call().unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    seen.add("a request without the token", refused.into_body().read_to_vec().unwrap());
    seen.add("serve: standard error", served.stderr());
    seen.add("serve: standard output", served.stdout());
    drop(served);
    seen.database(&db);
    seen.assert_clean(&planted);
}
