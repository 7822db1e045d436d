"""C11: One thread with coroutines serves many TCP connections at once (gevent's echo server)."""

from ..interval import Q, at_least
from ..claim import Claim
from ..rules import MISSING, Decision, Verdict, all_of, fmt, mark, needs_kinds, qfmt, rate, tally


def _open_loop_kept_up(v, e, conns, share):
    """echo-open on engine e at `conns` connections: whether it kept up
    with the lowest offered rate measured (served at least `share` of it,
    every connection served; tri-state, from the repetitions' interval),
    the quantity that decided, and a figure line that also gives the knee:
    the highest offered rate it kept up with, and its p99 there."""
    hits = sorted(((n.params.get("rate", 0), n, b) for n, b in v.pick("echo-open", e, conns=conns)),
                  key=lambda r: r[0])
    if not hits:
        return False, None, f"{e}, open loop at {int(conns):,} connections: did not run"
    rows = []
    for rate, n, b in hits:
        q = v.counter(n, b, "items_per_second")
        served = b.ok and min(b.counters.get("min_per_conn") or [0]) >= 1
        rows.append((rate, n, b, q, at_least(q, share * rate) if q and served else False))
    rate, n, b, q, ok = rows[0]
    kept = [r for r in rows if r[4]]
    line = (f"{e}, open loop at {int(conns):,} connections: offered {fmt(rate)} req/s, served "
            f"{qfmt(q)}, p99 {qfmt(v.counter(n, b, 'p99_us'), 'us')}" if b.ok else
            f"{e}, open loop at {int(conns):,} connections, {fmt(rate)} req/s offered: "
            f"{(b.error or b.skipped or 'no figures')[:120]}")
    if kept:
        k = kept[-1]
        line += (f"; kept up to {fmt(k[0])} req/s offered (p99 {qfmt(v.counter(k[1], k[2], 'p99_us'), 'us')})"
                 + ("" if k is rows[-1] else f", not at {fmt(rows[rows.index(k) + 1][0])}"))
    return ok, q, line + mark(ok, "kept up", "fell behind" if b.ok else "failed")


def _echo_references(v):
    """The references' echo servers (gevent's StreamServer, the claim's
    own; Go's net) at the largest size each ran, against our best
    single-scheduler coroutine engine and the plain libuv server there."""
    figs = []
    for e in v.engines("reference", "echo"):
        sizes = v.sizes("echo", "conns", e)
        if not sizes:
            continue
        c = sizes[-1]
        b = v.one("echo", e, conns=c)
        line = f"{e} (reference), {int(c):,} connections: {fmt(b.counter('items_per_second'))} req/s, p99 " \
               f"{fmt(b.counter('p99_us'), 'us')}"
        ours = [(x, v.one("echo", x, conns=c)) for x in v.engines("coroutine", "echo")]
        ours = [(x, o.counter("items_per_second")) for x, o in ours if o and o.counter("items_per_second")]
        for x, r in sorted(ours, key=lambda xr: -xr[1])[:1] + [
                (x, (v.one("echo", x, conns=c) or b).counter("items_per_second"))
                for x in v.engines("baseline", "echo") if v.one("echo", x, conns=c)]:
            if r:
                line += f"; {b.counter('items_per_second') / r:.2f}x {x}'s {fmt(r)}"
        figs.append(line)
    return figs


