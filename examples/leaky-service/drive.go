package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	sessions    = 8  // client sessions running at once
	loadClients = 16 // keep-alive clients listing inventory while the dump is taken
)

// driveAndDump plays the service's clients: rounds of real requests to every
// endpoint, then a bounded load on the inventory listing while it fetches its
// own goroutine dump (debug=2) over HTTP and writes it to path.
func driveAndDump(base string, rounds int, path string) error {
	client := newClient(2 * time.Second)
	impatient := newClient(300 * time.Millisecond)

	// A few adjustments go through, then one oversells: from then on every
	// adjustment waits for a lock nobody will release.
	for _, sku := range []string{"KB-101", "MS-202", "HD-303"} {
		call(client, "POST", base+"/inventory/adjust?sku="+sku+"&delta=5", "")
	}
	call(client, "POST", base+"/inventory/adjust?sku=HD-303&delta=-1000", "")

	sem := make(chan struct{}, sessions)
	var wg sync.WaitGroup
	for i := 0; i < rounds; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			session(client, impatient, base, i)
		}(i)
	}
	wg.Wait()
	client.CloseIdleConnections()
	settle()

	stop := startLoad(base)
	defer stop()
	runtime.GC()
	resp, err := call(newClient(10*time.Second), "GET", base+"/debug/pprof/goroutine?debug=2", "")
	if err != nil {
		return fmt.Errorf("fetching the goroutine dump: %w", err)
	}
	if err := os.WriteFile(path, resp, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "leaky-service: wrote %d goroutines to %s\n", bytes.Count(resp, []byte("\ngoroutine "))+1, path)
	return nil
}

// session is one client's visit: browse, quote, order, track, cancel, and
// some back-office calls.
func session(client, impatient *http.Client, base string, i int) {
	skus := []string{"KB-101", "MS-202", "HD-303", "CB-404"}
	sku := skus[i%len(skus)]

	call(client, "GET", base+"/inventory", "")
	call(client, "GET", base+"/quote?sku="+sku, "")
	body, err := call(client, "POST", base+"/orders?qty=1&sku="+sku, "")
	var o order
	if err == nil && json.Unmarshal(body, &o) == nil {
		call(client, "POST", base+"/shipments/track?order="+o.ID, "")
		call(client, "POST", base+"/orders/cancel?id="+o.ID, "")
	}
	call(client, "GET", base+"/orders/summary", "")
	call(client, "POST", base+"/inventory/import", fmt.Sprintf("%s %d\nCB-404 %d\n", sku, 50+i, 100+i))
	call(impatient, "POST", base+"/inventory/adjust?delta=1&sku="+sku, "")
}

// startLoad keeps loadClients busy listing the inventory (bounded in
// requests and time) and returns once the load is running.
func startLoad(base string) (stop func()) {
	client := newClient(2 * time.Second)
	quit := make(chan struct{})
	deadline := time.Now().Add(60 * time.Second)
	var done int64
	for c := 0; c < loadClients; c++ {
		go func() {
			for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
				select {
				case <-quit:
					return
				default:
				}
				if _, err := call(client, "GET", base+"/inventory", ""); err == nil {
					atomic.AddInt64(&done, 1)
				}
			}
		}()
	}
	for start := time.Now(); atomic.LoadInt64(&done) < 200 && time.Since(start) < 5*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	return func() { close(quit) }
}

func newClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: loadClients, IdleConnTimeout: time.Minute},
	}
}

// call sends one request and returns the whole response body.
func call(c *http.Client, method, url, body string) ([]byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// settle waits until the goroutine profile (stacks and counts) stays the same
// for a few samples in a row, at most 5 s.
func settle() {
	deadline := time.Now().Add(5 * time.Second)
	var last []byte
	for same := 0; same < 3 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		if bytes.Equal(buf.Bytes(), last) {
			same++
		} else {
			last, same = buf.Bytes(), 0
		}
	}
}
