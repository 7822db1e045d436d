"""Read a run: a run directory, a results.json or a results.csv, ours or any
Google Benchmark binary's. Everything downstream sees one shape, `Run`:
benchmarks in file order, each with its repetitions' values in ns and the
median of every counter. A file that is not a benchmark result raises
BadInput with one line that says what is wrong and where."""

import csv
import io
import json
import os

from . import entry, stats

# Google Benchmark's time units, as factors to nanoseconds.
UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
AGGREGATES = ("mean", "median", "stddev", "cv")
# Columns a Google Benchmark CSV always has (benchmark/src/csv_reporter.cc).
CSV_REQUIRED = ("name", "iterations", "real_time", "cpu_time", "time_unit")
OUR_FAMILIES = {"switch", "pingpong", "bare", "ring", "echo", "sleep", "cpu", "spawn", "pipeline", "blocking"}
# Keys of a record that are not counters.
NOT_COUNTERS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
    "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
    "error_occurred", "error_message", "skipped", "skip_message", "aggregate_name", "aggregate_unit",
    "placement", "cpus_used", "big_o", "rms",
}


BadInput = entry.BadInput  # bad input: one line, exit 2 (entry.run)


class Benchmark:
    """One benchmark name: its repetitions and what they say together."""

    def __init__(self, name):
        self.name = name
        self.real_ns = []  # one per successful repetition
        self.cpu_ns = []
        self.counters = {}  # name -> [value per repetition]
        self.label = ""
        self.error = None  # first error message, when a repetition failed
        self.skipped = None  # skip message, when the benchmark did not run
        self.placement = None
        self.cpus_used = None  # ours: the cores the kernel really used
        self.from_aggregate = False  # only an aggregate row was in the file

    @property
    def ok(self):
        return bool(self.real_ns) and self.error is None

    def median(self):
        return stats.median(self.real_ns) if self.real_ns else None

    def counter(self, key):
        vals = self.counters.get(key)
        return stats.median(vals) if vals else None

    def cv(self):
        return stats.cv(self.real_ns)


class Run:
    def __init__(self, path, context, benchmarks):
        self.path = path
        self.context = context
        self.benchmarks = benchmarks  # name -> Benchmark, file order
        # switchbench's own output: its context says so, or (a CSV, which
        # has no context) every name is family/engine/... of our families.
        self.ours = "switchbench_version" in context or all(
            n.split("/")[0] in OUR_FAMILIES and "/" in n for n in benchmarks)

    def get(self, name):
        return self.benchmarks.get(name)

    @property
    def references(self):
        """The reference engines (someone else's system: ref-fcontext,
        ref-greenlet...): the context marks them; a CSV, by their names."""
        marked = {e for e, v in (self.context.get("engines") or {}).items() if v.get("reference")}
        named = {n.split("/")[1] for n in self.benchmarks if n.count("/") >= 1 and n.split("/")[1].startswith("ref-")}
        return marked | named if self.ours else marked

    @property
    def title(self):
        return self.context.get("date") or os.path.basename(os.path.dirname(os.path.abspath(self.path)))


def resolve(path):
    """The results file a PATH names: a run directory holds results.json
    (or results.csv)."""
    if os.path.isdir(path):
        for name in ("results.json", "results.csv"):
            p = os.path.join(path, name)
            if os.path.isfile(p):
                return p
        raise BadInput(f"{path}: a directory without results.json or results.csv")
    if not os.path.exists(path):
        raise BadInput(f"{path}: no such file or directory")
    if not os.path.isfile(path):
        raise BadInput(f"{path}: not a regular file")
    return path


def load(path):
    f = resolve(path)
    try:
        with open(f, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise BadInput(f"{f}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"{f}: not UTF-8 text (byte {e.start})") from None
    if not text.strip():
        raise BadInput(f"{f}: the file is empty")
    if text.lstrip()[:1] in "{[":
        run = _load_json(f, text)
    else:
        run = _load_csv(f, text)
    if not run.benchmarks:
        raise BadInput(f"{f}: no benchmark records (an empty run)")
    return run


def _num(v, what, f):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise BadInput(f"{f}: {what} is not a number: {v!r}")
    return float(v)


def _load_json(f, text):
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{f}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
                       "a truncated or unfinished file?") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{f}: JSON without a \"benchmarks\" list: not Google Benchmark output")
    ctx = doc.get("context") if isinstance(doc.get("context"), dict) else {}
    out = {}
    for i, r in enumerate(doc["benchmarks"]):
        if not isinstance(r, dict) or not isinstance(r.get("name"), str):
            raise BadInput(f"{f}: benchmark record {i} has no name")
        _add_record(out, r, f)
    return Run(f, ctx, out)


