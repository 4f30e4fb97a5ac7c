// Command cond-never-signalled leaks one goroutine per failed lookup: the
// waiter sleeps on a sync.Cond until the result is set, but the resolver
// returns on error without setting it or signalling.
package main

import (
	"errors"
	"fmt"
	_ "net/http/pprof"
	"sync"

	"goroscope.test/patterns/internal/harness"
)

// A future holds a value that another goroutine fills in.
type future struct {
	mu    sync.Mutex
	cond  *sync.Cond
	ready bool
	val   string
}

func newFuture() *future {
	f := &future{}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *future) set(v string) {
	f.mu.Lock()
	f.val, f.ready = v, true
	f.mu.Unlock()
	f.cond.Broadcast()
}

func (f *future) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.ready {
		f.cond.Wait() // want leak: cond-never-signalled likely
	}
	return f.val
}

func resolve(name string) *future {
	f := newFuture()
	go func() {
		addr, err := lookup(name)
		if err != nil {
			return
		}
		f.set(addr)
	}()
	return f
}

func lookup(name string) (string, error) {
	return "", errors.New("no such host: " + name)
}

var cache sync.Map

// warm resolves name in the background and caches the answer.
func warm(name string) {
	f := resolve(name)
	go func() {
		cache.Store(name, f.get())
	}()
}

func main() {
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			warm(fmt.Sprintf("host-%d.invalid", i))
		}
	})
}
