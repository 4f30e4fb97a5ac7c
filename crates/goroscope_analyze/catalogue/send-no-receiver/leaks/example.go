package leaks

import "context"

// firstAnswer returns the answer, or gives up when ctx ends.
func firstAnswer(ctx context.Context, query func() string) (string, error) {
	answer := make(chan string)
	go func() {
		// leaks: after a timeout nobody receives, and an unbuffered send waits for ever
		answer <- query()
	}()
	select {
	case a := <-answer:
		return a, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
