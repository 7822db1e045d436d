#!/usr/bin/env bash
# The asm engine's switch as a reader of its .S files is promised it
# (engines/switch_*_x86_64_sysv_elf_gas.S, engines/asm_cet.h):
#   asm_test.sh --list
#   asm_test.sh DIRECT_SWITCH SWITCHBENCH CASE
# Exit 0 pass, 1 fail, 77 skipped (with the reason).
set -u

cases="unwind_through_switch_asm unwind_through_switch_asm-sharedfpu cet_notes_match_the_contract"
if [ "${1:-}" = --list ]; then
    printf '%s\n' $cases
    exit 0
fi
direct=$1 bench=$2 case=$3

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

# Stops in the switch after the first few switches (past a new context's
# first resume, where its caller is the trampoline), then single-steps
# every instruction of it and asks gdb for the caller each time. Complete
# call frame information names a real caller at every step, before the
# stack swap (the switching context's) and after it (the resumed one's).
unwind() {
    local engine=$1 routine=$2
    command -v gdb >/dev/null || skip "gdb is not installed (Debian package gdb)"
    local script out
    script=$(mktemp) || fail "mktemp"
    cat >"$script" <<GDB
set pagination off
set confirm off
break $routine
run
continue 5
delete
set \$i = 0
while \$i < 40
  bt 2
  stepi
  set \$i = \$i + 1
end
kill
GDB
    out=$(timeout 60 gdb -q -batch -x "$script" --args "$direct" "$engine" 100 1 2>&1)
    rm -f "$script"
    # Each "#0 ... in ROUTINE" line must be followed by a "#1" with a name.
    echo "$out" | awk -v r="$routine" '
        /^#0 / { inside = index($0, " " r " (") > 0; if (inside) steps++; next }
        /^#1 / && inside { if ($0 ~ /in \?\? \(\)/) { bad++; print "no caller: " prev " / " $0 } }
        { prev = $0 }
        END { if (steps < 10) { print "only " steps " steps inside " r; exit 1 }
              if (bad) exit 1; print steps " steps inside " r ", a named caller at each" }' ||
        fail "$engine: unwinding through $routine:
$(echo "$out" | tail -20)"
}

# What readelf -n says of the asm objects' and the binary's x86 features
# must match engines/asm_cet.h: in a build with -fcf-protection, the asm
# objects say IBT and not SHSTK, and the binary keeps what the toolchain
# keeps of an empty CET program, less SHSTK (Debian 12's start files carry
# no CET property at all, so there that is nothing); in a plain build,
# nothing is marked anywhere.
features() { readelf -n "$1" 2>/dev/null | sed -n 's/.*x86 feature: *//p' | tr -d ' ' | tr ',' '\n' | sort | tr '\n' ' '; }

cet_notes() {
    command -v readelf >/dev/null || skip "readelf is not installed (Debian package binutils)"
    local objs cet o f tool want got tmp
    objs=$(ls "$(dirname "$bench")"/CMakeFiles/sbcore.dir/engines/*_x86_64_sysv_elf_gas.S.o 2>/dev/null)
    [ -n "$objs" ] || fail "no asm objects beside $bench"
    cet=$("$bench" --engine=asm --workload=bare --min-time=1x --repetitions=1 --results-dir= \
        --format=json --no-report 2>/dev/null | /usr/bin/python3 -c \
        'import json,sys; print(json.load(sys.stdin)["context"]["switch_contract"]["asm"])') ||
        fail "the run's context has no switch_contract for asm"
    got=$(features "$bench")
    case "$cet" in
    *"CET: IBT kept, shadow stacks not switched"*)
        for o in $objs; do
            f=$(features "$o")
            [ "$f" = "IBT " ] || fail "$(basename "$o"): features '$f', the contract says IBT only"
        done
        tmp=$(mktemp -d) || fail mktemp
        echo 'int main(void) { return 0; }' >"$tmp/empty.c"
        cc -fcf-protection=full "$tmp/empty.c" -o "$tmp/empty" || fail "cannot link a CET program"
        tool=$(features "$tmp/empty")
        rm -rf "$tmp"
        want=$(printf '%s\n' $tool | grep -x IBT | tr '\n' ' ')
        [ "$got" = "$want" ] || fail "binary features '$got'; the toolchain keeps '$tool', so '$want' was due"
        echo "CET build: asm objects IBT only; the toolchain keeps '${tool:-nothing}', the binary '${got:-nothing}', as due" ;;
    *"CET: not built with -fcf-protection"*)
        [ -z "$got" ] || fail "CET features '$got' in a build without -fcf-protection"
        for o in $objs; do
            f=$(features "$o")
            [ -z "$f" ] || fail "$(basename "$o"): features '$f' in a plain build"
        done
        echo "plain build: nothing marked, as the contract says" ;;
    *) fail "the contract does not state CET: $cet" ;;
    esac
}

case $case in
unwind_through_switch_asm) unwind asm sb_asm_switch ;;
unwind_through_switch_asm-sharedfpu) unwind asm-sharedfpu sb_asm_switch_sharedfpu ;;
cet_notes_match_the_contract) cet_notes ;;
*) echo "asm_test.sh: no case '$case' (--list shows them)" >&2; exit 2 ;;
esac
