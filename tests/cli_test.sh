#!/usr/bin/env bash
# The harness seen from outside: usage errors, error records, file formats,
# and Google Benchmark's own compare.py reading what we write.
#   cli_test.sh PATH/TO/switchbench --list | CASE
set -u
BENCH=${1:?usage: cli_test.sh PATH/TO/switchbench}
PY=/usr/bin/python3
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPARE=/usr/share/benchmark/compare.py
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Tests of the records' structure count them: --disturbance=off keeps a
# busy CI machine from adding redone repetitions (case_hog_marks_disturbed
# tests that).
FAST=(--min-time=0.01 --repetitions=2 --results-dir= --disturbance=off)
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '     %s\n' "$2"; }

# usage_error NAME EXPECTED_SUBSTRING ARGS...: exit 2, exactly one line on stderr.
usage_error() {
    local name=$1 want=$2
    shift 2
    local out err rc
    out=$("$BENCH" "$@" 2>"$WORK/err")
    rc=$?
    err=$(cat "$WORK/err")
    if [ "$rc" -ne 2 ]; then bad "$name" "exit $rc, expected 2 (stderr: $err)"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then bad "$name" "stderr is not one line: $err"; return; fi
    if [ -n "$out" ]; then bad "$name" "wrote to stdout: $out"; return; fi
    case "$err" in *"$want"*) ok "$name" ;; *) bad "$name" "stderr '$err' lacks '$want'" ;; esac
}

# json_check FILE PYTHON_EXPR_ON_doc: parse strictly (NaN/Infinity rejected), then assert.
json_check() {
    local file=$1 expr=$2
    "$PY" - "$file" "$expr" <<'PYEOF'
import json, sys
def reject(c): raise ValueError("non-standard JSON constant " + c)
with open(sys.argv[1]) as f:
    doc = json.load(f, parse_constant=reject)
ok = eval(sys.argv[2], {"doc": doc, "any": any, "all": all, "len": len})
sys.exit(0 if ok else 1)
PYEOF
}

# The engines, from the registry (never a list typed here): all of them,
# those that are engines rather than a baseline, and the stackful
# coroutine engines (guard pages).
ALL_ENGINES=$("$BENCH" --list-engines | awk '{print $1}')
# Engines of this process (not baselines, not external reference programs,
# which run their own subset of workloads), installed here.
RUN_ENGINES=$("$BENCH" --list-engines | awk '$2 != "baseline" && !/ external/ && !/unavailable:/ {print $1}')
# Everything that serves echo: those, and the libuv baseline.
# Every engine that can run echo here: ours, and the references whose program serves it.
N_ECHO_ENGINES=$("$BENCH" --list --engine=all --workload=echo --param conns=100 | wc -l)
GUARDED_ENGINES=$("$BENCH" --list-engines | awk '/ own-stacks/ {print $1}')
N_RUN_ENGINES=$(echo "$RUN_ENGINES" | wc -l)
VALID="$(echo $ALL_ENGINES | sed 's/ /, /g'), all"

# --- usage errors: one clear line, exit 2 ---
case_usage_errors() {
    usage_error unknown_engine "unknown engine 'fibers' (valid: $VALID)" --engine=fibers
    usage_error unknown_workload "unknown workload 'nope'" --workload=nope
    usage_error bad_repetitions "--repetitions: 'abc'" --repetitions=abc
    usage_error zero_repetitions "--repetitions: '0'" --repetitions=0
    usage_error negative_min_time "--min-time: '-1'" --min-time=-1
    usage_error bad_timeout "--timeout: 'soon'" --timeout=soon
    usage_error bad_param_value "--param tasks: 'ten'" --workload=ring --param tasks=ten
    usage_error param_out_of_range "--param tasks=1: out of range" --workload=ring --param tasks=1
    usage_error negative_param "--param tasks=-5: out of range" --workload=ring --param tasks=-5
    usage_error unused_param "--param depth: no selected workload" --workload=switch --param depth=3
    usage_error bad_regex "--filter: '(' is not a valid regular expression" --filter='('
    usage_error filter_matches_nothing "no benchmark matches" --filter=zzz
    usage_error bad_placement "--placement: 'everywhere'" --placement=everywhere
    usage_error bad_cpus "--cpus: '9999'" --cpus=9999 --engine=asm --workload=switch
    usage_error bad_format "--format: 'xml'" --format=xml
    usage_error bad_stack_size "--stack-size: '12'" --stack-size=12
    usage_error unknown_option "unknown option '--frobnicate'" --frobnicate
    usage_error stray_argument "unexpected argument 'extra'" extra
    usage_error in_order_and_interleave "--in-order and --interleave contradict each other" --in-order --interleave
    usage_error interleave_and_in_order "--in-order and --interleave contradict each other" --interleave --in-order
    usage_error fixed_layout_and_seed "--layout=fixed turns them off" --layout=fixed --layout-seed=5
    usage_error seed_and_fixed_layout "--layout=fixed turns them off" --layout-seed=5 --layout=fixed

}

