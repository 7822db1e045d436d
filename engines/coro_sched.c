/* The coroutine engines' shared machinery: engine and worker setup,
 * spawning, channels, the libuv timers and fd watchers, and M:N workers. */
#include "coro_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- per-task IO state: libuv handles, created on first use ---- */

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
    io_wake(coro_of(t), io, status < 0 ? status : SB_OK);
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

void coro_task_finished(struct coro_sched *s, struct sb_task *t)
{
    struct coro_io *io = t->sb_io;
    if (io) {
        io->t = NULL;
        if (io->timer) uv_close((uv_handle_t *)io->timer, io_handle_closed);
        if (io->poll) uv_close((uv_handle_t *)io->poll, io_handle_closed);
        io->timer = NULL;
        io->poll = NULL;
        if (io->open_handles == 0) free(io);
        t->sb_io = NULL;
    }
    t->sb_state = CORO_DONE;
    s->alive--;
}

void coro_sched_poll(struct coro_sched *s, bool block)
{
    uv_run(&s->loop, block ? UV_RUN_ONCE : UV_RUN_NOWAIT);
    s->since_poll = 0;
    s->poll_round = s->rq_len; /* poll again once every task ready now has run */
}

/* ---- engine and workers ---- */

static int sched_init(struct coro_engine *e, struct coro_sched *s, unsigned worker,
                      struct sb_err *err)
{
    memset(s, 0, sizeof *s);
    s->eng = e;
    s->worker = worker;
    s->rq_cap = 64;
    s->rq = calloc(s->rq_cap, sizeof(struct sb_task *));
    if (!s->rq) {
        sb_err_set(err, "%s: out of memory for the ready queue", e->base.ops->name);
        return -1;
    }
    int rc = uv_loop_init(&s->loop);
    if (rc != 0) {
        sb_err_set(err, "%s: cannot start an event loop: %s", e->base.ops->name, uv_strerror(rc));
        return -1;
    }
    s->loop_open = true;
    s->main_task.sb_engine = s;
    s->main_task.sb_state = CORO_READY;
    s->main_task.sb_stack = &s->main_stack;
    return 0;
}

static void close_leftover(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h)) return;
    struct coro_io *io = h->data;
    io->t = NULL;
    uv_close(h, io_handle_closed);
}

static void stack_list_free(struct coro_stack *st)
{
    while (st) {
        struct coro_stack *next = st->next;
        coro_stack_free(st);
        free(st);
        st = next;
    }
}

static void sched_destroy(struct coro_sched *s)
{
    stack_list_free(s->stacks);
    stack_list_free(s->free_stacks);
    s->stacks = s->free_stacks = NULL;
    if (s->loop_open) {
        /* Tasks that never finished (a failed run) still hold handles. */
        uv_walk(&s->loop, close_leftover, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        (void)uv_loop_close(&s->loop);
        s->loop_open = false;
    }
    free(s->rq);
    s->rq = NULL;
}

int coro_engine_open(const struct sb_engine_ops *ops, const struct coro_kind *kind,
                     size_t engine_size, const struct sb_engine_config *cfg, struct sb_engine **out,
                     struct sb_err *err)
{
    struct coro_engine *e = calloc(1, engine_size);
    unsigned n = cfg->workers ? cfg->workers : 1;
    if (!e) {
        sb_err_set(err, "%s: out of memory", ops->name);
        return -1;
    }
    e->base.ops = ops;
    e->cfg = *cfg;
    e->kind = kind;
    e->nworkers = n;
    e->guard_budget = coro_guard_budget(cfg->guard);
    e->w = calloc(n, sizeof *e->w);
    if (!e->w) {
        free(e);
        sb_err_set(err, "%s: out of memory", ops->name);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        if (sched_init(e, &e->w[i], i, err) != 0) {
            for (unsigned j = 0; j <= i; j++) sched_destroy(&e->w[j]);
            free(e->w);
            free(e);
            return -1;
        }
    }
    /* One scheduler runs on this thread: pin it now. Further workers pin
     * themselves when their threads start. */
    if (cfg->pin) cfg->pin(cfg->pin_ctx, 0);
    *out = &e->base;
    return 0;
}

void coro_engine_close(struct sb_engine *eng)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    for (unsigned i = 0; i < e->nworkers; i++) sched_destroy(&e->w[i]);
    struct coro_chan *ch = e->chans;
    while (ch) {
        struct coro_chan *next = ch->next_owned;
        free(ch->buf);
        free(ch);
        ch = next;
    }
    free(e->w);
    free(e);
}

