#!/usr/bin/env bash
# Faults injected and bad input given on purpose: one case per call, so
# CTest runs each in its own process with its own timeout.
#   hardening_test.sh --list
#   hardening_test.sh PATH/TO/switchbench CASE [PATH/TO/test_conformance]
# Exit 0 pass, 1 fail, 77 skipped (the machine cannot run the case).
# Every case ends every process it starts; benchmark processes are found
# by a marker only this call's command lines carry.
set -u
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$SRC_DIR/tests/case_kit.sh"

# usage_error WANT ARGS...: exit 2, one line on stderr containing WANT,
# nothing on stdout, and done before any benchmark ran (well under 2 s).
usage_error() {
    local want=$1 start rc err
    shift
    start=$(date +%s%N)
    "$BENCH" "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    local ms=$((($(date +%s%N) - start) / 1000000))
    err=$(cat "$WORK/err")
    [ $rc -eq 2 ] || fail "$* -> exit $rc, expected 2 ($err)"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$* -> stderr is not one line: $err"
    [ -s "$WORK/out" ] && fail "$* -> wrote to stdout"
    case "$err" in *"$want"*) ;; *) fail "$* -> '$err' lacks '$want'" ;; esac
    [ $ms -lt 2000 ] || fail "$* -> took $ms ms: work was done before the check"
    echo "ok   $* -> $err"
}

# Processes whose command line carries this call's marker.
left_running() { pgrep -f -- "$MARK" | grep -v "^$$\$" | wc -l; }
# tasks_started: poll (up to 60 s, a loaded CI runner may take seconds to
# fork) until the run has more than two processes: its task processes exist.
tasks_started() {
    for _ in $(seq 600); do [ "$(left_running)" -gt 2 ] && return 0; sleep 0.1; done
    return 1
}
# none_left: poll (up to 5 s) until no process of this run is left.
none_left() {
    for _ in $(seq 50); do [ "$(left_running)" -eq 0 ] && return 0; sleep 0.1; done
    return 1
}

# Tests that count records: --disturbance=off keeps a busy CI machine
# from adding redone repetitions (cli_test.sh's hog case tests those).
FAST=(--min-time=1x --repetitions=1 --disturbance=off)

# benchmark_child PID: the first benchmark process the run PID forks,
# waited for up to 10 s; fails when none appears.
benchmark_child() {
    local c
    for _ in $(seq 500); do
        c=$(pgrep -P "$1" | head -1)
        [ -n "$c" ] && { echo "$c"; return 0; }
        sleep 0.02
    done
    return 1
}

case_bad_output_destinations() {
    local R=(--engine=asm --workload=switch --min-time=0.2 --repetitions=5)
    usage_error "does not exist" "${R[@]}" --out="$WORK/no/such/dir/x.json"
    usage_error "is a directory" "${R[@]}" --out="$WORK"
    usage_error "cannot write /proc/x.json" "${R[@]}" --out=/proc/x.json
    : >"$WORK/plainfile"
    usage_error "is not a directory" "${R[@]}" --results-dir="$WORK/plainfile"
    usage_error "cannot create" "${R[@]}" --results-dir="$WORK/no/such/dir"
    [ -e "$WORK/no" ] && fail "a directory was created for a refused destination"
    return 0
}

case_bad_values() {
    local long
    long=$(printf 'asm,%.0s' $(seq 300))bogus
    usage_error "at most 1023 are accepted" --engine="$long"
    usage_error "at most 1023 are accepted" --workload=ring --param "tasks=$(printf '2,%.0s' $(seq 600))3"
    usage_error "--cpus: empty value" --cpus=
    usage_error "--filter: empty value" --filter=
    usage_error "--timeout: '0x10'" --timeout=0x10
    usage_error "--min-time: '0x1p-3'" --min-time=0x1p-3
    usage_error "--min-time: 'inf'" --min-time=inf
    usage_error "is not shorter than --timeout" --min-time=30 --timeout=10
    usage_error "--stack-size: '1T' is not a size from 1K to 1G" --stack-size=1T
    usage_error "--cpus: '-1' is not a CPU list" --cpus=-1
    usage_error "--cpus: '0-' is not a CPU list" --cpus=0-
    usage_error "--stack-guard: 'maybe' is not auto, page or none" --stack-guard=maybe
    usage_error "--engine: 'asm,' has an empty item in its list" --engine=asm,
    usage_error "--workload: ',switch' has an empty item in its list" --workload=,switch
    usage_error "--param: 'tasks=2,,3' has an empty item in its list" --workload=ring --param tasks=2,,3
    usage_error "--workers: '1,' has an empty item in its list" --workers=1,
    usage_error "--layout: 'shuffled' is not random or fixed" --layout=shuffled
    usage_error "--layout-seed: '-1' is not a whole number" --layout-seed=-1
    # A value holding a newline or an escape: still one line, shown escaped.
    usage_error "--filter 'a\\nb'" --filter=$'a\nb'
    usage_error "unknown engine 'as\\x1bm'" --engine=$'as\em'
    usage_error "unknown option '--bogus\\nx'" $'--bogus\nx'
}

case_gbench_flag_spellings() {
    # Google Benchmark's parser: 1/true/yes/on mean true, 0/false/no/off false.
    local v
    for v in 1 true yes on; do
        [ "$("$BENCH" --benchmark_list_tests=$v --benchmark_filter='^switch/asm$')" = "switch/asm" ] ||
            fail "--benchmark_list_tests=$v did not list"
    done
    "$BENCH" --benchmark_list_tests=0 --benchmark_filter='^switch/asm$' --benchmark_min_time=10x \
        --benchmark_repetitions=1 --benchmark_out="$WORK/c.txt" --benchmark_out_format=console \
        --results-dir= >"$WORK/stdout" 2>/dev/null || fail "--benchmark_out_format=console refused"
    grep -q "^switch/asm " "$WORK/c.txt" || fail "console --out has no switch/asm row: $(cat "$WORK/c.txt")"
}

