/* The echo load generator (echo_load.h), run in a helper process of the
 * repetition (workloads/echo_local.c), or by a load agent on another host
 * (agent_load.c): it opens `conns` connections to
 * the server (127.0.0.1:port, or the agent's target), then runs them
 * closed-loop (echo: send msg_size bytes, wait for the echo, check every
 * byte, send again) or open-loop (echo-open: requests fall due at a
 * constant offered rate, echo_pace.h) until `round_trips` echoes have come
 * back, every byte checked. Its hooks say when the loop, which begins after
 * one untimed round trip on every connection (client_warm_up), starts and
 * ends, and when the figures are in while every connection is still open:
 * here they start and stop the run's clock and measure the server's
 * memory; on an agent they are lines to the controller. Then it closes
 * the connections. */
#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_histogram.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "echo_load.h"
#include "echo_pace.h"

/* CLOCK_MONOTONIC in ns: this room stands below the harness and takes
 * none of its services. */
static uint64_t client_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct client_conn {
    int fd;
    uint64_t seq;  /* messages sent on this connection */
    uint64_t done; /* echoes verified */
    size_t got;    /* bytes of the current echo received */
    uint64_t sent_ns;
    int waiting; /* a message is out */
};

/* Byte j of message `seq` on connection `c`: every byte differs between
 * neighbours, connections and rounds, so a misrouted or stale echo fails. */
static inline unsigned char client_byte(unsigned c, uint64_t seq, size_t j)
{
    return (unsigned char)(c * 131u + seq * 29u + j * 7u + 1u);
}

static int client_fail(struct echo_client_result *res, const char *fmt, unsigned c, uint64_t a,
                       const char *why)
{
    snprintf(res->error, sizeof res->error, fmt, c, (unsigned long long)a, why);
    return -1;
}

static int client_send(struct client_conn *conn, unsigned c, size_t size, unsigned char *buf,
                       struct echo_client_result *res)
{
    for (size_t j = 0; j < size; j++) buf[j] = client_byte(c, conn->seq, j);
    conn->sent_ns = client_now_ns();
    size_t off = 0;
    while (off < size) {
        ssize_t n = send(conn->fd, buf + off, size - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = conn->fd, .events = POLLOUT};
            (void)poll(&p, 1, 1000);
            continue;
        }
        return client_fail(res, "connection %u: send of message %llu failed: %s", c, conn->seq,
                           strerror(errno));
    }
    conn->seq++;
    conn->waiting = 1;
    conn->got = 0;
    return 0;
}

