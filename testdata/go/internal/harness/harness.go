// Package harness runs the pattern programs under testdata/go.
//
// Every program follows the same contract, which the Rust tests rely on:
//
//  1. It serves http.DefaultServeMux (with net/http/pprof registered) on a
//     listener bound to 127.0.0.1:0.
//  2. It prints exactly one line "pprof http://127.0.0.1:PORT" to stdout.
//  3. It runs its scenario, triggering the pattern -n times (default 20).
//  4. It waits until the goroutine stacks stop changing (at most 5 s), calls
//     runtime.GC and prints "ready".
//  5. It keeps serving until stdin reaches EOF or 120 s pass, then exits 0.
//
// The programs are kept compatible with Go 1.17 so that fixtures can be
// captured with older toolchains.
package harness

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

const (
	lifetime     = 120 * time.Second
	settleLimit  = 5 * time.Second
	settleStep   = 100 * time.Millisecond
	settleStable = 3 // identical consecutive samples after the first one
)

var times = flag.Int("n", 20, "how many times the scenario triggers its pattern")

// Env is what a scenario works with.
type Env struct {
	// N is how many times to trigger the pattern (flag -n).
	N int
	// URL is the base URL of the program's own server, "http://127.0.0.1:PORT".
	URL string
	// Client talks to URL: keep-alives on, 5 s timeout.
	Client *http.Client
	// Busy, when set by the scenario, skips waiting for the goroutine stacks
	// to settle: the program keeps working on purpose (healthy programs).
	Busy bool
}

// Get requests URL+path with env.Client, reads and closes the body, and
// returns the status code.
func (e *Env) Get(path string) (int, error) {
	return Get(e.Client, e.URL+path)
}

// Get requests url with c, reads and closes the body, and returns the status
// code.
func Get(c *http.Client, url string) (int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// NewClient returns a client with its own keep-alive transport and the given
// overall request timeout.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     lifetime,
		},
	}
}

// Parallel calls fn(i) for i in [0, n), at most workers at a time, and
// returns when all calls have returned.
func Parallel(n, workers int, fn func(i int)) {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}(i)
	}
	wg.Wait()
}

// ServeLocal serves h on another listener bound to 127.0.0.1:0 and returns
// its base URL. Programs use it for an upstream service they call.
func ServeLocal(h http.Handler) string {
	ln := listen()
	go func() { _ = http.Serve(ln, h) }()
	return "http://" + ln.Addr().String()
}

// Main serves http.DefaultServeMux, runs scenario and then follows the rest of
// the contract described in the package comment. It does not return.
func Main(scenario func(env *Env)) {
	flag.Parse()
	ln := listen()
	go func() { _ = http.Serve(ln, nil) }()
	fmt.Printf("pprof http://%s\n", ln.Addr())

	env := &Env{N: *times, URL: "http://" + ln.Addr().String(), Client: NewClient(5 * time.Second)}
	scenario(env)
	env.Client.CloseIdleConnections()
	if !env.Busy {
		settle()
	}
	runtime.GC()
	fmt.Println("ready")

	waitForStdinEOF(lifetime)
	os.Exit(0)
}

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	return ln
}

// settle waits until the goroutine profile (stacks and counts) is the same
// over several consecutive samples, or settleLimit passes.
func settle() {
	deadline := time.Now().Add(settleLimit)
	var last []byte
	same := 0
	for time.Now().Before(deadline) && same < settleStable {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		if bytes.Equal(buf.Bytes(), last) {
			same++
		} else {
			last, same = buf.Bytes(), 0
		}
		time.Sleep(settleStep)
	}
}

func waitForStdinEOF(limit time.Duration) {
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-eof:
	case <-t.C:
	}
}
