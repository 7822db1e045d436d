#!/usr/bin/python3
"""What each tree of scripts/test ran, skipped and left out, and the sum.

  test_summary.py tree NAME BUILD JUNIT STATE [--reference BUILD] [--exclude REGEX]
      one line of counts for the tree (from CTest's JUnit file), a line per
      reason tests were skipped, a line per group of tests the tree leaves
      out by design (registered in the reference tree, not in this one, or
      filtered with ctest -E), each with why; the counts are appended to
      STATE (JSON lines) for the total.
  test_summary.py total STATE
      the trees added up.

No silent shrinking: a test that does not run in a tree is counted and
said, with its reason, here rather than in a source comment."""

import collections
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# Why a group of tests is not in a tree that leaves it out (by the first
# part of its name).
WHY = {
    "valgrind": "Valgrind cannot run a sanitized binary (ASan holds the shadow memory); the Release tree runs them",
    "report": "they read scripts and results files, which a build's flags do not change; the Release tree runs them",
    "regress": "they build and time revisions through ./bench; the Release tree runs them",
    "untrusted": "they feed the scripts hostile files, whatever the build; the Release tree runs them",
    "lint": "the sources are the same in every tree; the Release tree lints them",
    "registry": "they read the registry through the scripts; the Release tree runs them",
    "cluster": "they drive build/switchbench through Slurm; the Release tree runs them",
}


def names(build):
    """The tests a tree registers (ctest -N). ctest -N rewrites the tree's
    Testing/Temporary/LastTest.log, which holds the output of the run just
    made: it is kept aside and put back."""
    log = os.path.join(build, "Testing", "Temporary", "LastTest.log")
    kept = None
    if os.path.exists(log):
        with open(log, "rb") as f:
            kept = f.read()
    try:
        p = subprocess.run(["ctest", "-N"], cwd=build, capture_output=True, text=True)
    finally:
        if kept is not None:
            with open(log, "wb") as f:
                f.write(kept)
    return [m.group(1) for m in re.finditer(r"Test\s+#\d+: (\S+)", p.stdout)]


def group(name):
    return name.split("/", 1)[0]


def skip_reason(tc):
    """Why a test skipped, in its own words: its "skipped: WHY" line (or
    "skip NAME: WHY", test_conformance's), else the last line it printed,
    else CTest's note (SKIP_RETURN_CODE=77 says only how it exited)."""
    out = tc.findtext("system-out") or ""
    m = re.search(r"^skip(?:ped)?\b[^:\n]*: (.+)$", out, re.M) or re.search(r"reason: (.+)", out)
    if m:
        return m.group(1).strip()
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    if lines:
        return lines[-1]
    sk = tc.find("skipped")
    return sk.get("message") if sk is not None and sk.get("message") else "not run, and it said nothing"


def junit(path):
    """(passed, [failed names], [(name, reason) skipped]) from CTest's JUnit file."""
    passed, failed, skipped = 0, [], []
    if not os.path.exists(path):
        return None
    for tc in ET.parse(path).getroot().iter("testcase"):
        status = tc.get("status", "")
        if tc.find("skipped") is not None or status == "notrun":
            skipped.append((tc.get("name"), skip_reason(tc)))
        elif tc.find("failure") is not None or status == "fail":
            failed.append(tc.get("name"))
        else:
            passed += 1
    return passed, failed, skipped


def tree(argv):
    name, build, junit_file, state = argv[:4]
    rest = argv[4:]
    ref = rest[rest.index("--reference") + 1] if "--reference" in rest else None
    exclude = rest[rest.index("--exclude") + 1] if "--exclude" in rest else None
    got = junit(junit_file)
    if got is None:
        print(f"== {name}: no CTest results ({junit_file} is missing)")
        return 0
    passed, failed_names, skipped = got
    failed = len(failed_names)
    mine = names(build)
    left = collections.Counter()
    if ref and os.path.abspath(ref) != os.path.abspath(build):
        present = set(mine)
        for n in names(ref):
            if n not in present:
                left[group(n)] += 1
    if exclude:
        for n in mine:
            if re.search(exclude, n):
                left[group(n)] += 1
    ran = passed + failed
    print(f"== {name}: {ran + len(skipped)} tests: {passed} passed, {failed} failed, {len(skipped)} skipped; "
          f"{sum(left.values())} left out by design")
    for n in failed_names:
        print(f"   FAILED: {n}")
    if failed_names:
        print(f"   (their output: {os.path.join(build, 'Testing', 'Temporary', 'LastTest.log')}, "
              "and above)")
    reasons = collections.Counter(why for _, why in skipped)
    for why, k in reasons.most_common():
        example = next(n for n, w in skipped if w == why)
        print(f"   skipped ({k}): {why} (e.g. {example})")
    for g, k in sorted(left.items()):
        print(f"   left out: {g}/* ({k}): {WHY.get(g, 'not registered in this tree')}")
    with open(state, "a", encoding="utf-8") as f:
        f.write(json.dumps({"tree": name, "passed": passed, "failed": failed, "failed_names": failed_names,
                            "skipped": len(skipped),
                            "reasons": dict(reasons), "left_out": dict(left)}) + "\n")
    return 0


def total(argv):
    rows = []
    if os.path.exists(argv[0]):
        with open(argv[0], encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    if not rows:
        print("== scripts/test: no tree reported its results")
        return 0
    t = {k: sum(r[k] for r in rows) for k in ("passed", "failed", "skipped")}
    left = sum(sum(r["left_out"].values()) for r in rows)
    reasons = collections.Counter()
    for r in rows:
        reasons.update(r["reasons"])
    print(f"== scripts/test, {len(rows)} trees ({', '.join(r['tree'] for r in rows)}): "
          f"{t['passed'] + t['failed'] + t['skipped']} tests, {t['passed']} passed, {t['failed']} failed, "
          f"{t['skipped']} skipped, {left} left out by design")
    for r in rows:
        for n in r.get("failed_names", []):
            print(f"   FAILED in the {r['tree']}: {n}")
    for why, k in reasons.most_common():
        print(f"   skipped ({k}): {why}")
    return 0


def main(argv):
    if argv and argv[0] == "tree" and len(argv) >= 5:
        return tree(argv[1:])
    if argv and argv[0] == "total" and len(argv) == 2:
        return total(argv[1:])
    print("usage: test_summary.py tree NAME BUILD JUNIT STATE [--reference BUILD] [--exclude REGEX] | "
          "total STATE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
