// Command body-not-closed leaks connections: checkHealth looks only at the
// status code and never reads or closes the response body, so each call
// keeps a connection to the upstream open, with its readLoop and writeLoop
// goroutines parked in net/http.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"

	"goroscope.test/patterns/internal/harness"
)

func checkHealth(url string) bool {
	resp, err := http.Get(url) // want leak: body-not-closed likely
	if err != nil {
		return false
	}
	return resp.StatusCode == http.StatusOK
}

func main() {
	upstream := harness.ServeLocal(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"status":"ok"}`)
	}))
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			checkHealth(upstream + "/health")
		}
	})
}
