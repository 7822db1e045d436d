"""A result's machine class: CPU model and core count. Times and
instruction counts compare only within one class (scripts/regress.py,
history files are kept per class)."""

import hashlib
import os
import re


def of_context(ctx):
    """The class a results file says it ran on, or None when it does not say
    (Google Benchmark's own context has no CPU model)."""
    model = (ctx.get("cpu_model") or "").strip()
    n = ctx.get("num_cpus")
    if not model or not n:
        return None
    return f"{model} x{n}"


def count_class(ctx):
    """What instruction counts depend on: the architecture and the
    compiler. Not the CPU model: callgrind counted the same 12 figures,
    within 0.03 instructions per operation, on two hosts of this VM kind
    whose CPUs call themselves 'AMD EPYC' and 'Oxide Virtual Turin-like
    Processor'. None when the file does not say."""
    arch, cc = ctx.get("architecture"), ctx.get("compiler")
    if not arch or not cc:
        return None
    return f"{arch} gcc {cc}"


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


# A class's file name stays within this many characters: a CPU model is
# whatever the machine (or a file) says, and a name past the file
# system's 255 bytes cannot be written at all.
SLUG_MAX = 80


def slug(cls):
    """A file name for a class: 'AMD EPYC x2' -> 'amd-epyc-x2'; a long one
    keeps its start and ends in a hash of the whole, so that two classes
    that differ only past the cut stay apart."""
    s = re.sub(r"[^a-z0-9]+", "-", cls.lower()).strip("-") or "unknown"
    if len(s) <= SLUG_MAX:
        return s
    return s[:SLUG_MAX - 13].rstrip("-") + "-" + hashlib.sha256(cls.encode("utf-8", "replace")).hexdigest()[:12]
