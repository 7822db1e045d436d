/* The coroutine scheduler shared by the engines that schedule their own
 * tasks: asm, asm-sharedfpu, ucontext, stackless and ref-fcontext.
 *
 * An engine instance (coro_engine) has one scheduler (coro_sched) per
 * worker thread: a ready queue (a growable ring of task pointers), a libuv
 * loop for timers and fd readiness, and its own main context. Their types
 * and the ready queue are in coro_core.h, below both this file and the IO
 * (coro_io.h), so that neither of the two includes the other. Channels and
 * hand-offs are single-threaded: with --workers the harness only runs
 * workloads whose tasks do not talk across workers.
 *
 * The engines differ only in how control moves between tasks; that
 * difference is passed to the generic operations below as a switch
 * function. They are static inline and called with a constant, so the
 * compiler inlines each engine's switch into its operations: no indirect
 * call on the hot path, and still one copy of the scheduling logic.
 */
#ifndef SB_CORO_SCHED_H
#define SB_CORO_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coro_core.h"
#include "coro_io.h"
#include "sb_engine.h"

int coro_engine_open(const struct sb_engine_ops *ops, const struct coro_kind *kind,
                     size_t engine_size, const struct sb_engine_config *cfg, struct sb_engine **out,
                     struct sb_err *err);
void coro_engine_close(struct sb_engine *e);
int coro_engine_spawn(struct sb_engine *e, struct sb_task *t, sb_body_fn body, struct sb_err *err);
/* sb_engine_ops.spawn_failure: the first stack a worker could not provide. */
int coro_engine_spawn_failure(struct sb_engine *e, struct sb_err *err);
int coro_engine_run(struct sb_engine *e, struct sb_err *err);
/* Channels (coro_chan.c): refused when the engine has more than one
 * worker (a channel's hand-off takes no lock). Freed with the engine. */
int coro_chan_open(struct sb_engine *e, unsigned capacity, struct sb_chan **out,
                   struct sb_err *err);
void coro_chan_free_all(struct coro_chan *chans);
int coro_stack_fault(struct sb_engine *e, const void *addr, const void *sp);
/* Add `t` to scheduler `s` as a new ready task. */
int coro_sched_add(struct coro_sched *s, struct sb_task *t, sb_body_fn body, struct sb_err *err);
void coro_sched_deadlock(struct coro_sched *s);
/* A task's body has returned: release its IO handles, count it out. */
void coro_task_finished(struct coro_sched *s, struct sb_task *t);
/* Stackful: a task's body has returned; the caller then switches to the
 * scheduler for the last time, which frees the stack (coro_sched_reap). */
void coro_stackful_exit(struct coro_sched *s, struct sb_task *t);
void coro_sched_reap(struct coro_sched *s);

sb_ret coro_spawn_child(struct sb_task *t, struct sb_task *child, sb_body_fn body);

/* How a stackful engine gives up the CPU: switch_fn(s, self, next) moves
 * from self to next and returns SB_OK when self is resumed. The stackless
 * engine passes NULL: it never switches, and the generic code returns
 * SB_PARKED instead. Each engine calls these with a constant, so the
 * compiler keeps only its own branch.
 *
 * A parked task is made ready only when its operation is complete: a
 * hand-off wait consumes the post that wakes it, a parked receiver is given
 * its value by the sender, a parked sender's value is moved into the buffer
 * by the receiver that makes room, a timer or fd callback leaves the
 * outcome in sb_result. Resuming therefore means "done", with no retry: the
 * operations end in `return sw(...)`, which for the asm engines is a tail
 * call into the switch, so the resumed task continues in its own caller
 * with no `ret` for the return-stack buffer to mispredict; and a stackless
 * task is re-entered after its operation. */
typedef sb_ret (*coro_switch_fn)(struct coro_sched *s, struct sb_task *self, struct sb_task *next);

/* Tasks that hand work to each other forever would keep the loop from
 * ever being polled; while anyone waits for IO, once every task that was
 * ready at the last poll has run, control goes back to the scheduler,
 * which polls without blocking. */
static inline bool coro_poll_due(struct coro_sched *s)
{
    return s->io_waiters && ++s->since_poll > s->poll_round;
}

/* A stackful park: straight to the next ready task, or back to the
 * scheduler loop when nothing is ready or the loop is due. */
