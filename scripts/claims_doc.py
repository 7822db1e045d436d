#!/usr/bin/python3
"""scripts/claims_doc.py [--check]: docs/claims.md from the claims registry
(scripts/sbreport/claims/), so that the page never says other than the
rules do. --check: exit 1, naming the difference, when the page is stale
(a test runs it); without it the page is written whole (a temporary file,
then a rename)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PAGE = os.path.join(ROOT, "docs", "claims.md")
sys.path.insert(0, HERE)

from sbreport import claims  # noqa: E402

INTRO = "# What switchbench puts to the test\n\nTutorials on coroutines — Python generators driven by `yield`, greenlet, gevent — repeat a handful\nof statements about cost and scaling as if they were settled. switchbench turns each into a\nmeasurement on the machine at hand. Every report lists the statements below with the figures that\nbear on them and one of five verdicts, all computed from the run, never written by hand:\n\n- **holds** — every comparison the rule makes comes out as the statement says;\n- **does not hold** — none does;\n- **holds only when …** — some do, and the verdict names which (engines, sizes, halves);\n- **inconclusive** — the 95 % interval of some median straddles the rule's threshold, or the run has\n  too few repetitions to give one; the verdict says which comparison is open and what would close it\n  (more repetitions, a quieter machine);\n- **not measured in this run** — the benchmarks the rule reads did not run.\n\nA median's interval comes from order statistics of the run's repetitions (six or more give 95 %);\na ratio's interval divides the ends crosswise. Each claim is a registered unit: a module of `scripts/sbreport/claims/` holds its words, the\nrecords its rule reads, its threshold and its rule as code, and one line of the registry\n(`claims/__init__.py`) adds it. This page is generated from the registry\n(`scripts/claims_doc.py`); a test checks it is current.\n\n"

OUTRO = 'The tutorials also quote figures of their own — gevent\'s three 2-second sleepers finishing in about\n2 s, "millions of switches per second", "tens of thousands of coroutines on one CPU" — which the\nreport sets beside the measured ones.\n'


def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def page():
    rows = ["| id | the claim | measured by | what the rule tests |", "|----|-----------|-------------|---------------------|"]
    for c in claims.REGISTRY:
        rows.append(f"| {c.id} | {cell(c.claim)} | {', '.join(f'`{w}`' for w in c.workloads)} | {cell(c.test)} |")
    return INTRO + "\n".join(rows) + "\n" + (("\n" + OUTRO) if OUTRO else "")


def main(argv):
    if argv not in ([], ["--check"]):
        print("usage: scripts/claims_doc.py [--check]", file=sys.stderr)
        return 2
    text = page()
    if argv == ["--check"]:
        with open(PAGE, encoding="utf-8") as f:
            old = f.read()
        if old != text:
            print("docs/claims.md is not what the claims registry says: run scripts/claims_doc.py", file=sys.stderr)
            return 1
        return 0
    tmp = PAGE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, PAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
