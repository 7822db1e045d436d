#!/usr/bin/python3
"""./scripts/layouts.py [--runs N] [--seed S] [--binary PATH] [-- SWITCHBENCH OPTIONS...]

How much each benchmark's figure moves with the process's initial layout
alone: runs switchbench N times (default 16), each time exec'd afresh with
an environment variable of a random length (0-8191 bytes) and with
--layout=fixed, so that nothing but where argv, envp and the stack start
differs from run to run (Mytkowicz et al., ASPLOS 2009, moved figures by
environment size alone). Prints, per benchmark, the median over the runs,
the lowest and highest, and the spread (highest / lowest - 1), which is
what issue 22 asks to keep within 5 %.

Default selection: switch, bare and pingpong of each of our engines, three
repetitions of at least 0.1 s each, whose median is the run's figure (one
layout per run, so the spread is across layouts, not a noisy repetition). Runs one at a time; nothing else should
run beside it. Exit 0, 1 when a run failed, 2 on bad usage."""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = ["--engine=threads,processes,ucontext,asm,asm-sharedfpu,stackless", "--workload=switch,bare,pingpong",
           "--min-time=0.1", "--repetitions=3", "--cpus=0"]


def one_run(binary, options, pad):
    env = dict(os.environ, SB_LAYOUT_PAD="x" * pad)
    p = subprocess.run([binary, *options, "--layout=fixed", "--results-dir=", "--format=json"], env=env,
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


def main(argv):
    ap = argparse.ArgumentParser(prog="layouts.py", description=__doc__.split("\n\n")[1])
    ap.add_argument("--runs", type=int, default=16, help="layouts to sample (default 16)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the pad lengths (default: drawn, printed)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "switchbench"))
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    ap.add_argument("options", nargs="*", help="switchbench options after -- (default: %(default)s)")
    a = ap.parse_args(argv)
    if a.runs < 2:
        ap.error("--runs must be 2 or more")
    if not os.access(a.binary, os.X_OK):
        ap.error(f"--binary {a.binary}: not an executable file (build with ./bench --help first)")
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(2 ** 32)
    rng = random.Random(seed)
    options = a.options or DEFAULT
    print(f"layouts.py: {a.runs} runs of {' '.join(options)}, pad seed {seed}", file=sys.stderr)
    figures = {}
    for i in range(a.runs):
        pad = rng.randrange(8192)
        try:
            got = one_run(a.binary, options, pad)
        except (RuntimeError, ValueError, KeyError) as e:
            print(f"layouts.py: run {i + 1} (pad {pad}): {e}", file=sys.stderr)
            return 1
        for n, t in got.items():
            figures.setdefault(n, []).append(t)
        print(f"[{i + 1}/{a.runs}] pad {pad} bytes", file=sys.stderr)
    print(f"{'benchmark':44} {'median':>9} {'lowest':>9} {'highest':>9} {'spread':>7}")
    for n, ts in figures.items():
        print(f"{n:44} {statistics.median(ts):9.3f} {min(ts):9.3f} {max(ts):9.3f} {max(ts) / min(ts) - 1:7.1%}")
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump({"seed": seed, "options": options, "figures": figures}, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