static int client_connect(const struct echo_client_spec *spec, struct echo_client_result *res,
                          unsigned c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return client_fail(res, "connection %u: socket: %llu %s", c, 0, strerror(errno));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(spec->port),
                            .sin_addr.s_addr =
                                spec->target ? spec->target : htonl(INADDR_LOOPBACK)};
    while (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (errno == EINTR) continue;
        int e = errno;
        close(fd);
        return client_fail(res, "connection %u: connect failed after %llu connections: %s", c,
                           res->connected, strerror(e));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static double percentile_us(const gsl_histogram *hist, double cur)
{
    size_t n = gsl_histogram_bins(hist);
    double total = gsl_histogram_sum(hist), seen = 0;
    if (total <= 0) return 0;
    for (size_t i = 0; i < n; i++) {
        double c = gsl_histogram_get(hist, i);
        if (seen + c >= cur * total && c > 0) {
            double lo, hi;
            gsl_histogram_get_range(hist, i, &lo, &hi);
            /* Linear within the bin: bins are under 1% wide. */
            return lo + (hi - lo) * ((cur * total - seen) / c);
        }
        seen += c;
    }
    double lo, hi;
    gsl_histogram_get_range(hist, n - 1, &lo, &hi);
    return hi;
}

struct client_mem {
    struct client_conn *conns;
    struct echo_pace_conn *pace; /* open loop only */
    unsigned char *tx, *rx;
    gsl_histogram *hist;
    double *edges;
    int epfd, timerfd;
    double sum_us, max_us;
    uint64_t done; /* echoes verified, all connections */
};

static void client_mem_free(struct client_mem *m, unsigned conns)
{
    if (m->conns)
        for (unsigned c = 0; c < conns; c++)
            if (m->conns[c].fd > 0) close(m->conns[c].fd);
    free(m->conns);
    free(m->pace);
    free(m->tx);
    free(m->rx);
    if (m->hist) gsl_histogram_free(m->hist);
    free(m->edges);
    if (m->epfd >= 0) close(m->epfd);
    if (m->timerfd >= 0) close(m->timerfd);
}

/* Latencies from 0.5 us to 60 s in log-spaced bins under 1% wide: a
 * percentile read from them is within 1% of the true one, at any
 * magnitude, as HdrHistogram bounds it (GSL's histogram with our edges). */
enum { CLIENT_BINS = 2000 };

static void client_record(struct client_mem *m, double us)
{
    const double top = m->edges[CLIENT_BINS];
    gsl_histogram_increment(m->hist, us < 0.5 ? 0.5 : us >= top ? top * 0.999 : us);
    m->sum_us += us;
    if (us > m->max_us) m->max_us = us;
}

/* Open every connection (and the histogram's bins). */
static int client_open(const struct echo_client_spec *spec, struct echo_client_result *res,
                       struct client_mem *m)
{
    for (int i = 0; i <= CLIENT_BINS; i++) m->edges[i] = 0.5 * pow(1.2e8, (double)i / CLIENT_BINS);
    gsl_histogram_set_ranges(m->hist, m->edges, CLIENT_BINS + 1);
    for (unsigned c = 0; c < spec->conns; c++) {
        m->conns[c].fd = client_connect(spec, res, c);
        if (m->conns[c].fd < 0) return -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = c};
        epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->conns[c].fd, &ev);
        res->connected++;
    }
    return 0;
}

/* Read what connection c has and check every byte: 1 when its echo is
 * complete, 0 when more is to come, -1 on an error (res says which). */
