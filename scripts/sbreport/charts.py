"""Charts, one per question, drawn by gnuplot from data files written here.

A Chart says what it asks and holds its series; `render` writes every data
file and one gnuplot script that loads scripts/gp/*.gp for each chart in
SVG (inlined in the HTML) and PNG (linked from Markdown), and runs gnuplot
once for all of them (a process per chart cost ~60 ms each here)."""

import math
import os
import re
import subprocess
import sys
import time

from . import stats

# Colour-blind-safe, one per engine in the order engines first appear, the
# same in every chart of a report.
PALETTE = ["#1b6ca8", "#d95f02", "#2a9d3f", "#7b3294", "#b8860b", "#444444", "#e7298a", "#17becf", "#8c564b",
           "#9acd32"]
# Reference engines (ref-...) are drawn muted, in greys and dashed, so
# that our engines stand out beside them: colour indexes from MUTED_BASE.
MUTED = ["#9a9a9a", "#b48f8f", "#8fa3b4", "#a4b48f", "#b4a58f"]
MUTED_BASE = 100
GP_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gp")


class Chart:
    def __init__(self, key, title, question, kind, xlab="", ylab="", logx=False, logy=False):
        self.key = key  # file name stem
        self.title = title
        self.question = question  # the caption: what the chart answers
        self.kind = kind  # lines, bars, strip or history
        self.xlab, self.ylab = xlab, ylab
        self.logx, self.logy = logx, logy
        self.series = []  # (title, [(x, median, min, max)])
        self.styles = []  # per series: (colour index, dash type)
        self.slots = []  # bars, per series: its place within a group
        self.groups = []  # bars: group names; strip: row names
        self.points = []  # strip: (deviation %, row)
        self.height = 420

    def add(self, title, rows, colour=None, dash=1, slot=None):
        rows = [r for r in rows if r[1] is not None]
        if rows:
            self.series.append((title, sorted(rows)))
            self.styles.append((len(self.styles) if colour is None else colour, dash))
            self.slots.append(len(self.slots) if slot is None else slot)

    @property
    def empty(self):
        return not (self.points if self.kind == "strip" else self.series)


def colour_of(index):
    """The colour of a palette index (MUTED_BASE and up: a reference)."""
    if index >= MUTED_BASE:
        return MUTED[(index - MUTED_BASE) % len(MUTED)]
    return PALETTE[index % len(PALETTE)]


def spread(values):
    """(median, min, max) of repetition values."""
    return stats.median(values), min(values), max(values)


def _quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _data(chart):
    out = []
    if chart.kind == "strip":
        out += [f"{d:.6g} {row}" for d, row in chart.points]
        return "\n".join(out) + "\n"
    for i, (title, rows) in enumerate(chart.series):
        if i:
            out += ["", ""]
        out.append(_quote(title) + " x y lo hi")
        out += [" ".join(f"{v:.9g}" for v in r) for r in rows]
    return "\n".join(out) + "\n"


def _fix_log(chart):
    """A log axis cannot show zero or less: such points go, and an axis
    whose values span less than a decade is drawn linear."""
    for axis in ("x", "y"):
        if not getattr(chart, "log" + axis):
            continue
        idx = 0 if axis == "x" else 1
        vals = [r[idx] for _, rows in chart.series for r in rows]
        pos = [v for v in vals if v > 0]
        if not pos or max(pos) / min(pos) < 10:
            setattr(chart, "log" + axis, False)
            continue
        chart.series = [(t, [r for r in rows if r[idx] > 0 and (idx == 0 or r[2] > 0)]) for t, rows in chart.series]


