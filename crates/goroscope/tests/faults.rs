//! Network faults end to end through the binary: `goroscope analyze URL` and `goroscope watch` against servers
//! that refuse, stall, trickle, never end, loop redirects, reset or cut their answers, or present a certificate
//! that must be refused (tests/common/faults.rs), next to a real healthy Go service.

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::time::{Duration, Instant};

use common::{goroscope, pattern_programs, start};
use faults::{Fault, FaultServer};

/// The `--timeout` of these runs, and what a run may take beyond it (starting the process, connecting).
const TIMEOUT: Duration = Duration::from_secs(2);
const SLACK: Duration = Duration::from_secs(8);
/// The `--max-size` of these runs: the endless body stops there.
const MAX_SIZE: &str = "4MiB";

/// What the message for `fault` must say: what happened, and what to do about it.
fn expected(fault: Fault) -> [&'static str; 2] {
    match fault {
        Fault::Refused => ["connection refused by", "is the service running"],
        Fault::Silent | Fault::StallAfterHeaders | Fault::Trickle => {
            ["took longer than 2 s", "raise --timeout"]
        }
        Fault::EndlessBody => ["exceeds 4194304 bytes (--max-size)", "raise --max-size"],
        Fault::RedirectLoop => ["redirected more than 3 times", "check the URL"],
        Fault::ResetMidBody | Fault::ResetMidUnframedBody | Fault::CutLengthBody | Fault::CutChunkedBody => {
            ["before the whole response arrived", "try again"]
        }
        Fault::UntrustedCertificate => ["is not signed by a trusted authority", "--cacert"],
        Fault::WrongHostCertificate => {
            ["is not valid for `127.0.0.1`", "connect with a name the certificate lists"]
        }
    }
}

/// `goroscope analyze` of the fault's URL: its options, and those it needs to reach it at all.
fn analyze_args(server: &FaultServer, format: &str) -> Vec<String> {
    let mut args: Vec<String> = ["analyze", &server.url, "--format", format, "--color", "never"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["--timeout", "2s", "--connect-timeout", "2s", "--max-size", MAX_SIZE].map(str::to_owned));
    if let Some(ca) = &server.cacert {
        args.extend(["--cacert".to_owned(), ca.display().to_string()]);
    }
    args
}

#[test]
fn analyze_ends_each_fault_with_exit_2_a_message_and_no_report_within_its_timeout() {
    let mut failures = Vec::new();
    for fault in Fault::ALL {
        let server = faults::start(fault);
        for format in ["table", "json"] {
            let args = analyze_args(&server, format);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let began = Instant::now();
            let (code, stdout, stderr) = goroscope(&args, None);
            let took = began.elapsed();
            let [what, todo] = expected(fault);
            let problems: Vec<&str> = [
                (code != 2, "exit code not 2"),
                (!stdout.trim().is_empty(), "a report on standard output"),
                (!stderr.contains(what), "the message does not say what happened"),
                (!stderr.contains(todo), "the message does not say what to do"),
                (stderr.contains("panicked"), "a panic"),
                (took > TIMEOUT + SLACK, "longer than --timeout plus slack"),
            ]
            .into_iter()
            .filter_map(|(bad, why)| bad.then_some(why))
            .collect();
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({format}): {problems:?}; exit {code} after {took:?}\nstderr: {stderr}stdout: {}",
                    fault.name(),
                    stdout.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn watch_reports_each_fault_per_target_keeps_sampling_the_healthy_service_and_ends_on_time() {
    const UNTIL: Duration = Duration::from_secs(12);
    let healthy = start(&pattern_programs().join("watch"), &["-leak-every", "0", "-lifetime", "90s"]);
    let servers: Vec<FaultServer> = Fault::ALL.into_iter().map(faults::start).collect();
    let dir = common::scratch("faults", "watch");
    let (db, events_file) = (dir.join("history.db"), dir.join("events.jsonl"));
    let mut args: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    args.push(healthy.base.clone());
    let wrong_host = servers.iter().find_map(|s| s.cacert.as_ref()).unwrap();
    for option in [
        "--interval=500ms",
        "--timeout=2s",
        "--connect-timeout=2s",
        &format!("--max-size={MAX_SIZE}"),
        &format!("--cacert={}", wrong_host.display()),
        &format!("--until={}s", UNTIL.as_secs()),
        &format!("--db={}", db.display()),
        &format!("--events={}", events_file.display()),
        "--color=never",
    ] {
        args.push(option.to_owned());
    }
    let mut command = vec!["watch"];
    command.extend(args.iter().map(String::as_str));
    let began = Instant::now();
    let (code, stdout, stderr) = goroscope(&command, None);
    let took = began.elapsed();
    assert_eq!(code, 0, "no alarm, and the faults are no error of the watch: {stderr}\n{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < UNTIL + TIMEOUT + SLACK, "the watch ended {took:?} after it began (--until {UNTIL:?})");

    let events = common::events(&events_file);
    let mut failures = Vec::new();
    for server in &servers {
        let name = server.name();
        let down = common::of(&events, &name, "down");
        let [what, _] = expected(server.fault);
        match down.first() {
            None => failures.push(format!("{}: never reported down", server.fault.name())),
            Some(first) if !first["error"].as_str().unwrap().contains(what) => {
                failures.push(format!("{}: {}", server.fault.name(), first["error"]));
            }
            Some(_) => {}
        }
        let samples = common::of(&events, &name, "sample");
        if !samples.is_empty() {
            failures.push(format!(
                "{}: sampled {} times: {:?}",
                server.fault.name(),
                samples.len(),
                samples[0]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The healthy service was sampled from the start to the end, at its interval whatever the others did.
    let samples = common::of(&events, &healthy.name(), "sample");
    let times: Vec<i64> = samples.iter().map(|s| s["at_ms"].as_i64().unwrap()).collect();
    assert!(times.len() >= 15, "the healthy service was sampled {} times in {UNTIL:?}", times.len());
    let longest_gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(
        longest_gap < 1500,
        "a fault held the healthy service back: {longest_gap} ms between two samples"
    );
    assert!(common::of(&events, &healthy.name(), "down").is_empty(), "the healthy service was never down");

    // The history holds the failures, each with its error, and the healthy samples.
    let store = goroscope_watch::Store::open_read_only(&db).unwrap();
    let targets = store.targets().unwrap();
    for server in &servers {
        let target =
            targets.iter().find(|t| t.name == server.name()).expect("every target is in the history");
        assert!(target.errors >= 1 && target.errors == target.samples, "{}: {target:?}", server.fault.name());
    }
    let healthy_row = targets.iter().find(|t| t.name == healthy.name()).unwrap();
    assert!(healthy_row.errors == 0 && healthy_row.samples as usize >= times.len(), "{healthy_row:?}");
}

#[test]
fn watch_caps_an_endless_body_at_its_unattended_default_without_being_told() {
    let server = faults::start(Fault::EndlessBody);
    let dir = common::scratch("faults", "watch-default-cap");
    let events_file = dir.join("events.jsonl");
    let events_arg = format!("--events={}", events_file.display());
    let (code, _, stderr) =
        goroscope(&["watch", &server.url, "--until=3s", "--no-db", &events_arg, "--color=never"], None);
    assert_eq!(code, 0, "{stderr}");
    let events = common::events(&events_file);
    let down = common::of(&events, &server.name(), "down");
    let error = down.first().expect("the endless body is reported")["error"].as_str().unwrap().to_owned();
    assert!(error.contains("exceeds 268435456 bytes (--max-size)"), "{error}");
}
