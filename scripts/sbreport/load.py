"""Read a run: a run directory, a results.json or a results.csv, ours or any
Google Benchmark binary's. Everything downstream sees one shape, `Run`:
benchmarks in file order, each with its repetitions' values in ns and the
median of every counter. A file that is not a benchmark result raises
BadInput with one line that says what is wrong and where."""

import csv
import errno
import io
import os
import stat

from . import entry, interval, names, registry, schema, stats

# Google Benchmark's time units, as factors to nanoseconds.
UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
AGGREGATES = ("mean", "median", "stddev", "cv")
# Columns a Google Benchmark CSV always has (benchmark/src/csv_reporter.cc).
CSV_REQUIRED = ("name", "iterations", "real_time", "cpu_time", "time_unit")
# The switchbench built beside these scripts: its registry names our
# workloads when a file (a CSV) carries no context to say it is ours.
OUR_BINARY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "build", "switchbench")
# Keys of a record that are not counters.
NOT_COUNTERS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
    "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
    "error_occurred", "error_message", "skipped", "skip_message", "aggregate_name", "aggregate_unit",
    "placement", "cpus_used", "big_o", "rms", "disturbed", "layout_offset", "stack_page_offset",
    "engine", "workload", "params", "workers", "placement_natural",
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
        self.disturbed = []  # why each left-out repetition was disturbed
        self.disturbed_records = []  # their records, taken back when too few others are left
        self.used_disturbed = 0  # how many disturbed repetitions its figures had to use
        self.machine = []  # per repetition: what else the machine did (switchbench's "machine")
        # What ran, from the record's typed fields (switchbench writes
        # engine, workload, params and workers); None where a file has none.
        self.engine = self.workload = self.params = self.workers = None
        # The placement the run chose instead of the workload's own (None:
        # its own), where the file says so (typed_placement).
        self.placement_chosen, self.typed_placement = None, False

    @property
    def nm(self):
        """The benchmark's Name: from its typed fields where the file has
        them, else parsed from the name."""
        if self.workload is not None and self.engine is not None and self.params is not None:
            return names.Name.typed(self.name, self.workload, self.engine, self.params)
        return names.Name(self.name)

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
    def __init__(self, path, context, benchmarks, complexity=(), known=None):
        self.path = path
        self.context = context
        self.benchmarks = benchmarks  # name -> Benchmark, file order
        # ->Complexity() results: (family, big O, real coefficient, cpu
        # coefficient, rms) as Google Benchmark's console shows them.
        self.complexity = list(complexity)
        # switchbench's own output: its context says so, or (a CSV, which
        # has no context) every name is workload/engine/... of the workloads
        # `known` names (our_registry).
        self.known = known or {"workloads": set(), "references": set()}
        self.ours = "switchbench_version" in context or bool(benchmarks) and all(
            n.split("/")[0] in self.known["workloads"] and "/" in n for n in benchmarks)

    def get(self, name):
        return self.benchmarks.get(name)

    @property
    def references(self):
        """The reference engines (someone else's system: ref-fcontext,
        ref-greenlet...): the context marks them; for a CSV, the registry."""
        marked = {e for e, v in (self.context.get("engines") or {}).items() if v.get("reference")}
        return marked | self.known["references"] if self.ours else marked

    @property
    def title(self):
        return self.context.get("date") or os.path.basename(os.path.dirname(os.path.abspath(self.path)))


def _kind(st):
    """What a non-regular file is, in words."""
    m = st.st_mode
    return ("a directory" if stat.S_ISDIR(m) else "a FIFO (named pipe)" if stat.S_ISFIFO(m) else
            "a socket" if stat.S_ISSOCK(m) else "a device" if stat.S_ISCHR(m) or stat.S_ISBLK(m) else
            "not a regular file")


