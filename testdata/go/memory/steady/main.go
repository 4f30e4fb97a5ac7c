// Command steady is healthy: every unit makes plenty of garbage (a 128 KiB
// request body, its checksum and a 16 KiB rendered result), hands the work
// to a fixed pool of 4 workers started in main, and keeps the result in a
// cache of fixed capacity (64 entries) that evicts its oldest entry. Heap in
// use and the number of goroutines stay flat whatever the load; only the
// allocation counters grow.
//
// It follows the memory program contract of internal/memharness: one unit
// handles one request.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	_ "net/http/pprof"
	"sync"

	"goroscope.test/patterns/internal/memharness"
)

const (
	bodySize   = 128 << 10
	resultSize = 16 << 10
	workers    = 4
	cacheSize  = 64
)

type job struct {
	seed  int
	reply chan []byte
}

// lru is a cache of fixed capacity that evicts its oldest entry.
type lru struct {
	mu    sync.Mutex
	items map[string][]byte
	order []string // keys, oldest first; len(order) == len(items) <= cacheSize
}

func (c *lru) put(key string, value []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		c.items[key] = value
		return
	}
	if len(c.order) == cacheSize {
		delete(c.items, c.order[0])
		copy(c.order, c.order[1:])
		c.order = c.order[:len(c.order)-1]
	}
	c.items[key] = value
	c.order = append(c.order, key)
}

var results = &lru{items: make(map[string][]byte, cacheSize)}

// handle reads a request body, checksums it and renders a result: all of it
// garbage once the result is cached.
func handle(seed int) []byte {
	body := memharness.Fill(make([]byte, bodySize), seed)
	sum := sha256.Sum256(body)
	key := hex.EncodeToString(sum[:])
	result := make([]byte, 0, resultSize)
	for len(result)+len(key) <= resultSize {
		result = append(result, key...)
	}
	return result
}

func worker(jobs <-chan job) {
	for j := range jobs {
		j.reply <- handle(j.seed)
	}
}

func main() {
	jobs := make(chan job)
	for i := 0; i < workers; i++ {
		go worker(jobs)
	}
	memharness.Main(func(i int) {
		j := job{seed: i, reply: make(chan []byte, 1)}
		jobs <- j
		results.put(fmt.Sprintf("request-%d", i), <-j.reply)
	})
}
