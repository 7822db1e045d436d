#!/usr/bin/python3
"""./bench cluster --slurm [--nodes N | --nodelist LIST] [--partition P]
[--dry-run] [-- OPTIONS]: the benchmark on several machines of a Slurm
cluster, then one report of them all.

It writes a batch script into results/<stamp>-cluster/, submits it with
sbatch --wait, and gathers each node's run into results/<stamp>-cluster/
<host>/, then draws machines.html over them (./bench report --machines).
The job takes N whole nodes (--exclusive: no other job shares their
cores; --hint=nomultithread) and runs one task per node (srun
--ntasks-per-node=1), all at once: one allocation can name its nodes
(--nodelist), which a job array cannot, and Slurm cannot put two of our
runs on one node. Each node runs this checkout's binary over the shared
file system (built here first, by ./bench; a node of another architecture
says so and is named as failed). A node that fails is named; the others'
results are kept.

Nothing read is executed: the options after -- reach the nodes as a file of
NUL-separated words read into an array, never as script text; --partition
and --nodelist go to sbatch as its own arguments.

Everything is checked before anything is written or queued: this script's
own options first (SB_CLUSTER_STAGE=options: only that, and --help, which
./bench asks before it installs or builds anything), then the options
after -- by the binary's own parser (switchbench --describe, the checks a
run makes): bad ones are its one line and exit 2, and those that choose
where results go (--out, --results-dir, in any spelling the parser takes)
or that make a node answer instead of run (--list, --help) are refused:
the cluster decides where each node's results go."""

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from sbreport import entry  # noqa: E402

BINARY = os.path.join(ROOT, "build", "switchbench")

# The job's script: fixed text, with shell-quoted paths only.
SCRIPT = """#!/bin/bash
# switchbench on every node of this allocation, one task per node
# (written by ./bench cluster; the options are in {opts_file}).
set -u
OUT={out}
BIN={binary}
ARCH={arch}
scontrol show hostnames "$SLURM_JOB_NODELIST" >"$OUT/nodelist"
srun --ntasks-per-node=1 --kill-on-bad-exit=0 bash -c '
    set -u
    out=$1 bin=$2 arch=$3
    host=$(hostname -s)
    mapfile -d "" -t opts <"$out/options"
    mkdir -p "$out/nodes/$host"
    if [ "$(uname -m)" != "$arch" ]; then
        echo "this node is $(uname -m), the binary $arch" >"$out/nodes/$host.why"
        echo 2 >"$out/nodes/$host.status"
        exit 2
    fi
    "$bin" --results-dir="$out/nodes/$host" "${{opts[@]}}" >"$out/nodes/$host.log" 2>&1
    rc=$?
    echo $rc >"$out/nodes/$host.status"
    exit $rc
' switchbench-node "$OUT" "$BIN" "$ARCH"
"""


# Slurm's time limits (sbatch --time): minutes, minutes:seconds,
# hours:minutes:seconds, days-hours, days-hours:minutes,
# days-hours:minutes:seconds; or UNLIMITED.
TIME = re.compile(r"(\d+(:\d{1,2}){0,2}|\d+-\d+(:\d{1,2}){0,2}|UNLIMITED|INFINITE)")
# Node lists and partitions as Slurm writes them; nothing else reaches sbatch.
SLURM_NAMES = re.compile(r"[A-Za-z0-9_.,\[\]\-]{1,1000}")


