/* The coroutine scheduler shared by asm, ucontext and stackless.
 *
 * One ready queue (a growable ring of task pointers), channels with wait
 * queues, and the hand-off semaphore. The three engines differ only in how
 * control moves between tasks; that difference is passed to the generic
 * operations below as `park`/`resume` callbacks. They are static inline
 * and called with constant function arguments, so the compiler inlines the
 * switch of each engine into its operations: no indirect call on the hot
 * path, and still one copy of the scheduling logic.
 */
#ifndef SB_CORO_SCHED_H
#define SB_CORO_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_engine.h"

enum coro_state {
    CORO_READY = 0,   /* in the ready queue, or running */
    CORO_WAIT_HANDOFF,
    CORO_WAIT_CHAN,
    CORO_DONE,
};

struct coro_stack; /* engines/coro_stack.h */

struct coro_chan {
    uint64_t *buf;
    uint32_t cap, head, len;
    struct sb_task *recv_head, *recv_tail;
    struct sb_task *send_head, *send_tail;
    struct coro_chan *next_owned;
};

struct coro_sched {
    struct sb_engine base;
    struct sb_engine_config cfg;
    struct sb_task **rq;
    size_t rq_cap, rq_head, rq_len;
    struct sb_task *current;
    size_t alive, spawned;
    struct coro_chan *chans;
    struct sb_task main_task; /* the scheduler's own context (stackful engines) */
    struct sb_task *zombies;  /* finished stackful tasks whose stacks await release */
    bool stackless;
};

int coro_sched_init(struct coro_sched *s, const struct sb_engine_ops *ops,
                    const struct sb_engine_config *cfg, bool stackless, struct sb_err *err);
void coro_sched_destroy(struct coro_sched *s);
int coro_rq_grow(struct coro_sched *s);
int coro_chan_open(struct sb_engine *e, unsigned capacity, struct sb_chan **out, struct sb_err *err);
/* Register a spawned task as ready. */
int coro_sched_add(struct coro_sched *s, struct sb_task *t, sb_body_fn body, struct sb_err *err);
void coro_sched_deadlock(const struct coro_sched *s, struct sb_err *err);

static inline struct coro_sched *coro_of(struct sb_task *t) { return (struct coro_sched *)t->sb_engine; }

static inline void coro_rq_push(struct coro_sched *s, struct sb_task *t)
{
    /* The queue never holds more tasks than were spawned, and it was sized
     * for them at spawn time, so this never needs to grow here. */
    s->rq[(s->rq_head + s->rq_len) & (s->rq_cap - 1)] = t;
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
    if (*tail) (*tail)->sb_next = t;
    else *head = t;
    *tail = t;
}

static inline void coro_waitq_wake_one(struct coro_sched *s, struct sb_task **head, struct sb_task **tail)
{
    struct sb_task *t = *head;
    if (!t) return;
    *head = t->sb_next;
    if (!*head) *tail = NULL;
    coro_make_ready(s, t);
}

/* How a stackful engine gives up the CPU: switch_fn(s, self, next) moves
 * from self to next and returns SB_OK when self is resumed. A stackless
 * engine never switches; the generic code returns SB_PARKED instead.
 *
 * Where resuming means the operation is done, the operations end with
 * `return sw(...)`: with the asm engines that is a tail call into the
 * switch, and the resumed task continues in its own caller with no `ret`
 * for the return-stack buffer to mispredict. */
typedef int (*coro_switch_fn)(struct coro_sched *s, struct sb_task *self, struct sb_task *next);

/* A stackful park: straight to the next ready task, or back to the
 * scheduler loop when nothing is ready. */
static inline int coro_park_stackful(struct coro_sched *s, struct sb_task *self, coro_switch_fn sw)
{
    struct sb_task *next = coro_rq_pop(s);
    if (!next) next = &s->main_task;
    return sw(s, self, next);
}

/* On re-entry after SB_PARKED a stackless engine sets sb_resumed; the
 * operation then knows its first half already happened. */
static inline bool coro_take_resumed(struct sb_task *t)
{
    bool r = t->sb_resumed != 0;
    t->sb_resumed = 0;
    return r;
}

static inline int coro_yield(struct sb_task *t, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    if (s->stackless) {
        if (coro_take_resumed(t)) return SB_OK;
        if (s->rq_len == 0) return SB_OK;
        coro_rq_push(s, t);
        return SB_PARKED;
    }
    if (s->rq_len == 0) return SB_OK; /* the only runnable task keeps running */
    /* Directly to the next ready task: no round trip through the scheduler. */
    coro_rq_push(s, t);
    struct sb_task *next = coro_rq_pop(s);
    return sw(s, t, next);
}

static inline int coro_handoff(struct sb_task *t, struct sb_task *peer, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    if (s->stackless && coro_take_resumed(t)) return SB_OK; /* woken by a post */
    if (peer) {
        if (peer->sb_state == CORO_WAIT_HANDOFF) {
            if (!s->stackless && !t->sb_go) {
                /* The fast path: peer is waiting for us and we will wait
                 * for it, so switch straight to it. */
                t->sb_state = CORO_WAIT_HANDOFF;
                peer->sb_state = CORO_READY;
                return sw(s, t, peer);
            }
            coro_make_ready(s, peer);
        } else if (peer->sb_state != CORO_DONE) {
            peer->sb_go = 1;
        }
    }
    if (t->sb_go) {
        t->sb_go = 0;
        return SB_OK;
    }
    t->sb_state = CORO_WAIT_HANDOFF;
    if (s->stackless) return SB_PARKED;
    return coro_park_stackful(s, t, sw);
}

/* Post without waiting: never switches, on any coroutine engine. */
static inline int coro_wake(struct sb_task *t, struct sb_task *peer)
{
    struct coro_sched *s = coro_of(t);
    if (peer->sb_state == CORO_WAIT_HANDOFF) coro_make_ready(s, peer);
    else if (peer->sb_state != CORO_DONE) peer->sb_go = 1;
    return SB_OK;
}

static inline int coro_send(struct sb_task *t, struct sb_chan *chan, uint64_t v, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    struct coro_chan *ch = (struct coro_chan *)chan;
    if (s->stackless) (void)coro_take_resumed(t);
    for (;;) {
        if (ch->len < ch->cap) {
            uint32_t at = ch->head + ch->len;
            if (at >= ch->cap) at -= ch->cap;
            ch->buf[at] = v;
            ch->len++;
            coro_waitq_wake_one(s, &ch->recv_head, &ch->recv_tail);
            return SB_OK;
        }
        t->sb_state = CORO_WAIT_CHAN;
        coro_waitq_push(&ch->send_head, &ch->send_tail, t);
        if (s->stackless) return SB_PARKED;
        (void)coro_park_stackful(s, t, sw);
    }
}

static inline int coro_recv(struct sb_task *t, struct sb_chan *chan, uint64_t *v, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    struct coro_chan *ch = (struct coro_chan *)chan;
    if (s->stackless) (void)coro_take_resumed(t);
    for (;;) {
        if (ch->len > 0) {
            *v = ch->buf[ch->head];
            ch->head = ch->head + 1 == ch->cap ? 0 : ch->head + 1;
            ch->len--;
            coro_waitq_wake_one(s, &ch->send_head, &ch->send_tail);
            return SB_OK;
        }
        t->sb_state = CORO_WAIT_CHAN;
        coro_waitq_push(&ch->recv_head, &ch->recv_tail, t);
        if (s->stackless) return SB_PARKED;
        (void)coro_park_stackful(s, t, sw);
    }
}

#endif
