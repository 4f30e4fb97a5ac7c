package workload

import (
	"net"
	"os"
	"runtime"
	"sync"
	"time"
)

// block parks the goroutine for good on the primitive w.kind names.
//
//go:noinline
func (w *Walker) block(acc uint64) uint64 {
	e := w.env
	if !w.kind.Blocks() {
		e.busy.Add(1)
	} else {
		e.ready.Add(1)
	}
	switch w.kind {
	case ChanRecv:
		return awaitJob(e.jobs)
	case ChanSend:
		return publishResult(e.results, acc)
	case Select:
		return pollEvents(e, acc)
	case SelectNoCases:
		select {}
	case MutexLock:
		return acquireLease(&e.lease, acc)
	case RWMutexRLock:
		return lookupCatalog(&e.catalog, acc)
	case RWMutexLock:
		return updateCatalog(&e.catalog, acc)
	case WaitGroupWait:
		return waitBarrier(&e.barrier, acc)
	case CondWait:
		return waitSignal(e.cond, acc)
	case Sleep:
		return backoff(acc)
	case NilChanRecv:
		return drainDisabled(acc)
	case NilChanSend:
		return notifyDisabled(acc)
	case ConnRead:
		return readFrame(e.conns[int(w.slot)%len(e.conns)])
	case PipeRead:
		return readPipe(e.pipes[int(w.slot)%len(e.pipes)])
	case Spin:
		return spin(acc)
	case Yield:
		return yield(acc)
	}
	panic("workload: unknown kind " + w.kind.String())
}

func awaitJob(jobs <-chan int) uint64 {
	j := <-jobs
	return uint64(j)
}

func publishResult(out chan<- int, acc uint64) uint64 {
	out <- int(acc & 0xffff)
	return acc
}

//go:noinline
func pollEvents(e *Env, acc uint64) uint64 {
	for {
		select {
		case <-e.quit:
			return acc
		case ev := <-e.events:
			acc += uint64(len(ev))
		case e.errs <- nil:
			acc++
		}
	}
}

func acquireLease(mu *sync.Mutex, acc uint64) uint64 {
	mu.Lock()
	defer mu.Unlock()
	return acc + 1
}

func lookupCatalog(rw *sync.RWMutex, acc uint64) uint64 {
	rw.RLock()
	defer rw.RUnlock()
	return acc + 2
}

//go:noinline
func updateCatalog(rw *sync.RWMutex, acc uint64) uint64 {
	rw.Lock()
	defer rw.Unlock()
	return acc + 3
}

//go:noinline
func waitBarrier(wg *sync.WaitGroup, acc uint64) uint64 {
	wg.Wait()
	return acc
}

//go:noinline
func waitSignal(c *sync.Cond, acc uint64) uint64 {
	c.L.Lock()
	defer c.L.Unlock()
	for {
		c.Wait()
		acc++
	}
}

func backoff(acc uint64) uint64 {
	time.Sleep(24 * time.Hour)
	return acc
}

//go:noinline
func drainDisabled(acc uint64) uint64 {
	var ch chan uint64 // disabled: nil channel
	return acc + <-ch
}

//go:noinline
func notifyDisabled(acc uint64) uint64 {
	var ch chan uint64 // disabled: nil channel
	ch <- acc
	return acc
}

//go:noinline
func readFrame(c net.Conn) uint64 {
	var hdr [16]byte
	n, _ := c.Read(hdr[:])
	return uint64(n)
}

//go:noinline
func readPipe(f *os.File) uint64 {
	var buf [32]byte
	n, _ := f.Read(buf[:])
	return uint64(n)
}

//go:noinline
func spin(acc uint64) uint64 {
	for {
		for i := 0; i < 1<<20; i++ {
			acc = acc*6364136223846793005 + 1442695040888963407
		}
		if acc == 0 {
			return acc
		}
	}
}

//go:noinline
func yield(acc uint64) uint64 {
	for acc != 0 {
		acc = acc*6364136223846793005 + 1
		runtime.Gosched()
	}
	return acc
}
