#!/usr/bin/python3
"""./bench history: benchmark figures over commits.

  ./bench history add RUN [--allow-dirty]
      append the medians of a run (a run directory or results.json of
      ./bench, or an instruction file of ./bench regress --write-baseline)
      to results/history/<machine class>.csv, with commit, date, machine
      class, metric and each benchmark's workload (from its record's typed
      field). The file only grows, and is written whole.
  ./bench history chart [--out DIR] [--last N] [--threshold PCT]
      one self-contained history.html: a trend chart per workload (a line per
      benchmark, value per commit; the band of the last N runs before each
      point; a point beyond the band's median by the threshold marked as a
      regression), drawn by gnuplot.
Exit 0 done, 1 failed, 2 bad input (one line, nothing written)."""

import argparse
import contextlib
import csv
import datetime
import io
import math
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sbreport import charts, entry, load, machine, page, publish, schema  # noqa: E402
from sbreport.charts import Chart  # noqa: E402
from sbreport.names import Name  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HISTORY = os.path.join(ROOT, "results", "history")
COLUMNS = ["commit", "date", "machine_class", "metric", "benchmark", "workload", "value", "unit", "repetitions"]
# A history written before the workload column: read (each row's workload
# then taken from its name, the only place it had it) and rewritten whole
# with the column at the next add.
COLUMNS_V1 = [c for c in COLUMNS if c != "workload"]


def parse(argv):
    ap = entry.Parser(prog="./bench history", description=__doc__.split("\n", 1)[0],
                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 1)[1])
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=entry.Parser)
    add = sub.add_parser("add", help="append a run's medians")
    add.add_argument("run", metavar="RUN")
    add.add_argument("--allow-dirty", action="store_true",
                     help="accept a run built from a tree with uncommitted changes")
    add.add_argument("--dir", default=HISTORY, help=argparse.SUPPRESS)
    ch = sub.add_parser("chart", help="draw the trend charts into history.html")
    ch.add_argument("--out", metavar="DIR", help="where history.html goes (default results/history)")
    ch.add_argument("--last", type=int, default=5, metavar="N", help="runs in the band (default 5)")
    ch.add_argument("--threshold", type=entry.finite_number, default=10.0, metavar="PCT",
                    help="beyond the band's median by this much is a regression (default 10)")
    ch.add_argument("--dir", default=HISTORY, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.cmd == "chart" and (a.last < 1 or a.threshold <= 0):
        ap.error("--last and --threshold must be positive")
    return a


_COMMIT = re.compile(r"[0-9a-f]{7,64}")
# A spreadsheet runs a cell that starts with one of these as a formula
# (CSV injection): such a text cell is written with a leading quote, which
# read_history takes off again (a cell that starts with a quote gets one
# too, so that the round trip is exact).
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "'")
TEXT_COLUMNS = ("commit", "date", "machine_class", "metric", "benchmark", "workload", "unit")


def _cell(s):
    return "'" + s if s.startswith(_FORMULA) else s


def _uncell(s):
    return s[1:] if s.startswith("'") else s


