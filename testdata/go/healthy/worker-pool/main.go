// Command worker-pool is healthy: a pool of 32 workers started in main and a
// pool of 8 started by startPool process a few jobs and then sit idle in a
// channel receive, as fixed-size pools do.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"strings"

	"goroscope.test/patterns/internal/harness"
)

type job struct {
	input string
	reply chan string
}

func worker(jobs <-chan job) {
	for j := range jobs {
		j.reply <- strings.ToUpper(j.input)
	}
}

// startPool starts size thumbnail workers and returns their job queue.
func startPool(size int) chan<- job {
	jobs := make(chan job)
	for i := 0; i < size; i++ {
		go func() {
			for j := range jobs {
				j.reply <- "thumb:" + j.input
			}
		}()
	}
	return jobs
}

// submit hands one job to a pool and waits for its result.
func submit(jobs chan<- job, w http.ResponseWriter, r *http.Request) {
	j := job{input: r.URL.Query().Get("img"), reply: make(chan string, 1)}
	select {
	case jobs <- j:
		fmt.Fprintln(w, <-j.reply)
	case <-r.Context().Done():
	}
}

func main() {
	resize := make(chan job)
	for i := 0; i < 32; i++ {
		go worker(resize)
	}
	thumbs := startPool(8)

	http.HandleFunc("/resize", func(w http.ResponseWriter, r *http.Request) { submit(resize, w, r) })
	http.HandleFunc("/thumb", func(w http.ResponseWriter, r *http.Request) { submit(thumbs, w, r) })
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/resize?img=%d.png", i))
			env.Get(fmt.Sprintf("/thumb?img=%d.png", i))
		}
	})
}
