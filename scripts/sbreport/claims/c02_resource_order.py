"""C2: Resource use: process > thread > coroutine."""

from ..claim import Claim
from ..rules import Decision, all_of, gt, mark, missing, needs_kinds, qfmt, split, tally_halves


def _spawn_cost(v, e, n):
    """(memory per task, ns to create a task, words on its memory, how the
    kernel's share was measured) of spawn at n tasks. Memory is
    bytes_per_task, user plus kernel: a record that could not measure the
    kernel's share has none and is not judged."""
    hit = v.one_named("spawn", e, tasks=n)
    if not hit or v.counter(*hit, "bytes_per_task") is None:
        return None
    user, kern = v.counter(*hit, "user_bytes_per_task"), v.counter(*hit, "kernel_bytes_per_task")
    split = f" (user {qfmt(user, 'B')} + kernel {qfmt(kern, 'B')})" if user and kern else ""
    cold = v.counter(*hit, "cold_ns_per_task")
    if cold is None:
        return None
    label = hit[1].label or ""
    method = [part.split(":", 1)[1].strip() for part in label.split("; ") if part.startswith("kernel memory:")]
    return v.counter(*hit, "bytes_per_task"), cold, split, method


def _largest_common(v):
    """(n, {engine: cost}) at the largest spawn size that processes,
    threads and a coroutine engine all measured, or (None, {})."""
    coro = v.engines("coroutine", "spawn")
    for n in reversed(v.sizes("spawn", "tasks")):
        got = {e: _spawn_cost(v, e, n) for e in ["processes", "threads"] + coro}
        costs = {e: c for e, c in got.items() if c}
        if "processes" in costs and "threads" in costs and any(e in costs for e in coro):
            return n, costs
    return None, {}


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    coro = v.engines("coroutine", "spawn")
    n, costs = _largest_common(v)
    if n is None:
        return missing("no spawn size ran on processes, threads and a coroutine engine")
    p, th = costs["processes"], costs["threads"]
    cs = {e: costs[e] for e in coro if e in costs}
    halves = {}
    for i, what in ((0, "memory"), (1, "creation time")):
        halves[what] = (all_of([gt(p[i], th[i])] + [gt(th[i], c[i]) for c in cs.values()]),
                        [p[i], th[i]] + [c[i] for c in cs.values()])
    figs = [f"at {int(n):,} live tasks: processes {qfmt(p[0], 'B')}/task{p[2]}, {qfmt(p[1], 'ns')} to create (cold: a repetition's first batch)",
            f"threads {qfmt(th[0], 'B')}/task{th[2]}, {qfmt(th[1], 'ns')}"] + \
        [f"{e} {qfmt(c[0], 'B')}/task{c[2]}, {qfmt(c[1], 'ns')}" for e, c in cs.items()]
    methods = sorted({m for c in costs.values() for m in c[3]})
    figs.append("memory is user + kernel (kernel stacks, page tables, slab), the kernel's share measured by "
                + (", ".join(methods) or "an unnamed method"))
    figs += [f"{what}: processes > threads > every coroutine engine" + mark(ok)
             for what, (ok, _) in halves.items()]
    return tally_halves(halves, figs, lambda held: "counting " + held, ["processes", "threads"] + list(cs))


def decision(v, t):
    """The two orders the claim states, one chart each: memory per task and
    creation time per task, rows in the claim's order (processes, threads,
    then the coroutine engines). No threshold: the order decides."""
    n, costs = _largest_common(v)
    if n is None:
        return None
    order = ["processes", "threads"] + [e for e in v.engines("coroutine", "spawn") if e in costs]
    return [Decision(f"bytes per live task, user + kernel ({int(n):,} tasks)",
                     [(e, costs[e][0]) for e in order], [], log=True, part="memory"),
            Decision(f"ns to create a task, cold ({int(n):,} tasks)",
                     [(e, costs[e][1]) for e in order], [], log=True, part="creation time")]


CLAIM = Claim(
    id="C2",
    claim="Resource use: process > thread > coroutine.",
    test="At the largest spawn size all three ran, do processes cost more than threads, and threads more than every coroutine engine, in memory per task and in time to create one?",
    needs=["spawn/<engine>/tasks:N"],
    rule="At the largest spawn size that processes, threads and at least one coroutine engine all ran: memory per live task, user plus kernel (bytes_per_task: resident memory, plus kernel stacks, page tables and slab from a cgroup of the run or /proc/meminfo) and creation time per task (cold_ns_per_task: the first batch of a repetition, in fresh memory, so that no engine is timed on reused memory while another is not) must both order processes > threads > every coroutine engine. Holds when both orders hold; holds only for the one that does; else does not hold.",
    threshold={},
    check=check,
    decision=decision,
)
