package leaks

import "context"

// awaitReply returns the reply, or "" when ctx ends.
func awaitReply(ctx context.Context, replies <-chan string) string {
	select {
	case r := <-replies:
		return r
	case <-ctx.Done():
		return ""
	}
}

func request(replies <-chan string, handle func(string)) {
	// leaks: context.Background() is never cancelled, so without a reply neither case fires
	go func() { handle(awaitReply(context.Background(), replies)) }()
}
