package waitgroup_add_mismatch

import (
	"context"
	"io"
	"log"
	"net"
	"sync"
)

// Three counted, two started: Wait blocks forever.
func Proxy(client, backend net.Conn) {
	var wg sync.WaitGroup
	wg.Add(3) // want GL205
	go func() {
		defer wg.Done()
		if _, err := io.Copy(backend, client); err != nil {
			log.Printf("client -> backend: %v", err)
		}
	}()
	go func() {
		defer wg.Done()
		if _, err := io.Copy(client, backend); err != nil {
			log.Printf("backend -> client: %v", err)
		}
	}()
	wg.Wait()
	client.Close()
	backend.Close()
}

type Snapshot struct {
	Users  []string
	Orders []string
}

func loadUsers(ctx context.Context, snap *Snapshot, wg *sync.WaitGroup) {
	defer wg.Done()
	if ctx.Err() == nil {
		snap.Users = []string{"ada", "grace"}
	}
}

// One counted, two started (one through a worker function handed the WaitGroup): Wait returns while one still
// writes into the snapshot, and the last Done panics with a negative counter.
func LoadSnapshot(ctx context.Context) *Snapshot {
	snap := &Snapshot{}
	wg := sync.WaitGroup{}
	wg.Add(1) // want GL205
	go loadUsers(ctx, snap, &wg)
	go func() {
		defer wg.Done()
		snap.Orders = []string{"o-1"}
	}()
	wg.Wait()
	return snap
}

// A goroutine that touches nothing of the WaitGroup is not counted.
func Warmup(ctx context.Context, caches []func(context.Context)) {
	var wg sync.WaitGroup
	wg.Add(2) // want GL205
	go func() {
		defer wg.Done()
		caches[0](ctx)
	}()
	go log.Printf("warming %d caches", len(caches))
	wg.Wait()
}