static int rq_grow(struct coro_sched *s)
{
    size_t cap = s->rq_cap * 2;
    struct sb_task **rq = malloc(cap * sizeof(struct sb_task *));
    if (!rq) return -1;
    for (size_t i = 0; i < s->rq_len; i++) rq[i] = s->rq[(s->rq_head + i) & (s->rq_cap - 1)];
    free(s->rq);
    s->rq = rq;
    s->rq_cap = cap;
    s->rq_head = 0;
    return 0;
}

int coro_sched_add(struct coro_sched *s, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct coro_engine *e = s->eng;
    const char *name = e->base.ops->name;
    /* Every live task can be in the ready queue at once; size it now so
     * the hot path never checks for room. */
    while (s->rq_cap < s->alive + 2) {
        if (rq_grow(s) != 0) {
            sb_err_set(err, "%s: out of memory for the ready queue (%zu tasks)", name,
                       s->alive + 1);
            return -1;
        }
    }
    *t = (struct sb_task){0};
    t->ops = e->base.ops->task_ops;
    t->body = body;
    t->sb_engine = s;
    t->sb_worker = s->worker;
    t->index = __atomic_fetch_add(&e->next_index, 1, __ATOMIC_RELAXED);
    if (e->kind->prepare) {
        /* A finished task's stack, if there is one: mapping, guarding and
         * unmapping a stack costs system calls and page faults that dwarf
         * the rest of a task's life, and every coroutine library pools
         * stacks for that reason. */
        struct coro_stack *rec = s->free_stacks;
        if (rec) {
            s->free_stacks = rec->next;
        } else {
            rec = calloc(1, e->kind->rec_size);
            if (!rec) {
                sb_err_set(err, "%s: out of memory for task %u", name, t->index);
                return -1;
            }
            bool guard = coro_guard_next(&e->base, e->cfg.guard, &e->guard_budget);
            if (coro_stack_alloc(rec, e->cfg.stack_size, guard, err, name) != 0) {
                free(rec);
                return -1;
            }
            s->nrecs++;
        }
        rec->prev = NULL;
        rec->next = s->stacks;
        if (s->stacks) s->stacks->prev = rec;
        s->stacks = rec;
        t->sb_stack = rec;
        e->kind->prepare(s, t, rec);
    }
    s->alive++;
    coro_make_ready(s, t);
    return 0;
}

int coro_engine_spawn(struct sb_engine *eng, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    struct coro_sched *s = &e->w[e->next_worker];
    e->next_worker = (e->next_worker + 1) % e->nworkers;
    return coro_sched_add(s, t, body, err);
}

sb_ret coro_spawn_child(struct sb_task *t, struct sb_task *child, sb_body_fn body)
{
    struct sb_err err = {{0}};
    /* The child stays on its parent's scheduler: no cross-thread queue. */
    t->sb_result = coro_sched_add(coro_of(t), child, body, &err) == 0 ? SB_OK : -ENOMEM;
    return SB_OK;
}

void coro_stackful_exit(struct coro_sched *s, struct sb_task *t)
{
    coro_task_finished(s, t);
    t->sb_next = s->zombies;
    s->zombies = t;
}

