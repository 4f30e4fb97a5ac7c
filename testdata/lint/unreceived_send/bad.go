package unreceived_send

import (
	"context"
	"errors"
	"time"
)

type result struct{ value int }

func compute() result { return result{value: 42} }

// The caller gives up when the context ends; the goroutine's send then has no receiver.
func fetchWithContext(ctx context.Context) (result, error) {
	ch := make(chan result)
	go func() {
		ch <- compute() // want GL001
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// A timeout case is the same shape.
func fetchWithTimeout() (int, error) {
	done := make(chan int, 0)
	go func() {
		done <- compute().value // want GL001
	}()
	select {
	case v := <-done:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timed out")
	}
}

// An early return between the go statement and the receive.
func validateThenWait(input string) (result, error) {
	results := make(chan result)
	go func() {
		results <- compute() // want GL001
	}()
	if input == "" {
		return result{}, errors.New("empty input")
	}
	return <-results, nil
}

// Nobody ever receives.
func fireAndForget() {
	var errs = make(chan error)
	go func() {
		errs <- errors.New("lost") // want GL001
	}()
}

// A select in a loop whose other case returns.
func pollUntilDone(ctx context.Context) int {
	ch := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			ch <- i // want GL001
		}
	}()
	for {
		select {
		case v := <-ch:
			if v == 2 {
				return v
			}
		case <-ctx.Done():
			return -1
		}
	}
}

// Leaving the first select by its tick case still reaches the second; the caller gives up there.
func waitTwice(tick <-chan time.Time) (result, error) {
	ch := make(chan result)
	go func() {
		ch <- compute() // want GL001
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-tick:
		println("slow")
	}
	select {
	case r := <-ch:
		return r, nil
	case <-tick:
		return result{}, errors.New("too slow")
	}
}
