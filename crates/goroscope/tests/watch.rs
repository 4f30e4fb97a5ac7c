//! `goroscope watch` and `goroscope history` against real Go services: one leaking at a steady rate, one healthy
//! but busy, one down, one answering garbage; restarts; a watch killed with SIGKILL at random points, again and
//! again, on one database.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{events, goroscope, of, pattern_programs, start, watch_with_exporter};
use goroscope_watch::Store;

fn watch_service() -> PathBuf {
    pattern_programs().join("watch")
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("watch", name)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn the_alarm_names_the_leaking_group_and_spares_the_healthy_down_and_garbled_targets() {
    let leaking = start(&watch_service(), &["-leak-every", "40ms", "-lifetime", "90s"]);
    let healthy = start(&watch_service(), &["-leak-every", "0", "-lifetime", "90s"]);
    let dir = scratch("fleet");
    let targets = dir.join("targets.toml");
    std::fs::write(
        &targets,
        format!(
            "[[target]]\nname = \"leaking\"\npprof = \"{l}\"\nmetrics = \"{l}/metrics\"\n\n\
             [[target]]\nname = \"healthy\"\npprof = \"{h}\"\nexpvar = \"{h}/debug/vars\"\n\n\
             [[target]]\nname = \"down\"\npprof = \"http://127.0.0.1:{port}\"\n\n\
             [[target]]\nname = \"garbled\"\nmetrics = \"{h}/debug/pprof/cmdline\"\n",
            l = leaking.base,
            h = healthy.base,
            port = closed_port()
        ),
    )
    .unwrap();
    let (db, events_file) = (dir.join("history.db"), dir.join("events.jsonl"));
    let (code, stdout, stderr) = goroscope(
        &[
            "watch",
            "--targets",
            targets.to_str().unwrap(),
            "--interval",
            "1s",
            "--profile-interval",
            "2s",
            "--window",
            "4",
            "--until",
            "16s",
            "--db",
            db.to_str().unwrap(),
            "--events",
            events_file.to_str().unwrap(),
            "--connect-timeout",
            "1s",
            "--color",
            "never",
        ],
        None,
    );
    assert_eq!(code, 1, "an alarm ends a timed watch with 1: {stderr}\n{stdout}");
    let events = events(&events_file);

    let alarms = of(&events, "leaking", "alarm");
    let leak = alarms.iter().find(|a| a["reason"] == "steady-growth").expect("a steady-growth alarm");
    assert!(leak["title"].as_str().unwrap().contains("main.(*orders).confirm.func1"), "{leak}");
    assert_eq!(leak["pattern"], "send-no-receiver", "explained by the full dump: {leak}");
    assert!(leak["rate_per_minute"].as_f64().unwrap() > 200.0, "{leak}");
    assert!(stdout.contains("ALARM") && stdout.contains("confirm.func1"), "{stdout}");
    for quiet in ["healthy", "down", "garbled"] {
        assert!(
            of(&events, quiet, "alarm").is_empty(),
            "no alarm for {quiet}: {:?}",
            of(&events, quiet, "alarm")
        );
    }
    assert!(!of(&events, "healthy", "sample").is_empty(), "the healthy target was sampled");

    let down = of(&events, "down", "down");
    assert!(down.len() >= 2, "{down:?}");
    assert!(down[0]["error"].as_str().unwrap().contains("refused"), "{}", down[0]);
    let waits: Vec<f64> = down.iter().map(|d| d["retry_in_s"].as_f64().unwrap()).collect();
    assert!(waits.windows(2).all(|w| w[1] >= w[0]) && waits.last() > waits.first(), "backoff: {waits:?}");
    let garbled = of(&events, "garbled", "down");
    assert!(garbled[0]["error"].as_str().unwrap().contains("no go_goroutines"), "{}", garbled[0]);

    // The history has it all.
    let (code, json, stderr) =
        goroscope(&["history", "--db", db.to_str().unwrap(), "targets", "--json"], None);
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = summary.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["down", "garbled", "healthy", "leaking"]);
    let fingerprint = leak["fingerprint"].as_str().unwrap();
    let (code, csv, stderr) = goroscope(
        &["history", "--db", db.to_str().unwrap(), "export", "leaking", "--group", &fingerprint[..8]],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let counts: Vec<u64> =
        csv.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    assert!(counts.len() >= 4 && counts.last() > counts.first(), "{csv}");
    let (code, _, stderr) = goroscope(&["history", "--db", db.to_str().unwrap(), "show", "nope"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("no target \"nope\"") && stderr.contains("leaking"), "{stderr}");

    // The page: the chart of the total and the leaking group, linked to the group in the latest profile.
    let page = dir.join("leaking.html");
    let (code, _, stderr) = goroscope(
        &["history", "--db", db.to_str().unwrap(), "show", "leaking", "--html", page.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg class=\"chart\"") && html.contains("Goroutines of leaking"), "{html}");
    assert!(html.contains(&format!("<a href=\"#g-{fingerprint}\">")), "the legend links to the group");
    assert!(html.contains(&format!("id=\"g-{fingerprint}\"")), "the latest profile has the group");
    assert!(html.contains("<svg class=\"flame\"") && html.contains("confirm.func1"));
}

#[test]
fn a_restarted_target_starts_a_new_series_and_says_why() {
    let first = start(&watch_service(), &["-leak-every", "0", "-lifetime", "60s"]);
    let addr = first.base.trim_start_matches("http://").to_owned();
    let dir = scratch("restart");
    let events_file = dir.join("events.jsonl");
    let mut watch = Command::new(env!("CARGO_BIN_EXE_goroscope"))
        .args(["watch", &first.base, &format!("{}/metrics", first.base), "--interval", "500ms"])
        .args(["--profile-interval", "1s", "--until", "12s", "--no-db", "--events"])
        .arg(&events_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    drop(first);
    std::thread::sleep(Duration::from_millis(1500));
    let _second = start(&watch_service(), &["-leak-every", "0", "-addr", &addr, "-lifetime", "60s"]);
    let status = watch.wait().unwrap();
    let events = events(&events_file);
    let unusual: Vec<_> = events.iter().filter(|e| e["event"] != "sample").collect();
    assert_eq!(status.code(), Some(0), "no alarm: {unusual:#?}");
    let target = addr.as_str();
    assert!(!of(&events, target, "down").is_empty(), "the gap was seen: {unusual:#?}");
    assert_eq!(of(&events, target, "up").len(), 1, "{unusual:#?}");
    let restarts = of(&events, target, "restart");
    assert_eq!(restarts.len(), 1, "{restarts:?}");
    assert!(restarts[0]["reason"].as_str().unwrap().contains("start time"), "{}", restarts[0]);
}

/// `goroscope watch` of the service's pprof and metrics in the background, recording into `db` and `events`;
/// its standard error goes to the events file's name with the extension `stderr`.
fn recording_watch(
    service: &common::Running,
    timing: &[&str],
    db: &Path,
    events: &Path,
) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_goroscope"))
        .args(["watch", &service.base, &format!("{}/metrics", service.base)])
        .args(timing)
        .arg("--db")
        .arg(db)
        .arg("--events")
        .arg(events)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(events.with_extension("stderr")).unwrap())
        .spawn()
        .unwrap()
}

/// Kill delays from a fixed seed (splitmix64): a failing run can be repeated with `GOROSCOPE_KILL_SEED`.
struct Delays(u64);

impl Delays {
    /// A duration below `max_ms` milliseconds.
    fn next(&mut self, max_ms: u64) -> Duration {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Duration::from_millis((z ^ (z >> 31)) % max_ms)
    }
}

#[test]
fn a_watch_killed_at_random_points_again_and_again_keeps_every_committed_sample() {
    const KILLS: usize = 30;
    // From the start of the process: some kills land while it opens (and recovers) the database, most while it
    // writes samples every 50 ms.
    const LATEST_KILL_MS: u64 = 900;
    let seed = std::env::var("GOROSCOPE_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_124);
    let mut delays = Delays(seed);
    let service = start(&watch_service(), &["-leak-every", "20ms", "-lifetime", "120s"]);
    let dir = scratch("sigkill");
    // One database for every run: each run opens what the kill before left, WAL and all.
    let db = dir.join("history.db");
    let mut acknowledged = 0;
    let mut runs_with_samples = 0;
    for kill in 0..KILLS {
        let events_file = dir.join(format!("events-{kill}.jsonl"));
        let timing = ["--interval", "50ms", "--profile-interval", "100ms"];
        let mut watch = recording_watch(&service, &timing, &db, &events_file);
        let delay = delays.next(LATEST_KILL_MS);
        std::thread::sleep(delay);
        let context = format!("kill {kill} after {delay:?} (GOROSCOPE_KILL_SEED={seed})");
        if let Some(status) = watch.try_wait().unwrap() {
            let stderr = std::fs::read_to_string(events_file.with_extension("stderr")).unwrap_or_default();
            panic!("{context}: the watch ended by itself ({status}) before the kill: {stderr}");
        }
        watch.kill().unwrap(); // SIGKILL
        watch.wait().unwrap();

        let events = events(&events_file);
        let errors: Vec<_> = events.iter().filter(|e| e["event"] == "store-error").collect();
        assert!(errors.is_empty(), "{context}: {errors:?}");
        // A sample event is written once its transaction has committed.
        let reported: Vec<(i64, String, i64)> = of(&events, &service.name(), "sample")
            .iter()
            .map(|e| {
                let total = e["total"].as_i64().unwrap();
                (e["at_ms"].as_i64().unwrap(), e["source"].as_str().unwrap().to_owned(), total)
            })
            .collect();
        let (stored, integrity) = stored_samples(&db);
        assert_eq!(integrity, "ok", "{context}");
        let lost: Vec<_> = reported.iter().filter(|s| !stored.contains(s)).collect();
        assert!(lost.is_empty(), "{context}: reported as recorded but not in the database: {lost:?}");
        Store::open_read_only(&db).unwrap_or_else(|e| panic!("{context}: the history does not open: {e}"));
        acknowledged += reported.len();
        runs_with_samples += usize::from(!reported.is_empty());
    }
    assert!(
        runs_with_samples >= KILLS / 2 && acknowledged >= 100,
        "most kills interrupted a watch that was writing: {runs_with_samples} of {KILLS} runs recorded \
         {acknowledged} samples"
    );
}

#[test]
fn a_database_that_cannot_be_written_or_targets_that_make_no_sense_are_errors() {
    let (code, _, stderr) = goroscope(
        &["watch", "http://127.0.0.1:1", "--db", "/proc/goroscope/history.db", "--until", "1s"],
        None,
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("/proc/goroscope"), "{stderr}");
    let (code, _, stderr) = goroscope(&["watch", "--until", "1s"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("nothing to watch"), "{stderr}");
    let (code, _, stderr) = goroscope(&["watch", "ftp://host/x", "--no-db"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("not an http:// or https:// URL"), "{stderr}");
    let dir = scratch("bad-targets");
    let file = dir.join("targets.toml");
    std::fs::write(&file, "[[target]]\nname = \"a\"\npprof = \"http://h:1\"\nbogus = 1\n").unwrap();
    let (code, _, stderr) = goroscope(&["watch", "--targets", file.to_str().unwrap(), "--no-db"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("bogus"), "{stderr}");
    let (code, _, stderr) = goroscope(&["watch", "http://h:1", "--until", "soon", "--no-db"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("expected `leak` or a duration"), "{stderr}");
    let (code, _, stderr) =
        goroscope(&["watch", "http://u:secret@h:1/debug/pprof/heap", "--until", "1s", "--no-db"], None);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "names the heap profile: give the service's pprof base instead (http://***@h:1/debug/pprof/)"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = goroscope(&["watch", "http://h:1", "--heap-interval", "often", "--no-db"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("(or `off`)"), "{stderr}");
}

type Exposition = openmetrics_parser::MetricsExposition<
    openmetrics_parser::OpenMetricsType,
    openmetrics_parser::OpenMetricsValue,
>;

/// `(labels, value)` of every sample of a gauge or counter family.
fn samples(metrics: &Exposition, family: &str) -> Vec<(std::collections::HashMap<String, String>, f64)> {
    use openmetrics_parser::OpenMetricsValue;
    let Some(family) = metrics.families.get(family) else { return Vec::new() };
    family
        .iter_samples()
        .map(|s| {
            let labels = s.get_labelset().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let value = match &s.value {
                OpenMetricsValue::Gauge(n) => n.as_f64(),
                OpenMetricsValue::Counter(c) => c.value.as_f64(),
                OpenMetricsValue::Histogram(h) => h.sum.as_ref().map_or(0.0, |n| n.as_f64()),
                other => panic!("unexpected {other:?}"),
            };
            (labels, value)
        })
        .collect()
}

#[test]
fn the_exporter_serves_openmetrics_that_name_the_leaking_group() {
    let leaking = start(&watch_service(), &["-leak-every", "40ms", "-lifetime", "60s"]);
    let healthy = start(&watch_service(), &["-leak-every", "0", "-lifetime", "60s"]);
    let watch = watch_with_exporter(
        &[
            &leaking.base,
            &format!("{}/metrics", leaking.base),
            &healthy.base,
            "--interval",
            "1s",
            "--profile-interval",
            "1s",
            "--window",
            "4",
            "--metrics-groups",
            "3",
            "--until",
            "30s",
            "--no-db",
        ],
        &[],
    );
    let url = watch.url.clone();
    let agent = ureq::Agent::new_with_defaults();
    let leaking_name = leaking.base.trim_start_matches("http://");
    let healthy_name = healthy.base.trim_start_matches("http://");
    let leak_site = "main.(*orders).confirm.func1";
    let deadline = Instant::now() + Duration::from_secs(25);
    let metrics = loop {
        let mut response = agent.get(&url).call().expect("the exporter answers");
        let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
        assert!(content_type.starts_with("application/openmetrics-text; version=1.0.0"), "{content_type}");
        let text = response.body_mut().read_to_string().unwrap();
        let metrics = openmetrics_parser::openmetrics::parse_openmetrics(&text)
            .unwrap_or_else(|e| panic!("not OpenMetrics: {e:?}\n{text}"));
        let alarmed = samples(&metrics, "goroscope_alarms")
            .iter()
            .any(|(l, n)| l["target"] == leaking_name && l["reason"] == "steady-growth" && *n >= 1.0);
        if alarmed || Instant::now() > deadline {
            break metrics;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    drop(watch);

    let up = samples(&metrics, "goroscope_target_up");
    assert_eq!(up.len(), 2, "{up:?}");
    assert!(up.iter().all(|(_, v)| *v > 0.5), "both up: {up:?}");
    let totals = samples(&metrics, "goroscope_target_goroutines");
    assert!(totals.iter().any(|(l, v)| l["target"] == leaking_name && *v > 20.0), "{totals:?}");

    let groups = samples(&metrics, "goroscope_group_goroutines");
    for target in [leaking_name, healthy_name] {
        let series = groups.iter().filter(|(l, _)| l["target"] == target).count();
        assert!((1..=3).contains(&series), "--metrics-groups bounds the series of {target}: {series}");
    }
    let (labels, count) = groups
        .iter()
        .find(|(l, _)| l["target"] == leaking_name && l["site"] == leak_site)
        .unwrap_or_else(|| panic!("the leaking group is exported: {groups:?}"));
    assert!(*count > 10.0, "{count}");
    assert_eq!(labels["pattern"], "send-no-receiver", "{labels:?}");
    assert_eq!(labels["group"].len(), 16, "{labels:?}");
    let levels = samples(&metrics, "goroscope_group_level");
    let healthy_worst =
        levels.iter().filter(|(l, _)| l["target"] == healthy_name).map(|(_, v)| *v).fold(0.0, f64::max);
    assert!(healthy_worst <= 1.0, "nothing likely or certain in the healthy service: {levels:?}");
    let growth = samples(&metrics, "goroscope_group_growth_per_minute");
    let leak_growth = growth.iter().find(|(l, _)| l["site"] == leak_site).map(|(_, v)| *v).unwrap();
    assert!(leak_growth > 100.0, "{leak_growth}");

    let alarms = samples(&metrics, "goroscope_alarms");
    assert!(
        alarms.iter().any(|(l, _)| l["target"] == leaking_name && l["reason"] == "steady-growth"),
        "{alarms:?}"
    );
    assert!(alarms.iter().all(|(l, _)| l["target"] != healthy_name), "{alarms:?}");
    let scrapes = samples(&metrics, "goroscope_scrapes");
    for source in ["metrics", "debug1", "debug2"] {
        let ok = scrapes
            .iter()
            .find(|(l, _)| l["target"] == leaking_name && l["source"] == source && l["result"] == "ok");
        assert!(ok.is_some_and(|(_, n)| *n >= 1.0), "{source}: {scrapes:?}");
    }
    let durations = samples(&metrics, "goroscope_scrape_duration_seconds");
    assert!(durations.iter().all(|(_, sum)| *sum > 0.0 && *sum < 30.0), "{durations:?}");
}

#[test]
fn the_exporter_refuses_other_paths_and_methods_and_a_taken_port() {
    let service = start(&watch_service(), &["-leak-every", "0", "-lifetime", "30s"]);
    let watch = watch_with_exporter(&[&service.base, "--until", "20s", "--no-db"], &[]);
    let url = watch.url.clone();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let other = url.replace("/metrics", "/debug");
    assert_eq!(agent.get(&other).call().unwrap().status(), 404);
    assert_eq!(agent.post(&url).send("x").unwrap().status(), 405);
    let taken = url.trim_start_matches("http://").trim_end_matches("/metrics").to_owned();
    let (code, _, stderr) =
        goroscope(&["watch", &service.base, "--no-db", "--listen", &taken, "--until", "1s"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("cannot listen on {taken}")) && stderr.contains("--listen"), "{stderr}");
    drop(watch);
}

/// What a terminal shows: the output of a program run in a pseudo-terminal, read by a terminal emulator.
struct Screen {
    parser: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows every one of `wanted`; returns the screen.
    fn wait_for(&self, wanted: &[&str], timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text();
            if wanted.iter().all(|w| text.contains(w)) {
                return text;
            }
            assert!(Instant::now() < deadline, "the screen never showed {wanted:?}:\n{text}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[test]
fn the_terminal_ui_shows_the_leaking_group_with_its_explanation_and_quits_on_q() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let leaking = start(&watch_service(), &["-leak-every", "40ms", "-lifetime", "60s"]);
    let healthy = start(&watch_service(), &["-leak-every", "0", "-lifetime", "60s"]);
    let (rows, cols) = (60, 150);
    let pty = native_pty_system()
        .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_goroscope"));
    command.args(["watch", &leaking.base, &format!("{}/metrics", leaking.base), &healthy.base]);
    command.args(["--interval", "1s", "--profile-interval", "1s", "--window", "4", "--no-db"]);
    command.args(["--src", concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/go")]);
    command.env("TERM", "xterm-256color");
    let mut child = pty.slave.spawn_command(command).expect("goroscope runs in the terminal");
    drop(pty.slave);
    let parser = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(
        rows.try_into().unwrap(),
        cols.try_into().unwrap(),
        0,
    )));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let feed = std::sync::Arc::clone(&parser);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = std::io::Read::read(&mut reader, &mut buffer) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buffer[..n]);
        }
    });
    let mut keys = pty.master.take_writer().unwrap();
    let screen = Screen { parser };

    let leaking_name = leaking.base.trim_start_matches("http://");
    let shown = screen.wait_for(
        &[leaking_name, "Targets", "Groups (", "ALARM", "send-no-receiver", "confirm.func1"],
        Duration::from_secs(30),
    );
    assert!(shown.contains(healthy.base.trim_start_matches("http://")), "{shown}");
    // The alarmed group is listed first and selected once the focus moves to the groups.
    std::io::Write::write_all(&mut keys, b"\t").unwrap();
    let details = screen.wait_for(&["Why", "Fix", "▶", "ALARM steady-growth"], Duration::from_secs(10));
    assert!(details.contains("make(chan T, 1)"), "the fix is shown:\n{details}");
    assert!(
        details.contains("o.confirmations <- fmt.Sprintf"),
        "the source line the goroutines wait on:\n{details}"
    );
    let false_alarms: Vec<&str> =
        details.lines().filter(|l| l.contains("ALARM") && !l.contains("confirm.func1")).collect();
    assert!(false_alarms.is_empty(), "only the leak raises an alarm: {false_alarms:?}\n{details}");
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("tui-capture.txt"), &details).unwrap();

    std::io::Write::write_all(&mut keys, b"q").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "q did not end the watch");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
}

/// A target that accepts connections and never answers; it holds at most 64 of them.
fn stalling_target() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(64).collect();
        // Keep them open until the test process ends.
        std::thread::sleep(Duration::from_secs(120));
        drop(held);
    });
    format!("http://{addr}")
}

#[test]
fn a_target_that_never_answers_times_out_and_the_others_are_still_sampled() {
    let healthy = start(&watch_service(), &["-leak-every", "0", "-lifetime", "60s"]);
    let stalled = stalling_target();
    let dir = scratch("stalled");
    let events_file = dir.join("events.jsonl");
    let (code, _, stderr) = goroscope(
        &[
            "watch",
            &stalled,
            &healthy.base,
            "--interval",
            "500ms",
            "--timeout",
            "2s",
            "--until",
            "8s",
            "--no-db",
            "--events",
            events_file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let events = events(&events_file);
    let down = of(&events, stalled.trim_start_matches("http://"), "down");
    assert!(!down.is_empty(), "the stalled target is reported");
    assert!(down[0]["error"].as_str().unwrap().contains("took longer than 2 s to answer"), "{}", down[0]);
    let samples = of(&events, healthy.base.trim_start_matches("http://"), "sample");
    assert!(samples.len() >= 8, "the healthy target kept being sampled: {}", samples.len());
    let times: Vec<i64> = samples.iter().map(|s| s["at_ms"].as_i64().unwrap()).collect();
    let longest_gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(longest_gap < 1500, "no wait on the stalled target held the others back: {longest_gap} ms");
}

/// `(samples, integrity check)` of a history database, read by `SQLite` directly: the successful samples as
/// `(at_ms, source, total)`, oldest first.
fn stored_samples(db: &Path) -> (Vec<(i64, String, i64)>, String) {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    let mut statement = conn
        .prepare("SELECT at_ms, source, total FROM sample WHERE total IS NOT NULL ORDER BY at_ms, id")
        .unwrap();
    let samples = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (samples, integrity)
}

#[test]
fn a_database_locked_by_another_writer_is_reported_and_recording_resumes_after() {
    let service = start(&watch_service(), &["-leak-every", "0", "-lifetime", "60s"]);
    let dir = scratch("locked");
    let (db, events_file) = (dir.join("history.db"), dir.join("events.jsonl"));
    let timing = ["--interval", "200ms", "--profile-interval", "400ms", "--until", "12s"];
    let mut watch = recording_watch(&service, &timing, &db, &events_file);
    let deadline = Instant::now() + Duration::from_secs(10);
    while of(&events(&events_file), &service.name(), "sample").len() < 5 {
        assert!(Instant::now() < deadline, "no samples");
        std::thread::sleep(Duration::from_millis(100));
    }
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let locked_at = now_ms();
    std::thread::sleep(Duration::from_secs(3));
    other.execute_batch("ROLLBACK").unwrap();
    let released_at = now_ms();
    drop(other);
    assert_eq!(watch.wait().unwrap().code(), Some(0));

    let events = events(&events_file);
    let errors = of(&events, &service.name(), "store-error");
    assert!(!errors.is_empty(), "the lock is reported");
    assert!(errors[0]["error"].as_str().unwrap().contains("is locked by another process"), "{}", errors[0]);
    let sampled = of(&events, &service.name(), "sample");
    let during = sampled.iter().filter(|s| (locked_at..released_at).contains(&s["at_ms"].as_i64().unwrap()));
    assert!(during.count() >= 2, "sampling went on while the history was locked");
    let (stored, integrity) = stored_samples(&db);
    assert_eq!(integrity, "ok");
    let before = sampled.iter().filter(|s| s["at_ms"].as_i64().unwrap() < locked_at).count();
    assert!(
        stored.iter().filter(|s| s.0 < locked_at).count() >= before,
        "every sample before the lock is kept"
    );
    assert!(stored.iter().filter(|s| s.0 > released_at).count() >= 5, "recording resumed after the lock");
}

#[test]
fn a_full_database_is_reported_once_and_the_watch_goes_on() {
    let service = start(&watch_service(), &["-leak-every", "0", "-lifetime", "60s"]);
    let dir = scratch("full");
    let (db, events_file) = (dir.join("history.db"), dir.join("events.jsonl"));
    let (code, _, stderr) = goroscope(
        &[
            "watch",
            &service.base,
            "--interval",
            "200ms",
            "--until",
            "6s",
            "--max-db-size",
            "96KiB",
            "--db",
            db.to_str().unwrap(),
            "--events",
            events_file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let events = events(&events_file);
    let errors = of(&events, &service.name(), "store-error");
    assert_eq!(errors.len(), 1, "reported once: {errors:?}");
    assert!(errors[0]["error"].as_str().unwrap().contains("is full"), "{}", errors[0]);
    let full_at = errors[0]["at_ms"].as_i64().unwrap();
    let after = of(&events, &service.name(), "sample")
        .iter()
        .filter(|s| s["at_ms"].as_i64().unwrap() > full_at)
        .count();
    assert!(after >= 5, "sampling went on: {after} samples after the database filled");
    let (stored, integrity) = stored_samples(&db);
    assert_eq!(integrity, "ok");
    assert!(!stored.is_empty() && stored.iter().all(|s| s.0 <= full_at), "{stored:?}");
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

#[test]
fn a_leak_too_slow_for_the_short_window_is_caught_by_the_long_one() {
    // One goroutine every 300 ms: about 7 between the first and last of 3 profiles a second apart, under
    // --min-growth 10, and about 20 over the first points of a 24 s long window.
    let service = start(&watch_service(), &["-leak-every", "300ms", "-lifetime", "60s"]);
    let dir = scratch("slow-leak");
    let watch_for = |long_window: &str, until: &str, events_file: &Path| {
        goroscope(
            &[
                "watch",
                &service.base,
                "--interval",
                "1s",
                "--window",
                "3",
                "--long-window",
                long_window,
                "--until",
                until,
                "--no-db",
                "--events",
                events_file.to_str().unwrap(),
            ],
            None,
        )
    };
    let short_only = dir.join("short.jsonl");
    let (code, _, stderr) = watch_for("1h", "8s", &short_only);
    assert_eq!(code, 0, "the short window alone does not see it: {stderr}");
    assert!(of(&events(&short_only), &service.name(), "alarm").is_empty());

    let with_long = dir.join("long.jsonl");
    let (code, _, stderr) = watch_for("24s", "20s", &with_long);
    assert_eq!(code, 1, "{stderr}");
    let events = events(&with_long);
    let alarms = of(&events, &service.name(), "alarm");
    let leak = alarms.iter().find(|a| a["reason"] == "steady-growth").expect("a steady-growth alarm");
    assert!(leak["title"].as_str().unwrap().contains("confirm.func1"), "{leak}");
    assert!(leak["growth"].as_i64().unwrap() >= 10, "grown over the long window: {leak}");
    assert!(alarms.iter().all(|a| a["title"].as_str().unwrap().contains("confirm.func1")), "{alarms:?}");
}

#[test]
fn the_heap_is_sampled_judged_recorded_exported_and_drawn_on_the_history_page() {
    // Every request to /grow keeps 1 MiB for ever, at the site main.(*sessions).remember.
    let service = start(&pattern_programs().join("heapgrow"), &["-kib", "1024", "-lifetime", "90s"]);
    let dir = scratch("memory");
    let (db, events_file) = (dir.join("history.db"), dir.join("events.jsonl"));
    let mut watch = watch_with_exporter(
        &[
            &service.base,
            "--interval",
            "500ms",
            "--heap-interval",
            "1s",
            "--window",
            "4",
            "--until",
            "15s",
            "--db",
            db.to_str().unwrap(),
            "--events",
            events_file.to_str().unwrap(),
            "--no-tui",
        ],
        &[],
    );
    // About 8 MiB a second for 14 seconds: growing until the watch ends, so that every window (and the page's
    // span) sees it grow.
    let grow = format!("{}/grow", service.base);
    let load = std::thread::spawn(move || {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(5))).build().into();
        for _ in 0..112 {
            agent.get(&grow).call().expect("the service answers /grow");
            std::thread::sleep(Duration::from_millis(125));
        }
    });
    let name = service.name();
    assert_memory_metrics(&watch.url, &name);
    load.join().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = watch.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the watch did not end at --until");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "memory growth is not an alarm: {status:?}\n{}", watch.stderr());
    let stdout = watch.stdout();
    assert!(stdout.contains("MEMORY") && stdout.contains("remember"), "{stdout}");

    let events = events(&events_file);
    let heap_samples = of(&events, &name, "heap-sample");
    assert!(heap_samples.len() >= 8, "a heap profile a second: {}", heap_samples.len());
    let inuse: Vec<u64> = heap_samples.iter().map(|e| e["heap_inuse_bytes"].as_u64().unwrap()).collect();
    assert!(inuse.last().unwrap() > &(inuse[0] + (40 << 20)), "{inuse:?}");
    assert_memory_events(&of(&events, &name, "memory"));
    assert_heap_history(&db, &name, heap_samples.len());

    // Off: goroutine profiles only.
    let quiet = dir.join("off.jsonl");
    let (code, _, stderr) = goroscope(
        &[
            "watch",
            &service.base,
            "--heap-interval",
            "off",
            "--interval",
            "500ms",
            "--until",
            "3s",
            "--no-db",
            "--events",
            quiet.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let off = common::events(&quiet);
    assert!(!of(&off, &name, "sample").is_empty() && of(&off, &name, "heap-sample").is_empty(), "{off:?}");
}

/// Scrapes the exporter at `url` (for at most 14 s) until `target`'s memory grows significantly; checks the
/// memory gauges.
fn assert_memory_metrics(url: &str, target: &str) {
    let agent = ureq::Agent::new_with_defaults();
    let deadline = Instant::now() + Duration::from_secs(14);
    let metrics = loop {
        let text = agent.get(url).call().unwrap().body_mut().read_to_string().unwrap();
        let metrics = openmetrics_parser::openmetrics::parse_openmetrics(&text)
            .unwrap_or_else(|e| panic!("not OpenMetrics: {e:?}\n{text}"));
        let growing = samples(&metrics, "goroscope_memory_growth_significant").iter().any(|(_, v)| *v > 0.5);
        if growing || Instant::now() > deadline {
            break metrics;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let bytes = samples(&metrics, "goroscope_memory_bytes");
    for part in ["go_runtime", "heap", "stacks", "overhead", "max_rss"] {
        let value = bytes.iter().find(|(l, _)| l["target"] == target && l["part"] == part);
        assert!(value.is_some_and(|(_, v)| *v > 0.0), "{part}: {bytes:?}");
    }
    let growth = samples(&metrics, "goroscope_memory_growth_bytes");
    assert!(
        growth.iter().any(|(l, v)| l["cause"] == "heap-site-grows" && *v > f64::from(4 << 20)),
        "{growth:?}"
    );
}

/// The `memory` events name the growing site first, and come again only when another part leads.
fn assert_memory_events(memory: &[&serde_json::Value]) {
    let first = memory.first().expect("a memory event");
    assert_eq!(first["significant"], true, "{first}");
    assert!(first["verdict"].as_str().unwrap().contains("main.(*sessions).remember"), "{first}");
    let leading = &first["parts"][0];
    assert_eq!(leading["cause"], "heap-site-grows", "{first}");
    assert!(leading["title"].as_str().unwrap().contains("main.(*sessions).remember (main.go:"), "{first}");
    assert!(leading["share"].as_f64().unwrap() > 0.5, "{first}");
    assert!(leading["bytes"].as_i64().unwrap() > 4 << 20, "{first}");
    assert!(first["rate_bytes_per_minute"].as_f64().unwrap() > f64::from(100 << 20), "{first}");
    // The leading part without its bytes: the same site grows by more at each profile.
    let leading: Vec<String> = memory
        .iter()
        .map(|m| {
            let title: String =
                m["parts"][0]["title"].as_str().unwrap().chars().filter(|c| !c.is_ascii_digit()).collect();
            format!("{} {title}", m["parts"][0]["cause"])
        })
        .collect();
    assert!(leading.windows(2).all(|w| w[0] != w[1]), "sent when the leading part changes only: {leading:?}");
}

/// The history holds every heap profile (`count`) with its `MemStats` and text, and the page of `target` has the
/// memory section.
fn assert_heap_history(db: &Path, target: &str, count: usize) {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let (stored, texts, low, high): (i64, i64, i64, i64) = conn
        .query_row(
            "SELECT count(*), count(h.gzip), min(h.heap_inuse), max(h.heap_inuse) FROM heap_sample h
             JOIN sample s ON s.id = h.sample_id WHERE s.source = 'heap' AND s.epoch_id IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(stored as usize, count, "every heap profile is recorded");
    assert_eq!(texts, stored, "with its text");
    assert!(high > low + (40 << 20), "{low} … {high}");
    let gz: Vec<u8> = conn.query_row("SELECT gzip FROM heap_sample LIMIT 1", [], |r| r.get(0)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
    assert!(text.starts_with("heap profile: ") && text.contains("# runtime.MemStats"), "{text}");
    let page = db.with_file_name("page.html");
    let (code, _, stderr) = goroscope(
        &["history", "--db", db.to_str().unwrap(), "show", target, "--html", page.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&page).unwrap();
    let section = &html[html.find("<section class=\"memory\" id=\"memory\">").expect("the memory section")..];
    assert!(section.contains("main.(*sessions).remember"), "{section}");
    assert!(section.contains("<svg class=\"chart\""), "with the chart of the heap profiles");
}
