"""C5: One CPU easily holds tens of thousands of coroutines."""

from ..claim import Claim
from ..interval import Q
from ..rules import Decision, MISSING, NOT, Verdict, fmt, missing, needs_kinds, split


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    figs, good, coro, held = [], [], v.engines("coroutine", "spawn"), {}
    if not coro:
        return missing("spawn did not run on a coroutine engine")
    for e in v.engines(family="spawn"):
        ran = [(n.params["tasks"], b) for n, b in v.pick("spawn", e) if b.ok and "tasks" in n.params]
        stopped = [b.skipped or b.error for n, b in v.pick("spawn", e) if not b.ok]
        if ran:
            n, b = max(ran, key=lambda x: x[0])
            ring = v.sizes("ring", "tasks", e)
            hop = v.one("ring", e, tasks=ring[-1]).median() if ring else None
            # One memory definition: user plus kernel per task, as spawn's
            # chart and C2 show it (user only where the kernel's share was
            # not measured, said so). The size is what this run asked, not
            # a capacity: larger sizes that did not run say why below.
            per = b.counter("bytes_per_task")
            mem = (f"{fmt(per, 'B')} per task, user + kernel" if per is not None else
                   f"{fmt(b.counter('user_bytes_per_task'), 'B')} per task, user memory only" if
                   b.counter("user_bytes_per_task") is not None else "memory not measured")
            scope = "the largest size this run asked of it" if not stopped else "the largest that ran"
            figs.append(f"{e}: {int(n):,} live tasks ({scope}), {mem}"
                        + (f"; ring of {int(ring[-1]):,}: {fmt(hop, 'ns')} a hop" if hop else ""))
            if e in coro:
                held[e] = (n, figs[-1])
            if e in coro and n >= t["tasks"]:
                good.append(e)
        if stopped:
            why = stopped[0].split(" (a default size")[0]
            figs.append(f"{e}: larger sizes did not run: {why[:140]}")
    status, when = split(good, coro, "the engine")
    if status == NOT and not any(n >= t["tasks"] for n in v.sizes("spawn", "tasks")):
        return Verdict(MISSING, figures=figs, why=f"no spawn of {t['tasks']:,} or more tasks ran")
    verdict = Verdict(status, when, figs, decided_by=coro)
    verdict.results = [(e, e in good) for e in coro]
    # The answer quotes the coroutine engine that held the fewest: the one
    # the verdict rests on (a kernel engine's figure decides nothing).
    if held:
        verdict.key_figure = min(held.values(), key=lambda x: x[0])[1]
    return verdict


def decision(v, t):
    """The most live tasks each engine held in this run (a count, exact),
    against the claim's tens of thousands."""
    rows = []
    for e in v.engines(family="spawn"):
        ran = [n.params["tasks"] for n, b in v.pick("spawn", e) if b.ok and "tasks" in n.params]
        if ran and v.kinds.get(e) in ("coroutine", "kernel"):
            rows.append((f"{e} ({v.kinds.get(e)})", Q.exact(max(ran))))
    return Decision("live tasks held (the largest size that ran)", rows, [t["tasks"]], log=True)


CLAIM = Claim(
    id="C5",
    claim="One CPU easily holds tens of thousands of coroutines.",
    test="Did every coroutine engine hold 10,000 live tasks or more?",
    needs=["spawn/<engine>/tasks:N (N >= 10000)", "ring/<engine>/tasks:N"],
    rule="Per engine, the largest spawn size that ran without error, its memory, and the ring's ns per hop at its largest size. Holds when every coroutine engine held at least 10,000 live tasks; holds only for the engines that did otherwise; does not hold when none did. Kernel engines are reported beside them (a limit that stops them is named).",
    threshold={"tasks": 10000},
    check=check,
    decision=decision,
)
