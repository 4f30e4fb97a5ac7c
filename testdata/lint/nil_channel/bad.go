package nil_channel

import (
	"log"
	"os"
	"sync"
)

// The make was forgotten: the range never starts and watch never returns.
func watch(paths []string) error {
	var events chan string
	go func() {
		defer close(events)
		for _, p := range paths {
			events <- p
		}
	}()
	for p := range events { // want GL006
		log.Println("changed:", p)
	}
	return nil
}

// Closing a nil channel panics.
func shutdown(workers int) {
	var quit chan struct{}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-quit
		}()
	}
	close(quit) // want GL006
	wg.Wait()
}

// The result never arrives: both the goroutine's send and the receive block on the nil channel.
func loadConfig(path string) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	var done chan result
	go func() {
		data, err := os.ReadFile(path)
		done <- result{data, err}
	}()
	r := <-done // want GL006
	return r.data, r.err
}