# --- help, version, list ---
case_help_version_list() {
    if "$BENCH" --help | grep -q -- "--engine=LIST"; then ok help; else bad help; fi
    if "$BENCH" --version | grep -q "^switchbench "; then ok version; else bad version; fi
    list=$("$BENCH" --list --engine=asm,threads --workload=switch,ring --param tasks=2,100)
    want=$'switch/threads\nswitch/asm\nring/threads/tasks:2\nring/threads/tasks:100\nring/asm/tasks:2\nring/asm/tasks:100'
    if [ "$list" = "$want" ]; then ok list; else bad list "$list"; fi
    if [ "$("$BENCH" --benchmark_list_tests=true --benchmark_filter='^switch/asm$')" = "switch/asm" ]; then
        ok gbench_aliases
    else bad gbench_aliases; fi
    if "$BENCH" --list | grep -q selftest; then bad hidden_selftests "self-tests listed"; else ok hidden_selftests; fi

}

# --- a hanging workload: a timeout record, and the run goes on ---
case_timeout_record() {
    "$BENCH" "${FAST[@]}" --strict --timeout=1 --engine=asm --workload=selftest-hang,switch --format=json >"$WORK/hang.json" 2>/dev/null
    rc=$?
    if [ $rc -eq 1 ] && json_check "$WORK/hang.json" \
        'any(b["name"]=="selftest-hang/asm" and b.get("error_occurred") and "timed out" in b["error_message"] for b in doc["benchmarks"]) and any(b["name"]=="switch/asm" and not b.get("error_occurred") for b in doc["benchmarks"])'; then
        ok hang_becomes_timeout_record
    else bad hang_becomes_timeout_record "exit $rc: $(head -c 600 "$WORK/hang.json")"; fi

}

# --- crashes: error records, other results kept ---
case_crash_records() {
    for e in asm threads processes stackless; do
        "$BENCH" "${FAST[@]}" --engine=$e --workload=selftest-crash,pingpong --format=json >"$WORK/crash.json" 2>/dev/null
        if json_check "$WORK/crash.json" \
            'any(b["name"].startswith("selftest-crash/") and b.get("error_occurred") and "signal 11" in b["error_message"] for b in doc["benchmarks"]) and any(b["name"].startswith("pingpong/") and not b.get("error_occurred") for b in doc["benchmarks"])'; then
            ok "crash_becomes_error_record/$e"
        else bad "crash_becomes_error_record/$e" "$(head -c 600 "$WORK/crash.json")"; fi
    done

}

# --- every engine's bare switch loop runs and counts (the floor switch is compared to) ---
case_bare_loop_every_engine() {
    "$BENCH" --min-time=20000x --repetitions=1 --results-dir= --disturbance=off --engine="$(echo $RUN_ENGINES | tr ' ' ,)" \
        --workload=bare --format=json >"$WORK/bare.json" 2>/dev/null
    if json_check "$WORK/bare.json" \
        "len([b for b in doc['benchmarks'] if b['name'].startswith('bare/') and not b.get('error_occurred') and b.get('run_type') == 'iteration']) == $N_RUN_ENGINES"; then
        ok bare_loop_on_every_engine
    else bad bare_loop_on_every_engine "$(head -c 600 "$WORK/bare.json")"; fi

}

