// Command prefix copies stdin to stdout line by line and wraps every line
// the way a log collector or logging library would store it. The clock is
// fake: it starts at -start and advances by a pseudo-random but fixed
// step per written record, so the same input always gives the same output.
//
// Styles:
//
//	k8s          CRI container log as written by containerd:
//	             "<RFC3339Nano time> <stream> <P|F> <content>". Lines longer
//	             than -max bytes are cut into P (partial) records followed by
//	             one F (full) record; a last line without a newline is a P
//	             record. As in containerd, the time uses time.RFC3339Nano, so
//	             trailing zeros of the fraction are dropped (and a whole
//	             second has no fraction at all), and a "\r" before "\n" is
//	             dropped.
//	docker       Docker json-file driver:
//	             {"log":"<line>\n","stream":"<stream>","time":"<time, 9 digits>"}
//	logfmt-time  "2026-11-24 10:00:00.123 <line>"
//	syslog       "Nov 24 10:00:00 <host> <app>[<pid>]: <line>", as
//	             journalctl -o short prints journal entries
//
// Usage: prefix -style k8s [-max 200] [-stream stderr] < in > out
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

type clock struct {
	t time.Time
	x uint64
	n int
}

// now returns the time of the next record: the start time for the first
// record, then a step of 20µs to 3ms (with nanosecond digits) each time.
func (c *clock) now() time.Time {
	if c.n > 0 {
		c.x = c.x*6364136223846793005 + 1442695040888963407
		step := 20*time.Microsecond + time.Duration((c.x>>33)%uint64(3*time.Millisecond))
		c.t = c.t.Add(step)
	}
	c.n++
	return c.t
}

type writer struct {
	out    *bufio.Writer
	clk    *clock
	style  string
	stream string
	host   string
	app    string
	pid    int
}

// record writes one record for content; nl tells whether the input line
// ended with a newline.
func (w *writer) record(content []byte, nl bool) error {
	t := w.clk.now()
	switch w.style {
	case "docker":
		log := string(content)
		if nl {
			log += "\n"
		}
		rec := struct {
			Log    string `json:"log"`
			Stream string `json:"stream"`
			Time   string `json:"time"`
		}{log, w.stream, t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		w.out.Write(b)
		w.out.WriteByte('\n')
	case "logfmt-time":
		w.out.WriteString(t.Format("2006-01-02 15:04:05.000 "))
		w.out.Write(content)
		w.out.WriteByte('\n')
	case "syslog":
		fmt.Fprintf(w.out, "%s %s %s[%d]: ", t.Format(time.Stamp), w.host, w.app, w.pid)
		w.out.Write(content)
		w.out.WriteByte('\n')
	default:
		return fmt.Errorf("unknown style %q", w.style)
	}
	return nil
}

// lines calls w.record for every line of r.
func (w *writer) lines(r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			nl := line[len(line)-1] == '\n'
			if nl {
				line = line[:len(line)-1]
			}
			if err := w.record(line, nl); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// cri writes r in the CRI format, splitting long lines like containerd's
// redirectLogs: the reader's buffer is max bytes, a record holds at most
// max bytes of content, every record but the last of a line is tagged P,
// and content left without a newline at EOF is tagged P too.
func (w *writer) cri(r io.Reader, max int) error {
	br := bufio.NewReaderSize(r, max)
	emit := func(tag string, parts [][]byte) {
		w.out.WriteString(w.clk.now().UTC().Format(time.RFC3339Nano))
		w.out.WriteString(" " + w.stream + " " + tag + " ")
		for _, p := range parts {
			w.out.Write(p)
		}
		w.out.WriteByte('\n')
	}
	var (
		parts  [][]byte
		length int
	)
	for {
		chunk, err := br.ReadSlice('\n')
		prefix := false
		switch {
		case err == bufio.ErrBufferFull:
			prefix, err = true, nil
			if n := len(chunk); n > 0 && chunk[n-1] == '\r' {
				br.UnreadByte()
				chunk = chunk[:n-1]
			}
		case len(chunk) > 0 && chunk[len(chunk)-1] == '\n':
			chunk = bytes.TrimSuffix(bytes.TrimSuffix(chunk, []byte("\n")), []byte("\r"))
		}
		if len(chunk) > 0 {
			parts = append(parts, append([]byte(nil), chunk...))
			length += len(chunk)
		}
		stop := false
		if err != nil {
			if err != io.EOF {
				return err
			}
			if length == 0 {
				return nil
			}
			stop = true
		}
		if length > max {
			over := length - max
			last := parts[len(parts)-1]
			parts[len(parts)-1] = last[:len(last)-over]
			emit("P", parts)
			parts = [][]byte{last[len(last)-over:]}
			length = over
		}
		if prefix {
			continue
		}
		if stop {
			emit("P", parts)
			return nil
		}
		emit("F", parts)
		parts, length = nil, 0
	}
}

func main() {
	style := flag.String("style", "k8s", "k8s, docker, logfmt-time or syslog")
	start := flag.String("start", "2026-11-24T10:00:00Z", "time of the first record (RFC 3339)")
	max := flag.Int("max", 200, "k8s: longest content of one record in bytes (containerd's max_container_log_line_size)")
	stream := flag.String("stream", "stderr", "k8s, docker: stream name")
	host := flag.String("host", "web-1", "syslog: host name")
	app := flag.String("app", "orders", "syslog: program name")
	pid := flag.Int("pid", 1234, "syslog: process id")
	flag.Parse()

	t0, err := time.Parse(time.RFC3339Nano, *start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefix:", err)
		os.Exit(2)
	}
	w := &writer{
		out:    bufio.NewWriter(os.Stdout),
		clk:    &clock{t: t0.UTC(), x: 1},
		style:  *style,
		stream: *stream,
		host:   *host,
		app:    *app,
		pid:    *pid,
	}
	if *style == "k8s" {
		if *max < 16 {
			fmt.Fprintln(os.Stderr, "prefix: -max must be at least 16")
			os.Exit(2)
		}
		err = w.cri(os.Stdin, *max)
	} else {
		err = w.lines(os.Stdin)
	}
	if ferr := w.out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefix:", err)
		os.Exit(1)
	}
}
