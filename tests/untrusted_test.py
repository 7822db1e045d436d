#!/usr/bin/python3
"""Outside data read by ./bench report, regress and history, as a hostile
user would write it; one CTest entry per case (untrusted/<case>):
  untrusted_test.py --list            the case names
  untrusted_test.py CASE [BINARY]     run one; exit 0 pass, 1 fail, 77 skipped
Nothing read may run (a canary file that a command in a name would create
must never appear), every SVG parses as XML, the pages show names as text,
and every bad file is one line and exit 2 with nothing written."""

import html.parser
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPTS = os.path.join(ROOT, "scripts")
FIXTURE = os.path.join(HERE, "data", "quick-run.json")
PY = "/usr/bin/python3"
sys.path.insert(0, SCRIPTS)
sys.path.insert(0, HERE)

from sbreport.text import shown  # noqa: E402
from casekit import Skip, case, check  # noqa: E402
import casekit  # noqa: E402


def tool(name, *args, env=None, cwd=None, timeout=300):
    p = subprocess.run([PY, os.path.join(SCRIPTS, name + ".py"), *args], capture_output=True, text=True,
                       env=env, cwd=cwd, timeout=timeout)
    check("Traceback" not in p.stderr, f"{name} {args}: a traceback:\n{p.stderr[-1500:]}")
    return p.returncode, p.stdout, p.stderr


def save(doc, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return path


def put(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)
    return path


# --- hostile names ---------------------------------------------------------

class Canary:
    """Commands that, run by any interpreter (gnuplot's backticks, system(),
    its ! lines, a shell's $( ), an HTML event handler), would create a
    file in one directory; that directory must stay empty."""

    def __init__(self, w):
        self.dir = os.path.join(w, "canary")
        os.mkdir(self.dir)

    def payloads(self):
        c = os.path.join(self.dir, "ran")
        return [f"`touch {c}-bt`", f"$(touch {c}-sh)", f'system("touch {c}-sys")', f"\n!touch {c}-bang\n",
                f"' . system('touch {c}-sq') . '", f'" . system("touch {c}-dq") . "', f";touch {c}-semi;",
                f"|touch {c}-pipe", "<img src=x onerror=alert(1)>", "]]><script>alert(1)</script>",
                f"@touch {c}-at", "=cmd|' /C calc'!A0", f"\\\"`touch {c}-esc`"]

    def check(self, what):
        ran = os.listdir(self.dir)
        check(not ran, f"{what}: input ran as code: {ran}")


# The alphabet of part 1 of the issue: quotes and backticks, newlines,
# shell and gnuplot syntax, XML's ]]>, tags, control bytes (not NUL),
# right-to-left marks, 4-byte UTF-8.
ALPHABET = ["`", "'", '"', "\n", "!", "$(", "system(", ";", "|", "]]>", "<", ">", "&", "\\", "\x01", "\x1b",
            "\x7f", "\u202e", "\u2066", "\u200f", "\U0001f600", "\U00010348", "#", "{", "}", "%", "*", "[", "]",
            "=", "+", "@", "-", " ", "a", "Z", "9", ":", ",", "\t", "\r"]


def hostile_names(canary, n=24, seed=20):
    """n distinct names, deterministic: each a family and one to three
    arguments built from the alphabet, every payload used at least once."""
    r = random.Random(seed)
    pay = canary.payloads()
    out = []
    for i in range(n):
        parts = []
        for _ in range(r.randint(1, 3)):
            parts.append("".join(r.choice(ALPHABET) for _ in range(r.randint(1, 6))))
        fam = "BM" + "".join(r.choice(ALPHABET) for _ in range(r.randint(0, 3)))
        name = "/".join([fam + pay[i % len(pay)]] + parts)
        out.append(name.replace("/", "/", 1))
    # A bare numeric argument swept, so that the generic line chart (not
    # only the bar chart) draws a hostile family and hostile series.
    out += [f"{pay[0]}<s>/{k}" for k in (8, 64, 512)]
    return list(dict.fromkeys(out))


def gb_doc(names, ctx=None, scale=1.0):
    bs = []
    for j, name in enumerate(names):
        for i in range(5):
            t = (100.0 + j) * (1 + 0.01 * i) * scale
            bs.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": 5,
                       "repetition_index": i, "threads": 1, "iterations": 1000, "real_time": t, "cpu_time": t,
                       "time_unit": "ns", "label": name, "items_per_second": 1e9 / t})
    return {"context": ctx or {}, "benchmarks": bs}


def hostile_context(canary):
    p = canary.payloads()
    return {"date": "2026-12-04" + p[0], "host_name": p[1] + "\n!ls", "cpu_model": "EPYC " + p[2],
            "num_cpus": 2, "compiler_flags": p[3], "kernel": p[8], "library_build_type": "release" + p[9]}


