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
import xml.etree.ElementTree as ET

from . import entry, stats, text

# Colour-blind-safe, one per engine in the order engines first appear, the
# same in every chart of a report.
PALETTE = ["#1b6ca8", "#d95f02", "#2a9d3f", "#7b3294", "#b8860b", "#444444", "#e7298a", "#17becf", "#8c564b",
           "#9acd32"]
# Reference engines (ref-...) are drawn muted, in greys and dashed, so
# that our engines stand out beside them: colour indexes from MUTED_BASE.
# References: hues of their own, each with its own dash and open marker
# (REF_POINTS), so that five references on one chart stay five. They were
# five greys once, dotted alike, and three of them could not be told apart.
MUTED = ["#6b6b6b", "#a0522d", "#5b3fa0", "#00868b", "#c71585"]
MUTED_BASE = 100
OUR_POINT = 7  # a filled circle
REF_POINTS = [6, 4, 8, 12, 10]  # open circle, square, triangle, diamond, inverted triangle
# gnuplot has five dash types (6 and up repeat them): solid is ours.
REF_DASHES = [2, 3, 4, 5]
GP_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gp")


class Chart:
    def __init__(self, key, title, question, kind, xlab="", ylab="", logx=False, logy=False):
        self.key = key  # file name stem
        self.title = title
        self.question = question  # the caption: what the chart answers
        self.kind = kind  # lines, bars, strip, history or decision
        self.xlab, self.ylab = xlab, ylab
        self.logx, self.logy = logx, logy
        self.series = []  # (title, [(x, median, min, max)])
        self.styles = []  # per series: (colour index, dash type)
        self.slots = []  # bars, per series: its place within a group
        self.groups = []  # bars: group names; strip: row names
        self.points = []  # strip: (ratio to the median, row)
        self.marked = []  # strip: rows drawn in red (repetitions at two levels)
        self.failed = []  # lines: (x, series title, reason) of benchmarks that did not measure
        self.notes = []  # sentences for the caption beside the question
        self.rows = []  # decision: (median, low, high) per group, in the groups' order
        self.thresholds = []  # decision: the values the claim's rule holds the rows to
        self.height = 420
        self.width = 640  # the SVG's (the PNG is twice it)

    def add(self, title, rows, colour=None, dash=1, slot=None):
        """A series; one whose every point is missing (None) keeps its
        place, key entry and style, and says "no data" (render): dropping
        it once moved every later series' data under the wrong title."""
        if not rows:
            return
        kept = [r for r in rows if r[1] is not None]
        self.series.append((title, sorted(kept)))
        self.styles.append((len(self.styles) if colour is None else colour, dash))
        self.slots.append(len(self.slots) if slot is None else slot)

    @property
    def empty(self):
        if self.kind == "strip":
            return not self.points
        if self.kind == "decision":
            return not self.rows
        return not any(rows for _, rows in self.series)


def point_of(index):
    """The marker of a palette index: references get open shapes."""
    return REF_POINTS[(index - MUTED_BASE) % len(REF_POINTS)] if index >= MUTED_BASE else OUR_POINT


def colour_of(index):
    """The colour of a palette index (MUTED_BASE and up: a reference)."""
    if index >= MUTED_BASE:
        return MUTED[(index - MUTED_BASE) % len(MUTED)]
    return PALETTE[index % len(PALETTE)]


def spread(values):
    """(median, min, max) of repetition values."""
    return stats.median(values), min(values), max(values)


def _gp_string(s):
    """A gnuplot string literal of the report's own text: templates' file
    names, colours, formats. Never input: that travels as data (_strings)."""
    if not re.fullmatch(r"[A-Za-z0-9 #%.,:_{}^/-]*", s):
        raise ValueError(f"not a string the report chose itself: {s!r}")
    return '"' + s + '"'


def _gp_number(v):
    """A finite number as gnuplot program text."""
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise ValueError(f"not a finite number: {v!r}")
    return f"{v:.9g}"


