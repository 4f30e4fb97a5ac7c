package waitgroup_add_mismatch

import (
	"context"
	"io"
	"net"
	"sync"
)

// The count matches: the fix.
func ProxyFixed(client, backend net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(backend, client)
	}()
	go func() {
		defer wg.Done()
		_, _ = io.Copy(client, backend)
	}()
	wg.Wait()
}

// A goroutine started in an `if`: how many run is not known.
func MaybeMirror(client, backend, mirror net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(backend, client)
	}()
	if mirror != nil {
		go func() {
			defer wg.Done()
			_, _ = io.Copy(mirror, client)
		}()
	}
	wg.Wait()
}

// More Adds between: the count is spread out.
func LoadSnapshotStepwise(ctx context.Context) *Snapshot {
	snap := &Snapshot{}
	var wg sync.WaitGroup
	wg.Add(1)
	go loadUsers(ctx, snap, &wg)
	wg.Add(1)
	go func() {
		defer wg.Done()
		snap.Orders = []string{"o-1"}
	}()
	wg.Wait()
	return snap
}

// The WaitGroup is handed to code the rule cannot see: that code may call Done.
func Register(ctx context.Context, register func(*sync.WaitGroup)) {
	var wg sync.WaitGroup
	wg.Add(2)
	register(&wg)
	go func() {
		defer wg.Done()
		<-ctx.Done()
	}()
	wg.Wait()
}

// A goroutine started before the Add already holds the WaitGroup.
func Drain(ctx context.Context, queue chan func()) {
	var wg sync.WaitGroup
	go func() {
		for task := range queue {
			task()
			wg.Done()
		}
	}()
	wg.Add(2)
	queue <- func() {}
	go func() {
		defer wg.Done()
		<-ctx.Done()
	}()
	wg.Wait()
	close(queue)
}

// A goroutine that calls Done once per item: the count is per item.
func Batch(items []string, handle func(string)) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		for _, item := range items[:3] {
			handle(item)
			wg.Done()
		}
	}()
	wg.Wait()
}

type Service struct {
	wg sync.WaitGroup
}

func (s *Service) loop(ctx context.Context) {
	defer s.wg.Done()
	<-ctx.Done()
}

// A struct field: methods started as goroutines may call Done on it.
func (s *Service) Start(ctx context.Context) {
	s.wg.Add(2)
	go s.loop(ctx)
	go func() {
		s.loop(ctx)
	}()
	s.wg.Wait()
}

// A goroutine whose Done calls each end their path counts once.
func CopyBoth(client, backend net.Conn, onError func(error)) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		if _, err := io.Copy(backend, client); err != nil {
			onError(err)
			wg.Done()
			return
		}
		wg.Done()
	}()
	go func() {
		defer wg.Done()
		_, _ = io.Copy(client, backend)
	}()
	wg.Wait()
}
