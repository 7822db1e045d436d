#!/usr/bin/env bash
# The load from another host (--loadgen, switchbench agent): one case per
# call, as hardening_test.sh does.
#   loadgen_test.sh --list
#   loadgen_test.sh PATH/TO/switchbench CASE
# Exit 0 pass, 1 fail, 77 skipped (the machine cannot run the case).
# Loopback cases run anywhere. The two_namespaces_* cases make two network
# namespaces joined by a veth pair with a /30 of 198.18.0.0/15 (set aside
# for benchmarking) and no route anywhere else, run the agent in one and
# the server in the other, and remove both at the end: root and iproute2
# are needed, else they are skipped with the reason.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/case_kit.sh"

# show_rows FILE: each record's name, label and error, and the load host.
show_rows() {
    "$PY" - "$1" <<'PYEOF2'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["benchmarks"]:
    print(r["name"], "|", r.get("label"), "|", r.get("error_message", ""))
print(d["context"].get("load_host"))
PYEOF2
}

# start_agent [NETNS] ARGS...: an agent in the background (in NETNS when
# given: "ns:NAME"); AGENT_PID and AGENT_PORT once it listens.
start_agent() {
    local prefix=()
    # nsenter itself, not in_ns: $! must be the agent (nsenter execs it).
    case "${1:-}" in ns:*) prefix=(nsenter --net="/run/netns/${1#ns:}"); shift ;; esac
    "${prefix[@]}" "$BENCH" agent "$@" >"$WORK/agent.out" 2>"$WORK/agent.err" &
    AGENT_PID=$!
    for _ in $(seq 100); do
        AGENT_PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\)$/\1/p' "$WORK/agent.out")
        [ -n "$AGENT_PORT" ] && return 0
        kill -0 $AGENT_PID 2>/dev/null || fail "the agent did not start: $(cat "$WORK/agent.err")"
        sleep 0.05
    done
    fail "the agent did not say where it listens"
}

# ask_agent PORT LINE: send one line to a loopback agent, print its answer.
ask_agent() {
    "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(), end="")
PYEOF
}

# usage_error WANT ARGS...: exit 2 and one line on stderr containing WANT.
usage_error() {
    local want=$1 rc err
    shift
    "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    err=$(cat "$WORK/err")
    [ $rc -eq 2 ] || fail "$* -> exit $rc, expected 2 ($err)"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$* -> stderr is not one line: $err"
    case "$err" in *"$want"*) ;; *) fail "$* -> '$err' lacks '$want'" ;; esac
    echo "ok   $* -> $err"
}

FAST=(--repetitions=1 --min-time=0.05 --results-dir= --format=json)

case_loopback_echo_every_engine() {
    start_agent --listen=127.0.0.1:0
    local engines
    engines=$("$BENCH" --list-engines | awk '!/unavailable:/ && !/ external/ {print $1}' | paste -sd, -)
    "$BENCH" --engine="$engines" --workload=echo,echo-open,switch --param conns=8 --param rate=2000 \
        --loadgen=127.0.0.1:$AGENT_PORT "${FAST[@]}" >"$WORK/a.json" 2>"$WORK/err" ||
        fail "the run failed: $(cat "$WORK/err")"
    json_check "$WORK/a.json" 'not any(r.get("error_occurred") for r in rows) and all(("load from " in r["label"]) == r["name"].startswith("echo") for r in rows) and doc["context"]["load_host"]["server_addr"] == "127.0.0.1"' ||
        fail "$(show_rows "$WORK/a.json")"
}

case_unreachable_agent_is_one_line() {
    usage_error "--loadgen: cannot reach 127.0.0.1:1" "$BENCH" --engine=asm --workload=echo --loadgen=127.0.0.1:1
    usage_error "--loadgen: 'nohost' is not HOST:PORT" "$BENCH" --workload=echo --loadgen=nohost
    usage_error "--server-addr: 'x' is not an IPv4 address" "$BENCH" --workload=echo --loadgen=127.0.0.1:1 --server-addr=x
    usage_error "--token-file needs --loadgen" "$BENCH" --workload=echo --token-file=/dev/null
}

