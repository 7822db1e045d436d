#!/usr/bin/python3
"""The report's tests, one CTest entry per case (report/<case>):
  report_test.py --list           the case names
  report_test.py CASE [BINARY]    run one; exit 0 pass, 1 fail, 77 skipped
BINARY is build/switchbench (for the cases that run it). Each case works in
a fresh temporary directory and checks behaviour, never speed."""

import json
import os
import re
import shutil
import socket
import subprocess
import struct
import sys
import tempfile
import threading
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPORT = os.path.join(ROOT, "scripts", "report.py")
FIXTURE = os.path.join(HERE, "data", "quick-run.json")
PY = "/usr/bin/python3"
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)

from sbreport import claims, load, rules, stats  # noqa: E402
from casekit import Skip, case, check  # noqa: E402
import casekit  # noqa: E402

def report(*args, env=None):
    p = subprocess.run([PY, REPORT, "--quiet", *args], capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stderr


def fixture():
    with open(FIXTURE, encoding="utf-8") as f:
        return json.load(f)


def save(doc, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return path


# How many claims the registry holds: every count below is this one.
N_CLAIMS = len(claims.REGISTRY)


def verdicts(path):
    return {c.id: v for c, v in claims.decide(load.load(path))}


# --- claims ---------------------------------------------------------------

@case
def every_claim_decided(w, binary):
    """The quick run of a 2-core machine decides every claim."""
    vs = verdicts(FIXTURE)
    check(len(vs) == N_CLAIMS, f"{len(vs)} claims")
    missing = [k for k, v in vs.items() if v.status == rules.MISSING]
    check(not missing, f"not measured: {missing}: {[vs[k].why for k in missing]}")
    for k, v in vs.items():
        check(v.figures, f"{k} has no figures")


def _scale(doc, name, factor):
    n = 0
    for b in doc["benchmarks"]:
        if b["name"] == name:
            b["real_time"] *= factor
            b["cpu_time"] *= factor
            for k in ("switches_per_second", "items_per_second"):
                if k in b:
                    b[k] /= factor
            n += 1
    check(n, f"no record named {name}")
    return doc


@case
def answers_say_for_whom(w, binary):
    """The answer line says for which engines a verdict holds and quotes
    the figure it rests on: C1 holds for every coroutine engine and quotes
    the slowest; with ucontext below a million switches/s (the fixture's)
    it holds only for the others, says "not for ucontext" and quotes
    ucontext's figure; the references are context, with their verbs
    agreeing."""
    # The fixture's ucontext switches 914k times a second: C1 holds for the
    # others only.
    c1 = verdicts(FIXTURE)["C1"]
    check(c1.status == rules.ONLY and "not for ucontext" in c1.headline and "ucontext" not in c1.when,
          c1.headline)
    check(c1.answer_figure.startswith("ucontext (") and "falls short" in c1.answer_figure, c1.answer_figure)
    check("ref-gevent falls short" in c1.context and "reach it" in c1.context, c1.context)
    doc = _scale(fixture(), "pingpong/ucontext", 0.1)
    c1 = verdicts(save(doc, os.path.join(w, "fast.json")))["C1"]
    check(c1.headline.startswith("holds for ") and "ucontext" in c1.headline and "stackless" in c1.headline,
          c1.headline)
    check(c1.answer_figure.startswith("slowest: ucontext ("), c1.answer_figure)
    c13 = verdicts(FIXTURE)["C13"]
    check(not c13.scope or c13.scope.startswith("("), f"C13 (parts, not engines): {c13.scope}")
    check(rules.qfmt(rules.interval.Q(998, 968, 1059, 0.96, 6, 0.03), "us") == "998 (968–1,059) µs",
          "an interval's end past 999 is written in e-notation")


@case
def disturbed_figures_decide_nothing(w, binary):
    """Repetitions marked disturbed are left out of figures; a benchmark
    left with fewer than six clean ones takes them back, says so, and a
    verdict that rests on it is inconclusive, naming it (a CPU hog turned
    C3's CPU half into its opposite before). The banner says how busy the
    run was during it, from every repetition's machine figures."""
    doc = fixture()
    for b in doc["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        b["machine"] = {"foreign_cpu": 0.0, "steal": 0.0, "involuntary_switches": 0, "cpus": 2, "runnable": 1,
                        "busy_resolution_ns": 4e6, "steal_resolution_ns": 1e7}
        if b["name"] == "pingpong/ucontext":
            b["machine"]["foreign_cpu"] = 0.4
            b["disturbed"] = "other processes used at least 40.0 % of its CPUs"
    path = save(doc, os.path.join(w, "busy.json"))
    run = load.load(path)
    b = run.benchmarks["pingpong/ucontext"]
    check(b.used_disturbed == len(b.disturbed) > 0 and len(b.real_ns) == b.used_disturbed,
          f"used {b.used_disturbed}, {len(b.real_ns)} figures")
    c1 = verdicts(path)["C1"]
    check(c1.status == rules.OPEN and "pingpong/ucontext" in c1.why and "disturbed" in c1.why, c1.why)
    check(c1.answer_figure.startswith("rests on disturbed repetitions (pingpong/ucontext") and not c1.scope,
          f"{c1.headline} — {c1.answer_figure}")
    c10 = verdicts(path)["C10"]
    check(c10.status != rules.OPEN or "disturbed" not in c10.why, f"C10 does not rest on ucontext: {c10.why}")
    from sbreport import build
    banner = build.disturbance_banner(run)
    check(banner and "were disturbed" in banner and "40%" in banner, banner)
    ws = build.warnings(run)
    check(ws and "were disturbed" in ws[0], f"the banner is not first: {ws[:1]}")
    sus = build.suspect_claims(run).get("C1", [])
    check(any("pingpong/ucontext (its figures use" in x for x in sus), f"C1's flag: {sus}")


@case
def verdict_flips_with_the_figures(w, binary):
    """Threads switching faster than asm flips C10 (and C1 and C6 follow
    their figures)."""
    before = verdicts(FIXTURE)
    check(before["C10"].status == rules.HOLDS, f"C10 before: {before['C10'].text}")
    doc = fixture()
    for nm in ("pingpong/threads", "pingpong/threads/placement:spread"):
        _scale(doc, nm, 1e-4)
    after = verdicts(save(doc, os.path.join(w, "flip.json")))
    check(after["C10"].status == rules.NOT, f"C10 after: {after['C10'].text} {after['C10'].figures}")
    # One coroutine engine below a million switches/s: C1 holds only for the others.
    doc = fixture()
    _scale(doc, "pingpong/ucontext", 100)
    after = verdicts(save(doc, os.path.join(w, "c1.json")))
    check(after["C1"].status == rules.ONLY and "ucontext" not in after["C1"].when,
          f"C1: {after['C1'].text}")


@case
def typed_fields_decide_not_the_name(w, binary):
    """A record's engine, workload, params, workers and placement fields
    (switchbench writes them) are what the report reads: swap the engine
    fields of two benchmarks and C10 follows the fields; rename the
    cross-core pingpong so its name no longer says placement and C10
    still finds it by its fields; workers is no counter; a parameter that
    is not a number is refused."""
    doc = fixture()
    for r in doc["benchmarks"]:
        parts = r.get("run_name", r["name"]).split("/")
        r["workload"], r["engine"] = parts[0], parts[1]
        args = dict(a.partition(":")[::2] for a in parts[2:])
        r["params"] = {k: float(v) for k, v in args.items() if k not in ("workers", "placement")}
        r["workers"] = int(args.get("workers", 1))
        r["placement_natural"] = "placement" not in args
        r["placement"] = args.get("placement", "pack")
    renamed = json.loads(json.dumps(doc))
    for r in renamed["benchmarks"]:
        for key in ("name", "run_name"):
            if key in r and r[key].startswith("pingpong/threads/placement:spread"):
                r[key] = r[key].replace("pingpong/threads/placement:spread", "pingpong/threads/across")
    vs = verdicts(save(renamed, os.path.join(w, "renamed.json")))
    check("across cores: threads" in " ".join(vs["C10"].figures) and "not measured: across cores" not in vs["C10"].text,
          f"C10 did not find the cross-core run by its fields: {vs['C10'].text} {vs['C10'].figures}")
    run = load.load(save(doc, os.path.join(w, "typed.json")))
    b = run.get("ring/asm/tasks:100")
    check(b is not None and b.nm.engine == "asm" and b.nm.family == "ring" and b.nm.params.get("tasks") == 100
          and "workers" not in b.counters, f"typed fields not read: {b and (b.nm.engine, b.nm.params, b.counters)}")
    check(verdicts(os.path.join(w, "typed.json"))["C10"].status == rules.HOLDS, "C10 with typed fields")
    for r in doc["benchmarks"]:
        if r.get("run_name", r["name"]) == "pingpong/threads":
            r["engine"] = "asm"
        elif r.get("run_name", r["name"]) == "pingpong/asm":
            r["engine"] = "threads"
    after = verdicts(save(doc, os.path.join(w, "swapped.json")))
    check(after["C10"].status != rules.HOLDS, f"C10 read the names, not the fields: {after['C10'].text}")
    doc["benchmarks"][0]["params"] = {"tasks": "many"}
    rc, err = report(save(doc, os.path.join(w, "bad.json")), "--out", os.path.join(w, "out"))
    check(rc == 2 and "params.tasks" in err and len(err.strip().splitlines()) == 1, f"exit {rc}: {err}")


def _with_open_loop(doc, capacity):
    """The fixture plus echo-open rows at 1,000 connections, made from its
    echo/<engine>/conns:1000 rows: each engine serves min(offered,
    capacity[engine]) requests/s, and its p99 climbs past its capacity."""
    extra = []
    for r in doc["benchmarks"]:
        parts = r["name"].split("/")
        if parts[0] != "echo" or parts[2] != "conns:1000" or len(parts) != 4 or parts[1] not in capacity:
            continue
        for rate in (20000, 50000, 100000):
            q = dict(r)
            name = f"echo-open/{parts[1]}/conns:1000/msg:64/rate:{rate}"
            q["name"] = q["run_name"] = name
            served = min(rate, capacity[parts[1]]) * (1 + 0.001 * r["repetition_index"])
            q.update(items_per_second=served, real_time=1e9 / served, offered_per_second=rate,
                     p99_us=200.0 if rate <= capacity[parts[1]] else 50000.0, min_per_conn=20.0)
            extra.append(q)
    doc["benchmarks"] += extra
    return doc


@case
def open_loop_decides_c11(w, binary):
    """echo-open rows join C11: an engine that keeps up with the lowest
    offered rate holds, one that serves half of it does not, the knee is
    quoted, and the report draws the latency-vs-offered-rate chart and
    C11's chart of served / offered against 0.95. Without them C11 says
    the open loop was not measured."""
    check("open-loop" in verdicts(FIXTURE)["C11"].unmeasured, f"C11 without echo-open: {verdicts(FIXTURE)['C11'].text}")
    cap = {"asm": 60000, "asm-sharedfpu": 60000, "ucontext": 55000, "stackless": 60000, "libuv": 75000}
    path = save(_with_open_loop(fixture(), cap), os.path.join(w, "open.json"))
    c11 = verdicts(path)["C11"]
    check(c11.status == rules.HOLDS and not c11.unmeasured, f"C11: {c11.text} {c11.figures}")
    from sbreport import build
    ch = {c.key: c for c in build.decision_charts(claims.decide(load.load(path)))}
    opened = ch.get("decides_C11")
    check(opened is not None and opened.thresholds == [0.95] and "open loop" in opened.title and
          "libuv, 20k req/s offered" in opened.groups and all(0.9 < r[0] <= 1.05 for r in opened.rows),
          f"C11's open-loop chart: {opened and (opened.groups, opened.rows)}")
    check(ch.get("decides_C11_2") is not None and ch["decides_C11_2"].thresholds == [1],
          "C11's closed-loop chart is missing beside the open loop's")
    asm = next((f for f in c11.figures if f.startswith("asm, open loop")), "")
    check("kept up to 50k req/s offered" in asm and "not at 100k" in asm, f"the knee: {asm}")
    check(any(f.startswith("libuv, open loop") and "kept up to 50k" in f for f in c11.figures),
          f"libuv's knee: {c11.figures}")
    cap["ucontext"] = 10000
    c11 = verdicts(save(_with_open_loop(fixture(), cap), os.path.join(w, "slow.json")))["C11"]
    check(c11.status == rules.ONLY and "ucontext" not in c11.when, f"C11 with a slow ucontext: {c11.text}")
    out = os.path.join(w, "out")
    os.mkdir(out)
    rc, err = report(path, "--out", out)
    check(rc == 0, err)
    check(os.path.exists(os.path.join(out, "charts", "echo_open_p99.svg")), f"no open-loop chart: {os.listdir(out)}")


@case
def missing_records_are_not_measured(w, binary):
    doc = fixture()
    doc["benchmarks"] = [b for b in doc["benchmarks"] if not b["name"].startswith("pingpong/")]
    vs = verdicts(save(doc, os.path.join(w, "nopp.json")))
    check(vs["C1"].status == rules.MISSING and vs["C10"].status == rules.MISSING,
          f"C1 {vs['C1'].text}, C10 {vs['C10'].text}")
    # Errored records count as missing too.
    doc = fixture()
    for b in doc["benchmarks"]:
        if b["name"].startswith("blocking/"):
            b.clear()
            b.update({"name": "blocking/asm/tasks:3/block_ms:50", "run_type": "iteration",
                      "error_occurred": True, "error_message": "injected"})
    vs = verdicts(save(doc, os.path.join(w, "err.json")))
    check(vs["C9"].status == rules.MISSING, f"C9 {vs['C9'].text}")
    rc, err = report(os.path.join(w, "nopp.json"), "--out", w)
    check(rc == 0, err)
    html = open(os.path.join(w, "report.html"), encoding="utf-8").read()
    check("not measured in this run" in html, "the HTML does not say 'not measured'")


@case
def one_core_says_so(w, binary):
    doc = fixture()
    doc["context"]["cpus"] = "0"
    doc["benchmarks"] = [b for b in doc["benchmarks"] if "workers:" not in b["name"]
                         and "placement:" not in b["name"] and "tasks:2/" not in b["name"]]
    vs = verdicts(save(doc, os.path.join(w, "one.json")))
    for k in ("C4", "C13"):
        check(vs[k].status == rules.MISSING and "two cores" in vs[k].why, f"{k}: {vs[k].text} {vs[k].why}")
    check("two cores" in vs["C10"].unmeasured and "not measured: across cores" in vs["C10"].text,
          f"C10: {vs['C10'].text}")


def _reps(doc, names, factors):
    """The records of each benchmark in names (a predicate) replaced by
    len(factors) repetitions of its first record, times each factor
    (rates divided by it)."""
    out, done = [], set()
    for b in doc["benchmarks"]:
        if b.get("run_type") == "aggregate" and names(b["run_name"]):
            continue
        if b.get("run_type") != "iteration" or not names(b["name"]):
            out.append(b)
            continue
        if b["name"] in done:
            continue
        done.add(b["name"])
        for i, f in enumerate(factors):
            r = dict(b, repetition_index=i, repetitions=len(factors), real_time=b["real_time"] * f,
                     cpu_time=b["cpu_time"] * f)
            for k in ("switches_per_second", "items_per_second"):
                if k in b:
                    r[k] = b[k] / f
            out.append(r)
    check(done, "no record matched")
    doc["benchmarks"] = out
    return doc


QUIET = [1.0, 1.002, 0.998, 1.001, 0.999, 1.0]


@case
def noise_makes_a_verdict_inconclusive(w, binary):
    """C4 on a quiet run is decided; the same run with one scheduler's cpu
    figures spread by +-40 % reads inconclusive and says what would decide
    it; a run of three repetitions cannot decide a comparison at all."""
    quiet = _reps(fixture(), lambda n: n.startswith("cpu/"), QUIET)
    vs = verdicts(save(quiet, os.path.join(w, "quiet.json")))
    check(vs["C4"].status in (rules.HOLDS, rules.ONLY, rules.NOT), f"quiet C4: {vs['C4'].text}: {vs['C4'].why}")
    noisy = _reps(fixture(), lambda n: n.startswith("cpu/asm/tasks:2/") and "workers" not in n,
                  [0.6, 1.4, 0.7, 1.3, 0.8, 1.2])
    vs = verdicts(save(noisy, os.path.join(w, "noisy.json")))
    check(vs["C4"].status == rules.OPEN and "--repetitions=" in vs["C4"].why and "asm" in vs["C4"].why,
          f"noisy C4: {vs['C4'].text}: {vs['C4'].why}")
    three = _reps(fixture(), lambda n: n.startswith("pingpong/"), [1.0, 1.01, 0.99])
    vs = verdicts(save(three, os.path.join(w, "three.json")))
    check(vs["C1"].status == rules.OPEN and "3 repetitions cannot give a 95 % interval" in vs["C1"].why,
          f"three repetitions: C1 {vs['C1'].text}: {vs['C1'].why}")


@case
def two_clusters_are_named(w, binary):
    """Repetitions that fall into two levels (as layouts can split them)
    are named in the warnings with both levels and the claims that may
    rest on them, first, and their answer lines are marked; one level is
    not, nor is a wide but single cluster."""
    from sbreport import build
    for factors, flagged in (([1.0, 1.01, 0.99, 1.45, 1.46, 1.44], True), (QUIET, False),
                             ([0.9, 0.95, 1.0, 1.05, 1.1, 1.15], False)):
        doc = _reps(fixture(), lambda n: n == "pingpong/asm", factors)
        run = load.load(save(doc, os.path.join(w, "r.json")))
        ws = [x for x in build.warnings(run) if "pingpong/asm ran at two levels" in x]
        named = bool(ws) and "(3 and 3 repetitions)" in ws[0] and ws[0].startswith("C1 and C10 may rest on it: ")
        check(named == flagged, f"{factors}: {ws}")
        from sbreport import page
        check(not ws or "pingpong/asm ran at two levels" in page._headline(ws[0]),
              f"the banner does not name the benchmark: {ws and page._headline(ws[0])}")
        check(("pingpong/asm (ran at two levels)" in build.suspect_claims(run).get("C1", [])) == flagged,
              f"{factors}: C1's answer line is {'not ' if flagged else ''}marked")


@case
def rules_say_which_part_decided(w, binary):
    """C9 names the side that failed; C10 without its cross-core benchmark
    says that half was not measured; C8 judges overlap apart from how
    late each sleeper woke (p50, p99, max; the max where a run has no
    percentiles); C1 judges the references as context."""
    doc = fixture()
    for b in doc["benchmarks"]:
        if b["name"].startswith("blocking/threads"):
            b["stall_over_call"] = 0.5
    vs = verdicts(save(doc, os.path.join(w, "c9.json")))
    check(vs["C9"].status == rules.ONLY and "kernel side failed: threads" in vs["C9"].when,
          f"C9: {vs['C9'].text}")
    doc = fixture()
    doc["benchmarks"] = [b for b in doc["benchmarks"] if b["name"] != "pingpong/threads/placement:spread"
                         and b.get("run_name") != "pingpong/threads/placement:spread"]
    vs = verdicts(save(doc, os.path.join(w, "c10.json")))
    check(vs["C10"].status == rules.HOLDS and vs["C10"].text.startswith("holds; not measured: across cores; ")
          and "the cause (what the OS saves and restores): not tested here" in vs["C10"].text,
          f"C10: {vs['C10'].text}")
    vs = verdicts(FIXTURE)
    for cid in ("C7", "C12"):
        check("not measured: threads across cores (here they shared one core" in vs[cid].text,
              f"{cid} does not say the threads shared one core: {vs[cid].text}")
    # With threads across cores in the run (the quick run measures them
    # now), C7 and C12 judge threads at their faster placement and show
    # both: here cross-core threads hand off 500x faster, beating ucontext.
    doc = fixture()
    extra = []
    for b in doc["benchmarks"]:
        if b["name"].startswith("pipeline/threads/stages:1/capacity:1") and "placement" not in b["name"]:
            r = json.loads(json.dumps(b))
            for k in ("name", "run_name"):
                if k in r:
                    r[k] = r[k].replace("capacity:1", "capacity:1/placement:spread", 1)
            r["placement"], r["placement_natural"] = "spread", False
            r["items_per_second"] = r.get("items_per_second", 0) * 500
            r["real_time"], r["cpu_time"] = r["real_time"] / 500, r["cpu_time"] / 500
            extra.append(r)
    check(extra, "the fixture has no pipeline/threads/stages:1/capacity:1")
    doc["benchmarks"] += extra
    vs = verdicts(save(doc, os.path.join(w, "spread.json")))
    c12 = vs["C12"]
    check(not c12.unmeasured and "not for ucontext" in c12.headline, f"C12 with fast cross-core threads: {c12.headline}")
    check(all("on one core" in f and "across cores" in f for f in c12.figures), f"C12's figures: {c12.figures}")
    check(not vs["C7"].unmeasured and "across cores" in vs["C7"].figures[0], f"C7: {vs['C7'].figures}")
    check(vs["C8"].status == rules.HOLDS and all("overlaps]" in f and "woke late by max " in f
                                                 for f in vs["C8"].figures), f"C8: {vs['C8'].figures}")
    doc = fixture()
    for b in doc["benchmarks"]:
        if b["name"].startswith("sleep/asm/tasks:1000") and "late_max_us" in b:
            b["late_p50_us"], b["late_p99_us"] = 900.0, 7000.0
    vs = verdicts(save(doc, os.path.join(w, "c8p.json")))
    line = next((f for f in vs["C8"].figures if f.startswith("asm, 1,000 sleepers")), "")
    check("p50 900 µs, p99 7 ms, max " in line and "[p99 beyond 5% of the 100 ms sleep]" in line,
          f"C8 with percentiles: {line!r}")
    doc = _scale(fixture(), "sleep/asm/tasks:100/sleep_ms:100", 80)
    vs = verdicts(save(doc, os.path.join(w, "c8.json")))
    check(vs["C8"].status == rules.ONLY and not re.search(r"\basm/100\b", vs["C8"].when), f"C8: {vs['C8'].text}")


# --- claims are registered units ------------------------------------------

def _need_matches(need, names):
    """The names a claim's need pattern matches: family/<engine>/k:N ... with
    an optional "(N >= X)"; <engine> is any engine, a capital letter any
    number, <cores> the cores this process may use."""
    from sbreport.names import Name
    pattern, _, cond = need.partition(" (")
    parts = pattern.split("/")
    least = {}
    for m in re.finditer(r"([A-Z]) >= (\d+)", cond):
        least[m.group(1)] = float(m.group(2))
    out = []
    for full in names:
        n = Name(full)
        if n.family != parts[0] or (len(parts) > 1 and parts[1] != "<engine>" and n.engine != parts[1]):
            continue
        ok = True
        for p in parts[2:]:
            k, _, v = p.partition(":")
            if re.fullmatch(r"[A-Z]", v):
                ok = ok and k in n.params and n.params[k] >= least.get(v, float("-inf"))
            elif v == "<cores>":
                ok = ok and n.params.get(k) == len(os.sched_getaffinity(0))
            else:
                ok = ok and p in n.args
        if ok:
            out.append(full)
    return out


@case
def quick_run_covers_every_claim(w, binary):
    """What the quick default runs (switchbench --list, as ./bench runs it)
    holds a benchmark for every need of every registered claim, so no
    verdict of the default report is "not measured" by design."""
    p = subprocess.run([binary, "--list"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, p.stderr[-400:])
    names = p.stdout.split()
    missing = [(c.id, need) for c in claims.REGISTRY for need in c.needs if not _need_matches(need, names)]
    check(not missing, f"the quick run lacks what these claims need: {missing}")


@case
def claims_doc_is_current(w, binary):
    """docs/claims.md is what the registry says (scripts/claims_doc.py)."""
    p = subprocess.run([PY, os.path.join(ROOT, "scripts", "claims_doc.py"), "--check"], capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0, p.stderr.strip())


THROWAWAY = """\"\"\"C99: a throwaway claim, to show that a claim is one file.\"\"\"

from ..claim import Claim
from ..rules import HOLDS, Verdict


def check(v, t):
    n = len(v.engines(family="pingpong"))
    return Verdict(HOLDS, figures=[f"{n} engines ran pingpong (at least {t['engines']})"])


CLAIM = Claim(id="C99", claim="A throwaway claim.", test="Did pingpong run?", needs=["pingpong/<engine>"],
              rule="Holds when pingpong ran.", threshold={"engines": 1}, check=check)
"""


@case
def a_claim_is_one_file(w, binary):
    """In a scratch copy of the scripts, one new module and one registry
    line add a claim: its answer, its verdict and its row in the docs
    appear, and nothing else was touched."""
    scratch = os.path.join(w, "scripts")
    shutil.copytree(os.path.join(ROOT, "scripts"), scratch, ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(scratch, "sbreport", "claims", "c99_throwaway.py"), "w", encoding="utf-8") as f:
        f.write(THROWAWAY)
    reg = os.path.join(scratch, "sbreport", "claims", "__init__.py")
    text = open(reg, encoding="utf-8").read()
    text = text.replace("from . import (", "from . import (c99_throwaway, ", 1)
    text = text.replace("\n]\n", "\n    c99_throwaway.CLAIM,\n]\n", 1)
    with open(reg, "w", encoding="utf-8") as f:
        f.write(text)
    run = os.path.join(w, "run")
    os.mkdir(run)
    shutil.copy(FIXTURE, os.path.join(run, "results.json"))
    p = subprocess.run([PY, os.path.join(scratch, "report.py"), "--quiet", run], capture_output=True, text=True,
                       timeout=120)
    check(p.returncode == 0, p.stderr[-600:])
    md = open(os.path.join(run, "report.md"), encoding="utf-8").read()
    check("- **C99: holds** — " in md and "| C99 | A throwaway claim." in md, f"C99 is not in the report: {md[:800]}")
    p = subprocess.run([PY, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import claims_doc; "
                        "print(claims_doc.page())", scratch], capture_output=True, text=True, timeout=60)
    check("| C99 | A throwaway claim. | `pingpong` |" in p.stdout, f"C99 is not in the docs: {p.stderr[-300:]}")


# --- charts draw what their labels say -----------------------------------

def _render(w, chart):
    """Render one chart into w: (the gnuplot program, the data file, the
    SVG's text). render removes its working files: they are caught as
    written."""
    from sbreport import charts
    written, write = {}, charts._write

    def keep(path, text):
        written[os.path.basename(path)] = text
        write(path, text)
    charts._write = keep
    try:
        drawn = charts.render([chart], w)
    finally:
        charts._write = write
    check(len(drawn) == 1, f"{chart.key}: not drawn")
    with open(os.path.join(w, chart.key + ".svg"), encoding="utf-8") as f:
        return written["charts.gp"], written["series-01.dat"], f.read()


@case
def scope_is_stated(w, binary):
    """Each claim says what of its workloads ran (the sizes), what did not
    and why, and the command that runs the full sweep; a spawn record with
    no warm figure says why in the results table."""
    doc = fixture()
    for b in doc["benchmarks"]:
        if b["name"].startswith("spawn/asm/tasks:1000"):
            b.pop("warm_ns_per_task", None)
    shutil.copy(save(doc, os.path.join(w, "r.json")), os.path.join(w, "results.json"))
    rc, err = report(w)
    check(rc == 0, err)
    md = open(os.path.join(w, "report.md"), encoding="utf-8").read()
    c2 = next((ln for ln in md.splitlines() if ln.startswith("| C2 |")), "")
    check("Scope: spawn: tasks 1,000, 10,000. The full sweep: ./bench --workload=spawn" in c2, f"C2: {c2[:600]}")
    row = next((ln for ln in md.splitlines() if ln.startswith("| spawn/asm/tasks:1000 |")), "")
    check("warm_ns_per_task none (each repetition ran one batch" in row and "cold_ns_per_task" in row,
          f"spawn/asm without a warm figure: {row[-300:]}")


@case
def claims_draw_what_decides_them(w, binary):
    """C1, C6, C9, C10 and C12 each get the chart that decides them: one
    mark per engine or comparison with its interval, and the rule's
    threshold(s) as lines (C9's two: 0.1 and 0.9 of the call). C2 gets
    two, one per order it states, with no line and a note that says the
    order decides; C11 two, the open loop's served / offered against 0.95
    and the closed loop's fewest requests per connection against 1."""
    from sbreport import build
    decided = claims.decide(load.load(FIXTURE))
    got = {c.key: c for c in build.decision_charts(decided)}
    want = {"decides_C1": [1e6], "decides_C9": [0.1, 0.9], "decides_C10": [10], "decides_C12": [1]}
    for key, thr in want.items():
        check(key in got and got[key].thresholds == thr, f"{key}: {got.get(key) and got[key].thresholds}")
    check(len(got["decides_C1"].rows) == len(got["decides_C1"].groups) >= 6 and
          "stackless" in got["decides_C1"].groups, f"C1's rows: {got['decides_C1'].groups}")
    check(got["decides_C6"].thresholds[0] > got["decides_C6"].rows[0][0],
          "C6's line is not the smallest ring's ratio times the growth it needs")
    gp, dat, svg = _render(w, got["decides_C9"])
    check("nthr = 2" in gp and "thr1 = 0.1" in gp and "thr2 = 0.9" in gp and "load 'decision.gp'" in gp,
          "C9's thresholds are not drawn")
    check(len(dat.strip().splitlines()) == len(got["decides_C9"].rows), "C9's rows are not one a line")
    for key in ("decides_C2", "decides_C2_2"):
        ch = got.get(key)
        check(ch is not None and ch.thresholds == [] and ch.groups[:2] == ["processes", "threads"] and
              any("the order of the rows" in n for n in ch.notes), f"{key}: {ch and (ch.groups, ch.notes)}")
    check("memory" in got["decides_C2"].title and "creation" in got["decides_C2_2"].title,
          "C2's two charts do not say which order each decides")
    check(got.get("decides_C11") is not None and got["decides_C11"].thresholds == [1] and
          "every connection served" in got["decides_C11"].title, "C11's closed loop has no chart")


@case
def distribution_shows_the_widest(w, binary):
    """The distribution chart draws at most 30 strips, those at two levels
    first and red, then the widest; the caption says how narrow the rest
    are; its axis says log scale (it is one)."""
    from sbreport import questions
    doc = _reps(fixture(), lambda n: n == "pingpong/asm", [1.0, 1.01, 0.99, 1.45, 1.46, 1.44])
    run = load.load(save(doc, os.path.join(w, "r.json")))
    c = questions.distribution(run)
    check(len(c.groups) == questions.DISTRIBUTION_ROWS < len(run.benchmarks), f"{len(c.groups)} strips")
    check("pingpong/asm" in c.groups and c.groups.index("pingpong/asm") in c.marked, "the two-level strip is not red")
    check(c.marked == list(range(len(c.marked))), "the two-level strips are not first")
    check(any(n.startswith("The other ") and "x or less from its lowest repetition" in n for n in c.notes),
          f"the caption: {c.notes}")
    gp, dat, _ = _render(w, c)
    check(all(len(ln.split()) == 3 for ln in dat.strip().splitlines()), "a strip row lacks its mark")
    check("logx = 1" in gp, "the distribution axis is not said to be log")


@case
def a_series_without_points_keeps_its_place(w, binary):
    """A series whose every point cannot be drawn (non-positive on a log
    axis, as sleep/processes' negative memory once was) keeps its block,
    so the series after it stay under their own titles, and its key says
    "no data"."""
    from sbreport.charts import Chart
    c = Chart("t", "t", "q", "lines", "tasks", "bytes (log)", logx=True, logy=True)
    c.add("threads", [(100, 1e4, 9e3, 1.1e4), (1000, 1.2e4, 1e4, 1.3e4)])
    c.add("processes", [(100, -3.2e4, -4e4, 8e4)])
    c.add("asm", [(100, 400, 390, 410), (1000, 500, 490, 510)])
    c.add("ucontext", [(100, 6e3, 5.9e3, 6.1e3), (1000, 7e3, 6.9e3, 7.1e3)])
    _, dat, svg = _render(w, c)
    blocks = dat.rstrip("\n").split("\n\n\n")
    check(len(blocks) == 4 and blocks[1].strip() == "NaN NaN NaN NaN",
          f"the blocks are not one per series, in order: {blocks}")
    check(blocks[2].startswith("100 400 ") and blocks[3].startswith("100 6000 "),
          f"asm's and ucontext's data moved: {blocks}")
    keys = re.findall(r"<title>([^<]*)</title>", svg)
    check(keys[:4] == ["threads", "processes (no data)", "asm", "ucontext"] or
          [k for k in keys if k != "Gnuplot"][:4] == ["threads", "processes (no data)", "asm", "ucontext"],
          f"the key: {keys}")


@case
def axes_say_what_they_are(w, binary):
    """A label says log scale exactly when the axis is one: a log axis over
    less than a decade is drawn linear and its label loses "log"."""
    from sbreport.charts import Chart
    for lo, hi, want in ((100, 120, "ns per switch"), (10, 5000, "ns per switch (log scale)")):
        d = os.path.join(w, f"{lo}-{hi}")
        os.mkdir(d)
        c = Chart("t", "t", "q", "bars", "", "ns per switch (log)", logy=True)
        c.groups = ["a", "b"]
        c.add("x", [(0, lo, lo, lo), (1, hi, hi, hi)])
        gp, _, svg = _render(d, c)
        labels = [t for t in re.findall(r">([^<>]*ns per switch[^<>]*)<", svg)]
        check(labels and labels[0] == want, f"{lo}-{hi}: the y label is {labels}, not {want!r}")
        check(f"logy = {int('log' in want)}" in gp, f"{lo}-{hi}: the axis does not match its label")


@case
def one_value_is_not_a_curve(w, binary):
    """A lines chart with one x value (echo-open at one offered rate) is
    drawn as points with whiskers, and its caption says why."""
    from sbreport.charts import Chart
    c = Chart("t", "t", "q", "lines", "requests offered per second", "p99", logx=True, logy=True)
    for e, v in (("asm", 800), ("threads", 2500), ("stackless", 700)):
        c.add(e, [(20000, v, v * 0.9, v * 1.1)])
    gp, _, _ = _render(w, c)
    check('style = "yerrorbars"' in gp and 'style = "yerrorlines"' not in gp, "one rate drawn as a curve")
    check(any("Only one value of requests offered per second ran (20000)" in n for n in c.notes),
          f"the caption does not say why: {c.notes}")
    d = os.path.join(w, "two")
    os.mkdir(d)
    c2 = Chart("t", "t", "q", "lines", "rate", "p99")
    c2.add("asm", [(1, 2, 1, 3), (2, 3, 2, 4)])
    gp, _, _ = _render(d, c2)
    check('style = "yerrorlines"' in gp, "a sweep lost its lines")


# --- the report's files ---------------------------------------------------

EXPECTED_CHARTS = ["switch_cost", "distribution", "ring", "echo_throughput", "echo_p99", "echo_starvation",
                   "sleep_wall", "sleep_memory", "cpu", "spawn_time", "spawn_warm", "spawn_memory", "spawn_user_memory",
                   "pipeline", "blocking"]


@case
def report_of_the_quick_run(w, binary):
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    rc, err = report(w)
    check(rc == 0, err)
    for c in EXPECTED_CHARTS:
        for ext in ("svg", "png"):
            check(os.path.isfile(os.path.join(w, "charts", f"{c}.{ext}")), f"charts/{c}.{ext} missing")
    html = open(os.path.join(w, "report.html"), encoding="utf-8").read()
    for c in EXPECTED_CHARTS:
        check(f'id="chart-{c}"' in html, f"chart {c} not in the HTML")
    check("<script" not in html.lower(), "the HTML has a script")
    for bad in ("http://", "https://", "<link", "<img", "@import", "url("):
        check(bad not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
              .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', ""), f"the HTML refers to {bad}")
    md = open(os.path.join(w, "report.md"), encoding="utf-8").read()
    rows = [ln for ln in md.splitlines() if ln.startswith("| C")]
    check(len(rows) == N_CLAIMS, f"{len(rows)} claim rows in report.md")
    check(all(r.split("|")[1].strip() == f"C{i + 1}" for i, r in enumerate(rows)), "claim ids out of order")
    for c in EXPECTED_CHARTS:
        check(f"(charts/{c}.png)" in md, f"report.md does not link charts/{c}.png")
    check(not [f for f in os.listdir(w) if f.startswith(".report")], f"temporaries left: {os.listdir(w)}")


@case
def references_beside_our_engines(w, binary):
    """A run with a reference engine: its rows are muted in the charts, the
    results table sets each engine against the best reference, and the
    claims, which the references do not decide, keep their verdicts and
    quote them (C1's rates, C8's sleepers, C11's echo server)."""
    doc = fixture()
    doc["context"]["engines"]["ref-slow"] = {"kind": "coroutine", "stackful": True, "parallel": False,
                                            "separate_memory": False, "workers": False, "reference": True}
    extra = []
    for r in doc["benchmarks"]:
        parts = r["name"].split("/")
        if parts[0] in ("switch", "ring", "pingpong", "sleep", "echo") and parts[1] == "asm" and \
                "/workers" not in r["name"] and "placement" not in r["name"]:
            q = dict(r)
            for k in ("name", "run_name"):
                q[k] = q[k].replace("/asm", "/ref-slow", 1)  # only "asm" matched above
            for k in ("real_time", "cpu_time"):
                q[k] = q[k] * 40
            for rate in ("switches_per_second", "items_per_second"):
                if rate in q:
                    q[rate] = q[rate] / 40
            extra.append(q)
    check(extra, "the fixture has no switch/asm rows")
    doc["benchmarks"] += extra
    before = {k: v.status for k, v in verdicts(FIXTURE).items()}
    path = save(doc, os.path.join(w, "results.json"))
    judged = verdicts(path)
    after = {k: v.status for k, v in judged.items()}
    check(before == after, f"a reference changed verdicts: {before} -> {after}")
    for claim in ("C1", "C8", "C11"):
        check(any(f.startswith("ref-slow (reference") for f in judged[claim].figures),
              f"{claim} does not quote the reference: {judged[claim].figures}")
    c11 = next(f for f in judged["C11"].figures if f.startswith("ref-slow"))
    check(re.search(r"; 0\.0\dx \w+'s .*; 0\.0\dx libuv's", c11), f"C11's reference against ours: {c11}")
    rc, err = report(w)
    check(rc == 0, err)
    md = open(os.path.join(w, "report.md"), encoding="utf-8").read()
    check("engine / best reference" in md, "no engine / best reference column")
    row = next((ln for ln in md.splitlines() if ln.startswith("| switch/asm |")), "")
    # The best reference of the run (ref-slow is 40x slower than asm, so
    # never the best where the run has real references).
    best = "ref-slow" if not any(n.startswith("switch/ref-") for n in (r["name"] for r in fixture()["benchmarks"])) \
        else r"ref-[a-z]+"
    check(re.search(r"\| [0-9.]+ \(" + best + r"\) \|", row), f"switch/asm against the reference: {row}")
    check("| reference |" in next((ln for ln in md.splitlines() if ln.startswith("| switch/ref-slow |")), ""),
          "the reference's own row is not marked")
    from sbreport.charts import MUTED
    svg = open(os.path.join(w, "charts", "switch_cost.svg"), encoding="utf-8").read()
    muted = [tuple(int(MUTED[0][i:i + 2], 16) for i in (1, 3, 5))]
    check(any(f"rgb({r:3d}, {g:3d}, {b:3d})" in svg or f"rgb({r}, {g}, {b})" in svg for r, g, b in muted),
          "the reference's bars are not muted")
    check("switch (reference)" in svg, "no reference series in the switch chart")


@case
def failures_and_left_out_engines_are_shown(w, binary):
    """A benchmark that timed out is a cross on its chart with its reason in
    the caption; an engine left out of the run is named with the command
    that adds it, and the environment describes only engines that ran."""
    doc = fixture()
    gone = "spawn/threads/tasks:10000"
    rows = [b for b in doc["benchmarks"] if b["name"] != gone and not b["name"].split("/")[1:2] == ["ref-goroutine"]]
    first = next(b for b in doc["benchmarks"] if b["name"] == gone)
    rows.append({k: first[k] for k in ("name", "run_name", "run_type", "repetitions", "repetition_index",
                                       "threads", "family_index", "per_family_instance_index") if k in first}
                | {"error_occurred": True, "error_message": "timed out after 120 s (--timeout)",
                   "iterations": 0, "real_time": 0, "cpu_time": 0, "time_unit": "ns"})
    doc["benchmarks"] = rows
    doc["context"]["engines_left_out"] = {"ref-goroutine": {
        "why": "needs the Debian package golang-go", "command": "./bench --engine=ref-goroutine"}}
    save(doc, os.path.join(w, "results.json"))
    rc, err = report(w)
    check(rc == 0, err)
    md = open(os.path.join(w, "report.md"), encoding="utf-8").read()
    check("Red crosses on the axis did not measure: spawn/threads/tasks:10000: timed out after 120 s" in md,
          "no caption names the failed benchmark")
    svg = open(os.path.join(w, "charts", "spawn_time.svg"), encoding="utf-8").read()
    check(">failed<" in svg, "the spawn chart has no mark for the failed benchmark")
    check("ref-goroutine (needs the Debian package golang-go): ./bench --engine=ref-goroutine adds it" in md,
          "the left-out engine is not named with its command")
    env = md[md.index("## Environment"):md.index("## Warnings")]
    fpu = next(ln for ln in env.splitlines() if ln.startswith("- **FPU contract**"))
    check("ref-goroutine" not in fpu and "asm:" in fpu, f"the environment describes an engine that did not run: {fpu}")


@case
def a_run_ends_with_its_report(w, binary):
    args = [binary, "--engine=asm,threads", "--workload=pingpong,ring", "--param", "tasks=2,100",
            "--min-time=20x", "--repetitions=2", f"--results-dir={w}/res", "--format=json"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, p.stderr[-800:])
    run = os.path.realpath(os.path.join(w, "res", "latest"))
    for f in ("report.html", "report.md", "charts/ring.svg", "charts/switch_cost.png"):
        check(os.path.exists(os.path.join(run, f)), f"{f} missing after a run: {os.listdir(run)}")
    p = subprocess.run(args[:-2] + [f"--results-dir={w}/res2", "--no-report", "--format=json"],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, p.stderr[-800:])
    run = os.path.realpath(os.path.join(w, "res2", "latest"))
    check(sorted(os.listdir(run)) == ["results.csv", "results.json"], f"--no-report wrote {os.listdir(run)}")


@case
def bench_report_subcommand(w, binary):
    """./bench report is the same script, reached from the main command."""
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    p = subprocess.run([os.path.join(ROOT, "bench"), "report", w], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0 and os.path.isfile(os.path.join(w, "report.html")), p.stderr[-500:])
    p = subprocess.run([os.path.join(ROOT, "bench"), "report", os.path.join(w, "nothing")], capture_output=True,
                       text=True, timeout=300)
    check(p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, f"exit {p.returncode}: {p.stderr}")


@case
def our_csv_reads_like_our_json(w, binary):
    args = [binary, "--engine=asm", "--workload=ring", "--param", "tasks=2,100", "--min-time=20x",
            "--repetitions=2", "--results-dir=", "--format=csv"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, p.stderr[-500:])
    path = os.path.join(w, "r.csv")
    open(path, "w").write(p.stdout)
    rc, err = report(path)
    check(rc == 0, err)
    check(os.path.isfile(os.path.join(w, "charts", "ring.png")), f"{os.listdir(os.path.join(w, 'charts'))}")


# --- any Google Benchmark output ------------------------------------------

def _gbench(w):
    cxx = shutil.which("g++")
    if not cxx:
        raise Skip("g++ is not installed (Debian package g++)")
    if not os.path.exists("/usr/include/benchmark/benchmark.h"):
        raise Skip("Google Benchmark is not installed (Debian package libbenchmark-dev)")
    exe = os.path.join(w, "gbench_sample")
    p = subprocess.run([cxx, "-O2", "-std=c++17", os.path.join(HERE, "gbench_sample.cc"), "-o", exe,
                        "-lbenchmark", "-lpthread"], capture_output=True, text=True)
    check(p.returncode == 0, p.stderr[-800:])
    return exe


@case
def google_benchmark_json_and_csv(w, binary):
    exe = _gbench(w)
    js, cs = os.path.join(w, "json"), os.path.join(w, "csv")
    os.mkdir(js)
    os.mkdir(cs)
    p = subprocess.run([exe, f"--benchmark_out={js}/x.json", "--benchmark_repetitions=3",
                        "--benchmark_min_time=0.01"], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, p.stderr[-500:])
    p = subprocess.run([exe, "--benchmark_format=csv", "--benchmark_min_time=0.01"], capture_output=True,
                       text=True, timeout=300)
    check(p.returncode == 0, p.stderr[-500:])
    open(os.path.join(cs, "x.csv"), "w").write(p.stdout)
    for d, f in ((js, "x.json"), (cs, "x.csv")):
        rc, err = report(os.path.join(d, f))
        check(rc == 0, f"{f}: {err}")
        charts = sorted(os.listdir(os.path.join(d, "charts")))
        check("family_BM_memcpy.svg" in charts and "family_BM_vector_push.png" in charts,
              f"{f}: charts {charts}")
        html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
        check("BM_memcpy/512" in html and "Claims" not in html, f"{f}: the HTML lacks its rows or has claims")


# --- comparison -----------------------------------------------------------

def _synthetic(path, a_scale, n=7):
    bs = []
    for name, base in (("BM_a/8", 100.0), ("BM_a/64", 400.0), ("BM_b", 50.0)):
        for i in range(n):
            t = base * (1 + 0.01 * ((i * 37) % 5)) * (a_scale if name.startswith("BM_a") else 1)
            bs.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": n,
                       "repetition_index": i, "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": "ns"})
    return save({"context": {"date": path}, "benchmarks": bs}, path)


def _family(path, scale, reps, n=30):
    """n benchmarks of reps repetitions each, every time scaled by scale."""
    bs = []
    for k in range(n):
        name = f"BM_f/{k}"
        for i in range(reps):
            t = (100.0 + k) * (1 + 0.01 * ((i * 37) % 5)) * scale
            bs.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": reps,
                       "repetition_index": i, "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": "ns"})
    return save({"context": {"date": path}, "benchmarks": bs}, path)