case_cpus_follow_affinity_mask() {
    command -v taskset >/dev/null || skip "taskset is not installed"
    read -r c0 c1 < <("$PY" -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
    [ -n "${c1:-}" ] || skip "needs two CPUs, this process may use one"
    taskset -c "$c0" "$BENCH" --cpus="$c1" --engine=asm --workload=switch >/dev/null 2>"$WORK/err"
    [ $? -eq 2 ] && grep -q "names CPUs this process may not use (allowed: $c0)" "$WORK/err" ||
        fail "taskset -c $c0 --cpus=$c1 was not refused: $(cat "$WORK/err")"
    taskset -c "$c1" "$BENCH" --engine=threads --workload=switch "${FAST[@]}" --results-dir= --format=json \
        >"$WORK/a.json" 2>/dev/null
    json_check "$WORK/a.json" "all(r['cpus_used']=='$c1' for r in rows if r['run_type']=='iteration')" ||
        fail "under taskset -c $c1 the run used other CPUs: $(grep cpus_used "$WORK/a.json")"
}

case_out_special_files() {
    local R=(--engine=asm --workload=switch "${FAST[@]}" --results-dir=)
    # A FIFO stays a FIFO, and its reader gets the JSON.
    mkfifo "$WORK/fifo"
    cat "$WORK/fifo" >"$WORK/fromfifo" &
    local reader=$!
    "$BENCH" "${R[@]}" --out="$WORK/fifo" >/dev/null 2>&1 || fail "writing to a FIFO failed"
    wait $reader
    [ -p "$WORK/fifo" ] || fail "the FIFO was replaced"
    json_check "$WORK/fromfifo" 'len(rows) >= 1' || fail "the FIFO's reader got no JSON"
    # A symlink writes its target and stays a symlink.
    ln -s target.json "$WORK/link.json"
    "$BENCH" "${R[@]}" --out="$WORK/link.json" >/dev/null 2>&1 || fail "writing through a symlink failed"
    [ -L "$WORK/link.json" ] && json_check "$WORK/target.json" 'len(rows) >= 1' || fail "the symlink was replaced"
    # A character device (a private /dev/null) stays a device.
    if [ "$(id -u)" -eq 0 ] && mknod "$WORK/null" c 1 3 2>/dev/null; then
        "$BENCH" "${R[@]}" --out="$WORK/null" >/dev/null 2>&1 || fail "writing to a device failed"
        [ -c "$WORK/null" ] || fail "the character device was replaced by a regular file"
    fi
    ls -a "$WORK" | grep -q '\.tmp\.' && fail "a temporary file was left: $(ls -a "$WORK")"
    return 0
}

case_limits_skip_default_sizes() {
    # Under a descriptor limit of our own, the default ring sweep on
    # processes cannot hold 100 tasks (two descriptors per pipe): skipped,
    # with the limit named; --strict still exits 0.
    (ulimit -n 200 && "$BENCH" --strict "${FAST[@]}" --engine=processes --workload=ring --results-dir= \
        --format=json >"$WORK/a.json" 2>"$WORK/err")
    local rc=$?
    [ $rc -eq 0 ] || fail "--strict exit $rc with only skipped records: $(cat "$WORK/err")"
    json_check "$WORK/a.json" \
        'any(r["name"]=="ring/processes/tasks:100" and r.get("skipped") is True and "RLIMIT_NOFILE" in r["skip_message"] and "200" in r["skip_message"] and not r.get("error_occurred") for r in rows) and any(r["name"]=="ring/processes/tasks:2" and not r.get("skipped") and not r.get("error_occurred") for r in rows)' ||
        fail "no skipped record naming RLIMIT_NOFILE: $(head -c 1500 "$WORK/a.json")"
    # Asked for by name, the same size is an error record with the numbers.
    (ulimit -n 200 && "$BENCH" --strict "${FAST[@]}" --engine=processes --workload=ring --param tasks=100 \
        --results-dir= --format=json >"$WORK/b.json" 2>/dev/null)
    rc=$?
    [ $rc -eq 1 ] || fail "--param tasks=100 over the limit: exit $rc, expected 1"
    json_check "$WORK/b.json" \
        'all(r.get("error_occurred") and "needs about 264 descriptors (64 of them a reserve for the harness)" in r["error_message"] and "hard limit is 200" in r["error_message"] for r in rows)' ||
        fail "the error record does not give the need and the limit: $(head -c 800 "$WORK/b.json")"
    # CSV: as Google Benchmark 1.8, error_occurred false and the message.
    (ulimit -n 200 && "$BENCH" "${FAST[@]}" --engine=processes --workload=ring --filter='tasks:100$' \
        --results-dir= --format=csv >"$WORK/a.csv" 2>/dev/null)
    grep -q '^"ring/processes/tasks:100",,,,,,,,false,"needs about' "$WORK/a.csv" ||
        fail "CSV skipped row: $(cat "$WORK/a.csv")"
}

case_stack_guard_auto() {
    local maps n
    maps=$(cat /proc/sys/vm/max_map_count)
    n=$((maps / 2 + 2000)) # more guarded stacks than the map limit allows
    "$BENCH" --strict "${FAST[@]}" --engine=asm --workload=spawn --param tasks=$n --results-dir= --format=json \
        >"$WORK/a.json" 2>"$WORK/err" || fail "spawn of $n under --stack-guard=auto failed: $(cat "$WORK/err")"
    json_check "$WORK/a.json" \
        "all(r['stacks_unguarded'] > 0 and r['stacks_guarded'] > 0 and 'stack guard page on' in r['label'] for r in rows if r['run_type']=='iteration') and doc['context']['stack_guard']=='auto'" ||
        fail "label/counters do not say which stacks were guarded: $(grep -E 'label|stacks_' "$WORK/a.json")"
    # A small run keeps every guard page.
    "$BENCH" "${FAST[@]}" --engine=asm --workload=spawn --param tasks=100 --results-dir= --format=json >"$WORK/b.json" 2>/dev/null
    json_check "$WORK/b.json" "all(r['stacks_unguarded'] == 0 and 'stack guard page;' in r['label'] for r in rows)" ||
        fail "a small run lost its guard pages: $(grep label "$WORK/b.json")"
    # An explicit page that cannot fit stays an error record naming the limit.
    "$BENCH" "${FAST[@]}" --engine=asm --workload=spawn --param tasks=$n --stack-guard=page --results-dir= \
        --format=json >"$WORK/c.json" 2>/dev/null
    json_check "$WORK/c.json" "all(r.get('error_occurred') and 'vm.max_map_count is $maps' in r['error_message'] for r in rows)" ||
        fail "explicit page over the limit: $(head -c 600 "$WORK/c.json")"
}

case_quick_default_is_what_list_shows() {
    local a b
    a=$("$BENCH" --list)
    b=$("$BENCH" --quick --list --engine=all --workload=all)
    [ "$a" = "$b" ] || fail "--list alone differs from the quick default's list"
    echo "$a" | grep -q '^spawn/' && echo "$a" | grep -q '^echo/' || fail "--list lacks families"
    "$BENCH" --help | grep -q "2/100/10000" && fail "--help still describes the old quick run"
    "$BENCH" --help | grep -q -- "--list shows them" || fail "--help does not explain the quick run"
}

case_sighup_stops_everything() {
    "$BENCH" --min-time=5 --repetitions=5 --engine=processes --workload=ring --param tasks=20 \
        --results-dir="$WORK/r" --out="$WORK/x.json" --timeout=100 "$MARK_ARG" >/dev/null 2>&1 &
    local pid=$!
    tasks_started || fail "the benchmark did not start its task processes"
    kill -HUP $pid
    wait $pid
    local rc=$?
    [ $rc -eq 130 ] || fail "SIGHUP: exit $rc, expected 130"
    none_left || fail "SIGHUP left $(left_running) processes running"
    [ -e "$WORK/x.json" ] || [ -e "$WORK/r" ] && fail "SIGHUP left output behind"
    return 0
}

case_sigkill_of_main_stops_everything() {
    "$BENCH" --min-time=5 --repetitions=5 --engine=processes --workload=ring --param tasks=20 \
        --results-dir= --timeout=100 "$MARK_ARG" >/dev/null 2>&1 &
    local pid=$!
    tasks_started || fail "the benchmark did not start its task processes"
    kill -KILL $pid
    wait $pid 2>/dev/null
    none_left || { pkill -KILL -f -- "$MARK"; fail "SIGKILL of the main process left processes running"; }
}

case_timeout_orphans_are_reaped() {
    # Task processes killed at a timeout are reparented to switchbench (a
    # child subreaper) and reaped before the next benchmark starts: no
    # zombie once the second benchmark's process exists. Polled, not slept,
    # so a loaded machine moves the moments but not the outcome. In order,
    # so the hanging benchmark is the first.
    "$BENCH" --timeout=1 --min-time=0.5 --repetitions=1 --in-order --engine=processes --workload=selftest-hang,sleep \
        --param sleep_ms=1500 --param tasks=2 --results-dir= --format=json "$MARK_ARG" >"$WORK/a.json" 2>/dev/null &
    local pid=$! first="" next="" z=0 z1=0
    first=$(benchmark_child $pid) || fail "the first benchmark never started"
    for _ in $(seq 1000); do
        # A benchmark process leads its own process group; an orphan still
        # dying keeps the group of the benchmark it came from.
        next=$(ps -o pid=,pgid=,stat= --ppid $pid | awk -v f="$first" '$1 != f && $1 == $2 && $3 !~ /^Z/ {print $1}' | head -1)
        [ -n "$next" ] && break
        sleep 0.02
    done
    [ -n "$next" ] || fail "the second benchmark never started"
    z=$(ps -eo stat=,ppid= | awk -v p=$pid '$1 ~ /^Z/ && $2 == p' | wc -l)
    # Zombies of this run anywhere: in the timed-out benchmark's process
    # group (reparented or not), not other runs' on the same machine.
    z1=$(ps -eo stat=,pgid= | awk -v g="$first" '$1 ~ /^Z/ && $2 == g' | wc -l)
    wait $pid
    [ "$z" -eq 0 ] && [ "$z1" -eq 0 ] || fail "zombies while the next benchmark ran: $z children, $z1 in the timed-out benchmark's group"
    json_check "$WORK/a.json" 'any(r["name"].startswith("selftest-hang") and "timed out" in r["error_message"] for r in rows)' ||
        fail "no timeout record"
}

case_stopped_parent_is_not_a_timeout() {
    "$BENCH" --engine=asm --workload=switch --min-time=0.3 --repetitions=3 --timeout=1.5 --results-dir= --disturbance=off \
        --format=json >"$WORK/a.json" 2>/dev/null &
    local pid=$!
    sleep 0.3
    kill -STOP $pid
    sleep 3
    kill -CONT $pid
    wait $pid
    json_check "$WORK/a.json" 'not any(r.get("error_occurred") for r in rows) and len([r for r in rows if r["run_type"]=="iteration"])==3' ||
        fail "a stopped parent turned finished repetitions into errors: $(grep error_message "$WORK/a.json")"
}

# kill_grandchild N|sockets WHAT ARGS...: run the benchmark, SIGKILL the Nth child
# (or the one holding the most sockets)
# of its benchmark process once that child has lived a second (a short
# calibration repetition's child may be gone before the kill: then the next
# one is taken), and require the run to end within 10 s of the kill (not at
# its 50 s timeout) with a record per row; $WORK/a.json holds it.
# KILL_MIN_TIME (default 20 s) may fix the iterations instead: with no
# search, no child of a trial that is about to end can be the one killed.
kill_grandchild() {
    local nth=$1 what=$2 start="" pid child victim
    shift 2
    "$BENCH" "$@" --min-time="${KILL_MIN_TIME:-20}" --repetitions=1 --timeout=50 --results-dir= --format=json \
        "$MARK_ARG" >"$WORK/a.json" 2>/dev/null &
    pid=$!
    for _ in $(seq 1000); do
        child=$(pgrep -P $pid | head -1)
        victim=""
        if [ -n "$child" ] && [ "$nth" = sockets ]; then
            # The load generator holds a socket per connection; the memory
            # probe, its sibling, holds at most the listener it inherited.
            victim=$(for c in $(ps -o pid=,etimes=,stat= --ppid "$child" | awk '$2 >= 1 && $3 !~ /^Z/ {print $1}'); do
                echo "$(find /proc/"$c"/fd -lname 'socket:*' 2>/dev/null | wc -l) $c"
            done | sort -n | awk '$1 > 2 {v = $2} END {print v}')
        elif [ -n "$child" ]; then
            # A zombie (a task that ended, not yet reaped) takes the signal
            # without dying: kill(2) returns 0 and the run goes on to its
            # end (seen once in CI, 35 s). Only live processes are victims.
            victim=$(ps -o pid=,etimes=,stat= --ppid "$child" | awk '$2 >= 1 && $3 !~ /^Z/ {print $1}' | sed -n "${nth}p")
        fi
        if [ -n "$victim" ] && kill -KILL "$victim" 2>/dev/null; then
            start=$(date +%s)
            break
        fi
        sleep 0.02
    done
    [ -n "$start" ] || { kill -KILL $pid; fail "no $what found"; }
    wait $pid
    local took=$(($(date +%s) - start))
    [ $took -lt 10 ] || fail "took ${took}s: the run waited for its timeout after the $what died"
}

case_killed_load_generator_is_named() {
    # On asm, the benchmark's only child is the load generator. Fixed
    # iterations (about 10 s here, 30 s under ASan): under the search, the
    # generator of a 1-2 s trial was once killed as that trial ended, and
    # the run went on to its next one (32 s, ASan tree).
    KILL_MIN_TIME=1000000x kill_grandchild sockets "load generator" --engine=asm --workload=echo --param conns=10
    json_check "$WORK/a.json" 'all("load generator died: killed by signal 9" in r["error_message"] for r in rows)' ||
        fail "$(grep error_message "$WORK/a.json")"
}

case_killed_ring_task_is_named() {
    # Fixed iterations (about 10 s here at 2.6 us a lap-step): under the
    # search, a task of a trial that was ending could be the one chosen.
    KILL_MIN_TIME=4000000x kill_grandchild 5 "task process" --engine=processes --workload=ring --param tasks=50
    json_check "$WORK/a.json" 'all("killed by signal 9" in r["error_message"] and "task " in r["error_message"] for r in rows)' ||
        fail "$(grep error_message "$WORK/a.json")"
    none_left || fail "task processes left running"
}

case_mute_child_is_reaped_on_time() {
    # A benchmark process that closes its pipe and never exits: the runner
    # waits for it after end-of-file with a deadline, not for --timeout.
    local start took
    start=$(date +%s)
    "$BENCH" --engine=asm --workload=selftest-mute,switch "${FAST[@]}" --timeout=100 "$MARK" \
        --results-dir= --format=json >"$WORK/a.json" 2>/dev/null
    took=$(($(date +%s) - start))
    [ $took -lt 30 ] || fail "took ${took}s: the wait after end-of-file had no deadline"
    json_check "$WORK/a.json" 'any(r["name"]=="selftest-mute/asm" and "closed its pipe" in r["error_message"] and "killed" in r["error_message"] for r in rows) and any(r["name"]=="switch/asm" and not r.get("error_occurred") for r in rows)' ||
        fail "$(grep -E '"(name|error_message)"' "$WORK/a.json")"
    none_left || fail "the mute process was left running"
}

case_results_dir_is_synced_after_rename() {
    # What reaches the disk is seen through an LD_PRELOAD shim that notes
    # each fsync and rename: the run directory's files, then the rename,
    # then the results directory itself (else a crash may lose the name).
    local shim=${SB_TEST_SHIM:-}
    [ -n "$shim" ] && [ -f "$shim" ] || skip "no fsync shim given (SB_TEST_SHIM)"
    SB_SHIM_LOG="$WORK/log" LD_PRELOAD="$shim" ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" \
        "$BENCH" --engine=asm --workload=switch "${FAST[@]}" --results-dir="$WORK/res" \
        --out="$WORK/a.json" --no-report >/dev/null 2>&1 || fail "the run failed"
    "$PY" - "$WORK/log" "$WORK/res" "$WORK" <<'PYEOF' || fail "$(cat "$WORK/log")"
import os, sys
log, res, work = sys.argv[1], os.path.realpath(sys.argv[2]), os.path.realpath(sys.argv[3])
lines = [l.split() for l in open(log)]
def at(pred):
    return next((i for i, l in enumerate(lines) if pred(l)), None)
run = at(lambda l: l[0] == "rename" and os.path.basename(l[1]).startswith(".") and os.path.dirname(os.path.realpath(l[2])) == res)
assert run is not None, "no rename of the run directory"
staged = at(lambda l: l[0] == "fsync" and l[1].endswith("/results.json"))
assert staged is not None and staged < run, "results.json not synced before the rename"
assert any(l[0] == "fsync" and l[1] == res for l in lines[run + 1:]), \
    "the results directory was not synced after the rename"
out = at(lambda l: l[0] == "rename" and os.path.realpath(l[2]) == work + "/a.json")
assert out is not None, "--out was not renamed into place"
assert any(l[0] == "fsync" and l[1] == work for l in lines[out + 1:]), "--out's directory not synced"
PYEOF
}

case_closed_standard_fds() {
    "$BENCH" --engine=asm,stackless --workload=echo,sleep --param conns=10 --param tasks=2 --param sleep_ms=10 \
        "${FAST[@]}" --results-dir= --out="$WORK/a.json" <&- >&- 2>&-
    local rc=$?
    [ $rc -eq 0 ] || fail "with fds 0-2 closed: exit $rc"
    json_check "$WORK/a.json" 'len(rows) == 4 and not any(r.get("error_occurred") for r in rows)' ||
        fail "$(head -c 600 "$WORK/a.json")"
}

case_concurrent_runs_share_a_results_dir() {
    # The directory does not exist yet: the first four runs race to make it
    # (a run that lost the race once failed with "File exists" and saved
    # nothing). Each run's exit status and stderr are kept, so a failure
    # says which run failed and why.
    local round i pids
    for round in 1 2 3; do
        pids=()
        for i in 1 2 3 4; do
            "$BENCH" --engine=stackless --workload=switch --min-time=10x --repetitions=1 \
                --results-dir="$WORK/res" >/dev/null 2>"$WORK/err.$round.$i" &
            pids+=($!)
        done
        for i in 1 2 3 4; do
            wait "${pids[$((i - 1))]}" || echo "round $round run $i: exit $?: $(tr '\n' ' ' <"$WORK/err.$round.$i")" \
                >>"$WORK/failed"
        done
    done
    [ -s "$WORK/failed" ] && fail "$(cat "$WORK/failed")"
    local n
    n=$(find "$WORK/res" -name results.json | wc -l)
    [ "$n" -eq 12 ] || fail "12 runs saved $n results: $(ls -a "$WORK/res")"
    ls -a "$WORK/res" | grep -q tmp && fail "temporaries left: $(ls -a "$WORK/res")"
    return 0
}

case_results_dir_made_by_another_run() {
    # The race of concurrent_runs_share_a_results_dir, staged every time by
    # the shim: another run makes the new results directory between this
    # run's stat and its mkdir. The run must use it, not fail.
    local shim=${SB_TEST_SHIM:-}
    [ -n "$shim" ] && [ -f "$shim" ] || skip "no shim given (SB_TEST_SHIM)"
    SB_SHIM_MKDIR_RACE="$WORK/res" LD_PRELOAD="$shim" ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" \
        "$BENCH" --engine=stackless --workload=switch "${FAST[@]}" --results-dir="$WORK/res" --no-report \
        >/dev/null 2>"$WORK/err" || fail "exit $?: $(cat "$WORK/err")"
    [ "$(find "$WORK/res" -name results.json | wc -l)" -eq 1 ] || fail "no results saved: $(ls -aR "$WORK/res")"
}

case_file_size_limit_is_named() {
    # Past ulimit -f a write fails (SIGXFSZ ignored): the run says which
    # limit, exits 1, and leaves no staging directory (it died with exit
    # 153 and left .<stamp>.tmp.<pid>/).
    (ulimit -f 4; exec "$BENCH" --engine=stackless --workload=switch,bare "${FAST[@]}" \
        --results-dir="$WORK/res" --no-report) >/dev/null 2>"$WORK/err"
    local rc=$?
    [ $rc -eq 1 ] || fail "exit $rc, expected 1: $(cat "$WORK/err")"
    grep -q "^bench: .*the file size limit (ulimit -f) is reached" "$WORK/err" || fail "not named: $(cat "$WORK/err")"
    [ -z "$(ls -A "$WORK/res" 2>/dev/null)" ] || fail "left behind: $(ls -A "$WORK/res")"
}

case_full_disk_is_named() {
    # A results directory on a full file system (a 1 MiB tmpfs, filled):
    # "No space left on device", exit 1, nothing half-written; the same
    # for the report of a run on it.
    [ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
    mkdir "$WORK/disk"
    mount -t tmpfs -o size=1m tmpfs "$WORK/disk" 2>"$WORK/err" || skip "cannot mount a tmpfs: $(cat "$WORK/err")"
    trap 'umount "$WORK/disk" 2>/dev/null; pkill -KILL -f -- "$MARK" 2>/dev/null; rm -rf "$WORK"' EXIT
    head -c 1040000 /dev/zero >"$WORK/disk/filler" 2>/dev/null
    "$BENCH" --engine=stackless --workload=switch,bare "${FAST[@]}" --results-dir="$WORK/disk/res" --no-report \
        >/dev/null 2>"$WORK/err"
    local rc=$?
    [ $rc -eq 1 ] || fail "exit $rc, expected 1: $(cat "$WORK/err")"
    grep -q "^bench: .*No space left on device" "$WORK/err" || fail "not named: $(cat "$WORK/err")"
    ls -A "$WORK/disk/res" 2>/dev/null | grep -q tmp && fail "left behind: $(ls -A "$WORK/disk/res")"
    # The report: room for the results, not for the charts.
    rm -f "$WORK/disk/filler"
    mkdir "$WORK/disk/run"
    cp "$SRC_DIR/tests/data/quick-run.json" "$WORK/disk/run/results.json"
    head -c 700000 /dev/zero >"$WORK/disk/filler" 2>/dev/null
    "$PY" "$SRC_DIR/scripts/report.py" "$WORK/disk/run" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 1 ] || fail "report: exit $rc, expected 1: $(cat "$WORK/err")"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "no space left on device" "$WORK/err" ||
        fail "report: not one line naming the full disk: $(cat "$WORK/err")"
    [ "$(ls -A "$WORK/disk/run")" = results.json ] || fail "report: left behind: $(ls -A "$WORK/disk/run")"
    # No room at all: whatever it writes first (a chart's data, a gnuplot
    # template copied beside it), the file named is the one on the full
    # disk, never the template it was read from.
    rm -f "$WORK/disk/filler"
    head -c 1048576 /dev/zero >"$WORK/disk/filler" 2>/dev/null
    "$PY" "$SRC_DIR/scripts/report.py" "$WORK/disk/run" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 1 ] && grep -q "$WORK/disk/" "$WORK/err" && ! grep -q "scripts/gp" "$WORK/err" ||
        fail "report on a full disk named $(cat "$WORK/err")"
    [ "$(ls -A "$WORK/disk/run")" = results.json ] || fail "report: left behind: $(ls -A "$WORK/disk/run")"
}

