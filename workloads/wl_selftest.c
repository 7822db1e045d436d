/* Hidden workloads that misbehave on purpose, so the tests can check that
 * the harness turns a hang, a crash, a stack overflow and a wrong result
 * into error records and goes on. Run only when named. */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "sb_workload.h"

struct st_task {
    struct sb_task t;
    long long depth;
    uint64_t n;
};

static int st_setup_one(struct sb_run *run, sb_body_fn body, long long depth, void **state,
                        struct sb_err *err)
{
    struct st_task *t = sb_run_alloc(run, sizeof *t, err);
    if (!t) return -1;
    t->depth = depth;
    if (sb_run_spawn(run, &t->t, body, err) != 0) return -1;
    *state = t;
    return 0;
}

static sb_ret hang_body(struct sb_task *t)
{
    SB_BEGIN(t);
    for (;;) SB_AWAIT(t, sb_yield(t));
    SB_END(t);
}

static sb_ret crash_body(struct sb_task *t)
{
    SB_BEGIN(t);
    raise(SIGSEGV);
    SB_END(t);
}

/* Big frames so the guard page is reached in few calls; the volatile
 * array and the use after the call keep it a real recursion. */
static __attribute__((noinline)) long recurse(long long depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth <= 0) return frame[0];
    return recurse(depth - 1) + frame[0];
}

static sb_ret overflow_body(struct sb_task *t)
{
    struct st_task *me = (struct st_task *)t;
    SB_BEGIN(t);
    me->n = (uint64_t)recurse(me->depth);
    SB_END(t);
}

static sb_ret wrong_body(struct sb_task *t)
{
    SB_BEGIN(t);
    SB_END(t);
}

static int hang_setup(struct sb_run *r, const long long *p, uint64_t n, void **s, struct sb_err *e)
{
    (void)p;
    (void)n;
    return st_setup_one(r, hang_body, 0, s, e);
}
static int crash_setup(struct sb_run *r, const long long *p, uint64_t n, void **s, struct sb_err *e)
{
    (void)p;
    (void)n;
    return st_setup_one(r, crash_body, 0, s, e);
}
static int overflow_setup(struct sb_run *r, const long long *p, uint64_t n, void **s,
                          struct sb_err *e)
{
    (void)n;
    return st_setup_one(r, overflow_body, p[0], s, e);
}
/* Under --workers=2: a task that does nothing on the first scheduler, and
 * the overflowing one on the second, a worker thread of its own. */
static int overflow_worker_setup(struct sb_run *r, const long long *p, uint64_t n, void **s,
                                 struct sb_err *e)
{
    (void)n;
    if (st_setup_one(r, wrong_body, 0, s, e) != 0) return -1;
    return st_setup_one(r, overflow_body, p[0], s, e);
}
/* Closes every descriptor past the standard ones, the pipe to the runner
 * among them, and never exits: the runner sees end-of-file from a process
 * that is still there (its wait after end-of-file has a deadline). */
static int mute_setup(struct sb_run *r, const long long *p, uint64_t n, void **s, struct sb_err *e)
{
    (void)r;
    (void)p;
    (void)n;
    (void)s;
    (void)e;
    close_range(3, ~0u, 0);
    for (;;) {
        if (pause() < 0 && errno != EINTR) return -1;
    }
}
static int wrong_setup(struct sb_run *r, const long long *p, uint64_t n, void **s, struct sb_err *e)
{
    (void)p;
    (void)n;
    return st_setup_one(r, wrong_body, 0, s, e);
}

static int ok_verify(void *state, struct sb_err *err)
{
    (void)state;
    (void)err;
    return 0;
}

static int wrong_verify(void *state, struct sb_err *err)
{
    struct st_task *t = state;
    sb_err_set(err, "selftest-wrong: expected 1 message, counted %llu", (unsigned long long)t->n);
    return -1;
}

static const long long depth_default[] = {1000000};
static const struct sb_param_def overflow_params[] = {
    SB_PARAM("depth", "recursion depth (1 KiB frames)", 1, 100000000, depth_default, depth_default),
};

/* What every self-test shares: one iteration is one run of its task. */
#define ST_WORKLOAD(id, what)                                                                 \
    .name = (id), .summary = (what), .unit = "iteration", .rate_counter = "items_per_second", \
    .iter_multiple = 1

const struct sb_workload sb_wl_selftest_hang = {
    ST_WORKLOAD("selftest-hang", "never finishes (timeout test)"),
    .flags = SB_WL_HIDDEN,
    .setup = hang_setup,
    .verify = ok_verify,
};
const struct sb_workload sb_wl_selftest_mute = {
    ST_WORKLOAD("selftest-mute", "closes its pipe to the runner and never exits (deadline test)"),
    .flags = SB_WL_HIDDEN,
    .setup = mute_setup,
    .verify = ok_verify,
};
const struct sb_workload sb_wl_selftest_crash = {
    ST_WORKLOAD("selftest-crash", "raises SIGSEGV (crash test)"),
    .flags = SB_WL_HIDDEN,
    .setup = crash_setup,
    .verify = ok_verify,
};
const struct sb_workload sb_wl_selftest_overflow = {
    ST_WORKLOAD("selftest-overflow", "recurses past its stack (guard page test)"),
    .flags = SB_WL_HIDDEN,
    .params = overflow_params,
    .n_params = SB_COUNT(overflow_params),
    .setup = overflow_setup,
    .verify = ok_verify,
};
const struct sb_workload sb_wl_selftest_overflow_worker = {
    ST_WORKLOAD("selftest-overflow-worker",
                "recurses past its stack on a worker thread (--workers=2)"),
    .flags = SB_WL_HIDDEN | SB_WL_SHARDABLE,
    .params = overflow_params,
    .n_params = SB_COUNT(overflow_params),
    .setup = overflow_worker_setup,
    .verify = ok_verify,
};
const struct sb_workload sb_wl_selftest_wrong = {
    ST_WORKLOAD("selftest-wrong", "reports a wrong count (verification test)"),
    .flags = SB_WL_HIDDEN,
    .setup = wrong_setup,
    .verify = wrong_verify,
};

/* A counter the registry (harness/records/counter_list.h) does not list: the
 * record becomes an error naming it, not an unexplained column. */
static void odd_counter_report(void *state, struct sb_run *run)
{
    (void)state;
    sb_run_counter(run, "unregistered_figure", 1);
}
const struct sb_workload sb_wl_selftest_odd_counter = {
    ST_WORKLOAD("selftest-odd-counter", "reports a counter the registry lacks (registry test)"),
    .flags = SB_WL_HIDDEN,
    .setup = wrong_setup,
    .verify = ok_verify,
    .report = odd_counter_report,
};

/* Memory per task below zero (a peak below its baseline, as sleep on the
 * processes engine once measured): an error record with the figure, never
 * a median or a point on a chart. */
static void negative_size_report(void *state, struct sb_run *run)
{
    (void)state;
    sb_run_counter(run, "bytes_per_task", -32600);
}
const struct sb_workload sb_wl_selftest_negative_size = {
    ST_WORKLOAD("selftest-negative-size", "reports a negative memory figure (record test)"),
    .flags = SB_WL_HIDDEN,
    .setup = wrong_setup,
    .verify = ok_verify,
    .report = negative_size_report,
};
