#!/usr/bin/python3
"""./bench report PATH... [--out DIR]: a report of one run, or a comparison
of two. PATH is a run directory, a results.json or a results.csv, ours or
any Google Benchmark binary's. Writes report.html, report.md and charts/
(compare.html, compare.md and charts-compare/ for two runs) whole or not at
all. Exit 0 written, 1 failed (gnuplot), 2 bad input (nothing written)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sbreport import build, charts, entry, load, machines, page, publish  # noqa: E402


def parse(argv):
    ap = entry.Parser(
        prog="./bench report",
        description="Charts and a report (HTML and Markdown) from one run, or a comparison of two. PATH is a run "
                    "directory, a results.json or a CSV, switchbench's or any Google Benchmark binary's.")
    ap.add_argument("paths", nargs="+", metavar="PATH",
                    help="one run: a report; two runs (A B): a comparison; runs from different hosts, or "
                         "any number with --machines: the machines side by side")
    ap.add_argument("--machines", action="store_true",
                    help="one report of runs from several machines: a series per machine and engine, a verdict "
                         "and an environment column per machine (chosen by itself when the runs' hosts differ)")
    ap.add_argument("--out", metavar="DIR", help="where to write (default: the directory of the last PATH)")
    ap.add_argument("--quiet", action="store_true", help="no line naming what was written")
    return ap.parse_args(argv)


def main(argv):
    a = parse(argv)
    if len(a.paths) > 2 and not a.machines:
        print("report: give one run for a report, two (A B) for a comparison, or --machines RUN... for "
              f"several machines, not {len(a.paths)} runs", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    runs = [load.load(p) for p in a.paths]
    out = a.out or os.path.dirname(os.path.abspath(load.resolve(a.paths[-1])))
    with publish.OutDir(out):
        return draw(a, runs, out, t0)


def draw(a, runs, out, t0):
    if a.machines or (len(runs) >= 2 and machines.hosts_differ(runs)):
        machines.refuse_repeats(runs)
        return write(out, "machines", "charts-machines", machines.model(runs, "charts-machines"), a, t0)
    if len(runs) == 2:
        common = set(runs[0].benchmarks) & set(runs[1].benchmarks)
        if not common:
            raise load.BadInput(f"{a.paths[0]} and {a.paths[1]} have no benchmark in common")
    stem, chart_dir = ("compare", "charts-compare") if len(runs) == 2 else ("report", "charts")
    model = build.compare(runs[0], runs[1], chart_dir) if len(runs) == 2 else build.single(runs[0], chart_dir)
    return write(out, stem, chart_dir, model, a, t0)


def write(out, stem, chart_dir, model, a, t0):
    """STEM.html, STEM.md and CHART_DIR/ under out, whole or not at all."""
    with publish.Stage(out, [stem + ".html", stem + ".md", chart_dir]) as st:
        cdir = st.path(chart_dir)
        os.mkdir(cdir)
        # gnuplot failing (RuntimeError) or a write failing (OSError: a
        # full disk, ulimit -f) ends in entry.run: one line, exit 1, and
        # the stage removed on the way out.
        drawn = charts.render(model["charts"], cdir, progress=charts.log)
        model["charts"] = drawn
        st.write(stem + ".html", page.html_page(model))
        st.write(stem + ".md", page.markdown_page(model))
        st.commit()
    if not a.quiet:
        print(f"report: {os.path.join(out, stem + '.html')} and {stem}.md, {len(drawn)} charts "
              f"({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    entry.run("report", main, "nothing written")