case_address_space_limit_is_named() {
    # ulimit -v 4000000 (about 3.8 GiB): the arena is sized to the limit
    # and every engine runs (each benchmark failed "cannot map task
    # memory"); a limit too small for 100,000 stacks is named as the cause.
    ldd "$BENCH" 2>/dev/null | grep -q libasan &&
        skip "AddressSanitizer reserves terabytes of shadow address space: no address-space limit can apply"
    (ulimit -v 4000000; exec "$BENCH" --engine=threads,asm,stackless --workload=switch,spawn --param tasks=1000 \
        "${FAST[@]}" --results-dir= --strict --format=json) >"$WORK/a.json" 2>"$WORK/err" ||
        fail "under ulimit -v 4000000: $(cat "$WORK/err")"
    (ulimit -v 60000; exec "$BENCH" --engine=asm --workload=spawn --param tasks=100000 "${FAST[@]}" \
        --results-dir= --format=json) >"$WORK/b.json" 2>"$WORK/err"
    json_check "$WORK/b.json" 'len(rows) == 1 and "ulimit -v" in rows[0].get("error_message", "")' ||
        fail "the limit is not named: $(cat "$WORK/err")"
    # Packed 1K stacks: the spawning task's own stack is 1K, too small to
    # format the failure; it is recorded there and said from verify, with
    # the call and the limit, never as a stack overflow.
    (ulimit -v 110000; exec "$BENCH" --engine=asm,ref-fcontext --workload=spawn --param tasks=100000 \
        --stack-size=1K "${FAST[@]}" --results-dir= --format=json) >"$WORK/c.json" 2>"$WORK/err"
    json_check "$WORK/c.json" 'len(rows) >= 1 and all("mmap of stacks" in r.get("error_message", "") and "ulimit -v" in r["error_message"] and "overflow" not in r["error_message"] for r in rows)' ||
        fail "a failed map on a 1K stack is not named: $(grep error_message "$WORK/c.json")"
}

