package fixed

import "time"

// waitDone checks done every second, at most tries times.
func waitDone(done func() bool, tries int) bool {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop() // fixed: stopped on every return
	for range tries {
		if done() {
			return true
		}
		<-ticker.C
	}
	return false
}
