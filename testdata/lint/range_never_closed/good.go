package range_never_closed

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// Closed once every sender is done.
func collectClosed(shards []shard) []row {
	rows := make(chan row)
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go func(s shard) {
			defer wg.Done()
			for _, r := range s.rows {
				rows <- row{shard: s.id, data: r}
			}
		}(s)
	}
	go func() {
		wg.Wait()
		close(rows)
	}()
	var all []row
	for r := range rows {
		all = append(all, r)
	}
	return all
}

// The single sender closes.
func readLinesClosed(r io.Reader) []string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out []string
	for l := range lines {
		out = append(out, l)
	}
	return out
}

// The loop stops by itself once it has every row.
func collectCounted(shards []shard) []row {
	rows := make(chan row)
	total := 0
	for _, s := range shards {
		total += len(s.rows)
		go func(s shard) {
			for _, r := range s.rows {
				rows <- row{shard: s.id, data: r}
			}
		}(s)
	}
	var all []row
	if total == 0 {
		return all
	}
	for r := range rows {
		all = append(all, r)
		if len(all) == total {
			break
		}
	}
	return all
}

// A sentinel value ends the worker.
func worker(jobs []string) {
	queue := make(chan string)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := range queue {
			if j == "" {
				return
			}
			println(j)
		}
	}()
	for _, j := range jobs {
		queue <- j
	}
	queue <- ""
	wg.Wait()
}

// A producer that never stops: the consumer is meant to run for ever too.
func clock(tick func(time.Time)) {
	times := make(chan time.Time)
	go func() {
		for {
			times <- time.Now()
			time.Sleep(time.Second)
		}
	}()
	for t := range times {
		tick(t)
	}
}

// The channel is returned: the caller closes it.
func startPrinter() chan<- string {
	msgs := make(chan string)
	go func() {
		for m := range msgs {
			println(m)
		}
	}()
	return msgs
}

// The caller closes after its last send.
func feed(items []string) {
	work := make(chan string)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for it := range work {
			println(it)
		}
	}()
	for _, it := range items {
		work <- it
	}
	close(work)
	<-done
}
