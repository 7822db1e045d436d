#include "run.h"

#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "crash.h"
#include "loadgen.h"
#include "proctree.h"

/* Task structs and workload state come from one shared anonymous mapping,
 * the same for every engine so that no engine pays for memory the others
 * don't; only the processes engine needs it shared. MAP_NORESERVE: pages
 * are committed as they are touched. */
#define SB_ARENA_BYTES ((size_t)8 << 30)

struct sb_clock {
    int64_t run_start_ns; /* when the timed run began */
    int64_t start_ns;     /* start of the open span, 0 when none is open */
    int64_t total_ns;     /* closed spans */
    int stops;
};

#define SB_MAX_HELPERS 4

struct sb_run {
    const struct sb_run_spec *spec;
    struct sb_engine *eng;
    char *arena;
    size_t used;
    struct sb_clock *clock; /* in the arena, when the workload asked for one */
    struct sb_sample *out;
    pid_t root; /* the benchmark process: memory is summed from here down */
    struct sb_helper helpers[SB_MAX_HELPERS];
    const char *helper_names[SB_MAX_HELPERS];
    int nhelpers;
    struct sb_loadgen_result *lg;
};

static pid_t *helper_pids(const struct sb_run *run, pid_t *buf)
{
    for (int i = 0; i < run->nhelpers; i++) buf[i] = run->helpers[i].pid;
    return buf;
}

int sb_run_loadgen(struct sb_run *run, const struct sb_loadgen_spec *spec,
                   struct sb_loadgen_result **out, struct sb_err *err)
{
    if (run->lg || run->nhelpers == SB_MAX_HELPERS) {
        sb_err_set(err, "one load generator per repetition");
        return -1;
    }
    struct sb_loadgen_result *r = sb_run_alloc(run, sizeof *r, err);
    if (!r) return -1;
    if (sb_loadgen_start(&run->helpers[run->nhelpers], spec, r, run->spec->cfg.pin_ctx, err) != 0)
        return -1;
    run->helper_names[run->nhelpers++] = "load generator";
    run->lg = r;
    *out = r;
    return 0;
}

struct probe_args {
    pid_t root;
    uint64_t delay_ns;
    double *out;
};