def _data(chart):
    """The chart's numbers: a block per series (strip: one block), nothing
    but numbers, so the file cannot carry a string into gnuplot."""
    out = []
    if chart.kind == "strip":
        marked = set(chart.marked)
        out += [f"{_gp_number(d)} {row} {int(row in marked)}" for d, row in chart.points]
        return "\n".join(out) + "\n"
    if chart.kind == "decision":
        out += [f"{_gp_number(m)} {_gp_number(lo)} {_gp_number(hi)} {i}" for i, (m, lo, hi) in enumerate(chart.rows)]
        return "\n".join(out) + "\n"
    for i, (_, rows) in enumerate(chart.series):
        if i:
            out += ["", ""]
        # A series with no drawable point is a block of one undefined
        # point: an empty block would merge the blank lines around it into
        # one separator, and gnuplot would read every later block one
        # index early, under the wrong title.
        out += [" ".join(_gp_number(v) for v in r) for r in rows] or ["NaN NaN NaN NaN"]
    if chart.failed:
        # One more block: a cross per failed benchmark, on the bottom of
        # the axis (the lowest figure drawn, or below it on a log axis).
        ys = [r[2] for _, rows in chart.series for r in rows]
        y = (min(ys) / 1.25 if chart.logy else 0.0) if ys else 1.0
        out += ["", ""] + [f"{_gp_number(x)} {_gp_number(y)}" for x, _, _ in chart.failed]
    return "\n".join(out) + "\n"


def _texts(chart):
    """Every text of a chart in gnuplot's 1-based order: title, x label,
    y label, the series' titles, then the groups' names (bars, strip,
    history). The templates find them at s_series and s_groups."""
    # A tic label is a format for its position: a % in a name is doubled.
    return [chart.title, axis_label(chart.xlab, chart.logx), axis_label(chart.ylab, chart.logy)] + [
        t if rows else f"{t} (no data)" for t, rows in chart.series] + [
        g.replace("%", "%%") for g in chart.groups] + ["failed"]


def axis_label(label, log):
    """An axis label that says what the axis is: "(log scale)" exactly
    when it is one. A question's label may say log; a log axis whose
    values span less than a decade is drawn linear (_fix_log), and its
    label must then not say log."""
    base = re.sub(r",\s*log\)$", ")", re.sub(r"\s*\(log\)$", "", label or ""))
    if not base:
        return base
    return f"{base} (log scale)" if log else base


def _strings(texts):
    """The texts as data: a row `k byte` per UTF-8 byte of text k (and a
    `k 0` row first, so that an empty text is a row too). gnuplot's
    strings.gp rebuilds them with sprintf("%c"): no quote, backtick or
    newline in a name is ever parsed, because none is ever read as text."""
    out = []
    for k, t in enumerate(texts, 1):
        out.append(f"{k} 0")
        out += [f"{k} {b}" for b in text.shown(t).encode("utf-8")]
    return "\n".join(out) + "\n"


def decision_range(chart):
    """The x range of a decision chart: every interval and every threshold
    inside it with a margin, so that a threshold is never drawn on the
    frame (or off it) and no whisker touches the edge."""
    xs = [x for r in chart.rows for x in r[1:]] + list(chart.thresholds)
    lo, hi = min(xs), max(xs)
    if chart.logx:
        return lo / 1.6, hi * 1.6
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    return lo - pad, hi + pad


def _fix_log(chart):
    """A log axis cannot show zero or less: such points go, and an axis
    whose values span less than a decade is drawn linear."""
    if chart.kind == "decision":
        if chart.logx and not all(lo > 0 for _, lo, _ in chart.rows) or not all(t > 0 for t in chart.thresholds):
            chart.logx = False
        return
    if chart.kind == "strip":
        return  # ratios to a median, always positive, always on a log axis (strip.gp)
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


