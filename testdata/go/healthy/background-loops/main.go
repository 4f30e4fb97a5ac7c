// Command background-loops is healthy: a signal.Notify loop, a ticker loop
// with a quit channel started once from main, a producer/consumer pair that
// keeps working, and time.AfterFunc timers, all long-lived by design.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"goroscope.test/patterns/internal/harness"
)

var (
	reloads   int64
	refreshes int64
	consumed  int64
	sessions  sync.Map // id -> *time.Timer
)

func watchSignals() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP)
	go func() {
		for range sigs {
			atomic.AddInt64(&reloads, 1)
		}
	}()
}

func refreshLoop(quit <-chan struct{}) {
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			atomic.AddInt64(&refreshes, 1)
		case <-quit:
			return
		}
	}
}

// pipeline produces a reading every 2 ms until deadline; the consumer sums
// them until the producer closes the channel.
func pipeline(deadline time.Time) {
	readings := make(chan int, 16)
	go func() {
		defer close(readings)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for now := range tick.C {
			if now.After(deadline) {
				return
			}
			readings <- now.Nanosecond() % 100
		}
	}()
	go func() {
		for v := range readings {
			atomic.AddInt64(&consumed, int64(v))
		}
	}()
}

func heartbeat() {
	time.AfterFunc(200*time.Millisecond, heartbeat)
}

func handleLogin(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	sessions.Store(id, time.AfterFunc(30*time.Minute, func() { sessions.Delete(id) }))
	fmt.Fprintf(w, "session %s\n", id)
}

func main() {
	quit := make(chan struct{})
	watchSignals()
	go refreshLoop(quit)
	pipeline(time.Now().Add(120 * time.Second))
	heartbeat()

	http.HandleFunc("/login", handleLogin)
	harness.Main(func(env *harness.Env) {
		env.Busy = true
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/login?id=%d", i))
		}
		_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
		for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(10 * time.Millisecond) {
			if atomic.LoadInt64(&reloads) > 0 && atomic.LoadInt64(&refreshes) > 0 {
				break
			}
		}
	})
}
