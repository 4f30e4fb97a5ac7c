// Package hang has one test that passes and one that never finishes, so
// that `go test -timeout 5s` ends in the testing package's timeout panic
// with a dump of every goroutine.
package hang

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPasses(t *testing.T) {
	t.Log("checking the happy path")
	time.Sleep(50 * time.Millisecond)
	t.Logf("happy path done after %d steps", 3)
}

// results has no receiver: every send on it blocks forever.
var results = make(chan int)

func produce(wg *sync.WaitGroup, id int) {
	defer wg.Done()
	results <- id
}

func TestHangs(t *testing.T) {
	t.Log("starting producers")
	// One long line: go test -json cuts output lines longer than its
	// 1 KiB buffer into several Output events.
	t.Logf("config: %s", strings.Repeat("shard=0123456789abcdef ", 60))
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go produce(&wg, i)
	}
	t.Run("slow", func(t *testing.T) {
		t.Log("waiting for producers")
		wg.Wait()
	})
}
