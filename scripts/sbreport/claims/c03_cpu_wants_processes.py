"""C3: CPU-bound work wants several processes; IO-bound work wants threads or coroutines."""

from ..interval import at_least
from ..claim import Claim
from ..rules import Decision, MISSING, OPEN, Verdict, best_any, mark, needs_kinds, qfmt, tally_halves, xfmt


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    figs, halves, rows = [], {}, []
    if v.cores < 2:
        figs.append(f"cpu half needs two cores; this run had {v.cores}")
    else:
        k = float(v.cores)
        kern = best_any(v, "cpu", v.engines("kernel", "cpu"), tasks=k)
        coro = best_any(v, "cpu", v.engines("coroutine", "cpu"), tasks=k)
        if kern and coro:
            ratio = kern[1] / coro[1]
            ok = at_least(ratio, t["parallel_speedup"])
            halves["CPU-bound"] = (ok, [kern[1], coro[1]])
            rows.append((f"cpu: {kern[0]} / one scheduler (needs {t['parallel_speedup']}x)", ratio))
            figs.append(f"cpu, {v.cores} tasks: {kern[0]} {qfmt(kern[1])} items/s vs one {coro[0]} scheduler "
                        f"{qfmt(coro[1])} items/s = {xfmt(ratio)} (needs {t['parallel_speedup']}x)" + mark(ok))
    conns = v.sizes("echo", "conns", "threads")
    if conns:
        c = conns[-1]
        th = best_any(v, "echo", ["threads"], conns=c)
        coro = best_any(v, "echo", v.engines("coroutine", "echo"), conns=c)
        if th and coro:
            ratio = coro[1] / th[1]
            ok = at_least(ratio, 1.0)
            halves["IO-bound"] = (ok, [th[1], coro[1]])
            rows.append((f"echo: {coro[0]} / threads (needs 1x)", ratio))
            figs.append(f"echo, {int(c):,} connections: {coro[0]} {qfmt(coro[1])} req/s vs threads "
                        f"{qfmt(th[1])} req/s = {xfmt(ratio)}" + mark(ok))
    if not halves:
        return Verdict(MISSING, figures=figs, why="neither the cpu nor the echo comparison ran")
    v3 = tally_halves(halves, figs, lambda held: f"the work is {held}", [])
    if len(halves) == 1 and v3.status != OPEN:
        v3.unmeasured = "the CPU-bound half" if "IO-bound" in halves else "the IO-bound half"
    v3.decisions = [Decision("rate over the other model's (times)", rows, [1.0, t["parallel_speedup"]], log=True)]
    return v3


CLAIM = Claim(
    id="C3",
    claim="CPU-bound work wants several processes; IO-bound work wants threads or coroutines.",
    test="With a task per core, do processes or threads compute at least 1.5x one coroutine scheduler (CPU-bound)? At the most connections, does a coroutine engine serve at least what thread-per-connection serves (IO-bound)?",
    needs=["cpu/<engine>/tasks:<cores>", "echo/<engine>/conns:N"],
    rule="CPU half: with as many tasks as cores, the better of processes and threads computes at least 1.5x the items/s of one coroutine scheduler (the best single-scheduler coroutine engine); needs two cores. IO half: at the largest echo size measured, the best coroutine engine serves at least the requests/s of thread-per-connection. Holds when both halves hold, holds only for the half that holds, else does not hold.",
    threshold={"parallel_speedup": 1.5},
    check=check,
)
