// Command gendump starts a large number of goroutines that block in real ways
// and then takes a real goroutine dump of itself, either as
// runtime.Stack(buf, true) text (the pprof debug=2 format), as the pprof
// goroutine profile in its counted forms (-debug 0: gzipped profile.proto,
// -debug 1: text with one record per distinct stack), or as the traceback of
// a panic with GOTRACEBACK=all.
//
// Goroutines follow a few hundred to a few thousand distinct "templates":
// a path through the call chain in package workload (depth 0 to -max-depth),
// a way to block (channel operations, select, mutexes, WaitGroup, Cond,
// sleep, nil channels, IO wait on loopback TCP and pipes, busy loops) and a
// creator site (main, short-lived spawner goroutines that have exited, a
// long-lived supervisor). Template sizes follow a Zipf law, as in real
// services where a few stacks account for most goroutines.
//
//	gendump -n 100000 -o dump.txt      # runtime.Stack(buf, true) text
//	gendump -n 100000 -debug 0 -o goroutine.pb.gz
//	gendump -n 100000 -debug 1 -o goroutine-debug1.txt
//	gendump -n 10000 -crash 2> crash.txt
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"time"

	"goroscope.test/gendump/internal/workload"
)

type site uint8

const (
	siteMain       site = iota // go w.Run() in main
	siteMainFunc               // go func() { w.Run() }() in main
	siteMainWrap               // go workload.Start(w, i) in main (gowrap)
	siteBatch                  // spawned by a spawnBatch goroutine that has exited
	siteRelay                  // spawned by relay.func1, itself spawned by relay; both exited
	siteSupervisor             // spawned by a supervisor that stays parked
	numSites
)

var siteWeights = [numSites]int{
	siteMain:       20,
	siteMainFunc:   12,
	siteMainWrap:   12,
	siteBatch:      25,
	siteRelay:      11,
	siteSupervisor: 20,
}

// Weights of the blocking kinds among the ordinary templates. IO and busy
// goroutines are counted separately (-conns, -pipes, -busy).
var kindWeights = map[workload.Kind]int{
	workload.ChanRecv:      20,
	workload.ChanSend:      10,
	workload.Select:        20,
	workload.SelectNoCases: 2,
	workload.MutexLock:     8,
	workload.RWMutexRLock:  5,
	workload.RWMutexLock:   2,
	workload.WaitGroupWait: 8,
	workload.CondWait:      8,
	workload.Sleep:         10,
	workload.NilChanRecv:   3,
	workload.NilChanSend:   1,
}

type template struct {
	kind  workload.Kind
	site  site
	path  []uint8
	count int
}

const batchSize = 256

