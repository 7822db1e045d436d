/* The agent's event loop (libuv): every controller is served at once, so
 * that a peer without the token costs nothing. A connection has
 * AGENT_HELLO_MS to send its first whole line and is dropped for a newer
 * one when AGENT_MAX_UNAUTH wait already; one with the token that asks
 * for a load while another runs is told "busy" at once. One load runs at
 * a time, in a child (agent_load.c) watched through a pidfd; the
 * load ends when it is done, at --max-seconds (checked in ns on the
 * monotonic clock), when its controller's connection closes, or when the
 * agent is stopped. Every connection leaves one line on standard error:
 * who, whether it had the token, what it asked, how it ended. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "agent.h"

struct server;

struct conn {
    uv_poll_t poll;   /* the socket: lines, then (loading) its closing */
    uv_timer_t timer; /* the first line's deadline, the next's, then --max-seconds */
    uv_poll_t child;  /* the load's pidfd, while loading */
    struct server *srv;
    struct conn *prev, *next; /* the server's list, oldest first */
    int fd, pidfd, open_handles;
    pid_t pid;
    bool authed, loading, closing;
    enum { END_NONE, END_DEADLINE, END_LEFT, END_STOPPED } end;
    struct timespec load_start;
    char peer[INET_ADDRSTRLEN + 8];
    struct in_addr peer_addr;
    char asked[200]; /* what it asked, for the log */
    size_t len;
    char buf[SB_LOADGEN_LINE];
};

struct server {
    uv_loop_t loop;
    uv_poll_t listener;
    uv_signal_t term, intr;
    const struct agent_config *cfg;
    int lfd, n_unauth;
    bool stopping;
    struct conn *head, *tail;
    struct conn *loader; /* the connection whose load runs now */
};

static long long ns_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - t0->tv_sec) * 1000000000LL + (now.tv_nsec - t0->tv_nsec);
}

static const char *who(const struct conn *c)
{
    if (!c->srv->cfg->token[0]) return "no token needed";
    return c->authed ? "with the token" : "without the token";
}

static void on_handle_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->open_handles > 0) return;
    if (c->pidfd >= 0) close(c->pidfd);
    close(c->fd);
    free(c);
}

/* The connection's one log line, then it goes (its memory once libuv has
 * let go of its handles). */
