"""The claims' rules as code: one function per claim of claims.json, each
reading one run's repetitions and returning a Verdict. Thresholds come from
claims.json; the figures a verdict shows are the numbers it was computed
from, each median with its 95 % interval (interval.py). A comparison is
decided only when the interval is clear of the threshold: otherwise the
verdict is inconclusive and says what would decide it."""

import json
import os

from . import interval
from .interval import Q, at_least, below

HOLDS, NOT, ONLY, MISSING, OPEN = ("holds", "does not hold", "holds only when", "not measured in this run",
                                   "inconclusive")


class Verdict:
    def __init__(self, status, when="", figures=(), why="", decided_by=(), unmeasured=""):
        self.status = status  # HOLDS, NOT, ONLY, MISSING or OPEN
        self.when = when  # for ONLY: the condition
        self.figures = list(figures)  # lines of "what: number (interval)"
        self.why = why  # MISSING: what was missing; OPEN: what would decide it
        self.decided_by = list(decided_by)  # the engines or figures the verdict rests on
        self.unmeasured = unmeasured  # a part of the claim this run did not measure

    @property
    def text(self):
        t = f"holds only when {self.when}" if self.status == ONLY else self.status
        return t + (f"; not measured: {self.unmeasured}" if self.unmeasured else "")


def load_claims():
    with open(os.path.join(os.path.dirname(__file__), "claims.json"), encoding="utf-8") as f:
        return json.load(f)["claims"]


# Units that scale to the size of the figure: 46.9 ms, not 46.9k us;
# 13.9 MB, not 13.9k KiB. (factor in the given unit, name), largest first.
_SCALES = {
    "ns": [(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1, "ns")],
    "us": [(1e6, "s"), (1e3, "ms"), (1, "µs"), (1e-3, "ns")],
    "ms": [(1e3, "s"), (1, "ms"), (1e-3, "µs"), (1e-6, "ns")],
    "B": [(1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1, "B")],
}


def _scale(v, unit):
    """(factor, name) of the unit v reads best in."""
    steps = _SCALES[unit]
    a = abs(v)
    return next(((f, name) for f, name in steps if a >= f), steps[-1])


def fmt(v, unit=""):
    """A figure as people read it: three significant digits, SI prefix; a
    time or a size in the unit that fits it (46.9 ms, 13.9 MB)."""
    if v is None:
        return "-"
    if unit in _SCALES:
        f, name = _scale(v, unit)
        return f"{v / f:.3g} {name}"
    a = abs(v)
    for lim, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= lim:
            return f"{v / lim:.3g}{suf}{unit}"
    return f"{v:.3g}{unit}" if a >= 0.01 or a == 0 else f"{v:.2e}{unit}"


def qfmt(q, unit=""):
    """A quantity as people read it: median (interval), the interval in
    the median's unit."""
    if q is None:
        return "-"
    if q.lo == q.hi:
        return fmt(q.med, unit)
    if unit in _SCALES:
        f, name = _scale(q.med, unit)
        return f"{q.med / f:.3g} ({q.lo / f:.3g}–{q.hi / f:.3g}) {name}"
    return f"{fmt(q.med, unit)} ({fmt(q.lo)}–{fmt(q.hi, unit)})"


def xfmt(q, digits=".2f"):
    """A ratio as people read it: 1.07x (1.02–1.12)."""
    if q.lo == q.hi:
        return f"{q.med:{digits}}x"
    return f"{q.med:{digits}}x ({q.lo:{digits}}–{q.hi:{digits}})"


def mark(ok, yes="holds", no="does not hold"):
    return f" [{yes}]" if ok else f" [{no}]" if ok is False else " [inconclusive]"


