"""The claims' rules as code: one function per claim of claims.json, each
reading one run's medians and returning a Verdict. Thresholds come from
claims.json; the figures a verdict shows are the numbers it was computed
from."""

import json
import os

from .names import Name

HOLDS, NOT, ONLY, MISSING = "holds", "does not hold", "holds only when", "not measured in this run"


class Verdict:
    def __init__(self, status, when="", figures=(), why=""):
        self.status = status  # HOLDS, NOT, ONLY or MISSING
        self.when = when  # for ONLY: the condition
        self.figures = list(figures)  # lines of "what: number"
        self.why = why  # for MISSING: what was missing

    @property
    def text(self):
        if self.status == ONLY:
            return f"holds only when {self.when}"
        return self.status


def load_claims():
    with open(os.path.join(os.path.dirname(__file__), "claims.json"), encoding="utf-8") as f:
        return json.load(f)["claims"]


def fmt(v, unit=""):
    """A figure as people read it: three significant digits, SI prefix."""
    if v is None:
        return "-"
    a = abs(v)
    for lim, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= lim:
            return f"{v / lim:.3g}{suf}{unit}"
    return f"{v:.3g}{unit}" if a >= 0.01 or a == 0 else f"{v:.2e}{unit}"


class View:
    """A run as the rules read it: benchmarks by family, engine and
    parameters, engine kinds from the run's context."""

    def __init__(self, run):
        self.run = run
        # A reference (someone else's system: ref-fcontext, ref-greenlet...)
        # is quoted beside the engines but decides no claim: its own kind.
        self.kinds = {k: "reference" if v.get("reference") else v.get("kind")
                      for k, v in (run.context.get("engines") or {}).items()}
        self.rows = [(Name(n), b) for n, b in run.benchmarks.items()]
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


def _verdict(good, total, noun, figs, missing):
    """The verdict of a rule that tried each of `total`: `missing` (why it
    cannot be judged) when nothing was tried, else as _split says."""
    if not total:
        return _missing(missing)
    status, when = _split(good, total, noun)
    return Verdict(status, when, figs)


def c1(v, t):
    if (m := _needs_kinds(v)):
        return m
    rates = {}
    for e in v.engines(family="pingpong"):
        b = v.one("pingpong", e)
        if b and b.counter("switches_per_second"):
            rates[e] = b.counter("switches_per_second")
    coro = [e for e in rates if v.kinds.get(e) == "coroutine"]
    if not coro:
        return _missing("no coroutine engine's pingpong ran")
    lim = t["switches_per_second"]
    good = [e for e in coro if rates[e] >= lim]
    status, when = _split(good, coro, "the engine")
    figs = [f"{e} ({v.kinds.get(e)}): {fmt(r)} switches/s" for e, r in sorted(rates.items(), key=lambda x: -x[1])]
    return Verdict(status, when, figs + [f"threshold: {fmt(lim)} switches/s"])


def _spawn_cost(v, e, n):
    b = v.one("spawn", e, tasks=n)
    if not b or b.counter("bytes_per_task") is None:
        return None
    return b.counter("bytes_per_task"), b.median() / n


def c2(v, t):
    if (m := _needs_kinds(v)):
        return m
    coro = v.engines("coroutine", "spawn")
    sizes = [n for n in v.sizes("spawn", "tasks")
             if _spawn_cost(v, "processes", n) and _spawn_cost(v, "threads", n)
             and any(_spawn_cost(v, e, n) for e in coro)]
    if not sizes:
        return _missing("no spawn size ran on processes, threads and a coroutine engine")
    n = sizes[-1]
    p, th = _spawn_cost(v, "processes", n), _spawn_cost(v, "threads", n)
    cs = {e: _spawn_cost(v, e, n) for e in coro if _spawn_cost(v, e, n)}
    mem_ok = p[0] > th[0] > max(c[0] for c in cs.values())
    time_ok = p[1] > th[1] > max(c[1] for c in cs.values())
    figs = [f"at {int(n):,} live tasks: processes {fmt(p[0], 'B')}/task, {fmt(p[1])} ns to create",
            f"threads {fmt(th[0], 'B')}/task, {fmt(th[1])} ns"] + \
        [f"{e} {fmt(c[0], 'B')}/task, {fmt(c[1])} ns" for e, c in cs.items()]
    if mem_ok and time_ok:
        return Verdict(HOLDS, figures=figs)
    if mem_ok or time_ok:
        return Verdict(ONLY, "counting " + ("memory" if mem_ok else "creation time"), figs)
    return Verdict(NOT, figures=figs)


