// Package goleaked checks each test with `defer goleak.VerifyNone(t)`.
// TestNoLeak stops its goroutine and passes. TestLeaks fails: it leaves
// (*cache).janitor waiting in a select (the test never calls Close) and an
// answer goroutine blocked sending a reply the test stopped waiting for.
// goleak lists both through t.Error, inside TestLeaks's output.
package goleaked

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

type cache struct {
	evict chan string
	stop  chan struct{}
	items map[string]int
}

// newCache starts the cache's janitor; Close stops it.
func newCache() *cache {
	c := &cache{evict: make(chan string), stop: make(chan struct{}), items: map[string]int{}}
	go c.janitor()
	return c
}

// janitor deletes evicted keys until Close. Without Close it waits in its
// select forever.
func (c *cache) janitor() {
	for {
		select {
		case k := <-c.evict:
			delete(c.items, k)
		case <-c.stop:
			return
		}
	}
}

func (c *cache) Close() { close(c.stop) }

// TestNoLeak closes its cache, so the janitor has returned (or returns
// within goleak's retries) when VerifyNone looks.
func TestNoLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := newCache()
	defer c.Close()
	c.evict <- "a"
}

// TestLeaks forgets c.Close() (janitor, select) and gives up on a slow
// answer after 10ms; the answering goroutine then blocks forever on its
// unbuffered send (TestLeaks.func1, chan send).
func TestLeaks(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := newCache()
	c.evict <- "a"

	reply := make(chan int)
	go func() {
		time.Sleep(50 * time.Millisecond)
		reply <- 42
	}()
	select {
	case v := <-reply:
		t.Logf("answer %d", v)
	case <-time.After(10 * time.Millisecond):
		t.Log("gave up waiting for the answer")
	}
}