def check(v, t):
    if (m := needs_kinds(v)):
        return m
    coro = v.engines("coroutine", "echo")
    conns = [c for c in v.sizes("echo", "conns") if c >= t["conns"]]
    if not coro or not conns:
        return Verdict(MISSING, figures=_echo_references(v),
                       why=f"echo did not run at {t['conns']:,} connections or more on a coroutine engine")
    c = conns[-1]
    open_conns = [x for x in v.sizes("echo-open", "conns") if x >= t["conns"]]
    figs, results = [], []
    for e in coro:
        hits = v.pick("echo", e, conns=c)
        if not hits:
            continue
        n, b = hits[0]
        # Every connection served in every repetition: a count, no noise.
        least = min(b.counters.get("min_per_conn") or [0]) if b.ok else 0
        oks, qs = [least >= 1], []
        figs.append(f"{e}, {int(c):,} connections: " + (
            f"{qfmt(v.counter(n, b, 'items_per_second'))} req/s, p99 {qfmt(v.counter(n, b, 'p99_us'), 'us')}, every "
            f"connection served at least {int(least)} times" if b.ok else (b.error or b.skipped or "")[:120]))
        if open_conns:
            ok, q, line = _open_loop_kept_up(v, e, open_conns[-1], t["kept_up"])
            oks.append(ok)
            qs += [q] if q else []
            figs.append(line)
        results.append((e, all_of(oks), qs))
    figs += [_open_loop_kept_up(v, x, open_conns[-1], t["kept_up"])[2]
             for x in v.engines("baseline", "echo-open") if open_conns]
    verdict = tally(results, "the engine", figs + _echo_references(v),
                     f"echo did not run at {int(c):,} connections on a coroutine engine")
    if not open_conns:
        verdict.unmeasured = f"the open-loop load (echo-open at {t['conns']:,} connections or more)"
    return verdict


def decision(v, t):
    """Both halves the rule reads: in the open loop, served over offered at
    the lowest rate (threshold kept_up); in the closed loop, the fewest
    requests any one connection got (threshold 1: every connection
    served). One row per single-scheduler coroutine engine, and the libuv
    baseline beside them in the open loop."""
    out = []
    open_conns = [x for x in v.sizes("echo-open", "conns") if x >= t["conns"]]
    if open_conns:
        c = open_conns[-1]
        rows = []
        for e in v.engines("coroutine", "echo-open") + v.engines("baseline", "echo-open"):
            hits = sorted(((n.params.get("rate", 0), n, b) for n, b in v.pick("echo-open", e, conns=c)
                           if b.ok), key=lambda r: r[0])
            q = v.counter(hits[0][1], hits[0][2], "items_per_second") if hits and hits[0][0] else None
            rows.append((f"{e}, {fmt(hits[0][0])} req/s offered" if hits else e,
                         q / hits[0][0] if q else None))
        out.append(Decision(f"served / offered ({int(c):,} connections, open loop)", rows, [t["kept_up"]],
                            part="open loop"))
    conns = [x for x in v.sizes("echo", "conns") if x >= t["conns"]]
    if conns:
        rows = []
        for e in v.engines("coroutine", "echo"):
            hits = [(n, b) for n, b in v.pick("echo", e, conns=conns[-1]) if b.ok]
            least = min(hits[0][1].counters.get("min_per_conn") or [0]) if hits else None
            rows.append((e, Q.exact(least) if least is not None else None))
        out.append(Decision(f"fewest requests a connection got ({int(conns[-1]):,}, closed loop)",
                            rows, [1], part="every connection served"))
    return out


CLAIM = Claim(
    id="C11",
    claim="One thread with coroutines serves many TCP connections at once (gevent's echo server).",
    test="At 1,000 connections or more, did a coroutine engine serve every connection at least once in every repetition, and keep up with an offered load (open loop)?",
    needs=["echo/<engine>/conns:N (N >= 1000)", "echo-open/<engine>/conns:N/rate:R (N >= 1000)"],
    rule="At the largest echo size measured (at least 1,000 connections), every single-scheduler coroutine engine served every connection (min_per_conn >= 1, no error); and, at the largest echo-open size measured (at least 1,000 connections), it kept up with the lowest offered rate: every connection served and requests/s served at least kept_up x the offered rate, decided on the interval of the repetitions (inconclusive where the interval straddles it). Requests/s and p99 are reported, and for the open loop the knee: the highest offered rate each engine, and the libuv baseline, kept up with. Holds when all did; holds only for the engines that did; does not hold when none did. Without echo-open in the run the closed loop decides and the verdict says the open loop was not measured. Reference engines (ref-gevent's StreamServer, the claim's own server; ref-goroutine's net) are quoted at the largest size each ran, against the best single-scheduler coroutine engine and the libuv baseline there, and decide nothing.",
    threshold={"conns": 1000, "kept_up": 0.95},
    check=check,
    decision=decision,
)
