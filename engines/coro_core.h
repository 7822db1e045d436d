/* The coroutine scheduler's state and its ready queue: the piece that the
 * scheduler (coro_sched.h, coro_sched.c) and its IO (coro_io.h, coro_io.c)
 * share, below both. */
#ifndef SB_CORO_CORE_H
#define SB_CORO_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "coro_stack.h"
#include "sb_engine.h"

enum coro_state {
    CORO_READY = 0, /* in the ready queue, or running */
    CORO_WAIT_HANDOFF,
    CORO_WAIT_CHAN,
    CORO_WAIT_IO, /* a timer or an fd, through the libuv loop */
    CORO_DONE,
};

struct coro_chan {
    uint64_t *buf;
    uint32_t cap, head, len;
    struct sb_task *recv_head, *recv_tail;
    struct sb_task *send_head, *send_tail;
    struct coro_chan *next_owned;
};

struct coro_engine;
struct coro_sched;

/* How an engine runs a ready task on its scheduler: a switch from the
 * scheduler's context, or a call of the body (coro_run_loop). */
typedef void (*coro_dispatch_fn)(struct coro_sched *s, struct sb_task *t);

struct coro_sched {
    struct coro_engine *eng;
    struct sb_task **rq;
    size_t rq_cap, rq_head, rq_len;
    size_t alive;
    size_t io_waiters;             /* tasks parked on a timer or an fd */
    size_t since_poll;             /* dispatches since the loop was last polled */
    size_t poll_round;             /* tasks that were ready after the last poll */
    struct sb_task main_task;      /* the scheduler's own context (stackful engines) */
    struct sb_task *zombies;       /* finished stackful tasks whose stacks await release */
    struct coro_stack main_stack;  /* the worker thread's stack: bounds from ASan */
    struct coro_stack_pool stacks; /* stackful: the tasks' stacks, live and spare */
    uv_loop_t loop;
    bool loop_open;
    bool polling;              /* inside uv_run: fd callbacks may run their task at once */
    coro_dispatch_fn dispatch; /* the engine's, set by coro_run_loop */
    unsigned worker;
    pthread_t thread;
    struct sb_err err;
    int failed;
};

/* Per engine: the switch-specific hooks the generic spawn and run use. */
struct coro_kind {
    /* Stackful: size of a per-task record (a struct coro_stack first) and
     * how to prepare a new task's context on its stack. NULL: stackless. */
    size_t rec_size;
    void (*prepare)(struct coro_sched *s, struct sb_task *t, struct coro_stack *rec);
    /* Run one worker's scheduler to completion. */
    int (*run_worker)(struct coro_sched *s);
};

struct coro_engine {
    struct sb_engine base;
    struct sb_engine_config cfg;
    const struct coro_kind *kind;
    struct coro_sched *w;
    unsigned nworkers;
    unsigned next_worker; /* round robin for spawns from setup */
    uint32_t next_index;
    struct coro_chan *chans;
    int64_t guard_budget; /* --stack-guard=auto: guarded stacks still to give */
};

static inline struct coro_sched *coro_of(struct sb_task *t)
{
    return (struct coro_sched *)t->sb_engine;
}

static inline void coro_rq_push(struct coro_sched *s, struct sb_task *t)
{
    /* The queue never holds more tasks than are alive on this scheduler,
     * and it was sized for them when they were added, so it never needs
     * to grow here. */
    s->rq[(s->rq_head + s->rq_len) & (s->rq_cap - 1)] = t;
    s->rq_len++;
}

static inline void coro_rq_push_front(struct coro_sched *s, struct sb_task *t)
{
    s->rq_head = (s->rq_head - 1) & (s->rq_cap - 1);
    s->rq[s->rq_head] = t;
    s->rq_len++;
}

static inline struct sb_task *coro_rq_pop(struct coro_sched *s)
{
    if (s->rq_len == 0) return NULL;
    struct sb_task *t = s->rq[s->rq_head];
    s->rq_head = (s->rq_head + 1) & (s->rq_cap - 1);
    s->rq_len--;
    return t;
}

static inline void coro_make_ready(struct coro_sched *s, struct sb_task *t)
{
    t->sb_state = CORO_READY;
    coro_rq_push(s, t);
}

static inline void coro_waitq_push(struct sb_task **head, struct sb_task **tail, struct sb_task *t)
{
    t->sb_next = NULL;
    if (*tail)
        (*tail)->sb_next = t;
    else
        *head = t;
    *tail = t;
}

#endif
