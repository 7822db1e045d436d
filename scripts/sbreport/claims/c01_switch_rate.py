"""C1: A coroutine switch is so cheap that millions of switches per second are easy."""

from ..interval import at_least
from ..claim import Claim
from ..rules import HOLDS, Decision, and_list, fmt, mark, missing, needs_kinds, qfmt, tally


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    lim = t["switches_per_second"]
    rows = []
    for e in v.engines(family="pingpong"):
        hit = v.one_named("pingpong", e)
        q = v.counter(hit[0], hit[1], "switches_per_second") if hit else None
        if q:
            rows.append((e, at_least(q, lim), q))
    coro = [(e, ok, [q]) for e, ok, q in rows if v.kinds.get(e) == "coroutine"]
    if not coro:
        return missing("no coroutine engine's pingpong ran")
    figs = []
    for e, ok, q in sorted(rows, key=lambda r: -r[2].med):
        kind = v.kinds.get(e) or "?"
        role = "" if kind == "coroutine" else ", context: decides nothing"
        figs.append(f"{e} ({kind}{role}): {qfmt(q)} switches/s" + mark(ok, "reaches it", "falls short"))
    verdict = tally(coro, "the engine", figs + [f"threshold: {fmt(lim)} switches/s"], "")
    # Where it holds, the answer quotes the slowest coroutine engine: the
    # one every other clears, so the one the verdict rests on (otherwise
    # the first that fell short, Verdict.answer_figure's default).
    if verdict.status == HOLDS:
        slowest = min(coro, key=lambda r: r[2][0].med)[0]
        verdict.key_figure = "slowest: " + next(f for f in figs if f.startswith(slowest + " ("))
    refs = [(e, ok) for e, ok, _ in rows if v.kinds.get(e) == "reference"]
    words = []
    for want, one, many in ((True, "reaches it", "reach it"), (False, "falls short", "fall short"),
                            (None, "is too close to call", "are too close to call")):
        got = [e for e, ok in refs if ok is want]
        if got:
            words.append(f"{and_list(got)} {one if len(got) == 1 else many}")
    if words:
        verdict.context = "of the references (context, deciding nothing): " + "; ".join(words)
    return verdict


def decision(v, t):
    rows = []
    for e in v.engines(family="pingpong"):
        hit = v.one_named("pingpong", e)
        q = v.counter(hit[0], hit[1], "switches_per_second") if hit else None
        if q:
            role = "" if v.kinds.get(e) == "coroutine" else " (context)"
            rows.append((e + role, q))
    rows.sort(key=lambda r: -r[1].med)
    return Decision("switches per second (pingpong)", rows, [t["switches_per_second"]], log=True)

CLAIM = Claim(
    id="C1",
    claim="A coroutine switch is so cheap that millions of switches per second are easy.",
    test="Does every coroutine engine's pingpong reach a million switches per second, the whole 95 % interval above it? Kernel engines and references are shown as context.",
    needs=["pingpong/<engine>"],
    rule="Per engine, the switches/s of pingpong (median). Holds when every coroutine engine reaches the threshold; holds only for the coroutine engines that do when some fall short; does not hold when none does. Kernel engines are reported beside them. Reference engines (ref-greenlet, ref-generator: the claim's own systems; ref-gevent, ref-goroutine, ref-fcontext) are listed with their rates and decide nothing.",
    threshold={"switches_per_second": 1000000},
    check=check,
    decision=decision,
)
