// Command forms starts goroutines in assorted states and then produces one
// real goroutine dump form, chosen with -form:
//
//	debug2         pprof goroutine profile of itself (level set by -debug; 0 = gzipped proto)
//	panic          unrecovered, re-panicked and nested panic (run with GOTRACEBACK=all)
//	segv           nil pointer dereference (run with GOTRACEBACK=all)
//	deadlock       every goroutine blocked: "all goroutines are asleep"
//	sigquit        sends itself SIGQUIT (run with GOTRACEBACK=crash or system)
//	stackoverflow  runaway recursion: "fatal error: stack overflow"
//	ancestors      debug=2 dump of goroutine chains (run with GODEBUG=tracebackancestors=N)
//	leaked         goroutineleak profile (Go 1.26 with GOEXPERIMENT=goroutineleakprofile, or 1.27+)
//	labels         debug=2 dump of labelled goroutines (Go 1.26+, GODEBUG=tracebacklabels=1)
//
// Dumps go to stdout, crashes to stderr. capture.sh runs every form under
// several Go toolchains and stores the output in ../dumps. The program is
// for Unix (it uses pipes and signals directly).
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

var (
	form  = flag.String("form", "debug2", "which form to produce (see package doc)")
	level = flag.Int("debug", 2, "pprof debug level for the dumping forms (0: gzipped profile.proto, binary)")
	wait  = flag.Duration("wait", 0, "dumping forms: run two GCs, then wait this long before dumping, so headers carry \", N minutes\"")
	depth = flag.Int("depth", 120, "recursion depth of the deep goroutine")
)

// Package-level primitives: goroutines blocked on them are not leaked, the
// primitives stay reachable. Senders and receivers use distinct channels so
// that they never meet.
var (
	recvOnly = make(chan int)
	sendOnly = make(chan int)
	mu       sync.Mutex
	rw       sync.RWMutex
	rw2      sync.RWMutex
	wg       sync.WaitGroup
	cond     = sync.NewCond(new(sync.Mutex))

	keep []interface{} // keeps connections and pipe ends open
	spun uint64
)

// what selects the optional groups of goroutines started by startAll.
type what struct {
	io    bool // IO wait on loopback TCP, a raw syscall read on a pipe
	sleep bool // time.Sleep
	spin  bool // a goroutine that never blocks
}

func main() {
	flag.Parse()
	switch *form {
	case "debug2":
		startAll(what{io: true, sleep: true})
		dump("goroutine")
	case "panic":
		startAll(what{io: true, sleep: true, spin: true})
		settle()
		panicDeep(110, "the panic value\nspans two lines")
	case "segv":
		startAll(what{io: true, sleep: true, spin: true})
		settle()
		var p *int
		*p = 1
	case "deadlock":
		// No timers, pollers or syscalls, else the runtime cannot tell. The
		// binary must also be built without cgo (see capture.sh).
		startAll(what{})
		settle()
		waitRecv()
	case "sigquit":
		startAll(what{io: true, sleep: true, spin: true})
		settle()
		if err := syscall.Kill(os.Getpid(), syscall.SIGQUIT); err != nil {
			fail(err)
		}
		time.Sleep(time.Minute)
	case "stackoverflow":
		startAll(what{})
		settle()
		debug.SetMaxStack(256 << 10)
		overflow(0)
	case "ancestors":
		go chain(0)
		go func() { deepThenSpawn(120) }()
		dump("goroutine")
	case "leaked":
		startAll(what{})
		startLeaks()
		dump("goroutineleak")
	case "labels":
		startLabelled()
	default:
		fail(fmt.Errorf("unknown form %q", *form))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "forms:", err)
	os.Exit(1)
}

// settle gives the goroutines just started time to block.
func settle() { time.Sleep(200 * time.Millisecond) }

func dump(profile string) {
	settle()
	if *wait > 0 {
		// A GC that scans a blocked goroutine stamps it with the start
		// time of the previous GC cycle, which is 0 during the first
		// cycle: two cycles are needed.
		runtime.GC()
		runtime.GC()
		time.Sleep(*wait)
		go receiver(recvOnly) // a fresh goroutine, without minutes
		settle()
	}
	p := pprof.Lookup(profile)
	if p == nil {
		fail(fmt.Errorf("no %q profile in %s", profile, runtime.Version()))
	}
	if err := p.WriteTo(os.Stdout, *level); err != nil {
		fail(err)
	}
}

func startAll(w what) {
	go func() { sendOnly <- 1 }() // chan send, closure .func1
	go receiver(recvOnly)         // chan receive; wrapper .gowrapN (1.22+) shows at level 2 only
	go func() {                   // select
		select {
		case <-recvOnly:
		case sendOnly <- 2:
		}
	}()
	go func() { select {} }() // select (no cases)
	go func() {               // chan send (nil chan)
		var c chan int
		c <- 1
	}()
	go func() { // chan receive (nil chan)
		var c chan int
		<-c
	}()
	mu.Lock()
	go lockMutex(&mu) // sync.Mutex.Lock (semacquire before 1.20)
	rw.Lock()
	go readLock(&rw)  // sync.RWMutex.RLock
	go writeLock(&rw) // sync.Mutex.Lock, on the writers' mutex inside rw
	rw2.RLock()
	go writeLock(&rw2) // sync.RWMutex.Lock, waiting for the reader
	wg.Add(1)
	go func() { wg.Wait() }() // sync.WaitGroup.Wait (semacquire before 1.24)
	go func() {               // sync.Cond.Wait
		cond.L.Lock()
		cond.Wait()
	}()
	go lockedToThread() // ", locked to thread"
	go func() {         // nested closures: .func1.1
		go func() { <-recvOnly }()
		<-recvOnly
	}()
	go inlinedCaller() // inlined frame printed as name(...)
	go deep(*depth)    // more than 100 frames: frames elided
	startGeneric()     // methods of generic types: [...]
	go func() {        // a goroutine carrying pprof labels
		pprof.Do(context.Background(), pprof.Labels("worker", "labelled"), func(context.Context) {
			<-recvOnly
		})
	}()
	if w.sleep {
		go time.Sleep(time.Hour) // sleep
	}
	if w.io {
		startIO()
	}
	if w.spin {
		go spin()
	}
}

