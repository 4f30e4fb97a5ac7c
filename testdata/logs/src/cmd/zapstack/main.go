// Command zapstack writes JSON log records to stderr, one per line, in the
// shape of zap's production encoder ({"level","ts","caller","msg",...}),
// and one error record whose "stacktrace" field holds a whole goroutine dump
// (runtime.Stack with all=true), encoded with encoding/json: the dump's
// newlines and tabs become \n and \t inside that one string.
//
// The clock in "ts" is fake and fixed, so only the dump itself changes
// between runs.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
)

var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// logf writes one record; kv are extra key/value pairs in order.
func logf(level, msg string, kv ...interface{}) {
	_, file, line, _ := runtime.Caller(1)
	now = now.Add(1234567 * time.Nanosecond)
	var b bytes.Buffer
	field := func(k string, v interface{}) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('{')
	field("level", level)
	field("ts", json.Number(strconv.FormatFloat(float64(now.UnixNano())/1e9, 'f', -1, 64)))
	field("caller", filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file)+":"+strconv.Itoa(line))
	field("msg", msg)
	for i := 0; i+1 < len(kv); i += 2 {
		field(kv[i].(string), kv[i+1])
	}
	b.WriteString("}\n")
	os.Stderr.Write(b.Bytes())
}

type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
}

// pop waits for an item that is never pushed (sync.Cond.Wait).
func (q *queue) pop() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

// send blocks on a channel nobody reads (chan send).
func send(out chan<- int, v int) {
	out <- v
}

func main() {
	logf("info", "starting indexer", "version", "2.3.0", "shards", 4)
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	for i := 0; i < 2; i++ {
		go q.pop()
	}
	out := make(chan int)
	for i := 0; i < 3; i++ {
		go send(out, i)
	}
	time.Sleep(100 * time.Millisecond)
	logf("info", "indexer running", "queued", 0)
	logf("warn", "shard is slow", "shard", 3, "lag", "12.5s")

	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	logf("error", "dumping goroutines", "goroutines", runtime.NumGoroutine(), "stacktrace", string(buf[:n]))

	logf("info", "stopping indexer")
}
