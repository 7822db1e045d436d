#include "repetition.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "crash.h"
#include "external.h"
#include "helper.h"
#include "kmem.h"
#include "layout.h"
#include "proctree.h"

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

/* The address-space limit in words, for a message ("" when none). */
static void as_limit_text(char *buf, size_t len)
{
    struct rlimit r;
    buf[0] = '\0';
    if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
        snprintf(buf, len, "; the address-space limit (ulimit -v) is %llu KiB",
                 (unsigned long long)(r.rlim_cur / 1024));
}

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
    size_t arena_bytes;
    size_t used;
    struct sb_clock *clock; /* in the arena, when the workload asked for one */
    struct sb_sample *out;
    pid_t root; /* the benchmark process: memory is summed from here down */
    struct sb_helper helpers[SB_MAX_HELPERS];
    struct sb_helper_spec helper_specs[SB_MAX_HELPERS];
    int nhelpers;
    /* The helpers' pids, in the arena: a helper forked before another
     * must see it too, to leave both out of the memory it measures. */
    struct run_helper_pids {
        uint32_t n;
        pid_t pid[SB_MAX_HELPERS];
    } * helper_pids;
    /* An external reference's program serving this repetition. */
    struct sb_external_server server;
    bool serving, served; /* started; stopped and reaped */
    struct sb_kmem kmem;  /* opened by the first sb_run_kernel_memory_bytes */
    bool kmem_open;
};

int sb_run_helper(struct sb_run *run, const struct sb_helper_spec *spec, struct sb_err *err)
{
    if (run->nhelpers == SB_MAX_HELPERS) {
        sb_err_set(err, "%s: more than %d helper processes", spec->name, SB_MAX_HELPERS);
        return -1;
    }
    if (!run->helper_pids && !(run->helper_pids = sb_run_alloc(run, sizeof *run->helper_pids, err)))
        return -1;
    uint32_t *gate = sb_run_alloc(run, sizeof *gate, err); /* shared with the helper */
    if (!gate) return -1;
    struct sb_helper *h = &run->helpers[run->nhelpers];
    h->on_death = spec->on_death;
    h->ctx = spec->arg;
    if (sb_helper_start(h, gate, run->spec->cfg.pin_ctx, spec->main, spec->arg, err) != 0)
        return -1;
    run->helper_specs[run->nhelpers++] = *spec;
    /* Published before the gate opens, so every helper sees every pid. */
    run->helper_pids->pid[run->helper_pids->n++] = h->pid;
    return 0;
}

struct probe_args {
    const struct sb_run *run; /* the helper's copy, as it was at fork */
    uint64_t delay_ns;
    double bytes;
};

