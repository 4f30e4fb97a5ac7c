// Command heapgrow is a service for the `goroscope watch` memory tests: each request to /grow keeps a buffer for
// ever (-kib KiB, written to so that its pages are resident), so its heap grows with the requests it serves and
// by nothing else. It serves net/http/pprof.
//
// It prints "pprof http://127.0.0.1:PORT" and "ready" once it listens, and exits when stdin reaches EOF or
// -lifetime passes.
package main

import (
	"flag"
	"fmt"
	"goroscope.test/patterns/internal/settle"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"sync"
	"time"
)

var (
	addr     = flag.String("addr", "127.0.0.1:0", "listen `address` (127.0.0.1:0 picks a free port)")
	kib      = flag.Int("kib", 1024, "KiB kept for ever per request to /grow")
	lifetime = flag.Duration("lifetime", 5*time.Minute, "exit after this long")
)

// sessions keeps every buffer it is given: nothing ever removes one.
type sessions struct {
	mu   sync.Mutex
	kept [][]byte
}

// remember allocates a request's buffer and keeps it; it returns how many are kept.
func (s *sessions) remember(size int) int {
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kept = append(s.kept, buf)
	return len(s.kept)
}

func main() {
	flag.Parse()
	s := &sessions{}
	http.HandleFunc("/grow", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%d\n", s.remember(*kib<<10))
	})
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(listener, nil)) }()
	fmt.Printf("pprof http://%s\n", listener.Addr())
	fmt.Println("ready")

	settle.StdinEOF(*lifetime)
}
