/* bare: the engine's switch primitive in a tight loop, with no task API,
 * scheduler or channel around it. The floor `switch` is measured against:
 * their ratio is the price of the task API and the scheduler.
 *
 * The engine's two sides hand a ball along (sb_bare_catch in sb_engine.h);
 * verify checks that every switch alternated, so that a loop that skipped
 * or doubled a switch fails its record. */
#include <stdint.h>

#include "sb_engine.h"
#include "sb_workload.h"

struct bare_state {
    uint64_t switches;
    uint64_t ball;
};

static int bare_setup(struct sb_run *run, const long long *params, uint64_t n, void **state,
                      struct sb_err *err)
{
    (void)params;
    struct bare_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->switches = n;
    *state = st;
    return 0;
}

static int bare_timed(struct sb_run *run, void *state, uint64_t n, struct sb_err *err)
{
    struct bare_state *st = state;
    return sb_run_bare_loop(run, n, &st->ball, err);
}

static int bare_verify(void *state, struct sb_err *err)
{
    const struct bare_state *st = state;
    if (st->ball != st->switches) {
        sb_err_set(err, "bare: %llu switches, but %llu resumes in turn and %llu out of turn",
                   (unsigned long long)st->switches,
                   (unsigned long long)(st->ball % SB_BARE_MISSED),
                   (unsigned long long)(st->ball / SB_BARE_MISSED));
        return -1;
    }
    return 0;
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
