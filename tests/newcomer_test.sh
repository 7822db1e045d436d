#!/usr/bin/env bash
# A newcomer's first hour, as scripts/bootstrap.sh and CMake meet it: apt's
# steps shown and logged, the tree configured at every build, and a test
# tool installed after the first configure found by the next. One case per
# call, so CTest runs each in its own process with its own timeout.
#   newcomer_test.sh --list
#   newcomer_test.sh SOURCE_DIR CASE [BINARY]   (BINARY: a built switchbench)
# Exit 0 pass, 1 fail, 77 skipped (the machine cannot run the case).
set -u

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

# A copy of bootstrap.sh in a root of its own (it keeps its apt log at
# SB_ROOT/.apt.log), with stub commands first on PATH.
stub_root() {
    mkdir -p "$WORK/root/scripts" "$WORK/stub"
    cp "$SRC/scripts/bootstrap.sh" "$WORK/root/scripts/"
    PATH="$WORK/stub:$PATH"
}

# dpkg-query: every package is missing. apt-get: says what it does, and
# fails to install when APT_FAIL is set.
stub_apt() {
    cat >"$WORK/stub/dpkg-query" <<'EOF'
#!/bin/sh
echo "unknown ok not-installed"
EOF
    cat >"$WORK/stub/apt-get" <<'EOF'
#!/bin/sh
case "$*" in
*update*) echo "Hit:1 http://deb.debian.org/debian bookworm InRelease"; echo "Reading package lists..." ;;
*install*)
    [ -n "${APT_FAIL:-}" ] && { echo "E: Unable to locate package sb-fake-two"; exit 100; }
    echo "debconf: delaying package configuration, since apt-utils is not installed"
    for p in "$@"; do case $p in sb-fake-*) echo "Setting up $p (1.0) ..." ;; esac; done ;;
esac
EOF
    chmod +x "$WORK/stub/dpkg-query" "$WORK/stub/apt-get"
}

ensure() {
    bash -c '. "$1/scripts/bootstrap.sh"; sb_ensure_packages sb-fake-one sb-fake-two' _ "$WORK/root"
}

case_apt_steps_are_shown_and_logged() {
    [ "$(id -u)" -eq 0 ] || skip "installs only as root (not root: it prints the command)"
    stub_root
    stub_apt
    # Not a terminal: a line per step on stderr, apt's own output in the log.
    ensure >"$WORK/out" 2>"$WORK/err" || fail "exit $?: $(cat "$WORK/err")"
    local err
    err=$(cat "$WORK/err")
    for want in "switchbench: updating the package lists (log: $WORK/root/.apt.log)" \
        "switchbench: installing 2 package(s): sb-fake-one sb-fake-two" \
        "switchbench: installed 2 package(s)"; do
        case "$err" in *"$want"*) ;; *) fail "no '$want' in: $err" ;; esac
    done
    case "$err" in *"Setting up"*) fail "apt's output on stderr without a terminal: $err" ;; esac
    grep -q "Setting up sb-fake-two" "$WORK/root/.apt.log" || fail "the log lacks apt's output"
    # On a terminal: apt's progress shows too, and the log keeps it.
    script -qec "bash -c '. \"$WORK/root/scripts/bootstrap.sh\"; sb_ensure_packages sb-fake-one sb-fake-two'" \
        /dev/null >"$WORK/tty" 2>&1 || fail "on a terminal: exit $?: $(cat "$WORK/tty")"
    grep -q "installing 2 package(s)" "$WORK/tty" || fail "no step line on the terminal: $(cat "$WORK/tty")"
    grep -q "Setting up sb-fake-one" "$WORK/tty" || fail "no apt progress on the terminal: $(cat "$WORK/tty")"
    grep -q "Setting up sb-fake-one" "$WORK/root/.apt.log" || fail "the terminal run kept no log"
    # debconf's note on every install stays in the log, off the terminal.
    grep -q "debconf: delaying" "$WORK/tty" && fail "debconf's noise on the terminal: $(cat "$WORK/tty")"
    grep -q "debconf: delaying" "$WORK/root/.apt.log" || fail "debconf's note is not in the log"
    # The log is appended to, a header per step: the first install's
    # output is still there after the second.
    [ "$(grep -c '^== .*: updating the package lists ==$' "$WORK/root/.apt.log")" -ge 2 ] ||
        fail "the log was not appended to: $(grep '^==' "$WORK/root/.apt.log")"
    # A failing apt-get: exit 2, the cause and where the log is.
    APT_FAIL=1 ensure >/dev/null 2>"$WORK/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "apt-get failing: exit $rc, expected 2"
    grep -q "apt-get failed; its output is in $WORK/root/.apt.log" "$WORK/err" || fail "$(cat "$WORK/err")"
    grep -q "Unable to locate package" "$WORK/err" || fail "apt's error not shown: $(cat "$WORK/err")"
}

