"""The report's model: what page.py lays out, built from one run (a report)
or two (a comparison). Every figure here comes from the files read."""

import os

from . import claims, counters, judge, questions, rules, stats
from .charts import Chart, spread
from .names import Name
from .rules import fmt

CV_WARN = 0.05  # a benchmark whose repetitions vary more is flagged
ALPHA = 0.05  # comparison: significance of the U test
CHANGE = 0.10  # comparison: a change smaller than this is not called (as regress's default)


def ran_engines(run):
    """The engines with a record in this run (ours: the records' engine
    field; a CSV of ours has none, and its names are workload/engine/...)."""
    return {b.nm.engine for b in run.benchmarks.values() if b.nm.engine} if run.ours else None


def environment(ctx, ran=None):
    """The run's environment as (what, value) rows; per-engine facts only
    for the engines in `ran` (None: every engine the context lists)."""
    rows = []

    def per_engine(d):
        return "; ".join(f"{k}: {v}" for k, v in d.items() if ran is None or k in ran)

    def add(k, v):
        if v not in (None, "", []):
            rows.append((k, v))
    add("date", ctx.get("date"))
    add("host", ctx.get("host_name"))
    if ctx.get("num_cpus") or ctx.get("cpu_model"):
        add("CPU", ", ".join(x for x in (
            ctx.get("cpu_model"),
            f"{ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz" if ctx.get("num_cpus") else None,
            "frequency scaling on" if ctx.get("cpu_scaling_enabled") else None) if x))
    add("topology", ctx.get("topology"))
    add("kernel", ctx.get("kernel"))
    add("virtualization", ctx.get("virtualization"))
    add("clocksource", ctx.get("clocksource"))
    add("timer", ctx.get("timer"))
    add("CPUs used", ctx.get("cpus"))
    add("placement", ctx.get("placement"))
    if isinstance(ctx.get("fpu_contract"), dict):
        add("FPU contract", per_engine(ctx["fpu_contract"]))
    if isinstance(ctx.get("switch_contract"), dict):
        add("Switch contract", per_engine(ctx["switch_contract"]))
    if ctx.get("stack_size"):
        add("stacks", f"{ctx['stack_size'] // 1024} KiB, guard policy {ctx.get('stack_guard', '?')}")
    build = " ".join(str(x) for x in (ctx.get("library_version"), ctx.get("library_build_type"),
                                      "gcc " + ctx["compiler"] if ctx.get("compiler") else None,
                                      ctx.get("compiler_flags")) if x)
    add("build", build.strip())
    if ctx.get("layout"):
        seed = f", seed {ctx['layout_seed']} (--layout-seed reproduces it)" if ctx.get("layout_seed") is not None else ""
        add("layout", f"{ctx['layout']}{seed}")
    if ctx.get("repetitions"):
        order = ""
        if ctx.get("order") == "interleaved":
            seed = f" (--seed={ctx['order_seed']} repeats it)" if ctx.get("order_seed") is not None else ""
            order = f", each in its own process, all in one shuffled order{seed}"
        elif ctx.get("order"):
            order = f", {ctx['order']}"
        add("repetitions", f"{ctx['repetitions']} per benchmark, each at least {ctx.get('min_time', '?')} s{order}")
    if isinstance(ctx.get("disturbance_bound"), (int, float)):
        b = ctx["disturbance_bound"]
        add("disturbance", f"a repetition in which other processes or the hypervisor used {b:.0%} of its CPUs' "
            "time or more is marked, left out and redone" if b > 0 else "not judged (--disturbance=off)")
    if isinstance(ctx.get("precision_target"), (int, float)) and ctx["precision_target"] > 0:
        add("precision", f"repetitions added until each median's 95 % interval is within "
            f"+-{ctx['precision_target']:.0%} of it, for at most {ctx.get('precision_budget_s', 0):.0f} s")
    lh = ctx.get("load_host")
    if isinstance(lh, dict):
        m = lh.get("machine") if isinstance(lh.get("machine"), dict) else {}
        add("echo load from", f"{lh.get('host', '?')} (agent {lh.get('agent', '?')}; server listening on "
            f"{lh.get('server_addr', '?')}): {m.get('cpus', '?')} CPUs, {m.get('cpu_model') or '?'}, "
            f"{m.get('machine', '?')}, Linux {m.get('kernel', '?')}")
    if isinstance(ctx.get("load_avg"), list) and ctx["load_avg"]:
        add("load average", ", ".join(f"{x:.2f}" for x in ctx["load_avg"]))
    if isinstance(ctx.get("limits"), dict):
        add("limits", ", ".join(f"{k} {v}" for k, v in ctx["limits"].items()))
    return rows


