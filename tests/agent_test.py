"""The load agent as a network service under hostile peers (`switchbench
agent`): a peer without the token costs nothing, --allow needs a token, a
load dies with its agent and with its controller's connection, tokens are
taken whole or refused, --max-seconds is kept to the ns, a stopped agent
is named, a peer's figures are checked, and every controller leaves a line
in the agent's log. Loopback only; every agent, server and load a case
starts, it stops; each case is bounded in time.

    agent_test.py --list
    agent_test.py CASE PATH/TO/switchbench
"""

import contextlib
import json
import os
import signal
import socket
import socketserver
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from casekit import Fail, case, check, main  # noqa: E402

FAST = ["--repetitions=1", "--min-time=0.05", "--results-dir=", "--format=json"]


class Agent:
    """`switchbench agent ARGS` on loopback; port once it listens."""

    def __init__(self, binary, w, *args, name="agent"):
        self.out = os.path.join(w, f"{name}.out")
        self.err = os.path.join(w, f"{name}.err")
        with open(self.out, "w") as o, open(self.err, "w") as e:
            self.p = subprocess.Popen([binary, "agent", *args], stdout=o, stderr=e, start_new_session=True)
        self.port = None
        for _ in range(200):
            text = open(self.out).read()
            if "listening on " in text:
                self.port = int(text.split("listening on ", 1)[1].split(":")[1].split()[0])
                return
            if self.p.poll() is not None:
                raise Fail(f"the agent did not start (exit {self.p.returncode}): {self.log()}")
            time.sleep(0.02)
        raise Fail("the agent did not say where it listens")

    def log(self):
        return open(self.err).read()

    def children(self):
        try:
            with open(f"/proc/{self.p.pid}/task/{self.p.pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def stop(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait()


class EchoServer(socketserver.ThreadingTCPServer):
    """A plain echo server on 127.0.0.1 for a load to aim at."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        class Echo(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    while True:
                        data = self.request.recv(65536)
                        if not data:
                            return
                        self.request.sendall(data)
                except OSError:
                    return
        super().__init__(("127.0.0.1", 0), Echo)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


@contextlib.contextmanager
def agent_with_server(binary, w, *args):
    """An agent on loopback and an echo server for its loads to aim at,
    both stopped on the way out: (agent, server)."""
    srv = EchoServer()
    try:
        ag = Agent(binary, w, "--listen=127.0.0.1:0", *args)
        try:
            yield ag, srv
        finally:
            ag.stop()
    finally:
        srv.stop()


def connect(port, timeout=5):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def ask(s, msg):
    s.sendall((json.dumps(msg) if isinstance(msg, dict) else msg).encode() + b"\n")


def line(s, timeout=10):
    """The next line from s (b"" when it closed)."""
    s.settimeout(timeout)
    data = b""
    while not data.endswith(b"\n"):
        try:
            chunk = s.recv(1)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
    return data


def answer(s, timeout=10):
    got = line(s, timeout)
    try:
        return json.loads(got)
    except ValueError:
        raise Fail(f"the agent sent {got[:200]!r}, not a JSON line") from None


def long_load(port, token, server, conns=2):
    """A controller that asks for a load too long to end by itself, and
    has seen it start: its socket."""
    s = connect(port)
    ask(s, {"op": "load", "token": token, "target": "127.0.0.1", "port": server.port, "conns": conns,
            "msg_size": 64, "round_trips": 10 ** 10, "rate": 0})
    got = answer(s)
    check(got.get("event") == "started", f"the load did not start: {got}")
    return s


def gone_within(pid, seconds):
    """Whether pid is gone or a zombie within seconds."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.01)
    return False


def token_file(w, name, content, mode=0o600):
    p = os.path.join(w, name)
    with open(p, "wb") as f:
        f.write(content)
    os.chmod(p, mode)
    return p


def run(binary, *args, timeout=60):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)


def one_line_exit_2(r, want, what):
    err = r.stderr.strip()
    check(r.returncode == 2, f"{what}: exit {r.returncode}, expected 2 ({err})")
    check(len(err.splitlines()) == 1, f"{what}: stderr is not one line: {err}")
    check(want in err, f"{what}: {err!r} lacks {want!r}")


def echo_run(binary, port, token_path, w, *extra):
    """A short echo run with its load from the agent: the parsed JSON."""
    args = ["--engine=asm", "--workload=echo", "--param", "conns=4", f"--loadgen=127.0.0.1:{port}", *FAST, *extra]
    if token_path:
        args.append(f"--token-file={token_path}")
    r = run(binary, *args, timeout=120)
    check(r.returncode == 0, f"the echo run failed (exit {r.returncode}): {r.stderr[-600:]}")
    return json.loads(r.stdout)


