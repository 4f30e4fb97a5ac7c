package fixed

import "log"

// lookup fetches key in the background and hands back a channel for the value.
func lookup(key string, fetch func(string) (string, error)) <-chan string {
	value := make(chan string, 1)
	go func() {
		defer close(value) // fixed: every path ends the receiver's wait
		v, err := fetch(key)
		if err != nil {
			return
		}
		value <- v
	}()
	return value
}

func logLater(key string, fetch func(string) (string, error)) {
	go func() {
		if v, ok := <-lookup(key, fetch); ok {
			log.Println(v)
		}
	}()
}
