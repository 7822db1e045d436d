/* selftest-echo-die: the echo server, whose connection tasks kill their
 * process after ten echoes, to check that a server dying mid-run becomes
 * an error record and stops the load generator instead of hanging the
 * run (tests/cli_test.sh). Its own connection body, so the measured echo
 * body carries no test hook. */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "wl_echo.h"

/* Echo whole messages as they come; after ten, die. Small messages on
 * loopback arrive and leave whole, and any failure ends in the kill all
 * the same, which is all this test needs. */
static sb_ret echo_conn_dying(struct sb_task *t)
{
    struct echo_conn *me = (struct echo_conn *)t;
    struct echo_state *st = me->st;
    SB_BEGIN(t);
    while (me->echoed < 10 * st->msg_size) {
        SB_AWAIT(t, sb_wait_fd(t, me->fd, SB_READABLE, SB_NO_TIMEOUT));
        me->n = read(me->fd, me->buf, st->msg_size);
        if (me->n == 0 || (me->n < 0 && errno != EAGAIN && errno != EINTR)) break;
        if (me->n > 0 && write(me->fd, me->buf, (size_t)me->n) == me->n)
            me->echoed += (uint64_t)me->n;
    }
    raise(SIGKILL);
    SB_END(t);
}

static int echo_die_setup(struct sb_run *run, const long long *params, uint64_t round_trips,
                          void **state, struct sb_err *err)
{
    return echo_setup_with(run, params, round_trips, 0, state, echo_conn_dying, err);
}

const struct sb_workload sb_wl_selftest_echo_die = {
    .name = "selftest-echo-die",
    .summary = "echo whose connection tasks kill themselves after 10 echoes (server death test)",
    .unit = "round trip",
    .rate_counter = "items_per_second",
    .flags = SB_WL_HIDDEN,
    .params = echo_params,
    .n_params = ECHO_N_PARAMS,
    .iter_multiple = 1,
    .min_iterations = echo_min_iterations,
    .setup = echo_die_setup,
    .verify = echo_verify,
    .explain = echo_explain,
    .report = echo_report,
};
