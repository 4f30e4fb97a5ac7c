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
    /// Leaked goroutines keep the heap their frames reference.
    HeapHeldByGoroutines,
    /// A small subslice or substring keeps a large backing array alive.
    SubsliceRetention,
    /// A map used as a cache that only grows.
    UnboundedCache,
    /// Tickers or timers never stopped, kept by the runtime before Go 1.23 or by a reference.
    TimerNotStopped,
    /// Memory allocated at one site kept by something that only grows.
    HeapSiteGrows,
    /// Resident memory growing outside the Go heap: cgo, C libraries, mmap.
    OffHeapGrowth,
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
/// `// leaks` comment marks the line that leaks (blocks for ever, or keeps memory) and a `// fixed:` comment what
/// changed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Example {
    /// The Go file that leaks.
    pub leaks: &'static str,
    /// The same file, fixed.
    pub fixed: &'static str,
}

impl Example {
    /// The code people read: the file without its package clause and imports (with the cgo preamble of an
    /// `import "C"`).
    pub fn body(file: &str) -> &str {
        fn next_line(text: &str) -> &str {
            text.split_once('\n').map_or("", |(_, rest)| rest).trim_start()
        }
        let mut rest = file.trim_start();
        if rest.starts_with("package ") {
            rest = next_line(rest);
        }
        loop {
            let mut after_comments = rest;
            while after_comments.starts_with("//") {
                after_comments = next_line(after_comments);
            }
            if after_comments.starts_with("import \"C\"") {
                rest = after_comments;
            }
            if rest.starts_with("import (") {
                rest = rest.split_once("\n)\n").map_or("", |(_, after)| after).trim_start();
            } else if rest.starts_with("import ") {
                rest = next_line(rest);
            } else {
                break;
            }
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
              connections and their goroutines behind, for ever if the Transport has no IdleConnTimeout. The \
              memory goes with them: each connection holds two goroutine stacks, a 4 KiB bufio reader and \
              writer, a socket and, over HTTPS, its TLS state, so the heap grows with the connections.",
        confirm: "Far more persistConn read and write loops than a shared Transport keeps idle (MaxIdleConnsPerHost \
                  is 2 by default). Look for &http.Transport{} or http.Client{Transport: …} inside a handler or \
                  loop. On the memory side, two heap profiles compared with `go tool pprof \
                  -sample_index=inuse_space -base heap-1.pb.gz heap-2.pb.gz` show the growth under \
                  `net/http.(*Transport).dialConn` (bufio.NewReaderSize, bufio.NewWriterSize, crypto/tls), in step \
                  with the goroutines.",
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
    Pattern {
        id: PatternId::HeapHeldByGoroutines,
        title: "leaked goroutines holding heap memory",
        why: "A goroutine that never ends keeps alive everything its stack references: the buffer it filled, the \
              request it was serving, the value it is trying to send. Each leaked goroutine costs its stack \
              (StackInuse, from 2 KiB) and the heap it pins (HeapInuse), often far more. A heap profile shows \
              that memory at the line that allocated it, frequently an innocent-looking make in the \
              goroutine's own function, not at the goroutine, so the leak looks like a heap problem.",
        confirm: "`goroscope analyze http://HOST:6060 --memory --samples 6 --every 30s` names it with its share of the \
                  growth; by hand, take a goroutine dump and a heap profile at two times (`curl -o goroutine-1.txt \
                  'http://HOST/debug/pprof/goroutine?debug=1'` and `curl -o heap-1.pb.gz \
                  http://HOST/debug/pprof/heap`, later the -2 files). `goroscope diff goroutine-1.txt \
                  goroutine-2.txt` shows the group that grew and the pattern that leaks it; `go tool pprof \
                  -sample_index=inuse_space -base heap-1.pb.gz heap-2.pb.gz`, then `top` and `peek FUNC` with \
                  FUNC the group's function, shows the heap that grew below it. When both grow in step (N more \
                  goroutines, about N times the buffer more heap), the goroutines hold the heap.",
        fix: "Fix the goroutine leak (`goroscope explain` the pattern goroscope names for the group: a buffered \
              result channel, a select on ctx.Done(), a channel closed by its producer); the heap is freed when \
              the goroutines end. Until then, keep less per goroutine: hand over a small result, not the whole \
              buffer.",
        references: &[
            "https://go.dev/doc/gc-guide",
            "https://pkg.go.dev/runtime/pprof",
            "https://pkg.go.dev/net/http/pprof",
            "https://go.dev/blog/pipelines",
        ],
        example: example!("heap-held-by-goroutines"),
    },
    Pattern {
        id: PatternId::SubsliceRetention,
        title: "small subslice keeping a large array alive",
        why: "A slice or string shares the backing array it was cut from: `id := buf[:16]` or `name := \
              line[5:20]` keeps all of buf or line reachable for as long as id or name is. Stored in a map, a \
              global or a long-lived struct, each 16-byte id pins the whole buffer it came from, so the heap \
              grows by the buffer's size per item while the program means to keep a few bytes. Substrings of a \
              file or body read whole, and results of bytes.Fields or strings.Split, do the same.",
        confirm: "`goroscope analyze http://HOST:6060 --memory --samples 6 --every 30s` names it with its share of the \
                  growth; by hand, compare two heap profiles: `go tool pprof -sample_index=inuse_space -base heap-1.pb.gz \
                  heap-2.pb.gz`, then `top` and `list FUNC`. The growth is at the line that allocates the big \
                  buffer (make, io.ReadAll, os.ReadFile, a strings.Builder), by about the buffer's size per \
                  item kept, though the code that stores something keeps only a small piece. Follow what is \
                  derived from that buffer and stored: a reslice `b[i:j]` or a substring `s[i:j]`.",
        fix: "Copy the piece you keep so the big array can be freed: `bytes.Clone(buf[:16])` (or \
              `append([]byte(nil), buf[:16]...)`) for slices, `strings.Clone(s[i:j])` for strings (Go 1.20+), \
              or a fixed-size array such as [16]byte for ids.",
        references: &[
            "https://pkg.go.dev/bytes#Clone",
            "https://pkg.go.dev/strings#Clone",
            "https://go.dev/blog/slices-intro",
            "https://go.dev/doc/gc-guide",
        ],
        example: example!("subslice-retention"),
    },
    Pattern {
        id: PatternId::UnboundedCache,
        title: "map used as a cache that only grows",
        why: "A map filled on every request or message and never deleted from keeps every value for ever. Keys \
              that keep changing (user ids, URLs with query strings, request ids, timestamps) make it grow \
              without bound, and the memory is reachable, so the garbage collector cannot free it. Deleting \
              frees the values but not the map's table: a Go map never shrinks.",
        confirm: "`goroscope analyze http://HOST:6060 --memory --samples 6 --every 30s` names it with its share of the \
                  growth; by hand, compare two heap profiles: `go tool pprof -sample_index=inuse_space -base heap-1.pb.gz \
                  heap-2.pb.gz`, then `top`: the growth is at the function that builds the stored values (and \
                  under runtime.mapassign for the map's own table), in proportion to the number of new keys. \
                  `list FUNC` leads to the `m[key] = v`; check that something deletes from m or bounds its \
                  size, and how many distinct keys the traffic brings.",
        fix: "Bound the cache: a fixed capacity with eviction (an LRU such as \
              github.com/hashicorp/golang-lru/v2), entries that expire and are swept, or memoisation that \
              lives only as long as the request. To give back the table of a map that shrank, copy its live \
              entries into a new map.",
        references: &[
            "https://go.dev/blog/maps",
            "https://github.com/golang/go/issues/20135",
            "https://pkg.go.dev/github.com/hashicorp/golang-lru/v2",
            "https://go.dev/doc/gc-guide",
        ],
        example: example!("unbounded-cache"),
    },
    Pattern {
        id: PatternId::TimerNotStopped,
        title: "tickers and timers never stopped",
        why: "Before Go 1.23 the runtime keeps every started ticker in its timer heap until Stop, and every timer \
              until it fires or is stopped, whether the program still refers to it or not. A time.NewTicker \
              without Stop in a function called per request leaks a Ticker, its channel and its runtime timer \
              (a few hundred bytes) and the work of firing it, every call; time.After in a busy loop keeps one \
              timer per iteration. Go 1.23 made unreferenced timers collectable for main modules that say go \
              1.23 or later in go.mod (others kept the old behaviour through GODEBUG asynctimerchan until Go \
              1.27 removed it), but a ticker still referenced from a struct, a slice or a goroutine is never \
              collected.",
        confirm: "`goroscope analyze http://HOST:6060 --memory --samples 6 --every 30s` names it with its share of the \
                  growth; `goroscope lint ./...` reports tickers never stopped (GL402), time.Tick (GL403) and time.After \
                  in a loop (GL401) in modules before go 1.23. In two heap profiles compared with `go tool \
                  pprof -sample_index=inuse_space -base heap-1.pb.gz heap-2.pb.gz`, `peek \
                  'time.NewTicker|time.NewTimer|time.After'` shows the growth under time.NewTicker and \
                  time.newTimer, with your function as the caller, growing with the calls. Check the go line of \
                  go.mod and the Go version (`go version -m BINARY`).",
        fix: "`defer ticker.Stop()` right after time.NewTicker; stop a timer you no longer wait for; make one \
              timer before a loop and Reset it instead of time.After per iteration; drop references to the \
              tickers of finished work. Moving the main module to go 1.23 or later makes unreferenced timers \
              collectable, not referenced ones.",
        references: &[
            "https://pkg.go.dev/time#NewTicker",
            "https://pkg.go.dev/time#Timer.Stop",
            "https://go.dev/doc/go1.23#timer-changes",
        ],
        example: example!("timer-not-stopped"),
    },
    Pattern {
        id: PatternId::HeapSiteGrows,
        title: "heap that only grows at one site",
        why: "Memory allocated at one site stays reachable from something that only grows: a global or \
              long-lived slice that is appended to and never trimmed, a buffered channel nobody drains, a list \
              or tree of structs, a field that collects per-request data. The garbage collector frees only \
              what is unreachable, so HeapInuse climbs by about the same amount per request or message, at \
              the same allocation site, until the process reaches its memory limit.",
        confirm: "`goroscope analyze http://HOST:6060 --memory --samples 6 --every 30s` names it with its share of the \
                  growth; by hand, take two heap profiles some load apart (`curl -o heap-1.pb.gz http://HOST/debug/pprof/heap`, \
                  later heap-2.pb.gz) and compare them: `go tool pprof -sample_index=inuse_space -base \
                  heap-1.pb.gz heap-2.pb.gz`, then `top` (the site that grew), `peek FUNC` (its callers) and \
                  `list FUNC` (the line that allocates). A heap profile says where memory was allocated, not \
                  what holds it: follow the value from that line to where it is stored. If goroutines grow \
                  too (`goroscope diff goroutine-1.txt goroutine-2.txt`), see heap-held-by-goroutines first. \
                  The allocs profile (`-sample_index=alloc_space`) shows churn, not what is kept.",
        fix: "Bound what holds the memory: cap or trim the slice (a ring of the last N), drain or close the \
              channel, remove finished items from lists and maps, keep per-request data in the request. A \
              memory limit (GOMEMLIMIT, debug.SetMemoryLimit) only makes the collector work harder; it cannot \
              free what is reachable.",
        references: &[
            "https://go.dev/doc/gc-guide",
            "https://go.dev/blog/pprof",
            "https://pkg.go.dev/net/http/pprof",
            "https://pkg.go.dev/runtime#MemStats",
        ],
        example: example!("heap-site-grows"),
    },
    Pattern {
        id: PatternId::OffHeapGrowth,
        title: "memory growing outside the Go heap",
        why: "The process's resident memory (RSS) grows while the Go runtime's own memory does not: MemStats Sys, \
              HeapInuse and StackInuse stay flat and no heap profile site grows. The Go runtime knows nothing \
              of memory that C code allocates through cgo (C.malloc or C.CString without C.free, a C \
              library's own allocations and caches) or that is mapped with syscall.Mmap and never unmapped: \
              the garbage collector can neither see nor free it.",
        confirm: "`goroscope analyze http://HOST:6060 --memory --samples 6 --every 30s` names it with its share of the \
                  growth; by hand, compare RSS with what Go owns, at two times: VmRSS and RssAnon in /proc/PID/status against Sys \
                  and HeapInuse in the `# runtime.MemStats` trailer of `curl \
                  'http://HOST/debug/pprof/heap?debug=1'`. Heap that Go freed but has not yet returned to the \
                  system (HeapIdle minus HeapReleased) counts in RSS too; if RSS grows far more than Sys, the \
                  growth is off the Go heap, and `go tool pprof -base heap-1.pb.gz heap-2.pb.gz` shows nothing. \
                  Look for import \"C\" and the C libraries linked in; `pmap -x PID` or /proc/PID/smaps tells \
                  anonymous memory (malloc) from mapped files; heaptrack or bcc's memleak find the C call site \
                  that allocates.",
        fix: "Free C memory on every path: `defer C.free(unsafe.Pointer(p))` after C.malloc or C.CString, or \
              the library's own release function; tie C memory to a Go object with runtime.AddCleanup (Go \
              1.24+) only as a safety net. syscall.Munmap what you Mmap.",
        references: &[
            "https://pkg.go.dev/cmd/cgo",
            "https://pkg.go.dev/runtime#MemStats",
            "https://pkg.go.dev/runtime#AddCleanup",
            "https://go.dev/doc/gc-guide",
            "https://man7.org/linux/man-pages/man5/proc.5.html",
        ],
        example: example!("off-heap-growth"),
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

    /// Whether the pattern explains memory that grows (rather than goroutines that block).
    pub fn is_memory(self) -> bool {
        matches!(
            self,
            PatternId::HeapHeldByGoroutines
                | PatternId::SubsliceRetention
                | PatternId::UnboundedCache
                | PatternId::TimerNotStopped
                | PatternId::HeapSiteGrows
                | PatternId::OffHeapGrowth
        )
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
            PatternId::HeapHeldByGoroutines => "heap-held-by-goroutines",
            PatternId::SubsliceRetention => "subslice-retention",
            PatternId::UnboundedCache => "unbounded-cache",
            PatternId::TimerNotStopped => "timer-not-stopped",
            PatternId::HeapSiteGrows => "heap-site-grows",
            PatternId::OffHeapGrowth => "off-heap-growth",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_leaves_out_the_package_clause_imports_and_a_cgo_preamble() {
        let plain = "package p\n\nimport (\n\t\"a\"\n\t\"b\"\n)\n\n// f does.\nfunc f() {}\n";
        assert_eq!(Example::body(plain), "// f does.\nfunc f() {}");
        let cgo = "package p\n\n// #include <stdlib.h>\nimport \"C\"\n\nimport \"unsafe\"\n\n// g does.\nfunc g() {}\n";
        assert_eq!(Example::body(cgo), "// g does.\nfunc g() {}");
        let comment_first = "package p\n\n// v is.\nvar v = 1\n";
        assert_eq!(Example::body(comment_first), "// v is.\nvar v = 1");
    }

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
