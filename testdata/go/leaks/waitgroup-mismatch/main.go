// Command waitgroup-mismatch leaks one goroutine per refresh: refreshProfile
// adds 2 to a WaitGroup, but the avatar loader returns on error without
// calling Done, so Wait never returns.
package main

import (
	"errors"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"sync"
	"time"

	"goroscope.test/patterns/internal/harness"
)

var profiles sync.Map

func handleRefresh(w http.ResponseWriter, r *http.Request) {
	go refreshProfile(r.URL.Query().Get("user"))
	w.WriteHeader(http.StatusAccepted)
}

func refreshProfile(user string) {
	var wg sync.WaitGroup
	var details, avatar string
	wg.Add(2)
	go func() {
		defer wg.Done()
		details = "details of " + user
	}()
	go func() {
		a, err := loadAvatar(user)
		if err != nil {
			return
		}
		avatar = a
		wg.Done()
	}()
	wg.Wait() // want leak: waitgroup-mismatch likely
	profiles.Store(user, details+avatar)
}

func loadAvatar(user string) (string, error) {
	time.Sleep(5 * time.Millisecond)
	return "", errors.New("avatar service unavailable")
}

func main() {
	http.HandleFunc("/refresh", handleRefresh)
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/refresh?user=u%d", i))
		}
	})
}