@case
def comparison_knows_its_power(w, binary):
    """6 against 6 repetitions over 30 benchmarks: the U test can reach at
    best p = 0.0022, 0.065 after Holm, so nothing can be called: every row
    says "cannot tell", the banner says the power and the repetitions
    that would give it, even where B is 30 % slower. With 10 a side the
    same change is called."""
    for reps, want in ((6, "cannot tell: too few repetitions"), (10, "regressed")):
        a = _family(os.path.join(w, f"a{reps}.json"), 1.0, reps)
        b = _family(os.path.join(w, f"b{reps}.json"), 1.3, reps)
        out = os.path.join(w, f"out{reps}")
        os.mkdir(out)
        rc, err = report(a, b, "--out", out)
        check(rc == 0, err)
        md = open(os.path.join(out, "compare.md"), encoding="utf-8").read()
        rows = [ln for ln in md.splitlines() if ln.startswith("| BM_f/")]
        check(len(rows) == 30 and all(want in r for r in rows), f"{reps} a side: {rows[:2]}")
        said = "No change can be called: 6 a side can reach at best p = 0.065 (Holm over 30; alpha 0.05): a " \
               "change can be called only with 7 or more repetitions a side"
        check((said in md) == (reps == 6), f"{reps} a side: the power is {'not ' if reps == 6 else ''}said: "
                                          f"{md[:600]}")
        check("| C1 |" not in md or "| A | B |" in md, "the claims are not side by side")


