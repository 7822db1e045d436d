"""ref-generator: the tutorials' coroutines, Python generators driven by
send(), for switchbench's reference rows (references/README.md). A
generator can only give control back to whoever resumed it, so the driver
loop sits between any two of them: that is how generator coroutines work,
and what a switch costs there."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sbref  # noqa: E402
from sbref import check, spawn_batches  # noqa: E402


def _round_trips(rounds, clock):
    """The driver sends a token into a generator, which returns it plus
    one: a switch into the generator and one back per send."""
    def other():
        tok = yield
        while True:
            tok = yield tok + 1
    g = other()
    next(g)
    send = g.send
    tok = 0
    clock.start()
    for _ in range(rounds):
        tok = send(tok)
    clock.stop()
    return tok


def switch(n, done, params, clock):
    """One send is two switches."""
    check("switches", 2 * _round_trips(done // 2, clock), n)
    return {}


def pingpong(n, done, params, clock):
    """One send is two messages: the token there and back plus one."""
    check("messages", 2 * _round_trips(done // 2, clock), n)
    return {}


def ring(n, done, params, clock):
    """N generators; the token visits each in turn (the driver carries it),
    after one untimed lap."""
    tasks = params["tasks"]

    def member():
        tok = yield
        while True:
            tok = yield tok + 1
    sends = []
    for _ in range(tasks):
        g = member()
        next(g)
        sends.append(g.send)
    tok = 0
    for s in sends:
        tok = s(tok)
    laps, rest = divmod(done, tasks)
    clock.start()
    for _ in range(laps):
        for s in sends:
            tok = s(tok)
    for s in sends[:rest]:
        tok = s(tok)
    clock.stop()
    check("hops", tok - tasks, n)
    return {}


def pipeline(n, done, params, clock):
    """The tutorials' producer/consumer: the producer hands each item to the
    stage generators in turn and then to the consumer. The producer's loop
    carries it, as in ring: stages that sent to each other would nest a
    call per stage, and CPython's recursion limit ends a chain of 1,000.
    Generators hold no buffer: every item is a hand-off whatever the
    capacity."""
    def consumer():
        count = total = 0
        v = yield
        while v is not None:
            count += 1
            total += v
            v = yield
        yield count, total

    def stage():
        v = yield
        while True:
            v = yield v
    stages = []
    for _ in range(params["stages"]):
        g = stage()
        next(g)
        stages.append(g.send)
    sink = consumer()
    next(sink)
    consume = sink.send
    clock.start()
    for v in range(done):
        for s in stages:
            v = s(v)
        consume(v)
    clock.stop()
    count, total = consume(None)
    check("items", count, n)
    check("as the sum of items", total, n * (n - 1) // 2)
    return {"buffered": 0}


def spawn(n, done, params, clock):
    """Batches of N live generators: created, started (each suspended at
    its first yield), then finished."""
    def task():
        yield

    def start(tasks):
        alive = [task() for _ in range(tasks)]
        for g in alive:
            next(g)
        return alive

    def finish(alive):
        return sum(next(g, "end") == "end" for g in alive)
    return spawn_batches(n, done, params["tasks"], start, finish, clock)


if __name__ == "__main__":
    sys.exit(sbref.main({"switch": switch, "pingpong": pingpong, "ring": ring, "pipeline": pipeline,
                         "spawn": spawn}, "generators (send)", {"switch": 2, "pingpong": 2}))