def _script(chart, n, fmt):
    """The gnuplot program of chart number n in one format: numbers and the
    report's own words only; it reads series-NN.dat and strings-NN.dat and
    writes chart-NN.svg or .png, in gnuplot's working directory."""
    texts = _texts(chart)
    s = [
        "reset",
        f"datafile = {_gp_string(f'series-{n:02d}.dat')}",
        f"stringfile = {_gp_string(f'strings-{n:02d}.dat')}",
        f"nstrings = {len(texts)}",
        "s_title = 1",
        "s_xlab = 2",
        "s_ylab = 3",
        "s_series = 4",
        f"s_groups = {4 + len(chart.series)}",
        "load 'strings.gp'",
        f"logx = {int(chart.logx)}",
        f"logy = {int(chart.logy)}",
        f"nseries = {len(chart.series)}",
        f"ngroups = {len(chart.groups)}",
        f"s_fail = {4 + len(chart.series) + len(chart.groups)}",
        f"nfail = {len(chart.failed)}",
    ]
    vals = [abs(r[1]) for _, rows in chart.series for r in rows]
    big = vals and max(vals) >= 1e4 and not chart.logy
    s.append(f"yfmt = {_gp_string('%.1s%c' if big else '%g')}")
    styles = chart.styles or [(i, 1) for i in range(len(chart.series))]
    s.append(f"colors = {_gp_string(' '.join(colour_of(c) for c, _ in styles))}")
    s.append(f"dashes = {_gp_string(' '.join(str(int(d)) for _, d in styles))}")
    s.append(f"points = {_gp_string(' '.join(str(point_of(c)) for c, _ in styles))}")
    # 640 px wide at 12 pt: the page never shows an SVG narrower than
    # 520 px (it scrolls instead), so text stays at 10 px or more on a
    # 400 px phone; at 760 px and 11 pt, shrunk to 360 px, it was 5 px.
    h = int(chart.height)
    if fmt == "svg":
        s.append(f'set terminal svg size {int(chart.width)},{h} dynamic enhanced font "sans,12" background "#ffffff"')
        s.append(f"keyfont = {_gp_string('sans,10')}")
    else:
        s.append(f'set terminal pngcairo size {int(chart.width) * 2},{int(h * 2)} enhanced font "sans,22" '
                 'background "#ffffff"')
        s.append(f"keyfont = {_gp_string('sans,18')}")
    s.append(f"set output {_gp_string(f'chart-{n:02d}.{fmt}')}")
    if chart.kind == "bars":
        s.append(f"boxw = {_gp_number(0.8 / max(1, len(chart.series)))}")
        s.append("load 'bars.gp'")
    elif chart.kind == "history":
        s.append("load 'history.gp'")
    elif chart.kind == "decision":
        lo, hi = decision_range(chart)
        s.append(f"set xrange [{_gp_number(lo)}:{_gp_number(hi)}]")
        s.append(f"nthr = {len(chart.thresholds[:2])}")
        for i, t in enumerate(chart.thresholds[:2], 1):
            s.append(f"thr{i} = {_gp_number(t)}")
        s.append("load 'decision.gp'")
    elif chart.kind == "strip":
        lo = min((d for d, _ in chart.points), default=1.0)
        hi = max((d for d, _ in chart.points), default=1.0)
        s.append("set xtics (" + ", ".join(f'"{t:g}x" {_gp_number(t)}' for t in ratio_ticks(lo, hi)) + ")")
        s.append(f"set xrange [{_gp_number(min(lo, 1.0) / 1.03)}:{_gp_number(max(hi, 1.0) * 1.03)}]")
        s.append("load 'strip.gp'")
    else:
        # Few distinct x values (a sweep): a tic at each, labelled as swept.
        xs = sorted({r[0] for _, rows in chart.series for r in rows})
        if 0 < len(xs) <= 8:
            s.append("set xtics (" + ", ".join(f'"{x:g}" {_gp_number(x)}' for x in xs) + ")")
        # One x value is no curve (an open-loop chart whose run offered one
        # rate): points with their whiskers, never a line through nothing.
        s.append(f"style = {_gp_string('yerrorbars' if len(xs) == 1 else 'yerrorlines')}")
        if len(xs) == 1:
            s.append(f"set xrange [{_gp_number(xs[0] * 0.8 if xs[0] > 0 else xs[0] - 1)}:"
                     f"{_gp_number(xs[0] * 1.25 if xs[0] > 0 else xs[0] + 1)}]")
        elif chart.logx and xs and xs[0] > 0:
            # A log axis autoscaled with offsets grows by whole decades:
            # spawn's 1,000 and 10,000 stood in the right half of an axis
            # from 100. A twentieth of the span beside each end instead.
            f = max((xs[-1] / xs[0]) ** 0.05, 1.2)
            s.append(f"set xrange [{_gp_number(xs[0] / f)}:{_gp_number(xs[-1] * f)}]")
        s.append("load 'lines.gp'")
    s.append("unset output")
    return "\n".join(s) + "\n"


