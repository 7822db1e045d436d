#!/usr/bin/python3
"""./bench regress: did a change make switchbench's benchmarks slower?

  --base REV            build REV in a git worktree and run base and head
                        interleaved, benchmark by benchmark, repetition by
                        repetition, on the same cores
  --baseline FILE       compare with a stored file instead (Google Benchmark
                        JSON for time; a file of --write-baseline for
                        instructions); the head is --input FILE or a fresh run
  --metric=time|instructions
                        wall time (U test, and the 95 % interval of the ratio
                        wholly beyond the threshold, default 10 %) or
                        instructions per operation under callgrind (exactly
                        repeatable; default threshold 1 %)
Writes a Markdown table to stdout (and to $GITHUB_STEP_SUMMARY when set), and
regress.json, regress.md and charts-regress/ into --out. Exit 1 on a
regression, 0 otherwise, 2 on bad usage or input (one line, nothing run),
3 when it could not measure or write (one line naming why)."""

import argparse
import datetime
import json
import math
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sbreport import abrun, charts, entry, judge, load, machine, publish, registry, schema  # noqa: E402
from sbreport.charts import Chart, spread  # noqa: E402
from sbreport.text import md  # noqa: E402

ROOT = abrun.ROOT
HEAD = os.path.join(ROOT, "build", "switchbench")
# What a regression run measures unless told: the switch-cost families at
# one ring size, every engine for time; for instructions, our own
# coroutine engines (the kernel engines' counts depend on the scheduler,
# valgrind runs threads one at a time, and a reference's count is not ours
# to gate), read from the binary's registry (switchbench --describe).
DEFAULT_WORKLOADS = ["--workload=switch,pingpong,ring", "--param", "tasks=100"]


def parse(argv):
    ap = entry.Parser(prog="./bench regress", description=__doc__.split("\n", 1)[0],
                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 1)[1])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--base", metavar="REV", help="git revision to compare the working tree's build with")
    src.add_argument("--base-binary", metavar="PATH", help="a switchbench binary to compare with, built elsewhere")
    src.add_argument("--baseline", metavar="FILE",
                     help="stored results to compare with; with --metric=instructions, 'auto' is "
                          "results/baseline/instructions-<machine class>.json (none there: nothing to compare, "
                          "exit 0)")
    src.add_argument("--write-baseline", metavar="FILE",
                     help="measure the head and write an instruction-count baseline (with --metric=instructions)")
    ap.add_argument("--input", metavar="FILE", help="with --baseline: the head's results instead of a fresh run")
    ap.add_argument("--metric", choices=("time", "instructions"), default="time")
    ap.add_argument("--threshold", type=entry.finite_number, metavar="PCT",
                    help="smallest change called a regression, in percent (default 10 for time, 1 for "
                         "instructions)")
    ap.add_argument("--alpha", type=entry.finite_number, default=0.05,
                    help="family-wise significance of the U tests, Holm-adjusted over the benchmarks (default 0.05)")
    ap.add_argument("--repetitions", type=int, default=9, metavar="N", help="samples a side (default 9)")
    ap.add_argument("--min-time", type=entry.finite_number, default=0.05, metavar="S",
                    help="seconds a time sample lasts at least (default 0.05)")
    ap.add_argument("--iterations", type=int, default=20000, metavar="N",
                    help="operations counted per instruction sample (default 20000)")
    ap.add_argument("--any-machine", action="store_true", help="compare with a baseline of another machine class")
    ap.add_argument("--head-binary", default=HEAD, metavar="PATH", help="the head's switchbench (default build/)")
    ap.add_argument("--out", metavar="DIR", help="where regress.json, regress.md and the chart go "
                                                  "(default results/regress/<time>)")
    ap.add_argument("select", nargs="*", metavar="-- OPTION",
                    help="after --: switchbench options that choose the benchmarks (default: "
                         "switch, pingpong and ring of 100 tasks)")
    a = ap.parse_args(argv)
    if a.threshold is None:
        a.threshold = 10.0 if a.metric == "time" else 1.0
    if not 0 < a.threshold < 1000 or not 0 < a.alpha < 1 or a.repetitions < 1 or a.iterations < 1 or \
            a.min_time <= 0:
        ap.error("--threshold, --alpha, --repetitions, --iterations and --min-time must be positive "
                 "(alpha below 1)")
    if a.write_baseline and a.metric != "instructions":
        ap.error("--write-baseline is for --metric=instructions (a time baseline is any run's results.json)")
    if a.input and not a.baseline:
        ap.error("--input goes with --baseline")
    return a


