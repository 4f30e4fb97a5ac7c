//go:build go1.21

// Command service imitates a small server: it logs a few lines with
// log/slog, starts goroutines that block in different ways, and then
//
//	-mode panic  panics in a request handler goroutine (run it with
//	             GOTRACEBACK=all to see every goroutine), or
//	-mode wait   logs "ready" and waits to be killed, e.g. with SIGQUIT.
//
// Its log records go
//
//	-log text    through slog's default handler, that is the standard log
//	             package, to stderr: "2026/11/24 10:00:00 INFO msg k=v", or
//	-log json    through slog's JSON handler to stdout, one object per line,
//	             while the runtime still writes the panic to stderr.
//
// The clock in the log records is fake: it starts at 2026-11-24 10:00:00
// UTC and advances by a fixed step per record, so only the goroutine dump
// changes between runs.
//
// One goroutine carries pprof labels with a long value; with
// GODEBUG=tracebacklabels=1 (Go 1.26) they appear in its header, which
// then is longer than 200 bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// fakeNow returns the time of the next log record.
var fakeNow = func() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(1234567 * time.Nanosecond)
		return t
	}
}()

// clockWriter is the standard log package's output: it writes each
// message to stderr behind a timestamp from fakeNow, in the layout of
// log.LstdFlags.
type clockWriter struct{}

func (clockWriter) Write(p []byte) (int, error) {
	b := fakeNow().AppendFormat(nil, "2006/01/02 15:04:05 ")
	if _, err := os.Stderr.Write(append(b, p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// setupLogging makes slog's default logger write in the given format.
func setupLogging(format string) {
	switch format {
	case "text":
		log.SetFlags(0)
		log.SetOutput(clockWriter{})
	case "json":
		h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					a.Value = slog.TimeValue(fakeNow())
				}
				return a
			},
		})
		slog.SetDefault(slog.New(h).With("service", "orders"))
	default:
		fmt.Fprintf(os.Stderr, "unknown log format %q\n", format)
		os.Exit(2)
	}
}

type job struct {
	order int
	items []string
}

// worker waits for jobs that never come (chan receive).
func worker(id int, jobs <-chan job) {
	for j := range jobs {
		slog.Info("order processed", "worker", id, "order", j.order)
	}
}

// acceptLoop waits for connections (IO wait).
func acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// flushCache waits for a mutex that is never unlocked (sync.Mutex.Lock).
func flushCache(mu *sync.Mutex) {
	mu.Lock()
	defer mu.Unlock()
}

// waitForPeers waits for peers that never report (sync.WaitGroup.Wait).
func waitForPeers(wg *sync.WaitGroup) {
	wg.Wait()
}

// janitor runs until ctx is cancelled (select).
func janitor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retryLater sleeps (sleep).
func retryLater(d time.Duration) {
	time.Sleep(d)
}

// publish sends a result nobody receives (chan send), with pprof labels.
func publish(ctx context.Context, results chan<- string, url string) {
	pprof.Do(ctx, pprof.Labels("request", url, "tenant", "acme"), func(context.Context) {
		results <- "reserved"
	})
}

type inventory struct{ warehouse string }

func (inv *inventory) reserve(j job) error {
	return fmt.Errorf("reserve inventory for order %d: warehouse %s rejected %d items [%s]: %w",
		j.order, inv.warehouse, len(j.items), strings.Join(j.items, " "), errUnavailable)
}

var errUnavailable = errors.New("stock service returned 503 Service Unavailable (upstream connect error or disconnect/reset before headers)")

// handle processes one order and panics on the error.
func handle(inv *inventory, j job) {
	if err := inv.reserve(j); err != nil {
		slog.Error("reserve failed", "order", j.order, "err", err)
		panic(err)
	}
}

func main() {
	mode := flag.String("mode", "panic", "panic or wait")
	logFormat := flag.String("log", "text", "text or json")
	flag.Parse()
	setupLogging(*logFormat)

	slog.Info("orders service starting", "version", "1.4.2", "mode", *mode)
	slog.Info("config", "listen", "127.0.0.1:0", "workers", 3,
		"db", "postgres://orders@db-0.orders.svc.cluster.local:5432/orders?sslmode=verify-full&pool_max_conns=32&pool_min_conns=4",
		"cache", "redis://cache-0.orders.svc.cluster.local:6379/2", "flush_interval", "30s", "janitor_interval", "1m")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		slog.Error("listen failed", "err", err)
		os.Exit(1)
	}
	go acceptLoop(ln)

	jobs := make(chan job)
	for i := 0; i < 3; i++ {
		go worker(i, jobs)
	}

	var mu sync.Mutex
	mu.Lock()
	go flushCache(&mu)

	var peers sync.WaitGroup
	peers.Add(1)
	go waitForPeers(&peers)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go janitor(ctx, time.Minute)
	go retryLater(time.Hour)

	results := make(chan string)
	items := make([]string, 12)
	for i := range items {
		items[i] = fmt.Sprintf("sku-%06d", 1000+i)
	}
	url := "/api/v1/orders/42/reserve?items=" + strings.Join(items, ",") + "&warehouse=eu-west-1&priority=express"
	go publish(ctx, results, url)

	time.Sleep(200 * time.Millisecond)
	slog.Info("listening", "workers", 3)

	stop := make(chan struct{})
	if *mode == "wait" {
		slog.Info("ready")
		<-stop
		return
	}
	if *mode != "panic" {
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", *mode)
		os.Exit(2)
	}
	slog.Info("processing order", "order", 42, "items", len(items))
	go handle(&inventory{warehouse: "eu-west-1"}, job{order: 42, items: items})
	<-stop
}
