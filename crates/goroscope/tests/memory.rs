//! Memory attribution on real Go programs (`testdata/go/memory`): from their captured heap profiles and goroutine
//! dumps (`testdata/memory`), and live through their `net/http/pprof` endpoints while the test drives their
//! load. Each program marks the line whose memory grows (`// want heap: CAUSE`, `// want offheap: CAUSE`); the
//! healthy one marks none and must get no finding. Also the inputs that must be refused.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{goroscope, pattern_programs, repo, start};
use serde_json::Value;

/// The growth a program's source says it has: the cause and the line of `// want heap:` or `// want offheap:`.
struct Planted {
    cause: String,
    file: PathBuf,
    line: u32,
}

fn planted(program: &str) -> Option<Planted> {
    let file = repo().join("testdata/go/memory").join(program).join("main.go");
    let text = std::fs::read_to_string(&file).unwrap();
    text.lines().enumerate().find_map(|(i, line)| {
        let spec = line.split("// want heap: ").nth(1).or_else(|| line.split("// want offheap: ").nth(1))?;
        Some(Planted { cause: spec.trim().to_owned(), file: file.clone(), line: i as u32 + 1 })
    })
}

fn memory_json(args: &[&str]) -> Value {
    let mut all = vec!["analyze", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = goroscope(&all, None);
    assert_eq!(code, 0, "goroscope {args:?} failed: {stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    report["memory"].clone()
}

/// The captured files of one program, heap profiles (`heap-k.txt` or `heap-k.pb.gz`) then goroutine dumps.
fn captured(program: &str, heap: &str) -> Vec<String> {
    let dir = Path::new("testdata/memory").join(program);
    let heaps = (0..6).map(|k| dir.join(format!("heap-{k}.{heap}")));
    let dumps = (0..6).map(|k| dir.join(format!("goroutine-{k}.txt")));
    heaps.chain(dumps).map(|p| p.to_str().unwrap().to_owned()).collect()
}

fn describe(memory: &Value) -> String {
    let live: Vec<String> = memory["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "heap {} stacks {} rss {}",
                p["memstats"]["heap_inuse"], p["memstats"]["stack_inuse"], p["memstats"]["max_rss"]
            )
        })
        .collect();
    format!(
        "verdict: {}\npoints: {live:#?}\nparts: {:#}",
        memory["growth"]["verdict"], memory["growth"]["parts"]
    )
}

/// What the profiles alone can tell of a planted cause: what keeps a subslice or a map's values is in the
/// source, not in the profile, so without the source those are a heap site that grows.
fn without_source(cause: &str) -> &str {
    match cause {
        "subslice-retention" | "unbounded-cache" => "heap-site-grows",
        other => other,
    }
}

/// The verdict names the planted cause first (as far as `with_source` allows), at the planted line (or, for
/// memory outside Go, says so), and its share is most of the growth.
fn assert_names_the_planted_growth(program: &str, memory: &Value, with_source: bool) {
    let want = planted(program).unwrap();
    let growth = &memory["growth"];
    assert_eq!(growth["significant"], true, "{program}: {}", describe(memory));
    let top = &growth["parts"][0];
    let cause = if with_source { want.cause.as_str() } else { without_source(&want.cause) };
    assert_eq!(top["cause"], cause, "{program}: {}", describe(memory));
    assert!(top["share"].as_f64().unwrap() > 0.6, "{program}: {}", describe(memory));
    if want.cause == "off-heap-growth" {
        // Nothing in the Go heap grows.
        assert!(memory["sites"].as_array().unwrap().iter().all(|s| s["growing"] == false), "{program}");
        return;
    }
    let sites = memory["sites"].as_array().unwrap();
    let named: Vec<&Value> =
        top["sites"].as_array().unwrap().iter().map(|i| &sites[i.as_u64().unwrap() as usize]).collect();
    assert!(!named.is_empty(), "{program}: the top part names no site: {}", describe(memory));
    let site = &named[0]["site"];
    assert!(
        site["file"].as_str().unwrap().ends_with(&format!("memory/{program}/main.go"))
            && site["line"] == want.line,
        "{program}: the site is {site}, want line {} of {}",
        want.line,
        want.file.display()
    );
    // The estimate follows the truth: each load keeps about as much as the one before (8.4 MB a step, within
    // the sampling error of a few MB).
    let series: Vec<u64> =
        named.iter().map(|s| s["series"].as_array().unwrap().last().unwrap().as_u64().unwrap()).collect();
    assert!(series.iter().sum::<u64>() > 20 << 20, "{program}: {series:?}");
}