@case
def comparison_marks_changes(w, binary):
    a, b = _synthetic(os.path.join(w, "a.json"), 1.0), _synthetic(os.path.join(w, "b.json"), 2.0)
    rc, err = report(a, b, "--out", w)
    check(rc == 0, err)
    md = open(os.path.join(w, "compare.md"), encoding="utf-8").read()
    rows = {ln.split("|")[1].strip(): ln for ln in md.splitlines() if ln.startswith("| BM_")}
    check("regressed" in rows.get("BM_a/8", ""), f"BM_a/8: {rows.get('BM_a/8')}")
    check("within noise" in rows.get("BM_b", ""), f"BM_b: {rows.get('BM_b')}")
    check(os.path.isfile(os.path.join(w, "charts-compare", "compare_BM_a.png")),
          f"{os.listdir(os.path.join(w, 'charts-compare'))}")
    # Two runs with three repetitions a side: no test, said so.
    a3, b3 = _synthetic(os.path.join(w, "a3.json"), 1.0, 3), _synthetic(os.path.join(w, "b3.json"), 2.0, 3)
    rc, err = report(a3, b3, "--out", w)
    check(rc == 0 and "untested" in open(os.path.join(w, "compare.md")).read(), err)


def _with_counters(path, scale, registry):
    """A run of one benchmark, 7 repetitions, with three counters: a
    latency, a rate and a tally, each times `scale`."""
    bs = []
    for i in range(7):
        v = 1 + 0.01 * i
        bs.append({"name": "BM_c", "run_name": "BM_c", "run_type": "iteration", "repetitions": 7,
                   "repetition_index": i, "iterations": 1000, "real_time": 100.0 * v, "cpu_time": 100.0 * v,
                   "time_unit": "ns", "p99_us": 20.0 * v * scale, "items_per_second": 5e4 * v * scale,
                   "tasks": 10.0 * scale})
    return save({"context": {"date": path, "counters": registry}, "benchmarks": bs}, path)


