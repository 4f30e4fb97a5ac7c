// Package memharness runs the memory programs under testdata/go/memory.
//
// Every memory program follows the same contract, which the Rust tests and
// testdata/go/memory/capture.sh rely on:
//
//  1. It serves http.DefaultServeMux (the program imports net/http/pprof) on
//     a listener bound to 127.0.0.1:0.
//  2. It prints exactly one line "pprof http://127.0.0.1:PORT" to stdout.
//  3. It calls runtime.GC and prints "ready". Nothing of the scenario has
//     run yet: the first capture is the baseline.
//  4. GET /load?n=N runs N units of the program's scenario, one after the
//     other, and answers only when they are done, so that a test drives the
//     growth deterministically: capture, load, capture, load... N must be
//     in [0, MaxUnits] (400 otherwise). Each unit gets its index, counted
//     from 0 over the life of the process. Loads are serialised: a second
//     request waits for the first. After the units, the handler waits until
//     the goroutine profile stops changing (at most 5 s) and calls
//     runtime.GC, so that the next heap profile, which shows the heap as of
//     the last completed collection, includes what the units kept
//     (gc=0 skips both). The answer is one line,
//     "units N total T elapsed D" (T: units run since start). A load that
//     takes longer than LoadLimit stops between two units and answers 503
//     with "stopped after K of N units: ...".
//  5. It keeps serving until stdin reaches EOF or 120 s pass, then exits 0.
//
// Flags:
//
//	-memprofilerate R   set runtime.MemProfileRate to R (bytes per sample;
//	                    0 turns heap sampling off, 1 records every
//	                    allocation) at the start of main. Without the flag
//	                    the runtime's default (512 KiB) stays. Allocations
//	                    made before (package initialisation, and those the
//	                    runtime had already picked as its next sample) stay
//	                    sampled at the default rate: with -memprofilerate 0 a
//	                    few records remain. GODEBUG=memprofilerate=R sets
//	                    the rate from the start of the process instead.
//
// The package does not import internal/harness: that package registers the
// flags of the goroutine programs (-n, -token, -tls-cert...), which mean
// nothing here. The listener, the stdin/lifetime rule and the settling of
// the goroutine profile follow harness.
//
// Like harness, the memory programs are kept compatible with Go 1.17 so
// that fixtures can be captured with older toolchains.
package memharness

import (
	"flag"
	"fmt"
	"goroscope.test/patterns/internal/settle"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

const (
	// MaxUnits bounds n in one /load request.
	MaxUnits = 100000
	// LoadLimit bounds the time one /load request spends running units.
	LoadLimit = 30 * time.Second

	lifetime     = 120 * time.Second
	settleLimit  = 5 * time.Second
	settleStep   = 20 * time.Millisecond
	settleStable = 3 // identical consecutive samples after the first one
)

var memProfileRate = flag.Int("memprofilerate", -1,
	"set runtime.MemProfileRate to `bytes` per sample at start (0: off, 1: every allocation); default: the runtime's")

var (
	loadMu sync.Mutex // serialises /load
	total  int        // units run since start, under loadMu
)

// Main parses the flags, serves pprof and /load, and follows the contract
// of the package comment. unit(i) performs unit i of the scenario. Main does
// not return.
func Main(unit func(i int)) {
	flag.Parse()
	if *memProfileRate >= 0 {
		runtime.MemProfileRate = *memProfileRate
	} else if *memProfileRate != -1 {
		fmt.Fprintln(os.Stderr, "-memprofilerate must be 0 or more")
		os.Exit(2)
	}
	http.HandleFunc("/load", func(w http.ResponseWriter, r *http.Request) { load(w, r, unit) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(ln, http.DefaultServeMux) }()
	fmt.Printf("pprof http://%s\n", ln.Addr())

	runtime.GC()
	fmt.Println("ready")

	settle.StdinEOF(lifetime)
	os.Exit(0)
}

func load(w http.ResponseWriter, r *http.Request, unit func(i int)) {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("n"))
	if err != nil || n < 0 || n > MaxUnits {
		http.Error(w, fmt.Sprintf("n must be an integer in [0, %d]", MaxUnits), http.StatusBadRequest)
		return
	}
	gc := q.Get("gc") != "0"

	loadMu.Lock()
	defer loadMu.Unlock()
	start := time.Now()
	deadline := start.Add(LoadLimit)
	done := 0
	for ; done < n && time.Now().Before(deadline); done++ {
		unit(total)
		total++
	}
	if gc {
		settle.Goroutines(settleLimit, settleStep, settleStable)
		runtime.GC()
	}
	if done < n {
		http.Error(w, fmt.Sprintf("stopped after %d of %d units: the load took longer than %v", done, n, LoadLimit),
			http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "units %d total %d elapsed %v\n", done, total, time.Since(start).Round(time.Millisecond))
}

// Fill writes a pattern derived from seed into every byte of buf, so that
// every page of it is touched and resident, and returns buf.
func Fill(buf []byte, seed int) []byte {
	x := uint32(seed)*2654435761 + 1
	for i := range buf {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		buf[i] = byte(x)
	}
	return buf
}
