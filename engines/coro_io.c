/* The coroutine engines' IO: each task's libuv handles (a timer for
 * sleeps and timeouts, an fd watcher kept registered between waits),
 * created on first use, closed when the task finishes; and the polls of
 * the scheduler's loop that make waiting tasks ready. */
#include "coro_io.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct coro_io {
    struct sb_task *t; /* NULL once the task has finished */
    uv_timer_t *timer;
    uv_poll_t *poll;
    int poll_fd;
    int poll_events; /* libuv events the poll handle is started with, 0 if stopped */
    bool waiting_fd; /* parked in wait_fd (else in sleep) */
    int open_handles;
};

static void io_handle_closed(uv_handle_t *h)
{
    struct coro_io *io = h->data;
    free(h);
    if (--io->open_handles == 0 && !io->t) free(io);
}

static struct coro_io *io_of(struct sb_task *t)
{
    if (!t->sb_io) {
        struct coro_io *io = calloc(1, sizeof *io);
        if (!io) abort(); /* a few dozen bytes; nothing sensible is left to do */
        io->t = t;
        io->poll_fd = -1;
        t->sb_io = io;
    }
    return t->sb_io;
}

static void io_wake(struct coro_sched *s, struct coro_io *io, int result)
{
    struct sb_task *t = io->t;
    if (io->timer) uv_timer_stop(io->timer);
    t->sb_result = result;
    s->io_waiters--;
    coro_make_ready(s, t);
}

static void io_timer_fired(uv_timer_t *h)
{
    struct coro_io *io = h->data;
    struct sb_task *t = io->t;
    if (!t || t->sb_state != CORO_WAIT_IO) return;
    io_wake(coro_of(t), io, io->waiting_fd ? SB_TIMEDOUT : SB_OK);
}

static void io_poll_fired(uv_poll_t *h, int status, int events)
{
    (void)events;
    struct coro_io *io = h->data;
    struct sb_task *t = io->t;
    if (t && t->sb_state == CORO_READY) return; /* woken already, not yet run: it will read soon */
    if (!t || t->sb_state != CORO_WAIT_IO || !io->waiting_fd) {
        /* Readable while the task waits for something else: stop, or
         * level-triggered epoll would call us on every poll. The next
         * wait starts it again. */
        uv_poll_stop(h);
        io->poll_events = 0;
        return;
    }
    struct coro_sched *s = coro_of(t);
    if (!s->polling || !s->dispatch) {
        io_wake(s, io, status < 0 ? status : SB_OK);
        return;
    }
    /* Run the task now, inside the poll, as a libuv server serves a
     * connection in its read callback: it reads until EAGAIN and parks
     * before libuv looks at the next event. Queued instead, its fd stays
     * readable (level-triggered) until it runs, and past 1,024 ready
     * descriptors libuv polls again up to 48 times in one uv_run while
     * the batches come back full, reporting the same woken-but-not-run
     * connections each time: at 10,000 echo connections the stackless
     * server's epoll_wait returned 6.2 events per request (680,850 for
     * 110,000 requests, 663 of 687 batches full), libuv's own 0.86.
     * Stopping the watcher on such a repeat instead cut that to 2.15 but
     * made echo 1.32x slower there (epoll_ctl twice per request). */
    if (io->timer) uv_timer_stop(io->timer);
    t->sb_result = status < 0 ? status : SB_OK;
    t->sb_state = CORO_READY;
    s->io_waiters--;
    s->since_poll++;
    s->dispatch(s, t);
}

/* libuv timers count whole milliseconds from a cached loop time; rounding
 * up and adding one guarantees a sleep never ends early. */
static uint64_t io_timeout_ms(uint64_t ns) { return (ns + 999999) / 1000000 + 1; }

