#include "loadgen.h"

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
#include <unistd.h>

#include "futex.h"
#include "proctree.h"

struct lg_conn {
    int fd;
    uint64_t seq;  /* messages sent on this connection */
    uint64_t done; /* echoes verified */
    size_t got;    /* bytes of the current echo received */
    uint64_t sent_ns;
    int waiting; /* a message is out */
};

/* Byte j of message `seq` on connection `c`: every byte differs between
 * neighbours, connections and rounds, so a misrouted or stale echo fails. */
static inline unsigned char lg_byte(unsigned c, uint64_t seq, size_t j)
{
    return (unsigned char)(c * 131u + seq * 29u + j * 7u + 1u);
}

static int lg_fail(struct sb_loadgen_result *r, const char *fmt, unsigned c, uint64_t a,
                   const char *why)
{
    snprintf(r->error, sizeof r->error, fmt, c, (unsigned long long)a, why);
    return -1;
}

static int lg_send(struct lg_conn *k, unsigned c, size_t size, unsigned char *buf,
                   struct sb_loadgen_result *r)
{
    for (size_t j = 0; j < size; j++) buf[j] = lg_byte(c, k->seq, j);
    k->sent_ns = sb_now_ns();
    size_t off = 0;
    while (off < size) {
        ssize_t n = send(k->fd, buf + off, size - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = k->fd, .events = POLLOUT};
            (void)poll(&p, 1, 1000);
            continue;
        }
        return lg_fail(r, "connection %u: send of message %llu failed: %s", c, k->seq,
                       strerror(errno));
    }
    k->seq++;
    k->waiting = 1;
    k->got = 0;
    return 0;
}

static int lg_connect(uint16_t port, struct sb_loadgen_result *r, unsigned c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return lg_fail(r, "connection %u: socket: %llu %s", c, 0, strerror(errno));
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    while (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (errno == EINTR) continue;
        int e = errno;
        close(fd);
        return lg_fail(r, "connection %u: connect failed after %llu connections: %s", c,
                       r->connected, strerror(e));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static double percentile_us(const gsl_histogram *h, double q)
{
    size_t n = gsl_histogram_bins(h);
    double total = gsl_histogram_sum(h), seen = 0;
    if (total <= 0) return 0;
    for (size_t i = 0; i < n; i++) {
        double c = gsl_histogram_get(h, i);
        if (seen + c >= q * total && c > 0) {
            double lo, hi;
            gsl_histogram_get_range(h, i, &lo, &hi);
            /* Linear within the bin: bins are under 1% wide. */
            return lo + (hi - lo) * ((q * total - seen) / c);
        }
        seen += c;
    }
    double lo, hi;
    gsl_histogram_get_range(h, n - 1, &lo, &hi);
    return hi;
}

struct lg_mem {
    struct lg_conn *k;
    unsigned char *tx, *rx;
    gsl_histogram *h;
    double *edges;
    int ep;
};

static void lg_mem_free(struct lg_mem *m, unsigned conns)
{
    if (m->k)
        for (unsigned c = 0; c < conns; c++)
            if (m->k[c].fd > 0) close(m->k[c].fd);
    free(m->k);
    free(m->tx);
    free(m->rx);
    if (m->h) gsl_histogram_free(m->h);
    free(m->edges);
    if (m->ep >= 0) close(m->ep);
}

/* Latencies from 0.5 us to 60 s in log-spaced bins under 1% wide. */
enum { LG_BINS = 2000 };

static int lg_loop(const struct sb_loadgen_spec *spec, struct sb_loadgen_result *r,
                   pid_t server_root, struct lg_mem *m)
{
    unsigned C = spec->conns;
    size_t size = spec->msg_size;
    struct lg_conn *k = m->k;
    unsigned char *tx = m->tx, *rx = m->rx;
    gsl_histogram *h = m->h;
    double *edges = m->edges;
    int ep = m->ep;
    for (int i = 0; i <= LG_BINS; i++) edges[i] = 0.5 * pow(1.2e8, (double)i / LG_BINS);
    gsl_histogram_set_ranges(h, edges, LG_BINS + 1);

    for (unsigned c = 0; c < C; c++) {
        k[c].fd = lg_connect(spec->port, r, c);
        if (k[c].fd < 0) return -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, k[c].fd, &ev);
        r->connected++;
    }
    sb_clock_start(spec->clock);
    uint64_t budget = spec->round_trips, done = 0;
    double sum_us = 0;
    for (unsigned c = 0; c < C && budget; c++, budget--)
        if (lg_send(&k[c], c, size, tx, r) != 0) return -1;
    uint64_t outstanding = spec->round_trips - budget;
    struct epoll_event evs[256];
    while (outstanding) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return lg_fail(r, "load generator %u: epoll_wait after %llu echoes: %s", 0, done,
                           strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            unsigned c = evs[i].data.u32;
            struct lg_conn *q = &k[c];
            ssize_t got = recv(q->fd, rx, size - q->got, 0);
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (got <= 0)
                return lg_fail(r, "connection %u: the server closed it after %llu echoes (%s)", c,
                               q->done, got == 0 ? "end of stream" : strerror(errno));
            if (!q->waiting)
                return lg_fail(r, "connection %u: %llu unexpected bytes%s", c, (uint64_t)got, "");
            uint64_t seq = q->seq - 1;
            for (ssize_t j = 0; j < got; j++)
                if (rx[j] != lg_byte(c, seq, q->got + (size_t)j))
                    return lg_fail(r, "connection %u: echo %llu has a wrong byte%s", c, seq, "");
            q->got += (size_t)got;
            if (q->got < size) continue;
            double us = (double)(sb_now_ns() - q->sent_ns) / 1000.0;
            gsl_histogram_increment(h, us < 0.5               ? 0.5
                                       : us >= edges[LG_BINS] ? edges[LG_BINS] * 0.999
                                                              : us);
            sum_us += us;
            q->waiting = 0;
            q->done++;
            done++;
            outstanding--;
            r->bytes_verified += size;
            if (budget) {
                budget--;
                outstanding++;
                if (lg_send(q, c, size, tx, r) != 0) return -1;
            }
        }
    }
    sb_clock_stop(spec->clock);
    /* Every connection is still open: this is the server under load. */
    pid_t self = getpid();
    r->server_memory_bytes = sb_proc_tree_memory_bytes(server_root, &self, 1, &r->server_rss_bytes);
    r->round_trips = done;
    r->min_per_conn = UINT64_MAX;
    for (unsigned c = 0; c < C; c++) {
        if (k[c].done < r->min_per_conn) r->min_per_conn = k[c].done;
        if (k[c].done > r->max_per_conn) r->max_per_conn = k[c].done;
    }
    r->mean_us = done ? sum_us / (double)done : 0;
    r->p50_us = percentile_us(h, 0.50);
    r->p99_us = percentile_us(h, 0.99);
    r->p999_us = percentile_us(h, 0.999);
    return 0;
}