# --- a coroutine stack overflow: the guard page turns it into a named record ---
# overflow_record NAME WANTED OPTIONS...: selftest-overflow with OPTIONS
# ends in an error record whose message holds every part of WANTED (a
# |-separated list).
overflow_record() {
    local name=$1 wanted=$2
    shift 2
    "$BENCH" "${FAST[@]}" --workload=selftest-overflow "$@" --format=json >"$WORK/ov.json" 2>/dev/null
    if SB_WANTED=$wanted json_check "$WORK/ov.json" \
        "any(b.get('error_occurred') and all(w in b['error_message'] for w in __import__('os').environ['SB_WANTED'].split('|')) for b in doc['benchmarks'])"; then
        ok "stack_overflow_record/$name"
    else bad "stack_overflow_record/$name" "$(head -c 600 "$WORK/ov.json")"; fi
}

case_stack_overflow_records() {
    for e in $GUARDED_ENGINES; do
        overflow_record "$e" "stack overflow: engine $e, stack size 65536 bytes" --engine=$e --stack-size=64K
    done
    # No scheduler records which task runs: the handler finds the stack from
    # the fault, over every worker's stacks.
    overflow_record asm/workers:2 "stack overflow: engine asm, stack size 65536 bytes" \
        --engine=asm --workers=2 --stack-size=64K
    # Stacks under a page have no guard page of their own but a canary below
    # each and a guard below each chunk: the overflow is named all the same
    # (by the fault handler, or when the task's stack is given back).
    for e in $GUARDED_ENGINES; do
        overflow_record "$e/packed" "stack overflow|2048|ran past the bottom of its" --engine=$e --stack-size=2K
    done
}

# --- without --strict, error records are data: exit 0, message on stderr ---
case_errors_without_strict() {
    "$BENCH" "${FAST[@]}" --engine=asm --workload=selftest-crash --format=json >/dev/null 2>"$WORK/crash.err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q "selftest-crash/asm: crashed" "$WORK/crash.err"; then ok errors_are_data_without_strict
    else bad errors_are_data_without_strict "exit $rc: $(cat "$WORK/crash.err")"; fi

}

# --- --interleave: every instance x repetition once, indexes 0..R-1, one iteration count ---
case_interleave() {
    "$BENCH" --min-time=0.01 --repetitions=3 --interleave --seed=7 --disturbance=off --engine=asm,stackless --workload=switch,pingpong \
        --format=json --results-dir= >"$WORK/il.json" 2>/dev/null
    if json_check "$WORK/il.json" 'all(sorted(b["repetition_index"] for b in doc["benchmarks"] if b["run_name"]==n and b["run_type"]=="iteration")==[0,1,2] and len({b["iterations"] for b in doc["benchmarks"] if b["run_name"]==n})==1 for n in ["switch/asm","switch/stackless","pingpong/asm","pingpong/stackless"])'; then
        ok interleave
    else bad interleave "$(head -c 600 "$WORK/il.json")"; fi

}

# --- interleaved by default, recorded with its seed; --in-order is one process a benchmark;
#     a failed benchmark is not run again for each later repetition ---
case_order_is_recorded() {
    "$BENCH" --min-time=0.01 --repetitions=3 --seed=5 --disturbance=off --engine=asm --workload=switch,selftest-crash \
        --format=json --results-dir= >"$WORK/ord.json" 2>"$WORK/ord.err"
    "$BENCH" --min-time=0.01 --repetitions=3 --in-order --disturbance=off --engine=asm --workload=switch \
        --format=json --results-dir= >"$WORK/ino.json" 2>/dev/null
    if json_check "$WORK/ord.json" 'doc["context"]["order"]=="interleaved" and doc["context"]["order_seed"]==5 and len([b for b in doc["benchmarks"] if b["run_name"]=="selftest-crash/asm"])==1 and len([b for b in doc["benchmarks"] if b["run_name"]=="switch/asm" and b["run_type"]=="iteration"])==3' &&
        [ "$(grep -c 'selftest-crash/asm: crashed' "$WORK/ord.err")" -eq 1 ] &&
        json_check "$WORK/ino.json" 'doc["context"]["order"]=="in order" and "order_seed" not in doc["context"] and len([b for b in doc["benchmarks"] if b["run_type"]=="iteration"])==3'; then
        ok order_is_recorded
    else bad order_is_recorded "$(cat "$WORK/ord.err"; head -c 400 "$WORK/ord.json")"; fi
}