static void io_start_timer(struct coro_sched *s, struct coro_io *io, uint64_t ns)
{
    if (!io->timer) {
        io->timer = malloc(sizeof *io->timer);
        if (!io->timer) abort();
        uv_timer_init(&s->loop, io->timer);
        io->timer->data = io;
        io->open_handles++;
    }
    uv_update_time(&s->loop);
    uv_timer_start(io->timer, io_timer_fired, io_timeout_ms(ns), 0);
}

void coro_io_sleep(struct coro_sched *s, struct sb_task *t, uint64_t ns)
{
    struct coro_io *io = io_of(t);
    io->waiting_fd = false;
    io_start_timer(s, io, ns);
    t->sb_state = CORO_WAIT_IO;
    s->io_waiters++;
}

int coro_io_wait_fd(struct coro_sched *s, struct sb_task *t, int fd, unsigned events,
                    uint64_t timeout_ns)
{
    struct coro_io *io = io_of(t);
    int want =
        ((events & SB_READABLE) ? UV_READABLE : 0) | ((events & SB_WRITABLE) ? UV_WRITABLE : 0);
    if (timeout_ns == 0) {
        t->sb_result = SB_TIMEDOUT;
        return 1;
    }
    if (io->poll && io->poll_fd != fd) {
        uv_close((uv_handle_t *)io->poll, io_handle_closed);
        io->poll = NULL;
    }
    if (!io->poll) {
        io->poll = malloc(sizeof *io->poll);
        if (!io->poll) abort();
        int rc = uv_poll_init(&s->loop, io->poll, fd);
        if (rc != 0) {
            free(io->poll);
            io->poll = NULL;
            t->sb_result = rc;
            return 1;
        }
        io->poll->data = io;
        io->poll_fd = fd;
        io->poll_events = 0;
        io->open_handles++;
    }
    /* The watcher stays registered between waits: an echo connection
     * waits on the same fd thousands of times, and re-arming epoll each
     * time would cost two system calls per wait. */
    if (io->poll_events != want) {
        int rc = uv_poll_start(io->poll, want, io_poll_fired);
        if (rc != 0) {
            t->sb_result = rc;
            return 1;
        }
        io->poll_events = want;
    }
    io->waiting_fd = true;
    if (timeout_ns != SB_NO_TIMEOUT) io_start_timer(s, io, timeout_ns);
    t->sb_state = CORO_WAIT_IO;
    s->io_waiters++;
    return 0;
}

sb_ret coro_close_fd(struct sb_task *t, int fd)
{
    struct coro_io *io = t->sb_io;
    if (io && io->poll && io->poll_fd == fd) {
        /* libuv wants the handle closed before the fd is. */
        uv_close((uv_handle_t *)io->poll, io_handle_closed);
        io->poll = NULL;
        io->poll_fd = -1;
        io->poll_events = 0;
    }
    t->sb_result = close(fd) == 0 ? SB_OK : -errno;
    return SB_OK;
}

void coro_io_release(struct sb_task *t)
{
    struct coro_io *io = t->sb_io;
    if (!io) return;
    io->t = NULL;
    if (io->timer) uv_close((uv_handle_t *)io->timer, io_handle_closed);
    if (io->poll) uv_close((uv_handle_t *)io->poll, io_handle_closed);
    io->timer = NULL;
    io->poll = NULL;
    if (io->open_handles == 0) free(io);
    t->sb_io = NULL;
}

void coro_io_poll(struct coro_sched *s, bool block)
{
    s->polling = true;
    uv_run(&s->loop, block ? UV_RUN_ONCE : UV_RUN_NOWAIT);
    s->polling = false;
    s->since_poll = 0;
    s->poll_round = s->rq_len; /* poll again once every task ready now has run */
}

static void close_leftover(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h)) return;
    struct coro_io *io = h->data;
    io->t = NULL;
    uv_close(h, io_handle_closed);
}

void coro_io_close_loop(uv_loop_t *loop)
{
    /* Tasks that never finished (a failed run) still hold handles. */
    uv_walk(loop, close_leftover, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(loop);
}
