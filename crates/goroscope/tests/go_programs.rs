//! Real Go programs, one per leak pattern and several healthy ones, run and dumped through their real
//! `net/http/pprof` endpoint, then analysed by the goroscope binary.

mod common;

use std::path::Path;

use common::{Want, analyze_json, describe, fetch, pattern_programs, repo, start, wants};

/// Runs one program, dumps it with debug=2 and returns the analysis JSON of the dump.
fn dump_and_analyze(kind: &str, name: &str) -> serde_json::Value {
    let binary = pattern_programs().join(name);
    let running = start(&binary, &[]);
    let dump = fetch(&format!("{}/debug/pprof/goroutine?debug=2", running.base));
    drop(running);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dumps");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{kind}-{name}.txt"));
    std::fs::write(&path, dump).unwrap();
    analyze_json(&path, &[])
}

fn assert_flags_exactly_the_planted_leak(name: &str) {
    let dir = repo().join("testdata/go/leaks").join(name);
    let planted: Vec<Want> = wants(&dir);
    assert!(!planted.is_empty(), "{name} has no `want leak` marker");
    let input = dump_and_analyze("leak", name);
    let groups = input["groups"].as_array().unwrap();
    for want in &planted {
        let hit = groups
            .iter()
            .find(|g| g["pattern"] == want.pattern.as_str() && g["level"] == want.level.as_str());
        let Some(hit) = hit else {
            panic!(
                "{name}: no {} group with pattern {}; groups:\n{}",
                want.level,
                want.pattern,
                describe(&input)
            );
        };
        if want.pattern != "body-not-closed" {
            // The leak site is the marked line (body-not-closed blocks inside net/http, not on the marked call).
            let site = &hit["leak_site"];
            assert!(
                site["file"].as_str().unwrap().ends_with(&format!("leaks/{name}/main.go"))
                    && site["line"] == want.line,
                "{name}: leak site is {site}, want line {} of {}",
                want.line,
                want.file.display()
            );
            let excerpt = &hit["source"];
            assert_eq!(excerpt["marked_line"], want.line, "{name}: source excerpt marks the leak site");
        }
        assert!(hit["count"].as_u64().unwrap() >= 1);
        assert!(!hit["evidence"].as_array().unwrap().is_empty(), "{name}: verdict without evidence");
    }
    let flagged = groups.iter().filter(|g| g["level"] != "healthy").count();
    assert_eq!(flagged, planted.len(), "{name}: only the planted leaks are suspects:\n{}", describe(&input));
}

fn assert_healthy(name: &str) {
    let input = dump_and_analyze("healthy", name);
    let flagged: Vec<_> = input["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"] == "certain" || g["level"] == "likely")
        .collect();
    assert!(flagged.is_empty(), "{name} is healthy but goroscope flags:\n{}", describe(&input));
    assert!(
        input["summary"]["goroutines"].as_u64().unwrap() >= 4,
        "{name}: dump has too few goroutines to mean anything"
    );
}

macro_rules! leak_tests {
    ($($test:ident => $name:literal,)*) => {$(
        #[test]
        fn $test() {
            assert_flags_exactly_the_planted_leak($name);
        }
    )*};
}

macro_rules! healthy_tests {
    ($($test:ident => $name:literal,)*) => {$(
        #[test]
        fn $test() {
            assert_healthy($name);
        }
    )*};
}

leak_tests! {
    send_no_receiver => "send-no-receiver",
    receive_never_sent => "receive-never-sent",
    range_never_closed => "range-never-closed",
    nil_channel => "nil-channel",
    select_never_fires => "select-never-fires",
    select_no_cases => "select-no-cases",
    loop_without_exit => "loop-without-exit",
    lock_never_released => "lock-never-released",
    waitgroup_mismatch => "waitgroup-mismatch",
    cond_never_signalled => "cond-never-signalled",
    body_not_closed => "body-not-closed",
}

healthy_tests! {
    healthy_http_under_load => "http-under-load",
    healthy_worker_pool => "worker-pool",
    healthy_background_loops => "background-loops",
    healthy_client_pool => "client-pool",
}

#[test]
fn every_leak_program_has_a_test() {
    let programs: Vec<String> = std::fs::read_dir(repo().join("testdata/go/leaks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let this_file = include_str!("go_programs.rs");
    for program in programs {
        assert!(this_file.contains(&format!("=> \"{program}\"")), "testdata/go/leaks/{program} has no test");
    }
}
