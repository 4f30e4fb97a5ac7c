package leaks

import "log"

// lookup fetches key in the background and hands back a channel for the value.
func lookup(key string, fetch func(string) (string, error)) <-chan string {
	value := make(chan string)
	go func() {
		v, err := fetch(key)
		if err != nil {
			return // leaks the receiver below: nothing is sent and value is never closed
		}
		value <- v
	}()
	return value
}

func logLater(key string, fetch func(string) (string, error)) {
	go func() { log.Println(<-lookup(key, fetch)) }()
}
