//! Known healthy shapes: goroutines that look parked but are bounded by something live (a listener, an open
//! connection, a fixed pool, the runtime itself). Checked in order; the first match explains the group.

use crate::classify::Blocking;
use crate::group::{Ending, Facts, World};

/// A healthy shape: its id and a test that explains the match.
pub(crate) struct Shape {
    pub(crate) id: &'static str,
    pub(crate) matches: fn(&World<'_>, &Facts<'_>) -> Option<String>,
}

/// The read and write loops net/http runs for each client connection.
pub(crate) const CLIENT_READ_LOOP: &str = "net/http.(*persistConn).readLoop";
pub(crate) const CLIENT_WRITE_LOOP: &str = "net/http.(*persistConn).writeLoop";

/// The loops an HTTP/2 or gRPC server runs for each open connection.
const HTTP2_SERVER_CONNECTION_LOOPS: &[&str] = &[
    "net/http.(*http2serverConn).serve",
    "golang.org/x/net/http2.(*serverConn).serve",
    "google.golang.org/grpc/internal/transport.(*http2Server).HandleStreams",
    "google.golang.org/grpc/internal/transport.(*http2Server).keepalive",
    "google.golang.org/grpc/internal/transport.(*loopyWriter).run",
];

/// Long-lived background loops of widely used libraries: one per client or process, not per request.
const LIBRARY_LOOPS: &[&str] = &[
    "database/sql.(*DB).connectionOpener",
    "database/sql.(*DB).connectionResetter",
    "database/sql.(*DB).connectionCleaner",
    "google.golang.org/grpc/internal/transport.(*http2Client).reader",
    "google.golang.org/grpc/internal/transport.(*http2Client).keepalive",
    "google.golang.org/grpc/internal/transport.(*controlBuffer).get",
    "google.golang.org/grpc/internal/transport.(*http2Server).keepalive",
    "google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run",
    "google.golang.org/grpc.(*ccBalancerWrapper).watcher",
    "go.opencensus.io/stats/view.(*worker).start",
    "k8s.io/klog/v2.(*flushDaemon).run.func1",
    "github.com/golang/glog.(*fileSink).flushDaemon",
    "go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).processQueue",
    "go.opentelemetry.io/otel/sdk/metric.(*PeriodicReader).run",
    "github.com/patrickmn/go-cache.(*janitor).Run",
];

/// Where the testing package waits for (sub)tests to finish.
const TEST_RUNNER_WAITS: &[&str] =
    &["testing.(*T).Run", "testing.(*M).Run", "testing.runTests", "testing.tRunner.func1"];

/// More instances than this of one library loop suggest clients created per request and never closed.
const LIBRARY_LOOP_LIMIT: u64 = 50;

