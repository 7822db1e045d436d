#!/usr/bin/env bash
# scripts/test --cross=ARCH (ARCH: aarch64): cross-build switchbench and run
# its conformance suite under qemu-user (and the coroutine engines' again in
# an ASan+UBSan tree). Installs what is missing: Debian's
# cross compiler and qemu-user on this machine, the ARCH builds of the
# libraries into the project's own sysroot (build-cross/sysroot-DEBARCH,
# scripts/cross_sysroot.sh), never through multiarch. The tree is
# build-cross/ARCH (cmake/toolchain-ARCH.cmake). Timings mean nothing under
# emulation: every test that times is a skipped entry that says so
# (tests/CMakeLists.txt), and CTest's summary counts them.
set -euo pipefail
arch=${1-}
case $arch in
# The cross C library (start files, libc) is only a Recommends of the
# compiler, which apt here does not install: named.
aarch64) debarch=arm64 cross_gcc="gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
*) echo "scripts/test: --cross=$arch: no cross build for it (aarch64 is the one there is)" >&2; exit 2 ;;
esac
. "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
start=$(date +%s)
sb_ensure_packages $SB_PACKAGES_RUN $cross_gcc qemu-user
"$SB_ROOT/scripts/cross_sysroot.sh" $debarch "$SB_ROOT/build-cross/sysroot-$debarch" $SB_CROSS_LIBRARIES
tree=$SB_ROOT/build-cross/$arch
echo "== $arch cross build ($tree), tests under qemu-$arch =="
sb_build "$tree" -DCMAKE_TOOLCHAIN_FILE="$SB_ROOT/cmake/toolchain-$arch.cmake" -DCMAKE_BUILD_TYPE=Release
# What branch protection the binary ended up with: the linker keeps BTI
# only when every object (the C library's start files too) is marked.
bti=$(readelf -n "$tree/switchbench" 2>/dev/null | sed -n 's/.*AArch64 feature: *//p' | tr -d '\n')
echo "switchbench for $arch: branch protection marked: ${bti:-none (BTI not enforced by qemu)}"
echo "timing tests are not run under emulation: they are listed as skipped below"
status=0
(cd "$tree" && ctest --output-on-failure) || status=1
# The coroutine engines again under ASan+UBSan: their stack switches tell
# ASan through its fiber annotations, on this architecture's switch too.
# LeakSanitizer needs ptrace, which qemu-user does not give (it stops with
# "LeakSanitizer has encountered a fatal error"), so leaks are checked
# natively only; the kernel-task engines under ASan and qemu took past
# their timeouts (each process an emulator with ASan's shadow).
echo "== $arch ASan+UBSan, coroutine engines' conformance under qemu-$arch (leak checks: native only) =="
sb_build "$tree-asan" -DCMAKE_TOOLCHAIN_FILE="$SB_ROOT/cmake/toolchain-$arch.cmake" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_SANITIZE=ON
(cd "$tree-asan" && ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=0 \
    UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -L '^coroutine$') || status=1
echo "== $arch: $(($(date +%s) - start)) s in all =="
exit $status