def claims_by_family(run):
    """family -> the ids of the claims whose rule reads that workload
    (their registered `needs`), for our runs; {} for another's."""
    if not run.ours:
        return {}
    out = {}
    for c in claims.REGISTRY:
        for w in c.workloads:
            out.setdefault(w, []).append(c.id)
    return out


def _ids(ids):
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def suspect_claims(run):
    """claim id -> ["benchmark (why)", ...]: the benchmarks it may rest on
    whose repetitions fell into two levels, or whose figures had to use
    disturbed repetitions; the answer lines say so."""
    fams, out, refs = claims_by_family(run), {}, set(run.references)
    for n, b in run.benchmarks.items():
        if b.nm.engine in refs:
            continue  # a reference decides no claim
        why = []
        if b.ok and len(b.real_ns) >= 4 and stats.two_levels(b.real_ns):
            why.append("ran at two levels")
        if b.ok and b.used_disturbed:
            why.append(f"its figures use {b.used_disturbed} disturbed repetition(s)")
        for cid in fams.get(b.nm.family, []) if why else []:
            out.setdefault(cid, []).append(f"{n} ({'; '.join(why)})")
    return out


def disturbance_banner(run):
    """How busy the machine was during the run, from every repetition's
    machine figures (not the load at its start): the share disturbed, and
    other processes' and the hypervisor's share of the run's CPUs. None
    when the file has no such figures."""
    reps = [m for b in run.benchmarks.values() for m in b.machine]
    if not reps:
        return None
    disturbed = sum(len(b.disturbed) for b in run.benchmarks.values())
    foreign = [m.get("foreign_cpu", 0) for m in reps]
    steal = [m.get("steal", 0) for m in reps]
    text = (f"{disturbed / len(reps):.0%} of repetitions ({disturbed:,} of {len(reps):,}) were disturbed"
            if disturbed else f"No repetition was disturbed (0 of {len(reps):,})")
    text += (f": other processes used at least {sum(foreign) / len(foreign):.1%} of the run's CPUs on average "
             f"(at most {max(foreign):.0%} in one repetition), the hypervisor stole at least "
             f"{sum(steal) / len(steal):.1%} (at most {max(steal):.0%})")
    used = [(n, b.used_disturbed) for n, b in run.benchmarks.items() if b.used_disturbed]
    if disturbed:
        text += "; disturbed repetitions are left out of figures and were redone"
    if used:
        text += (f"; {len(used)} benchmark(s) kept too few undisturbed repetitions and use disturbed ones: "
                 + ", ".join(n for n, _ in used[:4]) + (" …" if len(used) > 4 else ""))
    return text


