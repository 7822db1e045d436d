"""The many-machine report: runs from different hosts in one model (what
page.py lays out). Each chart that plots lines gets a series per machine
and engine (an engine keeps its colour, a machine its dash); a chart of
another kind is drawn once per machine (a small multiple). The claims
table has a verdict column per machine, the environment a column per
machine, and every warning names its machine. Every figure comes from the
files read; a machine's name is data, escaped where it is shown."""

import copy
import json
import os

from . import build, questions
from .entry import BadInput
from .charts import Chart
from .rules import fmt

# Dash types, one per machine (1 is solid); gnuplot's dt numbers.
MACHINE_DASHES = [1, 2, 4, 5, 3, 6]


def machine_names(runs):
    """A name per run: its host; where two runs share a host (a machine
    measured twice stays two columns), where its echo load came from when
    that differs, else its date."""
    hosts = [r.context.get("host_name") or "?" for r in runs]
    loads = [r.context.get("load_host") if isinstance(r.context.get("load_host"), dict) else None for r in runs]
    names = []
    for i, (r, h, lh) in enumerate(zip(runs, hosts, loads)):
        if hosts.count(h) > 1:
            if any(loads) and lh:
                h = f"{h} (load from {lh.get('agent', '?')})"
            elif any(loads):
                h = f"{h} (load on this host)"
            else:
                h = f"{h} ({r.context.get('date') or i + 1})"
        names.append(h)
    return names


def _fingerprint(run):
    """What makes a run itself: its context and every figure."""
    figures = sorted((n, tuple(b.real_ns), b.error or "", b.skipped or "") for n, b in run.benchmarks.items())
    return json.dumps(run.context, sort_keys=True, default=str), tuple(figures)


def refuse_repeats(runs):
    """The same run given twice (one file twice, or two copies) would be
    two identical columns that look like two machines: BadInput naming
    both."""
    seen = {}
    for r in runs:
        key = (os.path.realpath(r.path),)
        fp = _fingerprint(r)
        for other, (okey, ofp) in seen.items():
            if key == okey or fp == ofp:
                how = "the same file" if key == okey else "the same results (a copy)"
                raise BadInput(f"{other} and {r.path} are {how}: give each run once")
        seen[r.path] = (key, fp)


def hosts_differ(runs):
    """Whether our runs come from more than one host (then two runs are
    machines to set side by side, not a change to judge). Another binary's
    results are compared as given."""
    hosts = {r.context.get("host_name") for r in runs}
    return all(r.ours for r in runs) and None not in hosts and len(hosts) > 1


def _merged_lines(key, per_machine):
    """One lines chart from each machine's copy: series "machine: engine",
    the engine's colour kept, the machine's dash."""
    first = per_machine[0][1]
    c = Chart(first.key, first.title, first.question, first.kind, first.xlab, first.ylab, first.logx, first.logy)
    c.height = first.height
    for m, (name, ch) in enumerate(per_machine):
        dash = MACHINE_DASHES[m % len(MACHINE_DASHES)]
        for (title, rows), (colour, _) in zip(ch.series, ch.styles):
            c.add(f"{name}: {title}", rows, colour=colour, dash=dash)
        c.failed += [(x, f"{name}: {t}", why) for x, t, why in ch.failed]
    # The key stands above the plot, a line per long title: room for it
    # (22 series once covered the whole plot at the usual height).
    c.height = max(first.height, 300 + 20 * len(c.series))
    c.notes = [f"One series per machine and engine: an engine keeps its colour, each machine its dash "
               f"({', '.join(n for n, _ in per_machine)})."]
    return c


def _small_multiple(name, ch):
    c = copy.copy(ch)
    c.key = f"{ch.key}__{build._slug(name)}"
    c.title = f"{name}: {ch.title}"
    c.question = f"{name}: {ch.question}"
    c.notes = list(ch.notes)
    return c


def charts(runs, names):
    by_key = {}
    for name, run in zip(names, runs):
        for ch in questions.for_run(run):
            by_key.setdefault(ch.key, []).append((name, ch))
    out = []
    for key, per_machine in by_key.items():
        if per_machine[0][1].kind == "lines":
            out.append(_merged_lines(key, per_machine))
        else:
            out += [_small_multiple(n, ch) for n, ch in per_machine]
    return out


def claims(runs, names):
    """[(claim, [verdict per machine])] in registry order (build.claims_side_by_side)."""
    return build.claims_side_by_side(runs)


def environment(runs, names):
    """Rows (what, [value per machine]) in the order the first machine
    lists them, then what only others have."""
    per = [dict(build.environment(r.context, build.ran_engines(r))) for r in runs]
    keys = []
    for d in per:
        keys += [k for k in d if k not in keys]
    rows = [(k, [d.get(k, "") or ("this host" if k == "echo load from" else "") for d in per]) for k in keys]
    return rows


def table(runs, names):
    """A row per benchmark, a median per machine."""
    seen = []
    for r in runs:
        seen += [n for n in r.benchmarks if n not in seen]
    rows = []
    for n in seen:
        cells = [n]
        for r in runs:
            b = r.benchmarks.get(n)
            cells.append("" if b is None else fmt(b.median()) if b.ok else "error" if b.error else "skipped")
        rows.append({"cells": cells})
    return rows


def model(runs, chart_dir):
    names = machine_names(runs)
    warn = [f"{name} — {w}" for name, r in zip(names, runs) for w in build.warnings(r)]
    return {
        "title": "switchbench: machines side by side",
        "subtitle": f"{len(runs)} runs: " + "; ".join(f"{n} = {r.path}" for n, r in zip(names, runs)),
        "claims": [],
        "machine_claims": {"machines": names, "rows": claims(runs, names)},
        "environment": [],
        "machine_env": {"machines": names, "rows": environment(runs, names)},
        "warnings": warn,
        "charts": charts(runs, names),
        "table_title": "Results per machine (median real time in ns per iteration)",
        "table_head": ["benchmark"] + names,
        "table_num": set(range(1, len(names) + 1)),
        "table": table(runs, names),
        "chart_dir": chart_dir,
    }
