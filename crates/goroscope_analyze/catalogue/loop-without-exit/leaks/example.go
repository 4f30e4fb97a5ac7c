package leaks

import "time"

func startRefresh(refresh func()) {
	go func() {
		for { // leaks: nothing ever ends this loop
			refresh()
			time.Sleep(time.Minute)
		}
	}()
}
