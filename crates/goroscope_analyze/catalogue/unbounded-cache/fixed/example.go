package fixed

import "sync"

// maxPages bounds the number of pages kept.
const maxPages = 1024

var (
	mu    sync.Mutex
	pages = map[string][]byte{} // URL -> rendered page
	order []string              // the URLs in pages, oldest first
)

func page(url string, render func(string) []byte) []byte {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := pages[url]; ok {
		return p
	}
	p := render(url)
	if len(order) == maxPages { // fixed: at capacity, evict the oldest page
		delete(pages, order[0])
		order = order[1:]
	}
	pages[url] = p
	order = append(order, url)
	return p
}
