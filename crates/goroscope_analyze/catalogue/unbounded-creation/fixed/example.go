package fixed

import (
	"runtime"
	"sync"
)

func processAll(items []string, process func(string)) {
	var wg sync.WaitGroup
	limit := make(chan struct{}, runtime.GOMAXPROCS(0)) // fixed: at most this many at once
	for _, item := range items {
		limit <- struct{}{}
		wg.Go(func() {
			defer func() { <-limit }()
			process(item)
		})
	}
	wg.Wait()
}
