package unstopped_timer

import (
	"context"
	"time"
)

// Stopped when run returns.
func (r *reporter) runStopped(ctx context.Context) {
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			r.flush()
		case <-ctx.Done():
			return
		}
	}
}

// Stopped by the goroutine that reads it.
func (r *reporter) startStopped(done <-chan struct{}) {
	t := time.NewTicker(r.interval)
	go func() {
		defer t.Stop()
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

// Stopped on one path only: the rule does not follow paths for tickers.
func (r *reporter) runUntil(ctx context.Context, limit int) {
	ticker := time.NewTicker(r.interval)
	for n := 0; ; n++ {
		select {
		case <-ticker.C:
			r.flush()
			if n == limit {
				ticker.Stop()
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// Handed to the caller, who stops it.
func newTicker(interval time.Duration) *time.Ticker {
	t := time.NewTicker(interval)
	return t
}

type scheduler struct {
	ticker *time.Ticker
}

// Stored in a field: stopped elsewhere.
func (s *scheduler) start(interval time.Duration) {
	t := time.NewTicker(interval)
	s.ticker = t
}

func (s *scheduler) stop() {
	s.ticker.Stop()
}

// Passed to a goroutine function that owns it.
func (r *reporter) startOwned(done <-chan struct{}) {
	t := time.NewTicker(r.interval)
	go r.loop(t, done)
}

func (r *reporter) loop(t *time.Ticker, done <-chan struct{}) {
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.flush()
		case <-done:
			return
		}
	}
}

// The function never returns: the ticker lives as long as it, on purpose.
func (r *reporter) flushForever() {
	t := time.NewTicker(r.interval)
	for range t.C {
		r.flush()
	}
}

// Read by a goroutine that never returns.
func (r *reporter) startForever() {
	t := time.NewTicker(r.interval)
	go func() {
		for {
			<-t.C
			r.flush()
		}
	}()
}

var defaultReporter = &reporter{interval: time.Minute}

// Made once per process.
func init() {
	t := time.NewTicker(defaultReporter.interval)
	go func() {
		for range t.C {
			defaultReporter.flush()
		}
	}()
}

// A timer outside a loop is gone once it fires, like one time.After.
func (s *session) firstFrame(incoming <-chan []byte) ([]byte, error) {
	timer := time.NewTimer(s.idleTimeout)
	select {
	case frame := <-incoming:
		return frame, nil
	case <-timer.C:
		return nil, errIdle
	}
}

// A timer per iteration whose other case leaves the loop: at most one is pending.
func (s *session) retry(ctx context.Context, attempt func() error) error {
	for i := 0; ; i++ {
		if err := attempt(); err == nil {
			return nil
		}
		backoff := time.NewTimer(s.idleTimeout << i)
		select {
		case <-backoff.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// A timer per iteration, stopped when the other case wins.
func (s *session) readLoopStopped(incoming <-chan []byte) error {
	for {
		idle := time.NewTimer(s.idleTimeout)
		select {
		case frame, ok := <-incoming:
			idle.Stop()
			if !ok {
				return nil
			}
			s.process(frame)
		case <-idle.C:
			return errIdle
		}
	}
}

// Stopped by the closure handed to the caller.
func (r *reporter) stoppable() func() bool {
	t := time.NewTicker(r.interval)
	go func() {
		for range t.C {
			r.flush()
		}
	}()
	return func() bool { t.Stop(); return true }
}