def parse(argv):
    words = list(argv)
    options = []
    if "--" in words:
        i = words.index("--")
        words, options = words[:i], words[i + 1:]
    ap = entry.Parser(prog="./bench cluster",
                      description="Run the benchmark on several nodes of a Slurm cluster, then one report of "
                                  "them all (machines.html). OPTIONS after -- are the benchmark's own.")
    ap.add_argument("--slurm", action="store_true", help="through Slurm (sbatch --wait; the only scheduler)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--nodes", type=int, metavar="N", help="how many whole nodes (default 1)")
    where.add_argument("--nodelist", metavar="LIST", help="which nodes, Slurm's syntax (node[1-4],gpu2)")
    ap.add_argument("--partition", metavar="P", help="the partition (default: the cluster's)")
    ap.add_argument("--time", default="02:00:00", metavar="T", help="the job's time limit (default 02:00:00)")
    ap.add_argument("--out", metavar="DIR", help="where the run goes (default results/<stamp>-cluster)")
    ap.add_argument("--dry-run", action="store_true", help="print the batch script and the sbatch command; "
                                                            "submit nothing")
    a = ap.parse_args(words)
    a.options = options
    if not a.slurm:
        ap.error("say --slurm: Slurm is the scheduler this drives")
    if a.nodes is not None and not 1 <= a.nodes <= 4096:
        ap.error(f"--nodes {a.nodes} is not from 1 to 4096")
    if not TIME.fullmatch(a.time) or a.time.strip("0:-") == "":
        ap.error(f"--time {a.time!r} is not a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS, above 0)")
    for opt, v in (("--nodelist", a.nodelist), ("--partition", a.partition)):
        if v is not None and not SLURM_NAMES.fullmatch(v):
            ap.error(f"{opt} {v[:60]!r} is not a Slurm name (letters, digits, _ . , - and [ ])")
    if a.out is not None:
        parent = os.path.dirname(os.path.abspath(a.out))
        if os.path.lexists(a.out):
            ap.error(f"--out {a.out[:200]!r} exists: a cluster run goes into a new folder")
        if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
            ap.error(f"--out {a.out[:200]!r}: {parent[:200]!r} is not a folder this user can write in")
    return a


def check_node_options(options):
    """The options after -- through the binary's own parser: they must make
    a run, and leave where its results go to the cluster."""
    p = subprocess.run([BINARY, "--describe", *options], capture_output=True, text=True)
    if p.returncode != 0:
        said = entry.one_line(p.stderr.strip().removeprefix("bench: ")) or f"exit {p.returncode}"
        raise entry.BadInput(f"the options after -- are refused by switchbench: {said}")
    try:
        sel = json.loads(p.stdout)["selected"]
        where, runs, n = list(sel["where_given"]), bool(sel["runs"]), int(sel["benchmarks"])
    except (ValueError, KeyError, TypeError):
        raise entry.BadInput(f"{BINARY} --describe did not describe the options (an old build?): "
                             "run ./bench cluster, which builds it first") from None
    if where:
        raise entry.BadInput(f"--{where[0]} after -- (as spelled there: {' '.join(options)[:120]!r}) chooses "
                             "where results go, and a cluster run decides that: each node writes into the "
                             "cluster folder (give --out DIR before --)")
    if not runs:
        raise entry.BadInput("the options after -- ask a node to answer (--list, --help, --version, ...) "
                             "rather than run the benchmarks")
    return n


def sbatch_command(a, out, script):
    cmd = ["sbatch", "--wait", "--parsable", "--job-name=switchbench", "--exclusive", "--hint=nomultithread",
           "--ntasks-per-node=1", f"--time={a.time}", f"--output={out}/slurm-%j.out", "--chdir", out]
    if a.nodelist:
        cmd.append(f"--nodelist={a.nodelist}")
        # As many nodes as the list names: Slurm counts them.
        n = subprocess.run(["scontrol", "show", "hostnames", a.nodelist], capture_output=True, text=True)
        count = len(n.stdout.split()) if n.returncode == 0 else 0
        if count:
            cmd.append(f"--nodes={count}")
    else:
        cmd.append(f"--nodes={a.nodes or 1}")
    if a.partition:
        cmd.append(f"--partition={a.partition}")
    return cmd + [script]


