package fixed

import (
	"context"
	"time"
)

func startRefresh(ctx context.Context, refresh func()) {
	go func() {
		ticker := time.NewTicker(time.Minute)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done(): // fixed: cancelling ctx ends the loop
				return
			case <-ticker.C:
				refresh()
			}
		}
	}()
}