# --- --describe: the registries as JSON, as --list-engines has them; the selection as the
#     parser reads it (abbreviations included); ./bench's packages come from it ---
case_describe() {
    "$BENCH" --describe --engi=asm,ref-greenlet --workload=switch >"$WORK/d1.json" 2>"$WORK/d.err" &&
        "$BENCH" --describe --engine=all >"$WORK/d2.json" 2>>"$WORK/d.err" ||
        { bad describe "$(cat "$WORK/d.err")"; return; }
    local listed
    listed=$("$BENCH" --list-engines | awk '{print $1}' | paste -sd, -)
    if json_check "$WORK/d1.json" 'doc["describe_version"]==1 and ",".join(e["name"] for e in doc["engines"])=="'"$listed"'" and {k: doc["selected"][k] for k in ("engines","workloads","engines_named","engines_given","runs","where_given")}=={"engines":["asm","ref-greenlet"],"workloads":["switch"],"engines_named":True,"engines_given":True,"runs":True,"where_given":[]} and doc["selected"]["benchmarks"]==2 and all(set(e)>={"kind","capabilities","package","available","unavailable"} for e in doc["engines"]) and all(p["min"]<=v<=p["max"] for w in doc["workloads"] for p in w["params"] for v in p["sweep"]+p["quick_sweep"]) and {c["name"] for c in doc["counters"]} >= {w["rate_counter"] for w in doc["workloads"]} and all(c["better"] in ("higher","lower","neither") and c["unit"] and c["meaning"] for c in doc["counters"])' &&
        json_check "$WORK/d2.json" 'doc["selected"]["engines_named"] is False and len(doc["selected"]["engines"])==len(doc["engines"])' &&
        ! "$BENCH" --describe --engine=nope >/dev/null 2>"$WORK/d3.err" && [ "$(wc -l <"$WORK/d3.err")" -eq 1 ] &&
        ! "$BENCH" --describe "--filter=(" >/dev/null 2>"$WORK/d4.err" && [ "$(wc -l <"$WORK/d4.err")" -eq 1 ] &&
        ! "$BENCH" --describe --in-order --interleave >/dev/null 2>"$WORK/d4.err" && [ "$(wc -l <"$WORK/d4.err")" -eq 1 ] &&
        "$BENCH" --describe --res=/x --benchmark_out /y/z.json | "$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["selected"]["where_given"] != ["results-dir", "out"])' &&
        [ "$(SB_HIDE_ENGINES=ref-greenlet "$PY" "$SRC_DIR/scripts/named_packages.py" "$BENCH" --engi=asm,ref-greenlet)" = python3-greenlet ] &&
        [ -z "$(SB_HIDE_ENGINES=ref-greenlet "$PY" "$SRC_DIR/scripts/named_packages.py" "$BENCH" --engine=all)" ] &&
        [ "$(SB_HIDE_ENGINES=ref-greenlet,ref-goroutine "$PY" "$SRC_DIR/scripts/named_packages.py" "$BENCH" --workload=switch)" = python3-greenlet ] &&
        [ -z "$(SB_HIDE_ENGINES=ref-greenlet "$PY" "$SRC_DIR/scripts/named_packages.py" "$BENCH" --list)" ] &&
        [ "$(SB_HIDE_ENGINES=ref-greenlet,ref-goroutine "$PY" "$SRC_DIR/scripts/named_packages.py" --all "$BENCH" | paste -sd' ')" = "python3-greenlet golang-go" ] &&
        [ -z "$("$PY" "$SRC_DIR/scripts/named_packages.py" "$BENCH" --engine=asm --help)" ]; then
        ok describe
    else bad describe "$(head -c 300 "$WORK/d1.json"; cat "$WORK/d3.err")"; fi
}

