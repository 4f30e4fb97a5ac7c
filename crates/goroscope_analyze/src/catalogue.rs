//! The leak catalogue: each pattern a Go developer recognises, why it blocks, how to confirm it and the fix.

use serde::Serialize;

/// A leak pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PatternId {
    /// A send that no receiver will ever take.
    SendNoReceiver,
    /// A receive from a channel nobody sends on or closes.
    ReceiveNeverSent,
    /// A `for range` over a channel that is never closed.
    RangeNeverClosed,
    /// A send or receive on a nil channel.
    NilChannel,
    /// A `select` none of whose cases can fire.
    SelectNeverFires,
    /// `select {}`.
    SelectNoCases,
    /// A polling loop with no way out.
    LoopWithoutExit,
    /// A mutex that is never unlocked.
    LockNeverReleased,
    /// `WaitGroup.Wait` whose counter never reaches zero.
    WaitgroupMismatch,
    /// `Cond.Wait` nobody signals.
    CondNeverSignalled,
    /// An HTTP response body never read to the end or closed.
    BodyNotClosed,
    /// A network read with no deadline.
    NetworkNoDeadline,
    /// An HTTP client or Transport created per call.
    ClientPerCall,
    /// Goroutines started without a bound.
    UnboundedCreation,
}

/// A catalogue entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Pattern {
    /// Stable id, used in JSON and by `--pattern` style filters.
    pub id: PatternId,
    /// Short title.
    pub title: &'static str,
    /// Why the goroutine can never continue.
    pub why: &'static str,
    /// How to confirm it.
    pub confirm: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// Where the Go documentation says why: the spec, package docs, blog posts.
    pub references: &'static [&'static str],
    /// A short Go program with the leak and the same program fixed.
    #[serde(skip)]
    pub example: Example,
}

/// A catalogue entry's Go example: a file that leaks and the same file fixed.
///
/// The files live in the crate's `catalogue/<pattern>/{leaks,fixed}/example.go`, a Go module the tests vet. A
/// `// leaks` comment marks the line that blocks for ever and a `// fixed:` comment what changed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Example {
    /// The Go file that leaks.
    pub leaks: &'static str,
    /// The same file, fixed.
    pub fixed: &'static str,
}

impl Example {
    /// The code people read: the file without its package clause and imports.
    pub fn body(file: &str) -> &str {
        fn next_line(text: &str) -> &str {
            text.split_once('\n').map_or("", |(_, rest)| rest).trim_start()
        }
        let mut rest = file.trim_start();
        if rest.starts_with("package ") {
            rest = next_line(rest);
        }
        if rest.starts_with("import (") {
            rest = rest.split_once("\n)\n").map_or("", |(_, after)| after);
        } else if rest.starts_with("import ") {
            rest = next_line(rest);
        }
        rest.trim()
    }
}

/// The example files of one pattern, compiled in.
macro_rules! example {
    ($dir:literal) => {
        Example {
            leaks: include_str!(concat!("../catalogue/", $dir, "/leaks/example.go")),
            fixed: include_str!(concat!("../catalogue/", $dir, "/fixed/example.go")),
        }
    };
}