def warnings(run):
    """What to read with care, those that bear on the claims first, each
    naming the claims it bears on (by the workloads their rules read)."""
    ctx, out, ranked = run.context, [], []
    fams = claims_by_family(run)

    refs = set(run.references)

    def bearing(names):
        """The claims a benchmark may bear on: those reading its workload,
        unless it is a reference's (which decides none)."""
        ids = sorted({cid for n in names for cid in fams.get(run.benchmarks[n].nm.family, [])
                      if run.benchmarks[n].nm.engine not in refs},
                     key=lambda c: int(c[1:]) if c[1:].isdigit() else 0)
        return ids

    split = [(n, t) for n, b in run.benchmarks.items() if b.ok and len(b.real_ns) >= 4
             for t in [stats.two_levels(b.real_ns)] if t]
    for n, (lo, hi, a, b) in split:
        ids = bearing([n])
        text = (f"{n} ran at two levels, {fmt(lo, 'ns')} and {fmt(hi, 'ns')} ({a} and {b} repetitions): its "
                "median is neither. The layout a repetition drew (or something else that switches) sets its "
                "speed.")
        ranked.append((len(ids), (f"{_ids(ids)} may rest on it: " if ids else "") + text))
    noisy = [(n, b.cv()) for n, b in run.benchmarks.items() if b.ok and len(b.real_ns) > 1 and b.cv() > CV_WARN]
    if noisy:
        noisy.sort(key=lambda x: -x[1])
        ids = bearing([n for n, _ in noisy])
        ranked.append((len(ids) / 10, f"{len(noisy)} benchmark(s) vary by more than {CV_WARN:.0%} (cv, the "
                       "coefficient of variation: standard deviation over mean) across "
                       "repetitions" + (f", among them the workloads of {_ids(ids)}" if ids else "") + ": "
                       + ", ".join(f"{n} {cv:.0%}" for n, cv in noisy[:6]) + (" …" if len(noisy) > 6 else "")))
    ranked.sort(key=lambda x: -x[0])
    out += [t for _, t in ranked]
    virt = ctx.get("virtualization")
    if virt and virt not in ("none", "no"):
        out.append(f"A virtual machine ({virt}): other guests share the cores; compare ratios measured in one run.")
    load = ctx.get("load_avg")
    ncpu = ctx.get("num_cpus") or 0
    if isinstance(load, list) and load and ncpu and load[0] > 0.5 * ncpu:
        out.append(f"The load average was {load[0]:.2f} on {ncpu} CPUs when the run started: something else was "
                   "running.")
    if ctx.get("cpu_scaling_enabled"):
        out.append("CPU frequency scaling was on: times drift with the clock.")
    if str(ctx.get("library_build_type", "")).lower() == "debug":
        out.append("The benchmark library was a debug build.")
    unpinned = [n for n, b in run.benchmarks.items() if b.ok and b.cpus_used in ("?", "none")]
    if unpinned:
        out.append(f"{len(unpinned)} benchmark(s) ran unpinned: " + ", ".join(unpinned[:6]))
    disturbed = [(n, d) for n, b in run.benchmarks.items() for d in b.disturbed]
    busy = disturbance_banner(run)
    if busy and (disturbed or any(b.used_disturbed for b in run.benchmarks.values())):
        out.insert(0, busy + ". For example: " + "; ".join(f"{n}: {d}" for n, d in disturbed[:2]))
    elif disturbed:
        out.append(f"{len(disturbed)} repetition(s) were disturbed and are left out of every figure: "
                   + "; ".join(f"{n}: {d}" for n, d in disturbed[:4]) + (" …" if len(disturbed) > 4 else ""))
    left = ctx.get("engines_left_out") or {}
    if left:
        out.append(f"{len(left)} engine(s) left out of this run: " + "; ".join(
            f"{e} ({v.get('why', 'unavailable')}): {v.get('command') or './bench --engine=' + e} adds it"
            for e, v in left.items()))
    errors = [(n, b.error) for n, b in run.benchmarks.items() if b.error]
    if errors:
        ids = bearing([n for n, _ in errors])
        out.insert(0, f"{len(errors)} error record(s)" + (f", in the workloads of {_ids(ids)}" if ids else "")
                   + ": " + "; ".join(f"{n}: {m}" for n, m in errors[:5]))
    skipped = [(n, b.skipped) for n, b in run.benchmarks.items() if b.skipped and not b.error]
    if skipped:
        out.append(f"{len(skipped)} skipped record(s): " + "; ".join(f"{n}: {m}" for n, m in skipped[:5]))
    return out


def _counters_text(b, reg):
    """The medians of a benchmark's counters with their units from the
    run's counter registry (the stack counts are in the label already);
    every one, so that cold and warm creation both show, and a spawn
    record without a warm figure says why."""
    keys = [k for k in b.counters if k not in ("stacks_guarded", "stacks_unguarded")]
    text = [f"{k} {_counter_value(k, b.counter(k), reg)}" for k in keys]
    if "cold_ns_per_task" in b.counters and "warm_ns_per_task" not in b.counters:
        text.append("warm_ns_per_task none (each repetition ran one batch: every creation was cold)")
    return ", ".join(text)


def _counter_value(key, v, reg):
    u = counters.unit(reg, key)
    if u == "B/s" and v is not None:
        # As Google Benchmark's console: binary prefixes for bytes/s.
        for lim, suf in ((2 ** 40, "Ti"), (2 ** 30, "Gi"), (2 ** 20, "Mi"), (2 ** 10, "Ki")):
            if abs(v) >= lim:
                return f"{v / lim:.3g} {suf}B/s"
        return f"{v:.3g} B/s"
    if u in rules._SCALES:
        return fmt(v, u)  # a time or a size in the unit that fits it
    return fmt(v, u if u.startswith("/") or not u else " " + u)