case_every_build_configures_again() {
    # sb_build configures before it builds, every time, even in a tree
    # that exists: that is when CMake looks again for a missing tool.
    stub_root
    cat >"$WORK/stub/cmake" <<EOF
#!/bin/sh
# As cmake: a configure leaves a cache in the tree.
echo "\$*" >>"$WORK/calls"
[ "\$1" = -S ] && : >"\$4/CMakeCache.txt"
exit 0
EOF
    chmod +x "$WORK/stub/cmake"
    mkdir -p "$WORK/tree"
    local i
    for i in 1 2; do
        bash -c '. "$1/scripts/bootstrap.sh"; sb_build "$2" -DCMAKE_BUILD_TYPE=Release' _ "$WORK/root" "$WORK/tree" ||
            fail "sb_build exit $?"
    done
    [ "$(grep -c -- "-S $WORK/root -B $WORK/tree -DCMAKE_BUILD_TYPE=Release" "$WORK/calls")" -eq 2 ] ||
        fail "not configured at each build: $(cat "$WORK/calls")"
    [ "$(grep -c -- "--build $WORK/tree" "$WORK/calls")" -eq 2 ] || fail "not built each time: $(cat "$WORK/calls")"
}

case_builds_of_one_tree_take_turns() {
    # Two sb_build of one tree at once: the second waits for the first and
    # says so; no two cmake ever run in the tree together.
    stub_root
    cat >"$WORK/stub/cmake" <<EOF
#!/bin/sh
if ! mkdir "$WORK/busy" 2>/dev/null; then echo overlap >>"$WORK/overlaps"; exit 1; fi
sleep 0.3
rmdir "$WORK/busy"
EOF
    chmod +x "$WORK/stub/cmake"
    mkdir -p "$WORK/tree"
    local a b
    bash -c '. "$1/scripts/bootstrap.sh"; sb_build "$2"' _ "$WORK/root" "$WORK/tree" 2>"$WORK/err1" &
    a=$!
    sleep 0.1
    bash -c '. "$1/scripts/bootstrap.sh"; sb_build "$2"' _ "$WORK/root" "$WORK/tree" 2>"$WORK/err2" &
    b=$!
    wait $a || fail "the first build failed: $(cat "$WORK/err1")"
    wait $b || fail "the second build failed: $(cat "$WORK/err2")"
    [ -e "$WORK/overlaps" ] && fail "two cmake ran in one tree at once"
    grep -q "another build of $WORK/tree is running; waiting for it" "$WORK/err2" ||
        fail "the waiting build did not say so: $(cat "$WORK/err2")"
}

case_build_shows_progress_on_a_terminal() {
    # On a terminal a build keeps one line of progress (CMake's percentage
    # and the file); in a log (CI) only the closing line; the full output
    # is in DIR.log either way.
    stub_root
    cat >"$WORK/stub/cmake" <<'EOF'
#!/bin/sh
case "$*" in
*--build*) echo "[ 50%] Building C object CMakeFiles/sbcore.dir/engines/coro_stack.c.o"
           echo "[100%] Linking C executable switchbench" ;;
