// ref-goroutine: Go's goroutines and channels, for switchbench's reference
// rows (references/README.md): the workloads written as Go users write
// them, standard library only, built offline by switchbench's build.
//
// The protocol is sbref.py's: the job on the command line, one request
// line per repetition on standard input (its iteration count: the harness
// alone searches it), one JSON answer per request on file descriptor 3,
// real time summed over the timed spans, CPU time over the repetition.
// SB_REF_LIE=1 does one unit of work less than reported, to test that the
// counts catch it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

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

var workloads = map[string]work{"switch": switchTurns, "pingpong": pingpong, "ring": ring,
	"pipeline": pipeline, "spawn": spawn, "sleep": sleepers, "cpu": cpu, "blocking": blocking}

// servers: the workloads the harness drives, this program serving (--serve).
var servers = map[string]func(p map[string]int64, ready func(port int)) (map[string]float64, error){
	"echo": serveEcho, "echo-open": serveEcho}

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

// serveFor: the --serve side of the protocol: {"port": P} once listening,
// then the server's counts (or {"error": ...}) when it has stopped.
func serveFor(name string, p params, enc *json.Encoder) int {
	serve, ok := servers[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "ref-goroutine: no server for %q\n", name)
		return 2
	}
	counts, err := serve(p, func(port int) { enc.Encode(map[string]int{"port": port}) })
	if err != nil {
		enc.Encode(map[string]string{"error": name + ": " + err.Error()})
		return 0
	}
	enc.Encode(counts)
	return 0
}

func main() {
	name := flag.String("workload", "", "workload")
	workers := flag.Int("workers", 1, "GOMAXPROCS: scheduler threads")
	serve := flag.Bool("serve", false, "serve the workload for the harness's load generator")
	flag.StringVar(&listenAddr, "listen", "127.0.0.1", "address to serve on (--serve)")
	p := params{}
	flag.Var(p, "param", "KEY=VALUE")
	flag.Parse()
	out := os.NewFile(3, "results")
	enc := json.NewEncoder(out)
	// GOMAXPROCS=1 is one scheduler thread, as a coroutine engine has;
	// --workers gives as many as the harness's --workers.
	runtime.GOMAXPROCS(*workers)
	if *serve {
		os.Exit(serveFor(*name, p, enc))
	}
	w, ok := workloads[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "ref-goroutine: no workload %q\n", *name)
		os.Exit(2)
	}
	lie := os.Getenv("SB_REF_LIE") == "1"
	system := fmt.Sprintf("Go %s, GOMAXPROCS=%d", strings.TrimPrefix(runtime.Version(), "go"),
		runtime.GOMAXPROCS(0))
	defer func() {
		if r := recover(); r != nil {
			if e, isWrong := r.(wrong); isWrong {
				enc.Encode(map[string]interface{}{"error": *name + ": " + e.msg})
				os.Exit(0)
			}
			panic(r)
		}
	}()
	// One repetition per request line: its iteration count.
	requests := bufio.NewScanner(os.Stdin)
	for requests.Scan() {
		n, err := strconv.ParseInt(strings.TrimSpace(requests.Text()), 10, 64)
		if err != nil || n <= 0 {
			enc.Encode(map[string]interface{}{"error": "ref-goroutine: not an iteration count: " +
				strconv.Quote(requests.Text())})
			os.Exit(0)
		}
		c := &clock{}
		c0 := cpuNanos()
		done := n
		if lie {
			done = n - 1
		}
		counters := w(n, done, p, c)
		enc.Encode(map[string]interface{}{"iterations": n, "real_ns": float64(c.total.Nanoseconds()),
			"cpu_ns": float64(cpuNanos() - c0), "cpus_used": cpusUsed(), "system": system,
			"counters": counters})
	}
}
