#!/usr/bin/python3
"""named_packages.py BINARY [SWITCHBENCH OPTIONS...]: the Debian packages
./bench installs before a run, one a line: those of the engines the options
name by name (not "all", not the default) that this build lacks. The
binary's own parser reads the options (switchbench --describe), so an
abbreviation such as --engi=ref-greenlet counts as it does for the run.
Prints nothing when the options ask for help, a version or a list, or are
bad: the run itself then says so. Exit 0."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sbreport import registry  # noqa: E402
from sbreport.entry import BadInput  # noqa: E402


def main(argv):
    if not argv:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    try:
        doc = registry.describe(argv[0], *argv[1:])
    except BadInput:
        return 0
    sel = doc.get("selected") or {}
    if not sel.get("engines_named"):
        return 0
    named = set(sel.get("engines") or [])
    for e in doc["engines"]:
        if e["name"] in named and not e.get("available") and isinstance(e.get("package"), str):
            print(e["package"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
