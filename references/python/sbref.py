"""The Python references' side of switchbench's protocol (references/README.md).

switchbench forks, pins and times out a reference like any engine; the
program it execs runs one job: --workload=NAME, --param=KEY=VALUE...,
--repetitions=N from --first-rep=R, --iterations=N (0: search the count in
the first repetition, as the harness does) and --min-time=SECONDS. Each
repetition becomes one JSON line on fd 3: {rep, iterations, real_ns,
cpu_ns, cpus_used, system, counters}, or {rep, error} when its work did
not check out. Interpreter start-up is never timed: real_ns is the sum of
the spans a workload times (its setup and verification are outside them),
cpu_ns the process's CPU time over the whole repetition, as the harness's
own records have them.

A workload is a function work(n, done, params, clock) -> counters: it does
`done` units of work (n, unless SB_REF_LIE=1 makes the program do one less,
to test that verification catches it), times its timed part with
clock.start() and clock.stop(), and raises Wrong when what it counted is not
n. Standard library only."""

import argparse
import json
import os
import platform
import sys
import time

MAX_ITERATIONS = 1_000_000_000


class Wrong(Exception):
    """The work did not check out: the record becomes an error."""


class Clock:
    """Manual timing: the repetition's time is the sum of its spans."""

    def __init__(self):
        self.total = 0
        self._t0 = None

    def start(self):
        self._t0 = time.perf_counter_ns()

    def stop(self):
        self.total += time.perf_counter_ns() - self._t0
        self._t0 = None


def next_iterations(n, secs, min_time, multiple):
    """harness/iterations.c's search, the same rule: 0 when n is the count
    to keep, else a larger multiple of `multiple`."""
    if secs >= min_time or n >= MAX_ITERATIONS:
        return 0
    mul = min_time * 1.4 / max(secs, 1e-9)
    if secs / min_time <= 0.1 and mul > 10:
        mul = 10
    nn = min(int(n * mul), MAX_ITERATIONS)
    nn = max(nn, n + 1)
    return -(-nn // multiple) * multiple


def rss_bytes():
    """The resident set now (for memory per task)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _cpus():
    return ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))


def main(workloads, system, multiple=None, servers=None):
    """Run the job on the command line with `workloads` (name -> work
    function); `system` names the library and interpreter for the label;
    `multiple` (name -> int) rounds iteration counts where a unit of work
    is more than one operation. `servers` (name -> serve function) are the
    workloads the harness drives while this program serves (--serve)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True)
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--first-rep", type=int, default=0)
    ap.add_argument("--iterations", type=int, default=0)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--workers", type=int, default=1)  # one interpreter thread: always 1
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    out = os.fdopen(3, "w")
    params = {k: int(v) for k, v in (p.split("=", 1) for p in a.param)}
    if a.serve:
        return serve(out, (servers or {})[a.workload], a.workload, params)
    work = workloads[a.workload]
    mult = (multiple or {}).get(a.workload, 1)
    lie = os.environ.get("SB_REF_LIE") == "1"
    label = f"{system}, CPython {platform.python_version()}"

    def one(n):
        clock = Clock()
        c0 = time.process_time_ns()
        counters = work(n, n - 1 if lie else n, params, clock)
        return clock.total, time.process_time_ns() - c0, counters

    def send(rep, n, real, cpu, counters):
        out.write(json.dumps({"rep": rep, "iterations": n, "real_ns": float(real), "cpu_ns": float(cpu),
                              "cpus_used": _cpus(), "system": label, "counters": counters}) + "\n")
        out.flush()

    rep, left, n = a.first_rep, a.repetitions, a.iterations
    try:
        if n == 0:
            n = mult
            while True:
                real, cpu, counters = one(n)
                nxt = next_iterations(n, real / 1e9, a.min_time, mult)
                if nxt == 0:
                    break
                n = nxt
            send(rep, n, real, cpu, counters)
            rep, left = rep + 1, left - 1
        else:
            n = -(-n // mult) * mult
        for _ in range(left):
            real, cpu, counters = one(n)
            send(rep, n, real, cpu, counters)
            rep += 1
    except Wrong as e:
        out.write(json.dumps({"rep": rep, "error": f"{a.workload}: {e}"}) + "\n")
        out.flush()
    except MemoryError:
        out.write(json.dumps({"rep": rep, "error": f"{a.workload}: out of memory"}) + "\n")
        out.flush()
    return 0


def serve(out, server, name, params):
    """The --serve side: server(params, ready) listens, calls ready(port),
    serves until standard input closes, and returns its counts, which go
    to fd 3 as one line after {"port": P}."""
    def ready(port):
        out.write(json.dumps({"port": port}) + "\n")
        out.flush()
    try:
        counts = server(params, ready)
    except (OSError, Wrong) as e:
        counts = {"error": f"{name}: {e}"}
    out.write(json.dumps(counts) + "\n")
    out.flush()
    return 0


def stdin_closed(wait_readable):
    """Block (through `wait_readable(fd)`, the system's own way to wait)
    until the harness closes our standard input."""
    while True:
        wait_readable(0)
        if not os.read(0, 4096):
            return


def check(what, counted, expected):
    """Raise Wrong unless counted == expected."""
    if counted != expected:
        raise Wrong(f"expected {expected:,} {what}, counted {counted:,}")


_memory = {}


def spawn_batches(n, done, tasks, start, finish, clock):
    """The spawn workload's frame, whatever the tasks: `done` batches of
    start(tasks) -> the live tasks, finish(them) -> how many finished.
    Memory per live task is the resident set's growth once the first batch
    of the process is alive, read with the clock paused. Only that first
    one tells: CPython keeps the memory of finished tasks for reuse, so a
    later batch grows the resident set by nothing (0 bytes per task,
    measured). Every repetition of the process reports that first reading.
    The first batch of each repetition (cold_ns_per_task, the memory reading
    left out) and the batches after it (warm_ns_per_task) are timed apart,
    as the C workload does (workloads/wl_spawn.c).
    Returns the counters."""
    before = rss_bytes()
    finished = batches = 0
    cold = warm = 0.0
    clock.start()
    mark = time.perf_counter()
    for b in range(done):
        if b == 1:
            mark = time.perf_counter()
        alive = start(tasks)
        if b == 0:
            cold = time.perf_counter() - mark
            clock.stop()
            if "peak" not in _memory:
                _memory.update(before=before, peak=rss_bytes())
            clock.start()
            mark = time.perf_counter()
        finished += finish(alive)
        del alive
        if b == 0:
            cold += time.perf_counter() - mark
        batches += 1
    if done > 1:
        warm = time.perf_counter() - mark
    clock.stop()
    check("batches", batches, n)
    check("finished tasks", finished, n * tasks)
    out = {"tasks": tasks, "cold_ns_per_task": cold * 1e9 / tasks}
    if done > 1:
        out["warm_ns_per_task"] = warm * 1e9 / ((done - 1) * tasks)
    if "peak" in _memory:
        grown = _memory["peak"] - _memory["before"]
        out.update(memory_kb=_memory["peak"] / 1024, user_bytes_per_task=grown / tasks)
    return out


if __name__ == "__main__":
    sys.exit("sbref is a module: run a reference program (ref_generator.py, ref_greenlet.py)")