def log(msg):
    print(f"regress: {msg}", file=sys.stderr, flush=True)


def select_args(a):
    if a.select:
        return a.select
    if a.metric == "time":
        return DEFAULT_WORKLOADS
    ours = registry.engines(registry.describe(a.head_binary), kind="coroutine", ours=True)
    return [*DEFAULT_WORKLOADS, "--engine=" + ",".join(ours)]


def head_context(binary):
    p = abrun.subprocess.run([binary, "--engine=stackless", "--workload=bare", "--min-time=1x",
                              "--repetitions=1", "--results-dir=", "--format=json"], capture_output=True, text=True)
    try:
        return json.loads(p.stdout)["context"]
    except (ValueError, KeyError):
        raise load.BadInput(f"{binary} did not run: {p.stderr.strip()[-200:]}") from None


def refuse_unless_same(a, what, base, head, unsaid, differs):
    """A baseline holds only for the head's class: refused in one line when
    it does not say its class (unsaid) or names another (differs(base,
    head)), unless --any-machine."""
    if a.any_machine:
        return
    if base is None:
        raise load.BadInput(f"{what} {unsaid}; --any-machine compares anyway")
    if base != head:
        raise load.BadInput(f"{what} {differs(base, head)} (--any-machine compares anyway)")


def interleaved(a, base_bin, head_bin, todo):
    """Samples a side per benchmark: base and head take turns, the order
    flipping every repetition, so drift hits both alike."""
    out, sel = {}, select_args(a)
    for i, n in enumerate(todo):
        iters = abrun.calibrate(head_bin, n, a.min_time, sel)
        s = {"base": [], "head": []}
        for r in range(a.repetitions):
            for side in (("base", "head") if r % 2 == 0 else ("head", "base")):
                s[side].append(abrun.sample(base_bin if side == "base" else head_bin, n, iters, sel))
        out[n] = (s["base"], s["head"])
        log(f"[{i + 1}/{len(todo)}] {n}: {iters} iterations, head/base "
            f"{judge.stats.median(s['head']) / judge.stats.median(s['base']):.3f}")
    return out


def check_count_class(bdoc, hctx, a):
    """An instruction baseline holds where the architecture, the compiler
    and its flags are the same (machine.count_class)."""
    refuse_unless_same(a, a.baseline, bdoc.get("count_class"), machine.count_class(hctx),
                       "does not say what it was counted with (no count_class: write it again with "
                       "--write-baseline)",
                       lambda b, h: f"was counted with {b}, this build is {h}: counts do not carry across "
                                    "architectures or compilers")
    refuse_unless_same(a, a.baseline, bdoc.get("compiler_flags"), hctx.get("compiler_flags"),
                       "does not say its compiler flags",
                       lambda b, h: f"was counted with flags '{b}', this build uses '{h}'")


def read_instruction_file(path):
    f = load.resolve(path)
    doc = schema.parse_json(f, load.read_text(f))
    schema.instruction_file(f, doc)
    return doc


def check_destinations(a):
    """Everything regress will write to, checked before it measures: --out
    (a directory, or a new one whose parent is writable), the step summary
    and the temporary directory, --write-baseline's directory."""
    if a.out is not None:
        if a.out == "":
            raise load.BadInput("--out: an empty path")
        if os.path.lexists(a.out) and not os.path.isdir(a.out):
            raise load.BadInput(f"--out {a.out}: exists and is not a directory")
        publish.check_dir(a.out if os.path.isdir(a.out) else os.path.dirname(os.path.abspath(a.out)))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8"):
                pass
        except OSError as e:
            raise load.BadInput(f"GITHUB_STEP_SUMMARY={summary}: cannot append to it: {entry.why(e)}") from None
    tmp = os.environ.get("TMPDIR")
    if tmp and not (os.path.isdir(tmp) and os.access(tmp, os.W_OK | os.X_OK)):
        raise load.BadInput(f"TMPDIR={tmp}: not a writable directory")
    if a.write_baseline:
        d = os.path.dirname(os.path.abspath(a.write_baseline))
        if os.path.isdir(a.write_baseline):
            raise load.BadInput(f"--write-baseline {a.write_baseline}: a directory, not a file")
        publish.check_dir(d)