static inline sb_ret coro_park_stackful(struct coro_sched *s, struct sb_task *self,
                                        coro_switch_fn sw)
{
    struct sb_task *next = coro_poll_due(s) ? NULL : coro_rq_pop(s);
    if (!next) next = &s->main_task;
    return sw(s, self, next);
}

static inline sb_ret coro_park(struct coro_sched *s, struct sb_task *self, coro_switch_fn sw)
{
    return sw ? coro_park_stackful(s, self, sw) : SB_PARKED;
}

static inline sb_ret coro_yield(struct sb_task *t, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    if (s->rq_len == 0 && !s->io_waiters) return SB_OK; /* the only runnable task keeps running */
    coro_rq_push(s, t);
    if (!sw) return SB_PARKED;
    /* Alone in the queue while others wait for IO: let the scheduler poll. */
    if (coro_poll_due(s) || s->rq_len == 1) return sw(s, t, &s->main_task);
    /* Directly to the next ready task: no round trip through the scheduler. */
    return sw(s, t, coro_rq_pop(s));
}

/* Post without waiting: never switches, on any coroutine engine. */
static inline sb_ret coro_wake(struct sb_task *t, struct sb_task *peer)
{
    struct coro_sched *s = coro_of(t);
    if (peer->sb_state == CORO_WAIT_HANDOFF)
        coro_make_ready(s, peer);
    else if (peer->sb_state != CORO_DONE)
        peer->sb_posted = 1;
    return SB_OK;
}

/* The common hand-off: the peer waits for us and we will wait for it, so
 * it runs next. True when that is the case (the states are then set and
 * the caller moves to the peer at once). */
static inline bool coro_handoff_direct(struct sb_task *t, struct sb_task *peer)
{
    if (__builtin_expect(peer->sb_state != CORO_WAIT_HANDOFF || t->sb_posted, 0)) return false;
    t->sb_state = CORO_WAIT_HANDOFF;
    peer->sb_state = CORO_READY;
    return true;
}

/* The second half of a hand-off whose peer was not waiting for t (and has
 * been posted to): go on if a post to t was pending (t resumes after its
 * operation), or park. The stackless engine calls it from its dispatch
 * loop (sw NULL). */
static inline sb_ret coro_handoff_wait(struct sb_task *t, coro_switch_fn sw)
{
    if (t->sb_posted) {
        t->sb_posted = 0;
        return SB_OK;
    }
    t->sb_state = CORO_WAIT_HANDOFF;
    return coro_park(coro_of(t), t, sw);
}

/* A stackful engine's hand-off: straight to the peer when it waits for t.
 * Written as two nested tests, not `peer && direct`: gcc then emits one
 * instruction fewer per switch (switch/asm 59 against 60 instructions,
 * callgrind). */
static inline sb_ret coro_handoff(struct sb_task *t, struct sb_task *peer, coro_switch_fn sw)
{
    if (peer) {
        if (coro_handoff_direct(t, peer)) return sw(coro_of(t), t, peer);
        (void)coro_wake(t, peer);
    }
    return coro_handoff_wait(t, sw);
}

static inline void coro_chan_put(struct coro_chan *ch, uint64_t v)
{
    uint32_t at = ch->head + ch->len;
    if (at >= ch->cap) at -= ch->cap;
    ch->buf[at] = v;
    ch->len++;
}

static inline sb_ret coro_send(struct sb_task *t, struct sb_chan *chan, uint64_t v,
                               coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    struct coro_chan *ch = (struct coro_chan *)chan;
    struct sb_task *r = ch->recv_head;
    if (r) {
        /* A receiver waits, so the buffer is empty: hand the value over. */
        ch->recv_head = r->sb_next;
        if (!ch->recv_head) ch->recv_tail = NULL;
        *r->sb_dest = v;
        coro_make_ready(s, r);
        return SB_OK;
    }
    if (ch->len < ch->cap) {
        coro_chan_put(ch, v);
        return SB_OK;
    }
    t->sb_val = v;
    t->sb_state = CORO_WAIT_CHAN;
    coro_waitq_push(&ch->send_head, &ch->send_tail, t);
    return coro_park(s, t, sw);
}

