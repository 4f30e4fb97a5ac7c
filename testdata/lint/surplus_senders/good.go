package surplus_senders

import (
	"context"
	"errors"
	"sync"
)

// Room for every sender.
func fastestBuffered(ctx context.Context, replicas []string) reply {
	replies := make(chan reply, len(replicas))
	for _, addr := range replicas {
		go func(addr string) {
			replies <- probe(ctx, addr)
		}(addr)
	}
	return <-replies
}

// Every sender is received from.
func collectAll(ctx context.Context, replicas []string) []reply {
	replies := make(chan reply)
	for _, addr := range replicas {
		go func(addr string) {
			replies <- probe(ctx, addr)
		}(addr)
	}
	out := make([]reply, 0, len(replicas))
	for range replicas {
		out = append(out, <-replies)
	}
	return out
}

// The senders give up when the receiver does.
func fastestCancellable(ctx context.Context, replicas []string) reply {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	replies := make(chan reply)
	for _, addr := range replicas {
		go func(addr string) {
			select {
			case replies <- probe(ctx, addr):
			case <-ctx.Done():
			}
		}(addr)
	}
	return <-replies
}

// One goroutine per iteration, one receive per iteration.
func sequential(ctx context.Context, replicas []string) []reply {
	replies := make(chan reply)
	var out []reply
	for _, addr := range replicas {
		go func() {
			replies <- probe(ctx, addr)
		}()
		out = append(out, <-replies)
	}
	return out
}

// The loop starts one goroutine and stops.
func firstPrimary(ctx context.Context, replicas []string, primary string) reply {
	replies := make(chan reply)
	for _, addr := range replicas {
		if addr != primary {
			continue
		}
		go func() {
			replies <- probe(ctx, addr)
		}()
		break
	}
	return <-replies
}

// Only some iterations start a goroutine: the count is unknown.
func probeMarked(ctx context.Context, replicas []string, marked map[string]bool) reply {
	replies := make(chan reply)
	for _, addr := range replicas {
		if marked[addr] {
			go func() {
				replies <- probe(ctx, addr)
			}()
		}
	}
	return <-replies
}

// A bare loop that stops once it has counted every result.
func countResults(ctx context.Context, replicas []string) (int, error) {
	replies := make(chan reply)
	for _, addr := range replicas {
		go func() {
			replies <- probe(ctx, addr)
		}()
	}
	ok, seen := 0, 0
	for {
		r := <-replies
		seen++
		if r.err == nil {
			ok++
		}
		if seen == len(replicas) {
			break
		}
	}
	if ok == 0 {
		return 0, errors.New("no replica answered")
	}
	return ok, nil
}

// Another goroutine drains the channel.
func drained(ctx context.Context, replicas []string) {
	replies := make(chan reply)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range replicas {
			println((<-replies).addr)
		}
	}()
	for _, addr := range replicas {
		go func() {
			replies <- probe(ctx, addr)
		}()
	}
	wg.Wait()
}

// The channel is made per iteration.
func perIteration(ctx context.Context, replicas []string) []reply {
	var out []reply
	for _, addr := range replicas {
		ch := make(chan reply)
		go func() {
			ch <- probe(ctx, addr)
		}()
		out = append(out, <-ch)
	}
	return out
}
