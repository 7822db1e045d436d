"""What the claims' rules share (each claim is a module of sbreport/claims/,
its rule reading one run's repetitions and returning a Verdict): the
verdict, a view of the run by typed fields, the figures in words, and the
tallies. The figures a verdict shows are the numbers it was computed from,
each median with its 95 % interval (interval.py). A comparison is decided
only when the interval is clear of the threshold: otherwise the verdict is
inconclusive and says what would decide it."""

from . import interval
from .interval import Q, at_least, below

HOLDS, NOT, ONLY, MISSING, OPEN = ("holds", "does not hold", "holds only when", "not measured in this run",
                                   "inconclusive")


class Decision:
    """What decides a verdict, to draw: per row (an engine, a placement) the
    deciding figure as a quantity, and the threshold(s) it is held to.
    what: the axis in words (its unit); log: a log axis; part: which half
    of the claim it decides, when a claim has more than one chart; no
    thresholds: an order decides (said in the chart's note)."""

    def __init__(self, what, rows, thresholds, log=False, part=""):
        self.what = what
        self.rows = [(label, q) for label, q in rows if q is not None]
        self.thresholds = list(thresholds)
        self.log = log
        self.part = part


class Verdict:
    def __init__(self, status, when="", figures=(), why="", decided_by=(), unmeasured=""):
        self.status = status  # HOLDS, NOT, ONLY, MISSING or OPEN
        self.when = when  # for ONLY: the condition
        self.figures = list(figures)  # lines of "what: number (interval)"
        self.why = why  # MISSING: what was missing; OPEN: what would decide it
        self.decided_by = list(decided_by)  # the engines or figures the verdict rests on
        self.unmeasured = unmeasured  # a part of the claim this run did not measure
        self.decisions = []  # [Decision]: the figures that decided it, drawn beside the answer
        self.results = []  # [(tag, True/False/None)]: what held for which engine or part
        self.key_figure = ""  # the one figure the answer line quotes (default: the first, or the
        # first of a tag that failed or stayed open)
        self.context = ""  # words on the references beside it (they decide nothing)
        self.tags_are_engines = False  # results' tags name engines (set by Claim.decide)
        self.rests_on = None  # the benchmarks its quantities came from, where the rule says


    @property
    def headline(self):
        """The verdict, for whom, and what it did not measure: the answer
        line's words before its figure."""
        t = f"holds only when {self.when}" if self.status == ONLY else self.status
        if self.scope:
            t += ("; " if self.status == ONLY else " ") + self.scope
        return t + (f"; not measured: {self.unmeasured}" if self.unmeasured else "")

    @property
    def scope(self):
        """For whom it holds, in words. Engines: 'for asm and stackless;
        not for ucontext; open for threads'. Other parts (sizes,
        placements, workloads) only when they disagree: '(echo: no; cpu:
        open)'. Empty when one tag decided it."""
        if len(self.results) < 2:
            return ""
        groups = [[t for t, ok in self.results if ok], [t for t, ok in self.results if ok is False],
                  [t for t, ok in self.results if ok is None]]
        if not self.tags_are_engines:
            if sum(1 for g in groups if g) < 2:
                return ""
            said = [(g, w) for g, w in zip(groups, ("yes", "no", "open")) if g]
            return "(" + "; ".join(f"{_few(g)}: {w}" for g, w in said) + ")"
        if self.status == OPEN and not groups[0] and not groups[1]:
            return ""  # every one open: "inconclusive" says it
        words = [("for", groups[0]), ("not for", groups[1]), ("open for", groups[2])]
        if self.status == ONLY:
            words = words[1:]  # its text already says for whom it holds
        return "; ".join(f"{w} {_few(tags)}" for w, tags in words if tags)

    @property
    def answer_figure(self):
        """The figure the answer line quotes: the claim's own pick, else
        the first figure of a tag that failed or stayed open, else the
        first figure."""
        if self.key_figure:
            return self.key_figure
        if self.status != MISSING:
            want = (None,) if self.status == OPEN else (False, None)
            for tag, ok in self.results:
                if ok in want:
                    hit = next((f for f in self.figures if f.startswith(tag)), "")
                    if hit:
                        return hit
        return self.figures[0] if self.figures else ""

    @property
    def text(self):
        t = f"holds only when {self.when}" if self.status == ONLY else self.status
        return t + (f"; not measured: {self.unmeasured}" if self.unmeasured else "")


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


def _g3(x):
    """Three significant digits, never in e-notation: an interval's end
    past 999 in the median's unit reads 1,060, not 1.06e+03."""
    return f"{x:,.0f}" if abs(x) >= 999.5 else f"{x:.3g}"


