// Command formats leaves groups of goroutines of distinct sizes blocked in
// different ways, some of them under pprof labels, so that one process can be
// dumped in every pprof form (goroutine at debug=2, 1 and 0, and the
// goroutineleak profile) and the forms compared group by group:
//
//	count  blocked in           function               labels
//	40     chan send            handleUpload.func1.1   {"handler":"/upload", "tenant":"acme"}
//	30     chan receive         handleDownload.func1.1 {"handler":"/download", "tenant":"globex"}
//	20     select               watchShard             {"job":"reindex"}
//	12     sync.Mutex.Lock      (*ledger).post         none
//	8      sync.WaitGroup.Wait  awaitReplicas          {"handler":"/replicate", "tenant":"acme"}
//	5      sleep (in a loop)    pollFeed               none
//	2      chan receive         renderWorker           {"pool":"render"} (healthy)
//
// The sizes are fixed (-n is not used), so that a group can be recognised by
// its count in every form. Every group but the render workers is started
// from a request handler, once per request except the ledger postings (all
// from one request). The first five groups block on channels, a mutex and
// WaitGroups that only the blocked goroutines can reach, so the runtime's
// leak detector (goroutineleak profile: Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile, Go 1.27+) reports exactly those 110
// goroutines. The pollers sleep (not a leak to the runtime) and the render
// workers wait on a package-level channel, so neither is reported.
//
// After "ready" nothing starts, wakes or exits on its own, so dumps fetched
// one after another see the same goroutines (plus the ones serving the
// request). Fetching the goroutineleak profile marks the leaked goroutines
// "(leaked)" in later debug=2 dumps as well.
package main

import (
	"context"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"runtime/pprof"
	"sync"
	"time"

	"goroscope.test/patterns/internal/harness"
)

const (
	uploads    = 40
	downloads  = 30
	reindexes  = 20
	postings   = 12
	replicates = 8
	pollers    = 5
	workers    = 2
)

// renderJobs feeds the healthy worker pool. It is a package-level channel,
// so the workers blocked on it stay reachable and are not leaked.
var renderJobs = make(chan renderJob)

type renderJob struct {
	page string
	done chan<- int
}

func main() {
	http.HandleFunc("/upload", handleUpload)
	http.HandleFunc("/download", handleDownload)
	http.HandleFunc("/reindex", handleReindex)
	http.HandleFunc("/close-books", handleCloseBooks)
	http.HandleFunc("/replicate", handleReplicate)
	http.HandleFunc("/watch", handleWatch)
	http.HandleFunc("/render", handleRender)
	pprof.Do(context.Background(), pprof.Labels("pool", "render"), func(context.Context) {
		for i := 0; i < workers; i++ {
			go renderWorker()
		}
	})
	harness.Main(func(env *harness.Env) {
		for i := 0; i < uploads; i++ {
			env.Get(fmt.Sprintf("/upload?tenant=acme&name=part-%d.bin", i))
		}
		for i := 0; i < downloads; i++ {
			env.Get(fmt.Sprintf("/download?tenant=globex&id=%d", i))
		}
		for i := 0; i < reindexes; i++ {
			env.Get(fmt.Sprintf("/reindex?shard=%d", i))
		}
		env.Get("/close-books")
		for i := 0; i < replicates; i++ {
			env.Get(fmt.Sprintf("/replicate?tenant=acme&key=k%d", i))
		}
		for i := 0; i < pollers; i++ {
			env.Get(fmt.Sprintf("/watch?feed=f%d", i))
		}
		for i := 0; i < 2*workers; i++ {
			env.Get(fmt.Sprintf("/render?page=%d", i))
		}
	})
}

// handleUpload checksums the upload in the background but rejects uploads
// without a size before reading the checksum: the checksum goroutine blocks
// forever on its send.
func handleUpload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pprof.Do(r.Context(), pprof.Labels("handler", "/upload", "tenant", q.Get("tenant")), func(context.Context) {
		sum := make(chan uint32)
		go func() {
			sum <- checksum(q.Get("name")) // want leak: send-no-receiver likely
		}()
		if q.Get("size") == "" {
			http.Error(w, "missing size", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "stored, checksum %08x\n", <-sum)
	})
}