case_wrong_token_is_refused() {
    printf 'right-secret\n' >"$WORK/tok"
    chmod 600 "$WORK/tok"
    printf 'wrong-secret\n' >"$WORK/bad"
    start_agent --listen=127.0.0.1:0 --token-file="$WORK/tok"
    usage_error "refused: wrong token" "$BENCH" --engine=asm --workload=echo \
        --loadgen=127.0.0.1:$AGENT_PORT --token-file="$WORK/bad"
    usage_error "refused: wrong token" "$BENCH" --engine=asm --workload=echo --loadgen=127.0.0.1:$AGENT_PORT
    "$BENCH" --engine=asm --workload=echo --param conns=4 --loadgen=127.0.0.1:$AGENT_PORT \
        --token-file="$WORK/tok" "${FAST[@]}" >"$WORK/a.json" 2>"$WORK/err" ||
        fail "the right token was refused: $(cat "$WORK/err")"
}

case_agent_is_no_open_door() {
    printf 'secret\n' >"$WORK/tok"
    chmod 644 "$WORK/tok"
    usage_error "beyond loopback a --token-file (mode 0600) is required" "$BENCH" agent --listen=0.0.0.0:0
    usage_error "readable by others (mode 644)" "$BENCH" agent --listen=0.0.0.0:0 --token-file="$WORK/tok"
    usage_error "--allow: 'x' is not an IPv4 address" "$BENCH" agent --listen=127.0.0.1:0 --allow=x
    usage_error "--listen=ADDR:PORT is required" "$BENCH" agent
    start_agent --listen=127.0.0.1:0 --max-conns=5
    local ans
    ans=$(ask_agent $AGENT_PORT 'not json')
    [ "$(printf '%s\n' "$ans" | wc -l)" -eq 1 ] && case "$ans" in *'"error"'*) ;; *) false ;; esac ||
        fail "garbage got '$ans'"
    ans=$(ask_agent $AGENT_PORT '{"op":"launch"}')
    case "$ans" in *'unknown op'*) ;; *) fail "an unknown op got '$ans'" ;; esac
    ans=$(ask_agent $AGENT_PORT '{"op":"load","target":"10.9.8.7","port":80,"conns":1,"msg_size":64,"round_trips":1,"rate":0}')
    case "$ans" in *"not the controller's own address"*) ;; *) fail "a foreign target got '$ans'" ;; esac
    ans=$(ask_agent $AGENT_PORT '{"op":"load","target":"127.0.0.1","port":80,"conns":6,"msg_size":64,"round_trips":1,"rate":0}')
    case "$ans" in *"'conns' must be an integer from 1 to 5"*) ;; *) fail "too many connections got '$ans'" ;; esac
    kill -0 $AGENT_PID 2>/dev/null || fail "the agent died of bad input"
}

case_agent_death_is_an_error_record() {
    start_agent --listen=127.0.0.1:0
    # A long load; its generator (the agent's child) is killed once it runs.
    "$BENCH" --engine=asm --workload=echo,switch --param conns=4 --min-time=1000000x --repetitions=1 \
        --timeout=60 --loadgen=127.0.0.1:$AGENT_PORT --results-dir= --format=json >"$WORK/a.json" 2>/dev/null &
    local pid=$! child=""
    for _ in $(seq 200); do
        child=$(pgrep -P $AGENT_PID | head -1)
        [ -n "$child" ] && break
        sleep 0.05
    done
    [ -n "$child" ] || { kill $pid; fail "no load started on the agent"; }
    sleep 0.5
    kill -KILL "$child"
    wait $pid
    json_check "$WORK/a.json" 'any(r["name"].startswith("echo") and r.get("error_occurred") and "agent 127.0.0.1" in r["error_message"] for r in rows) and any(r["name"] == "switch/asm" and not r.get("error_occurred") for r in rows)' ||
        fail "$(show_rows "$WORK/a.json")"
}

