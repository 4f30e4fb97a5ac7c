//! What a target is made of (a pprof base URL, and cheap count sources: Prometheus `/metrics`, expvar
//! `/debug/vars`), and reading the count and the process's identity out of the cheap sources.

use goroscope_collect::{Profile, Target, parse_http_target, redact};
use serde::Deserialize;

/// One watched service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// The name it is shown and stored under.
    pub name: String,
    /// Its `net/http/pprof` base (or any pprof URL): profiles come from here.
    #[serde(default)]
    pub pprof: Option<String>,
    /// A Prometheus text endpoint with the Go collector's `go_goroutines`.
    #[serde(default)]
    pub metrics: Option<String>,
    /// An expvar endpoint (`/debug/vars`) publishing the goroutine count.
    #[serde(default)]
    pub expvar: Option<String>,
    /// The expvar variable holding the count [default: `goroutines`].
    #[serde(default)]
    pub expvar_key: Option<String>,
}

/// Which cheap source a URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cheap {
    /// Prometheus text format.
    Metrics,
    /// expvar JSON.
    Expvar,
}

impl Cheap {
    /// The name used in samples and messages.
    pub fn name(self) -> &'static str {
        match self {
            Cheap::Metrics => "metrics",
            Cheap::Expvar => "expvar",
        }
    }
}

impl TargetSpec {
    /// A target from one URL on the command line: a path ending in `/metrics` is a Prometheus source, one
    /// ending in `/debug/vars` an expvar source, anything else a pprof base. Named after its host and port.
    pub fn from_url(url: &str) -> TargetSpec {
        let path = url.split(['?', '#']).next().unwrap_or(url).trim_end_matches('/');
        // Of the redacted URL: a password holding an unencoded `/`, `?` or `#` would otherwise seem to end the
        // authority, and part of it become the name.
        let name = host_port(&goroscope_collect::redact(url)).to_owned();
        let mut spec = TargetSpec { name, pprof: None, metrics: None, expvar: None, expvar_key: None };
        if path.ends_with("/metrics") {
            spec.metrics = Some(url.to_owned());
        } else if path.ends_with("/debug/vars") {
            spec.expvar = Some(url.to_owned());
        } else {
            spec.pprof = Some(url.to_owned());
        }
        spec
    }

    /// Adds `other`'s sources to this target when it has none of those kinds yet; false (and unchanged) otherwise.
    pub fn merge(&mut self, other: &TargetSpec) -> bool {
        let clash = |a: &Option<String>, b: &Option<String>| a.is_some() && b.is_some();
        if clash(&self.pprof, &other.pprof)
            || clash(&self.metrics, &other.metrics)
            || clash(&self.expvar, &other.expvar)
        {
            return false;
        }
        self.pprof = self.pprof.take().or_else(|| other.pprof.clone());
        self.metrics = self.metrics.take().or_else(|| other.metrics.clone());
        self.expvar = self.expvar.take().or_else(|| other.expvar.clone());
        true
    }

    /// The cheap source to poll, if any (metrics first).
    pub fn cheap(&self) -> Option<(Cheap, &str)> {
        self.metrics
            .as_deref()
            .map(|u| (Cheap::Metrics, u))
            .or_else(|| self.expvar.as_deref().map(|u| (Cheap::Expvar, u)))
    }

    /// Checks that the target has something to fetch.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("a target needs a name".to_owned());
        }
        if self.pprof.is_none() && self.cheap().is_none() {
            return Err(format!("target {:?} has no pprof, metrics or expvar URL", self.name));
        }
        if let Some(pprof) = &self.pprof
            && let Ok((base, Some(profile), _)) = pprof_parts(pprof)
            && profile.is_heap()
        {
            return Err(format!("target {:?}: {}", self.name, names_heap(pprof, profile, &base)));
        }
        Ok(())
    }
}

/// The URL of a pprof target's heap profile: `heap?debug=1` (whose text ends with `runtime.MemStats`) after a
/// collection (`gc=1`), so that it counts live memory only; with the target's own query parameters. A target
/// that names a heap profile itself is refused: goroutine profiles come from the same base.
pub fn heap_url(pprof: &str) -> Result<String, String> {
    let (base, profile, query) = pprof_parts(pprof)?;
    if let Some(profile) = profile.filter(|p| p.is_heap()) {
        return Err(names_heap(pprof, profile, &base));
    }
    let query = query.into_iter().chain(["gc=1"]).collect::<Vec<_>>().join("&");
    Ok(Target::Base { base, profile: None, query }.url(Profile::Heap, 1))
}

