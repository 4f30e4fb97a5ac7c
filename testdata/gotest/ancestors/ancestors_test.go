// Package ancestors leaks a goroutine whose creator has exited, then times
// out. TestLaunches starts launch (goroutine X), which starts poll
// (goroutine Y) and returns; TestLaunches then returns too. When TestHangs
// makes `go test -timeout 5s` print every goroutine, poll's only link to
// its past is "created by ...launch in goroutine X", and neither X nor
// the goroutine of TestLaunches is in the dump. With
// GODEBUG=tracebackancestors=5 the runtime also prints, under poll, the
// stacks of X and of the test's goroutine as they were when each started
// its child ("[originating from goroutine X]:"), and those name
// TestLaunches.
package ancestors

import (
	"sync"
	"testing"
)

// poll handles jobs until the channel is closed. Nobody sends on it or
// closes it, so poll waits in its range loop forever (chan receive).
func poll(jobs <-chan string) {
	for job := range jobs {
		_ = job
	}
}

// launch starts a poller and returns at once.
func launch(jobs <-chan string, started *sync.WaitGroup) {
	go poll(jobs)
	started.Done()
}

// TestLaunches passes, leaving poll behind; launch's goroutine and the
// test's goroutine exit.
func TestLaunches(t *testing.T) {
	jobs := make(chan string)
	var started sync.WaitGroup
	started.Add(1)
	go launch(jobs, &started)
	started.Wait()
	t.Log("poller started")
}

// never is never sent to or closed.
var never = make(chan struct{})

// TestHangs blocks until the timeout alarm fires.
func TestHangs(t *testing.T) {
	<-never
}
