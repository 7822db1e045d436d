/* spawn: a task creates N tasks that are all alive at once, releases them
 * and waits until they have finished (claims C2, C5 in scripts/sbreport/claims/). One iteration
 * is one such batch; ns_per_task divides it by N. After the first batch is alive the clock pauses
 * while the memory of the run is measured to give bytes per live task: the kernel's share first
 * (kernel stacks, page tables, slab: sb_run_kernel_memory_bytes), then the user share (RSS
 * in-process, summed PSS for processes). bytes_per_task is their sum, and exists only where both
 * were measured: a thread's 16 KiB kernel stack outweighs its few kB of user memory, and leaving
 * it out reversed C2's order of threads and coroutines.
 *
 * Cold and warm are two figures: the first batch of a repetition creates its tasks in fresh memory
 * (page faults, new mappings), later batches reuse what the engine keeps (pooled stacks, glibc's
 * thread-stack cache). The quick run once set spawn/asm at 9.31k ns/task (4 batches, mostly cold)
 * beside asm-sharedfpu at 268 ns/task (200 batches, mostly warm): the same code, 35x apart, for
 * no reason but the iteration count. cold_ns_per_task is the first batch alone (the memory
 * measurement left out), warm_ns_per_task the batches after it; real_time stays Google
 * Benchmark's mean over all batches. */
#include <math.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sb_workload.h"

struct sp_state;

struct sp_task {
    struct sb_task t;
    struct sp_state *st;
};

struct sp_state {
    uint64_t n, batches, batch, i;
    uint64_t arrived, exited, failures;
    int first_error;
    double mem_before, mem_peak, kmem_before, kmem_peak;
    uint64_t mark_ns, cold_ns, warm_ns; /* first batch; the batches after it */
    struct sb_run *run;
    struct sb_clock *clock;
    struct sp_task parent;
    struct sp_task *kids;
};

static sb_ret sp_child(struct sb_task *t)
{
    struct sp_state *st = ((struct sp_task *)t)->st;
    SB_BEGIN(t);
    if (__atomic_add_fetch(&st->arrived, 1, __ATOMIC_ACQ_REL) == st->n) sb_wake(t, &st->parent.t);
    SB_AWAIT(t, sb_handoff(t, NULL)); /* alive, idle, until released */
    if (__atomic_add_fetch(&st->exited, 1, __ATOMIC_ACQ_REL) == st->n) sb_wake(t, &st->parent.t);
    SB_END(t);
}

static sb_ret sp_parent(struct sb_task *t)
{
    struct sp_state *st = ((struct sp_task *)t)->st;
    SB_BEGIN(t);
    sb_clock_start(st->clock);
    for (st->batch = 0; st->batch < st->batches; st->batch++) {
        if (st->batch <= 1) st->mark_ns = sb_now_ns();
        st->arrived = st->exited = 0;
        for (st->i = 0; st->i < st->n; st->i++) {
            SB_AWAIT(t, sb_spawn(t, &st->kids[st->i].t, sp_child));
            if (t->sb_result != SB_OK) {
                st->failures++;
                st->first_error = t->sb_result;
                break;
            }
        }
        if (st->failures) break;          /* the ones alive can never all arrive */
        SB_AWAIT(t, sb_handoff(t, NULL)); /* the last to arrive wakes us */
        if (st->batch == 0) {
            sb_clock_stop(st->clock);
            st->cold_ns = sb_now_ns() - st->mark_ns;
            st->kmem_peak = sb_run_kernel_memory_bytes(st->run);
            st->mem_peak = sb_run_memory_bytes(st->run, NULL);
            st->mark_ns = sb_now_ns();
            sb_clock_start(st->clock);
        }
        for (st->i = 0; st->i < st->n; st->i++) sb_wake(t, &st->kids[st->i].t);
        SB_AWAIT(t, sb_handoff(t, NULL)); /* the last to finish wakes us */
        if (st->batch == 0) st->cold_ns += sb_now_ns() - st->mark_ns;
    }
    if (st->batches > 1 && !st->failures) st->warm_ns = sb_now_ns() - st->mark_ns;
    if (st->failures) {
        /* Let the ones that did start finish, so the run can end. */
        for (uint64_t k = 0; k < st->i; k++) sb_wake(t, &st->kids[k].t);
    }
    sb_clock_stop(st->clock);
    SB_END(t);
}

