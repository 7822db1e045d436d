"""What a results file may hold, checked whole before anything is drawn or
written: one schema for Google Benchmark's JSON (records and the context
keys the report reads), one for its CSV rows, one for an instruction
baseline. A value of the wrong type, a time that is not a positive finite
number, a counter that is NaN: BadInput naming the file, the benchmark and
the field, so the subcommand exits 2 with one line and nothing written.
Keys nobody reads are left alone (Google Benchmark adds some per version)."""

import json
import math

from . import entry

BadInput = entry.BadInput

# Context keys the report and the CI scripts read, and the types they may
# have (Google Benchmark's and switchbench's; the rest pass unread).
_STR, _INT, _NUM, _BOOL, _LIST, _DICT = (str,), (int,), (int, float), (bool,), (list,), (dict,)
CONTEXT = {
    "date": _STR, "host_name": _STR, "executable": _STR, "num_cpus": _INT, "mhz_per_cpu": _NUM,
    "cpu_scaling_enabled": _BOOL, "load_avg": _LIST, "library_version": _STR, "library_build_type": _STR,
    "switchbench_version": _STR, "kernel": _STR, "compiler": _STR, "compiler_flags": _STR, "topology": _STR,
    "cpu_model": _STR, "virtualization": _STR, "clocksource": _STR, "timer": _STR, "stack_size": _INT,
    "stack_guard": _STR, "fpu_contract": _DICT, "switch_contract": _DICT, "engines": _DICT, "placement": _STR,
    "cpus": _STR, "repetitions": _INT, "min_time": _NUM, "timeout": _NUM, "limits": _DICT,
    "architecture": _STR, "source_commit": _STR, "source_dirty": (bool, int), "layout": _STR, "layout_seed": _INT,
    "order": _STR, "order_seed": _INT, "counters": _LIST, "disturbance_bound": _NUM, "precision_target": _NUM,
    "precision_budget_s": _NUM,
}
# A line of the counter registry (context.counters): every field a string.
COUNTER_FIELDS = ("name", "unit", "kind", "better", "meaning")
# Record keys and their types; real_time and cpu_time are checked apart.
RECORD = {
    "name": _STR, "run_name": _STR, "run_type": _STR, "repetitions": _INT, "repetition_index": _INT,
    "threads": _INT, "iterations": _NUM, "time_unit": _STR, "label": _STR, "error_occurred": _BOOL,
    "error_message": _STR, "skipped": (bool, int), "skip_message": _STR, "aggregate_name": _STR,
    "aggregate_unit": _STR, "placement": _STR, "cpus_used": _STR, "big_o": _STR, "family_index": _INT,
    "per_family_instance_index": _INT, "disturbed": _STR, "layout_offset": _INT, "stack_page_offset": _INT,
    "engine": _STR, "workload": _STR, "params": _DICT, "workers": _INT, "placement_natural": _BOOL,
    "machine": _DICT, "sampling": _DICT,
}
UNITS = ("ns", "us", "ms", "s")
_NS_PER = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
# The JSON layout versions this reader knows (Google Benchmark writes 1).
SCHEMA_VERSIONS = (1,)
# Registered counters that cannot be negative: every kind but a ratio.
_NOT_NEGATIVE = ("rate", "latency", "time", "size", "count")
# A latency lies within its repetition's wall time (real_time x
# iterations); this much slack covers the clocks' start (the load
# generator's loop and the run's clock start a control line apart).
LATENCY_SLACK_US = 1e6
# Python's float reaches 1.8e308; a longer integer literal is refused as
# a number out of range rather than parsed digit by digit (Python limits
# int parsing to 4300 digits and raises past it).
_MAX_DIGITS = 309


def _type_name(v):
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(v), "a number")


def _want(types):
    return " or ".join(sorted({{str: "a string", int: "an integer", float: "a number", bool: "true/false",
                                list: "a list", dict: "an object"}[t] for t in types}))


