package time_after_in_loop

import (
	"context"
	"errors"
	"log"
	"time"
)

var errIdle = errors.New("consumer idle")

type message struct {
	id   int
	body []byte
}

type consumer struct {
	messages    chan message
	idleTimeout time.Duration
	handled     int
}

func (c *consumer) handle(m message) {
	c.handled += len(m.body)
}

// Every message goes round the loop and leaves its idle timer pending.
func (c *consumer) run(ctx context.Context) error {
	for {
		select {
		case m := <-c.messages:
			c.handle(m)
		case <-time.After(c.idleTimeout): // want GL401
			return errIdle
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// The default case spins the loop: a timer per spin.
func pollStatus(status func() (bool, error), heartbeat time.Duration) error {
	for {
		select {
		case now := <-time.After(heartbeat): // want GL401
			log.Printf("still waiting at %s", now.Format(time.RFC3339))
		default:
			done, err := status()
			if err != nil {
				return err
			}
			if done {
				return nil
			}
		}
	}
}

// A send with a timeout per item of a range loop.
func forward(results []int, out chan<- int) int {
	dropped := 0
	for _, r := range results {
		select {
		case out <- r:
		case <-time.After(5 * time.Second): // want GL401
			dropped++
		}
	}
	return dropped
}

// `break` in a case leaves only the select, so the loop goes on.
func dedupe(events <-chan string, seen map[string]bool) {
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			if seen[e] {
				break
			}
			seen[e] = true
		case <-time.After(time.Minute): // want GL401
			return
		}
	}
}
