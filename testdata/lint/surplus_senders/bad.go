package surplus_senders

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

type reply struct {
	addr string
	rtt  time.Duration
	err  error
}

func probe(ctx context.Context, addr string) reply {
	start := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return reply{addr: addr, err: err}
	}
	conn.Close()
	return reply{addr: addr, rtt: time.Since(start)}
}

// First result wins: every other replica's goroutine blocks on its send.
func fastest(ctx context.Context, replicas []string) reply {
	replies := make(chan reply)
	for _, addr := range replicas {
		go func(addr string) {
			replies <- probe(ctx, addr) // want GL003
		}(addr)
	}
	return <-replies
}

// The receive loop stops at the first error and leaves the rest of the senders blocked.
func checkAll(ctx context.Context, hosts map[string]int) error {
	errs := make(chan error)
	for host, port := range hosts {
		go func(host string, port int) {
			r := probe(ctx, net.JoinHostPort(host, strconv.Itoa(port)))
			errs <- r.err // want GL003
			if r.err == nil {
				println("up:", host)
			}
		}(host, port)
	}
	for i := 0; i < len(hosts); i++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// A ranged result channel, closed when every sender is done, but the loop returns on the first success.
func anyReachable(ctx context.Context, addrs []string) (string, error) {
	results := make(chan reply)
	var wg sync.WaitGroup
	for _, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- probe(ctx, addr) // want GL003
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		if r.err == nil {
			return r.addr, nil
		}
	}
	return "", errors.New("no address reachable")
}

// A counted loop of workers.
func firstOfN(ctx context.Context, addr string, attempts int) reply {
	out := make(chan reply)
	for i := 0; i < attempts; i++ {
		go func() {
			out <- probe(ctx, addr) // want GL003
		}()
	}
	return <-out
}