def check_type(v, types, where):
    ok = isinstance(v, types) and not (isinstance(v, bool) and bool not in types)
    if not ok:
        raise BadInput(f"{where} is {_type_name(v)}, not {_want(types)}: {_short(v)}")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        finite(v, where)


def finite(v, where):
    try:
        f = float(v)
    except OverflowError:
        raise BadInput(f"{where} is out of range (an integer of {len(str(abs(v)))} digits)") from None
    if not math.isfinite(f):
        raise BadInput(f"{where} is {_short(v)}: not a finite number")
    return f


def _short(v):
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _int_literal(s):
    if len(s.lstrip("-")) > _MAX_DIGITS:
        return math.inf if not s.startswith("-") else -math.inf
    return int(s)


def parse_json(f, text):
    """json.loads, with every way it can fail named in one line: a number
    past float's range becomes inf (then refused with its field), NaN and
    Infinity parse (then refused with their field), nesting past the
    parser's depth is said to be that."""
    try:
        return json.loads(text, parse_int=_int_literal)
    except json.JSONDecodeError as e:
        raise BadInput(f"{f}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
                       "a truncated or unfinished file?") from None
    except RecursionError:
        raise BadInput(f"{f}: JSON nested too deeply to be a results file") from None
    except ValueError as e:
        raise BadInput(f"{f}: not valid JSON ({e})") from None


def context(f, ctx):
    if not isinstance(ctx, dict):
        raise BadInput(f"{f}: context is {_type_name(ctx)}, not an object")
    if "json_schema_version" in ctx and (isinstance(ctx["json_schema_version"], bool)
                                         or ctx["json_schema_version"] not in SCHEMA_VERSIONS):
        raise BadInput(f"{f}: context.json_schema_version is {_short(ctx['json_schema_version'])}: this "
                       f"reader knows version {', '.join(map(str, SCHEMA_VERSIONS))} (Google Benchmark's)")
    for k, types in CONTEXT.items():
        if k in ctx and ctx[k] is not None:
            check_type(ctx[k], types, f"{f}: context.{k}")
    for k in ("fpu_contract", "switch_contract", "limits"):
        for kk, v in (ctx.get(k) or {}).items():
            check_type(v, (str, int, float, bool), f"{f}: context.{k}.{kk}")
    for i, v in enumerate(ctx.get("load_avg") or []):
        check_type(v, _NUM, f"{f}: context.load_avg[{i}]")
    for e, v in (ctx.get("engines_left_out") or {}).items():
        check_type(v, _DICT, f"{f}: context.engines_left_out.{e}")
        for kk in ("why", "command"):
            if kk in v:
                check_type(v[kk], _STR, f"{f}: context.engines_left_out.{e}.{kk}")
    for i, c in enumerate(ctx.get("counters") or []):
        check_type(c, _DICT, f"{f}: context.counters[{i}]")
        for kk in COUNTER_FIELDS:
            check_type(c.get(kk), _STR, f"{f}: context.counters[{i}].{kk}")
    for e, v in (ctx.get("engines") or {}).items():
        check_type(v, _DICT, f"{f}: context.engines.{e}")
        if "kind" in v:
            check_type(v["kind"], _STR, f"{f}: context.engines.{e}.kind")


