/* What the echo workload's task version and its libuv baseline share. */
#ifndef SB_WL_ECHO_H
#define SB_WL_ECHO_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "sb_workload.h"

struct echo_state;

/* The load generator (echo_client.c), a helper process: see there. Its
 * result lives in memory the server's tasks can read too (`done` tells an
 * accept loop to stop). */
struct echo_client_result;

/* What the load generator tells its owner, and when: the timed loop
 * starts (after the warm-up), ends, and the figures are in while every
 * connection is still open (the moment to measure the server's memory).
 * Local: the run's clock and memory; on an agent: lines to the controller. */
struct echo_client_hooks {
    void (*started)(void *ctx);
    void (*ended)(void *ctx);
    int (*loaded)(void *ctx, struct echo_client_result *res); /* 0, or -1 with res->error */
    void *ctx;
};

struct echo_client_spec {
    uint32_t target; /* the server's IPv4 address, network order; 0: 127.0.0.1 */
    uint16_t port;
    unsigned conns;
    size_t msg_size;
    uint64_t round_trips;
    uint64_t rate; /* offered requests/s over all connections; 0: closed loop */
    struct sb_clock *clock;
};

struct echo_client_result {
    uint32_t done; /* set (and futex-woken) when the load generator has finished */
    uint64_t round_trips, bytes_verified;
    uint64_t warm_up_trips; /* one per connection, before the clock started */
    uint64_t min_per_conn, max_per_conn;
    double p50_us, p90_us, p99_us, p999_us, max_us, mean_us;
    double server_memory_bytes; /* sb_run_memory_bytes while every connection is open */
    double server_rss_bytes;    /* plain RSS summed over the server's processes */
    unsigned connected;
    char error[320]; /* empty when all went well */
};

/* The load generator as a helper process of the run: here, or asking the
 * run's agent (sb_run_loadgen) for the load (echo_remote.c). */
int echo_client_start(struct sb_run *run, const struct echo_client_spec *spec,
                      struct echo_client_result **out, struct sb_err *err);
/* The load itself, in this process: 0, or -1 with res->error. */
int echo_client_run(const struct echo_client_spec *spec, struct echo_client_result *res,
                    const struct echo_client_hooks *hooks);
/* The agent's half: its load over the controller's connection `fd`. */
int echo_remote_start(struct sb_run *run, const struct echo_client_spec *spec,
                      struct echo_client_result *res, struct sb_err *err);
/* The result as JSON and back (the agent's "loaded" line). */
json_t *echo_result_json(const struct echo_client_result *res);
void echo_result_from_json(const json_t *j, struct echo_client_result *res);

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
