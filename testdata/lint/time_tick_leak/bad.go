package time_tick_leak

import (
	"context"
	"log"
	"time"
)

type conn struct {
	interval time.Duration
	pings    int
}

func (c *conn) ping() error {
	c.pings++
	return nil
}

// A new ticker on every pass of the select.
func (c *conn) keepalive(ctx context.Context) error {
	for {
		select {
		case <-time.Tick(c.interval): // want GL403
			if err := c.ping(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Returns once the condition holds; the ticker keeps firing.
func waitFor(cond func() bool, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for range time.Tick(100 * time.Millisecond) { // want GL403
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
	return false
}

type monitor struct {
	every  time.Duration
	counts map[string]int
}

// The function runs for ever, but every event makes another ticker.
func (m *monitor) watch(events <-chan string) {
	for {
		select {
		case e := <-events:
			m.counts[e]++
		case <-time.Tick(m.every): // want GL403
			log.Printf("events: %v", m.counts)
		}
	}
}

// The goroutine stops on done; its ticker does not.
func (m *monitor) report(done <-chan struct{}) {
	go func() {
		tick := time.Tick(m.every) // want GL403
		for {
			select {
			case <-tick:
				log.Printf("events: %v", m.counts)
			case <-done:
				return
			}
		}
	}()
}