class View:
    """A run as the rules read it: benchmarks by family, engine and
    parameters, engine kinds from the run's context."""

    def __init__(self, run):
        self.run = run
        # A reference (someone else's system: ref-fcontext, ref-greenlet...)
        # is quoted beside the engines but decides no claim: its own kind.
        self.kinds = {k: "reference" if v.get("reference") else v.get("kind")
                      for k, v in (run.context.get("engines") or {}).items()}
        self.rows = [(b.nm, b) for b in run.benchmarks.values()]
        self.cores = _count_cpus(run.context.get("cpus")) or int(run.context.get("num_cpus") or 0)

    def engines(self, kind=None, family=None):
        out = []
        for n, _ in self.rows:
            e = n.engine
            if e and e not in out and (family is None or n.family == family) and \
                    (kind is None or self.kinds.get(e) == kind):
                out.append(e)
        return out

    def pick(self, family, engine=None, workers=1, placement=None, **params):
        """Benchmarks of a family that ran, with those parameters; workers
        and placement match exactly (absent means 1 and the workload's own)."""
        out = []
        for n, b in self.rows:
            if n.family != family or (engine and n.engine != engine):
                continue
            if n.params.get("workers", 1) != workers:
                continue
            if ("placement:" + placement if placement else None) != next(
                    (a for a in n.args if a.startswith("placement:")), None):
                continue
            if all(n.params.get(k) == v for k, v in params.items()):
                out.append((n, b))
        return out

    def one(self, family, engine, **kw):
        """The single successful benchmark, or None."""
        hits = [b for _, b in self.pick(family, engine, **kw) if b.ok]
        return hits[0] if hits else None

    @staticmethod
    def time(n, b):
        """The real time per iteration of a benchmark, as a quantity."""
        return Q.of(b.real_ns, n.full if hasattr(n, "full") else str(n)) if b and b.ok and b.real_ns else None

    @staticmethod
    def counter(n, b, key):
        vals = b.counters.get(key) if b and b.ok else None
        return Q.of(vals, n.full if hasattr(n, "full") else str(n)) if vals else None

    def one_named(self, family, engine, **kw):
        """(Name, benchmark) of the single successful benchmark, or None."""
        hits = [(n, b) for n, b in self.pick(family, engine, **kw) if b.ok]
        return hits[0] if hits else None

    def sizes(self, family, key, engine=None, **kw):
        return sorted({n.params[key] for n, b in self.pick(family, engine, **kw) if b.ok and key in n.params})


def _count_cpus(spec):
    if not spec or not isinstance(spec, str):
        return 0
    n = 0
    try:
        for part in spec.split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    except ValueError:
        return 0
    return n


def _missing(why):
    return Verdict(MISSING, why=why)


def _needs_kinds(v):
    if not v.kinds:
        return _missing("the run does not say which engines are coroutines (no context.engines)")
    return None


def _needs_kinds_and_cores(v):
    """As _needs_kinds, and a claim about several cores needs two of them."""
    return _needs_kinds(v) or (_missing(f"needs two cores; this run had {v.cores}") if v.cores < 2 else None)


def _split(good, total, noun):
    """HOLDS when every item holds, ONLY when some, NOT when none."""
    if good and len(good) == len(total):
        return HOLDS, ""
    if good:
        return ONLY, f"{noun} is {', '.join(good)}"
    return NOT, ""


def _all(oks):
    """Tri-state and: False when any is False, None when any is open."""
    oks = list(oks)
    if any(ok is False for ok in oks):
        return False
    if any(ok is None for ok in oks):
        return None
    return True


def _open(figs, results, decided_by=()):
    """The inconclusive verdict of comparisons left open: which ones, and
    what would decide them."""
    tags = [tag for tag, ok, _ in results if ok is None]
    qs = [q for tag, ok, qs in results if ok is None for q in qs]
    return Verdict(OPEN, figures=figs, why=f"open: {', '.join(tags)}: " + interval.undecided_why(qs),
                   decided_by=decided_by)


def _tally(results, noun, figs, missing):
    """results: (tag, True/False/None, quantities). MISSING when nothing
    was tried; OPEN when any comparison is open; else as _split says."""
    if not results:
        return _missing(missing)
    tags = [tag for tag, _, _ in results]
    if any(ok is None for _, ok, _ in results):
        return _open(figs, results, tags)
    status, when = _split([tag for tag, ok, _ in results if ok], tags, noun)
    return Verdict(status, when, figs, decided_by=tags)


def _rate(v, hit):
    return v.counter(hit[0], hit[1], "items_per_second") if hit else None


def c1(v, t):
    if (m := _needs_kinds(v)):
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
        return _missing("no coroutine engine's pingpong ran")
    figs = []
    for e, ok, q in sorted(rows, key=lambda r: -r[2].med):
        kind = v.kinds.get(e) or "?"
        role = "" if kind == "coroutine" else ", context: decides nothing"
        figs.append(f"{e} ({kind}{role}): {qfmt(q)} switches/s" + mark(ok, "reaches it", "falls short"))
    return _tally(coro, "the engine", figs + [f"threshold: {fmt(lim)} switches/s"], "")