def _script(chart, datafile, stem, fmt):
    s = [
        "reset",
        f"gpdir = {_quote(GP_DIR)}",
        f"datafile = {_quote(datafile)}",
        f"ttl = {_quote(chart.title)}",
        f"xlab = {_quote(chart.xlab)}",
        f"ylab = {_quote(chart.ylab)}",
        f"logx = {int(chart.logx)}",
        f"logy = {int(chart.logy)}",
        f"nseries = {len(chart.series)}",
    ]
    vals = [abs(r[1]) for _, rows in chart.series for r in rows]
    big = vals and max(vals) >= 1e4 and not chart.logy
    s.append(f"yfmt = {_quote('%.1s%c' if big else '%g')}")
    styles = chart.styles or [(i, 1) for i in range(len(chart.series))]
    s.append(f"colors = {_quote(' '.join(colour_of(c) for c, _ in styles))}")
    s.append(f"dashes = {_quote(' '.join(str(d) for _, d in styles))}")
    h = chart.height
    if fmt == "svg":
        s.append(f'set terminal svg size 760,{h} dynamic enhanced font "sans,11" background "#ffffff"')
    else:
        s.append(f'set terminal pngcairo size 1140,{int(h * 1.5)} enhanced font "sans,15" background "#ffffff"')
    s.append(f"set output {_quote(stem + '.' + fmt)}")
    if chart.kind == "bars":
        n = max(1, len(chart.series))
        s.append(f"ngroups = {len(chart.groups)}")
        s.append(f"boxw = {0.8 / n:.4f}")
        s.append("set xtics (" + ", ".join(f"{_quote(g)} {i}" for i, g in enumerate(chart.groups)) + ")")
        s.append(f"load {_quote(os.path.join(GP_DIR, 'bars.gp'))}")
    elif chart.kind == "history":
        s.append(f"ngroups = {len(chart.groups)}")
        s.append("set xtics (" + ", ".join(f"{_quote(g)} {i}" for i, g in enumerate(chart.groups)) + ")")
        s.append(f"load {_quote(os.path.join(GP_DIR, 'history.gp'))}")
    elif chart.kind == "strip":
        s.append(f"nrows = {len(chart.groups)}")
        span = max((abs(d) for d, _ in chart.points), default=1.0)
        s.append(f"xstep = {_nice(span / 3)}")
        s.append("set ytics (" + ", ".join(f"{_quote(g)} {i}" for i, g in enumerate(chart.groups)) + ")")
        s.append(f"load {_quote(os.path.join(GP_DIR, 'strip.gp'))}")
    else:
        # Few distinct x values (a sweep): a tic at each, labelled as swept.
        xs = sorted({r[0] for _, rows in chart.series for r in rows})
        if 0 < len(xs) <= 8:
            s.append("set xtics (" + ", ".join(f'"{x:g}" {x:.9g}' for x in xs) + ")")
        if chart.logx and xs and xs[0] > 0:
            # A log axis autoscaled with offsets grows by whole decades:
            # spawn's 1,000 and 10,000 stood in the right half of an axis
            # from 100. A twentieth of the span beside each end instead.
            f = max((xs[-1] / xs[0]) ** 0.05, 1.2)
            s.append(f"set xrange [{xs[0] / f:.9g}:{xs[-1] * f:.9g}]")
        s.append(f"load {_quote(os.path.join(GP_DIR, 'lines.gp'))}")
    s.append("unset output")
    return "\n".join(s) + "\n"


def _nice(x):
    """1, 2 or 5 times a power of ten, at least x."""
    p = 10 ** math.floor(math.log10(x)) if x > 0 else 1
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x)


def bar_positions(chart):
    """Bars: a row's x is its group's index; the series of a group stand
    side by side around it, each in its slot (series that share a slot
    never share a group: ours and the references' bars of one kind)."""
    slots = chart.slots or list(range(len(chart.series)))
    w = 0.8 / max(1, len(set(slots)))
    order = sorted(set(slots))
    chart.series = [(t, [(r[0] - 0.4 + w * (order.index(slots[i]) + 0.5),) + tuple(r[1:]) for r in rows])
                    for i, (t, rows) in enumerate(chart.series)]


def render(charts, workdir, progress=None):
    """Draws every non-empty chart into workdir/<key>.svg and .png with one
    gnuplot. Returns the charts drawn. Raises RuntimeError with gnuplot's
    message when it fails."""
    drawn = [c for c in charts if not c.empty]
    if not drawn:
        return []
    script = []
    for c in drawn:
        _fix_log(c)
        if c.kind == "bars":
            bar_positions(c)
        datafile = os.path.join(workdir, c.key + ".dat")
        with open(datafile, "w", encoding="utf-8") as f:
            f.write(_data(c))
        stem = os.path.join(workdir, c.key)
        for fmt in ("svg", "png"):
            script.append(_script(c, datafile, stem, fmt))
            script.append(f'print "drawn {c.key}.{fmt}"')
    gp = os.path.join(workdir, "charts.gp")
    with open(gp, "w", encoding="utf-8") as f:
        f.write("\n".join(script))
    t0 = time.monotonic()
    proc = subprocess.Popen(["gnuplot", gp], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = []
    try:
        for line in proc.stderr:
            if line.startswith("drawn "):
                # A line per chart on a terminal once drawing takes a while.
                if progress and time.monotonic() - t0 > 1:
                    progress(f"chart {line[6:].strip()}")
            else:
                err.append(line.rstrip())
    finally:
        if proc.poll() is None and sys.exc_info()[0] is not None:
            proc.kill()  # interrupted: gnuplot goes with us
            proc.wait()
    if proc.wait() != 0:
        raise RuntimeError("gnuplot failed: " + " | ".join(err[-6:]))
    for c in drawn:
        for ext in ("svg", "png"):
            if not os.path.isfile(os.path.join(workdir, f"{c.key}.{ext}")):
                raise RuntimeError(f"gnuplot did not write {c.key}.{ext}: " + " | ".join(err[-6:]))
    return drawn


def inline_svg(path, key):
    """The SVG for inlining in HTML: no XML prolog, and ids made unique per
    chart (every gnuplot SVG defines the same ids)."""
    with open(path, encoding="utf-8") as f:
        s = f.read()
    s = s[s.index("<svg"):]
    s = re.sub(r"(id=['\"])(gp\w+|gnuplot_\w+)", rf"\1{key}-\2", s)
    s = re.sub(r"(href=['\"]#)(gp\w+|gnuplot_\w+)", rf"\1{key}-\2", s)
    s = s.replace("<svg ", f'<svg role="img" aria-label="{key}" ', 1)
    return s


def log(msg):
    if sys.stderr.isatty():
        print(f"report: {msg}", file=sys.stderr)