def ours_doc(canary):
    """The quick run's fixture with one engine renamed to a hostile name:
    switchbench's own charts and claims draw it."""
    doc = json.load(open(FIXTURE, encoding="utf-8"))
    evil = "asm" + canary.payloads()[0] + "\n" + canary.payloads()[8]
    for b in doc["benchmarks"]:
        parts = b["name"].split("/")
        if len(parts) > 1 and parts[1] == "asm":
            parts[1] = evil
            b["name"] = "/".join(parts)
            if "run_name" in b:
                b["run_name"] = "/".join([parts[0], evil] + b["run_name"].split("/")[2:])
    doc["context"]["engines"] = {(evil if k == "asm" else k): v for k, v in doc["context"]["engines"].items()}
    doc["context"]["cpu_model"] = "cpu" + canary.payloads()[1]
    return doc, evil


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.tags = [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, _ in attrs:
            check(not k.startswith("on"), f"an event handler attribute {k} in the page")

    def handle_data(self, d):
        self.text.append(d)


# Every element the report's pages and gnuplot's inline SVG use.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "div", "table",
             "colgroup", "col", "thead", "tbody", "tr", "th", "td", "b", "ul", "li", "dl", "dt", "dd", "figure",
             "figcaption", "svg", "g", "path", "text", "tspan", "defs", "circle", "rect", "use", "image",
             "desc", "clippath", "polygon", "line", "polyline", "a", "pattern", "lineargradient", "stop", "filter",
             "fecomposite", "feflood", "ol", "span", "details", "summary"}


def check_outputs(out, names, canary, what):
    canary.check(what)
    for dirpath, _, files in os.walk(out):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith(".svg"):
                try:
                    ET.parse(p)
                except ET.ParseError as e:
                    raise casekit.Fail(f"{what}: {p} is not XML: {e}")
            if f.endswith(".html"):
                t = _Text()
                t.feed(open(p, encoding="utf-8").read())
                extra = t.tags - PAGE_TAGS
                check(not extra, f"{what}: {f} has elements from the input: {extra}")
                text = "".join(t.text)
                missing = [n for n in names if shown(n) not in text]
                check(not missing, f"{what}: {f} does not show {len(missing)} name(s) as text, e.g. "
                                   f"{missing[:1]!r}")
                check("\u202e" not in text and "\x1b" not in text, f"{what}: {f} passes a control character")
            if f.endswith(".md"):
                md = open(p, encoding="utf-8").read()
                check("<img" not in md and "<script" not in md, f"{what}: {f} passes raw HTML")
                check("\u202e" not in md, f"{what}: {f} passes a right-to-left override")
                _check_md_tables(md, f"{what}: {f}")


def _check_md_tables(md, what):
    """Every row of a table has the header's number of cells: no name ends
    a row early or adds a cell (unescaped | counted)."""
    import re
    width = None
    for ln in md.split("\n"):
        if not ln.startswith("|"):
            width = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", ln))
        if width is None:
            width = cells
        check(cells == width, f"{what}: a table row with {cells - 1} cells under a header of {width - 1}: "
                              f"{ln[:120]!r}")


def _listing(d, skip):
    out = set()
    for dirpath, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if os.path.join(dirpath, x) not in skip]
        out |= {os.path.join(dirpath, f) for f in files + dirs}
    return out


