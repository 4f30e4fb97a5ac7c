// Command client-pool is healthy: a keep-alive client calls an upstream
// service, reading and closing every body, and its idle pooled connections
// stay open (persistConn readLoop in IO wait), bounded by the pool size.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"time"

	"goroscope.test/patterns/internal/harness"
)

var upstreamClient = &http.Client{
	Timeout: 5 * time.Second,
	Transport: &http.Transport{
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     10 * time.Minute,
	},
}

func main() {
	upstream := harness.ServeLocal(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"user":%q}`+"\n", r.URL.Query().Get("id"))
	}))
	harness.Main(func(env *harness.Env) {
		harness.Parallel(env.N, 4, func(i int) {
			harness.Get(upstreamClient, fmt.Sprintf("%s/users?id=%d", upstream, i))
		})
	})
}
