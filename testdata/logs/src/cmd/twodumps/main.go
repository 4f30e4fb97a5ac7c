// Command twodumps logs to stderr and, twice, writes a full goroutine dump
// (pprof.Lookup("goroutine").WriteTo with debug=2, the format of a crash)
// into the same stream, as a program does that dumps its stacks on demand
// (for example on SIGUSR1). Between the
// two dumps it starts more goroutines that never finish, so the second
// dump has more goroutines than the first.
//
// Its own log lines are plain logfmt; the capture script adds a timestamp
// prefix to every line.
package main

import (
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

type subscription struct {
	topic   string
	updates chan string
	closing chan struct{}
}

// run waits for updates or for closing; neither ever comes (select).
func (s *subscription) run() {
	for {
		select {
		case u := <-s.updates:
			log.Printf("level=info msg=update topic=%s value=%q", s.topic, u)
		case <-s.closing:
			return
		}
	}
}

// fetch waits for a reply on a channel nobody writes (chan receive).
func fetch(id int, replies <-chan []byte) {
	b := <-replies
	log.Printf("level=info msg=fetched id=%d bytes=%d", id, len(b))
}

// dumpStacks writes all goroutine stacks to stderr between two log lines.
func dumpStacks(reason string) {
	log.Printf("level=warn msg=\"dumping goroutine stacks\" reason=%s goroutines=%d", reason, runtime.NumGoroutine())
	if err := pprof.Lookup("goroutine").WriteTo(os.Stderr, 2); err != nil {
		log.Printf("level=error msg=\"goroutine dump failed\" err=%q", err)
	}
	log.Printf("level=warn msg=\"goroutine dump done\" reason=%s", reason)
}

func main() {
	log.SetFlags(0)
	log.Printf("level=info msg=\"starting fetcher\" version=0.9.1")

	replies := make(chan []byte)
	for i := 1; i <= 2; i++ {
		go fetch(i, replies)
	}
	var mu sync.Mutex
	mu.Lock()
	go func() {
		mu.Lock() // never unlocked
		log.Printf("level=info msg=unreachable")
	}()
	time.Sleep(100 * time.Millisecond)
	log.Printf("level=info msg=\"fetches started\" count=2")
	log.Printf("level=warn msg=\"fetch is slow\" id=1 elapsed=100ms")

	dumpStacks("SIGUSR1")

	log.Printf("level=info msg=\"subscribing\" topics=3")
	for _, topic := range []string{"orders", "payments", "refunds"} {
		s := &subscription{topic: topic, updates: make(chan string), closing: make(chan struct{})}
		go s.run()
	}
	go func() {
		time.Sleep(time.Hour)
	}()
	time.Sleep(100 * time.Millisecond)
	log.Printf("level=info msg=\"subscribed\" topics=3")
	log.Printf("level=error msg=\"fetch timed out\" id=2 elapsed=200ms")

	dumpStacks("SIGUSR1")

	log.Printf("level=info msg=\"shutting down\"")
	log.Printf("level=info msg=\"bye\"")
}
