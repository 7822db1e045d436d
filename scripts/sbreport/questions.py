"""Which charts a run calls for: one per question for the families
switchbench knows, and a generic one per family for any other Google
Benchmark output. A chart is asked for only when the run has its data."""

from . import counters
from .charts import MUTED_BASE, REF_DASHES, Chart, spread
from .names import Name


def _constant_args(names):
    """key:value arguments that are the same in every name: said once in
    the title rather than in every series."""
    if not names:
        return set()
    common = set(names[0].args)
    for n in names[1:]:
        common &= set(n.args)
    return {a for a in common if ":" in a}


def _series(run, family, xkey, values, chart, engines_only=False):
    """Adds to `chart` a series per name-without-xkey of `family`: x is the
    xkey parameter, y the (median, min, max) of values(name, benchmark)."""
    every = [(b.nm, b) for b in run.benchmarks.values() if b.nm.family == family]
    every = [(n, b) for n, b in every if xkey in n.params]
    rows = [(n, b) for n, b in every if b.ok]
    const = _constant_args([n for n, _ in rows])
    groups = {}
    for n, b in rows:
        key = "/".join(a for a in n.args if a.partition(":")[0] != xkey and a not in const)
        vals = values(n, b)
        if vals:
            groups.setdefault(key, []).append((n.params[xkey],) + spread(vals))
    refs = sorted(run.references)
    variants = {}  # engine -> its keys so far: each variant of an engine gets a dash of its own
    for key, pts in groups.items():
        engine = key.split("/")[0]
        k = len(variants.setdefault(engine, []))
        variants[engine].append(key)
        if engine in refs:
            # A reference: a hue and open marker of its own, and a dash
            # per variant (its --workers run is not its one-scheduler run).
            colour = MUTED_BASE + refs.index(engine)
            dash = REF_DASHES[(refs.index(engine) + k) % len(REF_DASHES)]
        else:
            colour, dash = _colour(run, engine), VARIANT_DASHES[k % len(VARIANT_DASHES)]
        chart.add(series_title(key) if not engines_only else key, pts, colour=colour, dash=dash)
    # What did not measure is a mark on the chart, with its reason in the
    # caption, not a silent gap in its line.
    for n, b in every:
        if not b.ok and (b.error or b.skipped):
            chart.failed.append((n.params[xkey], n.full, b.error or b.skipped))
    if chart.failed and chart.series:
        chart.notes.append("Red crosses on the axis did not measure: " + "; ".join(
            f"{name}: {why}" for _, name, why in chart.failed[:6]) + (" …" if len(chart.failed) > 6 else ""))
    if const and chart.series:
        chart.title += "  (" + ", ".join(series_title("x/" + a)[3:] for a in sorted(const)) + ")"
        chart.notes += [TERMS[a.partition(":")[0]] for a in sorted(const) if a.partition(":")[0] in TERMS]
    return chart


# The parameters a chart's title names, defined where they first appear.
TERMS = {
    "yield_every": "yield every N: each task yields to the scheduler after N units of work (0: never).",
    "sleep_ms": "sleep_ms: how long each sleeper sleeps.",
    "msg": "msg: the echoed message's size in bytes.",
    "capacity": "capacity: how many items a channel holds (1: every item is a hand-off).",
}


# An engine's variants (its runs with other --workers, placement or
# parameters) share its colour and differ in dash: solid, dashed, dotted...
VARIANT_DASHES = [1, 2, 3, 4, 5]


def series_title(key):
    """A series' words from its key (engine/arg:value/...): "asm, 2
    workers", "threads, conns 1000", "asm, spread": no bare "x2"; the
    placements in words (pack: every task on one core; spread: round
    robin over the cores)."""
    engine, *args = key.split("/")
    words = []
    for a in args:
        k, _, v = a.partition(":")
        words.append(f"{v} workers" if k == "workers" else
                     {"spread": "spread over the cores", "pack": "on one core"}.get(v, v) if k == "placement"
                     else f"{k.replace('_', ' ')} {v}")
    return ", ".join([engine] + words)