def gather(out):
    """Each node's run directory moved to OUT/<host>/; (kept, failed) with
    the failed as (host, why)."""
    nodes_dir = os.path.join(out, "nodes")
    listed = []
    try:
        with open(os.path.join(out, "nodelist"), encoding="utf-8") as f:
            listed = [w for w in f.read().split() if w]
    except OSError:
        pass
    kept, failed = [], []
    for host in listed or sorted(d for d in os.listdir(nodes_dir) if os.path.isdir(os.path.join(nodes_dir, d))):
        short = host.split(".")[0]
        status_file = os.path.join(nodes_dir, short + ".status")
        if not os.path.exists(status_file):
            failed.append((short, "it never ran (no status: the node or its task died)"))
            continue
        status = open(status_file, encoding="utf-8").read().strip()
        # The run directories, not the `latest` link beside them.
        where = os.path.join(nodes_dir, short)
        runs = sorted(d for d in os.listdir(where) if not d.startswith(".") and
                      os.path.isdir(os.path.join(where, d)) and not os.path.islink(os.path.join(where, d)))
        if status != "0" or not runs:
            why_file = os.path.join(nodes_dir, short + ".why")
            why = open(why_file, encoding="utf-8").read().strip() if os.path.exists(why_file) else ""
            failed.append((short, f"exit {status}" + (f": {why}" if why else f" (log: nodes/{short}.log)")))
            if not runs:
                continue
        dest = os.path.join(out, short)
        os.rename(os.path.join(nodes_dir, short, runs[-1]), dest)
        kept.append(dest)
    return kept, failed


def main(argv):
    a = parse(argv)
    if os.environ.get("SB_CLUSTER_STAGE") == "options":
        return 0  # ./bench's check before it installs or builds: the options are good
    if os.access(BINARY, os.X_OK):
        check_node_options(a.options)
    elif not a.dry_run:
        raise entry.BadInput(f"{BINARY} is not built: run ./bench cluster, which builds it first")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = os.path.abspath(a.out or os.path.join(ROOT, "results", f"{stamp}-cluster"))
    script_text = SCRIPT.format(out=shlex.quote(out), binary=shlex.quote(BINARY),
                                arch=shlex.quote(platform.machine()), opts_file="options")
    if a.dry_run:
        print(script_text, end="")
        print("# submitted with: " + " ".join(shlex.quote(w) for w in sbatch_command(a, out, "job.sbatch")))
        return 0
    for tool in ("sbatch", "scontrol", "srun"):
        if not shutil.which(tool):
            raise entry.BadInput(f"{tool} is not installed (Debian package slurm-client): this host cannot "
                                 "submit to Slurm")
    os.makedirs(out)
    with open(os.path.join(out, "options"), "wb") as f:
        f.write(b"".join(w.encode() + b"\0" for w in a.options))
    script = os.path.join(out, "job.sbatch")
    with open(script, "w", encoding="utf-8") as f:
        f.write(script_text)
    cmd = sbatch_command(a, out, script)
    print(f"cluster: submitting {os.path.basename(script)} ({' '.join(shlex.quote(w) for w in cmd[1:-1])}); "
          "waiting for the job", file=sys.stderr)
    job = subprocess.run(cmd, capture_output=True, text=True)
    kept, failed = gather(out)
    for host, why in failed:
        print(f"cluster: node {host} failed: {why}", file=sys.stderr)
    if job.returncode != 0 and not kept:
        raise RuntimeError(f"sbatch exited {job.returncode}: {entry.one_line(job.stderr.strip())[:300]}")
    if not kept:
        raise RuntimeError("no node produced a run")
    report = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), "--quiet", "--machines",
                             *kept, "--out", out], capture_output=True, text=True)
    if report.returncode != 0:
        raise RuntimeError(f"the report failed: {entry.one_line(report.stderr.strip())}")
    print(f"cluster: {len(kept)} node(s) in {out}/machines.html" +
          (f"; {len(failed)} failed: {', '.join(h for h, _ in failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    entry.run("cluster", main, "the job may still be queued: squeue shows it")
