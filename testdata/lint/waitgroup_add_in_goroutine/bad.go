package waitgroup_add_in_goroutine

import (
	"context"
	"io"
	"net/http"
	"sync"
)

type Page struct {
	URL    string
	Status int
	Body   []byte
}

func fetch(ctx context.Context, client *http.Client, url string) Page {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Page{URL: url}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Page{URL: url}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Page{URL: url, Status: resp.StatusCode, Body: body}
}

// The Add runs in the goroutine: Wait can see a zero counter and return before any page is fetched.
func FetchAll(ctx context.Context, client *http.Client, urls []string) []Page {
	pages := make([]Page, len(urls))
	var wg sync.WaitGroup
	for i, url := range urls {
		go func() {
			wg.Add(1) // want GL202
			defer wg.Done()
			pages[i] = fetch(ctx, client, url)
		}()
	}
	wg.Wait()
	return pages
}

// The WaitGroup is a parameter and the Wait runs in the goroutine that closes the output: it can close `out`
// while a forwarder still sends on it.
func Merge(wg *sync.WaitGroup, sources []<-chan string) <-chan string {
	out := make(chan string)
	for _, src := range sources {
		go func() {
			wg.Add(1) // want GL202
			defer wg.Done()
			for line := range src {
				out <- line
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

type Indexer struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	indexed map[string]int
}

func (ix *Indexer) index(docs []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, doc := range docs {
		ix.indexed[doc]++
	}
}

// A struct field, with the Done in a deferred closure.
func (ix *Indexer) IndexBatches(batches [][]string) {
	for _, batch := range batches {
		go func(docs []string) {
			ix.wg.Add(1) // want GL202
			defer func() {
				ix.wg.Done()
			}()
			ix.index(docs)
		}(batch)
	}
	ix.wg.Wait()
}

// A one-line goroutine: reported, but the fix is left to a person.
func Warm(ctx context.Context, client *http.Client, urls []string) {
	wg := &sync.WaitGroup{}
	for _, url := range urls {
		go func() { wg.Add(1); defer wg.Done(); fetch(ctx, client, url) }() // want GL202
	}
	wg.Wait()
}
