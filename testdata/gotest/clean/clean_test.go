// Package clean holds passing tests that start goroutines and stop every
// one of them before they return: a worker pool joined with a WaitGroup, a
// ticker loop stopped through a context, parallel subtests, and a reply
// channel with room for one value. Nothing leaks: TestMain checks that with
// goleak.VerifyTestMain, and `go test` prints only its `ok` line.
package clean

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// sumSquares fans nums out to n workers. Every worker returns when jobs is
// closed; the results channel is closed once wg.Wait has joined them all,
// which ends the range loop below.
func sumSquares(nums []int, n int) int {
	jobs := make(chan int)
	results := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				results <- v * v
			}
		}()
	}
	go func() {
		for _, v := range nums {
			jobs <- v
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	total := 0
	for r := range results {
		total += r
	}
	return total
}

func TestWorkerPool(t *testing.T) {
	if got := sumSquares([]int{1, 2, 3, 4}, 3); got != 30 {
		t.Fatalf("sumSquares = %d, want 30", got)
	}
}

// TestParallelSubtests runs the pool in parallel subtests of different sizes.
func TestParallelSubtests(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		n := n // go 1.21 module: one loop variable for all iterations
		t.Run(fmt.Sprintf("workers=%d", n), func(t *testing.T) {
			t.Parallel()
			if got := sumSquares([]int{5, 6}, n); got != 61 {
				t.Fatalf("sumSquares = %d, want 61", got)
			}
		})
	}
}

// tick counts ticks until ctx is cancelled, then stops its ticker, reports
// the count and returns.
func tick(ctx context.Context, every time.Duration, count chan<- int) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			count <- n
			return
		case <-ticker.C:
			n++
		}
	}
}

func TestTickerStopped(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	count := make(chan int)
	go tick(ctx, time.Millisecond, count)
	time.Sleep(20 * time.Millisecond)
	cancel()
	t.Logf("%d ticks", <-count) // tick has returned once this receive is done
}

// TestReplyAfterTimeout gives up waiting before the answer comes. The reply
// channel has room for one value, so the late sender does not block; the
// test still waits for it in a cleanup so that nothing outlives the test.
func TestReplyAfterTimeout(t *testing.T) {
	t.Parallel()
	reply := make(chan int, 1)
	finished := make(chan struct{})
	t.Cleanup(func() { <-finished })
	go func() {
		defer close(finished)
		time.Sleep(30 * time.Millisecond)
		reply <- 42
	}()
	select {
	case v := <-reply:
		t.Logf("early reply %d", v)
	case <-time.After(time.Millisecond):
		t.Log("gave up waiting")
	}
}
