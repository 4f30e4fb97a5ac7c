//! Live collection from real Go programs: their `net/http/pprof` endpoints (plain, behind a token and a header,
//! over TLS with a test CA) and the gops agent; compressed and log inputs; every failure with its own message.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{goroscope, repo, start};
use serde_json::Value;

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// testdata/go/formats built with the goroutineleak profile (Go 1.26's experiment; on by default from 1.27).
fn formats_program() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        common::require_go();
        let out = temp_dir("formats-bin").join("formats");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg("./formats")
            .current_dir(repo().join("testdata/go"))
            .env("GOTOOLCHAIN", "local")
            .env("GOEXPERIMENT", "goroutineleakprofile")
            .status()
            .expect("running go build");
        assert!(status.success(), "go build ./formats failed");
        out
    })
}

/// `goroscope analyze ARGS --format json`: the exit code, the inputs of the report, and standard error.
fn analyze(args: &[&str], envs: &[(&str, &str)]) -> (i32, Vec<Value>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_goroscope"));
    command.arg("analyze").args(args).args(["--format", "json", "--color", "never"]).current_dir(repo());
    for (k, v) in envs {
        command.env(k, v);
    }
    let out = command.stdin(Stdio::null()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let inputs = if stdout.trim().is_empty() {
        Vec::new()
    } else {
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        report["inputs"].as_array().unwrap().clone()
    };
    (out.status.code().unwrap_or(-1), inputs, stderr)
}

/// (count, blocking, level) of the program's own groups, largest first.
fn program_groups(input: &Value) -> Vec<(u64, String, String)> {
    let mut groups: Vec<(u64, String, String)> = input["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["leak_site"]["function"].as_str().is_some_and(|f| f.starts_with("main.")))
        .map(|g| {
            (
                g["count"].as_u64().unwrap(),
                g["blocking"].as_str().unwrap().to_owned(),
                g["level"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    groups
}

fn group_with_count(input: &Value, count: u64) -> &Value {
    input["groups"].as_array().unwrap().iter().find(|g| g["count"] == count).unwrap()
}

const LEAKED: [(u64, &str); 5] =
    [(40, "chan_send"), (30, "chan_receive"), (20, "select"), (12, "mutex"), (8, "wait_group")];

#[test]
fn a_live_service_by_base_url_debug1_and_proto() {
    let program = start(formats_program(), &[]);
    let (code, inputs, stderr) = analyze(&[&program.base], &[]);
    assert_eq!(code, 0, "{stderr}");
    let input = &inputs[0];
    assert_eq!(input["format"], "traceback");
    assert!(input["total"].as_u64().is_some_and(|t| t >= 122), "{}", input["total"]);
    let groups = program_groups(input);
    for (count, blocking) in LEAKED {
        assert!(groups.contains(&(count, blocking.to_owned(), "certain".to_owned())), "{count}: {groups:?}");
    }
    // Labels come from debug=1: debug=2 prints none without GODEBUG=tracebacklabels=1.
    let uploads = group_with_count(input, 40);
    assert_eq!(uploads["labels"][0][0], r#"{"handler":"/upload", "tenant":"acme"}"#);
    assert_eq!(uploads["evidence"][0]["code"], "runtime-leak-detector");

    // --cheap: debug=1 only, the same groups proven leaked, with the wait read from the source.
    let (code, inputs, stderr) = analyze(&[&program.base, "--cheap"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs[0]["format"], "debug1");
    let certain: Vec<u64> =
        program_groups(&inputs[0]).into_iter().filter(|g| g.2 == "certain").map(|g| g.0).collect();
    assert_eq!(certain, [40, 30, 20, 12, 8]);

    // A full pprof URL is fetched as given: here the proto, which names every wait from its frames.
    let url = format!("{}/debug/pprof/goroutine?debug=0", program.base);
    let (code, inputs, stderr) = analyze(&[&url], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs[0]["format"], "proto");
    let blockings: Vec<(u64, String)> = program_groups(&inputs[0]).into_iter().map(|g| (g.0, g.1)).collect();
    for (count, blocking) in LEAKED {
        assert!(blockings.contains(&(count, blocking.to_owned())), "{count}: {blockings:?}");
    }

    // The goroutineleak profile itself, by URL.
    let url = format!("{}/debug/pprof/goroutineleak?debug=1", program.base);
    let (code, inputs, stderr) = analyze(&[&url], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs[0]["profile"], "goroutineleak");
    assert_eq!(inputs[0]["summary"]["certain"]["goroutines"], 110);
}

#[test]
fn tokens_and_headers_come_from_the_environment_or_a_file_and_are_never_printed() {
    let token = "s3cr3t-t0ken-value";
    let program =
        start(formats_program(), &["-token", token, "-header-name", "X-Scope", "-header-value", "ops-only"]);
    let (code, _, stderr) = analyze(&[&program.base], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("401"), "{stderr}");
    assert!(stderr.contains("--header-env"), "{stderr}");

    // The token alone: the header check still refuses.
    let (code, _, stderr) = analyze(&[&program.base, "--header-env", "PPROF_AUTH"], &[("PPROF_AUTH", token)]);
    assert_eq!(code, 2);
    assert!(stderr.contains("403"), "{stderr}");
    assert!(!stderr.contains(token), "{stderr}");

    let file = temp_dir("headers").join("pprof-headers");
    std::fs::write(&file, format!("# pprof access\nAuthorization: Bearer {token}\nX-Scope: ops-only\n"))
        .unwrap();
    let (code, inputs, stderr) = analyze(&[&program.base, "--header-file", file.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs[0]["summary"]["certain"]["goroutines"], 110);
    assert!(!serde_json::to_string(&inputs).unwrap().contains(token));

    // Credentials in a URL are sent but redacted everywhere.
    let with_password = program.base.replacen("http://", "http://admin:hunter2@", 1);
    let (code, inputs, stderr) = analyze(&[&with_password], &[]);
    assert_eq!(code, 2);
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(inputs.is_empty());
}

/// A CA and a certificate for 127.0.0.1 signed by it, as PEM files: (CA, certificate chain, key).
fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "goroscope test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let paths = (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem() + &ca.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[test]
fn tls_is_verified_against_the_system_roots_or_a_given_ca() {
    let (ca, cert, key) = test_ca(&temp_dir("tls"));
    let program =
        start(formats_program(), &["-tls-cert", cert.to_str().unwrap(), "-tls-key", key.to_str().unwrap()]);
    assert!(program.base.starts_with("https://"), "{}", program.base);
    let (code, _, stderr) = analyze(&[&program.base], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--cacert"), "{stderr}");
    let (code, inputs, stderr) = analyze(&[&program.base, "--cacert", ca.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs[0]["summary"]["certain"]["goroutines"], 110);
    let (code, _, stderr) = analyze(&[&program.base, "--insecure", "--cheap"], &[]);
    assert_eq!(code, 0, "{stderr}");
    // Plain HTTP to the TLS port.
    let plain = program.base.replacen("https://", "http://", 1);
    let (code, _, stderr) = analyze(&[&plain], &[]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_gops_agent_by_pid_and_by_address() {
    common::require_go();
    let module = repo().join("testdata/go/gops-agent");
    let bin = temp_dir("gops-bin").join("gopsagent");
    let status = Command::new("go")
        .args(["build", "-mod=vendor", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&module)
        .env("GOTOOLCHAIN", "local")
        .status()
        .unwrap();
    assert!(status.success());
    let config = temp_dir("gops-config");
    let mut child = Command::new(&bin)
        .args(["-config-dir", config.to_str().unwrap(), "-n", "4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut address = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("gops ") {
            address = rest.split_whitespace().next().map(str::to_owned);
        }
        if line == "ready" {
            break;
        }
    }
    let address = address.expect("the agent printed its address");
    let pid = format!("pid:{}", child.id());
    for target in [pid.as_str(), &format!("gops://{address}")] {
        let (code, inputs, stderr) = analyze(&[target], &[("GOPS_CONFIG_DIR", config.to_str().unwrap())]);
        assert_eq!(code, 0, "{target}: {stderr}");
        let groups = program_groups(&inputs[0]);
        assert!(groups.iter().any(|g| g.0 == 4 && g.1 == "chan_receive"), "{target}: {groups:?}");
    }
    let (code, _, stderr) = analyze(&["pid:999999999"], &[("GOPS_CONFIG_DIR", config.to_str().unwrap())]);
    assert_eq!(code, 2);
    assert!(stderr.contains("gops"), "{stderr}");
    drop(child.stdin.take());
    let _ = child.wait();
}

/// A local server that answers every connection with `response`, for at most `connections` connections.
fn serve(response: Vec<u8>, connections: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { break };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{address}")
}

fn http_response(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn misbehaving_servers_get_a_message_each() {
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let not_found = serve(http_response("404 Not Found", "text/plain", "404 page not found\n"), 4);
    let html =
        serve(http_response("200 OK", "text/html", "<!DOCTYPE html><html><body>Sign in</body></html>"), 4);
    let cases = [
        (refused.as_str(), "refused"),
        ("http://nonexistent.invalid:6060", "nonexistent.invalid"),
        (not_found.as_str(), "net/http/pprof"),
        (html.as_str(), "HTML"),
    ];
    for (url, message) in cases {
        let (code, inputs, stderr) = analyze(&[url, "--connect-timeout", "2s", "--timeout", "5s"], &[]);
        assert_eq!(code, 2, "{url}: {stderr}");
        assert!(inputs.is_empty(), "{url}");
        assert!(stderr.contains(message), "{url}: expected {message:?} in {stderr}");
    }
    // A server that accepts and never answers: the total timeout ends it.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let (code, _, stderr) = analyze(&[&url, "--timeout", "1s"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--timeout"), "{stderr}");
}

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = temp_dir("files").join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn compressed_files_and_bombs() {
    let dump = std::fs::read(repo().join("testdata/dumps/formats/goroutine_debug2.txt")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&dump).unwrap();
    let gz = write_temp("dump.txt.gz", &gz.finish().unwrap());
    let zst = write_temp(
        "dump.txt.zst",
        &ruzstd::encoding::compress_to_vec(&dump[..], ruzstd::encoding::CompressionLevel::Fastest),
    );
    let plain = repo().join("testdata/dumps/formats/goroutine_debug2.txt");
    let (_, reference, _) = analyze(&[plain.to_str().unwrap()], &[]);
    for path in [&gz, &zst] {
        let (code, inputs, stderr) = analyze(&[path.to_str().unwrap()], &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(inputs[0]["summary"], reference[0]["summary"], "{}", path.display());
    }
    // 1 GiB of zeros in 1 MiB: refused at the cap, quickly and without holding it.
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = write_temp("bomb.gz", &bomb.finish().unwrap());
    let (code, _, stderr) = analyze(&[bomb.to_str().unwrap(), "--max-size", "64MiB"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--max-size"), "{stderr}");
}

#[test]
fn logs_give_one_input_per_dump() {
    let log = repo().join("testdata/logs/two-dumps.log");
    let (code, inputs, stderr) = analyze(&[log.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    let counts: Vec<u64> = inputs.iter().map(|i| i["summary"]["goroutines"].as_u64().unwrap()).collect();
    assert_eq!(counts, [4, 8]);
    assert!(inputs[0]["source"].as_str().unwrap().contains("two-dumps.log:"), "{}", inputs[0]["source"]);

    let timeout = repo().join("testdata/logs/gotest-timeout.json.log");
    let (code, inputs, stderr) = analyze(&[timeout.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs[0]["running_tests"][0]["name"], "TestHangs");
    let tests: Vec<&Value> =
        inputs[0]["groups"].as_array().unwrap().iter().flat_map(|g| g["tests"].as_array().unwrap()).collect();
    assert!(tests.iter().any(|t| *t == "TestHangs"), "{tests:?}");

    let goleak = repo().join("testdata/logs/goleak.log");
    let (code, inputs, stderr) = analyze(&[goleak.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(inputs.len(), 2);
    assert_eq!(inputs[0]["leak_report"], true);
    assert_eq!(inputs[0]["test"], "TestLeaks");
}

#[test]
fn the_input_format_can_be_forced() {
    let debug1 = repo().join("testdata/dumps/formats/goroutine_debug1.txt");
    let (code, inputs, _) = analyze(&[debug1.to_str().unwrap(), "--input-format", "debug1"], &[]);
    assert_eq!(code, 0);
    assert_eq!(inputs[0]["format"], "debug1");
    let (code, _, stderr) = analyze(&[debug1.to_str().unwrap(), "--input-format", "debug2"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--input-format"), "{stderr}");
    let (code, _, stderr) = goroscope(&["analyze", debug1.to_str().unwrap(), "--input-format", "xml"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("possible values"), "{stderr}");
}
