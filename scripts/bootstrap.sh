# Sourced by ./bench and scripts/test: install the Debian packages switchbench
# needs when they are missing (as root), or say exactly what to run (not root).
# Then configure and build a tree when anything in it is stale.

SB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build and run: compiler, CMake, and the libraries used for real.
SB_PACKAGES_RUN="cmake make gcc libc6-dev pkg-config libhwloc-dev libuv1-dev libjansson-dev libgsl-dev libcsv-dev gnuplot-nox python3"
# Tests add: Valgrind (and its headers), Google Benchmark's compare.py with
# the numpy/scipy it imports, the static analysers, a real Google Benchmark
# binary to report on (g++, libbenchmark-dev), a browser to look at the
# report with (chromium), git for ./bench regress --base, ip (iproute2) for the
# load tests' two network namespaces, and a one-node Slurm cluster (munge,
# slurmctld, slurmd, slurm-client) for ./bench cluster's test.
SB_PACKAGES_TEST="valgrind libbenchmark-tools python3-numpy python3-scipy cppcheck clang-tidy clang-format g++ libbenchmark-dev chromium git gdb iproute2 munge slurmctld slurmd slurm-client"
# The reference engines' packages are not listed here: each engine names
# its own (engines/engine_ref_*.c, `.package`, `.in_default_run`), and
# ./bench and scripts/test ask the built binary which are missing
# (scripts/named_packages.py over switchbench --describe).
# A cross build's libraries (scripts/cross_sysroot.sh unpacks the target's
# builds of these into a sysroot of the project's own): what the build
# links, what those load (libudev1 for hwloc, libgslcblas0 for GSL,
# libstdc++6 for Boost.Context), each named so none comes by accident.
SB_CROSS_LIBRARIES="libhwloc-dev libhwloc15 libudev1 libuv1-dev libuv1 libjansson-dev libjansson4 libgsl-dev libgsl27 libgslcblas0 libcsv-dev libcsv3 libboost-context1.74-dev libboost-context1.74.0 libstdc++6"

sb_missing_packages() {
    local missing="" p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    printf '%s' "${missing# }"
}

sb_ensure_packages() {
    local missing
    missing=$(sb_missing_packages "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        # One line, before anything is built: what is missing and the command.
        echo "switchbench: missing Debian packages: $missing; as root: apt-get update && apt-get install -y --no-install-recommends $missing" >&2
        exit 2
    fi
    # No question asked on a terminal, as Debian's own images set it.
    export DEBIAN_FRONTEND=noninteractive
    local log="$SB_ROOT/.apt.log" n
    n=$(printf '%s\n' $missing | wc -l)
    # A line per step, and on a terminal apt's own progress too; the whole
    # output is appended to the log under a header per step, so that the
    # test command's install does not erase ./bench's.
    sb_apt_step() {
        local what=$1
        shift
        echo "switchbench: $what (log: $log)" >&2
        printf '\n== %s: %s ==\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$what" >>"$log"
        if [ -t 2 ]; then
            # debconf says on every install that it delays configuration
            # because apt-utils is absent: true, harmless, kept in the log.
            "$@" 2>&1 | tee -a "$log" | grep --line-buffered -v "^debconf: delaying package configuration" >&2
            return "${PIPESTATUS[0]}"
        fi
        "$@" >>"$log" 2>&1
    }
    if ! sb_apt_step "updating the package lists" apt-get update ||
        ! sb_apt_step "installing $n package(s): $missing" \
            apt-get install -y --no-install-recommends -o Dpkg::Progress-Fancy=0 $missing; then
        echo "switchbench: apt-get failed; its output is in $log" >&2
        tail -n 20 "$log" >&2
        exit 2
    fi
    echo "switchbench: installed $n package(s)" >&2
}

# sb_group CMD...: run CMD in a process group of its own and wait for it;
# a stopping signal to us (Ctrl-C, kill, a closed terminal) stops the whole
# group: a killed ./bench once left cmake, make, cc1 and ld running for
# seconds under PID 1. Returns CMD's status.
sb_group() {
    local pid rc=0
    setsid "$@" &
    pid=$!
    trap 'kill -TERM -- -'"$pid"' 2>/dev/null; wait '"$pid"'; exit 130' INT
    trap 'kill -TERM -- -'"$pid"' 2>/dev/null; wait '"$pid"'; exit 143' TERM
    trap 'kill -TERM -- -'"$pid"' 2>/dev/null; wait '"$pid"'; exit 129' HUP
    wait "$pid" || rc=$?
    trap - INT TERM HUP
    return $rc
}

# sb_build DIR [cmake -D options...]: configure, then let CMake rebuild
# whatever changed (a no-op when nothing did). Output only on failure.
# Configuring every time costs about a second and finds a tool installed
# since the last time (CMake searches again for what it did not find), so
# a test suite configured before valgrind or clang-tidy came never shrinks.
# One build of a tree at a time (a lock beside it, DIR.lock): two ./bench
# started at once on a stale tree failed 2 runs in 6 ("Unable to open
# check cache file", "ld returned 1"); the second now waits, and says so.
sb_build() {
    local dir=$1
    shift
    local log="$dir.log" lockfd
    mkdir -p "$(dirname "$dir")"
    exec {lockfd}>"$dir.lock"
    if ! flock -n "$lockfd"; then
        echo "switchbench: another build of $dir is running; waiting for it" >&2
        flock "$lockfd"
    fi
    if ! sb_group cmake -S "$SB_ROOT" -B "$dir" "$@" >"$log" 2>&1; then
        echo "switchbench: configuring $dir failed:" >&2
        tail -n 30 "$log" >&2
        exit 2
    fi
    # The build's output goes through sb_progress (a process of its own);
    # sb_group stays in this shell, so a signal to it still stops the
    # build's whole group.
    local t0=$SECONDS rc=0 pfd reader
    exec {pfd}> >(sb_progress "$dir" "$log")
    reader=$!
    sb_group cmake --build "$dir" -j "$(nproc)" >&"$pfd" 2>&1 || rc=$?
    exec {pfd}>&-
    wait "$reader" 2>/dev/null || true
    if [ "$rc" -ne 0 ]; then
        echo "switchbench: building $dir failed:" >&2
        grep -E "error|Error" "$log" | head -n 30 >&2
        exit 2
    fi
    exec {lockfd}>&-
    # Said when something was built: a first build takes about a minute.
    grep -q "Building\|Linking" "$log" &&
        echo "switchbench: built ${dir#"$SB_ROOT"/} in $((SECONDS - t0)) s (log: $log)" >&2
    return 0
}

# sb_progress DIR LOG: the build's output into LOG; on a terminal, one line
# that CMake's percentage and the file it works on keep rewriting (in CI,
# where stderr is a file, nothing: the log has it all).
sb_progress() {
    local dir=${1#"$SB_ROOT"/} log=$2 line shown=0
    : >"$log"
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$log"
        if [ -t 2 ] && [[ $line =~ ^\[\ *([0-9]+)%\]\ (Building|Linking)\ .*\ ([^ ]+)$ ]]; then
            printf '\rswitchbench: building %s [%3s%%] %-48.48s' "$dir" "${BASH_REMATCH[1]}" \
                "${BASH_REMATCH[3]##*/}" >&2
            shown=1
        fi
    done
    [ $shown -eq 0 ] || printf '\r\033[K' >&2
    return 0
}