static int probe_main(void *p)
{
    struct probe_args *a = p;
    struct timespec ts = {(time_t)(a->delay_ns / 1000000000u), (long)(a->delay_ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    pid_t self = getpid();
    *a->out = sb_proc_tree_memory_bytes(a->root, &self, 1, NULL);
    return 0;
}

int sb_run_memory_probe(struct sb_run *run, uint64_t delay_ns, double **out, struct sb_err *err)
{
    if (run->nhelpers == SB_MAX_HELPERS) {
        sb_err_set(err, "too many helper processes");
        return -1;
    }
    struct {
        double bytes;
        uint32_t gate;
    } *slot = sb_run_alloc(run, sizeof *slot, err);
    if (!slot) return -1;
    slot->bytes = -1;
    struct probe_args a = {run->root, delay_ns, &slot->bytes};
    if (sb_helper_start(&run->helpers[run->nhelpers], &slot->gate, run->spec->cfg.pin_ctx,
                        probe_main, &a, err) != 0)
        return -1;
    run->helper_names[run->nhelpers++] = "memory probe";
    *out = &slot->bytes;
    return 0;
}

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

uint64_t sb_now_ns(void) { return (uint64_t)mono_ns(); }

struct sb_clock *sb_run_clock(struct sb_run *run)
{
    if (!run->clock) {
        struct sb_err err = {{0}};
        run->clock = sb_run_alloc(run, sizeof *run->clock, &err);
    }
    return run->clock;
}

/* Tasks of the threads and processes engines may call these concurrently;
 * a workload starts and stops from one task at a time, so plain atomics do. */
void sb_clock_start(struct sb_clock *c)
{
    __atomic_store_n(&c->start_ns, mono_ns(), __ATOMIC_RELEASE);
}

void sb_clock_stop(struct sb_clock *c)
{
    int64_t now = mono_ns();
    int64_t start = __atomic_exchange_n(&c->start_ns, 0, __ATOMIC_ACQ_REL);
    if (!start && !c->stops) start = __atomic_load_n(&c->run_start_ns, __ATOMIC_ACQUIRE);
    if (start) __atomic_fetch_add(&c->total_ns, now - start, __ATOMIC_ACQ_REL);
    __atomic_fetch_add(&c->stops, 1, __ATOMIC_ACQ_REL);
}

void *sb_run_alloc(struct sb_run *run, size_t size, struct sb_err *err)
{
    size_t at = (run->used + 63) & ~(size_t)63;
    if (size > SB_ARENA_BYTES || at > SB_ARENA_BYTES - size) {
        sb_err_set(err, "task memory exhausted: %zu bytes requested, %zu in use of %zu", size,
                   run->used, SB_ARENA_BYTES);
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

int sb_run_bare_loop(struct sb_run *run, uint64_t switches, uint64_t *ball, struct sb_err *err)
{
    if (!run->eng->ops->bare_loop) {
        sb_err_set(err, "%s has no bare switch loop", run->eng->ops->name);
        return -1;
    }
    return run->eng->ops->bare_loop(run->eng, switches, ball, err);
}

int sb_run_engine_has(const struct sb_run *run, unsigned caps)
{
    return (run->eng->ops->caps & caps) == caps;
}

unsigned sb_run_workers(const struct sb_run *run)
{
    unsigned w = run->spec->cfg.workers;
    return (run->eng->ops->caps & SB_CAP_WORKERS) && w > 1 ? w : 1;
}

void sb_run_counter(struct sb_run *run, const char *name, double value)
{
    struct sb_sample *s = run->out;
    if (s->ncounters == SB_MAX_COUNTERS) return;
    snprintf(s->counters[s->ncounters].name, sizeof s->counters[0].name, "%s", name);
    s->counters[s->ncounters].value = value;
    s->ncounters++;
}

double sb_run_memory_bytes(const struct sb_run *run)
{
    pid_t skip[SB_MAX_HELPERS];
    return sb_proc_tree_memory_bytes(run->root, helper_pids(run, skip), (size_t)run->nhelpers,
                                     NULL);
}

static double ts_ns(const struct timespec *t)
{
    return (double)t->tv_sec * 1e9 + (double)t->tv_nsec;
}
static double tv_ns(const struct timeval *t)
{
    return (double)t->tv_sec * 1e9 + (double)t->tv_usec * 1e3;
}

static double cpu_now_ns(void)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return tv_ns(&self.ru_utime) + tv_ns(&self.ru_stime) + tv_ns(&kids.ru_utime) +
           tv_ns(&kids.ru_stime);
}

int sb_run_repetition(const struct sb_run_spec *spec, uint64_t iterations, struct sb_sample *out,
                      struct sb_err *err)
{
    const struct sb_workload *w = spec->workload;
    struct sb_run run = {.spec = spec, .out = out, .root = getpid()};
    out->ncounters = 0;
    void *state = NULL;
    int rc = -1;
    err->msg[0] = '\0';

    run.arena = mmap(NULL, SB_ARENA_BYTES, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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
    if (run.clock)
        __atomic_store_n(&run.clock->run_start_ns, (int64_t)ts_ns(&t0), __ATOMIC_RELEASE);
    for (int i = 0; i < run.nhelpers; i++) sb_helper_go(&run.helpers[i]);
    int timed_rc = (spec->engine->caps & SB_CAP_BASELINE)
                       ? w->baseline(&run, state, iterations, err)
                   : w->timed ? w->timed(&run, state, iterations, err)
                              : run.eng->ops->run(run.eng, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double c1 = cpu_now_ns();
    if (timed_rc != 0) {
        if (w->explain) (void)w->explain(state, err);
        goto close;
    }
    for (int i = 0; i < run.nhelpers; i++) {
        if (sb_helper_wait(&run.helpers[i], run.helper_names[i], err) != 0) {
            /* The load generator's own account says more than its exit,
             * and the workload's (a task it could not create) more still. */
            if (run.lg) (void)sb_loadgen_check(run.lg, err);
            if (w->explain) (void)w->explain(state, err);
            goto close;
        }
    }
    if (run.lg && sb_loadgen_check(run.lg, err) != 0) goto close;
    if (w->verify(state, err) != 0) goto close;
    if (w->report) w->report(state, &run);
    /* The stack guard policy that really ran (--stack-guard=auto decides
     * per stack), for the record's label and counters. */
    if (run.eng->stacks_guarded + run.eng->stacks_unguarded) {
        sb_run_counter(&run, "stacks_guarded", (double)run.eng->stacks_guarded);
        sb_run_counter(&run, "stacks_unguarded", (double)run.eng->stacks_unguarded);
    }
    out->iterations = iterations;
    out->real_ns = ts_ns(&t1) - ts_ns(&t0);
    if (run.clock) {
        if (__atomic_load_n(&run.clock->stops, __ATOMIC_ACQUIRE) == 0 ||
            __atomic_load_n(&run.clock->start_ns, __ATOMIC_ACQUIRE) != 0) {
            sb_err_set(err,
                       "%s: the workload asked for manual timing but left its clock running or "
                       "never stopped it",
                       w->name);
            goto close;
        }
        out->real_ns = (double)__atomic_load_n(&run.clock->total_ns, __ATOMIC_ACQUIRE);
    }
    out->cpu_ns = c1 - c0;
    rc = 0;
close:
    for (int i = 0; i < run.nhelpers; i++) sb_helper_kill(&run.helpers[i]);
    sb_crash_set_engine(NULL);
    run.eng->ops->close(run.eng);
unmap:
    munmap(run.arena, SB_ARENA_BYTES);
    if (rc != 0 && !err->msg[0])
        sb_err_set(err, "%s/%s failed without a reason", w->name, spec->engine->name);
    return rc;
}
