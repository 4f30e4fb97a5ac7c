package fixed

import "sync"

type cache struct {
	mu    sync.Mutex
	items map[string]string
}

func (c *cache) get(key string, load func(string) (string, error)) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock() // fixed: unlocked on every path, panics included
	if v, ok := c.items[key]; ok {
		return v, nil
	}
	v, err := load(key)
	if err != nil {
		return "", err
	}
	c.items[key] = v
	return v, nil
}
