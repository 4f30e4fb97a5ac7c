//go:build cgo

// Command cgo-offheap leaks memory outside the Go heap: every unit asks a C
// "codec" for a 1 MiB frame with C.malloc, writes every byte of it so its
// pages are resident, and never calls C.free. The process's RSS grows by
// 1 MiB per unit while the Go heap (HeapInuse, the heap profile) stays
// flat: only a few bytes of Go memory per unit.
//
// It follows the memory program contract of internal/memharness: one unit
// decodes one frame.
//
// It needs cgo: CGO_ENABLED=1 (the default when a C compiler is found) and
// gcc or clang on PATH. Built without cgo, nocgo.go takes its place: the
// program still builds, so `go build ./...` works on machines without a C
// compiler, but it only prints why it cannot run and exits 1.
package main

/*
#include <stdlib.h>
#include <string.h>

// decode_frame allocates a frame of size bytes and writes every byte, as a
// decoder writing its output would.
static void *decode_frame(size_t size, int seed) {
	unsigned char *frame = malloc(size);
	if (frame == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < size; i++) {
		frame[i] = (unsigned char)(seed + i * 31);
	}
	return frame;
}
*/
import "C"

import (
	"fmt"
	_ "net/http/pprof"
	"os"

	"goroscope.test/patterns/internal/memharness"
)

// frameSize is the size of one decoded frame.
const frameSize = 1 << 20

// frames counts the frames decoded so far.
var frames int

// decode decodes frame i and returns its first byte; the frame is never
// freed.
func decode(i int) byte {
	frame := C.decode_frame(C.size_t(frameSize), C.int(i)) // want offheap: off-heap-growth
	if frame == nil {
		fmt.Fprintln(os.Stderr, "decode_frame: out of memory")
		os.Exit(1)
	}
	frames++
	return *(*byte)(frame)
}

func main() {
	memharness.Main(func(i int) {
		_ = decode(i)
	})
}
