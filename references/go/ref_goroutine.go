// ref-goroutine: Go's goroutines and channels, for switchbench's reference
// rows (references/README.md): the workloads written as Go users write
// them, standard library only, built offline by switchbench's build.
//
// The protocol is sbref.py's: the job on the command line, one JSON line
// per repetition on file descriptor 3, the harness's iteration search,
// real time summed over the timed spans, CPU time over the repetition.
// SB_REF_LIE=1 does one unit of work less than reported, to test that the
// counts catch it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const maxIterations = 1000000000

// clock: the repetition's time is the sum of its spans.
type clock struct {
	total time.Duration
	t0    time.Time
}

func (c *clock) start() { c.t0 = time.Now() }
func (c *clock) stop()  { c.total += time.Since(c.t0) }

// wrong: the work did not check out.
type wrong struct{ msg string }

func check(what string, counted, expected int64) {
	if counted != expected {
		panic(wrong{fmt.Sprintf("expected %d %s, counted %d", expected, what, counted)})
	}
}

type work func(n, done int64, p map[string]int64, c *clock) map[string]float64

// switchTurns: two goroutines hand control to each other over unbuffered
// channels, one switch per send (the receiver runs next).
func switchTurns(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	return handoffs("switches", n, done, c)
}

func pingpong(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	return handoffs("messages", n, done, c)
}

func handoffs(what string, n, done int64, c *clock) map[string]float64 {
	ping, pong := make(chan int64), make(chan int64)
	var got int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := range ping {
			got++
			if v+1 < done {
				pong <- v + 1
			}
		}
	}()
	c.start()
	var v int64
	for v = 0; v < done; v += 2 {
		ping <- v
		if v+1 < done {
			<-pong
			got++
		}
	}
	close(ping)
	wg.Wait()
	c.stop()
	check(what, got, n)
	return map[string]float64{}
}

// ring: N goroutines in a ring of unbuffered channels, one untimed lap.
func ring(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	tasks := p["tasks"]
	chans := make([]chan int64, tasks)
	for i := range chans {
		chans[i] = make(chan int64)
	}
	end := tasks + done
	last := make(chan int64)
	for i := int64(0); i < tasks; i++ {
		go func(in, out chan int64) {
			for tok := range in {
				if tok == tasks {
					c.start()
				}
				if tok == end {
					c.stop()
					last <- tok
					return
				}
				out <- tok + 1
			}
		}(chans[i], chans[(i+1)%tasks])
	}
	chans[0] <- 0
	tok := <-last
	for i := range chans {
		close(chans[i]) // the others end their range
	}
	check("hops", tok-tasks, n)
	return map[string]float64{}
}

// pipeline: producer -> stages -> consumer over channels of the capacity.
func pipeline(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	stages, capacity := p["stages"], p["capacity"]
	qs := make([]chan int64, stages+1)
	for i := range qs {
		qs[i] = make(chan int64, capacity)
	}
	for i := int64(0); i < stages; i++ {
		go func(in, out chan int64) {
			for v := range in {
				out <- v
			}
			close(out)
		}(qs[i], qs[i+1])
	}
	var count, total int64
	finished := make(chan struct{})
	go func() {
		for v := range qs[stages] {
			count++
			total += v
		}
		close(finished)
	}()
	c.start()
	for v := int64(0); v < done; v++ {
		qs[0] <- v
	}
	close(qs[0])
	<-finished
	c.stop()
	check("items", count, n)
	check("as the sum of items", total, n*(n-1)/2)
	return map[string]float64{"capacity": float64(capacity)}
}

func rssBytes() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize())
}

// spawn: batches of N live goroutines, each blocked on a channel until
// released; memory per live goroutine from the first batch of the process
// (the runtime keeps freed stacks for reuse, as CPython keeps its memory).
var firstMemory [2]float64

func spawn(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	tasks := p["tasks"]
	before := rssBytes()
	var finished, batches int64
	c.start()
	for b := int64(0); b < done; b++ {
		release := make(chan struct{})
		var alive, gone sync.WaitGroup
		alive.Add(int(tasks))
		gone.Add(int(tasks))
		var ended int64
		var mu sync.Mutex
		for i := int64(0); i < tasks; i++ {
			go func() {
				alive.Done()
				<-release
				mu.Lock()
				ended++
				mu.Unlock()
				gone.Done()
			}()
		}
		alive.Wait()
		if b == 0 && firstMemory[1] == 0 {
			c.stop()
			firstMemory = [2]float64{before, rssBytes()}
			c.start()
		}
		close(release)
		gone.Wait()
		finished += ended
		batches++
	}
	c.stop()
	check("batches", batches, n)
	check("finished tasks", finished, n*tasks)
	out := map[string]float64{"tasks": float64(tasks)}
	if firstMemory[1] != 0 {
		out["memory_kb"] = firstMemory[1] / 1024
		out["bytes_per_task"] = (firstMemory[1] - firstMemory[0]) / float64(tasks)
	}
	return out
}

// sleep: N goroutines each time.Sleep(S) at once, `done` rounds; each
// checks with the monotonic clock that it slept at least S. Memory is
// read half-way through the process's first round (later ones reuse the
// first one's stacks: see spawn), and every repetition reports it.
var firstSleepMemory [2]float64

