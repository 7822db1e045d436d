#include "coro_stackful.h"

#include <stdlib.h>
#include <string.h>

int coro_stackful_init(struct coro_stackful *e, const struct sb_engine_ops *ops,
                       const struct sb_engine_config *cfg, struct sb_err *err)
{
    if (coro_sched_init(&e->s, ops, cfg, err) != 0) return -1;
    memset(&e->main_stack, 0, sizeof e->main_stack);
    e->s.main_task.sb_stack = &e->main_stack;
    e->recs = NULL;
    e->recs_cap = 0;
    if (cfg->pin) cfg->pin(cfg->pin_ctx, 0);
    return 0;
}

void *coro_stackful_new_rec(struct coro_stackful *e, size_t rec_size, struct sb_err *err)
{
    size_t idx = e->s.spawned;
    if (idx >= e->recs_cap) {
        size_t cap = e->recs_cap ? e->recs_cap * 2 : 64;
        void **recs = realloc(e->recs, cap * sizeof *recs);
        if (!recs) {
            sb_err_set(err, "%s: out of memory tracking %zu tasks", e->s.base.ops->name, idx + 1);
            return NULL;
        }
        memset(recs + e->recs_cap, 0, (cap - e->recs_cap) * sizeof *recs);
        e->recs = recs;
        e->recs_cap = cap;
    }
    struct coro_stack *rec = calloc(1, rec_size);
    if (!rec) {
        sb_err_set(err, "%s: out of memory for task %zu", e->s.base.ops->name, idx);
        return NULL;
    }
    if (coro_stack_alloc(rec, e->s.cfg.stack_size, err, e->s.base.ops->name) != 0) {
        free(rec);
        return NULL;
    }
    e->recs[idx] = rec;
    return rec;
}

void coro_stackful_reap(struct coro_stackful *e)
{
    struct sb_task *t = e->s.zombies;
    e->s.zombies = NULL;
    while (t) {
        struct sb_task *next = t->sb_next;
        struct coro_stack *rec = t->sb_stack;
        coro_stack_free(rec);
        free(rec);
        e->recs[t->index] = NULL;
        t->sb_stack = NULL;
        t = next;
    }
}

void coro_stackful_close(struct coro_stackful *e)
{
    for (size_t i = 0; i < e->recs_cap; i++) {
        if (!e->recs[i]) continue;
        coro_stack_free(e->recs[i]);
        free(e->recs[i]);
    }
    free(e->recs);
    e->recs = NULL;
    coro_sched_destroy(&e->s);
}

int coro_stackful_stack_fault(struct sb_engine *eng, const void *addr)
{
    struct coro_stackful *e = (struct coro_stackful *)eng;
    struct sb_task *t = e->s.current;
    return t && t != &e->s.main_task && coro_stack_guard_hit(t->sb_stack, addr);
}

void coro_stackful_task_done(struct coro_stackful *e, struct sb_task *t)
{
    struct coro_sched *s = &e->s;
    t->sb_state = CORO_DONE;
    t->sb_pc = -1;
    s->alive--;
    t->sb_next = s->zombies;
    s->zombies = t;
    s->current = &s->main_task;
}
