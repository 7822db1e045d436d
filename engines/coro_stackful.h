/* What the two stackful coroutine engines (asm, ucontext) share: per-task
 * stack records, the scheduler loop, reaping finished tasks, and the
 * stack-overflow check. They differ only in the switch they pass in. */
#ifndef SB_CORO_STACKFUL_H
#define SB_CORO_STACKFUL_H

#include "coro_sched.h"
#include "coro_stack.h"

struct coro_stackful {
    struct coro_sched s;
    struct coro_stack main_stack; /* the scheduler's stack: no mapping, bounds from ASan */
    void **recs;                  /* per task index: its record (coro_stack first), NULL once reaped */
    size_t recs_cap;
};

int coro_stackful_init(struct coro_stackful *e, const struct sb_engine_ops *ops,
                       const struct sb_engine_config *cfg, struct sb_err *err);
/* A record of rec_size bytes whose first member is a struct coro_stack, with
 * a mapped stack; tracked under the index the next spawned task gets. */
void *coro_stackful_new_rec(struct coro_stackful *e, size_t rec_size, struct sb_err *err);
void coro_stackful_reap(struct coro_stackful *e);
void coro_stackful_close(struct coro_stackful *e);
int coro_stackful_stack_fault(struct sb_engine *e, const void *addr);
/* Bookkeeping when a task's body returns; the caller then switches to the
 * scheduler for the last time. */
void coro_stackful_task_done(struct coro_stackful *e, struct sb_task *t);

static inline int coro_stackful_run(struct coro_stackful *e, coro_switch_fn sw, struct sb_err *err)
{
    struct coro_sched *s = &e->s;
    while (s->alive) {
        struct sb_task *t = coro_rq_pop(s);
        if (!t) {
            coro_sched_deadlock(s, err);
            return -1;
        }
        (void)sw(s, &s->main_task, t);
        if (s->zombies) coro_stackful_reap(e);
    }
    return 0;
}

#endif
