// Package leak has a test that leaks goroutines blocked on a channel
// receive; goleak.VerifyNone reports them through t.Error.
package leak

import (
	"testing"

	"go.uber.org/goleak"
)

func TestNoLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}

// consume waits for a value that never comes.
func consume(in <-chan string) {
	for s := range in {
		_ = s
	}
}

// await is kept out of line so that its frame shows arguments and an
// offset (consume above is inlined into its goroutine and shows "(...)").
//
//go:noinline
func await(reply <-chan error) error {
	return <-reply
}

func TestLeaks(t *testing.T) {
	defer goleak.VerifyNone(t)
	in := make(chan string)
	for i := 0; i < 2; i++ {
		go consume(in)
	}
	reply := make(chan error)
	go func() {
		if err := await(reply); err != nil {
			t.Error(err)
		}
	}()
	t.Log("started 2 consumers and 1 waiter")
}