def rows_of_run(path, allow_dirty):
    """(class, rows) of a run or an instruction file, checked whole."""
    f = load.resolve(path)
    text = load.read_text(f)
    if '"metric": "instructions"' in text[:4096] or '"metric":"instructions"' in text[:4096]:
        doc = schema.parse_json(f, text)
        schema.instruction_file(f, doc)
        commit, cls, date = doc.get("commit"), doc.get("machine_class"), doc.get("date")
        dirty = bool(doc.get("dirty"))
        # The workload of each count, as the file records it (a file
        # written before it did: from the name).
        wl = doc.get("workloads") or {}
        vals = [(n, wl.get(n) or Name(n).family, float(v), "instructions/op", 1) for n, v in doc["benchmarks"].items()]
        metric = "instructions"
    else:
        run = load.load(f)
        ctx = run.context
        commit, cls, date = ctx.get("source_commit"), machine.of_context(ctx), ctx.get("date")
        dirty = bool(ctx.get("source_dirty"))
        # The workload from the record's typed field (another Google
        # Benchmark binary's file has none: its family, from the name).
        vals = [(n, b.nm.family, b.median(), "ns", len(b.real_ns)) for n, b in run.benchmarks.items() if b.ok]
        metric = "time"
    if not commit:
        raise load.BadInput(f"{f}: the run does not name its commit (run it with ./bench, which records it)")
    if not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
        raise load.BadInput(f"{f}: its commit {str(commit)[:60]!r} is not a git object name (7 to 64 hex digits)")
    if dirty and not allow_dirty:
        raise load.BadInput(f"{f}: built from a tree with uncommitted changes, so its commit does not describe "
                            "it (commit first, or --allow-dirty)")
    if not cls:
        raise load.BadInput(f"{f}: the run does not say its machine class (no context.cpu_model)")
    if date is not None and not isinstance(date, str):
        raise load.BadInput(f"{f}: its date is not a string")
    if date:
        try:
            datetime.datetime.fromisoformat(date)
        except ValueError:
            raise load.BadInput(f"{f}: its date {date[:60]!r} is not an ISO 8601 date "
                                "(Google Benchmark writes 2026-12-07T21:30:00+00:00)") from None
    if not vals:
        raise load.BadInput(f"{f}: no successful benchmark to add")
    return cls, [{"commit": commit, "date": date or "", "machine_class": cls, "metric": metric, "benchmark": n,
                  "workload": wl, "value": f"{v:.6g}", "unit": u, "repetitions": r} for n, wl, v, u, r in vals]


