"""What the Python test scripts share (report_test.py, regress_test.py):
cases registered by a decorator, Skip (exit 77, CTest: skipped) and Fail,
and the command line `SCRIPT --list | CASE ARG`, each case in a fresh
temporary directory removed after it."""

import shutil
import sys
import tempfile

CASES = {}


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def main(argv, script, arg_name, default=None):
    """Runs `CASE [ARG]` (ARG required unless a default is given)."""
    if argv[:1] == ["--list"]:
        print("\n".join(CASES))
        return 0
    arg = argv[1] if len(argv) > 1 else default
    if not argv or argv[0] not in CASES or arg is None or len(argv) > 2:
        print(f"usage: {script} --list | CASE {arg_name}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    w = tempfile.mkdtemp(prefix=f"sb-{script.split('_')[0]}-")
    try:
        CASES[argv[0]](w, arg)
    except Skip as e:
        print(f"skipped: {e}")
        return 77
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        shutil.rmtree(w, ignore_errors=True)
    return 0