esac
EOF
    chmod +x "$WORK/stub/cmake"
    mkdir -p "$WORK/tree"
    script -qec "bash -c '. \"$WORK/root/scripts/bootstrap.sh\"; sb_build \"$WORK/tree\"'" /dev/null >"$WORK/tty" 2>&1 ||
        fail "exit $?: $(cat "$WORK/tty")"
    grep -q "building .*tree \[ 50%\] coro_stack.c.o" "$WORK/tty" || fail "no progress line: $(cat -v "$WORK/tty")"
    grep -q "switchbench: built .*tree in [0-9]* s" "$WORK/tty" || fail "no closing line: $(cat -v "$WORK/tty")"
    bash -c '. "$1/scripts/bootstrap.sh"; sb_build "$2"' _ "$WORK/root" "$WORK/tree" 2>"$WORK/err" || fail "exit $?"
    grep -q "building" "$WORK/err" && fail "progress in a log: $(cat "$WORK/err")"
    grep -q "switchbench: built" "$WORK/err" || fail "no closing line in a log: $(cat "$WORK/err")"
    grep -q "Linking C executable switchbench" "$WORK/tree.log" || fail "the build's output is not in its log"
}

case_test_command_says_what_it_leaves_out() {
    # scripts/test's per-tree lines: counts from CTest's JUnit file, each
    # skip reason, and each group the tree leaves out (registered in the
    # reference tree only, or filtered with -E) with why; then the sum.
    command -v ctest >/dev/null || skip "ctest is not installed"
    mkdir -p "$WORK/ref" "$WORK/asan"
    printf 'add_test(units/a "true")\nadd_test(valgrind/asm/x "true")\nadd_test(valgrind/asm/y "true")\nadd_test(lint/cppcheck "true")\n' \
        >"$WORK/ref/CTestTestfile.cmake"
    printf 'add_test(units/a "true")\nadd_test(lint/cppcheck "true")\n' >"$WORK/asan/CTestTestfile.cmake"
    # A failure, a skip in each shape the suite's tests print, and more
    # reasons than six: every one named; the tree's LastTest.log kept.
    {
        echo '<testsuite><testcase name="units/a" status="run"/>'
        echo '<testcase name="lint/cppcheck" status="notrun"><skipped/><system-out>skipped: cppcheck is not installed</system-out></testcase>'
        echo '<testcase name="units/b" status="fail"><failure message="Failed"/><system-out>FAIL: b</system-out></testcase>'
        echo '<testcase name="conformance/x/y" status="notrun"><skipped message="SKIP_RETURN_CODE=77"/><system-out>skip y/x: needs CPUs 0 and 1&#10;0 passed, 0 failed, 1 skipped</system-out></testcase>'
        echo '<testcase name="units/quiet" status="notrun"><skipped message="SKIP_RETURN_CODE=77"/><system-out>setting up&#10;no root here&#10;</system-out></testcase>'
        for i in 1 2 3 4 5 6; do
            echo "<testcase name=\"units/r$i\" status=\"notrun\"><skipped/><system-out>skipped: reason $i</system-out></testcase>"
        done
        echo '</testsuite>'
    } >"$WORK/asan/junit.xml"
    mkdir -p "$WORK/asan/Testing/Temporary"
    echo "the run's own log" >"$WORK/asan/Testing/Temporary/LastTest.log"
    local py=/usr/bin/python3 st="$WORK/state"
    $py "$SRC/scripts/test_summary.py" tree "ASan tree" "$WORK/asan" "$WORK/asan/junit.xml" "$st" \
        --reference "$WORK/ref" --exclude '^lint/' >"$WORK/out" || fail "exit $?"
    $py "$SRC/scripts/test_summary.py" total "$st" >>"$WORK/out" || fail "total: exit $?"
    local out
    out=$(cat "$WORK/out")
    for want in "== ASan tree: 11 tests: 1 passed, 1 failed, 9 skipped; 3 left out by design" \
        "FAILED: units/b" "FAILED in the ASan tree: units/b" \
        "skipped (1): cppcheck is not installed (e.g. lint/cppcheck)" \
        "skipped (1): needs CPUs 0 and 1 (e.g. conformance/x/y)" \
        "skipped (1): no root here (e.g. units/quiet)" \
        "skipped (1): reason 6" \
        "left out: valgrind/* (2): Valgrind cannot run a sanitized binary" \
        "left out: lint/* (1): the sources are the same in every tree" \
        "== scripts/test, 1 trees (ASan tree): 11 tests, 1 passed, 1 failed, 9 skipped, 3 left out by design"; do
        case "$out" in *"$want"*) ;; *) fail "no '$want' in: $out" ;; esac
    done
    case "$out" in *SKIP_RETURN_CODE*) fail "a skip reads as its exit code: $out" ;; esac
    [ "$(grep -c 'skipped (1): reason' "$WORK/out")" -eq 12 ] || fail "not every skip reason is listed twice (tree, total): $out"
    [ "$(cat "$WORK/asan/Testing/Temporary/LastTest.log")" = "the run's own log" ] ||
        fail "the tree's LastTest.log was overwritten: $(head -3 "$WORK/asan/Testing/Temporary/LastTest.log")"
}

