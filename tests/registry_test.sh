#!/usr/bin/env bash
# The registries are the only lists: in a scratch copy of the source, a
# throwaway engine (its own file plus one line in engines/engine_list.h), a
# throwaway workload (its own file plus one line in
# workloads/workload_list.h), a counter (one line in harness/records/counter_list.h)
# and a chart (one row in scripts/sbreport/questions.py's LINES) are added,
# nothing else, and every consumer is shown to pick them up: the binary's
# --describe and --help, CTest's per-engine tests, a run and its report and
# chart, regress's default engine set and the packages ./bench and the test
# command install.
#   registry_test.sh --list
#   registry_test.sh SOURCE_DIR CASE
# Exit 0 pass, 1 fail, 77 skipped.
set -u

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
PY=/usr/bin/python3

# The scratch copy: the source without build trees, results or git.
scratch() {
    mkdir "$WORK/src"
    tar -C "$SRC" --exclude='./build*' --exclude=./results --exclude=./.regress --exclude=./.git \
        --exclude='*/__pycache__' --exclude=./.apt.log -cf - . | tar -C "$WORK/src" -xf - ||
        fail "cannot copy the source"
}

# The engine: a copy of the stackless engine under another name, which
# says it needs a package (sb-toy-package) when SB_TOY_ABSENT is set.
add_engine() {
    local e="$WORK/src/engines/engine_toy.c"
    {
        echo '#include <stdlib.h>'
        sed -e 's/sb_engine_stackless/sb_engine_toy/' -e 's/\.name = "stackless"/.name = "toy"/' \
            "$WORK/src/engines/engine_stackless.c"
    } >"$e"
    "$PY" - "$e" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("const struct sb_engine_ops sb_engine_toy = {", """static const char *toy_unavailable(void)
{
    return getenv("SB_TOY_ABSENT") ? "needs the Debian package sb-toy-package" : NULL;
}

const struct sb_engine_ops sb_engine_toy = {
    .package = "sb-toy-package",
    .in_default_run = true,
    .unavailable = toy_unavailable,""")
open(p, "w").write(s)
EOF
    sed -i 's/^    X(stackless)  *\\$/    X(stackless)          \\\n    X(toy)                \\/' "$WORK/src/engines/engine_list.h"
    grep -q "X(toy)" "$WORK/src/engines/engine_list.h" || fail "could not add the engine's line"
}

