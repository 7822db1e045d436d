/* The threads engine: one pthread per task, preemptive and parallel.
 * Threads are created at spawn time and wait at a gate, so thread creation
 * stays outside the timed run. Channels are a mutex + condvar ring buffer;
 * a hand-off is a futex post + wait. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_tasks.h"

struct thr_chan {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    uint64_t *buf;
    uint32_t cap, head, len;
    struct thr_chan *next_owned;
};

struct thr_engine {
    struct sb_engine base;
    struct sb_engine_config cfg;
    pthread_mutex_t mu; /* guards threads/n/cap: tasks spawn threads too */
    pthread_t *threads;
    size_t n, cap;
    uint32_t gate;
    struct thr_chan *chans;
};

extern const struct sb_engine_ops sb_engine_threads;

static void *thr_main(void *arg)
{
    struct sb_task *t = arg;
    struct thr_engine *e = t->sb_engine;
    if (e->cfg.pin) e->cfg.pin(e->cfg.pin_ctx, t->index);
    if (sb_gate_wait(&e->gate, false) == KERNEL_GATE_RUN) (void)t->body(t);
    return NULL;
}

static int thr_open(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err)
{
    struct thr_engine *e = calloc(1, sizeof *e);
    if (!e) {
        sb_err_set(err, "threads: out of memory");
        return -1;
    }
    e->base.ops = &sb_engine_threads;
    e->cfg = *cfg;
    pthread_mutex_init(&e->mu, NULL);
    *out = &e->base;
    return 0;
}

/* Threads may start threads while we join: take them in order until none
 * is left; a thread can only spawn while it is alive, i.e. not yet joined. */
static void thr_join_all(struct thr_engine *e)
{
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&e->mu);
        if (i == e->n) {
            e->n = 0;
            pthread_mutex_unlock(&e->mu);
            return;
        }
        pthread_t th = e->threads[i];
        pthread_mutex_unlock(&e->mu);
        pthread_join(th, NULL);
    }
}

static void thr_close(struct sb_engine *eng)
{
    struct thr_engine *e = (struct thr_engine *)eng;
    if (e->n) { /* never run (a later spawn failed): let them go */
        sb_gate_open(&e->gate, KERNEL_GATE_ABORT, false);
        thr_join_all(e);
    }
    for (struct thr_chan *c = e->chans, *next; c; c = next) {
        next = c->next_owned;
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->not_empty);
        pthread_cond_destroy(&c->not_full);
        free(c->buf);
        free(c);
    }
    free(e->threads);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

static int thr_chan_open(struct sb_engine *eng, unsigned capacity, struct sb_chan **out,
                         struct sb_err *err)
{
    struct thr_engine *e = (struct thr_engine *)eng;
    if (capacity == 0) {
        sb_err_set(err, "threads: channel capacity must be at least 1");
        return -1;
    }
    struct thr_chan *c = calloc(1, sizeof *c);
    uint64_t *buf = calloc(capacity, sizeof *buf);
    if (!c || !buf) {
        free(c);
        free(buf);
        sb_err_set(err, "threads: out of memory for a channel");
        return -1;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->not_empty, NULL);
    pthread_cond_init(&c->not_full, NULL);
    c->buf = buf;
    c->cap = capacity;
    c->next_owned = e->chans;
    e->chans = c;
    *out = (struct sb_chan *)c;
    return 0;
}