COUNTER_LINES = [
    {"name": "p99_us", "unit": "furlongs", "kind": "latency", "better": "lower", "meaning": "slowest 1 %"},
    {"name": "items_per_second", "unit": "/s", "kind": "rate", "better": "higher", "meaning": "served"},
    {"name": "tasks", "unit": "tasks", "kind": "count", "better": "neither", "meaning": "tasks alive"},
]


@case
def counters_read_their_registry(w, binary):
    """The run's counter registry (context.counters) gives each counter its
    unit and which way is better: doubling a latency is worse, doubling a
    rate better, a tally is not judged; the unit printed is the registry's
    even where the name suggests another."""
    a = _with_counters(os.path.join(w, "a.json"), 1.0, COUNTER_LINES)
    b = _with_counters(os.path.join(w, "b.json"), 2.0, COUNTER_LINES)
    rc, err = report(a, b, "--out", w)
    check(rc == 0, err)
    md = open(os.path.join(w, "compare.md"), encoding="utf-8").read()
    row = next((ln for ln in md.splitlines() if ln.startswith("| BM_c")), "")
    check("p99_us 2x worse" in row and "items_per_second 2x better" in row and "tasks" not in row, row)
    os.mkdir(os.path.join(w, "one"))
    rc, err = report(a, "--out", os.path.join(w, "one"))
    check(rc == 0, err)
    md = open(os.path.join(w, "one", "report.md"), encoding="utf-8").read()
    check("furlongs" in md, md[-800:])
    # A registry line that is not all strings is bad input, one line.
    bad = [dict(COUNTER_LINES[0], better=1)]
    rc, err = report(_with_counters(os.path.join(w, "c.json"), 1.0, bad), "--out", w)
    check(rc == 2 and "context.counters[0].better" in err and err.count("\n") == 1, err)


