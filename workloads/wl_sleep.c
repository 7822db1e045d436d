/* sleep: N tasks each sleep S at the same time, as gevent.sleep's example
 * (claim C8 in scripts/sbreport/claims/). One iteration is one round in which every task sleeps
 * S once. Every task checks with CLOCK_MONOTONIC that it slept at least S.
 *
 * The clock runs from the start of the run until the last sleeper wakes
 * from its last sleep; N threads or processes exiting afterwards are not
 * sleeping. A memory probe on another core measures the run half-way
 * through the first round, while all N sleep. */
#include <math.h>
#include <stdbool.h>

#include "late_hist.h"
#include "sb_workload.h"

struct sleep_state;

struct sleep_task {
    struct sb_task t;
    struct sleep_state *st;
    uint64_t round, t0, early, late_max, late_sum;
};

struct sleep_state {
    uint64_t n, rounds, sleep_ns;
    uint64_t finished; /* tasks done with every round */
    /* The first round: the last sleeper to start and the first to wake,
     * so the memory probe's reading counts only when all N slept at it. */
    uint64_t last_start_ns, first_wake_ns;
    double mem_before, kmem_before;
    const struct sb_memory_probe *peak;
    struct sb_clock *clock;
    struct sleep_task *tasks;
    struct late_hist *late; /* every wake's lateness, for percentiles */
};