def _rate(b):
    return b.counter("items_per_second") if b else None


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
            halves["cpu"] = ratio >= t["parallel_speedup"]
            figs.append(f"cpu, {v.cores} tasks: {kern[0]} {fmt(kern[1])} items/s vs one {coro[0]} scheduler "
                        f"{fmt(coro[1])} items/s = {ratio:.2f}x (needs {t['parallel_speedup']}x)")
    conns = v.sizes("echo", "conns", "threads")
    if conns:
        c = conns[-1]
        th = _best_any(v, "echo", ["threads"], conns=c)
        coro = _best_any(v, "echo", v.engines("coroutine", "echo"), conns=c)
        if th and coro:
            halves["echo"] = coro[1] >= th[1]
            figs.append(f"echo, {int(c):,} connections: {coro[0]} {fmt(coro[1])} req/s vs threads "
                        f"{fmt(th[1])} req/s = {coro[1] / th[1]:.2f}x")
    if not halves:
        return Verdict(MISSING, figures=figs, why="neither the cpu nor the echo comparison ran")
    held = [h for h, ok in halves.items() if ok]
    if len(held) == 2:
        return Verdict(HOLDS, figures=figs)
    if held:
        return Verdict(ONLY, f"the work is {'CPU-bound' if held[0] == 'cpu' else 'IO-bound'}", figs)
    return Verdict(NOT, figures=figs)


def _best_any(v, family, engines, **params):
    """The fastest engine among those, over every benchmark that matches
    params (other parameters free), one scheduler."""
    best = None
    for e in engines:
        for n, b in v.pick(family, e, **params):
            r = _rate(b) if b.ok else None
            if r and (best is None or r > best[1]):
                best = (e, r)
    return best


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
        flat.append(g < t["flat_below"])
        w = None
        for n, b in v.pick("cpu", e, workers=k, tasks=k):
            if b.ok:
                w = _rate(b)
        line = f"{e}: {int(k)} tasks on one scheduler {g:.2f}x of one task"
        if w:
            s = w / many[1]
            scales.append(s >= t["scaling_share"] * k)
            line += f"; with --workers={int(k)} {s:.2f}x of one scheduler"
        figs.append(line)
    if not flat:
        return _missing("cpu did not run at tasks=1 and tasks=cores on a coroutine engine")
    if not all(flat):
        return Verdict(NOT, figures=figs)
    if scales and any(scales):
        return Verdict(ONLY, "one scheduler runs them (--workers uses every core)", figs)
    return Verdict(HOLDS, figures=figs)


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
            figs.append(f"{e}: {int(n):,} live tasks, {fmt(b.counter('memory_kb') * 1024 if b.counter('memory_kb') else None, 'B')}"
                        + (f"; ring of {int(ring[-1]):,}: {fmt(hop)} ns/hop" if hop else ""))
            if e in coro and n >= t["tasks"]:
                good.append(e)
        if stopped:
            why = stopped[0].split(" (a default size")[0]
            figs.append(f"{e}: larger sizes did not run: {why[:140]}")
    status, when = _split(good, coro, "the engine")
    if status == NOT and not any(n >= t["tasks"] for n in v.sizes("spawn", "tasks")):
        return Verdict(MISSING, figures=figs, why=f"no spawn of {t['tasks']:,} or more tasks ran")
    return Verdict(status, when, figs)


def c6(v, t):
    sizes = [n for n in v.sizes("ring", "tasks", "threads") if v.one("ring", "asm", tasks=n)]
    if len(sizes) < 2:
        return _missing("ring ran on threads and asm at fewer than two common sizes")
    ratios = [(n, v.one("ring", "threads", tasks=n).median() / v.one("ring", "asm", tasks=n).median())
              for n in sizes]
    g = ratios[-1][1] / ratios[0][1]
    figs = [f"{int(n):,} tasks: threads/asm = {r:.0f}x" for n, r in ratios]
    figs.append(f"growth from {int(sizes[0])} to {int(sizes[-1]):,} tasks: {g:.2f}x (needs {t['growth']}x)")
    return Verdict(HOLDS if g >= t["growth"] else NOT, figures=figs)