/// A pprof URL's base (up to `/debug/pprof/`), the profile it names, and its query parameters other than
/// `debug` and `gc`; an explicit profile URL (`…/goroutine?debug=2`) included.
fn pprof_parts(pprof: &str) -> Result<(String, Option<Profile>, Vec<&str>), String> {
    let url = pprof.split('#').next().unwrap_or(pprof);
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    // Without its query, no URL is explicit: it parses as a base and the profile it names.
    match parse_http_target(path).map_err(|e| e.to_string())? {
        Target::Base { base, profile, .. } => {
            let name = |p: &str| p.split_once('=').map_or(p, |(n, _)| n).to_owned();
            let kept = query.split('&').filter(|p| !p.is_empty() && !matches!(&*name(p), "debug" | "gc"));
            Ok((base, profile, kept.collect()))
        }
        Target::Explicit(url) => Err(format!("{} is not a pprof URL", redact(&url))),
    }
}

fn names_heap(pprof: &str, profile: Profile, base: &str) -> String {
    format!(
        "{} names the {} profile: give the service's pprof base instead ({}); goroscope watch fetches the \
         goroutine profiles from it, and the heap profile every --heap-interval",
        redact(pprof),
        profile.name(),
        redact(base)
    )
}

/// `host:port` of a URL, without user info.
fn host_port(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

/// What a cheap source said.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Goroutines.
    pub total: u64,
    /// The process's start time (Unix seconds), when the source says it.
    pub process_start: Option<f64>,
    /// The process's command line, when the source says it.
    pub identity: Option<String>,
    /// A counter that only grows while the process lives (allocations), when the source has one: if it goes
    /// down, the process restarted.
    pub lifetime_counter: Option<f64>,
}

/// Reads Prometheus text exposition: `go_goroutines`, `process_start_time_seconds` and
/// `go_memstats_mallocs_total`.
pub fn parse_metrics(body: &[u8]) -> Result<Reading, String> {
    let text = String::from_utf8_lossy(body);
    let mut total = None;
    let mut process_start = None;
    let mut lifetime_counter = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // `name{labels} value [timestamp]`
        let (name, rest) = match line.find(['{', ' ', '\t']) {
            Some(at) => line.split_at(at),
            None => continue,
        };
        let rest = match rest.strip_prefix('{') {
            Some(labelled) => labelled.rsplit_once('}').map_or("", |(_, value)| value),
            None => rest,
        };
        let Some(value) = rest.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()) else {
            continue;
        };
        match name {
            "go_goroutines" if total.is_none() => total = Some(value),
            "process_start_time_seconds" if process_start.is_none() => process_start = Some(value),
            "go_memstats_mallocs_total" if lifetime_counter.is_none() => lifetime_counter = Some(value),
            _ => {}
        }
    }
    let total = total.ok_or_else(|| {
        let start: String = text.chars().take(80).collect();
        format!(
            "no go_goroutines metric in the response (it starts {start:?}): point the target at a /metrics \
             endpoint that includes the Go collector"
        )
    })?;
    if !(total.is_finite() && total >= 0.0) {
        return Err(format!("go_goroutines is {total}, not a count"));
    }
    Ok(Reading { total: total as u64, process_start, identity: None, lifetime_counter })
}

