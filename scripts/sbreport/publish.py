"""Write a report whole or not at all, like the results (harness/output.c):
everything is staged in a hidden directory beside the destination, then
renamed into place with the stopping signals held back; a failure or an
interrupt before that leaves the destination as it was. A stage left by a
process that died is swept at the next report."""

import os
import shutil
import signal

from .load import BadInput

STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}


def check_dir(out):
    if not os.path.exists(out):
        raise BadInput(f"--out {out}: no such directory")
    if not os.path.isdir(out):
        raise BadInput(f"--out {out}: not a directory")
    if not os.access(out, os.W_OK | os.X_OK):
        raise BadInput(f"--out {out}: not writable")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(out):
    for name in os.listdir(out):
        if name.startswith((".report.tmp.", ".report.old.")):
            try:
                pid = int(name.rsplit(".", 1)[1])
            except ValueError:
                continue
            if not _alive(pid):
                shutil.rmtree(os.path.join(out, name), ignore_errors=True)


class Stage:
    def __init__(self, out, names):
        self.out = out
        self.names = names  # what commit() puts in place: files and directories
        self.dir = os.path.join(out, f".report.tmp.{os.getpid()}")
        self.done = False

    def __enter__(self):
        _sweep(self.out)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.mkdir(self.dir)
        return self

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    def commit(self):
        old = os.path.join(self.out, f".report.old.{os.getpid()}")
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
        try:
            os.mkdir(old)
            for n in self.names:
                dst = os.path.join(self.out, n)
                if os.path.lexists(dst):
                    os.rename(dst, os.path.join(old, n))
                os.rename(self.path(n), dst)
            dfd = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
            self.done = True
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        shutil.rmtree(old, ignore_errors=True)

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)
        return False