def _pipeline_sizes(v):
    out = []
    for n, b in v.pick("pipeline", "threads"):
        if b.ok:
            out.append({k: x for k, x in n.params.items() if k != "workers"})
    return out


def c7(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, good, sizes = [], [], _pipeline_sizes(v)
    for p in sizes:
        coro = _best_any(v, "pipeline", v.engines("coroutine", "pipeline"), **p)
        th = _rate(v.one("pipeline", "threads", **p))
        pr = _rate(v.one("pipeline", "processes", **p))
        if not (coro and th):
            continue
        tag = "/".join(f"{k}:{int(x)}" for k, x in p.items())
        win = coro[1] > th and (pr is None or coro[1] > pr)
        figs.append(f"{tag}: {coro[0]} {fmt(coro[1])} items/s, threads {fmt(th)}, processes {fmt(pr)}")
        if win:
            good.append(tag)
    return _verdict(good, figs, "the pipeline", figs,
                    "pipeline did not run on threads and a coroutine engine at one size")


def c8(v, t):
    """Our engines decide; the references (gevent's own sleep, the claim's
    system, and Go's) are quoted beside them by the same measure."""
    figs, good, total, refs = [], [], [], []
    for n, b in v.pick("sleep"):
        if not b.ok or "tasks" not in n.params:
            continue
        sleep_ns = (b.counter("sleep_ms") or n.params.get("sleep_ms", 0)) * 1e6
        if not sleep_ns:
            continue
        tasks = n.params["tasks"]
        wall = b.median()
        ok = wall <= t["ratio"] * sleep_ns + tasks * t["per_task_us"] * 1e3
        line = (f"{n.engine}, {int(tasks):,} sleepers: {wall / sleep_ns:.3f}x one sleep, "
                f"{fmt(max(0.0, wall - sleep_ns) / tasks / 1e3)} us over it per task")
        if v.kinds.get(n.engine) == "reference":
            refs.append(line.replace(",", " (reference),", 1) + (" (overlaps)" if ok else " (does not overlap)"))
            continue
        tag = f"{n.engine}/{int(tasks)}"
        total.append(tag)
        if ok:
            good.append(tag)
        figs.append(line)
    figs += refs
    if not total:
        return Verdict(MISSING, figures=refs, why="sleep did not run on our engines")
    if len(good) == len(total):
        return Verdict(HOLDS, figures=figs)
    if good:
        return Verdict(ONLY, "engine/sleepers is " + ", ".join(good), figs)
    return Verdict(NOT, figures=figs)


def c9(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, ok, seen = [], True, set()
    for n, b in v.pick("blocking"):
        s = b.counter("stall_over_call") if b.ok else None
        if s is None:
            continue
        kind = v.kinds.get(n.engine)
        seen.add(kind)
        figs.append(f"{n.engine} ({kind}): others stalled {s:.2f} of the call "
                    f"(longest stall {fmt(b.counter('max_stall_us'))} us)")
        if kind == "coroutine":
            ok &= s >= t["stalled"]
        elif kind == "kernel":
            ok &= s <= t["free"]
    if not {"coroutine", "kernel"} <= seen:
        return Verdict(MISSING, figures=figs, why="blocking did not run on both a coroutine and a kernel engine")
    return Verdict(HOLDS if ok else NOT, figures=figs)


def c10(v, t):
    asm = v.one("pingpong", "asm")
    if not asm:
        return _missing("pingpong/asm did not run")
    figs, held, placements = [], [], 0
    for where, pl in (("on one core", None), ("across cores", "spread")):
        th = v.one("pingpong", "threads", placement=pl)
        if not th:
            if pl and v.cores < 2:
                figs.append(f"across cores needs two cores; this run had {v.cores}")
            continue
        placements += 1
        r = th.median() / asm.median()
        figs.append(f"{where}: threads {fmt(th.median())} ns vs asm {fmt(asm.median())} ns = {r:.0f}x")
        if r >= t["ratio"]:
            held.append(where)
    if not placements:
        return Verdict(MISSING, figures=figs, why="pingpong/threads did not run")
    if len(held) == placements == 2:
        return Verdict(HOLDS, figures=figs)
    if held:
        return Verdict(ONLY, "the threads are " + held[0] if placements == 2 else "measured " + held[0], figs)
    return Verdict(NOT, figures=figs)


def c11(v, t):
    if (m := _needs_kinds(v)):
        return m
    coro = v.engines("coroutine", "echo")
    conns = [c for c in v.sizes("echo", "conns") if c >= t["conns"]]
    if not coro or not conns:
        return Verdict(MISSING, figures=_echo_references(v),
                       why=f"echo did not run at {t['conns']:,} connections or more on a coroutine engine")
    c = conns[-1]
    figs, good, tried = [], [], []
    for e in coro:
        hits = v.pick("echo", e, conns=c)
        if not hits:
            continue
        tried.append(e)
        b = hits[0][1]
        if b.ok and (b.counter("min_per_conn") or 0) >= 1:
            good.append(e)
        figs.append(f"{e}, {int(c):,} connections: " + (
            f"{fmt(_rate(b))} req/s, p99 {fmt(b.counter('p99_us'))} us, every connection served "
            f"at least {int(b.counter('min_per_conn') or 0)} times" if b.ok else (b.error or b.skipped or "")[:120]))
    return _verdict(good, tried, "the engine", figs + _echo_references(v),
                    f"echo did not run at {int(c):,} connections on a coroutine engine")


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
        line = f"{e} (reference), {int(c):,} connections: {fmt(_rate(b))} req/s, p99 {fmt(b.counter('p99_us'))} us"
        ours = [(x, _rate(v.one("echo", x, conns=c))) for x in v.engines("coroutine", "echo")]
        ours = [(x, r) for x, r in ours if r]
        for x, r in sorted(ours, key=lambda xr: -xr[1])[:1] + [
                (x, _rate(v.one("echo", x, conns=c))) for x in v.engines("baseline", "echo")]:
            if r:
                line += f"; {_rate(b) / r:.2f}x {x}'s {fmt(r)}"
        figs.append(line)
    return figs


def c12(v, t):
    if (m := _needs_kinds(v)):
        return m
    figs, good, tried = [], [], []
    for p in [p for p in _pipeline_sizes(v) if p.get("capacity") == 1]:
        th = _rate(v.one("pipeline", "threads", **p))
        for e in v.engines("coroutine", "pipeline"):
            r = _rate(v.one("pipeline", e, **p))
            if r and th:
                tried.append(e)
                figs.append(f"{e} {fmt(r)} items/s vs threads {fmt(th)} = {r / th:.0f}x")
                if r > th:
                    good.append(e)
    return _verdict(good, tried, "the engine", figs,
                    "pipeline did not run with capacity 1 on threads and a coroutine engine")


def c13(v, t):
    if (m := _needs_kinds_and_cores(v)):
        return m
    k = float(v.cores)
    figs, result = [], {}
    conns = v.sizes("echo", "conns")
    for fam, params in (("echo", {"conns": conns[-1]} if conns else None), ("cpu", {"tasks": k})):
        if params is None:
            continue
        mn = None
        for e in v.engines("coroutine", fam):
            for n, b in v.pick(fam, e, workers=k, **params):
                if b.ok and _rate(b) and (mn is None or _rate(b) > mn[1]):
                    mn = (f"{e} x{int(k)} workers", _rate(b))
        single = _best_any(v, fam, v.engines(family=fam), **params)
        if mn and single:
            result[fam] = mn[1] >= t["margin"] * single[1]
            figs.append(f"{fam}: M:N {mn[0]} {fmt(mn[1])}/s vs best single {single[0]} {fmt(single[1])}/s "
                        f"= {mn[1] / single[1]:.2f}x (a win needs {t['margin']}x)")
    if not result:
        return _missing("no M:N (--workers) run of echo or cpu beside single-model ones")
    held = [f for f, ok in result.items() if ok]
    if len(held) == len(result) == 2:
        return Verdict(HOLDS, figures=figs)
    if held:
        return Verdict(ONLY, f"the workload is {held[0]}" + ("" if len(result) == 2 else " (only it was measured)"),
                       figs)
    return Verdict(NOT, figures=figs)


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