def complexity_table(run):
    """->Complexity() fits, as Google Benchmark's console prints them:
    the family, the fitted order with its coefficient, and the RMS."""
    return [[c["family"], f"{fmt(c['real'])} {c['unit']} x {c['big_o']}" if c["real"] is not None else "",
             f"{fmt(c['cpu'])} {c['unit']} x {c['big_o']}" if c["cpu"] is not None else "",
             f"{c['rms']:.0%}" if c["rms"] is not None else ""] for c in run.complexity]


def best_references(run):
    """Per benchmark name without its engine, the fastest reference that
    ran it: (family, other arguments) -> (median ns, engine)."""
    refs, best = run.references, {}
    for n, b in run.benchmarks.items():
        nm = Name(n)
        if nm.engine in refs and b.ok:
            key = (nm.family, tuple(a for a in nm.args if a != nm.engine))
            if key not in best or b.median() < best[key][0]:
                best[key] = (b.median(), nm.engine)
    return best


def _against_reference(run, best, n, b):
    """The results table's "engine / best reference" cell: real time over
    the fastest reference's at the same size (below 1: ours is faster)."""
    nm = Name(n)
    if nm.engine in run.references:
        return "reference"
    hit = best.get((nm.family, tuple(a for a in nm.args if a != nm.engine)))
    return f"{b.median() / hit[0]:.3g} ({hit[1]})" if hit and b.ok else ""


def scope(run, claim):
    """What of a claim's workloads this run covered, in words: the sizes
    that ran, what was skipped and why, and the command that runs the
    full sweep."""
    parts = []
    for w in claim.workloads:
        ran, skipped, any_ok = {}, [], False
        for n, b in run.benchmarks.items():
            nm = b.nm
            if nm.family != w:
                continue
            if b.ok:
                any_ok = True
                for k, x in nm.params.items():
                    ran.setdefault(k, set()).add(x)
            elif b.skipped or b.error:
                skipped.append((n, (b.skipped or b.error).split(" (a default size")[0]))
        if not any_ok and not skipped:
            parts.append(f"{w}: did not run")
            continue
        sizes = "; ".join(f"{k} {', '.join(f'{x:,.0f}' for x in sorted(xs))}" for k, xs in sorted(ran.items())
                          if k not in ("workers",))
        text = f"{w}: {sizes or 'ran'}"
        if skipped:
            text += f"; {len(skipped)} not measured ({skipped[0][0]}: {skipped[0][1][:120]})"
        parts.append(text)
    cmd = "./bench --workload=" + ",".join(claim.workloads)
    return "; ".join(parts) + f". The full sweep: {cmd}"


def decision_charts(decided):
    """Per claim whose rule says what decided it: its own chart, one mark
    per engine (or comparison) with its interval, the threshold a line."""
    out = []
    for c, v in decided:
        for i, d in enumerate(v.decisions):
            key = f"decides_{c.id}" + (f"_{i + 1}" if i else "")
            title = f"{c.id}: what decides it" + (f" ({d.part})" if d.part else "")
            ch = Chart(key, title, c.test, "decision", d.what, "", logx=d.log)
            ch.groups = [label for label, _ in d.rows]
            ch.rows = [(q.med, q.lo, q.hi) for _, q in d.rows]
            ch.thresholds = list(d.thresholds)
            ch.height = 150 + 28 * len(d.rows)
            ch.notes.append((f"Dashed red: the threshold{'s' if len(d.thresholds) > 1 else ''} "
                             f"({', '.join(fmt(x) for x in d.thresholds)})" if d.thresholds else
                             "No threshold: the order of the rows, top to bottom, is what the claim says")
                            + "; whiskers: each figure's 95 % interval.")
            out.append(ch)
    return out


