// Command send-no-receiver leaks one goroutine per request: the handler gives
// a slow price lookup 10 ms and returns on timeout, after which the lookup
// goroutine blocks forever sending its result on an unbuffered channel.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"time"

	"goroscope.test/patterns/internal/harness"
)

func main() {
	http.HandleFunc("/quote", handleQuote)
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/quote?sku=SKU-%d", i))
		}
	})
}

func handleQuote(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	result := make(chan int)
	go func() {
		result <- lookupPrice(sku) // want leak: send-no-receiver likely
	}()
	select {
	case cents := <-result:
		fmt.Fprintf(w, "%s costs %d cents\n", sku, cents)
	case <-time.After(10 * time.Millisecond):
		http.Error(w, "pricing service timed out", http.StatusGatewayTimeout)
	}
}

// lookupPrice stands in for a call to a slow pricing backend.
func lookupPrice(sku string) int {
	time.Sleep(50 * time.Millisecond)
	return 100 * len(sku)
}
