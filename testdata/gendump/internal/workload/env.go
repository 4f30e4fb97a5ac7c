// Package workload holds the goroutines that gendump parks before it takes a
// dump: each one walks down a chain of ordinary Go calls (plain functions,
// closures, methods with value and pointer receivers, generic functions and
// methods of generic types, interface calls) and then blocks on a real
// runtime primitive.
package workload

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
)

// Kind says how a goroutine blocks once it reaches the end of its path.
type Kind uint8

const (
	ChanRecv      Kind = iota // [chan receive]
	ChanSend                  // [chan send]
	Select                    // [select]
	SelectNoCases             // [select (no cases)]
	MutexLock                 // [sync.Mutex.Lock]
	RWMutexRLock              // [sync.RWMutex.RLock]
	RWMutexLock               // [sync.RWMutex.Lock]
	WaitGroupWait             // [sync.WaitGroup.Wait]
	CondWait                  // [sync.Cond.Wait]
	Sleep                     // [sleep]
	NilChanRecv               // [chan receive (nil chan)]
	NilChanSend               // [chan send (nil chan)]
	ConnRead                  // [IO wait] on a 127.0.0.1 TCP connection
	PipeRead                  // [IO wait] on an os.Pipe
	Spin                      // [running] / [runnable]: busy loop
	Yield                     // [runnable]: loop around runtime.Gosched
	NumKinds
)

var kindNames = [...]string{
	ChanRecv:      "chan-recv",
	ChanSend:      "chan-send",
	Select:        "select",
	SelectNoCases: "select-no-cases",
	MutexLock:     "mutex",
	RWMutexRLock:  "rwmutex-rlock",
	RWMutexLock:   "rwmutex-lock",
	WaitGroupWait: "waitgroup",
	CondWait:      "cond",
	Sleep:         "sleep",
	NilChanRecv:   "nil-chan-recv",
	NilChanSend:   "nil-chan-send",
	ConnRead:      "conn-read",
	PipeRead:      "pipe-read",
	Spin:          "spin",
	Yield:         "yield",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Blocks reports whether goroutines of this kind park (and count as ready
// when they do) rather than keep running.
func (k Kind) Blocks() bool { return k != Spin && k != Yield }

// Env holds the primitives goroutines block on. None of them is ever
// released, so every goroutine stays where it parked.
type Env struct {
	ready atomic.Int64
	busy  atomic.Int64

	jobs    chan int // nobody sends
	results chan int // nobody receives
	quit    chan struct{}
	events  chan string
	errs    chan error

	lease   sync.Mutex     // locked by NewEnv
	catalog sync.RWMutex   // write-locked by NewEnv
	barrier sync.WaitGroup // Add(1) by NewEnv, never Done
	condMu  sync.Mutex
	cond    *sync.Cond

	ints    *Pool[int]
	strs    *Pool[string]
	handler Stepper
	label   string

	ln    net.Listener
	conns []net.Conn // client ends, read by ConnRead goroutines
	peers []net.Conn // server ends, kept open and silent
	pipes []*os.File // read ends; write ends in pipeW
	pipeW []*os.File
}

// NewEnv sets up the primitives, nConns loopback TCP connections and nPipes
// pipes.
func NewEnv(nConns, nPipes int) (*Env, error) {
	e := &Env{
		jobs:    make(chan int),
		results: make(chan int),
		quit:    make(chan struct{}),
		events:  make(chan string),
		errs:    make(chan error),
		ints:    &Pool[int]{name: "ints"},
		strs:    &Pool[string]{name: "strs"},
		handler: &ring{size: 16},
		label:   "shard-7",
	}
	e.cond = sync.NewCond(&e.condMu)
	e.lease.Lock()
	e.catalog.Lock()
	e.barrier.Add(1)

	for i := 0; i < nPipes; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("pipe: %w", err)
		}
		e.pipes = append(e.pipes, r)
		e.pipeW = append(e.pipeW, w)
	}
	if nConns > 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		e.ln = ln
		accepted := make(chan net.Conn)
		go e.acceptLoop(accepted)
		for i := 0; i < nConns; i++ {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return nil, fmt.Errorf("dial: %w", err)
			}
			e.conns = append(e.conns, c)
			e.peers = append(e.peers, <-accepted)
		}
	}
	return e, nil
}

// acceptLoop hands out accepted connections and, once nobody asks for more,
// stays parked in Accept ([IO wait]) like any idle server.
func (e *Env) acceptLoop(out chan<- net.Conn) {
	for {
		c, err := e.ln.Accept()
		if err != nil {
			return
		}
		out <- c
	}
}

// Ready is the number of goroutines that reached their blocking call.
func (e *Env) Ready() int64 { return e.ready.Load() }

// Busy is the number of running goroutines that started spinning.
func (e *Env) Busy() int64 { return e.busy.Load() }

// NumConns and NumPipes report how many IO endpoints exist.
func (e *Env) NumConns() int { return len(e.conns) }
func (e *Env) NumPipes() int { return len(e.pipes) }

// Pool is a generic container; its methods show up in tracebacks as
// workload.(*Pool[...]).method.
type Pool[T any] struct {
	name  string
	items []T
}

// Stepper is called through an interface to get an indirect call in the
// chain.
type Stepper interface {
	Step(w *Walker, i int, acc uint64) uint64
}

type ring struct {
	size int
	pos  int
}
