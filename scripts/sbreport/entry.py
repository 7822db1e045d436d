"""The edges every ./bench subcommand script shares (report, regress,
history): bad usage or input is one line and exit 2, a failure (RuntimeError)
one line and exit 1, and SIGTERM, SIGHUP and SIGQUIT unwind like Ctrl-C, so
that stages are removed and child processes (gnuplot, benchmarks) are killed
on the way out."""

import argparse
import signal
import sys


class Parser(argparse.ArgumentParser):
    """argparse, with an error as one line naming the subcommand."""

    def error(self, message):
        words = self.prog.split()
        name = words[1] if len(words) > 1 and words[0] == "./bench" else self.prog
        print(f"{name}: {message} (see ./bench {name} --help)", file=sys.stderr)
        sys.exit(2)


class BadInput(Exception):
    """One line for the user; the subcommand exits 2 and writes nothing."""


class Stopped(Exception):
    """A stopping signal, raised where the program is, like KeyboardInterrupt."""


def _stop(signum, frame):
    raise Stopped(signum)


def run(name, main, on_stop=""):
    """sys.exit(main(argv)): BadInput ends it with 2 and RuntimeError with 1,
    a stopping signal with 128 + signal, each with one line (`on_stop` says
    what a signal left, e.g. 'nothing written')."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, _stop)
    tail = f"; {on_stop}" if on_stop else ""
    try:
        sys.exit(main(sys.argv[1:]))
    except BadInput as e:
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(2)
    except RuntimeError as e:
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{name}: interrupted{tail}", file=sys.stderr)
        sys.exit(130)
    except Stopped as e:
        print(f"{name}: stopped by {signal.Signals(e.args[0]).name}{tail}", file=sys.stderr)
        sys.exit(128 + e.args[0])
