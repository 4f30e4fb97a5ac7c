package leaks

import "net/http"

func serve(handler http.Handler) {
	go func() { _ = http.ListenAndServe("127.0.0.1:8080", handler) }()
	select {} // leaks: blocks for ever; fine only as the last line of main
}
