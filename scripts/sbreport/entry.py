"""The edges every ./bench subcommand script shares (report, regress,
history): bad usage or input is one line and exit 2, a failure (RuntimeError,
or an OSError named by its cause: a full disk, a file size limit) one line
and exit 1 (regress: 3, since its 1 is a regression), a defect one line and
exit 3, never a traceback; SIGTERM, SIGHUP and SIGQUIT unwind like Ctrl-C,
so that stages are removed and child processes (gnuplot, benchmarks) are
killed on the way out."""

import argparse
import errno
import math
import os
import signal
import sys
import traceback


def why(e):
    """An OSError in words that name the true cause."""
    return {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
            errno.EFBIG: "file size limit (ulimit -f) reached", errno.ELOOP: "a symbolic link loop",
            errno.EROFS: "a read-only file system"}.get(e.errno, e.strerror or str(e))


def one_line(s):
    """A message on one line whatever it quotes (an option holding a
    newline gives one line, not two)."""
    return str(s).replace("\r", "\\r").replace("\n", "\\n")


def write_text(path, text, sync=False):
    """text into path (UTF-8); an OSError names path, since a write or a
    close that runs out of room says only its errno. sync: fsync too."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
            if sync:
                f.flush()
                os.fsync(f.fileno())
    except OSError as e:
        if not e.filename:
            e.filename = path
        raise


def finite_number(text):
    """An argparse type: a finite number (nan and inf are refused by name,
    as every number a subcommand takes)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a finite number")
    return v


class Parser(argparse.ArgumentParser):
    """argparse, with an error as one line naming the subcommand."""

    def error(self, message):
        words = self.prog.split()
        name = words[1] if len(words) > 1 and words[0] == "./bench" else self.prog
        print(one_line(f"{name}: {message} (see ./bench {name} --help)"), file=sys.stderr)
        sys.exit(2)


class BadInput(Exception):
    """One line for the user; the subcommand exits 2 and writes nothing."""


class Stopped(Exception):
    """A stopping signal, raised where the program is, like KeyboardInterrupt."""


def _stop(signum, frame):
    raise Stopped(signum)


def run(name, main, on_stop="", failed=1):
    """sys.exit(main(argv)): BadInput ends it with 2 and RuntimeError with 1,
    a stopping signal with 128 + signal, each with one line (`on_stop` says
    what a signal left, e.g. 'nothing written'; `failed` is the exit of a
    failure, 1 unless 1 means something else, as a regression does)."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, _stop)
    tail = f"; {on_stop}" if on_stop else ""
    # Python ignores SIGXFSZ: a write past ulimit -f fails with EFBIG,
    # which is named below, instead of killing the process silently.
    try:
        sys.exit(main(sys.argv[1:]))
    except BadInput as e:
        print(one_line(f"{name}: {e}"), file=sys.stderr)
        sys.exit(2)
    except RuntimeError as e:
        print(one_line(f"{name}: {e}"), file=sys.stderr)
        sys.exit(failed)
    except OSError as e:
        # A copy or a move that ran out of room failed on its destination
        # (filename2), not on the file it read.
        full = e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        named = e.filename2 if full and e.filename2 else e.filename
        where = f"{named}: " if named else "writing: "
        print(one_line(f"{name}: {where}{why(e)}{tail}"), file=sys.stderr)
        sys.exit(failed)
    except RecursionError:
        print(f"{name}: input nested too deeply{tail}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"{name}: interrupted{tail}", file=sys.stderr)
        sys.exit(130)
    except Stopped as e:
        print(f"{name}: stopped by {signal.Signals(e.args[0]).name}{tail}", file=sys.stderr)
        sys.exit(128 + e.args[0])
    except Exception as e:  # noqa: BLE001 - a defect: one line and exit 3, never a traceback or a verdict
        where = traceback.extract_tb(e.__traceback__)[-1]
        print(one_line(f"{name}: internal error, please report it: {type(e).__name__}: {e} "
                       f"(at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}){tail}"), file=sys.stderr)
        sys.exit(3)
