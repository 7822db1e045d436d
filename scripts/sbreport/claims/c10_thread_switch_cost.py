"""C10: Thread switches cost far more than coroutine switches because the OS saves and restores much more."""

from ..interval import at_least
from ..claim import Claim
from ..rules import Decision, MISSING, ONLY, OPEN, Verdict, mark, missing, qfmt, tally, xfmt


def check(v, t):
    asm = v.one_named("pingpong", "asm")
    if not asm:
        return missing("pingpong/asm did not run")
    asm_q = v.time(*asm)
    figs, results, unmeasured = [], [], ""
    for where, pl in (("on one core", None), ("across cores", "spread")):
        th = v.one_named("pingpong", "threads", placement=pl)
        if not th:
            unmeasured = where + (f" (needs two cores; this run had {v.cores})" if pl and v.cores < 2 else "")
            continue
        r = v.time(*th) / asm_q
        ok = at_least(r, t["ratio"])
        results.append((where, ok, [r]))
        figs.append(f"{where}: threads {qfmt(v.time(*th), 'ns')} vs asm {qfmt(asm_q, 'ns')} = {xfmt(r, '.0f')}"
                    + mark(ok))
    if not results:
        return Verdict(MISSING, figures=figs, why="pingpong/threads did not run")
    verdict = tally(results, "the threads are", figs, "")
    if verdict.status == ONLY:
        verdict.when = "the threads are " + verdict.when.split(" is ", 1)[1]
    # The claim has two halves: the cost, measured here, and its cause
    # (what the OS saves and restores), which no figure of this run tests:
    # the verdict endorses the cost only, and says so.
    cause = "the cause (what the OS saves and restores): not tested here, only the cost"
    if verdict.status != OPEN:
        verdict.unmeasured = "; ".join(x for x in (unmeasured, cause) if x)
    return verdict


def decision(v, t):
    asm = v.one_named("pingpong", "asm")
    rows = []
    for where, pl in (("on one core", None), ("across cores", "spread")):
        th = v.one_named("pingpong", "threads", placement=pl)
        if asm and th:
            rows.append((f"threads / asm, {where}", v.time(*th) / v.time(*asm)))
    return Decision("thread switch / coroutine switch (pingpong, times)", rows, [t["ratio"]], log=True)

CLAIM = Claim(
    id="C10",
    claim="Thread switches cost far more than coroutine switches because the OS saves and restores much more.",
    test="Is a thread switch (pingpong) at least 10x a coroutine switch, on one core and across cores?",
    needs=["pingpong/threads", "pingpong/threads/placement:spread", "pingpong/asm"],
    rule="The ratio threads / asm of ns per pingpong switch, with both threads on one core and across cores. 'Far more' is at least 10x. Holds when both ratios reach it; holds only on the placement that does; does not hold when neither does. Cross-core needs two cores. The verdict is the cost's only: the cause the claim gives (what the OS saves and restores) is not tested by these figures, and the verdict says so.",
    threshold={"ratio": 10},
    check=check,
    decision=decision,
)