static sb_ret sleep_body(struct sb_task *t)
{
    struct sleep_task *me = (struct sleep_task *)t;
    struct sleep_state *st = me->st;
    SB_BEGIN(t);
    for (me->round = 0; me->round < st->rounds; me->round++) {
        me->t0 = sb_now_ns();
        if (me->round == 0) {
            uint64_t seen = __atomic_load_n(&st->last_start_ns, __ATOMIC_RELAXED);
            while (me->t0 > seen &&
                   !__atomic_compare_exchange_n(&st->last_start_ns, &seen, me->t0, true,
                                                __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
        }
        SB_AWAIT(t, sb_sleep(t, st->sleep_ns));
        uint64_t woke = sb_now_ns(), slept = woke - me->t0;
        if (me->round == 0) {
            uint64_t seen = __atomic_load_n(&st->first_wake_ns, __ATOMIC_RELAXED);
            while (woke < seen &&
                   !__atomic_compare_exchange_n(&st->first_wake_ns, &seen, woke, true,
                                                __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
        }
        if (slept < st->sleep_ns)
            me->early++;
        else {
            uint64_t late = slept - st->sleep_ns;
            me->late_sum += late;
            if (late > me->late_max) me->late_max = late;
            late_hist_add(st->late, late);
        }
    }
    if (__atomic_add_fetch(&st->finished, 1, __ATOMIC_ACQ_REL) == st->n) sb_clock_stop(st->clock);
    SB_END(t);
}

static int sleep_setup(struct sb_run *run, const long long *params, uint64_t rounds, void **state,
                       struct sb_err *err)
{
    uint64_t n = (uint64_t)params[0];
    struct sleep_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->tasks = sb_run_alloc(run, n * sizeof *st->tasks, err);
    if (!st->tasks) return -1;
    st->late = sb_run_alloc(run, sizeof *st->late, err);
    if (!st->late) return -1;
    st->clock = sb_run_manual_clock(run);
    st->n = n;
    st->first_wake_ns = UINT64_MAX;
    st->rounds = rounds;
    st->sleep_ns = (uint64_t)params[1] * 1000000u;
    /* One memory definition with spawn's: user plus kernel. The probe's
     * helper is forked first: it shares the benchmark process's pages
     * without being counted, so a baseline read before it split them
     * counted whole what every later reading counts in part (one sleeper
     * on the processes engine once came out 158 kB below zero). The
     * kernel's method is opened before it (it may join a cgroup, from
     * setup only, and the helper must read it too), both baselines taken
     * after it, the kernel's first. */
    (void)sb_run_kernel_memory_bytes(run);
    if (sb_run_memory_probe(run, st->sleep_ns / 2, &st->peak, err) != 0) return -1;
    st->kmem_before = sb_run_kernel_memory_bytes(run);
    st->mem_before = sb_run_memory_bytes(run, NULL);
    for (uint64_t i = 0; i < n; i++) {
        st->tasks[i].st = st;
        if (sb_run_spawn(run, &st->tasks[i].t, sleep_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int sleep_verify(void *state, struct sb_err *err)
{
    struct sleep_state *st = state;
    uint64_t early = 0;
    for (uint64_t i = 0; i < st->n; i++) early += st->tasks[i].early;
    if (st->finished != st->n || early) {
        sb_err_set(err, "sleep: %llu of %llu tasks finished; %llu sleeps ended early",
                   (unsigned long long)st->finished, (unsigned long long)st->n,
                   (unsigned long long)early);
        return -1;
    }
    return 0;
}

static void sleep_report(void *state, struct sb_run *run)
{
    struct sleep_state *st = state;
    uint64_t late_max = 0;
    double late_sum = 0;
    for (uint64_t i = 0; i < st->n; i++) {
        if (st->tasks[i].late_max > late_max) late_max = st->tasks[i].late_max;
        late_sum += (double)st->tasks[i].late_sum;
    }
    sb_run_counter(run, "late_max_us", (double)late_max / 1e3);
    /* Each sleeper's lateness past its due time: C8 judges these, not a
     * wall-time overhead divided by N (a fixed wake-up delay over N shrank
     * with N while every sleeper's delay grew). */
    sb_run_counter(run, "late_p50_us", late_hist_quantile_ns(st->late, 0.50, late_max) / 1e3);
    sb_run_counter(run, "late_p99_us", late_hist_quantile_ns(st->late, 0.99, late_max) / 1e3);
    sb_run_counter(run, "late_mean_us", late_sum / (double)(st->n * st->rounds) / 1e3);
    sb_run_counter(run, "sleep_ms", (double)st->sleep_ns / 1e6);
    /* A reading taken before every sleeper slept or after one woke (a
     * sleep of a few ms, shorter than the probe's way to its reading) is
     * not the memory of N sleeping tasks: no figure, rather than a wrong one. */
    bool all_asleep = st->peak->at_ns >= st->last_start_ns && st->peak->at_ns < st->first_wake_ns;
    if (st->peak->user_bytes >= 0 && all_asleep && st->n >= SB_MEMORY_MIN_TASKS) {
        double user = (st->peak->user_bytes - st->mem_before) / (double)st->n;
        double kernel = (st->peak->kernel_bytes - st->kmem_before) / (double)st->n;
        sb_run_counter(run, "memory_kb", st->peak->user_bytes / 1024);
        sb_run_counter(run, "user_bytes_per_task", user);
        /* NAN (not measured) leaves both counters out of the record. */
        sb_run_counter(run, "kernel_bytes_per_task", kernel);
        sb_run_counter(run, "bytes_per_task", isnan(kernel) ? NAN : user + kernel);
    }
}

static const long long sleep_tasks[] = {2, 100, 1000, 10000, 100000};
static const long long sleep_tasks_quick[] = {100, 1000};
static const long long sleep_ms[] = {100};
static const struct sb_param_def sleep_params[] = {
    SB_PARAM("tasks", "tasks sleeping at once", 1, 10000000, sleep_tasks, sleep_tasks_quick),
    SB_PARAM("sleep_ms", "how long each sleeps, in ms", 1, 600000, sleep_ms, sleep_ms),
};

static void sleep_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = (uint64_t)params[0];
}

const struct sb_workload sb_wl_sleep = {
    .demand = sleep_demand,
    .name = "sleep",
    .summary = "N tasks sleep S at once; ns per round (all N sleeping S), lateness, memory",
    .unit = "round",
    .rate_counter = "rounds_per_second",
    .flags = SB_WL_SHARDABLE,
    .params = sleep_params,
    .n_params = SB_COUNT(sleep_params),
    .iter_multiple = 1,
    .setup = sleep_setup,
    .verify = sleep_verify,
    .report = sleep_report,
};
