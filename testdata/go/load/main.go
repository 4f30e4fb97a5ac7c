// Command load sends HTTP GET requests at a fixed rate to one local URL for a fixed time and prints the
// latency distribution as one JSON object. scripts/bench-watch.sh uses it to load the testdata/go/watch service
// while `goroscope watch` polls it.
//
// The load is open: request i is due at start + i/rate whatever happened to the earlier ones, so a slow
// response does not slow the load down. -conns clients take the due requests in turn over kept-alive
// connections. Two latencies are recorded for every request:
//
//   - latency: from the moment the request is sent to the end of the response body;
//   - from_due: from the moment it was due, which also counts the time it waited for a free client (when all
//     clients are stuck behind a stalled server, the requests that should have gone out meanwhile count the
//     stall too).
//
// Everything is bounded: exactly rate×duration requests are scheduled, each with -timeout, and only loopback
// URLs are accepted.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var (
	target   = flag.String("url", "", "the `URL` to load (loopback hosts only)")
	rate     = flag.Int("rate", 2000, "requests per second")
	duration = flag.Duration("duration", 60*time.Second, "how long to send requests")
	conns    = flag.Int("conns", 64, "concurrent clients (and kept-alive connections)")
	timeout  = flag.Duration("timeout", 5*time.Second, "give up on one request after this long")
	warmup   = flag.Duration("warmup", time.Second, "send at the same rate for this long first, without recording")
	mark     = flag.Bool("mark", false, "print \"recording\" on standard error when the recorded requests start")
)

// result is what the command prints. Times are in milliseconds.
type result struct {
	URL         string  `json:"url"`
	Rate        int     `json:"rate"`
	DurationS   float64 `json:"duration_s"`
	Conns       int     `json:"conns"`
	Requests    int     `json:"requests"`
	Errors      int64   `json:"errors"`
	AchievedRPS float64 `json:"achieved_rps"`
	MeanMS      float64 `json:"mean_ms"`
	P50MS       float64 `json:"p50_ms"`
	P90MS       float64 `json:"p90_ms"`
	P99MS       float64 `json:"p99_ms"`
	P999MS      float64 `json:"p999_ms"`
	MaxMS       float64 `json:"max_ms"`
	DueP50MS    float64 `json:"from_due_p50_ms"`
	DueP99MS    float64 `json:"from_due_p99_ms"`
	DueMaxMS    float64 `json:"from_due_max_ms"`
	// Late counts requests sent more than 1 ms after they were due: the load generator did not keep up.
	Late int `json:"late_1ms"`
}

func main() {
	flag.Parse()
	if err := check(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	client := &http.Client{
		Timeout: *timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        *conns,
			MaxIdleConnsPerHost: *conns,
			MaxConnsPerHost:     *conns,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
	}
	if *warmup > 0 {
		run(client, int(float64(*rate)*warmup.Seconds()))
	}
	n := int(float64(*rate) * duration.Seconds())
	if *mark {
		fmt.Fprintln(os.Stderr, "recording")
	}
	start := time.Now()
	sent, due, done, errors := run(client, n)
	elapsed := time.Since(start)

	latency := make([]time.Duration, 0, n)
	fromDue := make([]time.Duration, 0, n)
	late := 0
	var sum time.Duration
	for i := 0; i < n; i++ {
		if done[i].IsZero() {
			continue // failed
		}
		latency = append(latency, done[i].Sub(sent[i]))
		fromDue = append(fromDue, done[i].Sub(due[i]))
		sum += done[i].Sub(sent[i])
		if sent[i].Sub(due[i]) > time.Millisecond {
			late++
		}
	}
	sortDurations(latency)
	sortDurations(fromDue)
	r := result{
		URL:         *target,
		Rate:        *rate,
		DurationS:   duration.Seconds(),
		Conns:       *conns,
		Requests:    n,
		Errors:      errors,
		AchievedRPS: round(float64(len(latency))/elapsed.Seconds(), 1),
		P50MS:       ms(quantile(latency, 0.50)),
		P90MS:       ms(quantile(latency, 0.90)),
		P99MS:       ms(quantile(latency, 0.99)),
		P999MS:      ms(quantile(latency, 0.999)),
		MaxMS:       ms(quantile(latency, 1)),
		DueP50MS:    ms(quantile(fromDue, 0.50)),
		DueP99MS:    ms(quantile(fromDue, 0.99)),
		DueMaxMS:    ms(quantile(fromDue, 1)),
		Late:        late,
	}
	if len(latency) > 0 {
		r.MeanMS = ms(sum / time.Duration(len(latency)))
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	if len(latency) == 0 {
		os.Exit(1)
	}
}

func check() error {
	if *rate < 1 || *rate > 100000 {
		return fmt.Errorf("-rate %d: want 1 to 100000", *rate)
	}
	if *duration <= 0 || *duration > time.Hour || *warmup < 0 || *warmup > time.Minute {
		return fmt.Errorf("-duration must be in (0, 1h] and -warmup in [0, 1m]")
	}
	if *conns < 1 || *conns > 1024 {
		return fmt.Errorf("-conns %d: want 1 to 1024", *conns)
	}
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("-url %q: want http://127.0.0.1:PORT/PATH", *target)
	}
	if ip := net.ParseIP(u.Hostname()); (ip == nil || !ip.IsLoopback()) && u.Hostname() != "localhost" {
		return fmt.Errorf("-url %q: only loopback hosts are loaded", *target)
	}
	return nil
}

// run sends n requests at the rate, from the clients, and waits for all of them. It returns, per request, when
// it was due, sent and done (zero when it failed), and the number of failures.
func run(client *http.Client, n int) (sent, due, done []time.Time, errors int64) {
	sent = make([]time.Time, n)
	due = make([]time.Time, n)
	done = make([]time.Time, n)
	period := time.Second / time.Duration(*rate)
	queue := make(chan int, *rate) // at most a second of due requests waits for a client
	var failed atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < *conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				sent[i] = time.Now()
				if get(client) {
					done[i] = time.Now()
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * period)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		due[i] = at
		queue <- i
	}
	close(queue)
	wg.Wait()
	return sent, due, done, failed.Load()
}

var logged atomic.Int64

func get(client *http.Client) bool {
	resp, err := client.Get(*target)
	if err != nil {
		if logged.Add(1) <= 5 { // the count is in the result; a few examples are enough
			log.Print(err)
		}
		return false
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
