// Command lock-never-released leaks request goroutines: the withdraw handler
// returns early on "insufficient funds" without unlocking the account, so
// every later request blocks in Lock inside the server's connection
// goroutine, long after its client has given up.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"strconv"
	"sync"
	"time"

	"goroscope.test/patterns/internal/harness"
)

type account struct {
	mu      sync.Mutex
	balance int
}

var acct = &account{balance: 100}

func handleWithdraw(w http.ResponseWriter, r *http.Request) {
	amount, err := strconv.Atoi(r.URL.Query().Get("amount"))
	if err != nil {
		http.Error(w, "bad amount", http.StatusBadRequest)
		return
	}
	acct.mu.Lock() // want leak: lock-never-released likely
	if amount > acct.balance {
		http.Error(w, "insufficient funds", http.StatusConflict)
		return
	}
	acct.balance -= amount
	acct.mu.Unlock()
	fmt.Fprintf(w, "withdrew %d\n", amount)
}

func main() {
	http.HandleFunc("/withdraw", handleWithdraw)
	harness.Main(func(env *harness.Env) {
		env.Get("/withdraw?amount=1000") // hits the error path and keeps the lock
		impatient := harness.NewClient(200 * time.Millisecond)
		harness.Parallel(env.N, 32, func(int) {
			harness.Get(impatient, env.URL+"/withdraw?amount=1")
		})
	})
}
