/* ring: N tasks pass a token around a ring of channels. One iteration is
 * one hop. Hop k lands at task k mod N, so every task knows in advance how
 * many tokens it receives and which values they carry.
 *
 * The first lap (N hops) is a warm-up and is not timed: the first run of N
 * threads or processes (a thundering herd on the start gate, page faults of
 * freshly forked processes) costs far more than a lap of steady hops and is
 * start-up, not passing a token. The clock starts when the warm-up token is
 * back at task 0 and stops when the last hop lands. A poison token then goes
 * round once more, untimed, and every task exits on it: tasks that exited
 * as soon as their own last token passed would compete for the CPU with
 * the hops still being timed (an exiting process costs far more than a hop). */
#include "sb_workload.h"

#define RING_POISON UINT64_MAX

struct ring_state;

struct ring_task {
    struct sb_task t;
    struct ring_state *st;
    struct sb_chan *in, *out;
    uint64_t expected, received, next_value, v, bad;
    int poisoner;
};

struct ring_state {
    uint64_t hops; /* timed hops */
    uint64_t n;
    struct ring_task *tasks;
    struct sb_clock *clock;
};

static sb_ret ring_body(struct sb_task *t)
{
    struct ring_task *me = (struct ring_task *)t;
    struct ring_state *st = me->st;
    SB_BEGIN(t);
    if (me == &st->tasks[0]) SB_AWAIT(t, sb_send(t, me->out, 1));
    for (;;) {
        SB_AWAIT(t, sb_recv(t, me->in, &me->v));
        if (me->v == RING_POISON) {
            if (!me->poisoner) SB_AWAIT(t, sb_send(t, me->out, RING_POISON));
            break;
        }
        me->received++;
        if (me->v != me->next_value) me->bad++;
        me->next_value += st->n;
        if (me->v == st->n) sb_clock_start(st->clock); /* the warm-up lap is done */
        if (me->v < st->n + st->hops) {
            SB_AWAIT(t, sb_send(t, me->out, me->v + 1));
        } else {
            sb_clock_stop(st->clock); /* the last hop has landed */
            me->poisoner = 1;
            SB_AWAIT(t, sb_send(t, me->out, RING_POISON));
        }
    }
    SB_END(t);
}

static int ring_setup(struct sb_run *run, const long long *params, uint64_t hops, void **state,
                      struct sb_err *err)
{
    uint64_t n = (uint64_t)params[0];
    struct ring_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->tasks = sb_run_alloc(run, n * sizeof *st->tasks, err);
    if (!st->tasks) return -1;
    st->clock = sb_run_manual_clock(run);
    if (!st->clock) {
        sb_err_set(err, "ring: no memory for the clock");
        return -1;
    }
    st->hops = hops;
    st->n = n;
    uint64_t last = n + hops; /* warm-up lap, then the timed hops */
    for (uint64_t i = 0; i < n; i++) {
        struct ring_task *rt = &st->tasks[i];
        rt->st = st;
        if (sb_run_open_chan(run, 1, &rt->in, err) != 0) return -1;
        uint64_t first = i ? i : n; /* the first hop that lands here */
        rt->next_value = first;
        rt->expected = first <= last ? (last - first) / n + 1 : 0;
    }
    for (uint64_t i = 0; i < n; i++) st->tasks[i].out = st->tasks[(i + 1) % n].in;
    for (uint64_t i = 0; i < n; i++)
        if (sb_run_spawn(run, &st->tasks[i].t, ring_body, err) != 0) return -1;
    *state = st;
    return 0;
}

static int ring_verify(void *state, struct sb_err *err)
{
    struct ring_state *st = state;
    uint64_t total = 0;
    for (uint64_t i = 0; i < st->n; i++) {
        const struct ring_task *rt = &st->tasks[i];
        if (rt->received != rt->expected || rt->bad) {
            sb_err_set(err,
                       "ring: task %llu received %llu tokens (expected %llu), %llu out of order",
                       (unsigned long long)i, (unsigned long long)rt->received,
                       (unsigned long long)rt->expected, (unsigned long long)rt->bad);
            return -1;
        }
        total += rt->received;
    }
    uint64_t want = st->n + st->hops;
    if (total != want) {
        sb_err_set(err, "ring: %llu hops counted, expected %llu (%llu warm-up + %llu timed)",
                   (unsigned long long)total, (unsigned long long)want, (unsigned long long)st->n,
                   (unsigned long long)st->hops);
        return -1;
    }
    return 0;
}

static uint64_t ring_min_iterations(const long long *params) { return (uint64_t)params[0]; }

static const long long ring_sweep[] = {2, 10, 100, 1000, 10000};
static const long long ring_quick[] = {2, 100, 10000};
static const struct sb_param_def ring_params[] = {
    SB_PARAM("tasks", "tasks in the ring", 2, 1000000, ring_sweep, ring_quick),
};

static void ring_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = d->channels = (uint64_t)params[0];
}

const struct sb_workload sb_wl_ring = {
    .demand = ring_demand,
    .name = "ring",
    .summary = "N tasks pass a token around a ring of channels; ns per hop (after one untimed lap)",
    .unit = "hop",
    .rate_counter = "switches_per_second",
    .params = ring_params,
    .n_params = SB_COUNT(ring_params),
    .iter_multiple = 1,
    .min_iterations = ring_min_iterations,
    .setup = ring_setup,
    .verify = ring_verify,
};