case_stopped_build_stops_its_compilers() {
    # SIGTERM to ./bench while it builds: the build's whole process group
    # goes (the stub stands for make and the cc1 under it).
    stub_root
    cat >"$WORK/stub/cmake" <<EOF
#!/bin/sh
sleep 60 &
echo \$! >"$WORK/compiler.pid"
wait
EOF
    chmod +x "$WORK/stub/cmake"
    mkdir -p "$WORK/tree"
    bash -c '. "$1/scripts/bootstrap.sh"; sb_build "$2"' _ "$WORK/root" "$WORK/tree" 2>/dev/null &
    local pid=$! i cc
    for i in $(seq 100); do [ -s "$WORK/compiler.pid" ] && break; sleep 0.05; done
    cc=$(cat "$WORK/compiler.pid" 2>/dev/null) || fail "the build never started"
    kill -TERM $pid
    wait $pid
    local rc=$?
    [ $rc -eq 143 ] || fail "exit $rc after SIGTERM, expected 143"
    for i in $(seq 40); do kill -0 "$cc" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$cc" 2>/dev/null; then
        kill -KILL "$cc"
        fail "the compiler was left running after the build was stopped"
    fi
}

# as_user CMD...: CMD as the unprivileged user nobody, in $WORK, with a
# home there; skipped where there is no root to become nobody from.
as_user() {
    [ "$(id -u)" -eq 0 ] || skip "needs root to run as another user"
    command -v runuser >/dev/null || skip "runuser (util-linux) is not installed"
    chmod 755 "$WORK"
    runuser -u nobody -- env HOME="$WORK" PATH="$PATH" "$@"
}

case_non_root_missing_packages_is_one_line() {
    # Not root and packages missing: one line naming them and the command
    # that installs them, exit 2, and nothing built or written.
    stub_root
    stub_apt
    chmod -R a+rX "$WORK"
    as_user bash -c '. "$1/scripts/bootstrap.sh"; sb_ensure_packages sb-fake-one sb-fake-two; touch "$1/built"' \
        _ "$WORK/root" >"$WORK/out" 2>"$WORK/err"
    local rc=$? err
    err=$(cat "$WORK/err")
    [ $rc -eq 2 ] || fail "exit $rc, expected 2: $err"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "not one line: $err"
    case "$err" in *"missing Debian packages: sb-fake-one sb-fake-two; as root: apt-get update && apt-get install -y --no-install-recommends sb-fake-one sb-fake-two"*) ;;
        *) fail "the line lacks the packages or the command: $err" ;; esac
    [ -e "$WORK/root/built" ] || [ -e "$WORK/root/.apt.log" ] && fail "work was done after the refusal"
    return 0
}

