package leaks

import "sync"

func fetchAll(urls []string, fetch func(string) error) {
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			if err := fetch(u); err != nil {
				return // leaks the caller: this path skips Done, so Wait never returns
			}
			wg.Done()
		}()
	}
	wg.Wait()
}
