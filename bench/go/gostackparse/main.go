// Command gostackparse is the benchmark driver for DataDog's gostackparse:
// it parses a goroutine dump with gostackparse.Parse, groups goroutines
// whose stacks are identical (function, file and line of every frame, plus
// the created-by frame) and prints the number of goroutines and groups.
//
//	gostackparse FILE
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/DataDog/gostackparse"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gostackparse FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()

	goroutines, errs := gostackparse.Parse(bufio.NewReaderSize(f, 1<<20))

	groups := make(map[string]int)
	var key []byte
	appendFrame := func(fr *gostackparse.Frame) {
		key = append(key, fr.Func...)
		key = append(key, 0)
		key = append(key, fr.File...)
		key = append(key, ':')
		key = strconv.AppendInt(key, int64(fr.Line), 10)
		key = append(key, '\n')
	}
	for _, g := range goroutines {
		key = key[:0]
		for _, fr := range g.Stack {
			appendFrame(fr)
		}
		if g.CreatedBy != nil {
			key = append(key, "created by "...)
			appendFrame(g.CreatedBy)
		}
		if _, ok := groups[string(key)]; ok {
			groups[string(key)]++
		} else {
			groups[string(key)] = 1
		}
	}
	fmt.Printf("goroutines %d groups %d errors %d\n", len(goroutines), len(groups), len(errs))
	for i, err := range errs {
		if i == 3 {
			break
		}
		fmt.Fprintln(os.Stderr, "gostackparse:", err)
	}
}