/// Reads expvar JSON: the count under `key` (a number, or an object's `"value"`), the command line and
/// `memstats.Mallocs`.
pub fn parse_expvar(body: &[u8], key: &str) -> Result<Reading, String> {
    let vars: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the expvar response is not JSON: {e}"))?;
    let count = vars.get(key).ok_or_else(|| {
        format!(
            "no {key:?} variable in expvar: publish it with expvar.Publish({key:?}, expvar.Func(func() any \
             {{ return runtime.NumGoroutine() }})), or name the variable with expvar_key in the targets file"
        )
    })?;
    let total = count
        .as_u64()
        .or_else(|| count.as_f64().filter(|v| *v >= 0.0).map(|v| v as u64))
        .ok_or_else(|| format!("expvar {key:?} is {count}, not a count of goroutines"))?;
    let identity = vars
        .get("cmdline")
        .and_then(|c| c.as_array())
        .map(|args| args.iter().filter_map(|a| a.as_str()).collect::<Vec<_>>().join(" "));
    let lifetime_counter = vars.pointer("/memstats/Mallocs").and_then(serde_json::Value::as_f64);
    Ok(Reading { total, process_start: None, identity, lifetime_counter })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_the_source_their_path_names() {
        let spec = TargetSpec::from_url("http://user:pw@10.0.0.1:9090/metrics");
        assert_eq!(TargetSpec::from_url("http://user:p/w@10.0.0.1:9090/metrics").name, "10.0.0.1:9090");
        assert_eq!(
            (spec.name.as_str(), spec.cheap()),
            ("10.0.0.1:9090", Some((Cheap::Metrics, "http://user:pw@10.0.0.1:9090/metrics")))
        );
        assert!(TargetSpec::from_url("http://h:1/debug/vars/").expvar.is_some());
        let pprof = TargetSpec::from_url("https://h:6060");
        assert_eq!((pprof.pprof.as_deref(), pprof.cheap()), (Some("https://h:6060"), None));
        assert!(pprof.validate().is_ok());
        let empty =
            TargetSpec { name: "x".into(), pprof: None, metrics: None, expvar: None, expvar_key: None };
        assert!(empty.validate().unwrap_err().contains("no pprof"));
        let mut service = TargetSpec::from_url("http://h:1");
        assert!(service.merge(&TargetSpec::from_url("http://h:1/metrics")));
        assert!(service.pprof.is_some() && service.metrics.is_some());
        assert!(
            !service.merge(&TargetSpec::from_url("http://h:1/debug/pprof/")),
            "two pprof URLs stay apart"
        );
    }

    #[test]
    fn the_heap_profile_comes_from_the_targets_base_after_a_collection() {
        assert_eq!(heap_url("http://h:6060").unwrap(), "http://h:6060/debug/pprof/heap?debug=1&gc=1");
        assert_eq!(
            heap_url("https://u:p@h:1/x/debug/pprof/goroutine?debug=2&token=t#f").unwrap(),
            "https://u:p@h:1/x/debug/pprof/heap?debug=1&token=t&gc=1"
        );
        assert_eq!(
            heap_url("http://h:1/debug/pprof/?seconds=1").unwrap(),
            "http://h:1/debug/pprof/heap?debug=1&seconds=1&gc=1"
        );
        for named in ["http://u:secret@h:1/debug/pprof/heap", "http://h:1/debug/pprof/allocs?debug=1"] {
            let err = heap_url(named).unwrap_err();
            assert!(err.contains("names the") && err.contains("/debug/pprof/)"), "{err}");
            assert!(!err.contains("secret"), "{err}");
            let spec = TargetSpec::from_url(named);
            assert!(spec.validate().unwrap_err().contains("give the service's pprof base"), "{named}");
        }
        assert!(heap_url("http://h:1/debug/pprof/cmdline").is_err());
    }

    #[test]
    fn prometheus_text_gives_the_count_start_time_and_allocations() {
        let body =
            b"# HELP go_goroutines Number of goroutines that currently exist.\n# TYPE go_goroutines gauge\n\
                     go_goroutines 42\ngo_memstats_mallocs_total 1.5e+06\n\
                     process_start_time_seconds{instance=\"a b\"} 1.7e9 1700000000000\n";
        let reading = parse_metrics(body).unwrap();
        assert_eq!(reading.total, 42);
        assert_eq!(reading.process_start, Some(1.7e9));
        assert_eq!(reading.lifetime_counter, Some(1.5e6));
        let err = parse_metrics(b"<html>login</html>").unwrap_err();
        assert!(err.contains("no go_goroutines") && err.contains("<html>"), "{err}");
        assert!(parse_metrics(b"go_goroutines NaN\n").is_err());
    }

    #[test]
    fn expvar_gives_the_count_and_command_line() {
        let body = br#"{"cmdline": ["/bin/api", "-v"], "goroutines": 17, "memstats": {"Mallocs": 99}}"#;
        let reading = parse_expvar(body, "goroutines").unwrap();
        assert_eq!((reading.total, reading.identity.as_deref()), (17, Some("/bin/api -v")));
        assert_eq!(reading.lifetime_counter, Some(99.0));
        assert!(parse_expvar(body, "NumGoroutine").unwrap_err().contains("expvar.Publish"));
        assert!(
            parse_expvar(br#"{"goroutines": "many"}"#, "goroutines").unwrap_err().contains("not a count")
        );
        assert!(parse_expvar(b"garbage", "goroutines").unwrap_err().contains("not JSON"));
    }
}
