"""What a counter is: its unit, its kind and which way is better, read from
the run's own registry (context.counters, which switchbench writes from
harness/records/counter_list.h). A file without one (another Google Benchmark
binary, a CSV) knows only Google Benchmark's two rate counters; any other
counter is then of unknown unit and direction, and is shown as a bare
number, never guessed from its name."""

# Google Benchmark's rate counters (SetBytesProcessed, SetItemsProcessed)
# and the units its console gives them.
GOOGLE_BENCHMARK = {
    "bytes_per_second": {"name": "bytes_per_second", "unit": "B/s", "kind": "rate", "better": "higher",
                         "meaning": "bytes processed per second"},
    "items_per_second": {"name": "items_per_second", "unit": "/s", "kind": "rate", "better": "higher",
                         "meaning": "items processed per second"},
}
BETTER = ("higher", "lower")


def registry(run):
    """name -> {name, unit, kind, better, meaning} for a run."""
    lines = run.context.get("counters") or []
    got = {c["name"]: c for c in lines}
    return got or dict(GOOGLE_BENCHMARK)


def unit(reg, key):
    """The unit of a counter, "" when the registry does not know it."""
    return (reg.get(key) or {}).get("unit", "")


def better(reg, key):
    """"higher", "lower", or None (a setting, a tally, or unknown)."""
    b = (reg.get(key) or {}).get("better")
    return b if b in BETTER else None
