package leaks

import "time"

// waitDone checks done every second, at most tries times.
func waitDone(done func() bool, tries int) bool {
	// leaks: never stopped; before Go 1.23 the runtime keeps it ticking for ever
	ticker := time.NewTicker(time.Second)
	for range tries {
		if done() {
			return true
		}
		<-ticker.C
	}
	return false
}