def measure_instructions(a, binary, todo, workloads=None):
    return abrun.instructions_many(binary, todo, a.iterations, log, select_args(a), workloads)


def instruction_doc(a, binary, counts, ctx, workloads):
    return {"metric": "instructions", "unit": "instructions per operation (callgrind)",
            "count_class": machine.count_class(ctx), "machine_class": machine.of_context(ctx),
            "architecture": ctx.get("architecture"), "compiler": ctx.get("compiler"),
            "compiler_flags": ctx.get("compiler_flags"), "dirty": ctx.get("source_dirty"),
            "commit": ctx.get("source_commit"), "iterations": a.iterations,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "benchmarks": dict(sorted(counts.items())),
            # Each benchmark's workload, from its record: history groups by it.
            "workloads": dict(sorted(workloads.items()))}


def compare_rows(pairs, a, exact):
    js = judge.judge_all(pairs, a.threshold / 100, a.alpha, exact=exact)
    return [(n, base, head, js[n]) for n, (base, head) in pairs.items()]


def fmt_val(v, metric):
    return f"{v:.1f}" if metric == "instructions" else charts_fmt(v)


def charts_fmt(v):
    from sbreport.rules import fmt
    return fmt(v)


def markdown(rows, a, title):
    unit = "instructions/op" if a.metric == "instructions" else "ns/op"
    out = [f"### {md(title)}", "", f"| benchmark | base ({unit}) | head ({unit}) | head/base | 95 % interval | p (Holm) | verdict |",
           "|---|---:|---:|---:|---:|---:|---|"]
    for n, base, head, j in rows:
        iv = f"{j.interval[0]:.3f} – {j.interval[1]:.3f}" if j.interval and a.metric == "time" else ""
        p = f"{j.p_adjusted:.3g}" if j.p_adjusted is not None else ""
        mark = "**regressed**" if j.verdict == "regressed" else j.verdict
        if j.verdict == "cannot tell" and getattr(j, "why", ""):
            mark += " (too few samples)" if j.power and not j.power.enough else f" ({j.why})"
        out.append(f"| {md(n)} | {fmt_val(j.base_median, a.metric)} | {fmt_val(j.head_median, a.metric)} | "
                   f"{j.ratio:.3f} | {iv} | {p} | {mark} |")
    counts = {v: sum(j.verdict == v for *_, j in rows)
              for v in ("regressed", "improved", "within noise", "cannot tell", "unchanged")}
    said = ", ".join(f"{k} {v}" for v, k in counts.items() if k or v in ("regressed", "improved"))
    out += ["", f"{said} of {len(rows)}; metric {a.metric}, threshold {a.threshold:g} %"
                + (f", alpha {a.alpha:g}, {a.repetitions} samples a side" if a.metric == "time"
                   else " (counts repeat exactly)"), ""]
    weak = next((j.power for *_, j in rows if j.power and not j.power.enough), None)
    if weak:
        out += [f"No change can be called: {weak.words()} (--repetitions).", ""]
    return "\n".join(out)


def chart(rows, a):
    c = Chart("regress", "Head against base", "Is the head slower than the base? (median, whiskers min–max "
              "of the samples)", "bars", "", ("instructions per op" if a.metric == "instructions"
                                              else "ns per op") + " (log)", logy=True)
    c.series = [("base", []), ("head", [])]
    c.styles = [(0, 1), (1, 1)]
    for n, base, head, _ in rows:
        gi = len(c.groups)
        c.groups.append(n)
        c.series[0][1].append((gi,) + spread(base))
        c.series[1][1].append((gi,) + spread(head))
    return c


