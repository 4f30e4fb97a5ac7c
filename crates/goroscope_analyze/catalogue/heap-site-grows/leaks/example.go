package leaks

import (
	"sync"
	"time"
)

type event struct {
	at      time.Time
	payload []byte
}

var (
	mu      sync.Mutex
	history []event // for the debug page
)

func record(payload []byte) {
	mu.Lock()
	defer mu.Unlock()
	history = append(history, event{time.Now(), payload}) // leaks: only ever grows
}