# --- two network namespaces joined by a veth pair ---
NS_A="" NS_B=""
# in_ns NAME CMD...: CMD in the network namespace NAME. nsenter, not
# `ip netns exec`: that also remounts / and /sys, which fails where / is
# not a mount point (a chroot, as a fresh Debian root is checked in), and
# nothing here needs the namespace's own /sys.
in_ns() {
    local ns=$1
    shift
    nsenter --net="/run/netns/$ns" "$@"
}
make_namespaces() {
    [ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
    command -v ip >/dev/null || skip "ip (Debian iproute2) is not installed"
    NS_A="sbA$$" NS_B="sbB$$"
    ip netns add $NS_A 2>"$WORK/ns.err" || skip "cannot make a network namespace: $(cat "$WORK/ns.err")"
    ip netns add $NS_B || fail "cannot make the second namespace"
    command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"
    ip link add va$$ netns $NS_A type veth peer name vb$$ netns $NS_B || fail "cannot make a veth pair"
    # Configured from inside (in_ns): `ip -n` remounts / as `ip netns exec`
    # does, and fails where / is not a mount point.
    in_ns $NS_A ip addr add 198.18.0.1/30 dev va$$ || fail "cannot address the first end"
    in_ns $NS_B ip addr add 198.18.0.2/30 dev vb$$ || fail "cannot address the second end"
    for ns in $NS_A $NS_B; do
        in_ns $ns ip link set lo up
    done
    in_ns $NS_A ip link set va$$ up
    in_ns $NS_B ip link set vb$$ up
    printf 'ns-secret-%s\n' "$RANDOM$RANDOM" >"$WORK/tok"
    chmod 600 "$WORK/tok"
}

case_two_namespaces_echo() {
    make_namespaces
    start_agent ns:$NS_A --listen=198.18.0.1:0 --token-file="$WORK/tok"
    # Ours, the libuv baseline and the references' own servers (where
    # installed), all served to the agent in the other namespace.
    local engines refs
    refs=$("$BENCH" --list-engines | awk '/ external/ && !/unavailable:/ {print $1}' | paste -sd, -)
    engines=asm,stackless,threads,libuv${refs:+,$refs}
    in_ns $NS_B "$BENCH" --engine=$engines --workload=echo --param conns=16 \
        --loadgen=198.18.0.1:$AGENT_PORT --token-file="$WORK/tok" "${FAST[@]}" >"$WORK/a.json" 2>"$WORK/err" ||
        fail "the run failed: $(cat "$WORK/err")"
    json_check "$WORK/a.json" 'len(rows) >= 4 and not any(r.get("error_occurred") for r in rows) and all("load from " in r["label"] for r in rows) and doc["context"]["load_host"]["server_addr"] == "198.18.0.2"' ||
        fail "$(show_rows "$WORK/a.json")"
    # Nothing of the load left the link: the agent saw only the controller's address.
    in_ns $NS_B ip route | grep -qv '198.18.0.0/30' && fail "a route leaves the namespace"
    return 0
}

case_two_namespaces_network_drop() {
    make_namespaces
    start_agent ns:$NS_A --listen=198.18.0.1:0 --token-file="$WORK/tok" --max-seconds=60
    # A long load; the link goes down under it. Keepalive on the control
    # and the served connections (5 s idle, 5 probes 2 s apart) ends it
    # with the cause named, not at the run's --timeout.
    in_ns $NS_B "$BENCH" --engine=asm --workload=echo,switch --param conns=4 \
        --min-time=100000000x --repetitions=1 --timeout=100 --loadgen=198.18.0.1:$AGENT_PORT \
        --token-file="$WORK/tok" --results-dir= --format=json >"$WORK/a.json" 2>/dev/null &
    local pid=$! start
    for _ in $(seq 200); do
        [ -n "$(pgrep -P $AGENT_PID)" ] && break
        sleep 0.05
    done
    sleep 0.5
    in_ns $NS_A ip link set va$$ down
    start=$(date +%s)
    wait $pid
    local took=$(($(date +%s) - start))
    [ $took -lt 60 ] || fail "took ${took}s after the link went down: the run waited for its timeout"
    json_check "$WORK/a.json" 'any(r["name"].startswith("echo") and r.get("error_occurred") and "connection lost" in r["error_message"] for r in rows) and any(r["name"] == "switch/asm" and not r.get("error_occurred") for r in rows)' ||
        fail "$(show_rows "$WORK/a.json")"
}

if [ "${1:-}" = "--list" ]; then
    declare -F | awk '{print $3}' | sed -n 's/^case_//p'
    exit 0
fi
BENCH=${1:?usage: loadgen_test.sh --list | PATH/TO/switchbench CASE}
CASE=${2:?usage: loadgen_test.sh PATH/TO/switchbench CASE}
declare -F "case_$CASE" >/dev/null || { echo "no case $CASE"; exit 2; }
WORK=$(mktemp -d)
AGENT_PID=""
cleanup() {
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
    [ -n "$NS_A" ] && ip netns pids "$NS_A" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    [ -n "$NS_B" ] && ip netns pids "$NS_B" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    [ -n "$NS_A" ] && ip netns del "$NS_A" 2>/dev/null
    [ -n "$NS_B" ] && ip netns del "$NS_B" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
"case_$CASE"
rc=$?
[ $rc -eq 0 ] && echo "ok   $CASE"
exit $rc