#[test]
fn captured_series_name_the_cause_and_site_of_each_program() {
    for program in ["subslice-retention", "map-cache", "goroutine-heap", "ticker-leak", "cgo-offheap"] {
        let files = captured(program, "txt");
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        let memory = memory_json(&args);
        assert_names_the_planted_growth(program, &memory, false);
    }
}

#[test]
fn goroutines_holding_heap_are_tied_to_their_group() {
    let files = captured("goroutine-heap", "txt");
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = goroscope(&[&["analyze", "-f", "json"], &args[..]].concat(), None);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let top = &report["memory"]["growth"]["parts"][0];
    assert_eq!(top["cause"], "heap-held-by-goroutines");
    // The group is the one parked at the planted send, which the last dump reports.
    let group = top["group"].as_str().unwrap();
    let last = report["inputs"].as_array().unwrap().last().unwrap();
    let parked = last["groups"].as_array().unwrap().iter().find(|g| g["fingerprint"] == group).unwrap();
    assert_eq!(parked["leak_site"]["line"], 33, "{parked:#}");
    assert!(
        top["title"].as_str().unwrap().starts_with("320 more goroutines parked at main.report.func1"),
        "{top}"
    );
    // The composition divides the stacks by the goroutines of the dump taken alongside.
    let composition = &report["memory"]["composition"];
    assert_eq!(composition["goroutines"], 325);
    assert!(composition["stacks"].as_u64().unwrap() > 900_000, "{composition}");
}

#[test]
fn the_healthy_program_gets_no_finding() {
    for heap in ["txt", "pb.gz"] {
        let files = captured("steady", heap);
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        let memory = memory_json(&args);
        assert_eq!(memory["growth"]["significant"], false, "steady ({heap}): {}", describe(&memory));
        assert!(memory["growth"]["verdict"].as_str().unwrap().starts_with("memory is steady"));
        let growing: Vec<&Value> =
            memory["sites"].as_array().unwrap().iter().filter(|s| s["growing"] == true).collect();
        assert!(growing.is_empty(), "steady ({heap}) has growing sites: {growing:#?}");
    }
}

#[test]
fn protos_alone_name_the_heap_sites_with_their_own_times() {
    let files = captured("subslice-retention", "pb.gz");
    let heaps: Vec<&str> = files.iter().map(String::as_str).filter(|f| f.ends_with(".pb.gz")).collect();
    let memory = memory_json(&heaps);
    assert_eq!(memory["unit"], "per_minute", "the protos carry their times");
    assert_eq!(memory["growth"]["measured_by"], "heap_profile");
    assert!(memory["composition"].is_null());
    let top = &memory["growth"]["parts"][0];
    assert_eq!(top["cause"], "heap-site-grows");
    assert!(top["title"].as_str().unwrap().starts_with("main.readUpload (main.go:28)"), "{top}");
    assert!(
        memory["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("no profile carries runtime.MemStats"))
    );
}

#[test]
fn the_table_and_html_say_the_verdict() {
    let files = captured("map-cache", "txt");
    let html = Path::new(env!("CARGO_TARGET_TMPDIR")).join("memory-map-cache.html");
    let mut args = vec!["analyze", "--html", html.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    let (code, stdout, stderr) = goroscope(&args, None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("memory  6 heap profiles"), "{stdout}");
    assert!(stdout.contains("verdict  memory grew by"), "{stdout}");
    assert!(stdout.contains("main.renderPage"), "{stdout}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<section class=\"memory\" id=\"memory\">")
            && page.contains("Memory over the heap profiles")
    );
    assert_eq!(page.to_ascii_lowercase().matches("<script").count(), 1);
}

/// Starts a memory program and, in the background, loads it `loads` times, `pause` apart.
fn loaded(
    program: &str,
    n: u32,
    loads: u32,
    pause: Duration,
) -> (common::Running, std::thread::JoinHandle<()>) {
    let running = start(&pattern_programs().join(program), &[]);
    let url = format!("{}/load?n={n}", running.base);
    let driver = std::thread::spawn(move || {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(30))).build().into();
        for _ in 0..loads {
            std::thread::sleep(pause);
            // The sampling may end first and the program go away: the loads that matter came before.
            if agent.get(&url).call().is_err() {
                break;
            }
        }
    });
    (running, driver)
}

#[test]
fn live_services_are_sampled_and_split() {
    // Four samples three seconds apart, with a load every second meanwhile: every interval sees two or three.
    let cases = [("goroutine-heap", 64), ("cgo-offheap", 8), ("steady", 256)];
    let runs: Vec<_> = cases
        .iter()
        .map(|&(program, n)| {
            let (running, driver) = loaded(program, n, 12, Duration::from_secs(1));
            let base = running.base.clone();
            let sampler = std::thread::spawn(move || {
                memory_json(&[&base, "--memory", "--cheap", "--samples", "4", "--every", "3s"])
            });
            (program, running, driver, sampler)
        })
        .collect();
    for (program, running, driver, sampler) in runs {
        let memory = sampler.join().unwrap();
        driver.join().unwrap();
        drop(running);
        assert_eq!(memory["points"].as_array().unwrap().len(), 4, "{program}");
        assert_eq!(memory["unit"], "per_minute", "{program}: live samples carry the time they were fetched");
        match planted(program) {
            Some(_) => assert_names_the_planted_growth(program, &memory, false),
            None => assert_eq!(memory["growth"]["significant"], false, "{program}: {}", describe(&memory)),
        }
    }
}