/* 0, or an errno value. */
static int thr_start(struct thr_engine *e, struct sb_task *t, sb_body_fn body)
{
    pthread_mutex_lock(&e->mu);
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        pthread_t *th = realloc(e->threads, cap * sizeof *th);
        if (!th) {
            pthread_mutex_unlock(&e->mu);
            return ENOMEM;
        }
        e->threads = th;
        e->cap = cap;
    }
    *t = (struct sb_task){0};
    t->ops = e->base.ops->task_ops;
    t->body = body;
    t->sb_engine = e;
    t->index = (uint32_t)e->n;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* glibc refuses a stack below its minimum: 16 KiB on x86-64 but 128 KiB
     * on aarch64 (built for 64 KiB pages), above the 64 KiB default there.
     * Only reserved, not touched: the memory a task uses is what it touches
     * (spawn's bytes_per_task), so the larger reservation changes no figure. */
    long min = sysconf(_SC_THREAD_STACK_MIN);
    size_t size = min > 0 && e->cfg.stack_size < (size_t)min ? (size_t)min : e->cfg.stack_size;
    int rc = pthread_attr_setstacksize(&attr, size);
    if (rc == 0) rc = pthread_create(&e->threads[e->n], &attr, thr_main, t);
    pthread_attr_destroy(&attr);
    if (rc == 0) e->n++;
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static int thr_spawn(struct sb_engine *eng, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct thr_engine *e = (struct thr_engine *)eng;
    int rc = thr_start(e, t, body);
    if (rc != 0) {
        sb_err_set(err, "threads: cannot create thread %zu: %s%s", e->n, strerror(rc),
                   rc == EAGAIN ? " (RLIMIT_NPROC, kernel.threads-max, kernel.pid_max or memory)"
                                : "");
        return -1;
    }
    return 0;
}

static sb_ret thr_spawn_child(struct sb_task *t, struct sb_task *child, sb_body_fn body)
{
    t->sb_result = -thr_start(t->sb_engine, child, body);
    return SB_OK;
}

static int thr_run(struct sb_engine *eng, struct sb_err *err)
{
    (void)err;
    struct thr_engine *e = (struct thr_engine *)eng;
    sb_gate_open(&e->gate, KERNEL_GATE_RUN, false);
    thr_join_all(e);
    return 0;
}

static sb_ret thr_send(struct sb_task *t, struct sb_chan *chan, uint64_t v)
{
    (void)t;
    struct thr_chan *c = (struct thr_chan *)chan;
    pthread_mutex_lock(&c->mu);
    while (c->len == c->cap) pthread_cond_wait(&c->not_full, &c->mu);
    uint32_t at = c->head + c->len;
    if (at >= c->cap) at -= c->cap;
    c->buf[at] = v;
    c->len++;
    pthread_cond_signal(&c->not_empty);
    pthread_mutex_unlock(&c->mu);
    return SB_OK;
}

static sb_ret thr_recv(struct sb_task *t, struct sb_chan *chan, uint64_t *v)
{
    (void)t;
    struct thr_chan *c = (struct thr_chan *)chan;
    pthread_mutex_lock(&c->mu);
    while (c->len == 0) pthread_cond_wait(&c->not_empty, &c->mu);
    *v = c->buf[c->head];
    c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
    c->len--;
    pthread_cond_signal(&c->not_full);
    pthread_mutex_unlock(&c->mu);
    return SB_OK;
}

/* The bare loop: two threads bounce a futex hand-off, nothing else. */
struct thr_bare {
    struct thr_engine *e;
    uint32_t go[2];
    uint32_t gate;
    uint64_t rounds;
    uint64_t ball; /* kernel_bare_side */
};

struct thr_bare_arg {
    struct thr_bare *b;
    unsigned side;
};

static void *thr_bare_main(void *p)
{
    struct thr_bare_arg *a = p;
    struct thr_bare *b = a->b;
    unsigned me = a->side;
    if (b->e->cfg.pin) b->e->cfg.pin(b->e->cfg.pin_ctx, me);
    sb_gate_wait(&b->gate, false);
    kernel_bare_side(b->go, &b->ball, me, b->rounds, false);
    return NULL;
}

static int thr_bare(struct sb_engine *eng, uint64_t switches, uint64_t *ball, struct sb_err *err)
{
    struct thr_bare b = {.e = (struct thr_engine *)eng, .rounds = switches / 2};
    struct thr_bare_arg args[2] = {{&b, 0}, {&b, 1}};
    pthread_t th[2];
    for (unsigned i = 0; i < 2; i++) {
        int rc = pthread_create(&th[i], NULL, thr_bare_main, &args[i]);
        if (rc != 0) {
            if (i == 1) {
                b.rounds = 0;
                sb_gate_open(&b.gate, 1, false);
                pthread_join(th[0], NULL);
            }
            sb_err_set(err, "threads: cannot create a bare-loop thread: %s", strerror(rc));
            return -1;
        }
    }
    sb_gate_open(&b.gate, 1, false);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    *ball = b.ball;
    return 0;
}

KERNEL_TASK_OPS(thr_task_ops, thr, false);

const struct sb_engine_ops sb_engine_threads = {
    .name = "threads",
    .summary = "one pthread per task; channels are mutex+condvar queues, hand-off is a futex",
    .mechanism = "futex handoff",
    .fpu = "per-thread (kernel)",
    .caps = SB_CAP_STACKFUL | SB_CAP_PARALLEL | SB_CAP_PER_TASK_FPU | SB_CAP_BARE_LOOP,
    .costs = {.kernel_tasks_per_task = 1,
              .maps_per_task = 2}, /* a stack and its guard page per thread */
    .task_ops = &thr_task_ops,
    .open = thr_open,
    .close = thr_close,
    .chan_open = thr_chan_open,
    .spawn = thr_spawn,
    .run = thr_run,
    .bare_loop = thr_bare,
};
