package leaks

import "sync"

var (
	mu    sync.Mutex
	pages = map[string][]byte{} // URL -> rendered page
)

func page(url string, render func(string) []byte) []byte {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := pages[url]; ok {
		return p
	}
	p := render(url)
	pages[url] = p // leaks: every new URL stays for ever; nothing deletes
	return p
}
