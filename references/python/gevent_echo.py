"""ref-gevent's echo server, the tutorials' own: gevent.server.StreamServer
with a handler greenlet per connection that reads and writes back until the
end of the stream. The harness's load generator drives it and checks every
byte (sb_workload.external); this side counts what it accepted and echoed."""

import os
import socket

import gevent.pool
import gevent.socket
from gevent.server import StreamServer

import sbref


def serve_echo(params, ready):
    """Serve on 127.0.0.1 until standard input closes, then wait for every
    connection to end and return the counts. TCP_NODELAY is set on each
    connection as Go's net and switchbench's own servers set it, so no
    server waits on Nagle's algorithm and the comparison is of the servers."""
    size = params["msg"]
    counts = {"accepted": 0, "bytes_echoed": 0, "connection_failures": 0}

    def handle(sock, _addr):
        counts["accepted"] += 1
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        echoed = 0
        try:
            while True:
                data = sock.recv(size)
                if not data:
                    break
                sock.sendall(data)
                echoed += len(data)
        except OSError:
            counts["connection_failures"] += 1
        counts["bytes_echoed"] += echoed

    handlers = gevent.pool.Pool()  # no size: a handler for every connection
    server = StreamServer((sbref.LISTEN, 0), handle, spawn=handlers, backlog=4096)
    server.start()
    ready(server.server_port)
    sbref.stdin_closed(gevent.socket.wait_read)
    server.close()
    # The load generator closed its connections before we were asked to
    # stop: the handlers are finishing. One still running after 10 s
    # hangs, and counts as a failure.
    handlers.join(timeout=10)
    counts["connection_failures"] += len(handlers)
    if os.environ.get("SB_REF_LIE") == "1":
        counts["bytes_echoed"] += 1  # claims a byte it never echoed: the harness must see it
    return counts
