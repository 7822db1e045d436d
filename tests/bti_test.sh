#!/usr/bin/env bash
# The aarch64 asm objects of a build with -mbranch-protection carry the BTI
# property engines/asm_bti.h promises (readelf -n), so that the linker can
# keep BTI for the binary. Whether it does depends on every other object
# too (the C library's start files are not marked on Debian 12): printed,
# not asserted. usage: bti_test.sh BINARY OBJECT...
set -uo pipefail
bin=$1
shift
n=0
for o in "$@"; do
    case $o in *_arm64_aapcs_elf_gas.S.o) ;; *) continue ;; esac
    n=$((n + 1))
    if ! readelf -n "$o" | grep -q "AArch64 feature: BTI"; then
        echo "FAIL: $o carries no BTI property:"
        readelf -n "$o"
        exit 1
    fi
    echo "ok: $(basename "$o"): BTI"
done
[ $n -gt 0 ] || { echo "FAIL: no aarch64 switch objects given"; exit 1; }
echo "the binary: $(readelf -n "$bin" | sed -n 's/.*AArch64 feature: *//p' | tr -d '\n' | sed 's/^$/not marked (an object without the property: the start files)/')"
