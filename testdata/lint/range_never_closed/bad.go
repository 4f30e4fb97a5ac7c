package range_never_closed

import (
	"bufio"
	"io"
	"log"
	"strings"
	"sync"
)

type row struct {
	shard int
	data  string
}

type shard struct {
	id   int
	rows []string
}

// The classic fan-in: the senders finish, nobody closes rows, and collect never returns.
func collect(shards []shard) []row {
	rows := make(chan row)
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go func(s shard) {
			defer wg.Done()
			for _, r := range s.rows {
				rows <- row{shard: s.id, data: r}
			}
		}(s)
	}
	var all []row
	for r := range rows { // want GL004
		all = append(all, r)
	}
	return all
}

// The worker is fed and never told there is no more work: it leaks once index returns.
func index(docs []string) {
	words := make(chan string, 16)
	go func() {
		seen := map[string]int{}
		for w := range words { // want GL004
			seen[w]++
		}
		log.Println("distinct words:", len(seen))
	}()
	for _, d := range docs {
		for _, w := range strings.Fields(d) {
			words <- w
		}
	}
	log.Println("indexed", len(docs), "documents")
}

// One reader goroutine sends every line but never closes.
func readLines(r io.Reader) []string {
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out []string
	for l := range lines { // want GL004
		out = append(out, l)
	}
	return out
}
