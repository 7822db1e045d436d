"""C12: A producer and consumer handing off with yield beat a lock-protected queue between threads."""

from ..claim import Claim
from ..rules import Decision, gt, kernel_best, mark, needs_kinds, one_core_scope, pipeline_sizes, qfmt, rate, tally, xfmt


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    figs, results = [], []
    for p in [p for p in pipeline_sizes(v) if p.get("capacity") == 1]:
        th, th_words = kernel_best(v, "pipeline", "threads", **p)
        for e in v.engines("coroutine", "pipeline"):
            r = rate(v, v.one_named("pipeline", e, **p))
            if r and th:
                ok = gt(r, th)
                results.append((e, ok, [r, th]))
                figs.append(f"{e} {qfmt(r)} items/s vs threads {th_words} = {xfmt(r / th, '.0f')} the faster of them"
                            + mark(ok))
    return one_core_scope(v, tally(results, "the engine", figs,
                                     "pipeline did not run with capacity 1 on threads and a coroutine engine"))


def decision(v, t):
    rows = []
    for p in [p for p in pipeline_sizes(v) if p.get("capacity") == 1]:
        th, _ = kernel_best(v, "pipeline", "threads", **p)
        for e in v.engines("coroutine", "pipeline"):
            r = rate(v, v.one_named("pipeline", e, **p))
            if r and th:
                rows.append((f"{e} / threads", r / th))
    return Decision("items per second over threads' at their best placement (capacity 1, times)", rows, [1],
                    log=True)

CLAIM = Claim(
    id="C12",
    claim="A producer and consumer handing off with yield beat a lock-protected queue between threads.",
    test="With a channel of capacity 1, is each coroutine engine's pipeline faster than threads handing off through a locked queue, on one core or across cores, whichever is faster?",
    needs=["pipeline/<engine>/stages:S/capacity:1", "pipeline/threads/stages:S/capacity:1/placement:spread"],
    rule="As C7 with a channel of capacity 1 (every item is a handoff): holds when every coroutine engine's items/s beats the threads queue at its faster placement (one core or across cores); holds only for the engines that do; does not hold when none does.",
    threshold={},
    check=check,
    decision=decision,
)