static inline sb_ret coro_recv(struct sb_task *t, struct sb_chan *chan, uint64_t *v,
                               coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    struct coro_chan *ch = (struct coro_chan *)chan;
    if (ch->len > 0) {
        *v = ch->buf[ch->head];
        ch->head = ch->head + 1 == ch->cap ? 0 : ch->head + 1;
        ch->len--;
        struct sb_task *w = ch->send_head;
        if (w) {
            /* Room now: the first parked sender's value goes in, in order. */
            ch->send_head = w->sb_next;
            if (!ch->send_head) ch->send_tail = NULL;
            coro_chan_put(ch, w->sb_val);
            coro_make_ready(s, w);
        }
        return SB_OK;
    }
    t->sb_dest = v;
    t->sb_state = CORO_WAIT_CHAN;
    coro_waitq_push(&ch->recv_head, &ch->recv_tail, t);
    return coro_park(s, t, sw);
}

static inline sb_ret coro_sleep(struct sb_task *t, uint64_t ns, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    coro_io_sleep(s, t, ns);
    return coro_park(s, t, sw);
}

static inline sb_ret coro_wait_fd(struct sb_task *t, int fd, unsigned events, uint64_t timeout_ns,
                                  coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    if (coro_io_wait_fd(s, t, fd, events, timeout_ns)) return SB_OK;
    return coro_park(s, t, sw);
}

/* The operation table of a coroutine engine: the generic operations with
 * the engine's switch (NULL for stackless) inlined into each. */
#define CORO_TASK_OPS(ops_name, prefix, sw)                              \
    static sb_ret prefix##_handoff(struct sb_task *t, struct sb_task *p) \
    {                                                                    \
        return coro_handoff(t, p, sw);                                   \
    }                                                                    \
    CORO_TASK_OPS_TABLE(ops_name, prefix, sw, prefix##_handoff)

/* The same, with the hand-off entry given (NULL: the scheduler performs
 * hand-off requests, see sb_task_ops.handoff). */
#define CORO_TASK_OPS_TABLE(ops_name, prefix, sw, handoff_op)                                      \
    static sb_ret prefix##_yield(struct sb_task *t) { return coro_yield(t, sw); }                  \
    static sb_ret prefix##_send(struct sb_task *t, struct sb_chan *c, uint64_t v)                  \
    {                                                                                              \
        return coro_send(t, c, v, sw);                                                             \
    }                                                                                              \
    static sb_ret prefix##_recv(struct sb_task *t, struct sb_chan *c, uint64_t *v)                 \
    {                                                                                              \
        return coro_recv(t, c, v, sw);                                                             \
    }                                                                                              \
    static sb_ret prefix##_sleep(struct sb_task *t, uint64_t ns) { return coro_sleep(t, ns, sw); } \
    static sb_ret prefix##_wait_fd(struct sb_task *t, int fd, unsigned ev, uint64_t to)            \
    {                                                                                              \
        return coro_wait_fd(t, fd, ev, to, sw);                                                    \
    }                                                                                              \
    static const struct sb_task_ops ops_name = {                                                   \
        .yield = prefix##_yield,                                                                   \
        .handoff = (handoff_op),                                                                   \
        .wake = coro_wake,                                                                         \
        .send = prefix##_send,                                                                     \
        .recv = prefix##_recv,                                                                     \
        .sleep = prefix##_sleep,                                                                   \
        .wait_fd = prefix##_wait_fd,                                                               \
        .close_fd = coro_close_fd,                                                                 \
        .spawn = coro_spawn_child,                                                                 \
    }

/* One worker's scheduler loop: run ready tasks with the engine's
 * dispatch (a switch, or a call of the body), poll the event loop when
 * nothing is ready (blocking) or when it is due (not blocking). A task
 * whose fd became ready runs during the poll itself (coro_io.c). */
static inline int coro_run_loop(struct coro_sched *s, coro_dispatch_fn dispatch)
{
    s->dispatch = dispatch;
    while (s->alive) {
        if (s->io_waiters && (s->rq_len == 0 || s->since_poll > s->poll_round)) {
            coro_io_poll(s, s->rq_len == 0);
            if (!s->alive) break; /* tasks run in the poll may have been the last */
        }
        struct sb_task *t = coro_rq_pop(s);
        if (!t) {
            if (s->io_waiters) continue;
            coro_sched_deadlock(s);
            return -1;
        }
        s->since_poll++;
        dispatch(s, t);
    }
    return s->err.msg[0] ? -1 : 0; /* a reap found an overflow (coro_sched_reap) */
}

#endif