case_non_root_with_packages_runs() {
    # A user who is not root, on a machine that has every package: ./bench
    # builds its own checkout and runs, and never asks for root.
    [ -n "$(. "$SRC/scripts/bootstrap.sh"; sb_missing_packages $SB_PACKAGES_RUN)" ] &&
        skip "this machine lacks run packages: $(. "$SRC/scripts/bootstrap.sh"; sb_missing_packages $SB_PACKAGES_RUN)"
    mkdir -p "$WORK/co"
    (cd "$SRC" && git ls-files -z 2>/dev/null | xargs -0 cp --parents -t "$WORK/co") ||
        cp -r "$SRC/bench" "$SRC/scripts" "$SRC/CMakeLists.txt" "$SRC/cmake" "$SRC/contracts" "$SRC/engines" \
            "$SRC/harness" "$SRC/workloads" "$SRC/references" "$SRC/tests" "$WORK/co/"
    chown -R nobody "$WORK/co"
    as_user "$WORK/co/bench" --engine=asm --workload=switch --tiny --results-dir= --format=json \
        >"$WORK/out" 2>"$WORK/err" || fail "exit $?: $(tail -5 "$WORK/err")"
    grep -q '"switch/asm"' "$WORK/out" || fail "no switch/asm record: $(head -c 300 "$WORK/out")"
    grep -qi "root\|sudo" "$WORK/err" && fail "it spoke of root: $(cat "$WORK/err")"
    return 0
}

case_bench_through_a_symlink() {
    # ~/bin/bench -> checkout/bench: the checkout is found from the link.
    mkdir -p "$WORK/bin" "$WORK/run"
    ln -s "$SRC/bench" "$WORK/bin/bench"
    cp "$SRC/tests/data/quick-run.json" "$WORK/run/results.json"
    (cd "$WORK" && bin/bench report "$WORK/run" --quiet) 2>"$WORK/err" || fail "exit $?: $(cat "$WORK/err")"
    [ -f "$WORK/run/report.html" ] || fail "no report written"
}

case_default_run_brings_the_references() {
    # As root, a run that names no engine installs the packages of the
    # engines the registry marks in_default_run, asking the built binary
    # (here a copy that SB_HIDE_ENGINES makes lack the packaged references); one
    # that names its engines, --help, a list and the history subcommand do
    # not, and the Go toolchain never comes unasked.
    [ "$(id -u)" -eq 0 ] || skip "./bench installs packages only as root"
    [ -x "${BIN:-}" ] || skip "no switchbench binary given"
    stub_root
    cp "$SRC/bench" "$WORK/root/"
    cp "$SRC/scripts/named_packages.py" "$SRC/scripts/history.py" "$WORK/root/scripts/"
    cp -r "$SRC/scripts/sbreport" "$WORK/root/scripts/"
    mkdir "$WORK/root/build" && cp "$BIN" "$WORK/root/build/switchbench"
    cat >"$WORK/stub/dpkg-query" <<'EOF2'
#!/bin/sh
for p; do :; done
case $p in
libboost-context-dev | python3-greenlet | python3-gevent | golang-go) echo "unknown ok not-installed" ;;
*) echo "install ok installed" ;;
esac
EOF2
    cat >"$WORK/stub/apt-get" <<'EOF2'
#!/bin/sh
echo "apt-get $*" >>"$STUB_LOG"
EOF2
    # The copied binary is the build: configuring and building do nothing.
    printf '#!/bin/sh\nexit 0\n' >"$WORK/stub/cmake"
    chmod +x "$WORK/stub/dpkg-query" "$WORK/stub/apt-get" "$WORK/stub/cmake"
    export STUB_LOG="$WORK/apt-calls" SB_HIDE_ENGINES=ref-fcontext,ref-greenlet,ref-gevent,ref-goroutine
    local args
    for args in "--engine=asm --tiny --results-dir=" "--engine asm,threads --tiny --results-dir=" "--help" \
        "--list-engines" "--list" "--engine=all --list" "history --help"; do
        : >"$STUB_LOG"
        # shellcheck disable=SC2086
        "$WORK/root/bench" $args >"$WORK/out" 2>&1 || fail "./bench $args: $(tail -3 "$WORK/out")"
        grep -q "install" "$STUB_LOG" && fail "./bench $args installed: $(cat "$STUB_LOG")"
    done
    : >"$STUB_LOG"
    "$WORK/root/bench" --workload=switch --tiny --results-dir= >"$WORK/out" 2>&1 || fail "exit $?: $(tail -3 "$WORK/out")"
    grep -q "install .*libboost-context-dev python3-greenlet python3-gevent" "$STUB_LOG" ||
        fail "./bench --workload=switch did not install the references: $(cat "$STUB_LOG") $(cat "$WORK/out")"
    grep -q "golang-go" "$STUB_LOG" && fail "the Go toolchain came without being asked for"
    : >"$STUB_LOG"
    "$WORK/root/bench" --engi=ref-goroutine --workload=switch --tiny --results-dir= >"$WORK/out" 2>&1
    grep -q "install .*golang-go" "$STUB_LOG" || fail "a named ref-goroutine did not bring golang-go: $(cat "$STUB_LOG")"
    return 0
}