func sleepers(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	tasks, d := p["tasks"], time.Duration(p["sleep_ms"])*time.Millisecond
	var mu sync.Mutex
	var early, sleeps int64
	var lateMax, lateSum time.Duration
	before := rssBytes()
	var peak float64
	var wg sync.WaitGroup
	c.start()
	for i := int64(0); i < tasks; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := int64(0); r < done; r++ {
				t0 := time.Now()
				time.Sleep(d)
				slept := time.Since(t0)
				mu.Lock()
				sleeps++
				if slept < d {
					early++
				} else {
					if slept-d > lateMax {
						lateMax = slept - d
					}
					lateSum += slept - d
				}
				mu.Unlock()
			}
		}()
	}
	if done > 0 && firstSleepMemory[1] == 0 {
		time.Sleep(d / 2)
		peak = rssBytes()
		firstSleepMemory = [2]float64{before, peak}
	}
	wg.Wait()
	c.stop()
	check("sleeps", sleeps, n*tasks)
	if early > 0 {
		panic(wrong{fmt.Sprintf("%d sleeps ended early", early)})
	}
	mean := 0.0
	if sleeps > 0 {
		mean = float64(lateSum.Microseconds()) / float64(sleeps)
	}
	return map[string]float64{"late_max_us": float64(lateMax.Microseconds()), "late_mean_us": mean,
		"sleep_ms": float64(p["sleep_ms"]), "memory_kb": firstSleepMemory[1] / 1024,
		"bytes_per_task": (firstSleepMemory[1] - firstSleepMemory[0]) / float64(tasks)}
}

var workloads = map[string]work{"switch": switchTurns, "pingpong": pingpong, "ring": ring,
	"pipeline": pipeline, "spawn": spawn, "sleep": sleepers}

// multiple: counts rounded so a unit of work is whole.
var multiple = map[string]int64{}

// nextIterations: harness/iterations.c's rule.
func nextIterations(n int64, secs, minTime float64, mult int64) int64 {
	if secs >= minTime || n >= maxIterations {
		return 0
	}
	if secs < 1e-9 {
		secs = 1e-9
	}
	mul := minTime * 1.4 / secs
	if secs/minTime <= 0.1 && mul > 10 {
		mul = 10
	}
	nn := int64(float64(n) * mul)
	if nn > maxIterations {
		nn = maxIterations
	}
	if nn <= n {
		nn = n + 1
	}
	return (nn + mult - 1) / mult * mult
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// cpusUsed: the cores this process may run on, as the kernel lists them.
func cpusUsed() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Cpus_allowed_list:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "Cpus_allowed_list:"))
		}
	}
	return "?"
}

type params map[string]int64

func (p params) String() string { return "" }
func (p params) Set(s string) error {
	kv := strings.SplitN(s, "=", 2)
	if len(kv) != 2 {
		return fmt.Errorf("not KEY=VALUE: %s", s)
	}
	v, err := strconv.ParseInt(kv[1], 10, 64)
	p[kv[0]] = v
	return err
}

func main() {
	name := flag.String("workload", "", "workload")
	reps := flag.Int("repetitions", 1, "repetitions")
	first := flag.Int("first-rep", 0, "first repetition index")
	iters := flag.Int64("iterations", 0, "iterations (0: search)")
	minTime := flag.Float64("min-time", 0.2, "seconds a repetition lasts at least")
	p := params{}
	flag.Var(p, "param", "KEY=VALUE")
	flag.Parse()
	out := os.NewFile(3, "results")
	enc := json.NewEncoder(out)
	w, ok := workloads[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "ref-goroutine: no workload %q\n", *name)
		os.Exit(2)
	}
	// One scheduler thread, as the coroutine engines have (GOMAXPROCS=1).
	runtime.GOMAXPROCS(1)
	mult := multiple[*name]
	if mult == 0 {
		mult = 1
	}
	lie := os.Getenv("SB_REF_LIE") == "1"
	system := fmt.Sprintf("Go %s, GOMAXPROCS=%d", strings.TrimPrefix(runtime.Version(), "go"),
		runtime.GOMAXPROCS(0))
	rep := *first
	defer func() {
		if r := recover(); r != nil {
			if e, isWrong := r.(wrong); isWrong {
				enc.Encode(map[string]interface{}{"rep": rep, "error": *name + ": " + e.msg})
				os.Exit(0)
			}
			panic(r)
		}
	}()
	one := func(n int64) (float64, float64, map[string]float64) {
		c := &clock{}
		c0 := cpuNanos()
		done := n
		if lie {
			done = n - 1
		}
		counters := w(n, done, p, c)
		return float64(c.total.Nanoseconds()), float64(cpuNanos() - c0), counters
	}
	send := func(n int64, real, cpu float64, counters map[string]float64) {
		enc.Encode(map[string]interface{}{"rep": rep, "iterations": n, "real_ns": real, "cpu_ns": cpu,
			"cpus_used": cpusUsed(), "system": system, "counters": counters})
	}
	left, n := *reps, *iters
	if n == 0 {
		n = mult
		for {
			real, cpu, counters := one(n)
			next := nextIterations(n, real/1e9, *minTime, mult)
			if next == 0 {
				send(n, real, cpu, counters)
				break
			}
			n = next
		}
		rep++
		left--
	} else {
		n = (n + mult - 1) / mult * mult
	}
	for i := 0; i < left; i++ {
		real, cpu, counters := one(n)
		send(n, real, cpu, counters)
		rep++
	}
}
