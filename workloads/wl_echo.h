/* What the echo workload's task version and its libuv baseline share. */
#ifndef SB_WL_ECHO_H
#define SB_WL_ECHO_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "echo_load.h"
#include "sb_workload.h"

struct echo_state;

/* The load generator as a helper process of the run: here
 * (echo_local.c, running loadgen/echo_client.c's echo_client_run), or
 * asking the run's agent (sb_run_loadgen) for the load (echo_remote.c). */
int echo_client_start(struct sb_run *run, const struct echo_client_spec *spec,
                      struct echo_client_result **out, struct sb_err *err);
/* The controller's half of a load from an agent. */
int echo_remote_start(struct sb_run *run, const struct echo_client_spec *spec,
                      struct echo_client_result *res, struct sb_err *err);

struct echo_conn {
    struct sb_task t;
    struct echo_state *st;
    int fd, failed;
    unsigned char *buf;
    ssize_t n;
    size_t len, off;
    uint64_t echoed;
};

struct echo_accept {
    struct sb_task t;
    struct echo_state *st;
    int lfd, fd;
    struct echo_conn *conn;
};

struct echo_state {
    unsigned conns_n, n_accepts;
    size_t msg_size;
    uint64_t round_trips;
    uint64_t rate; /* offered requests/s (echo-open), 0: closed loop */
    uint16_t port;
    bool own_copies; /* task processes hold their own copies of sockets */
    bool remote;     /* the load comes from an agent on another host (--loadgen) */
    uint32_t next_slot, slots;
    uint64_t accepted, bytes_echoed, conn_failures, accept_failures, spawn_failures;
    int accept_errno;
    int spawn_errno;            /* the first spawn failure's errno, 0 for none */
    uint32_t spawn_failed_conn; /* and the connection it was for */
    sb_body_fn conn_body;       /* echo_conn, or a self-test's */
    struct echo_conn *conns;
    unsigned char *bufs;
    struct echo_accept *accepts;
    struct echo_client_result *client;
};

/* What the echo workload lends echo-open (wl_echo_open.c) and its
 * self-test (wl_echo_die.c). */
#define ECHO_N_PARAMS 2
extern const struct sb_param_def echo_params[ECHO_N_PARAMS];
/* rate: the load generator's offered requests/s (open loop), 0 for its
 * closed loop; conn_body NULL: echo's own connection task. */
int echo_setup_with(struct sb_run *run, const long long *params, uint64_t round_trips,
                    uint64_t rate, void **state, sb_body_fn conn_body, struct sb_err *err);
int echo_verify(void *state, struct sb_err *err);
void echo_report(void *state, struct sb_run *run);
/* A connection whose task could not be created: the cause to name when
 * the load generator then failed on it (sb_workload.explain). */
int echo_explain(void *state, struct sb_err *err);
int echo_external(struct sb_run *run, void *state, uint64_t round_trips, struct sb_err *err);
void echo_demand(const long long *params, struct sb_demand *d);
uint64_t echo_min_iterations(const long long *params);

/* The baseline: serve the listening socket of accepts[0] with plain libuv
 * callbacks until the load generator is done and every connection closed. */
int echo_uv_serve(struct sb_run *run, void *state, uint64_t round_trips, struct sb_err *err);

#endif