def errors_of(doc):
    return [x.get("error_message", "") for x in doc["benchmarks"] if x.get("error_occurred")]


@case
def unauthenticated_peers_cost_nothing(w, binary):
    tok = token_file(w, "tok", b"the-right-token\n")
    ag = Agent(binary, w, "--listen=127.0.0.1:0", f"--token-file={tok}")
    held = []
    stop = threading.Event()

    def slow_loris():
        s = connect(ag.port)
        held.append(s)
        try:
            for ch in b'{"op":"hello","token":"the-right-token"':
                if stop.is_set():
                    return
                s.send(bytes([ch]))
                time.sleep(0.05)
        except OSError:
            return
    try:
        for _ in range(100):  # more than may wait at once
            held.append(connect(ag.port))
        loris = threading.Thread(target=slow_loris, daemon=True)
        loris.start()
        time.sleep(0.2)
        for attempt in range(3):
            t0 = time.monotonic()
            s = connect(ag.port)
            ask(s, {"op": "hello", "token": "the-right-token"})
            got = answer(s, timeout=5)
            took = time.monotonic() - t0
            s.close()
            check(got.get("ok") is True, f"the controller's hello got {got}")
            check(took < 1.0, f"the controller's hello took {took:.2f} s beside 100 idle connections "
                              "and a slow one")
        # The idle ones are dropped at their deadline, the oldest first for newer ones.
        time.sleep(2.5)
        stop.set()
        log = ag.log()
        check("without the token" in log and "no whole line within 2 s" in log,
              f"the log does not say who waited without the token:\n{log[-800:]}")
        check("dropped for a newer connection" in log, f"no idle connection made room:\n{log[-800:]}")
        check(log.count("with the token, hello: ") >= 3, f"the controller's hellos are not logged:\n{log[-800:]}")
        check(all(ln.startswith("switchbench agent: 20") for ln in log.splitlines()),
              f"a log line is not one of the agent's:\n{log[-800:]}")
        # A real run through all of it.
        doc = echo_run(binary, ag.port, tok, w)
        check(not errors_of(doc), f"the run behind the flood failed: {errors_of(doc)}")
    finally:
        stop.set()
        for s in held:
            s.close()
        ag.stop()


@case
def allow_and_beyond_loopback_need_a_token(w, binary):
    for args, want in ((["--listen=127.0.0.1:0", "--allow=198.18.0.9"], "--allow needs a --token-file"),
                       (["--listen=0.0.0.0:0"], "beyond loopback a --token-file (mode 0600) is required")):
        r = run(binary, "agent", *args, timeout=10)
        one_line_exit_2(r, want, " ".join(args))
        check("listening" not in r.stdout, f"{args}: it said it listened before refusing: {r.stdout!r}")
    tok = token_file(w, "tok", b"tok-for-allow\n")
    ag = Agent(binary, w, "--listen=127.0.0.1:0", "--allow=198.18.0.9", f"--token-file={tok}")
    ag.stop()


