#!/usr/bin/env bash
# ./bench cluster on a one-node Slurm cluster that the case itself starts:
# munged, slurmctld and slurmd from Debian, a generated slurm.conf naming
# this host, every state, spool, socket and log under a temporary
# directory, every daemon stopped at the end (whatever ends the case).
#   slurm_test.sh --list
#   slurm_test.sh CHECKOUT CASE
# Exit 0 pass, 1 fail, 77 skipped (not root, a daemon missing, or the
# cluster would not come up: the reason is printed).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/case_kit.sh"

DAEMONS=()
stop_cluster() {
    for pid in "${DAEMONS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${DAEMONS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # A job step the daemons left (slurmstepd) is ours too.
    pkill -KILL -f "slurmstepd.*$WORK" 2>/dev/null
    return 0
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_cluster() {
    [ "$(id -u)" -eq 0 ] || skip "a Slurm cluster of our own needs root (slurmd runs jobs as their user)"
    for d in munged slurmctld slurmd sbatch scontrol srun sinfo; do
        command -v $d >/dev/null || skip "$d is not installed (Debian packages munge, slurmctld, slurmd, slurm-client)"
    done
    local host cpus
    host=$(hostname -s)
    cpus=$(nproc)
    mkdir -p "$WORK/state" "$WORK/spool" "$WORK/munge"
    chmod 700 "$WORK/munge"
    dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$WORK/munge/munge.key"
    munged --force --foreground --key-file="$WORK/munge/munge.key" --socket="$WORK/munge/socket" \
        --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munge/munged.log" \
        --seed-file="$WORK/munge/seed" >"$WORK/munged.out" 2>&1 &
    DAEMONS+=($!)
    # Addresses given, so that no name must resolve: a fresh root (or a
    # container) may not have its own host name in /etc/hosts, and the
    # job then hung for good waiting on a controller it could not find.
    cat >"$WORK/slurm.conf" <<EOF
ClusterName=sbtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus State=UNKNOWN
PartitionName=sbtest Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$WORK/slurm.conf"
    for _ in $(seq 50); do [ -S "$WORK/munge/socket" ] && break; sleep 0.1; done
    [ -S "$WORK/munge/socket" ] || skip "munged did not start: $(tail -3 "$WORK/munge/munged.log" "$WORK/munged.out" 2>/dev/null)"
    slurmctld -D -i -f "$SLURM_CONF" >"$WORK/slurmctld.out" 2>&1 &
    DAEMONS+=($!)
    slurmd -D -f "$SLURM_CONF" >"$WORK/slurmd.out" 2>&1 &
    DAEMONS+=($!)
    for _ in $(seq 200); do
        sinfo -h -o %T 2>/dev/null | grep -q '^idle' && return 0
        sleep 0.1
    done
    # The daemon's own last error says why (in a chroot whose /sys was
    # bound without its submounts: "No filesystem mounted on /sys/fs/cgroup").
    local why
    why=$(grep -h "error:" "$WORK/slurmd.out" 2>/dev/null | head -1)
    [ -n "$why" ] || why=$(grep -h "error:" "$WORK/slurmctld.out" 2>/dev/null | tail -1)
    skip "the one-node cluster did not come up (node $(sinfo -h -o %T 2>/dev/null | head -1)): ${why:-see slurmd.log}"
}

# cluster ARGS...: ./bench cluster's script, bounded: a job that never
# runs fails the case with the cluster's own account, not a CTest timeout.
cluster() {
    timeout 150 "$PY" "$ROOT/scripts/cluster.py" "$@"
    local rc=$?
    if [ $rc -eq 124 ]; then
        echo "the job did not end within 150 s: $(squeue 2>&1 | tail -3; sinfo 2>&1 | tail -2;
            tail -4 "$WORK/slurmctld.log" "$WORK/slurmd.log" 2>/dev/null)"
        scancel --user=root 2>/dev/null
    fi
    return $rc
}

case_one_node_cluster() {
    start_cluster
    local out="$WORK/run"
    # A small run, end to end: the job, the node's run gathered under its
    # host name, and the machines report over it.
    cluster --slurm --nodes 1 --partition sbtest --time 00:10:00 --out "$out" -- \
        --engine=asm,stackless --workload=switch,echo --tiny >"$WORK/cluster.out" 2>&1 ||
        fail "./bench cluster failed: $(tail -5 "$WORK/cluster.out"; tail -5 "$out"/nodes/*.log 2>/dev/null)"
    local host
    host=$(hostname -s)
    [ -f "$out/$host/results.json" ] || fail "no run gathered for $host: $(ls -R "$out" | head -20)"
    [ -f "$out/machines.html" ] && [ -f "$out/machines.md" ] || fail "no machines report: $(ls "$out")"
    json_check "$out/$host/results.json" 'len(rows) >= 2 and not any(r.get("error_occurred") for r in rows)' ||
        fail "the node's run has errors"
    grep -q "job.sbatch" "$WORK/cluster.out" || fail "the submission was not announced: $(cat "$WORK/cluster.out")"
}