def single(run, chart_dir):
    # Claims need the run's context (which engines are coroutines): a CSV
    # has none, and its report says so once rather than 13 times.
    decided = claims.decide(run) if run.ours and run.context.get("engines") else []
    charts = decision_charts(decided) + questions.for_run(run)
    table = []
    best = best_references(run)
    reg = counters.registry(run)
    # The column appears when the run has references to set ours against.
    vs = [] if not best else None
    for n, b in run.benchmarks.items():
        ref = [] if vs == [] else [_against_reference(run, best, n, b)]
        if b.ok:
            med, lo, hi = spread(b.real_ns)
            cells = [n, fmt(med), f"{fmt(lo)} – {fmt(hi)}", f"{b.cv():.1%}", len(b.real_ns)] + ref + [
                _counters_text(b, reg)]
            table.append({"cells": cells})
        elif b.error:
            table.append({"cells": [n, "error", "", "", ""] + [""] * len(ref) + [b.error], "error": True})
        else:
            table.append({"cells": [n, "skipped", "", "", ""] + [""] * len(ref) + [b.skipped or ""],
                          "skipped": True})
    sub = f"{len(run.benchmarks)} benchmarks from {run.path}"
    if run.context.get("date"):
        sub += f", run {run.context['date']}"
    return {
        "title": "switchbench report" if run.ours else "Benchmark report",
        "subtitle": sub,
        "claims": decided,
        "environment": environment(run.context, ran_engines(run)),
        "warnings": warnings(run),
        "suspects": suspect_claims(run),
        "scopes": {c.id: scope(run, c) for c, _ in decided},
        "charts": charts,
        "table_title": "Results (real time in ns per iteration)",
        "table_head": ["benchmark", "median", "min – max", "cv (sd / mean)", "reps"] + (
            ["engine / best reference"] if best else []) + ["counters (medians)"],
        "table_num": {1, 2, 3, 4, 5} if best else {1, 2, 3, 4},
        "table": table,
        "complexity": complexity_table(run),
        "chart_dir": chart_dir,
    }


# What a comparison of two runs must hold equal to compare the code alone:
# (context key, what it is).
SETTINGS = (("repetitions", "repetitions"), ("min_time", "minimum time per repetition (s)"),
            ("cpus", "CPUs"), ("placement", "placement"), ("stack_size", "stack size"),
            ("stack_guard", "stack guard"), ("compiler", "compiler"), ("compiler_flags", "compiler flags"),
            ("library_build_type", "build type"), ("cpu_model", "CPU model"), ("num_cpus", "CPU count"),
            ("host_name", "host"))


def sides(ra, rb):
    """The two sides of a comparison stated first (commit, build, settings),
    and the warnings a like-for-like reading needs: one commit on both
    sides (every difference is the machine's noise), settings that differ."""
    ca, cb = ra.context, rb.context
    rows, warn = [], []
    for side, c in (("A", ca), ("B", cb)):
        commit = (c.get("source_commit") or "?")[:12] + (" (dirty tree)" if c.get("source_dirty") else "")
        rows.append((f"{side} commit", commit))
        rows.append((f"{side} settings", ", ".join(f"{what} {c[k]}" for k, what in SETTINGS[:5] if c.get(k)
                                                   not in (None, ""))))
    if ca.get("source_commit") and ca.get("source_commit") == cb.get("source_commit") and not (
            ca.get("source_dirty") or cb.get("source_dirty")):
        warn.append(f"A and B were built from the same commit ({ca['source_commit'][:12]}): any difference is this "
                    "machine's noise, not the code's.")
    differ = [f"{what}: A {ca.get(k)}, B {cb.get(k)}" for k, what in SETTINGS
              if ca.get(k) not in (None, "") and cb.get(k) not in (None, "") and ca.get(k) != cb.get(k)]
    if differ:
        warn.append("A and B ran with different settings, so their times are not like for like: " + "; ".join(differ))
    return rows, warn


def counter_changes(ra, rb, ok):
    """name -> ["p99_us 1.32x worse", ...]: the counters of each benchmark
    that moved from A to B, judged as times are (U test, Holm over every
    counter compared, the whole interval beyond CHANGE), better or worse by
    the direction B's counter registry gives; counters without one (a
    setting, a tally, or unknown to the file) are not judged."""
    reg = counters.registry(rb)
    pairs = {}
    for n in ok:
        a, b = ra.benchmarks[n], rb.benchmarks[n]
        for k, vb in b.counters.items():
            va = a.counters.get(k) or []
            if counters.better(reg, k) and va and vb and stats.median(va) > 0:
                pairs[(n, k)] = (va, vb)
    moved = {}
    for (n, k), j in judge.judge_all(pairs, CHANGE, ALPHA).items():
        if j.verdict in ("regressed", "improved"):
            good = (j.verdict == "improved") == (counters.better(reg, k) == "lower")
            moved.setdefault(n, []).append(f"{k} {j.ratio:.3g}x {'better' if good else 'worse'}")
    return moved


def claims_side_by_side(runs):
    """[(claim, [verdict per run])] in registry order; a run without the
    context the rules need has no verdicts (None)."""
    decided = [claims.decide(r) if r.ours and r.context.get("engines") else None for r in runs]
    base = next((d for d in decided if d), None)
    if not base:
        return []
    return [(c, [d[i][1] if d else None for d in decided]) for i, (c, _) in enumerate(base)]


