#!/usr/bin/env bash
# scripts/cross_sysroot.sh DEBARCH DIR PACKAGE...: Debian's DEBARCH builds of
# PACKAGE..., unpacked with dpkg -x into DIR, a sysroot of the project's own
# for a cross build (cmake/toolchain-*.cmake points CMake and pkg-config at
# it). Nothing is installed on this machine: installing another
# architecture's -dev packages through multiarch can remove this machine's
# own (libgsl-dev:arm64 replaces libgsl-dev:amd64), so apt runs here with
# a private state directory (DIR.apt) that knows DEBARCH only, and only
# downloads.
#
# The list is what the build links and the tests load, named in full (no
# recursive dependencies: those pull in perl and all of Boost's headers);
# the check at the end proves it complete: every library the sysroot's
# libraries need is in the sysroot or the cross toolchain's own
# (/usr/<triplet>/lib), else it fails naming the one missing.
# Does nothing when DIR already holds exactly this list.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 DEBARCH DIR PACKAGE..." >&2; exit 2; }
arch=$1 dir=$2
shift 2
case $arch in
arm64) triplet=aarch64-linux-gnu ;;
*) echo "cross_sysroot: no triplet known for Debian architecture $arch" >&2; exit 2 ;;
esac
want="$arch $*"
if [ -f "$dir/.packages" ] && [ "$(cat "$dir/.packages")" = "$want" ]; then exit 0; fi

apt_dir=$dir.apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
: >"$apt_dir/status"
opts=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
    -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
    -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
    -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
log=$dir.log
echo "switchbench: fetching the $arch libraries into $dir (log: $log)" >&2
if ! apt-get "${opts[@]}" update >"$log" 2>&1; then
    echo "cross_sysroot: apt-get update for $arch failed:" >&2
    tail -n 20 "$log" >&2
    exit 1
fi
debs=$apt_dir/debs
rm -rf "$debs" "$dir"
mkdir -p "$debs"
if ! (cd "$debs" && apt-get "${opts[@]}" download "$@") >>"$log" 2>&1; then
    echo "cross_sysroot: downloading $* for $arch failed:" >&2
    tail -n 20 "$log" >&2
    exit 1
fi
mkdir -p "$dir"
for deb in "$debs"/*.deb; do dpkg -x "$deb" "$dir"; done

# Complete? Every NEEDED of every shared library in the sysroot resolves.
libdirs=("$dir/usr/lib/$triplet" "$dir/lib/$triplet" "/usr/$triplet/lib")
missing=""
while IFS= read -r so; do
    for need in $(readelf -d "$so" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        found=0
        for d in "${libdirs[@]}"; do [ -e "$d/$need" ] && found=1 && break; done
        [ $found -eq 1 ] || missing="$missing $need (needed by ${so#"$dir"/})"
    done
done < <(find "$dir" -name '*.so*' -type f)
if [ -n "$missing" ]; then
    echo "cross_sysroot: the $arch sysroot lacks:$missing; add its package to the list" >&2
    exit 1
fi
echo "$want" >"$dir/.packages"
echo "switchbench: $arch sysroot ready: $(find "$debs" -name '*.deb' | wc -l) package(s) unpacked" >&2
