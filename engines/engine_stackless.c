/* The stackless engine: protothread-style state machines. A task has no
 * stack of its own; the scheduler calls its body, which runs until an
 * operation must wait and then returns SB_PARKED. A "switch" is that
 * return plus the next indirect call from the scheduler loop. */
#include <stdlib.h>

#include "coro_sched.h"

extern const struct sb_engine_ops sb_engine_stackless;

/* No hand-off operation: sb_handoff returns a request and stackless_dispatch
 * performs it (see sb_task_ops.handoff). */
CORO_TASK_OPS_TABLE(stackless_task_ops, sl, NULL, NULL);

/* Run a task: call its body until it parks or is done. A body returns to
 * this loop at every operation that cannot complete at once, so the loop
 * is the stackless engine's switch: a hand-off request is carried out
 * here (the generic hand-off, inlined), and the task it chooses runs at
 * once, as a stackful engine would switch straight to it. */
static inline void stackless_dispatch(struct coro_sched *s, struct sb_task *t)
{
    for (;;) {
        sb_ret r = t->body(t);
        if (r & SB_HANDOFF_REQUEST) {
            struct sb_task *peer =
                (struct sb_task *)((uintptr_t)r & ~(uintptr_t)SB_HANDOFF_REQUEST);
            if (__builtin_expect(peer && coro_handoff_direct(t, peer), 1)) {
                t = peer;
                continue;
            }
            /* The peer was not waiting for t: post to it, then go on
             * or park. */
            if (peer) (void)coro_wake(t, peer);
            if (coro_handoff_wait(t, NULL) == SB_OK) continue;
            return;
        }
        /* Otherwise the body parked (SB_PARKED) or ended (SB_DONE). */
        if (r == SB_DONE) coro_task_finished(s, t);
        return;
    }
}

static int stackless_run_worker(struct coro_sched *s)
{
    return coro_run_loop(s, stackless_dispatch);
}

static const struct coro_kind stackless_kind = {
    .rec_size = 0, .prepare = NULL, .run_worker = stackless_run_worker};

static int stackless_open(const struct sb_engine_config *cfg, struct sb_engine **out,
                          struct sb_err *err)
{
    return coro_engine_open(&sb_engine_stackless, &stackless_kind, sizeof(struct coro_engine), cfg,
                            out, err);
}

/* The bare loop: two minimal machines resumed alternately through a
 * function pointer, which is all a stackless switch is. Each step names
 * the machine to resume next, and the loop follows it, as a scheduler
 * follows its run queue. */
static __attribute__((noinline)) unsigned stackless_bare_step(uint64_t *ball, unsigned me)
{
    sb_bare_catch(ball, me);
    return 1 - me;
}

static int stackless_bare(struct sb_engine *e, uint64_t switches, uint64_t *ball,
                          struct sb_err *err)
{
    (void)e;
    (void)err;
    unsigned (*volatile step)(uint64_t *, unsigned) =
        stackless_bare_step; /* keep the call indirect, as in the scheduler */
    unsigned next = 1;       /* side 1 first, as sb_engine_ops.bare_loop says */
    *ball = 0;
    for (uint64_t i = 0; i < switches; i++) next = step(ball, next);
    return 0;
}

const struct sb_engine_ops sb_engine_stackless = {
    .name = "stackless",
    .summary = "protothread-style state machines: a switch is a return and an indirect call",
    .mechanism = "return + dispatch",
    .fpu = "shared (one thread, no per-task state)",
    .caps = SB_CAP_COOPERATIVE | SB_CAP_WORKERS | SB_CAP_BARE_LOOP,
    .task_ops = &stackless_task_ops,
    .open = stackless_open,
    .close = coro_engine_close,
    .chan_open = coro_chan_open,
    .spawn = coro_engine_spawn,
    .spawn_failure = coro_engine_spawn_failure,
    .run = coro_engine_run,
    .bare_loop = stackless_bare,
};