/// Every pattern, in catalogue order.
pub const CATALOGUE: &[Pattern] = &[
    Pattern {
        id: PatternId::SendNoReceiver,
        title: "send nobody receives",
        why: "The goroutine sends on a channel whose receiver has already returned (a timeout, an early return or \
              a first-result-wins select). An unbuffered send blocks until someone receives, so it waits forever \
              and keeps everything it references alive.",
        confirm: "Find who was meant to receive: the function that created the goroutine. If it can return before \
                  receiving (select with a timeout or ctx.Done(), an error path), every such return leaks one \
                  goroutine. With N senders and one receive, N-1 leak per call.",
        fix: "Give the channel a buffer big enough for every sender (make(chan T, 1) for one result), or make \
              the sender select on ctx.Done() as well; errgroup.Group does both.",
        references: &[
            "https://go.dev/ref/spec#Send_statements",
            "https://go.dev/blog/pipelines",
            "https://pkg.go.dev/golang.org/x/sync/errgroup",
        ],
        example: example!("send-no-receiver"),
    },
    Pattern {
        id: PatternId::ReceiveNeverSent,
        title: "receive from a channel nobody sends on or closes",
        why: "The goroutine waits for a value or a close that never comes: the producer returned (often on an \
              error path) without sending or closing.",
        confirm: "Look at every path of the producer: each must send or close. A receive that outlives its \
                  creator is the sign.",
        fix: "Have the producer `defer close(ch)`, or let the receiver select on ctx.Done() so it can give up.",
        references: &["https://go.dev/ref/spec#Receive_operator", "https://go.dev/blog/pipelines"],
        example: example!("receive-never-sent"),
    },
    Pattern {
        id: PatternId::RangeNeverClosed,
        title: "range over a channel that is never closed",
        why: "`for v := range ch` ends only when ch is closed. If the senders stop without closing it, the loop \
              waits forever.",
        confirm: "Check that the last sender closes the channel on every path, including errors.",
        fix: "Close the channel when the last sender is done (a sync.WaitGroup then close(ch) in its own \
              goroutine), or select on ctx.Done() inside the loop.",
        references: &["https://go.dev/ref/spec#For_range", "https://go.dev/blog/pipelines"],
        example: example!("range-never-closed"),
    },
    Pattern {
        id: PatternId::NilChannel,
        title: "operation on a nil channel",
        why: "Sending to or receiving from a nil channel blocks forever by definition: the channel was declared \
              (`var ch chan T`) or zeroed but never made.",
        confirm: "The runtime says so in the wait reason: `(nil chan)`. Find where the channel should have been \
                  created.",
        fix: "Initialise it with make(chan T) before use; in a select, a nil channel case is fine only if another \
              case can fire.",
        references: &[
            "https://go.dev/ref/spec#Channel_types",
            "https://go.dev/ref/spec#Making_slices_maps_and_channels",
        ],
        example: example!("nil-channel"),
    },
    Pattern {
        id: PatternId::SelectNeverFires,
        title: "select that can never fire",
        why: "Every case waits on something that will not happen in time: ctx.Done() of a context that is never \
              cancelled (context.Background(), context.TODO()), a channel nobody uses, a time.After of hours.",
        confirm: "Read the cases: which one is meant to end the wait, and who makes it ready? A context that is \
                  never cancelled has a nil Done() channel.",
        fix: "Pass the caller's cancellable context and `defer cancel()`; replace long time.After with a \
              time.NewTimer that is stopped.",
        references: &[
            "https://go.dev/ref/spec#Select_statements",
            "https://pkg.go.dev/context",
            "https://go.dev/blog/context",
        ],
        example: example!("select-never-fires"),
    },
    Pattern {
        id: PatternId::SelectNoCases,
        title: "select {} outside main",
        why: "`select {}` blocks forever. In main it parks the program on purpose; anywhere else it leaks the \
              goroutine for the life of the process.",
        confirm: "The wait reason is `select (no cases)`.",
        fix: "Return instead, or wait on a done channel or ctx.Done() that is closed on shutdown.",
        references: &["https://go.dev/ref/spec#Select_statements", "https://pkg.go.dev/context#AfterFunc"],
        example: example!("select-no-cases"),
    },
    Pattern {
        id: PatternId::LoopWithoutExit,
        title: "loop without exit",
        why: "A polling or ticker loop (`for { …; time.Sleep(d) }`, `for range ticker.C`) has no return path, so \
              the goroutine lives for ever; started per request, they pile up.",
        confirm: "Look for a return or break in the loop: does anything tell it to stop?",
        fix: "Check ctx.Done() every iteration (select on ctx.Done() and the ticker), stop tickers with \
              `defer ticker.Stop()`.",
        references: &[
            "https://pkg.go.dev/time#NewTicker",
            "https://pkg.go.dev/context",
            "https://go.dev/blog/context",
        ],
        example: example!("loop-without-exit"),
    },
    Pattern {
        id: PatternId::LockNeverReleased,
        title: "lock never released",
        why: "The goroutine waits for a sync.Mutex or RWMutex that another path locked and never unlocked (an \
              early return or a panic between Lock and Unlock), or that is held by a goroutine that is itself \
              blocked.",
        confirm: "Find every Lock of that mutex: each must have an Unlock on every path. If the holder is alive, \
                  it is in this dump: look for a goroutine inside the critical section.",
        fix: "`mu.Lock(); defer mu.Unlock()` right after locking; keep critical sections free of blocking \
              calls.",
        references: &["https://pkg.go.dev/sync#Mutex", "https://go.dev/doc/effective_go#defer"],
        example: example!("lock-never-released"),
    },
    Pattern {
        id: PatternId::WaitgroupMismatch,
        title: "WaitGroup that never reaches zero",
        why: "Wait returns only when the counter is zero. An Add without its Done (a goroutine that returns early, \
              or Add called inside the goroutine) leaves it waiting for ever.",
        confirm: "Count Add and Done calls on every path; Add must happen before the `go` statement.",
        fix: "Call wg.Add before starting the goroutine and `defer wg.Done()` as its first statement; in Go 1.25+ \
              prefer wg.Go(f).",
        references: &["https://pkg.go.dev/sync#WaitGroup", "https://pkg.go.dev/sync#WaitGroup.Go"],
        example: example!("waitgroup-mismatch"),
    },
    Pattern {
        id: PatternId::CondNeverSignalled,
        title: "Cond.Wait nobody signals",
        why: "sync.Cond.Wait returns only after Signal or Broadcast; if the state change happens without one, or \
              before the wait begins, the waiter sleeps for ever.",
        confirm: "Check that every change of the condition is followed by Signal/Broadcast under the lock.",
        fix: "Signal on every state change and re-check the condition in a loop; a channel is usually simpler.",
        references: &["https://pkg.go.dev/sync#Cond"],
        example: example!("cond-never-signalled"),
    },
    Pattern {
        id: PatternId::BodyNotClosed,
        title: "HTTP response body not closed",
        why: "net/http keeps a connection's read and write loops alive until the response body is read to the \
              end or closed. A body that is never closed pins two goroutines, a connection and its buffers.",
        confirm: "Each response in flight shows as a persistConn.readLoop waiting in a select. Look for \
                  client calls whose resp.Body is not closed on every path.",
        fix: "`defer resp.Body.Close()` right after the error check, and drain it (io.Copy(io.Discard, \
              resp.Body)) to reuse the connection.",
        references: &["https://pkg.go.dev/net/http#Response", "https://pkg.go.dev/net/http#Client.Do"],
        example: example!("body-not-closed"),
    },
    Pattern {
        id: PatternId::ClientPerCall,
        title: "HTTP client or Transport created per call",
        why: "Each http.Transport keeps its own pool of keep-alive connections, each with a read and a write \
              goroutine. A Transport (or an http.Client with its own Transport) made per request leaves its idle \
              connections and their goroutines behind, for ever if the Transport has no IdleConnTimeout.",
        confirm: "Far more persistConn read and write loops than a shared Transport keeps idle (MaxIdleConnsPerHost \
                  is 2 by default). Look for &http.Transport{} or http.Client{Transport: …} inside a handler or \
                  loop.",
        fix: "Create one http.Client and Transport at start-up and share it; set IdleConnTimeout; call \
              CloseIdleConnections on a Transport you discard.",
        references: &["https://pkg.go.dev/net/http#Client", "https://pkg.go.dev/net/http#Transport"],
        example: example!("client-per-call"),
    },
    Pattern {
        id: PatternId::NetworkNoDeadline,
        title: "network read with no deadline",
        why: "A read on a connection blocks until the peer sends or closes. A peer that hangs keeps the goroutine \
              for ever unless a deadline or timeout is set.",
        confirm: "Check whether the connection or client has a timeout (http.Client.Timeout, SetReadDeadline, a \
                  request context with deadline).",
        fix: "Set http.Client.Timeout or per-request contexts with deadlines; SetReadDeadline on raw \
              connections.",
        references: &[
            "https://pkg.go.dev/net#Conn",
            "https://pkg.go.dev/net/http#Client",
            "https://blog.cloudflare.com/the-complete-guide-to-golang-net-http-timeouts/",
        ],
        example: example!("network-no-deadline"),
    },
    Pattern {
        id: PatternId::UnboundedCreation,
        title: "unbounded goroutine creation",
        why: "Work is started with one goroutine per item and no limit, so the number of goroutines follows the \
              load, not the machine: they queue for the CPU and hold memory.",
        confirm: "Thousands runnable at one site, created by one loop or handler.",
        fix: "Bound concurrency with a worker pool or a semaphore channel (errgroup.SetLimit).",
        references: &[
            "https://pkg.go.dev/golang.org/x/sync/errgroup#Group.SetLimit",
            "https://pkg.go.dev/golang.org/x/sync/semaphore",
        ],
        example: example!("unbounded-creation"),
    },
];