static int probe_main(void *p)
{
    struct probe_args *a = p;
    struct timespec ts = {(time_t)(a->delay_ns / 1000000000u), (long)(a->delay_ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    a->bytes = sb_run_memory_bytes(a->run, NULL);
    return 0;
}

int sb_run_memory_probe(struct sb_run *run, uint64_t delay_ns, double **out, struct sb_err *err)
{
    struct probe_args *a = sb_run_alloc(run, sizeof *a, err);
    if (!a) return -1;
    *a = (struct probe_args){.run = run, .delay_ns = delay_ns, .bytes = -1};
    struct sb_helper_spec spec = {.name = "memory probe", .main = probe_main, .arg = a};
    if (sb_run_helper(run, &spec, err) != 0) return -1;
    *out = &a->bytes;
    return 0;
}

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

uint64_t sb_now_ns(void) { return (uint64_t)mono_ns(); }

struct sb_clock *sb_run_manual_clock(struct sb_run *run)
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
    if (size > run->arena_bytes || at > run->arena_bytes - size) {
        char limit[96];
        as_limit_text(limit, sizeof limit);
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

int sb_run_engine_has(const struct sb_run *run, unsigned caps)
{
    return (run->eng->ops->caps & caps) == caps;
}

int sb_run_engine_external(const struct sb_run *run)
{
    return run->spec->engine->exec_argv != NULL;
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

double sb_run_memory_bytes(const struct sb_run *run, double *rss_bytes)
{
    const struct run_helper_pids *h = run->helper_pids;
    return sb_proc_tree_memory_bytes(run->root, h ? h->pid : NULL, h ? h->n : 0, rss_bytes);
}

double sb_run_kernel_memory_bytes(struct sb_run *run)
{
    if (!run->kmem_open) {
        if (getpid() != run->root) return NAN; /* a cgroup is joined from setup only */
        sb_kmem_open(&run->kmem);
        run->kmem_open = true;
    }
    return sb_kmem_bytes(&run->kmem);
}

int sb_run_serve_external(struct sb_run *run, uint16_t *port, struct sb_err *err)
{
    const struct sb_run_spec *spec = run->spec;
    if (!spec->engine->exec_argv || run->serving || run->nhelpers) {
        sb_err_set(err, "%s: sb_run_serve_external: %s", spec->workload->name,
                   !spec->engine->exec_argv ? "not an external engine"
                   : run->serving           ? "already serving"
                                            : "called after a helper started");
        return -1;
    }
    struct sb_external_args a;
    sb_external_args_init(&a, spec->engine, spec->workload, spec->params, spec->cfg.workers);
    if (sb_external_serve(&run->server, &a, spec->cfg.pin_ctx, spec->cfg.workers, port, err) != 0)
        return -1;
    run->serving = true;
    run->root = run->server.pid; /* the memory measured is the server's */
    return 0;
}

int sb_run_stop_external(struct sb_run *run, const char *const *names, double *values, size_t n,
                         struct sb_err *err)
{
    if (!run->serving || run->served) {
        sb_err_set(err, "sb_run_stop_external: no server running");
        return -1;
    }
    run->served = true;
    return sb_external_stop(&run->server, names, values, n, err);
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
    out->note[0] = '\0';
    out->stack_page_offset = sb_layout_stack_page_offset();
    void *state = NULL;
    int rc = -1;
    err->msg[0] = '\0';

    run.arena_bytes = arena_bytes();
    run.arena = mmap(NULL, run.arena_bytes, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (run.arena == MAP_FAILED) {
        char limit[96];
        int e = errno;
        as_limit_text(limit, sizeof limit);
        sb_err_set(err, "cannot map task memory (%zu bytes of address space): %s%s",
                   run.arena_bytes, strerror(e), limit);
        return -1;
    }
    /* An external engine has no instance of ours: its program serves. */
    struct sb_engine external = {.ops = spec->engine};
    if (spec->engine->exec_argv)
        run.eng = &external;
    else if (spec->engine->open(&spec->cfg, &run.eng, err) != 0)
        goto unmap;
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
                   : spec->engine->exec_argv ? w->external(&run, state, iterations, err)
                   : w->timed                ? w->timed(&run, state, iterations, err)
                                             : run.eng->ops->run(run.eng, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double c1 = cpu_now_ns();
    if (timed_rc != 0) {
        if (w->explain) (void)w->explain(state, err);
        goto close;
    }
    for (int i = 0; i < run.nhelpers; i++) {
        const struct sb_helper_spec *hs = &run.helper_specs[i];
        if (sb_helper_wait(&run.helpers[i], hs->name, err) != 0) {
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
    if (run.kmem_open)
        snprintf(out->note, sizeof out->note, "kernel memory: %s",
                 sb_kmem_method_name(run.kmem.method));
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
    /* A server reaped in the timed run brought its start-up (an
     * interpreter's import of its library) into our children's time:
     * count only what it used from ready until asked to stop. */
    if (run.served) out->cpu_ns += run.server.cpu_ns - run.server.total_ns;
    rc = 0;
close:
    for (int i = 0; i < run.nhelpers; i++) sb_helper_kill(&run.helpers[i]);
    if (run.serving) sb_external_kill(&run.server);
    sb_crash_set_engine(NULL);
    if (run.eng->ops->close) run.eng->ops->close(run.eng);
    if (run.kmem_open) sb_kmem_close(&run.kmem);
unmap:
    munmap(run.arena, run.arena_bytes);
    if (rc != 0 && !err->msg[0])
        sb_err_set(err, "%s/%s failed without a reason", w->name, spec->engine->name);
    return rc;
}
