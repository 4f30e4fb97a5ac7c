package time_after_in_loop

import (
	"context"
	"time"
)

// One timer for the loop, reset after each message.
func (c *consumer) runWithTimer(ctx context.Context) error {
	idle := time.NewTimer(c.idleTimeout)
	defer idle.Stop()
	for {
		select {
		case m := <-c.messages:
			c.handle(m)
			if !idle.Stop() {
				<-idle.C
			}
			idle.Reset(c.idleTimeout)
		case <-idle.C:
			return errIdle
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Retry with backoff: the other case returns, so at most one timer is pending.
func retry(ctx context.Context, attempt func() error, backoff time.Duration) error {
	var err error
	for i := 0; i < 5; i++ {
		if err = attempt(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff << i):
		}
	}
	return err
}

// The only case is the timer: it fires on every iteration.
func pace(work []func(), gap time.Duration) {
	for _, w := range work {
		w()
		select {
		case <-time.After(gap):
		}
	}
}

// The other case ends the loop through its condition.
func tickUntilStopped(stop <-chan struct{}, every time.Duration, tick func()) {
	stopped := false
	for !stopped {
		select {
		case <-stop:
			stopped = true
		case <-time.After(every):
			tick()
		}
	}
}

// The other case leaves the loop with a labelled break.
func firstEvent(events <-chan string, wait time.Duration) string {
	var got string
loop:
	for {
		select {
		case got = <-events:
			break loop
		case <-time.After(wait):
			return ""
		}
	}
	return got
}

// A deadline for the whole loop, set once.
func collect(ctx context.Context, in <-chan int, limit time.Duration) []int {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var out []int
	for {
		select {
		case v := <-in:
			out = append(out, v)
		case <-ctx.Done():
			return out
		}
	}
}

// Each goroutine waits once; the loop only starts them.
func fanOut(jobs []chan int, wait time.Duration, results chan<- int) {
	for _, job := range jobs {
		go func(job chan int) {
			select {
			case v := <-job:
				results <- v
			case <-time.After(wait):
			}
		}(job)
	}
}

// A clock of our own, not the time package.
type clock interface {
	After(d time.Duration) <-chan time.Time
}

func waitOnClock(c clock, in <-chan int, d time.Duration) int {
	sum := 0
	for {
		select {
		case v := <-in:
			sum += v
		case <-c.After(d):
			return sum
		}
	}
}

// The code after the select returns, whichever case was taken.
func waitStarted(started <-chan struct{}, ready func() bool, wait time.Duration) error {
	for attempt := 0; ; attempt++ {
		if ready() {
			select {
			case <-started:
			case <-time.After(wait):
				return errIdle
			}
			return nil
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond)
	}
}
