// Command nil-channel leaks one goroutine per request: the handler sends an
// audit event on a channel that startAuditor was meant to create, but nothing
// calls startAuditor, so the channel is nil and the send blocks forever.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"

	"goroscope.test/patterns/internal/harness"
)

var auditLog chan string

// startAuditor creates auditLog and drains it; this build never calls it.
func startAuditor() {
	auditLog = make(chan string, 64)
	go func() {
		for e := range auditLog {
			fmt.Println("audit:", e)
		}
	}()
}

func handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	go func() {
		auditLog <- "deleted " + id // want leak: nil-channel certain
	}()
	fmt.Fprintf(w, "deleted %s\n", id)
}

func main() {
	http.HandleFunc("/delete", handleDelete)
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/delete?id=%d", i))
		}
	})
}