def write_outputs(a, rows, md, meta):
    out = a.out or os.path.join(ROOT, "results", "regress", time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    doc = dict(meta, metric=a.metric, threshold_pct=a.threshold, alpha=a.alpha, benchmarks=[
        {"name": n, "base": base, "head": head, "base_median": j.base_median, "head_median": j.head_median,
         "ratio": j.ratio, "interval": list(j.interval) if j.interval else None, "p": j.p,
         "p_holm": j.p_adjusted, "verdict": j.verdict}
        for n, base, head, j in rows])
    for r in doc["benchmarks"]:
        for k in ("base_median", "head_median", "ratio"):
            if not math.isfinite(r[k]):
                raise RuntimeError(f"{r['name']}: {k} is {r[k]}: nothing to compare")
    with publish.Stage(out, ["regress.json", "regress.md", "charts-regress"]) as st:
        cdir = st.path("charts-regress")
        os.mkdir(cdir)
        drawn = charts.render([chart(rows, a)], cdir)
        st.write("regress.json", json.dumps(doc, indent=1, allow_nan=False) + "\n")
        st.write("regress.md", md + ("\n![head against base](charts-regress/regress.png)\n" if drawn else ""))
        st.commit()
    return out


def main(argv):
    a = parse(argv)
    if not os.path.isfile(a.head_binary):
        raise load.BadInput(f"{a.head_binary}: no such binary (./bench regress builds it)")
    if not os.access(a.head_binary, os.X_OK):
        raise load.BadInput(f"--head-binary {a.head_binary}: not executable")
    if a.base_binary is not None and os.path.isfile(a.base_binary) and not os.access(a.base_binary, os.X_OK):
        raise load.BadInput(f"--base-binary {a.base_binary}: not executable")
    check_destinations(a)
    if a.metric == "instructions" and not shutil.which("valgrind"):
        raise load.BadInput("--metric=instructions needs valgrind (Debian package valgrind); this kernel "
                            "gives no hardware counters")
    hctx = head_context(a.head_binary)
    head_cls = machine.of_context(hctx)
    if a.base_binary and not os.path.isfile(a.base_binary):
        raise load.BadInput(f"--base-binary {a.base_binary}: no such file")
    if a.base is not None:
        sha = abrun.resolve(a.base)
    elif a.baseline and a.metric == "instructions":
        if a.baseline == "auto":
            cc = machine.count_class(hctx)
            a.baseline = os.path.join(ROOT, "results", "baseline", f"instructions-{machine.slug(cc or 'unknown')}.json")
            if not os.path.exists(a.baseline):
                print(f"regress: no instruction baseline for '{cc}' ({os.path.relpath(a.baseline, ROOT)}): "
                      "nothing compared; make one with --write-baseline", file=sys.stderr)
                return 0
        bdoc = read_instruction_file(a.baseline)
        check_count_class(bdoc, hctx, a)
    elif a.baseline:
        brun = load.load(a.baseline)
        refuse_unless_same(a, a.baseline, machine.of_context(brun.context), head_cls,
                           "does not say its machine class (no context.cpu_model)",
                           lambda b, h: f"is from '{b}', this is '{h}': times do not carry across machine "
                                        "classes")
        hrun = load.load(a.input) if a.input else None
        if hrun and not set(hrun.benchmarks) & set(brun.benchmarks):
            raise load.BadInput(f"{a.input} and {a.baseline} have no benchmark in common")
    meta = {"machine_class": head_cls, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "head": hctx.get("source_commit")}
    if a.write_baseline:
        todo = abrun.names(a.head_binary, select_args(a))
        workloads = {}
        counts = measure_instructions(a, a.head_binary, todo, workloads)
        tmp = a.write_baseline + f".tmp.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(instruction_doc(a, a.head_binary, counts, hctx, workloads), f, indent=1)
            f.write("\n")
        os.replace(tmp, a.write_baseline)
        log(f"wrote {a.write_baseline}: {len(counts)} benchmarks")
        return 0
    if a.base is not None or a.base_binary:
        base_bin = abrun.build_rev(sha, log) if a.base is not None else a.base_binary
        meta["base"] = sha if a.base is not None else a.base_binary
        common = [n for n in abrun.names(a.head_binary, select_args(a))
                  if n in set(abrun.names(base_bin, select_args(a)))]
        if not common:
            print(f"regress: base {a.base or a.base_binary} and the head have no benchmark in common",
                  file=sys.stderr)
            return 2
        if a.metric == "instructions":
            b = measure_instructions(a, base_bin, common)
            h = measure_instructions(a, a.head_binary, common)
            pairs = {n: ([b[n]], [h[n]]) for n in common}
        else:
            pairs = interleaved(a, base_bin, a.head_binary, common)
        title = f"regress: head against {a.base} ({sha[:12]})" if a.base else \
            f"regress: head against {a.base_binary}"
    elif a.metric == "instructions":
        meta["base"] = bdoc.get("commit")
        common = [n for n in abrun.names(a.head_binary, select_args(a)) if n in bdoc["benchmarks"]] \
            if not a.select else [n for n in abrun.names(a.head_binary, a.select) if n in bdoc["benchmarks"]]
        if not common:
            raise load.BadInput(f"{a.baseline} and the head have no benchmark in common")
        h = measure_instructions(a, a.head_binary, common)
        pairs = {n: ([float(bdoc["benchmarks"][n])], [h[n]]) for n in common}
        title = f"regress: head against {a.baseline}"
    else:
        meta["base"] = brun.context.get("source_commit")
        if hrun is None:
            hrun = fresh_run(a, brun)
        common = [n for n in hrun.benchmarks if n in brun.benchmarks
                  and hrun.benchmarks[n].ok and brun.benchmarks[n].ok]
        if not common:
            raise load.BadInput(f"{a.baseline} and the head have no benchmark in common")
        pairs = {n: (brun.benchmarks[n].real_ns, hrun.benchmarks[n].real_ns) for n in common}
        title = f"regress: head against {a.baseline}"
    rows = compare_rows(pairs, a, exact=a.metric == "instructions")
    md = markdown(rows, a, title)
    print(md)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(md + "\n")
    out = write_outputs(a, rows, md, meta)
    log(f"wrote {out}/regress.json, regress.md and charts-regress/")
    return 1 if any(j.verdict == "regressed" for *_, j in rows) else 0


# One --filter argument at most this long: Linux refuses a single argument
# over 128 KiB (MAX_ARG_STRLEN), which a baseline of 6,000 names passed.
FILTER_MAX = 64 * 1024


def filter_chunks(names):
    """--filter regexes that together match exactly the names, none longer
    than FILTER_MAX."""
    chunk, size = [], 0
    for n in names:
        r = abrun.exact(n)
        if chunk and size + len(r) + 1 > FILTER_MAX:
            yield "|".join(chunk)
            chunk, size = [], 0
        chunk.append(r)
        size += len(r) + 1
    if chunk:
        yield "|".join(chunk)


def fresh_run(a, brun):
    """The head run afresh on the baseline's benchmarks, with as many
    repetitions as asked (in as many invocations as the names need)."""
    # Every name the head has (a filter selects from the full sweeps): a
    # chunk of names it lacks would be a filter that matches nothing.
    have = set(abrun.names(a.head_binary, ["--filter=."]))
    names = [n for n in brun.benchmarks if n in have]
    if not names:
        raise load.BadInput(f"{a.baseline}: the head has none of its {len(brun.benchmarks)} benchmarks")
    docs = []
    for regex in filter_chunks(names):
        p = abrun.subprocess.run([a.head_binary, *abrun.steady(a.head_binary), f"--filter={regex}",
                                  f"--repetitions={a.repetitions}", f"--min-time={a.min_time}", "--results-dir=",
                                  "--format=json"],
                                 capture_output=True, text=True)
        if p.returncode not in (0, 1) or not p.stdout.strip():
            raise RuntimeError(f"the head's run failed: {p.stderr.strip()[-300:]}")
        docs.append(schema.parse_json("the head's run", p.stdout))
    merged = dict(docs[0], benchmarks=[r for d in docs for r in d["benchmarks"]])
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".json", prefix="sb-regress-head.") as f:
        json.dump(merged, f)
        f.flush()
        return load.load(f.name)


if __name__ == "__main__":
    entry.run("regress", main, failed=3)
