package waitgroup_wait_in_loop

import (
	"context"
	"sync"
	"time"
)

// Wait once, after the loop: the fix.
func ResizeAllFixed(images []*Image, width int) {
	var wg sync.WaitGroup
	wg.Add(len(images))
	for _, img := range images {
		go func() {
			defer wg.Done()
			img.Resize(width)
		}()
	}
	wg.Wait()
}

// Batches: goroutines start in the inner loop, the outer loop waits for each batch.
func ResizeInBatches(images []*Image, width, batch int) {
	var wg sync.WaitGroup
	for start := 0; start < len(images); start += batch {
		for _, img := range images[start:min(start+batch, len(images))] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				img.Resize(width)
			}()
		}
		wg.Wait()
	}
}

// Each tick fans out to two goroutines and joins them: a round, not a serialised loop.
func Replicate(ctx context.Context, primary, replica func(context.Context) error, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = primary(ctx)
		}()
		go func() {
			defer wg.Done()
			_ = replica(ctx)
		}()
		wg.Wait()
	}
}

// The loop does its own work while the goroutine runs, then joins it: a pipeline of two stages.
func Pipeline(chunks [][]byte, compress func([]byte) []byte, write func([]byte)) {
	var wg sync.WaitGroup
	var pending []byte
	for _, chunk := range chunks {
		var compressed []byte
		wg.Add(1)
		go func() {
			defer wg.Done()
			compressed = compress(chunk)
		}()
		if pending != nil {
			write(pending)
		}
		wg.Wait()
		pending = compressed
	}
	if pending != nil {
		write(pending)
	}
}

// Add and Wait in the loop, Wait right after the go statement: each goroutine finishes before the next starts.
// Slow, not a leak.
func Notify(ctx context.Context, subscribers []chan<- string, event string) {
	var wg sync.WaitGroup
	for _, sub := range subscribers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sub <- event:
			case <-ctx.Done():
			}
		}()
		wg.Wait()
	}
}

// The loop runs once: it waits and leaves.
func FirstReachable(ctx context.Context, probe func(context.Context) bool) bool {
	var wg sync.WaitGroup
	ok := false
	wg.Add(1)
	for {
		go func() {
			defer wg.Done()
			ok = probe(ctx)
		}()
		wg.Wait()
		return ok
	}
}

type Server struct {
	wg    sync.WaitGroup
	conns chan func()
}

// A struct field: other methods may count for it.
func (s *Server) Drain() {
	for handle := range s.conns {
		go func() {
			defer s.wg.Done()
			handle()
		}()
		s.wg.Wait()
	}
}
