/* The load agent's parts (`switchbench agent`): its start-up
 * (agent_main.c), what a request means (agent_ask.c), its event loop
 * serving controllers (agent_serve.c), the child process that runs one
 * load (agent_load.c) and the operator's log (agent_log.c). The lines it
 * speaks are in contracts/sb_loadgen.h. */
#ifndef SB_AGENT_H
#define SB_AGENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "sb_loadgen.h"
#include "echo_load.h"
#include "sb_err.h"

enum {
    AGENT_MAX_ALLOW = 16,
    /* An unauthenticated peer costs nothing: it has this long to send its
     * whole first line (a controller sends it at once, in well under a
     * millisecond on a LAN), and at most this many wait at a time; the
     * oldest is dropped for a new one, so a flood of idle connections
     * cannot keep a controller out. */
    AGENT_HELLO_MS = 2000,
    AGENT_MAX_UNAUTH = 64,
    /* An authenticated connection's next line after its hello. */
    AGENT_IDLE_MS = 10000,
};

struct agent_config {
    char token[SB_TOKEN_MAX + 1]; /* "" when none is needed (loopback, no --allow) */
    struct in_addr allow[AGENT_MAX_ALLOW];
    int n_allow;
    long long max_conns;
    long long max_ns; /* --max-seconds, in ns on the monotonic clock */
    bool once;
};

/* Serve controllers on the listening socket lfd until SIGTERM or SIGINT
 * (or, with once, after one load): the process's exit code. */
int agent_serve(const struct agent_config *cfg, int lfd);

/* Fork the child that runs one load over the controller's connection fd:
 * its pid, or -1 with errno. The child dies with the agent, ends itself
 * at cfg->max_ns, holds no descriptor but stdio and fd, and exits 0 when
 * the controller asked to close after the figures (the agent then says
 * "closed"), 1 after sending an error line. */
pid_t agent_load_fork(const struct agent_config *cfg, int fd, const struct echo_client_spec *spec,
                      const char *peer);

/* What a request means (agent_ask.c). */
/* Whether the request's token is the agent's: constant time in its
 * content; any token passes when the agent needs none. */
bool agent_token_ok(const char *want, const json_t *got);
/* The answer to a hello: host name, cores, CPU model, kernel. */
json_t *agent_hello_json(void);
/* The load asked for, checked against the agent's limits and targets: 0
 * and spec, or -1 with err (the line the controller gets). */
int agent_load_spec(const struct agent_config *cfg, const json_t *ask, struct in_addr peer,
                    struct echo_client_spec *spec, struct sb_err *err);
/* The load in words, for the log. */
void agent_load_describe(const struct echo_client_spec *spec, char *out, size_t len);

/* One line on standard error for the operator: the UTC time, the peer,
 * what happened. */
void agent_log(const char *peer, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
