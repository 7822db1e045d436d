/* The coroutine engines' channels: bounded FIFO buffers with queues of
 * parked senders and receivers. Opening and freeing are here; send and
 * receive are inline in coro_sched.h, on the hot path. */
#include "coro_sched.h"

#include <stdlib.h>

int coro_chan_open(struct sb_engine *eng, unsigned capacity, struct sb_chan **out,
                   struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    /* A channel's hand-off is single-threaded (no lock): it cannot join
     * tasks on two schedulers, so it refuses rather than trust the plan. */
    if (e->nworkers > 1) {
        sb_err_set(err, "%s: channels join tasks of one scheduler; this run has %u workers",
                   eng->ops->name, e->nworkers);
        return -1;
    }
    if (capacity == 0) {
        sb_err_set(err, "%s: channel capacity must be at least 1", eng->ops->name);
        return -1;
    }
    struct coro_chan *ch = calloc(1, sizeof *ch);
    uint64_t *buf = calloc(capacity, sizeof *buf);
    if (!ch || !buf) {
        free(ch);
        free(buf);
        sb_err_set(err, "%s: out of memory for a channel of %u", eng->ops->name, capacity);
        return -1;
    }
    ch->buf = buf;
    ch->cap = capacity;
    ch->next_owned = e->chans;
    e->chans = ch;
    *out = (struct sb_chan *)ch;
    return 0;
}

void coro_chan_free_all(struct coro_chan *ch)
{
    while (ch) {
        struct coro_chan *next = ch->next_owned;
        free(ch->buf);
        free(ch);
        ch = next;
    }
}