@case
def comparison_states_both_sides(w, binary):
    """report A B states each side's commit and settings first; one commit
    on both sides is warned as noise, different settings as unlike."""
    a, b = fixture(), fixture()
    for d in (a, b):
        d["context"]["source_commit"] = "0123456789abcdef0123456789abcdef01234567"
        d["context"]["source_dirty"] = False
    pa, pb = save(a, os.path.join(w, "a.json")), save(b, os.path.join(w, "b.json"))
    rc, err = report(pa, pb, "--out", w)
    check(rc == 0, err)
    md = open(os.path.join(w, "compare.md"), encoding="utf-8").read()
    check("same commit (0123456789ab)" in md and "**A commit**: 0123456789ab" in md, md[:1500])
    b["context"]["repetitions"], b["context"]["min_time"] = 10, 0.2
    b["context"]["source_commit"] = "fedcba9876543210fedcba9876543210fedcba98"
    save(b, pb)
    rc, err = report(pa, pb, "--out", w)
    check(rc == 0, err)
    md = open(os.path.join(w, "compare.md"), encoding="utf-8").read()
    check("same commit" not in md and "different settings" in md and "repetitions: A 6, B 10" in md, md[:1500])


@case
def machines_side_by_side(w, binary):
    """Runs from two hosts: one report (chosen by itself), a verdict and an
    environment column per machine, a series per machine and engine in the
    line charts, every warning naming its machine, a host name shown as
    text; --machines takes three runs; without it three are refused."""
    a, b = fixture(), fixture()
    b["context"]["host_name"] = "arm<b>box\"</b>"
    b["context"]["load_host"] = {"agent": "198.18.0.1:7000", "host": "loadhost", "server_addr": "198.18.0.2"}
    for x in b["benchmarks"]:
        x["real_time"] *= 1.5
    pa, pb = save(a, os.path.join(w, "a.json")), save(b, os.path.join(w, "b.json"))
    rc, err = report(pa, pb, "--out", w)
    check(rc == 0, err)
    page = open(os.path.join(w, "machines.html"), encoding="utf-8").read()
    md = open(os.path.join(w, "machines.md"), encoding="utf-8").read()
    host = a["context"]["host_name"]
    check("Claims, machine by machine" in page and "Environment, machine by machine" in page, page[:800])
    check("<b>box" not in page and "arm&lt;b&gt;box&quot;&lt;/b&gt;" in page, "the host name became markup")
    check(f"| id | claim | {host} | arm" in md, md[:600])
    check("loadhost (agent 198.18.0.1:7000" in md and "| this host |" in md, "the load host is not in the environment")
    rc, err = report(pb, "--out", w)
    check(rc == 0 and "**echo load from**: loadhost (agent 198.18.0.1:7000; server listening on 198.18.0.2)"
          in open(os.path.join(w, "report.md"), encoding="utf-8").read(), err)
    warns = md.split("## Warnings", 1)[1].split("##", 1)[0]
    check(all(line.startswith((f"- {host} — ", "- arm")) for line in warns.strip().splitlines()), warns)
    charts_dir = os.path.join(w, "charts-machines")
    ring = open(os.path.join(charts_dir, "ring.svg"), encoding="utf-8").read()
    check(f"{host}: asm" in ring and "arm&lt;b>box\"&lt;/b>: asm" in ring, "ring has no series per machine and engine")
    check(any(n.startswith("switch_cost__") for n in os.listdir(charts_dir)), "no small multiple per machine")
    c = fixture()
    c["context"]["host_name"] = "third"
    pc = save(c, os.path.join(w, "c.json"))
    rc, err = report(pa, pb, pc, "--out", w)
    check(rc == 2 and "--machines" in err, err)
    rc, err = report("--machines", pa, pb, pc, "--out", w)
    md = open(os.path.join(w, "machines.md"), encoding="utf-8").read()
    check(rc == 0 and f"| id | claim | {host} | " in md and " | third |" in md, err or md[:600])