case_stopped_repetition_is_marked() {
    # SIGSTOP, a second, SIGCONT to the benchmark process mid-run: the
    # repetition it fell in carries "disturbed" (and says so in its label),
    # the others do not, and the report leaves it out and warns. In order,
    # so that one process lives through the whole stop (interleaved, each
    # repetition is a process of its own and the first may be gone).
    "$BENCH" --engine=stackless --workload=switch --min-time=0.4 --repetitions=4 --in-order --results-dir= --disturbance=off \
        --format=json "$MARK" >"$WORK/a.json" 2>/dev/null &
    local pid=$! child=""
    child=$(benchmark_child $pid) || fail "no benchmark process appeared"
    sleep 0.6
    kill -STOP "$child"
    sleep 1
    kill -CONT "$child"
    wait $pid || fail "the run failed"
    json_check "$WORK/a.json" 'len([r for r in rows if r["run_type"] == "iteration" and "stopped for" in r.get("disturbed", "") and "DISTURBED" in r["label"]]) == 1 and len([r for r in rows if r["run_type"] == "iteration"]) == 4' ||
        fail "the stopped repetition is not marked: $(grep -E '"(real_time|disturbed)"' "$WORK/a.json")"
    "$PY" "$SRC_DIR/scripts/report.py" "$WORK/a.json" --out "$WORK" --quiet || fail "the report failed"
    # --disturbance=off: no machine figures, so the warning names the stop itself.
    grep -q "1 repetition(s) were disturbed and are left out" "$WORK/report.md" ||
        fail "the report does not warn: $(grep -i disturbed "$WORK/report.md" | head -3)"
}