static int lg_run(const struct sb_loadgen_spec *spec, struct sb_loadgen_result *r,
                  pid_t server_root)
{
    struct lg_mem m = {
        .k = calloc(spec->conns, sizeof(struct lg_conn)),
        .tx = malloc(spec->msg_size),
        .rx = malloc(spec->msg_size),
        .h = gsl_histogram_alloc(LG_BINS),
        .edges = malloc((LG_BINS + 1) * sizeof(double)),
        .ep = epoll_create1(EPOLL_CLOEXEC),
    };
    int rc = -1;
    if (!m.k || !m.tx || !m.rx || !m.h || !m.edges || m.ep < 0)
        lg_fail(r, "load generator %u: %llu %s", 0, 0, "out of memory");
    else
        rc = lg_loop(spec, r, server_root, &m);
    lg_mem_free(&m, spec->conns);
    return rc;
}

struct lg_args {
    const struct sb_loadgen_spec *spec;
    struct sb_loadgen_result *result;
    pid_t server_root;
};

static int lg_main(void *p)
{
    struct lg_args *a = p;
    int rc = lg_run(a->spec, a->result, a->server_root);
    if (rc != 0 && a->spec->clock)
        sb_clock_stop(a->spec->clock); /* leave it consistent; the error decides */
    __atomic_store_n(&a->result->done, 1, __ATOMIC_RELEASE);
    return rc;
}

/* The load generator died (killed, crashed) before it could say it was
 * done: say it for it, so the server's accept loop stops now rather than
 * at the run's timeout. Its connections closed with it, so every
 * connection task sees the end of its stream. The record names the death
 * (sb_helper_wait). */
static void lg_on_death(void *ctx, int status)
{
    (void)status;
    struct sb_loadgen_result *r = ctx;
    sb_gate_open(&r->done, 1, true);
}

int sb_loadgen_start(struct sb_helper *h, const struct sb_loadgen_spec *spec,
                     struct sb_loadgen_result *result, struct sb_pin *pin, struct sb_err *err)
{
    memset(result, 0, sizeof *result);
    struct lg_args a = {spec, result, getpid()};
    h->on_death = lg_on_death;
    h->ctx = result;
    /* The helper gets a copy of `a` at fork: the stack frame may go. */
    return sb_helper_start(h, &result->gate, pin, lg_main, &a, err);
}

int sb_loadgen_check(const struct sb_loadgen_result *r, struct sb_err *err)
{
    if (r->error[0]) {
        sb_err_set(err, "load generator: %s", r->error);
        return -1;
    }
    return 0;
}
