/* Scheduler state shared by the coroutine engines: setup, channels, teardown. */
#include "coro_sched.h"

#include <stdlib.h>
#include <string.h>

int coro_sched_init(struct coro_sched *s, const struct sb_engine_ops *ops,
                    const struct sb_engine_config *cfg, struct sb_err *err)
{
    memset(s, 0, sizeof *s);
    s->base.ops = ops;
    s->cfg = *cfg;
    s->rq_cap = 64;
    s->rq = calloc(s->rq_cap, sizeof(struct sb_task *));
    if (!s->rq) {
        sb_err_set(err, "%s: out of memory for the ready queue", ops->name);
        return -1;
    }
    s->main_task.sb_engine = s;
    s->main_task.sb_state = CORO_READY;
    s->current = &s->main_task;
    return 0;
}

void coro_sched_destroy(struct coro_sched *s)
{
    struct coro_chan *ch = s->chans;
    while (ch) {
        struct coro_chan *next = ch->next_owned;
        free(ch->buf);
        free(ch);
        ch = next;
    }
    free(s->rq);
    s->rq = NULL;
}

int coro_rq_grow(struct coro_sched *s)
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

int coro_chan_open(struct sb_engine *e, unsigned capacity, struct sb_chan **out, struct sb_err *err)
{
    struct coro_sched *s = (struct coro_sched *)e;
    if (capacity == 0) {
        sb_err_set(err, "%s: channel capacity must be at least 1", e->ops->name);
        return -1;
    }
    struct coro_chan *ch = calloc(1, sizeof *ch);
    uint64_t *buf = calloc(capacity, sizeof *buf);
    if (!ch || !buf) {
        free(ch);
        free(buf);
        sb_err_set(err, "%s: out of memory for a channel of %u", e->ops->name, capacity);
        return -1;
    }
    ch->buf = buf;
    ch->cap = capacity;
    ch->next_owned = s->chans;
    s->chans = ch;
    *out = (struct sb_chan *)ch;
    return 0;
}

int coro_sched_add(struct coro_sched *s, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    /* Every live task can be in the ready queue at once; size it now so
     * the hot path never checks for room. */
    while (s->rq_cap < s->alive + 2) {
        if (coro_rq_grow(s) != 0) {
            sb_err_set(err, "%s: out of memory for the ready queue (%zu tasks)", s->base.ops->name, s->alive + 1);
            return -1;
        }
    }
    t->ops = s->base.ops->task_ops;
    t->body = body;
    t->sb_pc = 0;
    t->sb_go = 0;
    t->sb_engine = s;
    t->index = (uint32_t)s->spawned++;
    s->alive++;
    coro_make_ready(s, t);
    return 0;
}

void coro_sched_deadlock(const struct coro_sched *s, struct sb_err *err)
{
    sb_err_set(err, "%s: deadlock: %zu task(s) wait and none is ready", s->base.ops->name, s->alive);
}