func receiver(c chan int) { <-c }

func lockMutex(m *sync.Mutex) { m.Lock() }

func readLock(m *sync.RWMutex) { m.RLock() }

func writeLock(m *sync.RWMutex) {
	time.Sleep(50 * time.Millisecond) // queue behind the reader
	m.Lock()
}

func lockedToThread() {
	runtime.LockOSThread()
	<-recvOnly
}

// waitRecv is small enough to be inlined into its callers.
func waitRecv() int { return <-recvOnly }

func inlinedCaller() {
	waitRecv()
}

// deep blocks at the bottom of a recursion of depth n. The receive is not
// in an inlined call: up to Go 1.20 the "additional frames elided" line is
// printed only when exactly 100 frames were printed, so inlined frames
// (which do not count as physical frames) would hide it.
func deep(n int) int {
	if n == 0 {
		return <-recvOnly
	}
	return deep(n-1) + 1
}

// startIO leaves one goroutine in Accept and one in Read on a loopback TCP
// connection (both "IO wait"), and one in a raw read(2) on a pipe ("syscall").
func startIO() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fail(err)
	}
	server, err := ln.Accept()
	if err != nil {
		fail(err)
	}
	keep = append(keep, ln, client, server)
	go readConn(server)
	go acceptLoop(ln)

	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		fail(err)
	}
	keep = append(keep, p)
	go rawRead(p[0])
}

func readConn(c net.Conn) {
	buf := make([]byte, 64)
	c.Read(buf)
}

func acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func rawRead(fd int) {
	buf := make([]byte, 64)
	syscall.Read(fd, buf)
}

func spin() {
	for {
		spun++
	}
}

// panicDeep calls doPanic at the bottom of a recursion of depth n, so that
// the panicking goroutine has frames elided.
func panicDeep(n int, v string) {
	if n == 0 {
		doPanic(v)
	}
	panicDeep(n-1, v)
}

// doPanic panics, recovers and panics again with the same value, and then
// panics once more from a deferred call while that second panic unwinds.
func doPanic(v string) {
	defer func() {
		panic(fmt.Errorf("deferred call failed while panicking"))
	}()
	defer func() {
		if r := recover(); r != nil {
			panic(r)
		}
	}()
	panic(v)
}

func overflow(n int) int {
	var pad [32]byte
	pad[n%32] = byte(n)
	return overflow(n+1) + int(pad[(n+1)%32])
}

// chain starts goroutines that start goroutines; every other one exits, so
// ancestors can be gone by the time of the dump.
func chain(n int) {
	if n < 4 {
		go chain(n + 1)
		go func() {
			go func() { <-recvOnly }()
		}()
	}
	if n%2 == 1 {
		<-recvOnly
	}
}

// deepThenSpawn starts a goroutine from deep in a call stack, so its
// ancestor record is full and ends in "...additional frames elided...".
func deepThenSpawn(n int) {
	if n == 0 {
		go receiver(recvOnly)
		return
	}
	deepThenSpawn(n - 1)
}

// startLeaks leaves goroutines blocked on primitives nobody else can reach.
func startLeaks() {
	{
		c := make(chan int)
		go func() { c <- 1 }()
	}
	{
		c := make(chan int)
		go func() { <-c }()
	}
	{
		a, b := make(chan int), make(chan int)
		go func() {
			select {
			case <-a:
			case b <- 1:
			}
		}()
	}
	{
		m := new(sync.Mutex)
		m.Lock()
		go lockMutex(m)
	}
	{
		m := new(sync.RWMutex)
		m.Lock()
		go readLock(m)
		go writeLock(m)
	}
	{
		m := new(sync.RWMutex)
		m.RLock()
		go writeLock(m)
	}
	{
		w := new(sync.WaitGroup)
		w.Add(1)
		go func() { w.Wait() }()
	}
	{
		c := sync.NewCond(new(sync.Mutex))
		go func() {
			c.L.Lock()
			c.Wait()
		}()
	}
	for i := 0; i < 3; i++ {
		c := make(chan int)
		go receiver(c)
	}
}

// startLabelled starts goroutines under several label sets, including
// values that need quoting, and dumps from inside a labelled call.
func startLabelled() {
	go func() { <-recvOnly }() // no labels
	ctx := context.Background()
	pprof.Do(ctx, pprof.Labels("handler", "/upload", "tenant", "acme"), func(ctx context.Context) {
		go func() { <-recvOnly }()
		go receiver(recvOnly)
		odd := pprof.Labels(
			"quote", `say "hi"`,
			"bracket", "a]b [c]",
			"ctl", "tab\there\nnewline\\slash",
			"utf8", "café ☕ \U0001F600",
			"empty", "",
			"key with space", "v",
		)
		pprof.Do(ctx, odd, func(context.Context) {
			go func() { sendOnly <- 1 }()
		})
		pprof.Do(ctx, pprof.Labels("pid", "<A.0.1>", "role", "reader"), func(context.Context) {
			go func() {
				select {
				case <-recvOnly:
				case sendOnly <- 2:
				}
			}()
			dump("goroutine")
		})
	})
}
