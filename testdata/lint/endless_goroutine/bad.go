package endless_goroutine

import (
	"log"
	"sync"
	"time"
)

type entry struct {
	value   string
	expires time.Time
}

// Cache is an in-memory cache whose entries expire.
type Cache struct {
	mu    sync.Mutex
	items map[string]entry
}

// NewCache starts a janitor that nothing can stop: every cache made leaks one goroutine.
func NewCache(ttl time.Duration) *Cache {
	c := &Cache{items: make(map[string]entry)}
	go func() {
		for range time.Tick(ttl) { // want GL101
			c.evictExpired()
		}
	}()
	return c
}

func (c *Cache) evictExpired() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for key, e := range c.items {
		if now.After(e.expires) {
			delete(c.items, key)
		}
	}
}

// Reporter flushes metrics on a ticker. Stop stops the ticker, but a stopped ticker never closes its channel:
// the loop goroutine waits on it for ever.
type Reporter struct {
	ticker *time.Ticker
	flush  func()
}

func NewReporter(interval time.Duration, flush func()) *Reporter {
	r := &Reporter{ticker: time.NewTicker(interval), flush: flush}
	go r.loop()
	return r
}

func (r *Reporter) loop() {
	for range r.ticker.C { // want GL101
		r.flush()
	}
}

func (r *Reporter) Stop() { r.ticker.Stop() }

// Poller has a done channel, but its case only breaks out of the select, not out of the loop.
type Poller struct {
	done  chan struct{}
	fetch func() error
}

func (p *Poller) Start(interval time.Duration) {
	go func() {
		for { // want GL101
			select {
			case <-p.done:
				log.Print("poller: stopping")
				break
			case <-time.After(interval):
				if err := p.fetch(); err != nil {
					log.Printf("poller: %v", err)
					continue
				}
			}
		}
	}()
}

// The break leaves the inner range loop only; the worker never ends, even once the queue is closed.
func StartWorker(queue <-chan []string, handle func(string)) {
	go func() {
		for ; ; time.Sleep(10 * time.Millisecond) { // want GL101
			batch := <-queue
			for _, job := range batch {
				if job == "" {
					break
				}
				handle(job)
			}
		}
	}()
}
