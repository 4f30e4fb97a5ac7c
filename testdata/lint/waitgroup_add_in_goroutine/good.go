//go:build go1.25

// sync.WaitGroup.Go is Go 1.25; the module says go 1.22, so this file asks for 1.25 itself.

package waitgroup_add_in_goroutine

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
)

// Add before the go statement: the fix.
func FetchAllFixed(ctx context.Context, client *http.Client, urls []string) []Page {
	pages := make([]Page, len(urls))
	var wg sync.WaitGroup
	for i, url := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pages[i] = fetch(ctx, client, url)
		}()
	}
	wg.Wait()
	return pages
}

// Go 1.25's wg.Go counts before it starts the goroutine.
func FetchAllGo(ctx context.Context, client *http.Client, urls []string) []Page {
	pages := make([]Page, len(urls))
	var wg sync.WaitGroup
	for i, url := range urls {
		wg.Go(func() {
			pages[i] = fetch(ctx, client, url)
		})
	}
	wg.Wait()
	return pages
}

// The crawler goroutine is counted before it starts, and it adds for the goroutines it starts itself: its own
// count keeps Wait from returning until those Adds have run.
func Crawl(ctx context.Context, client *http.Client, seeds [][]string) []Page {
	var (
		mu    sync.Mutex
		pages []Page
		wg    sync.WaitGroup
	)
	for _, group := range seeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, url := range group {
				wg.Add(1)
				go func() {
					defer wg.Done()
					page := fetch(ctx, client, url)
					mu.Lock()
					pages = append(pages, page)
					mu.Unlock()
				}()
			}
		}()
	}
	wg.Wait()
	return pages
}

// The goroutine adds to a WaitGroup that counts other work (jobs it queues), not itself.
func Dispatch(jobs chan<- func(), wg *sync.WaitGroup, tasks []func()) {
	go func() {
		for _, task := range tasks {
			wg.Add(1)
			jobs <- task
		}
	}()
}

// Nobody in this function waits: the Add races with nothing here.
func StartBackground(wg *sync.WaitGroup, work func()) {
	go func() {
		wg.Add(1)
		defer wg.Done()
		work()
	}()
}

// Not a WaitGroup: a gauge whose methods happen to be called Add, Done and Wait.
type gauge struct{ n atomic.Int64 }

func (g *gauge) Add(d int64) { g.n.Add(d) }
func (g *gauge) Done()       { g.n.Add(-1) }
func (g *gauge) Wait() {
	for g.n.Load() > 0 {
		runtime.Gosched()
	}
}

func CountRequests(urls []string, handle func(string)) {
	var inflight gauge
	for _, url := range urls {
		go func() {
			inflight.Add(1)
			defer inflight.Done()
			handle(url)
		}()
	}
	inflight.Wait()
}

// Each worker reports that it has registered (after its Add) and the caller waits for every report before Wait:
// the receive orders the Add before the Wait.
func StartWorkers(n int, work func(int)) {
	var wg sync.WaitGroup
	registered := make(chan struct{}, n)
	for i := range n {
		go func() {
			wg.Add(1)
			registered <- struct{}{}
			defer wg.Done()
			work(i)
		}()
	}
	for range n {
		<-registered
	}
	wg.Wait()
}

// A second WaitGroup as a start barrier: every worker has added before the caller gets past `started.Wait()`.
func StartPool(n int, work func(int)) {
	var started, finished sync.WaitGroup
	started.Add(n)
	for i := range n {
		go func() {
			finished.Add(1)
			started.Done()
			defer finished.Done()
			work(i)
		}()
	}
	started.Wait()
	finished.Wait()
}