impl PatternId {
    /// The catalogue entry.
    ///
    /// # Panics
    ///
    /// Never: a test checks that every id has an entry.
    pub fn pattern(self) -> &'static Pattern {
        CATALOGUE.iter().find(|p| p.id == self).expect("every pattern id has a catalogue entry")
    }

    /// The id as written in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PatternId::SendNoReceiver => "send-no-receiver",
            PatternId::ReceiveNeverSent => "receive-never-sent",
            PatternId::RangeNeverClosed => "range-never-closed",
            PatternId::NilChannel => "nil-channel",
            PatternId::SelectNeverFires => "select-never-fires",
            PatternId::SelectNoCases => "select-no-cases",
            PatternId::LoopWithoutExit => "loop-without-exit",
            PatternId::LockNeverReleased => "lock-never-released",
            PatternId::WaitgroupMismatch => "waitgroup-mismatch",
            PatternId::CondNeverSignalled => "cond-never-signalled",
            PatternId::BodyNotClosed => "body-not-closed",
            PatternId::NetworkNoDeadline => "network-no-deadline",
            PatternId::ClientPerCall => "client-per-call",
            PatternId::UnboundedCreation => "unbounded-creation",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_is_complete_and_named_like_its_serde_form() {
        for p in CATALOGUE {
            assert!(
                !p.title.is_empty() && p.why.len() > 40 && p.confirm.len() > 20 && p.fix.len() > 20,
                "{p:?}"
            );
            let json = serde_json::to_string(&p.id).unwrap();
            assert_eq!(json, format!("\"{}\"", p.id.as_str()));
            assert_eq!(p.id.pattern().id, p.id);
        }
    }
}
