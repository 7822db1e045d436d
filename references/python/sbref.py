"""The Python references' side of switchbench's protocol (references/README.md).

switchbench forks, pins and times out a reference like any engine; the
program it starts runs one job: --workload=NAME, --param=KEY=VALUE... Each
line on standard input is a request for one repetition of N iterations
(the harness searches N itself, harness/run/iterations.c: the rule is in one
place); each answer is one JSON line on fd 3: {iterations, real_ns,
cpu_ns, cpus_used, system, counters}, or {error} when its work did not
check out, after which the program ends. The end of standard input ends
it. `iterations` is N, or N rounded up to a whole unit where the
program's unit of work is several iterations (a generator's send is two
switches). Interpreter start-up is never timed: real_ns is the sum of
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

# Memory per task from this many tasks up, as the harness's own workloads
# (contracts/sb_workload.h, SB_MEMORY_MIN_TASKS): below, the interpreter's
# own fluctuation outweighs a task and the figure could come out below zero.
MEMORY_MIN_TASKS = 100

# Where --serve listens: 127.0.0.1, or the address a load agent on
# another host reaches the server at (--listen, from the harness).
LISTEN = "127.0.0.1"


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


def rss_bytes():
    """The resident set now (for memory per task)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _cpus():
    return ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))


def main(workloads, system, multiple=None, servers=None):
    """Run the job on the command line with `workloads` (name -> work
    function); `system` names the library and interpreter for the label;
    `multiple` (name -> int) is the unit of work where it is more than one
    iteration: a request is rounded up to it. `servers` (name -> serve
    function) are the workloads the harness drives while this program
    serves (--serve)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True)
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--workers", type=int, default=1)  # one interpreter thread: always 1
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--listen", default="127.0.0.1")  # where a load agent reaches the server
    a = ap.parse_args()
    global LISTEN
    LISTEN = a.listen
    out = os.fdopen(3, "w")
    params = {k: int(v) for k, v in (p.split("=", 1) for p in a.param)}
    if a.serve:
        return serve(out, (servers or {})[a.workload], a.workload, params)
    work = workloads[a.workload]
    mult = (multiple or {}).get(a.workload, 1)
    lie = os.environ.get("SB_REF_LIE") == "1"
    label = f"{system}, CPython {platform.python_version()}"

    def answer(line):
        out.write(json.dumps(line) + "\n")
        out.flush()

    try:
        for request in iter(sys.stdin.buffer.readline, b""):
            n = -(-int(request) // mult) * mult
            clock = Clock()
            c0 = time.process_time_ns()
            counters = work(n, n - 1 if lie else n, params, clock)
            answer({"iterations": n, "real_ns": float(clock.total), "cpu_ns": float(time.process_time_ns() - c0),
                    "cpus_used": _cpus(), "system": label, "counters": counters})
    except Wrong as e:
        answer({"error": f"{a.workload}: {e}"})
    except MemoryError:
        answer({"error": f"{a.workload}: out of memory"})
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
        out.update(memory_kb=_memory["peak"] / 1024)
        if tasks >= MEMORY_MIN_TASKS:
            out.update(user_bytes_per_task=grown / tasks)
    return out


if __name__ == "__main__":
    sys.exit("sbref is a module: run a reference program (ref_generator.py, ref_greenlet.py)")
