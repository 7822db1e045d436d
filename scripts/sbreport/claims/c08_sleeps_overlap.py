"""C8: Sleeping cooperatively overlaps: two tasks that sleep 2 s each finish in about 2 s, not 4 s."""

from ..interval import below
from ..claim import Claim
from ..rules import Decision, MISSING, Verdict, mark, qfmt, tally, xfmt


def _lateness(v, n, b, sleep_ns, share):
    """Each sleeper's lateness past its due time, in words, judged against
    a share of the sleep: p50, p99 and max where the run has them (a
    reference's program reports the max and the mean only)."""
    got = {label: v.counter(n, b, key) for label, key in
           (("p50", "late_p50_us"), ("p99", "late_p99_us"), ("max", "late_max_us"))}
    judged = "p99" if got["p99"] is not None else "max"
    if got[judged] is None:
        return "lateness not measured"
    parts = [f"{label} {qfmt(q, 'us')}" for label, q in got.items() if q is not None]
    ok = below(got[judged] * 1e3, share * sleep_ns)
    limit = f"{share:.0%} of the {sleep_ns / 1e6:g} ms sleep"
    return "woke late by " + ", ".join(parts) + mark(ok, f"{judged} within {limit}", f"{judged} beyond {limit}")


def check(v, t):
    """Overlap: N concurrent sleeps end nearer one sleep than their sum.
    Our engines decide; the references (gevent's own sleep, the claim's
    system, and Go's) are judged by the same measure beside them. How late
    each sleeper woke past its due time (p50, p99 and max over every wake)
    is reported and judged on its own line: a wall-time overhead divided
    by N shrank with N while every sleeper's delay grew."""
    figs, results, refs = [], [], []
    share = t["late_share"]
    for n, b in v.pick("sleep"):
        if not b.ok or "tasks" not in n.params:
            continue
        sleep_ns = (b.counter("sleep_ms") or n.params.get("sleep_ms", 0)) * 1e6
        if not sleep_ns:
            continue
        tasks = n.params["tasks"]
        wall = v.time(n, b)
        ratio = wall * (1.0 / sleep_ns)
        # Nearer one sleep (1x) than the sum of them (N x): below (1 + N) / 2.
        ok = below(ratio, (1 + tasks) / 2) if tasks > 1 else None
        line = (f"{n.engine}, {int(tasks):,} sleepers: {xfmt(ratio, '.3f')} one sleep (the sum: {int(tasks):,}x)"
                + mark(ok, "overlaps", "does not overlap") + "; " + _lateness(v, n, b, sleep_ns, share))
        if v.kinds.get(n.engine) == "reference":
            refs.append(line.replace(",", " (reference, decides nothing),", 1))
            continue
        if tasks > 1:
            results.append((f"{n.engine}/{int(tasks)}", ok, [wall]))
        figs.append(line)
    figs += refs
    if not results:
        return Verdict(MISSING, figures=refs, why="sleep did not run on our engines with two or more sleepers")
    return tally(results, "engine/sleepers", figs, "")


def decision(v, t):
    """How late the sleepers woke (p99, else max) as a share of the sleep,
    per engine and size: the line C8 judges lateness against."""
    rows = []
    for n, b in v.pick("sleep"):
        if not b.ok or "tasks" not in n.params or v.kinds.get(n.engine) == "reference":
            continue
        sleep_us = (b.counter("sleep_ms") or n.params.get("sleep_ms", 0)) * 1e3
        late = v.counter(n, b, "late_p99_us") or v.counter(n, b, "late_max_us")
        if sleep_us and late is not None:
            rows.append((f"{n.engine}, {int(n.params['tasks']):,} sleepers", late * (1.0 / sleep_us)))
    return Decision("lateness past the due time / the sleep (p99, else max)", rows, [t["late_share"]], log=True)


CLAIM = Claim(
    id="C8",
    claim="Sleeping cooperatively overlaps: two tasks that sleep 2 s each finish in about 2 s, not 4 s.",
    test="Do N concurrent sleeps end nearer one sleep than the sum of N sleeps? How late each sleeper woke is shown and judged on its own.",
    needs=["sleep/<engine>/tasks:N/sleep_ms:M"],
    rule="Per engine and N (two or more sleepers), the wall time of one round of N concurrent sleepers against one sleep. Overlap holds when the whole interval of wall / sleep lies below (1 + N) / 2, nearer one sleep than the sum of N. Each sleeper's lateness past its due time (p50, p99 and max over every wake; a reference reports its max) is reported and judged on its own line, not in the verdict: its p99 (else its max) within 5 % of the sleep. Holds when every engine overlaps at every N; holds only for the engines and sizes that do; does not hold when none does. Reference engines (ref-gevent's gevent.sleep, the claim's own demo; ref-goroutine's time.Sleep) are judged by the same measure and decide nothing.",
    threshold={"late_share": 0.05},
    check=check,
    decision=decision,
)
