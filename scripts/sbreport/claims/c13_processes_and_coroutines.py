"""C13: Processes (or threads) each running many coroutines give the highest performance."""

from ..interval import at_least
from ..claim import Claim
from ..rules import Decision, OPEN, best_any, mark, missing, needs_kinds_and_cores, qfmt, tally_halves, xfmt


def check(v, t):
    if (m := needs_kinds_and_cores(v)):
        return m
    k = float(v.cores)
    figs, halves, rows = [], {}, []
    conns = v.sizes("echo", "conns")
    for fam, params in (("echo", {"conns": conns[-1]} if conns else None), ("cpu", {"tasks": k})):
        if params is None:
            continue
        mn = None
        for e in v.engines("coroutine", fam):
            for n, b in v.pick(fam, e, workers=k, **params):
                r = v.counter(n, b, "items_per_second") if b.ok else None
                if r and (mn is None or r.med > mn[1].med):
                    mn = (f"{e} on {int(k)} workers", r)
        single = best_any(v, fam, v.engines(family=fam), **params)
        if mn and single:
            ratio = mn[1] / single[1]
            ok = at_least(ratio, t["margin"])
            halves[fam] = (ok, [mn[1], single[1]])
            rows.append((f"{fam}: {mn[0]} / {single[0]}", ratio))
            figs.append(f"{fam}: M:N {mn[0]} {qfmt(mn[1])}/s vs best single {single[0]} {qfmt(single[1])}/s "
                        f"= {xfmt(ratio)} (a win needs {t['margin']}x)" + mark(ok))
    if not halves:
        return missing("no M:N (--workers) run of echo or cpu beside single-model ones")
    verdict = tally_halves(halves, figs, lambda held: f"the workload is {held}", [])
    if len(halves) == 1 and verdict.status != OPEN:
        verdict.unmeasured = "cpu" if "echo" in halves else "echo"
    verdict.decisions = [Decision("M:N over the best single model (times)", rows, [t["margin"]])]
    return verdict


CLAIM = Claim(
    id="C13",
    claim="Processes (or threads) each running many coroutines give the highest performance.",
    test="Does M:N (--workers=cores) beat the best single model by 5 % or more, for echo and for cpu?",
    needs=["echo/<engine>/conns:N/workers:W", "cpu/<engine>/tasks:T/workers:W"],
    rule="For echo at its largest size and cpu at tasks = cores: the best M:N configuration (a coroutine engine with workers > 1) against the best single-model configuration (any engine with one scheduler, threads, processes, the libuv baseline). 'Highest' means faster by the margin (5 %: a tie within the noise of a shared machine is not a win). Holds when M:N wins in both; holds only in the workload where it wins; does not hold in neither. Needs two cores.",
    threshold={"margin": 1.05},
    check=check,
)
