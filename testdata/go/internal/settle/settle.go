// Package settle holds what the test harnesses share: waiting for a
// program's goroutines to settle, and for its standard input to end.
// Kept compatible with Go 1.17, like the harnesses.
package settle

import (
	"bytes"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

// Goroutines waits until the goroutine profile (stacks and counts) is the
// same over stable consecutive samples taken step apart, or limit passes.
func Goroutines(limit, step time.Duration, stable int) {
	deadline := time.Now().Add(limit)
	var last []byte
	same := 0
	for time.Now().Before(deadline) && same < stable {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		if bytes.Equal(buf.Bytes(), last) {
			same++
		} else {
			last, same = buf.Bytes(), 0
		}
		time.Sleep(step)
	}
}

// StdinEOF returns when standard input reaches its end, or limit passes.
func StdinEOF(limit time.Duration) {
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-eof:
	case <-t.C:
	}
}
