package unreleased_lock

import (
	"errors"
	"sync"
)

// Store shows the shapes the rule leaves alone.
type Store struct {
	mu      sync.Mutex
	rw      sync.RWMutex
	data    map[string]string
	closed  bool
	pending []string
	notify  chan struct{}
}

// Deferred unlock.
func (s *Store) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// Unlocked on every path before returning.
func (s *Store) Put(key, value string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("store closed")
	}
	s.data[key] = value
	s.mu.Unlock()
	return nil
}

// Unlocked on both branches of an if-else before the return.
func (s *Store) Len() int {
	s.rw.RLock()
	var n int
	if s.data == nil {
		s.rw.RUnlock()
		n = 0
	} else {
		n = len(s.data)
		s.rw.RUnlock()
	}
	return n
}

// The lock is handed to the caller: no unlock here at all.
func (s *Store) begin() {
	s.mu.Lock()
	s.pending = s.pending[:0]
}

// The unlock is done in a deferred closure.
func (s *Store) Flush() error {
	s.mu.Lock()
	defer func() {
		s.pending = nil
		s.mu.Unlock()
	}()
	if s.closed {
		return errors.New("store closed")
	}
	return nil
}

// Entered with the lock held: it unlocks around the slow part and locks again before returning.
func (s *Store) waitForSpace(limit int) error {
	for len(s.pending) >= limit {
		s.mu.Unlock()
		<-s.notify
		s.mu.Lock()
		if s.closed {
			return errors.New("store closed")
		}
	}
	return nil
}

// The name says it returns holding the lock when it reports true.
func (s *Store) lockIfOpen() bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	return true
}

// findEntry returns with s.mu held when it finds the key; the caller must unlock it.
func (s *Store) findEntry(key string) (string, bool) {
	s.mu.Lock()
	v, ok := s.data[key]
	if !ok {
		s.mu.Unlock()
		return "", false
	}
	return v, true
}

// A conditional unlock before the return counts as an unlock.
func (s *Store) Refresh(exclusive bool, reload func() error) error {
	s.mu.Lock()
	locked := true
	if !exclusive {
		s.mu.Unlock()
		locked = false
	}
	if err := reload(); err != nil {
		if locked {
			s.mu.Unlock()
		}
		return err
	}
	if locked {
		s.mu.Unlock()
	}
	return nil
}

// A helper that unlocks, or a returned function that does.
func (s *Store) unlockAndNotify() {
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *Store) Append(item string) {
	s.mu.Lock()
	if s.closed {
		s.unlockAndNotify()
		return
	}
	s.pending = append(s.pending, item)
	s.mu.Unlock()
}

func (s *Store) View() (map[string]string, func()) {
	s.rw.RLock()
	if s.data == nil {
		s.rw.RUnlock()
		return nil, func() {}
	}
	return s.data, s.rw.RUnlock
}

// The return in a function literal is the literal's, not the method's.
func (s *Store) Each(visit func(string, string) bool) {
	s.mu.Lock()
	walk := func() {
		for k, v := range s.data {
			if !visit(k, v) {
				return
			}
		}
	}
	walk()
	s.mu.Unlock()
}