static int sp_setup(struct sb_run *run, const long long *params, uint64_t batches, void **state,
                    struct sb_err *err)
{
    uint64_t n = (uint64_t)params[0];
    struct sp_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->kids = sb_run_alloc(run, n * sizeof *st->kids, err);
    if (!st->kids) return -1;
    st->n = n;
    st->batches = batches;
    st->run = run;
    st->clock = sb_run_manual_clock(run);
    st->parent.st = st;
    /* Before the task structs are touched: they are part of a task's cost. */
    st->kmem_before = sb_run_kernel_memory_bytes(run);
    st->mem_before = sb_run_memory_bytes(run, NULL);
    for (uint64_t i = 0; i < n; i++) st->kids[i].st = st;
    if (sb_run_spawn(run, &st->parent.t, sp_parent, err) != 0) return -1;
    *state = st;
    return 0;
}

static int sp_verify(void *state, struct sb_err *err)
{
    struct sp_state *st = state;
    struct sb_err engine_says = {{0}};
    if (st->failures && sb_run_spawn_failure(st->run, &engine_says) == 0) {
        sb_err_set(err, "spawn: could not create task %llu of %llu: %s", (unsigned long long)st->i,
                   (unsigned long long)st->n, engine_says.msg);
        return -1;
    }
    if (st->failures) {
        /* ENOMEM under an address-space limit is most likely that limit. */
        char as[96] = "";
        struct rlimit r;
        if (st->first_error == -ENOMEM && getrlimit(RLIMIT_AS, &r) == 0 &&
            r.rlim_cur != RLIM_INFINITY)
            snprintf(as, sizeof as, " (the address-space limit, ulimit -v, is %llu KiB)",
                     (unsigned long long)(r.rlim_cur / 1024));
        sb_err_set(
            err, "spawn: could not create task %llu of %llu: %s%s", (unsigned long long)st->i,
            (unsigned long long)st->n, strerror(-st->first_error),
            as[0]                        ? as
            : st->first_error == -ENOMEM ? " (memory, or vm.max_map_count: try --stack-guard=none)"
            : st->first_error == -EAGAIN ? " (RLIMIT_NPROC, kernel.threads-max or kernel.pid_max)"
                                         : "");
        return -1;
    }
    if (st->batch != st->batches || st->exited != st->n) {
        sb_err_set(err, "spawn: %llu of %llu batches, %llu of %llu tasks finished the last",
                   (unsigned long long)st->batch, (unsigned long long)st->batches,
                   (unsigned long long)st->exited, (unsigned long long)st->n);
        return -1;
    }
    return 0;
}

static void sp_report(void *state, struct sb_run *run)
{
    struct sp_state *st = state;
    sb_run_counter(run, "tasks", (double)st->n);
    sb_run_counter(run, "memory_kb", st->mem_peak / 1024);
    /* Per task only from SB_MEMORY_MIN_TASKS up: below, the process's own
     * fluctuation outweighs a task (NAN leaves the counters out). */
    bool enough = st->n >= SB_MEMORY_MIN_TASKS;
    double user = enough ? (st->mem_peak - st->mem_before) / (double)st->n : NAN;
    double kernel = enough ? (st->kmem_peak - st->kmem_before) / (double)st->n : NAN;
    sb_run_counter(run, "user_bytes_per_task", user);
    /* NAN (not measured) leaves both counters out of the record. */
    sb_run_counter(run, "kernel_bytes_per_task", kernel);
    sb_run_counter(run, "bytes_per_task", isnan(kernel) ? NAN : user + kernel);
    sb_run_counter(run, "cold_ns_per_task", (double)st->cold_ns / (double)st->n);
    if (st->batches > 1)
        sb_run_counter(run, "warm_ns_per_task",
                       (double)st->warm_ns / (double)((st->batches - 1) * st->n));
}

static const long long sp_tasks[] = {1000, 10000, 100000};
/* The quick run's 10,000 is C5's "tens of thousands" on every coroutine
 * engine; 100,000 took 33 s of a 125 s quick run (an mmap and a munmap
 * per stack: 22 us a task on the 2-vCPU VM) and stays in the full sweep. */
static const long long sp_tasks_quick[] = {1000, 10000};
static const struct sb_param_def sp_params[] = {
    SB_PARAM("tasks", "tasks alive at once in a batch", 1, 100000000, sp_tasks, sp_tasks_quick),
};

static void sp_demand(const long long *params, struct sb_demand *d)
{
    d->tasks = (uint64_t)params[0] + 1;
}

const struct sb_workload sb_wl_spawn = {
    .demand = sp_demand,
    .name = "spawn",
    .summary = "create N live tasks, release, reap; ns per batch, bytes per live task",
    .unit = "batch",
    .rate_counter = "batches_per_second",
    .params = sp_params,
    .n_params = SB_COUNT(sp_params),
    .iter_multiple = 1,
    .setup = sp_setup,
    .verify = sp_verify,
    .report = sp_report,
};
