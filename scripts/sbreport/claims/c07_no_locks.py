"""C7: Coroutines need no locks, so they avoid synchronization overhead."""

from ..claim import Claim
from ..rules import Decision, all_of, best_any, gt, kernel_best, mark, needs_kinds, one_core_scope, pipeline_sizes, qfmt, tally


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    figs, results, sizes, rows = [], [], pipeline_sizes(v), []
    for p in sizes:
        coro = best_any(v, "pipeline", v.engines("coroutine", "pipeline"), **p)
        th, th_words = kernel_best(v, "pipeline", "threads", **p)
        pr, pr_words = kernel_best(v, "pipeline", "processes", **p)
        if not (coro and th):
            continue
        tag = "/".join(f"{k}:{int(x)}" for k, x in p.items())
        ok = all_of([gt(coro[1], th)] + ([gt(coro[1], pr)] if pr else []))
        results.append((tag, ok, [coro[1], th] + ([pr] if pr else [])))
        rows.append((f"{tag}: {coro[0]} / threads", coro[1] / th))
        if pr:
            rows.append((f"{tag}: {coro[0]} / processes", coro[1] / pr))
        figs.append(f"{tag}: {coro[0]} {qfmt(coro[1])} items/s, threads {th_words}, processes {pr_words}"
                    + mark(ok, "faster than both", "not faster"))
    verdict = one_core_scope(v, tally(results, "the pipeline", figs,
                                        "pipeline did not run on threads and a coroutine engine at one size"))
    verdict.decisions = [Decision("the best coroutine channel's items/s over the other's (times)", rows, [1],
                                  log=True)]
    return verdict


CLAIM = Claim(
    id="C7",
    claim="Coroutines need no locks, so they avoid synchronization overhead.",
    test="Is a coroutine channel faster than a locked queue between threads and a pipe between processes, each at its faster placement (one core or across cores), at every pipeline size?",
    needs=["pipeline/<engine>/stages:S/capacity:K", "pipeline/threads/stages:S/capacity:K/placement:spread"],
    rule="At each pipeline size, the best coroutine channel's items/s against a mutex/condvar queue between threads and a pipe between processes, each at its faster placement: packed on one core (the workload's own: every hand-off a context switch) or across cores (the quick run measures both). Holds when the coroutine channel is faster than both at every size; holds only at the sizes where it is; does not hold at none.",
    threshold={},
    check=check,
)
