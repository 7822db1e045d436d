"""ref-gevent's workloads about cores: cpu (greenlets computing on gevent's
one thread: the GIL and the hub allow no more) and blocking (time.sleep
without monkey-patching, a blocking call the hub cannot see, while other
greenlets work). Both check their work as workloads/wl_cpu.c and
workloads/wl_blocking.c do."""

import time

import gevent

from sbref import Wrong, check

MASK = (1 << 64) - 1
LCG_A = 6364136223846793005
LCG_C = 1442695040888963407
CPU_STEPS = 1024  # a unit of the cpu workload (wl_cpu.c)
BLOCKING_UNIT_STEPS = 2048  # a unit of the blocking workload's workers (wl_blocking.c)


def lcg(x, steps):
    """x after `steps` steps of the 64-bit LCG, step by step: the work."""
    for _ in range(steps):
        x = (x * LCG_A + LCG_C) & MASK
    return x


def lcg_jump(x, n):
    """The same in O(log n), by squaring the affine map: the check."""
    a, c, ra, rc = LCG_A, LCG_C, 1, 0
    while n:
        if n & 1:
            ra, rc = ra * a & MASK, (rc * a + c) & MASK
        c, a = c * (a + 1) & MASK, a * a & MASK
        n >>= 1
    return (ra * x + rc) & MASK


def _share(total, tasks, i):
    return total // tasks + (1 if i < total % tasks else 0)


def cpu(n, done, params, clock):
    """`tasks` greenlets share the units, each yielding (gevent.sleep(0))
    every yield_every units when that is not 0."""
    tasks, every = params["tasks"], params["yield_every"]
    seeds = [(0x9E3779B97F4A7C15 * (i + 1)) & MASK for i in range(tasks)]
    result = [None] * tasks

    def body(i):
        x = seeds[i]
        for u in range(_share(done, tasks, i)):
            x = lcg(x, CPU_STEPS)
            if every and (u + 1) % every == 0:
                gevent.sleep(0)
        result[i] = x
    clock.start()
    gevent.joinall([gevent.spawn(body, i) for i in range(tasks)])
    clock.stop()
    for i in range(tasks):
        if result[i] != lcg_jump(seeds[i], _share(n, tasks, i) * CPU_STEPS):
            raise Wrong(f"task {i}: expected the generator's state after {_share(n, tasks, i):,} units, "
                        "computed another")
    return {}


def blocking(n, done, params, clock):
    """One greenlet calls time.sleep (not gevent's: the module is not
    monkey-patched, as in the tutorials' warning) while `tasks` others run
    work units and stamp their progress; each call waits until every
    worker has moved since the last one. The hub cannot run anyone while
    the call blocks: the longest stall is the call."""
    others, block = params["tasks"], params["block_ms"] / 1000
    state = {"epoch": 0, "progressed": 0, "in_call": False, "finished": False, "calls": 0}
    workers = [{"max_gap": 0.0, "units": 0, "blocked": 0, "epoch": 0} for _ in range(others)]

    def blocker():
        for _ in range(done):
            state["progressed"] = 0
            state["epoch"] += 1
            while state["progressed"] < others:
                gevent.sleep(0)
            state["in_call"] = True
            time.sleep(block)
            state["in_call"] = False
            state["calls"] += 1
            gevent.sleep(0)
        state["finished"] = True

    def worker(w, x):
        last = time.monotonic()
        while not state["finished"]:
            x = lcg(x, BLOCKING_UNIT_STEPS)
            now = time.monotonic()
            w["max_gap"] = max(w["max_gap"], now - last)
            last = now
            w["units"] += 1
            if state["in_call"]:
                w["blocked"] += 1
            if w["epoch"] != state["epoch"]:
                w["epoch"] = state["epoch"]
                state["progressed"] += 1
            gevent.sleep(0)
    clock.start()
    gevent.joinall([gevent.spawn(blocker)] + [gevent.spawn(worker, w, i + 2) for i, w in enumerate(workers)])
    clock.stop()
    check("blocking calls", state["calls"], n)
    if any(w["units"] == 0 for w in workers):
        raise Wrong("a worker never ran a unit")
    gap = max(w["max_gap"] for w in workers)
    return {"max_stall_us": gap * 1e6, "stall_over_call": gap / block,
            "units_during_calls": sum(w["blocked"] for w in workers)}