def _colour(run, engine):
    """An engine's colour index: its place among the run's engines."""
    order = run.context.get("engines") or {}
    names = list(order) if order else []
    if engine not in names:
        seen = []
        for n in run.benchmarks:
            e = Name(n).engine
            if e and e not in seen:
                seen.append(e)
        names = names + [e for e in seen if e not in names]
    return names.index(engine) if engine in names else 0


def _counter(key, scale=1.0):
    return lambda n, b: [v * scale for v in b.counters.get(key, [])]


def _real(n, b):
    return b.real_ns


def switch_cost(run):
    c = Chart("switch_cost", "Switch cost per engine", "What does one switch cost on each engine, next to the "
              "engine's bare floor (its raw switch in a tight loop, without tasks, scheduler or channels: the "
              "least a switch can cost), on one core and across cores?", "bars", "", "ns per switch (log)",
              logy=True)
    engines = []
    for n in run.benchmarks:
        nm = Name(n)
        if nm.family in ("switch", "pingpong", "bare") and nm.engine and nm.engine not in engines:
            engines.append(nm.engine)
    c.groups = engines
    refs = run.references
    kinds = (("switch", "switch", None), ("pingpong, same core", "pingpong", None),
             ("pingpong, across cores", "pingpong", "spread"), ("bare floor", "bare", None))
    for slot, (title, family, placement) in enumerate(kinds):
        ours, theirs = [], []
        for gi, e in enumerate(engines):
            name = f"{family}/{e}" + (f"/placement:{placement}" if placement else "")
            b = run.get(name)
            if b and b.ok:
                (theirs if e in refs else ours).append((gi,) + spread(b.real_ns))
        c.add(title, ours, colour=slot, slot=slot)
        # The references' bars of the same kind, muted, in the same place.
        c.add(title + " (reference)", theirs, colour=MUTED_BASE + slot, slot=slot)
    return c


# The distribution chart shows this many benchmarks, the widest: a strip
# per benchmark of all 173 in the quick run was 2,300 px tall, its labels
# took the width, and the few strips worth a look were lost among them.
DISTRIBUTION_ROWS = 30


def distribution(run):
    """The benchmarks whose repetitions spread widest, a strip each; those
    that ran at two levels (stats.two_levels) are drawn in red, and the
    caption says how narrow the ones left out are."""
    from . import stats
    rows = []
    for n, b in run.benchmarks.items():
        if b.ok and len(b.real_ns) > 1 and b.median() > 0:
            m = b.median()
            vals = [v / m for v in b.real_ns if v > 0]
            rows.append((max(vals) / min(vals), n, vals, bool(stats.two_levels(b.real_ns))))
    rows.sort(key=lambda r: (not r[3], -r[0]))  # two levels first, then the widest
    shown, rest = rows[:DISTRIBUTION_ROWS], rows[DISTRIBUTION_ROWS:]
    c = Chart("distribution", f"Repetition / median, the {len(shown)} widest",
              "How far does each repetition lie from its benchmark's median? A wide strip is a noisy benchmark; "
              "red, one whose repetitions ran at two levels (its median is neither). The axis is a log of the "
              "ratio, so that an outlier does not hide the rest.", "strip", "repetition / median (log)", "",
              logx=True)
    for _, n, vals, split in shown:
        row = len(c.groups)
        c.groups.append(n)
        c.points += [(v, row) for v in vals]
        if split:
            c.marked.append(row)
    if rest:
        c.notes.append(f"The other {len(rest)} benchmarks are not drawn: each spreads {rest[0][0]:.3g}x or less "
                       "from its lowest repetition to its highest.")
    c.height = 110 + 16 * len(c.groups)
    c.width = 900  # the names take half of it
    return c


def _sleep_excess(n, b):
    """Percent of wall time beyond one sleep: on a log axis the 0-10 %
    that tells overlap from none is as wide as 10-100 % (a linear axis
    of wall / sleep squeezed 1.0-1.1 into a sliver under 100,000
    sleepers' 9x)."""
    ms = n.params.get("sleep_ms")
    return [(v / (ms * 1e6) - 1) * 100 for v in b.real_ns] if ms else []