@case
def mann_whitney_agrees_with_scipy(w, binary):
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        raise Skip("scipy is not installed (Debian package python3-scipy)")
    import random
    r = random.Random(7)
    for n1, n2, ties in ((3, 3, 0), (5, 6, 0), (8, 8, 0), (9, 12, 0), (6, 7, 1), (15, 15, 1)):
        a = [round(r.random() * 10, 0 if ties else 6) for _ in range(n1)]
        b = [round(r.random() * 10 + 1, 0 if ties else 6) for _ in range(n2)]
        want = mannwhitneyu(a, b, alternative="two-sided").pvalue
        got = stats.mann_whitney_p(a, b)
        check(abs(want - got) < 1e-9, f"n={n1},{n2} ties={ties}: {got} vs scipy {want}")


# --- bad input -------------------------------------------------------------

def _bad(w, args, needle):
    out = os.path.join(w, "out")
    os.makedirs(out, exist_ok=True)
    before = sorted(os.listdir(out))
    rc, err = report(*args, "--out", out)
    check(rc == 2, f"{args}: exit {rc}: {err}")
    lines = err.strip().splitlines()
    check(len(lines) == 1 and needle in lines[0], f"{args}: {err!r}")
    check(sorted(os.listdir(out)) == before, f"{args}: wrote {os.listdir(out)}")


