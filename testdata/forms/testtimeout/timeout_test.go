// Package testtimeout holds a test that never finishes, so that
// "go test -timeout" prints its goroutine dump. The test only runs when
// GOROSCOPE_FORMS=testtimeout is set.
package testtimeout

import (
	"os"
	"testing"
)

var never = make(chan int)

func TestHangs(t *testing.T) {
	if os.Getenv("GOROSCOPE_FORMS") != "testtimeout" {
		t.Skip("set GOROSCOPE_FORMS=testtimeout to run")
	}
	go func() { never <- 1 }() // nobody receives
	t.Run("sub", func(t *testing.T) {
		t.Log("blocking forever")
		<-make(chan int)
	})
}