def record(f, i, r, counters=None):
    """One record of Google Benchmark's JSON (or a CSV row made into one).
    counters: the run's counter registry (name -> line), when it has one:
    a registered counter must then be a number of its kind's range."""
    if not isinstance(r, dict):
        raise BadInput(f"{f}: benchmark record {i} is {_type_name(r)}, not an object")
    name = r.get("name")
    if not isinstance(name, str) or not name:
        raise BadInput(f"{f}: benchmark record {i} has no name")
    where = f"{f}: {name}"
    for k, types in RECORD.items():
        if k in r and r[k] is not None:
            check_type(r[k], types, f"{where}: {k}")
    for k, v in (r.get("params") or {}).items():
        check_type(v, _NUM, f"{where}: params.{k}")
    # What else the machine did (switchbench): every figure a number.
    for k, v in (r.get("machine") or {}).items():
        check_type(v, _NUM, f"{where}: machine.{k}")
    for k, v in (r.get("sampling") or {}).items():
        if v is not None:
            check_type(v, _NUM + (bool,), f"{where}: sampling.{k}")
    if r.get("time_unit", "ns") not in UNITS:
        raise BadInput(f"{where}: unknown time_unit {r['time_unit']!r} (Google Benchmark writes "
                       f"{', '.join(UNITS)})")
    failed = r.get("error_occurred") or r.get("skipped")
    complexity = r.get("aggregate_name") in ("BigO", "RMS")
    for k, v in r.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            finite(v, f"{where}: {k}")
    if failed or complexity or r.get("aggregate_unit") == "percentage":
        return
    if "iterations" in r and r["iterations"] is not None and r["iterations"] < 0:
        raise BadInput(f"{where}: iterations is {r['iterations']!r}: a count cannot be negative")
    for k in ("real_time", "cpu_time"):
        if k not in r and k == "cpu_time":
            continue
        v = r.get(k)
        check_type(v, _NUM, f"{where}: {k}")
        agg = r.get("aggregate_name") or (name.rsplit("_", 1)[-1] if "_" in name else None)
        if v < 0 or (k == "real_time" and v == 0 and agg not in ("stddev", "cv")):
            raise BadInput(f"{where}: {k} is {v!r}: a time must be positive")
    _counters(where, r, counters or {})


def _counters(where, r, counters):
    """Registered counters: numbers, never negative where their kind cannot
    be, and a latency within its repetition's wall time (iteration records:
    an aggregate's figures are summaries of several)."""
    wall_us = None
    if r.get("run_type") != "aggregate" and isinstance(r.get("iterations"), (int, float)):
        wall_us = r["real_time"] * r["iterations"] * _NS_PER[r.get("time_unit", "ns")] / 1e3
    for k, line in counters.items():
        if k not in r or k in RECORD or k in ("real_time", "cpu_time"):
            continue
        v = r[k]
        check_type(v, _NUM, f"{where}: {k} (a registered counter)")
        kind = line.get("kind")
        if kind in _NOT_NEGATIVE and v < 0:
            raise BadInput(f"{where}: {k} is {v!r}: a {kind} cannot be negative")
        if kind == "latency" and wall_us is not None and line.get("unit") == "us" \
                and v > wall_us + LATENCY_SLACK_US:
            raise BadInput(f"{where}: {k} is {v!r} us, longer than its repetition "
                           f"({wall_us:.6g} us: real_time x iterations)")


def instruction_file(f, doc):
    """A file of ./bench regress --write-baseline."""
    if not isinstance(doc, dict) or doc.get("metric") != "instructions" or not isinstance(doc.get("benchmarks"),
                                                                                          dict):
        raise BadInput(f"{f}: not an instruction baseline (write one with --write-baseline)")
    if not doc["benchmarks"]:
        raise BadInput(f"{f}: an instruction baseline with no benchmark")
    for k in ("count_class", "machine_class", "compiler", "compiler_flags", "commit", "date", "architecture"):
        if doc.get(k) is not None:
            check_type(doc[k], _STR, f"{f}: {k}")
    wl = doc.get("workloads")
    if wl is not None:
        check_type(wl, _DICT, f"{f}: workloads")
        for n, w in wl.items():
            check_type(w, _STR, f"{f}: workloads: {n}")
    for n, v in doc["benchmarks"].items():
        check_type(v, _NUM, f"{f}: {n}")
        if v <= 0:
            raise BadInput(f"{f}: {n}: {v!r} instructions per operation: a count must be positive")