# thread_kernel_memory WHO...: spawn/threads at 1,000 tasks, run by WHO
# (nothing, or setpriv to another user); its record must count the kernel
# stack (16 KiB a thread on x86-64 and arm64) in kernel_bytes_per_task, sum
# user and kernel in bytes_per_task, and name the method in its label.
thread_kernel_memory() {
    local want=$1 least=16384 try
    shift
    # /proc/meminfo is machine-wide: another suite on the machine moves it
    # by more than 1,000 threads' kernel stacks, so there only the label,
    # the sum and a figure of zero or more are this run's to judge (a few
    # tries: a figure that went backwards is an error record, rightly).
    case "$want" in /proc/meminfo*) least=0 ;; esac
    for try in 1 2 3; do
        "$@" "$BENCH" --engine=threads --workload=spawn --param=tasks=1000 --min-time=1x --repetitions=1 --disturbance=off \
            --results-dir= --format=json "$MARK" >"$WORK/k.json" 2>"$WORK/err" ||
            fail "the run failed: $(cat "$WORK/err")"
        json_check "$WORK/k.json" 'len(rows) == 1 and rows[0]["kernel_bytes_per_task"] >= '"$least"' and abs(rows[0]["bytes_per_task"] - rows[0]["user_bytes_per_task"] - rows[0]["kernel_bytes_per_task"]) < 1 and "kernel memory: '"$want"'" in rows[0]["label"]' &&
            break
        [ $least -eq 0 ] && [ $try -lt 3 ] && continue
        fail "kernel memory not counted by $want: $(grep -E '"(label|error_message|[a-z_]*bytes_per_task)"' "$WORK/k.json")"
    done
    echo "ok   $want: $(grep -E '"(kernel_bytes_per_task|label)"' "$WORK/k.json" | tr -s ' ' | tr -d '\n')"
}

