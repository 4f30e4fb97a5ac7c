// Command loop-without-exit leaks one goroutine per watched job: the poller
// records the job's status every 50 ms and never returns, not even once the
// job is done.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"sync"
	"time"

	"goroscope.test/patterns/internal/harness"
)

var (
	started sync.Map // job -> time.Time
	status  sync.Map // job -> string
)

func handleWatch(w http.ResponseWriter, r *http.Request) {
	job := r.URL.Query().Get("job")
	started.Store(job, time.Now())
	go pollStatus(job)
	fmt.Fprintf(w, "watching %s\n", job)
}

func pollStatus(job string) {
	for {
		s := "running"
		if t, ok := started.Load(job); ok && time.Since(t.(time.Time)) > 100*time.Millisecond {
			s = "done"
		}
		status.Store(job, s)
		time.Sleep(50 * time.Millisecond) // want leak: loop-without-exit likely
	}
}

func main() {
	http.HandleFunc("/watch", handleWatch)
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/watch?job=%d", i))
		}
	})
}
