//! The Prometheus exporter: `GET /metrics` in the OpenMetrics text format, encoded from the live state at each
//! scrape, so a group that left the profile leaves the metrics too.
//!
//! Label cardinality is bounded: per target, at most `groups` group series of each group metric (the alarmed,
//! most severe and largest groups; the rest are summed in `goroscope_group_other_goroutines`), 4 alarm reasons,
//! 5 sources × 2 results of scrapes, 5 memory parts and at most 10 causes of memory growth. See docs/watch.md for
//! the list.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeGaugeValue, EncodeMetric, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use thiserror::Error;

use crate::live::{DURATION_BUCKETS, Live, LiveGroup, LiveState, LiveTarget, severity};

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Label values longer than this are cut: function names can be long, and they only have to tell groups apart.
const MAX_LABEL_CHARS: usize = 200;

/// The exporter could not start.
#[derive(Debug, Error)]
pub enum ExporterError {
    /// The address is taken, not local to this machine, or not an address.
    #[error(
        "cannot listen on {addr}: {reason} (give a free local port with --listen 127.0.0.1:PORT, or port 0 to pick one)"
    )]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        reason: String,
    },
}

/// A running exporter; dropping it stops it.
pub struct Exporter {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Exporter {
    /// Serves the metrics of `live` on `addr` (`127.0.0.1:9464`; port 0 picks a free one), with at most `groups`
    /// groups per target.
    pub fn start(addr: &str, live: Live, groups: usize) -> Result<Exporter, ExporterError> {
        let bind_error = |reason: String| ExporterError::Bind { addr: addr.to_owned(), reason };
        let server = tiny_http::Server::http(addr).map_err(|e| bind_error(e.to_string()))?;
        let local = server.server_addr().to_ip().ok_or_else(|| bind_error("not an IP address".to_owned()))?;
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let thread = std::thread::Builder::new()
            .name("goroscope-exporter".to_owned())
            .spawn(move || {
                for request in serving.incoming_requests() {
                    let response = respond(&request, &live, groups);
                    // A client that went away is its own problem.
                    let _ = request.respond(response);
                }
            })
            .map_err(|e| bind_error(e.to_string()))?;
        Ok(Exporter { addr: local, server, thread: Some(thread) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn respond(
    request: &tiny_http::Request,
    live: &Live,
    groups: usize,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header = |value: &str| tiny_http::Header::from_bytes("Content-Type", value).expect("a valid header");
    let path = request.url().split('?').next().unwrap_or("");
    let get = matches!(request.method(), tiny_http::Method::Get | tiny_http::Method::Head);
    match (get, path) {
        (true, "/metrics") => tiny_http::Response::from_string(encode(live.snapshot(), groups))
            .with_header(header(CONTENT_TYPE)),
        (true, "/") => tiny_http::Response::from_string("goroscope watch: metrics at /metrics\n")
            .with_header(header("text/plain; charset=utf-8")),
        (true, _) => tiny_http::Response::from_string("not found: the metrics are at /metrics\n")
            .with_status_code(404)
            .with_header(header("text/plain; charset=utf-8")),
        (false, _) => tiny_http::Response::from_string("only GET and HEAD\n")
            .with_status_code(405)
            .with_header(header("text/plain; charset=utf-8")),
    }
}

/// The metrics of `state` in the OpenMetrics text format, at most `groups` groups per target.
pub fn encode(state: LiveState, groups: usize) -> String {
    let mut registry = Registry::with_prefix("goroscope");
    registry.register_collector(Box::new(Snapshot { state, groups }));
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

#[derive(Debug)]
struct Snapshot {
    state: LiveState,
    groups: usize,
}

type Labels<'a> = Vec<(&'static str, &'a str)>;

/// A per-target value, when it is known.
type ValueOf = dyn Fn(&LiveTarget) -> Option<f64>;

/// One metric: its descriptor, then each labelled value.
fn family<'v, V: Copy + 'v>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    metric_type: MetricType,
    values: impl IntoIterator<Item = (Labels<'v>, V)>,
    encode_value: impl Fn(MetricEncoder<'_>, V) -> std::fmt::Result,
) -> std::fmt::Result {
    // A family without samples is left out rather than announced empty.
    let values: Vec<_> = values.into_iter().collect();
    if values.is_empty() {
        return Ok(());
    }
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in values {
        encode_value(metric.encode_family(&labels)?, value)?;
    }
    Ok(())
}

fn gauge<V: EncodeGaugeValue + Copy>(metric: MetricEncoder<'_>, value: V) -> std::fmt::Result {
    ConstGauge::new(value).encode(metric)
}

fn counter(metric: MetricEncoder<'_>, value: u64) -> std::fmt::Result {
    ConstCounter::new(value).encode(metric)
}

fn cut(value: &str) -> &str {
    match value.char_indices().nth(MAX_LABEL_CHARS) {
        Some((end, _)) => &value[..end],
        None => value,
    }
}

/// `(labels, value)` for each target `value_of` gives a value for.
fn per_target<'t>(
    targets: &'t [LiveTarget],
    value_of: impl Fn(&LiveTarget) -> Option<f64> + 't,
) -> impl Iterator<Item = (Labels<'t>, f64)> + 't {
    targets.iter().filter_map(move |t| value_of(t).map(|v| (vec![("target", t.name.as_str())], v)))
}

/// The groups of `target` exported one by one.
fn shown(target: &LiveTarget, groups: usize) -> impl Iterator<Item = &LiveGroup> {
    target.groups.iter().take(groups)
}

/// The groups of every target exported one by one, with their labels.
fn labelled(targets: &[LiveTarget], groups: usize) -> impl Iterator<Item = (Labels<'_>, &LiveGroup)> {
    targets.iter().flat_map(move |t| {
        shown(t, groups).map(move |g| {
            let group = &g.group;
            let site =
                group.leak_site.as_ref().map(|s| &*s.function).or(group.frames.first().map(|f| &*f.function));
            let labels = vec![
                ("target", t.name.as_str()),
                ("group", group.fingerprint.as_str()),
                ("site", cut(site.unwrap_or(""))),
                ("level", group.level.as_str()),
                ("pattern", group.pattern.map_or("", |p| p.as_str())),
            ];
            (labels, g)
        })
    })
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        let targets = self.state.targets.as_slice();
        let gauges: [(&str, &str, &ValueOf); 4] = [
            ("target_up", "1 when the last fetch from the target succeeded, 0 when it failed.", &|t| {
                t.up.map(|up| f64::from(u8::from(up)))
            }),
            ("target_goroutines", "Goroutines of the target at the last sample.", &|t| {
                t.total.map(|n| n as f64)
            }),
            (
                "target_growth_per_minute",
                "Fitted growth of the target's goroutines over the window of profiles, per minute.",
                &|t| t.rate_per_minute,
            ),
            ("target_groups", "Groups of goroutines in the target's last profile.", &|t| {
                t.profile_total.map(|_| t.group_count as f64)
            }),
        ];
        for (name, help, value_of) in gauges {
            family(&mut encoder, name, help, MetricType::Gauge, per_target(targets, value_of), gauge)?;
        }
        family(
            &mut encoder,
            "target_restarts",
            "Restarts of the target's process seen by the watch.",
            MetricType::Counter,
            targets.iter().map(|t| (vec![("target", t.name.as_str())], t.restarts)),
            counter,
        )?;
        family(
            &mut encoder,
            "alarms",
            "Alarms raised, by reason: certain, steady-growth, group-limit, total-limit.",
            MetricType::Counter,
            targets.iter().flat_map(|t| {
                t.alarms
                    .iter()
                    .map(|(reason, n)| (vec![("target", t.name.as_str()), ("reason", *reason)], *n))
            }),
            counter,
        )?;
        family(
            &mut encoder,
            "scrapes",
            "Fetches from the targets, by source (metrics, expvar, debug1, debug2, heap) and result (ok, error).",
            MetricType::Counter,
            targets.iter().flat_map(|t| {
                t.fetches.iter().flat_map(|(source, f)| {
                    [("ok", f.ok), ("error", f.errors)].map(|(result, n)| {
                        (vec![("target", t.name.as_str()), ("source", *source), ("result", result)], n)
                    })
                })
            }),
            counter,
        )?;
        self.encode_durations(&mut encoder)?;
        self.encode_groups(&mut encoder)?;
        self.encode_memory(&mut encoder)?;
        family(
            &mut encoder,
            "store_errors",
            "Writes to the history database that failed.",
            MetricType::Counter,
            [(Vec::new(), self.state.store_errors)],
            counter,
        )
    }
}

impl Snapshot {
    fn encode_durations(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let targets = self.state.targets.as_slice();
        if targets.iter().all(|t| t.fetches.is_empty()) {
            return Ok(());
        }
        let mut metric = encoder.encode_descriptor(
            "scrape_duration_seconds",
            "Time the fetches from the targets took, by source.",
            None,
            MetricType::Histogram,
        )?;
        for t in targets {
            for (source, f) in &t.fetches {
                let buckets: Vec<(f64, u64)> =
                    DURATION_BUCKETS.iter().copied().chain([f64::INFINITY]).zip(f.buckets).collect();
                let labels = [("target", t.name.as_str()), ("source", *source)];
                let mut histogram = metric.encode_family(&labels)?;
                histogram.encode_histogram::<NoLabelSet>(f.seconds, f.ok + f.errors, &buckets, None)?;
            }
        }
        Ok(())
    }

    fn encode_memory(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let targets = self.state.targets.as_slice();
        family(
            encoder,
            "memory_bytes",
            "Memory of the target by its last heap profile's MemStats, by part: go_runtime (Sys - HeapReleased), \
             heap (HeapInuse), stacks (StackInuse), overhead (the rest of go_runtime), max_rss (peak resident).",
            MetricType::Gauge,
            targets.iter().flat_map(|t| {
                let m = t.memory.as_ref().and_then(|m| m.memstats);
                let parts = m.map(|m| {
                    [
                        ("go_runtime", Some(m.retained())),
                        ("heap", Some(m.heap_inuse)),
                        ("stacks", Some(m.stack_inuse)),
                        ("overhead", Some(m.overhead())),
                        ("max_rss", m.max_rss),
                    ]
                });
                parts.into_iter().flatten().filter_map(|(part, bytes)| {
                    Some((vec![("target", t.name.as_str()), ("part", part)], bytes? as i64))
                })
            }),
            gauge,
        )?;
        let verdicts = || targets.iter().filter_map(|t| Some((t, t.memory.as_ref()?.verdict.as_ref()?)));
        family(
            encoder,
            "memory_growth_bytes",
            "Growth of the target's memory over the window of heap profiles, by cause (as in the memory verdict).",
            MetricType::Gauge,
            verdicts().flat_map(|(t, v)| {
                // Two parts of one cause (two growing heap sites) are one series.
                let mut by_cause: BTreeMap<&str, i64> = BTreeMap::new();
                for part in &v.parts {
                    *by_cause.entry(part.cause).or_default() += part.bytes;
                }
                by_cause
                    .into_iter()
                    .map(|(cause, bytes)| (vec![("target", t.name.as_str()), ("cause", cause)], bytes))
            }),
            gauge,
        )?;
        family(
            encoder,
            "memory_growth_per_minute",
            "Fitted growth of the target's memory over the window of heap profiles, bytes per minute.",
            MetricType::Gauge,
            verdicts()
                .filter_map(|(t, v)| Some((vec![("target", t.name.as_str())], v.rate_bytes_per_minute?))),
            gauge,
        )?;
        family(
            encoder,
            "memory_growth_significant",
            "1 when the target's memory grows by more than noise over the window of heap profiles, else 0.",
            MetricType::Gauge,
            verdicts().map(|(t, v)| (vec![("target", t.name.as_str())], i64::from(v.significant))),
            gauge,
        )
    }

    fn encode_groups(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let (targets, groups) = (self.state.targets.as_slice(), self.groups);
        family(
            encoder,
            "group_goroutines",
            "Goroutines in a group of the last profile (the alarmed, most severe and largest groups of each target).",
            MetricType::Gauge,
            labelled(targets, groups).map(|(l, g)| (l, g.group.count as i64)),
            gauge,
        )?;
        family(
            encoder,
            "group_growth_per_minute",
            "Fitted growth of a group over the window of profiles, goroutines per minute.",
            MetricType::Gauge,
            labelled(targets, groups).map(|(l, g)| (l, g.rate_per_minute)),
            gauge,
        )?;
        family(
            encoder,
            "group_level",
            "How sure goroscope is that a group leaks: 3 certain, 2 likely, 1 possible, 0 healthy.",
            MetricType::Gauge,
            labelled(targets, groups).map(|(l, g)| (l, i64::from(severity(g.group.level)))),
            gauge,
        )?;
        family(
            encoder,
            "group_other_goroutines",
            "Goroutines of the last profile in groups not exported one by one.",
            MetricType::Gauge,
            targets.iter().filter_map(|t| {
                let exported: u64 = shown(t, groups).map(|g| g.group.count).sum();
                let other = t.profile_total?.saturating_sub(exported);
                Some((vec![("target", t.name.as_str())], other as i64))
            }),
            gauge,
        )
    }
}
