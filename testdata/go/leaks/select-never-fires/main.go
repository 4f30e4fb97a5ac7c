// Command select-never-fires leaks one goroutine per reservation: the hold is
// released when its context is cancelled or after 24 hours, but the context is
// context.Background(), so for the life of the process neither case fires.
package main

import (
	"context"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"sync"
	"time"

	"goroscope.test/patterns/internal/harness"
)

var holds sync.Map

func handleReserve(w http.ResponseWriter, r *http.Request) {
	seat := r.URL.Query().Get("seat")
	holds.Store(seat, time.Now())
	go expireHold(context.Background(), seat)
	fmt.Fprintf(w, "holding %s\n", seat)
}

func expireHold(ctx context.Context, seat string) {
	select { // want leak: select-never-fires likely
	case <-ctx.Done():
	case <-time.After(24 * time.Hour):
	}
	holds.Delete(seat)
}

func main() {
	http.HandleFunc("/reserve", handleReserve)
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/reserve?seat=A%d", i))
		}
	})
}