def qfmt(q, unit=""):
    """A quantity as people read it: median (interval), the interval in
    the median's unit."""
    if q is None:
        return "-"
    if q.lo == q.hi:
        return fmt(q.med, unit)
    if unit in _SCALES:
        f, name = _scale(q.med, unit)
        return f"{_g3(q.med / f)} ({_g3(q.lo / f)}–{_g3(q.hi / f)}) {name}"
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
            # Workers and placement from the record's typed fields where
            # the file has them; a file without them (older, another
            # tool's) is read from its names.
            if (b.workers if b.workers is not None else n.params.get("workers", 1)) != workers:
                continue
            chosen = b.placement_chosen if b.typed_placement else next(
                (a.partition(":")[2] for a in n.args if a.startswith("placement:")), None)
            if placement != chosen:
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


def _few(tags):
    """A list short enough for one line: past five, the first three and a
    count."""
    return and_list(tags) if len(tags) <= 5 else f"{', '.join(tags[:3])} and {len(tags) - 3} more"


def and_list(items):
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def missing(why):
    return Verdict(MISSING, why=why)


def needs_kinds(v):
    if not v.kinds:
        return missing("the run does not say which engines are coroutines (no context.engines)")
    return None


def needs_kinds_and_cores(v):
    """As needs_kinds, and a claim about several cores needs two of them."""
    return needs_kinds(v) or (missing(f"needs two cores; this run had {v.cores}") if v.cores < 2 else None)


def split(good, total, noun):
    """HOLDS when every item holds, ONLY when some, NOT when none."""
    if good and len(good) == len(total):
        return HOLDS, ""
    if good:
        return ONLY, f"{noun} is {', '.join(good)}"
    return NOT, ""


def all_of(oks):
    """Tri-state and: False when any is False, None when any is open."""
    oks = list(oks)
    if any(ok is False for ok in oks):
        return False
    if any(ok is None for ok in oks):
        return None
    return True


def open_verdict(figs, results, decided_by=()):
    """The inconclusive verdict of comparisons left open: which ones, and
    what would decide them."""
    tags = [tag for tag, ok, _ in results if ok is None]
    qs = [q for tag, ok, qs in results if ok is None for q in qs]
    v = Verdict(OPEN, figures=figs, why=f"open: {', '.join(tags)}: " + interval.undecided_why(qs),
                decided_by=decided_by)
    v.results = [(tag, ok) for tag, ok, _ in results]
    v.rests_on = {name for _, _, qs in results for q in qs if q is not None for name in q.names}
    return v


def tally(results, noun, figs, missing_why):
    """results: (tag, True/False/None, quantities). MISSING when nothing
    was tried; OPEN when any comparison is open; else as split says."""
    if not results:
        return missing(missing_why)
    tags = [tag for tag, _, _ in results]
    if any(ok is None for _, ok, _ in results):
        return open_verdict(figs, results, tags)
    status, when = split([tag for tag, ok, _ in results if ok], tags, noun)
    v = Verdict(status, when, figs, decided_by=tags)
    v.results = [(tag, ok) for tag, ok, _ in results]
    v.rests_on = {name for _, _, qs in results for q in qs if q is not None for name in q.names}
    return v


def rate(v, hit):
    return v.counter(hit[0], hit[1], "items_per_second") if hit else None


def gt(a, b):
    """Whether a is larger than b, beyond both intervals."""
    return at_least(a / b, 1.0)


def tally_halves(halves, figs, when, decided_by):
    """A claim of two parts: HOLDS when both hold, ONLY (when(part)) when
    one does, NOT when neither, OPEN when any is open."""
    results = [(what, ok, qs) for what, (ok, qs) in halves.items()]
    if any(ok is None for _, ok, _ in results):
        return open_verdict(figs, results, decided_by)
    held = [what for what, ok, _ in results if ok]
    if len(held) == len(results):
        v = Verdict(HOLDS, figures=figs, decided_by=decided_by)
    elif held:
        v = Verdict(ONLY, when(held[0]), figs, decided_by=decided_by)
    else:
        v = Verdict(NOT, figures=figs, decided_by=decided_by)
    return v


def best_any(v, family, engines, **params):
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


def pipeline_sizes(v):
    out = []
    for n, b in v.pick("pipeline", "threads"):
        if b.ok:
            out.append({k: x for k, x in n.params.items() if k != "workers"})
    return out


def kernel_best(v, family, engine, **params):
    """A kernel engine's rate at its best placement: (the faster of its
    own placement and cross-core as a quantity, words giving both), or
    (None, "-"). A coroutine beats threads only if it beats them however
    they are placed: packed on one core every hand-off is a context
    switch, across cores it is a futex wake of a thread that may spin."""
    own = rate(v, v.one_named(family, engine, **params))
    spread = rate(v, v.one_named(family, engine, placement="spread", **params))
    if not own or not spread:
        return (own or spread), qfmt(own or spread)
    best = own if own.med >= spread.med else spread
    return best, f"{qfmt(own)} on one core, {qfmt(spread)} across cores"


def one_core_scope(v, verdict):
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



