/* `libuv`: not an engine but a place in the registry for baselines, so a
 * workload's plain callback program is named, run and reported like any
 * engine (echo/libuv/conns:1000 beside echo/asm/conns:1000). It runs no
 * tasks; the harness runs the workload's `baseline` instead. */
#include <stdlib.h>

#include "sb_engine.h"

extern const struct sb_engine_ops sb_engine_libuv;

static int baseline_open(const struct sb_engine_config *cfg, struct sb_engine **out,
                         struct sb_err *err)
{
    (void)cfg;
    struct sb_engine *e = calloc(1, sizeof *e);
    if (!e) {
        sb_err_set(err, "libuv: out of memory");
        return -1;
    }
    e->ops = &sb_engine_libuv;
    *out = e;
    return 0;
}

static void baseline_close(struct sb_engine *e) { free(e); }

static int baseline_chan_open(struct sb_engine *e, unsigned capacity, struct sb_chan **out,
                              struct sb_err *err)
{
    (void)e;
    (void)capacity;
    (void)out;
    sb_err_set(err, "libuv is a baseline: it has no channels");
    return -1;
}

static int baseline_spawn(struct sb_engine *e, struct sb_task *t, sb_body_fn body,
                          struct sb_err *err)
{
    (void)e;
    (void)t;
    (void)body;
    sb_err_set(err, "libuv is a baseline: it runs no tasks");
    return -1;
}

static int baseline_run(struct sb_engine *e, struct sb_err *err)
{
    (void)e;
    sb_err_set(err, "libuv is a baseline: the workload's own program runs instead");
    return -1;
}

const struct sb_engine_ops sb_engine_libuv = {
    .name = "libuv",
    .summary = "baseline, not an engine: the workload as a plain libuv callback program (echo)",
    .mechanism = "libuv callbacks",
    .fpu = "n/a (one thread)",
    .caps = SB_CAP_BASELINE,
    .open = baseline_open,
    .close = baseline_close,
    .chan_open = baseline_chan_open,
    .spawn = baseline_spawn,
    .run = baseline_run,
};
