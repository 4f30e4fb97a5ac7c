package unbounded_map_cache

import (
	"io"
	"net"
	"sync"
	"text/template"
)

// Every template name ever asked for stays.
var templates = map[string]*template.Template{} // want GL604

func render(w io.Writer, name string, data any) error {
	t, ok := templates[name]
	if !ok {
		t = template.Must(template.ParseFiles(name))
		templates[name] = t
	}
	return t.Execute(w, data)
}

// Made in init, filled at run time.
var seen map[string]bool // want GL604

func init() {
	seen = make(map[string]bool)
}

func firstTime(id string) bool {
	if seen[id] {
		return false
	}
	seen[id] = true
	return true
}

// A resolver shared between goroutines caches every host it ever resolved.
type resolver struct {
	mu    sync.Mutex
	cache map[string][]string // want GL604
}

func newResolver() *resolver {
	return &resolver{cache: make(map[string][]string)}
}

func (r *resolver) lookup(host string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if addrs, ok := r.cache[host]; ok {
		return addrs, nil
	}
	addrs, err := net.LookupHost(host)
	if err != nil {
		return nil, err
	}
	r.cache[host] = addrs
	return addrs, nil
}
