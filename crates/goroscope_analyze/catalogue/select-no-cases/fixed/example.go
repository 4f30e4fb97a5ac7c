package fixed

import (
	"context"
	"errors"
	"net/http"
)

func serve(ctx context.Context, handler http.Handler) error {
	server := &http.Server{Addr: "127.0.0.1:8080", Handler: handler}
	// fixed: shutdown ends the wait
	stop := context.AfterFunc(ctx, func() { _ = server.Close() })
	defer stop()
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