@case
def hostile_names_run_nothing(w, binary):
    """A report, a comparison, a regress baseline and a history of hostile
    names and context: nothing runs, nothing lands outside the output,
    every SVG is XML, the pages show every name as text."""
    canary = Canary(w)
    names = hostile_names(canary)
    ctx = hostile_context(canary)
    a = save(gb_doc(names, ctx), os.path.join(w, "a.json"))
    b = save(gb_doc(names, ctx, 1.5), os.path.join(w, "b.json"))
    # The same names as a CSV (csv quoting carries the newlines).
    import csv
    with open(os.path.join(w, "a.csv"), "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["name", "iterations", "real_time", "cpu_time", "time_unit", "label"])
        for r in gb_doc(names)["benchmarks"]:
            wr.writerow([r["name"], r["iterations"], r["real_time"], r["cpu_time"], "ns", r["label"]])
    ours, evil = ours_doc(canary)
    o = save(ours, os.path.join(w, "ours.json"))
    before = _listing(w, {canary.dir})
    for what, args, out in (("report of JSON", [a], "r1"), ("report of CSV", [os.path.join(w, "a.csv")], "r2"),
                            ("report of our run", [o], "r3"), ("comparison", [a, b], "r4")):
        d = os.path.join(w, out)
        os.mkdir(d)
        rc, _, err = tool("report", "--quiet", *args, "--out", d)
        check(rc == 0, f"{what}: exit {rc}: {err[-600:]}")
        check_outputs(d, [evil] if out == "r3" else names, canary, what)
        check(any(f.endswith(".svg") for f in os.listdir(os.path.join(d, "charts" if out != "r4" else
                                                                      "charts-compare"))), f"{what}: no chart")
    d = os.path.join(w, "rg")
    rc, out, err = tool("regress", "--baseline", a, "--input", b, "--any-machine", "--out", d, "--head-binary",
                        binary)
    check(rc in (0, 1), f"regress: exit {rc}: {err[-600:]}")
    check_outputs(d, [], canary, "regress")
    _check_md_tables(out, "regress's stdout")
    check("<img" not in out, "regress's summary passes raw HTML")
    # history: a run with a hostile CPU model (its class), then its chart.
    # `add` takes only an ISO 8601 date; the hostile one is then written
    # into the history file by hand, as an edited file could hold it.
    run = gb_doc(names[:6], dict(ctx, source_commit="0123456789abcdef0123456789abcdef01234567",
                                 switchbench_version="x", date="2026-12-04T00:00:00+00:00"))
    h = os.path.join(w, "hist")
    rc, _, err = tool("history", "add", save(run, os.path.join(w, "h.json")), "--dir", h)
    check(rc == 0, f"history add: exit {rc}: {err}")
    hist_file = os.path.join(h, os.listdir(h)[0])
    with open(hist_file, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        row[1] = ctx["date"]
    with open(hist_file, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(rows[0]) + "\n")
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows[1:])
    hc = os.path.join(w, "hc")
    os.mkdir(hc)
    rc, _, err = tool("history", "chart", "--dir", h, "--out", hc)
    check(rc == 0, f"history chart: exit {rc}: {err}")
    check_outputs(hc, [], canary, "history chart")
    # Outside the output directories, nothing new.
    made = _listing(w, {canary.dir}) - before
    outs = tuple(os.path.join(w, x) for x in ("r1", "r2", "r3", "r4", "rg", "hist", "hc", "h.json"))
    stray = [p for p in made if not p.startswith(outs)]
    check(not stray, f"written outside the output: {stray}")


@case
def history_csv_neutralises_formulas(w, binary):
    """A text cell a spreadsheet would run (=, +, -, @) is written with a
    leading quote, and read back as it was."""
    names = ["=HYPERLINK(\"http://x\")/1", "+1+1/2", "-2+3/3", "@SUM(A1)/4", "'quoted/5", "plain/6"]
    run = gb_doc(names, {"cpu_model": "=cpu", "num_cpus": 2, "date": "2026-12-04T00:00:00+00:00",
                         "source_commit": "0123456789abcdef0123456789abcdef01234567", "switchbench_version": "x"})
    h = os.path.join(w, "hist")
    rc, _, err = tool("history", "add", save(run, os.path.join(w, "h.json")), "--dir", h)
    check(rc == 0, err)
    files = os.listdir(h)
    text = open(os.path.join(h, files[0]), encoding="utf-8").read()
    import csv
    import io
    for row in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        for cell in (row[2], row[4], row[5]):
            check(not cell.startswith(("=", "+", "-", "@")), f"a formula cell: {cell!r}")
    sys.path.insert(0, SCRIPTS)
    import history
    back = history.read_file("h", text)
    check(sorted(r["benchmark"] for r in back) == sorted(names), f"round trip: {[r['benchmark'] for r in back]}")
    check({r["machine_class"] for r in back} == {"=cpu x2"}, f"class: {back[0]['machine_class']!r}")


@case
def punctuation_keeps_families_apart(w, binary):
    """BM-a and BM.a: two charts, two element ids, two files."""
    names = [f"{fam}/{k}" for fam in ("BM-a", "BM.a", "BM a") for k in (8, 64, 512)]
    a = save(gb_doc(names), os.path.join(w, "a.json"))
    rc, _, err = tool("report", "--quiet", a)
    check(rc == 0, err)
    svgs = sorted(f for f in os.listdir(os.path.join(w, "charts")) if f.startswith("family_") and f.endswith(".svg"))
    check(len(svgs) == 3, f"charts: {svgs}")
    page = open(os.path.join(w, "report.html"), encoding="utf-8").read()
    import re
    ids = re.findall(r'<figure id="(chart-family[^"]+)"', page)
    check(len(ids) == 3 == len(set(ids)), f"figure ids: {ids}")
    b = save(gb_doc(names, scale=2.0), os.path.join(w, "b.json"))
    rc, _, err = tool("report", "--quiet", a, b)
    check(rc == 0, err)
    check(len([f for f in os.listdir(os.path.join(w, "charts-compare")) if f.endswith(".png")]) == 3,
          f"comparison charts: {os.listdir(os.path.join(w, 'charts-compare'))}")


@case
def results_dir_with_backticks(w, binary):
    """switchbench --results-dir=DIR, and the report of DIR, where DIR's
    name holds backticks, $( ), quotes and a newline. The commands in it
    are relative: run, they would create a file in the working directory
    (the canary) or in the charts' directory."""
    canary = Canary(w)
    d = os.path.join(w, "res`touch ran-bt`$(touch ran-sh)\"'\n!touch ran-bang\n")
    p = subprocess.run([os.path.abspath(binary), "--engine=stackless", "--workload=bare,switch", "--min-time=200x",
                        "--repetitions=2", f"--results-dir={d}"], capture_output=True, text=True, timeout=300,
                       cwd=canary.dir)
    check(p.returncode == 0, f"exit {p.returncode}: {p.stderr[-600:]}")
    run = os.path.realpath(os.path.join(d, "latest"))
    check(os.path.isfile(os.path.join(run, "report.html")), f"no report: {os.listdir(run)}")
    canary.check("the run's report")
    rc, _, err = tool("report", "--quiet", run, cwd=canary.dir)
    check(rc == 0, err)
    canary.check("./bench report DIR")
    check_outputs(run, [], canary, "report")
    stray = [f for f in os.listdir(os.path.join(run, "charts")) if not f.endswith((".svg", ".png"))]
    check(not stray, f"the charts' directory holds {stray}")


# --- bad data: one line, exit 2, nothing written ---------------------------

def _rec(**kw):
    r = {"name": "BM_x", "run_name": "BM_x", "run_type": "iteration", "iterations": 10, "real_time": 5.0,
         "cpu_time": 5.0, "time_unit": "ns"}
    r.update(kw)
    return r


_COUNTERS = {"counters": [
    {"name": "p99_us", "unit": "us", "kind": "latency", "better": "lower", "meaning": "99th-percentile latency"},
    {"name": "tasks", "unit": "tasks", "kind": "count", "better": "neither", "meaning": "tasks alive at once"}]}


def _doc(records, ctx=None):
    return json.dumps({"context": ctx or {}, "benchmarks": records})


BAD_JSON = [
    ("nan", _doc([_rec()]).replace("5.0", "NaN", 1), "real_time is nan: not a finite number"),
    ("infinity", _doc([_rec()]).replace("5.0", "Infinity", 1), "not a finite number"),
    ("1e400", _doc([_rec()]).replace("5.0", "1e400", 1), "not a finite number"),
    ("401 digits", _doc([_rec()]).replace("5.0", "9" * 401, 1), "real_time"),
    ("5000 digits", _doc([_rec()]).replace("5.0", "9" * 5000, 1), "real_time"),
    ("zero time", _doc([_rec(real_time=0)]), "a time must be positive"),
    ("negative time", _doc([_rec(real_time=-3.0)]), "a time must be positive"),
    ("negative cpu", _doc([_rec(cpu_time=-3.0)]), "cpu_time"),
    ("engines a list", _doc([_rec()], {"engines": ["asm"]}), "context.engines is a list"),
    ("engine a string", _doc([_rec()], {"engines": {"asm": "coroutine"}}), "context.engines.asm is a string"),
    ("run_name a number", _doc([_rec(run_name=7)]), "run_name is a number"),
    ("cpu_model a number", _doc([_rec()], {"cpu_model": 7}), "context.cpu_model is a number"),
    ("time_unit a list", _doc([_rec(time_unit=["ns"])]), "time_unit is a list"),
    ("unknown unit", _doc([_rec(time_unit="fortnights")]), "unknown time_unit"),
    ("counter NaN", _doc([_rec()]).replace('"iterations": 10', '"iterations": 10, "items_per_second": NaN'),
     "items_per_second"),
    ("name a number", _doc([_rec(name=5)]), "has no name"),
    ("record a list", _doc([[1, 2]]), "record 0 is a list"),
    ("context a list", json.dumps({"context": [], "benchmarks": [_rec()]}), "context is a list"),
    ("deep nesting", '{"benchmarks": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
    ("load_avg strings", _doc([_rec()], {"load_avg": ["high"]}), "context.load_avg[0]"),
    ("truncated", _doc([_rec()])[:-9], "not valid JSON"),
    # Figures a remote agent could have sent: a registered latency beyond
    # its repetition's wall time, or below zero; a registered counter that
    # is not a number; a negative count; a layout version nobody wrote.
    ("p99 1e308", _doc([_rec(p99_us=1e308)], _COUNTERS), "BM_x: p99_us is 1e+308 us, longer than its repetition"),
    ("p99 negative", _doc([_rec(p99_us=-2.5)], _COUNTERS), "BM_x: p99_us is -2.5: a latency cannot be negative"),
    ("counter a string", _doc([_rec(p99_us="12")], _COUNTERS), "BM_x: p99_us (a registered counter) is a string"),
    ("counter a list", _doc([_rec(tasks=[1])], _COUNTERS), "BM_x: tasks (a registered counter) is a list"),
    ("counter a boolean", _doc([_rec(tasks=True)], _COUNTERS), "BM_x: tasks (a registered counter) is true/false"),
    ("negative iterations", _doc([_rec(iterations=-1)]), "BM_x: iterations is -1: a count cannot be negative"),
    ("schema version", _doc([_rec()], {"json_schema_version": "bogus"}), "context.json_schema_version is 'bogus'"),
]

CSV_HEAD = "name,iterations,real_time,cpu_time,time_unit,label\n"
BAD_CSV = [
    ("csv nan", CSV_HEAD + "BM_x,10,nan,5,ns,\n", "not a finite number"),
    ("csv negative", CSV_HEAD + "BM_x,10,-5,5,ns,\n", "a time must be positive"),
    ("csv zero", CSV_HEAD + "BM_x,10,0,5,ns,\n", "a time must be positive"),
    ("csv text time", CSV_HEAD + "BM_x,10,fast,5,ns,\n", "real_time is not a number"),
    ("csv huge field", CSV_HEAD + "BM_x,10,5,5,ns,\"" + "x" * (200 * 1024) + "\"\n", "line 2"),
    ("csv short row", CSV_HEAD + "BM_x,10,5\n", "line 2 has 3 fields"),
    ("csv unit", CSV_HEAD + "BM_x,10,5,5,parsecs,\n", "unknown time_unit"),
]


def _bad(w, args, needle, tool_name="report"):
    out = os.path.join(w, "out")
    os.makedirs(out, exist_ok=True)
    before = sorted(os.listdir(out))
    rc, _, err = tool(tool_name, *args)
    lines = err.strip().splitlines()
    check(rc == 2 and len(lines) == 1 and needle in lines[0],
          f"{tool_name} {[a[-40:] for a in args]}: exit {rc}, want one line with {needle!r}: {err[-400:]!r}")
    check(sorted(os.listdir(out)) == before, f"{args}: wrote {os.listdir(out)}")


@case
def bad_data_is_one_line(w, binary):
    """Each bad results file: report, report A B and regress --baseline
    each say one line naming the file and field, exit 2, write nothing."""
    good = save(json.loads(_doc([_rec()])), os.path.join(w, "good.json"))
    out = os.path.join(w, "out")
    for what, text, needle in BAD_JSON + BAD_CSV:
        ext = ".csv" if what.startswith("csv") else ".json"
        f = put(os.path.join(w, what.replace(" ", "_") + ext), text)
        _bad(w, [f, "--out", out], needle)
        _bad(w, [good, f, "--out", out], needle)
        check(os.path.basename(f) in tool("report", f, "--out", out)[2], f"{what}: the file is not named")
    for what, text, needle in BAD_JSON[:8]:
        f = os.path.join(w, what.replace(" ", "_") + ".json")
        _bad(w, ["--baseline", f, "--input", good, "--any-machine", "--out", out, "--head-binary", binary],
             needle, "regress")


@case
def regress_refuses_before_measuring(w, binary):
    """Every destination and input regress needs is checked first: one line,
    exit 2, nothing measured or written."""
    good = save(json.loads(_doc([_rec(name="bare/stackless")], {"cpu_model": "x", "num_cpus": 2})),
                os.path.join(w, "good.json"))
    out = os.path.join(w, "out")
    os.mkdir(out)
    a = ["--head-binary", binary]
    _bad(w, ["--base", "", *a], "not a revision", "regress")
    _bad(w, ["--base=--output=x", *a], "not a revision", "regress")
    _bad(w, ["--baseline", good, "--input", good, "--out", good, *a], "exists and is not a directory", "regress")
    nox = put(os.path.join(w, "nox"), "#!/bin/sh\n")
    _bad(w, ["--baseline", good, "--head-binary", nox], "not executable", "regress")
    trunc = put(os.path.join(w, "inst.json"), '{"metric": "instructions", "benchmarks": {"bare/asm": 12')
    _bad(w, ["--metric=instructions", "--baseline", trunc, *a], "not valid JSON", "regress")
    nan = put(os.path.join(w, "nan.json"), '{"metric": "instructions", "benchmarks": {"bare/asm": NaN}}')
    _bad(w, ["--metric=instructions", "--baseline", nan, *a], "not a finite number", "regress")
    for var, val, needle in (("GITHUB_STEP_SUMMARY", os.path.join(w, "no", "dir", "summary"), "cannot append"),
                             ("TMPDIR", os.path.join(w, "no-tmp"), "TMPDIR")):
        env = dict(os.environ, **{var: val})
        p = subprocess.run([PY, os.path.join(SCRIPTS, "regress.py"), "--baseline", good, "--input", good,
                            "--any-machine", "--out", out, *a], capture_output=True, text=True, env=env, timeout=120)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 2 and len(lines) == 1 and needle in lines[0], f"{var}: exit {p.returncode}: {p.stderr}")
        check(not os.listdir(out), f"{var}: wrote {os.listdir(out)}")


@case
def regress_baseline_of_many_names(w, binary):
    """A baseline of 6,000 names (over Linux's 128 KiB for one argument as
    one --filter): the head runs the names it has, in chunks."""
    recs = [_rec(name=f"BM_nowhere_{i:05d}/tasks:{i}", run_name=f"BM_nowhere_{i:05d}/tasks:{i}")
            for i in range(6000)]
    recs += [_rec(name="bare/stackless", run_name="bare/stackless", real_time=1.5, cpu_time=1.5,
                  repetition_index=i) for i in range(3)]
    big = save(json.loads(_doc(recs)), os.path.join(w, "big.json"))
    out = os.path.join(w, "out")
    rc, stdout, err = tool("regress", "--baseline", big, "--any-machine", "--repetitions=3", "--min-time=0.01",
                           "--out", out, "--head-binary", binary)
    check(rc in (0, 1) and "bare/stackless" in stdout, f"exit {rc}: {err[-500:]}")
    check("Argument list too long" not in err, err[-300:])


@case
def history_add_writes_nothing_when_it_fails(w, binary):
    h = os.path.join(w, "hist")
    base = {"cpu_model": "m", "num_cpus": 2, "switchbench_version": "x",
            "source_commit": "0123456789abcdef0123456789abcdef01234567"}
    rc, _, err = tool("history", "add", save(gb_doc(["BM_a"], base), os.path.join(w, "ok.json")), "--dir", h)
    check(rc == 0, err)
    path = os.path.join(h, os.listdir(h)[0])
    first = open(path, encoding="utf-8").read()
    for what, ctx, needle in (("numeric commit", dict(base, source_commit=1234567), "source_commit is a number"),
                              ("backtick commit", dict(base, source_commit="`id`abc"), "not a git object name"),
                              ("numeric date", dict(base, date=5), "context.date is a number"),
                              ("numeric model", dict(base, cpu_model=5), "context.cpu_model is a number"),
                              ("not a date", dict(base, date="not a date"), "its date 'not a date' is not an ISO 8601")):
        f = save(gb_doc(["BM_a"], ctx), os.path.join(w, "bad.json"))
        rc, _, err = tool("history", "add", f, "--dir", h)
        lines = err.strip().splitlines()
        check(rc == 2 and len(lines) == 1 and needle in lines[0], f"{what}: exit {rc}: {err}")
        check(open(path, encoding="utf-8").read() == first and os.listdir(h) == [os.path.basename(path)],
              f"{what}: the history changed")
    for what, row, needle in (("a text value", "0123456,d,m x2,time,BM_a,BM_a,fast,ns,5", "is not a number"),
                              ("a short row", "0123456,d,m x2", "has 3 fields"),
                              ("a backtick commit", "`id`,d,m x2,time,BM_a,BM_a,5,ns,5", "not a git object name"),
                              ("a negative value", "0123456,d,m x2,time,BM_a,BM_a,-5,ns,5", "must be positive")):
        bad = os.path.join(w, "badhist")
        os.makedirs(bad, exist_ok=True)
        put(os.path.join(bad, "m-x2.csv"), first + row + "\n")
        for args in (["chart", "--dir", bad, "--out", w], ["add", os.path.join(w, "ok.json"), "--dir", bad]):
            rc, _, err = tool("history", *args)
            lines = err.strip().splitlines()
            check(rc == 2 and len(lines) == 1 and needle in lines[0], f"{what} {args[0]}: exit {rc}: {err}")
        check(open(os.path.join(bad, "m-x2.csv")).read() == first + row + "\n", f"{what}: the file changed")
        check(not os.path.exists(os.path.join(w, "history.html")), f"{what}: a chart was written")
    # Numbers that are not finite are refused by name, everywhere.
    for args, needle in ((["history", "chart", "--dir", h, "--out", w, "--threshold=nan"], "'nan' is not a finite"),
                         (["history", "chart", "--dir", h, "--out", w, "--threshold=inf"], "'inf' is not a finite"),
                         (["regress", "--baseline", path, "--min-time=nan"], "'nan' is not a finite"),
                         (["regress", "--baseline", path, "--alpha=-inf"], "'-inf' is not a finite")):
        rc, _, err = tool(*args)
        lines = err.strip().splitlines()
        check(rc == 2 and len(lines) == 1 and needle in lines[0], f"{args}: exit {rc}: {err}")


@case
def machines_refuse_one_run_twice(w, binary):
    """report --machines of one run twice, or of a run and its copy: one
    line and exit 2, not two identical columns that read as two machines."""
    copy = os.path.join(w, "copy.json")
    shutil.copyfile(FIXTURE, copy)
    for args, needle in (([FIXTURE, FIXTURE], "are the same file"), ([FIXTURE, copy], "the same results (a copy)")):
        _bad(w, ["--machines", *args, "--out", os.path.join(w, "out")], needle)


@case
def history_keeps_long_machine_classes(w, binary):
    """A 5,000-character CPU model (a file says what it likes): the
    history file's name is bounded and safe, two models that differ only
    past the cut stay apart, and the add succeeds."""
    h = os.path.join(w, "hist")
    names = []
    for tail in ("a", "b"):
        ctx = {"cpu_model": "Ve/ry Lo..ng " * 384 + tail, "num_cpus": 2, "switchbench_version": "x",
               "source_commit": "0123456789abcdef0123456789abcdef01234567"}
        rc, _, err = tool("history", "add", save(gb_doc(["BM_a"], ctx), os.path.join(w, f"{tail}.json")), "--dir", h)
        check(rc == 0, f"a long cpu_model: exit {rc}: {err}")
    names = sorted(os.listdir(h))
    check(len(names) == 2 and all(len(n) <= 84 and n.endswith(".csv") and "/" not in n for n in names),
          f"history files for two long classes: {names}")


@case
def true_causes_are_named(w, binary):
    """A symlink loop, a FIFO, a dangling link, a device: each said as
    what it is; a CSV with a byte-order mark is read."""
    loop = os.path.join(w, "loop")
    os.symlink(loop, loop)
    _bad(w, [loop], "symbolic link loop")
    fifo = os.path.join(w, "fifo")
    os.mkfifo(fifo)
    _bad(w, [fifo], "FIFO")
    d = os.path.join(w, "rundir")
    os.mkdir(d)
    os.mkfifo(os.path.join(d, "results.json"))
    _bad(w, [d], "FIFO")
    os.symlink(os.path.join(w, "nothing"), os.path.join(w, "dangling"))
    _bad(w, [os.path.join(w, "dangling")], "a symbolic link to nothing")
    _bad(w, ["/dev/null"], "a device")
    bom = put(os.path.join(w, "bom.csv"), "\ufeff" + CSV_HEAD + "BM_x,10,5,5,ns,\n", "w")
    rc, _, err = tool("report", "--quiet", bom, "--out", os.path.join(w, "out"))
    check(rc == 0, f"a CSV with a byte-order mark: exit {rc}: {err}")
    # A new --out folder is made when its parent exists (mkdir -p); one
    # whose missing parent has a newline in its name is refused on one line.
    rc, _, err = tool("report", "--quiet", bom, "--out", os.path.join(w, "a\nb", "c"))
    check(rc == 2 and len(err.strip().splitlines()) == 1, f"--out with a newline: {err!r}")


@case
def stale_stages_are_swept(w, binary):
    """A report's stage left by a killed report is removed by the next one,
    even when its pid now belongs to a live process; a live report's stage
    (its lock held) is kept."""
    import fcntl
    import time
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    dead = os.path.join(w, ".report.tmp.1")  # pid 1 lives: only the lock tells
    os.mkdir(dead)
    put(os.path.join(dead, ".lock"), "")
    put(os.path.join(dead, "report.html"), "half")
    old = os.path.join(w, ".report.tmp.2")  # no lock, two hours old
    os.mkdir(old)
    t = time.time() - 7200
    os.utime(old, (t, t))
    live = os.path.join(w, f".report.tmp.{os.getpid()}0")
    os.mkdir(live)
    fd = os.open(os.path.join(live, ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    holder = subprocess.Popen([PY, "-c", "import fcntl, sys, time; fcntl.flock(int(sys.argv[1]), fcntl.LOCK_EX); "
                               "print('held', flush=True); time.sleep(60)", str(fd)], pass_fds=(fd,),
                              stdout=subprocess.PIPE, text=True)
    try:
        check(holder.stdout.readline().strip() == "held", "the lock holder did not start")
        rc, _, err = tool("report", "--quiet", w)
        check(rc == 0, err)
        check(not os.path.exists(dead), "a dead report's stage (its pid reused) was kept")
        check(not os.path.exists(old), "an old stage without a lock was kept")
        check(os.path.exists(live), "a live report's stage was removed")
    finally:
        holder.kill()
        holder.wait()
        os.close(fd)


@case
def report_under_a_file_size_limit(w, binary):
    """ulimit -f below what the charts need: one line naming the limit,
    exit 1, nothing left (no stage, no half file)."""
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    p = subprocess.run(["bash", "-c", 'ulimit -f 40; exec "$0" "$@"', PY, os.path.join(SCRIPTS, "report.py"), w],
                       capture_output=True, text=True, timeout=300)
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 1 and len(lines) == 1 and "ulimit -f" in lines[0], f"exit {p.returncode}: {p.stderr!r}")
    check(sorted(os.listdir(w)) == ["results.json"], f"left behind: {os.listdir(w)}")


# --- Google Benchmark's own files -----------------------------------------

GB17_CSV = """2026-12-04T18:47:22+00:00
Running ./c
Run on (2 X 2096.02 MHz CPU s)
CPU Caches:
  L1 Data 32 KiB (x2)
Load Average: 0.07, 0.23, 0.13
***WARNING*** Library was built as DEBUG. Timings may be affected.
name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message
"BM_sum/64",712622,20.0305,19.9389,ns,3.2e+10,3.2e+09,,,
"BM_sum/256",160218,87.698,87.7018,ns,3.2e+10,3.2e+09,,,
"BM_sum/1024",42865,333.364,333.373,ns,3.2e+10,3.2e+09,,,
"BM_sum/4096",11197,1272.91,1272.94,ns,3.2e+10,3.2e+09,,,
"BM_sum_BigO",,0.311751,0.311759,N,,,,,
"BM_sum_RMS",,0.01946,0.019462,,,,,,
"""

GB17_JSON = {"context": {"date": "2026-12-04", "num_cpus": 2, "library_build_type": "release"}, "benchmarks": [
    {"name": f"BM_sum/{n}", "run_name": f"BM_sum/{n}", "run_type": "iteration", "repetitions": 1,
     "repetition_index": 0, "threads": 1, "iterations": 1000, "real_time": n * 0.3, "cpu_time": n * 0.3,
     "time_unit": "ns", "items_per_second": 3.2e9, "bytes_per_second": 1.28e10} for n in (64, 256, 1024, 4096)] + [
    {"name": "BM_sum_BigO", "run_name": "BM_sum", "run_type": "aggregate", "repetitions": 1, "threads": 1,
     "aggregate_name": "BigO", "aggregate_unit": "time", "cpu_coefficient": 0.40396, "real_coefficient": 0.40387,
     "big_o": "N", "time_unit": "ns"},
    {"name": "BM_sum_RMS", "run_name": "BM_sum", "run_type": "aggregate", "repetitions": 1, "threads": 1,
     "aggregate_name": "RMS", "aggregate_unit": "percentage", "rms": 0.012688}]}


@case
def google_benchmark_files_as_written(w, binary):
    """GB 1.7's --benchmark_out CSV (its context before the header), and
    ->Complexity() rows in CSV and JSON: read, the fits in their own
    table, no phantom benchmark, rate counters with units."""
    csvf = put(os.path.join(w, "gb.csv"), GB17_CSV)
    jsf = save(GB17_JSON, os.path.join(w, "gb.json"))
    for f, fit in ((csvf, "0.312 ns x N"), (jsf, "0.404 ns x N")):
        out = os.path.join(w, "out-" + os.path.basename(f))
        os.mkdir(out)
        rc, _, err = tool("report", "--quiet", f, "--out", out)
        check(rc == 0, f"{f}: exit {rc}: {err}")
        md = open(os.path.join(out, "report.md"), encoding="utf-8").read()
        check("## Complexity" in md and fit in md, f"{f}: no complexity table with {fit!r}:\n{md[-600:]}")
        check("BM_sum_BigO" not in md and "BM_sum_RMS" not in md and "| BM_sum |" not in md.split("## Complexity")[0],
              f"{f}: a phantom row:\n{md}")
        check("items_per_second 3.2G/s" in md, f"{f}: items_per_second without its unit")
        check("bytes_per_second 29.8 GiB/s" in md or "bytes_per_second 11.9 GiB/s" in md,
              f"{f}: bytes_per_second without its unit")
    exe = None
    if shutil.which("g++") and os.path.exists("/usr/include/benchmark/benchmark.h"):
        src = put(os.path.join(w, "c.cc"), "#include <benchmark/benchmark.h>\n#include <vector>\n"
                  "static void BM_sum(benchmark::State &s) { std::vector<int> v(s.range(0), 1);\n"
                  "  for (auto _ : s) { long t = 0; for (int x : v) t += x; benchmark::DoNotOptimize(t); }\n"
                  "  s.SetComplexityN(s.range(0)); }\n"
                  "BENCHMARK(BM_sum)->RangeMultiplier(4)->Range(64, 1024)->Complexity();\nBENCHMARK_MAIN();\n")
        exe = os.path.join(w, "c")
        p = subprocess.run(["g++", "-O1", src, "-o", exe, "-lbenchmark", "-lpthread"], capture_output=True,
                           text=True)
        check(p.returncode == 0, p.stderr[-400:])
    if exe is None:
        raise Skip("the fixtures pass; g++ or libbenchmark-dev is missing for the real binary's files")
    for fmt in ("csv", "json"):
        f = os.path.join(w, "real." + fmt)
        p = subprocess.run([exe, "--benchmark_min_time=0.001", f"--benchmark_out={f}",
                            f"--benchmark_out_format={fmt}"], capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, p.stderr[-300:])
        out = os.path.join(w, "out-real-" + fmt)
        os.mkdir(out)
        rc, _, err = tool("report", "--quiet", f, "--out", out)
        check(rc == 0 and "## Complexity" in open(os.path.join(out, "report.md")).read(), f"{fmt}: {err}")


def main(argv):
    return casekit.main(argv, "untrusted_test.py", "BINARY", default=os.path.join(ROOT, "build", "switchbench"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
