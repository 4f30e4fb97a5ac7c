// Command select-no-cases leaks one goroutine per session: each session's
// keeper goroutine parks itself with an empty select "until shutdown", and
// nothing can ever wake it.
package main

import (
	_ "net/http/pprof"
	"sync"

	"goroscope.test/patterns/internal/harness"
)

var sessions sync.Map

func openSession(id int) {
	go func() {
		sessions.Store(id, struct{}{})
		select {} // want leak: select-no-cases certain
	}()
}

func main() {
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			openSession(i)
		}
	})
}