func main() {
	var (
		n         = flag.Int("n", 10000, "number of goroutines to start (the dump also holds main and a few helpers)")
		out       = flag.String("o", "", "write the dump to this file (default stdout)")
		level     = flag.Int("debug", 2, "dump format, as the debug parameter of /debug/pprof/goroutine: 2 = runtime.Stack(buf, true) text, 1 = counted text, 0 = gzipped profile.proto")
		crash     = flag.Bool("crash", false, "panic with GOTRACEBACK=all instead (the dump goes to stderr)")
		seed      = flag.Int64("seed", 1, "random seed")
		groups    = flag.Int("groups", 1000, "number of ordinary stack templates")
		zipfS     = flag.Float64("zipf", 1.0, "Zipf exponent of template sizes")
		meanDepth = flag.Float64("mean-depth", 3.2, "goroutine-weighted mean path depth")
		maxDepth  = flag.Int("max-depth", 24, "maximum path depth")
		nConns    = flag.Int("conns", 64, "goroutines in IO wait on loopback TCP connections")
		nPipes    = flag.Int("pipes", 16, "goroutines in IO wait on pipes")
		nBusy     = flag.Int("busy", 4, "running/runnable goroutines (half spin, half yield)")
		nSup      = flag.Int("supervisors", 4, "long-lived supervisor goroutines")
		quiet     = flag.Bool("q", false, "do not print a summary to stderr")
	)
	flag.Parse()
	if *n < 1 || *groups < 1 || *maxDepth < 0 || *nSup < 1 {
		fmt.Fprintln(os.Stderr, "gendump: -n, -groups and -supervisors must be positive, -max-depth non-negative")
		os.Exit(2)
	}
	if *level < 0 || *level > 2 {
		fmt.Fprintln(os.Stderr, "gendump: -debug must be 0, 1 or 2")
		os.Exit(2)
	}
	special := *nConns + *nPipes + *nBusy
	if special > *n/2 {
		// Too few goroutines for the IO and busy ones: leave them out.
		special = 0
		*nConns, *nPipes, *nBusy = 0, 0, 0
	}
	logf := func(format string, args ...any) {
		if !*quiet && !*crash {
			fmt.Fprintf(os.Stderr, "gendump: "+format+"\n", args...)
		}
	}
	start := time.Now()
	rng := rand.New(rand.NewSource(*seed))

	env, err := workload.NewEnv(*nConns, *nPipes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendump:", err)
		os.Exit(1)
	}

	tpls := ordinaryTemplates(rng, *n-special, *groups, *zipfS)
	tpls = append(tpls, specialTemplates(rng, *nConns, *nPipes)...)
	busy := specialBusy(rng, *nBusy)
	setDepths(rng, append(tpls[:len(tpls):len(tpls)], busy...), *meanDepth, *maxDepth)
	for _, t := range append(tpls[:len(tpls):len(tpls)], busy...) {
		t.path = make([]uint8, len(t.path))
		for i := range t.path {
			t.path[i] = uint8(rng.Intn(workload.NumSteps))
		}
	}

	// One entry per goroutine, shuffled so that goroutine ids of a template
	// are spread over the dump.
	order := make([]int32, 0, *n-*nBusy)
	for i, t := range tpls {
		for j := 0; j < t.count; j++ {
			order = append(order, int32(i))
		}
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	sups := make([]*supervisor, *nSup)
	for i := range sups {
		sups[i] = &supervisor{id: i, in: make(chan *workload.Walker, 64)}
		go sups[i].loop()
	}
	var batch, relayed []*workload.Walker
	var slots [workload.NumKinds]int
	for idx, ti := range order {
		t := tpls[ti]
		slot := slots[t.kind]
		slots[t.kind]++
		w := workload.NewWalker(env, t.path, t.kind, slot, uint64(idx)*0x2545f491+uint64(*seed))
		switch t.site {
		case siteMain:
			go w.Run()
		case siteMainFunc:
			go func() {
				w.Run()
			}()
		case siteMainWrap:
			go workload.Start(w, idx)
		case siteBatch:
			batch = append(batch, w)
			if len(batch) == batchSize {
				go spawnBatch(batch)
				batch = nil
			}
		case siteRelay:
			relayed = append(relayed, w)
			if len(relayed) == batchSize {
				go relay(relayed)
				relayed = nil
			}
		case siteSupervisor:
			sups[idx%len(sups)].in <- w
		}
	}
	if len(batch) > 0 {
		go spawnBatch(batch)
	}
	if len(relayed) > 0 {
		go relay(relayed)
	}
	for int(env.Ready()) < len(order) {
		time.Sleep(2 * time.Millisecond)
	}
	for i, t := range busy {
		w := workload.NewWalker(env, t.path, t.kind, i, uint64(i)+1)
		go w.Run()
	}
	for int(env.Busy()) < len(busy) {
		time.Sleep(time.Millisecond)
	}
	// Let the last goroutines that reported ready reach their park call.
	time.Sleep(100 * time.Millisecond)
	setup := time.Since(start)
	logf("%d goroutines parked in %v (%d ordinary templates, %d busy)", len(order)+len(busy), setup.Round(time.Millisecond), *groups, len(busy))

	if *crash {
		debug.SetTraceback("all")
		panic(fmt.Sprintf("gendump: crash with %d goroutines (seed %d)", len(order)+len(busy), *seed))
	}

	t0 := time.Now()
	var dump []byte
	how := "runtime.Stack"
	if *level == 2 {
		dump = stackAll(*n)
	} else {
		how = fmt.Sprintf("pprof WriteTo(debug=%d)", *level)
		var err error
		if dump, err = profile(*level); err != nil {
			fmt.Fprintln(os.Stderr, "gendump:", err)
			os.Exit(1)
		}
	}
	took := time.Since(t0)
	if err := write(*out, dump); err != nil {
		fmt.Fprintln(os.Stderr, "gendump:", err)
		os.Exit(1)
	}
	logf("wrote %d bytes (%.0f bytes per goroutine), %s took %v, total %v",
		len(dump), float64(len(dump))/float64(*n), how, took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// profile returns the goroutine profile as /debug/pprof/goroutine?debug=level
// serves it: 0 is the gzipped profile.proto, 1 the counted text.
func profile(level int) ([]byte, error) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, level); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// stackAll returns runtime.Stack(buf, true), growing buf until the whole
// dump fits.
func stackAll(n int) []byte {
	size := n*1600 + 1<<20
	for {
		buf := make([]byte, size)
		k := runtime.Stack(buf, true)
		if k < len(buf) {
			return buf[:k]
		}
		size *= 2
	}
}

func write(path string, b []byte) error {
	if path == "" {
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		if _, err := w.Write(b); err != nil {
			return err
		}
		return w.Flush()
	}
	return os.WriteFile(path, b, 0o644)
}

// ordinaryTemplates makes k templates and shares m goroutines among them by
// a Zipf law (largest remainder, so the counts add up to m).
func ordinaryTemplates(rng *rand.Rand, m, k int, s float64) []*template {
	kinds := make([]workload.Kind, 0, len(kindWeights))
	for kd := range kindWeights {
		kinds = append(kinds, kd)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	total := 0
	for _, kd := range kinds {
		total += kindWeights[kd]
	}
	pickKind := func() workload.Kind {
		r := rng.Intn(total)
		for _, kd := range kinds {
			if r < kindWeights[kd] {
				return kd
			}
			r -= kindWeights[kd]
		}
		panic("unreachable")
	}

	weights := make([]float64, k)
	sum := 0.0
	for i := range weights {
		weights[i] = 1 / math.Pow(float64(i+1), s)
		sum += weights[i]
	}
	tpls := make([]*template, k)
	type frac struct {
		i int
		f float64
	}
	fracs := make([]frac, k)
	assigned := 0
	for i := range tpls {
		exact := float64(m) * weights[i] / sum
		c := int(exact)
		assigned += c
		fracs[i] = frac{i, exact - float64(c)}
		tpls[i] = &template{kind: pickKind(), site: pickSite(rng), count: c}
	}
	sort.SliceStable(fracs, func(a, b int) bool { return fracs[a].f > fracs[b].f })
	for i := 0; assigned < m; i++ {
		tpls[fracs[i%k].i].count++
		assigned++
	}
	return tpls
}

func pickSite(rng *rand.Rand) site {
	total := 0
	for _, w := range siteWeights {
		total += w
	}
	r := rng.Intn(total)
	for s, w := range siteWeights {
		if r < w {
			return site(s)
		}
		r -= w
	}
	panic("unreachable")
}

// specialTemplates spreads the IO goroutines over a few templates each.
func specialTemplates(rng *rand.Rand, conns, pipes int) []*template {
	var out []*template
	split := func(kind workload.Kind, total, parts int) {
		for i := 0; i < parts && total > 0; i++ {
			c := total / (parts - i)
			total -= c
			out = append(out, &template{kind: kind, site: pickSite(rng), count: c})
		}
	}
	split(workload.ConnRead, conns, 3)
	split(workload.PipeRead, pipes, 2)
	return out
}

// specialBusy returns one template per busy goroutine; they are started
// from main once everything else is parked.
func specialBusy(rng *rand.Rand, busy int) []*template {
	out := make([]*template, busy)
	for i := range out {
		kind := workload.Spin
		if i%2 == 1 {
			kind = workload.Yield
		}
		out[i] = &template{kind: kind, site: siteMain, count: 1}
	}
	return out
}

// setDepths gives every template a path depth, drawn from an exponential
// law capped at max, then nudged until the goroutine-weighted mean is mean.
func setDepths(rng *rand.Rand, tpls []*template, mean float64, max int) {
	depth := make([]int, len(tpls))
	total, sum := 0, 0
	for i, t := range tpls {
		d := int(-mean * math.Log(1-rng.Float64()))
		if d > max {
			d = max
		}
		depth[i] = d
		total += t.count
		sum += d * t.count
	}
	if total > 0 && mean <= float64(max) {
		target := int(math.Round(mean * float64(total)))
		for iter := 0; iter < 50*len(tpls)+1000 && sum != target; iter++ {
			i := rng.Intn(len(tpls))
			c := tpls[i].count
			if c == 0 {
				continue
			}
			if sum < target && depth[i] < max && sum+c <= target+c/2 {
				depth[i]++
				sum += c
			} else if sum > target && depth[i] > 0 && sum-c >= target-c/2 {
				depth[i]--
				sum -= c
			}
		}
	}
	for i, t := range tpls {
		t.path = make([]uint8, depth[i])
	}
}

type supervisor struct {
	id int
	in chan *workload.Walker
}

// loop starts a goroutine per walker it receives and then stays parked in
// the receive.
func (s *supervisor) loop() {
	for w := range s.in {
		go s.serve(w)
	}
}

//go:noinline
func (s *supervisor) serve(w *workload.Walker) {
	w.Run()
}

// spawnBatch starts its walkers and exits, so they are "created by" a
// goroutine that no longer exists.
func spawnBatch(ws []*workload.Walker) {
	for _, w := range ws {
		go w.Run()
	}
}

// relay hands its walkers to a goroutine of its own that starts them; both
// exit.
func relay(ws []*workload.Walker) {
	go func() {
		for _, w := range ws {
			go w.Run()
		}
	}()
}
