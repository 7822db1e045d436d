"""ref-greenlet: greenlet's switch(), the stackful coroutines under gevent
and the tutorials' greenlet examples, for switchbench's reference rows
(references/README.md). Any greenlet can switch to any other directly."""

import os
import sys

import greenlet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sbref  # noqa: E402
from sbref import check, spawn_batches  # noqa: E402


def _two_sides(rounds, clock):
    """Two greenlets switch to each other, a token handed over with each
    switch() and returned plus one: the token counts the round trips."""
    def ping_run():
        tok = 0
        for _ in range(rounds):
            tok = pong.switch(tok)
        return tok

    def pong_run(tok):
        while True:
            tok = ping.switch(tok + 1)
    ping, pong = greenlet.greenlet(ping_run), greenlet.greenlet(pong_run)
    clock.start()
    tok = ping.switch()
    clock.stop()
    return tok


def switch(n, done, params, clock):
    """Each switch() is one switch: two a round trip."""
    check("switches", 2 * _two_sides(done // 2, clock), n)
    return {}


def pingpong(n, done, params, clock):
    """Each switch() hands the token over: one message, two a round trip."""
    check("messages", 2 * _two_sides(done // 2, clock), n)
    return {}


def ring(n, done, params, clock):
    """N greenlets, each switching the token to the next; one untimed lap.
    Each is started from the main greenlet first and parks there: one
    started from inside another counts against Python's recursion limit,
    and a ring of 10,000 would exceed it."""
    tasks = params["tasks"]
    main = greenlet.getcurrent()
    end = tasks + done
    members = []

    def member(i):
        def run():
            nxt = members[(i + 1) % tasks]
            tok = main.switch()
            while True:
                if tok == tasks:
                    clock.start()
                if tok == end:
                    clock.stop()
                    main.switch(tok)
                tok = nxt.switch(tok + 1)
        return run
    members.extend(greenlet.greenlet(member(i)) for i in range(tasks))
    for g in members:
        g.switch()
    tok = members[0].switch(0)
    check("hops", tok - tasks, n)
    return {}


def pipeline(n, done, params, clock):
    """Producer -> stages -> consumer, each item switched down the chain;
    the consumer switches back to the producer for the next. No buffer.
    Stages and consumer are started from the main greenlet and park there
    (see ring: a long chain started from inside would hit the recursion
    limit)."""
    count = total = 0
    main = greenlet.getcurrent()

    def produce():
        first = chain[0]
        for v in range(done):
            first.switch(v)

    def stage(i):
        def run():
            nxt = chain[i + 1]
            v = main.switch()
            while True:
                v = nxt.switch(v)
        return run

    def consume():
        nonlocal count, total
        v = main.switch()
        while True:
            count += 1
            total += v
            v = producer.switch()
    producer = greenlet.greenlet(produce)
    chain = [greenlet.greenlet(stage(i)) for i in range(params["stages"])]
    chain.append(greenlet.greenlet(consume))
    for g in chain:
        g.switch()
    clock.start()
    producer.switch()
    clock.stop()
    check("items", count, n)
    check("as the sum of items", total, n * (n - 1) // 2)
    return {"buffered": 0}


def spawn(n, done, params, clock):
    """Batches of N live greenlets: each started (it switches back, alive
    and idle), then released to finish."""
    main = greenlet.getcurrent()

    def task():
        main.switch()

    def start(tasks):
        alive = [greenlet.greenlet(task) for _ in range(tasks)]
        for g in alive:
            g.switch()
        return alive

    def finish(alive):
        for g in alive:
            g.switch()
        return sum(g.dead for g in alive)
    return spawn_batches(n, done, params["tasks"], start, finish, clock)


if __name__ == "__main__":
    sys.exit(sbref.main({"switch": switch, "pingpong": pingpong, "ring": ring, "pipeline": pipeline,
                         "spawn": spawn}, f"greenlet {greenlet.__version__}",
                        {"switch": 2, "pingpong": 2}))
