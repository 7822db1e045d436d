// The workloads about cores: cpu (goroutines computing, on GOMAXPROCS
// threads: 1, or as many as the harness's --workers) and blocking (one
// goroutine in a blocking system call while the others work).
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The cpu workload's unit: 1024 steps of the 64-bit linear congruential
// generator that workloads/wl_cpu.c runs, so the answer is checkable in
// O(log n) by jumping ahead.
const (
	cpuSteps = 1024
	lcgA     = 6364136223846793005
	lcgC     = 1442695040888963407
)

// lcgJump: x after n steps of x = a*x + c, by squaring the affine map.
func lcgJump(x, n uint64) uint64 {
	var a, c, ra, rc uint64 = lcgA, lcgC, 1, 0
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			ra *= a
			rc = rc*a + c
		}
		c *= a + 1
		a *= a
	}
	return ra*x + rc
}

// share: task i's part of `total` units split over `tasks`.
func share(total, tasks, i int64) int64 {
	u := total / tasks
	if i < total%tasks {
		u++
	}
	return u
}

// cpu: `tasks` goroutines share the units, yielding (runtime.Gosched)
// every yield_every units when that is not 0. Each checks out against the
// jump-ahead of what it should have computed for n units.
func cpu(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	tasks, every := p["tasks"], p["yield_every"]
	result := make([]uint64, tasks)
	var wg sync.WaitGroup
	c.start()
	for i := int64(0); i < tasks; i++ {
		wg.Add(1)
		go func(i int64) {
			defer wg.Done()
			x := 0x9e3779b97f4a7c15 * uint64(i+1)
			units := share(done, tasks, i)
			for u := int64(0); u < units; u++ {
				for k := 0; k < cpuSteps; k++ {
					x = x*lcgA + lcgC
				}
				if every > 0 && (u+1)%every == 0 {
					runtime.Gosched()
				}
			}
			result[i] = x
		}(i)
	}
	wg.Wait()
	c.stop()
	for i := int64(0); i < tasks; i++ {
		seed := 0x9e3779b97f4a7c15 * uint64(i+1)
		if result[i] != lcgJump(seed, uint64(share(n, tasks, i))*cpuSteps) {
			panic(wrong{fmt.Sprintf("task %d: expected the generator's state after %d units, computed another",
				i, share(n, tasks, i))})
		}
	}
	return map[string]float64{"gomaxprocs": float64(runtime.GOMAXPROCS(0))}
}

// blocking: one goroutine sleeps in nanosleep(2) itself (a blocking system
// call, not time.Sleep's timer) while `tasks` others run work units of
// 2048 LCG steps and stamp their progress; as workloads/wl_blocking.c,
// each call waits until every worker has moved since the last one. Go's
// runtime hands the processor of a goroutine stuck in a system call to
// another thread: the stall the workers see is how long that takes.
func blocking(n, done int64, p map[string]int64, c *clock) map[string]float64 {
	others, blockNs := p["tasks"], p["block_ms"]*1000000
	type worker struct {
		last, maxGap               time.Duration
		units, unitsBlocked, epoch int64
		x                          uint64
	}
	ws := make([]worker, others)
	var epoch, progressed int64
	var inCall, finished int32
	var calls int64
	var wg sync.WaitGroup
	start := time.Now()
	c.start()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ; calls < done; calls++ {
			atomic.StoreInt64(&progressed, 0)
			atomic.AddInt64(&epoch, 1)
			for atomic.LoadInt64(&progressed) < others {
				runtime.Gosched()
			}
			ts := syscall.NsecToTimespec(blockNs)
			atomic.StoreInt32(&inCall, 1)
			for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
			}
			atomic.StoreInt32(&inCall, 0)
			runtime.Gosched()
		}
		atomic.StoreInt32(&finished, 1)
	}()
	for i := range ws {
		wg.Add(1)
		go func(w *worker, seed uint64) {
			defer wg.Done()
			w.x = seed
			w.last = time.Since(start)
			for atomic.LoadInt32(&finished) == 0 {
				for k := 0; k < 2048; k++ {
					w.x = w.x*lcgA + lcgC
				}
				now := time.Since(start)
				if now-w.last > w.maxGap {
					w.maxGap = now - w.last
				}
				w.last = now
				w.units++
				if atomic.LoadInt32(&inCall) == 1 {
					w.unitsBlocked++
				}
				if e := atomic.LoadInt64(&epoch); e != w.epoch {
					w.epoch = e
					atomic.AddInt64(&progressed, 1)
				}
				runtime.Gosched()
			}
		}(&ws[i], uint64(i+2))
	}
	wg.Wait()
	c.stop()
	check("blocking calls", calls, n)
	var maxGap time.Duration
	var blocked int64
	for i := range ws {
		if ws[i].units == 0 {
			panic(wrong{"a worker never ran a unit"})
		}
		if ws[i].maxGap > maxGap {
			maxGap = ws[i].maxGap
		}
		blocked += ws[i].unitsBlocked
	}
	return map[string]float64{
		"max_stall_us":       float64(maxGap.Nanoseconds()) / 1e3,
		"stall_over_call":    float64(maxGap.Nanoseconds()) / float64(blockNs),
		"units_during_calls": float64(blocked),
		"gomaxprocs":         float64(runtime.GOMAXPROCS(0)),
	}
}
