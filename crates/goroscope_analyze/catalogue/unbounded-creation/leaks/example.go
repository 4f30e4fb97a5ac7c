package leaks

import "sync"

func processAll(items []string, process func(string)) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() { // leaks under load: one goroutine per item, however many items come
			defer wg.Done()
			process(item)
		}()
	}
	wg.Wait()
}
