/* echo: the gevent echo server's shape (claims C3, C11, C13 in scripts/sbreport/claims/). One
 * accept task per scheduler, each on its own SO_REUSEPORT listening socket, spawns a task per
 * connection; a connection task reads and writes back until end of stream. Threads get a thread per
 * connection, processes a process per connection: the same source. The harness's load generator
 * runs the closed-loop clients and times the loop itself. One iteration is
 * one round trip.
 *
 * The `libuv` baseline runs instead a plain libuv callback server with a
 * buffer per connection (wl_echo_uv.c), against the same load generator. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sb_loadgen.h"
#include "wl_echo.h"

#define ECHO_POLL_NS 20000000u /* how often an idle accept loop checks for the end */

static sb_ret echo_conn(struct sb_task *t)
{
    struct echo_conn *me = (struct echo_conn *)t;
    struct echo_state *st = me->st;
    SB_BEGIN(t);
    for (;;) {
        me->n = read(me->fd, me->buf, st->msg_size);
        if (me->n > 0) {
            me->len = (size_t)me->n;
            me->off = 0;
            while (me->off < me->len) {
                ssize_t w = write(me->fd, me->buf + me->off, me->len - me->off);
                if (w > 0) {
                    me->off += (size_t)w;
                } else if (w < 0 && errno == EAGAIN) {
                    SB_AWAIT(t, sb_wait_fd(t, me->fd, SB_WRITABLE, SB_NO_TIMEOUT));
                } else if (w < 0 && errno == EINTR) {
                    continue;
                } else {
                    me->failed = 1;
                    break;
                }
            }
            if (me->failed) break;
            me->echoed += me->len;
            continue;
        }
        if (me->n == 0) break; /* the client closed: done */
        if (errno == EAGAIN) {
            SB_AWAIT(t, sb_wait_fd(t, me->fd, SB_READABLE, SB_NO_TIMEOUT));
            continue;
        }
        if (errno == EINTR) continue;
        me->failed = 1;
        break;
    }
    SB_AWAIT(t, sb_close_fd(t, me->fd));
    __atomic_fetch_add(&st->bytes_echoed, me->echoed, __ATOMIC_RELAXED);
    if (me->failed) __atomic_fetch_add(&st->conn_failures, 1, __ATOMIC_RELAXED);
    SB_END(t);
}

