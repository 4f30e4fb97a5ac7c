package waitgroup_done_not_deferred

import (
	"context"
	"errors"
	"fmt"
	"log"
	"runtime"
	"sync"
)

type Job struct {
	ID   string
	Data []byte
}

func (j Job) Prepare(ctx context.Context) error {
	if len(j.Data) == 0 {
		return errors.New("empty job")
	}
	return ctx.Err()
}

func (j Job) Run(ctx context.Context) error { return ctx.Err() }

// An early return on the error path skips the Done at the bottom: Wait blocks forever after one failure.
func ProcessAll(ctx context.Context, jobs []Job) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			if err := job.Prepare(ctx); err != nil {
				log.Printf("prepare %s: %v", job.ID, err)
				return
			}
			if err := job.Run(ctx); err != nil {
				log.Printf("run %s: %v", job.ID, err)
			}
			wg.Done() // want GL204
		}()
	}
	wg.Wait()
}

// The return sits in a select inside a loop; the Done after the loop is reached only by break.
func Consume(ctx context.Context, in <-chan Job, handle func(Job)) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
	loop:
		for {
			select {
			case <-ctx.Done():
				return
			case job, ok := <-in:
				if !ok {
					break loop
				}
				handle(job)
			}
		}
		wg.Done() // want GL204
	}()
	wg.Wait()
}

type Pool struct {
	wg      sync.WaitGroup
	results chan string
}

// A struct field, Done on the success path and on one error path, not on the other; runtime.Goexit also leaves.
func (p *Pool) Submit(ctx context.Context, job Job) {
	p.wg.Add(1)
	go func() {
		if ctx.Err() != nil {
			p.wg.Done()
			return
		}
		if len(job.Data) > 1<<20 {
			runtime.Goexit()
		}
		if err := job.Run(ctx); err != nil {
			return
		}
		p.results <- fmt.Sprintf("%s done", job.ID)
		p.wg.Done() // want GL204
	}()
}

func (p *Pool) Close() {
	p.wg.Wait()
	close(p.results)
}