RATIO_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 1, 1.01, 1.02, 1.03, 1.05, 1.1,
               1.25, 1.5, 2, 5, 10, 20, 50, 100]


def ratio_ticks(lo, hi):
    """Ticks for a log axis of ratios to a median over [lo, hi]: 1 and the
    round ratios inside, the closest to 1 first, none nearer another than
    a sixth of the axis (nine near 1 once printed over each other)."""
    lo, hi = min(lo, 1.0), max(hi, 1.0)
    gap = max(math.log(hi / lo), 0.05) / 6
    ticks = [1.0]
    for t in sorted(RATIO_TICKS, key=lambda t: abs(math.log(t))):
        if lo <= t <= hi and all(abs(math.log(t / u)) >= gap for u in ticks):
            ticks.append(t)
    return sorted(ticks)


def bar_positions(chart):
    """Bars: a row's x is its group's index; the series of a group stand
    side by side around it, each in its slot (series that share a slot
    never share a group: ours and the references' bars of one kind)."""
    slots = chart.slots or list(range(len(chart.series)))
    w = 0.8 / max(1, len(set(slots)))
    order = sorted(set(slots))
    chart.series = [(t, [(r[0] - 0.4 + w * (order.index(slots[i]) + 0.5),) + tuple(r[1:]) for r in rows])
                    for i, (t, rows) in enumerate(chart.series)]


TEMPLATES = ("strings.gp", "common.gp", "lines.gp", "bars.gp", "strip.gp", "history.gp", "decision.gp")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _keys(drawn):
    """File stems and element ids: the chart's key when it is a plain word
    (it may come from a family name), else chart-NN, and never twice
    (families BM-a and BM.a are two charts)."""
    seen = set()
    for n, c in enumerate(drawn, 1):
        k = c.key if _KEY.fullmatch(c.key or "") else f"chart-{n:02d}"
        base, i = k, 2
        while k.lower() in seen:
            k, i = f"{base}-{i}", i + 1
        seen.add(k.lower())
        c.key = k


def _gnuplot_failed(proc, err):
    if proc.returncode < 0:
        sig = -proc.returncode
        why = {25: "the file size limit (ulimit -f)"}.get(sig, "")
        return f"gnuplot was killed by signal {sig}" + (f": {why}" if why else "")
    return "gnuplot failed: " + (" | ".join(err[-6:]) or f"exit {proc.returncode}, no message")


