package leaks

import "sync"

type cache struct {
	mu    sync.Mutex
	items map[string]string
}

func (c *cache) get(key string, load func(string) (string, error)) (string, error) {
	c.mu.Lock()
	if v, ok := c.items[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	v, err := load(key)
	if err != nil {
		return "", err // leaks: returns holding the lock, so every later get waits for ever
	}
	c.items[key] = v
	c.mu.Unlock()
	return v, nil
}
