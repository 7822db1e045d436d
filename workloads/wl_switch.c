/* switch: two tasks hand control to each other with the engine's cheapest
 * honest primitive (direct coroutine switch, futex hand-off between threads
 * or processes). One iteration is one one-way switch. */
#include "sb_workload.h"

struct sw_state;

/* Switch k (from 1) is made by side k % 2 == 1 ? A : B. Each side knows
 * its own count and whether it makes the last switch, so no counter is
 * shared between the two: a shared one would chain every switch to the
 * previous one through memory and be measured along with it. */
struct sw_task {
    struct sb_task t;
    struct sw_task *peer;
    uint64_t quota, i;
    int waits_first, makes_last;
};

struct sw_state {
    uint64_t n;
    struct sw_task side[2];
};

static int sw_body(struct sb_task *t)
{
    struct sw_task *me = (struct sw_task *)t;
    SB_BEGIN(t);
    if (me->waits_first) SB_AWAIT(t, sb_handoff(t, NULL));
    for (me->i = 0; me->i < me->quota; me->i++) {
        if (me->makes_last && me->i + 1 == me->quota) {
            /* The last switch: the peer wakes and finishes. */
            sb_wake(t, &me->peer->t);
            me->i++;
            break;
        }
        SB_AWAIT(t, sb_handoff(t, &me->peer->t));
    }
    SB_END(t);
}

static int sw_setup(struct sb_run *run, const long long *params, uint64_t n, void **state, struct sb_err *err)
{
    (void)params;
    struct sw_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->n = n;
    for (int i = 0; i < 2; i++) {
        st->side[i].peer = &st->side[1 - i];
        st->side[i].waits_first = i == 1;
        st->side[i].quota = i == 0 ? (n + 1) / 2 : n / 2;
        st->side[i].makes_last = (int)(n % 2) == (i == 0 ? 1 : 0);
    }
    for (int i = 0; i < 2; i++)
        if (sb_run_spawn(run, &st->side[i].t, sw_body, err) != 0) return -1;
    *state = st;
    return 0;
}

static int sw_verify(void *state, struct sb_err *err)
{
    struct sw_state *st = state;
    uint64_t a = st->side[0].i, b = st->side[1].i;
    if (a + b != st->n || a != (st->n + 1) / 2 || b != st->n / 2) {
        sb_err_set(err, "switch: expected %llu switches (%llu + %llu), counted %llu + %llu", (unsigned long long)st->n,
                   (unsigned long long)((st->n + 1) / 2), (unsigned long long)(st->n / 2), (unsigned long long)a,
                   (unsigned long long)b);
        return -1;
    }
    return 0;
}

const struct sb_workload sb_wl_switch = {
    .name = "switch",
    .summary = "two tasks hand control to each other; ns per one-way switch",
    .unit = "switch",
    .rate_counter = "switches_per_second",
    .iter_multiple = 1,
    .setup = sw_setup,
    .verify = sw_verify,
};
