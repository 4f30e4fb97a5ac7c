// Command gopsagent is a target for gops clients: it starts the gops agent
// (github.com/google/gops/agent) on 127.0.0.1 with a random port, leaves a
// few goroutines blocked on a channel, and then:
//
//  1. prints "gops 127.0.0.1:PORT pid PID" and then "ready" to stdout;
//  2. keeps running until stdin reaches EOF or -lifetime passes, then closes
//     the agent (which removes its port file) and exits 0.
//
// The agent records its port in the file <config dir>/<pid>. The config dir
// is -config-dir, else $GOPS_CONFIG_DIR, else gops' own default
// (os.UserConfigDir()/gops, e.g. ~/.config/gops). See README.md for the wire
// protocol.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/gops/agent"
)

var (
	configDir = flag.String("config-dir", "", "directory of the agent's port file (default $GOPS_CONFIG_DIR, else gops' default)")
	blocked   = flag.Int("n", 3, "goroutines left blocked on a channel receive")
	lifetime  = flag.Duration("lifetime", 120*time.Second, "exit after this long even if stdin stays open")
)

// orders is never sent on: the goroutines waiting on it stay blocked. It is
// package-level, so they are not "leaked" to the runtime either.
var orders = make(chan string)

func main() {
	flag.Parse()
	dir, err := gopsDir(*configDir)
	if err != nil {
		fail(err)
	}
	if err := agent.Listen(agent.Options{Addr: "127.0.0.1:0", ConfigDir: dir}); err != nil {
		fail(err)
	}
	port, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(os.Getpid())))
	if err != nil {
		fail(err)
	}

	var started sync.WaitGroup
	started.Add(*blocked)
	for i := 0; i < *blocked; i++ {
		go waitForOrder(i, &started)
	}
	started.Wait()
	settle()

	fmt.Printf("gops 127.0.0.1:%s pid %d\n", strings.TrimSpace(string(port)), os.Getpid())
	fmt.Println("ready")

	waitForStdinEOF(*lifetime)
	agent.Close()
}

func waitForOrder(worker int, started *sync.WaitGroup) {
	started.Done()
	order := <-orders
	fmt.Println("worker", worker, "got", order)
}

// gopsDir resolves the config dir the way gops does (internal.ConfigDir),
// so that the gops command finds the port file too.
func gopsDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if env := os.Getenv("GOPS_CONFIG_DIR"); env != "" {
		return env, nil
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		return filepath.Join(cfg, "gops"), nil
	}
	home := os.Getenv("HOME")
	if u, err := user.Current(); err == nil {
		home = u.HomeDir
	}
	if home == "" {
		return "", fmt.Errorf("no -config-dir, $GOPS_CONFIG_DIR, $XDG_CONFIG_HOME or home directory")
	}
	return filepath.Join(home, ".config", "gops"), nil
}

// settle waits (at most 2 s) until the goroutine profile is the same over
// three consecutive samples, so the blocked goroutines have parked.
func settle() {
	var last []byte
	same := 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && same < 3; {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		if bytes.Equal(buf.Bytes(), last) {
			same++
		} else {
			last, same = buf.Bytes(), 0
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitForStdinEOF(limit time.Duration) {
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-eof:
	case <-t.C:
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gopsagent:", err)
	os.Exit(1)
}