def render(charts, workdir, progress=None):
    """Draws every non-empty chart into workdir/<key>.svg and .png with one
    gnuplot, run in workdir on files named here (series-NN.dat,
    strings-NN.dat, chart-NN.svg), so that no name, path or other input
    becomes gnuplot program text. Then checks every SVG parses as XML and
    gives each chart its inline SVG (c.svg). Returns the charts drawn;
    raises RuntimeError naming what failed."""
    drawn = [c for c in charts if not c.empty]
    if not drawn:
        return []
    for t in TEMPLATES:
        # Read, then written through _write: a full disk is then named by
        # the file that could not be written (shutil's sendfile names the
        # read-only template it copied from).
        with open(os.path.join(GP_DIR, t), encoding="utf-8") as f:
            _write(os.path.join(workdir, t), f.read())
    script = []
    for n, c in enumerate(drawn, 1):
        _fix_log(c)
        xs = {r[0] for _, rows in c.series for r in rows}
        if c.kind == "lines" and len(xs) == 1:
            c.notes.append(f"Only one value of {c.xlab or 'x'} ran ({next(iter(xs)):g}): drawn as points, "
                           "since no curve can be read from one value; a sweep of it draws one.")
        if c.kind == "bars":
            bar_positions(c)
        _write(os.path.join(workdir, f"series-{n:02d}.dat"), _data(c))
        _write(os.path.join(workdir, f"strings-{n:02d}.dat"), _strings(_texts(c)))
        for fmt in ("svg", "png"):
            script.append(_script(c, n, fmt))
            script.append(f'print "drawn {n} {fmt}"')
    _write(os.path.join(workdir, "charts.gp"), "\n".join(script))
    t0 = time.monotonic()
    proc = subprocess.Popen(["gnuplot", "charts.gp"], cwd=workdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
    err = []
    try:
        for line in proc.stderr:
            if line.startswith("drawn "):
                # A line per chart on a terminal once drawing takes a while.
                if progress and time.monotonic() - t0 > 1:
                    progress(f"chart {line[6:].strip()} of {len(drawn)}")
            else:
                err.append(line.rstrip())
    finally:
        if proc.poll() is None and sys.exc_info()[0] is not None:
            proc.kill()  # interrupted: gnuplot goes with us
            proc.wait()
    if proc.wait() != 0:
        raise RuntimeError(_gnuplot_failed(proc, err))
    _keys(drawn)
    for n, c in enumerate(drawn, 1):
        for ext in ("svg", "png"):
            made = os.path.join(workdir, f"chart-{n:02d}.{ext}")
            if not os.path.isfile(made) or os.path.getsize(made) == 0:
                raise RuntimeError(f"gnuplot did not write chart {n} ({c.title!r}) as {ext}"
                                   + (": " + " | ".join(err[-6:]) if err else "") + _space(workdir))
        c.svg = _checked_svg(os.path.join(workdir, f"chart-{n:02d}.svg"), c.key, workdir)
    for n, c in enumerate(drawn, 1):
        for ext in ("svg", "png"):
            os.rename(os.path.join(workdir, f"chart-{n:02d}.{ext}"), os.path.join(workdir, f"{c.key}.{ext}"))
    for f in os.listdir(workdir):
        if f.endswith((".dat", ".gp")):
            os.unlink(os.path.join(workdir, f))
    return drawn


def _write(path, text):
    entry.write_text(path, text)


def _space(workdir):
    """Why a file may have come out short: a full disk, said when it is."""
    try:
        st = os.statvfs(workdir)
    except OSError:
        return ""
    return "; no space left on device" if st.f_bavail * st.f_frsize < 1 << 20 else ""


def _checked_svg(path, key, workdir):
    """The SVG, made well-formed whatever its texts hold, and inlinable:
    gnuplot escapes < and & in text but not the sequence ]]>, which XML
    forbids in content (its SVG has no CDATA section to protect). Parsed
    before it is used: a truncated file is an error, not a broken page."""
    with open(path, encoding="utf-8", errors="replace") as f:
        s = f.read()
    if "<![CDATA[" not in s:
        s = s.replace("]]>", "]]&gt;")
    try:
        ET.fromstring(s.encode("utf-8"))
    except ET.ParseError as e:
        raise RuntimeError(f"gnuplot's {os.path.basename(path)} is not well-formed XML ({e}): a truncated "
                           "file?" + _space(workdir)) from None
    entry.write_text(path, s)
    return inline_svg(s, key)


def inline_svg(s, key):
    """The SVG for inlining in HTML: no XML prolog, and ids made unique per
    chart (every gnuplot SVG defines the same ids). key is a plain word
    (_keys)."""
    s = s[s.index("<svg"):]
    s = re.sub(r"(id=['\"])(gp\w+|gnuplot_\w+)", rf"\1{key}-\2", s)
    s = re.sub(r"(href=['\"]#)(gp\w+|gnuplot_\w+)", rf"\1{key}-\2", s)
    s = s.replace("<svg ", f'<svg role="img" aria-label="{key}" ', 1)
    return s


def log(msg):
    if sys.stderr.isatty():
        print(f"report: {msg}", file=sys.stderr)
