//go:build go1.25

// testing/synctest needs the timer channels of go 1.23+; the module says go 1.19.
//
//go:debug asynctimerchan=0

// Package synctest holds tests that produce goroutine dumps from inside a
// testing/synctest bubble. They only run when GOROSCOPE_FORMS is set:
//
//	GOROSCOPE_FORMS=synctest          TestBubbleDump writes a debug=2 dump to the file $GOROSCOPE_OUT
//	GOROSCOPE_FORMS=synctest_deadlock TestBubbleDeadlock deadlocks its bubble
package synctest

import (
	"os"
	"runtime/pprof"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func only(t *testing.T, form string) {
	if os.Getenv("GOROSCOPE_FORMS") != form {
		t.Skip("set GOROSCOPE_FORMS=" + form + " to run")
	}
}

func TestBubbleDump(t *testing.T) {
	only(t, "synctest")
	outside := make(chan int)
	go func() { <-outside }() // not in a bubble
	synctest.Test(t, func(t *testing.T) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(4)
		go func() { defer wg.Done(); <-stop }()
		go func() {
			defer wg.Done()
			select {
			case <-stop:
			case <-time.After(time.Hour):
			}
		}()
		go func() { defer wg.Done(); time.Sleep(time.Hour) }()
		waiter := make(chan struct{})
		go func() {
			defer wg.Done()
			wg2 := new(sync.WaitGroup)
			wg2.Add(1)
			go func() { <-waiter; wg2.Done() }()
			wg2.Wait()
		}()
		synctest.Wait()
		out, err := os.Create(os.Getenv("GOROSCOPE_OUT"))
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("goroutine").WriteTo(out, 2); err != nil {
			t.Error(err)
		}
		if err := out.Close(); err != nil {
			t.Error(err)
		}
		close(stop)
		close(waiter)
		wg.Wait()
	})
	close(outside)
}

func TestBubbleDeadlock(t *testing.T) {
	only(t, "synctest_deadlock")
	synctest.Test(t, func(t *testing.T) {
		c := make(chan int)
		go func() { c <- 1; c <- 2 }()
		<-c
		<-c
		<-c
	})
}
