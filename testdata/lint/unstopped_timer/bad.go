package unstopped_timer

import (
	"context"
	"errors"
	"sync"
	"time"
)

var errIdle = errors.New("session idle")

type reporter struct {
	mu       sync.Mutex
	interval time.Duration
	pending  []string
}

func (r *reporter) flush() {
	r.mu.Lock()
	r.pending = r.pending[:0]
	r.mu.Unlock()
}

// The ticker outlives run once ctx is done.
func (r *reporter) run(ctx context.Context) {
	ticker := time.NewTicker(r.interval) // want GL402
	for {
		select {
		case <-ticker.C:
			r.flush()
		case <-ctx.Done():
			return
		}
	}
}

// The goroutine reading the ticker stops on done; the ticker does not.
func (r *reporter) start(done <-chan struct{}) {
	t := time.NewTicker(r.interval) // want GL402
	go func() {
		for {
			select {
			case <-t.C:
				r.flush()
			case <-done:
				return
			}
		}
	}()
}

// Polling a bounded number of times.
func waitReady(check func() bool, interval time.Duration, attempts int) bool {
	ticker := time.NewTicker(interval) // want GL402
	for i := 0; i < attempts; i++ {
		if check() {
			return true
		}
		<-ticker.C
	}
	return false
}

type session struct {
	idleTimeout time.Duration
	frames      int
}

func (s *session) process(frame []byte) {
	s.frames += len(frame)
}

// A timer per frame; every frame leaves one pending.
func (s *session) readLoop(incoming <-chan []byte) error {
	for {
		idle := time.NewTimer(s.idleTimeout) // want GL402
		select {
		case frame, ok := <-incoming:
			if !ok {
				return nil
			}
			s.process(frame)
		case <-idle.C:
			return errIdle
		}
	}
}

// A ticker per reconnection, never stopped.
func (s *session) heartbeat(ctx context.Context, reconnects <-chan struct{}, ping func() error) error {
	for range reconnects {
		beat := time.NewTicker(s.idleTimeout / 2) // want GL402
		for i := 0; i < 3; i++ {
			select {
			case <-beat.C:
				if err := ping(); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}
