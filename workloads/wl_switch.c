/* switch: two tasks hand control to each other with the engine's cheapest
 * honest primitive (direct coroutine switch, futex hand-off between threads
 * or processes). One iteration is one one-way switch. */
#include "wl_switch.h"

#include "sb_workload.h"

/* One SB_AWAIT, so one resume point (see SB_END), and one test per
 * switch: the side the last switch woke finds the count complete and
 * releases the other, which finds the same. Only `me` lives across the
 * hand-off (the state is read through it again), so a re-entered
 * stackless body saves one register. */
sb_ret sw_body(struct sb_task *t)
{
    struct sw_task *me = (struct sw_task *)t;
    SB_BEGIN(t);
    for (;;) {
        struct sb_task *to = NULL; /* side 1 starts by waiting */
        if (SB_UNLIKELY(me->waits_first)) {
            me->waits_first = 0;
        } else {
            struct sw_state *st = me->st;
            if (st->switches == st->n) {
                sb_wake(t, &me->peer->t);
                break;
            }
            st->switches++;
            me->handoffs++;
            to = &me->peer->t;
        }
        SB_AWAIT(t, sb_handoff(t, to));
    }
    SB_END(t);
}

void sw_state_init(struct sw_state *st, uint64_t n)
{
    st->n = n;
    st->switches = 0;
    for (int i = 0; i < 2; i++) {
        st->side[i].st = st;
        st->side[i].peer = &st->side[1 - i];
        st->side[i].handoffs = 0;
        st->side[i].waits_first = i == 1;
    }
}

static int sw_setup(struct sb_run *run, const long long *params, uint64_t n, void **state,
                    struct sb_err *err)
{
    (void)params;
    struct sw_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    sw_state_init(st, n);
    for (int i = 0; i < 2; i++)
        if (sb_run_spawn(run, &st->side[i].t, sw_body, err) != 0) return -1;
    *state = st;
    return 0;
}

static int sw_verify(void *state, struct sb_err *err)
{
    struct sw_state *st = state;
    uint64_t a = st->side[0].handoffs, b = st->side[1].handoffs;
    if (st->switches != st->n || a + b != st->n || a != (st->n + 1) / 2 || b != st->n / 2) {
        sb_err_set(err, "switch: expected %llu switches (%llu + %llu), counted %llu (%llu + %llu)",
                   (unsigned long long)st->n, (unsigned long long)((st->n + 1) / 2),
                   (unsigned long long)(st->n / 2), (unsigned long long)st->switches,
                   (unsigned long long)a, (unsigned long long)b);
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