static int client_recv(struct client_mem *m, unsigned c, size_t size,
                       struct echo_client_result *res)
{
    struct client_conn *cur = &m->conns[c];
    ssize_t got = recv(cur->fd, m->rx, size - cur->got, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (got <= 0)
        return client_fail(res, "connection %u: the server closed it after %llu echoes (%s)", c,
                           cur->done, got == 0 ? "end of stream" : strerror(errno));
    if (!cur->waiting)
        return client_fail(res, "connection %u: %llu unexpected bytes%s", c, (uint64_t)got, "");
    uint64_t seq = cur->seq - 1;
    for (ssize_t j = 0; j < got; j++)
        if (m->rx[j] != client_byte(c, seq, cur->got + (size_t)j))
            return client_fail(res, "connection %u: echo %llu has a wrong byte%s", c, seq, "");
    cur->got += (size_t)got;
    if (cur->got < size) return 0;
    cur->waiting = 0;
    cur->done++;
    m->done++;
    res->bytes_verified += size;
    return 1;
}

static int client_wait(struct client_mem *m, struct epoll_event *evs, int max,
                       struct echo_client_result *res)
{
    for (;;) {
        int n = epoll_wait(m->epfd, evs, max, -1);
        if (n >= 0) return n;
        if (errno != EINTR)
            return client_fail(res, "load generator %u: epoll_wait after %llu echoes: %s", 0,
                               m->done, strerror(errno));
    }
}

/* Closed loop: each connection sends again as soon as its echo is in,
 * drawing from one shared budget so that a starved connection shows. */
static int client_closed_loop(const struct echo_client_spec *spec, struct echo_client_result *res,
                              struct client_mem *m)
{
    size_t size = spec->msg_size;
    uint64_t budget = spec->round_trips;
    for (unsigned c = 0; c < spec->conns && budget; c++, budget--)
        if (client_send(&m->conns[c], c, size, m->tx, res) != 0) return -1;
    uint64_t outstanding = spec->round_trips - budget;
    struct epoll_event evs[256];
    while (outstanding) {
        int n = client_wait(m, evs, 256, res);
        if (n < 0) return -1;
        for (int i = 0; i < n; i++) {
            unsigned c = evs[i].data.u32;
            int r = client_recv(m, c, size, res);
            if (r < 0) return -1;
            if (r == 0) continue;
            client_record(m, (double)(client_now_ns() - m->conns[c].sent_ns) / 1000.0);
            outstanding--;
            if (budget) {
                budget--;
                outstanding++;
                if (client_send(&m->conns[c], c, size, m->tx, res) != 0) return -1;
            }
        }
    }
    return 0;
}

/* The timer that wakes the open loop when the next request falls due. */
static int client_arm(struct client_mem *m, const struct echo_pace *p,
                      struct echo_client_result *res)
{
    uint64_t due = echo_pace_next_due_ns(p);
    if (due == UINT64_MAX) return 0;
    struct itimerspec at = {
        .it_value = {.tv_sec = (time_t)(due / 1000000000u), .tv_nsec = (long)(due % 1000000000u)}};
    if (timerfd_settime(m->timerfd, TFD_TIMER_ABSTIME, &at, NULL) == 0) return 0;
    return client_fail(res, "load generator %u: timerfd_settime after %llu echoes: %s", 0, m->done,
                       strerror(errno));
}

/* Every request fallen due by now goes out on its connection if that one
 * is idle (else when its echo is in). */
static int client_release(const struct echo_client_spec *spec, struct echo_client_result *res,
                          struct client_mem *m, struct echo_pace *p)
{
    uint64_t first = echo_pace_release(p, client_now_ns());
    uint64_t n = p->released - first < spec->conns ? p->released - first : spec->conns;
    for (uint64_t k = first; k < first + n; k++) {
        unsigned c = (unsigned)(k % spec->conns);
        if (echo_pace_take(p, m->pace, c) &&
            client_send(&m->conns[c], c, spec->msg_size, m->tx, res) != 0)
            return -1;
    }
    return client_arm(m, p, res);
}

/* Open loop (spec->rate > 0): requests fall due on echo_pace's constant
 * schedule whether or not the server kept up, and each one's latency is
 * counted from when it fell due. */
static int client_open_loop(const struct echo_client_spec *spec, struct echo_client_result *res,
                            struct client_mem *m)
{
    struct echo_pace p;
    echo_pace_init(&p, m->pace, client_now_ns(), spec->rate, spec->conns, spec->round_trips);
    struct epoll_event tick = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->timerfd, &tick) != 0)
        return client_fail(res, "load generator %u: cannot watch its timer (%llu): %s", 0, 0,
                           strerror(errno));
    if (client_release(spec, res, m, &p) != 0) return -1;
    struct epoll_event evs[256];
    while (m->done < spec->round_trips) {
        int n = client_wait(m, evs, 256, res);
        if (n < 0) return -1;
        for (int i = 0; i < n; i++) {
            unsigned c = evs[i].data.u32;
            if (c == UINT32_MAX) {
                uint64_t ticks;
                if (read(m->timerfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                    return client_fail(res,
                                       "load generator %u: reading its timer after %llu "
                                       "echoes: %s",
                                       0, m->done, strerror(errno));
                if (client_release(spec, res, m, &p) != 0) return -1;
                continue;
            }
            int r = client_recv(m, c, spec->msg_size, res);
            if (r < 0) return -1;
            if (r == 0) continue;
            client_record(m, (double)echo_pace_done(m->pace, c, client_now_ns()) / 1000.0);
            if (echo_pace_take(&p, m->pace, c) &&
                client_send(&m->conns[c], c, spec->msg_size, m->tx, res) != 0)
                return -1;
        }
    }
    return 0;
}

/* What the run measured, while every connection is still open. */
static void client_sum_up(const struct echo_client_spec *spec, struct echo_client_result *res,
                          const struct client_mem *m)
{
    res->round_trips = m->done;
    res->min_per_conn = UINT64_MAX;
    for (unsigned c = 0; c < spec->conns; c++) {
        if (m->conns[c].done < res->min_per_conn) res->min_per_conn = m->conns[c].done;
        if (m->conns[c].done > res->max_per_conn) res->max_per_conn = m->conns[c].done;
    }
    res->mean_us = m->done ? m->sum_us / (double)m->done : 0;
    res->p50_us = percentile_us(m->hist, 0.50);
    res->p90_us = percentile_us(m->hist, 0.90);
    res->p99_us = percentile_us(m->hist, 0.99);
    res->p999_us = percentile_us(m->hist, 0.999);
    res->max_us = m->max_us;
}

/* One round trip on every connection before the clock starts, counted
 * apart (res->warm_up_trips): the server has then accepted each
 * connection and its task, thread or process runs, so the timed loop
 * measures serving connections rather than the server still accepting
 * them and creating their tasks, which spawn measures. Without it the
 * open loop's first requests waited for that: at 1,000 connections and
 * 20,000 requests/s offered, p99 was 19 ms on asm (creating 1,000 tasks
 * with their stacks) and 100 ms on threads, against 0.17 ms on libuv. */
static int client_warm_up(const struct echo_client_spec *spec, struct echo_client_result *res,
                          struct client_mem *m)
{
    for (unsigned c = 0; c < spec->conns; c++)
        if (client_send(&m->conns[c], c, spec->msg_size, m->tx, res) != 0) return -1;
    struct epoll_event evs[256];
    while (m->done < spec->conns) {
        int n = client_wait(m, evs, 256, res);
        if (n < 0) return -1;
        for (int i = 0; i < n; i++)
            if (client_recv(m, evs[i].data.u32, spec->msg_size, res) < 0) return -1;
    }
    res->warm_up_trips = m->done;
    m->done = 0;
    for (unsigned c = 0; c < spec->conns; c++) m->conns[c].done = 0;
    return 0;
}

static int client_loop(const struct echo_client_spec *spec, struct echo_client_result *res,
                       const struct echo_client_hooks *hooks, struct client_mem *m)
{
    if (client_open(spec, res, m) != 0 || client_warm_up(spec, res, m) != 0) return -1;
    hooks->started(hooks->ctx);
    int rc = spec->rate ? client_open_loop(spec, res, m) : client_closed_loop(spec, res, m);
    if (rc != 0) return -1;
    hooks->ended(hooks->ctx);
    client_sum_up(spec, res, m);
    return hooks->loaded(hooks->ctx, res); /* every connection still open: the server under load */
}

int echo_client_run(const struct echo_client_spec *spec, struct echo_client_result *res,
                    const struct echo_client_hooks *hooks)
{
    struct client_mem m = {
        .conns = calloc(spec->conns, sizeof(struct client_conn)),
        .tx = malloc(spec->msg_size),
        .rx = malloc(spec->msg_size),
        .pace = spec->rate ? calloc(spec->conns, sizeof(struct echo_pace_conn)) : NULL,
        .hist = gsl_histogram_alloc(CLIENT_BINS),
        .edges = malloc((CLIENT_BINS + 1) * sizeof(double)),
        .epfd = epoll_create1(EPOLL_CLOEXEC),
        .timerfd = spec->rate ? timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) : -1,
    };
    int rc = -1;
    if (!m.conns || !m.tx || !m.rx || !m.hist || !m.edges || m.epfd < 0 ||
        (spec->rate && (!m.pace || m.timerfd < 0)))
        client_fail(res, "load generator %u: %llu %s", 0, 0, "out of memory");
    else
        rc = client_loop(spec, res, hooks, &m);
    client_mem_free(&m, spec->conns);
    return rc;
}
