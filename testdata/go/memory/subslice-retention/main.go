// Command subslice-retention keeps a 16-byte subslice of every 512 KiB
// upload it reads, so each upload's whole backing array stays alive: the
// heap grows by 512 KiB per unit at readUpload, though the program means to
// keep only 16 bytes.
//
// It follows the memory program contract of internal/memharness: one unit
// reads one upload and remembers its id.
package main

import (
	_ "net/http/pprof"
	"sync"

	"goroscope.test/patterns/internal/memharness"
)

// uploadSize is the size of one upload.
const uploadSize = 512 << 10

var (
	mu sync.Mutex
	// seenIDs remembers the id of every upload, to reject duplicates.
	seenIDs [][]byte
)

// readUpload stands in for reading a request body: a fresh buffer, filled.
func readUpload(i int) []byte {
	buf := make([]byte, uploadSize) // want heap: subslice-retention
	return memharness.Fill(buf, i)
}

// remember keeps the upload's id, its first 16 bytes.
func remember(upload []byte) {
	id := upload[:16]
	mu.Lock()
	seenIDs = append(seenIDs, id) // want store
	mu.Unlock()
}

func main() {
	memharness.Main(func(i int) {
		remember(readUpload(i))
	})
}
