// Command receive-never-sent leaks one goroutine per rejected upload: a
// cleanup goroutine waits for the upload to finish, but the validation error
// path returns without closing the channel it waits on.
package main

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"

	"goroscope.test/patterns/internal/harness"
)

func main() {
	http.HandleFunc("/upload", handleUpload)
	harness.Main(func(env *harness.Env) {
		for i := 0; i < env.N; i++ {
			env.Get(fmt.Sprintf("/upload?id=%d&name=report.csv", i)) // accepted: no leak
			env.Get(fmt.Sprintf("/upload?id=%d", i))                 // rejected: leaks
		}
	})
}

func handleUpload(w http.ResponseWriter, r *http.Request) {
	staging := filepath.Join(os.TempDir(), "upload-"+r.URL.Query().Get("id"))
	done := make(chan struct{})
	go func() {
		<-done // want leak: receive-never-sent likely
		_ = os.Remove(staging)
	}()

	name := r.URL.Query().Get("name")
	if name == "" {
		http.Error(w, "missing name", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "stored %s\n", name)
	close(done)
}