# The line charts of our families: (family, the swept parameter on x, the
# values per repetition, key, title, question, x label, y label, log x,
# log y). One row a question; a row whose family did not run draws nothing.
# Where the values are a counter (a name), the y label is the row's words
# with the counter's unit and better direction from the run's own counter
# registry (counters.py), never guessed from the name.
LINES = [
    ("ring", "tasks", _real, "ring", "Ring: ns per hop vs tasks", "Does a hop cost more as the ring grows, and "
     "how does the gap between threads and coroutines change with it (C6)?", "tasks in the ring", "ns per hop",
     True, True),
    ("echo", "conns", "items_per_second", "echo_throughput", "Echo: requests per second vs connections",
     "How many requests per second does each engine serve as connections grow (C3, C11, C13)?", "connections",
     "requests", True, False),
    ("echo", "conns", "p99_us", "echo_p99", "Echo: p99 latency vs connections",
     "How long does the slowest 1 % of requests wait?", "connections", "p99 latency", True, True),
    ("echo", "conns", "min_per_conn", "echo_starvation", "Echo: the least-served connection",
     "Is every connection served, or do some starve? (requests of the connection served least)", "connections",
     "least-served connection", True, True),
    ("echo-open", "rate", "p99_us", "echo_open_p99", "Echo, open loop: p99 latency vs offered rate",
     "Where does each engine saturate? Requests fall due at a fixed rate whether or not the server kept up, and "
     "each latency counts from when its request fell due: past the knee, the queue grows and p99 climbs (C11).",
     "requests offered per second", "p99 latency", True, True),
    ("echo-open", "rate", "items_per_second", "echo_open_served", "Echo, open loop: requests served vs offered",
     "Does each engine serve what is offered? On the diagonal it keeps up; below it, it has saturated (C11).",
     "requests offered per second", "requests served", True, True),
    ("sleep", "tasks", _sleep_excess, "sleep_wall", "Sleep: wall time beyond one sleep vs sleepers",
     "Do N sleepers finish in about one sleep (C8)? 0 % is perfect overlap, 10 % is wall time 1.1x one sleep, "
     "100 % is two sleeps' worth.", "tasks sleeping at once", "% beyond one sleep (log)", True, True),
    ("sleep", "tasks", "bytes_per_task", "sleep_memory", "Sleep: memory per sleeping task, user + kernel",
     "What does a sleeping task cost in memory, counting what the kernel holds for it (kernel stacks, page "
     "tables, slab)? References measure user memory only: they are in the next chart.", "tasks sleeping at once",
     "memory per task", True, True),
    ("sleep", "tasks", "user_bytes_per_task", "sleep_user_memory", "Sleep: user-space memory per sleeping task",
     "What does a sleeping task cost in its own address space, references included (the kernel's share is not in "
     "this chart)?", "tasks sleeping at once", "user memory per task", True, True),
    ("cpu", "tasks", "items_per_second", "cpu", "CPU-bound work: throughput vs tasks and workers",
     "Does throughput grow with tasks on one scheduler, with --workers, with threads and processes (C3, C4, C13)?",
     "tasks computing at once", "work units", False, False),
    ("spawn", "tasks", "cold_ns_per_task", "spawn_time", "Spawn, cold: time per task in a repetition's "
     "first batch", "What does creating a task cost in fresh memory (C2)? The first batch of each repetition: page "
     "faults and new mappings included.", "tasks alive at once", "time per task", True, True),
    ("spawn", "tasks", "warm_ns_per_task", "spawn_warm", "Spawn, warm: time per task in later batches",
     "What does creating a task cost once the engine reuses memory (pooled stacks, cached thread stacks)? "
     "Absent where a repetition ran one batch only.", "tasks alive at once", "time per task", True, True),
    ("spawn", "tasks", "bytes_per_task", "spawn_memory", "Spawn: memory per live task, user + kernel",
     "What does a live task cost in memory, counting what the kernel holds for it (kernel stacks, page tables, "
     "slab) (C2, C5)? References measure user memory only: they are in the next chart.", "tasks alive at once",
     "memory per task", True, True),
    ("spawn", "tasks", "user_bytes_per_task", "spawn_user_memory",
     "Spawn: user-space memory per live task vs tasks", "What does a live task cost in its own address space, "
     "references included (the kernel's share is not in this chart)?", "tasks alive at once",
     "user memory per task", True, True),
    ("pipeline", "capacity", "items_per_second", "pipeline",
     "Pipeline: items per second vs channel capacity", "Does a coroutine channel beat a locked queue and a pipe, "
     "item by item and in batches (C7, C12)?", "channel capacity (items)", "items", True, True),
]