# The workload: `tasks` tasks each yield n times; its counter toy_units.
add_workload() {
    cat >"$WORK/src/workloads/wl_toy.c" <<'EOF'
/* toy: a test's throwaway workload (tests/registry_test.sh). */
#include "sb_workload.h"

struct toy_task {
    struct sb_task t;
    uint64_t n, done;
};

struct toy_state {
    long long tasks;
    uint64_t n;
    struct toy_task *t;
};

static sb_ret toy_body(struct sb_task *t)
{
    struct toy_task *me = (struct toy_task *)t;
    SB_BEGIN(t);
    while (me->done < me->n) {
        me->done++;
        SB_AWAIT(t, sb_yield(t));
    }
    SB_END(t);
}

static int toy_setup(struct sb_run *run, const long long *params, uint64_t n, void **state,
                     struct sb_err *err)
{
    struct toy_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->tasks = params[0];
    st->n = n;
    st->t = sb_run_alloc(run, sizeof *st->t * (size_t)st->tasks, err);
    if (!st->t) return -1;
    for (long long i = 0; i < st->tasks; i++) {
        st->t[i].n = n;
        if (sb_run_spawn(run, &st->t[i].t, toy_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int toy_verify(void *state, struct sb_err *err)
{
    struct toy_state *st = state;
    for (long long i = 0; i < st->tasks; i++) {
        if (st->t[i].done != st->n) {
            sb_err_set(err, "toy: task %lld yielded %llu times, not %llu", i,
                       (unsigned long long)st->t[i].done, (unsigned long long)st->n);
            return -1;
        }
    }
    return 0;
}

static void toy_report(void *state, struct sb_run *run)
{
    struct toy_state *st = state;
    sb_run_counter(run, "toy_units", (double)st->n * (double)st->tasks);
}

static const long long toy_sweep[] = {1, 4};
static const struct sb_param_def toy_params[] = {
    SB_PARAM("tasks", "tasks yielding", 1, 1000, toy_sweep, toy_sweep),
};

const struct sb_workload sb_wl_toy = {
    .name = "toy",
    .summary = "a test's throwaway workload: tasks yield",
    .unit = "yield",
    .rate_counter = "items_per_second",
    .params = toy_params,
    .n_params = SB_COUNT(toy_params),
    .iter_multiple = 1,
    .setup = toy_setup,
    .verify = toy_verify,
    .report = toy_report,
};
EOF
    sed -i 's/^    X(blocking)  *\\$/    X(blocking)             \\\n    X(toy)                  \\/' "$WORK/src/workloads/workload_list.h"
    grep -q "X(toy)" "$WORK/src/workloads/workload_list.h" || fail "could not add the workload's line"
}

# The counter and the chart: one line each.
add_counter_and_chart() {
    sed -i 's/^#define SB_COUNTER_LIST(X)  *\\$/&\n    X(toy_units, "widgets", COUNT, HIGHER, "yields of all tasks") \\/' \
        "$WORK/src/harness/records/counter_list.h"
    grep -q "X(toy_units" "$WORK/src/harness/records/counter_list.h" || fail "could not add the counter's line"
    sed -i 's/^LINES = \[$/&\n    ("toy", "tasks", "toy_units", "toy_yields", "Toy: yields", "Do toys yield?", "tasks", "yields", True, True),/' \
        "$WORK/src/scripts/sbreport/questions.py"
    grep -q '"toy_yields"' "$WORK/src/scripts/sbreport/questions.py" || fail "could not add the chart's row"
}

case_new_engine_workload_counter_and_chart() {
    scratch
    add_engine
    add_workload
    add_counter_and_chart
    local b="$WORK/src/build" bin="$WORK/src/build/switchbench"
    # Go's reference is left out of the copy (its build is not what is
    # tested here, and it would double the time).
    cmake -S "$WORK/src" -B "$b" -DCMAKE_BUILD_TYPE=Release -DSB_GO=SB_GO-NOTFOUND >"$WORK/log" 2>&1 ||
        fail "configure: $(tail -5 "$WORK/log")"
    cmake --build "$b" -j "$(nproc)" >"$WORK/log" 2>&1 || fail "build: $(grep -E 'error' "$WORK/log" | head -5)"

    # The binary: --describe and --help.
    "$bin" --describe >"$WORK/d.json" || fail "--describe failed"
    "$PY" - "$WORK/d.json" <<'EOF' || fail "--describe does not list them"
import json, sys
d = json.load(open(sys.argv[1]))
assert any(e["name"] == "toy" and e["kind"] == "coroutine" for e in d["engines"]), "engine"
assert any(w["name"] == "toy" and w["params"][0]["name"] == "tasks" for w in d["workloads"]), "workload"
assert any(c["name"] == "toy_units" and c["unit"] == "widgets" for c in d["counters"]), "counter"
EOF
    "$bin" --help | grep -q "^ *toy " || fail "--help does not name them: $("$bin" --help | grep -n toy)"

    # CTest: the engine's smoke, conformance and Valgrind tests.
    ctest --test-dir "$b" -N >"$WORK/tests" 2>&1 || fail "ctest -N: $(tail -3 "$WORK/tests")"
    local t
    for t in "smoke/toy" "conformance/toy/" "valgrind/toy/"; do
        grep -q " $t" "$WORK/tests" || fail "no $t test: $(grep -c Test "$WORK/tests") tests listed"
    done

    # A run: every engine runs the new workload (references without it are
    # skipped, saying so), the counter is in the records, and the report
    # draws the chart with the counter's unit.
    "$bin" --engine=all --workload=toy --tiny --results-dir="$WORK/res" >"$WORK/run.out" 2>&1 ||
        fail "the run failed: $(tail -5 "$WORK/run.out")"
    local run
    run=$(ls -d "$WORK"/res/2*/ | head -1)
    "$PY" - "$run/results.json" <<'EOF' || fail "the run's records"
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["benchmarks"] if r.get("run_type") == "iteration"]
ran = {r["engine"] for r in rows if not r.get("error_occurred") and not r.get("skipped")}
assert {"toy", "stackless", "asm", "threads", "processes", "ucontext"} <= ran, ran
assert all(r["toy_units"] >= 1 for r in rows if not r.get("error_occurred") and not r.get("skipped")), "counter"
assert not any(r.get("error_occurred") for r in rows), [r.get("error_message") for r in rows if r.get("error_occurred")]
assert any(c["name"] == "toy_units" for c in d["context"]["counters"]), "context"
EOF
    [ -f "$run/charts/toy_yields.svg" ] || fail "no chart: $(ls "$run/charts" | paste -sd' ')"
    grep -q "widgets" "$run/charts/toy_yields.svg" || fail "the chart's axis lacks the counter's unit"

    # regress: the instruction gate's default engines (our coroutines).
    "$PY" - "$WORK/src/scripts" "$bin" <<'EOF' || fail "regress's default set lacks toy"
import argparse, sys
sys.path.insert(0, sys.argv[1])
import regress
sel = regress.select_args(argparse.Namespace(select=[], metric="instructions", head_binary=sys.argv[2]))
assert any(a.startswith("--engine=") and "toy" in a.split("=", 1)[1].split(",") for a in sel), sel
EOF

    # Packages: what the test command and a default ./bench run install.
    # (--all names golang-go too: the copy was built without Go.)
    SB_TOY_ABSENT=1 "$PY" "$WORK/src/scripts/named_packages.py" --all "$bin" | grep -qx sb-toy-package ||
        fail "the test command would not install the engine's package"
    [ "$(SB_TOY_ABSENT=1 "$PY" "$WORK/src/scripts/named_packages.py" "$bin" --workload=toy)" = sb-toy-package ] ||
        fail "a default run would not install the engine's package"
    return 0
}

if [ "${1:-}" = "--list" ]; then
    declare -F | awk '{print $3}' | sed -n 's/^case_//p'
    exit 0
fi
SRC=${1:?usage: registry_test.sh --list | SOURCE_DIR CASE}
CASE=${2:?usage: registry_test.sh SOURCE_DIR CASE}
declare -F "case_$CASE" >/dev/null || { echo "no case $CASE"; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"case_$CASE"
rc=$?
[ $rc -eq 0 ] && echo "ok   $CASE"
exit $rc
