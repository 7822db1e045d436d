/* bare: the engine's switch primitive in a tight loop, with no task API,
 * scheduler or channel around it. The floor `switch` is measured against:
 * their ratio is the price of the task API and the scheduler. */
#include "sb_workload.h"

static int bare_setup(struct sb_run *run, const long long *params, uint64_t n, void **state,
                      struct sb_err *err)
{
    (void)run;
    (void)params;
    (void)n;
    (void)err;
    *state = NULL;
    return 0;
}

static int bare_timed(struct sb_run *run, uint64_t n, struct sb_err *err)
{
    return sb_run_bare_loop(run, n, err);
}

static int bare_verify(void *state, struct sb_err *err)
{
    (void)state;
    (void)err;
    return 0; /* each engine's bare loop checks its own count */
}

const struct sb_workload sb_wl_bare = {
    .name = "bare",
    .summary =
        "the engine's raw switch in a loop, without tasks or scheduler; ns per one-way switch",
    .unit = "switch",
    .rate_counter = "switches_per_second",
    .iter_multiple = 2,
    .setup = bare_setup,
    .timed = bare_timed,
    .requires_caps = SB_CAP_BARE_LOOP,
    .verify = bare_verify,
};
