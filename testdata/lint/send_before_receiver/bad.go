package send_before_receiver

import (
	"errors"
	"fmt"
	"os"
)

type job struct{ name string }

func (j job) run() error {
	if j.name == "" {
		return errors.New("unnamed job")
	}
	return nil
}

// The error is sent before the goroutine that would receive it has started.
func runJobs(jobs []job) []error {
	errs := make(chan error)
	if len(jobs) == 0 {
		errs <- errors.New("no jobs") // want GL005
	}
	go func() {
		defer close(errs)
		for _, j := range jobs {
			errs <- j.run()
		}
	}()
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// A function that sends to itself: nobody else can take the value.
func configPath() string {
	paths := make(chan string)
	if p := os.Getenv("APP_CONFIG"); p != "" {
		paths <- p // want GL005
	} else {
		return "/etc/app.conf"
	}
	return <-paths
}

// A single-case select blocks just like the send.
func announce(name string) {
	ready := make(chan string)
	select {
	case ready <- name: // want GL005
	}
	go func() {
		fmt.Println("ready:", <-ready)
	}()
}