@case
def bad_input_is_one_line(w, binary):
    def put(name, text):
        p = os.path.join(w, name)
        open(p, "w").write(text)
        return p
    good = open(FIXTURE).read()
    _bad(w, [put("trunc.json", good[: len(good) // 2])], "not valid JSON")
    _bad(w, [put("text.json", "hello\n")], "CSV header")
    _bad(w, [put("obj.json", '{"x": 1}')], "benchmarks")
    _bad(w, [put("pre.csv", "Running ./x\nname,iter,real_time\nBM_a,1,2,3,ns\n")], "CSV header")
    _bad(w, [put("cols.csv", "name,iterations,real_time\nBM_a,1,2\n")], "lacks cpu_time, time_unit")
    _bad(w, [put("short.csv", "name,iterations,real_time,cpu_time,time_unit\nBM_a,1,2\n")], "line 2")
    _bad(w, [put("empty.json", '{"context": {}, "benchmarks": []}')], "empty run")
    _bad(w, [put("zero.json", "")], "empty")
    _bad(w, [os.path.join(w, "no-such-dir")], "no such file or directory")
    os.mkdir(os.path.join(w, "emptydir"))
    _bad(w, [os.path.join(w, "emptydir")], "without results.json")
    a = _synthetic(os.path.join(w, "a.json"), 1.0)
    other = save({"benchmarks": [{"name": "BM_z", "real_time": 1, "cpu_time": 1, "time_unit": "ns",
                                  "iterations": 1}]}, os.path.join(w, "z.json"))
    _bad(w, [a, other], "no benchmark in common")
    _bad(w, [a, a, a], "not 3 runs")
    # An --out whose parent is missing: one line; a new folder in an
    # existing one is made, as mkdir -p would (and taken away again when
    # the report then fails, so nothing is left half-done).
    rc, err = report(a, "--out", os.path.join(w, "missing", "deeper"))
    check(rc == 2 and "does not exist" in err and len(err.strip().splitlines()) == 1, err)
    rc, err = report(a, "--out", os.path.join(w, "made"))
    check(rc == 0 and os.path.exists(os.path.join(w, "made", "report.html")), err)
    env = dict(os.environ, PATH=os.path.join(w, "nognuplot"))
    os.mkdir(os.path.join(w, "nognuplot"))
    rc, err = report(a, "--out", os.path.join(w, "made2"), env=env)
    check(rc != 0 and not os.path.exists(os.path.join(w, "made2")), f"exit {rc}, {err}")


@case
def nothing_written_when_drawing_fails(w, binary):
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    env = dict(os.environ, PATH=os.path.join(w, "bin"))
    os.mkdir(os.path.join(w, "bin"))
    with open(os.path.join(w, "bin", "gnuplot"), "w") as f:
        f.write("#!/bin/sh\necho 'gnuplot: injected failure' >&2\nexit 1\n")
    os.chmod(os.path.join(w, "bin", "gnuplot"), 0o755)
    rc, err = report(w, env=env)
    check(rc == 1 and "injected failure" in err, f"exit {rc}: {err}")
    check(sorted(os.listdir(w)) == ["bin", "results.json"], f"left behind: {os.listdir(w)}")


@case
def a_stopped_report_leaves_nothing(w, binary):
    """SIGTERM while gnuplot draws: exit 143, gnuplot gone, nothing written."""
    import signal
    import time
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    os.mkdir(os.path.join(w, "bin"))
    with open(os.path.join(w, "bin", "gnuplot"), "w") as f:
        f.write("#!/bin/sh\necho $$ > \"$SB_FAKE_PID\"\nexec sleep 30\n")
    os.chmod(os.path.join(w, "bin", "gnuplot"), 0o755)
    pidfile = os.path.join(w, "gnuplot.pid")
    env = dict(os.environ, PATH=os.path.join(w, "bin") + ":/usr/bin:/bin", SB_FAKE_PID=pidfile)
    p = subprocess.Popen([PY, REPORT, w], env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(500):
        if os.path.exists(pidfile) and open(pidfile).read().strip():
            break
        time.sleep(0.02)
    check(os.path.exists(pidfile), "gnuplot never started")
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=30)[1]
    check(p.returncode == 143 and "nothing written" in err, f"exit {p.returncode}: {err}")
    gp = int(open(pidfile).read())

    def alive():
        try:
            return "Z" not in open(f"/proc/{gp}/stat").read().split(")")[1][:3]
        except OSError:
            return False
    # Gone, not gone fast: a loaded machine may take a moment to deliver
    # the kill (polled for up to 5 s; it once failed a fixed 0.1 s).
    for _ in range(250):
        if not alive():
            break
        time.sleep(0.02)
    check(not alive(), "gnuplot was left running")
    check(sorted(os.listdir(w)) == ["bin", "gnuplot.pid", "results.json"], f"left behind: {os.listdir(w)}")


# --- what a person sees ------------------------------------------------------

class _Recorder(threading.Thread):
    """A proxy that only counts: any request the page makes reaches it."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                c.settimeout(2)
                self.requests.append(c.recv(2048).split(b"\r\n", 1)[0].decode(errors="replace"))
                c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            c.close()

    def stop(self):
        self.sock.close()


# Chromium's own services call home even headless (update, sign-in, network
# time) whatever the flags: those hosts are not the page's. The page cannot
# reach them either: report_of_the_quick_run proves the HTML holds no URL.
BROWSER_HOSTS = (".google.com", ".googleapis.com", ".gvt1.com", ".gstatic.com")


def _page_requests(requests):
    out = []
    for r in requests:
        target = r.split(" ")[1] if " " in r else r
        host = target.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if not host.endswith(BROWSER_HOSTS):
            out.append(r)
    return out


def _chromium(w, html, *args):
    exe = shutil.which("chromium")
    if not exe:
        raise Skip("chromium is not installed (Debian package chromium)")
    proxy = _Recorder()
    proxy.start()
    prof = tempfile.mkdtemp(dir=w)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", f"--user-data-dir={prof}", "--enable-logging=stderr", "--v=0",
           f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
           "--hide-scrollbars", "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync", "--disable-extensions",
           "--disable-default-apps", "--disable-domain-reliability", "--no-default-browser-check",
           "--disable-client-side-phishing-detection",
           "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
           "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
           *args, "file://" + html]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        proxy.stop()
    return p, _page_requests(proxy.requests)


def _png_pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG, as
    Chromium writes its screenshots; the standard library has no PNG
    reader, and the format is zlib with a filter byte per row."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    at, idat, w = 8, b"", None
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            check(depth == 8 and ctype in (2, 6) and not interlace, f"{path}: a PNG kind this reader skips")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def _rows_with(rows, rgb, least):
    """The y of each pixel row that holds at least `least` pixels of rgb."""
    return [y for y, r in enumerate(rows) if sum(1 for p in r if p == rgb) >= least]


BANNER_RGB = (0xff, 0xf6, 0xe0)  # page.py: .banner background
ANSWERS_RGB = (0xf5, 0xf9, 0xfe)  # page.py: ol.answers background


@case
def first_screen_answers(w, binary):
    """The first screen, at 1280 and at 400 px wide, opens on the answers:
    one line per claim (their list's colour) from near the top, before the
    warnings banner; read from Chromium's screenshot of an 800 px high
    window."""
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    rc, err = report(w)
    check(rc == 0, err)
    html = os.path.join(w, "report.html")
    page = open(html, encoding="utf-8").read()
    check(page.count("<li><a class=aid") == N_CLAIMS, "not one answer line per claim")
    check(page.index("<ol class=answers>") < page.index("class=banner"), "the banner comes before the answers")
    for width in (1280, 400):
        shot = os.path.join(os.environ.get("SB_SCREENSHOT_DIR", w), f"first-screen-{width}.png")
        p, requests = _chromium(w, html, f"--window-size={width},800", f"--screenshot={shot}")
        check(p.returncode == 0 and os.path.exists(shot), f"no screenshot at {width}px: {p.stderr[-400:]}")
        _, h, rows = _png_pixels(shot)
        answers = _rows_with(rows, ANSWERS_RGB, width // 4)
        check(answers and min(answers) < 220, f"{width}px: the answers do not open the page ({shot})")
        check(len(answers) > h // 2, f"{width}px: the answers fill {len(answers)} of {h} rows ({shot})")
        print(f"ok   {width}px: answers from y {min(answers)}, {len(answers)} of {h} rows")


# Appended to a copy of the page (never to the report): measures, once
# laid out, whether the page or any chart is wider than the window.
MEASURE = """<script>
window.onload = function () {
  var w = window.innerWidth, over = [];
  if (document.documentElement.scrollWidth > w) over.push("page " + document.documentElement.scrollWidth);
  document.querySelectorAll("figure svg").forEach(function (s) {
    var r = s.getBoundingClientRect();
    if (r.right > w + 0.5) over.push(s.closest("figure").id + " " + Math.round(r.right));
  });
  document.title = "MEASURED " + w + ": " + (over.join(", ") || "none wider");
};
</script>"""


@case
def no_chart_wider_than_the_page(w, binary):
    """At 400 and 1280 px, no chart (nor the page) is wider than the
    window: measured by Chromium in a copy of the page with a script
    appended."""
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    rc, err = report(w)
    check(rc == 0, err)
    copy = os.path.join(w, "measured.html")
    with open(os.path.join(w, "report.html"), encoding="utf-8") as f:
        text = f.read()
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", MEASURE + "</body>"))
    for width in (400, 1280):
        p, _ = _chromium(w, copy, f"--window-size={width},800", "--dump-dom")
        got = re.search(r"<title>MEASURED (\d+): ([^<]*)</title>", p.stdout)
        check(got, f"{width}px: the page was not measured: {p.stderr[-300:]}")
        check(got.group(2) == "none wider", f"{width}px (window {got.group(1)}): wider than the window: "
                                              f"{got.group(2)}")


@case
def chromium_renders_the_report(w, binary):
    shutil.copy(FIXTURE, os.path.join(w, "results.json"))
    rc, err = report(w)
    check(rc == 0, err)
    html = os.path.join(w, "report.html")
    p, requests = _chromium(w, html, "--dump-dom")
    check(p.returncode == 0, p.stderr[-800:])
    console = [ln for ln in p.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    check(not console, f"console messages: {console[:5]}")
    check(not requests, f"network requests: {requests}")
    dom = p.stdout
    for c in EXPECTED_CHARTS:
        check(f'id="chart-{c}"' in dom and "<svg" in dom, f"chart {c} is not in the rendered page")
    rows = dom.count('<tr id="C')
    check(rows == N_CLAIMS, f"{rows} claim rows rendered")
    for width in (1280, 400):
        shot = os.path.join(os.environ.get("SB_SCREENSHOT_DIR", w), f"report-{width}.png")
        p, requests = _chromium(w, html, f"--window-size={width},2400", f"--screenshot={shot}")
        check(p.returncode == 0 and os.path.getsize(shot) > 10000, f"no screenshot at {width}px: {p.stderr[-400:]}")
        check(not requests, f"network requests: {requests}")


def main(argv):
    return casekit.main(argv, "report_test.py", "[BINARY]", default=os.path.join(ROOT, "build", "switchbench"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
