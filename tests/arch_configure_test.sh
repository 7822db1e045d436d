#!/usr/bin/env bash
# An architecture with no asm switch configures, and says the asm engines
# are left out: CMake run with cmake/toolchain-s390x-configure-only.cmake
# into a scratch tree (configure step only; removed after).
# usage: arch_configure_test.sh SOURCE_DIR
set -uo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! cmake -S "$src" -B "$work/tree" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchain-s390x-configure-only.cmake" \
    >"$work/log" 2>&1; then
    echo "FAIL: configuring for s390x failed:"
    tail -n 30 "$work/log"
    exit 1
fi
if ! grep -q "asm engines: no switch for s390x.*asm and asm-sharedfpu are left out" "$work/log"; then
    echo "FAIL: the configure step did not say the asm engines are left out:"
    grep -i "asm" "$work/log"
    exit 1
fi
grep "asm engines:" "$work/log"
echo "PASS: s390x configures without the asm engines"
