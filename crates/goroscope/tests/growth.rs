//! `goroscope diff` and `goroscope series` on snapshots of real Go programs taken through their pprof endpoints:
//! a leak grows between them, in one format or across formats; a restart is noticed; a busy healthy server's
//! goroutines come and go without being called a leak.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{fetch, goroscope, pattern_programs, start};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves what the service serves at `path` (e.g. `/debug/pprof/goroutine?debug=2`) into `file`.
fn save(base: &str, path: &str, file: &Path) -> String {
    std::fs::write(file, fetch(&format!("{base}{path}"))).unwrap();
    file.to_str().unwrap().to_owned()
}

/// Triggers the send-no-receiver leak `n` more times: each request leaves one goroutine sending for ever. The
/// handler answers 504 (the lookup timed out), which is the point.
fn leak_more(base: &str, n: usize) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    for i in 0..n {
        let response = agent.get(&format!("{base}/quote?sku=MORE-{i}")).call().unwrap();
        assert_eq!(response.status(), 504);
    }
    // The lookup sleeps 50 ms before it blocks on its send.
    std::thread::sleep(Duration::from_millis(300));
}

fn diff_json(before: &str, after: &str) -> serde_json::Value {
    let (code, stdout, stderr) = goroscope(&["diff", before, after, "--format", "json"], None);
    assert_eq!(code, 0, "goroscope diff failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// The change of the group stuck at the leaking send, found by its leak site.
fn quote_change(report: &serde_json::Value) -> serde_json::Value {
    report["diff"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["group"]["leak_site"]["function"].as_str().is_some_and(|f| f.starts_with("main.handleQuote"))
        })
        .unwrap_or_else(|| panic!("no change at main.handleQuote in {:#}", report["diff"]))
        .clone()
}

#[test]
fn a_leak_that_grows_between_two_dumps_is_named_with_its_growth() {
    let program = start(&pattern_programs().join("send-no-receiver"), &["-n", "5"]);
    let dir = scratch("grows");
    let before = save(&program.base, "/debug/pprof/goroutine?debug=2", &dir.join("before.txt"));
    leak_more(&program.base, 20);
    let after = save(&program.base, "/debug/pprof/goroutine?debug=2", &dir.join("after.txt"));

    let report = diff_json(&before, &after);
    let change = quote_change(&report);
    assert_eq!(change["change"], "grown", "{change:#}");
    assert_eq!((change["before"].as_u64(), change["after"].as_u64()), (Some(5), Some(25)), "{change:#}");
    assert_eq!(change["group"]["level"], "likely");
    assert_eq!(change["group"]["pattern"], "send-no-receiver");
    let codes: Vec<&str> =
        change["group"]["evidence"].as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
    assert!(codes.contains(&"grew"), "{codes:?}");
    // The suspects among the grown come first.
    assert_eq!(report["diff"]["changes"][0], change);
    assert!(report["diff"]["warnings"].as_array().unwrap().is_empty(), "{:#}", report["diff"]["warnings"]);

    // The table says the same for people.
    let (code, table, _) = goroscope(&["diff", &before, &after, "--color", "never"], None);
    assert_eq!(code, 0);
    assert!(table.contains("GROWN +20 (5 → 25)"), "{table}");
    assert!(table.contains("grew from 5 to 25 goroutines"), "{table}");
}

#[test]
fn a_debug1_profile_compares_with_a_later_debug2_dump() {
    let program = start(&pattern_programs().join("send-no-receiver"), &["-n", "4"]);
    let dir = scratch("formats");
    let before = save(&program.base, "/debug/pprof/goroutine?debug=1", &dir.join("before-debug1.txt"));
    leak_more(&program.base, 8);
    let after = save(&program.base, "/debug/pprof/goroutine?debug=2", &dir.join("after-debug2.txt"));

    let report = diff_json(&before, &after);
    let change = quote_change(&report);
    assert_eq!((change["before"].as_u64(), change["after"].as_u64()), (Some(4), Some(12)), "{change:#}");
    assert_eq!(change["change"], "grown");
    // The server's own goroutines match across the formats: nothing else appears or vanishes in bulk.
    let counts = &report["diff"]["counts"];
    assert!(counts["new"].as_u64().unwrap() <= 3 && counts["gone"].as_u64().unwrap() <= 3, "{counts:#}");
}

#[test]
fn snapshots_of_two_processes_are_called_out() {
    // Enough requests that goroutine ids run far past what a fresh process reaches; then another process,
    // whose goroutines sit at ids the first one handed out long before.
    let first = start(&pattern_programs().join("send-no-receiver"), &["-n", "700"]);
    let dir = scratch("restart");
    let before = save(&first.base, "/debug/pprof/goroutine?debug=2", &dir.join("before.txt"));
    drop(first);
    let second = start(&pattern_programs().join("range-never-closed"), &["-n", "30"]);
    let after = save(&second.base, "/debug/pprof/goroutine?debug=2", &dir.join("after.txt"));

    let report = diff_json(&before, &after);
    let warnings = report["diff"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains("two processes")),
        "no restart warning in {warnings:#?}"
    );
    assert_eq!(quote_change(&report)["change"], "gone");
}

