// Command map-cache caches every rendered page in a package-level map under a
// key that is new for each request, and nothing ever deletes from it: the
// heap grows by 32 KiB per unit at renderPage, for ever.
//
// It follows the memory program contract of internal/memharness: one unit
// renders one page for a new user and caches it.
package main

import (
	"fmt"
	_ "net/http/pprof"
	"sync"

	"goroscope.test/patterns/internal/memharness"
)

// pageSize is the size of one rendered page.
const pageSize = 32 << 10

var (
	mu sync.Mutex
	// cache maps a user's page key to the page rendered for it.
	cache = map[string][]byte{}
)

// renderPage stands in for rendering a template.
func renderPage(key string, seed int) []byte {
	page := make([]byte, pageSize) // want heap: unbounded-cache
	return memharness.Fill(page, seed)
}

// page returns the cached page of key, rendering and caching it on a miss.
func page(key string, seed int) []byte {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := cache[key]; ok {
		return p
	}
	p := renderPage(key, seed)
	cache[key] = p
	return p
}

func main() {
	memharness.Main(func(i int) {
		_ = page(fmt.Sprintf("/users/%d/profile", i), i)
	})
}