static void conn_close(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_close(struct conn *c, const char *fmt, ...)
{
    if (c->closing) return;
    c->closing = true;
    char how[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(how, sizeof how, fmt, ap);
    va_end(ap);
    agent_log(c->peer, "%s%s%s: %s", who(c), c->asked[0] ? ", " : "", c->asked, how);
    struct server *s = c->srv;
    if (!c->authed) s->n_unauth--;
    if (s->loader == c) s->loader = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        s->tail = c->prev;
    uv_close((uv_handle_t *)&c->poll, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    if (c->pidfd >= 0) uv_close((uv_handle_t *)&c->child, on_handle_closed);
}

/* An error line (never waited on: a peer that does not read loses it),
 * then the connection goes. */
static void conn_refuse(struct conn *c, const char *why)
{
    (void)sb_line_send(c->fd, json_pack("{s:s}", "error", why));
    conn_close(c, "refused: %s", why);
}

static void on_timer(uv_timer_t *t);
static void on_readable(uv_poll_t *h, int status, int events);
static void server_stop(struct server *s, const char *why);

/* --- the load --- */

static void load_end(struct conn *c, int why)
{
    if (c->end != END_NONE) return;
    c->end = why;
    kill(c->pid, SIGKILL); /* on_child reaps it and says how it ended */
}

static void on_child(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    struct conn *c = h->data;
    int st;
    if (waitpid(c->pid, &st, WNOHANG) != c->pid) return;
    uv_poll_stop(&c->child);
    double secs = (double)ns_since(&c->load_start) / 1e9;
    char why[160];
    /* Back to non-blocking: the child made the shared description blocking. */
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    bool past = c->end == END_DEADLINE ||
                (c->end == END_NONE && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);
    if (c->end == END_STOPPED) {
        conn_refuse(c, "the agent was stopped");
    } else if (c->end == END_LEFT) {
        conn_close(c, "its connection closed after %.3f s; the load was stopped", secs);
    } else if (past) {
        snprintf(why, sizeof why, "the load ran past the agent's --max-seconds=%.9g",
                 (double)c->srv->cfg->max_ns / 1e9);
        conn_refuse(c, why);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        (void)sb_line_send(c->fd, json_pack("{s:s}", "event", "closed"));
        conn_close(c, "done in %.3f s", secs);
    } else if (WIFEXITED(st)) {
        conn_close(c, "ended after %.3f s: the load failed (said above and to the controller)",
                   secs);
    } else {
        snprintf(why, sizeof why, "the load generator was killed by signal %d", WTERMSIG(st));
        conn_refuse(c, why);
    }
    if (c->srv->cfg->once) server_stop(c->srv, NULL);
}

static void load_start(struct conn *c, const struct echo_client_spec *spec)
{
    uv_poll_stop(&c->poll);
    uv_timer_stop(&c->timer);
    pid_t pid = agent_load_fork(c->srv->cfg, c->fd, spec, c->peer);
    char why[160];
    if (pid < 0) {
        snprintf(why, sizeof why, "the agent cannot fork: %s", strerror(errno));
        conn_refuse(c, why);
        return;
    }
    int pfd = pidfd_open(pid, 0);
    if (pfd < 0) {
        snprintf(why, sizeof why, "the agent cannot watch its load: pidfd_open: %s",
                 strerror(errno));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        conn_refuse(c, why);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &c->load_start);
    c->pid = pid;
    c->pidfd = pfd;
    c->loading = true;
    c->srv->loader = c;
    uv_poll_init(&c->srv->loop, &c->child, pfd);
    c->child.data = c;
    c->open_handles++;
    uv_poll_start(&c->child, UV_READABLE, on_child);
    /* Only its closing now: the child owns the lines. */
    uv_poll_start(&c->poll, UV_DISCONNECT, on_readable);
    uv_timer_start(&c->timer, on_timer, (uint64_t)((c->srv->cfg->max_ns + 999999) / 1000000), 0);
    agent_log(c->peer, "%s, %s: started", who(c), c->asked);
}

/* --- lines --- */

static void conn_line(struct conn *c, const char *line)
{
    struct server *s = c->srv;
    json_error_t je;
    json_t *ask = json_loads(line, 0, &je);
    const char *op = json_string_value(json_object_get(ask, "op"));
    char busy[120];
    struct sb_err why = {""};
    snprintf(busy, sizeof busy, "busy: a load from %s is running",
             s->loader ? s->loader->peer : "");
    struct echo_client_spec spec;
    if (!json_is_object(ask) || !op) {
        conn_refuse(c, "not a request: one JSON object with an \"op\" per line");
    } else if (!agent_token_ok(s->cfg->token, json_object_get(ask, "token"))) {
        conn_refuse(c, "wrong token");
    } else {
        if (!c->authed) s->n_unauth--;
        c->authed = true;
        bool hello = strcmp(op, "hello") == 0, load = strcmp(op, "load") == 0;
        if (!hello && !load) {
            conn_refuse(c, "unknown op (hello, load)");
        } else if (s->loader) { /* said at once, to a hello too: no caller waits it out */
            conn_refuse(c, busy);
        } else if (hello) {
            snprintf(c->asked, sizeof c->asked, "hello");
            (void)sb_line_send(c->fd, agent_hello_json());
            uv_timer_start(&c->timer, on_timer, AGENT_IDLE_MS, 0);
        } else if (agent_load_spec(s->cfg, ask, c->peer_addr, &spec, &why) != 0) {
            conn_refuse(c, why.msg);
        } else {
            agent_load_describe(&spec, c->asked, sizeof c->asked);
            load_start(c, &spec);
        }
    }
    json_decref(ask);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    (void)events;
    struct conn *c = h->data;
    if (c->closing) return;
    if (c->loading) { /* the controller's connection closed (or failed) */
        uv_poll_stop(&c->poll);
        load_end(c, END_LEFT);
        return;
    }
    if (status < 0) {
        conn_close(c, "connection failed: %s", uv_strerror(status));
        return;
    }
    for (;;) {
        ssize_t got = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (got <= 0) {
            conn_close(c, "it closed the connection%s%s", got < 0 ? ": " : "",
                       got < 0 ? strerror(errno) : "");
            return;
        }
        c->len += (size_t)got;
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
            *nl = '\0';
            size_t used = (size_t)(nl - c->buf) + 1;
            conn_line(c, c->buf);
            if (c->closing || c->loading) return;
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
        }
        if (c->len >= sizeof c->buf - 1) {
            char why[80];
            snprintf(why, sizeof why, "a line longer than %d bytes", SB_LOADGEN_LINE - 1);
            conn_refuse(c, why);
            return;
        }
    }
}

static void on_timer(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->closing) return;
    if (!c->loading) {
        char why[80];
        snprintf(why, sizeof why, "no %s line within %.3g s", c->authed ? "further" : "whole",
                 (c->authed ? AGENT_IDLE_MS : AGENT_HELLO_MS) / 1000.0);
        conn_refuse(c, why);
        return;
    }
    /* uv's timers count whole ms from the loop's cached time: the deadline
     * itself is the monotonic clock's, in ns. */
    long long left = c->srv->cfg->max_ns - ns_since(&c->load_start);
    if (left > 0)
        uv_timer_start(&c->timer, on_timer, (uint64_t)((left + 999999) / 1000000), 0);
    else
        load_end(c, END_DEADLINE);
}

/* --- connections --- */

static void conn_open(struct server *s, int fd, const struct sockaddr_in *peer)
{
    if (s->n_unauth >= AGENT_MAX_UNAUTH) { /* the oldest waiting one makes room */
        for (struct conn *o = s->head; o; o = o->next)
            if (!o->authed && !o->loading) {
                conn_refuse(o, "dropped for a newer connection: too many waited without a "
                               "request");
                break;
            }
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->srv = s;
    c->fd = fd;
    c->pidfd = -1;
    c->peer_addr = peer->sin_addr;
    char a[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &peer->sin_addr, a, sizeof a);
    snprintf(c->peer, sizeof c->peer, "%s:%u", a, ntohs(peer->sin_port));
    uv_poll_init(&s->loop, &c->poll, fd);
    uv_timer_init(&s->loop, &c->timer);
    c->poll.data = c->timer.data = c;
    c->open_handles = 2;
    c->prev = s->tail;
    if (s->tail)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    s->n_unauth++;
    uv_poll_start(&c->poll, UV_READABLE, on_readable);
    uv_timer_start(&c->timer, on_timer, AGENT_HELLO_MS, 0);
}

static void on_accept(uv_poll_t *h, int status, int events)
{
    (void)events;
    struct server *s = h->data;
    for (int i = 0; status == 0 && i < 64 && !s->stopping; i++) {
        struct sockaddr_in peer = {0};
        socklen_t len = sizeof peer;
        int fd = accept4(s->lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                agent_log("-", "cannot accept a connection: %s", strerror(errno));
            return;
        }
        sb_tcp_keepalive(fd);
        conn_open(s, fd, &peer);
    }
}

static void on_listener_closed(uv_handle_t *h)
{
    struct server *s = h->data;
    close(s->lfd);
}

/* Stop listening and serving; a running load ends and its controller is
 * told so. why: logged (NULL after --once's load). */
static void server_stop(struct server *s, const char *why)
{
    if (s->stopping) return;
    s->stopping = true;
    if (why) agent_log("-", "%s: stopping", why);
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    uv_close((uv_handle_t *)&s->term, NULL);
    uv_close((uv_handle_t *)&s->intr, NULL);
    for (struct conn *c = s->head, *next; c; c = next) {
        next = c->next;
        if (c->loading)
            load_end(c, END_STOPPED);
        else
            conn_close(c, "the agent is stopping");
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    server_stop(h->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

int agent_serve(const struct agent_config *cfg, int lfd)
{
    struct server *s = calloc(1, sizeof *s);
    if (!s || uv_loop_init(&s->loop) != 0) {
        fprintf(stderr, "switchbench agent: cannot start its event loop\n");
        free(s);
        return 1;
    }
    s->cfg = cfg;
    s->lfd = lfd;
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    uv_poll_init(&s->loop, &s->listener, lfd);
    uv_signal_init(&s->loop, &s->term);
    uv_signal_init(&s->loop, &s->intr);
    s->listener.data = s->term.data = s->intr.data = s;
    uv_poll_start(&s->listener, UV_READABLE, on_accept);
    uv_signal_start(&s->term, on_signal, SIGTERM);
    uv_signal_start(&s->intr, on_signal, SIGINT);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&s->loop) == 0 ? 0 : 1;
    free(s);
    return rc;
}
