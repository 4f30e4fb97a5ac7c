// Command ticker-leak schedules a polling job with its own ticker for every
// unit and never stops a ticker nor forgets a job: a scheduler goroutine
// that lives as long as the process keeps every job in a slice, so each
// ticker (a time.Ticker, its channel and its runtime timer, about 270
// bytes with the job) stays in the heap, and the heap grows at the
// time.NewTicker call in schedule.
//
// The jobs are kept referenced on purpose, so that the program leaks with
// every Go version. A ticker that is never stopped but no longer referenced
// leaks only where the runtime keeps started timers itself: before Go 1.23,
// and up to Go 1.26 for main modules whose go.mod says go 1.22 or earlier,
// as this one does (GODEBUG asynctimerchan=1); Go 1.27 collects it.
//
// It follows the memory program contract of internal/memharness: one unit
// schedules one job.
package main

import (
	_ "net/http/pprof"
	"time"

	"goroscope.test/patterns/internal/memharness"
)

const (
	// pollEvery is how often a job wants to run.
	pollEvery = time.Minute
	// sweepEvery is how often the scheduler looks for jobs whose ticker fired.
	sweepEvery = time.Second
	// lifetime bounds the scheduler's loop; the process ends sooner.
	lifetime = 3 * time.Minute
)

type job struct {
	id     int
	ticker *time.Ticker
	runs   int
}

// register hands a new job to the scheduler.
var register = make(chan *job)

// schedule starts polling for job id. Nothing ever stops the ticker.
func schedule(id int) {
	j := &job{id: id, ticker: time.NewTicker(pollEvery)} // want heap: timer-not-stopped
	register <- j
}

// scheduler owns every job ever scheduled and runs each one whose ticker
// fired, once a second. It never drops a job, finished or not.
func scheduler() {
	var jobs []*job
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	end := time.NewTimer(lifetime)
	defer end.Stop()
	for {
		select {
		case j := <-register:
			jobs = append(jobs, j) // want store
		case <-sweep.C:
			for _, j := range jobs {
				select {
				case <-j.ticker.C:
					j.runs++
				default:
				}
			}
		case <-end.C:
			return
		}
	}
}

func main() {
	go scheduler()
	memharness.Main(schedule)
}
