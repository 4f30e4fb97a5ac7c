// Package timers holds the shapes the timer rules report before Go 1.23. In this module (go 1.24) time.After
// in a loop is only info, and unstopped tickers and time.Tick are not reported.
package timers

import (
	"context"
	"errors"
	"time"
)

var errIdle = errors.New("consumer idle")

type consumer struct {
	messages    chan []byte
	idleTimeout time.Duration
	interval    time.Duration
	received    int
}

// Info: no leak since Go 1.23, but a timer per message.
func (c *consumer) run(ctx context.Context) error {
	for {
		select {
		case m := <-c.messages:
			c.received += len(m)
		case <-time.After(c.idleTimeout): // want GL401
			return errIdle
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Collected once run returns: not reported.
func (c *consumer) report(ctx context.Context, flush func(int)) {
	ticker := time.NewTicker(c.interval)
	for {
		select {
		case <-ticker.C:
			flush(c.received)
		case <-ctx.Done():
			return
		}
	}
}

// A timer per message, collected once unreferenced: not reported.
func (c *consumer) readLoop() error {
	for {
		idle := time.NewTimer(c.idleTimeout)
		select {
		case m, ok := <-c.messages:
			if !ok {
				return nil
			}
			c.received += len(m)
		case <-idle.C:
			return errIdle
		}
	}
}

// time.Tick is fine since Go 1.23: not reported.
func waitFor(cond func() bool, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for range time.Tick(100 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
	return false
}
