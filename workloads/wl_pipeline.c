/* pipeline: producer -> K stages -> consumer through bounded channels
 * (claims C7, C12 in scripts/sbreport/claims/). With capacity 1 every item is a hand-off, the
 * yield of the tutorials' producer/consumer. One iteration is one item through the whole pipeline;
 * each stage adds 1 and the consumer checks every value. */
#include "sb_workload.h"

struct pl_state;

struct pl_task {
    struct sb_task t;
    struct pl_state *st;
    struct sb_chan *in, *out;
    uint64_t i, v;
};

struct pl_state {
    uint64_t items, stages;
    uint64_t received, bad;
    struct pl_task *tasks; /* producer, stages..., consumer */
};

static sb_ret pl_producer(struct sb_task *t)
{
    struct pl_task *me = (struct pl_task *)t;
    SB_BEGIN(t);
    for (me->i = 0; me->i < me->st->items; me->i++) SB_AWAIT(t, sb_send(t, me->out, me->i));
    SB_END(t);
}

static sb_ret pl_stage(struct sb_task *t)
{
    struct pl_task *me = (struct pl_task *)t;
    SB_BEGIN(t);
    for (me->i = 0; me->i < me->st->items; me->i++) {
        SB_AWAIT(t, sb_recv(t, me->in, &me->v));
        SB_AWAIT(t, sb_send(t, me->out, me->v + 1));
    }
    SB_END(t);
}

static sb_ret pl_consumer(struct sb_task *t)
{
    struct pl_task *me = (struct pl_task *)t;
    struct pl_state *st = me->st;
    SB_BEGIN(t);
    for (me->i = 0; me->i < st->items; me->i++) {
        SB_AWAIT(t, sb_recv(t, me->in, &me->v));
        if (me->v != me->i + st->stages) st->bad++;
        st->received++;
    }
    SB_END(t);
}

static int pl_setup(struct sb_run *run, const long long *params, uint64_t items, void **state,
                    struct sb_err *err)
{
    uint64_t stages = (uint64_t)params[0];
    unsigned cap = (unsigned)params[1];
    struct pl_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    uint64_t n = stages + 2;
    st->tasks = sb_run_alloc(run, n * sizeof *st->tasks, err);
    if (!st->tasks) return -1;
    st->items = items;
    st->stages = stages;
    for (uint64_t i = 0; i < n; i++) st->tasks[i].st = st;
    for (uint64_t i = 0; i + 1 < n; i++) {
        struct sb_chan *ch;
        if (sb_run_open_chan(run, cap, &ch, err) != 0) return -1;
        st->tasks[i].out = ch;
        st->tasks[i + 1].in = ch;
    }
    if (sb_run_spawn(run, &st->tasks[0].t, pl_producer, err) != 0) return -1;
    for (uint64_t i = 1; i + 1 < n; i++)
        if (sb_run_spawn(run, &st->tasks[i].t, pl_stage, err) != 0) return -1;
    if (sb_run_spawn(run, &st->tasks[n - 1].t, pl_consumer, err) != 0) return -1;
    *state = st;
    return 0;
}

static int pl_verify(void *state, struct sb_err *err)
{
    struct pl_state *st = state;
    if (st->received != st->items || st->bad) {
        sb_err_set(err, "pipeline: %llu of %llu items arrived, %llu wrong or out of order",
                   (unsigned long long)st->received, (unsigned long long)st->items,
                   (unsigned long long)st->bad);
        return -1;
    }
    return 0;
}

static const long long pl_stages[] = {0, 1, 4};
static const long long pl_stages_quick[] = {1};
static const long long pl_cap[] = {1, 64};
static const struct sb_param_def pl_params[] = {
    SB_PARAM("stages", "stages between producer and consumer", 0, 1000, pl_stages, pl_stages_quick),
    SB_PARAM("capacity", "channel capacity (1: every item a hand-off)", 1, 65536, pl_cap, pl_cap),
};

static void pl_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = (uint64_t)params[0] + 2;
    d->channels = (uint64_t)params[0] + 1;
}

const struct sb_workload sb_wl_pipeline = {
    .demand = pl_demand,
    .name = "pipeline",
    .summary = "producer -> K stages -> consumer over bounded channels; ns per item",
    .unit = "item",
    .rate_counter = "items_per_second",
    .params = pl_params,
    .n_params = SB_COUNT(pl_params),
    .iter_multiple = 1,
    /* C7 and C12 set coroutines against threads; packed on one core every
     * thread hand-off is a context switch, the case most favourable to the
     * claims, so the quick run measures threads across cores too. */
    .flags = SB_WL_QUICK_CROSS_CORE,
    .setup = pl_setup,
    .verify = pl_verify,
};
