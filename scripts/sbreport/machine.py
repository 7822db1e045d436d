"""A result's machine class: CPU model and core count. Times and
instruction counts compare only within one class (scripts/regress.py,
history files are kept per class)."""

import os
import re


def of_context(ctx):
    """The class a results file says it ran on, or None when it does not say
    (Google Benchmark's own context has no CPU model)."""
    model = ctx.get("cpu_model")
    n = ctx.get("num_cpus")
    if not model or not n:
        return None
    return f"{model} x{n}"


def here():
    """This machine's class, read the way hwloc reads it on Linux."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} x{os.cpu_count()}"


def slug(cls):
    """A file name for a class: 'AMD EPYC x2' -> 'amd-epyc-x2'."""
    return re.sub(r"[^a-z0-9]+", "-", cls.lower()).strip("-") or "unknown"