# --- placement is read back from the kernel and recorded ---
case_placement_read_back() {
    read -r c0 c1 < <("$PY" -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
    if [ -n "${c1:-}" ]; then
        "$BENCH" "${FAST[@]}" --engine=threads --workload=switch --placement=spread --cpus="$c0,$c1" --format=json >"$WORK/sp.json" 2>/dev/null
        "$BENCH" "${FAST[@]}" --engine=threads --workload=switch --placement=pack --cpus="$c1" --format=json >"$WORK/pk.json" 2>/dev/null
        if [ $((c1 - c0)) -eq 1 ]; then want_sp="$c0-$c1"; else want_sp="$c0,$c1"; fi
        if json_check "$WORK/sp.json" "all(b['cpus_used']=='$want_sp' and b['placement']=='spread' for b in doc['benchmarks'] if b['run_type']=='iteration')" &&
            json_check "$WORK/pk.json" "all(b['cpus_used']=='$c1' and 'pack on cpu $c1' in b['label'] for b in doc['benchmarks'] if b['run_type']=='iteration')"; then
            ok placement_read_back
        else bad placement_read_back "$(head -c 400 "$WORK/sp.json") $(head -c 400 "$WORK/pk.json")"; fi
    fi

}

# --- echo: 1,000 messages on 100 connections, every byte checked, on every engine ---
case_echo_every_engine() {
    "$BENCH" --min-time=1000x --repetitions=1 --disturbance=off --engine=all --workload=echo --param conns=100 \
        --format=json --results-dir= >"$WORK/echo.json" 2>"$WORK/echo.err"
    if json_check "$WORK/echo.json" 'len([b for b in doc["benchmarks"] if b["name"].startswith("echo/")])=='"$N_ECHO_ENGINES"' and all(not b.get("error_occurred") and b["iterations"]==1000 and b["min_per_conn"]>=1 and b["p99_us"]>0 for b in doc["benchmarks"])'; then
        ok echo_session_every_engine
    else bad echo_session_every_engine "$(head -c 800 "$WORK/echo.json") $(cat "$WORK/echo.err")"; fi

}

# --- more connections than descriptors: an error record with the reason, no hang ---
case_too_many_connections() {
    # (under a limit of our own, so the machine's limits do not decide what is tested)
    (ulimit -n 256 && "$BENCH" --min-time=1x --repetitions=1 --timeout=60 --engine=asm --workload=echo \
        --param conns=1000 --format=json --results-dir= >"$WORK/echofd.json" 2>/dev/null)
    if json_check "$WORK/echofd.json" 'all(b.get("error_occurred") and "RLIMIT_NOFILE" in b["error_message"] for b in doc["benchmarks"])'; then
        ok echo_over_fd_limit
    else bad echo_over_fd_limit "$(head -c 600 "$WORK/echofd.json")"; fi

}

# --- the server dies mid-run: an error record, the load generator stops, no hang ---
case_server_dies() {
    for e in processes asm; do
        start=$(date +%s)
        "$BENCH" --min-time=2000x --repetitions=1 --timeout=60 --engine=$e --workload=selftest-echo-die --param conns=10 \
            --format=json --results-dir= >"$WORK/die.json" 2>/dev/null
        took=$(( $(date +%s) - start ))
        left=$(pgrep -f -- "selftest-echo-die" | wc -l)
        if json_check "$WORK/die.json" 'all(b.get("error_occurred") for b in doc["benchmarks"])' && [ "$took" -lt 30 ] && [ "$left" -eq 0 ]; then
            ok "server_death_is_error_record/$e"
        else bad "server_death_is_error_record/$e" "took ${took}s, $left left: $(head -c 600 "$WORK/die.json")"; fi
    done

}

# --- bad workload parameters: one line, exit 2 ---
case_bad_parameters() {
    usage_error zero_sleep "--param sleep_ms=0: out of range" --workload=sleep --param sleep_ms=0
    usage_error zero_conns "--param conns=0: out of range" --workload=echo --param conns=0
    usage_error bad_workers "--workers: '0'" --workers=0

}

# --- wrong work is an error record, never a timing ---
case_wrong_work() {
    "$BENCH" "${FAST[@]}" --engine=stackless --workload=selftest-wrong --format=json >"$WORK/wrong.json" 2>/dev/null
    if json_check "$WORK/wrong.json" \
        'all(b.get("error_occurred") and "expected 1 message, counted 0" in b["error_message"] for b in doc["benchmarks"]) and len(doc["benchmarks"]) == 1'; then
        ok wrong_result_is_error
    else bad wrong_result_is_error "$(cat "$WORK/wrong.json" | head -c 600)"; fi
    # A counter the registry does not list: an error record naming it.
    "$BENCH" "${FAST[@]}" --engine=stackless --workload=selftest-odd-counter --format=json >"$WORK/odd.json" 2>/dev/null
    if json_check "$WORK/odd.json" \
        'len(doc["benchmarks"]) == 1 and all(b.get("error_occurred") and "counter '"'"'unregistered_figure'"'"'" in b["error_message"] and "unregistered_figure" not in b for b in doc["benchmarks"])'; then
        ok unregistered_counter_is_error
    else bad unregistered_counter_is_error "$(head -c 600 "$WORK/odd.json")"; fi
    # A negative memory figure: an error record with the figure, no median.
    "$BENCH" "${FAST[@]}" --engine=stackless --workload=selftest-negative-size --format=json >"$WORK/neg.json" 2>/dev/null
    if json_check "$WORK/neg.json" \
        'len(doc["benchmarks"]) == 1 and all(b.get("error_occurred") and "bytes_per_task = -3.26e+04 B, and a size cannot be negative" in b["error_message"] and "bytes_per_task" not in b for b in doc["benchmarks"])'; then
        ok negative_size_is_error
    else bad negative_size_is_error "$(head -c 600 "$WORK/neg.json")"; fi
}

# --- JSON: strict, Google Benchmark's fields ---
case_files_and_formats() {
    "$BENCH" --min-time=0.01 --repetitions=3 --engine=asm,ucontext,threads --workload=switch,ring --param tasks=2 \
        --out="$WORK/a.json" --results-dir="$WORK/results" >/dev/null 2>&1
    "$BENCH" --min-time=0.01 --repetitions=3 --engine=asm,ucontext,threads --workload=switch,ring --param tasks=2 \
        --out="$WORK/b.json" --out-format=json --results-dir= >/dev/null 2>&1
    "$BENCH" "${FAST[@]}" --engine=asm,ucontext --workload=switch --format=csv >"$WORK/a.csv" 2>/dev/null
    if json_check "$WORK/a.json" 'all(k in doc["context"] for k in ["date","host_name","executable","num_cpus","mhz_per_cpu","cpu_scaling_enabled","caches","load_avg","library_build_type","kernel","compiler","clocksource","stack_size","fpu_contract","virtualization","topology"])'; then
        ok json_context_fields
    else bad json_context_fields; fi
    if json_check "$WORK/a.json" 'all(all(k in b for k in ["name","family_index","per_family_instance_index","run_name","run_type","repetitions","threads","iterations","real_time","cpu_time","time_unit"]) for b in doc["benchmarks"]) and {b["aggregate_name"] for b in doc["benchmarks"] if b["run_type"]=="aggregate"} == {"mean","median","stddev","cv"} and all(b["time_unit"]=="ns" for b in doc["benchmarks"]) and all("switches_per_second" in b and "cpus_used" in b for b in doc["benchmarks"] if b["run_type"]=="iteration")'; then
        ok json_benchmark_fields
    else bad json_benchmark_fields; fi

# --- CSV: Google Benchmark's header, then counters ---
    header=$(head -n 1 "$WORK/a.csv")
    want='name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message'
    case "$header" in
    "$want",*) ok csv_header ;;
    *) bad csv_header "$header" ;;
    esac
    if "$PY" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert all(len(r) == len(rows[0]) for r in rows[1:]), "ragged rows"
