// Package leakmain checks for leaks once, after all tests, with
// goleak.VerifyTestMain; its only test passes but leaves a goroutine
// blocked on a channel receive.
package leakmain

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type watcher struct {
	events chan int
}

func (w *watcher) loop() {
	for ev := range w.events {
		_ = ev
	}
}

func TestStartsWatcher(t *testing.T) {
	w := &watcher{events: make(chan int)}
	go w.loop()
	t.Log("watcher started")
}
