package send_before_receiver

import (
	"errors"
	"fmt"
	"os"
)

// The receiver is started first.
func runJobsStarted(jobs []job) []error {
	errs := make(chan error)
	done := make(chan []error)
	go func() {
		var out []error
		for err := range errs {
			out = append(out, err)
		}
		done <- out
	}()
	if len(jobs) == 0 {
		errs <- errors.New("no jobs")
	}
	for _, j := range jobs {
		errs <- j.run()
	}
	close(errs)
	return <-done
}

// A buffer of one holds the value until the function takes it back.
func configPathBuffered() string {
	paths := make(chan string, 1)
	if p := os.Getenv("APP_CONFIG"); p != "" {
		paths <- p
	} else {
		return "/etc/app.conf"
	}
	return <-paths
}

// A send that gives up when nobody is ready.
func tryAnnounce(name string) bool {
	ready := make(chan string)
	select {
	case ready <- name:
		return true
	default:
		return false
	}
}

// The channel is handed to a receiver first.
func handOff(name string, consume func(<-chan string)) {
	names := make(chan string)
	consume(names)
	names <- name
}

// The first item starts the worker, which handles it itself; later iterations send after it exists.
func process(items []string) {
	work := make(chan string)
	done := make(chan struct{})
	for i, it := range items {
		if i > 0 {
			work <- it
			continue
		}
		go func(first string) {
			defer close(done)
			fmt.Println(first)
			for w := range work {
				fmt.Println(w)
			}
		}(it)
	}
	close(work)
	if len(items) > 0 {
		<-done
	}
}

// The goroutine that receives is started before the send.
func greet(name string) {
	greetings := make(chan string)
	go func() {
		fmt.Println(<-greetings)
	}()
	greetings <- "hello, " + name
}

// A send on a closed channel panics instead of blocking, which the recovery path reports.
func sendAfterClose() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	ch := make(chan int)
	close(ch)
	ch <- 1
	return nil
}

// The post statement of a for clause runs only after an iteration, and this body always breaks first.
func sendInPostStatement(x int) int {
	c := make(chan int)
	for ; ; c <- x {
		break
	}
	return x
}