pub(crate) const SHAPES: &[Shape] = &[
    Shape {
        id: "dump-writer",
        matches: |w, f| {
            (f.blocking == Blocking::Running
                && f.has_function(
                    w,
                    &["runtime/pprof.writeGoroutineStacks", "runtime.Stack", "runtime/debug.Stack"],
                ))
            .then(|| "the goroutine that wrote this dump".to_owned())
        },
    },
    Shape {
        id: "main-goroutine",
        matches: |w, f| {
            (f.includes_main && f.count == 1 && w.ending != Ending::Deadlock)
                .then(|| "the main goroutine, waiting for the program's work to finish".to_owned())
        },
    },
    Shape {
        id: "test-waiting-for-subtest",
        matches: |w, f| {
            let below_site = &f.frames[..f.site.unwrap_or(0)];
            below_site
                .iter()
                .any(|&fr| TEST_RUNNER_WAITS.contains(&w.snapshot.function(fr)))
                .then(|| "the test runner or a parent test, waiting for tests to finish".to_owned())
        },
    },
    Shape {
        id: "accept-loop",
        matches: |_, f| {
            (f.blocking == Blocking::NetAccept).then(|| {
                "a listener's accept loop: one per listener, waiting for the next connection".to_owned()
            })
        },
    },
    Shape {
        id: "http-server-connection",
        matches: |w, f| {
            (f.blocking == Blocking::NetRead
                && f.has_function(w, &["net/http.(*conn).serve", "net/http.(*connReader).backgroundRead"])
                && !f.site_is_own)
                .then(|| {
                    "HTTP server connections waiting for the next request: bounded by open client connections"
                        .to_owned()
                })
        },
    },
    Shape {
        id: "http2-server-connection",
        matches: |w, f| {
            (!f.site_is_own && f.has_function(w, HTTP2_SERVER_CONNECTION_LOOPS)).then(|| {
                "HTTP/2 or gRPC server connection loops: one set per open client connection".to_owned()
            })
        },
    },
    Shape {
        id: "http-client-connection",
        matches: |w, f| {
            let idle_read = f.blocking == Blocking::NetRead && f.has_function(w, &[CLIENT_READ_LOOP]);
            let write_loop = f.has_function(w, &[CLIENT_WRITE_LOOP]);
            (idle_read || write_loop).then(|| {
                "HTTP client keep-alive connections (read and write loops): bounded by the transport's idle pool"
                    .to_owned()
            })
        },
    },
    Shape {
        id: "library-background",
        matches: |w, f| {
            let site = f.site.map(|i| w.snapshot.function(f.frames[i]))?;
            (LIBRARY_LOOPS.contains(&site) && f.count <= LIBRARY_LOOP_LIMIT)
                .then(|| format!("a library's background loop ({site}): one per client or process"))
        },
    },
    Shape {
        id: "runtime-internal",
        matches: |w, f| {
            let all_std = f.frames.iter().all(|&fr| w.code.is_std(fr));
            let std_creator = f.created_by.is_none_or(|c| w.code.is_std(c));
            (f.blocking == Blocking::Runtime || (all_std && std_creator && f.blocking != Blocking::Select))
                .then(|| "runtime or standard-library background goroutine".to_owned())
        },
    },
    Shape {
        id: "started-once",
        matches: |w, f| {
            let idle = matches!(
                f.blocking,
                Blocking::ChanReceive | Blocking::Select | Blocking::Cond | Blocking::Sleep
            );
            if !idle || f.request_created > 0 || f.in_request {
                return None;
            }
            let creator_alive = f.creators.is_some_and(|c| c.distinct == 1 && c.alive == 1);
            if f.count == 1 && creator_alive {
                return Some(
                    "a single background goroutine, started once by a goroutine that is still running"
                        .to_owned(),
                );
            }
            if f.count == 1 && !w.has_creator_ids {
                // Before Go 1.21, and in counted formats, the creator goroutine is unknown; a lone idle goroutine
                // is a background loop.
                return Some("a single background goroutine, started once".to_owned());
            }
            // A tight run of ids from one creator: started together, like a pool. Goroutines leaked once per
            // call from a loop at start-up look the same in one snapshot; growth between snapshots tells them apart.
            // Pool members may differ in their arguments (`go worker(i, jobs)`); that only counts against a pool
            // whose starting function has already returned.
            let one_creator = f.creators.is_none_or(|c| c.distinct == 1);
            let creator_inside = f.creator_gone + f.creator_returned == 0;
            let pool_like = creator_inside || f.args_shared != Some(false);
            (f.created_together() && one_creator && pool_like).then(|| {
                format!(
                    "an idle pool of {} goroutines started together (ids {}–{}) by one creator, waiting for work",
                    f.count,
                    f.ids[0],
                    f.ids[f.ids.len() - 1]
                )
            })
        },
    },
];

/// The first healthy shape the group matches.
pub(crate) fn healthy_shape(world: &World<'_>, facts: &Facts<'_>) -> Option<(&'static str, String)> {
    SHAPES.iter().find_map(|shape| (shape.matches)(world, facts).map(|text| (shape.id, text)))
}
