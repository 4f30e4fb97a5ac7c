package endless_goroutine

import (
	"context"
	"log"
	"os"
	"sync"
	"time"
)

// Janitor stops when Close is called: the done case returns.
type Janitor struct {
	done  chan struct{}
	sweep func()
}

func NewJanitor(interval time.Duration, sweep func()) *Janitor {
	j := &Janitor{done: make(chan struct{}), sweep: sweep}
	go j.run(interval)
	return j
}

func (j *Janitor) run(interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			j.sweep()
		case <-j.done:
			return
		}
	}
}

func (j *Janitor) Close() { close(j.done) }

// A labeled break leaves the loop from inside the select.
func Watch(ctx context.Context, events <-chan string, handle func(string)) {
	go func() {
	loop:
		for {
			select {
			case ev := <-events:
				handle(ev)
			case <-ctx.Done():
				break loop
			}
		}
		log.Print("watch: done")
	}()
}

// A plain break directly in the loop body leaves it.
func Consume(next func() (string, bool), handle func(string)) {
	go func() {
		for {
			item, ok := next()
			if !ok {
				break
			}
			handle(item)
		}
	}()
}

// Ranging over an ordinary channel ends when the channel is closed; a loop with a condition ends on its own.
func Forward(in <-chan int, out chan<- int, retries int) {
	go func() {
		for v := range in {
			out <- v
		}
		close(out)
	}()
	go func() {
		for attempt := 0; attempt < retries; attempt++ {
			time.Sleep(time.Second)
		}
	}()
}

// A supervisor that ends the process is a way out.
func Supervise(check func() error) {
	go func() {
		for range time.Tick(time.Second) {
			if err := check(); err != nil {
				log.Printf("supervisor: %v", err)
				os.Exit(1)
			}
		}
	}()
}

// A labeled continue to an outer loop leaves the inner endless one; the outer one returns.
func Retry(ctx context.Context, attempt func() error) {
	go func() {
	outer:
		for {
			for {
				if err := attempt(); err == nil {
					continue outer
				}
				if ctx.Err() != nil {
					return
				}
			}
		}
	}()
}

// Started once per process: from init, or through a sync.Once.
var (
	statsOnce sync.Once
	hits      int64
	hitsMu    sync.Mutex
)

func init() {
	go func() {
		for range time.Tick(time.Minute) {
			hitsMu.Lock()
			hits = 0
			hitsMu.Unlock()
		}
	}()
}

func EnsureStats(report func(int64)) {
	statsOnce.Do(func() {
		go func() {
			for range time.Tick(time.Minute) {
				hitsMu.Lock()
				report(hits)
				hitsMu.Unlock()
			}
		}()
	})
}

// An endless loop in a function that no goroutine runs is the caller's business.
func serveForever(accept func() error) {
	for {
		if err := accept(); err != nil {
			log.Printf("accept: %v", err)
		}
	}
}

var _ = serveForever
