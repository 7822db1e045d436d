/* The task services a workload calls (sb_workload.h): memory from the
 * repetition's arena, channels, spawning, the bare loop, what the engine
 * is, and user counters. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "run_state.h"
#include "sb_loadgen.h"

void sb__run_as_limit_text(char *buf, size_t len)
{
    struct rlimit r;
    buf[0] = '\0';
    if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
        snprintf(buf, len, "; the address-space limit (ulimit -v) is %llu KiB",
                 (unsigned long long)(r.rlim_cur / 1024));
}

void *sb_run_alloc(struct sb_run *run, size_t size, struct sb_err *err)
{
    size_t at = (run->used + 63) & ~(size_t)63;
    if (size > run->arena_bytes || at > run->arena_bytes - size) {
        char limit[96];
        sb__run_as_limit_text(limit, sizeof limit);
        sb_err_set(err, "task memory exhausted: %zu bytes requested, %zu in use of %zu%s", size,
                   run->used, run->arena_bytes, limit);
        return NULL;
    }
    run->used = at + size;
    return run->arena + at; /* fresh anonymous pages are zero */
}

int sb_run_open_chan(struct sb_run *run, unsigned capacity, struct sb_chan **out,
                     struct sb_err *err)
{
    return run->eng->ops->chan_open(run->eng, capacity, out, err);
}

int sb_run_spawn(struct sb_run *run, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    return run->eng->ops->spawn(run->eng, t, body, err);
}

int sb_run_bare_loop(struct sb_run *run, uint64_t switches, uint64_t *ball, struct sb_err *err)
{
    if (!run->eng->ops->bare_loop) {
        sb_err_set(err, "%s has no bare switch loop", run->eng->ops->name);
        return -1;
    }
    return run->eng->ops->bare_loop(run->eng, switches, ball, err);
}

int sb_run_spawn_failure(const struct sb_run *run, struct sb_err *err)
{
    const struct sb_engine_ops *ops = run->eng ? run->eng->ops : NULL;
    return ops && ops->spawn_failure ? ops->spawn_failure(run->eng, err) : -1;
}

int sb_run_engine_has(const struct sb_run *run, unsigned caps)
{
    return (run->eng->ops->caps & caps) == caps;
}

int sb_run_engine_external(const struct sb_run *run)
{
    return run->spec->engine->exec_argv != NULL;
}

const struct sb_loadgen *sb_run_loadgen(struct sb_run *run)
{
    if (run->spec->loadgen) run->loaded_remotely = true;
    return run->spec->loadgen;
}

unsigned sb_run_workers(const struct sb_run *run)
{
    unsigned w = run->spec->cfg.workers;
    return (run->eng->ops->caps & SB_CAP_WORKERS) && w > 1 ? w : 1;
}

void sb_run_counter(struct sb_run *run, const char *name, double value)
{
    struct sb__sample *s = run->out;
    if (s->ncounters == SB_MAX_COUNTERS) return;
    snprintf(s->counters[s->ncounters].name, sizeof s->counters[0].name, "%s", name);
    s->counters[s->ncounters].value = value;
    s->ncounters++;
}