case_failed_node_is_named() {
    start_cluster
    local out="$WORK/run"
    # Options that pass the submit host's checks but fail on the node (an
    # agent that is not there is found only by the run): named.
    cluster --slurm --nodes 1 --partition sbtest --time 00:05:00 --out "$out" -- \
        --engine=asm --workload=echo --loadgen=127.0.0.1:1 >"$WORK/cluster.out" 2>&1
    local rc=$?
    [ $rc -ne 0 ] || fail "a failed node was not a failure"
    grep -q "node $(hostname -s) failed: exit 2" "$WORK/cluster.out" || fail "$(cat "$WORK/cluster.out")"
}

case_dry_run_prints_the_script() {
    local out
    out=$("$PY" "$ROOT/scripts/cluster.py" --slurm --nodes 3 --dry-run -- --engine=asm '--filter=switch|$(touch '"$WORK"'/pwned)') ||
        fail "the dry run failed"
    case "$out" in *"#!/bin/bash"*"srun --ntasks-per-node=1"*"sbatch --wait"*"--exclusive"*"--hint=nomultithread"*"--nodes=3"*) ;;
        *) fail "the dry run lacks the script or the command: $out" ;; esac
    # The options are never script text.
    case "$out" in *"touch"*) fail "an option reached the script's text" ;; esac
    [ -e "$WORK/pwned" ] && fail "an option was executed"
    return 0
}

# Bad cluster options and node options that would move results are one
# line and exit 2 before anything is written or queued; --help and bad
# options install nothing. No Slurm is started: sbatch, apt-get and
# dpkg-query are stand-ins that record being called (dpkg-query says every
# package is missing, so that an install would be tried).
case_options_are_checked_before_queueing() {
    local fake="$WORK/fakebin" spelling
    mkdir -p "$fake"
    for tool in sbatch srun scontrol apt-get; do
        printf '#!/bin/sh\necho "$0 $*" >>"%s/called"\nexit 0\n' "$WORK" >"$fake/$tool"
        chmod +x "$fake/$tool"
    done
    printf '#!/bin/sh\nexit 1\n' >"$fake/dpkg-query"
    chmod +x "$fake/dpkg-query"
    refused() {
        local want=$1 rc err
        shift
        PATH="$fake:$PATH" "$@" >"$WORK/out" 2>"$WORK/err"
        rc=$?
        err=$(cat "$WORK/err")
        [ $rc -eq 2 ] || fail "$* -> exit $rc, expected 2: $err"
        [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$* -> not one line: $err"
        case "$err" in *"$want"*) ;; *) fail "$* -> '$err' lacks '$want'" ;; esac
        [ -e "$WORK/called" ] && fail "$* -> called $(cat "$WORK/called")"
        [ -z "$(ls "$WORK/outs" 2>/dev/null)" ] || fail "$* -> wrote $(ls "$WORK/outs")"
        echo "ok   ${*: -3} -> $err"
    }
    mkdir -p "$WORK/outs"
    local c=("$PY" "$ROOT/scripts/cluster.py" --slurm --nodes 1 --out "$WORK/outs/run")
    for spelling in --results-dir=/elsewhere "--results-dir /elsewhere" --results-d=/elsewhere "--res /elsewhere" \
        --out=/shared/x.json "--out /shared/x.json" --benchmark_out=/shared/x.json "--benchmark_out /shared/x.json" \
        --results-dir=; do
        # shellcheck disable=SC2086 # the spelling is one or two words
        refused "chooses where results go" "${c[@]}" -- --engine=asm $spelling
        refused "chooses where results go" "${c[@]}" --dry-run -- $spelling --engine=asm
    done
    refused "refused by switchbench: unknown engine 'no-such-engine'" "${c[@]}" -- --engine=no-such-engine
    refused "refused by switchbench: --filter: '(' is not a valid regular expression" "${c[@]}" -- "--filter=("
    refused "ask a node to answer" "${c[@]}" -- --list
    refused "--time 'abc' is not a Slurm time limit" "${c[@]}" --time abc --dry-run
    refused "--time '-5' is not a Slurm time limit" "${c[@]}" --time=-5 --dry-run
    refused "--nodes 0 is not from 1 to 4096" "$PY" "$ROOT/scripts/cluster.py" --slurm --nodes 0 --dry-run
    refused "is not a Slurm name" "${c[@]}" "--partition=a;reboot"
    # ./bench: help and bad options before any install or build.
    PATH="$fake:$PATH" "$ROOT/bench" cluster --help >"$WORK/out" 2>"$WORK/err" || fail "bench cluster --help failed: $(cat "$WORK/err")"
    grep -q "usage: ./bench cluster" "$WORK/out" || fail "bench cluster --help printed: $(head -3 "$WORK/out")"
    [ -e "$WORK/called" ] && fail "bench cluster --help called $(cat "$WORK/called")"
    refused "--time 'abc' is not a Slurm time limit" "$ROOT/bench" cluster --slurm --time abc
    return 0
}

if [ "${1:-}" = "--list" ]; then
    declare -F | awk '{print $3}' | sed -n 's/^case_//p'
    exit 0
fi
ROOT=${1:?usage: slurm_test.sh CHECKOUT CASE}
CASE=${2:?usage: slurm_test.sh CHECKOUT CASE}
declare -F "case_$CASE" >/dev/null || { echo "no case $CASE"; exit 2; }
WORK=$(mktemp -d)
trap 'stop_cluster; rm -rf "$WORK"' EXIT
"case_$CASE"
rc=$?
[ $rc -eq 0 ] && echo "ok   $CASE"
exit $rc