# The CTest command of a test in a configured tree (JSON of --show-only).
command_of() {
    ctest --test-dir "$1" --show-only=json-v1 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    if t["name"] == sys.argv[1]:
        print(" ".join(t.get("command") or []))' "$2"
}

case_tool_installed_later_is_found() {
    # The first configure runs where cppcheck, clang-tidy and valgrind are
    # not there (each hidden under an empty, non-executable file in a
    # mount namespace of its own; find_program takes only what it may
    # execute, CMP0109): their tests are skips naming the package. The
    # next configure, with them there, runs them for real.
    local t tools=(cppcheck clang-tidy valgrind)
    for t in "${tools[@]}"; do
        command -v "$t" >/dev/null || skip "$t is not installed: nothing to hide"
    done
    # In a chroot, / is no mount point and cannot be made private: the
    # case is skipped there with unshare's own words.
    local why
    why=$(unshare -m --propagation private true 2>&1) || skip "no private mount namespace here: $why"
    : >"$WORK/absent"
    local hide=""
    for t in "${tools[@]}"; do hide="$hide mount --bind $WORK/absent $(readlink -f "$(command -v "$t")") &&"; done
    unshare -m --propagation private sh -c "$hide cmake -S '$SRC' -B '$WORK/b' -DCMAKE_BUILD_TYPE=Release" \
        >"$WORK/log1" 2>&1 || fail "first configure: $(tail -5 "$WORK/log1")"
    local c
    c=$(command_of "$WORK/b" lint/cppcheck)
    case "$c" in *"Debian package cppcheck"*"exit 77"*) ;; *) fail "hidden cppcheck: lint/cppcheck is '$c', not a skip" ;; esac
    c=$(command_of "$WORK/b" lint/clang-tidy)
    case "$c" in *"exit 77"*) ;; *) fail "hidden clang-tidy: lint/clang-tidy is '$c', not a skip" ;; esac
    cmake -S "$SRC" -B "$WORK/b" >"$WORK/log2" 2>&1 || fail "second configure: $(tail -5 "$WORK/log2")"
    c=$(command_of "$WORK/b" lint/cppcheck)
    case "$c" in *"exit 77"* | "") fail "cppcheck there now, but lint/cppcheck is '$c'" ;; esac
    c=$(command_of "$WORK/b" lint/clang-tidy)
    case "$c" in *"exit 77"* | "") fail "clang-tidy there now, but lint/clang-tidy is '$c'" ;; esac
    grep -q "VALGRIND:FILEPATH=/" "$WORK/b/CMakeCache.txt" || fail "valgrind not found by the second configure"
}

if [ "${1:-}" = "--list" ]; then
    declare -F | awk '{print $3}' | sed -n 's/^case_//p'
    exit 0
fi
SRC=${1:?usage: newcomer_test.sh --list | SOURCE_DIR CASE [BINARY]}
CASE=${2:?usage: newcomer_test.sh SOURCE_DIR CASE [BINARY]}
BIN=${3:-}
declare -F "case_$CASE" >/dev/null || { echo "no case $CASE"; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"case_$CASE"
rc=$?
[ $rc -eq 0 ] && echo "ok   $CASE"
exit $rc
