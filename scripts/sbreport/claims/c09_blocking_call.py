"""C9: One blocking call inside a coroutine blocks the whole thread, and every coroutine with it."""

from ..interval import at_least, below
from ..claim import Claim
from ..rules import Decision, HOLDS, MISSING, NOT, ONLY, Verdict, all_of, fmt, mark, needs_kinds, open_verdict, qfmt


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    figs, sides = [], {"coroutine": [], "kernel": []}
    for n, b in v.pick("blocking"):
        s = v.counter(n, b, "stall_over_call")
        kind = v.kinds.get(n.engine)
        if s is None or kind not in sides:
            continue
        ok = at_least(s, t["stalled"]) if kind == "coroutine" else below(s, t["free"])
        sides[kind].append((n.engine, ok, [s]))
        figs.append(f"{n.engine} ({kind}): others stalled {qfmt(s * 100)} % of the call "
                    f"(longest stall {fmt(b.counter('max_stall_us'), 'us')})"
                    + mark(ok, "as claimed", f"{'not stalled' if kind == 'coroutine' else 'stalled too'}"))
    if not sides["coroutine"] or not sides["kernel"]:
        return Verdict(MISSING, figures=figs, why="blocking did not run on both a coroutine and a kernel engine")
    everyone = sides["coroutine"] + sides["kernel"]
    tags = [e for e, _, _ in everyone]
    coro, kern = all_of(ok for _, ok, _ in sides["coroutine"]), all_of(ok for _, ok, _ in sides["kernel"])
    if coro is False:
        bad = [e for e, ok, _ in sides["coroutine"] if ok is False]
        return Verdict(NOT, figures=figs, why=f"the coroutine side failed: {', '.join(bad)} did not stall the others "
                                              f"for {t['stalled']:g} of the call", decided_by=tags)
    if coro is None or kern is None:
        return open_verdict(figs, everyone, tags)
    if kern is False:
        bad = [e for e, ok, _ in sides["kernel"] if ok is False]
        return Verdict(ONLY, f"counting the coroutine side (the kernel side failed: {', '.join(bad)} stalled the "
                             f"others for more than {t['free']:g} of the call too)", figs, decided_by=tags)
    return Verdict(HOLDS, figures=figs, decided_by=tags)


def decision(v, t):
    rows = []
    for n, b in v.pick("blocking"):
        s = v.counter(n, b, "stall_over_call")
        if s is not None and v.kinds.get(n.engine) in ("coroutine", "kernel"):
            rows.append((f"{n.engine} ({v.kinds.get(n.engine)})", s))
    return Decision("longest stall of the others / one blocking call", rows, [t["free"], t["stalled"]])

CLAIM = Claim(
    id="C9",
    claim="One blocking call inside a coroutine blocks the whole thread, and every coroutine with it.",
    test="While one task blocks in a syscall, do the other coroutines stand still for at least 0.9 of the call, and do threads and processes go on (stalled at most 0.1)?",
    needs=["blocking/<engine>/tasks:T/block_ms:B"],
    rule="stall_over_call is the longest time the other tasks made no progress over the length of the blocking call. Holds when every single-scheduler coroutine engine stalls for at least 0.9 of the call and every kernel engine for at most 0.1 of it; does not hold otherwise.",
    threshold={"stalled": 0.9, "free": 0.1},
    check=check,
    decision=decision,
)
