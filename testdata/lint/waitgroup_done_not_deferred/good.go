package waitgroup_done_not_deferred

import (
	"context"
	"log"
	"sync"
)

// Deferred Done: the fix.
func ProcessAllFixed(ctx context.Context, jobs []Job) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := job.Prepare(ctx); err != nil {
				log.Printf("prepare %s: %v", job.ID, err)
				return
			}
			_ = job.Run(ctx)
		}()
	}
	wg.Wait()
}

// Done in a deferred closure that also recovers.
func ProcessRecovering(ctx context.Context, jobs []Job) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					log.Printf("job %s panicked: %v", job.ID, r)
				}
				wg.Done()
			}()
			if err := job.Prepare(ctx); err != nil {
				return
			}
			_ = job.Run(ctx)
		}()
	}
	wg.Wait()
}

// Every return is preceded by its own Done.
func ProcessExplicit(ctx context.Context, jobs []Job) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			if err := job.Prepare(ctx); err != nil {
				log.Printf("prepare %s: %v", job.ID, err)
				wg.Done()
				return
			}
			_ = job.Run(ctx)
			wg.Done()
		}()
	}
	wg.Wait()
}

// A "started" signal: Done comes first, returns after it do not skip it.
func Serve(ctx context.Context, requests <-chan Job, handle func(Job)) {
	var started sync.WaitGroup
	started.Add(1)
	go func() {
		started.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case job := <-requests:
				handle(job)
			}
		}
	}()
	started.Wait()
}

// One Done per item handled, in a loop: the count is for items, not for the goroutine.
func Drain(ctx context.Context, queue <-chan Job, pending *sync.WaitGroup) {
	go func() {
		for job := range queue {
			if ctx.Err() != nil {
				return
			}
			_ = job.Run(ctx)
			pending.Done()
		}
	}()
}

// The goroutine owns the WaitGroup: its Done answers its own Add when the helper could not be started, and the
// early return comes before the WaitGroup exists.
func Supervise(ctx context.Context, jobs []Job, start func(func()) bool) {
	go func() {
		if len(jobs) == 0 {
			return
		}
		var ready sync.WaitGroup
		ready.Add(1)
		if !start(func() {
			for _, job := range jobs {
				_ = job.Run(ctx)
			}
			ready.Done()
		}) {
			ready.Done()
		}
		ready.Wait()
	}()
}

// The return is inside a nested function literal, not the goroutine's own.
func Visit(ctx context.Context, jobs []Job, each func(func(Job) bool)) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		each(func(job Job) bool {
			return job.Run(ctx) == nil
		})
		wg.Done()
	}()
	wg.Wait()
}

// Not a WaitGroup: a latch type with a Done method.
type latch struct{ ch chan struct{} }

func (l latch) Done() { close(l.ch) }

func Announce(ctx context.Context, ready latch, job Job) {
	go func() {
		if err := job.Prepare(ctx); err != nil {
			return
		}
		ready.Done()
	}()
}
