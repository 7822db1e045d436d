# What the one-case-per-call test scripts share (hardening_test.sh,
# loadgen_test.sh): sourced, never run. Exit 0 pass, 1 fail, 77 skipped.
PY=/usr/bin/python3

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

# json_check FILE EXPR: strict JSON, then a Python expression on `doc`
# and `rows` (its benchmarks).
json_check() {
    "$PY" - "$1" "$2" <<'PYEOF'
import json, sys
def reject(c): raise ValueError("non-standard JSON constant " + c)
with open(sys.argv[1]) as f:
    doc = json.load(f, parse_constant=reject)
rows = doc["benchmarks"]
ok = eval(sys.argv[2], {"doc": doc, "rows": rows, "any": any, "all": all, "len": len})
sys.exit(0 if ok else 1)
PYEOF
}