def _load_csv(f, text):
    lines = text.splitlines()
    head = next(csv.reader([lines[0]]))
    missing = [c for c in CSV_REQUIRED if c not in head]
    if missing:
        if "name" not in head:
            raise BadInput(f"{f}: line 1 is not a Google Benchmark CSV header (it lacks "
                           f"{', '.join(CSV_REQUIRED)}); a preamble before the header? "
                           "(run the benchmark with 2>/dev/null)")
        raise BadInput(f"{f}: the CSV header lacks {', '.join(missing)}")
    out = {}
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if None in row or any(row.get(c) is None for c in CSV_REQUIRED):
            raise BadInput(f"{f}: line {n} has {len([v for v in row.values() if v is not None])} fields; "
                           f"the header has {len(head)}")
        r = {"name": row["name"], "time_unit": row.get("time_unit") or "ns", "label": row.get("label") or ""}
        if (row.get("error_occurred") or "").lower() == "true":
            r["error_occurred"] = True
            r["error_message"] = row.get("error_message") or "error"
        elif (row.get("skipped") or "").lower() == "true" or (row.get("error_occurred") or "").lower() == "false" \
                and row.get("error_message"):
            # Our CSV marks a skipped record as error_occurred=false with
            # the reason (harness/report_csv.c).
            r["skipped"] = True
            r["skip_message"] = row.get("error_message") or row.get("skip_message") or "skipped"
        else:
            for c in ("iterations", "real_time", "cpu_time"):
                try:
                    r[c] = float(row[c])
                except ValueError:
                    raise BadInput(f"{f}: line {n}: {c} is not a number: {row[c]!r}") from None
            for c, v in row.items():
                if c in CSV_REQUIRED or c in NOT_COUNTERS or not v:
                    continue
                try:
                    r[c] = float(v)
                except ValueError:
                    pass
        _add_record(out, r, f)
    return Run(f, {}, out)


def _split_aggregate(r):
    """Google Benchmark names an aggregate row NAME_mean (and sets
    run_type=aggregate in JSON)."""
    name = r["name"]
    if r.get("run_type") == "aggregate":
        return r.get("run_name", name.rsplit("_", 1)[0]), r.get("aggregate_name", name.rsplit("_", 1)[-1])
    for a in AGGREGATES:
        if name.endswith("_" + a) and "run_type" not in r:
            return name[: -len(a) - 1], a
    return name, None


def _add_record(out, r, f):
    base, agg = _split_aggregate(r)
    b = out.get(base)
    if b is None:
        b = out[base] = Benchmark(base)
    if r.get("skipped") and r.get("skipped") is not False:
        b.skipped = r.get("skip_message") or "skipped"
        return
    if r.get("error_occurred"):
        b.error = b.error or r.get("error_message") or "error"
        return
    if agg is not None:
        # Aggregates are recomputed from the repetitions; a file that has
        # only aggregates (--benchmark_report_aggregates_only) gives its
        # median as one value.
        if agg == "median" and not b.real_ns and r.get("aggregate_unit", "time") == "time":
            _take(b, r, f)
            b.from_aggregate = True
        return
    if b.from_aggregate:
        b.real_ns, b.cpu_ns, b.counters, b.from_aggregate = [], [], {}, False
    _take(b, r, f)


def _take(b, r, f):
    unit = r.get("time_unit", "ns")
    if unit not in UNITS:
        raise BadInput(f"{f}: {r['name']}: unknown time_unit {unit!r}")
    k = UNITS[unit]
    b.real_ns.append(_num(r.get("real_time"), f"{r['name']}: real_time", f) * k)
    b.cpu_ns.append(_num(r.get("cpu_time", 0.0), f"{r['name']}: cpu_time", f) * k)
    b.label = r.get("label") or b.label
    b.placement = r.get("placement") or b.placement
    b.cpus_used = r.get("cpus_used") or b.cpus_used
    for key, v in r.items():
        if key in NOT_COUNTERS or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        b.counters.setdefault(key, []).append(float(v))
