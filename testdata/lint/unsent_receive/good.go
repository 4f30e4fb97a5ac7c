package unsent_receive

import (
	"context"
	"log"
	"net"
	"sync"
	"time"
)

// Closing on every path with defer.
func (s *server) handleDeferred(conn net.Conn) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		<-done
		conn.Close()
	}()
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil {
		return err
	}
	s.serve(string(buf[:n]))
	return nil
}

// The goroutine also gives up with the context.
func watch(ctx context.Context, conn net.Conn) error {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
		conn.Close()
	}()
	if _, err := conn.Write([]byte("hello\n")); err != nil {
		return err
	}
	close(done)
	return nil
}

// The channel is handed to other code, which may send.
func register(conn net.Conn, subscribe func(chan<- string)) {
	updates := make(chan string)
	go func() {
		msg := <-updates
		_, _ = conn.Write([]byte(msg))
	}()
	subscribe(updates)
}

// Another goroutine sends.
func relay() string {
	in := make(chan string)
	out := make(chan string)
	go func() {
		out <- <-in
	}()
	go func() {
		in <- "hello"
	}()
	return <-out
}

// The only return comes after the send.
func sendThenReturn(v int) int {
	ch := make(chan int)
	res := make(chan int)
	go func() {
		res <- 2 * <-ch
	}()
	ch <- v
	return <-res
}

// A return before the goroutine starts does not matter, nor one in the other branch of the same if.
func startIfReady(ready bool, jobs []string) int {
	if len(jobs) == 0 {
		return 0
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	if ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
		}()
	} else {
		return -1
	}
	close(start)
	wg.Wait()
	return len(jobs)
}

// The stop function is a closure handed back to the caller: it may close the channel at any time.
func ticker(d time.Duration, tick func()) (stop func()) {
	quit := make(chan struct{})
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		<-quit
	}()
	return func() { close(quit) }
}

// A receive from a nil channel is GL006's.
func nilWait() {
	var never chan struct{}
	go func() {
		<-never
	}()
}

// The return after log.Fatalf never runs.
func mustListen(addr string) net.Listener {
	ready := make(chan struct{})
	go func() {
		<-ready
		log.Println("listening on", addr)
	}()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
		return nil
	}
	close(ready)
	return ln
}
