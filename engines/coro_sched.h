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
};

int coro_sched_init(struct coro_sched *s, const struct sb_engine_ops *ops,
                    const struct sb_engine_config *cfg, struct sb_err *err);
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

static inline void coro_rq_push_front(struct coro_sched *s, struct sb_task *t)
{
    s->rq_head = (s->rq_head - 1) & (s->rq_cap - 1);
    s->rq[s->rq_head] = t;
    s->rq_len++;
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

/* How a stackful engine gives up the CPU: switch_fn(s, self, next) moves
 * from self to next and returns SB_OK when self is resumed. The stackless
 * engine passes NULL: it never switches, and the generic code returns
 * SB_PARKED instead. Each engine calls these with a constant, so the
 * compiler keeps only its own branch.
 *
 * A parked task is made ready only when its operation is complete: a
 * hand-off wait consumes the post that wakes it, a parked receiver is given
 * its value by the sender, a parked sender's value is moved into the buffer
 * by the receiver that makes room. Resuming therefore means "done", with no
 * retry: the operations end in `return sw(...)`, which for the asm engines
 * is a tail call into the switch, so the resumed task continues in its own
 * caller with no `ret` for the return-stack buffer to mispredict; and a
 * stackless task is re-entered after its operation. */
typedef int (*coro_switch_fn)(struct coro_sched *s, struct sb_task *self, struct sb_task *next);

/* A stackful park: straight to the next ready task, or back to the
 * scheduler loop when nothing is ready. */
static inline int coro_park_stackful(struct coro_sched *s, struct sb_task *self, coro_switch_fn sw)
{
    struct sb_task *next = coro_rq_pop(s);
    if (!next) next = &s->main_task;
    return sw(s, self, next);
}

static inline int coro_park(struct coro_sched *s, struct sb_task *self, coro_switch_fn sw)
{
    return sw ? coro_park_stackful(s, self, sw) : SB_PARKED;
}

static inline int coro_yield(struct sb_task *t, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    if (s->rq_len == 0) return SB_OK; /* the only runnable task keeps running */
    coro_rq_push(s, t);
    if (!sw) return SB_PARKED;
    /* Directly to the next ready task: no round trip through the scheduler. */
    return sw(s, t, coro_rq_pop(s));
}

/* Post without waiting: never switches, on any coroutine engine. */
static inline int coro_wake(struct sb_task *t, struct sb_task *peer)
{
    struct coro_sched *s = coro_of(t);
    if (peer->sb_state == CORO_WAIT_HANDOFF) coro_make_ready(s, peer);
    else if (peer->sb_state != CORO_DONE) peer->sb_go = 1;
    return SB_OK;
}

static inline int coro_handoff(struct sb_task *t, struct sb_task *peer, coro_switch_fn sw)
{
    struct coro_sched *s = coro_of(t);
    if (peer) {
        if (peer->sb_state == CORO_WAIT_HANDOFF && !t->sb_go) {
            /* Peer waits for us and we will wait for it: it runs next. A
             * stackful engine switches straight to it; the stackless one
             * puts it at the head of the queue, which is the same order. */
            t->sb_state = CORO_WAIT_HANDOFF;
            peer->sb_state = CORO_READY;
            if (sw) return sw(s, t, peer);
            coro_rq_push_front(s, peer);
            return SB_PARKED;
        }
        (void)coro_wake(t, peer);
    }
    if (t->sb_go) {
        t->sb_go = 0;
        return SB_OK;
    }
    t->sb_state = CORO_WAIT_HANDOFF;
    return coro_park(s, t, sw);
}

static inline void coro_chan_put(struct coro_chan *ch, uint64_t v)
{
    uint32_t at = ch->head + ch->len;
    if (at >= ch->cap) at -= ch->cap;
    ch->buf[at] = v;
    ch->len++;
}

static inline int coro_send(struct sb_task *t, struct sb_chan *chan, uint64_t v, coro_switch_fn sw)
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

static inline int coro_recv(struct sb_task *t, struct sb_chan *chan, uint64_t *v, coro_switch_fn sw)
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

#endif
