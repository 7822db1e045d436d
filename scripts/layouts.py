#!/usr/bin/python3
"""./scripts/layouts.py [--runs N] [--visits V] [--aslr=off] [--seed S] [--binary PATH] [-- OPTIONS...]

How much each benchmark's figure moves with the process's initial layout
alone: runs switchbench N times (default 16), each time exec'd afresh with
an environment variable of a random length (0-8191 bytes) and with
--layout=fixed, so that nothing but where argv, envp and the stack start
differs from run to run (Mytkowicz et al., ASPLOS 2009, moved figures by
environment size alone). Prints, per benchmark, the median over the runs,
the lowest and highest, and the spread (highest / lowest - 1), which is
what issue 22 asks to keep within 5 %.

A spread across layouts is only the layout's doing if one layout, run
again later, gives its figure again. --visits V (2 or more) runs each
layout V times, all visits in one shuffled order, and adds a one-way
analysis of variance on the logarithms: the spread of the layouts' means
(between, as a standard deviation in %), that of visits to one layout
(within), their ratio F, and its p from 2,000 permutations of the visits
among the layouts. F near 1 with a large p: time moved the figure, not
the layout. --aslr=off runs each
process under `setarch -R`, so that only the environment's size moves
the stack and code, heap and libraries sit where they sat last time.

Default selection: switch, bare and pingpong of each of our engines, three
repetitions of at least 0.1 s each, whose median is the run's figure (one
layout per run, so the spread is across layouts, not a noisy repetition). Runs one at a time; nothing else should
run beside it. Exit 0, 1 when a run failed, 2 on bad usage."""

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = ["--engine=threads,processes,ucontext,asm,asm-sharedfpu,stackless", "--workload=switch,bare,pingpong",
           "--min-time=0.1", "--repetitions=3", "--cpus=0"]


def one_run(binary, options, pad, aslr):
    env = dict(os.environ, SB_LAYOUT_PAD="x" * pad)
    prefix = [] if aslr else ["setarch", "-R"]
    p = subprocess.run([*prefix, binary, *options, "--layout=fixed", "--results-dir=", "--format=json"], env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}: {p.stderr.strip()[-300:]}")
    rows = [b for b in json.loads(p.stdout)["benchmarks"] if b.get("run_type") == "iteration"]
    out = {}
    for b in rows:
        if not b.get("error_occurred") and not b.get("skipped"):
            out.setdefault(b["name"], []).append(b["real_time"])
    # The median of the run's repetitions (all under its one layout), so
    # that a single disturbed repetition is not taken for the layout.
    return {n: statistics.median(ts) for n, ts in out.items()}


class Parser(argparse.ArgumentParser):
    """Bad usage is one line and exit 2, as in the other scripts."""

    def error(self, message):
        print(f"layouts.py: {message} (see scripts/layouts.py --help)", file=sys.stderr)
        sys.exit(2)


def anova(groups):
    """F of one-way ANOVA on equal-sized groups, and the between and within
    standard deviations of a single visit's logarithm."""
    k, m = len(groups), len(groups[0])
    means = [statistics.mean(g) for g in groups]
    grand = statistics.mean(means)
    msb = m * sum((x - grand) ** 2 for x in means) / (k - 1)
    msw = sum(sum((x - mu) ** 2 for x in g) for g, mu in zip(groups, means)) / (k * (m - 1))
    return (msb / msw if msw > 0 else math.inf), math.sqrt(msb / m), math.sqrt(msw)


def layout_effect(per, rng, rounds=2000):
    """(between %, within %, F, p): p is the share of random reassignments
    of the visits to layouts whose F reaches the measured one."""
    groups = [[math.log(x) for x in v] for v in per.values()]
    m = min(len(g) for g in groups)
    groups = [g[:m] for g in groups]
    f, between, within = anova(groups)
    pool = [x for g in groups for x in g]
    hits = 0
    for _ in range(rounds):
        rng.shuffle(pool)
        if anova([pool[i * m:(i + 1) * m] for i in range(len(groups))])[0] >= f:
            hits += 1
    return 100 * between, 100 * within, f, (hits + 1) / (rounds + 1)


def main(argv):
    ap = Parser(prog="layouts.py", description=__doc__.split("\n\n")[1])
    ap.add_argument("--runs", type=int, default=16, help="layouts to sample (default 16)")
    ap.add_argument("--visits", type=int, default=1, help="runs of each layout, shuffled (default 1)")
    ap.add_argument("--aslr", choices=("on", "off"), default="on",
                    help="off: each run under setarch -R (default on)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the pad lengths (default: drawn, printed)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "switchbench"))
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    ap.add_argument("options", nargs="*", help="switchbench options after -- (default: %(default)s)")
    a = ap.parse_args(argv)
    if a.runs < 2:
        ap.error("--runs must be 2 or more")
    if a.visits < 1:
        ap.error("--visits must be 1 or more")
    if not os.access(a.binary, os.X_OK):
        ap.error(f"--binary {a.binary}: not an executable file (build with ./bench --help first)")
    if a.aslr == "off" and not shutil.which("setarch"):
        ap.error("--aslr=off needs setarch (Debian util-linux)")
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(2 ** 32)
    rng = random.Random(seed)
    options = a.options or DEFAULT
    print(f"layouts.py: {a.runs} layouts x {a.visits} visit(s) of {' '.join(options)}, ASLR {a.aslr}, "
          f"pad seed {seed}", file=sys.stderr)
    pads = [rng.randrange(8192) for _ in range(a.runs)]
    order = [i for i in range(a.runs) for _ in range(a.visits)]
    rng.shuffle(order)
    # figures[name][layout] = the figure of each visit
    figures = {}
    for k, i in enumerate(order):
        try:
            got = one_run(a.binary, options, pads[i], a.aslr == "on")
        except (RuntimeError, ValueError, KeyError) as e:
            print(f"layouts.py: run {k + 1} (pad {pads[i]}): {e}", file=sys.stderr)
            return 1
        for n, t in got.items():
            figures.setdefault(n, {}).setdefault(i, []).append(t)
        print(f"[{k + 1}/{len(order)}] layout {i + 1}, pad {pads[i]} bytes", file=sys.stderr)
    same = f"  {'between':>8} {'within':>7} {'F':>5} {'p':>6}" if a.visits > 1 else ""
    print(f"{'benchmark':44} {'median':>9} {'lowest':>9} {'highest':>9} {'spread':>7}{same}")
    for n, per in figures.items():
        ts = [statistics.median(v) for v in per.values()]
        line = f"{n:44} {statistics.median(ts):9.3f} {min(ts):9.3f} {max(ts):9.3f} {max(ts) / min(ts) - 1:7.1%}"
        if a.visits > 1 and len(per) > 1:
            b, w, f, p = layout_effect(per, random.Random(seed))
            line += f"  {b:7.1f}% {w:6.1f}% {f:5.2f} {p:6.3f}"
        print(line)
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump({"seed": seed, "options": options, "aslr": a.aslr, "pads": pads,
                       "figures": {n: {str(i): v for i, v in per.items()} for n, per in figures.items()}}, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
