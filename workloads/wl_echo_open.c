/* echo-open: the echo server (wl_echo.c, the same tasks and the same
 * libuv baseline) under an open-loop load (claim C11 in
 * scripts/sbreport/claims/). The load generator offers `rate`
 * requests per second over `conns` connections on a constant schedule
 * and counts each request's latency from when it fell due, not from when
 * it could be sent (echo_pace.h): a server that falls behind shows its
 * queueing delay in p99, p99.9 and max, which a closed loop, waiting for
 * the server before it asks again, hides. Swept over the rate, the
 * latencies show where each engine saturates (the report's
 * latency-vs-offered-rate chart). One iteration is one round trip; the
 * time per round trip is 1/rate while the server keeps up, so the figures
 * to read are the latencies, and items_per_second against
 * offered_per_second says whether it kept up. */
#include "wl_echo.h"

enum { OPEN_CONNS, OPEN_MSG, OPEN_RATE, OPEN_N_PARAMS };

static int open_setup(struct sb_run *run, const long long *params, uint64_t round_trips,
                      void **state, struct sb_err *err)
{
    return echo_setup_with(run, params, round_trips, (uint64_t)params[OPEN_RATE], state, NULL, err);
}

static void open_report(void *state, struct sb_run *run)
{
    const struct echo_state *st = state;
    echo_report(state, run);
    sb_run_counter(run, "offered_per_second", (double)st->rate);
}

/* Every connection sends at least two requests, and a run has at least
 * 2,000 latencies, so that p99.9 rests on two or more of them. */
static uint64_t open_min_iterations(const long long *params)
{
    uint64_t n = (uint64_t)params[OPEN_CONNS] * 2;
    return n > 2000 ? n : 2000;
}

static const long long open_conns[] = {100, 1000};
/* The quick run: C11 asks about 1,000 connections or more, at a modest
 * rate (20 requests/s per connection) that asks whether the server keeps
 * up, not how far. Processes and references take the first size only
 * (plan.c): 100, because six repetitions of 1,000 connection processes
 * took 19.7 s, and three rates on every engine made the quick run 208 s
 * instead of 142. The knee is the full sweep's (--workload=echo-open). */
static const long long open_conns_quick[] = {100, 1000};
static const long long open_msg[] = {64};
/* Closed-loop echo reached 70,000-75,000 requests/s at 1,000 connections
 * on the 2-vCPU machine kind, so the sweep crosses that knee. */
static const long long open_rate[] = {5000, 10000, 20000, 40000, 60000, 80000, 120000};
static const long long open_rate_quick[] = {20000};
static const struct sb_param_def open_params[OPEN_N_PARAMS] = {
    SB_PARAM("conns", "open-loop connections", 1, 100000, open_conns, open_conns_quick),
    SB_PARAM("msg", "message size in bytes", 1, 1 << 20, open_msg, open_msg),
    SB_PARAM("rate", "requests offered per second over all connections", 1, 10000000, open_rate,
             open_rate_quick),
};

const struct sb_workload sb_wl_echo_open = {
    .demand = echo_demand,
    .name = "echo-open",
    .summary = "echo at a fixed offered rate (open loop); latency from each request's due time",
    .unit = "round trip",
    .rate_counter = "items_per_second",
    .flags = SB_WL_SHARDABLE,
    .params = open_params,
    .n_params = OPEN_N_PARAMS,
    .iter_multiple = 1,
    .min_iterations = open_min_iterations,
    .setup = open_setup,
    .baseline = echo_uv_serve,
    .external = echo_external,
    .verify = echo_verify,
    .explain = echo_explain,
    .report = open_report,
};