func checksum(s string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// handleDownload starts a cleanup goroutine that waits for the transfer to
// finish, but returns on an unknown id without closing the channel it waits
// on.
func handleDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pprof.Do(r.Context(), pprof.Labels("handler", "/download", "tenant", q.Get("tenant")), func(context.Context) {
		finished := make(chan struct{})
		go func() {
			<-finished // want leak: receive-never-sent likely
			fmt.Println("download", q.Get("id"), "cleaned up")
		}()
		if q.Get("version") == "" {
			http.Error(w, "unknown object", http.StatusNotFound)
			return
		}
		close(finished)
	})
}

// handleReindex starts a watcher of one shard's progress that waits until
// the shard reports or the reindex is cancelled; nothing ever does either.
func handleReindex(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels("job", "reindex"), func(context.Context) {
		progress := make(chan int)
		cancel := make(chan struct{})
		go watchShard(r.URL.Query().Get("shard"), progress, cancel)
		w.WriteHeader(http.StatusAccepted)
	})
}

func watchShard(shard string, progress <-chan int, cancel <-chan struct{}) {
	select { // want leak: select-never-fires likely
	case n := <-progress:
		fmt.Println("shard", shard, "indexed", n)
	case <-cancel:
	}
}

type ledger struct {
	mu      sync.Mutex
	entries []string
}

func handleCloseBooks(w http.ResponseWriter, r *http.Request) {
	closeBooks()
	w.WriteHeader(http.StatusAccepted)
}

// closeBooks locks the ledger for the closing run and returns early without
// unlocking it; the postings queued behind it wait forever.
func closeBooks() {
	l := &ledger{}
	l.mu.Lock()
	for i := 0; i < postings; i++ {
		go l.post(fmt.Sprintf("entry-%d", i))
	}
	if len(l.entries) == 0 {
		return // nothing to close: forgets l.mu.Unlock
	}
	l.mu.Unlock()
}

func (l *ledger) post(entry string) {
	l.mu.Lock() // want leak: lock-never-released likely
	l.entries = append(l.entries, entry)
	l.mu.Unlock()
}

// handleReplicate waits for three replicas in the background, but only two
// are ever asked.
func handleReplicate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pprof.Do(r.Context(), pprof.Labels("handler", "/replicate", "tenant", q.Get("tenant")), func(context.Context) {
		wg := new(sync.WaitGroup)
		wg.Add(3)
		for _, replica := range []string{"eu-1", "us-1"} {
			go func(replica string) {
				defer wg.Done()
				_ = replica + "/" + q.Get("key")
			}(replica)
		}
		go awaitReplicas(wg, q.Get("key"))
		w.WriteHeader(http.StatusAccepted)
	})
}

func awaitReplicas(wg *sync.WaitGroup, key string) {
	wg.Wait() // want leak: waitgroup-mismatch likely
	fmt.Println(key, "replicated")
}

// handleWatch starts a poller of a feed that never stops, not even when
// nobody reads the feed any more.
func handleWatch(w http.ResponseWriter, r *http.Request) {
	go pollFeed(r.URL.Query().Get("feed"))
	w.WriteHeader(http.StatusAccepted)
}

func pollFeed(feed string) {
	for {
		time.Sleep(time.Hour) // want leak: loop-without-exit likely
		fmt.Println("polled", feed)
	}
}

// renderWorker is a healthy long-lived worker.
func renderWorker() {
	for job := range renderJobs {
		job.done <- len(job.page)
	}
}

func handleRender(w http.ResponseWriter, r *http.Request) {
	done := make(chan int, 1)
	renderJobs <- renderJob{page: r.URL.Query().Get("page"), done: done}
	fmt.Fprintf(w, "rendered %d bytes\n", <-done)
}
