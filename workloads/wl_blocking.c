/* blocking: one task makes a blocking system call (nanosleep, not the
 * engine's sleep) while the others run short work units and stamp their
 * progress (claim C9 in scripts/sbreport/claims/). One iteration is one blocking call. The
 * record's headline is max_stall_us: the longest any other task went without progress. On one
 * coroutine scheduler it is the whole call. */
#include <errno.h>
#include <time.h>

#include "sb_workload.h"

#define BL_UNIT_STEPS 2048u

struct blocking_state;

struct blocking_task {
    struct sb_task t;
    struct blocking_state *st;
    uint64_t i, last, max_gap, units, units_blocked, x, epoch;
};

struct blocking_state {
    uint64_t calls, block_ns, others;
    uint64_t epoch, progressed; /* workers that did a unit since epoch began */
    uint32_t blocking, done;
    struct blocking_task *tasks; /* [0] blocks, the rest work */
};

static sb_ret blocking_blocker(struct sb_task *t)
{
    struct blocking_task *me = (struct blocking_task *)t;
    struct blocking_state *st = me->st;
    SB_BEGIN(t);
    for (me->i = 0; me->i < st->calls; me->i++) {
        /* Block only once every other task is running, so the stall they
         * see is the call's and not their start-up. */
        __atomic_store_n(&st->progressed, 0, __ATOMIC_RELEASE);
        __atomic_fetch_add(&st->epoch, 1, __ATOMIC_ACQ_REL);
        while (__atomic_load_n(&st->progressed, __ATOMIC_ACQUIRE) < st->others)
            SB_AWAIT(t, sb_yield(t));
        struct timespec ts = {(time_t)(st->block_ns / 1000000000u),
                              (long)(st->block_ns % 1000000000u)};
        __atomic_store_n(&st->blocking, 1, __ATOMIC_RELEASE);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        __atomic_store_n(&st->blocking, 0, __ATOMIC_RELEASE);
        SB_AWAIT(t, sb_yield(t));
    }
    __atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
    SB_END(t);
}

static sb_ret blocking_worker(struct sb_task *t)
{
    struct blocking_task *me = (struct blocking_task *)t;
    struct blocking_state *st = me->st;
    SB_BEGIN(t);
    me->last = sb_now_ns();
    while (!__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
        uint64_t x = me->x;
        for (unsigned k = 0; k < BL_UNIT_STEPS; k++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        me->x = x;
        uint64_t now = sb_now_ns();
        if (now - me->last > me->max_gap) me->max_gap = now - me->last;
        me->last = now;
        me->units++;
        if (__atomic_load_n(&st->blocking, __ATOMIC_ACQUIRE)) me->units_blocked++;
        uint64_t epoch = __atomic_load_n(&st->epoch, __ATOMIC_ACQUIRE);
        if (me->epoch != epoch) { /* our first unit since the blocker asked */
            me->epoch = epoch;
            __atomic_fetch_add(&st->progressed, 1, __ATOMIC_ACQ_REL);
        }
        SB_AWAIT(t, sb_yield(t));
    }
    SB_END(t);
}

static int blocking_setup(struct sb_run *run, const long long *params, uint64_t calls, void **state,
                          struct sb_err *err)
{
    uint64_t others = (uint64_t)params[0];
    struct blocking_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->tasks = sb_run_alloc(run, (others + 1) * sizeof *st->tasks, err);
    if (!st->tasks) return -1;
    st->calls = calls;
    st->others = others;
    st->block_ns = (uint64_t)params[1] * 1000000u;
    for (uint64_t i = 0; i <= others; i++) {
        st->tasks[i].st = st;
        st->tasks[i].x = i + 1;
        if (sb_run_spawn(run, &st->tasks[i].t, i ? blocking_worker : blocking_blocker, err) != 0)
            return -1;
    }
    *state = st;
    return 0;
}

static int blocking_verify(void *state, struct sb_err *err)
{
    struct blocking_state *st = state;
    if (!st->done) {
        sb_err_set(err, "blocking: the blocking task did not finish its %llu calls",
                   (unsigned long long)st->calls);
        return -1;
    }
    for (uint64_t i = 1; i <= st->others; i++) {
        if (st->tasks[i].units == 0) {
            sb_err_set(err, "blocking: task %llu never ran a unit", (unsigned long long)i);
            return -1;
        }
    }
    return 0;
}

static void blocking_report(void *state, struct sb_run *run)
{
    struct blocking_state *st = state;
    uint64_t max_gap = 0, blocked = 0;
    for (uint64_t i = 1; i <= st->others; i++) {
        if (st->tasks[i].max_gap > max_gap) max_gap = st->tasks[i].max_gap;
        blocked += st->tasks[i].units_blocked;
    }
    sb_run_counter(run, "max_stall_us", (double)max_gap / 1e3);
    sb_run_counter(run, "stall_over_call", (double)max_gap / (double)st->block_ns);
    sb_run_counter(run, "units_during_calls", (double)blocked);
}

static const long long blocking_others[] = {3};
static const long long blocking_ms[] = {50};
static const struct sb_param_def blocking_params[] = {
    SB_PARAM("tasks", "tasks working beside the blocking one", 1, 100000, blocking_others,
             blocking_others),
    SB_PARAM("block_ms", "length of each blocking call, in ms", 1, 60000, blocking_ms, blocking_ms),
};

static void blocking_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = (uint64_t)params[0];
}

const struct sb_workload sb_wl_blocking = {
    .demand = blocking_demand,
    .name = "blocking",
    .summary = "one task blocks in nanosleep while others work; the longest stall they saw",
    .unit = "blocking call",
    .rate_counter = "calls_per_second",
    .flags = SB_WL_SHARDABLE,
    .params = blocking_params,
    .n_params = SB_COUNT(blocking_params),
    .iter_multiple = 1,
    .setup = blocking_setup,
    .verify = blocking_verify,
    .report = blocking_report,
};
