/* One repetition's lifecycle: the arena mapped, the engine opened, the
 * workload set up, the timed part, helpers reaped and checked, the work
 * verified, counters reported, everything closed. The services a workload
 * calls meanwhile are in run_*.c (run_state.h). */
#include "repetition.h"

#include "sb_loadgen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "crash.h"
#include "disturb.h"
#include "layout.h"
#include "run_state.h"

/* Task structs and workload state come from one shared anonymous mapping,
 * the same for every engine so that no engine pays for memory the others
 * don't; only the processes engine needs it shared. MAP_NORESERVE: pages
 * are committed as they are touched. */
#define SB_ARENA_BYTES ((size_t)8 << 30)

/* The arena's size: 8 GiB of address space, or a quarter of an
 * address-space limit (ulimit -v) below that, which leaves the rest to
 * stacks, libraries and the kernel engines' threads. Under ulimit -v
 * 4000000 the fixed 8 GiB mapping failed every benchmark. */
static size_t arena_bytes(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_AS, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return SB_ARENA_BYTES;
    size_t quarter = (size_t)(r.rlim_cur / 4) & ~(size_t)4095;
    return quarter < SB_ARENA_BYTES ? quarter : SB_ARENA_BYTES;
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

/* The timed part, by what runs the tasks: a baseline's plain program, an
 * external reference's program that the workload drives, the workload's
 * own timed hook, or the engine's scheduler. */
static int run_timed(struct sb_run *run, void *state, uint64_t iterations, struct sb_err *err)
{
    const struct sb__run_spec *spec = run->spec;
    const struct sb_workload *w = spec->workload;
    if (spec->engine->caps & SB_CAP_BASELINE) return w->baseline(run, state, iterations, err);
    if (spec->engine->exec_argv) return w->external(run, state, iterations, err);
    if (w->timed) return w->timed(run, state, iterations, err);
    return run->eng->ops->run(run->eng, err);
}

/* The label's note: how kernel memory was read, where the load came from. */
static void run_note(const struct sb_run *run, struct sb__sample *out)
{
    if (run->kmem_open)
        snprintf(out->note, sizeof out->note, "kernel memory: %s",
                 sb__kmem_method_name(run->kmem.method));
    if (run->loaded_remotely) {
        size_t used = strlen(out->note);
        snprintf(out->note + used, sizeof out->note - used, "%sload from %s", used ? "; " : "",
                 run->spec->loadgen->load_host);
    }
}

/* The machine and the tree around the timed part. */
struct watch {
    struct sb__own_meter meter;
    struct sb__kthreads kthreads, kthreads_after;
    cpu_set_t cpus;
    bool have_cpus;
    struct sb__machine_time m0, m1;
    struct sb__own_time o0, o1, reaped; /* reaped: after the helpers were */
    bool on;                            /* --disturbance is on: else nothing is read */
    bool ok0, ok1;
};

static void watch_open(struct watch *w, bool on)
{
    memset(w, 0, sizeof *w);
    w->on = on;
    w->meter.clock_fd = w->meter.migrations_fd = -1;
    if (!on) return;
    /* Before the engine and the workload start anything: every thread and
     * process they make inherits the counters. */
    sb__own_meter_open(&w->meter);
    w->have_cpus = sched_getaffinity(0, sizeof w->cpus, &w->cpus) == 0;
}

static void watch_read(struct watch *w, bool end)
{
    if (!w->on) return;
    if (end) {
        sb__own_time_read(&w->meter, &w->o1);
        w->ok1 = sb__machine_time_read(w->have_cpus ? &w->cpus : NULL, &w->kthreads, &w->m1) == 0;
        sb__kthreads_find(&w->kthreads_after);
        w->m1.kthreads_ns += sb__kthreads_new_ns(&w->kthreads, &w->kthreads_after);
    } else {
        sb__kthreads_find(&w->kthreads);
        w->ok0 = sb__machine_time_read(w->have_cpus ? &w->cpus : NULL, &w->kthreads, &w->m0) == 0;
        sb__own_time_read(&w->meter, &w->o0);
    }
}

/* The deltas into the sample. `solo`: the main thread runs every task of
 * the benchmark, so its wait for a CPU is other processes' doing. */
static void watch_deltas(struct watch *w, double wall_ns, bool solo, struct sb__machine_delta *d)
{
    memset(d, 0, sizeof *d);
    if (!w->on) return;
    sb__own_time_read(&w->meter, &w->reaped); /* the helpers are reaped by now */
    d->measured = w->ok0 && w->ok1 && w->m0.ncpus == w->m1.ncpus &&
                  w->m0.busy_from_cpuacct == w->m1.busy_from_cpuacct;
    if (!d->measured) return;
    d->wall_ns = wall_ns;
    d->ncpus = w->m1.ncpus;
    d->busy_ns = w->m1.busy_ns - w->m0.busy_ns;
    d->busy_unit_ns = w->m1.busy_unit_ns;
    d->own_ns = w->o1.cpu_ns - w->o0.cpu_ns;
    if (w->reaped.rusage_ns - w->o0.rusage_ns > d->own_ns)
        d->own_ns = w->reaped.rusage_ns - w->o0.rusage_ns;
    d->kthreads_ns = w->m1.kthreads_ns - w->m0.kthreads_ns;
    d->steal_ns = w->m1.steal_ns - w->m0.steal_ns;
    d->steal_unit_ns = w->m1.steal_unit_ns;
    d->run_delay_ns = solo && w->o0.run_delay_ns >= 0 && w->o1.run_delay_ns >= 0
                          ? w->o1.run_delay_ns - w->o0.run_delay_ns
                          : -1;
    d->migrations =
        w->o0.migrations >= 0 && w->o1.migrations >= 0 ? w->o1.migrations - w->o0.migrations : -1;
    d->nivcsw = w->o1.nivcsw - w->o0.nivcsw;
    d->runnable = w->m0.runnable > w->m1.runnable ? w->m0.runnable : w->m1.runnable;
    /* A migration is a disturbance only of a lone thread pinned to one
     * CPU: an engine's new thread placed on another core counts as one. */
    d->one_cpu = solo && w->have_cpus && CPU_COUNT(&w->cpus) == 1;
}

/* Whether the main thread runs every task: a single-scheduler engine of
 * ours with no helper process and no server beside it. */
static bool runs_solo(const struct sb_run *run)
{
    const struct sb__run_spec *spec = run->spec;
    return !spec->engine->exec_argv &&
           !(spec->engine->caps & (SB_CAP_PARALLEL | SB_CAP_SEPARATE_MEMORY)) &&
           spec->cfg.workers <= 1 && run->nhelpers == 0 && !run->served && !run->serving;
}

int sb__run_repetition(const struct sb__run_spec *spec, uint64_t iterations, struct sb__sample *out,
                       struct sb_err *err)
{
    const struct sb_workload *w = spec->workload;
    struct sb_run run = {.spec = spec, .out = out, .root = getpid()};
    out->ncounters = 0;
    out->note[0] = '\0';
    out->stack_page_offset = sb__layout_stack_page_offset();
    void *state = NULL;
    int rc = -1;
    err->msg[0] = '\0';

    run.arena_bytes = arena_bytes();
    run.arena = mmap(NULL, run.arena_bytes, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (run.arena == MAP_FAILED) {
        char limit[96];
        int e = errno;
        sb__run_as_limit_text(limit, sizeof limit);
        sb_err_set(err, "cannot map task memory (%zu bytes of address space): %s%s",
                   run.arena_bytes, strerror(e), limit);
        return -1;
    }
    struct watch watch;
    watch_open(&watch, spec->watch_machine);
    /* An external engine has no instance of ours: its program serves. */
    struct sb_engine external = {.ops = spec->engine};
    if (spec->engine->exec_argv)
        run.eng = &external;
    else if (spec->engine->open(&spec->cfg, &run.eng, err) != 0)
        goto unmap;
    sb__crash_set_engine(run.eng);
    if (w->setup(&run, spec->params, iterations, &state, err) != 0) goto close;

    struct timespec t0, t1;
    watch_read(&watch, false);
    double c0 = cpu_now_ns();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (run.clock)
        __atomic_store_n(&run.clock->run_start_ns, (int64_t)ts_ns(&t0), __ATOMIC_RELEASE);
    for (int i = 0; i < run.nhelpers; i++) sb__helper_go(&run.helpers[i]);
    int timed_rc = run_timed(&run, state, iterations, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double c1 = cpu_now_ns();
    watch_read(&watch, true);
    if (timed_rc != 0) {
        if (w->explain) (void)w->explain(state, err);
        goto close;
    }
    for (int i = 0; i < run.nhelpers; i++) {
        const struct sb_helper_spec *hs = &run.helper_specs[i];
        if (sb__helper_wait(&run.helpers[i], hs->name, err) != 0) {
            /* A helper's own account says more than its exit, and the
             * workload's (a task it could not create) more still. */
            if (hs->check) (void)hs->check(hs->arg, err);
            if (w->explain) (void)w->explain(state, err);
            goto close;
        }
        if (hs->check && hs->check(hs->arg, err) != 0) goto close;
    }
    if (w->verify(state, err) != 0) goto close;
    if (w->report) w->report(state, &run);
    /* The stack guard policy that really ran (--stack-guard=auto decides
     * per stack), for the record's label and counters. */
    run_note(&run, out);
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
    watch_deltas(&watch, ts_ns(&t1) - ts_ns(&t0), runs_solo(&run), &out->machine);
    /* A server reaped in the timed run brought its start-up (an
     * interpreter's import of its library) into our children's time:
     * count only what it used from ready until asked to stop. */
    if (run.served) out->cpu_ns += run.server.cpu_ns - run.server.total_ns;
    rc = 0;
close:
    sb__meter_stop(&run.meter);
    for (int i = 0; i < run.nhelpers; i++) sb__helper_kill(&run.helpers[i]);
    if (run.serving) sb__external_kill(&run.server);
    sb__crash_set_engine(NULL);
    if (run.eng->ops->close) run.eng->ops->close(run.eng);
    if (run.kmem_open) sb__kmem_close(&run.kmem);
unmap:
    munmap(run.arena, run.arena_bytes);
    sb__own_meter_close(&watch.meter);
    if (rc != 0 && !err->msg[0])
        sb_err_set(err, "%s/%s failed without a reason", w->name, spec->engine->name);
    return rc;
}