static sb_ret echo_accept(struct sb_task *t)
{
    struct echo_accept *me = (struct echo_accept *)t;
    struct echo_state *st = me->st;
    SB_BEGIN(t);
    for (;;) {
        me->fd = accept4(me->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (me->fd >= 0) {
            uint32_t slot = __atomic_fetch_add(&st->next_slot, 1, __ATOMIC_RELAXED);
            if (slot >= st->slots) {
                close(me->fd);
                __atomic_fetch_add(&st->accept_failures, 1, __ATOMIC_RELAXED);
                continue;
            }
            int one = 1;
            setsockopt(me->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            /* Across a network, a load host that vanishes sends no FIN:
             * the connection fails instead of waiting out the run. */
            if (st->remote) sb_tcp_keepalive(me->fd);
            me->conn = &st->conns[slot];
            me->conn->st = st;
            me->conn->fd = me->fd;
            me->conn->buf = st->bufs + (size_t)slot * st->msg_size;
            SB_AWAIT(t, sb_spawn(t, &me->conn->t, st->conn_body));
            if (t->sb_result != SB_OK &&
                __atomic_fetch_add(&st->spawn_failures, 1, __ATOMIC_RELAXED) == 0) {
                st->spawn_errno = -t->sb_result;
                st->spawn_failed_conn = (uint32_t)(me->conn - st->conns);
            }
            /* A forked connection process has its own copy of the socket. */
            if (st->own_copies || t->sb_result != SB_OK) close(me->fd);
            __atomic_fetch_add(&st->accepted, 1, __ATOMIC_RELAXED);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN) {
            st->accept_errno = errno;
            __atomic_fetch_add(&st->accept_failures, 1, __ATOMIC_RELAXED);
        }
        if (__atomic_load_n(&st->client->done, __ATOMIC_ACQUIRE)) break;
        SB_AWAIT(t, sb_wait_fd(t, me->lfd, SB_READABLE, ECHO_POLL_NS));
    }
    SB_AWAIT(t, sb_close_fd(t, me->lfd));
    SB_END(t);
}

/* The listening socket: on 127.0.0.1, or on the address the run's load
 * agent reaches us at (--server-addr, or the one our hello left from). */
static int echo_listen(struct sb_run *run, uint16_t *port, struct sb_err *err)
{
    const struct sb_loadgen *lg = sb_run_loadgen(run);
    const char *addr = lg ? lg->server_addr : "127.0.0.1";
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sb_err_set(err, "echo: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(*port)};
    socklen_t len = sizeof a;
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        sb_err_set(err, "echo: cannot listen on %s:%u: %s", addr, *port, strerror(errno));
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int echo_setup_with(struct sb_run *run, const long long *params, uint64_t round_trips,
                    uint64_t rate, void **state, sb_body_fn conn_body, struct sb_err *err)
{
    unsigned conns = (unsigned)params[0];
    size_t msg = (size_t)params[1];
    bool baseline = sb_run_engine_has(run, SB_CAP_BASELINE);
    unsigned workers = baseline ? 1 : sb_run_workers(run);
    /* Say so now rather than hang: the server needs a descriptor per
     * connection and the load generator as many. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && (rlim_t)conns + 64 > rl.rlim_cur) {
        sb_err_set(
            err,
            "echo: %u connections need about %u descriptors per process; RLIMIT_NOFILE is %llu",
            conns, conns + 64, (unsigned long long)rl.rlim_cur);
        return -1;
    }
    struct echo_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->conns_n = conns;
    st->conn_body = conn_body ? conn_body : echo_conn;
    st->rate = rate;
    st->msg_size = msg;
    st->round_trips = round_trips;
    st->slots = conns;
    st->own_copies = sb_run_engine_has(run, SB_CAP_SEPARATE_MEMORY);
    st->remote = sb_run_loadgen(run) != NULL;
    st->conns = sb_run_alloc(run, conns * sizeof *st->conns, err);
    st->bufs = sb_run_alloc(run, (size_t)conns * msg, err);
    st->accepts = sb_run_alloc(run, workers * sizeof *st->accepts, err);
    if (!st->conns || !st->bufs || !st->accepts) return -1;
    uint16_t port = 0;
    if (sb_run_engine_external(run)) {
        /* The engine's own program serves (its StreamServer, its net);
         * the same load generator drives it. */
        if (sb_run_serve_external(run, &port, err) != 0) return -1;
        workers = 0;
    }
    for (unsigned i = 0; i < workers; i++) {
        st->accepts[i].st = st;
        st->accepts[i].lfd = echo_listen(run, &port, err);
        if (st->accepts[i].lfd < 0) {
            for (unsigned j = 0; j < i; j++) close(st->accepts[j].lfd);
            return -1;
        }
        st->n_accepts = i + 1;
    }
    st->port = port;
    struct echo_client_spec client = {.port = port,
                                      .conns = conns,
                                      .msg_size = msg,
                                      .round_trips = round_trips,
                                      .rate = rate,
                                      .clock = sb_run_manual_clock(run)};
    if (echo_client_start(run, &client, &st->client, err) != 0) return -1;
    if (!baseline && workers) {
        for (unsigned i = 0; i < workers; i++)
            if (sb_run_spawn(run, &st->accepts[i].t, echo_accept, err) != 0) return -1;
        /* Threads and coroutines share the listening sockets with us;
         * task processes have their own copies: ours can go. */
        if (st->own_copies)
            for (unsigned i = 0; i < workers; i++) close(st->accepts[i].lfd);
    }
    *state = st;
    return 0;
}

/* A connection whose task could not be created is closed at once, and the
 * load generator then fails on it: the spawn failure is the cause. */
int echo_explain(void *state, struct sb_err *err)
{
    const struct echo_state *st = state;
    if (!st->spawn_failures) return 0;
    struct rlimit rl;
    char limit[96] = "";
    if (st->spawn_errno == EAGAIN && getrlimit(RLIMIT_NPROC, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY)
        snprintf(limit, sizeof limit,
                 " (RLIMIT_NPROC is %llu; kernel.threads-max and pid_max count too)",
                 (unsigned long long)rl.rlim_cur);
    sb_err_set(err, "echo: could not create the task for connection %u (%llu such failures): %s%s",
               (unsigned)st->spawn_failed_conn, (unsigned long long)st->spawn_failures,
               strerror(st->spawn_errno ? st->spawn_errno : EAGAIN), limit);
    return -1;
}

int echo_verify(void *state, struct sb_err *err)
{
    struct echo_state *st = state;
    if (echo_explain(state, err) != 0) return -1;
    const struct echo_client_result *r = st->client;
    /* Every byte the server echoed, the untimed warm-up's included. */
    uint64_t want = (st->round_trips + r->warm_up_trips) * st->msg_size;
    if (st->accepted != st->conns_n || st->spawn_failures || st->accept_failures ||
        st->conn_failures) {
        sb_err_set(err,
                   "echo: %llu of %u connections accepted; %llu spawn, %llu accept (%s), %llu "
                   "connection failures",
                   (unsigned long long)st->accepted, st->conns_n,
                   (unsigned long long)st->spawn_failures, (unsigned long long)st->accept_failures,
                   st->accept_errno ? strerror(st->accept_errno) : "-",
                   (unsigned long long)st->conn_failures);
        return -1;
    }
    if (r->round_trips != st->round_trips || r->warm_up_trips != st->conns_n ||
        r->bytes_verified != want || st->bytes_echoed != want) {
        sb_err_set(err,
                   "echo: %llu of %llu round trips; %llu bytes checked, %llu echoed, %llu expected",
                   (unsigned long long)r->round_trips, (unsigned long long)st->round_trips,
                   (unsigned long long)r->bytes_verified, (unsigned long long)st->bytes_echoed,
                   (unsigned long long)want);
        return -1;
    }
    return 0;
}

void echo_report(void *state, struct sb_run *run)
{
    struct echo_state *st = state;
    const struct echo_client_result *r = st->client;
    sb_run_counter(run, "p50_us", r->p50_us);
    sb_run_counter(run, "p90_us", r->p90_us);
    sb_run_counter(run, "p99_us", r->p99_us);
    sb_run_counter(run, "p999_us", r->p999_us);
    sb_run_counter(run, "max_us", r->max_us);
    sb_run_counter(run, "mean_us", r->mean_us);
    sb_run_counter(run, "min_per_conn", (double)r->min_per_conn);
    sb_run_counter(run, "max_per_conn", (double)r->max_per_conn);
    sb_run_counter(run, "server_rss_kb", r->server_rss_bytes / 1024);
    sb_run_counter(run, "server_memory_kb", r->server_memory_bytes / 1024);
}

static int echo_setup(struct sb_run *run, const long long *params, uint64_t round_trips,
                      void **state, struct sb_err *err)
{
    return echo_setup_with(run, params, round_trips, 0, state, echo_conn, err);
}

/* Timed, under an external engine: the load generator's end, then the
 * server's own account of what it accepted and echoed. */
int echo_external(struct sb_run *run, void *state, uint64_t round_trips, struct sb_err *err)
{
    (void)round_trips;
    struct echo_state *st = state;
    const struct timespec poll = {0, ECHO_POLL_NS / 4};
    while (!__atomic_load_n(&st->client->done, __ATOMIC_ACQUIRE)) nanosleep(&poll, NULL);
    static const char *const names[] = {"accepted", "bytes_echoed", "connection_failures"};
    double v[SB_COUNT(names)];
    if (sb_run_stop_external(run, names, v, SB_COUNT(names), err) != 0) return -1;
    st->accepted = (uint64_t)v[0];
    st->bytes_echoed = (uint64_t)v[1];
    st->conn_failures = (uint64_t)v[2];
    return 0;
}

uint64_t echo_min_iterations(const long long *params) { return (uint64_t)params[0] * 4; }

static const long long echo_conns[] = {1, 10, 100, 1000, 10000};
static const long long echo_conns_quick[] = {100, 1000};
static const long long echo_msg[] = {64};
const struct sb_param_def echo_params[ECHO_N_PARAMS] = {
    SB_PARAM("conns", "concurrent closed-loop connections", 1, 100000, echo_conns,
             echo_conns_quick),
    SB_PARAM("msg", "message size in bytes", 1, 1 << 20, echo_msg, echo_msg),
};

/* A task per connection; the server and the load generator each hold a
 * descriptor per connection. */
void echo_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = (uint64_t)params[0] + 1;
    d->fds = (uint64_t)params[0];
}

const struct sb_workload sb_wl_echo = {
    .demand = echo_demand,
    .name = "echo",
    .summary = "TCP echo server on loopback, closed-loop clients; ns per round trip, p50/p99/p999",
    .unit = "round trip",
    .rate_counter = "items_per_second",
    .flags = SB_WL_SHARDABLE | SB_WL_QUICK_WORKERS,
    .params = echo_params,
    .n_params = ECHO_N_PARAMS,
    .iter_multiple = 1,
    .min_iterations = echo_min_iterations,
    .setup = echo_setup,
    .baseline = echo_uv_serve,
    .external = echo_external,
    .verify = echo_verify,
    .explain = echo_explain,
    .report = echo_report,
};
