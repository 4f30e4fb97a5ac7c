package unsent_receive

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"time"
)

type server struct {
	handled int
}

func (s *server) serve(line string) { s.handled += len(line) }

// The watchdog waits for a signal the happy path sends; the early error return skips it.
func (s *server) handle(conn net.Conn) error {
	done := make(chan struct{})
	go func() {
		<-done // want GL002
		conn.Close()
	}()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	s.serve(line)
	close(done)
	return nil
}

// Nothing ever stops the ticker goroutine.
func heartbeat(conn net.Conn) {
	stop := make(chan struct{})
	go func() {
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		for range ticker.C {
			select {
			case <-stop: // want GL002
				return
			}
		}
	}()
	_, _ = conn.Write([]byte("ping\n"))
}

// The result is handed over only after validation, which can fail first.
func parseAsync(input string) (int, error) {
	lines := make(chan string)
	counted := make(chan int, 1)
	go func() {
		l, ok := <-lines // want GL002
		if !ok {
			counted <- 0
			return
		}
		counted <- len(strings.Fields(l))
	}()
	if strings.TrimSpace(input) == "" {
		return 0, errors.New("empty input")
	}
	lines <- input
	return <-counted, nil
}