fn series_json(files: &[String], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["series", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = goroscope(&args, None);
    assert_eq!(code, 0, "goroscope series failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn a_series_measures_the_leak_rate_and_the_time_to_a_limit() {
    let program = start(&pattern_programs().join("send-no-receiver"), &["-n", "3"]);
    let dir = scratch("series");
    let mut files = Vec::new();
    for (round, more) in [0, 5, 10, 20].into_iter().enumerate() {
        leak_more(&program.base, more);
        files.push(save(
            &program.base,
            "/debug/pprof/goroutine?debug=2",
            &dir.join(format!("round{round}.txt")),
        ));
    }
    let report = series_json(&files, &["--interval", "1m", "--limit", "1000"]);
    let series = &report["series"];
    let quote = series["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["group"]["leak_site"]["function"].as_str().is_some_and(|f| f.starts_with("main.handleQuote"))
        })
        .unwrap_or_else(|| panic!("no series for main.handleQuote in {series:#}"));
    let counts: Vec<u64> = quote["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
    assert_eq!(counts, [3, 8, 18, 38]);
    // Theil–Sen over one-minute steps: the median of the pairwise slopes (5, 7.5, 10, 11.7, 15, 20).
    let rate = quote["rate"].as_f64().unwrap();
    assert!((rate - 10.83).abs() < 0.1, "{rate}");
    assert_eq!((quote["rises"].as_u64(), quote["falls"].as_u64()), (Some(3), Some(0)));
    assert_eq!(quote["group"]["level"], "likely");
    let codes: Vec<&str> =
        quote["group"]["evidence"].as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
    assert!(codes.contains(&"steady-growth"), "{codes:?}");
    assert!(quote["share"].as_f64().unwrap() > 0.8, "{quote:#}");
    assert_eq!(series["groups"][0], *quote, "the growing suspect comes first");
    assert_eq!(series["unit"], "per_minute");
    let until = series["until_limit"].as_f64().expect("a projection");
    assert!(until > 0.0 && until < 1000.0, "{until}");

    let (code, table, _) = goroscope(
        &[
            &["series", "--interval", "1m", "--limit", "1000"][..],
            &files.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat(),
        None,
    );
    assert_eq!(code, 0);
    assert!(table.contains("+35 (3 → 8 → 18 → 38)"), "{table}");
    assert!(table.contains("1,000 goroutines in"), "{table}");
}

#[test]
fn a_busy_healthy_server_is_not_a_growing_leak() {
    let program = start(&pattern_programs().join("http-under-load"), &[]);
    let dir = scratch("busy");
    let mut files = Vec::new();
    for round in 0..8 {
        files.push(save(
            &program.base,
            "/debug/pprof/goroutine?debug=2",
            &dir.join(format!("round{round}.txt")),
        ));
        std::thread::sleep(Duration::from_millis(150));
    }
    let report = series_json(&files, &[]);
    let series = &report["series"];
    assert_eq!(series["unit"], "per_minute", "file times serve as the dumps' times");
    for g in series["groups"].as_array().unwrap() {
        let level = g["group"]["level"].as_str().unwrap();
        assert!(
            level != "likely" && level != "certain",
            "a busy server's group called a {level} leak: {g:#}"
        );
    }
}

/// The demo service serving (not in its `-drive` mode), with its pprof URL.
struct DemoService {
    child: std::process::Child,
    base: String,
}

impl Drop for DemoService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo_service() -> DemoService {
    use std::io::BufRead;
    let bin = common::build(&common::repo().join("examples/leaky-service"), ".");
    let mut child = std::process::Command::new(bin.join("leakyservice"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starting the demo service");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("pprof ").expect("the demo service prints its URL").to_owned();
    DemoService { child, base }
}

#[test]
fn the_demo_service_driven_in_rounds_grows_where_it_leaks() {
    let service = demo_service();
    // A quote that times out answers 504 from the cached price list: that is the leak.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let dir = scratch("demo-rounds");
    let mut files = Vec::new();
    for round in 0..4 {
        for i in 0..5 {
            agent.get(&format!("{}/quote?sku=R{round}-{i}", service.base)).call().unwrap();
        }
        for i in 0..3 {
            agent.post(&format!("{}/shipments/track?order=R{round}-{i}", service.base)).send_empty().unwrap();
        }
        // The pricing call takes 60 ms before its goroutine blocks on the send.
        std::thread::sleep(Duration::from_millis(400));
        files.push(save(
            &service.base,
            "/debug/pprof/goroutine?debug=2",
            &dir.join(format!("round{round}.txt")),
        ));
    }
    let report = series_json(&files, &["--interval", "30s", "--group", "site"]);
    let groups = report["series"]["groups"].as_array().unwrap();
    let at = |function: &str| {
        groups
            .iter()
            .find(|g| g["group"]["leak_site"]["function"] == function)
            .unwrap_or_else(|| panic!("no series at {function}"))
    };
    let quote = at("main.(*service).handleQuote.func1");
    let counts: Vec<u64> = quote["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
    assert_eq!(counts, [5, 10, 15, 20]);
    assert!((quote["rate"].as_f64().unwrap() - 10.0).abs() < 1e-9, "5 per 30 s is 10 per minute");
    assert_eq!(quote["group"]["level"], "likely");
    let poller = at("main.(*service).pollCarrier");
    assert!(poller["growth"].as_i64().unwrap() >= 6, "{poller:#}");
    // The two leaks explain nearly all the growth of the total.
    let shares: f64 = [quote, poller].iter().filter_map(|g| g["share"].as_f64()).sum();
    assert!(shares > 0.9, "{shares}");
}