case_thread_memory_counts_the_kernel() {
    # As root: a cgroup of the run's own where the machine has one with
    # kernel memory (v2, else v1), else /proc/meminfo. As another user,
    # who cannot make a cgroup: /proc/meminfo, which says it is
    # machine-wide. Either way no cgroup of ours is left behind.
    # Only this run's are judged: cgroups that were not there before and
    # whose process is gone (another suite on the machine may hold some).
    local method="" before # root: whichever of the three this machine gives
    before=$(find /sys/fs/cgroup -maxdepth 6 -type d -name 'switchbench-*' 2>/dev/null | sort)
    [ "$(id -u)" -eq 0 ] || method="/proc/meminfo"
    thread_kernel_memory "$method"
    if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
        chmod 0755 "$WORK"
        thread_kernel_memory "/proc/meminfo, machine-wide" setpriv --reuid=65534 --regid=65534 --clear-groups
    fi
    local left="" d
    for d in $(comm -13 <(printf '%s\n' "$before") \
        <(find /sys/fs/cgroup -maxdepth 6 -type d -name 'switchbench-*' 2>/dev/null | sort)); do
        kill -0 "${d##*switchbench-}" 2>/dev/null || left="$left $d"
    done
    [ -z "$left" ] || fail "cgroups this run left behind:$left"
}

# own_memory_cgroup: the directory where this process's benchmark would
# make its cgroup (the memory hierarchy's, v1, else the unified one).
own_memory_cgroup() {
    "$PY" - <<'PYEOF'
import os
mounts = {}
for ln in open("/proc/self/mountinfo"):
    left, right = ln.split(" - ", 1)
    f, r = left.split(), right.split()
    if r[0] == "cgroup" and "memory" in r[2].split(","):
        mounts["memory"] = (f[3], f[4])
    elif r[0] == "cgroup2":
        mounts.setdefault("", (f[3], f[4]))
for ln in open("/proc/self/cgroup"):
    _, ctrl, path = ln.rstrip("\n").split(":", 2)
    key = "memory" if "memory" in ctrl.split(",") else ("" if ctrl == "" else None)
    if key in mounts and (key == "memory" or "memory" not in mounts):
        root, point = mounts[key]
        rel = path[len(root):] if root != "/" and path.startswith(root) else path
        print(os.path.normpath(point + "/" + rel))
        break
PYEOF
}