def _spawn_cost(v, e, n):
    """(memory per task, ns to create a task, words on its memory, how the
    kernel's share was measured) of spawn at n tasks. Memory is
    bytes_per_task, user plus kernel: a record that could not measure the
    kernel's share has none and is not judged."""
    hit = v.one_named("spawn", e, tasks=n)
    if not hit or v.counter(*hit, "bytes_per_task") is None:
        return None
    user, kern = v.counter(*hit, "user_bytes_per_task"), v.counter(*hit, "kernel_bytes_per_task")
    split = f" (user {qfmt(user, 'B')} + kernel {qfmt(kern, 'B')})" if user and kern else ""
    cold = v.counter(*hit, "cold_ns_per_task")
    if cold is None:
        return None
    label = hit[1].label or ""
    method = [part.split(":", 1)[1].strip() for part in label.split("; ") if part.startswith("kernel memory:")]
    return v.counter(*hit, "bytes_per_task"), cold, split, method


def _gt(a, b):
    """Whether a is larger than b, beyond both intervals."""
    return at_least(a / b, 1.0)


def c2(v, t):
    if (m := _needs_kinds(v)):
        return m
    coro = v.engines("coroutine", "spawn")
    costs = {}
    for n in reversed(v.sizes("spawn", "tasks")):
        got = {e: _spawn_cost(v, e, n) for e in ["processes", "threads"] + coro}
        costs = {e: c for e, c in got.items() if c}
        if "processes" in costs and "threads" in costs and any(e in costs for e in coro):
            break
    else:
        return _missing("no spawn size ran on processes, threads and a coroutine engine")
    p, th = costs["processes"], costs["threads"]
    cs = {e: costs[e] for e in coro if e in costs}
    halves = {}
    for i, what in ((0, "memory"), (1, "creation time")):
        halves[what] = (_all([_gt(p[i], th[i])] + [_gt(th[i], c[i]) for c in cs.values()]),
                        [p[i], th[i]] + [c[i] for c in cs.values()])
    figs = [f"at {int(n):,} live tasks: processes {qfmt(p[0], 'B')}/task{p[2]}, {qfmt(p[1], 'ns')} to create (cold: a repetition's first batch)",
            f"threads {qfmt(th[0], 'B')}/task{th[2]}, {qfmt(th[1], 'ns')}"] + \
        [f"{e} {qfmt(c[0], 'B')}/task{c[2]}, {qfmt(c[1], 'ns')}" for e, c in cs.items()]
    methods = sorted({m for c in costs.values() for m in c[3]})
    figs.append("memory is user + kernel (kernel stacks, page tables, slab), the kernel's share measured by "
                + (", ".join(methods) or "an unnamed method"))
    figs += [f"{what}: processes > threads > every coroutine engine" + mark(ok)
             for what, (ok, _) in halves.items()]
    return _halves(halves, figs, lambda held: "counting " + held, ["processes", "threads"] + list(cs))


def _halves(halves, figs, when, decided_by):
    """A claim of two parts: HOLDS when both hold, ONLY (when(part)) when
    one does, NOT when neither, OPEN when any is open."""
    results = [(what, ok, qs) for what, (ok, qs) in halves.items()]
    if any(ok is None for _, ok, _ in results):
        return _open(figs, results, decided_by)
    held = [what for what, ok, _ in results if ok]
    if len(held) == len(results):
        return Verdict(HOLDS, figures=figs, decided_by=decided_by)
    if held:
        return Verdict(ONLY, when(held[0]), figs, decided_by=decided_by)
    return Verdict(NOT, figures=figs, decided_by=decided_by)


def _best_any(v, family, engines, **params):
    """The fastest engine among those (by median items/s), over every
    benchmark that matches params (other parameters free), one scheduler:
    (engine, rate as a quantity)."""
    best = None
    for e in engines:
        for n, b in v.pick(family, e, **params):
            r = v.counter(n, b, "items_per_second") if b.ok else None
            if r and (best is None or r.med > best[1].med):
                best = (e, r)
    return best