def compare(ra, rb, chart_dir):
    common = [n for n in rb.benchmarks if n in ra.benchmarks]
    ok = [n for n in common if ra.benchmarks[n].ok and rb.benchmarks[n].ok]
    js = judge.judge_all({n: (ra.benchmarks[n].real_ns, rb.benchmarks[n].real_ns) for n in ok}, CHANGE, ALPHA)
    moved = counter_changes(ra, rb, ok)
    table, charts = [], {}
    for n in common:
        a, b = ra.benchmarks[n], rb.benchmarks[n]
        if not (a.ok and b.ok):
            why = (a.error or a.skipped) if not a.ok else (b.error or b.skipped)
            table.append({"cells": [n, fmt(a.median()), fmt(b.median()), "", "", "", f"not compared: {why}", ""],
                          "error": True})
            continue
        j = js[n]
        ratio, ci, p, v = j.ratio, j.interval, j.p_adjusted, j.verdict
        if v == "cannot tell":
            v = "cannot tell: too few repetitions" if j.power and not j.power.enough else f"cannot tell: {j.why}"
        table.append({"cells": [n, fmt(a.median()), fmt(b.median()), f"{ratio:.3f}",
                                f"{ci[0]:.3f} – {ci[1]:.3f}" if ci else "", f"{p:.3g}" if p is not None else "",
                                v, "; ".join(moved.get(n, []))], "verdict": v})
        fam = Name(n).family
        c = charts.get(fam)
        if c is None:
            c = charts[fam] = Chart(f"compare_{_slug(fam)}", f"{fam}: A and B side by side",
                                    f"Did {fam} get faster or slower from A to B? (median, whiskers min–max)",
                                    "bars", "", "real time (ns, log)", logy=True)
            c.series = [("A: " + _short(ra), []), ("B: " + _short(rb), [])]
        gi = len(c.groups)
        c.groups.append("/".join(Name(n).args) or n)
        c.series[0][1].append((gi,) + spread(a.real_ns))
        c.series[1][1].append((gi,) + spread(b.real_ns))
    counts = {}
    for r in table:
        word = r.get("verdict", "not compared").split(":")[0]
        counts[word] = counts.get(word, 0) + 1
    side_rows, side_warn = sides(ra, rb)
    weak = next((js[n].power for n in ok if js[n].power and not js[n].power.enough), None)
    power = [f"No change can be called: {weak.words()} (./bench --repetitions=N). A row that says \"cannot "
             "tell\" may still have moved; one that says \"within noise\" has its whole interval inside "
             f"±{CHANGE:.0%}."] if weak else []
    warn = power + side_warn + [f"A: {w}" for w in warnings(ra)] + [f"B: {w}" for w in warnings(rb)]
    only = len(set(ra.benchmarks) ^ set(rb.benchmarks))
    if only:
        warn.append(f"{only} benchmark(s) are in only one of the two runs and are not compared.")
    return {
        "title": "switchbench comparison" if ra.ours and rb.ours else "Benchmark comparison",
        "subtitle": f"A = {ra.path}; B = {rb.path}; {len(common)} benchmarks in common: "
                    + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                    + f". Verdicts: Mann-Whitney U p < {ALPHA} (Holm-adjusted over the benchmarks) and a change beyond "
                    f"{CHANGE:.0%}.",
        "claims": [],
        # The claims' verdicts of A and B side by side, each computed from
        # its own run as a one-run report does.
        "machine_claims": {"machines": ["A", "B"], "rows": claims_side_by_side([ra, rb])},
        "environment": side_rows + [(f"A {k}", v) for k, v in environment(ra.context, ran_engines(ra))] +
                       [(f"B {k}", v) for k, v in environment(rb.context, ran_engines(rb))],
        "warnings": warn,
        "charts": list(charts.values()),
        "table_title": "B against A (real time in ns; ratio < 1 is faster)",
        "table_head": ["benchmark", "A median", "B median", "B/A", "95 % interval", "p (Holm)", "verdict",
                       "counters that moved (B/A)"],
        "table_num": {1, 2, 3, 4, 5},
        "table": table,
        "chart_dir": chart_dir,
    }


def _short(run):
    return run.context.get("date") or os.path.basename(run.path)


def _slug(s):
    return "".join(ch if ch.isalnum() else "_" for ch in s)[:60]