def add(a):
    cls, rows = rows_of_run(a.run, a.allow_dirty)
    path = os.path.join(a.dir, machine.slug(cls) + ".csv")
    old, before = "", []
    if os.path.exists(path):
        old = load.read_text(path)
        before = read_file(path, old)  # a history it could not read back is not appended to
        if not old.endswith("\n"):
            raise load.BadInput(f"{path}: its last line is unfinished (a truncated history?)")
    buf = io.StringIO()
    # Every field quoted: a name may hold a lone \r, which unquoted would
    # end the row for every reader.
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL)
    if not old or old.split("\n", 1)[0] != ",".join(COLUMNS):
        # New, or written before the workload column: whole, with it.
        buf.write(",".join(COLUMNS) + "\n")
        rows = before + rows
        old = ""
    w.writerows([{k: _cell(str(v)) if k in TEXT_COLUMNS else v for k, v in r.items()} for r in rows])
    msg = f"history: {len(rows)} medians of {rows[0]['commit'][:12]} added to {os.path.relpath(path)}"
    # Append-only, written whole: the old text and the new rows go to a
    # temporary file that replaces the history in one rename.
    os.makedirs(a.dir, exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(old + buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise RuntimeError(f"{path}: not written: {entry.why(e)}") from None
    print(msg, file=sys.stderr)
    return 0


def read_file(path, text):
    """The rows of one history file, every field checked: the columns, a
    value that is a positive number, repetitions an integer."""
    lines = text.splitlines()
    cols = next((c for c in (COLUMNS, COLUMNS_V1) if lines and lines[0] == ",".join(c)), None)
    if cols is None:
        raise load.BadInput(f"{path}: not a history file (its header is not {','.join(COLUMNS)})")
    out = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if n == 1:
                continue
            if len(row) != len(cols):
                raise load.BadInput(f"{path}: line {n} has {len(row)} fields; a history row has {len(cols)}")
            r = dict(zip(cols, row))
            for k in TEXT_COLUMNS:
                if k in r:
                    r[k] = _uncell(r[k])
            if "workload" not in r:
                r = {**{k: r[k] for k in COLUMNS_V1[:5]}, "workload": Name(r["benchmark"]).family,
                     **{k: r[k] for k in COLUMNS_V1[5:]}}
            try:
                v = float(r["value"])
                reps = int(r["repetitions"])
            except ValueError:
                raise load.BadInput(f"{path}: line {n}: {r['benchmark'][:60]!r}: value {r['value'][:30]!r} or "
                                    f"repetitions {r['repetitions'][:30]!r} is not a number") from None
            if not math.isfinite(v) or v <= 0 or reps < 1:
                raise load.BadInput(f"{path}: line {n}: {r['benchmark'][:60]!r}: value {r['value']!r} and "
                                    f"repetitions {r['repetitions']!r} must be positive")
            if not _COMMIT.fullmatch(r["commit"]):
                raise load.BadInput(f"{path}: line {n}: commit {r['commit'][:60]!r} is not a git object name")
            out.append(r)
    except csv.Error as e:
        raise load.BadInput(f"{path}: not a history file ({e})") from None
    return out


def read_history(d):
    if not os.path.isdir(d):
        raise load.BadInput(f"{d}: no history yet (./bench history add RUN first)")
    out = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".csv"):
            continue
        p = os.path.join(d, name)
        out += read_file(p, load.read_text(p))
    if not out:
        raise load.BadInput(f"{d}: no history yet (./bench history add RUN first)")
    return out


def trend_charts(rows, last, threshold):
    """A chart per (machine class, metric, family): a line per benchmark
    over the runs, in the order they were added."""
    groups = {}
    for r in rows:
        key = (r["machine_class"], r["metric"], r["workload"])
        groups.setdefault(key, []).append(r)
    out, marks = [], []
    for (cls, metric, family), rs in groups.items():
        runs = []
        for r in rs:
            tag = (r["commit"], r["date"])
            if tag not in runs:
                runs.append(tag)
        c = Chart(f"history_{machine.slug(cls)}_{metric}_{machine.slug(family)}",
                  f"{family} over commits ({cls}, {metric})", f"How has {family} moved over the last "
                  f"{len(runs)} runs? (band: min-max of the {last} runs before; ringed: more than {threshold:g} % "
                  "above the band's median)", "history", "run (commit)",
                  "instructions per op" if metric == "instructions" else "ns per op (log)", logy=metric == "time")
        c.groups = [f"{cm[:7]}" for cm, _ in runs]
        series = {}
        for r in rs:
            series.setdefault(r["benchmark"], {})[runs.index((r["commit"], r["date"]))] = float(r["value"])
        for i, (bench, pts) in enumerate(series.items()):
            xs = sorted(pts)
            rows_ = []
            for x in xs:
                prev = [pts[p] for p in xs if p < x][-last:]
                lo, hi = (min(prev), max(prev)) if prev else (pts[x], pts[x])
                reg = bool(prev) and pts[x] > statistics.median(prev) * (1 + threshold / 100)
                rows_.append((x, pts[x], lo, hi, 1 if reg else 0))
                if reg:
                    marks.append(f"{bench} at {runs[x][0][:12]}: {pts[x]:.4g} against a median of "
                                 f"{statistics.median(prev):.4g} over the {len(prev)} runs before")
            c.add(bench[len(family) + 1:] if bench.startswith(family + "/") else bench, rows_, colour=i)
        c.height = 460
        out.append(c)
    return out, marks


def chart(a):
    rows = read_history(a.dir)
    out = a.out or a.dir
    with publish.OutDir(out):
        return _chart_into(out, rows, a)


def _chart_into(out, rows, a):
    cs, marks = trend_charts(rows, a.last, a.threshold)
    with publish.Stage(out, ["history.html", "charts-history"]) as st:
        cdir = st.path("charts-history")
        os.mkdir(cdir)
        drawn = charts.render(cs, cdir)
        classes = sorted({r["machine_class"] for r in rows})
        model = {"title": "switchbench history", "subtitle": f"{len(rows)} medians, machine classes: "
                 + ", ".join(classes), "claims": [], "environment": [], "charts": drawn,
                 "warnings": ["Regressions marked: " + "; ".join(marks[:20])] if marks else [],
                 "table_title": "Latest value per benchmark", "table_head": ["benchmark", "class", "metric",
                                                                             "commit", "value", "unit"],
                 "table_num": {4}, "chart_dir": "charts-history", "table": []}
        latest = {}
        for r in rows:
            latest[(r["benchmark"], r["machine_class"], r["metric"])] = r
        model["table"] = [{"cells": [b, c, m, r["commit"][:12], r["value"], r["unit"]]}
                          for (b, c, m), r in latest.items()]
        st.write("history.html", page.html_page(model))
        st.commit()
    print(f"history: {os.path.join(out, 'history.html')}, {len(drawn)} charts", file=sys.stderr)
    return 0


def main(argv):
    a = parse(argv)
    return add(a) if a.cmd == "add" else chart(a)


if __name__ == "__main__":
    entry.run("history", main, "nothing written")
