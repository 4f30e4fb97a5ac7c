// Command http-under-load is healthy: 16 keep-alive clients keep a handler
// busy (bounded in requests and time) while the dump is taken. Many
// goroutines are parked in network reads and in the handler, none leaked.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	_ "net/http/pprof"
	"sync/atomic"
	"time"

	"goroscope.test/patterns/internal/harness"
)

const (
	clients           = 16
	requestsPerClient = 100000
	loadDuration      = 120 * time.Second
)

func handleChecksum(w http.ResponseWriter, r *http.Request) {
	sum := sha256.Sum256([]byte(r.URL.RawQuery))
	for i := 0; i < 100; i++ {
		sum = sha256.Sum256(sum[:])
	}
	time.Sleep(2 * time.Millisecond) // a database round trip
	_, _ = w.Write([]byte(hex.EncodeToString(sum[:])))
}

// load runs the clients in the background and returns the counter of
// completed requests.
func load(url string) *int64 {
	var done int64
	client := harness.NewClient(5 * time.Second)
	deadline := time.Now().Add(loadDuration)
	for c := 0; c < clients; c++ {
		go func() {
			for i := 0; i < requestsPerClient && time.Now().Before(deadline); i++ {
				if _, err := harness.Get(client, url+"/checksum?item=42"); err == nil {
					atomic.AddInt64(&done, 1)
				}
			}
		}()
	}
	return &done
}

func main() {
	http.HandleFunc("/checksum", handleChecksum)
	harness.Main(func(env *harness.Env) {
		env.Busy = true
		done := load(env.URL)
		want := int64(10 * env.N)
		for start := time.Now(); atomic.LoadInt64(done) < want && time.Since(start) < 5*time.Second; {
			time.Sleep(10 * time.Millisecond)
		}
	})
}
