package fixed

import (
	"sync"
	"time"
)

type event struct {
	at      time.Time
	payload []byte
}

const keep = 1000

var (
	mu      sync.Mutex
	history [keep]event // for the debug page: the last keep events
	next    int
)

func record(payload []byte) {
	mu.Lock()
	defer mu.Unlock()
	// fixed: a ring of the last keep events; the oldest is overwritten
	history[next%keep] = event{time.Now(), payload}
	next++
}
