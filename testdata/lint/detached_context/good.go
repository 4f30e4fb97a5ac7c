package detached_context

import (
	"context"
	"log"
	"net/http"
	"sync"
	"time"
)

// The goroutine gets the caller's context.
func (h *Handler) Touch(ctx context.Context, id string) {
	go func() {
		if err := h.audit.Record(ctx, "touch "+id); err != nil {
			log.Printf("audit: %v", err)
		}
	}()
}

// A request's context, passed along.
func (h *Handler) Head(w http.ResponseWriter, r *http.Request) {
	go h.reindex(r.Context(), r.URL.Path)
	w.WriteHeader(http.StatusOK)
}

// Detached on purpose, but bounded by a timeout.
func (h *Handler) Purge(ctx context.Context, id string) {
	delete(h.store, id)
	go func() {
		bg, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.audit.Record(bg, "purge "+id); err != nil {
			log.Printf("audit: %v", err)
		}
	}()
}

// Detached on purpose, said with WithoutCancel.
func (h *Handler) Archive(ctx context.Context, id string) {
	go h.reindex(context.WithoutCancel(ctx), id)
}

// Batcher stops on its own quit channel.
type Batcher struct {
	quit    chan struct{}
	pending chan string
	wg      sync.WaitGroup
}

func (b *Batcher) Add(ctx context.Context, item string, h *Handler) {
	go func() {
		select {
		case b.pending <- item:
		case <-b.quit:
			if err := h.audit.Record(context.Background(), "dropped "+item); err != nil {
				log.Printf("audit: %v", err)
			}
		}
	}()
}

// Tracked by a WaitGroup that Close waits on.
func (b *Batcher) Flush(ctx context.Context, h *Handler) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		if err := h.audit.Record(context.Background(), "flush"); err != nil {
			log.Printf("audit: %v", err)
		}
	}()
}

func (b *Batcher) Close() {
	close(b.quit)
	b.wg.Wait()
}

// No request context to lose.
func StartIndexer(h *Handler, ids []string) {
	for _, id := range ids {
		go h.reindex(context.Background(), id)
	}
}

// The parameter is blank: the function cannot use it.
func (h *Handler) Ignore(_ context.Context, id string) {
	go h.reindex(context.Background(), id)
}

// Detached on purpose, and said so where the goroutine starts.
func (h *Handler) Export(ctx context.Context, id string) {
	// The export must finish even when the client hangs up: it runs on its own context.
	go h.reindex(context.Background(), id)
}
