// Command watch is a long-running service for the `goroscope watch` tests. It leaks goroutines at a steady,
// controlled rate (or not at all, with -leak-every 0), keeps healthy goroutines busy coming and going, and serves
// the count sources a fleet has: net/http/pprof, Prometheus text at /metrics and expvar at /debug/vars.
//
// It prints "pprof http://127.0.0.1:PORT" and "ready" once it listens, and exits when stdin reaches EOF or
// -lifetime passes.
package main

import (
	"bufio"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
	"time"
)

var (
	addr      = flag.String("addr", "127.0.0.1:0", "listen `address` (127.0.0.1:0 picks a free port)")
	leakEvery = flag.Duration("leak-every", 50*time.Millisecond, "leak one goroutine this often; 0 leaks none")
	busy      = flag.Int("busy", 8, "goroutines that keep starting short-lived work")
	lifetime  = flag.Duration("lifetime", 5*time.Minute, "exit after this long")
)

var started = time.Now()

// orders is what the leaking path notifies: nobody ever receives from it.
type orders struct {
	confirmations chan string
}

// confirm hands the confirmation to a goroutine that sends it; the receiver was never started, so each call
// leaves one goroutine blocked in the send for ever.
func (o *orders) confirm(id int) {
	go func() {
		o.confirmations <- fmt.Sprintf("order %d", id)
	}()
}

func leak(every time.Duration) {
	o := &orders{confirmations: make(chan string)}
	for id := 0; ; id++ {
		time.Sleep(every)
		o.confirm(id)
	}
}

// work keeps a pool of workers busy and starts short-lived helpers: counts go up and down, nothing stays.
func work(jobs chan int) {
	for {
		var wg sync.WaitGroup
		for i := 0; i < 1+rand.Intn(20); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(rand.Intn(30)) * time.Millisecond)
			}()
		}
		wg.Wait()
		jobs <- rand.Intn(100)
	}
}

func worker(jobs chan int) {
	for j := range jobs {
		time.Sleep(time.Duration(j%5) * time.Millisecond)
	}
}

func metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP go_goroutines Number of goroutines that currently exist.\n")
	fmt.Fprintf(w, "# TYPE go_goroutines gauge\n")
	fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n")
	fmt.Fprintf(w, "# TYPE process_start_time_seconds gauge\n")
	fmt.Fprintf(w, "process_start_time_seconds %.3f\n", float64(started.UnixNano())/1e9)
}

func main() {
	flag.Parse()
	expvar.Publish("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
	http.HandleFunc("/metrics", metrics)
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(listener, nil)) }()

	jobs := make(chan int)
	for i := 0; i < 4; i++ {
		go worker(jobs)
	}
	for i := 0; i < *busy; i++ {
		go work(jobs)
	}
	if *leakEvery > 0 {
		go leak(*leakEvery)
	}
	fmt.Printf("pprof http://%s\n", listener.Addr())
	fmt.Println("ready")

	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(*lifetime):
	}
}
