// The workloads where goroutines talk: switch, pingpong, ring, pipeline,
// spawn and sleep, each on unbuffered (or the given capacity of) channels
// as Go users write them.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

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

// Memory per task from this many tasks up, as the harness's own workloads
// (contracts/sb_workload.h, SB_MEMORY_MIN_TASKS): below, the runtime's own
// fluctuation outweighs a task and the figure could come out below zero.
const memoryMinTasks = 100

// spawn: batches of N live goroutines, each blocked on a channel until
// released; memory per live goroutine from the first batch of the process
// (the runtime keeps freed stacks for reuse, as CPython keeps its memory).
var firstMemory [2]float64

func spawn(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	tasks := p["tasks"]
	before := rssBytes()
	var finished, batches int64
	// The first batch of each repetition (cold, the memory reading left
	// out) and the batches after it (warm) are timed apart, as the C
	// workload does (workloads/wl_spawn.c).
	var cold, warm time.Duration
	c.start()
	mark := time.Now()
	for b := int64(0); b < done; b++ {
		if b == 1 {
			mark = time.Now()
		}
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
		if b == 0 {
			cold = time.Since(mark)
			c.stop()
			if firstMemory[1] == 0 {
				firstMemory = [2]float64{before, rssBytes()}
			}
			c.start()
			mark = time.Now()
		}
		close(release)
		gone.Wait()
		if b == 0 {
			cold += time.Since(mark)
		}
		finished += ended
		batches++
	}
	if done > 1 {
		warm = time.Since(mark)
	}
	c.stop()
	check("batches", batches, n)
	check("finished tasks", finished, n*tasks)
	out := map[string]float64{"tasks": float64(tasks), "cold_ns_per_task": float64(cold.Nanoseconds()) / float64(tasks)}
	if done > 1 {
		out["warm_ns_per_task"] = float64(warm.Nanoseconds()) / float64((done-1)*tasks)
	}
	if firstMemory[1] != 0 {
		out["memory_kb"] = firstMemory[1] / 1024
		if tasks >= memoryMinTasks {
			out["user_bytes_per_task"] = (firstMemory[1] - firstMemory[0]) / float64(tasks)
		}
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
	out := map[string]float64{"late_max_us": float64(lateMax.Microseconds()), "late_mean_us": mean,
		"sleep_ms": float64(p["sleep_ms"]), "memory_kb": firstSleepMemory[1] / 1024}
	if tasks >= memoryMinTasks {
		out["user_bytes_per_task"] = (firstSleepMemory[1] - firstSleepMemory[0]) / float64(tasks)
	}
	return out
}
