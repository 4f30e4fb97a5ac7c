package nil_channel

import (
	"context"
	"log"
	"os"
	"os/signal"
	"time"
)

// Made before use.
func watchMade(paths []string) {
	events := make(chan string)
	go func() {
		defer close(events)
		for _, p := range paths {
			events <- p
		}
	}()
	for p := range events {
		log.Println("changed:", p)
	}
}

// Assigned later.
func waitForSignalAssigned() os.Signal {
	var sigs chan os.Signal
	sigs = make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	return <-sigs
}

// A nil channel disables a select case until it is set: the idiom.
func merge(ctx context.Context, a, b <-chan int) []int {
	var out []int
	for a != nil || b != nil {
		select {
		case v, ok := <-a:
			if !ok {
				a = nil
				continue
			}
			out = append(out, v)
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			out = append(out, v)
		case <-ctx.Done():
			return out
		}
	}
	return out
}

// A select case on a channel that is only set when a timeout is wanted.
func wait(done <-chan struct{}, timeout time.Duration) bool {
	var expired <-chan time.Time
	if timeout > 0 {
		expired = time.After(timeout)
	}
	select {
	case <-done:
		return true
	case <-expired:
		return false
	}
}

// Never assigned, but only ever a select case: it disables that case for good.
func drain(in <-chan int) int {
	var never chan int
	total := 0
	for v := range in {
		select {
		case never <- v:
		default:
			total += v
		}
	}
	return total
}

// Handed to a function that fills it in.
func setup(register func(*chan string)) string {
	var ch chan string
	register(&ch)
	return <-ch
}
