#include "run.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "crash.h"

/* Task structs and workload state come from one shared anonymous mapping,
 * the same for every engine so that no engine pays for memory the others
 * don't; only the processes engine needs it shared. MAP_NORESERVE: pages
 * are committed as they are touched. */
#define SB_ARENA_BYTES ((size_t)8 << 30)

struct sb_clock {
    int64_t start_ns, stop_ns; /* 0 until a task sets them */
};

struct sb_run {
    const struct sb_run_spec *spec;
    struct sb_engine *eng;
    char *arena;
    size_t used;
    struct sb_clock *clock; /* in the arena, when the workload asked for one */
};

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

struct sb_clock *sb_run_clock(struct sb_run *run)
{
    if (!run->clock) {
        struct sb_err err = {{0}};
        run->clock = sb_run_alloc(run, sizeof *run->clock, &err);
    }
    return run->clock;
}

void sb_clock_start(struct sb_clock *c) { __atomic_store_n(&c->start_ns, mono_ns(), __ATOMIC_RELEASE); }
void sb_clock_stop(struct sb_clock *c) { __atomic_store_n(&c->stop_ns, mono_ns(), __ATOMIC_RELEASE); }

void *sb_run_alloc(struct sb_run *run, size_t size, struct sb_err *err)
{
    size_t at = (run->used + 63) & ~(size_t)63;
    if (size > SB_ARENA_BYTES || at > SB_ARENA_BYTES - size) {
        sb_err_set(err, "task memory exhausted: %zu bytes requested, %zu in use of %zu", size, run->used,
                   SB_ARENA_BYTES);
        return NULL;
    }
    run->used = at + size;
    return run->arena + at; /* fresh anonymous pages are zero */
}

int sb_run_chan(struct sb_run *run, unsigned capacity, struct sb_chan **out, struct sb_err *err)
{
    return run->eng->ops->chan_open(run->eng, capacity, out, err);
}

int sb_run_spawn(struct sb_run *run, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    return run->eng->ops->spawn(run->eng, t, body, err);
}

int sb_run_bare_loop(struct sb_run *run, uint64_t switches, struct sb_err *err)
{
    if (!run->eng->ops->bare_loop) {
        sb_err_set(err, "%s has no bare switch loop", run->eng->ops->name);
        return -1;
    }
    return run->eng->ops->bare_loop(run->eng, switches, err);
}

int sb_run_engine_has(const struct sb_run *run, unsigned caps)
{
    return (run->eng->ops->caps & caps) == caps;
}

static double ts_ns(const struct timespec *t) { return (double)t->tv_sec * 1e9 + (double)t->tv_nsec; }
static double tv_ns(const struct timeval *t) { return (double)t->tv_sec * 1e9 + (double)t->tv_usec * 1e3; }

static double cpu_now_ns(void)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return tv_ns(&self.ru_utime) + tv_ns(&self.ru_stime) + tv_ns(&kids.ru_utime) + tv_ns(&kids.ru_stime);
}

int sb_run_repetition(const struct sb_run_spec *spec, uint64_t iterations, struct sb_sample *out, struct sb_err *err)
{
    const struct sb_workload *w = spec->workload;
    struct sb_run run = {.spec = spec};
    void *state = NULL;
    int rc = -1;
    err->msg[0] = '\0';

    run.arena = mmap(NULL, SB_ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (run.arena == MAP_FAILED) {
        sb_err_set(err, "cannot map task memory: %s", strerror(errno));
        return -1;
    }
    if (spec->engine->open(&spec->cfg, &run.eng, err) != 0) goto unmap;
    sb_crash_set_engine(run.eng);
    if (w->setup(&run, spec->params, iterations, &state, err) != 0) goto close;

    struct timespec t0, t1;
    double c0 = cpu_now_ns();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int timed_rc = w->timed ? w->timed(&run, iterations, err) : run.eng->ops->run(run.eng, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double c1 = cpu_now_ns();
    if (timed_rc != 0) goto close;
    if (w->verify(state, err) != 0) goto close;
    out->iterations = iterations;
    out->real_ns = ts_ns(&t1) - ts_ns(&t0);
    if (run.clock) {
        int64_t start = __atomic_load_n(&run.clock->start_ns, __ATOMIC_ACQUIRE);
        int64_t stop = __atomic_load_n(&run.clock->stop_ns, __ATOMIC_ACQUIRE);
        if (start == 0 || stop < start) {
            sb_err_set(err, "%s: the workload asked for manual timing but did not start and stop its clock", w->name);
            goto close;
        }
        out->real_ns = (double)(stop - start);
    }
    out->cpu_ns = c1 - c0;
    rc = 0;
close:
    sb_crash_set_engine(NULL);
    run.eng->ops->close(run.eng);
unmap:
    munmap(run.arena, SB_ARENA_BYTES);
    if (rc != 0 && !err->msg[0]) sb_err_set(err, "%s/%s failed without a reason", w->name, spec->engine->name);
    return rc;
}
