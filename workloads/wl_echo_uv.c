/* The echo baseline: a plain libuv callback server, the way libuv's own
 * examples write one, with one buffer per connection. No tasks, no
 * switches: what the task versions are measured against. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sb_loadgen.h"
#include "wl_echo.h"

struct uvb_server {
    uv_tcp_t listener;
    uv_timer_t check;
    struct echo_state *st;
    uint64_t open_conns;
    bool closing;
};

struct uvb_conn {
    uv_tcp_t h;
    uv_write_t wr;
    struct uvb_server *srv;
    uint64_t echoed;
    bool failed, writing;
    unsigned char buf[]; /* msg_size bytes */
};

static void uvb_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    struct uvb_conn *c = h->data;
    *buf = uv_buf_init((char *)c->buf, (unsigned)c->srv->st->msg_size);
}

static void uvb_closed(uv_handle_t *h)
{
    struct uvb_conn *c = h->data;
    struct echo_state *st = c->srv->st;
    st->bytes_echoed += c->echoed;
    if (c->failed) st->conn_failures++;
    c->srv->open_conns--;
    free(c);
}

static void uvb_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void uvb_written(uv_write_t *req, int status)
{
    struct uvb_conn *c = req->data;
    c->writing = false;
    if (status < 0) {
        c->failed = true;
        uv_close((uv_handle_t *)&c->h, uvb_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&c->h, uvb_alloc, uvb_read);
}

static void uvb_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct uvb_conn *c = s->data;
    if (n > 0) {
        uv_buf_t out = uv_buf_init(buf->base, (unsigned)n);
        c->echoed += (uint64_t)n;
        /* Most echoes fit the socket at once; otherwise the buffer is
         * busy until the write completes, so stop reading until then. */
        int w = uv_try_write(s, &out, 1);
        if (w == n) return;
        if (w > 0)
            out = uv_buf_init(buf->base + w, (unsigned)(n - w));
        else if (w != UV_EAGAIN) {
            c->failed = true;
            uv_close((uv_handle_t *)s, uvb_closed);
            return;
        }
        uv_read_stop(s);
        c->writing = true;
        c->wr.data = c;
        uv_write(&c->wr, s, &out, 1, uvb_written);
        return;
    }
    if (n == UV_EOF) {
        uv_close((uv_handle_t *)s, uvb_closed);
    } else if (n < 0) {
        c->failed = true;
        uv_close((uv_handle_t *)s, uvb_closed);
    }
}

static void uvb_connection(uv_stream_t *l, int status)
{
    struct uvb_server *srv = l->data;
    struct echo_state *st = srv->st;
    if (status < 0) {
        st->accept_failures++;
        return;
    }
    struct uvb_conn *c = calloc(1, sizeof *c + st->msg_size);
    if (!c) {
        st->accept_failures++;
        return;
    }
    c->srv = srv;
    uv_tcp_init(l->loop, &c->h);
    c->h.data = c;
    if (uv_accept(l, (uv_stream_t *)&c->h) != 0) {
        st->accept_failures++;
        c->srv->open_conns++;
        uv_close((uv_handle_t *)&c->h, uvb_closed);
        return;
    }
    uv_tcp_nodelay(&c->h, 1);
    /* As the task servers do (echo_accept): a vanished load host fails. */
    if (st->remote) {
        uv_os_fd_t fd;
        if (uv_fileno((uv_handle_t *)&c->h, &fd) == 0) sb_tcp_keepalive(fd);
    }
    srv->open_conns++;
    st->accepted++;
    uv_read_start((uv_stream_t *)&c->h, uvb_alloc, uvb_read);
}

/* The end: the load generator is done and every connection it opened is closed. */
static void uvb_check(uv_timer_t *t)
{
    struct uvb_server *srv = t->data;
    if (srv->closing || !__atomic_load_n(&srv->st->client->done, __ATOMIC_ACQUIRE) ||
        srv->open_conns)
        return;
    srv->closing = true;
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->check, NULL);
}

int echo_uv_serve(struct sb_run *run, void *state, uint64_t round_trips, struct sb_err *err)
{
    (void)run;
    (void)round_trips;
    struct echo_state *st = state;
    uv_loop_t loop;
    struct uvb_server srv = {.st = st};
    int rc = uv_loop_init(&loop);
    if (rc == 0) rc = uv_tcp_init(&loop, &srv.listener);
    if (rc == 0) rc = uv_tcp_open(&srv.listener, st->accepts[0].lfd);
    if (rc == 0) {
        srv.listener.data = &srv;
        rc = uv_listen((uv_stream_t *)&srv.listener, 4096, uvb_connection);
    }
    if (rc != 0) {
        sb_err_set(err, "echo/libuv: cannot serve: %s", uv_strerror(rc));
        return -1;
    }
    uv_timer_init(&loop, &srv.check);
    srv.check.data = &srv;
    uv_timer_start(&srv.check, uvb_check, 20, 20);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}