void coro_sched_reap(struct coro_sched *s)
{
    struct sb_task *t = s->zombies;
    s->zombies = NULL;
    while (t) {
        struct sb_task *next = t->sb_next;
        struct coro_stack *rec = t->sb_stack;
        if (rec->prev)
            rec->prev->next = rec->next;
        else
            s->stacks = rec->next;
        if (rec->next) rec->next->prev = rec->prev;
        rec->prev = NULL;
        rec->next = s->free_stacks;
        s->free_stacks = rec;
        t->sb_stack = NULL;
        t = next;
    }
}

void coro_sched_deadlock(struct coro_sched *s)
{
    sb_err_set(&s->err, "%s: deadlock: %zu task(s) wait on channels or hand-offs and none is ready",
               s->eng->base.ops->name, s->alive);
}

/* No scheduler records which task runs: that store on every switch cost
 * 11% of switch/asm-sharedfpu. The fault names its stack instead: the
 * guard page it hit, and a stack pointer at most a push and the red zone
 * above the faulting address (a fault from code on another stack, or a
 * wild pointer from the scheduler's, is not an overflow). The walk reads
 * lists that another worker may be changing; records are never freed
 * during a run and the walk is bounded, so the worst a race can do is
 * miss the record and leave the fault a plain SIGSEGV. */
int coro_stack_fault(struct sb_engine *eng, const void *addr, const void *sp)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    const char *a = addr;
    if (sp && (const char *)sp > a + 128 + 8) return 0;
    for (unsigned i = 0; i < e->nworkers; i++) {
        const struct coro_stack *rec = e->w[i].stacks;
        for (size_t n = e->w[i].nrecs; rec && n > 0; n--, rec = rec->next)
            if (coro_stack_guard_hit(rec, addr)) return 1;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    struct coro_sched *s = arg;
    struct coro_engine *e = s->eng;
    /* A task that overflows into its guard page faults on this thread: the
     * handler needs a stack of its own here too, or the fault is a plain
     * "killed by signal 11". */
    void *alt = coro_altstack_push();
    if (e->cfg.pin) e->cfg.pin(e->cfg.pin_ctx, s->worker);
    s->failed = e->kind->run_worker(s) != 0;
    coro_altstack_pop(alt);
    return NULL;
}

int coro_engine_run(struct sb_engine *eng, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    unsigned started = 1;
    for (unsigned i = 1; i < e->nworkers; i++, started++) {
        int rc = pthread_create(&e->w[i].thread, NULL, worker_main, &e->w[i]);
        if (rc != 0) {
            sb_err_set(err, "%s: cannot start worker thread %u: %s", eng->ops->name, i,
                       strerror(rc));
            /* Workers already running finish their tasks; ours run below. */
            break;
        }
    }
    int failed = started < e->nworkers;
    e->w[0].failed = e->kind->run_worker(&e->w[0]) != 0;
    for (unsigned i = 1; i < started; i++) pthread_join(e->w[i].thread, NULL);
    for (unsigned i = 0; i < e->nworkers; i++) {
        if (e->w[i].failed) {
            if (!failed) *err = e->w[i].err;
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

int coro_chan_open(struct sb_engine *eng, unsigned capacity, struct sb_chan **out,
                   struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    /* A channel's hand-off is single-threaded (no lock): it cannot join
     * tasks on two schedulers, so it refuses rather than trust the plan. */
    if (e->nworkers > 1) {
        sb_err_set(err, "%s: channels join tasks of one scheduler; this run has %u workers",
                   eng->ops->name, e->nworkers);
        return -1;
    }
    if (capacity == 0) {
        sb_err_set(err, "%s: channel capacity must be at least 1", eng->ops->name);
        return -1;
    }
    struct coro_chan *ch = calloc(1, sizeof *ch);
    uint64_t *buf = calloc(capacity, sizeof *buf);
    if (!ch || !buf) {
        free(ch);
        free(buf);
        sb_err_set(err, "%s: out of memory for a channel of %u", eng->ops->name, capacity);
        return -1;
    }
    ch->buf = buf;
    ch->cap = capacity;
    ch->next_owned = e->chans;
    e->chans = ch;
    *out = (struct sb_chan *)ch;
    return 0;
}
