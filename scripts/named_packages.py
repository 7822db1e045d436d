#!/usr/bin/python3
"""named_packages.py BINARY [SWITCHBENCH OPTIONS...]
named_packages.py --all BINARY

The Debian packages of reference engines that the build BINARY lacks, one
a line, read from the engine registry (switchbench --describe), so that no
script keeps a list of its own:
- with options: what ./bench installs before that run. The engines the
  options name by name; a run that names none (the default, or --engine
  absent) gets the engines marked in_default_run. Nothing under
  --engine=all, nor when the options ask for help, a version or a list,
  or are bad: the run itself then says so. The binary's own parser reads
  the options, so an abbreviation such as --engi=ref-greenlet counts as it
  does for the run.
- --all: every engine's missing package (what the test command installs).
Exit 0; 2 on bad usage."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sbreport import registry  # noqa: E402
from sbreport.entry import BadInput  # noqa: E402


def missing(doc, wanted):
    """The packages of the unavailable engines that wanted(engine) picks,
    each once, in registry order."""
    out = []
    for e in doc["engines"]:
        p = e.get("package")
        if wanted(e) and not e.get("available") and isinstance(p, str) and p not in out:
            out.append(p)
    return out


def for_run(binary, options):
    try:
        doc = registry.describe(binary, *options)
    except BadInput:
        return []
    sel = doc.get("selected") or {}
    if not sel.get("runs", True):
        return []
    if sel.get("engines_named"):
        named = set(sel.get("engines") or [])
        return missing(doc, lambda e: e["name"] in named)
    if sel.get("engines_given"):
        return []  # --engine=all: what is built runs, each missing one left out with its line
    return missing(doc, lambda e: e.get("in_default_run"))


def main(argv):
    if not argv or (argv[0] == "--all" and len(argv) != 2):
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    if argv[0] == "--all":
        try:
            pkgs = missing(registry.describe(argv[1]), lambda e: True)
        except BadInput as e:
            print(f"named_packages.py: {e}", file=sys.stderr)
            return 2
    else:
        pkgs = for_run(argv[0], argv[1:])
    for p in pkgs:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
