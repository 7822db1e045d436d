/* What the two kernel-scheduled engines share: in `threads` and
 * `processes` a task is an OS thread or process that waits on its own
 * futex word, private (`shared` false) or in memory shared between
 * processes (true). Only channels, spawning and reaping differ. */
#ifndef SB_KERNEL_TASKS_H
#define SB_KERNEL_TASKS_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "blocking_io.h"
#include "futex.h"
#include "sb_engine.h"

/* The values a start gate opens with: tasks wait at it from spawn (so
 * creating them stays outside the timed run) until run, or until close
 * lets them go without running their bodies. */
enum { KERNEL_GATE_RUN = 1, KERNEL_GATE_ABORT = 2 };

static inline sb_ret kernel_handoff(struct sb_task *t, struct sb_task *peer, bool shared)
{
    if (peer) sb_futex_post(&peer->sb_posted, shared);
    sb_futex_take(&t->sb_posted, shared);
    return SB_OK;
}

static inline sb_ret kernel_wake(struct sb_task *peer, bool shared)
{
    sb_futex_post(&peer->sb_posted, shared);
    return SB_OK;
}

/* One side of the bare loop: two tasks bounce a futex hand-off, side 1
 * resumed first, and catch the ball (sb_bare_catch) at every resume; the
 * futex orders the ball's plain accesses. */
static inline void kernel_bare_side(uint32_t go[2], uint64_t *ball, unsigned me, uint64_t rounds,
                                    bool shared)
{
    unsigned other = 1 - me;
    for (uint64_t i = 0; i < rounds; i++) {
        if (me == 0) {
            sb_futex_post(&go[other], shared);
            sb_futex_take(&go[me], shared);
            sb_bare_catch(ball, me);
        } else {
            sb_futex_take(&go[me], shared);
            sb_bare_catch(ball, me);
            sb_futex_post(&go[other], shared);
        }
    }
}

/* The task operations of a kernel-scheduled engine `prefix`, which
 * defines prefix##_send, _recv and _spawn_child: a yield is sched_yield,
 * a hand-off and a wake the futex above, sleep and IO block in the kernel
 * (blocking_io.h). */
#define KERNEL_TASK_OPS(ops_name, prefix, shared)                           \
    static sb_ret prefix##_yield(struct sb_task *t)                         \
    {                                                                       \
        (void)t;                                                            \
        sched_yield();                                                      \
        return SB_OK;                                                       \
    }                                                                       \
    static sb_ret prefix##_handoff(struct sb_task *t, struct sb_task *peer) \
    {                                                                       \
        return kernel_handoff(t, peer, shared);                             \
    }                                                                       \
    static sb_ret prefix##_wake(struct sb_task *t, struct sb_task *peer)    \
    {                                                                       \
        (void)t;                                                            \
        return kernel_wake(peer, shared);                                   \
    }                                                                       \
    static const struct sb_task_ops ops_name = {                            \
        .yield = prefix##_yield,                                            \
        .handoff = prefix##_handoff,                                        \
        .wake = prefix##_wake,                                              \
        .send = prefix##_send,                                              \
        .recv = prefix##_recv,                                              \
        .sleep = sb_blocking_sleep,                                         \
        .wait_fd = sb_blocking_wait_fd,                                     \
        .close_fd = sb_blocking_close_fd,                                   \
        .spawn = prefix##_spawn_child,                                      \
    }

#endif
