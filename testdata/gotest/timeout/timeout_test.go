// Package timeout never finishes: its last test blocks forever, so
// `go test -timeout 5s` ends in the testing package's timeout panic, which
// prints every goroutine. The earlier tests pass but leave goroutines
// behind, and the dump shows them next to the hanging test:
//
//   - TestStartsWorkers leaks 2 × worker (chan send). Their creator is the
//     helper startWorkers, run by the test's goroutine, which has exited by
//     the time of the dump: without GODEBUG=tracebackancestors nothing in
//     the dump names the test.
//   - TestParallelNested/eu and /us (t.Parallel) each leak supervise
//     (chan receive (nil chan)) and the heartbeat it starts (select). The
//     heartbeat's creator is supervise, not the test: follow
//     heartbeat → supervise (alive) → "created by TestParallelNested.func1".
//   - TestHangs is still running: it waits for collect, which waits for
//     lookup, which waits for a request nobody sends. Every link of
//     lookup → collect → TestHangs → testing.tRunner is alive in the dump.
package timeout

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// startWorkers starts n workers that each send one result on an unbuffered
// channel and returns that channel.
func startWorkers(n int) <-chan int {
	out := make(chan int)
	for i := 0; i < n; i++ {
		go worker(i, out)
	}
	return out
}

// worker blocks on its send until someone receives.
func worker(id int, out chan<- int) {
	out <- id * id
}

// TestStartsWorkers takes the first of 3 results and returns: the other 2
// workers block forever in worker's send (N senders, one receive).
func TestStartsWorkers(t *testing.T) {
	results := startWorkers(3)
	<-results
	t.Log("got the first result")
}

// supervise runs until ctx is cancelled, with a heartbeat goroutine beside
// it. Given context.Background(), whose Done channel is nil, it never
// returns.
func supervise(ctx context.Context, beats chan<- time.Time) {
	go heartbeat(ctx, beats)
	<-ctx.Done()
}

// heartbeat sends beats until ctx is done; once nobody reads beats it
// blocks in its select forever.
func heartbeat(ctx context.Context, beats chan<- time.Time) {
	for {
		select {
		case beats <- time.Now():
		case <-ctx.Done():
			return
		}
	}
}

// TestParallelNested runs two parallel subtests. Each starts supervise with
// a context that is never cancelled, reads one beat and returns, leaving
// supervise and its heartbeat blocked. The parent's subtests all finish
// before TestHangs starts.
func TestParallelNested(t *testing.T) {
	for _, region := range []string{"eu", "us"} {
		t.Run(region, func(t *testing.T) {
			t.Parallel()
			beats := make(chan time.Time)
			go supervise(context.Background(), beats)
			<-beats
			t.Log("got the first beat")
		})
	}
}

// requests is never sent to.
var requests = make(chan string)

// lookup waits for a request that never comes.
func lookup(answer chan<- int) {
	name := <-requests
	answer <- len(name)
}

// collect starts a lookup and forwards its answer.
func collect(summary chan<- string) {
	answer := make(chan int)
	go lookup(answer)
	summary <- fmt.Sprintf("%d bytes", <-answer)
}

// TestHangs waits for a summary that never comes; the timeout alarm fires
// while it is blocked here.
func TestHangs(t *testing.T) {
	summary := make(chan string)
	go collect(summary)
	t.Logf("summary: %s", <-summary)
}
