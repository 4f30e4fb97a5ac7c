package fixed

import "sync"

type queue struct {
	mu    sync.Mutex
	ready *sync.Cond
	items []string
}

func newQueue() *queue {
	q := &queue{}
	q.ready = sync.NewCond(&q.mu)
	return q
}

func (q *queue) put(item string) {
	q.mu.Lock()
	q.items = append(q.items, item)
	q.ready.Signal() // fixed: every change wakes a waiter
	q.mu.Unlock()
}

func (q *queue) take() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.ready.Wait()
	}
	item := q.items[0]
	q.items = q.items[1:]
	return item
}
