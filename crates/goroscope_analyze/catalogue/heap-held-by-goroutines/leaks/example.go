package leaks

import "context"

// report returns the report, or gives up when ctx ends.
func report(ctx context.Context, fetch func() []byte) ([]byte, error) {
	result := make(chan []byte)
	go func() {
		body := fetch() // a large body, held by this goroutine until the send completes
		// leaks: after a timeout nobody receives; the goroutine and body stay for ever
		result <- body
	}()
	select {
	case b := <-result:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
