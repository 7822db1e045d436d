/* The stackless engine: protothread-style state machines. A task has no
 * stack of its own; the scheduler calls its body, which runs until an
 * operation must wait and then returns SB_BODY_PARKED. A "switch" is that
 * return plus the next indirect call from the scheduler loop. */
#include <stdlib.h>

#include "coro_sched.h"

extern const struct sb_engine_ops sb_engine_stackless;

static int sl_yield(struct sb_task *t) { return coro_yield(t, NULL); }
static int sl_handoff(struct sb_task *t, struct sb_task *p) { return coro_handoff(t, p, NULL); }
static int sl_send(struct sb_task *t, struct sb_chan *c, uint64_t v) { return coro_send(t, c, v, NULL); }
static int sl_recv(struct sb_task *t, struct sb_chan *c, uint64_t *v) { return coro_recv(t, c, v, NULL); }

static int sl_open(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err)
{
    struct coro_sched *s = calloc(1, sizeof *s);
    if (!s) {
        sb_err_set(err, "stackless: out of memory");
        return -1;
    }
    if (coro_sched_init(s, &sb_engine_stackless, cfg, err) != 0) {
        free(s);
        return -1;
    }
    if (cfg->pin) cfg->pin(cfg->pin_ctx, 0);
    *out = &s->base;
    return 0;
}

static void sl_close(struct sb_engine *e)
{
    coro_sched_destroy((struct coro_sched *)e);
    free(e);
}

static int sl_spawn(struct sb_engine *e, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    return coro_sched_add((struct coro_sched *)e, t, body, err);
}

static int sl_run(struct sb_engine *e, struct sb_err *err)
{
    struct coro_sched *s = (struct coro_sched *)e;
    while (s->alive) {
        struct sb_task *t = coro_rq_pop(s);
        if (!t) {
            coro_sched_deadlock(s, err);
            return -1;
        }
        s->current = t;
        if (t->body(t) == SB_DONE) {
            t->sb_state = CORO_DONE;
            s->alive--;
        }
    }
    s->current = &s->main_task;
    return 0;
}

/* The bare loop: two minimal state machines resumed alternately through a
 * function pointer, which is all a stackless switch is. */
struct sl_bare_machine {
    int pc;
    uint64_t resumes;
};

static __attribute__((noinline)) int sl_bare_step(struct sl_bare_machine *m)
{
    switch (m->pc) {
    case 0:
        m->pc = 1;
        m->resumes++;
        return 1;
    default:
        m->pc = 0;
        m->resumes++;
        return 1;
    }
}

static int sl_bare(struct sb_engine *e, uint64_t switches, struct sb_err *err)
{
    (void)e;
    struct sl_bare_machine m[2] = {{0, 0}, {0, 0}};
    int (*volatile step)(struct sl_bare_machine *) = sl_bare_step; /* keep the call indirect, as in sl_run */
    for (uint64_t i = 0; i < switches; i++) (void)step(&m[i & 1]);
    uint64_t resumed = m[0].resumes + m[1].resumes;
    if (resumed != switches) {
        sb_err_set(err, "stackless: bare loop resumed %llu times, expected %llu", (unsigned long long)resumed,
                   (unsigned long long)switches);
        return -1;
    }
    return 0;
}

static int sl_stack_fault(struct sb_engine *e, const void *addr)
{
    (void)e;
    (void)addr;
    return 0; /* no task stacks: an overflow is the scheduler's own */
}

static const struct sb_task_ops sl_task_ops = {sl_yield, sl_handoff, coro_wake, sl_send, sl_recv};

const struct sb_engine_ops sb_engine_stackless = {
    .name = "stackless",
    .summary = "protothread-style state machines: a switch is a return and an indirect call",
    .mechanism = "return + dispatch",
    .fpu = "shared (one thread, no per-task state)",
    .caps = SB_CAP_COOPERATIVE,
    .task_ops = &sl_task_ops,
    .open = sl_open,
    .close = sl_close,
    .chan_open = coro_chan_open,
    .spawn = sl_spawn,
    .run = sl_run,
    .stack_fault = sl_stack_fault,
    .bare_loop = sl_bare,
};
