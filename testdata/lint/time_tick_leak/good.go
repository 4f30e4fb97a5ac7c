package time_tick_leak

import (
	"context"
	"log"
	"time"
)

// A package-level ticker serves the whole program.
var heartbeat = time.Tick(time.Second)

// A stoppable ticker.
func (c *conn) keepaliveStopped(ctx context.Context) error {
	ticker := time.NewTicker(c.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if err := c.ping(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// An endless goroutine: the ticker lives as long as it, on purpose.
func (m *monitor) reportForever() {
	go func() {
		for range time.Tick(m.every) {
			log.Printf("events: %v", m.counts)
		}
	}()
}

// An endless function, the ticker made once before the loop.
func (m *monitor) watchForever(events <-chan string) {
	tick := time.Tick(m.every)
	for {
		select {
		case e := <-events:
			m.counts[e]++
		case <-tick:
			log.Printf("events: %v", m.counts)
		}
	}
}

var defaultMonitor = &monitor{every: time.Minute, counts: map[string]int{}}

// Once per process.
func init() {
	go func() {
		tick := time.Tick(defaultMonitor.every)
		for {
			<-tick
			<-heartbeat
		}
	}()
}

// Another package's Tick.
type clock interface {
	Tick(d time.Duration) <-chan time.Time
}

func waitOn(c clock, d time.Duration, ready func() bool) {
	for range c.Tick(d) {
		if ready() {
			return
		}
	}
}
