"""Running two builds of switchbench side by side for ./bench regress: the
base revision built in a git worktree (kept for reuse), samples taken
interleaved benchmark by benchmark and repetition by repetition, and
instruction counts under callgrind."""

import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import subprocess

from .load import BadInput

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKTREES = os.path.join(ROOT, ".regress")


def _need_git():
    if not shutil.which("git"):
        raise BadInput("--base needs git (Debian package git)")


def git(*args, check=True):
    _need_git()
    p = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise BadInput(f"git {' '.join(args)}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else 'failed'}")
    return p.stdout.strip()


def resolve(rev):
    """The commit a revision names. Never an option to git: an empty
    revision or one that starts with '-' is refused first."""
    if not rev or rev.startswith("-"):
        raise BadInput(f"--base {rev!r}: not a revision (a name, a hash or HEAD~N)")
    _need_git()
    p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--verify", "-q", rev + "^{commit}"], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise BadInput(f"--base {rev}: no such revision in {ROOT}")
    return p.stdout.strip()


def build_rev(sha, log):
    """The switchbench binary of commit sha, built in its own worktree
    (.regress/<sha>), reused when a build there finished (.sb-built). One
    regress at a time builds a worktree (a lock beside it); one a killed run
    left unfinished (git leaves it `locked` while it checks out, and a plain
    `git worktree remove` then refuses it) is removed and made again."""
    wt = os.path.join(WORKTREES, sha[:12])
    exe = os.path.join(wt, "build", "switchbench")
    done = os.path.join(wt, ".sb-built")
    os.makedirs(WORKTREES, exist_ok=True)
    with open(wt + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(exe) and os.path.isfile(done):
            return exe
        if os.path.lexists(wt):
            log(f"removing the unfinished worktree {os.path.relpath(wt, ROOT)} a stopped run left")
            git("worktree", "unlock", wt, check=False)
            git("worktree", "remove", "--force", "--force", wt, check=False)
            shutil.rmtree(wt, ignore_errors=True)
            git("worktree", "prune", check=False)
        if not os.path.isdir(wt):
            git("worktree", "prune", check=False)
            git("worktree", "add", "--detach", "-f", wt, sha)
        log(f"building {sha[:12]} in {os.path.relpath(wt, ROOT)}")
        for cmd in (["cmake", "-S", wt, "-B", os.path.join(wt, "build"), "-DCMAKE_BUILD_TYPE=Release"],
                    ["cmake", "--build", os.path.join(wt, "build"), "-j", str(os.cpu_count() or 1),
                     "--target", "switchbench"]):
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"building {sha[:12]} failed: {(p.stdout + p.stderr).strip()[-600:]}")
        with open(done, "w") as f:
            f.write(sha + "\n")
        return exe


def names(binary, select):
    p = subprocess.run([binary, "--list", *select], capture_output=True, text=True)
    if p.returncode != 0:
        raise BadInput(f"{binary} --list {' '.join(select)}: {p.stderr.strip()}")
    return p.stdout.split()


def exact(name):
    """A POSIX ERE that matches exactly one benchmark name."""
    return "^" + re.sub(r"([][.*+?(){}|^$\\])", r"\\\1", name) + "$"


_STEADY = {}


def steady(binary):
    """Options that make a binary run exactly the repetitions asked:
    --disturbance=off where it has it (a binary built before it has not),
    so that both sides of a comparison sample alike and a count of
    instructions covers one repetition. Asked of the binary's --help once."""
    if binary not in _STEADY:
        p = subprocess.run([binary, "--help"], capture_output=True, text=True)
        _STEADY[binary] = ["--disturbance=off"] if "--disturbance=" in p.stdout else []
    return _STEADY[binary]


def _run_json(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what}: exit {p.returncode}: {p.stderr.strip()[-400:]}")
    rows = [b for b in json.loads(p.stdout)["benchmarks"] if b.get("run_type") == "iteration"]
    bad = [b for b in rows if b.get("error_occurred") or b.get("skipped")]
    if not rows or bad:
        raise RuntimeError(f"{what}: {bad[0].get('error_message') or bad[0].get('skip_message') if bad else 'no record'}")
    return rows


def calibrate(binary, name, min_time, select):
    """The iteration count that makes one repetition last min_time, as the
    harness chooses it: both sides then run exactly that many. `select` is
    the selection the name came from (a parameter value outside the default
    sweep exists only with its --param); the options after it are ours."""
    rows = _run_json([binary, *select, *steady(binary), f"--filter={exact(name)}", f"--min-time={min_time}",
                      "--repetitions=1", "--results-dir=", "--format=json"], f"calibrating {name}")
    return int(rows[0]["iterations"])


def sample(binary, name, iters, select):
    """ns per iteration of one repetition of exactly iters iterations."""
    rows = _run_json([binary, *select, *steady(binary), f"--filter={exact(name)}", f"--min-time={iters}x",
                      "--repetitions=1", "--results-dir=", "--format=json"], f"{name} on {binary}")
    return float(rows[0]["real_time"])


_COLLECTED = re.compile(r"^==(\d+)== Collected : (\d+)", re.M)


def _instructions_total(binary, name, iters, select):
    """Instructions executed by the benchmark's processes (everything but
    the harness's parent, whose waiting loops depend on timing), and the
    workload its record names."""
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary, *select,
                          *steady(binary), f"--filter={exact(name)}", f"--min-time={iters}x", "--repetitions=1", "--results-dir=",
                          "--format=json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError(f"callgrind on {name}: exit {p.returncode}: {err.strip()[-300:]}")
    rows = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    if not rows or rows[0].get("error_occurred") or rows[0].get("skipped"):
        raise RuntimeError(f"callgrind on {name}: the benchmark did not run")
    counts = {int(pid): int(n) for pid, n in _COLLECTED.findall(err)}
    return sum(n for pid, n in counts.items() if pid != p.pid), rows[0].get("workload")


def instructions(binary, name, iters, select=()):
    """Instructions per operation: the difference between 2*iters and iters
    iterations over iters, so that setup, fork and teardown cancel; and the
    benchmark's workload, from its record."""
    a, workload = _instructions_total(binary, name, iters, select)
    b, _ = _instructions_total(binary, name, 2 * iters, select)
    return (b - a) / iters, workload


def instructions_many(binary, todo, iters, log, select=(), workloads=None):
    """{name: instructions per op} for every name, a callgrind per core at
    once (counts do not depend on load). `workloads`, when given, receives
    {name: workload} from the records."""
    out = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as ex:
        futs = {ex.submit(instructions, binary, n, iters, select): n for n in todo}
        for f in concurrent.futures.as_completed(futs):
            out[futs[f]], wl = f.result()
            if workloads is not None and isinstance(wl, str):
                workloads[futs[f]] = wl
            log(f"instructions {futs[f]}: {out[futs[f]]:.1f}")
    return out
