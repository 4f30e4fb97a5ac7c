// Command goroutine-heap leaks one goroutine per unit, and with it a 128 KiB
// buffer: the caller gives a slow fetch 1 ms and returns on timeout, after
// which the fetch goroutine blocks forever sending its 128 KiB result on an
// unbuffered channel. The blocked send keeps the buffer reachable, so the
// heap at fetchReport grows with the goroutines.
//
// It follows the memory program contract of internal/memharness: one unit
// asks for one report and gives up after 1 ms.
package main

import (
	_ "net/http/pprof"
	"time"

	"goroscope.test/patterns/internal/memharness"
)

// reportSize is the size of one report.
const reportSize = 128 << 10

// fetchReport stands in for a slow backend call that returns a large body.
func fetchReport(i int) []byte {
	buf := make([]byte, reportSize) // want heap: heap-held-by-goroutines
	memharness.Fill(buf, i)
	time.Sleep(5 * time.Millisecond)
	return buf
}

// report asks for report i and waits at most 1 ms for it.
func report(i int) int {
	result := make(chan []byte)
	go func() {
		result <- fetchReport(i) // want leak: send-no-receiver likely
	}()
	select {
	case r := <-result:
		return len(r)
	case <-time.After(time.Millisecond):
		return 0
	}
}

func main() {
	memharness.Main(func(i int) {
		_ = report(i)
	})
}
