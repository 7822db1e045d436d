"""C6: The more threads there are, the larger the coroutine advantage."""

from ..interval import at_least
from ..claim import Claim
from ..rules import Decision, mark, missing, tally, xfmt


def check(v, t):
    sizes = [n for n in v.sizes("ring", "tasks", "threads") if v.one("ring", "asm", tasks=n)]
    if len(sizes) < 2:
        return missing("ring ran on threads and asm at fewer than two common sizes")
    ratios = [(n, v.time(*v.one_named("ring", "threads", tasks=n)) / v.time(*v.one_named("ring", "asm", tasks=n)))
              for n in sizes]
    g = ratios[-1][1] / ratios[0][1]
    ok = at_least(g, t["growth"])
    figs = [f"{int(n):,} tasks: threads/asm = {xfmt(r, '.0f')}" for n, r in ratios]
    figs.append(f"growth from {int(sizes[0])} to {int(sizes[-1]):,} tasks: {xfmt(g)} (needs {t['growth']}x)"
                + mark(ok))
    verdict = tally([("the growth", ok, [g])], "", figs, "")
    verdict.key_figure = figs[-1]  # the growth decides, not any one ring's ratio
    return verdict


def decision(v, t):
    sizes = [n for n in v.sizes("ring", "tasks", "threads") if v.one("ring", "asm", tasks=n)]
    if len(sizes) < 2:
        return None
    rows = [(f"ring of {int(n):,}", v.time(*v.one_named("ring", "threads", tasks=n)) /
             v.time(*v.one_named("ring", "asm", tasks=n))) for n in sizes]
    # The largest ring's ratio must reach the smallest's times the growth.
    return Decision("threads / asm, time per hop (times)", rows, [rows[0][1].med * t["growth"]], log=True)

CLAIM = Claim(
    id="C6",
    claim="The more threads there are, the larger the coroutine advantage.",
    test="Does threads' time per ring hop, over asm's, grow at least 1.5x from the smallest ring to the largest?",
    needs=["ring/threads/tasks:N", "ring/asm/tasks:N"],
    rule="The ratio threads / asm of ns per hop at each ring size both ran. Holds when the ratio at the largest size is at least 1.5x the ratio at the smallest; does not hold otherwise. Needs two sizes.",
    threshold={"growth": 1.5},
    check=check,
    decision=decision,
)
