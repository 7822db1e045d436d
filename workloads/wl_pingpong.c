/* pingpong: two tasks exchange a token through two channels of capacity 1,
 * the producer/consumer hand-off. One iteration is one message (one
 * one-way hand-off); the values are checked on both sides. */
#include "sb_workload.h"

struct pp_state {
    uint64_t n;
    struct sb_chan *ping, *pong;
    struct pp_task {
        struct sb_task t;
        struct pp_state *st;
        uint64_t i, v, sent, received, bad;
    } side[2];
};

static sb_ret pp_pinger(struct sb_task *t)
{
    struct pp_task *me = (struct pp_task *)t;
    struct pp_state *st = me->st;
    SB_BEGIN(t);
    for (me->i = 1; 2 * me->i - 1 <= st->n; me->i++) {
        SB_AWAIT(t, sb_send(t, st->ping, me->i));
        me->sent++;
        if (2 * me->i <= st->n) {
            SB_AWAIT(t, sb_recv(t, st->pong, &me->v));
            me->received++;
            if (me->v != me->i) me->bad++;
        }
    }
    SB_END(t);
}

static sb_ret pp_ponger(struct sb_task *t)
{
    struct pp_task *me = (struct pp_task *)t;
    struct pp_state *st = me->st;
    SB_BEGIN(t);
    for (me->i = 1; 2 * me->i - 1 <= st->n; me->i++) {
        SB_AWAIT(t, sb_recv(t, st->ping, &me->v));
        me->received++;
        if (me->v != me->i) me->bad++;
        if (2 * me->i <= st->n) {
            SB_AWAIT(t, sb_send(t, st->pong, me->v));
            me->sent++;
        }
    }
    SB_END(t);
}

static int pp_setup(struct sb_run *run, const long long *params, uint64_t n, void **state,
                    struct sb_err *err)
{
    (void)params;
    struct pp_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->n = n;
    if (sb_run_open_chan(run, 1, &st->ping, err) != 0 ||
        sb_run_open_chan(run, 1, &st->pong, err) != 0)
        return -1;
    st->side[0].st = st->side[1].st = st;
    if (sb_run_spawn(run, &st->side[0].t, pp_pinger, err) != 0) return -1;
    if (sb_run_spawn(run, &st->side[1].t, pp_ponger, err) != 0) return -1;
    *state = st;
    return 0;
}

static int pp_verify(void *state, struct sb_err *err)
{
    struct pp_state *st = state;
    uint64_t pings = (st->n + 1) / 2, pongs = st->n / 2;
    const struct pp_task *a = &st->side[0], *b = &st->side[1];
    uint64_t bad = a->bad + b->bad;
    if (a->sent != pings || b->received != pings || b->sent != pongs || a->received != pongs ||
        bad) {
        sb_err_set(
            err,
            "pingpong: expected %llu pings and %llu pongs, counted %llu/%llu sent/received pings, "
            "%llu/%llu pongs, %llu wrong values",
            (unsigned long long)pings, (unsigned long long)pongs, (unsigned long long)a->sent,
            (unsigned long long)b->received, (unsigned long long)b->sent,
            (unsigned long long)a->received, (unsigned long long)bad);
        return -1;
    }
    return 0;
}

const struct sb_workload sb_wl_pingpong = {
    .name = "pingpong",
    .summary = "two tasks exchange a token through channels; ns per message",
    .unit = "message",
    .rate_counter = "switches_per_second",
    .iter_multiple = 1,
    .flags = SB_WL_QUICK_CROSS_CORE,
    .setup = pp_setup,
    .verify = pp_verify,
};
