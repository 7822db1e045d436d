"""C4: Coroutines run in one thread and cannot use several cores; add processes (or threads) to use them."""

from ..interval import at_least, below
from ..claim import Claim
from ..rules import Decision, HOLDS, NOT, ONLY, Verdict, best_any, mark, missing, needs_kinds_and_cores, open_verdict, xfmt


def check(v, t):
    if (m := needs_kinds_and_cores(v)):
        return m
    k = float(v.cores)
    figs, flat, scales, rows = [], [], [], []
    engines = v.engines("coroutine", "cpu")
    for e in engines:
        one, many = best_any(v, "cpu", [e], tasks=1.0), best_any(v, "cpu", [e], tasks=k)
        if not (one and many):
            continue
        g = many[1] / one[1]
        ok = below(g, t["flat_below"])
        flat.append((e, ok, [one[1], many[1]]))
        rows.append((f"{e}: {int(k)} tasks / 1, one scheduler", g))
        line = f"{e}: {int(k)} tasks on one scheduler {xfmt(g)} of one task" + mark(ok, "flat", "grows")
        w = None
        for n, b in v.pick("cpu", e, workers=k, tasks=k):
            if b.ok:
                w = v.counter(n, b, "items_per_second")
        if w:
            s = w / many[1]
            sok = at_least(s, t["scaling_share"] * k)
            scales.append((f"{e} --workers={int(k)}", sok, [w, many[1]]))
            rows.append((f"{e}: --workers={int(k)} / one scheduler", s))
            line += f"; with --workers={int(k)} {xfmt(s)} of one scheduler" + mark(sok, "uses the cores",
                                                                                 "does not scale")
        figs.append(line)
    if not flat:
        return missing("cpu did not run at tasks=1 and tasks=cores on a coroutine engine")
    verdict = _decide(v, t, figs, flat, scales)
    verdict.decisions = [Decision("throughput ratio (times)", rows, [t["flat_below"], t["scaling_share"] * k])]
    return verdict


def _decide(v, t, figs, flat, scales):
    tags = [e for e, _, _ in flat]
    if any(ok is False for _, ok, _ in flat):
        return Verdict(NOT, figures=figs, decided_by=tags)
    if any(ok is None for _, ok, _ in flat):
        return open_verdict(figs, flat, tags)
    if any(ok for _, ok, _ in scales):
        return Verdict(ONLY, "one scheduler runs them (--workers uses every core)", figs, decided_by=tags)
    if any(ok is None for _, ok, _ in scales):
        return open_verdict(figs, scales, tags)
    return Verdict(HOLDS, figures=figs, decided_by=tags)


CLAIM = Claim(
    id="C4",
    claim="Coroutines run in one thread and cannot use several cores; add processes (or threads) to use them.",
    test="Does one coroutine scheduler stay below 1.2x of one task's rate with a task per core (it cannot use more cores), and does --workers reach 0.75 x cores (M:N can)?",
    needs=["cpu/<engine>/tasks:1", "cpu/<engine>/tasks:<cores>", "cpu/<engine>/tasks:<cores>/workers:<cores>"],
    rule="Per coroutine engine: one scheduler's items/s at tasks=cores over tasks=1 stays below 1.2x (it does not grow), and with --workers=cores it reaches at least 0.75 x cores times the one-scheduler figure (it uses the cores). Holds when one scheduler does not grow; 'holds only when one scheduler runs them' when workers do grow (the claim's 'cannot' is false for M:N); does not hold when one scheduler grows. Needs two cores.",
    threshold={"flat_below": 1.2, "scaling_share": 0.75},
    check=check,
)
