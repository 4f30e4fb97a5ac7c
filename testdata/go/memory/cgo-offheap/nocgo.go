//go:build !cgo

package main

import (
	"fmt"
	"os"
)

// main replaces the real program when cgo is off (CGO_ENABLED=0 or no C
// compiler): see main.go.
func main() {
	fmt.Fprintln(os.Stderr, "cgo-offheap needs cgo: build it with CGO_ENABLED=1 and a C compiler (gcc or clang) on PATH")
	os.Exit(1)
}
