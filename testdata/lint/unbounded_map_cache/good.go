package unbounded_map_cache

import (
	"errors"
	"sync"
)

// A lookup table filled in init.
var codes = map[int]string{}

func init() {
	codes[200] = "OK"
	codes[404] = "Not Found"
}

// Filled at its declaration and only read.
var names = map[int]string{1: "one", 2: "two"}

func name(i int) string { return codes[i] + names[i] }

// Entries are deleted when done.
var sessions = map[string]int{}

func openSession(id string)  { sessions[id] = len(sessions) }
func closeSession(id string) { delete(sessions, id) }

// Emptied with clear.
var pending = make(map[string][]byte)

func add(key string, value []byte) { pending[key] = value }
func flush()                       { clear(pending) }

// Replaced now and then.
var window = map[string]int{}

func hit(key string) { window[key]++; window[key+"/last"] = 1 }
func rotate()        { window = map[string]int{} }

// Handed to code that may prune it.
var stats = map[string]int{}

func record(key string) { stats[key] = 1; prune(stats) }
func prune(m map[string]int) {
	for k := range m {
		delete(m, k)
	}
}

// A registry filled at start-up by other packages' init functions.
var factories = map[string]func() any{}

func Register(name string, factory func() any) error {
	if _, dup := factories[name]; dup {
		return errors.New("registered twice: " + name)
	}
	factories[name] = factory
	return nil
}

// A local map with the name of a package-level one is another map.
var index = map[string]int{}

func build(keys []string) map[string]int {
	index := map[string]int{}
	for i, k := range keys {
		index[k] = i
	}
	return index
}

func lookup(key string) int { return index[key] }

// A struct with no lock is not shared between goroutines: its map lives as long as one call.
type decoder struct {
	refs map[string]int
}

func (d *decoder) ref(name string) int {
	if n, ok := d.refs[name]; ok {
		return n
	}
	d.refs[name] = len(d.refs)
	return d.refs[name]
}

// A shared cache whose entries expire.
type cache struct {
	mu      sync.Mutex
	entries map[string][]byte
}

func (c *cache) put(key string, value []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = value
}

func (c *cache) expire(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// Lazily made, and reset by another method.
type counter struct {
	mu    sync.Mutex
	count map[string]int
}

func (c *counter) inc(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = make(map[string]int)
	}
	c.count[key] = c.count[key] + 1
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count = nil
}

// Added to without a lookup: a table of what was seen last, not a cache.
var lastStatus = map[string]int{}

func setStatus(service string, code int) {
	lastStatus[service] = 0
	lastStatus[service] = code
}

// Inserts in a test file do not count.
var fixtures = map[string]string{}

func fixture(name string) string { return fixtures[name] }
