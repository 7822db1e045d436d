/* The manual clock of sb_workload.h: a workload that times only part of
 * its work (Google Benchmark's UseManualTime) sums start/stop spans. */
#include <time.h>

#include "run_state.h"

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
