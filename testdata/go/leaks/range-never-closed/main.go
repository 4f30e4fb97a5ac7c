// Command range-never-closed leaks one goroutine per indexing request:
// indexBatch hands the request's documents to an indexer goroutine that ranges
// over a channel, and never closes the channel once the batch is sent.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"strings"
	"sync"

	"goroscope.test/patterns/internal/harness"
)

type index struct {
	mu    sync.Mutex
	words map[string]int
}

func (ix *index) add(doc string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, w := range strings.Fields(doc) {
		ix.words[w]++
	}
}

func indexBatch(ix *index, docs []string) {
	ch := make(chan string)
	go func() {
		for doc := range ch { // want leak: range-never-closed likely
			ix.add(doc)
		}
	}()
	for _, doc := range docs {
		ch <- doc
	}
}

func main() {
	ix := &index{words: make(map[string]int)}
	http.HandleFunc("/index", func(w http.ResponseWriter, r *http.Request) {
		indexBatch(ix, r.URL.Query()["doc"])
		fmt.Fprintln(w, "indexed")
	})
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/index?doc=batch+%d+first&doc=batch+%d+second", i, i))
		}
	})
}
