package unreleased_lock

import (
	"errors"
	"fmt"
	"sync"
)

var ErrClosed = errors.New("registry closed")

type Service struct {
	Name string
	Addr string
}

// Registry maps service names to their addresses.
type Registry struct {
	mu       sync.Mutex
	services map[string]*Service
	closed   bool
}

// Register returns ErrClosed with the mutex still locked: every later call blocks.
func (r *Registry) Register(s *Service) error {
	r.mu.Lock() // want GL201
	if r.closed {
		return ErrClosed
	}
	if _, ok := r.services[s.Name]; ok {
		r.mu.Unlock()
		return fmt.Errorf("service %q already registered", s.Name)
	}
	r.services[s.Name] = s
	r.mu.Unlock()
	return nil
}

type row struct{ value int }

// Table is read far more often than it is written.
type Table struct {
	mu   sync.RWMutex
	rows map[int]row
}

// Sum returns from inside the loop without releasing the read lock: the next writer blocks for ever.
func (t *Table) Sum(ids []int) (int, error) {
	t.mu.RLock() // want GL201
	total := 0
	for _, id := range ids {
		r, ok := t.rows[id]
		if !ok {
			return 0, fmt.Errorf("no row %d", id)
		}
		total += r.value
	}
	t.mu.RUnlock()
	return total, nil
}

type job struct{ id int }

// Queue hands out jobs by priority.
type Queue struct {
	mu     sync.Mutex
	urgent []job
	normal []job
}

// Pop unlocks on every path but one: the unknown-priority case.
func (q *Queue) Pop(priority string) (job, error) {
	q.mu.Lock() // want GL201
	var list *[]job
	switch priority {
	case "urgent":
		list = &q.urgent
	case "normal":
		list = &q.normal
	default:
		return job{}, fmt.Errorf("unknown priority %q", priority)
	}
	if len(*list) == 0 {
		q.mu.Unlock()
		return job{}, errors.New("queue empty")
	}
	j := (*list)[0]
	*list = (*list)[1:]
	q.mu.Unlock()
	return j, nil
}

type conn struct{ id int }

// Pool keeps idle connections.
type Pool struct {
	mu   sync.Mutex
	idle []conn
}

// Drain locks in a loop: a defer would not do here (no fix offered), but the early return still leaks the lock.
func (p *Pool) Drain(max int) []conn {
	var out []conn
	for i := 0; i < max; i++ {
		p.mu.Lock() // want GL201
		if len(p.idle) == 0 {
			return out
		}
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		p.mu.Unlock()
		out = append(out, c)
	}
	return out
}