def c3(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, halves = [], {}
    if v.cores < 2:
        figs.append(f"cpu half needs two cores; this run had {v.cores}")
    else:
        k = float(v.cores)
        kern = _best_any(v, "cpu", v.engines("kernel", "cpu"), tasks=k)
        coro = _best_any(v, "cpu", v.engines("coroutine", "cpu"), tasks=k)
        if kern and coro:
            ratio = kern[1] / coro[1]
            ok = at_least(ratio, t["parallel_speedup"])
            halves["CPU-bound"] = (ok, [kern[1], coro[1]])
            figs.append(f"cpu, {v.cores} tasks: {kern[0]} {qfmt(kern[1])} items/s vs one {coro[0]} scheduler "
                        f"{qfmt(coro[1])} items/s = {xfmt(ratio)} (needs {t['parallel_speedup']}x)" + mark(ok))
    conns = v.sizes("echo", "conns", "threads")
    if conns:
        c = conns[-1]
        th = _best_any(v, "echo", ["threads"], conns=c)
        coro = _best_any(v, "echo", v.engines("coroutine", "echo"), conns=c)
        if th and coro:
            ratio = coro[1] / th[1]
            ok = at_least(ratio, 1.0)
            halves["IO-bound"] = (ok, [th[1], coro[1]])
            figs.append(f"echo, {int(c):,} connections: {coro[0]} {qfmt(coro[1])} req/s vs threads "
                        f"{qfmt(th[1])} req/s = {xfmt(ratio)}" + mark(ok))
    if not halves:
        return Verdict(MISSING, figures=figs, why="neither the cpu nor the echo comparison ran")
    v3 = _halves(halves, figs, lambda held: f"the work is {held}", [])
    if len(halves) == 1 and v3.status != OPEN:
        v3.unmeasured = "the CPU-bound half" if "IO-bound" in halves else "the IO-bound half"
    return v3


def c4(v, t):
    if (m := _needs_kinds_and_cores(v)):
        return m
    k = float(v.cores)
    figs, flat, scales = [], [], []
    engines = v.engines("coroutine", "cpu")
    for e in engines:
        one, many = _best_any(v, "cpu", [e], tasks=1.0), _best_any(v, "cpu", [e], tasks=k)
        if not (one and many):
            continue
        g = many[1] / one[1]
        ok = below(g, t["flat_below"])
        flat.append((e, ok, [one[1], many[1]]))
        line = f"{e}: {int(k)} tasks on one scheduler {xfmt(g)} of one task" + mark(ok, "flat", "grows")
        w = None
        for n, b in v.pick("cpu", e, workers=k, tasks=k):
            if b.ok:
                w = v.counter(n, b, "items_per_second")
        if w:
            s = w / many[1]
            sok = at_least(s, t["scaling_share"] * k)
            scales.append((f"{e} --workers={int(k)}", sok, [w, many[1]]))
            line += f"; with --workers={int(k)} {xfmt(s)} of one scheduler" + mark(sok, "uses the cores",
                                                                                 "does not scale")
        figs.append(line)
    if not flat:
        return _missing("cpu did not run at tasks=1 and tasks=cores on a coroutine engine")
    tags = [e for e, _, _ in flat]
    if any(ok is False for _, ok, _ in flat):
        return Verdict(NOT, figures=figs, decided_by=tags)
    if any(ok is None for _, ok, _ in flat):
        return _open(figs, flat, tags)
    if any(ok for _, ok, _ in scales):
        return Verdict(ONLY, "one scheduler runs them (--workers uses every core)", figs, decided_by=tags)
    if any(ok is None for _, ok, _ in scales):
        return _open(figs, scales, tags)
    return Verdict(HOLDS, figures=figs, decided_by=tags)


def c5(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, good, coro = [], [], v.engines("coroutine", "spawn")
    if not coro:
        return _missing("spawn did not run on a coroutine engine")
    for e in v.engines(family="spawn"):
        ran = [(n.params["tasks"], b) for n, b in v.pick("spawn", e) if b.ok and "tasks" in n.params]
        stopped = [b.skipped or b.error for n, b in v.pick("spawn", e) if not b.ok]
        if ran:
            n, b = max(ran, key=lambda x: x[0])
            ring = v.sizes("ring", "tasks", e)
            hop = v.one("ring", e, tasks=ring[-1]).median() if ring else None
            # One memory definition: user plus kernel per task, as spawn's
            # chart and C2 show it (user only where the kernel's share was
            # not measured, said so). The size is what this run asked, not
            # a capacity: larger sizes that did not run say why below.
            per = b.counter("bytes_per_task")
            mem = (f"{fmt(per, 'B')} per task, user + kernel" if per is not None else
                   f"{fmt(b.counter('user_bytes_per_task'), 'B')} per task, user memory only" if
                   b.counter("user_bytes_per_task") is not None else "memory not measured")
            scope = "the largest size this run asked of it" if not stopped else "the largest that ran"
            figs.append(f"{e}: {int(n):,} live tasks ({scope}), {mem}"
                        + (f"; ring of {int(ring[-1]):,}: {fmt(hop, 'ns')} a hop" if hop else ""))
            if e in coro and n >= t["tasks"]:
                good.append(e)
        if stopped:
            why = stopped[0].split(" (a default size")[0]
            figs.append(f"{e}: larger sizes did not run: {why[:140]}")
    status, when = _split(good, coro, "the engine")
    if status == NOT and not any(n >= t["tasks"] for n in v.sizes("spawn", "tasks")):
        return Verdict(MISSING, figures=figs, why=f"no spawn of {t['tasks']:,} or more tasks ran")
    return Verdict(status, when, figs, decided_by=coro)


def c6(v, t):
    sizes = [n for n in v.sizes("ring", "tasks", "threads") if v.one("ring", "asm", tasks=n)]
    if len(sizes) < 2:
        return _missing("ring ran on threads and asm at fewer than two common sizes")
    ratios = [(n, v.time(*v.one_named("ring", "threads", tasks=n)) / v.time(*v.one_named("ring", "asm", tasks=n)))
              for n in sizes]
    g = ratios[-1][1] / ratios[0][1]
    ok = at_least(g, t["growth"])
    figs = [f"{int(n):,} tasks: threads/asm = {xfmt(r, '.0f')}" for n, r in ratios]
    figs.append(f"growth from {int(sizes[0])} to {int(sizes[-1]):,} tasks: {xfmt(g)} (needs {t['growth']}x)"
                + mark(ok))
    return _tally([("the growth", ok, [g])], "", figs, "")


def _pipeline_sizes(v):
    out = []
    for n, b in v.pick("pipeline", "threads"):
        if b.ok:
            out.append({k: x for k, x in n.params.items() if k != "workers"})
    return out


def _one_core_scope(v, verdict):
    """C7 and C12 compare a hand-off between coroutines with one between
    threads; threads packed on one core (the workload's own placement)
    make every hand-off a context switch, the case most favourable to the
    claim. Where no cross-core run of them is in this run, the verdict
    says its scope."""
    one = [b for _, b in v.pick("pipeline", "threads") if b.ok]
    spread = [b for _, b in v.pick("pipeline", "threads", placement="spread") if b.ok]
    packed = one and all(b.cpus_used and not any(ch in b.cpus_used for ch in ",-?") for b in one)
    if packed and not spread and verdict.status not in (OPEN, MISSING):
        verdict.unmeasured = ("threads across cores (here they shared one core, where every hand-off is a "
                              "context switch)")
    return verdict


def c7(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, results, sizes = [], [], _pipeline_sizes(v)
    for p in sizes:
        coro = _best_any(v, "pipeline", v.engines("coroutine", "pipeline"), **p)
        th = _rate(v, v.one_named("pipeline", "threads", **p))
        pr = _rate(v, v.one_named("pipeline", "processes", **p))
        if not (coro and th):
            continue
        tag = "/".join(f"{k}:{int(x)}" for k, x in p.items())
        ok = _all([_gt(coro[1], th)] + ([_gt(coro[1], pr)] if pr else []))
        results.append((tag, ok, [coro[1], th] + ([pr] if pr else [])))
        figs.append(f"{tag}: {coro[0]} {qfmt(coro[1])} items/s, threads {qfmt(th)}, processes {qfmt(pr)}"
                    + mark(ok, "faster than both", "not faster"))
    return _one_core_scope(v, _tally(results, "the pipeline", figs,
                                     "pipeline did not run on threads and a coroutine engine at one size"))


def c8(v, t):
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
    return _tally(results, "engine/sleepers", figs, "")


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


def c9(v, t):
    if (m := _needs_kinds(v)):
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
    coro, kern = _all(ok for _, ok, _ in sides["coroutine"]), _all(ok for _, ok, _ in sides["kernel"])
    if coro is False:
        bad = [e for e, ok, _ in sides["coroutine"] if ok is False]
        return Verdict(NOT, figures=figs, why=f"the coroutine side failed: {', '.join(bad)} did not stall the others "
                                              f"for {t['stalled']:g} of the call", decided_by=tags)
    if coro is None or kern is None:
        return _open(figs, everyone, tags)
    if kern is False:
        bad = [e for e, ok, _ in sides["kernel"] if ok is False]
        return Verdict(ONLY, f"counting the coroutine side (the kernel side failed: {', '.join(bad)} stalled the "
                             f"others for more than {t['free']:g} of the call too)", figs, decided_by=tags)
    return Verdict(HOLDS, figures=figs, decided_by=tags)


def c10(v, t):
    asm = v.one_named("pingpong", "asm")
    if not asm:
        return _missing("pingpong/asm did not run")
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
    verdict = _tally(results, "the threads are", figs, "")
    if verdict.status == ONLY:
        verdict.when = "the threads are " + verdict.when.split(" is ", 1)[1]
    # The claim has two halves: the cost, measured here, and its cause
    # (what the OS saves and restores), which no figure of this run tests:
    # the verdict endorses the cost only, and says so.
    cause = "the cause (what the OS saves and restores): not tested here, only the cost"
    if verdict.status != OPEN:
        verdict.unmeasured = "; ".join(x for x in (unmeasured, cause) if x)
    return verdict


def c11(v, t):
    if (m := _needs_kinds(v)):
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
        results.append((e, _all(oks), qs))
    figs += [_open_loop_kept_up(v, x, open_conns[-1], t["kept_up"])[2]
             for x in v.engines("baseline", "echo-open") if open_conns]
    verdict = _tally(results, "the engine", figs + _echo_references(v),
                     f"echo did not run at {int(c):,} connections on a coroutine engine")
    if not open_conns:
        verdict.unmeasured = f"the open-loop load (echo-open at {t['conns']:,} connections or more)"
    return verdict


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


def c12(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, results = [], []
    for p in [p for p in _pipeline_sizes(v) if p.get("capacity") == 1]:
        th = _rate(v, v.one_named("pipeline", "threads", **p))
        for e in v.engines("coroutine", "pipeline"):
            r = _rate(v, v.one_named("pipeline", e, **p))
            if r and th:
                ok = _gt(r, th)
                results.append((e, ok, [r, th]))
                figs.append(f"{e} {qfmt(r)} items/s vs threads {qfmt(th)} = {xfmt(r / th, '.0f')}" + mark(ok))
    return _one_core_scope(v, _tally(results, "the engine", figs,
                                     "pipeline did not run with capacity 1 on threads and a coroutine engine"))


def c13(v, t):
    if (m := _needs_kinds_and_cores(v)):
        return m
    k = float(v.cores)
    figs, halves = [], {}
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
        single = _best_any(v, fam, v.engines(family=fam), **params)
        if mn and single:
            ratio = mn[1] / single[1]
            ok = at_least(ratio, t["margin"])
            halves[fam] = (ok, [mn[1], single[1]])
            figs.append(f"{fam}: M:N {mn[0]} {qfmt(mn[1])}/s vs best single {single[0]} {qfmt(single[1])}/s "
                        f"= {xfmt(ratio)} (a win needs {t['margin']}x)" + mark(ok))
    if not halves:
        return _missing("no M:N (--workers) run of echo or cpu beside single-model ones")
    verdict = _halves(halves, figs, lambda held: f"the workload is {held}", [])
    if len(halves) == 1 and verdict.status != OPEN:
        verdict.unmeasured = "cpu" if "echo" in halves else "echo"
    return verdict


def decide(run):
    """Every claim's verdict for a run, in claims.json order."""
    v = View(run)
    out = []
    for c in load_claims():
        fn = globals()[c["check"]]
        try:
            verdict = fn(v, c.get("threshold", {}))
        except (ZeroDivisionError, TypeError) as e:
            verdict = _missing(f"its figures are incomplete ({e})")
        out.append((c, verdict))
    return out
