// Package race has data races for `go test -race`: TestRace races and
// finishes; TestRaceThenHang races and then never finishes, so the run
// ends in the timeout panic.
package race

import (
	"sync"
	"testing"
)

func TestRace(t *testing.T) {
	counter := 0
	done := make(chan struct{})
	go func() {
		counter++
		close(done)
	}()
	counter++
	<-done
	t.Logf("counter = %d", counter)
}

type stats struct {
	mu   sync.Mutex
	hits int
}

func (s *stats) record() { s.hits++ } // forgets the lock

func TestRaceThenHang(t *testing.T) {
	s := &stats{}
	done := make(chan struct{})
	go func() {
		s.record()
		close(done)
	}()
	s.record()
	<-done
	t.Logf("hits = %d", s.hits)

	s.mu.Lock()
	go func() {
		s.mu.Lock() // never unlocked
		s.hits++
		s.mu.Unlock()
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	wg.Wait() // nobody calls Done
}