case_stale_cgroups_are_swept() {
    # A run killed with -9 mid-benchmark leaves switchbench-PID behind; the
    # next run removes those whose process is gone, and only those.
    [ "$(id -u)" -eq 0 ] || skip "making a cgroup needs root"
    local dir dead live
    dir=$(own_memory_cgroup)
    [ -n "$dir" ] && [ -d "$dir" ] || skip "no memory cgroup hierarchy here"
    sh -c 'exit 0' &
    dead=$!
    wait $dead
    kill -0 $dead 2>/dev/null && skip "pid $dead was reused at once"
    live=$$
    mkdir "$dir/switchbench-$dead" 2>"$WORK/err" || skip "cannot make a cgroup in $dir: $(cat "$WORK/err")"
    mkdir "$dir/switchbench-$live" || { rmdir "$dir/switchbench-$dead"; fail "cannot make a second cgroup"; }
    "$BENCH" --engine=asm --workload=switch "${FAST[@]}" --results-dir= --format=json "$MARK" >/dev/null 2>"$WORK/err"
    local rc=$? gone=1 kept=0
    [ -d "$dir/switchbench-$dead" ] && gone=0
    [ -d "$dir/switchbench-$live" ] && kept=1
    rmdir "$dir/switchbench-$dead" "$dir/switchbench-$live" 2>/dev/null
    [ $rc -eq 0 ] || fail "the run failed: $(cat "$WORK/err")"
    [ $gone -eq 1 ] || fail "the stale cgroup of dead pid $dead was not removed"
    [ $kept -eq 1 ] || fail "the cgroup of a live pid ($live) was removed"
}

case_spawn_reports_cold_and_warm() {
    # A repetition's first batch (fresh memory) and the batches after it
    # (reused memory) are two figures; one batch gives no warm figure
    # rather than a warm figure that is really cold.
    local e
    for e in asm threads stackless; do
        "$BENCH" --engine=$e --workload=spawn --param=tasks=1000 --min-time=3x --repetitions=1 --results-dir= --disturbance=off \
            --format=json "$MARK" >"$WORK/s.json" 2>"$WORK/err" || fail "$e: the run failed: $(cat "$WORK/err")"
        json_check "$WORK/s.json" 'len(rows) == 1 and rows[0]["cold_ns_per_task"] > 0 and rows[0]["warm_ns_per_task"] > 0' ||
            fail "$e, 3 batches: $(grep -E '_ns_per_task' "$WORK/s.json")"
        "$BENCH" --engine=$e --workload=spawn --param=tasks=1000 --min-time=1x --repetitions=1 --results-dir= \
            --format=json "$MARK" >"$WORK/s.json" 2>"$WORK/err" || fail "$e: the run failed: $(cat "$WORK/err")"
        json_check "$WORK/s.json" 'rows[0]["cold_ns_per_task"] > 0 and "warm_ns_per_task" not in rows[0]' ||
            fail "$e, 1 batch: $(grep -E '_ns_per_task' "$WORK/s.json")"
    done
}

# layouts ARGS...: for 4 repetitions of switch/stackless, one line: the
# context's layout, each repetition's layout_offset, then how many
# distinct stack_page_offsets they had and how many distinct
# (stack_page_offset + layout_offset) mod 4096, which is the process's own
# stack start (ASLR moves it from run to run, never within one).
layouts() {
    "$BENCH" --engine=stackless --workload=switch --min-time=1000x --repetitions=4 --results-dir= \
        --format=json "$@" "$MARK" 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
r = [b for b in d["benchmarks"] if b["run_type"] == "iteration"]
print(d["context"]["layout"].split()[0], *[b["layout_offset"] for b in r],
      "starts", len({b["stack_page_offset"] for b in r}),
      "base", len({(b["stack_page_offset"] + b["layout_offset"]) % 4096 for b in r}))'
}

case_layout_per_repetition() {
    # Each repetition's stack is shifted as its seed says: the same seed
    # gives the same shifts, another seed others; the shifts really move
    # the stack (distinct starts, one base), and --layout=fixed shifts
    # nothing. (Pure offsets: units/layout_offsets_follow_the_seed.)
    local a b c f
    a=$(layouts --layout-seed=1) && b=$(layouts --layout-seed=1) && c=$(layouts --layout-seed=2) &&
        f=$(layouts --layout=fixed) || fail "a run failed"
    echo "seed 1: $a | again: $b | seed 2: $c | fixed: $f"
    [ "${a% starts*}" = "${b% starts*}" ] || fail "one seed, two sets of shifts: $a / $b"
    [ "${a% starts*}" != "${c% starts*}" ] || fail "two seeds, one set of shifts: $a"
    case $a in "random "*" starts 4 base 1") ;; *) fail "the shifts did not move the stack: $a" ;; esac
    [ "$f" = "fixed 0 0 0 0 starts 1 base 1" ] || fail "--layout=fixed moved: $f"
}

case_interrupt_while_writing() {
    # A FIFO with no reader holds the write open: the interrupt lands then.
    mkfifo "$WORK/fifo"
    "$BENCH" --engine=asm --workload=switch "${FAST[@]}" --results-dir="$WORK/res" --out="$WORK/fifo" \
        >/dev/null 2>"$WORK/err" &
    local pid=$!
    sleep 1
    kill -INT $pid
    wait $pid
    local rc=$?
    [ $rc -eq 130 ] || fail "exit $rc, expected 130: $(cat "$WORK/err")"
    [ -e "$WORK/res" ] && fail "the results directory was written: $(ls -aR "$WORK/res")"
    return 0
}

case_stale_temporaries_are_swept() {
    mkdir -p "$WORK/res/.20200101-000000.tmp.999999"
    : >"$WORK/res/.20200101-000000.tmp.999999/results.json"
    : >"$WORK/x.json.tmp.999999"
    : >"$WORK/x.json.tmp.$$" # a live writer's: kept
    "$BENCH" --engine=asm --workload=switch "${FAST[@]}" --results-dir="$WORK/res" --out="$WORK/x.json" \
        >/dev/null 2>&1 || fail "the run failed"
    [ -e "$WORK/res/.20200101-000000.tmp.999999" ] && fail "a dead writer's run directory was kept"
    [ -e "$WORK/x.json.tmp.999999" ] && fail "a dead writer's temporary --out was kept"
    [ -e "$WORK/x.json.tmp.$$" ] || fail "a live writer's temporary was removed"
    return 0
}

