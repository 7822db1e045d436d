"""Write a report whole or not at all, like the results (harness/records/output.c):
everything is staged in a hidden directory beside the destination, then
renamed into place with the stopping signals held back; a failure or an
interrupt before that leaves the destination as it was. A stage left by a
process that died (its flock gone with it) is swept at the next report."""

import fcntl
import os
import shutil
import signal
import time

from . import entry
from .load import BadInput

STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}


def check_dir(out):
    if not os.path.exists(out):
        raise BadInput(f"--out {out}: no such directory")
    if not os.path.isdir(out):
        raise BadInput(f"--out {out}: not a directory")
    if not os.access(out, os.W_OK | os.X_OK):
        raise BadInput(f"--out {out}: not writable")


class OutDir:
    """`with OutDir(out):` the output folder, made as `mkdir -p` would
    when only its last part is missing (a missing or unwritable parent is
    bad input, one line); removed again if the work fails and left it
    empty, so a failure leaves the disk as it was."""

    def __init__(self, out):
        self.out, self.made = out, False

    def __enter__(self):
        if not os.path.lexists(self.out):
            parent = os.path.dirname(os.path.abspath(self.out))
            if not os.path.isdir(parent):
                raise BadInput(f"--out {self.out}: its parent {parent} does not exist")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise BadInput(f"--out {self.out}: cannot make it, {parent} is not writable")
            os.mkdir(self.out)
            self.made = True
        check_dir(self.out)
        return self.out

    def __exit__(self, kind, value, tb):
        if kind is not None and self.made:
            try:
                os.rmdir(self.out)  # only if empty: nothing else is touched
            except OSError:
                pass
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _held(stage):
    """Whether a live report holds this stage: the writer keeps an flock on
    its .lock for as long as it lives, and the kernel drops it when the
    process dies, however it died. A stage without one (an older report's,
    or one just made) is held while its pid lives and it is under an hour
    old: a reused pid cannot keep it for ever."""
    try:
        fd = os.open(os.path.join(stage, ".lock"), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        try:
            young = time.time() - os.stat(stage).st_mtime < 3600
            return young and _alive(int(stage.rsplit(".", 1)[1]))
        except (ValueError, OSError):
            return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _sweep(out):
    for name in os.listdir(out):
        if name.startswith((".report.tmp.", ".report.old.")):
            path = os.path.join(out, name)
            if not _held(path):
                shutil.rmtree(path, ignore_errors=True)


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
        self.lock = os.open(os.path.join(self.dir, ".lock"), os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        return self

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        entry.write_text(self.path(name), text, sync=True)

    def commit(self):
        old = os.path.join(self.out, f".report.old.{os.getpid()}")
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
        shutil.rmtree(old, ignore_errors=True)  # an earlier process of our pid's
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
        os.close(self.lock)
        return False
