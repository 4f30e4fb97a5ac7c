package detached_context

import (
	"context"
	"log"
	"net/http"
)

type auditLog interface {
	Record(ctx context.Context, event string) error
}

type index interface {
	Add(ctx context.Context, id string, body []byte) error
}

// Handler accepts documents and records who sent them.
type Handler struct {
	audit auditLog
	index index
	store map[string][]byte
}

// The audit goroutine runs on Background: when the client goes away it keeps going.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	go func() {
		if err := h.audit.Record(context.Background(), r.URL.Path); err != nil { // want GL302
			log.Printf("audit: %v", err)
		}
	}()
	w.WriteHeader(http.StatusAccepted)
}

// Save has the caller's ctx, but the indexing goroutine gets a fresh TODO context.
func (h *Handler) Save(ctx context.Context, id string, body []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h.store[id] = body
	go h.reindex(context.TODO(), id) // want GL302
	return nil
}

func (h *Handler) reindex(ctx context.Context, id string) {
	if err := h.index.Add(ctx, id, h.store[id]); err != nil {
		log.Printf("reindex %s: %v", id, err)
	}
}

type requestIDKey struct{}

// Values copied onto Background do not bring the cancellation with them.
func (h *Handler) Delete(ctx context.Context, id string) {
	delete(h.store, id)
	go func(requestID any) {
		bg := context.WithValue(context.Background(), requestIDKey{}, requestID) // want GL302
		if err := h.audit.Record(bg, "delete "+id); err != nil {
			log.Printf("audit: %v", err)
		}
	}(ctx.Value(requestIDKey{}))
}
