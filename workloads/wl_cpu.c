/* cpu: W tasks each run a CPU kernel, optionally yielding every K units
 * (claims C3, C4 in scripts/sbreport/claims/). A unit is 1024 steps of a 64-bit linear
 * congruential generator: a chain of dependent multiplies no compiler folds away. Each task's final
 * state is checked against a jump-ahead computed in O(log n), so verification costs nothing next to
 * the work. One iteration is one unit; the units are shared out among the tasks. */
#include "sb_workload.h"

#define CPU_STEPS 1024u
#define LCG_A     6364136223846793005ULL
#define LCG_C     1442695040888963407ULL

struct cpu_state;

struct cpu_task {
    struct sb_task t;
    struct cpu_state *st;
    uint64_t units, u, x, seed;
};

struct cpu_state {
    uint64_t yield_every, ntasks;
    struct cpu_task *tasks;
};

static sb_ret cpu_body(struct sb_task *t)
{
    struct cpu_task *me = (struct cpu_task *)t;
    SB_BEGIN(t);
    for (me->u = 0; me->u < me->units; me->u++) {
        uint64_t x = me->x;
        for (unsigned i = 0; i < CPU_STEPS; i++) x = x * LCG_A + LCG_C;
        me->x = x;
        if (me->st->yield_every && (me->u + 1) % me->st->yield_every == 0) SB_AWAIT(t, sb_yield(t));
    }
    SB_END(t);
}

/* x after n steps of x = a*x + c, by squaring the affine map. */
static uint64_t lcg_jump(uint64_t x, uint64_t n)
{
    uint64_t a = LCG_A, c = LCG_C, ra = 1, rc = 0;
    while (n) {
        if (n & 1) {
            ra = ra * a;
            rc = rc * a + c;
        }
        c = c * (a + 1);
        a = a * a;
        n >>= 1;
    }
    return ra * x + rc;
}

static int cpu_setup(struct sb_run *run, const long long *params, uint64_t units, void **state,
                     struct sb_err *err)
{
    uint64_t w = (uint64_t)params[0];
    struct cpu_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->tasks = sb_run_alloc(run, w * sizeof *st->tasks, err);
    if (!st->tasks) return -1;
    st->ntasks = w;
    st->yield_every = (uint64_t)params[1];
    for (uint64_t i = 0; i < w; i++) {
        struct cpu_task *ct = &st->tasks[i];
        ct->st = st;
        ct->units = units / w + (i < units % w ? 1 : 0);
        ct->seed = ct->x = 0x9e3779b97f4a7c15ULL * (i + 1);
        if (sb_run_spawn(run, &ct->t, cpu_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int cpu_verify(void *state, struct sb_err *err)
{
    struct cpu_state *st = state;
    for (uint64_t i = 0; i < st->ntasks; i++) {
        const struct cpu_task *ct = &st->tasks[i];
        if (ct->x != lcg_jump(ct->seed, ct->units * CPU_STEPS)) {
            sb_err_set(err, "cpu: task %llu computed a wrong result over %llu units",
                       (unsigned long long)i, (unsigned long long)ct->units);
            return -1;
        }
    }
    return 0;
}

static uint64_t cpu_min_iterations(const long long *params) { return (uint64_t)params[0]; }

static const long long cpu_tasks[] = {1, 2, 4};
static const long long cpu_tasks_quick[] = {1, 2};
static const long long cpu_yield[] = {0, 16};
static const long long cpu_yield_quick[] = {16};
static const struct sb_param_def cpu_params[] = {
    SB_PARAM("tasks", "tasks computing at once", 1, 100000, cpu_tasks, cpu_tasks_quick),
    SB_PARAM("yield_every", "units between yields (0: never yield)", 0, 1000000000, cpu_yield,
             cpu_yield_quick),
};

static void cpu_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = (uint64_t)params[0];
}

const struct sb_workload sb_wl_cpu = {
    .demand = cpu_demand,
    .name = "cpu",
    .summary = "W tasks run a checked CPU kernel (1024 LCG steps per unit); ns per unit",
    .unit = "unit",
    .rate_counter = "items_per_second",
    .flags = SB_WL_SHARDABLE | SB_WL_SPREAD | SB_WL_QUICK_WORKERS | SB_WL_CORES,
    .params = cpu_params,
    .n_params = SB_COUNT(cpu_params),
    .iter_multiple = 1,
    .min_iterations = cpu_min_iterations,
    .setup = cpu_setup,
    .verify = cpu_verify,
};