names = [r[0] for r in rows[1:]]
assert "switch/asm" in names and "switch/ucontext_median" in names, names
assert all(float(r[2]) > 0 for r in rows[1:])
    ' "$WORK/a.csv"; then ok csv_parses; else bad csv_parses; fi

# --- files: results/<stamp>/ with both files, latest points at it ---
    if [ -f "$WORK/results/latest/results.json" ] && [ -f "$WORK/results/latest/results.csv" ] &&
        [ -L "$WORK/results/latest" ] && ! ls -a "$WORK/results" | grep -q tmp; then
        ok results_dir
    else bad results_dir "$(ls -la "$WORK/results" 2>&1)"; fi

# --- Google Benchmark's compare.py accepts our files ---
    if [ -f "$COMPARE" ]; then
        if "$PY" "$COMPARE" benchmarks "$WORK/a.json" "$WORK/b.json" >"$WORK/cmp.txt" 2>&1 &&
            grep -q "switch/asm" "$WORK/cmp.txt" && grep -q "ring/threads/tasks:2" "$WORK/cmp.txt"; then
            ok compare_py_benchmarks
        else bad compare_py_benchmarks "$(head -c 800 "$WORK/cmp.txt")"; fi
        if "$PY" "$COMPARE" filters "$WORK/a.json" switch/asm switch/ucontext >"$WORK/cmpf.txt" 2>&1 &&
            grep -q "switch/asm" "$WORK/cmpf.txt"; then
            ok compare_py_filters
        else bad compare_py_filters "$(head -c 800 "$WORK/cmpf.txt")"; fi
    else
        bad compare_py "$COMPARE missing (Debian package libbenchmark-tools)"
    fi

}