#[test]
fn profiles_of_different_programs_or_runs_are_refused() {
    let (code, _, stderr) = goroscope(
        &["analyze", "testdata/memory/edge/mismatch-goroutine.txt", "testdata/memory/edge/mismatch-heap.txt"],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("come from different programs") && stderr.contains("main package is in"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: give heap profiles and goroutine dumps of the same process"), "{stderr}");
    // Out of order, or across a restart: a cumulative counter falls.
    let (code, _, stderr) = goroscope(
        &["analyze", "testdata/memory/map-cache/heap-3.txt", "testdata/memory/map-cache/heap-1.txt"],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("are not of one run of one process: MemStats.TotalAlloc fell"), "{stderr}");
}

#[test]
fn sampling_rates_are_normalised_and_said() {
    let estimate = |file: &str| -> u64 {
        let memory = memory_json(&[file]);
        let site = memory["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["site"]["function"] == "main.readUpload")
            .unwrap()
            .clone();
        site["inuse_bytes"].as_u64().unwrap()
    };
    // The same load (16 × 512 KiB) sampled at 4 KiB and at 512 KiB: both estimate the 8 MiB kept.
    for file in
        ["heap-rate-4096.txt", "heap-rate-524288.txt", "heap-rate-4096.pb.gz", "heap-rate-524288.pb.gz"]
    {
        let bytes = estimate(&format!("testdata/memory/edge/{file}"));
        assert!((6 << 20..11 << 20).contains(&bytes), "{file}: {bytes}");
    }
    let memory = memory_json(&[
        "testdata/memory/edge/heap-rate-4096.txt",
        "testdata/memory/edge/heap-rate-524288.txt",
    ]);
    let notes: Vec<&str> = memory["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.contains("sampled at different rates (4.0 KiB, 512 KiB)")), "{notes:?}");
    let memory = memory_json(&["testdata/memory/edge/heap-memprofilerate-0.txt"]);
    assert!(memory["notes"][0].as_str().unwrap().contains("runtime.MemProfileRate = 0"), "{memory:#}");
}

#[test]
fn cut_and_foreign_profiles_say_what_happened() {
    for file in ["heap-cut-in-record.txt", "heap-cut-in-memstats.txt"] {
        let memory = memory_json(&[&format!("testdata/memory/edge/{file}")]);
        let notes = memory["notes"].to_string();
        assert!(notes.contains("is cut short (the profile ends in the middle of a line)"), "{file}: {notes}");
        assert!(memory["composition"].is_null(), "{file}: a partial trailer is not read as MemStats");
    }
    // Hand-made: a CPU profile's sample types.
    let mut cpu = Vec::new();
    for (type_index, unit_index) in [(1u8, 2u8), (3, 4)] {
        cpu.extend_from_slice(&[0x0a, 0x04, 0x08, type_index, 0x10, unit_index]);
    }
    for s in ["", "samples", "count", "cpu", "nanoseconds"] {
        cpu.extend_from_slice(&[0x32, s.len() as u8]);
        cpu.extend_from_slice(s.as_bytes());
    }
    let (code, _, stderr) = goroscope(&["analyze", "-"], Some(&cpu));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a samples/count, cpu/nanoseconds profile"), "{stderr}");
    // A heap profile where only goroutine dumps make sense.
    let (code, _, stderr) = goroscope(
        &["diff", "testdata/memory/map-cache/heap-1.txt", "testdata/memory/map-cache/heap-2.txt"],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a heap profile, not a goroutine dump"), "{stderr}");
}

#[test]
fn the_source_narrows_a_heap_site_to_its_cause() {
    // The map that keeps the pages is in a function of the allocation stack: GL604 there names the cache.
    let files = captured("map-cache", "txt");
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["--src", "testdata/go/memory/map-cache"]);
    let memory = memory_json(&args);
    assert_names_the_planted_growth("map-cache", &memory, true);
    let site = memory["sites"].as_array().unwrap().iter().find(|s| s["growing"] == true).unwrap();
    assert!(
        site["evidence"][0].as_str().unwrap().starts_with("GL604 unbounded-map-cache in main.page"),
        "{site:#}"
    );
}
