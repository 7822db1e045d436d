/* Load from another host: what a run knows of its load agent (--loadgen)
 * and the lines the controller and the agent exchange.
 *
 * The agent (`switchbench agent`, loadgen/agent_*.c) runs on the load
 * host. The controller side is a run on the server host: the harness says
 * hello once before any work (harness/plan/loadgen.c), then each echo
 * repetition's load generator helper (workloads/echo_remote.c) asks for
 * one load. Every message is one line of JSON (at most SB_LOADGEN_LINE
 * bytes with its newline), over TCP; the agent serves every connection at
 * once and runs one load at a time:
 *
 *   controller: {"op":"hello","token":T}
 *   agent:      {"ok":true,"host":H,"machine":{...}}     host name, cores, kernel
 *
 *   controller: {"op":"load","token":T,"target":A,"port":P,"conns":N,
 *                "msg_size":S,"round_trips":R,"rate":X}
 *   agent:      {"event":"started"}                 warm-up done, the timed loop begins
 *   agent:      {"event":"loaded","result":{...}}   the loop is done, connections still open
 *   controller: {"op":"close"}                      after measuring the server's memory
 *   agent:      {"event":"closed"}                  the load's process is gone
 *
 * Anything the agent does not accept (bad JSON, an unknown op, a wrong
 * token, a target that is not the controller's own address and not
 * allowed, figures out of bounds, a load while another runs: "busy: a
 * load from ADDR is running") is answered with {"error":"..."} and the
 * connection closed. The token is compared in constant time. */
#ifndef SB_LOADGEN_H
#define SB_LOADGEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sb_err.h"

/* A token is 1 to SB_TOKEN_MAX bytes of printable UTF-8 text; a line
 * holds one escaped twice over (\" for ") and the request around it. */
enum { SB_TOKEN_MAX = 4096, SB_LOADGEN_LINE = 2 * SB_TOKEN_MAX + 1024 };

struct sb_loadgen {
    char agent[300];              /* HOST:PORT as given to --loadgen */
    char host[256];               /* the agent's host, to connect to */
    char port[16];                /* and its port */
    char server_addr[64];         /* IPv4 address the server listens on */
    char token[SB_TOKEN_MAX + 1]; /* from --token-file; "" when none */
    char load_host[64];           /* the agent's host name, from its hello */
};

struct sb_run;
/* The run's load agent, or NULL when the load is generated on this host.
 * Asking marks the repetition's record as loaded from the agent's host
 * (its label says so). */
const struct sb_loadgen *sb_run_loadgen(struct sb_run *run);

/* The wire (contracts/sb_line.c), shared by both sides. */
/* One line from `fd` into buf (without its newline, NUL-terminated): its
 * length, or -1 with errno: ETIME after timeout_ms (< 0: none) without
 * a whole line (ETIMEDOUT is the connection's own: keepalive or the user
 * timeout gave up on the peer), EMSGSIZE for a line longer than cap - 1,
 * ECONNRESET for the end of the stream. Reads byte by byte: nothing past the line is
 * taken from the socket. */
long sb_line_read(int fd, char *buf, size_t cap, int timeout_ms);
/* One JSON object as one line; 0, or -1 with errno. Steals `msg`. */
int sb_line_send(int fd, json_t *msg);
/* A TCP connection to host:port (IPv4), within timeout_ms, keepalive on
 * so that a dropped network fails a read within about 15 s; the fd, or -1
 * with err set ("cannot reach ...: why"). */
int sb_tcp_connect(const char *host, const char *port, int timeout_ms, struct sb_err *err);
/* Keepalive and a user timeout (a read or write fails within about 15 s
 * of the peer vanishing) and TCP_NODELAY on a connected socket. */
void sb_tcp_keepalive(int fd);
/* Split HOST:PORT; 0, or -1 with err set. The listen form takes port 0
 * (any, chosen by the kernel). */
int sb_host_port(const char *arg, char *host, size_t hlen, char *port, size_t plen,
                 struct sb_err *err);
int sb_listen_host_port(const char *arg, char *host, size_t hlen, char *port, size_t plen,
                        struct sb_err *err);
/* A token file's first line into tok (its newline dropped); 0, or -1 with
 * err set. Only a regular file (a FIFO or a directory is named, never
 * waited on or read as empty); need_private: refuse a file others may
 * read (mode & 077). A token longer than SB_TOKEN_MAX or holding a NUL or
 * another control character is refused, never cut. */
int sb_token_read(const char *path, bool need_private, char *tok, size_t len, struct sb_err *err);
/* Whether n bytes at tok make a token (sb_token_read's rule): 0, or -1
 * with why set. */
int sb_token_check(const char *tok, size_t n, struct sb_err *why);

/* `switchbench agent ...`: the agent's main (loadgen/agent_main.c). */
int sb_agent_main(int argc, char **argv);

#endif