case_spawn_failure_is_the_cause() {
    [ "$(id -u)" -eq 0 ] || skip "needs root to run the benchmark as another user"
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    # A uid of its own (no account needed): RLIMIT_NPROC counts every
    # process of the user, so a shared one (nobody) would count another
    # suite's processes running at the same time.
    local uid=$((61000 + $$ % 4000))
    chmod 1777 "$WORK"
    # The other user may not reach the build tree (a clone under /root):
    # it runs a copy from the work directory.
    cp "$BENCH" "$WORK/sb" && chmod 755 "$WORK/sb" || fail "cannot copy the binary for the other user"
    # The processes limit must bite after the plan, while echo starts its
    # connections: the 250 sleepers start once the first benchmark's task
    # processes exist (polled, so a loaded machine only moves the moment).
    # --in-order keeps sleep first: in a shuffled order echo may run before
    # the sleepers exist, and its connections then all start (CI saw that).
    setpriv --reuid=$uid --regid=$uid --clear-groups bash -c "
        ulimit -u 420
        '$WORK/sb' --in-order --engine=processes --workload=sleep,echo --filter='sleep/processes/tasks:2/|conns:200' \
            --param tasks=2 --param sleep_ms=3000 --param conns=200 --min-time=1x --repetitions=1 \
            --results-dir= --format=json >'$WORK/a.json' 2>/dev/null &
        b=\$!
        for i in \$(seq 500); do
            c=\$(pgrep -P \$b | head -1)
            [ -n \"\$c\" ] && [ -n \"\$(pgrep -P \$c)\" ] && break
            sleep 0.02
        done
        for i in \$(seq 250); do sleep 8 & done 2>/dev/null
        wait \$b
        kill \$(jobs -p) 2>/dev/null
        wait" 2>/dev/null
    json_check "$WORK/a.json" 'any(r["name"].startswith("echo/") and "could not create the task for connection" in r.get("error_message", "") and "RLIMIT_NPROC is 420" in r.get("error_message", "") for r in rows)' ||
        fail "$(grep error_message "$WORK/a.json")"
}

case_overflow_on_a_worker_thread() {
    "$BENCH" --engine=asm --workers=2 --workload=selftest-overflow-worker --stack-size=64K "${FAST[@]}" \
        --results-dir= --format=json >"$WORK/a.json" 2>/dev/null
    json_check "$WORK/a.json" 'all("stack overflow: engine asm" in r["error_message"] for r in rows)' ||
        fail "$(grep error_message "$WORK/a.json")"
}

case_two_core_test_skips_on_one_core() {
    [ -n "$CONF" ] || skip "no test_conformance given"
    command -v taskset >/dev/null || skip "taskset is not installed"
    local c0
    c0=$("$PY" -c 'import os; print(min(os.sched_getaffinity(0)))')
    taskset -c "$c0" "$CONF" --engine=asm --test=workers_2_on_two_cores >/dev/null
    local rc=$?
    [ $rc -eq 77 ] || fail "on one core the two-core test exited $rc, expected 77 (skipped)"
}

case_missing_reference_is_one_line() {
    # A reference engine whose package is missing (simulated: never
    # uninstall in a test) is left out with one line; the rest runs.
    local refs
    refs=$("$BENCH" --list-engines | awk '/ reference/ {print $1}' | paste -sd, -)
    [ -n "$refs" ] || skip "no reference engine in the registry"
    SB_HIDE_ENGINES=$refs "$BENCH" --engine="asm,$refs" --workload=switch "${FAST[@]}" --results-dir= \
        --format=json >"$WORK/a.json" 2>"$WORK/err"
    local rc=$?
    [ $rc -eq 0 ] || fail "exit $rc: $(cat "$WORK/err")"
    local lines
    lines=$(grep -c "left out" "$WORK/err")
    [ "$lines" -eq "$(echo "$refs" | tr ',' '\n' | wc -l)" ] || fail "expected a line per reference: $(cat "$WORK/err")"
    grep -q "ref-.* left out: not installed here" "$WORK/err" || fail "the line does not say why: $(cat "$WORK/err")"
    json_check "$WORK/a.json" '[r["name"] for r in rows] == ["switch/asm"]' || fail "the rest of the run did not complete alone"
    # Named alone, there is nothing to run: one line, exit 2.
    SB_HIDE_ENGINES=$refs "$BENCH" --engine="$refs" --workload=switch --results-dir= >/dev/null 2>"$WORK/err"
    rc=$?
    [ $rc -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "only missing references: exit $rc, $(cat "$WORK/err")"
    # The tests of a missing one say skipped (tests/engine_tests.cmake reads this).
    SB_HIDE_ENGINES=$refs "$BENCH" --list-engines | grep -q "reference unavailable:" ||
        fail "--list-engines does not mark the missing reference"
}

case_reference_lie_is_an_error() {
    # Each external reference made to do one unit of work less than it
    # reports (SB_REF_LIE=1) must fail its own count: an error record.
    local refs
    refs=$("$BENCH" --list-engines | awk '/ external/ && !/unavailable:/ {print $1}' | paste -sd, -)
    [ -n "$refs" ] || skip "no external reference is installed"
    local all=switch,pingpong,ring,pipeline,spawn,sleep,echo,cpu,blocking
    SB_REF_LIE=1 "$BENCH" --engine="$refs" --workload=$all --tiny --results-dir= \
        --format=json >"$WORK/a.json" 2>/dev/null
    json_check "$WORK/a.json" 'len(rows) > 0 and all(r.get("error_occurred") and "expected" in r["error_message"] for r in rows)' ||
        fail "a lying reference was not caught: $(grep -E '"(name|error_message)"' "$WORK/a.json" | head -20)"
    # And honest, the same runs are clean.
    "$BENCH" --engine="$refs" --workload=$all --tiny --results-dir= --strict --format=json \
        >"$WORK/b.json" 2>"$WORK/err" || fail "honest references failed: $(cat "$WORK/err")"
}

if [ "${1:-}" = "--list" ]; then
    declare -F | awk '{print $3}' | sed -n 's/^case_//p'
    exit 0
fi
BENCH=${1:?usage: hardening_test.sh --list | PATH/TO/switchbench CASE [PATH/TO/test_conformance]}
CASE=${2:?usage: hardening_test.sh PATH/TO/switchbench CASE}
CONF=${3:-}
declare -F "case_$CASE" >/dev/null || { echo "no case $CASE"; exit 2; }
WORK=$(mktemp -d)
MARK="sbmark$$x$RANDOM"
MARK_ARG="--seed=$((0x$(printf '%s' "$MARK" | md5sum | cut -c1-7) % 4000000000))"
MARK="$MARK_ARG"
trap 'pkill -KILL -f -- "$MARK" 2>/dev/null; rm -rf "$WORK"' EXIT
"case_$CASE"
rc=$?
[ $rc -eq 0 ] && echo "ok   $CASE"
exit $rc