def counter_label(reg, key, words):
    """A counter's axis: the row's words, then the registry's unit (a rate
    reads "per second") and which way is better, when the registry says."""
    unit = counters.unit(reg, key)
    if (reg.get(key) or {}).get("kind") == "rate":
        label = f"{words} per second"
    else:
        label = f"{words} ({unit})" if unit else words
    way = counters.better(reg, key)
    return f"{label}, {way} is better" if way else label


def known(run):
    """The charts of switchbench's own families, in reading order."""
    cs = [switch_cost(run), distribution(run)]
    reg = counters.registry(run)
    for family, xkey, values, key, title, question, xlab, ylab, logx, logy in LINES:
        if isinstance(values, str):
            values, ylab = _counter(values), counter_label(reg, values, ylab)
        cs.append(_series(run, family, xkey, values, Chart(key, title, question, "lines", xlab, ylab, logx, logy)))
    cs.append(blocking(run))
    return cs


def blocking(run):
    c = Chart("blocking", "Blocking call: the longest stall of the other tasks", "While one task blocks in a "
              "syscall, how long do the others stand still (C9)?", "bars", "", "longest stall (us, log)", logy=True)
    rows = []
    items = [(b.nm, b) for b in run.benchmarks.values()
             if b.nm.family == "blocking" and b.ok and b.counters.get("max_stall_us")]
    const = _constant_args([n for n, _ in items])
    for nm, b in items:
        rows.append((len(c.groups),) + spread(b.counters["max_stall_us"]))
        c.groups.append("/".join(a for a in nm.args if a not in const))
    c.add("longest stall", rows)
    if const:
        c.title += "  (" + ", ".join(sorted(const)) + ")"
    return c


# The families the charts above draw (switch_cost: switch, pingpong and
# bare; blocking; each LINES row's): any other family of ours, a workload
# added since, gets a generic chart of its own.
KNOWN = {"switch", "pingpong", "bare", "blocking"} | {row[0] for row in LINES}


def generic(run, family):
    """Any family: real time vs its numeric argument when every name has
    one that varies, else a bar per benchmark."""
    items = [(b.nm, b) for b in run.benchmarks.values() if b.nm.family == family and b.ok]
    if not items:
        return None
    key = _slug(family)
    nums = [n.numbers() for n, _ in items]
    pos = None
    if all(nums) and len({len(x) for x in nums}) == 1:
        for i in range(len(nums[0])):
            if len({x[i] for x in nums}) > 1:
                pos = i
                break
    if pos is not None and len(items) > 2:
        c = Chart(f"family_{key}", f"{family}: real time vs argument {pos + 1}", f"How does {family} scale with "
                  "its argument?", "lines", f"argument {pos + 1}", "real time (ns)", logx=True, logy=True)
        groups = {}
        for n, b in items:
            at = n.numeric_positions()[pos]
            rest = [a for j, a in enumerate(n.args) if j != at]
            groups.setdefault("/".join(rest) or family, []).append((n.numbers()[pos],) + spread(b.real_ns))
        for t, pts in groups.items():
            c.add(t, pts)
        return c
    c = Chart(f"family_{key}", f"{family}: real time per benchmark", f"What does each {family} benchmark cost?",
              "bars", "", "real time (ns)", logy=True)
    rows = []
    for n, b in items:
        rows.append((len(c.groups),) + spread(b.real_ns))
        c.groups.append("/".join(n.args) or n.full)
    c.add("real time", rows)
    return c


def _slug(s):
    return "".join(ch if ch.isalnum() else "_" for ch in s)[:60]


def for_run(run):
    charts = known(run) if run.ours else [distribution(run)]
    seen = []
    for n in run.benchmarks:
        f = Name(n).family
        if f not in seen:
            seen.append(f)
    for f in seen:
        if run.ours and f in KNOWN:
            continue
        c = generic(run, f)
        if c:
            charts.append(c)
    return charts