@case
def load_dies_with_its_agent(w, binary):
    srv = EchoServer()
    ag = Agent(binary, w, "--listen=127.0.0.1:0")
    port = ag.port
    try:
        s = long_load(port, "", srv)
        kids = ag.children()
        check(len(kids) == 1, f"the agent has {kids} children, not one load")
        child = kids[0]
        # The child holds no descriptor of the agent's: not its listening socket.
        listen_inodes = set()
        with open("/proc/net/tcp") as f:
            for row in f.read().splitlines()[1:]:
                cols = row.split()
                if cols[3] == "0A" and int(cols[1].split(":")[1], 16) == port:
                    listen_inodes.add(cols[9])
        check(listen_inodes, "the agent's listening socket is not in /proc/net/tcp")
        held = {os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd")}
        leaked = {h for h in held if h.startswith("socket:[") and h[8:-1] in listen_inodes}
        check(not leaked, f"the load child holds the listening socket: {leaked}")
        os.kill(ag.p.pid, signal.SIGKILL)
        ag.p.wait()
        check(gone_within(child, 1.0), "the load child outlived its agent's kill -9 by over 1 s")
        s.close()
        again = Agent(binary, w, f"--listen=127.0.0.1:{port}", name="again")
        again.stop()
    finally:
        ag.stop()
        srv.stop()


@case
def load_ends_when_its_controller_leaves(w, binary):
    with agent_with_server(binary, w) as (ag, srv):
        s = long_load(ag.port, "", srv)
        child = ag.children()[0]
        s.close()
        check(gone_within(child, 1.0), "the load ran on over 1 s after its controller left")
        time.sleep(0.1)
        h = connect(ag.port)
        ask(h, {"op": "hello"})
        got = answer(h)
        check(got.get("ok") is True, f"the agent stayed busy after its controller left: {got}")
        h.close()
        check("its connection closed after" in ag.log(), f"the log does not say how the load ended:\n{ag.log()}")



@case
def busy_is_said_at_once(w, binary):
    with agent_with_server(binary, w) as (ag, srv):
        s = long_load(ag.port, "", srv)
        a_port = s.getsockname()[1]
        for op in ({"op": "hello"}, {"op": "load", "target": "127.0.0.1", "port": srv.port, "conns": 1,
                                     "msg_size": 64, "round_trips": 10, "rate": 0}):
            t0 = time.monotonic()
            b = connect(ag.port)
            ask(b, op)
            got = answer(b, timeout=5)
            took = time.monotonic() - t0
            b.close()
            want = f"busy: a load from 127.0.0.1:{a_port} is running"
            check(got.get("error") == want, f"{op['op']} while busy got {got}, not {want!r}")
            check(took < 0.5, f"busy was said after {took:.2f} s")
        # The busy agent's own controller still gets its figures' end.
        s.close()



@case
def tokens_whole_or_refused(w, binary):
    long_ok = ("t" * 145 + "-0123456789" * 5).encode()  # 200 bytes
    check(len(long_ok) == 200, "the test's token is not 200 bytes")
    tok = token_file(w, "tok200", long_ok + b"\n")
    ag = Agent(binary, w, "--listen=127.0.0.1:0", f"--token-file={tok}")
    try:
        doc = echo_run(binary, ag.port, tok, w)
        check(not errors_of(doc), f"a 200-byte token did not work end to end: {errors_of(doc)}")
        # Its first 127 bytes are not it.
        cut = token_file(w, "cut", long_ok[:127] + b"\n")
        r = run(binary, "--engine=asm", "--workload=echo", f"--loadgen=127.0.0.1:{ag.port}",
                f"--token-file={cut}", *FAST)
        one_line_exit_2(r, "refused: wrong token", "a token cut at 127 bytes")
        s = connect(ag.port)
        ask(s, {"op": "hello", "token": long_ok.decode() + "x" * 4800})
        check(answer(s).get("error") == "wrong token", "a 5,000-byte token that starts right was not refused")
        s.close()
    finally:
        ag.stop()
    big = token_file(w, "big", b"b" * 4096 + b"\n")
    ag = Agent(binary, w, "--listen=127.0.0.1:0", f"--token-file={big}", name="big")
    try:
        doc = echo_run(binary, ag.port, big, w)
        check(not errors_of(doc), f"a 4,096-byte token (the bound) did not work: {errors_of(doc)}")
    finally:
        ag.stop()
    fifo = os.path.join(w, "fifo")
    os.mkfifo(fifo, 0o600)
    os.mkdir(os.path.join(w, "dir"), 0o700)
    bad = {"a 5,000-byte token": (token_file(w, "huge", b"h" * 5000 + b"\n"), "longer than 4096 bytes"),
           "a token with a NUL": (token_file(w, "nul", b"abc\0def\n"), "holds a NUL at byte 4"),
           "a token with a tab": (token_file(w, "tab", b"abc\tdef\n"), "control character at byte 4"),
           "an empty token": (token_file(w, "empty", b"\n"), "the token is empty"),
           "a FIFO": (fifo, "not a regular file (a FIFO)"),
           "a directory": (os.path.join(w, "dir"), "not a regular file (a directory)")}
    for what, (path, want) in bad.items():
        t0 = time.monotonic()
        r = run(binary, "agent", "--listen=127.0.0.1:0", f"--token-file={path}", timeout=10)
        one_line_exit_2(r, want, f"agent, {what}")
        r = run(binary, "--engine=asm", "--workload=echo", "--loadgen=127.0.0.1:9", f"--token-file={path}",
                *FAST, timeout=10)
        one_line_exit_2(r, want, f"controller, {what}")
        check(time.monotonic() - t0 < 5, f"{what} took {time.monotonic() - t0:.1f} s to refuse")


@case
def max_seconds_is_kept_to_the_ns(w, binary):
    with agent_with_server(binary, w, "--max-seconds=0.4") as (ag, srv):
        t0 = time.monotonic()
        s = long_load(ag.port, "", srv)
        got = answer(s, timeout=10)
        took = time.monotonic() - t0
        check(got.get("error") == "the load ran past the agent's --max-seconds=0.4",
              f"a load past --max-seconds=0.4 got {got}")
        check(0.4 <= took < 3, f"--max-seconds=0.4 ended the load after {took:.3f} s")
        s.close()
        # The load keeps the limit by itself: with its agent stopped, it
        # still ends at --max-seconds.
        s = long_load(ag.port, "", srv)
        child = ag.children()[0]
        os.kill(ag.p.pid, signal.SIGSTOP)
        try:
            check(gone_within(child, 2.0), "with its agent stopped, the load ran past --max-seconds")
        finally:
            os.kill(ag.p.pid, signal.SIGCONT)
        got = answer(s, timeout=10)
        check("--max-seconds=0.4" in got.get("error", ""), f"the self-ended load was reported as {got}")
        s.close()



@case
def sigterm_is_prompt(w, binary):
    srv = EchoServer()
    ag = Agent(binary, w, "--listen=127.0.0.1:0")
    idle = connect(ag.port)
    try:
        time.sleep(0.1)
        t0 = time.monotonic()
        os.kill(ag.p.pid, signal.SIGTERM)
        ag.p.wait(timeout=5)
        took = time.monotonic() - t0
        check(took < 1, f"SIGTERM with an idle connection took {took:.2f} s")
        check(ag.p.returncode == 0, f"the agent exited {ag.p.returncode} on SIGTERM")
        # And with a load running: it ends, and its controller is told.
        ag = Agent(binary, w, "--listen=127.0.0.1:0", name="loaded")
        s = long_load(ag.port, "", srv)
        child = ag.children()[0]
        t0 = time.monotonic()
        os.kill(ag.p.pid, signal.SIGTERM)
        got = answer(s, timeout=5)
        ag.p.wait(timeout=5)
        check(time.monotonic() - t0 < 1, "SIGTERM with a load running took over 1 s")
        check(got.get("error") == "the agent was stopped", f"the controller was told {got}")
        check(gone_within(child, 0.5), "the load outlived its stopped agent")
        s.close()
    finally:
        idle.close()
        ag.stop()
        srv.stop()


class FakeAgent:
    """An agent that answers a hello, then does what `on_load` says with a
    load request (a peer that stops, or lies)."""

    def __init__(self, on_load):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.on_load = on_load
        self.conns = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.conns.append(c)
            req = json.loads(line(c) or b"{}")
            if req.get("op") == "hello":
                ask(c, {"ok": True, "host": "fake", "machine": {}})
            elif req.get("op") == "load":
                self.on_load(c, req)

    def stop(self):
        self.lsock.close()
        for c in self.conns:
            c.close()


@case
def a_stopped_agent_is_named(w, binary):
    ag = Agent(binary, w, "--listen=127.0.0.1:0")
    try:
        os.kill(ag.p.pid, signal.SIGSTOP)
        t0 = time.monotonic()
        r = run(binary, "--engine=asm", "--workload=echo", f"--loadgen=127.0.0.1:{ag.port}", *FAST, timeout=30)
        one_line_exit_2(r, f"the agent at 127.0.0.1:{ag.port} did not answer a hello", "a stopped agent")
        check(time.monotonic() - t0 < 10, "a stopped agent's hello took over 10 s to give up")
    finally:
        os.kill(ag.p.pid, signal.SIGCONT)
        ag.stop()
    fake = FakeAgent(lambda c, req: None)  # never says started
    try:
        t0 = time.monotonic()
        doc = echo_run(binary, fake.port, None, w, "--timeout=100")
        took = time.monotonic() - t0
        errs = errors_of(doc)
        check(errs and "did not say 'started' within 10.0 s" in errs[0] and f"127.0.0.1:{fake.port}" in errs[0],
              f"an agent that never starts gave {errs}")
        check(took < 60, f"it took {took:.0f} s, not a deadline proportionate to the load")
    finally:
        fake.stop()


@case
def a_peers_figures_are_checked(w, binary):
    def lie(value):
        def on_load(c, req):
            ask(c, {"event": "started"})
            result = {"round_trips": req["round_trips"], "bytes_verified": 0, "warm_up_trips": 0,
                      "min_per_conn": 0, "max_per_conn": 0, "p50_us": 1, "p90_us": 2, "p99_us": value,
                      "p999_us": 1e9, "max_us": 1e9, "mean_us": 1, "connected": req["conns"]}
            ask(c, {"event": "loaded", "result": result})
        return on_load
    for value, want in ((1e308, "p99_us = 1e+308 is outside [0, "), (-5, "p99_us = -5 is outside [0, "),
                        ("1", "p99_us is not a number")):
        fake = FakeAgent(lie(value))
        try:
            doc = echo_run(binary, fake.port, None, w)
            errs = errors_of(doc)
            check(errs and want in errs[0] and f"agent 127.0.0.1:{fake.port}" in errs[0],
                  f"p99_us={value} from a peer gave {errs}, not an error naming the agent and the field")
        finally:
            fake.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], "agent_test.py", "PATH/TO/switchbench"))
