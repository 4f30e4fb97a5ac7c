package fixed

import "sync"

func fetchAll(urls []string, fetch func(string) error) {
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Go(func() { // fixed: Go adds before starting and calls Done on every path
			_ = fetch(u)
		})
	}
	wg.Wait()
}
