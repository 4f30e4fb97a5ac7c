package unreceived_send

import (
	"context"
	"time"
)

// A buffer of one lets the send complete after the caller has gone.
func fetchBuffered(ctx context.Context) (result, error) {
	ch := make(chan result, 1)
	go func() {
		ch <- compute()
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// The goroutine gives up with the caller.
func fetchCancellable(ctx context.Context) (result, error) {
	ch := make(chan result)
	go func() {
		select {
		case ch <- compute():
		case <-ctx.Done():
		}
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// Every path receives.
func waitAlways() result {
	ch := make(chan result)
	go func() {
		ch <- compute()
	}()
	return <-ch
}

// The channel is handed to other code, which may receive: not judged.
func handOff(consume func(<-chan result)) {
	ch := make(chan result)
	go func() {
		ch <- compute()
	}()
	consume(ch)
}

// The caller ranges over the channel until it is closed.
func ranged() int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for i := 0; i < 3; i++ {
			ch <- i
		}
	}()
	total := 0
	for v := range ch {
		total += v
	}
	return total
}

// A select in a loop whose other case does not leave: the caller keeps waiting for the value.
func waitWithHeartbeat(tick <-chan time.Time) int {
	ch := make(chan int)
	go func() {
		ch <- compute().value
	}()
	for {
		select {
		case v := <-ch:
			return v
		case <-tick:
			println("still waiting")
		}
	}
}

// A return before the goroutine starts does not matter.
func earlyReturnBeforeStart(skip bool) result {
	if skip {
		return result{}
	}
	ch := make(chan result)
	go func() {
		ch <- compute()
	}()
	return <-ch
}
