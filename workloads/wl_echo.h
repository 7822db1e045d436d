/* What the echo workload's task version and its libuv baseline share. */
#ifndef SB_WL_ECHO_H
#define SB_WL_ECHO_H

#include <stdbool.h>
#include <sys/types.h>

#include "sb_workload.h"

struct echo_state;

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
    uint16_t port;
    bool own_copies; /* task processes hold their own copies of sockets */
    uint32_t next_slot, slots;
    uint64_t accepted, bytes_echoed, conn_failures, accept_failures, spawn_failures;
    int accept_errno;
    int spawn_errno;            /* the first spawn failure's errno, 0 for none */
    uint32_t spawn_failed_conn; /* and the connection it was for */
    uint64_t die_after;         /* selftest: a connection task kills itself after this many bytes */
    struct echo_conn *conns;
    unsigned char *bufs;
    struct echo_accept *accepts;
    struct sb_loadgen_result *lg;
};

/* The baseline: serve the listening socket of accepts[0] with plain libuv
 * callbacks until the load generator is done and every connection closed. */
int echo_uv_serve(struct sb_run *run, void *state, uint64_t round_trips, struct sb_err *err);

#endif
