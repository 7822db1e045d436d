"""ref-gevent: gevent, the tutorials' "coroutines for IO", for switchbench's
reference rows (references/README.md). Greenlets scheduled by gevent's hub:
a task gives up the CPU by waiting (a channel, a queue, a sleep), and the
hub decides who runs next."""

import os
import sys
import time

import gevent
import gevent.event
import gevent.queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sbref  # noqa: E402
from sbref import check, rss_bytes, spawn_batches  # noqa: E402
from gevent_cores import blocking, cpu  # noqa: E402
from gevent_echo import serve_echo  # noqa: E402

# gevent makes its hub and event loop at the first wait: about 10 ms and a
# megabyte that belong to no task. Made here, before anything is timed or
# measured, as a long-running gevent program has them.
gevent.sleep(0)


def switch(n, done, params, clock):
    """Two greenlets take turns with gevent.sleep(0), gevent's own way to
    let another run: each resume is one switch (through the hub)."""
    count = [0, 0]

    def side(i, turns):
        for _ in range(turns):
            count[i] += 1
            gevent.sleep(0)
    a = gevent.spawn(side, 0, (done + 1) // 2)
    b = gevent.spawn(side, 1, done // 2)
    clock.start()
    gevent.joinall([a, b])
    clock.stop()
    check("switches", count[0] + count[1], n)
    return {}


def _pass_along(tasks, hops, clock):
    """`tasks` greenlets in a ring of unbuffered channels (gevent.queue.
    Channel: a put waits for its get); the token goes round `hops` times
    after one untimed lap. Returns the token's last value."""
    chans = [gevent.queue.Channel() for _ in range(tasks)]
    end = tasks + hops
    last = gevent.event.AsyncResult()

    def member(i):
        inbox, outbox = chans[i], chans[(i + 1) % tasks]
        while True:
            tok = inbox.get()
            if tok == tasks:
                clock.start()
            if tok == end:
                clock.stop()
                last.set(tok)
                return
            outbox.put(tok + 1)
    group = [gevent.spawn(member, i) for i in range(tasks)]
    chans[0].put(0)
    tok = last.get()
    gevent.killall(group)  # the others wait on their channels for good
    return tok


def pingpong(n, done, params, clock):
    """Two greenlets pass a token through unbuffered channels: one message
    per put."""
    tok = _pass_along(2, done, clock)
    check("messages", tok - 2, n)
    return {}


def ring(n, done, params, clock):
    """N greenlets in a ring of unbuffered channels: one hop per put."""
    tasks = params["tasks"]
    tok = _pass_along(tasks, done, clock)
    check("hops", tok - tasks, n)
    return {}


def pipeline(n, done, params, clock):
    """Producer -> stages -> consumer over gevent queues of the given
    capacity (gevent.queue.Queue(maxsize))."""
    stages, cap = params["stages"], params["capacity"]
    queues = [gevent.queue.Queue(maxsize=cap) for _ in range(stages + 1)]
    stop = object()
    got = [0, 0]

    def produce():
        q = queues[0]
        for v in range(done):
            q.put(v)
        q.put(stop)

    def stage(i):
        inq, outq = queues[i], queues[i + 1]
        while True:
            v = inq.get()
            outq.put(v)
            if v is stop:
                return

    def consume():
        q = queues[-1]
        count = total = 0
        while True:
            v = q.get()
            if v is stop:
                got[0], got[1] = count, total
                return
            count += 1
            total += v
    group = [gevent.spawn(consume)] + [gevent.spawn(stage, i) for i in range(stages)]
    clock.start()
    group.append(gevent.spawn(produce))
    gevent.joinall(group)
    clock.stop()
    check("items", got[0], n)
    check("as the sum of items", got[1], n * (n - 1) // 2)
    return {}


def spawn(n, done, params, clock):
    """Batches of N live greenlets (gevent.spawn), each waiting on an
    Event until released, then joined."""
    def start(tasks):
        release = gevent.event.Event()
        alive = [gevent.spawn(release.wait) for _ in range(tasks)]
        gevent.sleep(0)  # every one runs up to its wait: alive
        alive.append(release)
        return alive

    def finish(alive):
        release = alive.pop()
        release.set()
        gevent.joinall(alive)
        return sum(g.successful() for g in alive)
    return spawn_batches(n, done, params["tasks"], start, finish, clock)


_sleep_memory = []


def sleep(n, done, params, clock):
    """gevent.sleep's demo: N greenlets each sleep S at once, `done` rounds.
    Every sleeper checks with the monotonic clock that it slept at least S;
    the clock runs until the last one wakes. Memory is read half-way
    through the process's first round, while all N sleep (later rounds
    reuse its memory: see sbref.spawn_batches); every repetition reports it."""
    tasks, secs = params["tasks"], params["sleep_ms"] / 1000
    stats = {"early": 0, "late_max": 0.0, "late_sum": 0.0, "sleeps": 0}
    before = rss_bytes()
    peak = [before]

    def sleeper():
        for _ in range(done):
            t0 = time.monotonic()
            gevent.sleep(secs)
            slept = time.monotonic() - t0
            if slept < secs:
                stats["early"] += 1
            else:
                stats["late_max"] = max(stats["late_max"], slept - secs)
                stats["late_sum"] += slept - secs
            stats["sleeps"] += 1

    def probe():
        gevent.sleep(secs / 2)
        peak[0] = rss_bytes()
        _sleep_memory.extend([before, peak[0]])
    clock.start()
    group = [gevent.spawn(sleeper) for _ in range(tasks)]
    if done and not _sleep_memory:
        group.append(gevent.spawn(probe))
    gevent.joinall(group)
    clock.stop()
    check("sleeps", stats["sleeps"], n * tasks)
    if stats["early"]:
        raise sbref.Wrong(f"{stats['early']} sleeps ended early")
    out = {"late_max_us": stats["late_max"] * 1e6,
           "late_mean_us": stats["late_sum"] / max(1, stats["sleeps"]) * 1e6, "sleep_ms": secs * 1e3}
    if _sleep_memory:
        # User memory only, as the other references: the kernel's share is
        # measured around our own engines (bytes_per_task), not in here.
        out.update(memory_kb=_sleep_memory[1] / 1024)
        if tasks >= sbref.MEMORY_MIN_TASKS:
            out.update(user_bytes_per_task=(_sleep_memory[1] - _sleep_memory[0]) / tasks)
    return out


if __name__ == "__main__":
    sys.exit(sbref.main({"switch": switch, "pingpong": pingpong, "ring": ring, "pipeline": pipeline,
                         "spawn": spawn, "sleep": sleep, "cpu": cpu, "blocking": blocking},
                        f"gevent {gevent.__version__}",
                        servers={"echo": serve_echo, "echo-open": serve_echo}))
