// Package goleakmain checks for leaks once, after all tests, with
// goleak.VerifyTestMain: every test passes, then the package fails with
// "goleak: Errors on successful test run". By then the tests' goroutines
// have exited, so the report can be tied to a test only through the
// creator's function name:
//
//   - TestStartsWatcher leaks (*watcher).loop (chan receive), created by
//     TestStartsWatcher.
//   - TestRetries/first and /second each leak retry (select), created by
//     the subtest closure TestRetries.func1.
//   - TestClean leaks nothing.
package goleakmain

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type watcher struct {
	events chan string
}

// loop handles events until the channel is closed; nobody closes it.
func (w *watcher) loop() {
	for ev := range w.events {
		_ = ev
	}
}

func TestStartsWatcher(t *testing.T) {
	w := &watcher{events: make(chan string)}
	go w.loop()
	w.events <- "created"
}

// retry waits an hour or until ctx is done. context.Background() is never
// done, so it is still waiting when goleak looks.
func retry(ctx context.Context, attempt int) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Hour):
	}
	_ = attempt
}

func TestRetries(t *testing.T) {
	for i, name := range []string{"first", "second"} {
		i := i // go 1.21 module: one loop variable for all iterations
		t.Run(name, func(t *testing.T) {
			go retry(context.Background(), i)
		})
	}
}

func TestClean(t *testing.T) {
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}