# --- Ctrl-C: children killed and reaped, nothing written ---
case_interrupt_cleans_up() {
    "$BENCH" --min-time=5 --repetitions=5 --engine=processes --workload=ring --param tasks=50 \
        --results-dir="$WORK/int" --out="$WORK/int.json" >/dev/null 2>"$WORK/int.err" &
    pid=$!
    sleep 1.5
    kill -INT $pid
    wait $pid
    rc=$?
    # Polled: a loaded runner may take a moment to reap the last task.
    for _ in $(seq 50); do
        left=$(pgrep -f -- "--results-dir=$WORK/int" | wc -l)
        [ "$left" -eq 0 ] && break
        sleep 0.1
    done
    if [ $rc -eq 130 ] && [ ! -e "$WORK/int.json" ] && [ ! -e "$WORK/int" ] && [ "$left" -eq 0 ]; then
        ok interrupt_cleans_up
    else bad interrupt_cleans_up "exit $rc, out file $(ls "$WORK/int.json" 2>&1), left $left processes"; fi

}

# --- a CPU hog on the benchmark's core: its repetitions are disturbed ---
case_hog_marks_disturbed() {
    # A busy loop pinned to the same core as a lone coroutine scheduler:
    # the scheduler waits for its CPU about half the time (exact, from
    # its run delay), so at least one repetition is marked, named, left
    # out and redone. A behaviour test: no figure is judged.
    local cpu
    cpu=$("$PY" -c 'import os; print(min(os.sched_getaffinity(0)))')
    taskset -c "$cpu" sh -c 'while :; do :; done' &
    local hog=$!
    "$BENCH" --engine=asm --workload=switch --repetitions=3 --min-time=0.05 --cpus="$cpu" \
        --precision=off --format=json --results-dir= >"$WORK/hog.json" 2>"$WORK/hog.err"
    local rc=$?
    kill "$hog"
    wait "$hog" 2>/dev/null
    if [ $rc -eq 0 ] && json_check "$WORK/hog.json" '(
any("waited" in b.get("disturbed", "") and b["machine"]["run_delay"] > 0.02
    for b in doc["benchmarks"] if b.get("run_type") == "iteration") and
len([b for b in doc["benchmarks"] if b.get("run_type") == "iteration"]) > 3 and
any(b.get("aggregate_name") == "median" and b["sampling"]["disturbed_redone"] >= 1
    for b in doc["benchmarks"]))'; then
        ok hog_marks_disturbed
    else bad hog_marks_disturbed "exit $rc: $(head -c 600 "$WORK/hog.json") $(cat "$WORK/hog.err")"; fi
    if "$BENCH" --disturbance=off --engine=asm --workload=switch --repetitions=2 --min-time=0.01 \
        --format=json --results-dir= >"$WORK/off.json" 2>/dev/null &&
        json_check "$WORK/off.json" '(not any("disturbed" in b or "machine" in b for b in doc["benchmarks"]))'; then
        ok disturbance_off_marks_nothing
    else bad disturbance_off_marks_nothing "$(head -c 400 "$WORK/off.json")"; fi
    usage_error bad_disturbance "--disturbance: 'lots'" --disturbance=lots
    usage_error bad_precision "--precision: '0'" --precision=0
    usage_error bad_budget "--budget: '-3'" --budget=-3
}

# cli_test.sh BENCH --list: the cases; cli_test.sh BENCH CASE: run one
# (CTest gives each its own entry, process and timeout).
if [ "${2:-}" = --list ]; then
    declare -F | awk '{print $3}' | sed -n 's/^case_//p'
    exit 0
fi
declare -F "case_${2:-}" >/dev/null || { echo "usage: cli_test.sh BENCH --list | CASE" >&2; exit 2; }
"case_$2"
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || { echo "FAIL $2: no check ran"; exit 1; }
[ "$fail" -eq 0 ]
