package fixed

import (
	"context"
	"time"
)

// awaitReply returns the reply, or "" when ctx ends.
func awaitReply(ctx context.Context, replies <-chan string) string {
	select {
	case r := <-replies:
		return r
	case <-ctx.Done():
		return ""
	}
}

func request(ctx context.Context, replies <-chan string, handle func(string)) {
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second) // fixed: the wait has an end
		defer cancel()
		handle(awaitReply(ctx, replies))
	}()
}