def _stat(path):
    """os.stat, its failure said as what it is (a symlink loop is not a
    missing file); None when nothing is there."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise BadInput(f"{path}: a symbolic link to nothing ({os.readlink(path)})") from None
        return None
    except OSError as e:
        why = "a symbolic link loop" if e.errno == errno.ELOOP else e.strerror
        raise BadInput(f"{path}: {why}") from None


def resolve(path):
    """The results file a PATH names: a run directory holds results.json
    (or results.csv)."""
    if path == "":
        raise BadInput("an empty path")
    st = _stat(path)
    if st is None:
        raise BadInput(f"{path}: no such file or directory")
    if stat.S_ISDIR(st.st_mode):
        for name in ("results.json", "results.csv"):
            p = os.path.join(path, name)
            sp = _stat(p)
            if sp is None:
                continue
            if not stat.S_ISREG(sp.st_mode):
                raise BadInput(f"{p}: {_kind(sp)}, not a results file")
            return p
        raise BadInput(f"{path}: a directory without results.json or results.csv")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{path}: {_kind(st)}, not a results file")
    return path


def read_text(f):
    """The file's text: UTF-8, a byte-order mark dropped (spreadsheets
    write one), an empty file refused."""
    try:
        with open(f, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise BadInput(f"{f}: {e.strerror}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"{f}: not UTF-8 text (byte {e.start})") from None
    if "\x00" in text:
        raise BadInput(f"{f}: holds a NUL byte at character {text.index(chr(0))}: not a text file")
    if not text.strip():
        raise BadInput(f"{f}: the file is empty")
    return text


def load(path):
    f = resolve(path)
    text = read_text(f)
    if text.lstrip()[:1] in "{[":
        run = _load_json(f, text)
    else:
        run = _load_csv(f, text)
    if not run.benchmarks:
        raise BadInput(f"{f}: no benchmark records (an empty run)")
    return run


def _load_json(f, text):
    doc = schema.parse_json(f, text)
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{f}: JSON without a \"benchmarks\" list: not Google Benchmark output")
    ctx = doc.get("context", {})
    schema.context(f, ctx)
    counters = {c["name"]: c for c in ctx.get("counters") or []}
    for i, r in enumerate(doc["benchmarks"]):
        schema.record(f, i, r, counters)
    out, complexity = {}, []
    for r in doc["benchmarks"]:
        _add_record(out, complexity, r, f)
    for b in out.values():
        _fall_back_on_disturbed(b)
    return Run(f, ctx, out, complexity)


def _fall_back_on_disturbed(b):
    """A benchmark left with fewer undisturbed repetitions than an interval
    needs (the disturbance never stopped) takes its disturbed ones back
    into its figures, and says so (used_disturbed)."""
    if b.disturbed_records and len(b.real_ns) < interval.MIN_REPS:
        for r in b.disturbed_records:
            _take(b, r, use_disturbed=True)
        b.used_disturbed = len(b.disturbed_records)


def _header_at(text):
    """(line number, character offset) of the CSV header: Google Benchmark
    1.7 writes its context (Run on..., CPU Caches:, Load Average:) before
    it into --benchmark_out files. The header is the first line that
    starts with name, and has every column Google Benchmark always writes.
    Lines split at \n only: a name may hold any other line break."""
    at = 0
    for i, ln in enumerate(text.split("\n", 200)[:200]):
        cols = ln.rstrip("\r").split(",")
        if ln.startswith("name,") and all(c in cols for c in CSV_REQUIRED):
            return i, at
        at += len(ln) + 1
    return None, None


def our_registry():
    """Our workload and reference engine names, from the registry of the
    switchbench built beside these scripts (`--describe`); none when there
    is no build, and a CSV is then read as any Google Benchmark file."""
    none = {"workloads": set(), "references": set()}
    if not os.access(OUR_BINARY, os.X_OK):
        return none
    try:
        doc = registry.describe(OUR_BINARY)
    except (BadInput, OSError):
        return none
    return {"workloads": {w["name"] for w in doc["workloads"]},
            "references": {e["name"] for e in doc["engines"] if e.get("reference")}}


def _load_csv(f, text):
    line, at = _header_at(text)
    if at is None:
        first = text.split("\n", 1)[0].rstrip("\r")
        head = first.split(",")
        if "name" not in head:
            raise BadInput(f"{f}: no Google Benchmark CSV header (a line starting name,iterations,real_time,"
                           "cpu_time,time_unit) in its first 200 lines")
        missing = [c for c in CSV_REQUIRED if c not in head]
        raise BadInput(f"{f}: the CSV header lacks {', '.join(missing)}")
    rows = csv.DictReader(io.StringIO(text[at:], newline=""))
    out, complexity, records = {}, [], []
    n = line + 1
    try:
        head = rows.fieldnames
        for row in rows:
            n = line + rows.line_num
            if None in row or any(row.get(c) is None for c in CSV_REQUIRED):
                raise BadInput(f"{f}: line {n} has {len([v for v in row.values() if v is not None])} fields; "
                               f"the header has {len(head)}")
            records.append(_csv_record(f, n, row))
    except csv.Error as e:
        raise BadInput(f"{f}: line {line + rows.line_num + 1}: not CSV Google Benchmark writes ({e})") from None
    for r in records:
        _add_record(out, complexity, r, f)
    return Run(f, {}, out, complexity, our_registry())


def _csv_record(f, n, row):
    """A CSV row as the JSON record it stands for, checked by the same
    schema (line number in the message)."""
    name = row["name"]
    r = {"name": name, "time_unit": row.get("time_unit") or "ns", "label": row.get("label") or ""}
    agg = name.rsplit("_", 1)[-1] if "_" in name else ""
    if (row.get("error_occurred") or "").lower() == "true":
        r["error_occurred"] = True
        r["error_message"] = row.get("error_message") or "error"
    elif (row.get("skipped") or "").lower() == "true" or (row.get("error_occurred") or "").lower() == "false" \
            and row.get("error_message"):
        # Our CSV marks a skipped record as error_occurred=false with
        # the reason (harness/records/report_csv.c).
        r["skipped"] = True
        r["skip_message"] = row.get("error_message") or row.get("skip_message") or "skipped"
    elif agg in ("BigO", "RMS"):
        # ->Complexity() rows: no iterations; BigO's times are the
        # coefficients, RMS's a fraction.
        r.update(run_type="aggregate", aggregate_name=agg, run_name=name[: -len(agg) - 1])
        for c in ("real_time", "cpu_time"):
            r[c] = _csv_number(f, n, name, c, row[c])
        if agg == "BigO":
            r["big_o"] = row.get("time_unit") or ""
            r["time_unit"] = "ns"
    else:
        for c in ("iterations", "real_time", "cpu_time"):
            r[c] = _csv_number(f, n, name, c, row[c])
        for c, v in row.items():
            if c in CSV_REQUIRED or c in NOT_COUNTERS or not v:
                continue
            try:
                r[c] = float(v)
            except ValueError:
                pass
    schema.record(f"{f}: line {n}", n, r)
    return r


def _csv_number(f, n, name, col, v):
    try:
        return float(v)
    except ValueError:
        raise BadInput(f"{f}: line {n}: {name}: {col} is not a number: {v[:60]!r}") from None


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


def _add_record(out, complexity, r, f):
    base, agg = _split_aggregate(r)
    if agg in ("BigO", "RMS"):
        _complexity(complexity, base, agg, r)
        return
    b = out.get(base)
    if b is None:
        b = out[base] = Benchmark(base)
    if b.workload is None and isinstance(r.get("workload"), str) and isinstance(r.get("engine"), str) \
            and isinstance(r.get("params"), dict):
        b.engine, b.workload, b.params = r["engine"], r["workload"], dict(r["params"])
        b.workers = r.get("workers")
        b.placement_chosen = r.get("placement") if r.get("placement_natural") is False else None
        b.typed_placement = "placement_natural" in r
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
            _take(b, r)
            b.from_aggregate = True
        return
    if b.from_aggregate:
        b.real_ns, b.cpu_ns, b.counters, b.from_aggregate = [], [], {}, False
    _take(b, r)


def _complexity(complexity, family, agg, r):
    """A ->Complexity() row, kept as Google Benchmark's console shows it:
    BigO gives the fitted order and its coefficients (in the time unit),
    RMS the fit's error."""
    row = next((c for c in complexity if c["family"] == family), None)
    if row is None:
        row = {"family": family, "big_o": "", "real": None, "cpu": None, "unit": "", "rms": None}
        complexity.append(row)
    if agg == "BigO":
        row["big_o"] = r.get("big_o") or ""
        row["real"] = r.get("real_coefficient", r.get("real_time"))
        row["cpu"] = r.get("cpu_coefficient", r.get("cpu_time"))
        row["unit"] = r.get("time_unit", "ns")
    else:
        row["rms"] = r.get("rms", r.get("real_time"))


def _take(b, r, use_disturbed=False):
    if isinstance(r.get("machine"), dict) and not use_disturbed:
        b.machine.append(r["machine"])
    if r.get("disturbed") and not use_disturbed:
        # Stopped and continued, or other processes on its CPUs: named in
        # the warnings, left out of every figure (unless too few are left:
        # _fall_back_on_disturbed).
        b.disturbed.append(r["disturbed"])
        b.disturbed_records.append(r)
        return
    k = UNITS[r.get("time_unit", "ns")]
    b.real_ns.append(float(r["real_time"]) * k)
    b.cpu_ns.append(float(r.get("cpu_time", 0.0)) * k)
    b.label = r.get("label") or b.label
    b.placement = r.get("placement") or b.placement
    b.cpus_used = r.get("cpus_used") or b.cpus_used
    for key, v in r.items():
        if key in NOT_COUNTERS or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        b.counters.setdefault(key, []).append(float(v))
